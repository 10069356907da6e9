//! The built-in templates, built directly as trees.
//!
//! Each function here builds exactly what its file in `templates/` renders from the same
//! context, key for key and in the same order, without the template → text → YAML round trip
//! (the largest cost of a run when it went through minijinja: BENCHMARKS.md). The `.j2` files
//! stay the documented source a project's `templates:` folder overrides; a template the
//! project replaces goes through minijinja. `tests/fixtures.rs` renders every fixture project
//! both ways (once with every built-in template copied into its `templates:` folder) and
//! requires byte-identical output, and `tests/fuzz.rs` does the same on random projects, so
//! the two cannot drift apart.

use serde_json::{Map, Value as Json};

use crate::model::{Engine, RunTarget};

use super::fields::{ComponentPod, JobContext, NamespaceContext};

/// The built-in templates of a job, each with its native builder.
type Builder = fn(&JobContext) -> Option<Json>;

/// Every built-in template of a job and how it is built: `None` when it renders nothing.
pub(super) const JOB_TEMPLATES: &[(&str, Builder)] = &[
    ("configmap.yaml.j2", |c| standalone(c).then(|| configmap(c))),
    ("flinkdeployment.yaml.j2", |c| {
        c.operator.is_some().then(|| flink_deployment(c))
    }),
    ("horizontalpodautoscaler.yaml.j2", |c| {
        engine_is(c, Engine::Hpa).then(|| horizontal_pod_autoscaler(c))
    }),
    ("ingress.yaml.j2", |c| {
        (c.ingress.is_some() && standalone(c)).then(|| ingress(c))
    }),
    ("jobmanager-deployment.yaml.j2", |c| {
        standalone(c).then(|| jobmanager_deployment(c))
    }),
    ("jobmanager-service.yaml.j2", |c| {
        standalone(c).then(|| jobmanager_service(c))
    }),
    ("podmonitor.yaml.j2", |c| {
        c.metrics.pod_monitor.then(|| podmonitor(c))
    }),
    ("role.yaml.j2", |c| c.rbac.is_some().then(|| role(c))),
    ("rolebinding.yaml.j2", |c| {
        c.rbac.is_some().then(|| role_binding(c))
    }),
    ("scaledobject.yaml.j2", |c| {
        engine_is(c, Engine::Keda).then(|| scaled_object(c))
    }),
    ("serviceaccount.yaml.j2", |c| {
        c.rbac
            .as_ref()
            .is_some_and(|r| r.create_account)
            .then(|| service_account(c))
    }),
    ("taskmanager-deployment.yaml.j2", |c| {
        standalone(c).then(|| taskmanager_deployment(c))
    }),
    ("taskmanager-poddisruptionbudget.yaml.j2", |c| {
        task_managers_deployed(c).then(|| taskmanager_pod_disruption_budget(c))
    }),
    ("taskmanager-service.yaml.j2", |c| {
        Some(taskmanager_service(c))
    }),
];

/// Builds the object of built-in job template `name`: `None` for a name that is not one,
/// `Some(None)` when the template renders nothing.
pub(super) fn build(name: &str, ctx: &JobContext) -> Option<Option<Json>> {
    JOB_TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, build)| build(ctx))
}

/// Marks an object that carries log4j's configuration, whose `${sys:log.file}` is no variable
/// of Flux's post-build substitution.
fn no_flux_substitution(meta: &mut Map<String, Json>) {
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Json::Object(Map::new()));
    if let Json::Object(a) = annotations {
        a.insert(
            "kustomize.toolkit.fluxcd.io/substitute".into(),
            "disabled".into(),
        );
    }
}

/// `{%- if job.target == "standalone" -%}`: the objects the operator target replaces.
fn standalone(ctx: &JobContext) -> bool {
    ctx.job.target == RunTarget::Standalone
}

/// `{%- if job.target == "standalone" or (operator and operator.mode == "standalone") -%}`:
/// the TaskManagers are a Deployment, flinkform's own or the operator's in its standalone mode
/// (native mode's are pods of Flink's, for which a budget cannot count the replicas).
fn task_managers_deployed(ctx: &JobContext) -> bool {
    standalone(ctx)
        || ctx
            .operator
            .as_ref()
            .is_some_and(|o| o.mode == "standalone")
}

/// `{%- if autoscaling and autoscaling.engine == "<engine>" -%}`
fn engine_is(ctx: &JobContext, engine: Engine) -> bool {
    ctx.autoscaling.as_ref().is_some_and(|a| a.engine == engine)
}

/// Whether a map (the annotations) has a key: minijinja's truthiness of it.
fn any(map: &Json) -> bool {
    map.as_object().is_some_and(|m| !m.is_empty())
}

