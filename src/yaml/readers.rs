//! Strings that YAML readers disagree on after kustomize has written them back.
//!
//! flinkform quotes every string that any reader could take for something else, so its own
//! files read the same everywhere. kustomize, though, re-serializes every object with Go's
//! YAML, and writes a string bare whenever Go's resolver reads it as a string. Go's resolver
//! and YAML 1.1's (PyYAML's) differ on a few shapes: numbers too large for a 64-bit float
//! or integer, numbers made of underscores, `.5_`-style floats, `=` and `<<`, and
//! timestamps that do not exist. Written bare, PyYAML reads those as numbers, or refuses the
//! whole file. Such a value is an error at its line; nothing a real configuration needs has
//! any of these shapes.
//!
//! Valid timestamps without a zone (`2024-05-01T10:00:00`) are kustomize's one rewrite that
//! stays allowed: Go reads them as strings, so Kubernetes, Argo CD and Flux get the text;
//! a YAML 1.1 reader of kustomize's output gets the same instant as a timestamp.

/// Why kustomize's rewrite of `s` reads differently in YAML 1.1, or `None` when it does not.
#[must_use]
pub fn kustomize_rewrite(s: &str) -> Option<&'static str> {
    // Every shape below starts with a digit, a sign, a dot, `=` or `<`; most strings stop here.
    let first = *s.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.' | b'=' | b'<')) {
        return None;
    }
    if s == "=" || s == "<<" {
        return Some("YAML 1.1 reads a bare `=` or `<<` as a special value");
    }
    if let Some(problem) = yaml11_number(s) {
        return Some(problem);
    }
    if is_impossible_timestamp(s) {
        return Some("it has the shape of a YAML 1.1 timestamp but is no valid date and time");
    }
    None
}

const TOO_LARGE: &str =
    "a number too large for Go's YAML, which keeps it as a string, while YAML 1.1 reads a number";
const NO_DIGITS: &str = "YAML 1.1 reads it as a number without digits and fails";
const DOT_UNDERSCORE: &str =
    "YAML 1.1 reads it as a number, Go's YAML as a string (an underscore after the leading dot)";

/// A YAML 1.1 integer or float (PyYAML's implicit resolvers) that Go's YAML reads as a string.
fn yaml11_number(s: &str) -> Option<&'static str> {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let signed = unsigned.len() != s.len();
    let b = unsigned.as_bytes();
    let all = |from: usize, ok: fn(u8) -> bool| b.len() > from && b[from..].iter().all(|&c| ok(c));
    let digits_of = |from: usize| unsigned[from..].replace('_', "");
    // 0b… and 0x…: Go reads them up to 64 bits.
    for (prefix, radix, ok) in [
        (
            "0b",
            2,
            (|c: u8| matches!(c, b'0' | b'1' | b'_')) as fn(u8) -> bool,
        ),
        ("0x", 16, |c: u8| c.is_ascii_hexdigit() || c == b'_'),
    ] {
        if unsigned.starts_with(prefix) && all(2, ok) {
            let digits = digits_of(2);
            if digits.is_empty() {
                return Some(NO_DIGITS);
            }
            // Go tries a signed 64-bit integer, then an unsigned one, which takes no sign.
            let fits = if signed {
                i64::from_str_radix(&format!("{}{digits}", &s[..1]), radix).is_ok()
            } else {
                u64::from_str_radix(&digits, radix).is_ok()
            };
            return (!fits).then_some(TOO_LARGE);
        }
    }
    // Leading-dot floats: `.5`, `.5_`, `.5e+3`. Go reads them as floats only without `_`.
    if !signed && b.first() == Some(&b'.') {
        let (mantissa, exponent) = split_exponent(&unsigned[1..]);
        if !mantissa.is_empty()
            && mantissa.bytes().all(|c| c.is_ascii_digit() || c == b'_')
            && exponent.is_none_or(is_signed_exponent)
        {
            if mantissa.contains('_') {
                return Some(DOT_UNDERSCORE);
            }
            return overflows(s).then_some(TOO_LARGE);
        }
        return None;
    }
    // Decimal integers (and 0… octals) and floats with a dot: Go strips the underscores and
    // reads a float where an integer does not fit; only a float overflow leaves a string.
    if b.first().is_some_and(u8::is_ascii_digit) {
        let (mantissa, exponent) = split_exponent(unsigned);
        let number_like = mantissa
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'_' || c == b'.')
            && mantissa.bytes().filter(|&c| c == b'.').count() <= 1;
        let has_dot = mantissa.contains('.');
        let shape = match exponent {
            None => number_like,
            Some(e) => number_like && has_dot && is_signed_exponent(e),
        };
        if shape && overflows(&s.replace('_', "")) {
            return Some(TOO_LARGE);
        }
    }
    None
}

