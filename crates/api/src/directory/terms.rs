//! Re-consent: what changed between two versions of an app's terms — the text, line by line,
//! and the scopes the app asks for — so the cardholder decides on the difference, not on a
//! wall of text. Accepting is `grant_set` with the grant's options (it records the new version).

use std::collections::BTreeSet;

use consentry_store::{apps, grants};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::vocabulary::Scope;
use crate::{ApiError, Context, ErrorCode};

/// The diff of two versions of an app's terms. Versions default to what the cardholder's
/// paused grants are waiting on: from the version they accepted to the pending one.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TermsDiffRequest {
    pub app_id: String,
    /// The version accepted before; by default the oldest one a paused grant is under.
    #[ts(optional)]
    pub from_version: Option<u32>,
    /// The new version; by default the newest one a grant is waiting on, else the current one.
    #[ts(optional)]
    pub to_version: Option<u32>,
}

/// How a line of the terms changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Unchanged,
    Removed,
    Added,
}

/// One line of the terms, in reading order of the merged texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
    /// For a removed line reworded by the added line that follows it (and for that added
    /// line): its words, each unchanged or removed (or added), so that the change shows word
    /// by word. Empty when the whole line is new, gone or unchanged.
    pub words: Vec<DiffWord>,
}

/// A run of words of a reworded line (with the spaces after them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DiffWord {
    pub change: LineChange,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TermsDiff {
    pub app_id: String,
    pub from_version: u32,
    pub to_version: u32,
    /// The old text turned into the new one, line by line.
    pub lines: Vec<DiffLine>,
    pub lines_added: u32,
    pub lines_removed: u32,
    /// Whether the scopes asked for with the old version are known (the wallet keeps them
    /// per version only since it learnt to; for older versions they are not guessed).
    pub scopes_known: bool,
    /// Scopes the new version asks for that the old one did not.
    pub scopes_added: Vec<Scope>,
    /// Scopes the old version asked for that the new one no longer does.
    pub scopes_removed: Vec<Scope>,
    /// Scopes the new version asks for (all of them).
    pub scopes_requested: Vec<Scope>,
}

/// Longest texts (in lines, each side) diffed line by line; longer ones are shown as all
/// removed then all added, which is still correct, just coarse.
const MAX_DIFF_LINES: usize = 4_000;

/// The line diff of `old` into `new`: the longest common subsequence of lines stays
/// unchanged, the rest of `old` is removed and the rest of `new` added (removals before
/// additions at each change, as `diff -u` shows them).
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let line = |change, text: &str| DiffLine {
        change,
        text: consentry_domain::neutralize(text).into_owned(),
        words: Vec::new(),
    };
    // Common head and tail need no table (and are most of a small edit).
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);

    let mut out: Vec<DiffLine> = a[..head]
        .iter()
        .map(|t| line(LineChange::Unchanged, t))
        .collect();
    if a_mid.len() > MAX_DIFF_LINES || b_mid.len() > MAX_DIFF_LINES {
        out.extend(a_mid.iter().map(|t| line(LineChange::Removed, t)));
        out.extend(b_mid.iter().map(|t| line(LineChange::Added, t)));
    } else {
        out.extend(lcs_diff(a_mid, b_mid));
    }
    out.extend(
        a[a.len() - tail..]
            .iter()
            .map(|t| line(LineChange::Unchanged, t)),
    );
    out
}

/// The classic dynamic programme (`len[i][j]` is the LCS length of `a[i..]` and `b[j..]`):
/// every item of `a` and `b` in merged order, unchanged (index into `a`), removed (into `a`)
/// or added (into `b`).
fn lcs_ops<T: PartialEq>(a: &[T], b: &[T]) -> Vec<(LineChange, usize)> {
    let width = b.len() + 1;
    let mut len = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            len[i * width + j] = if a[i] == b[j] {
                len[(i + 1) * width + j + 1] + 1
            } else {
                len[(i + 1) * width + j].max(len[i * width + j + 1])
            };
        }
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push((LineChange::Unchanged, i));
            i += 1;
            j += 1;
        } else if len[(i + 1) * width + j] >= len[i * width + j + 1] {
            out.push((LineChange::Removed, i));
            i += 1;
        } else {
            out.push((LineChange::Added, j));
            j += 1;
        }
    }
    out.extend((i..a.len()).map(|i| (LineChange::Removed, i)));
    out.extend((j..b.len()).map(|j| (LineChange::Added, j)));
    out
}

fn lcs_diff(a: &[&str], b: &[&str]) -> Vec<DiffLine> {
    let mut out: Vec<DiffLine> = lcs_ops(a, b)
        .into_iter()
        .map(|(change, k)| {
            let text = if change == LineChange::Added {
                b[k]
            } else {
                a[k]
            };
            DiffLine {
                change,
                text: consentry_domain::neutralize(text).into_owned(),
                words: Vec::new(),
            }
        })
        .collect();
    reword(&mut out);
    out
}

