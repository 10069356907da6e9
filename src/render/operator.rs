//! The operator target: a job as one `FlinkDeployment` (`flink.apache.org/v1beta1`) of the
//! Apache Flink Kubernetes Operator, built from the same resolved job as the standalone
//! objects.
//!
//! The operator creates the JobManager, the TaskManagers, their Services and the Flink
//! configuration itself, so what flinkform decides goes into the resource's fields:
//!
//! - `flinkConfiguration`: the keys both targets share (reporter, slots, state folders, high
//!   availability, reactive scheduling under an HPA), the autoscaler's keys, and the user's;
//!   the operator adds addresses, ports, memory, parallelism, cluster id and namespace.
//! - `mode`: `standalone` where an HPA scales the TaskManagers through the resource's scale
//!   subresource (the operator then runs reactive mode with the replicas the HPA writes), else
//!   `native` (the operator's default, where the JobManager asks for the TaskManagers the
//!   parallelism needs).
//! - `job.upgradeMode`: `last-state` with high availability, `savepoint` with savepoints and
//!   checkpoints but no high availability, else `stateless`.
//! - each component's `podTemplate`, complete: the pod settings, the component's labels
//!   (which the TaskManager metrics Service selects) and the Prometheus port, in the
//!   operator's main container `flink-main-container`. No top-level `podTemplate`: the
//!   operator merges it into the component's list item by list item, by position (its
//!   default), which would mix a component's own `tolerations` or `envFrom` with the shared
//!   ones that flinkform's merge replaces.

use serde_json::{Map, Value as Json, json};

use crate::flink_config;
use crate::model::{Engine, PodSettings, Resources};
use crate::object::MAIN_CONTAINER;
use crate::resolved::ResolvedJob;

use super::fields::Operator;

/// The CRD's `flinkVersion` for a Flink version: `1.20.1` → `v1_20`.
#[must_use]
pub fn flink_version(version: &str) -> String {
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    format!("v{major}_{minor}")
}

/// How the operator runs the job's cluster: `standalone` where an HPA owns the TaskManager
/// replicas, else `native`.
#[must_use]
pub fn mode(job: &ResolvedJob) -> &'static str {
    if job.scaling_engine() == Some(Engine::Hpa) {
        "standalone"
    } else {
        "native"
    }
}

/// `spec.taskManager.replicas` where an HPA scales the FlinkDeployment: the CRD's
/// scale subresource reads that path, and without it `/scale` reports 0 replicas and the HPA
/// controller disables itself. It starts at `minReplicas`; from then on the autoscaler
/// writes it (GitOps tools must leave it alone, see the README).
#[must_use]
pub fn scaled_replicas(job: &ResolvedJob) -> Option<u32> {
    let a = job.job.spec.autoscaling.as_ref().filter(|a| a.enabled)?;
    (a.engine == Engine::Hpa).then_some(a.min_replicas)
}

/// A resource's CPU as the CRD's number of cores (`500m` → 0.5, `2` → 2).
fn cpu(quantity: &str) -> Json {
    let cores = crate::model::parse_quantity(quantity).unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation)]
    if cores.fract() == 0.0 && cores.abs() < 1e15 {
        Json::from(cores as i64)
    } else {
        Json::from(cores)
    }
}

/// A resource's memory as the operator reads it. It tries Flink's own units first, where `m`
/// and `g` are mebi- and gibibytes, and Kubernetes quantities only after: a binary quantity
/// (`1600Mi`, `2Gi`) means the same to both and stays as written; any other (`3G`, `500M`)
/// becomes whole mebibytes in Flink's unit (`2861m`), as the standalone target's
/// `*.memory.process.size`.
fn memory(quantity: &str) -> Json {
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        .iter()
        .any(|suffix| quantity.ends_with(suffix));
    if binary || quantity.bytes().all(|b| b.is_ascii_digit()) {
        return quantity.into();
    }
    flink_config::flink_memory(quantity).into()
}

fn resource(r: &Resources) -> Json {
    json!({"cpu": cpu(&r.cpu), "memory": memory(&r.memory)})
}

/// One component's pod template: its labels and annotations, the pod settings, and the main
/// container's environment, ports and mounts.
fn pod_template(job: &ResolvedJob, pod: &PodSettings, labels: Json, parts: &Parts) -> Json {
    let security = parts.security;
    let (labels, annotations) = super::pod_metadata(pod, labels, parts.pod_annotations);
    let mut container = Map::new();
    container.insert("name".into(), MAIN_CONTAINER.into());
    if !pod.env.is_empty() {
        container.insert("env".into(), pod.env.clone().into());
    }
    if !pod.env_from.is_empty() {
        container.insert("envFrom".into(), pod.env_from.clone().into());
    }
    container.insert(
        "ports".into(),
        json!([{"name": "metrics", "containerPort": job.job.spec.metrics.port}]),
    );
    container.insert("securityContext".into(), security.container.clone());
    // The image's filesystem plugins, found by pattern as in the standalone pods: an init
    // container of the job's image fills the plugins folder.
    let mut mounts = pod.volume_mounts.clone();
    let mut volumes = pod.volumes.clone();
    let init = (!parts.plugins.is_empty()).then(|| {
        mounts.push(json!({"name": "flink-plugins", "mountPath": flink_config::PLUGINS_DIR, "readOnly": true}));
        volumes.push(json!({"name": "flink-plugins", "emptyDir": {}}));
        json!([{
            "name": "flink-plugins",
            "image": job.job.spec.image,
            "imagePullPolicy": job.job.spec.image_pull_policy,
            "command": ["sh", "-c", format!("set -eu\n{}", flink_config::plugins_script(parts.plugins))],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
            "securityContext": security.container,
            "volumeMounts": [{"name": "flink-plugins", "mountPath": "/flink-plugins"}],
        }])
    });
    if !mounts.is_empty() {
        container.insert("volumeMounts".into(), mounts.into());
    }
    let mut spec = super::scheduling(pod, None);
    spec.insert("securityContext".into(), security.pod.clone());
    if let Some(init) = init {
        spec.insert("initContainers".into(), init);
    }
    spec.insert("containers".into(), json!([Json::Object(container)]));
    if !volumes.is_empty() {
        spec.insert("volumes".into(), volumes.into());
    }
    json!({
        "metadata": {"labels": labels, "annotations": annotations},
        "spec": Json::Object(spec),
    })
}

