//! Phase 5: check every rendered object before anything is written.
//!
//! Each object of a kind Kubernetes defines must deserialize into its `k8s-openapi` type with
//! no field left over (a misspelled field in a template would otherwise be dropped silently
//! by the API server), and the references between a job's objects must hold: the HPA's target,
//! the Services' selectors, the ConfigMap volume, CPU requests under a CPU rule, and no
//! `spec.replicas` on a Deployment an autoscaler owns.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::object::{RenderedObject, TypeProblem, type_problem};

declare_code! {
    pub INVALID_OUTPUT: error "invalid-output",
    catches: "An emitted object that is not valid Kubernetes, or whose references do not hold (a template's mistake, most often a project template).",
    why: "The cluster would reject it or run it wrong.",
    fix: "Fix the template named in the message.",
}

fn typed<T: DeserializeOwned>(value: &Json) -> Result<(), String> {
    match type_problem::<T>(value) {
        None => Ok(()),
        Some(TypeProblem::Invalid(e)) => Err(e),
        Some(TypeProblem::Unknown(u)) => Err(format!("unknown field(s): {}", u.join(", "))),
    }
}

mod flinkdeployment;
mod keda;
mod prometheus_operator;

/// The pod templates of an object that runs pods, each with the ServiceAccount its pods run
/// as: a Deployment's one, or a FlinkDeployment's JobManager and TaskManager templates (the
/// operator runs both as `spec.serviceAccount`).
fn pod_templates(o: &RenderedObject) -> Vec<(&Json, &str)> {
    let v = &o.value;
    match o.kind() {
        "Deployment" => vec![(
            &v["spec"]["template"],
            v["spec"]["template"]["spec"]["serviceAccountName"]
                .as_str()
                .unwrap_or("default"),
        )],
        "FlinkDeployment" => {
            let account = v["spec"]["serviceAccount"].as_str().unwrap_or("default");
            vec![
                (&v["spec"]["jobManager"]["podTemplate"], account),
                (&v["spec"]["taskManager"]["podTemplate"], account),
            ]
        }
        _ => Vec::new(),
    }
}

fn check_type(object: &RenderedObject) -> Result<(), String> {
    use k8s_openapi::api::{apps, autoscaling, core};
    let v = &object.value;
    match (v["apiVersion"].as_str().unwrap_or_default(), object.kind()) {
        ("v1", "Namespace") => typed::<core::v1::Namespace>(v),
        ("v1", "ConfigMap") => typed::<core::v1::ConfigMap>(v),
        ("v1", "Service") => typed::<core::v1::Service>(v),
        ("v1", "ServiceAccount") => typed::<core::v1::ServiceAccount>(v),
        ("rbac.authorization.k8s.io/v1", "Role") => typed::<k8s_openapi::api::rbac::v1::Role>(v),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => {
            typed::<k8s_openapi::api::rbac::v1::RoleBinding>(v)
        }
        ("apps/v1", "Deployment") => typed::<apps::v1::Deployment>(v),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            typed::<autoscaling::v2::HorizontalPodAutoscaler>(v)
        }
        ("policy/v1", "PodDisruptionBudget") => {
            typed::<k8s_openapi::api::policy::v1::PodDisruptionBudget>(v)
        }
        ("keda.sh/v1alpha1", "ScaledObject") => typed::<keda::ScaledObject>(v),
        ("monitoring.coreos.com/v1", "PodMonitor") => typed::<prometheus_operator::PodMonitor>(v),
        ("flink.apache.org/v1beta1", "FlinkDeployment") => {
            typed::<flinkdeployment::FlinkDeployment>(v)
        }
        _ => {
            if object.name().is_empty() || object.kind().is_empty() {
                Err("an object needs `apiVersion`, `kind` and `metadata.name`".into())
            } else {
                Ok(())
            }
        }
    }
}

