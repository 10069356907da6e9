//! What a job's emitted objects say the autoscaling and the job are: the HPA spec (or the one
//! KEDA creates from a ScaledObject), the TaskManager pod's requests, and the Flink settings the
//! adaptive scheduler reads.
//!
//! Everything comes from the objects `build --env` prints, never from the job definition, so
//! the simulation sees a project's own templates and every override exactly as the cluster
//! would.

use serde_json::Value as Json;

use super::flink::{Generation, Settings};
use super::hpa::{Behavior, MetricSpec, Policy, PolicyKind, Rules, Select, Source, Spec, Target};
use super::replicas::Resource;
use crate::flink::parallelism::default_max_parallelism;
use crate::layout::JobDocuments;
use crate::metrics::PRESETS;
use crate::model::parse_quantity;

/// One autoscaled job, ready to simulate.
#[derive(Clone, Debug)]
pub struct JobSetup {
    pub job: String,
    /// `HorizontalPodAutoscaler` or `ScaledObject`.
    pub autoscaler: &'static str,
    pub spec: Spec,
    /// The TaskManager pod's requests, milli units.
    pub cpu_request: Option<i64>,
    pub memory_request: Option<i64>,
    pub flink: Settings,
}

fn milli(v: &Json) -> Option<i64> {
    let n = match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => parse_quantity(s),
        _ => None,
    }?;
    Some((n * 1000.0).round() as i64)
}

