//! Independent checks of the output: every emitted object of every golden project passes
//! `kubernetes-validate --strict` (from PyPI; `scripts/setup` installs it) for the oldest and
//! newest Kubernetes versions flinkform supports, and every string survives a YAML 1.1 reader
//! (PyYAML, which reads `on`, `0755` or `12:30` as non-strings when they are bare).

mod common;

use std::path::Path;
use std::process::Command;

use common::{documents, environments, rel, run, stderr, stdout};

/// The Kubernetes versions the README promises.
const KUBERNETES_VERSIONS: &[&str] = &["1.28.0", "1.37.0"];

/// Custom resources, which kubernetes-validate has no schema for; flinkform's verify phase
/// checks them against typed structs of their own instead.
const CUSTOM_KINDS: &[&str] = &["ScaledObject", "PodMonitor"];

fn all_objects() -> Vec<(String, serde_json::Value)> {
    let mut objects = Vec::new();
    let mut projects: Vec<_> = common::cases("valid")
        .into_iter()
        .map(|c| (c.clone(), c.join("expected")))
        .collect();
    let example = common::root().join("examples/realfuture");
    projects.push((example.clone(), example.join("deploy")));
    for (project, tree) in projects {
        for env in environments(&tree) {
            let output = run(&["--project", &rel(&project), "build", "--env", &env]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            for doc in documents(&stdout(&output)) {
                objects.push((format!("{}:{env}", rel(&project)), doc));
            }
        }
    }
    objects
}

#[test]
fn every_object_passes_kubernetes_validate_strict() {
    let objects = all_objects();
    assert!(objects.len() > 50, "only {} objects", objects.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let custom = objects
        .iter()
        .filter(|(_, o)| CUSTOM_KINDS.contains(&o["kind"].as_str().unwrap_or_default()))
        .count();
    assert!(custom > 0, "the fixtures exercise custom resources too");
    let builtin = objects
        .iter()
        .filter(|(_, o)| !CUSTOM_KINDS.contains(&o["kind"].as_str().unwrap_or_default()));
    for (i, (origin, object)) in builtin.enumerate() {
        let path = tmp.path().join(format!("{i:04}.yaml"));
        std::fs::write(
            &path,
            format!("# {origin}\n{}", flinkform::emit::to_yaml(object)),
        )
        .unwrap();
        files.push(path);
    }
    for version in KUBERNETES_VERSIONS {
        let output = Command::new("kubernetes-validate")
            .args(["--strict", "--quiet", "-k", version])
            .args(&files)
            .output()
            .expect("kubernetes-validate is installed (scripts/setup)");
        let out = common::all_output(&output);
        assert!(output.status.success(), "Kubernetes {version}:\n{out}");
        assert!(
            !out.contains("ERROR") && !out.contains("WARN"),
            "Kubernetes {version}:\n{out}"
        );
    }
}

/// PyYAML (YAML 1.1) reads every output file of the quoting fixture back with the strings the
/// job file gave, in labels, annotations, container args and the Flink configuration.
#[test]
fn yaml_1_1_readers_read_the_same_strings() {
    let case = common::root().join("fixtures/valid/07-yaml-quoting");
    let script = common::root().join("tests/yaml11_roundtrip.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(case.join("jobs/tricky.yaml"))
        .arg(case.join("expected"))
        .output()
        .expect("python3 runs");
    let text = common::all_output(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("checked"), "{text}");
    assert!(Path::new(&script).exists());
}
