//! Phase 6 (emit): lay the rendered objects out as the GitOps tree: bases, overlays per environment and job, namespaces, platform.
//!
//! ```text
//! base/<job>/            one file per object, namespace-agnostic, and its kustomization
//! <env>/kustomization.yaml   the whole environment
//! <env>/namespaces/      the environment's Namespace objects
//! <env>/<job>/           the base, the namespace, and JSON 6902 patches for what differs
//! platform/              cluster-wide extras
//! ```
//!
//! Overlays are computed, not templated: each environment's objects are compared with the
//! base and the difference is written as JSON 6902 patches (or, for an object the base does
//! not have, as a file of the overlay; for one the environment drops, a delete patch). So
//! `kubectl kustomize <env>` gives exactly what `flinkform build --env <env>` prints.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::object::RenderedObject;
use crate::yaml::write::to_yaml;

/// Relative path (with `/`) to file content.
pub type OutputTree = BTreeMap<String, String>;

/// The name of the file in which render records the files it owns.
pub const INDEX_FILE: &str = ".flinkform-index";

/// Directory names an environment may not take.
pub const RESERVED: &[&str] = &["base", "platform"];

/// The objects of one job.
#[derive(Debug)]
pub struct JobObjects {
    pub name: String,
    pub objects: Vec<RenderedObject>,
}

/// One object as `build` prints it and `diff` compares it: what it sorts by, and its YAML
/// document (text costs a fraction of the memory of a tree, and `diff` reads back only the
/// objects whose text differs).
#[derive(Debug)]
pub struct Document {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub yaml: String,
}

impl Document {
    #[must_use]
    pub fn of(object: &RenderedObject) -> Document {
        Document {
            kind: object.kind().to_owned(),
            namespace: object.namespace().to_owned(),
            name: object.name().to_owned(),
            yaml: to_yaml(&object.value),
        }
    }

    /// The object's tree, read back from its YAML (which flinkform wrote and reads back
    /// identically).
    #[must_use]
    pub fn value(&self) -> Json {
        crate::yaml::parse(&self.yaml, crate::source::FileId::BUILTIN)
            .ok()
            .and_then(|mut docs| docs.pop())
            .map(crate::yaml::Node::into_json)
            .unwrap_or(Json::Null)
    }
}

/// The documents of one job in one environment.
#[derive(Debug)]
pub struct JobDocuments {
    pub name: String,
    pub documents: Vec<Document>,
}

/// Everything one environment holds, as documents: each job's are written by the thread
/// that rendered it, which then frees its objects (keeping every object tree of a large
/// environment until the end made `build` grow faster than the number of jobs).
#[derive(Debug)]
pub struct EnvironmentObjects {
    pub name: String,
    pub namespaces: Vec<Document>,
    pub jobs: Vec<JobDocuments>,
}

/// The order of kinds in a stream: what others refer to comes first.
fn kind_rank(kind: &str) -> usize {
    const ORDER: &[&str] = &[
        "Namespace",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Service",
        "Deployment",
        "HorizontalPodAutoscaler",
        "ScaledObject",
    ];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// Sorts objects in stream order: kind, then namespace, then name.
pub fn sort_objects(objects: &mut [&RenderedObject]) {
    objects.sort_by_cached_key(|o| stream_order(o.kind(), o.namespace(), o.name()));
}

/// Where an object goes in a stream.
#[must_use]
pub fn stream_order<'a>(
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
) -> (usize, &'a str, &'a str, &'a str) {
    (kind_rank(kind), kind, namespace, name)
}

/// Sorts documents in stream order: kind, then namespace, then name.
pub fn sort_documents(documents: &mut [&Document]) {
    documents.sort_by_cached_key(|d| stream_order(&d.kind, &d.namespace, &d.name));
}

/// A stream for `build`: `---`-separated documents.
#[must_use]
pub fn stream(documents: &[&Document]) -> String {
    let mut out = String::with_capacity(documents.iter().map(|d| d.yaml.len() + 4).sum());
    for document in documents {
        out.push_str("---\n");
        out.push_str(&document.yaml);
    }
    out
}

fn without_namespace(value: &Json) -> Json {
    let mut v = value.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Json::as_object_mut) {
        meta.swap_remove("namespace");
    }
    v
}

fn file_name(object: &RenderedObject) -> String {
    let stem = object
        .template
        .strip_suffix(".j2")
        .unwrap_or(&object.template);
    stem.to_owned()
}

fn kustomization(fields: serde_json::Map<String, Json>) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert(
        "apiVersion".into(),
        "kustomize.config.k8s.io/v1beta1".into(),
    );
    doc.insert("kind".into(), "Kustomization".into());
    doc.extend(fields);
    to_yaml(&Json::Object(doc))
}

