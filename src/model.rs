//! The typed form of validated input.
//!
//! These types are only ever built from trees that passed the JSON Schema, so deserializing
//! them cannot fail on user input; their job is to give later phases names instead of JSON
//! lookups. Field names follow the schema (camelCase, as in Kubernetes).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value as Json;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FlinkJob {
    pub metadata: Metadata,
    pub spec: JobSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    pub space: String,
    pub space_id: u64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    /// What runs the job.
    #[serde(default)]
    pub target: RunTarget,
    pub flink_version: String,
    pub image: String,
    pub image_pull_policy: String,
    pub job: JobSection,
    pub job_manager: JobManagerSpec,
    pub task_manager: TaskManagerSpec,
    #[serde(default)]
    pub flink_configuration: BTreeMap<String, Json>,
    pub metrics: MetricsSpec,
    #[serde(default)]
    pub autoscaling: Option<Autoscaling>,
    #[serde(default)]
    pub state: StateSpec,
    /// The settings both pods share (each component's `pod` holds the merged result).
    #[serde(default)]
    pub pod: PodSettings,
    pub ingress: Option<IngressSpec>,
    pub logging: Option<LoggingSpec>,
}

/// What runs a job: Deployments flinkform writes, or the Flink Kubernetes Operator.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RunTarget {
    #[default]
    Standalone,
    Operator,
}

impl RunTarget {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RunTarget::Standalone => "standalone",
            RunTarget::Operator => "operator",
        }
    }
}

/// An Ingress to the JobManager's web UI.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    pub host: Option<String>,
    pub class_name: Option<String>,
    pub path: Option<String>,
    pub tls: Option<IngressTls>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IngressTls {
    pub secret_name: String,
}

/// The log levels of both pods.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct LoggingSpec {
    pub level: Option<String>,
    #[serde(default)]
    pub loggers: BTreeMap<String, String>,
}

/// Where the job's state lives.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateSpec {
    pub checkpoints: Option<String>,
    pub savepoints: Option<String>,
    pub high_availability: Option<HighAvailability>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HighAvailability {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub storage_dir: Option<String>,
}

impl StateSpec {
    /// Whether Kubernetes high availability is on.
    #[must_use]
    pub fn ha(&self) -> Option<&HighAvailability> {
        self.high_availability.as_ref().filter(|h| h.enabled)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobSection {
    #[serde(rename = "jarURI")]
    pub jar_uri: String,
    pub entry_class: String,
    #[serde(default)]
    pub args: Vec<String>,
    pub parallelism: u32,
    pub max_parallelism: Option<u32>,
    pub flink_job_name: Option<String>,
    pub initial_savepoint: Option<Savepoint>,
    /// Under the operator: the job is suspended (`job.state: suspended`).
    #[serde(default)]
    pub suspended: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Savepoint {
    pub path: String,
    #[serde(default)]
    pub allow_non_restored_state: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct JobManagerSpec {
    pub resources: Resources,
    /// `spec.pod` with the JobManager's own settings merged over it.
    #[serde(default)]
    pub pod: PodSettings,
}

/// Pod settings in Kubernetes' own shape. The Kubernetes-typed fields stay JSON here: the
/// rules check them against the Kubernetes types, and render passes them on unchanged.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodSettings {
    #[serde(default)]
    pub env: Vec<Json>,
    #[serde(default)]
    pub env_from: Vec<Json>,
    pub service_account_name: Option<String>,
    #[serde(default)]
    pub image_pull_secrets: Vec<Json>,
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default)]
    pub tolerations: Vec<Json>,
    pub affinity: Option<Json>,
    #[serde(default)]
    pub topology_spread_constraints: Vec<Json>,
    pub priority_class_name: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub volumes: Vec<Json>,
    #[serde(default)]
    pub volume_mounts: Vec<Json>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskManagerSpec {
    pub replicas: u32,
    pub task_slots: u32,
    pub resources: Resources,
    /// `spec.pod` with the TaskManager's own settings merged over it.
    #[serde(default)]
    pub pod: PodSettings,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Resources {
    #[serde(deserialize_with = "quantity")]
    pub cpu: String,
    #[serde(deserialize_with = "quantity")]
    pub memory: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct MetricsSpec {
    pub port: u16,
    /// Emit a Prometheus Operator PodMonitor for the job's pods.
    #[serde(default, rename = "podMonitor")]
    pub pod_monitor: bool,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Hpa,
    Keda,
    /// The Flink Kubernetes Operator's autoscaler (`job.autoscaler.*`).
    Operator,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Autoscaling {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "hpa")]
    pub engine: Engine,
    #[serde(default = "one")]
    pub min_replicas: u32,
    pub max_replicas: Option<u32>,
    pub cpu: Option<Utilization>,
    pub memory: Option<Utilization>,
    #[serde(default)]
    pub flink_metrics: Vec<FlinkMetricRule>,
    #[serde(default)]
    pub behavior: Behavior,
}

fn yes() -> bool {
    true
}
fn hpa() -> Engine {
    Engine::Hpa
}
fn one() -> u32 {
    1
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Utilization {
    pub average_utilization: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FlinkMetricRule {
    pub metric: Option<String>,
    pub external: Option<ExternalMetric>,
    pub target: Target,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExternalMetric {
    pub name: String,
    #[serde(default)]
    pub selector: Option<LabelSelector>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(default, deserialize_with = "optional_quantity")]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "optional_quantity")]
    pub average_value: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Behavior {
    pub scale_up: Option<ScalingRules>,
    pub scale_down: Option<ScalingRules>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ScalingRules {
    pub stabilization_window_seconds: Option<u32>,
    pub select_policy: Option<String>,
    pub policies: Option<Vec<ScalingPolicy>>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicy {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: u32,
    pub period_seconds: u32,
}

/// Project settings other than the spec layers (which stay trees, for their positions).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSpec {
    pub jobs: Option<String>,
    pub output: Option<String>,
    pub templates: Option<String>,
    #[serde(default)]
    pub naming: BTreeMap<String, String>,
    pub prometheus: Option<Prometheus>,
    pub namespaces: Option<Namespaces>,
}

impl ProjectSpec {
    /// Whether flinkform writes the Namespace objects (the default), or they belong to
    /// someone else and pruning must never delete them.
    #[must_use]
    pub fn creates_namespaces(&self) -> bool {
        self.namespaces.as_ref().is_none_or(|n| n.create)
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Namespaces {
    #[serde(default = "yes")]
    pub create: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Prometheus {
    pub url: String,
}

/// Quantities may be written as YAML numbers (`cpu: 1`); they are kept as Kubernetes writes them.
fn quantity<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Json::deserialize(d)? {
        Json::String(s) => Ok(s),
        Json::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("not a quantity: {other}"))),
    }
}

fn optional_quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    quantity(d).map(Some)
}

/// A parsed Kubernetes quantity, in its base unit (cores or bytes).
#[must_use]
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.strip_prefix('+').unwrap_or(text);
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    let value = number * factor;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::parse_quantity;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("1000m"), Some(1.0));
        assert_eq!(parse_quantity("0.5"), Some(0.5));
        assert_eq!(parse_quantity("2Gi"), Some(2147483648.0));
        assert_eq!(parse_quantity("1600Mi"), Some(1600.0 * 1048576.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("2gb"), None);
        assert_eq!(parse_quantity(""), None);
    }
}
