//! Canonical YAML output: block style, stable key order, and every string quoted that a YAML 1.1 reader would take for something else.
//!
//! One writer for everything flinkform writes: block style, two-space indent, sequences
//! indented under their key, keys in the order the templates give, multi-line strings as
//! literal blocks, and every string quoted that a YAML 1.1 reader (Go's sigs.k8s.io/yaml,
//! PyYAML) or a YAML 1.2 reader could take for anything but that string. The rule for plain
//! strings is a conservative allow-list, so new YAML 1.1 surprises cannot slip through.

use serde_json::Value as Json;

/// Writes one document (no `---`), ending with a newline.
#[must_use]
pub fn to_yaml(value: &Json) -> String {
    let mut out = String::with_capacity(1024);
    match value {
        Json::Object(map) if !map.is_empty() => write_map_body(&mut out, map, 0),
        Json::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

/// The longest key, in characters of its JSON form, that every reader reads back: kustomize
/// re-encodes each object as flow YAML, where a longer key is past YAML's 1,024-character
/// bound on implicit keys, and fails on the whole file.
pub const MAX_KEY_CHARS: usize = 1_000;

/// Whether a map key is longer than every reader takes (see [`MAX_KEY_CHARS`]).
#[must_use]
pub fn key_too_long(key: &str) -> bool {
    // A character is at most six in JSON (`\u001f`): shorter keys need no count.
    key.len() > MAX_KEY_CHARS / 6 && Json::from(key).to_string().chars().count() > MAX_KEY_CHARS
}

/// The longest key written as an implicit key (`key: value`), with room to spare below the
/// 1,024 characters YAML allows.
const MAX_IMPLICIT_KEY: usize = 1_000;

fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

/// Writes the value after `key:` (or after `- `).
fn write_value(out: &mut String, value: &Json, level: usize) {
    match value {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, level + 2);
            write_map_body(out, m, level + 2);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level + 2);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

/// A map whose first key goes where the cursor is (after indentation or `- `).
fn write_map_body(out: &mut String, map: &serde_json::Map<String, Json>, level: usize) {
    write_entries(out, map.iter().map(|(k, v)| (k.as_str(), v)), level);
}

fn write_entries<'a>(
    out: &mut String,
    entries: impl IntoIterator<Item = (&'a str, &'a Json)>,
    level: usize,
) {
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            indent(out, level);
        }
        // YAML readers take an implicit key of at most 1,024 characters (PyYAML and Go's YAML
        // refuse a longer one); a longer key is written as an explicit `? ` key, which they
        // all read.
        if key.len() > MAX_IMPLICIT_KEY / 10 {
            let mut written = String::with_capacity(key.len() + 2);
            write_key(&mut written, key);
            if written.chars().count() > MAX_IMPLICIT_KEY {
                out.push_str("? ");
                out.push_str(&written);
                out.push('\n');
                indent(out, level);
                out.push(':');
                write_value(out, value, level);
                continue;
            }
        }
        write_key(out, key);
        out.push(':');
        write_value(out, value, level);
    }
}

/// Writes a mapping given as key-value pairs, in their order, as [`to_yaml`] writes a map.
#[must_use]
pub fn entries_to_yaml<'a>(entries: impl IntoIterator<Item = (&'a str, &'a Json)>) -> String {
    let mut out = String::with_capacity(1024);
    write_entries(&mut out, entries, 0);
    if out.is_empty() {
        out.push_str("{}\n");
    }
    out
}

fn write_seq(out: &mut String, items: &[Json], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Json::Object(m) if !m.is_empty() => write_map_body(out, m, level + 2),
            Json::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            scalar => {
                write_scalar(out, scalar, level + 2);
                out.push('\n');
            }
        }
    }
}

fn write_scalar(out: &mut String, value: &Json, level: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => write_number(out, n),
        Json::String(s) => write_string(out, s, level),
        Json::Object(_) => out.push_str("{}"),
        Json::Array(_) => out.push_str("[]"),
    }
}

/// A number as Go's YAML and YAML 1.1 readers both read it: a float with an exponent gets a
/// fraction and a signed exponent (`1.0e+17`; `1e17` is a string to PyYAML, a number to Go).
fn write_number(out: &mut String, n: &serde_json::Number) {
    use std::fmt::Write as _;
    let start = out.len();
    let _ = write!(out, "{n}");
    // Integers and most floats need nothing more; only an exponent is rewritten.
    let Some(e) = out[start..].find(['e', 'E']).map(|i| start + i) else {
        return;
    };
    let exponent = out.split_off(e + 1);
    out.pop();
    if !out[start..].contains('.') {
        out.push_str(".0");
    }
    out.push('e');
    if !exponent.starts_with(['-', '+']) {
        out.push('+');
    }
    out.push_str(&exponent);
}