/// The files of one job: its base and its overlay in each environment.
#[must_use]
pub fn job_files(base: JobObjects, environments: &[(&str, &JobObjects)]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (env, job) in environments {
        let mut overlay_files = OutputTree::new();
        overlay(&mut overlay_files, env, job, &base);
        files.extend(overlay_files);
    }
    files.extend(base_files(base));
    files
}

/// The files of one environment beyond its jobs' overlays: its Namespaces (`None` where the
/// namespaces are not flinkform's to write) and the kustomization of the whole environment.
#[must_use]
pub fn environment_files(
    env: &str,
    namespaces: Option<&[RenderedObject]>,
    jobs: &[&str],
) -> Vec<(String, String)> {
    let mut resources = Vec::with_capacity(jobs.len() + 1);
    let Some(namespaces) = namespaces else {
        resources.extend(jobs.iter().map(|job| Json::from(*job)));
        let mut fields = serde_json::Map::new();
        fields.insert("resources".into(), Json::Array(resources));
        return vec![(format!("{env}/kustomization.yaml"), kustomization(fields))];
    };
    let mut files = Vec::with_capacity(namespaces.len() + 2);
    // The Namespaces are a kustomization of their own, so that one GitOps application can
    // apply them before (or beside) the jobs' applications.
    let mut namespace_files = Vec::with_capacity(namespaces.len());
    for ns in namespaces {
        let file = format!("{}.yaml", ns.name());
        files.push((format!("{env}/namespaces/{file}"), to_yaml(&ns.value)));
        namespace_files.push(Json::from(file));
    }
    let mut fields = serde_json::Map::new();
    fields.insert("resources".into(), Json::Array(namespace_files));
    files.push((
        format!("{env}/namespaces/kustomization.yaml"),
        kustomization(fields),
    ));
    resources.push(Json::from("namespaces"));
    resources.extend(jobs.iter().map(|job| Json::from(*job)));
    let mut fields = serde_json::Map::new();
    fields.insert("resources".into(), Json::Array(resources));
    files.push((format!("{env}/kustomization.yaml"), kustomization(fields)));
    files
}

/// Completes a tree: the platform folder and the index of every file render owns.
pub fn finish(tree: &mut OutputTree, platform: &[(String, String)]) {
    // Platform files are configuration for cluster-wide components (the metrics adapter),
    // not objects of their own: the platform kustomization lists none of them.
    for (file, content) in platform {
        tree.insert(format!("platform/{file}"), content.clone());
    }
    let mut fields = serde_json::Map::new();
    fields.insert("resources".into(), Json::Array(Vec::new()));
    tree.insert("platform/kustomization.yaml".into(), kustomization(fields));
    let index: String = tree.keys().map(|k| format!("{k}\n")).collect();
    tree.insert(
        INDEX_FILE.into(),
        format!("# Files written by flinkform render; it deletes only these.\n{index}"),
    );
}

/// The files of `base/<job>/`.
fn base_files(mut base: JobObjects) -> Vec<(String, String)> {
    for o in &mut base.objects {
        if let Some(meta) = o.value.get_mut("metadata").and_then(Json::as_object_mut) {
            meta.swap_remove("namespace");
        }
    }
    let mut objects: Vec<&RenderedObject> = base.objects.iter().collect();
    sort_objects(&mut objects);
    let mut files = Vec::with_capacity(objects.len() + 1);
    let mut resources = Vec::new();
    for o in objects {
        let file = file_name(o);
        files.push((format!("base/{}/{file}", base.name), to_yaml(&o.value)));
        resources.push(Json::from(file));
    }
    let mut fields = serde_json::Map::new();
    fields.insert("resources".into(), Json::Array(resources));
    files.push((
        format!("base/{}/kustomization.yaml", base.name),
        kustomization(fields),
    ));
    files
}