/// The operator target's FlinkDeployment.
fn flink_deployment(ctx: &JobContext) -> Json {
    let op = ctx
        .operator
        .as_ref()
        .expect("built only on the operator target");
    let mut spec = Map::with_capacity(11);
    spec.insert("image".into(), ctx.job.image.as_str().into());
    spec.insert(
        "imagePullPolicy".into(),
        ctx.job.image_pull_policy.as_str().into(),
    );
    spec.insert("flinkVersion".into(), op.flink_version.as_str().into());
    spec.insert("mode".into(), op.mode.into());
    spec.insert("serviceAccount".into(), op.service_account.as_str().into());
    spec.insert("flinkConfiguration".into(), op.flink_configuration.clone());
    let log = op.log_configuration.as_ref().filter(|l| any(l));
    if let Some(log) = log {
        spec.insert("logConfiguration".into(), log.clone());
    }
    spec.insert("jobManager".into(), op.job_manager.clone());
    spec.insert("taskManager".into(), op.task_manager.clone());
    if let Some(ingress) = op.ingress.as_ref().filter(|i| any(i)) {
        spec.insert("ingress".into(), ingress.clone());
    }
    spec.insert("job".into(), op.job.clone());
    let labels = ctx.labels.flink_deployment.as_ref();
    let mut meta = metadata(ctx, &ctx.job.name, labels.unwrap_or(&Json::Null));
    if log.is_some() {
        no_flux_substitution(&mut meta);
    }
    object! {
        "apiVersion" => "flink.apache.org/v1beta1",
        "kind" => "FlinkDeployment",
        "metadata" => meta,
        "spec" => Json::Object(spec),
    }
}

/// `metadata:` of a job's object: name, namespace, labels and, when any, the annotations.
fn metadata(ctx: &JobContext, name: &str, labels: &Json) -> Map<String, Json> {
    let mut m = Map::with_capacity(4);
    m.insert("name".into(), name.into());
    m.insert("namespace".into(), ctx.names.namespace.as_str().into());
    m.insert("labels".into(), labels.clone());
    if any(&ctx.annotations) {
        m.insert("annotations".into(), ctx.annotations.clone());
    }
    m
}

fn configmap(ctx: &JobContext) -> Json {
    let config = &ctx.config;
    let mut data = Map::with_capacity(2);
    data.insert(config.file_name.to_owned(), config.content.as_str().into());
    let mut meta = metadata(ctx, &ctx.names.config_map, &ctx.labels.config);
    if let Some(logging) = config.logging.as_deref().filter(|l| !l.is_empty()) {
        data.insert(config.log_file_name.to_owned(), logging.into());
        no_flux_substitution(&mut meta);
    }
    object! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => meta,
        "data" => data,
    }
}

fn ingress(ctx: &JobContext) -> Json {
    let own = ctx.ingress.as_ref().expect("built only with an Ingress");
    let mut m = Map::with_capacity(4);
    m.insert("name".into(), ctx.names.job_manager_service.as_str().into());
    m.insert("namespace".into(), ctx.names.namespace.as_str().into());
    m.insert("labels".into(), ctx.labels.job_manager.clone());
    if any(&own.annotations) {
        m.insert("annotations".into(), own.annotations.clone());
    }
    object! {
        "apiVersion" => "networking.k8s.io/v1",
        "kind" => "Ingress",
        "metadata" => Json::Object(m),
        "spec" => own.spec.clone(),
    }
}

fn horizontal_pod_autoscaler(ctx: &JobContext) -> Json {
    let a = ctx
        .autoscaling
        .as_ref()
        .expect("built only with autoscaling");
    object! {
        "apiVersion" => "autoscaling/v2",
        "kind" => "HorizontalPodAutoscaler",
        "metadata" => metadata(ctx, &ctx.names.task_manager, &ctx.labels.task_manager),
        "spec" => object! {
            "scaleTargetRef" => a.scale_target_ref.clone(),
            "minReplicas" => a.min_replicas,
            "maxReplicas" => a.max_replicas,
            "metrics" => a.metrics.clone(),
            "behavior" => behavior(a),
        },
    }
}

fn behavior(a: &super::fields::Autoscaling) -> Json {
    object! {
        "scaleUp" => a.behavior.scale_up.clone(),
        "scaleDown" => a.behavior.scale_down.clone(),
    }
}

fn scaled_object(ctx: &JobContext) -> Json {
    let a = ctx
        .autoscaling
        .as_ref()
        .expect("built only with autoscaling");
    object! {
        "apiVersion" => "keda.sh/v1alpha1",
        "kind" => "ScaledObject",
        "metadata" => metadata(ctx, &ctx.names.task_manager, &ctx.labels.task_manager),
        "spec" => object! {
            "scaleTargetRef" => a.scale_target_ref.clone(),
            "minReplicaCount" => a.min_replicas,
            "maxReplicaCount" => a.max_replicas,
            "advanced" => object! {
                "horizontalPodAutoscalerConfig" => object! {"behavior" => behavior(a)},
            },
            "triggers" => a.triggers.clone(),
        },
    }
}