/// Whether any string at `path` of an object of `kind` passes the typed check as well as any
/// other: k8s-openapi holds these as plain strings (`ObjectMeta`'s namespace, labels and
/// annotations, a ConfigMap's data, a container's image, arguments and resource quantities,
/// which `Quantity` keeps as text).
fn free_string(kind: &str, path: &[&str]) -> bool {
    match path {
        ["metadata", "namespace"] | ["metadata", "labels" | "annotations", _] => true,
        _ => match kind {
            "ConfigMap" => matches!(path, ["data", _]),
            "Deployment" => matches!(
                path,
                ["spec", "template", "metadata", "labels" | "annotations", _]
                    | [
                        "spec",
                        "template",
                        "spec",
                        "containers" | "initContainers",
                        _,
                        "image"
                    ]
                    | [
                        "spec",
                        "template",
                        "spec",
                        "containers" | "initContainers",
                        _,
                        "args" | "command",
                        _
                    ]
                    | [
                        "spec",
                        "template",
                        "spec",
                        "containers" | "initContainers",
                        _,
                        "resources",
                        "limits" | "requests",
                        _
                    ]
            ),
            _ => false,
        },
    }
}

/// Whether the typed check must give `b` the answer it gave `a`: the same tree (maps compared
/// key by key in order; another order counts as a difference, which is safe) except for
/// strings where any string will do ([`free_string`]).
fn same_for_the_typed_check(a: &Json, b: &Json) -> bool {
    fn walk<'a>(a: &'a Json, b: &'a Json, kind: &str, path: &mut Vec<&'a str>) -> bool {
        match (a, b) {
            (Json::Object(x), Json::Object(y)) => {
                x.len() == y.len()
                    && x.iter().zip(y).all(|((kx, vx), (ky, vy))| {
                        path.push(kx);
                        let same = kx == ky && walk(vx, vy, kind, path);
                        path.pop();
                        same
                    })
            }
            (Json::Array(x), Json::Array(y)) => {
                x.len() == y.len()
                    && x.iter().zip(y).all(|(vx, vy)| {
                        path.push("#");
                        let same = walk(vx, vy, kind, path);
                        path.pop();
                        same
                    })
            }
            (Json::String(x), Json::String(y)) => x == y || free_string(kind, path),
            _ => a == b,
        }
    }
    let kind = a["kind"].as_str().unwrap_or_default();
    walk(a, b, kind, &mut Vec::with_capacity(12))
}

/// The first map key in a value that is longer than every reader takes.
fn long_key(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if crate::yaml::write::key_too_long(k) {
                Some(k.as_str())
            } else {
                long_key(v)
            }
        }),
        serde_json::Value::Array(items) => items.iter().find_map(long_key),
        _ => None,
    }
}

