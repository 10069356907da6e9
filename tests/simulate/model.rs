//! The controller model against the cases of Kubernetes' own controller tests (a data file:
//! their inputs and expected replica counts), and against scenarios of our own.

use flinkform::simulate::hpa::{
    Behavior, Controller, MetricSpec, Policy, PolicyKind, Reading, Recommendation, Rules,
    ScaleEvent, Select, Source, Spec, Target, scale_down_limit, scale_up_limit,
};
use flinkform::simulate::replicas::{self, Phase, Pod, Readiness, Resource, Sample, Samples};
use serde_json::Value as Json;

use crate::common;

/// The zero time of Go's `metav1.Time{}`, far before any sync.
const ZERO: f64 = -1e12;

fn cases() -> Json {
    let text = std::fs::read_to_string(
        common::root().join("tests/simulate/kubernetes-controller-cases.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The test suite's controller flags.
fn test_readiness() -> Readiness {
    Readiness {
        cpu_initialization: 120.0,
        initial_readiness_delay: 10.0,
        tolerance: 0.1,
    }
}

fn pod_of(p: &Json) -> (Pod, Option<Sample>) {
    let start = match p["start"].as_str() {
        Some("hot") => -60.0,
        Some("cool") => -180.0,
        _ => ZERO,
    };
    let request = if p.get("request").is_some_and(Json::is_null) {
        None
    } else {
        Some(p["request"].as_i64().unwrap_or(2000))
    };
    let pod = Pod {
        phase: match p["phase"].as_str() {
            Some("Pending") => Phase::Pending,
            Some("Failed") => Phase::Failed,
            _ => Phase::Running,
        },
        ready: p["ready"].as_bool().unwrap_or(true),
        deleting: p["deleting"].as_bool().unwrap_or(false),
        start,
        ready_since: ZERO,
        cpu_request: request,
        memory_request: request,
    };
    let sample = p["sample"].as_i64().map(|value| Sample {
        value,
        timestamp: ZERO,
        window: 60.0,
    });
    (pod, sample)
}

#[test]
fn replica_calculator_gives_kubernetes_answers() {
    let all = cases();
    let mut failures = Vec::new();
    let list = all["replicaCalculator"].as_array().unwrap();
    assert!(list.len() >= 40);
    for case in list {
        let name = case["name"].as_str().unwrap();
        let current = i32::try_from(case["current"].as_i64().unwrap()).unwrap();
        let (pods, samples): (Vec<Pod>, Vec<Option<Sample>>) =
            case["pods"].as_array().unwrap().iter().map(pod_of).unzip();
        let samples = Samples {
            pods: samples,
            unknown: case["unknownSamples"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_i64().unwrap()).collect())
                .unwrap_or_default(),
        };
        let metric = &case["metric"];
        let r = test_readiness();
        let usage = case["usage"].as_i64().unwrap_or(0);
        let got = match (
            metric["source"].as_str().unwrap(),
            metric["utilization"].as_i64(),
            metric["averageValue"].as_i64(),
            metric["value"].as_i64(),
        ) {
            ("cpu", Some(u), _, _) => replicas::resource_utilization(
                0.0,
                current,
                i32::try_from(u).unwrap(),
                Resource::Cpu,
                &pods,
                &samples,
                &r,
            ),
            ("pods", _, Some(t), _) => {
                replicas::plain_average(0.0, current, t, None, &pods, &samples, &r)
            }
            ("external", _, _, Some(t)) => replicas::external_value(current, usage, t, &pods, &r),
            ("external", _, Some(t), _) => Ok(replicas::external_average(current, usage, t, &r)),
            other => panic!("{name}: unknown metric {other:?}"),
        };
        match (&case["expected"], got) {
            (Json::String(e), Err(_)) if e == "error" => {}
            (Json::Number(n), Ok(p)) => {
                let want = n.as_i64().unwrap();
                let value = case["expectedValue"].as_i64();
                if i64::from(p.replicas) != want || value.is_some_and(|v| v != p.value) {
                    failures.push(format!(
                        "{name}: got {} replicas (value {}), expected {want} (value {value:?})",
                        p.replicas, p.value
                    ));
                }
            }
            (want, got) => failures.push(format!("{name}: got {got:?}, expected {want}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `generateScalingRules` of Kubernetes' tests, or the API's defaults when not given.
fn rules_of(r: &Json, default: Rules) -> Rules {
    if r.is_null() {
        return default;
    }
    let mut policies = Vec::new();
    if let Some(p) = r["pods"].as_array() {
        policies.push(Policy {
            kind: PolicyKind::Pods,
            value: i32::try_from(p[0].as_i64().unwrap()).unwrap(),
            period: p[1].as_i64().unwrap(),
        });
    }
    if let Some(p) = r["percent"].as_array() {
        policies.push(Policy {
            kind: PolicyKind::Percent,
            value: i32::try_from(p[0].as_i64().unwrap()).unwrap(),
            period: p[1].as_i64().unwrap(),
        });
    }
    Rules {
        stabilization_window: r["window"].as_i64().unwrap_or(0),
        select: match r["select"].as_str() {
            Some("Min") => Select::Min,
            Some("Disabled") => Select::Disabled,
            _ => Select::Max,
        },
        policies,
    }
}

fn events_of(e: &Json) -> Vec<ScaleEvent> {
    e.as_array()
        .map(|a| {
            a.iter()
                .map(|x| ScaleEvent {
                    change: i32::try_from(x[0].as_i64().unwrap()).unwrap(),
                    time: -(x[1].as_f64().unwrap()),
                    outdated: false,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn int(v: &Json) -> i32 {
    i32::try_from(v.as_i64().unwrap()).unwrap()
}

#[test]
fn rate_policies_give_kubernetes_answers() {
    let all = cases();
    let mut failures = Vec::new();
    for case in all["scalingRules"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let spec = Spec {
            min_replicas: int(&case["min"]),
            max_replicas: int(&case["max"]),
            metrics: Vec::new(),
            behavior: Behavior {
                scale_up: rules_of(&case["up"], Rules::default_up()),
                scale_down: rules_of(&case["down"], Rules::default_down()),
            },
        };
        let controller = Controller {
            recommendations: Vec::new(),
            up_events: events_of(&case["upEvents"]),
            down_events: events_of(&case["downEvents"]),
        };
        let got = controller.limit_rate(&spec, 0.0, int(&case["current"]), int(&case["desired"]));
        if got != int(&case["expected"]) {
            failures.push(format!("{name}: got {got}, expected {}", case["expected"]));
        }
    }
    for case in all["limits"].as_array().unwrap() {
        let rules = rules_of(&case["rules"], Rules::default_up());
        let current = int(&case["current"]);
        let got = if case["direction"] == "up" {
            scale_up_limit(0.0, current, &[], &[], &rules)
        } else {
            scale_down_limit(0.0, current, &[], &[], &rules)
        };
        if got != int(&case["expected"]) {
            failures.push(format!("{}: got {got}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stabilization_windows_give_kubernetes_answers() {
    let all = cases();
    let mut failures = Vec::new();
    for case in all["stabilization"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let behavior = Behavior {
            scale_up: Rules {
                stabilization_window: case["upWindow"].as_i64().unwrap_or(0),
                ..Rules::default_up()
            },
            scale_down: Rules {
                stabilization_window: case["downWindow"].as_i64().unwrap_or(0),
                ..Rules::default_down()
            },
        };
        let mut controller = Controller {
            recommendations: case["recommendations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| Recommendation {
                    replicas: int(&r[0]),
                    time: -(r[1].as_f64().unwrap()),
                })
                .collect(),
            ..Controller::default()
        };
        let got =
            controller.stabilize(&behavior, 0.0, int(&case["current"]), int(&case["desired"]));
        if got != int(&case["expected"]) {
            failures.push(format!("{name}: got {got}, expected {}", case["expected"]));
        }
        if let Some(want) = case["expectedRecommendations"].as_array() {
            let want: Vec<i32> = want.iter().map(int).collect();
            let have: Vec<i32> = controller
                .recommendations
                .iter()
                .map(|r| r.replicas)
                .collect();
            if want != have {
                failures.push(format!(
                    "{name}: recommendations {have:?}, expected {want:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- Our own cases: whole syncs over time, as the simulation drives the controller. ---

fn cpu_spec(target: i32, min: i32, max: i32, behavior: Behavior) -> Spec {
    Spec {
        min_replicas: min,
        max_replicas: max,
        metrics: vec![MetricSpec {
            name: "cpu".into(),
            source: Source::Resource(Resource::Cpu),
            target: Target::Utilization(target),
        }],
        behavior,
    }
}

fn defaults() -> Behavior {
    Behavior {
        scale_up: Rules::default_up(),
        scale_down: Rules::default_down(),
    }
}

/// `n` long-running ready pods requesting one core, each with a fresh sample of `milli`.
fn steady(n: usize, milli: i64, now: f64) -> (Vec<Pod>, Reading) {
    let pod = Pod {
        phase: Phase::Running,
        ready: true,
        deleting: false,
        start: ZERO,
        ready_since: ZERO,
        cpu_request: Some(1000),
        memory_request: Some(1000),
    };
    let sample = Sample {
        value: milli,
        timestamp: now,
        window: 15.0,
    };
    (
        vec![pod; n],
        Reading::PerPod(Samples {
            pods: vec![Some(sample); n],
            unknown: Vec::new(),
        }),
    )
}

#[test]
fn a_ratio_within_the_tolerance_does_not_scale() {
    let spec = cpu_spec(50, 1, 10, defaults());
    let mut c = Controller::default();
    let r = Readiness::default();
    // 4 pods at 54 %: ratio 1.08, inside 0.1.
    let (pods, reading) = steady(4, 540, 0.0);
    assert_eq!(c.sync(&spec, 0.0, 4, &pods, &[reading], &r).replicas, 4);
    // At 56 %: ratio 1.12, outside: ceil(1.12 * 4) = 5.
    let (pods, reading) = steady(4, 560, 15.0);
    assert_eq!(c.sync(&spec, 15.0, 4, &pods, &[reading], &r).replicas, 5);
}

#[test]
fn the_scale_down_window_keeps_the_highest_recommendation_for_300_seconds() {
    let spec = cpu_spec(50, 1, 10, defaults());
    let mut c = Controller::default();
    let r = Readiness::default();
    // At t=0, 4 pods want 4 (50 %); from t=15 the load drops to 10 % (wants 1).
    let (pods, reading) = steady(4, 500, 0.0);
    assert_eq!(c.sync(&spec, 0.0, 4, &pods, &[reading], &r).replicas, 4);
    let mut t = 15.0;
    while t < 300.0 {
        let (pods, reading) = steady(4, 100, t);
        assert_eq!(
            c.sync(&spec, t, 4, &pods, &[reading], &r).replicas,
            4,
            "t={t}"
        );
        t += 15.0;
    }
    // The recommendation of t=0 is exactly 300 s old: outside the window.
    let (pods, reading) = steady(4, 100, 300.0);
    assert_eq!(c.sync(&spec, 300.0, 4, &pods, &[reading], &r).replicas, 1);
}

#[test]
fn a_scale_up_window_takes_the_lowest_recommendation() {
    let behavior = Behavior {
        scale_up: Rules {
            stabilization_window: 60,
            ..Rules::default_up()
        },
        scale_down: Rules::default_down(),
    };
    let spec = cpu_spec(50, 1, 10, behavior);
    let mut c = Controller::default();
    let r = Readiness::default();
    let (pods, reading) = steady(2, 500, 0.0);
    assert_eq!(c.sync(&spec, 0.0, 2, &pods, &[reading], &r).replicas, 2);
    // A spike to 100 % wants 4 but waits until every recommendation of the last 60 s does.
    for t in [15.0, 30.0, 45.0] {
        let (pods, reading) = steady(2, 1000, t);
        assert_eq!(
            c.sync(&spec, t, 2, &pods, &[reading], &r).replicas,
            2,
            "t={t}"
        );
    }
    let (pods, reading) = steady(2, 1000, 60.0);
    assert_eq!(c.sync(&spec, 60.0, 2, &pods, &[reading], &r).replicas, 4);
}

#[test]
fn select_policy_min_takes_the_smaller_step_and_disabled_none() {
    let rules = |select| Rules {
        stabilization_window: 0,
        select,
        policies: vec![
            Policy {
                kind: PolicyKind::Pods,
                value: 1,
                period: 60,
            },
            Policy {
                kind: PolicyKind::Percent,
                value: 50,
                period: 60,
            },
        ],
    };
    assert_eq!(scale_up_limit(0.0, 4, &[], &[], &rules(Select::Max)), 6);
    assert_eq!(scale_up_limit(0.0, 4, &[], &[], &rules(Select::Min)), 5);
    assert_eq!(
        scale_up_limit(0.0, 4, &[], &[], &rules(Select::Disabled)),
        4
    );
    assert_eq!(scale_down_limit(0.0, 4, &[], &[], &rules(Select::Max)), 2);
    assert_eq!(scale_down_limit(0.0, 4, &[], &[], &rules(Select::Min)), 3);
    // One pod per 60 s: a second step within the period is held at the current count.
    let up = [ScaleEvent {
        change: 1,
        time: -30.0,
        outdated: false,
    }];
    assert_eq!(scale_up_limit(0.0, 5, &up, &[], &rules(Select::Min)), 5);
}

#[test]
fn new_pods_without_samples_hold_a_scale_up_back_and_a_scale_down_too() {
    let spec = cpu_spec(50, 1, 10, defaults());
    let r = Readiness::default();
    let (mut pods, reading) = steady(2, 1000, 100.0);
    let Reading::PerPod(mut samples) = reading else {
        unreachable!()
    };
    // Two pods just created: pending, then running without a sample.
    let mut young = pods[0].clone();
    young.start = 95.0;
    young.ready_since = 95.0;
    young.phase = Phase::Pending;
    young.ready = false;
    pods.push(young.clone());
    young.phase = Phase::Running;
    young.ready = true;
    pods.push(young);
    samples.pods.extend([None, None]);
    // 100 % on the two old pods, twice the target; the pending pod and the one without a
    // sample count as 0 % on a scale-up:
    // (2000 + 0 + 0) / 4000 = 50 %, on target: no scale-up beyond the 4 pods already asked.
    let mut c = Controller::default();
    let got = c.sync(
        &spec,
        100.0,
        4,
        &pods,
        &[Reading::PerPod(samples.clone())],
        &r,
    );
    assert_eq!(got.replicas, 4);
    // At 10 % on the old pods, the pod without a sample counts as 100 % of its request:
    // (200 + 1000) / 3000 = 40 %, ratio 0.8: ceil(0.8 * 3) = 3.
    for s in samples.pods.iter_mut().flatten() {
        s.value = 100;
    }
    let proposal =
        replicas::resource_utilization(100.0, 4, 50, Resource::Cpu, &pods, &samples, &r).unwrap();
    assert_eq!(proposal.replicas, 3);
}

#[test]
fn an_unavailable_metric_blocks_a_scale_down_but_not_a_scale_up() {
    let mut spec = cpu_spec(50, 1, 10, defaults());
    spec.metrics.push(MetricSpec {
        name: "backlog".into(),
        source: Source::External,
        target: Target::AverageValue(1_000_000),
    });
    let r = Readiness::default();
    let mut c = Controller::default();
    let (pods, reading) = steady(4, 100, 400.0);
    let got = c.sync(&spec, 400.0, 4, &pods, &[reading, Reading::Total(None)], &r);
    assert_eq!(got.replicas, 4, "down blocked");
    assert!(got.proposals[1].is_err());
    let (pods, reading) = steady(4, 1000, 415.0);
    let got = c.sync(&spec, 415.0, 4, &pods, &[reading, Reading::Total(None)], &r);
    assert_eq!(got.replicas, 8, "up allowed");
}

#[test]
fn external_average_value_divides_by_the_pods_there_are() {
    let r = Readiness::default();
    // 9000 records of backlog, 1000 per TaskManager: 9.
    let p = replicas::external_average(3, 9_000_000, 1_000_000, &r);
    assert_eq!((p.replicas, p.value), (9, 3_000_000));
    // The maximum wins over metrics; a proposal below min is raised to min.
    let mut spec = cpu_spec(50, 2, 6, defaults());
    spec.metrics.push(MetricSpec {
        name: "backlog".into(),
        source: Source::External,
        target: Target::AverageValue(1_000_000),
    });
    let mut c = Controller::default();
    let (pods, reading) = steady(3, 500, 0.0);
    let got = c.sync(
        &spec,
        0.0,
        3,
        &pods,
        &[reading, Reading::Total(Some(9_000_000))],
        &r,
    );
    assert_eq!((got.replicas, got.deciding), (6, Some(1)));
}
