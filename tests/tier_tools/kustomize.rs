//! The kustomize invariants, held by the real `kubectl kustomize` (kustomize v5)
//! on every golden output tree:
//! 1. every kustomization builds under the default load restrictor, with no warnings;
//! 2. `kubectl kustomize <env>` gives the objects of `flinkform build --env <env>`;
//! 3. every `<env>/<job>` builds alone, holds no Namespace, and no object is defined twice
//!    across one environment.
//!
//! The fourth, renders byte-identical across runs and job-file orders, needs no kustomize:
//! `fixtures::renders_are_byte_identical_across_runs_and_file_orders`.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{documents, environments, object_key, rel, run, stderr, stdout};

/// Every golden tree with the project it came from.
fn trees() -> Vec<(PathBuf, PathBuf)> {
    let mut trees: Vec<(PathBuf, PathBuf)> = common::cases("valid")
        .into_iter()
        .map(|case| (case.clone(), case.join("expected")))
        .collect();
    let example = common::root().join("examples/realfuture");
    trees.push((example.clone(), example.join("deploy")));
    trees
}

fn kustomize(dir: &Path) -> Result<String, String> {
    let output = Command::new("kubectl")
        .args(["kustomize", &dir.to_string_lossy()])
        .output()
        .map_err(|e| format!("cannot run kubectl (install it; see README): {e}"))?;
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!(
            "kubectl kustomize {} failed:\n{err}",
            dir.display()
        ));
    }
    if !err.trim().is_empty() {
        return Err(format!(
            "kubectl kustomize {} warned:\n{err}",
            dir.display()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn kustomization_dirs(tree: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(tree)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() == "kustomization.yaml")
        .map(|e| e.path().parent().unwrap().to_path_buf())
        .collect();
    dirs.sort();
    dirs
}

fn sorted_objects(text: &str) -> Vec<serde_json::Value> {
    let mut docs = documents(text);
    docs.sort_by_key(object_key);
    docs
}

#[test]
fn every_kustomization_builds_without_warnings() {
    let mut failures = Vec::new();
    let mut built = 0;
    for (_, tree) in trees() {
        for dir in kustomization_dirs(&tree) {
            built += 1;
            if let Err(e) = kustomize(&dir) {
                failures.push(e);
            }
            let text = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
            for deprecated in [
                "bases:",
                "commonLabels:",
                "patchesStrategicMerge:",
                "patchesJson6902:",
                "vars:",
            ] {
                if text.lines().any(|l| l.starts_with(deprecated)) {
                    failures.push(format!("{}: deprecated field {deprecated}", rel(&dir)));
                }
            }
        }
    }
    assert!(built > 20, "only {built} kustomizations found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn environments_build_to_what_flinkform_build_prints() {
    let mut failures = Vec::new();
    for (project, tree) in trees() {
        for env in environments(&tree) {
            let built = match kustomize(&tree.join(&env)) {
                Ok(text) => sorted_objects(&text),
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            let output = run(&["--project", &rel(&project), "build", "--env", &env]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            let expected = sorted_objects(&stdout(&output));
            if built != expected {
                let a: Vec<String> = expected
                    .iter()
                    .map(flinkform::yaml::write::to_yaml)
                    .collect();
                let b: Vec<String> = built.iter().map(flinkform::yaml::write::to_yaml).collect();
                let diff = similar::TextDiff::from_lines(a.join("---\n"), b.join("---\n"))
                    .unified_diff()
                    .header("flinkform build", "kubectl kustomize")
                    .to_string();
                failures.push(format!("{} env {env}:\n{diff}", rel(&project)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn job_overlays_build_alone_without_namespaces_or_duplicates() {
    let mut failures = Vec::new();
    for (_, tree) in trees() {
        for env in environments(&tree) {
            let mut seen = BTreeSet::new();
            for entry in std::fs::read_dir(tree.join(&env)).unwrap() {
                let dir = entry.unwrap().path();
                if !dir.join("kustomization.yaml").exists() || dir.ends_with("namespaces") {
                    continue;
                }
                let objects = match kustomize(&dir) {
                    Ok(text) => documents(&text),
                    Err(e) => {
                        failures.push(e);
                        continue;
                    }
                };
                for o in objects {
                    if o["kind"] == "Namespace" {
                        failures.push(format!("{}: holds a Namespace", rel(&dir)));
                    }
                    if !seen.insert(object_key(&o)) {
                        failures.push(format!(
                            "{}: {:?} is defined twice in {env}",
                            rel(&dir),
                            object_key(&o)
                        ));
                    }
                }
            }
            // The namespaces come from the environment's own folder, which builds on its own
            // (one more GitOps application), once each and nothing else.
            match kustomize(&tree.join(&env).join("namespaces")) {
                Err(e) => failures.push(e),
                Ok(text) => {
                    for o in documents(&text) {
                        if o["kind"] != "Namespace" {
                            failures.push(format!("{env}/namespaces holds a {}", o["kind"]));
                        }
                        if !seen.insert(object_key(&o)) {
                            failures.push(format!(
                                "{env}: namespace {:?} defined twice",
                                object_key(&o)
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
