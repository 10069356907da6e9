//! Rules on the pods' own settings (`pod`, `jobManager.pod`, `taskManager.pod`): values in
//! Kubernetes' shape are of the Kubernetes types, every volume is mounted and every mount
//! has its volume, and nothing replaces what flinkform itself sets in a pod.
//!
//! The rules read each component's pod, which already holds `spec.pod` merged under the
//! component's own settings, with every value's position; a problem of a shared setting is
//! reported once, at its line.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1 as core;
use serde::de::DeserializeOwned;

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::object::{TypeProblem, type_problem};
use crate::source::Span;
use crate::yaml::{Node, Value};

use super::Located;
use super::labels::{label_key_problem, label_value_problem};

/// Volumes flinkform adds to both pods.
const OWN_VOLUMES: &[&str] = &["flink-config", "flink-conf", "flink-plugins"];
/// Where the Flink container finds its configuration.
const CONF_DIR: &str = "/opt/flink/conf";
/// Environment variables flinkform sets in the Flink container.
const OWN_ENV: &[&str] = &[
    "JOB_MANAGER_RPC_ADDRESS",
    "POD_IP",
    "ENABLE_BUILT_IN_PLUGINS",
];
/// Pod-template annotations flinkform sets.
const OWN_ANNOTATIONS: &[&str] = &[
    "flinkform.dev/config-hash",
    "prometheus.io/path",
    "prometheus.io/port",
    "prometheus.io/scrape",
];
/// Labels flinkform sets on every pod (its selectors use some of them).
use super::job::OWN_LABELS;

declare_code! {
    pub FLINK_PROPERTIES_ENV: error "flink-properties-env",
    catches: "`FLINK_PROPERTIES` in a pod's `env`.",
    why: "The official image's entrypoint appends `FLINK_PROPERTIES` to the Flink configuration file, but flinkform's pods mount the configuration read-only (so that the entrypoint cannot rewrite it), and the variable would be silently ignored.",
    fix: "Set the keys in `flinkConfiguration`.",
}

declare_code! {
    pub INVALID_KUBERNETES_VALUE: error "invalid-kubernetes-value",
    catches: "A value in Kubernetes' own shape (env, tolerations, affinity, volumes, ...) that is not of its Kubernetes type: a wrong type or a missing field.",
    why: "The API server would reject the Deployment.",
    fix: "Write it as in a pod spec (`kubectl explain pod.spec`).",
}

declare_code! {
    pub MOUNT_OVER_CONF: error "mount-over-conf",
    catches: "A volume mount at, below or above /opt/flink/conf.",
    why: "It would hide or replace the configuration flinkform gives Flink.",
    fix: "Mount elsewhere; set Flink options in `flinkConfiguration`.",
}

declare_code! {
    pub OWNED_ENV: error "owned-env",
    catches: "An environment variable flinkform sets in the Flink container (JOB_MANAGER_RPC_ADDRESS, POD_IP, ENABLE_BUILT_IN_PLUGINS).",
    why: "It points the pods at the JobManager, the pod IP or the image's plugins.",
    fix: "Remove it.",
}

declare_code! {
    pub OWNED_POD_METADATA: error "owned-pod-metadata",
    catches: "A pod label or annotation that flinkform sets (app.kubernetes.io/*, flinkform.dev/config-hash, prometheus.io/*).",
    why: "Selectors, the configuration rollout and the metrics scrape depend on them.",
    fix: "Remove it.",
}

declare_code! {
    pub OWNED_VOLUME: error "owned-volume",
    catches: "A volume named like one of flinkform's (flink-config, flink-conf, flink-plugins).",
    why: "It would replace the configuration volumes.",
    fix: "Give it another name.",
}

declare_code! {
    pub UNDEFINED_VOLUME: error "undefined-volume",
    catches: "A volume mount that names no volume of its pod.",
    why: "The API server rejects the Deployment.",
    fix: "Define the volume in the same pod, or in `pod` for both.",
}

declare_code! {
    pub UNKNOWN_KUBERNETES_FIELD: error "unknown-kubernetes-field",
    catches: "A field that the Kubernetes type of a value does not have.",
    why: "The API server would drop or reject it.",
    fix: "Check the spelling against the type (`kubectl explain pod.spec`).",
}

declare_code! {
    pub UNMOUNTED_VOLUME: error "unmounted-volume",
    catches: "A volume that nothing mounts in its pod.",
    why: "It is dead weight, or a mount was forgotten.",
    fix: "Mount it, or define it only in the pod that mounts it.",
}

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    // The same shared value appears in both components' pods: report it once.
    let mut seen = BTreeSet::new();
    let mut push = |d: Diagnostic| {
        if seen.insert((d.span.map(|s| (s.file, s.line, s.col)), d.message.clone())) {
            diags.push(d);
        }
    };
    for component in ["jobManager", "taskManager"] {
        let (pod, _, depth) = r.tree.walk(&["spec", component, "pod"]);
        if depth < 3 {
            continue;
        }
        check_types(pod, &mut push);
        let who = if component == "jobManager" {
            "JobManager"
        } else {
            "TaskManager"
        };
        check_volumes(pod, who, r.origin, &mut push);
        check_owned(pod, &mut push);
    }
}