/// The container fields both Deployments share, around their own name, args and ports.
fn flink_container(
    ctx: &JobContext,
    name: &str,
    own: (&ComponentPod, &Json, &Json),
    args: Json,
    ports: Vec<Json>,
) -> Json {
    let (pod, resources, probes) = own;
    let mut c = Map::with_capacity(13);
    c.insert("name".into(), name.into());
    c.insert("image".into(), ctx.job.image.as_str().into());
    c.insert(
        "imagePullPolicy".into(),
        ctx.job.image_pull_policy.as_str().into(),
    );
    c.insert("args".into(), args);
    c.insert("env".into(), pod.env.clone().into());
    if !pod.env_from.is_empty() {
        c.insert("envFrom".into(), pod.env_from.clone().into());
    }
    c.insert("ports".into(), ports.into());
    c.insert("resources".into(), resources.clone());
    if let Some(probes) = probes.as_object() {
        c.extend(probes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    c.insert(
        "securityContext".into(),
        ctx.pod.container_security_context.clone(),
    );
    c.insert("volumeMounts".into(), pod.volume_mounts.clone().into());
    Json::Object(c)
}

fn pod_template(ctx: &JobContext, own: &ComponentPod, container: Json) -> Json {
    let pod = &ctx.pod;
    let mut spec = own.scheduling.as_object().cloned().unwrap_or_default();
    spec.insert("securityContext".into(), pod.security_context.clone());
    spec.insert(
        "initContainers".into(),
        vec![pod.config_init.clone()].into(),
    );
    spec.insert("containers".into(), vec![container].into());
    spec.insert("volumes".into(), own.volumes.clone().into());
    object! {
        "metadata" => object! {
            "labels" => own.pod_labels.clone(),
            "annotations" => own.pod_annotations.clone(),
        },
        "spec" => spec,
    }
}

fn port(name: &str, number: u16) -> Json {
    object! {"name" => name, "containerPort" => number}
}

fn jobmanager_deployment(ctx: &JobContext) -> Json {
    let own = &ctx.job_manager;
    let ports = vec![
        port("rpc", 6123),
        port("blob-server", 6124),
        port("webui", 8081),
        port("metrics", ctx.metrics.port),
    ];
    let args = own.args.clone().into();
    let container = flink_container(
        ctx,
        "jobmanager",
        (&own.pod, &own.resources, &own.probes),
        args,
        ports,
    );
    object! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => metadata(ctx, &ctx.names.job_manager, &ctx.labels.job_manager),
        "spec" => object! {
            "replicas" => 1,
            "strategy" => object! {"type" => "Recreate"},
            "selector" => object! {"matchLabels" => ctx.selector.job_manager.clone()},
            "template" => pod_template(ctx, &own.pod, container),
        },
    }
}

fn taskmanager_deployment(ctx: &JobContext) -> Json {
    let own = &ctx.task_manager;
    let ports = vec![port("rpc", 6122), port("metrics", ctx.metrics.port)];
    let container = flink_container(
        ctx,
        "taskmanager",
        (&own.pod, &own.resources, &own.probes),
        vec![Json::from("taskmanager")].into(),
        ports,
    );
    let mut spec = Map::with_capacity(4);
    if ctx.autoscaling.is_none() {
        spec.insert("replicas".into(), own.replicas.into());
    }
    spec.insert("strategy".into(), object! {"type" => "Recreate"});
    spec.insert(
        "selector".into(),
        object! {"matchLabels" => ctx.selector.task_manager.clone()},
    );
    spec.insert("template".into(), pod_template(ctx, &own.pod, container));
    object! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => metadata(ctx, &ctx.names.task_manager, &ctx.labels.task_manager),
        "spec" => spec,
    }
}

fn taskmanager_pod_disruption_budget(ctx: &JobContext) -> Json {
    object! {
        "apiVersion" => "policy/v1",
        "kind" => "PodDisruptionBudget",
        "metadata" => metadata(ctx, &ctx.names.task_manager, &ctx.labels.task_manager),
        "spec" => object! {
            "maxUnavailable" => 1,
            "selector" => object! {"matchLabels" => ctx.selector.task_manager.clone()},
        },
    }
}

/// A component's Service: its name, whether it is headless, its selector and labels, ports.
struct Service<'a> {
    name: &'a str,
    headless: bool,
    selector: &'a Json,
    labels: &'a Json,
}

