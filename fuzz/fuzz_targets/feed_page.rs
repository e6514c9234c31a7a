//! A feed page from the platform, through every check before an event is stored:
//! `consentry_sync::fuzzing::feed_page` (its docs say what is checked).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    consentry_sync::fuzzing::feed_page(data);
});
