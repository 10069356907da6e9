//! Text on its way to a terminal or a CI log: file names, values and source lines that a
//! project holds are printed escaped and bounded.
//!
//! A job file's name or a value may hold ESC, OSC or a line break: printed raw, it could move
//! the cursor, retitle the terminal or forge a `file:line:col: error[...]` line of its own.
//! And a diagnostic must not cost more text than the input it is about: one long line with
//! many problems on it would otherwise be printed once per problem.

use std::borrow::Cow;

/// At most this many characters of a message, a help line or a note are printed.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// At most this many characters of a source line are shown under a diagnostic.
pub const MAX_EXCERPT_CHARS: usize = 200;

/// Whether a character must not reach a terminal as it is: C0 and C1 controls (line breaks
/// and tabs too), DEL, the line and paragraph separators, and the bidirectional overrides that
/// make text read differently from what it is.
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// `text` with every unsafe character written as a Rust escape (`\u{1b}`, `\n`).
#[must_use]
pub fn escaped(text: &str) -> Cow<'_, str> {
    escaped_but(text, |_| false)
}

/// Like [`escaped`], keeping tabs: for a line of a file shown as it is, in a diff.
#[must_use]
pub fn escaped_line(text: &str) -> Cow<'_, str> {
    escaped_but(text, |c| c == '\t')
}

/// Like [`escaped`], keeping line breaks: for a format that escapes them itself.
#[must_use]
pub fn escaped_lines(text: &str) -> Cow<'_, str> {
    escaped_but(text, |c| c == '\n' || c == '\r')
}

/// Like [`escaped`], keeping the characters `keep` says are safe where they stand.
fn escaped_but(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON with every unsafe character that JSON allows raw (C1 controls, DEL, the
/// separators, the bidirectional overrides) written as a `\uXXXX` escape: the same document to
/// a parser, and plain text to a terminal or a CI log that shows it. JSON's own structure is
/// ASCII, so such a character can only stand inside a string, where the escape is valid.
#[must_use]
pub fn json_safe(json: String) -> String {
    if !json.chars().any(is_unsafe) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // serde_json already escaped the C0 controls; what is left is in the Basic
        // Multilingual Plane, one `\u` escape each.
        if is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` escaped and cut to at most `max` characters, saying how much was left out.
#[must_use]
pub fn bounded(text: &str, max: usize) -> Cow<'_, str> {
    let safe = escaped(text);
    match safe.char_indices().nth(max) {
        None => safe,
        Some((at, _)) => {
            let rest = safe[at..].chars().count();
            Cow::Owned(format!("{}… ({rest} more characters)", &safe[..at]))
        }
    }
}

/// The part of a source line shown under a diagnostic, escaped (tabs kept, so the caret line
/// lines up): at most [`MAX_EXCERPT_CHARS`] characters around column `col` (1-based, in
/// characters) with `len` characters marked. Returns the excerpt, the caret line's indent
/// (spaces and tabs) and the number of carets.
#[must_use]
pub fn excerpt(line: &str, col: usize, len: usize) -> (String, String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let at = col.saturating_sub(1).min(chars.len());
    let len = len.clamp(1, MAX_EXCERPT_CHARS / 2);
    // The window starts a little before the column when the line is too long to show whole.
    let start = if chars.len() <= MAX_EXCERPT_CHARS {
        0
    } else {
        at.saturating_sub(MAX_EXCERPT_CHARS / 4)
            .min(chars.len().saturating_sub(MAX_EXCERPT_CHARS))
    };
    let end = (start + MAX_EXCERPT_CHARS).min(chars.len());
    let piece = |from: usize, to: usize| -> String {
        let raw: String = chars[from.min(to)..to].iter().collect();
        escaped_but(&raw, |c| c == '\t').into_owned()
    };
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let before = piece(start, at.min(end));
    let indent: String = lead
        .chars()
        .chain(before.chars())
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let marked = piece(at.min(end), (at + len).min(end));
    let carets = marked.chars().count().max(1);
    (format!("{lead}{}{tail}", piece(start, end)), indent, carets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(escaped("jobs/a.yaml"), Cow::Borrowed(_)));
        assert_eq!(
            escaped("a\u{1b}]0;x\u{7}\nb.yaml:1:1: error"),
            "a\\u{1b}]0;x\\u{7}\\nb.yaml:1:1: error"
        );
        assert_eq!(escaped("\u{9b}\u{202e}"), "\\u{9b}\\u{202e}");
    }

    #[test]
    fn json_keeps_its_meaning_and_loses_its_controls() {
        let value = serde_json::json!({"file": "jobs/\u{9b}2J\u{202e}lmth.yaml\u{7f}", "n": 1});
        let text = json_safe(serde_json::to_string_pretty(&value).unwrap());
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        assert!(
            text.contains(r"jobs/\u009b2J\u202elmth.yaml\u007f"),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }

    #[test]
    fn long_lines_show_a_window_around_the_column() {
        let line = format!("{}key: value{}", "x".repeat(5_000), "y".repeat(5_000));
        let (shown, indent, carets) = excerpt(&line, 5_001, 3);
        assert!(shown.chars().count() <= MAX_EXCERPT_CHARS + 2, "{shown}");
        let marked: String = shown.chars().skip(indent.chars().count()).take(3).collect();
        assert_eq!(marked, "key");
        assert_eq!(carets, 3);
        let (shown, indent, _) = excerpt("\tab\u{1b}c", 5, 1);
        assert_eq!(shown, "\tab\\u{1b}c");
        assert_eq!(indent, "\t        ");
        let long = "é".repeat(10);
        assert_eq!(bounded(&long, 4), "éééé… (6 more characters)");
    }
}
