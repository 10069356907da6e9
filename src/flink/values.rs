//! Configuration values as Flink reads them: the value a key holds in the file flinkform
//! writes, and the parsers Flink converts it with for each option type (its `TimeUtils`,
//! `MemorySize` and `ConfigurationUtils`), so a value Flink refuses is refused here first.
//!
//! What Flink sees depends on the file: the legacy `flink-conf.yaml` (before 1.19) hands every
//! value over as the text after `: `, while `config.yaml` is YAML, whose numbers and booleans
//! reach the converters as Java numbers and booleans.

use serde_json::Value as Json;

/// One configuration value as it reaches Flink's converters.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    /// A YAML integer (Flink's YAML reader makes it an `Integer`, `Long` or `BigInteger`).
    Int(i128),
    /// A YAML float (a `Double`).
    Float(f64),
}

impl Value {
    /// The value a user's setting becomes in the file flinkform writes for a Flink version
    /// (`yaml`: config.yaml, read as YAML; otherwise flink-conf.yaml, read as text).
    #[must_use]
    pub fn from_json(value: &Json, yaml: bool) -> Value {
        match value {
            Json::String(s) => Value::Text(s.clone()),
            Json::Bool(b) if yaml => Value::Bool(*b),
            Json::Number(n) if yaml => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Value::Int(i128::from(i)),
                (_, Some(u), _) => Value::Int(i128::from(u)),
                (_, _, Some(f)) => Value::Float(f),
                _ => Value::Text(n.to_string()),
            },
            other => Value::Text(other.to_string()),
        }
    }

    /// The text Java's `toString()` gives the value (what the converters of text parse).
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => java_double_string(*f),
        }
    }
}

/// Why a value does not parse as its option's type.
pub type Refusal = String;

/// Converts a value to an `int`, as `ConfigurationUtils.convertToInt` does.
pub fn to_int(v: &Value) -> Result<i32, Refusal> {
    match v {
        Value::Int(i) => i32::try_from(*i)
            .map_err(|_| format!("{i} is out of the range of an integer (32 bits)")),
        other => java_parse_integer(&other.text(), 32)
            .and_then(|i| i32::try_from(i).map_err(drop))
            .map_err(|_| format!("`{}` is not an integer", other.text())),
    }
}

/// Converts a value to a `long`, as `ConfigurationUtils.convertToLong` does.
pub fn to_long(v: &Value) -> Result<i64, Refusal> {
    match v {
        Value::Int(i) => i64::try_from(*i)
            .map_err(|_| format!("{i} is out of the range of a long integer (64 bits)")),
        other => java_parse_integer(&other.text(), 64)
            .and_then(|i| i64::try_from(i).map_err(drop))
            .map_err(|_| format!("`{}` is not an integer", other.text())),
    }
}

/// Converts a value to a `float`, as `ConfigurationUtils.convertToFloat` does: a YAML float
/// outside the float range is refused, text goes through Java's `Float.parseFloat`.
pub fn to_float(v: &Value) -> Result<f32, Refusal> {
    match v {
        Value::Float(f) => {
            let a = f.abs();
            #[allow(clippy::cast_possible_truncation)]
            if *f == 0.0 || (a >= f64::from(f32::from_bits(1)) && a <= f64::from(f32::MAX)) {
                Ok(*f as f32)
            } else {
                Err(format!("{} overflows or underflows a float", v.text()))
            }
        }
        other => {
            let t = other.text();
            #[allow(clippy::cast_possible_truncation)]
            java_parse_double(&t)
                .map(|d| d as f32)
                .ok_or_else(|| format!("`{t}` is not a number"))
        }
    }
}

/// Converts a value to a `double`, as `ConfigurationUtils.convertToDouble` does.
pub fn to_double(v: &Value) -> Result<f64, Refusal> {
    match v {
        Value::Float(f) => Ok(*f),
        other => {
            let t = other.text();
            java_parse_double(&t).ok_or_else(|| format!("`{t}` is not a number"))
        }
    }
}

/// Converts a value to a boolean, as `ConfigurationUtils.convertToBoolean` does: `true` or
/// `false` in any case, nothing else (no `yes`, no `1`, no spaces).
pub fn to_bool(v: &Value) -> Result<bool, Refusal> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => match other.text().to_uppercase().as_str() {
            "TRUE" => Ok(true),
            "FALSE" => Ok(false),
            _ => Err(format!("`{}` is not `true` or `false`", other.text())),
        },
    }
}