/// Each Kubernetes-shaped value against its Kubernetes type, item by item, so a problem is
/// reported at the item (or the unknown field) it is in.
fn check_types(pod: &Node, push: &mut impl FnMut(Diagnostic)) {
    fn each<T: DeserializeOwned>(
        pod: &Node,
        field: &str,
        kind: &str,
        push: &mut impl FnMut(Diagnostic),
    ) {
        let Some(node) = pod.get(field) else { return };
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        for item in items {
            match type_problem::<T>(&item.to_json()) {
                None => {}
                Some(TypeProblem::Invalid(e)) => push(
                    Diagnostic::error(
                        INVALID_KUBERNETES_VALUE,
                        item.span,
                        format!("not a valid Kubernetes {kind}: {e}"),
                    )
                    .help(format!(
                        "`{field}` takes a Kubernetes {kind}, as in a pod spec"
                    )),
                ),
                Some(TypeProblem::Unknown(paths)) => {
                    for path in paths {
                        let segments: Vec<&str> = path.split('.').collect();
                        let (_, key, _) = item.walk(&segments);
                        let name = segments.last().copied().unwrap_or_default();
                        push(
                            Diagnostic::error(UNKNOWN_KUBERNETES_FIELD, key.unwrap_or(item.span), format!("a Kubernetes {kind} has no field `{name}`"))
                                .help(format!("check the spelling against the {kind} reference (`kubectl explain pod.spec`)")),
                        );
                    }
                }
            }
        }
    }
    each::<core::EnvVar>(pod, "env", "EnvVar", push);
    each::<core::EnvFromSource>(pod, "envFrom", "EnvFromSource", push);
    each::<core::LocalObjectReference>(pod, "imagePullSecrets", "LocalObjectReference", push);
    each::<core::Toleration>(pod, "tolerations", "Toleration", push);
    each::<core::Affinity>(pod, "affinity", "Affinity", push);
    each::<core::TopologySpreadConstraint>(
        pod,
        "topologySpreadConstraints",
        "TopologySpreadConstraint",
        push,
    );
    each::<core::Volume>(pod, "volumes", "Volume", push);
    each::<core::VolumeMount>(pod, "volumeMounts", "VolumeMount", push);
}

fn items<'a>(pod: &'a Node, field: &str) -> impl Iterator<Item = &'a Node> {
    pod.get(field).into_iter().flat_map(|n| match &n.value {
        Value::Seq(items) => items.iter(),
        _ => [].iter(),
    })
}

/// Every volume is mounted into the Flink container, every mount names a volume, and none
/// takes flinkform's names or its configuration folder.
fn check_volumes(pod: &Node, who: &str, origin: Span, push: &mut impl FnMut(Diagnostic)) {
    let mounted: BTreeSet<&str> = items(pod, "volumeMounts")
        .filter_map(|m| m.str_at("name"))
        .collect();
    let defined: BTreeSet<&str> = items(pod, "volumes")
        .filter_map(|v| v.str_at("name"))
        .collect();
    for volume in items(pod, "volumes") {
        let Some(name) = volume.str_at("name") else {
            continue;
        };
        let at = volume.get("name").map_or(origin, |n| n.span);
        if OWN_VOLUMES.contains(&name) {
            push(
                Diagnostic::error(
                    OWNED_VOLUME,
                    at,
                    format!("flinkform names its own volume `{name}`"),
                )
                .help("give the volume another name"),
            );
        } else if !mounted.contains(name) {
            push(
                Diagnostic::error(UNMOUNTED_VOLUME, at, format!("volume `{name}` is mounted nowhere in the {who} pod"))
                    .help(format!("add `volumeMounts: [{{name: {name}, mountPath: ...}}]` beside it, or define the volume only in the pod (`jobManager.pod` or `taskManager.pod`) that mounts it")),
            );
        }
    }
    for mount in items(pod, "volumeMounts") {
        let name = mount.str_at("name").unwrap_or_default();
        let path = mount.str_at("mountPath").unwrap_or_default();
        if !defined.contains(name) && !OWN_VOLUMES.contains(&name) {
            push(
                Diagnostic::error(
                    UNDEFINED_VOLUME,
                    mount.get("name").map_or(mount.span, |n| n.span),
                    format!("no volume `{name}` in the {who} pod to mount"),
                )
                .help("define it under `volumes` of the same pod, or of `pod` for both"),
            );
        }
        let normalized = lexical(path);
        let normalized = normalized.as_str();
        if normalized == CONF_DIR
            || normalized.starts_with(&format!("{CONF_DIR}/"))
            || CONF_DIR.starts_with(&format!("{normalized}/"))
        {
            push(
                Diagnostic::error(MOUNT_OVER_CONF, mount.get("mountPath").map_or(mount.span, |n| n.span), format!("a mount at `{path}` would hide or replace the Flink configuration in {CONF_DIR}"))
                    .help("mount elsewhere (e.g. /opt/flink/rocksdb); set Flink options in `flinkConfiguration`"),
            );
        }
    }
}

