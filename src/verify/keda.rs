//! The parts of KEDA's ScaledObject (keda.sh/v1alpha1) that flinkform writes; a field a
//! template adds beyond these is reported as unknown.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ScaledObject {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Spec {
    pub scale_target_ref: TargetRef,
    pub min_replica_count: Option<u32>,
    pub max_replica_count: Option<u32>,
    pub polling_interval: Option<u32>,
    pub cooldown_period: Option<u32>,
    pub advanced: Option<Advanced>,
    pub triggers: Vec<Trigger>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct TargetRef {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Advanced {
    pub horizontal_pod_autoscaler_config: Option<HpaConfig>,
    pub restore_to_original_replica_count: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct HpaConfig {
    pub name: Option<String>,
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Trigger {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub metric_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
}
