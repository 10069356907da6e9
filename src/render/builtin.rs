//! The built-in templates, built directly as trees.
//!
//! Each function here builds exactly what its file in `templates/` renders from the same
//! context, key for key and in the same order, without the template → text → YAML round trip
//! (the largest cost of a run when it went through minijinja: BENCHMARKS.md). The `.j2` files
//! stay the documented source a project's `templates:` folder overrides; a template the
//! project replaces goes through minijinja. `tests/templates.rs` renders every fixture project
//! both ways (once with every built-in template copied into its `templates:` folder) and
//! requires byte-identical output, so the two cannot drift apart.

use serde_json::{Map, Value as Json};

/// Builds the object of built-in template `name` from a job's (or namespace's) context:
/// `None` for a name that is not built in, `Some(None)` when the template renders nothing.
pub fn build(name: &str, ctx: &Json) -> Option<Option<Json>> {
    Some(match name {
        "configmap.yaml.j2" => standalone(ctx).then(|| configmap(ctx)),
        "flinkdeployment.yaml.j2" => truthy(&ctx["operator"]).then(|| flink_deployment(ctx)),
        "horizontalpodautoscaler.yaml.j2" => {
            engine_is(ctx, "hpa").then(|| horizontal_pod_autoscaler(ctx))
        }
        "jobmanager-deployment.yaml.j2" => standalone(ctx).then(|| jobmanager_deployment(ctx)),
        "ingress.yaml.j2" => (truthy(&ctx["ingress"]) && standalone(ctx)).then(|| ingress(ctx)),
        "jobmanager-service.yaml.j2" => standalone(ctx).then(|| jobmanager_service(ctx)),
        "namespace.yaml.j2" => Some(namespace(ctx)),
        "podmonitor.yaml.j2" => truthy(&ctx["metrics"]["podMonitor"]).then(|| podmonitor(ctx)),
        "role.yaml.j2" => truthy(&ctx["rbac"]).then(|| role(ctx)),
        "rolebinding.yaml.j2" => truthy(&ctx["rbac"]).then(|| role_binding(ctx)),
        "serviceaccount.yaml.j2" => (truthy(&ctx["rbac"]) && truthy(&ctx["rbac"]["createAccount"]))
            .then(|| service_account(ctx)),
        "scaledobject.yaml.j2" => engine_is(ctx, "keda").then(|| scaled_object(ctx)),
        "taskmanager-deployment.yaml.j2" => standalone(ctx).then(|| taskmanager_deployment(ctx)),
        "taskmanager-service.yaml.j2" => Some(taskmanager_service(ctx)),
        "taskmanager-poddisruptionbudget.yaml.j2" => {
            standalone(ctx).then(|| taskmanager_pod_disruption_budget(ctx))
        }
        _ => return None,
    })
}

