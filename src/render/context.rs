//! The template context of one job: every value a template (built-in or the project's) and
//! the native builders read, computed once per job and environment.

use serde_json::{Value as Json, json};

use crate::flink_config;
use crate::resolved::ResolvedJob;

use super::autoscaling::autoscaling;
use super::fields::{
    Config, Ha, Ingress, Job, JobContext, JobManager, Labels, Metrics, Names, Pod, Rbac, Selector,
    TaskManager,
};
use super::operator;
use super::pods::{PodBase, component_pod, service_accounts};

/// Labels of one component: the recommended labels over the user's.
pub(super) fn labels(job: &ResolvedJob, component: &str) -> Json {
    let m = &job.job.metadata;
    let mut map: serde_json::Map<String, Json> = m
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Json::from(v.as_str())))
        .collect();
    if let Json::Object(selector) = selector(job, component) {
        map.extend(selector);
    }
    map.insert("app.kubernetes.io/part-of".into(), m.space.clone().into());
    map.insert("app.kubernetes.io/managed-by".into(), "flinkform".into());
    map.insert(
        "app.kubernetes.io/version".into(),
        job.job.spec.flink_version.clone().into(),
    );
    map.sort_keys();
    Json::Object(map)
}

/// Selector labels: only labels that never change per environment (selectors are immutable).
pub(super) fn selector(job: &ResolvedJob, component: &str) -> Json {
    json!({
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": job.name(),
        "app.kubernetes.io/name": "flink",
    })
}

pub(super) fn resources(r: &crate::model::Resources) -> Json {
    let both = json!({"cpu": r.cpu, "memory": r.memory});
    object! {"requests" => both.clone(), "limits" => both}
}