fn write_key(out: &mut String, key: &str) {
    if is_plain_safe(key) {
        out.push_str(key);
    } else {
        write_double_quoted(out, key);
    }
}

fn write_string(out: &mut String, s: &str, level: usize) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if literal_block_ok(s) {
        let chomp = if !s.ends_with('\n') {
            "-"
        } else if s.ends_with("\n\n") {
            "+"
        } else {
            ""
        };
        let indicator = if s.starts_with(' ') { "2" } else { "" };
        out.push('|');
        out.push_str(indicator);
        out.push_str(chomp);
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                indent(out, level);
                out.push_str(line);
            }
        }
    } else {
        write_double_quoted(out, s);
    }
}

/// Multi-line text that a literal block keeps exactly, that linters accept, and that every
/// reader splits into the same lines: no character some reader takes for a line break
/// (U+2028, U+2029, U+0085, a carriage return) or rejects (controls, a BOM, non-characters),
/// and no line that starts with a tab (an indentation error to some readers).
fn literal_block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with('\n')
        && s.chars().all(|c| {
            (c == '\n' || c == '\t' || !c.is_control())
                && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
                && !is_noncharacter(c)
        })
        && s.split('\n')
            .all(|l| !l.ends_with(' ') && !l.ends_with('\t') && !l.starts_with('\t'))
}

/// Unicode's non-characters (U+FDD0..U+FDEF and the last two code points of every plane).
fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// Whether a string can be written bare, read back as the same string by YAML 1.1 and 1.2.
#[must_use]
pub fn is_plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let relative_path = s.starts_with("./") || s.starts_with("../");
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'_' || relative_path) {
        return false;
    }
    // One pass: only these bytes, no `: ` (a mapping), no `,` together with a space (a flow
    // item in some readers). `#` is not allowed at all, so no ` #` comment either.
    /// The bytes a plain scalar may hold anywhere (`,` and ` ` have rules of their own).
    const ALLOWED: [bool; 256] = {
        let mut table = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            table[c] = b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b':' | b'@' | b'+' | b'=' | b'(' | b')' | b'%'
                );
            c += 1;
        }
        table
    };
    let (mut comma, mut space, mut prev) = (false, false, 0u8);
    for &c in bytes {
        match c {
            _ if ALLOWED[usize::from(c)] => {}
            b',' => comma = true,
            b' ' if prev == b':' => return false,
            b' ' => space = true,
            _ => return false,
        }
        prev = c;
    }
    if (comma && space) || matches!(prev, b' ' | b':') {
        return false;
    }
    !is_yaml11_keyword(s)
}