/// minijinja's truthiness for the values a context holds.
fn truthy(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// Marks an object that carries log4j's configuration, whose `${sys:log.file}` is no variable
/// of Flux's post-build substitution.
fn no_flux_substitution(meta: &mut Json) {
    let annotations = meta
        .as_object_mut()
        .expect("metadata is a map")
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
fn standalone(ctx: &Json) -> bool {
    ctx["job"]["target"] == "standalone"
}

/// The operator target's FlinkDeployment.
fn flink_deployment(ctx: &Json) -> Json {
    let op = &ctx["operator"];
    let mut spec = Map::with_capacity(11);
    spec.insert("image".into(), ctx["job"]["image"].clone());
    spec.insert(
        "imagePullPolicy".into(),
        ctx["job"]["imagePullPolicy"].clone(),
    );
    for key in [
        "flinkVersion",
        "mode",
        "serviceAccount",
        "flinkConfiguration",
        "logConfiguration",
        "jobManager",
        "taskManager",
        "ingress",
        "job",
    ] {
        let optional = matches!(key, "logConfiguration" | "ingress");
        if !optional || truthy(&op[key]) {
            spec.insert(key.into(), op[key].clone());
        }
    }
    let mut meta = metadata(ctx, &ctx["job"]["name"], &ctx["labels"]["flinkDeployment"]);
    if truthy(&op["logConfiguration"]) {
        no_flux_substitution(&mut meta);
    }
    object! {
        "apiVersion" => "flink.apache.org/v1beta1",
        "kind" => "FlinkDeployment",
        "metadata" => meta,
        "spec" => Json::Object(spec),
    }
}

/// `{%- if autoscaling and autoscaling.engine == "<engine>" -%}`
fn engine_is(ctx: &Json, engine: &str) -> bool {
    truthy(&ctx["autoscaling"]) && ctx["autoscaling"]["engine"] == engine
}

/// `metadata:` of a job's object: name, namespace, labels and, when any, the annotations.
fn metadata(ctx: &Json, name: &Json, labels: &Json) -> Json {
    let mut m = Map::with_capacity(4);
    m.insert("name".into(), name.clone());
    m.insert("namespace".into(), ctx["names"]["namespace"].clone());
    m.insert("labels".into(), labels.clone());
    if truthy(&ctx["annotations"]) {
        m.insert("annotations".into(), ctx["annotations"].clone());
    }
    Json::Object(m)
}

fn configmap(ctx: &Json) -> Json {
    let config = &ctx["config"];
    let mut data = Map::with_capacity(2);
    data.insert(
        config["fileName"].as_str().unwrap_or_default().to_owned(),
        config["content"].clone(),
    );
    let mut meta = metadata(ctx, &ctx["names"]["configMap"], &ctx["labels"]["config"]);
    if truthy(&config["logging"]) {
        data.insert(
            config["logFileName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            config["logging"].clone(),
        );
        no_flux_substitution(&mut meta);
    }
    object! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => meta,
        "data" => data,
    }
}

fn ingress(ctx: &Json) -> Json {
    let own = &ctx["ingress"];
    let mut m = Map::with_capacity(4);
    m.insert("name".into(), ctx["names"]["jobManagerService"].clone());
    m.insert("namespace".into(), ctx["names"]["namespace"].clone());
    m.insert("labels".into(), ctx["labels"]["jobManager"].clone());
    if truthy(&own["annotations"]) {
        m.insert("annotations".into(), own["annotations"].clone());
    }
    object! {
        "apiVersion" => "networking.k8s.io/v1",
        "kind" => "Ingress",
        "metadata" => Json::Object(m),
        "spec" => own["spec"].clone(),
    }
}

fn scale_target(ctx: &Json) -> Json {
    ctx["autoscaling"]["scaleTargetRef"].clone()
}

fn horizontal_pod_autoscaler(ctx: &Json) -> Json {
    let a = &ctx["autoscaling"];
    object! {
        "apiVersion" => "autoscaling/v2",
        "kind" => "HorizontalPodAutoscaler",
        "metadata" => metadata(ctx, &ctx["names"]["taskManager"], &ctx["labels"]["taskManager"]),
        "spec" => object! {
            "scaleTargetRef" => scale_target(ctx),
            "minReplicas" => a["minReplicas"].clone(),
            "maxReplicas" => a["maxReplicas"].clone(),
            "metrics" => a["metrics"].clone(),
            "behavior" => a["behavior"].clone(),
        },
    }
}

fn scaled_object(ctx: &Json) -> Json {
    let a = &ctx["autoscaling"];
    object! {
        "apiVersion" => "keda.sh/v1alpha1",
        "kind" => "ScaledObject",
        "metadata" => metadata(ctx, &ctx["names"]["taskManager"], &ctx["labels"]["taskManager"]),
        "spec" => object! {
            "scaleTargetRef" => scale_target(ctx),
            "minReplicaCount" => a["minReplicas"].clone(),
            "maxReplicaCount" => a["maxReplicas"].clone(),
            "advanced" => object! {
                "horizontalPodAutoscalerConfig" => object! {"behavior" => a["behavior"].clone()},
            },
            "triggers" => a["triggers"].clone(),
        },
    }
}

/// The container fields both Deployments share, around their own name, args and ports.
fn flink_container(ctx: &Json, component: &str, args: Json, ports: Vec<Json>) -> Json {
    let own = &ctx[component];
    let mut c = Map::with_capacity(13);
    c.insert("name".into(), component.to_ascii_lowercase().into());
    c.insert("image".into(), ctx["job"]["image"].clone());
    c.insert(
        "imagePullPolicy".into(),
        ctx["job"]["imagePullPolicy"].clone(),
    );
    c.insert("args".into(), args);
    c.insert("env".into(), own["env"].clone());
    if truthy(&own["envFrom"]) {
        c.insert("envFrom".into(), own["envFrom"].clone());
    }
    c.insert("ports".into(), ports.into());
    c.insert("resources".into(), own["resources"].clone());
    if let Some(probes) = own["probes"].as_object() {
        c.extend(probes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    c.insert(
        "securityContext".into(),
        ctx["pod"]["containerSecurityContext"].clone(),
    );
    c.insert("volumeMounts".into(), own["volumeMounts"].clone());
    Json::Object(c)
}

fn pod_template(ctx: &Json, component: &str, container: Json) -> Json {
    let pod = &ctx["pod"];
    let own = &ctx[component];
    let mut spec = own["scheduling"].as_object().cloned().unwrap_or_default();
    spec.insert("securityContext".into(), pod["securityContext"].clone());
    spec.insert(
        "initContainers".into(),
        vec![pod["configInit"].clone()].into(),
    );
    spec.insert("containers".into(), vec![container].into());
    spec.insert("volumes".into(), own["volumes"].clone());
    object! {
        "metadata" => object! {
            "labels" => own["podLabels"].clone(),
            "annotations" => own["podAnnotations"].clone(),
        },
        "spec" => spec,
    }
}

fn port(name: &str, number: Json) -> Json {
    object! {"name" => name, "containerPort" => number}
}

fn jobmanager_deployment(ctx: &Json) -> Json {
    let labels = &ctx["labels"]["jobManager"];
    let ports = vec![
        port("rpc", 6123.into()),
        port("blob-server", 6124.into()),
        port("webui", 8081.into()),
        port("metrics", ctx["metrics"]["port"].clone()),
    ];
    let container = flink_container(ctx, "jobManager", ctx["jobManager"]["args"].clone(), ports);
    object! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => metadata(ctx, &ctx["names"]["jobManager"], labels),
        "spec" => object! {
            "replicas" => 1,
            "strategy" => object! {"type" => "Recreate"},
            "selector" => object! {"matchLabels" => ctx["selector"]["jobManager"].clone()},
            "template" => pod_template(ctx, "jobManager", container),
        },
    }
}

fn taskmanager_deployment(ctx: &Json) -> Json {
    let labels = &ctx["labels"]["taskManager"];
    let ports = vec![
        port("rpc", 6122.into()),
        port("metrics", ctx["metrics"]["port"].clone()),
    ];
    let container = flink_container(
        ctx,
        "taskManager",
        vec![Json::from("taskmanager")].into(),
        ports,
    );
    let mut spec = Map::with_capacity(4);
    if !truthy(&ctx["autoscaling"]) {
        spec.insert("replicas".into(), ctx["taskManager"]["replicas"].clone());
    }
    spec.insert("strategy".into(), object! {"type" => "Recreate"});
    spec.insert(
        "selector".into(),
        object! {"matchLabels" => ctx["selector"]["taskManager"].clone()},
    );
    spec.insert(
        "template".into(),
        pod_template(ctx, "taskManager", container),
    );
    object! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => metadata(ctx, &ctx["names"]["taskManager"], labels),
        "spec" => spec,
    }
}

fn taskmanager_pod_disruption_budget(ctx: &Json) -> Json {
    object! {
        "apiVersion" => "policy/v1",
        "kind" => "PodDisruptionBudget",
        "metadata" => metadata(ctx, &ctx["names"]["taskManager"], &ctx["labels"]["taskManager"]),
        "spec" => object! {
            "maxUnavailable" => 1,
            "selector" => object! {"matchLabels" => ctx["selector"]["taskManager"].clone()},
        },
    }
}

fn service(ctx: &Json, name: &Json, component: &str, headless: bool, ports: Vec<Json>) -> Json {
    let mut spec = Map::with_capacity(4);
    spec.insert("type".into(), "ClusterIP".into());
    if headless {
        spec.insert("clusterIP".into(), "None".into());
    }
    spec.insert("selector".into(), ctx["selector"][component].clone());
    spec.insert("ports".into(), ports.into());
    object! {
        "apiVersion" => "v1",
        "kind" => "Service",
        "metadata" => metadata(ctx, name, &ctx["labels"][component]),
        "spec" => spec,
    }
}

fn service_port(name: &str, number: Json) -> Json {
    object! {"name" => name, "port" => number, "targetPort" => name}
}

fn jobmanager_service(ctx: &Json) -> Json {
    let ports = vec![
        service_port("rpc", 6123.into()),
        service_port("blob-server", 6124.into()),
        service_port("webui", 8081.into()),
    ];
    service(
        ctx,
        &ctx["names"]["jobManagerService"],
        "jobManager",
        false,
        ports,
    )
}

fn taskmanager_service(ctx: &Json) -> Json {
    let ports = vec![service_port("metrics", ctx["metrics"]["port"].clone())];
    service(
        ctx,
        &ctx["names"]["taskManagerService"],
        "taskManager",
        true,
        ports,
    )
}

fn podmonitor(ctx: &Json) -> Json {
    let name = &ctx["job"]["name"];
    object! {
        "apiVersion" => "monitoring.coreos.com/v1",
        "kind" => "PodMonitor",
        "metadata" => object! {
            "name" => name.clone(),
            "namespace" => ctx["names"]["namespace"].clone(),
            "labels" => ctx["labels"]["metrics"].clone(),
        },
        "spec" => object! {
            "selector" => object! {"matchLabels" => object! {
                "app.kubernetes.io/instance" => name.clone(),
                "app.kubernetes.io/name" => "flink",
            }},
            "podMetricsEndpoints" => vec![object! {"port" => "metrics", "path" => "/metrics"}],
        },
    }
}

fn service_account(ctx: &Json) -> Json {
    object! {
        "apiVersion" => "v1",
        "kind" => "ServiceAccount",
        "metadata" => metadata(ctx, &ctx["names"]["serviceAccount"], &ctx["labels"]["rbac"]),
    }
}

fn role(ctx: &Json) -> Json {
    object! {
        "apiVersion" => "rbac.authorization.k8s.io/v1",
        "kind" => "Role",
        "metadata" => metadata(ctx, &ctx["names"]["serviceAccount"], &ctx["labels"]["rbac"]),
        "rules" => ctx["rbac"]["rules"].clone(),
    }
}

fn role_binding(ctx: &Json) -> Json {
    let name = &ctx["names"]["serviceAccount"];
    object! {
        "apiVersion" => "rbac.authorization.k8s.io/v1",
        "kind" => "RoleBinding",
        "metadata" => metadata(ctx, name, &ctx["labels"]["rbac"]),
        "roleRef" => object! {
            "apiGroup" => "rbac.authorization.k8s.io",
            "kind" => "Role",
            "name" => name.clone(),
        },
        "subjects" => ctx["rbac"]["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|account| object! {
                "kind" => "ServiceAccount",
                "name" => account.clone(),
                "namespace" => ctx["names"]["namespace"].clone(),
            })
            .collect::<Vec<_>>(),
    }
}

fn namespace(ctx: &Json) -> Json {
    let ns = &ctx["namespace"];
    object! {
        "apiVersion" => "v1",
        "kind" => "Namespace",
        "metadata" => object! {"name" => ns["name"].clone(), "labels" => ns["labels"].clone()},
    }
}
