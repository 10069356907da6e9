//! The diagnostic codes `validate` emits: what each catches, why it matters, the fix.

use crate::code::declare_code;

declare_code! {
    pub INVALID_NAME: error "invalid-name",
    catches: "A name that is not a valid Kubernetes name, or too long for the names derived from it.",
    why: "Every object's name derives from the job's name and the naming patterns.",
    fix: "Use a lowercase DNS label, short enough for every derived name.",
}

declare_code! {
    pub INVALID_QUANTITY: error "invalid-quantity",
    catches: "CPU or memory that a Flink process cannot run with.",
    why: "A JVM needs room for its overhead and metaspace; a Flink process below 256Mi does not start.",
    fix: "Give at least 1m of CPU and 256Mi of memory.",
}

declare_code! {
    pub INVALID_TARGET: error "invalid-target",
    catches: "A metric target with both `value` and `averageValue`, or neither.",
    why: "A target is one or the other.",
    fix: "Keep one.",
}

declare_code! {
    pub INVALID_VALUE: error "invalid-value",
    catches: "A value the schema does not allow (not one of an enum, not matching a pattern).",
    why: "The field would not mean what was intended.",
    fix: "Use one of the values the message lists.",
}

declare_code! {
    pub MISSING_FIELD: error "missing-field",
    catches: "A required field that no layer supplies.",
    why: "The job cannot be rendered without it.",
    fix: "Add it to the job file, or to the project's `defaults`.",
}

declare_code! {
    pub OUT_OF_RANGE: error "out-of-range",
    catches: "A number beyond what its consumer holds (Flink's Java ints, Kubernetes' int32), or below its minimum.",
    why: "Flink or Kubernetes would reject it, or read another number.",
    fix: "Use a value in the range the message gives.",
}

declare_code! {
    pub SCHEMA: error "schema",
    catches: "A value the schema rejects for a reason the other codes do not name.",
    why: "The job cannot be read as written.",
    fix: "Read the message, and compare with `flinkform schema`.",
}

declare_code! {
    pub UNKNOWN_FIELD: error "unknown-field",
    catches: "A field the schema does not know: a typo, or a field in the wrong place.",
    why: "It would be silently ignored.",
    fix: "Check the spelling and the nesting against `flinkform schema`.",
}

declare_code! {
    pub WRONG_TYPE: error "wrong-type",
    catches: "A value of the wrong type (a number where a string belongs, say).",
    why: "It would be read as something else, or rejected.",
    fix: "Write the type the message names; quote strings that look like numbers.",
}
