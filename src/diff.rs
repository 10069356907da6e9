//! Unified diffs of output files, for `check`.

use similar::TextDiff;

/// A unified diff with `a/` and `b/` headers and three lines of context; ANSI-colored on
/// request.
#[must_use]
pub fn unified(path: &str, old: &str, new: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if !color {
        return text;
    }
    text.lines()
        .map(|line| {
            let paint = if line.starts_with("+++") || line.starts_with("---") {
                "\x1b[1m"
            } else if line.starts_with('+') {
                "\x1b[32m"
            } else if line.starts_with('-') {
                "\x1b[31m"
            } else if line.starts_with("@@") {
                "\x1b[36m"
            } else {
                ""
            };
            if paint.is_empty() {
                format!("{line}\n")
            } else {
                format!("{paint}{line}\x1b[0m\n")
            }
        })
        .collect()
}