fn service(ctx: &JobContext, s: &Service, ports: Vec<Json>) -> Json {
    let mut spec = Map::with_capacity(4);
    spec.insert("type".into(), "ClusterIP".into());
    if s.headless {
        spec.insert("clusterIP".into(), "None".into());
    }
    spec.insert("selector".into(), s.selector.clone());
    spec.insert("ports".into(), ports.into());
    object! {
        "apiVersion" => "v1",
        "kind" => "Service",
        "metadata" => metadata(ctx, s.name, s.labels),
        "spec" => spec,
    }
}

fn service_port(name: &str, number: u16) -> Json {
    object! {"name" => name, "port" => number, "targetPort" => name}
}

fn jobmanager_service(ctx: &JobContext) -> Json {
    let ports = vec![
        service_port("rpc", 6123),
        service_port("blob-server", 6124),
        service_port("webui", 8081),
    ];
    let s = Service {
        name: &ctx.names.job_manager_service,
        headless: false,
        selector: &ctx.selector.job_manager,
        labels: &ctx.labels.job_manager,
    };
    service(ctx, &s, ports)
}

fn taskmanager_service(ctx: &JobContext) -> Json {
    let ports = vec![service_port("metrics", ctx.metrics.port)];
    let s = Service {
        name: &ctx.names.task_manager_service,
        headless: true,
        selector: &ctx.selector.task_manager,
        labels: &ctx.labels.task_manager,
    };
    service(ctx, &s, ports)
}

fn podmonitor(ctx: &JobContext) -> Json {
    let name = ctx.job.name.as_str();
    object! {
        "apiVersion" => "monitoring.coreos.com/v1",
        "kind" => "PodMonitor",
        "metadata" => object! {
            "name" => name,
            "namespace" => ctx.names.namespace.as_str(),
            "labels" => ctx.labels.metrics.clone(),
        },
        "spec" => object! {
            "selector" => object! {"matchLabels" => object! {
                "app.kubernetes.io/instance" => name,
                "app.kubernetes.io/name" => "flink",
            }},
            "podMetricsEndpoints" => vec![object! {"port" => "metrics", "path" => "/metrics"}],
        },
    }
}

fn rbac_labels(ctx: &JobContext) -> &Json {
    ctx.labels.rbac.as_ref().unwrap_or(&Json::Null)
}

fn service_account(ctx: &JobContext) -> Json {
    object! {
        "apiVersion" => "v1",
        "kind" => "ServiceAccount",
        "metadata" => metadata(ctx, &ctx.names.service_account, rbac_labels(ctx)),
    }
}

fn role(ctx: &JobContext) -> Json {
    let rbac = ctx.rbac.as_ref().expect("built only with RBAC");
    object! {
        "apiVersion" => "rbac.authorization.k8s.io/v1",
        "kind" => "Role",
        "metadata" => metadata(ctx, &ctx.names.service_account, rbac_labels(ctx)),
        "rules" => rbac.rules.clone(),
    }
}

fn role_binding(ctx: &JobContext) -> Json {
    let rbac = ctx.rbac.as_ref().expect("built only with RBAC");
    let name = ctx.names.service_account.as_str();
    object! {
        "apiVersion" => "rbac.authorization.k8s.io/v1",
        "kind" => "RoleBinding",
        "metadata" => metadata(ctx, name, rbac_labels(ctx)),
        "roleRef" => object! {
            "apiGroup" => "rbac.authorization.k8s.io",
            "kind" => "Role",
            "name" => name,
        },
        "subjects" => rbac.subjects
            .iter()
            .map(|account| object! {
                "kind" => "ServiceAccount",
                "name" => account.as_str(),
                "namespace" => ctx.names.namespace.as_str(),
            })
            .collect::<Vec<_>>(),
    }
}

/// The Namespace of `namespace.yaml.j2`.
pub(super) fn namespace(ctx: &NamespaceContext) -> Json {
    let ns = &ctx.namespace;
    object! {
        "apiVersion" => "v1",
        "kind" => "Namespace",
        "metadata" => object! {"name" => ns.name.as_str(), "labels" => ns.labels.clone()},
    }
}

#[cfg(test)]
mod tests {
    use super::JOB_TEMPLATES;
    use crate::render::{BUILTIN_TEMPLATES, NAMESPACE_TEMPLATE};

    /// A built-in template without a builder would go through minijinja unnoticed (the
    /// output is the same, the time is not), and one in `templates/` that is not embedded
    /// would be no built-in at all.
    #[test]
    fn every_built_in_template_has_a_native_builder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".yaml.j2"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = BUILTIN_TEMPLATES.iter().map(|(n, _)| *n).collect();
        assert_eq!(on_disk, embedded, "templates/ and BUILTIN_TEMPLATES differ");
        let mut built: Vec<&str> = JOB_TEMPLATES.iter().map(|(n, _)| *n).collect();
        built.push(NAMESPACE_TEMPLATE);
        built.sort_unstable();
        assert_eq!(
            built, embedded,
            "a built-in template without its builder, or the reverse"
        );
    }
}