/// `1.5e+3` → (`1.5`, Some(`+3`)).
fn split_exponent(s: &str) -> (&str, Option<&str>) {
    match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// YAML 1.1's float exponent: a sign, then digits.
fn is_signed_exponent(e: &str) -> bool {
    e.len() > 1 && e.starts_with(['-', '+']) && e[1..].bytes().all(|c| c.is_ascii_digit())
}

/// Whether a decimal number is beyond a 64-bit float (Go's `ParseFloat` fails with a range
/// error, so Go's YAML keeps the text as a string).
fn overflows(number: &str) -> bool {
    number.parse::<f64>().is_ok_and(f64::is_infinite)
}

/// PyYAML's timestamp shape (`YYYY-M-D`, optionally a time and a zone) with a date or time
/// that does not exist: PyYAML's reader fails on it.
fn is_impossible_timestamp(s: &str) -> bool {
    impossible_timestamp(s).unwrap_or(false)
}

/// `None` where `s` does not have the timestamp shape.
fn impossible_timestamp(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    // `min` to `max` digits at `from`: their value and where they end.
    let number = |from: usize, min: usize, max: usize| -> Option<(u32, usize)> {
        let n = b
            .get(from..)?
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        (n >= min).then(|| (s[from..from + n].parse().unwrap_or(0), from + n))
    };
    // The separator `sep` at `at`, then a number.
    let after = |at: usize, sep: u8, min: usize, max: usize| {
        (b.get(at) == Some(&sep)).then_some(())?;
        number(at + 1, min, max)
    };
    let (year, i) = number(0, 4, 4)?;
    let (month, i) = after(i, b'-', 1, 2)?;
    let (day, i) = after(i, b'-', 1, 2)?;
    let date_ok = (1..=12).contains(&month) && day >= 1 && day <= days_in(year, month);
    if i == b.len() {
        // The date-only form (two-digit month and day): Go reads a valid one, year 0
        // included, as a timestamp, so kustomize quotes it; an impossible one it writes bare.
        return Some(s.len() == 10 && !date_ok);
    }
    let date_ok = date_ok && year >= 1;
    // A time: `T`, `t` or blanks, then H:MM:SS, an optional fraction and zone.
    let mut i = i;
    match b[i] {
        b'T' | b't' => i += 1,
        b' ' | b'\t' => {
            while matches!(b.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
        }
        _ => return None,
    }
    let (hour, j) = number(i, 1, 2)?;
    let (minute, j) = after(j, b':', 2, 2)?;
    let (second, mut j) = after(j, b':', 2, 2)?;
    if b.get(j) == Some(&b'.') {
        j += 1;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
    }
    while matches!(b.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    let mut zone_ok = true;
    match b.get(j) {
        None => {}
        Some(b'Z') => j += 1,
        Some(b'-' | b'+') => {
            let (zone_hour, k) = number(j + 1, 1, 2)?;
            j = k;
            if b.get(j) == Some(&b':') {
                j = number(j + 1, 2, 2)?.1;
            }
            zone_ok = zone_hour < 24;
        }
        _ => return None,
    }
    if j != b.len() {
        return None;
    }
    Some(!(date_ok && hour < 24 && minute < 60 && second < 60 && zone_ok))
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::kustomize_rewrite;

    #[test]
    fn what_kustomize_writes_bare_and_yaml_1_1_misreads() {
        for s in [
            "=",
            "<<",
            "0b_",
            "-0x__",
            "0xffffffffffffffffff",
            "-0x8000000000000001",
            "+0x8000000000000000",
            ".5_",
            "._5",
            ".5e+400",
            "1.0e+310",
            "+1_7_.1670e+396",
            &"9".repeat(400),
            "2001-13-01",
            "2001-02-30",
            "0000-01-01T10:20:30",
            "2001-12-14t25:20:30",
            "2001-12-14 10:20:30 +25:00",
        ] {
            assert!(kustomize_rewrite(s).is_some(), "{s:?}");
        }
        for s in [
            "1e310",
            "12e3456",
            "1.5e310",
            "0x1F",
            "-0x8000000000000000",
            "0xffffffffffffffff",
            ".5",
            "1_000",
            "12:30",
            "2001-12-14",
            "2024-02-29",
            "0000-01-01",
            "2001-12-14T10:20:30",
            "2001-12-14T10:20:30Z",
            "1.2.3",
            "-",
            ".",
            "1e3",
            "orders",
            "",
        ] {
            assert_eq!(kustomize_rewrite(s), None, "{s:?}");
        }
    }
}