/// Converts a value to one of an enum's constants (compared without case), as
/// `ConfigurationUtils.convertToEnum` does.
pub fn to_enum<'a>(v: &Value, constants: &[&'a str]) -> Result<&'a str, Refusal> {
    let text = v.text();
    let upper = text.to_uppercase();
    constants
        .iter()
        .find(|c| c.to_uppercase() == upper)
        .copied()
        .ok_or_else(|| format!("`{text}` is none of {}", constants.join(", ")))
}

/// A duration: the number of nanoseconds (as Java's `Duration` holds it, up to `Long.MAX`
/// seconds) and whether the text gave a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration {
    pub nanos: i128,
    pub unit_given: bool,
}

/// Parses a duration as `TimeUtils.parseDuration` does: digits, then an optional unit from
/// `d`, `h`, `min`/`m`, `s`, `ms`, `µs`, `ns` and their words (`days`, `second`, ...); no
/// unit means milliseconds. Before 2.0 the number is a `long`; since, any number of digits
/// whose duration a Java `Duration` holds (`unbounded`).
pub fn to_duration(v: &Value, unbounded: bool) -> Result<Duration, Refusal> {
    to_duration_in(v, unbounded, false)
}

/// [`to_duration`], where `iso` (2.1 and later) also reads a text without leading digits as an
/// ISO-8601 duration (`PT10S`), as Java's `Duration.parse` does, if it is not negative.
pub fn to_duration_in(v: &Value, unbounded: bool, iso: bool) -> Result<Duration, Refusal> {
    let text = v.text();
    if iso {
        let trimmed = java_trim(&text);
        if !trimmed.starts_with(|c: char| c.is_ascii_digit()) && !trimmed.is_empty() {
            return match iso_duration(trimmed) {
                Some(nanos) if nanos >= 0 => Ok(Duration {
                    nanos,
                    unit_given: true,
                }),
                Some(_) => Err(format!("`{text}` is a negative duration")),
                None => Err(format!(
                    "`{text}` does not start with a number and is no ISO-8601 duration"
                )),
            };
        }
    }
    let (digits, unit) = digits_and_unit(&text)?;
    let significant = digits.trim_start_matches('0');
    let value: i128 = if unbounded && significant.len() <= 38 {
        significant.parse().unwrap_or(0)
    } else {
        i128::from(
            digits
                .parse::<i64>()
                .map_err(|_| format!("`{digits}` is too large a number (64 bits)"))?,
        )
    };
    let nanos_per: i128 = match unit.as_str() {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "d" | "day" | "days" => 86_400_000_000_000,
        "h" | "hour" | "hours" => 3_600_000_000_000,
        "min" | "m" | "minute" | "minutes" => 60_000_000_000,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000_000,
        "µs" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        other => {
            return Err(format!(
                "`{text}` has the unit `{other}`, which is none of Flink's time units (d, h, min, s, ms, µs, ns)"
            ));
        }
    };
    // Java's Duration holds up to Long.MAX seconds; `Duration.of` overflows past it.
    let nanos = value.checked_mul(nanos_per).unwrap_or(i128::MAX);
    if nanos / 1_000_000_000 > i128::from(i64::MAX) {
        return Err(format!("`{text}` is longer than a Java Duration can hold"));
    }
    Ok(Duration {
        nanos,
        unit_given: !unit.is_empty(),
    })
}

/// Java's `Duration.parse`: `[-+]P[nD][T[nH][nM][n[.f]S]]` in any case, each number with its
/// own sign, at least one part, a `T` only with a time part; `None` where Java throws.
fn iso_duration(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    let mut i = 0;
    let negate = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    if !matches!(b.get(i), Some(b'P' | b'p')) {
        return None;
    }
    i += 1;
    // A signed number at i, and where it ends.
    let number = |i: usize| -> Option<(i64, bool, usize)> {
        let mut j = i;
        let negative = match b.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == start {
            return None;
        }
        let v: i64 = text[i..j].parse().ok()?;
        Some((v, negative, j))
    };
    let mut seconds: i64 = 0;
    let mut nanos: i64 = 0;
    let mut parts = 0;
    if let Some((v, _, j)) = number(i)
        && matches!(b.get(j), Some(b'D' | b'd'))
    {
        seconds = v.checked_mul(86_400)?;
        parts += 1;
        i = j + 1;
    }
    if matches!(b.get(i), Some(b'T' | b't')) {
        i += 1;
        let mut time_parts = 0;
        for (letter, factor) in [(b'H', 3600), (b'M', 60)] {
            if let Some((v, _, j)) = number(i)
                && b.get(j).map(u8::to_ascii_uppercase) == Some(letter)
            {
                seconds = seconds.checked_add(v.checked_mul(factor)?)?;
                time_parts += 1;
                i = j + 1;
            }
        }
        if let Some((v, negative, mut j)) = number(i) {
            let mut fraction: i64 = 0;
            if matches!(b.get(j), Some(b'.' | b',')) {
                j += 1;
                let start = j;
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                if j - start > 9 {
                    return None;
                }
                let digits = &text[start..j];
                fraction = format!("{digits:0<9}").parse().unwrap_or(0);
                if negative {
                    fraction = -fraction;
                }
            }
            if matches!(b.get(j), Some(b'S' | b's')) {
                seconds = seconds.checked_add(v)?;
                nanos = fraction;
                time_parts += 1;
                i = j + 1;
            } else {
                return None;
            }
        }
        if time_parts == 0 {
            return None;
        }
        parts += time_parts;
    }
    if i != b.len() || parts == 0 {
        return None;
    }
    let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    // `Duration.ofSeconds(seconds, nanos)` carries the nanoseconds into the seconds.
    seconds.checked_add(nanos.div_euclid(1_000_000_000))?;
    Some(if negate { -total } else { total })
}