fn overlay(tree: &mut OutputTree, env: &str, job: &JobObjects, base: &JobObjects) {
    let mut resources = vec![Json::from(format!("../../base/{}", job.name))];
    let mut patches = Vec::new();
    let mut namespace = None;
    let mut objects: Vec<&RenderedObject> = job.objects.iter().collect();
    sort_objects(&mut objects);
    // Objects are matched by kind and name, read once per object.
    let in_base: Vec<(&str, &str, &RenderedObject)> = base
        .objects
        .iter()
        .map(|b| (b.kind(), b.name(), b))
        .collect();
    let mut in_job: Vec<(&str, &str)> = Vec::with_capacity(objects.len());
    for o in objects {
        let (kind, name) = (o.kind(), o.name());
        in_job.push((kind, name));
        namespace.get_or_insert_with(|| o.namespace().to_owned());
        match in_base
            .iter()
            .find(|(k, n, _)| *k == kind && *n == name)
            .map(|(_, _, b)| *b)
        {
            Some(b) => {
                let mut ops = Vec::new();
                diff(&b.value, &o.value, &mut String::new(), &mut ops);
                if !ops.is_empty() {
                    let ops = Json::Array(ops);
                    let mut patch = to_yaml(&ops);
                    // kustomize trims a patch before parsing it, which would cut the final line
                    // break of a literal block at its very end; a document end marker keeps it.
                    if ends_with_multiline_string(&ops) {
                        patch.push_str("...\n");
                    }
                    patches.push(json!({
                        "target": {"kind": kind, "name": name},
                        "patch": patch,
                    }));
                }
            }
            None => {
                let file = file_name(o);
                tree.insert(
                    format!("{env}/{}/{file}", job.name),
                    to_yaml(&without_namespace(&o.value)),
                );
                resources.push(Json::from(file));
            }
        }
    }
    let mut base_objects: Vec<&RenderedObject> = base.objects.iter().collect();
    sort_objects(&mut base_objects);
    for b in base_objects {
        if !in_job.contains(&(b.kind(), b.name())) {
            let delete = json!({
                "$patch": "delete",
                "apiVersion": b.value["apiVersion"],
                "kind": b.kind(),
                "metadata": {"name": b.name()},
            });
            patches.push(json!({"patch": to_yaml(&delete)}));
        }
    }
    let mut fields = serde_json::Map::new();
    if let Some(ns) = namespace {
        fields.insert("namespace".into(), ns.into());
    }
    fields.insert("resources".into(), Json::Array(resources));
    if !patches.is_empty() {
        fields.insert("patches".into(), Json::Array(patches));
    }
    tree.insert(
        format!("{env}/{}/kustomization.yaml", job.name),
        kustomization(fields),
    );
}

/// Whether the last scalar of a value, in document order, is a string with a line break.
fn ends_with_multiline_string(value: &Json) -> bool {
    match value {
        Json::String(s) => s.contains('\n'),
        Json::Array(items) => items.last().is_some_and(ends_with_multiline_string),
        Json::Object(map) => map
            .values()
            .next_back()
            .is_some_and(ends_with_multiline_string),
        _ => false,
    }
}

/// Appends `/` and a key to a JSON pointer, escaped as RFC 6901 says.
fn push_segment(path: &mut String, key: &str) {
    path.push('/');
    if key.contains(['~', '/']) {
        path.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        path.push_str(key);
    }
}

/// JSON 6902 operations that turn `from` into `to`.
/// The namespace is not compared: the overlay's `namespace:` sets it.
fn diff(from: &Json, to: &Json, path: &mut String, ops: &mut Vec<Json>) {
    match (from, to) {
        (Json::Object(a), Json::Object(b)) => {
            let skip = |path: &str, k: &str| path == "/metadata" && k == "namespace";
            // Maps built alike have their keys in the same order: walk them side by side
            // instead of looking each key up.
            if a.len() == b.len() && a.keys().eq(b.keys()) {
                for ((k, va), vb) in a.iter().zip(b.values()) {
                    if !skip(path, k) {
                        let len = path.len();
                        push_segment(path, k);
                        diff(va, vb, path, ops);
                        path.truncate(len);
                    }
                }
                return;
            }
            for (k, va) in a {
                if skip(path, k) {
                    continue;
                }
                let len = path.len();
                push_segment(path, k);
                match b.get(k) {
                    Some(vb) => diff(va, vb, path, ops),
                    None => ops.push(json!({"op": "remove", "path": path.as_str()})),
                }
                path.truncate(len);
            }
            for (k, vb) in b {
                if !a.contains_key(k) && !skip(path, k) {
                    let len = path.len();
                    push_segment(path, k);
                    ops.push(json!({"op": "add", "path": path.as_str(), "value": vb}));
                    path.truncate(len);
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                push_segment(path, &i.to_string());
                diff(va, vb, path, ops);
                path.truncate(len);
            }
        }
        _ if from == to => {}
        _ => ops.push(json!({"op": "replace", "path": path.as_str(), "value": to})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_makes_minimal_ops() {
        let a = json!({"metadata": {"labels": {"a/b": "1"}}, "spec": {"x": [1, 2], "y": 1}});
        let b = json!({"metadata": {"labels": {"a/b": "2"}}, "spec": {"x": [1, 3], "z": 2}});
        let mut ops = Vec::new();
        diff(&a, &b, &mut String::new(), &mut ops);
        assert_eq!(
            ops,
            vec![
                json!({"op": "replace", "path": "/metadata/labels/a~1b", "value": "2"}),
                json!({"op": "replace", "path": "/spec/x/1", "value": 3}),
                json!({"op": "remove", "path": "/spec/y"}),
                json!({"op": "add", "path": "/spec/z", "value": 2}),
            ]
        );
    }
}
