//! A command's request as a window sends it: `consentry_api::fuzzing::ipc_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    consentry_api::fuzzing::ipc_request(data);
});