/// Longest lines (in words) diffed word by word.
const MAX_DIFF_WORDS: usize = 400;

/// Pairs each block of removed lines with the added lines right after it, one for one, and
/// marks the words of a pair that keep at least a third of their words in common.
fn reword(lines: &mut [DiffLine]) {
    let mut i = 0;
    while i < lines.len() {
        let removed = lines[i..]
            .iter()
            .take_while(|l| l.change == LineChange::Removed)
            .count();
        let added = lines[i + removed..]
            .iter()
            .take_while(|l| l.change == LineChange::Added)
            .count();
        for k in 0..removed.min(added) {
            let (old, new) = (i + k, i + removed + k);
            if let Some((old_words, new_words)) = word_diff(&lines[old].text, &lines[new].text) {
                lines[old].words = old_words;
                lines[new].words = new_words;
            }
        }
        i += (removed + added).max(1);
    }
}

/// The words of `old` (unchanged or removed) and of `new` (unchanged or added), runs of the
/// same change merged; `None` when the lines have too little in common to read as a rewording.
fn word_diff(old: &str, new: &str) -> Option<(Vec<DiffWord>, Vec<DiffWord>)> {
    let a: Vec<&str> = old.split_inclusive(char::is_whitespace).collect();
    let b: Vec<&str> = new.split_inclusive(char::is_whitespace).collect();
    if a.len() > MAX_DIFF_WORDS || b.len() > MAX_DIFF_WORDS {
        return None;
    }
    let ops = lcs_ops(&a, &b);
    let kept = ops
        .iter()
        .filter(|(c, _)| *c == LineChange::Unchanged)
        .count();
    if kept * 3 < a.len().max(b.len()) {
        return None;
    }
    let (mut old_words, mut new_words) = (Vec::new(), Vec::new());
    let push = |words: &mut Vec<DiffWord>, change, text: &str| match words.last_mut() {
        Some(last) if last.change == change => last.text.push_str(text),
        _ => words.push(DiffWord {
            change,
            text: text.to_owned(),
        }),
    };
    let mut j = 0;
    for (change, k) in ops {
        match change {
            LineChange::Unchanged => {
                push(&mut old_words, change, a[k]);
                push(&mut new_words, change, b[j]);
                j += 1;
            }
            LineChange::Removed => push(&mut old_words, change, a[k]),
            LineChange::Added => {
                push(&mut new_words, change, b[k]);
                j = k + 1;
            }
        }
    }
    Some((old_words, new_words))
}

fn not_found(message: String) -> ApiError {
    ApiError::new(ErrorCode::NotFound, message)
}

