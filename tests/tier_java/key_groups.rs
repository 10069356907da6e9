//! What Flink does with a job's key groups when it restores its state, which `flinkform diff`
//! and the configuration hash rely on: a job that sets no `maxParallelism` takes the maximum
//! its state was written with, whatever the new parallelism derives, but may not run more
//! parallel tasks than that, under the adaptive scheduler of reactive mode too, where the job
//! then fails for good; a job that sets one must set the state's. The probe
//! (`tests/flink/KeyGroupsProbe.java`) runs a keyed job on Flink's local MiniCluster at
//! parallelism 4, keeps its checkpoint, and restarts it from there.
//!
//! Needs Java 17 and the distributions `scripts/flink-dist` installs (`scripts/setup --flink`).

use crate::common;

use common::flink::{classpath, compile_probe, dist, run_probe};
use flinkform::flink::parallelism::default_max_parallelism;

#[derive(serde::Deserialize, Debug)]
struct Start {
    parallelism: u64,
    outcome: String,
    cause: String,
}

fn starts(release: &str, args: &[&str]) -> Vec<Start> {
    let flink = dist(release);
    let tmp = tempfile::tempdir().unwrap();
    let classes = tmp.path().join("classes");
    compile_probe(&flink, &classes, &["KeyGroupsProbe.java"]);
    let work = tmp.path().join("work");
    let mut all = vec![work.to_str().unwrap()];
    all.extend_from_slice(args);
    run_probe(&classpath(&classes, &flink), "KeyGroupsProbe", all)
}

/// Asserts a start failed, Flink saying `says`.
fn refused(start: &Start, says: &str) {
    assert_eq!(start.outcome, "failed", "{start:?}");
    assert!(start.cause.contains(says), "{}", start.cause);
}

/// What Flink says of a parallelism above the state's `state` key groups.
fn above(state: u64) -> String {
    format!("maximum parallelism ({state}) of the restored state is lower")
}

#[test]
fn a_derived_maximum_gives_way_to_the_states_and_bounds_the_parallelism() {
    // The state of a job at parallelism 4 has Flink's derived 128 key groups; 100 derives 256.
    let state = default_max_parallelism(4);
    assert_eq!(state, 128);
    assert_eq!(default_max_parallelism(100), 256);
    for release in ["1.20.1", "2.1.1"] {
        let found = starts(release, &["100", &(state + 2).to_string()]);
        assert_eq!(found.len(), 2, "{release}: {found:?}");
        assert_eq!(
            (found[0].parallelism, found[0].outcome.as_str()),
            (100, "running"),
            "{release}: {found:?}"
        );
        refused(&found[1], &above(state));
    }
}

#[test]
fn a_maximum_the_job_sets_must_be_the_states() {
    let found = starts("1.20.1", &["--max-parallelism", "256", "4"]);
    assert_eq!(found.len(), 1, "{found:?}");
    refused(&found[0], "Max parallelism mismatch");
}

/// Reactive mode runs the job with its slots, up to the maximum parallelism the configuration
/// derives: more slots than the state's key groups fail the restore, and no restart helps.
#[test]
fn the_adaptive_scheduler_fails_for_good_above_the_states_maximum() {
    let state = default_max_parallelism(4);
    let found = starts("1.20.1", &["--adaptive", &(state + 2).to_string()]);
    assert_eq!(found.len(), 1, "{found:?}");
    refused(&found[0], &above(state));
}