/// The template context of one job.
pub(super) fn context(job: &ResolvedJob, prometheus_url: Option<&str>) -> JobContext {
    let spec = &job.job.spec;
    let m = &job.job.metadata;
    let n = &job.names;
    let config = flink_config::build(job);

    let ha = spec.state.ha().is_some();
    let mut jm_args = vec!["standalone-job".to_owned()];
    if ha {
        // With high availability the JobManager publishes its own address in the leader
        // ConfigMaps, and TaskManagers dial that: the pod IP, as Flink's documentation wires it.
        jm_args.extend(["--host".to_owned(), "$(POD_IP)".to_owned()]);
    }
    jm_args.extend([
        "--job-classname".to_owned(),
        kubelet_literal(&spec.job.entry_class),
    ]);
    if ha {
        // Application mode recovers a job only under the id it had.
        jm_args.extend(["--job-id".to_owned(), flink_config::job_id(job)]);
    }
    if let Some(sp) = &spec.job.initial_savepoint {
        // With high availability a restarted JobManager resumes from the latest checkpoint
        // and this applies to the first start only.
        jm_args.push("--fromSavepoint".into());
        jm_args.push(kubelet_literal(&sp.path));
        if sp.allow_non_restored_state {
            jm_args.push("--allowNonRestoredState".into());
        }
    }
    if !spec.job.args.is_empty() {
        // Flink's entrypoint stops reading its own options at `--`: `--host kafka:9092` is
        // the job's argument, not the JobManager's address.
        jm_args.push("--".into());
        jm_args.extend(spec.job.args.iter().map(|a| kubelet_literal(a)));
    }

    let security = Security::new();
    let container_security = security.container.clone();
    let plugins = flink_config::filesystem_plugins(spec);
    let mut init_mounts = vec![
        json!({"name": "flink-config", "mountPath": "/flink-config", "readOnly": true}),
        json!({"name": "flink-conf", "mountPath": "/flink-conf"}),
    ];
    if !plugins.is_empty() {
        init_mounts.push(json!({"name": "flink-plugins", "mountPath": "/flink-plugins"}));
    }
    let config_init = json!({
        "name": "flink-config",
        "image": spec.image,
        "imagePullPolicy": spec.image_pull_policy,
        "command": ["sh", "-c", flink_config::init_script(config.file_name, &plugins)],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        "securityContext": container_security,
        "volumeMounts": init_mounts,
    });
    // The image's entrypoint sets jobmanager.rpc.address to JOB_MANAGER_RPC_ADDRESS, or to the
    // pod's own name without it, wherever it can write the conf folder.
    let tm_env = vec![json!({"name": "JOB_MANAGER_RPC_ADDRESS", "value": n.job_manager_service})];
    let jm_env = if ha {
        vec![
            json!({"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}),
            json!({"name": "JOB_MANAGER_RPC_ADDRESS", "value": "$(POD_IP)"}),
        ]
    } else {
        tm_env.clone()
    };
    let mut pod_annotations = scrape_annotations(spec.metrics.port);
    pod_annotations["flinkform.dev/config-hash"] = config.hash.clone().into();
    if let Json::Object(map) = &mut pod_annotations {
        map.sort_keys();
    }
    let accounts = service_accounts(job);
    // Each component's labels, for its objects and (with the user's pod labels) its pods.
    let jm_labels = labels(job, "jobmanager");
    let tm_labels = labels(job, "taskmanager");

    let operator = job.on_operator().then(|| {
        operator::context(
            job,
            &operator::Parts {
                job_manager_labels: jm_labels.clone(),
                task_manager_labels: tm_labels.clone(),
                pod_annotations: &scrape_annotations(spec.metrics.port),
                plugins: &plugins,
                service_account: accounts.job_manager.as_deref(),
                security: &security,
                logging: config.logging.as_deref(),
            },
        )
    });
    let mut volumes = json!([
        {"name": "flink-config", "configMap": {"name": n.config_map}},
        {"name": "flink-conf", "emptyDir": {}},
    ]);
    if !plugins.is_empty()
        && let Json::Array(list) = &mut volumes
    {
        list.push(json!({"name": "flink-plugins", "emptyDir": {}}));
    }
    let annotations: serde_json::Map<String, Json> = m
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), Json::from(v.as_str())))
        .collect();
    JobContext {
        job: Job {
            name: m.name.clone(),
            space: m.space.clone(),
            space_id: m.space_id,
            env: job.env.clone(),
            image: spec.image.clone(),
            image_pull_policy: spec.image_pull_policy.clone(),
            flink_version: spec.flink_version.clone(),
            flink_job_name: flink_config::prometheus_job_name(job),
            target: spec.target,
        },
        names: Names {
            namespace: n.namespace.clone(),
            job_manager: n.job_manager.clone(),
            task_manager: n.task_manager.clone(),
            job_manager_service: n.job_manager_service.clone(),
            task_manager_service: n.task_manager_service.clone(),
            config_map: n.config_map.clone(),
            service_account: n.service_account.clone(),
        },
        labels: Labels {
            job_manager: jm_labels.clone(),
            task_manager: tm_labels.clone(),
            config: labels(job, "config"),
            metrics: labels(job, "metrics"),
            rbac: accounts.rbac.then(|| labels(job, "rbac")),
            flink_deployment: operator.is_some().then(|| labels(job, "flinkdeployment")),
        },
        selector: Selector {
            job_manager: selector(job, "jobmanager"),
            task_manager: selector(job, "taskmanager"),
        },
        annotations: Json::Object(annotations),
        config: Config {
            file_name: config.file_name,
            content: config.content,
            log_file_name: flink_config::LOG_CONFIG,
            logging: config.logging,
            hash: config.hash,
        },
        ingress: spec.ingress.as_ref().map(|i| ingress(i, n)),
        metrics: Metrics {
            port: spec.metrics.port,
            pod_monitor: spec.metrics.pod_monitor,
        },
        pod: Pod {
            security_context: security.pod.clone(),
            container_security_context: container_security,
            config_init,
        },
        job_manager: JobManager {
            args: jm_args,
            resources: resources(&spec.job_manager.resources),
            probes: job_manager_probes(),
            pod: component_pod(
                &spec.job_manager.pod,
                PodBase {
                    labels: jm_labels,
                    annotations: &pod_annotations,
                    env: jm_env,
                    volumes: &volumes,
                    account: accounts.job_manager.as_deref(),
                },
            ),
        },
        task_manager: TaskManager {
            replicas: spec.task_manager.replicas,
            resources: resources(&spec.task_manager.resources),
            probes: task_manager_probes(),
            pod: component_pod(
                &spec.task_manager.pod,
                PodBase {
                    labels: tm_labels,
                    annotations: &pod_annotations,
                    env: tm_env,
                    volumes: &volumes,
                    account: accounts.task_manager.as_deref(),
                },
            ),
        },
        ha: ha.then(|| Ha {
            cluster_id: flink_config::cluster_id(job),
            job_id: flink_config::job_id(job),
        }),
        rbac: accounts.rbac.then(|| Rbac {
            create_account: accounts.create,
            subjects: accounts.subjects,
            rules: rbac_rules(spec.target),
        }),
        autoscaling: spec
            .autoscaling
            .as_ref()
            .filter(|a| a.enabled)
            .map(|a| autoscaling(job, a, prometheus_url)),
        operator,
    }
}

