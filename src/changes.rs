//! `diff`: what a change does to each environment and job.
//!
//! Two compilations of one project (a git revision and the working tree) are compared object
//! by object, per environment and job: not file by file, so moving a job file or reordering
//! keys is no change. Each changed object lists its changed fields as paths with their old and
//! new values; the text blocks flinkform writes as lists of keys (the Flink configuration,
//! the log4j properties) are compared key by key. [`impact`] then says what the change does
//! to the running job; [`report`] prints it.

pub mod impact;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::layout::{Document, EnvironmentObjects};
pub use impact::Impact;

/// What happened to an environment, a job or an object between the two revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
    Unchanged,
}

impl Change {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One changed field: where, and its value before and after (`None`: absent).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Json>,
    pub new: Option<Json>,
}

/// One object that was added, removed or changed.
#[derive(Clone, Debug)]
pub struct ObjectChange {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub change: Change,
    /// For a changed object, what changed; empty otherwise.
    pub fields: Vec<FieldChange>,
}

/// One job in one environment.
#[derive(Clone, Debug)]
pub struct JobChange {
    pub name: String,
    pub change: Change,
    pub impact: Impact,
    /// Why the impact is what it is, worst first.
    pub reasons: Vec<String>,
    pub objects: Vec<ObjectChange>,
}

/// One environment: its own objects (the Namespaces) and its jobs.
#[derive(Clone, Debug)]
pub struct EnvironmentChange {
    pub name: String,
    pub change: Change,
    pub objects: Vec<ObjectChange>,
    pub jobs: Vec<JobChange>,
}

impl EnvironmentChange {
    /// The worst impact of its jobs.
    #[must_use]
    pub fn impact(&self) -> Impact {
        self.jobs
            .iter()
            .map(|j| j.impact)
            .max()
            .unwrap_or(Impact::None)
    }
}

/// Everything `diff` found.
#[derive(Clone, Debug)]
pub struct Report {
    pub environments: Vec<EnvironmentChange>,
}

impl Report {
    #[must_use]
    pub fn impact(&self) -> Impact {
        self.environments
            .iter()
            .map(EnvironmentChange::impact)
            .max()
            .unwrap_or(Impact::None)
    }
}

/// Compares the environments of the old and the new compilation. Environments come in the new
/// project's order, then those it no longer has; jobs in name order.
#[must_use]
pub fn compare(old: &[EnvironmentObjects], new: &[EnvironmentObjects]) -> Report {
    let mut environments = Vec::new();
    for env in new {
        let before = old.iter().find(|o| o.name == env.name);
        environments.push(compare_environment(&env.name, before, Some(env)));
    }
    for env in old.iter().filter(|o| !new.iter().any(|n| n.name == o.name)) {
        environments.push(compare_environment(&env.name, Some(env), None));
    }
    Report { environments }
}

fn compare_environment(
    name: &str,
    old: Option<&EnvironmentObjects>,
    new: Option<&EnvironmentObjects>,
) -> EnvironmentChange {
    let (old_jobs, new_jobs) = (jobs_of(old), jobs_of(new));
    let names: BTreeSet<&String> = old_jobs.keys().chain(new_jobs.keys()).collect();
    let jobs: Vec<JobChange> = names
        .into_iter()
        .map(|job| {
            let before = old_jobs.get(job).copied();
            let after = new_jobs.get(job).copied();
            let objects = compare_objects(before.unwrap_or_default(), after.unwrap_or_default());
            let change = presence(before.is_some(), after.is_some(), objects.is_empty());
            let (impact, reasons) = impact::assess(change, before, after, &objects);
            JobChange {
                name: job.clone(),
                change,
                impact,
                reasons,
                objects,
            }
        })
        .collect();
    let objects = compare_objects(
        old.map(|e| e.namespaces.as_slice()).unwrap_or_default(),
        new.map(|e| e.namespaces.as_slice()).unwrap_or_default(),
    );
    let same = objects.is_empty() && jobs.iter().all(|j| j.change == Change::Unchanged);
    EnvironmentChange {
        name: name.to_owned(),
        change: presence(old.is_some(), new.is_some(), same),
        objects,
        jobs,
    }
}

