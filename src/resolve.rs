//! Phase 3: merge the layers of every job in every environment, and check the result.
//!
//! Merge order: built-in defaults < project `defaults` < job file < environment
//! `overrides` < environment `jobs.<name>`. The merged tree keeps each value's source
//! position, so a bad value is reported at the line of the layer that supplied it. The
//! merged job is validated against the whole schema, typed, named through the project's
//! naming patterns, and held to the semantic rules (`rules`).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Deserialize as _;
use serde_json::json;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, LoadedProject};
use crate::model::{FlinkJob, ProjectSpec};
use crate::naming::{NameKind, Naming};
use crate::resolved::{Environment, ResolvedJob};
use crate::rules;
use crate::source::Span;
use crate::validate::{self, Kind, Mode};
use crate::yaml::{Entry, Node, Value};

pub(crate) mod codes;
mod environment_layers;

/// The implicit environment of a project that declares none.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// Everything later phases need, fully checked.
#[derive(Debug)]
pub struct Resolved {
    pub settings: ProjectSpec,
    /// Every environment of the project, resolved or not.
    pub environment_names: Vec<String>,
    pub environments: Vec<Environment>,
    /// Each job from its own layers alone (built-in defaults, project defaults, job file),
    /// where that is a complete, valid job: the kustomize base. `None` where only an
    /// environment completes the job; its first environment is the base then.
    pub bases: Vec<(String, Option<ResolvedJob>)>,
}

struct EnvironmentDef<'a> {
    name: String,
    span: Span,
    overrides: Option<&'a Node>,
    /// The `jobs:` overrides, by job name.
    jobs: HashMap<&'a str, &'a Node>,
}