pub async fn terms_diff(ctx: &Context, request: TermsDiffRequest) -> Result<TermsDiff, ApiError> {
    let pool = ctx.pool().await?;
    let app = apps::get(&pool, &request.app_id)
        .await?
        .ok_or_else(|| not_found(format!("no app {} in the directory", request.app_id)))?;
    let app_grants: Vec<_> = grants::list(&pool)
        .await?
        .into_iter()
        .filter(|g| g.app_id == request.app_id)
        .collect();
    let to_version = request
        .to_version
        .or_else(|| {
            app_grants
                .iter()
                .filter_map(|g| g.pending_terms_version)
                .max()
        })
        .unwrap_or(app.listing.terms_version);
    let from_version = match request.from_version {
        Some(v) => v,
        None => {
            let accepted = app_grants
                .iter()
                .filter(|g| g.pending_terms_version.is_some())
                .map(|g| g.terms_version)
                .filter(|v| *v < to_version)
                .min();
            let earlier = apps::terms_versions(&pool, &request.app_id)
                .await?
                .into_iter()
                .filter(|v| *v < to_version)
                .max();
            accepted.or(earlier).ok_or_else(|| {
                not_found(format!(
                    "the wallet holds no version of {}'s terms before version {to_version}",
                    app.listing.name
                ))
            })?
        }
    };
    if from_version >= to_version {
        return Err(ApiError::invalid_input(format!(
            "fromVersion ({from_version}) must be older than toVersion ({to_version})"
        )));
    }
    let version = |v: u32, language: Option<String>| {
        let pool = pool.clone();
        let (id, name) = (request.app_id.clone(), app.listing.name.clone());
        async move {
            apps::terms_version(&pool, &id, v, language.as_deref())
                .await?
                .ok_or_else(|| {
                    not_found(format!(
                        "the wallet has not fetched version {v} of {name}'s terms: refresh the directory"
                    ))
                })
        }
    };
    // Both texts in one language: the new one in the wallet's language when the wallet has
    // it, the old one in the language of the new (when the wallet has it too).
    let new = version(to_version, Some(ctx.lang().await.code().to_owned())).await?;
    let old = version(from_version, new.language.clone()).await?;

    let lines = line_diff(&old.text, &new.text);
    let tally = |change| {
        u32::try_from(lines.iter().filter(|l| l.change == change).count()).unwrap_or(u32::MAX)
    };
    let (lines_added, lines_removed) = (tally(LineChange::Added), tally(LineChange::Removed));
    // The new version's scopes: stored with it, or the directory's when it is the current one.
    let new_scopes: Vec<consentry_domain::Scope> = match new.requested_scopes {
        Some(scopes) => scopes,
        None if to_version == app.listing.terms_version => app.listing.requested_scopes.clone(),
        None => Vec::new(),
    };
    let new_set: BTreeSet<_> = new_scopes.iter().copied().collect();
    let (scopes_known, scopes_added, scopes_removed) = match old.requested_scopes {
        Some(old_scopes) => {
            let old_set: BTreeSet<_> = old_scopes.into_iter().collect();
            (
                true,
                new_set.difference(&old_set).map(|s| (*s).into()).collect(),
                old_set.difference(&new_set).map(|s| (*s).into()).collect(),
            )
        }
        None => (false, Vec::new(), Vec::new()),
    };
    Ok(TermsDiff {
        app_id: request.app_id,
        from_version,
        to_version,
        lines,
        lines_added,
        lines_removed,
        scopes_known,
        scopes_added,
        scopes_removed,
        scopes_requested: new_scopes.into_iter().map(Scope::from).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(lines: &[DiffLine]) -> String {
        lines
            .iter()
            .map(|l| {
                let mark = match l.change {
                    LineChange::Unchanged => ' ',
                    LineChange::Removed => '-',
                    LineChange::Added => '+',
                };
                format!("{mark}{}\n", l.text)
            })
            .collect()
    }

    #[test]
    fn identical_texts_are_all_unchanged() {
        let diff = line_diff("a\nb\nc", "a\nb\nc");
        assert_eq!(render(&diff), " a\n b\n c\n");
    }

    #[test]
    fn a_changed_line_is_removed_then_added() {
        let diff = line_diff("a\nb\nc", "a\nB\nc");
        assert_eq!(render(&diff), " a\n-b\n+B\n c\n");
    }

    #[test]
    fn insertions_and_deletions_keep_the_common_lines() {
        let old = "intro\nwe keep receipts\nwe share nothing\nend";
        let new = "intro\nwe keep receipts\nwe share offers with partners\nwe post to social\nend";
        assert_eq!(
            render(&line_diff(old, new)),
            " intro\n we keep receipts\n-we share nothing\n+we share offers with partners\n+we post to social\n end\n"
        );
    }

    #[test]
    fn the_longest_common_subsequence_is_kept_when_lines_move() {
        // "b c" is the longest run in common; "a" moved to the end.
        let diff = line_diff("a\nb\nc", "b\nc\na");
        assert_eq!(render(&diff), "-a\n b\n c\n+a\n");
    }

    #[test]
    fn empty_sides() {
        assert_eq!(render(&line_diff("", "x\ny")), "+x\n+y\n");
        assert_eq!(render(&line_diff("x", "")), "-x\n");
        assert!(line_diff("", "").is_empty());
    }

    #[test]
    fn every_line_of_both_texts_appears_once_in_order() {
        let old = "1\n2\n3\n4\n5\n6";
        let new = "0\n2\n3\nx\n5\n6\n7";
        let diff = line_diff(old, new);
        let side = |keep: LineChange| -> Vec<&str> {
            diff.iter()
                .filter(|l| l.change == LineChange::Unchanged || l.change == keep)
                .map(|l| l.text.as_str())
                .collect()
        };
        assert_eq!(side(LineChange::Removed), old.lines().collect::<Vec<_>>());
        assert_eq!(side(LineChange::Added), new.lines().collect::<Vec<_>>());
        let unchanged = diff
            .iter()
            .filter(|l| l.change == LineChange::Unchanged)
            .count();
        assert_eq!(unchanged, 4, "2 3 5 6 are common");
    }
}

#[cfg(test)]
mod word_tests {
    use super::{line_diff, LineChange};

    #[test]
    fn lines_with_little_in_common_are_replaced_not_reworded() {
        let diff = line_diff(
            "We keep all receipts.",
            "Offers come from partners every week now.",
        );
        let changes: Vec<LineChange> = diff.iter().map(|l| l.change).collect();
        assert_eq!(changes, [LineChange::Removed, LineChange::Added]);
        assert!(diff.iter().all(|l| l.words.is_empty()));
    }

    #[test]
    fn a_reworded_line_keeps_its_spacing_and_order() {
        let diff = line_diff("Fees: 1 % a month.", "Fees: 2 % a month, billed yearly.");
        let old: String = diff[0].words.iter().map(|w| w.text.as_str()).collect();
        let new: String = diff[1].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            (old.as_str(), new.as_str()),
            (diff[0].text.as_str(), diff[1].text.as_str())
        );
        assert!(diff[1]
            .words
            .iter()
            .any(|w| w.change == LineChange::Added && w.text.contains("billed")));
    }
}