fn jobs_of(e: Option<&EnvironmentObjects>) -> BTreeMap<String, &[Document]> {
    e.map(|e| {
        e.jobs
            .iter()
            .map(|j| (j.name.clone(), j.documents.as_slice()))
            .collect()
    })
    .unwrap_or_default()
}

fn presence(before: bool, after: bool, same: bool) -> Change {
    match (before, after) {
        (false, _) => Change::Added,
        (_, false) => Change::Removed,
        _ if same => Change::Unchanged,
        _ => Change::Changed,
    }
}

/// The objects that differ, in stream order; an object is known by kind, namespace and name.
#[must_use]
pub fn compare_objects(old: &[Document], new: &[Document]) -> Vec<ObjectChange> {
    let key = |d: &Document| (d.kind.clone(), d.namespace.clone(), d.name.clone());
    let old_by: BTreeMap<_, &Document> = old.iter().map(|d| (key(d), d)).collect();
    let new_by: BTreeMap<_, &Document> = new.iter().map(|d| (key(d), d)).collect();
    let keys: BTreeSet<&(String, String, String)> = old_by.keys().chain(new_by.keys()).collect();
    let mut changes: Vec<ObjectChange> = keys
        .into_iter()
        .filter_map(|k| {
            let (kind, namespace, name) = k.clone();
            let (change, fields) = match (old_by.get(k), new_by.get(k)) {
                (None, Some(_)) => (Change::Added, Vec::new()),
                (Some(_), None) => (Change::Removed, Vec::new()),
                (Some(a), Some(b)) => {
                    if a.yaml == b.yaml {
                        return None;
                    }
                    let mut fields = Vec::new();
                    compare_values(&a.value(), &b.value(), &mut Vec::new(), &mut fields);
                    if fields.is_empty() {
                        return None;
                    }
                    (Change::Changed, fields)
                }
                (None, None) => return None,
            };
            Some(ObjectChange {
                kind,
                namespace,
                name,
                change,
                fields,
            })
        })
        .collect();
    changes.sort_by(|a, b| {
        crate::layout::stream_order(&a.kind, &a.namespace, &a.name)
            .cmp(&crate::layout::stream_order(&b.kind, &b.namespace, &b.name))
    });
    changes
}

/// One step of a field path.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    /// A list item known by a field (`name` for containers, env and volumes).
    Item(&'static str, String),
    Index(usize),
}

fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k)
                if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Key(k) => {
                out.push('[');
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(']');
            }
            Step::Item(field, value) => {
                out.push('[');
                out.push_str(field);
                out.push('=');
                if value
                    .chars()
                    .any(|c| matches!(c, ']' | '"' | '[') || c.is_whitespace())
                {
                    out.push_str(&Json::String(value.clone()).to_string());
                } else {
                    out.push_str(value);
                }
                out.push(']');
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn push(path: &[Step], old: Option<&Json>, new: Option<&Json>, out: &mut Vec<FieldChange>) {
    out.push(FieldChange {
        path: path_text(path),
        old: old.cloned(),
        new: new.cloned(),
    });
}

/// Collects the fields in which `old` and `new` differ.
fn compare_values(old: &Json, new: &Json, path: &mut Vec<Step>, out: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Json::Object(a), Json::Object(b)) => {
            let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
            for key in keys {
                path.push(Step::Key(key.clone()));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => compare_values(x, y, path, out),
                    (x, y) => push(path, x, y, out),
                }
                path.pop();
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            if let Some(field) = list_key(a).filter(|f| list_key(b) == Some(f)) {
                let found = out.len();
                let key_of = |item: &Json| item[field].as_str().unwrap_or_default().to_owned();
                let old_items: BTreeMap<String, &Json> = a.iter().map(|i| (key_of(i), i)).collect();
                let new_keys: Vec<String> = b.iter().map(key_of).collect();
                let old_keys: Vec<String> = a.iter().map(key_of).collect();
                for item in b {
                    let k = key_of(item);
                    path.push(Step::Item(field, k.clone()));
                    match old_items.get(&k) {
                        Some(before) => compare_values(before, item, path, out),
                        None => push(path, None, Some(item), out),
                    }
                    path.pop();
                }
                for item in a.iter().filter(|i| !new_keys.contains(&key_of(i))) {
                    path.push(Step::Item(field, key_of(item)));
                    push(path, Some(item), None, out);
                    path.pop();
                }
                // Reordered items (containers, env) change the object as well.
                let kept: Vec<&String> = old_keys.iter().filter(|k| new_keys.contains(k)).collect();
                let order: Vec<&String> =
                    new_keys.iter().filter(|k| old_keys.contains(k)).collect();
                if kept != order && out.len() == found {
                    push(path, Some(old), Some(new), out);
                }
            } else if a.len() == b.len() && a.iter().chain(b).all(|v| v.is_object()) {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    path.push(Step::Index(i));
                    compare_values(x, y, path, out);
                    path.pop();
                }
            } else {
                push(path, Some(old), Some(new), out);
            }
        }
        (Json::String(a), Json::String(b)) => match (key_lines(a), key_lines(b)) {
            (Some(x), Some(y)) => {
                let keys = y.keys().chain(x.keys().filter(|k| !y.contains_key(*k)));
                let mut any = false;
                for key in keys {
                    if x.get(key) != y.get(key) {
                        any = true;
                        path.push(Step::Key(key.clone()));
                        let value = |v: Option<&String>| v.map(|s| Json::String(s.clone()));
                        push(
                            path,
                            value(x.get(key)).as_ref(),
                            value(y.get(key)).as_ref(),
                            out,
                        );
                        path.pop();
                    }
                }
                // Only comments or the order of lines changed.
                if !any {
                    push(path, Some(old), Some(new), out);
                }
            }
            _ => push(path, Some(old), Some(new), out),
        },
        _ => push(path, Some(old), Some(new), out),
    }
}

/// The field that names the items of a list of objects, when every item has a distinct one.
fn list_key(items: &[Json]) -> Option<&'static str> {
    ["name", "mountPath", "containerPort", "key"]
        .into_iter()
        .find(|field| {
            let keys: Option<BTreeSet<String>> = items
                .iter()
                .map(|i| match &i[*field] {
                    Json::String(s) => Some(s.clone()),
                    Json::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect();
            !items.is_empty() && keys.is_some_and(|k| k.len() == items.len())
        })
}

/// A value as its reader takes it: a quoted YAML scalar without its quotes.
fn scalar(value: &str) -> String {
    if value.starts_with('"')
        && let Ok(s) = serde_json::from_str::<String>(value)
    {
        return s;
    }
    if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        return value[1..value.len() - 1].replace("''", "'");
    }
    value.to_owned()
}

/// A multi-line text of `key: value` or `key=value` lines (the Flink configuration, log4j
/// properties) as its keys, with each value as written; `None` for any other text.
#[must_use]
pub fn key_lines(text: &str) -> Option<BTreeMap<String, String>> {
    if !text.contains('\n') {
        return None;
    }
    let mut keys = BTreeMap::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            return None;
        }
        let colon = line
            .find(": ")
            .or_else(|| line.strip_suffix(':').map(str::len));
        let equals = line.find('=');
        let at = match (colon, equals) {
            (Some(c), Some(e)) => c.min(e),
            (Some(c), None) => c,
            (None, Some(e)) => e,
            (None, None) => return None,
        };
        let key = line[..at].trim().to_owned();
        let value = scalar(line[at + 1..].trim());
        if key.is_empty() || keys.insert(key, value).is_some() {
            return None;
        }
    }
    Some(keys)
}
