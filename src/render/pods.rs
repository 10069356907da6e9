//! A Flink pod's settings in the context: flinkform's labels, annotations, environment,
//! volumes and account first, the user's pod settings added where they do not collide.

use serde_json::{Value as Json, json};

use crate::flink_config;
use crate::resolved::ResolvedJob;

use super::fields::ComponentPod;

/// The accounts the pods run as: the user's `pod.serviceAccountName` (a cloud identity, say),
/// or, with high availability or under the operator (which requires one), the one flinkform
/// emits; the Role is bound to them.
pub(super) struct Accounts {
    pub(super) job_manager: Option<String>,
    pub(super) task_manager: Option<String>,
    /// Whether a Role and RoleBinding are emitted.
    pub(super) rbac: bool,
    /// Whether flinkform's own ServiceAccount is used, so emitted.
    pub(super) create: bool,
    /// The accounts the RoleBinding grants the Role to.
    pub(super) subjects: Vec<String>,
}

pub(super) fn service_accounts(job: &ResolvedJob) -> Accounts {
    let spec = &job.job.spec;
    let ha = spec.state.ha().is_some() || spec.target == crate::model::RunTarget::Operator;
    let own = || ha.then(|| job.names.service_account.clone());
    let job_manager = spec
        .job_manager
        .pod
        .service_account_name
        .clone()
        .or_else(own);
    let task_manager = spec
        .task_manager
        .pod
        .service_account_name
        .clone()
        .or_else(own);
    let mut subjects: Vec<String> = [&job_manager, &task_manager]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    subjects.dedup();
    let create = ha && subjects.contains(&job.names.service_account);
    Accounts {
        job_manager,
        task_manager,
        rbac: ha,
        create,
        subjects: if ha { subjects } else { Vec::new() },
    }
}

/// What flinkform puts into a pod before the user's settings.
pub(super) struct PodBase<'a> {
    pub(super) labels: Json,
    pub(super) annotations: &'a Json,
    pub(super) env: Vec<Json>,
    pub(super) volumes: &'a Json,
    pub(super) account: Option<&'a str>,
}

/// A pod's labels and annotations: flinkform's, with the user's added (the rules reject a user
/// key that would replace one of flinkform's).
pub(super) fn pod_metadata(
    pod: &crate::model::PodSettings,
    labels: Json,
    annotations: &Json,
) -> (Json, Json) {
    let mut labels = labels;
    if let Json::Object(map) = &mut labels {
        for (k, v) in &pod.labels {
            map.entry(k.clone()).or_insert_with(|| v.as_str().into());
        }
        map.sort_keys();
    }
    let mut annotations = annotations.clone();
    if let Json::Object(map) = &mut annotations {
        for (k, v) in &pod.annotations {
            map.entry(k.clone()).or_insert_with(|| v.as_str().into());
        }
        map.sort_keys();
    }
    (labels, annotations)
}

/// The pod-spec fields of the user's pod settings that are set, in the order the templates
/// write them, with the account the pod runs as first.
pub(super) fn scheduling(
    pod: &crate::model::PodSettings,
    account: Option<&str>,
) -> serde_json::Map<String, Json> {
    let mut scheduling = serde_json::Map::new();
    let mut put = |key: &str, value: Json| {
        let empty = match &value {
            Json::Null => true,
            Json::Array(a) => a.is_empty(),
            Json::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            scheduling.insert(key.to_owned(), value);
        }
    };
    put("serviceAccountName", account.into());
    put("priorityClassName", pod.priority_class_name.clone().into());
    put("nodeSelector", json!(pod.node_selector));
    put("affinity", pod.affinity.clone().unwrap_or(Json::Null));
    put("tolerations", pod.tolerations.clone().into());
    put(
        "topologySpreadConstraints",
        pod.topology_spread_constraints.clone().into(),
    );
    put("imagePullSecrets", pod.image_pull_secrets.clone().into());
    scheduling
}

/// One component's pod: flinkform's settings with the user's added (the rules reject a user
/// setting that would replace one of flinkform's).
pub(super) fn component_pod(pod: &crate::model::PodSettings, base: PodBase) -> ComponentPod {
    let (labels, annotations) = pod_metadata(pod, base.labels, base.annotations);
    let mut env = base.env;
    env.extend(pod.env.iter().cloned());
    let mut volumes = base.volumes.as_array().cloned().unwrap_or_default();
    volumes.extend(pod.volumes.iter().cloned());
    let mut mounts =
        vec![json!({"name": "flink-conf", "mountPath": "/opt/flink/conf", "readOnly": true})];
    if base
        .volumes
        .as_array()
        .is_some_and(|v| v.iter().any(|v| v["name"] == "flink-plugins"))
    {
        mounts.push(
            json!({"name": "flink-plugins", "mountPath": flink_config::PLUGINS_DIR, "readOnly": true}),
        );
    }
    mounts.extend(pod.volume_mounts.iter().cloned());
    ComponentPod {
        pod_labels: labels,
        pod_annotations: annotations,
        scheduling: Json::Object(scheduling(pod, base.account)),
        env,
        env_from: pod.env_from.clone(),
        volumes,
        volume_mounts: mounts,
    }
}