fn int(v: &Json) -> Option<i32> {
    match v {
        Json::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The trace's name for an External metric: the preset for flinkform's own names.
fn external_name(name: &str) -> String {
    PRESETS
        .iter()
        .find(|p| p.external_name() == name)
        .map_or_else(|| name.to_owned(), |p| p.name.to_owned())
}

fn rules(v: &Json, default: Rules) -> Rules {
    if !v.is_object() {
        return default;
    }
    let policies = v["policies"].as_array().map(|list| {
        list.iter()
            .filter_map(|p| {
                Some(Policy {
                    kind: match p["type"].as_str()? {
                        "Pods" => PolicyKind::Pods,
                        "Percent" => PolicyKind::Percent,
                        _ => return None,
                    },
                    value: int(&p["value"])?,
                    period: i64::from(int(&p["periodSeconds"])?),
                })
            })
            .collect()
    });
    Rules {
        stabilization_window: int(&v["stabilizationWindowSeconds"])
            .map_or(default.stabilization_window, i64::from),
        select: match v["selectPolicy"].as_str() {
            Some("Min") => Select::Min,
            Some("Disabled") => Select::Disabled,
            Some(_) | None => Select::Max,
        },
        policies: policies.unwrap_or(default.policies),
    }
}

/// `spec.behavior` as the API server completes it.
fn behavior(v: &Json) -> Behavior {
    Behavior {
        scale_up: rules(&v["scaleUp"], Rules::default_up()),
        scale_down: rules(&v["scaleDown"], Rules::default_down()),
    }
}

fn resource(name: &str) -> Option<Resource> {
    match name {
        "cpu" => Some(Resource::Cpu),
        "memory" => Some(Resource::Memory),
        _ => None,
    }
}

fn hpa_metric(m: &Json) -> Option<MetricSpec> {
    let target = |t: &Json| -> Option<Target> {
        match t["type"].as_str()? {
            "Utilization" => Some(Target::Utilization(int(&t["averageUtilization"])?)),
            "AverageValue" => Some(Target::AverageValue(milli(&t["averageValue"])?)),
            "Value" => Some(Target::Value(milli(&t["value"])?)),
            _ => None,
        }
    };
    match m["type"].as_str()? {
        "Resource" => {
            let name = m["resource"]["name"].as_str()?;
            Some(MetricSpec {
                name: name.to_owned(),
                source: Source::Resource(resource(name)?),
                target: target(&m["resource"]["target"])?,
            })
        }
        "Pods" => Some(MetricSpec {
            name: m["pods"]["metric"]["name"].as_str()?.to_owned(),
            source: Source::Pods,
            target: target(&m["pods"]["target"])?,
        }),
        "External" => Some(MetricSpec {
            name: external_name(m["external"]["metric"]["name"].as_str()?),
            source: Source::External,
            target: target(&m["external"]["target"])?,
        }),
        _ => None,
    }
}

fn hpa_spec(object: &Json) -> Result<Spec, String> {
    let spec = &object["spec"];
    let metrics = spec["metrics"].as_array().cloned().unwrap_or_default();
    let parsed: Vec<MetricSpec> = metrics.iter().filter_map(hpa_metric).collect();
    if parsed.len() != metrics.len() {
        return Err("the HorizontalPodAutoscaler has a metric the simulation cannot read".into());
    }
    Ok(Spec {
        min_replicas: int(&spec["minReplicas"]).unwrap_or(1),
        max_replicas: int(&spec["maxReplicas"]).ok_or("the HPA has no maxReplicas")?,
        metrics: parsed,
        behavior: behavior(&spec["behavior"]),
    })
}

/// The HPA KEDA creates for a ScaledObject: its triggers as metrics, its behavior from
/// `advanced.horizontalPodAutoscalerConfig`, `minReplicaCount` 0 held at 1 (KEDA itself
/// scales between 0 and 1).
fn keda_spec(object: &Json) -> Result<Spec, String> {
    let spec = &object["spec"];
    let mut metrics = Vec::new();
    for t in spec["triggers"].as_array().into_iter().flatten() {
        let kind = t["type"].as_str().unwrap_or_default();
        let metric_type = t["metricType"].as_str();
        let metric = if let Some(r) = resource(kind) {
            let value = &t["metadata"]["value"];
            MetricSpec {
                name: kind.to_owned(),
                source: Source::Resource(r),
                target: match metric_type.unwrap_or("Utilization") {
                    "AverageValue" => Target::AverageValue(milli(value).ok_or("bad value")?),
                    _ => Target::Utilization(int(value).ok_or("bad value")?),
                },
            }
        } else if kind == "prometheus" {
            let query = t["metadata"]["query"].as_str().unwrap_or_default();
            let name = PRESETS
                .iter()
                .find(|p| query.contains(p.series))
                .map_or_else(
                    || t["name"].as_str().unwrap_or("prometheus").to_owned(),
                    |p| p.name.to_owned(),
                );
            let threshold = milli(&t["metadata"]["threshold"]).ok_or("bad threshold")?;
            MetricSpec {
                name,
                source: Source::External,
                target: match metric_type.unwrap_or("AverageValue") {
                    "Value" => Target::Value(threshold),
                    _ => Target::AverageValue(threshold),
                },
            }
        } else {
            return Err(format!(
                "the ScaledObject has a `{kind}` trigger the simulation cannot read"
            ));
        };
        metrics.push(metric);
    }
    Ok(Spec {
        min_replicas: int(&spec["minReplicaCount"]).unwrap_or(0).max(1),
        max_replicas: int(&spec["maxReplicaCount"]).unwrap_or(100),
        metrics,
        behavior: behavior(&spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]),
    })
}

/// The sum of a pod template's requests for a resource (restartable init containers
/// included, as the controller counts them); `None` when a container requests none.
fn pod_requests(pod: &Json, name: &str) -> Option<i64> {
    let sidecars = pod["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["restartPolicy"] == "Always");
    let mut total = 0;
    for c in pod["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(sidecars)
    {
        total += milli(&c["resources"]["requests"][name])?;
    }
    Some(total)
}

/// Flink's flat configuration from a ConfigMap's `config.yaml` or `flink-conf.yaml`.
fn config_file(configmap: &Json) -> serde_json::Map<String, Json> {
    ["config.yaml", "flink-conf.yaml"]
        .iter()
        .find_map(|k| configmap["data"][k].as_str())
        .and_then(|text| crate::yaml::parse(text, crate::source::FileId::BUILTIN).ok())
        .and_then(|mut docs| docs.pop())
        .map(crate::yaml::Node::into_json)
        .and_then(|j| j.as_object().cloned())
        .unwrap_or_default()
}

/// Reads one job's objects; `Ok(None)` when the job is not autoscaled by an HPA or KEDA.
///
/// # Errors
/// The objects lack what the simulation needs (a template that drops it).
pub fn read_job(job: &JobDocuments) -> Result<Option<JobSetup>, String> {
    let objects: Vec<Json> = job
        .documents
        .iter()
        .map(crate::layout::Document::value)
        .collect();
    let find = |kind: &str, name: Option<&str>| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && name.is_none_or(|n| o["metadata"]["name"] == n))
    };
    let (autoscaler, spec, object) = if let Some(o) = find("HorizontalPodAutoscaler", None) {
        ("HorizontalPodAutoscaler", hpa_spec(o)?, o)
    } else if let Some(o) = find("ScaledObject", None) {
        ("ScaledObject", keda_spec(o)?, o)
    } else {
        return Ok(None);
    };
    let target = &object["spec"]["scaleTargetRef"];
    let target_kind = target["kind"].as_str().unwrap_or("Deployment");
    let scaled = find(target_kind, target["name"].as_str()).ok_or_else(|| {
        format!("the {autoscaler}'s target {target_kind} is not among the job's objects")
    })?;
    let (cpu_request, memory_request, config, version) = if target_kind == "FlinkDeployment" {
        let tm = &scaled["spec"]["taskManager"]["resource"];
        let config = scaled["spec"]["flinkConfiguration"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let version = scaled["spec"]["flinkVersion"]
            .as_str()
            .unwrap_or("v1_20")
            .trim_start_matches('v')
            .replace('_', ".");
        (milli(&tm["cpu"]), milli(&tm["memory"]), config, version)
    } else {
        let pod = &scaled["spec"]["template"]["spec"];
        let configmap = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|v| v["configMap"]["name"].as_str())
            .and_then(|name| find("ConfigMap", Some(name)));
        let version = scaled["metadata"]["labels"]["app.kubernetes.io/version"]
            .as_str()
            .unwrap_or("1.20")
            .to_owned();
        (
            pod_requests(pod, "cpu"),
            pod_requests(pod, "memory"),
            configmap.map(config_file).unwrap_or_default(),
            version,
        )
    };
    Ok(Some(JobSetup {
        job: job.name.clone(),
        autoscaler,
        spec,
        cpu_request,
        memory_request,
        flink: settings(&version, &config),
    }))
}

/// A Flink duration: a number and a unit (`30 s`, `1min`, `500ms`); a bare number is
/// milliseconds, as Flink reads it. Seconds.
#[must_use]
pub fn flink_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1e-3,
        "us" | "µs" | "micro" | "micros" | "microsecond" | "microseconds" => 1e-6,
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1e-9,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "minute" | "minutes" => 60.0,
        "h" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        _ => return None,
    };
    Some(number * factor)
}

fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The settings of the job's Flink version: its configuration's keys, else Flink's
/// defaults. Deprecated keys a version still reads are read after the current ones.
fn settings(version: &str, config: &serde_json::Map<String, Json>) -> Settings {
    // A key the job's release does not know is not read, as Flink would not read it; the
    // default is Flink's own of the first key the release knows, from its option classes,
    // and a release without any of the keys does not wait at all (1.17 and 1.18 have no
    // cooldown).
    let options = crate::flink::options::Options::of(version);
    let key = |names: &[&str]| {
        names
            .iter()
            .filter(|n| !options.option(n).is_empty())
            .find_map(|n| config.get(*n).and_then(text))
    };
    let default_of = |names: &[&str]| {
        names.iter().find_map(|n| {
            options
                .option(n)
                .first()
                .and_then(|d| d.default)
                .and_then(flink_duration)
        })
    };
    let duration = |names: &[&str], settle: Option<f64>| {
        key(names)
            .and_then(|v| flink_duration(&v))
            .or(settle)
            .or_else(|| default_of(names))
            .unwrap_or(0.0)
    };
    let (major, _) = crate::flink_config::major_minor(version);
    let generation = if major >= 2 {
        Generation::Two
    } else {
        Generation::One
    };
    let p = "jobmanager.adaptive-scheduler.";
    let slots = key(&["taskmanager.numberOfTaskSlots"])
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let parallelism = key(&["parallelism.default"])
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1);
    let derived = default_max_parallelism(u64::from(parallelism)) as u32;
    let max_parallelism = key(&["pipeline.max-parallelism"])
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(derived);
    let checkpoint_interval = key(&["execution.checkpointing.interval"])
        .and_then(|v| flink_duration(&v))
        .filter(|d| *d > 0.0);
    // Reactive mode waits for no resources to settle after a failure unless told to.
    let reactive = key(&["scheduler-mode"]).is_some_and(|m| m.eq_ignore_ascii_case("reactive"));
    let settle = reactive.then_some(0.0);
    let (cooldown, executing_stabilization, submission_stabilization) = match generation {
        Generation::One => (
            duration(&[&format!("{p}scaling-interval.min")], None),
            0.0,
            duration(&[&format!("{p}resource-stabilization-timeout")], settle),
        ),
        Generation::Two => (
            duration(
                &[
                    &format!("{p}executing.cooldown-after-rescaling"),
                    &format!("{p}scaling-interval.min"),
                ],
                None,
            ),
            duration(
                &[
                    &format!("{p}executing.resource-stabilization-timeout"),
                    &format!("{p}scaling-interval.max"),
                ],
                None,
            ),
            duration(
                &[
                    &format!("{p}submission.resource-stabilization-timeout"),
                    &format!("{p}resource-stabilization-timeout"),
                ],
                settle,
            ),
        ),
    };
    let failures_key = format!("{p}rescale-trigger.max-checkpoint-failures");
    let failures = key(&[&failures_key])
        .or_else(|| {
            options
                .option(&failures_key)
                .first()
                .and_then(|d| d.default)
                .map(str::to_owned)
        })
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);
    let max_trigger_delay = key(&[&format!("{p}rescale-trigger.max-delay")])
        .and_then(|v| flink_duration(&v))
        .or(checkpoint_interval.map(|i| i * (failures + 1.0)));
    Settings {
        version: version.to_owned(),
        generation,
        slots_per_task_manager: slots,
        max_parallelism,
        cooldown,
        executing_stabilization,
        submission_stabilization,
        checkpoint_interval,
        max_trigger_delay,
    }
}
