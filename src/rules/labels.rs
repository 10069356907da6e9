//! Kubernetes label syntax, and the qualified names that annotation and node selector keys
//! are.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::yaml::{Node, Value};

use super::Located;

declare_code! {
    pub INVALID_KEY: error "invalid-key",
    catches: "An annotation or `nodeSelector` key that is not a Kubernetes qualified name: an optional DNS subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.` that starts and ends with a letter or digit (`a~b/x`, `bad key!`).",
    why: "The API server refuses the object, so the job would fail at apply time, after review; and a key of thousands of characters is one YAML readers refuse to read back.",
    fix: "Write the key as Kubernetes documents it, e.g. `example.com/owner`.",
}

/// The maps of a job whose keys Kubernetes requires to be qualified names (labels have their
/// own rule, which checks their values too).
const QUALIFIED_KEYS: &[&[&str]] = &[
    &["metadata", "annotations"],
    &["spec", "ingress", "annotations"],
    &["spec", "pod", "annotations"],
    &["spec", "pod", "nodeSelector"],
    &["spec", "jobManager", "pod", "annotations"],
    &["spec", "jobManager", "pod", "nodeSelector"],
    &["spec", "taskManager", "pod", "annotations"],
    &["spec", "taskManager", "pod", "nodeSelector"],
];

/// Every annotation and node selector key is a qualified name, reported at its line: the API
/// server refuses the object otherwise, after the pull request was merged.
pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    for path in QUALIFIED_KEYS {
        let (
            Node {
                value: Value::Map(entries),
                ..
            },
            _,
            depth,
        ) = r.tree.walk(path)
        else {
            continue;
        };
        if depth != path.len() {
            continue;
        }
        for e in entries {
            if let Some(problem) = label_key_problem(&e.key) {
                let field = path[path.len() - 1];
                diags.push(
                    Diagnostic::error(
                        INVALID_KEY,
                        e.key_span,
                        format!(
                            "`{}` is not a valid key of `{field}`: {problem}",
                            e.key.escape_debug()
                        ),
                    )
                    .help("keys are [prefix/]name: an optional DNS subdomain and `/`, then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"),
                );
            }
        }
    }
}

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