/// An absolute path as the container runtime resolves it: repeated slashes, `.` and `x/..`
/// are spelling, not another place (`//opt/flink/./x/../conf` is the configuration folder).
fn lexical(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
        .trim_end_matches('/')
        .to_owned()
}

/// Nothing of the user's replaces an environment variable, annotation or label flinkform
/// sets, and labels are valid Kubernetes labels.
fn check_owned(pod: &Node, push: &mut impl FnMut(Diagnostic)) {
    for var in items(pod, "env") {
        if var.str_at("name") == Some("FLINK_PROPERTIES") {
            push(
                Diagnostic::error(FLINK_PROPERTIES_ENV, var.get("name").map_or(var.span, |n| n.span), "`FLINK_PROPERTIES` would be ignored: the entrypoint appends it to a configuration file that is read-only in flinkform's pods")
                    .help("set the keys in `flinkConfiguration`"),
            );
        }
        if let Some(name) = var.str_at("name").filter(|n| OWN_ENV.contains(n)) {
            push(
                Diagnostic::error(OWNED_ENV, var.get("name").map_or(var.span, |n| n.span), format!("flinkform sets `{name}` in the Flink container itself"))
                    .help("remove it: flinkform points it at the JobManager, the pod IP or the image's plugins"),
            );
        }
    }
    for (field, owned) in [("annotations", OWN_ANNOTATIONS), ("labels", OWN_LABELS)] {
        let Some(Node {
            value: Value::Map(entries),
            ..
        }) = pod.get(field)
        else {
            continue;
        };
        for e in entries {
            if owned.contains(&e.key.as_str()) {
                push(
                    Diagnostic::error(
                        OWNED_POD_METADATA,
                        e.key_span,
                        format!(
                            "flinkform sets the pod {} `{}` itself",
                            &field[..field.len() - 1],
                            e.key
                        ),
                    )
                    .help("remove it; flinkform's value cannot be replaced"),
                );
            } else if field == "labels" {
                let value = e.value.as_str().unwrap_or_default();
                if let Some(problem) =
                    label_key_problem(&e.key).or_else(|| label_value_problem(value))
                {
                    push(
                        Diagnostic::error(crate::rules::job::INVALID_LABEL, e.key_span, format!("`{}: {}` is not a valid Kubernetes label: {problem}", e.key.escape_debug(), value.escape_debug()))
                            .help("label keys are [prefix/]name, values at most 63 characters of letters, digits, '-', '_' and '.'"),
                    );
                }
            }
        }
    }
}

/// The Kubernetes-type problems of the pods' fields in a job whose schema check failed, so
/// that they come in the same run as the schema errors. A field that holds a schema error
/// already is left out: its problem is reported once.
pub(crate) fn types_beside(tree: &Node, reported: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = Vec::new();
    let paths: [&[&str]; 3] = [
        &["spec", "pod"],
        &["spec", "jobManager", "pod"],
        &["spec", "taskManager", "pod"],
    ];
    for path in paths {
        let (pod, _, depth) = tree.walk(path);
        if depth < path.len() {
            continue;
        }
        let Value::Map(entries) = &pod.value else {
            continue;
        };
        let clean: Vec<_> = entries
            .iter()
            .filter(|e| {
                let (first, last) = lines(&e.value);
                !reported.iter().filter_map(|d| d.span).any(|s| {
                    s.file == e.key_span.file
                        && (s.line == e.key_span.line || (first..=last).contains(&s.line))
                })
            })
            .cloned()
            .collect();
        let clean = Node::new(Value::Map(clean), pod.span);
        check_types(&clean, &mut |d: Diagnostic| {
            // A shared setting is in both components' pods: once is enough.
            if !found
                .iter()
                .any(|f| f.span == d.span && f.message == d.message)
            {
                found.push(d);
            }
        });
    }
    found
}

/// The first and last line a value spans.
fn lines(node: &Node) -> (u32, u32) {
    let mut range = (node.span.line, node.span.line);
    let children: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Map(entries) => entries.iter().map(|e| &e.value).collect(),
        _ => Vec::new(),
    };
    for child in children {
        let (first, last) = lines(child);
        range = (range.0.min(first), range.1.max(last));
    }
    range
}
