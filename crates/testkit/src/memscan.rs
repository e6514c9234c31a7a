//! Reads another process's memory (`/proc/<pid>/maps` + `/proc/<pid>/mem`, which needs root or
//! ptrace rights over it) and counts where secrets appear: what "Lock means gone" is tested
//! with. Every readable mapping is read, including freed heap and stacks.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

/// A secret to look for, by name, in every spelling a program could have made of it.
pub struct Secret {
    pub name: String,
    pub spellings: Vec<Vec<u8>>,
}

impl Secret {
    /// `text` as UTF-8 and as UTF-16LE (JavaScript engines keep some strings that way).
    pub fn text(name: &str, text: &str) -> Self {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        Self {
            name: name.to_owned(),
            spellings: vec![text.as_bytes().to_vec(), utf16],
        }
    }

    /// Raw bytes, and their hex in both cases (UTF-8 and UTF-16LE).
    pub fn key(name: &str, bytes: &[u8]) -> Self {
        let lower: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let upper = lower.to_uppercase();
        let mut spellings = vec![bytes.to_vec()];
        for hex in [lower, upper] {
            spellings.extend(Self::text(name, &hex).spellings);
        }
        Self {
            name: name.to_owned(),
            spellings,
        }
    }
}

const CHUNK: u64 = 1 << 22;
const PAGE: u64 = 4096;

/// Memory a running program may have written: anonymous memory, heap, stacks, shared memory
/// files and writable private file mappings. Not code or read-only data (as on disk), and
/// never device mappings (reading a GPU mapping can block).
fn worth_reading(perms: &str, path: &str) -> bool {
    if !perms.starts_with('r') || path.starts_with("/dev/") || path.starts_with("[v") {
        return false;
    }
    let writable = perms.as_bytes().get(1) == Some(&b'w');
    path.is_empty() || path.starts_with('[') || path.starts_with("/memfd:") || writable
}

/// The runs of pages of `[start, end)` that are in memory or swapped out (from
/// `/proc/<pid>/pagemap`): reserved but untouched address space is skipped.
fn present_runs(pagemap: &mut File, start: u64, end: u64) -> Vec<(u64, u64)> {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let pages = (end - start) / PAGE;
    let mut done = 0;
    while done < pages {
        let batch = (pages - done).min(1 << 16);
        let mut entries = vec![0u8; (batch * 8) as usize];
        let offset = (start / PAGE + done) * 8;
        let read = pagemap
            .seek(SeekFrom::Start(offset))
            .and_then(|_| pagemap.read(&mut entries));
        let Ok(read) = read else {
            // No page map (no rights): read everything.
            return vec![(start, end)];
        };
        for (i, entry) in entries[..read].chunks_exact(8).enumerate() {
            let bits = u64::from_le_bytes(entry.try_into().unwrap_or_default());
            if bits & (3 << 62) == 0 {
                continue;
            }
            let page = start + (done + i as u64) * PAGE;
            match runs.last_mut() {
                Some(last) if last.1 == page => last.1 += PAGE,
                _ => runs.push((page, page + PAGE)),
            }
        }
        if read < entries.len() {
            break;
        }
        done += batch;
    }
    runs
}

/// One finding: which secret, in which process, how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub pid: u32,
    pub process: String,
    pub secret: String,
    pub copies: usize,
}

/// Counts the copies of each secret in process `pid` (0 copies are not listed).
pub fn scan(pid: u32, secrets: &[Secret]) -> std::io::Result<Vec<Found>> {
    let process = std::fs::read_to_string(format!("/proc/{pid}/comm"))?
        .trim()
        .to_owned();
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))?;
    let mut mem = File::open(format!("/proc/{pid}/mem"))?;
    let mut counts = vec![0usize; secrets.len()];
    let longest = secrets
        .iter()
        .flat_map(|s| s.spellings.iter().map(Vec::len))
        .max()
        .unwrap_or(0);
    let mut pagemap = File::open(format!("/proc/{pid}/pagemap"))?;
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let path = fields.nth(3).unwrap_or("");
        if !worth_reading(perms, path) {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        else {
            continue;
        };
        for (run_start, run_end) in present_runs(&mut pagemap, start, end) {
            // Read in chunks that overlap by the longest pattern; a match is counted in the
            // chunk where it starts.
            let mut at = run_start;
            while at < run_end {
                let len = CHUNK.min(run_end - at) as usize;
                let want = (len + longest).min((run_end - at) as usize);
                let mut buffer = vec![0u8; want];
                let read = mem
                    .seek(SeekFrom::Start(at))
                    .and_then(|_| mem.read(&mut buffer));
                let Ok(read) = read else {
                    break;
                };
                for (i, secret) in secrets.iter().enumerate() {
                    for spelling in &secret.spellings {
                        let end = read.min(len + spelling.len().saturating_sub(1));
                        counts[i] += count_in(&buffer[..end], spelling);
                    }
                }
                at += len as u64;
            }
        }
    }
    Ok(secrets
        .iter()
        .zip(counts)
        .filter(|(_, copies)| *copies > 0)
        .map(|(secret, copies)| Found {
            pid,
            process: process.clone(),
            secret: secret.name.clone(),
            copies,
        })
        .collect())
}

fn count_in(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || haystack.len() < needle.len() {
        return 0;
    }
    let first = needle[0];
    let mut count = 0;
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        match haystack[i..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            Some(offset) => {
                i += offset;
                if haystack[i..i + needle.len()] == *needle {
                    count += 1;
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
            None => break,
        }
    }
    count
}

/// The app process started for `data_dir` and every process it started (WebKit's web and
/// network processes), not the WebDriver processes that share its environment.
pub fn app_processes(data_dir: &Path) -> Vec<u32> {
    crate::app::process_tree(data_dir, |pid| {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim() == "consentry-app")
    })
}

#[cfg(test)]
mod tests {
    use super::count_in;

    #[test]
    fn counts_every_non_overlapping_copy() {
        assert_eq!(count_in(b"abcabcab", b"abc"), 2);
        assert_eq!(count_in(b"aaaa", b"aa"), 2);
        assert_eq!(count_in(b"xyz", b"abc"), 0);
        assert_eq!(count_in(b"ab", b"abc"), 0);
    }
}