/// Parses a memory size as `MemorySize.parseBytes` does: digits, then an optional unit from
/// `b`, `k`/`kb`, `m`/`mb`, `g`/`gb`, `t`/`tb` and their words (`mebibytes`, ...), all powers
/// of 1024; no unit means bytes.
pub fn to_memory(v: &Value) -> Result<u64, Refusal> {
    let text = v.text();
    let (value, unit) = number_and_unit(&text)?;
    let multiplier: i64 = match unit.as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        other => {
            return Err(format!(
                "`{text}` has the unit `{other}`, which is none of Flink's memory units (b, k, m, g, t; `Mi` and `Gi` are Kubernetes' units)"
            ));
        }
    };
    value
        .checked_mul(multiplier)
        .and_then(|b| u64::try_from(b).ok())
        .ok_or_else(|| format!("`{text}` is more bytes than 64 bits hold"))
}

/// The number and unit of a duration or memory size: the text trimmed as Java's `trim()` does,
/// leading ASCII digits, and the rest trimmed and lowercased.
fn digits_and_unit(text: &str) -> Result<(&str, String), Refusal> {
    let trimmed = java_trim(text);
    if trimmed.is_empty() {
        return Err("the value is empty".into());
    }
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = trimmed.split_at(digits);
    if number.is_empty() {
        return Err(format!("`{text}` does not start with a number"));
    }
    Ok((number, java_trim(unit).to_lowercase()))
}

fn number_and_unit(text: &str) -> Result<(i64, String), Refusal> {
    let (number, unit) = digits_and_unit(text)?;
    let value: i64 = number
        .parse()
        .map_err(|_| format!("`{number}` is too large a number (64 bits)"))?;
    Ok((value, unit))
}

