//! The parts of the Flink Kubernetes Operator's FlinkDeployment (`flink.apache.org/v1beta1`)
//! that flinkform writes, typed as its CRD defines them: a field beyond these is reported as
//! unknown, a required one missing or a value outside the CRD's enums as invalid. The pod
//! templates are Kubernetes' own `PodTemplateSpec`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct FlinkDeployment {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Spec {
    pub image: String,
    pub image_pull_policy: Option<PullPolicy>,
    pub flink_version: FlinkVersion,
    pub mode: Option<Mode>,
    /// The operator refuses a FlinkDeployment without one.
    pub service_account: String,
    pub flink_configuration: BTreeMap<String, String>,
    pub log_configuration: Option<BTreeMap<String, String>>,
    pub pod_template: Option<PodTemplateSpec>,
    pub job_manager: Component,
    pub task_manager: Component,
    pub ingress: Option<Ingress>,
    pub job: Job,
    pub restart_nonce: Option<i64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

/// The CRD's enum of Flink versions.
#[derive(Deserialize)]
#[allow(dead_code, non_camel_case_types)]
pub enum FlinkVersion {
    v1_13,
    v1_14,
    v1_15,
    v1_16,
    v1_17,
    v1_18,
    v1_19,
    v1_20,
    v2_0,
    v2_1,
    v2_2,
    v2_3,
    v2_4,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Mode {
    Native,
    Standalone,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Resource {
    pub cpu: f64,
    pub memory: String,
    pub ephemeral_storage: Option<String>,
}

/// `jobManager` and `taskManager`: the CRD gives both the same three fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Component {
    pub replicas: Option<i32>,
    pub resource: Resource,
    pub pod_template: Option<PodTemplateSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Ingress {
    pub template: String,
    pub class_name: Option<String>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub labels: Option<BTreeMap<String, String>>,
    pub tls: Option<Vec<IngressTls>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct IngressTls {
    pub hosts: Option<Vec<String>>,
    pub secret_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Job {
    #[serde(rename = "jarURI")]
    pub jar_uri: String,
    pub entry_class: String,
    pub args: Option<Vec<String>>,
    pub parallelism: i32,
    pub upgrade_mode: UpgradeMode,
    pub state: JobState,
    pub initial_savepoint_path: Option<String>,
    pub allow_non_restored_state: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum UpgradeMode {
    LastState,
    Savepoint,
    Stateless,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum JobState {
    Running,
    Suspended,
}
