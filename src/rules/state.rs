//! Rules on the job's state: where it is kept, and whether a JobManager restart keeps it.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};

use super::{Located, has_checkpointing};

declare_code! {
    pub HA_STORAGE_DIR: error "ha-storage-dir",
    catches: "High availability without `state.highAvailability.storageDir`.",
    why: "Flink keeps the job graph and the pointers to its checkpoints there; without it the JobManager cannot start in high-availability mode.",
    fix: "Set `storageDir` to durable storage, e.g. s3://bucket/ha.",
}

declare_code! {
    pub HA_WITHOUT_CHECKPOINTS: error "ha-without-checkpoints",
    catches: "High availability without `state.checkpoints`.",
    why: "A restarted JobManager resumes from the latest checkpoint; kept only in the JobManager's memory there is none to resume from.",
    fix: "Set `state.checkpoints` to durable storage.",
}

declare_code! {
    pub NO_HIGH_AVAILABILITY: warning "no-high-availability",
    catches: "A job that checkpoints or autoscales without `state.highAvailability`.",
    why: "Any JobManager restart (a crash, an eviction, a node drain, a rollout) starts it again from its initialSavepoint or from nothing.",
    fix: "Set `state.highAvailability: {enabled: true, storageDir: ...}` with `state.checkpoints`, or `enabled: false` to accept the loss.",
}

declare_code! {
    pub STATE_NOT_DURABLE: warning "state-not-durable",
    catches: "Checkpoints kept in the JobManager's memory, or state in a pod's own folder (file://).",
    why: "Both go with the pod: a JobManager restart loses them.",
    fix: "Use object storage (s3://, gs://, abfs://) in `state`.",
}

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let state = &spec.state;
    let ha = state.ha();
    if let Some(ha) = ha {
        let at = r.key_span(&["spec", "state", "highAvailability"]);
        if state.checkpoints.is_none() {
            diags.push(
                Diagnostic::error(HA_WITHOUT_CHECKPOINTS, at, "high availability without `state.checkpoints`: a restarted JobManager finds no checkpoint to resume from")
                    .help("set `state.checkpoints` to durable storage, e.g. s3://bucket/checkpoints"),
            );
        }
        if ha.storage_dir.is_none() {
            diags.push(
                Diagnostic::error(HA_STORAGE_DIR, at, "high availability needs `storageDir`: Flink keeps the job graph and the pointers to its checkpoints there")
                    .help("set `state.highAvailability.storageDir`, e.g. s3://bucket/ha"),
            );
        }
    }

    for (field, uri) in [
        ("checkpoints", state.checkpoints.as_deref()),
        ("savepoints", state.savepoints.as_deref()),
    ]
    .into_iter()
    .chain(std::iter::once((
        "highAvailability",
        ha.and_then(|h| h.storage_dir.as_deref()),
    ))) {
        let Some(uri) = uri else { continue };
        let path: &[&str] = if field == "highAvailability" {
            &["spec", "state", "highAvailability", "storageDir"]
        } else {
            &["spec", "state", field]
        };
        if uri.starts_with("file://") && field != "savepoints" {
            diags.push(
                Diagnostic::warning(STATE_NOT_DURABLE, r.span(path), format!("`{uri}` is a folder of the pod: the state there goes with the pod, unless every pod mounts one shared volume at that path"))
                    .help("use object storage (s3://, gs://, abfs://) for checkpoints and high availability"),
            );
        }
    }

    // An explicit `highAvailability: {enabled: false}` accepts that a JobManager restart loses
    // the job's progress (a dev environment, say, or a job that rebuilds its state), which
    // silences the warning about high availability; it does not make checkpoints kept in the
    // JobManager's memory work, so the warning about storage stays.
    let checkpointing = has_checkpointing(r);
    if checkpointing && state.checkpoints.is_none() {
        diags.push(
            Diagnostic::warning(STATE_NOT_DURABLE, r.key_span(&["spec", "flinkConfiguration", "execution.checkpointing.interval"]), "checkpoints without `state.checkpoints` live in the JobManager's memory: a JobManager restart loses them, and a state past 5 MB fails every checkpoint")
                .help("set `state.checkpoints` to durable storage, e.g. s3://bucket/checkpoints"),
        );
    }
    if state.high_availability.is_none() && (checkpointing || r.autoscaling_enabled()) {
        let why = if r.autoscaling_enabled() {
            "the job restarts on every scale event and keeps its progress only while its JobManager lives"
        } else {
            "the job keeps its progress only while its JobManager lives"
        };
        let from = if spec.job.initial_savepoint.is_some() {
            "its initialSavepoint"
        } else {
            "empty state"
        };
        diags.push(
            Diagnostic::warning(NO_HIGH_AVAILABILITY, r.origin, format!("no high availability: {why}; a JobManager restart (crash, eviction, node drain, a rollout for a new image or configuration) starts it again from {from}"))
                .help("set `state.highAvailability: {enabled: true, storageDir: ...}` with `state.checkpoints`"),
        );
    }
}
