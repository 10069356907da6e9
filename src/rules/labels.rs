//! Kubernetes label syntax.

/// Why a label key is invalid (a DNS-1123 subdomain prefix, a 63-character name).
pub fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    if let Some(p) = prefix
        && (p.is_empty()
            || p.len() > 253
            || !p
                .split('.')
                .all(|l| crate::naming::name_problem(l, false).is_none()))
    {
        return Some(format!(
            "the prefix `{}` is not a DNS subdomain",
            p.escape_debug()
        ));
    }
    label_value_problem(name).or_else(|| name.is_empty().then(|| "the name is empty".to_owned()))
}

/// Why a label value is invalid.
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some(format!(
            "`{}` is longer than 63 characters",
            value.escape_debug()
        ));
    }
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let ends_ok = value
        .chars()
        .next()
        .is_none_or(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .last()
            .is_none_or(|c| c.is_ascii_alphanumeric());
    (!value.chars().all(ok_char) || !ends_ok).then(|| {
        format!(
            "`{}` has characters a label cannot hold",
            value.escape_debug()
        )
    })
}
