//! The diagnostic codes `resolve` emits: what each catches, why it matters, the fix.

use crate::code::declare_code;

declare_code! {
    pub DUPLICATE_ENVIRONMENT: error "duplicate-environment",
    catches: "Two environments with the same name in flinkform.yaml.",
    why: "An environment names an output folder and an overlay; two would overwrite each other.",
    fix: "Rename or merge one of them.",
}

declare_code! {
    pub DUPLICATE_JOB: error "duplicate-job",
    catches: "Two job definitions with the same `metadata.name` in the project.",
    why: "Job names name `base/<job>`, the overlays and the keys of `environments[].jobs`.",
    fix: "Give each job its own name.",
}

declare_code! {
    pub NAME_COLLISION: error "name-collision",
    catches: "Two emitted objects of one kind with the same namespace and name.",
    why: "One would overwrite the other in the cluster.",
    fix: "Make the naming patterns include `{{ name }}`.",
}

declare_code! {
    pub RESERVED_ENVIRONMENT: error "reserved-environment",
    catches: "An environment named like a folder of the output (base, platform).",
    why: "Its overlay would collide with that folder.",
    fix: "Choose another name.",
}

declare_code! {
    pub UNKNOWN_JOB: error "unknown-job",
    catches: "An environment override for a job that does not exist.",
    why: "The override would apply to nothing.",
    fix: "Fix the job's name, or remove the override.",
}

declare_code! {
    pub WRONG_KIND: error "wrong-kind",
    catches: "A file whose `kind` or `apiVersion` is not what its place expects.",
    why: "Job files are `kind: FlinkJob`, the project file `kind: Project`.",
    fix: "Fix the header, or move the file.",
}