/// Checks the objects of one job (or the shared objects) of one environment; `env` is `None`
/// for the base, whose problems are those of an environment in all but rare cases.
/// `checked` are objects that passed the typed check already (the job's base): an object
/// the typed check cannot tell from one of them is not deserialized again.
pub fn verify(
    objects: &[RenderedObject],
    env: Option<&str>,
    checked: &[RenderedObject],
    diags: &mut Diagnostics,
) {
    let fail = |diags: &mut Diagnostics, o: &RenderedObject, msg: String| {
        let job = o
            .job
            .as_deref()
            .map_or_else(String::new, |j| format!(" of job `{j}`"));
        // A name that is not one may hold anything, line breaks included: quote it escaped.
        let name = o.name().escape_debug().to_string();
        diags.push(
            Diagnostic::error(
                INVALID_OUTPUT,
                None,
                format!(
                    "{} `{name}`{job} (template `{}`): {msg}",
                    o.kind(),
                    o.template
                ),
            )
            .help("this is a bug in a template; fix the template or report it")
            .in_environment(env),
        );
    };
    for o in objects {
        let known = checked
            .iter()
            .any(|c| c.template == o.template && same_for_the_typed_check(&c.value, &o.value));
        if !known && let Err(e) = check_type(o) {
            fail(diags, o, e);
        }
        // Names become file names in the output tree and lines of its index: only names
        // Kubernetes accepts (DNS subdomains; namespaces DNS labels) get that far.
        let subdomain = |n: &str| {
            n.len() <= 253
                && n.split('.')
                    .all(|l| crate::naming::name_problem(l, false).is_none())
        };
        if !subdomain(o.name()) {
            fail(
                diags,
                o,
                format!("its name {:?} is not a Kubernetes object name", o.name()),
            );
        }
        // A known object has the keys of one checked already.
        if !known && let Some(key) = long_key(&o.value) {
            fail(
                diags,
                o,
                format!(
                    "it has a key of {} characters (`{}…`); kustomize reads back keys of at most {}",
                    key.chars().count(),
                    key.chars().take(40).collect::<String>().escape_debug(),
                    crate::yaml::write::MAX_KEY_CHARS
                ),
            );
        }
        let ns = o.namespace();
        if !ns.is_empty() && crate::naming::name_problem(ns, false).is_some() {
            fail(
                diags,
                o,
                format!("its namespace {ns:?} is not a Kubernetes namespace name"),
            );
        }
    }
    let find = |kind: &str, ns: &str, name: &str| {
        objects
            .iter()
            .find(|o| o.kind() == kind && o.namespace() == ns && o.name() == name)
    };
    for o in objects {
        let v = &o.value;
        let ns = o.namespace();
        match o.kind() {
            "HorizontalPodAutoscaler" | "ScaledObject" => {
                let target = &v["spec"]["scaleTargetRef"];
                let target_name = target["name"].as_str().unwrap_or_default();
                let owners = objects
                    .iter()
                    .filter(|a| {
                        matches!(a.kind(), "HorizontalPodAutoscaler" | "ScaledObject")
                            && a.namespace() == ns
                            && a.value["spec"]["scaleTargetRef"]["name"] == target_name
                    })
                    .count();
                if owners > 1 {
                    fail(
                        diags,
                        o,
                        format!("`{target_name}` has more than one autoscaler; KEDA rejects that"),
                    );
                }
                let Some(deployment) = find(
                    target["kind"].as_str().unwrap_or("Deployment"),
                    ns,
                    target_name,
                ) else {
                    fail(
                        diags,
                        o,
                        format!(
                            "scaleTargetRef `{}` is not an object of this job",
                            target["name"]
                        ),
                    );
                    continue;
                };
                // A FlinkDeployment scales through `spec.taskManager.replicas`, and the operator
                // gives its main container the requests of `spec.taskManager.resource`.
                let operator = deployment.kind() == "FlinkDeployment";
                let (replicas, replicas_field) = if operator {
                    (
                        &deployment.value["spec"]["taskManager"]["replicas"],
                        "spec.taskManager.replicas",
                    )
                } else {
                    (&deployment.value["spec"]["replicas"], "spec.replicas")
                };
                // A Deployment's replicas belong to the autoscaler: a value in the manifest
                // is reset at every sync. A FlinkDeployment's scale subresource reads
                // `spec.taskManager.replicas`: without it `/scale` reports 0 and the HPA
                // disables itself.
                if operator && replicas.is_null() {
                    fail(
                        diags,
                        o,
                        format!(
                            "its target {} has no `{replicas_field}`, the path its scale subresource reads: the HPA would see 0 replicas and disable itself",
                            deployment.kind()
                        ),
                    );
                } else if !operator && !replicas.is_null() {
                    fail(
                        diags,
                        o,
                        format!(
                            "its target {} sets `{replicas_field}`, which every sync would reset",
                            deployment.kind()
                        ),
                    );
                }
                let pod = if operator {
                    &deployment.value["spec"]["taskManager"]["podTemplate"]["spec"]
                } else {
                    &deployment.value["spec"]["template"]["spec"]
                };
                // An HPA's Resource metrics, or a ScaledObject's cpu and memory triggers.
                let resources = v["spec"]["metrics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["resource"]["name"].as_str())
                    .chain(
                        v["spec"]["triggers"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|t| t["type"].as_str())
                            .filter(|t| matches!(*t, "cpu" | "memory")),
                    );
                for resource in resources {
                    let containers = pod["containers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .chain(pod["initContainers"].as_array().into_iter().flatten());
                    for c in containers {
                        let requested = if operator && c["name"] == crate::object::MAIN_CONTAINER {
                            !deployment.value["spec"]["taskManager"]["resource"][resource].is_null()
                        } else {
                            !c["resources"]["requests"][resource].is_null()
                        };
                        if !requested {
                            fail(
                                diags,
                                o,
                                format!(
                                    "container `{}` requests no {resource}: utilization is undefined",
                                    c["name"]
                                ),
                            );
                        }
                    }
                }
            }
            "Service" | "PodDisruptionBudget" => {
                // A budget that selects no pod protects nothing, as a Service with no pod
                // serves nothing.
                let selector = if o.kind() == "Service" {
                    &v["spec"]["selector"]
                } else {
                    &v["spec"]["selector"]["matchLabels"]
                };
                let Some(selector) = selector.as_object() else {
                    continue;
                };
                let matched = objects
                    .iter()
                    .filter(|d| d.namespace() == ns)
                    .flat_map(pod_templates)
                    .any(|(template, _)| {
                        selector
                            .iter()
                            .all(|(k, val)| &template["metadata"]["labels"][k] == val)
                    });
                if !matched {
                    fail(diags, o, "its selector matches no pod of this job".into());
                }
            }
            "Ingress" => {
                for path in v["spec"]["rules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|r| r["http"]["paths"].as_array().into_iter().flatten())
                {
                    let service = &path["backend"]["service"];
                    let name = service["name"].as_str().unwrap_or_default();
                    let port = &service["port"]["name"];
                    let served = find("Service", ns, name).is_some_and(|s| {
                        s.value["spec"]["ports"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|p| &p["name"] == port)
                    });
                    if !served {
                        fail(
                            diags,
                            o,
                            format!(
                                "its backend `{name}:{port}` is no port of a Service of this job"
                            ),
                        );
                    }
                }
            }
            "RoleBinding" => {
                let role = v["roleRef"]["name"].as_str().unwrap_or_default();
                if find("Role", ns, role).is_none() {
                    fail(
                        diags,
                        o,
                        format!("it binds Role `{role}`, which this job does not define"),
                    );
                }
                for subject in v["subjects"].as_array().into_iter().flatten() {
                    let name = subject["name"].as_str().unwrap_or_default();
                    let used = objects
                        .iter()
                        .filter(|d| d.namespace() == ns)
                        .flat_map(pod_templates)
                        .any(|(_, account)| account == name);
                    if !used {
                        fail(
                            diags,
                            o,
                            format!(
                                "it binds ServiceAccount `{name}`, which no pod of this job runs as"
                            ),
                        );
                    }
                }
            }
            "Deployment" | "FlinkDeployment" => {
                // With high availability (and under the operator) the Role must be bound to
                // the account the pods run as (flinkform's own, or the user's cloud identity).
                let Some((_, account)) = pod_templates(o).first().copied() else {
                    continue;
                };
                for binding in objects
                    .iter()
                    .filter(|b| b.kind() == "RoleBinding" && b.namespace() == ns)
                {
                    let bound = binding.value["subjects"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|s| s["kind"] == "ServiceAccount" && s["name"] == account);
                    if !bound {
                        fail(
                            diags,
                            o,
                            format!(
                                "its pods run as ServiceAccount `{account}`, which RoleBinding `{}` does not bind",
                                binding.name()
                            ),
                        );
                    }
                }
                if o.kind() != "Deployment" {
                    continue;
                }
                let labels = &v["spec"]["template"]["metadata"]["labels"];
                for (k, val) in v["spec"]["selector"]["matchLabels"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    if &labels[k] != val {
                        fail(
                            diags,
                            o,
                            format!("selector label `{k}` is not on its pod template"),
                        );
                    }
                }
                for volume in v["spec"]["template"]["spec"]["volumes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if let Some(cm) = volume["configMap"]["name"].as_str()
                        && find("ConfigMap", ns, cm).is_none()
                    {
                        fail(
                            diags,
                            o,
                            format!(
                                "volume `{}` mounts ConfigMap `{cm}`, which this job does not define",
                                volume["name"]
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The FlinkDeployment as the CRD defines it: what flinkform writes passes, an unknown
    /// field, a value outside an enum or a missing required field does not.
    #[test]
    fn flink_deployments_are_typed_as_the_crd_defines_them() {
        let fd = json!({"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment",
        "metadata": {"name": "orders", "namespace": "flink"},
        "spec": {
            "image": "registry.example.com/flink/orders:1.0.0", "imagePullPolicy": "IfNotPresent",
            "flinkVersion": "v1_20", "mode": "native", "serviceAccount": "orders-flink",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "jobManager": {"replicas": 1, "resource": {"cpu": 1, "memory": "1600Mi"},
                "podTemplate": {"spec": {"containers": [{"name": "flink-main-container"}]}}},
            "taskManager": {"resource": {"cpu": 0.5, "memory": "2Gi"}},
            "ingress": {"template": "flink.example.com/orders", "className": "nginx",
                "tls": [{"hosts": ["flink.example.com"], "secretName": "tls"}]},
            "job": {"jarURI": "local:///opt/flink/usrlib/orders.jar", "entryClass": "com.example.Orders",
                "args": ["--host", "kafka:9092"], "parallelism": 4, "upgradeMode": "last-state", "state": "running"},
        }});
        let object = |value: Json| RenderedObject {
            job: Some("orders".into()),
            template: "flinkdeployment.yaml.j2".into(),
            value,
        };
        assert_eq!(check_type(&object(fd.clone())), Ok(()));
        let broken = |path: &str, value: Option<Json>| {
            let mut v = fd.clone();
            let (parent, key) = path.rsplit_once('/').unwrap();
            let map = v.pointer_mut(parent).unwrap().as_object_mut().unwrap();
            match value {
                Some(value) => map.insert(key.into(), value),
                None => map.remove(key),
            };
            check_type(&object(v))
        };
        for (path, value, says) in [
            (
                "/spec/flinkVersion",
                Some(json!("v1_12")),
                "unknown variant",
            ),
            ("/spec/mode", Some(json!("session")), "unknown variant"),
            (
                "/spec/job/upgradeMode",
                Some(json!("last_state")),
                "unknown variant",
            ),
            ("/spec/job/state", Some(json!("RUNNING")), "unknown variant"),
            (
                "/spec/taskManager/resource/cpu",
                Some(json!("500m")),
                "invalid type",
            ),
            (
                "/spec/job/parallelism",
                Some(json!(4_294_967_296_u64)),
                "invalid value",
            ),
            (
                "/spec/serviceAccount",
                None,
                "missing field `serviceAccount`",
            ),
            ("/spec/job/jarURI", None, "missing field `jarURI`"),
            (
                "/spec/job/savepointPath",
                Some(json!("s3://x")),
                "spec.job.savepointPath",
            ),
            (
                "/spec/jobManager/podTemplate/spec/containers/0/imagee",
                Some(json!("x")),
                "imagee",
            ),
        ] {
            let result = if path.contains("/containers/0/") {
                let mut v = fd.clone();
                v["spec"]["jobManager"]["podTemplate"]["spec"]["containers"][0]["imagee"] =
                    json!("x");
                check_type(&object(v))
            } else {
                broken(path, value)
            };
            let error = result.expect_err(path);
            assert!(error.contains(says), "{path}: {error}");
        }
    }

    #[test]
    fn objects_the_typed_check_cannot_tell_apart() {
        let deployment = |ns: &str, image: &str, replicas: i64| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": ns, "labels": {"a": "1"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "c", "image": image, "resources": {"limits": {"memory": "1Gi"}}}
            ]}}}})
        };
        let a = deployment("dev", "img:1", 1);
        assert!(same_for_the_typed_check(
            &a,
            &deployment("prod", "img:2", 1)
        ));
        assert!(
            !same_for_the_typed_check(&a, &deployment("dev", "img:1", 2)),
            "a number"
        );
        let mut name = deployment("dev", "img:1", 1);
        name["spec"]["template"]["spec"]["containers"][0]["name"] = json!("other");
        assert!(
            !same_for_the_typed_check(&a, &name),
            "a string not known to be free"
        );
        let mut typed = deployment("dev", "img:1", 1);
        typed["spec"]["template"]["spec"]["containers"][0]["image"] = json!(7);
        assert!(
            !same_for_the_typed_check(&a, &typed),
            "a value of another type"
        );
        let mut extra = deployment("dev", "img:1", 1);
        extra["spec"]["x"] = json!(1);
        assert!(!same_for_the_typed_check(&a, &extra), "a field more");
        let reordered = json!({"kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": a["metadata"].clone(), "spec": a["spec"].clone()});
        assert!(
            !same_for_the_typed_check(&a, &reordered),
            "another key order"
        );
        let secret = |data: &str| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": data}});
        assert!(
            !same_for_the_typed_check(&secret("YQ=="), &secret("not base64")),
            "Secret data is bytes"
        );
        let config = |data: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": data}});
        assert!(same_for_the_typed_check(&config("a"), &config("b")));
    }
}