/// What the FlinkDeployment template needs beyond the shared context.
pub struct Parts<'a> {
    pub job_manager_labels: Json,
    pub task_manager_labels: Json,
    pub pod_annotations: &'a Json,
    /// The image's filesystem plugins the job's state needs.
    pub plugins: &'a [&'static str],
    pub service_account: Option<&'a str>,
    pub security: &'a super::Security,
    pub logging: Option<&'a str>,
}

/// The `operator` block of a job's template context: the FlinkDeployment's spec, field by
/// field, in the order the template writes them.
pub fn context(job: &ResolvedJob, parts: &Parts) -> Operator {
    let spec = &job.job.spec;
    let mut job_spec = Map::new();
    job_spec.insert("jarURI".into(), spec.job.jar_uri.as_str().into());
    job_spec.insert("entryClass".into(), spec.job.entry_class.as_str().into());
    if !spec.job.args.is_empty() {
        job_spec.insert("args".into(), spec.job.args.clone().into());
    }
    job_spec.insert("parallelism".into(), spec.job.parallelism.into());
    job_spec.insert("upgradeMode".into(), job.upgrade_mode().into());
    job_spec.insert(
        "state".into(),
        if spec.job.suspended {
            "suspended"
        } else {
            "running"
        }
        .into(),
    );
    if let Some(sp) = &spec.job.initial_savepoint {
        job_spec.insert("initialSavepointPath".into(), sp.path.as_str().into());
        job_spec.insert(
            "allowNonRestoredState".into(),
            sp.allow_non_restored_state.into(),
        );
    }
    let mut task_manager = Map::new();
    if let Some(replicas) = scaled_replicas(job) {
        task_manager.insert("replicas".into(), replicas.into());
    }
    task_manager.insert("resource".into(), resource(&spec.task_manager.resources));
    task_manager.insert(
        "podTemplate".into(),
        pod_template(
            job,
            &spec.task_manager.pod,
            parts.task_manager_labels.clone(),
            parts,
        ),
    );
    Operator {
        flink_version: flink_version(&spec.flink_version),
        mode: mode(job),
        service_account: parts.service_account.unwrap_or("default").to_owned(),
        flink_configuration: Json::Object(
            flink_config::operator_configuration(job)
                .into_iter()
                .collect(),
        ),
        log_configuration: parts
            .logging
            .map(|log| json!({ (flink_config::LOG_CONFIG): log })),
        job_manager: json!({
            "replicas": 1,
            "resource": resource(&spec.job_manager.resources),
            "podTemplate": pod_template(job, &spec.job_manager.pod, parts.job_manager_labels.clone(), parts),
        }),
        task_manager: Json::Object(task_manager),
        ingress: spec.ingress.as_ref().map(ingress),
        job: Json::Object(job_spec),
    }
}

/// The operator's ingress: a template `host/path` it fills in, the class, annotations and TLS.
fn ingress(i: &crate::model::IngressSpec) -> Json {
    let mut out = Map::new();
    out.insert(
        "template".into(),
        format!(
            "{}{}",
            i.host.as_deref().unwrap_or_default(),
            i.path.as_deref().unwrap_or("/")
        )
        .into(),
    );
    if let Some(class) = &i.class_name {
        out.insert("className".into(), class.as_str().into());
    }
    if !i.annotations.is_empty() {
        out.insert("annotations".into(), json!(i.annotations));
    }
    if let Some(tls) = &i.tls {
        out.insert(
            "tls".into(),
            json!([{"hosts": i.host.iter().collect::<Vec<_>>(), "secretName": tls.secret_name}]),
        );
    }
    Json::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_as_the_operator_reads_them() {
        assert_eq!(cpu("500m"), json!(0.5));
        assert_eq!(cpu("2"), json!(2));
        assert_eq!(cpu("1500m"), json!(1.5));
        assert_eq!(memory("1600Mi"), json!("1600Mi"));
        assert_eq!(memory("2Gi"), json!("2Gi"));
        assert_eq!(memory("3G"), json!("2861m"));
        assert_eq!(memory("1073741824"), json!("1073741824"));
        assert_eq!(flink_version("1.20.1"), "v1_20");
        assert_eq!(flink_version("2.1"), "v2_1");
    }
}
