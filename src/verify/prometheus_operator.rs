//! The parts of the Prometheus Operator's PodMonitor (monitoring.coreos.com/v1) flinkform writes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct PodMonitor {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Spec {
    pub selector: LabelSelector,
    pub pod_metrics_endpoints: Vec<Endpoint>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Endpoint {
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval: Option<String>,
}
