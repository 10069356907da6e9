//! Phase 5: check every rendered object before anything is written.
//!
//! Each object of a kind Kubernetes defines must deserialize into its `k8s-openapi` type with
//! no field left over (a misspelled field in a template would otherwise be dropped silently
//! by the API server), and the references between a job's objects must hold: the HPA's target,
//! the Services' selectors, the ConfigMap volume, CPU requests under a CPU rule, and no
//! `spec.replicas` on a Deployment an autoscaler owns.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::render::RenderedObject;

fn typed<T: DeserializeOwned>(value: &Json) -> Result<(), String> {
    let mut unknown = Vec::new();
    let result: Result<T, _> = serde_ignored::deserialize(value, |path| {
        unknown.push(path.to_string().replace(".?", ""))
    });
    match result {
        Err(e) => Err(e.to_string()),
        Ok(_) if !unknown.is_empty() => Err(format!("unknown field(s): {}", unknown.join(", "))),
        Ok(_) => Ok(()),
    }
}

/// The parts of KEDA's ScaledObject (keda.sh/v1alpha1) that flinkform writes; a field a
/// template adds beyond these is reported as unknown.
mod keda {
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
}

/// The parts of the Prometheus Operator's PodMonitor (monitoring.coreos.com/v1) flinkform writes.
mod prometheus_operator {
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
}

fn check_type(object: &RenderedObject) -> Result<(), String> {
    use k8s_openapi::api::{apps, autoscaling, core};
    let v = &object.value;
    match (v["apiVersion"].as_str().unwrap_or_default(), object.kind()) {
        ("v1", "Namespace") => typed::<core::v1::Namespace>(v),
        ("v1", "ConfigMap") => typed::<core::v1::ConfigMap>(v),
        ("v1", "Service") => typed::<core::v1::Service>(v),
        ("v1", "ServiceAccount") => typed::<core::v1::ServiceAccount>(v),
        ("apps/v1", "Deployment") => typed::<apps::v1::Deployment>(v),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            typed::<autoscaling::v2::HorizontalPodAutoscaler>(v)
        }
        ("policy/v1", "PodDisruptionBudget") => {
            typed::<k8s_openapi::api::policy::v1::PodDisruptionBudget>(v)
        }
        ("keda.sh/v1alpha1", "ScaledObject") => typed::<keda::ScaledObject>(v),
        ("monitoring.coreos.com/v1", "PodMonitor") => typed::<prometheus_operator::PodMonitor>(v),
        _ => {
            if object.name().is_empty() || object.kind().is_empty() {
                Err("an object needs `apiVersion`, `kind` and `metadata.name`".into())
            } else {
                Ok(())
            }
        }
    }
}

/// Whether two trees are equal, comparing maps key by key in order (trees built the same way
/// list their keys alike; another order counts as a difference, which is safe here).
fn same_in_order(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_in_order(va, vb))
        }
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(va, vb)| same_in_order(va, vb))
        }
        _ => a == b,
    }
}

/// Whether two objects are the same but for `metadata.namespace`: the typed check, which a
/// namespace cannot fail, gives both the same answer.
fn same_but_namespace(a: &Json, b: &Json) -> bool {
    let (Json::Object(a), Json::Object(b)) = (a, b) else {
        return false;
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|((ka, va), (kb, vb))| {
            ka == kb
                && match (ka.as_str(), va, vb) {
                    ("metadata", Json::Object(ma), Json::Object(mb)) => {
                        ma.len() == mb.len()
                            && ma.iter().zip(mb).all(|((k, x), (l, y))| {
                                k == l && (k == "namespace" || same_in_order(x, y))
                            })
                    }
                    _ => same_in_order(va, vb),
                }
        })
}

/// Checks the objects of one job (or the shared objects) of one environment; `env` is `None`
/// for the base, whose problems are those of an environment in all but rare cases.
/// `checked` are objects that passed the typed check already (the job's base): an object
/// the same as one of them but for its namespace is not deserialized again.
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
        diags.push(
            Diagnostic::error(
                "invalid-output",
                None,
                format!(
                    "{} `{}`{job} (template `{}`): {msg}",
                    o.kind(),
                    o.name(),
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
            .any(|c| c.template == o.template && same_but_namespace(&c.value, &o.value));
        if !known && let Err(e) = check_type(o) {
            fail(diags, o, e);
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
                        format!(
                            "Deployment `{target_name}` has more than one autoscaler; KEDA rejects that"
                        ),
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
                if !deployment.value["spec"]["replicas"].is_null() {
                    fail(
                        diags,
                        o,
                        "its target Deployment sets `spec.replicas`, which every sync would reset"
                            .into(),
                    );
                }
                let pod = &deployment.value["spec"]["template"]["spec"];
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
                        if c["resources"]["requests"][resource].is_null() {
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
            "Service" => {
                let Some(selector) = v["spec"]["selector"].as_object() else {
                    continue;
                };
                let matched = objects.iter().any(|d| {
                    d.kind() == "Deployment"
                        && d.namespace() == ns
                        && selector.iter().all(|(k, val)| {
                            &d.value["spec"]["template"]["metadata"]["labels"][k] == val
                        })
                });
                if !matched {
                    fail(diags, o, "its selector matches no pod of this job".into());
                }
            }
            "Deployment" => {
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

    #[test]
    fn objects_that_differ_only_in_namespace_are_the_same() {
        let a = json!({"kind": "Service", "metadata": {"name": "s", "namespace": "dev"}, "spec": {"ports": [{"port": 1}]}});
        let b = json!({"kind": "Service", "metadata": {"name": "s", "namespace": "prod"}, "spec": {"ports": [{"port": 1}]}});
        assert!(same_but_namespace(&a, &b));
        let port = json!({"kind": "Service", "metadata": {"name": "s", "namespace": "dev"}, "spec": {"ports": [{"port": "1"}]}});
        assert!(!same_but_namespace(&a, &port), "a value of another type");
        let extra = json!({"kind": "Service", "metadata": {"name": "s", "namespace": "dev"}, "spec": {"ports": [{"port": 1}], "x": 1}});
        assert!(!same_but_namespace(&a, &extra), "a field more");
        let reordered = json!({"metadata": {"name": "s", "namespace": "dev"}, "kind": "Service", "spec": {"ports": [{"port": 1}]}});
        assert!(
            !same_but_namespace(&a, &reordered),
            "another key order counts as different"
        );
        let nested = json!({"kind": "Service", "metadata": {"name": "s", "namespace": "dev"}, "spec": {"namespace": "x", "ports": [{"port": 1}]}});
        let nested2 = json!({"kind": "Service", "metadata": {"name": "s", "namespace": "dev"}, "spec": {"namespace": "y", "ports": [{"port": 1}]}});
        assert!(
            !same_but_namespace(&nested, &nested2),
            "only metadata.namespace is ignored"
        );
    }
}
