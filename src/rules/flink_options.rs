//! Rules on `flinkConfiguration` against Flink's own option table for the job's version:
//! keys Flink does not know (with the nearest one it does), values that do not parse as the
//! option's type, and durations without a unit, which Flink reads as milliseconds.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::flink::options::{Lookup, Options, Type};
use crate::flink::values::{self, Value};

use super::Located;

/// Families of keys that something other than Flink's option classes reads, so a key of them
/// that no option has is not unknown: the operator's own settings of a FlinkDeployment, and
/// Hadoop's filesystem keys the filesystem plugins take over as they are.
const READ_ELSEWHERE: &[(&str, bool)] = &[
    ("kubernetes.operator.", true),
    ("job.autoscaler.", true),
    ("fs.", false),
];

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    if spec.flink_configuration.is_empty() {
        return;
    }
    let options = Options::of(&spec.flink_version);
    let yaml = options.reads_yaml();
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    for (key, value) in &spec.flink_configuration {
        // Malformed and owned keys have rules of their own.
        if !key.chars().all(word) || super::OWNED_CONFIG_KEYS.iter().any(|(k, _)| k == key) {
            continue;
        }
        match options.lookup(key) {
            Lookup::Known(definitions) => {
                let value = Value::from_json(value, yaml);
                let verdicts: Vec<Result<(), String>> = definitions
                    .iter()
                    .map(|d| d.check(&value, options))
                    .collect();
                if let Some(Err(why)) = verdicts.iter().find(|v| v.is_err())
                    && verdicts.iter().all(Result::is_err)
                {
                    let d = definitions[0];
                    diags.push(
                        Diagnostic::error(
                            "config-value",
                            r.span(&["spec", "flinkConfiguration", key.as_str()]),
                            format!(
                                "Flink {} reads `{key}` as {}, and {why}",
                                spec.flink_version,
                                d.type_name()
                            ),
                        )
                        .help(example(&d.kind)),
                    );
                    continue;
                }
                let is_duration = definitions.iter().any(|d| d.kind == Type::Duration);
                if is_duration
                    && let Ok(d) = values::to_duration_in(
                        &value,
                        options.unbounded_durations(),
                        options.iso_durations(),
                    )
                    && !d.unit_given
                {
                    let ms = d.nanos / 1_000_000;
                    diags.push(
                        Diagnostic::warning(
                            "duration-without-unit",
                            r.span(&["spec", "flinkConfiguration", key.as_str()]),
                            format!("`{key}` has no unit, and Flink reads it as {ms} milliseconds"),
                        )
                        .help(format!(
                            "write the unit: `{ms} ms`, or `{} s` if seconds were meant",
                            ms
                        )),
                    );
                }
            }
            Lookup::MapEntry => {}
            Lookup::Unknown(closest) => {
                let read_elsewhere = READ_ELSEWHERE.iter().any(|(p, operator_only)| {
                    key.starts_with(p) && (!operator_only || r.on_operator())
                });
                if read_elsewhere || !options.is_flink_family(key) {
                    continue;
                }
                let help = closest.map_or_else(
                    || "check the key against Flink's configuration reference".to_owned(),
                    |k| format!("did you mean `{k}`?"),
                );
                diags.push(
                    Diagnostic::warning(
                        "unknown-config-key",
                        r.key_span(&["spec", "flinkConfiguration", key.as_str()]),
                        format!(
                            "Flink {} has no option `{key}`, and ignores it",
                            spec.flink_version
                        ),
                    )
                    .help(help),
                );
            }
        }
    }
}

/// A value of the type, for the help line.
fn example(kind: &Type) -> String {
    match kind {
        Type::Duration => "write a whole number and a unit (d, h, min, s, ms), such as `30 s` or `5 min`".into(),
        Type::Memory => "write a whole number and Flink's unit (b, k, m, g, t: powers of 1024), such as `512m` or `2g`".into(),
        Type::Bool => "write `true` or `false`".into(),
        Type::Int | Type::Long => "write a whole number, such as `4`".into(),
        Type::Float | Type::Double => "write a number, such as `0.25`".into(),
        Type::Enum(constants) => format!("write one of {}", constants.join(", ")),
        Type::String | Type::Other => "check the value against Flink's configuration reference".into(),
    }
}
