//! `examples/realfuture` (the seed scenario) renders to its committed `deploy/` tree, and that tree is
//! the scenario: namespace, parallelism, CPU, HPA bounds and the metrics Service.

use crate::common;

use common::{documents, golden_tree, run, stderr, stdout};

#[test]
fn realfuture_renders_to_its_committed_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("deploy");
    let output = run(&[
        "--project",
        "examples/realfuture",
        "render",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    if let Some(diff) = golden_tree(&common::root().join("examples/realfuture/deploy"), &out) {
        panic!(
            "examples/realfuture/deploy is stale (re-bless with scripts/bless after review):\n{diff}"
        );
    }
}

#[test]
fn realfuture_is_the_seed_scenario() {
    let output = run(&["--project", "examples/realfuture", "build", "--env", "prod"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let docs = documents(&stdout(&output));
    let find = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let ns = "realfuture-jobs-streampark-100000";
    find("Namespace", ns);
    for d in &docs[1..] {
        assert_eq!(d["metadata"]["namespace"], ns);
    }
    let config = find("ConfigMap", "orders-enrichment-config");
    let flink = config["data"]["config.yaml"].as_str().unwrap();
    assert!(flink.contains("parallelism.default: 10\n"), "{flink}");
    assert!(flink.contains("scheduler-mode: reactive\n"), "{flink}");
    assert!(
        flink.contains("metrics.reporter.prom.port: \"9249\"\n"),
        "{flink}"
    );
    let tm = find("Deployment", "orders-enrichment-taskmanager");
    assert!(
        tm["spec"]["replicas"].is_null(),
        "the HPA owns the TaskManager replicas"
    );
    let container = &tm["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["resources"]["requests"]["cpu"], "1000m");
    assert_eq!(container["resources"]["limits"]["cpu"], "1000m");
    let hpa = find("HorizontalPodAutoscaler", "orders-enrichment-taskmanager");
    assert_eq!(hpa["spec"]["minReplicas"], 1);
    assert_eq!(hpa["spec"]["maxReplicas"], 5);
    assert_eq!(hpa["spec"]["metrics"][0]["resource"]["name"], "cpu");
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        65
    );
    assert_eq!(
        hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"],
        300
    );
    let svc = find("Service", "taskmanager-100000");
    assert_eq!(svc["spec"]["ports"][0]["port"], 9249);
    find("Deployment", "orders-enrichment-jobmanager");
}

/// The paths of the committed example that the README's tour and the Argo CD and Flux
/// recipes of docs/gitops.md name are real folders.
#[test]
fn readme_paths_exist_in_the_example() {
    for (doc, at_least) in [("README.md", 4), ("docs/gitops.md", 4)] {
        let text = std::fs::read_to_string(common::root().join(doc)).unwrap();
        let mut checked = 0;
        for word in text.split(|c: char| c.is_whitespace() || "\"'`(),".contains(c)) {
            let Some(start) = word.find("examples/realfuture/deploy") else {
                continue;
            };
            let path = word[start..]
                .trim_end_matches(['.', ':', ';'])
                .trim_end_matches("/*");
            assert!(
                common::root().join(path).exists(),
                "{doc} names {path}, which does not exist"
            );
            checked += 1;
        }
        assert!(checked >= at_least, "only {checked} paths found in {doc}");
    }
}