/// Resolves every job in every environment. Returns `None` when errors make later phases
/// pointless; every problem found is in `diags` either way.
///
/// `only_env` resolves just that environment and no bases (what `build --env` needs).
pub fn resolve(
    loaded: &LoadedProject,
    only_env: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<Resolved> {
    // Each file on its own: structure only. A broken job document is left out of what
    // follows, so the other jobs are still checked and every error of the run is reported;
    // a broken project file stops the run here, since every job depends on it.
    let mut valid = true;
    if let Some(project) = &loaded.project {
        let found = validate::check(&project.node, Kind::Project, Mode::Structure);
        valid &= found.is_empty();
        diags.extend(found);
    }
    let project_valid = valid;
    let mut broken_names: Vec<&str> = Vec::new();
    let mut jobs: Vec<&Document> = Vec::new();
    // (problems, whether the document is not a job at all)
    let checked: Vec<(Vec<Diagnostic>, bool)> = loaded
        .jobs
        .par_iter()
        .map(|doc| {
            let kind = doc.node.get("kind");
            if let Some(k) = kind.and_then(Node::as_str).filter(|k| *k != "FlinkJob") {
                let found = Diagnostic::error(codes::WRONG_KIND, kind.map_or(doc.node.span, |k| k.span), format!("expected `kind: FlinkJob`, found `{k}`"))
                    .help("job files hold FlinkJob documents; the project file is flinkform.yaml at the project root");
                return (vec![found], true);
            }
            let mut found = validate::check(&doc.node, Kind::Job, Mode::Structure);
            if !found.is_empty() {
                // The job stops here: its pods' Kubernetes-type problems come now too, not
                // in the next run.
                let pods = rules::pod_types_beside(&doc.node, &found);
                found.extend(pods);
            }
            (found, false)
        })
        .collect();
    for (doc, (found, not_a_job)) in loaded.jobs.iter().zip(checked) {
        if found.is_empty() {
            jobs.push(doc);
        } else {
            valid = false;
            if !not_a_job {
                broken_names.push(job_name(doc));
            }
            diags.extend(found);
        }
    }
    if !project_valid {
        return None;
    }
    // Output never depends on the order of files: jobs go by name.
    jobs.sort_by_cached_key(|d| job_name(d).to_owned());

    let project_spec = loaded.project.as_ref().and_then(|p| p.node.get("spec"));
    let settings: ProjectSpec = project_spec
        .map(|s| serde_json::from_value(s.to_json()).expect("validated project spec"))
        .unwrap_or_default();
    let mut project_ok = true;
    for field in ["output", "templates"] {
        if let Some(entry) = project_spec.and_then(|s| s.entry(field))
            && let Some(path) = entry.value.as_str()
            && !crate::load::is_relative_inside(std::path::Path::new(path))
        {
            project_ok = false;
            diags.push(
                Diagnostic::error(crate::load::PATH_OUTSIDE_PROJECT, entry.value.span, format!("`{field}` must be a relative path inside the project"))
                    .help("flinkform reads and writes nothing outside the project; use `--out` for another output folder"),
            );
        }
    }
    let naming = Naming::new(&settings, project_spec.and_then(|s| s.get("naming")), diags)?;
    if !project_ok {
        return None;
    }

    // Job names are unique in the project: they name the output folders and the overrides.
    // A duplicate is reported once and left out, so it causes no follow-up errors.
    let mut seen: HashMap<&str, Span> = HashMap::new();
    jobs.retain(|doc| {
        let Some(name) = doc.node.get("metadata").and_then(|m| m.get("name")) else {
            return true;
        };
        let Some(text) = name.as_str() else { return true };
        match seen.get(text) {
            Some(first) => {
                diags.push(
                    Diagnostic::error(codes::DUPLICATE_JOB, name.span, format!("a job named `{text}` is already defined"))
                        .note(*first, "first defined here")
                        .help("job names are unique in a project: they name the output folders and the overrides"),
                );
                false
            }
            None => {
                seen.insert(text, name.span);
                true
            }
        }
    });
    valid &= !diags.has_errors();
    // A job left out for its errors still exists for the overrides that name it.
    for name in broken_names {
        seen.entry(name).or_insert(Span::BUILTIN);
    }

    let environments =
        environment_defs(project_spec, &seen, loaded.unparsed_jobs, diags, &mut valid);
    let builtin = builtin_defaults();
    let defaults = project_spec.and_then(|s| s.get("defaults"));
    let scope = Scope {
        naming: &naming,
        settings: &settings,
        many_envs: environments.len() > 1,
    };

    // Jobs resolve in parallel, each into its own diagnostics, merged in job order.
    let first_env = environments
        .first()
        .map_or(DEFAULT_ENVIRONMENT, |e| e.name.as_str());
    let base_scope = Scope {
        many_envs: false,
        ..scope
    };
    let bases: Vec<(String, Option<ResolvedJob>)> = jobs
        .par_iter()
        .map(|doc| {
            let name = job_name(doc).to_owned();
            if only_env.is_some() {
                return (name, None);
            }
            let spec = merge(&builtin, &[defaults, doc.node.get("spec")]);
            let mut scratch = Diagnostics::default();
            let base = resolve_job(doc, spec, first_env, &base_scope, &mut scratch)
                .filter(|_| !scratch.has_errors());
            (name, base)
        })
        .collect();

    let mut resolved = Vec::new();
    for env in environments
        .iter()
        .filter(|e| only_env.is_none_or(|o| o == e.name))
    {
        let results: Vec<(Option<ResolvedJob>, Diagnostics)> = jobs
            .par_iter()
            .map(|doc| {
                let name = job_name(doc);
                let for_job = env.jobs.get(name).copied();
                let spec = environment_layers::apply(
                    merge(&builtin, &[defaults, doc.node.get("spec")]),
                    &[env.overrides, for_job],
                );
                let mut found = Diagnostics::default();
                let job = resolve_job(doc, spec, &env.name, &scope, &mut found);
                (job, found)
            })
            .collect();
        let mut env_jobs = Vec::with_capacity(results.len());
        for (job, found) in results {
            diags.extend(found);
            match job {
                Some(job) => env_jobs.push(job),
                None => valid = false,
            }
        }
        check_collisions(&env_jobs, &naming, diags);
        resolved.push(Environment {
            name: env.name.clone(),
            jobs: env_jobs,
        });
    }
    (valid && !diags.has_errors()).then_some(Resolved {
        settings,
        environment_names: environments.iter().map(|e| e.name.clone()).collect(),
        environments: resolved,
        bases,
    })
}

fn environment_defs<'a>(
    project_spec: Option<&'a Node>,
    jobs: &HashMap<&str, Span>,
    unparsed_jobs: bool,
    diags: &mut Diagnostics,
    valid: &mut bool,
) -> Vec<EnvironmentDef<'a>> {
    let Some(list) = project_spec.and_then(|s| s.get("environments")) else {
        return vec![EnvironmentDef {
            name: DEFAULT_ENVIRONMENT.to_owned(),
            span: Span::BUILTIN,
            overrides: None,
            jobs: HashMap::new(),
        }];
    };
    let Value::Seq(items) = &list.value else {
        return Vec::new();
    };
    let mut defs: Vec<EnvironmentDef> = Vec::new();
    for item in items {
        let Some(name_node) = item.get("name") else {
            continue;
        };
        let name = name_node.as_str().unwrap_or_default().to_owned();
        if crate::layout::RESERVED.contains(&name.as_str()) {
            *valid = false;
            diags.push(
                Diagnostic::error(
                    codes::RESERVED_ENVIRONMENT,
                    name_node.span,
                    format!("`{name}` cannot name an environment"),
                )
                .help(format!(
                    "the output tree uses the folders {}; pick another name",
                    crate::layout::RESERVED.join(" and ")
                )),
            );
            continue;
        }
        if let Some(first) = defs.iter().find(|d| d.name == name) {
            *valid = false;
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_ENVIRONMENT,
                    name_node.span,
                    format!("environment `{name}` is defined twice"),
                )
                .note(first.span, "first defined here")
                .help("give each environment its own name; merge their settings into one"),
            );
            continue;
        }
        let mut overrides_for = HashMap::new();
        for entry in item.get("jobs").map(Node::entries).unwrap_or_default() {
            // A job file that did not parse may define it: its own error says enough.
            if !jobs.contains_key(entry.key.as_str()) && unparsed_jobs {
                *valid = false;
            } else if !jobs.contains_key(entry.key.as_str()) {
                *valid = false;
                let known: Vec<String> = jobs.keys().map(|k| (*k).to_owned()).collect();
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_JOB,
                    entry.key_span,
                    format!(
                        "environment `{name}` overrides job `{}`, which does not exist",
                        entry.key
                    ),
                );
                d = match validate::closest(&entry.key, &known) {
                    Some(best) => d.help(format!("did you mean `{best}`?")),
                    None => {
                        let mut names = known.clone();
                        names.sort();
                        names.truncate(8);
                        d.help(format!(
                            "overrides name a job by its `metadata.name`; the project has {}",
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    }
                };
                diags.push(d);
            }
            overrides_for.insert(entry.key.as_str(), &entry.value);
        }
        defs.push(EnvironmentDef {
            name,
            span: name_node.span,
            overrides: item.get("overrides"),
            jobs: overrides_for,
        });
    }
    defs
}

