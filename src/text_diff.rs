//! Unified diffs of output files, for `check`.

use similar::{ChangeTag, TextDiff};

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// A unified diff from `old` (what is on disk, `a/<path>`) to `new` (what render would write,
/// `b/<path>`), with three lines of context; ANSI-colored on request (headers bold, hunk
/// headers cyan, removed lines red, added lines green).
#[must_use]
pub fn unified(path: &str, old: &str, new: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    // A file in the output folder may hold anything (ESC, a carriage return): its lines reach
    // the terminal escaped, the line break that ends each kept.
    let text = if text
        .chars()
        .any(|c| c != '\n' && crate::terminal::is_unsafe(c))
    {
        text.split_inclusive('\n')
            .map(|line| match line.strip_suffix('\n') {
                Some(body) => format!("{}\n", crate::terminal::escaped_line(body)),
                None => crate::terminal::escaped_line(line).into_owned(),
            })
            .collect()
    } else {
        text
    };
    if !color {
        return text;
    }
    // The first two lines are the `---`/`+++` headers; every later line starts with one marker
    // character (` `, `+`, `-`, `\`) or is a hunk header (`@@`), so a removed line that itself
    // starts with `--` is still painted as a removal.
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let paint = if i < 2 {
            BOLD
        } else if line.starts_with("@@") {
            CYAN
        } else if line.starts_with('+') {
            GREEN
        } else if line.starts_with('-') {
            RED
        } else {
            ""
        };
        if paint.is_empty() {
            out.push_str(line);
        } else {
            let body = line.strip_suffix('\n').unwrap_or(line);
            out.push_str(paint);
            out.push_str(body);
            out.push_str(RESET);
            if body.len() < line.len() {
                out.push('\n');
            }
        }
    }
    out
}

/// Lines added and removed between `old` and `new` (for `check --stat`).
#[must_use]
pub fn line_counts(old: &str, new: &str) -> (usize, usize) {
    let diff = TextDiff::from_lines(old, new);
    let mut added = 0;
    let mut removed = 0;
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Insert => added += 1,
            ChangeTag::Delete => removed += 1,
            ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_diff_has_git_style_headers_and_three_lines_of_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let text = unified("x/y.yaml", old, new, false);
        assert_eq!(
            text,
            "--- a/x/y.yaml\n+++ b/x/y.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn colors_follow_the_line_role_not_its_text() {
        let text = unified("f", "---\nx\n", "x\n", true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "\x1b[1m--- a/f\x1b[0m");
        assert_eq!(lines[1], "\x1b[1m+++ b/f\x1b[0m");
        assert!(lines[2].starts_with("\x1b[36m@@"));
        // A removed `---` line is a removal (red), not a header.
        assert_eq!(lines[3], "\x1b[31m----\x1b[0m");
        assert_eq!(lines[4], " x");
    }

    #[test]
    fn what_the_output_folder_holds_is_shown_escaped() {
        let text = unified("f", "a\u{1b}]0;x\u{7}\r\n", "a\n", false);
        assert!(text.contains("-a\\u{1b}]0;x\\u{7}\\r\n"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\r'));
    }

    #[test]
    fn counts_added_and_removed_lines() {
        assert_eq!(line_counts("a\nb\nc\n", "a\nB\nc\nd\n"), (2, 1));
    }
}
