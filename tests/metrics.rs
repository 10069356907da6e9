//! Custom-metric autoscaling: every External metric an HPA of a golden project
//! asks for is served by the prometheus-adapter rules in its `platform/` folder, and every
//! PromQL flinkform writes (adapter rules and KEDA triggers) parses with a real PromQL parser
//! and selects the job by its `job_name` label.

use crate::common;

use std::collections::BTreeSet;

use common::{documents, environments, read_tree, rel, run, stderr, stdout};

fn parse(query: &str) -> Result<(), String> {
    promql_parser::parser::parse(query)
        .map(|_| ())
        .map_err(|e| format!("{query}: {e}"))
}

#[test]
fn adapter_rules_serve_every_preset_metric_and_parse() {
    let mut checked = 0;
    for case in common::cases("valid") {
        let tree = case.join("expected");
        let rules_text = read_tree(&tree.join("platform"))
            .get("prometheus-adapter-rules.yaml")
            .cloned();
        let served: BTreeSet<String> = rules_text
            .as_ref()
            .map(|t| documents(&String::from_utf8_lossy(t)))
            .unwrap_or_default()
            .iter()
            .flat_map(|doc| doc["externalRules"].as_array().cloned().unwrap_or_default())
            .map(|rule| {
                let series = rule["seriesQuery"].as_str().unwrap();
                parse(series).unwrap();
                // The adapter fills in the series and the HPA's label matchers.
                let query = rule["metricsQuery"]
                    .as_str()
                    .unwrap()
                    .replace("<<.Series>>", series.split('{').next().unwrap())
                    .replace("<<.LabelMatchers>>", "job_name=\"x\",namespace=\"y\"");
                parse(&query).unwrap();
                rule["name"]["as"].as_str().unwrap().to_owned()
            })
            .collect();
        let mut wanted = BTreeSet::new();
        for env in environments(&tree) {
            let output = run(&["--project", &rel(&case), "build", "--env", &env]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            for doc in documents(&stdout(&output)) {
                if doc["kind"] != "HorizontalPodAutoscaler" {
                    continue;
                }
                for metric in doc["spec"]["metrics"].as_array().unwrap() {
                    let name = metric["external"]["metric"]["name"]
                        .as_str()
                        .unwrap_or_default();
                    if name.starts_with("flinkform_") {
                        assert!(
                            metric["external"]["metric"]["selector"]["matchLabels"]["job_name"]
                                .is_string(),
                            "{}: {name} is not selected by job_name",
                            rel(&case)
                        );
                        wanted.insert(name.to_owned());
                    }
                }
            }
        }
        let missing: Vec<&String> = wanted.difference(&served).collect();
        assert!(
            missing.is_empty(),
            "{}: no adapter rule serves {missing:?}",
            rel(&case)
        );
        let unused: Vec<&String> = served.difference(&wanted).collect();
        assert!(
            unused.is_empty(),
            "{}: adapter rules for unused metrics {unused:?}",
            rel(&case)
        );
        checked += wanted.len();
    }
    assert!(checked >= 5, "only {checked} preset metrics checked");
}

#[test]
fn keda_triggers_parse_and_select_the_job() {
    let mut checked = 0;
    for case in common::cases("valid") {
        for env in environments(&case.join("expected")) {
            let output = run(&["--project", &rel(&case), "build", "--env", &env]);
            let docs = documents(&stdout(&output));
            let kinds: Vec<(String, String)> = docs
                .iter()
                .filter(|d| d["kind"] == "HorizontalPodAutoscaler" || d["kind"] == "ScaledObject")
                .map(|d| {
                    (
                        d["metadata"]["namespace"].as_str().unwrap().to_owned(),
                        d["spec"]["scaleTargetRef"]["name"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    )
                })
                .collect();
            let unique: BTreeSet<&(String, String)> = kinds.iter().collect();
            assert_eq!(
                unique.len(),
                kinds.len(),
                "{} {env}: a Deployment with two autoscalers",
                rel(&case)
            );
            for doc in docs.iter().filter(|d| d["kind"] == "ScaledObject") {
                assert!(
                    doc["spec"]["minReplicaCount"].is_number(),
                    "minReplicaCount must be explicit"
                );
                for trigger in doc["spec"]["triggers"].as_array().unwrap() {
                    if trigger["type"] != "prometheus" {
                        continue;
                    }
                    let query = trigger["metadata"]["query"].as_str().unwrap();
                    parse(query).unwrap();
                    assert!(query.contains("job_name=\""), "{query}");
                    assert!(
                        trigger["metadata"]["serverAddress"]
                            .as_str()
                            .unwrap()
                            .starts_with("http")
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 5, "only {checked} KEDA queries checked");
}