/// Java's `String.trim()`: every character up to U+0020 goes from both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Java's `Integer.parseInt` / `Long.parseLong`: an optional sign and decimal digits (any
/// Unicode decimal digit, as `Character.digit` reads them), nothing else.
fn java_parse_integer(s: &str, bits: u32) -> Result<i128, ()> {
    let (negative, digits) = match s.chars().next() {
        Some('-') => (true, &s[1..]),
        Some('+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(());
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        let d = unicode_digit(c).ok_or(())?;
        value = value * 10 + i128::from(d);
        if value > 1i128 << bits {
            return Err(());
        }
    }
    let value = if negative { -value } else { value };
    let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    if value < min || value > max {
        return Err(());
    }
    Ok(value)
}

/// The value of a decimal digit of any script, as Java's `Character.digit(c, 10)` reads it.
fn unicode_digit(c: char) -> Option<u32> {
    if let Some(d) = c.to_digit(10) {
        return Some(d);
    }
    let code = c as u32;
    UNICODE_ZEROS
        .iter()
        .find(|&&zero| code >= zero && code < zero + 10)
        .map(|zero| code - zero)
}

/// The zero of every block of ten decimal digits (Unicode category Nd) beyond ASCII that
/// Java 17 knows.
const UNICODE_ZEROS: &[u32] = &[
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16B50, 0x1D7CE,
    0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Java's `Double.parseDouble`: trimmed; `NaN`, `Infinity`, decimal or hexadecimal (with a
/// binary exponent) floating-point literals with an optional sign and `f`/`d` suffix.
#[must_use]
pub fn java_parse_double(s: &str) -> Option<f64> {
    let t = java_trim(s);
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    match body {
        "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(sign * f64::INFINITY),
        _ => {}
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|v| sign * v);
    }
    let bytes = body.as_bytes();
    let mut i = 0;
    let int_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != bytes.len() {
        return None;
    }
    body.parse::<f64>().ok().map(|v| sign * v)
}

fn parse_hex_float(hex: &str) -> Option<f64> {
    let (mantissa, exponent) = hex.split_once(['p', 'P'])?;
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let exp_digits = exponent.strip_prefix('-').unwrap_or(exponent);
    if exp_digits.is_empty() || !exp_digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.len() + frac.len() == 0
        || !int
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    // The value matters little: only whether Java reads the literal.
    let mut v = 0f64;
    for c in int.chars().chain(frac.chars()) {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let e: i32 = exponent.parse().unwrap_or(i32::MAX).clamp(-2000, 2000);
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    let scale = e - 4 * frac.len() as i32;
    Some(v * 2f64.powi(scale))
}

/// Java's `Double.toString`: plain between 10^-3 and 10^7, computerized scientific notation
/// (`1.0E10`) outside, always with a fraction.
#[must_use]
pub fn java_double_string(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let a = f.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exp}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn durations_read_as_flink_reads_them() {
        assert_eq!(to_duration(&t("30"), false).unwrap().nanos, 30_000_000);
        assert!(!to_duration(&t("30"), false).unwrap().unit_given);
        assert_eq!(
            to_duration(&t(" 10 S "), false).unwrap().nanos,
            10_000_000_000
        );
        assert_eq!(
            to_duration(&t("2min"), false).unwrap().nanos,
            120_000_000_000
        );
        assert!(to_duration(&t("1.5s"), false).is_err());
        assert!(to_duration(&t("-1s"), false).is_err());
        assert!(to_duration(&t("10 sec "), false).is_ok());
        assert!(to_duration(&t("PT10S"), false).is_err());
        assert!(to_duration(&Value::Int(30), false).is_ok());
        assert!(to_duration(&Value::Float(1.5), false).is_err());
        // 2.x reads any number of digits while the Duration holds it.
        assert!(to_duration(&t("9223372036854775808"), false).is_err());
        assert!(to_duration(&t("9223372036854775808"), true).is_ok());
        assert!(to_duration(&t("9223372036854775808 d"), true).is_err());
        // 2.1 reads ISO-8601 durations that are not negative.
        assert!(to_duration_in(&t("PT10S"), true, true).is_ok());
        assert!(to_duration_in(&t("p1dt2h3m4.5s"), true, true).is_ok());
        assert!(to_duration_in(&t("-PT1S"), true, true).is_err());
        assert!(to_duration_in(&t("P1DT-1H"), true, true).is_ok());
        assert!(to_duration_in(&t("PT"), true, true).is_err());
        assert!(to_duration_in(&t("P"), true, true).is_err());
        assert!(to_duration_in(&t("PT10S"), true, false).is_err());
    }

    #[test]
    fn memory_sizes_read_as_flink_reads_them() {
        assert_eq!(to_memory(&t("1600m")), Ok(1600 << 20));
        assert_eq!(to_memory(&t("1 GB")), Ok(1 << 30));
        assert_eq!(to_memory(&t("512")), Ok(512));
        assert!(to_memory(&t("1600Mi")).is_err());
        assert!(to_memory(&t("9223372036854775807k")).is_err());
    }

    #[test]
    fn numbers_and_booleans_read_as_java_reads_them() {
        assert_eq!(to_int(&t("+12")), Ok(12));
        assert!(to_int(&t(" 12")).is_err());
        assert!(to_int(&t("2147483648")).is_err());
        assert_eq!(to_int(&t("١٢")), Ok(12));
        assert!(to_int(&Value::Int(1 << 40)).is_err());
        assert_eq!(to_long(&Value::Int(1 << 40)), Ok(1 << 40));
        assert!(to_double(&t(" 1.5f ")).is_ok());
        assert!(to_double(&t("0x1p3")).is_ok());
        assert!(to_double(&t("1e")).is_err());
        assert!(to_double(&t(".")).is_err());
        assert!(to_float(&Value::Float(1e300)).is_err());
        assert_eq!(to_bool(&t("TRUE")), Ok(true));
        assert!(to_bool(&t("yes")).is_err());
        assert_eq!(java_double_string(1e10), "1.0E10");
        assert_eq!(java_double_string(0.5), "0.5");
        assert_eq!(java_double_string(3.0), "3.0");
    }
}