/// The JobManager's probes. Liveness: its RPC port answers. Readiness: the REST API answers,
/// which it does once the dispatcher runs (a rollout waits for it, the Service sends users
/// only to a JobManager that serves). Startup: up to five minutes for a slow start (a large
/// jar, a restore from a big checkpoint) before liveness counts.
pub(super) fn job_manager_probes() -> Json {
    let rest = json!({"httpGet": {"path": "/config", "port": 8081}});
    object! {
        "livenessProbe" => json!({"tcpSocket": {"port": 6123}, "initialDelaySeconds": 30, "periodSeconds": 60}),
        "readinessProbe" => merged(&rest, json!({"periodSeconds": 10})),
        "startupProbe" => merged(&rest, json!({"periodSeconds": 5, "failureThreshold": 60})),
    }
}

/// The TaskManager's probes: its RPC port answers. Readiness tells a rollout and the HPA,
/// which leaves the CPU of pods that are not ready yet out of its average, when a new
/// TaskManager is up.
pub(super) fn task_manager_probes() -> Json {
    object! {
        "livenessProbe" => json!({"tcpSocket": {"port": 6122}, "initialDelaySeconds": 30, "periodSeconds": 60}),
        "readinessProbe" => json!({"tcpSocket": {"port": 6122}, "periodSeconds": 10}),
    }
}

/// `base` with the fields of `more` added.
pub(super) fn merged(base: &Json, more: Json) -> Json {
    let mut out = base.clone();
    if let (Json::Object(out), Json::Object(more)) = (&mut out, more) {
        out.extend(more);
    }
    out
}

/// A container argument that reaches the process exactly as written: the kubelet expands
/// `$(VAR)` in `args` and reads `$$` as `$`, so every `$` is doubled.
pub(super) fn kubelet_literal(arg: &str) -> String {
    arg.replace('$', "$$")
}

/// The security contexts of the Flink pods: the official image's `flink` user (9999), no
/// privilege escalation, no capabilities.
pub struct Security {
    pub(super) pod: Json,
    pub(super) container: Json,
}

impl Security {
    pub(super) fn new() -> Security {
        Security {
            pod: json!({
                "runAsUser": 9999,
                "runAsGroup": 9999,
                "fsGroup": 9999,
                "runAsNonRoot": true,
                "seccompProfile": {"type": "RuntimeDefault"},
            }),
            container: json!({
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
            }),
        }
    }
}

/// The Prometheus scrape annotations of a Flink pod.
pub(super) fn scrape_annotations(port: u16) -> Json {
    json!({
        "prometheus.io/path": "/metrics",
        "prometheus.io/port": port.to_string(),
        "prometheus.io/scrape": "true",
    })
}

/// The Ingress to the JobManager Service's web UI port.
pub(super) fn ingress(i: &crate::model::IngressSpec, n: &crate::resolved::Names) -> Ingress {
    let mut rule = serde_json::Map::new();
    if let Some(host) = &i.host {
        rule.insert("host".into(), host.as_str().into());
    }
    rule.insert(
        "http".into(),
        json!({"paths": [{
            "path": i.path.as_deref().unwrap_or("/"),
            "pathType": "Prefix",
            "backend": {"service": {"name": n.job_manager_service, "port": {"name": "webui"}}},
        }]}),
    );
    let mut spec = serde_json::Map::new();
    if let Some(class) = &i.class_name {
        spec.insert("ingressClassName".into(), class.as_str().into());
    }
    if let Some(tls) = &i.tls {
        spec.insert(
            "tls".into(),
            json!([{"hosts": i.host.iter().collect::<Vec<_>>(), "secretName": tls.secret_name}]),
        );
    }
    spec.insert("rules".into(), json!([rule]));
    Ingress {
        annotations: json!(i.annotations),
        spec: Json::Object(spec),
    }
}