/// Plain words that YAML 1.1 or 1.2 readers turn into booleans or null.
fn is_yaml11_keyword(s: &str) -> bool {
    const KEYWORDS: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    s.len() <= 5 && KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k))
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || c == '\u{feff}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{85}'
                || is_noncharacter(c) =>
            {
                use std::fmt::Write as _;
                let n = u32::from(c);
                if n > 0xFFFF {
                    let _ = write!(out, "\\U{n:08x}");
                } else {
                    let _ = write!(out, "\\u{n:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_plain_safe` as its rule reads, one check at a time: the fast version must agree.
    fn plain_safe_reference(s: &str) -> bool {
        let Some(first) = s.chars().next() else {
            return false;
        };
        let relative_path = s.starts_with("./") || s.starts_with("../");
        (first.is_ascii_alphabetic() || first == '/' || first == '_' || relative_path)
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=()%, ".contains(c))
            && !s.ends_with([' ', ':'])
            && !s.contains(": ")
            && !s.contains(" #")
            && !(s.contains(',') && s.contains(' '))
            && ![
                "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
            ]
            .contains(&s.to_ascii_lowercase().as_str())
    }

    proptest::proptest! {
        #[test]
        fn plain_safe_agrees_with_its_rule(s in "[a-zA-Z0-9 ,:#./_()%+=@\\-\"'é~]{0,12}") {
            proptest::prop_assert_eq!(is_plain_safe(&s), plain_safe_reference(&s), "{:?}", s);
        }

        /// Every float is written as YAML 1.1 writes a float (a `.`, a signed exponent) or
        /// an integer, and reads back as the same number.
        #[test]
        fn floats_are_numbers_to_every_reader(bits in proptest::prelude::any::<u64>()) {
            let f = f64::from_bits(bits);
            proptest::prop_assume!(f.is_finite());
            let text = to_yaml(&json!({"f": f}));
            let written = text.trim_end().strip_prefix("f: ").unwrap();
            let (mantissa, exponent) = written.split_once('e').unwrap_or((written, "+0"));
            let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
            let mantissa = mantissa.strip_prefix('-').unwrap_or(mantissa);
            let yaml11_float = mantissa
                .split_once('.')
                .is_some_and(|(a, b)| digits(a) && (b.is_empty() || digits(b)))
                && exponent.starts_with(['+', '-'])
                && digits(&exponent[1..]);
            proptest::prop_assert!(yaml11_float || digits(mantissa) && !written.contains('e'), "{}", written);
            let back = crate::yaml::parse(&text, crate::source::FileId(0)).unwrap().remove(0).to_json();
            proptest::prop_assert_eq!(back["f"].as_f64(), Some(f), "{}", written);
        }
    }
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "on",
            "off",
            "yes",
            "no",
            "y",
            "n",
            "true",
            "null",
            "~",
            "0755",
            "1e3",
            "12:30",
            "key: value",
            "",
            " x",
            "-x",
            "*a",
            "&a",
            "!x",
            "%x",
            "@x",
            "1000m",
            ".5",
            "Yes",
            "NULL",
        ] {
            assert!(!is_plain_safe(s), "{s} must be quoted");
        }
        for s in [
            "flink",
            "orders-enrichment",
            "app.kubernetes.io/name",
            "local:///opt/flink/usrlib/a.jar",
            "registry.example.com/flink/x:1.4.2",
            "IfNotPresent",
        ] {
            assert!(is_plain_safe(s), "{s} may be plain");
        }
    }

    #[test]
    fn layout() {
        let v = json!({
            "apiVersion": "v1",
            "metadata": {"name": "x", "labels": {"a": "on"}},
            "list": [{"name": "a", "ports": [1, 2]}, "s", []],
            "empty": {},
            "text": "line1\nline2\n",
        });
        let expected = "apiVersion: v1\nmetadata:\n  name: x\n  labels:\n    a: \"on\"\nlist:\n  - name: a\n    ports:\n      - 1\n      - 2\n  - s\n  - []\nempty: {}\ntext: |\n  line1\n  line2\n";
        assert_eq!(to_yaml(&v), expected);
    }

    #[test]
    fn floats_with_exponents_have_a_fraction_and_a_sign() {
        let text = to_yaml(&json!({"a": 1e17, "b": 1.5e-7, "c": 2.5, "d": 12, "e": -3e300}));
        assert_eq!(text, "a: 1.0e+17\nb: 1.5e-7\nc: 2.5\nd: 12\ne: -3.0e+300\n");
        let back = crate::yaml::parse(&text, crate::source::FileId(0))
            .unwrap()
            .remove(0)
            .to_json();
        assert_eq!(
            back,
            json!({"a": 1e17, "b": 1.5e-7, "c": 2.5, "d": 12, "e": -3e300})
        );
    }

    #[test]
    fn long_keys_are_explicit_and_read_back() {
        let long = "k".repeat(2_000);
        let quoted = format!("on{}", "é".repeat(600));
        let v = json!({"a": {&long: "x", &quoted: {"b": [1, {&long: []}]}, "c": 1}});
        let text = to_yaml(&v);
        assert!(text.contains(&format!("  ? {long}\n  : x\n")), "{text}");
        assert_eq!(text.matches("? ").count(), 2, "{text}");
        let back = crate::yaml::parse(&text, crate::source::FileId(0))
            .unwrap()
            .remove(0)
            .to_json();
        assert_eq!(back, v, "{text}");
    }

    #[test]
    fn round_trips_through_our_reader() {
        let v = json!({"a": ["on", "0755", "x\n\n", "  lead\nx", "tab\there", "ü", "\u{2028}", "a # b", "- x"], "b": "trailing \nspace"});
        let text = to_yaml(&v);
        let back = crate::yaml::parse(&text, crate::source::FileId(0))
            .unwrap()
            .remove(0)
            .to_json();
        assert_eq!(back, v, "{text}");
        // A control character is written escaped, and the reader refuses it as input: not
        // every reader downstream would keep it.
        let control = to_yaml(&json!({"a": "\u{1}"}));
        assert_eq!(control, "a: \"\\u0001\"\n");
        assert!(crate::yaml::parse(&control, crate::source::FileId(0)).is_err());
    }
}
