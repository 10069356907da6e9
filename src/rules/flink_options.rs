//! Rules on `flinkConfiguration` against Flink's own option table for the job's version:
//! keys Flink does not know (with the nearest one it does), values that do not parse as the
//! option's type, and durations without a unit, which Flink reads as milliseconds.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::flink::options::{Lookup, Options, Type};
use crate::flink::values::{self, Value};

use super::Located;

declare_code! {
    pub CONFIG_VALUE: error "config-value",
    catches: "A `flinkConfiguration` value that does not parse as the type of its option in the job's Flink version: a duration, memory size, boolean, integer, number or enum value Flink refuses (`30 seconds`, `1600Mi`, `yes`, `1.5` for an integer).",
    why: "Flink converts the value when a component reads the option, often only when the JobManager starts or the job is submitted: the pod starts, then crash-loops. The types come from Flink's own option classes of each release (scripts/flink-options), and the values are parsed the way Flink parses them (`TimeUtils`, `MemorySize`, `ConfigurationUtils`).",
    fix: "Write a value of the option's type: durations as a whole number and a unit (`30 s`, `5 min`), memory sizes with Flink's units, which are powers of 1024 (`512m`, `2g`; not Kubernetes' `Mi`/`Gi`), booleans as `true`/`false`, enums as one of the values the message lists.",
}

declare_code! {
    pub DURATION_WITHOUT_UNIT: warning "duration-without-unit",
    catches: "A duration option in `flinkConfiguration` given as a bare number (`execution.checkpointing.interval: 30`).",
    why: "Flink reads a number without a unit as milliseconds: a checkpoint every 30 ms instead of every 30 seconds.",
    fix: "Write the unit: `30 s`, `30000 ms`, `5 min`.",
}

declare_code! {
    pub UNKNOWN_CONFIG_KEY: warning "unknown-config-key",
    catches: "A `flinkConfiguration` key that no option of the job's Flink version has, in a family of keys Flink uses (`execution.checkpointing.intreval`); the message names the closest key Flink knows. Keys whose first word Flink never uses (`kafka.bootstrap`, `myapp.mode`) are the job's own and pass, as do entries of a map option (`pipeline.global-job-parameters.x`), a reporter's parameters (`metrics.reporter.<name>.x`), Hadoop's `fs.*` keys, and the operator's `kubernetes.operator.*` and `job.autoscaler.*` keys on the operator target.",
    why: "Flink ignores keys it does not know, without a word: a typo leaves the setting at its default, and a key renamed in a newer release stops working after an upgrade. The known keys come from Flink's own option classes of each supported release (scripts/flink-options).",
    fix: "Use the key the message suggests, or the one Flink's configuration reference names for your version.",
}

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
                            CONFIG_VALUE,
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
                            DURATION_WITHOUT_UNIT,
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
                        UNKNOWN_CONFIG_KEY,
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