/// `metadata.name` of a job document (empty when missing: the schema reports that).
fn job_name(doc: &Document) -> &str {
    doc.node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or_default()
}

/// The layers of a job spec merged in order over the built-in defaults.
fn merge(builtin: &Node, layers: &[Option<&Node>]) -> Node {
    layers
        .iter()
        .flatten()
        .fold(builtin.clone(), |mut spec, layer| {
            spec.merge(layer);
            spec
        })
}

fn builtin_defaults() -> Node {
    Node::from_json(
        &json!({
            "imagePullPolicy": "IfNotPresent",
            "taskManager": {"replicas": 1, "taskSlots": 1},
            "metrics": {"port": 9249},
        }),
        Span::BUILTIN,
    )
}

/// `jobManager.pod` and `taskManager.pod` refine `spec.pod` like any other layer: each becomes
/// the shared settings with its own merged over them, keeping where every value came from.
fn component_pods(job: &mut Node) {
    let Some(spec) = job.entry_mut("spec").map(|e| &mut e.value) else {
        return;
    };
    let Some(shared) = spec.entry("pod").cloned() else {
        return;
    };
    for component in ["jobManager", "taskManager"] {
        let Some(Entry { value: c, .. }) = spec.entry_mut(component) else {
            continue;
        };
        let Value::Map(fields) = &mut c.value else {
            continue;
        };
        match fields.iter_mut().find(|e| e.key == "pod") {
            Some(own) => {
                let mut pod = shared.value.clone();
                pod.merge(&own.value);
                own.value = pod;
            }
            None => fields.push(shared.clone()),
        }
    }
}

/// What resolving one job needs to know of the project.
struct Scope<'a> {
    naming: &'a Naming,
    settings: &'a ProjectSpec,
    /// Whether diagnostics should name their environment.
    many_envs: bool,
}

