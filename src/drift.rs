//! Drift as `check --format json|github` reports it: one record, or one annotation, per file
//! that differs from what `render` would write, so a drift check in CI shows on the pull
//! request next to the files themselves.

use std::fmt::Write as _;

use crate::layout::OutputTree;
use crate::output::{Comparison, Found};

/// How a drifted file differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The file exists with other content, or is not a file at all.
    Changed,
    /// render would create it.
    Missing,
    /// render wrote it before and would now delete it.
    Extra,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Missing => "missing",
            Status::Extra => "extra",
        }
    }
}

/// One drifted file: where it is (below the output folder as shown), how it differs, and the
/// unified diff where there is text to compare.
pub struct Drifted {
    pub file: String,
    pub status: Status,
    pub diff: Option<String>,
    /// One line for people: what render would do.
    pub summary: String,
}

/// Every drifted file of a comparison, in the order `check` prints them.
#[must_use]
pub fn drifted(cmp: &Comparison, tree: &OutputTree, out: &str) -> Vec<Drifted> {
    let file = |path: &str| {
        if out.is_empty() || out == "." {
            path.to_owned()
        } else {
            format!("{}/{path}", out.trim_end_matches('/'))
        }
    };
    let mut found = Vec::new();
    for (path, was) in &cmp.changed {
        let new = &tree[path];
        let (diff, summary) = match was {
            Found::Text(old) => {
                let (added, removed) = crate::text_diff::line_counts(old, new);
                (
                    Some(crate::text_diff::unified(path, old, new, false)),
                    format!("differs from what render writes (+{added} -{removed} lines)"),
                )
            }
            Found::Binary(size) => (
                None,
                format!("holds {size} bytes that are not UTF-8 text; render would replace it"),
            ),
            Found::TooLarge(size) => (
                None,
                format!("holds {size} bytes, too large to compare; render would replace it"),
            ),
            Found::NotAFile(kind) => (
                None,
                format!("is {kind}, where render writes a file; remove it"),
            ),
        };
        found.push(Drifted {
            file: file(path),
            status: Status::Changed,
            diff,
            summary,
        });
    }
    for path in &cmp.missing {
        found.push(Drifted {
            file: file(path),
            status: Status::Missing,
            diff: Some(crate::text_diff::unified(path, "", &tree[path], false)),
            summary: "is missing; render would create it".to_owned(),
        });
    }
    for path in &cmp.stale {
        found.push(Drifted {
            file: file(path),
            status: Status::Extra,
            diff: None,
            summary:
                "was written by render before and is no longer produced; render would delete it"
                    .to_owned(),
        });
    }
    found
}

/// One JSON object per line: `{"file", "status", "diff"}` (`diff` is null where there is no
/// text to compare).
#[must_use]
pub fn json(found: &[Drifted]) -> String {
    let mut text = String::new();
    for d in found {
        let record = serde_json::json!({
            "file": d.file,
            "status": d.status.as_str(),
            "diff": d.diff,
        });
        let _ = writeln!(text, "{}", crate::terminal::json_safe(record.to_string()));
    }
    text
}

/// One GitHub Actions `::error file=F,title=drift::` annotation per file.
#[must_use]
pub fn github(found: &[Drifted]) -> String {
    let data = |s: &str| {
        crate::terminal::escaped_lines(s)
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut text = String::new();
    for d in found {
        let _ = writeln!(
            text,
            "::error file={},title={}::{}",
            property(&d.file),
            property(&format!("drift ({})", d.status.as_str())),
            data(&format!(
                "{} {}; run `flinkform render` and commit the result",
                d.file, d.summary
            ))
        );
    }
    text
}
