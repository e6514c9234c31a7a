//! The `ipc_request` fuzz target's corpus (`fuzz/corpus/ipc_request/`) replayed through the
//! target's own code, `consentry_api::fuzzing::ipc_request`.

use std::path::{Path, PathBuf};

use consentry_api::fuzzing::{command_names, ipc_request, reads_as};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/ipc_request");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn every_corpus_input_is_read_without_a_panic() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 10,
        "fuzz/corpus/ipc_request holds {} inputs: the corpus moved or was lost",
        corpus.len()
    );
    for (_, data) in &corpus {
        ipc_request(data);
    }
}

/// Seeds are named `<command>-<what>.bin`: each still reads as its command's request, so a
/// changed DTO shows which seeds to update (the first byte may pick another command once
/// commands are added; the JSON stays a good start for the fuzzer either way).
#[test]
fn every_named_seed_reads_as_its_commands_request() {
    let commands: Vec<&str> = command_names().collect();
    assert_eq!(commands.len(), consentry_api::bindings::COMMAND_NAMES.len());
    let mut named = 0;
    for (name, data) in corpus() {
        let Some((command, _)) = name.split_once('-') else {
            continue; // found by the fuzzer
        };
        named += 1;
        assert_eq!(
            reads_as(command, &data[1..]),
            Some(true),
            "{name} no longer reads as a {command} request: update it"
        );
    }
    assert!(named >= 10, "only {named} named seeds");
}

#[test]
fn the_first_byte_picks_the_command_and_bad_json_is_an_error_not_a_panic() {
    assert_eq!(reads_as("app_info", b"{}"), Some(true));
    assert_eq!(reads_as("app_info", b"{\"extra\":1}"), Some(false));
    assert_eq!(reads_as("no_such_command", b"{}"), None);
    for pick in 0..=u8::MAX {
        for json in [
            &b""[..],
            b"{}",
            b"null",
            b"[",
            b"{\"method\":\"recovery_key\"}",
        ] {
            ipc_request(&[&[pick][..], json].concat());
        }
    }
}
