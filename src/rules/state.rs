//! Rules on the job's state: where it is kept, whether a JobManager restart keeps it, and
//! what the image needs to reach the storage.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::flink_config;

use super::{Located, has_checkpointing};

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let state = &spec.state;
    let ha = state.ha();
    if let Some(ha) = ha {
        let at = r.key_span(&["spec", "state", "highAvailability"]);
        if state.checkpoints.is_none() {
            diags.push(
                Diagnostic::error("ha-without-checkpoints", at, "high availability without `state.checkpoints`: a restarted JobManager finds no checkpoint to resume from")
                    .help("set `state.checkpoints` to durable storage, e.g. s3://bucket/checkpoints"),
            );
        }
        if ha.storage_dir.is_none() {
            diags.push(
                Diagnostic::error("ha-storage-dir", at, "high availability needs `storageDir`: Flink keeps the job graph and the pointers to its checkpoints there")
                    .help("set `state.highAvailability.storageDir`, e.g. s3://bucket/ha"),
            );
        }
    }

    // One missing patch version is one problem, however many URIs need a plugin.
    let mut plugin_reported = false;
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
        // The official image keeps its filesystem plugins in /opt/flink/opt under names with
        // the full Flink version; the entrypoint links the ones it is told, and a name that
        // is not there ends the container.
        if let Some(plugin) = flink_config::filesystem_plugin(uri)
            && !flink_config::has_patch(&spec.flink_version)
            && !plugin_reported
        {
            plugin_reported = true;
            diags.push(
                Diagnostic::error("plugin-version", r.span(path), format!("`{uri}` needs the image's `{plugin}` plugin, whose jar is named with the full Flink version"))
                    .note(r.span(&["spec", "flinkVersion"]), "only major and minor given here")
                    .help(format!("give the image's patch release, e.g. `flinkVersion: \"{}.0\"`", spec.flink_version)),
            );
        }
        if uri.starts_with("file://") && field != "savepoints" {
            diags.push(
                Diagnostic::warning("state-not-durable", r.span(path), format!("`{uri}` is a folder of the pod: the state there goes with the pod, unless every pod mounts one shared volume at that path"))
                    .help("use object storage (s3://, gs://, abfs://) for checkpoints and high availability"),
            );
        }
    }

    // An explicit `highAvailability: {enabled: false}` accepts that a JobManager restart loses
    // the job's progress (a dev environment, say, or a job that rebuilds its state): then
    // neither of these warnings.
    let accepted = state.high_availability.as_ref().is_some_and(|h| !h.enabled);
    let checkpointing = has_checkpointing(r);
    if checkpointing && state.checkpoints.is_none() && !accepted {
        diags.push(
            Diagnostic::warning("state-not-durable", r.key_span(&["spec", "flinkConfiguration", "execution.checkpointing.interval"]), "checkpoints without `state.checkpoints` live in the JobManager's memory: a JobManager restart loses them")
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
            Diagnostic::warning("no-high-availability", r.origin, format!("no high availability: {why}; a JobManager restart (crash, eviction, node drain, a rollout for a new image or configuration) starts it again from {from}"))
                .help("set `state.highAvailability: {enabled: true, storageDir: ...}` with `state.checkpoints`"),
        );
    }
}