fn resolve_job(
    doc: &Document,
    spec: Node,
    env: &str,
    scope: &Scope,
    diags: &mut Diagnostics,
) -> Option<ResolvedJob> {
    let (naming, many_envs) = (scope.naming, scope.many_envs);
    // The job document with the merged spec in place of its own (which is not copied).
    let Value::Map(entries) = &doc.node.value else {
        return None;
    };
    entries.iter().find(|e| e.key == "spec")?;
    let mut spec = Some(spec);
    let entries = entries
        .iter()
        .map(|e| {
            if e.key == "spec"
                && let Some(mut merged) = spec.take()
            {
                merged.span = e.value.span;
                Entry {
                    key: e.key.clone(),
                    key_span: e.key_span,
                    value: merged,
                }
            } else {
                e.clone()
            }
        })
        .collect();
    let mut tree = Node {
        value: Value::Map(entries),
        span: doc.node.span,
    };
    component_pods(&mut tree);
    let json = tree.to_json();
    let mut found = validate::check_merged(&tree, &json, Kind::Job, Mode::Complete, &doc.node);
    if !found.is_empty() {
        let pods = rules::pod_types_beside(&tree, &found);
        found.extend(pods);
        let origin = tree.walk(&["metadata", "name"]).0.span;
        let name = tree
            .walk(&["metadata", "name"])
            .0
            .as_str()
            .unwrap_or_default()
            .to_owned();
        diags.extend(
            found
                .into_iter()
                .map(|d| name_job(d, origin, &name, env, many_envs)),
        );
        return None;
    }
    let job: FlinkJob = FlinkJob::deserialize(&json).expect("schema-valid job deserializes");
    let origin = tree.walk(&["metadata", "name"]).0.span;
    let names = naming.names(&job, env, origin, diags)?;
    let resolved = ResolvedJob {
        env: env.to_owned(),
        job,
        names,
        origin,
    };
    let mut found = Diagnostics::default();
    let located = rules::Located {
        resolved: &resolved,
        tree: &tree,
    };
    rules::check(&located, scope.settings, &mut found);
    diags.extend(
        found
            .into_iter()
            .map(|d| in_context(d, &resolved, many_envs)),
    );
    Some(resolved)
}

/// A problem found in a value that a shared layer (the project file) supplied names the job
/// it breaks, since the line alone does not say; with several environments, it names them.
fn in_context(d: Diagnostic, job: &ResolvedJob, many_envs: bool) -> Diagnostic {
    name_job(d, job.origin, job.name(), &job.env, many_envs)
}

fn name_job(mut d: Diagnostic, origin: Span, name: &str, env: &str, many_envs: bool) -> Diagnostic {
    if d.span.is_some_and(|s| s.file != origin.file) {
        d.jobs = vec![name.to_owned()];
    }
    if many_envs {
        d.envs = vec![env.to_owned()];
    }
    d
}

/// Two emitted objects of one kind, namespace and name. Namespaces are shared.
fn check_collisions(jobs: &[ResolvedJob], naming: &Naming, diags: &mut Diagnostics) {
    let mut owners: BTreeMap<(&str, &str, &str), (&ResolvedJob, NameKind)> = BTreeMap::new();
    for job in jobs {
        let n = &job.names;
        let objects = [
            ("ConfigMap", n.config_map.as_str(), NameKind::ConfigMap),
            ("Deployment", n.job_manager.as_str(), NameKind::JobManager),
            ("Deployment", n.task_manager.as_str(), NameKind::TaskManager),
            (
                "Service",
                n.job_manager_service.as_str(),
                NameKind::JobManagerService,
            ),
            (
                "Service",
                n.task_manager_service.as_str(),
                NameKind::TaskManagerService,
            ),
        ];
        let rbac = [
            (
                "ServiceAccount",
                n.service_account.as_str(),
                NameKind::ServiceAccount,
            ),
            ("Role", n.service_account.as_str(), NameKind::ServiceAccount),
            (
                "RoleBinding",
                n.service_account.as_str(),
                NameKind::ServiceAccount,
            ),
        ];
        let rbac = if job.job.spec.state.ha().is_some() {
            &rbac[..]
        } else {
            &[]
        };
        for &(kind, name, pattern) in objects.iter().chain(rbac) {
            match owners.get(&(kind, n.namespace.as_str(), name)) {
                Some((first, first_pattern)) => diags.push(
                    Diagnostic::error(
                        codes::NAME_COLLISION,
                        job.origin,
                        format!(
                            "{kind} `{}/{name}` of job `{}` ({}) collides with the one of job `{}` ({}) in environment `{}`",
                            n.namespace,
                            job.name(),
                            pattern.key(),
                            first.name(),
                            first_pattern.key(),
                            job.env
                        ),
                    )
                    .note(first.origin, "the other job")
                    .note(naming.span(pattern), format!("the `{}` naming pattern", pattern.key()))
                    .help("make the naming patterns in flinkform.yaml include `{{ name }}`"),
                ),
                None => {
                    owners.insert((kind, n.namespace.as_str(), name), (job, pattern));
                }
            }
        }
    }
}