/// What the Role grants: with high availability, the ConfigMaps Flink keeps leader election
/// and checkpoint pointers in; under the operator, whose JobManager creates the TaskManager
/// pods (native mode) and owns them through its Deployment, also pods and Deployments.
pub(super) fn rbac_rules(target: crate::model::RunTarget) -> Json {
    let verbs = json!([
        "get", "list", "watch", "create", "update", "patch", "delete"
    ]);
    match target {
        crate::model::RunTarget::Standalone => json!([
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": verbs},
        ]),
        crate::model::RunTarget::Operator => json!([
            {"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": verbs},
            {"apiGroups": ["apps"], "resources": ["deployments", "deployments/finalizers"], "verbs": verbs},
        ]),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value as Json;

    use crate::render::documented::{Documented, Field};
    use crate::render::fields::JobContext;

    /// The keys a template sees at one level, against the documented fields of that level
    /// (a flattened block's fields beside its parent's).
    fn check(value: &Json, fields: &[Field], path: &str, seen: &mut Vec<String>) {
        let Json::Object(map) = value else {
            panic!("{path} is a block but rendered as {value}");
        };
        let mut documented = Vec::new();
        let mut flat = Vec::new();
        for f in fields {
            if f.flatten {
                flat.extend(f.fields);
            } else {
                documented.push(f);
            }
        }
        documented.extend(flat.iter());
        let keys: Vec<&String> = map.keys().collect();
        let names: Vec<String> = documented.iter().map(|f| f.name()).collect();
        assert_eq!(
            keys.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            names.iter().map(String::as_str).collect::<Vec<_>>(),
            "the keys of `{path}` are not its documented fields, in order"
        );
        for f in documented {
            let name = f.name();
            let at = format!("{path}.{name}");
            let v = &map[&name];
            if v.is_null() {
                assert!(f.nullable, "`{at}` is null but not documented as nullable");
                continue;
            }
            seen.push(at.clone());
            if !f.fields.is_empty() {
                check(v, f.fields, &at, seen);
            }
        }
    }

    /// The reference of the context names what templates see: every key of every block of
    /// every valid fixture's jobs is a documented field, in the order a block is written,
    /// and every documented field holds a value in some fixture.
    #[test]
    fn the_documented_fields_are_the_context_templates_see() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid");
        let mut seen = Vec::new();
        for case in std::fs::read_dir(&root).unwrap() {
            let project = case.unwrap().path();
            if !project.join("flinkform.yaml").is_file() {
                continue;
            }
            let mut sources = crate::source::Sources::default();
            let mut diags = crate::diagnostic::Diagnostics::default();
            crate::validate::prepare();
            let loaded = crate::load::load(&project, &[], &mut sources, &mut diags).unwrap();
            let Some(resolved) = crate::resolve::resolve(&loaded, None, &mut diags) else {
                continue;
            };
            for job in resolved.environments.iter().flat_map(|e| &e.jobs) {
                let ctx = serde_json::to_value(super::context(job, Some("http://prom"))).unwrap();
                check(&ctx, JobContext::FIELDS, "", &mut seen);
            }
        }
        let mut missing = Vec::new();
        fn all(fields: &[Field], path: &str, out: &mut Vec<String>) {
            for f in fields {
                let at = if f.flatten {
                    path.to_owned()
                } else {
                    format!("{path}.{}", f.name())
                };
                if !f.flatten {
                    assert!(!f.about.trim().is_empty(), "`{at}` has no doc comment");
                    out.push(at.clone());
                }
                all(f.fields, &at, out);
            }
        }
        all(JobContext::FIELDS, "", &mut missing);
        missing.retain(|f| !seen.contains(f));
        assert!(
            missing.is_empty(),
            "no fixture gives these fields a value: {missing:?}"
        );
    }
}
