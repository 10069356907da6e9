//! `flinkform explain --list`: every diagnostic code on one line each, with its severity and
//! the first sentence of what it catches.
//!
//! A thin loop over the code registry, so a code declared anywhere shows up here without a
//! second list to keep in step.

use crate::explain::{CODES, Code};

/// One line per code, columns aligned: `severity  code  summary`.
#[must_use]
pub fn list() -> String {
    let width = CODES.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let mut text = String::new();
    for c in CODES {
        text.push_str(&format!(
            "{:<7}  {:<width$}  {}\n",
            c.severity,
            c.code,
            summary(c)
        ));
    }
    text
}

/// The first sentence of what a code catches: a summary that fits a terminal line, taken from
/// the text `explain CODE` prints so the two never disagree.
#[must_use]
pub fn summary(c: &Code) -> &'static str {
    let text = c.catches;
    let bytes = text.as_bytes();
    let mut in_code = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            // A full stop ends the sentence only outside inline code and before a space and
            // a capital letter ("e.g. a value" and "`1.5`" go on).
            b'.' if !in_code
                && bytes.get(i + 1) == Some(&b' ')
                && bytes.get(i + 2).is_some_and(u8::is_ascii_uppercase) =>
            {
                return &text[..=i];
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_one_sentence_on_one_line() {
        for c in CODES {
            let s = summary(c);
            assert!(!s.is_empty() && !s.contains('\n'), "{}: {s}", c.code);
            assert!(c.catches.starts_with(s), "{}", c.code);
        }
    }
}
