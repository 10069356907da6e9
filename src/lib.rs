//! flinkform: an offline compiler from Flink job definitions to Kubernetes manifests.
//!
//! The pipeline, one module per phase, data flowing one way:
//! [`load`] → [`validate`] (called by resolve on each file and each merged job) → [`resolve`]
//! → [`render`] → [`verify`] → [`layout`] (emit) → [`output`] (write/check).
//! [`compile`] runs the phases up to the output tree; [`cli`] puts commands in front.

pub mod bug;
pub mod changes;
pub mod cli;
pub mod code;
pub mod code_index;
pub mod completion;
pub mod diagnostic;
pub mod docs;
pub mod drift;
pub mod exit;
pub mod explain;
pub mod files;
pub mod flink;
pub mod flink_config;
pub mod layout;
pub mod load;
pub mod man_page;
pub mod metrics;
pub mod model;
pub mod naming;
pub mod object;
pub mod output;
pub mod render;
pub mod resolve;
pub mod resolved;
pub mod rules;
pub mod sandbox;
pub mod scaffold;
pub mod simulate;
pub mod source;
pub mod terminal;
pub mod text_diff;
pub mod validate;
pub mod verify;
pub mod yaml;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use diagnostic::{Diagnostic, Diagnostics};
use layout::{EnvironmentObjects, JobDocuments, JobObjects};
use source::Sources;

/// What a compilation is for: it decides how much is rendered and what is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal<'a> {
    /// Every check, nothing kept (`validate`).
    Validate,
    /// The output tree (`render`, `check`).
    Tree,
    /// The objects of one environment (`build --env`): every environment is resolved and
    /// checked, only this one is rendered.
    Environment(&'a str),
    /// The objects of every environment (`diff`).
    Environments,
}

/// The result of compiling a project.
pub struct Compilation {
    pub sources: Sources,
    pub diags: Diagnostics,
    /// `None` when an error stopped the pipeline.
    pub output: Option<Compiled>,
}

pub struct Compiled {
    pub settings: model::ProjectSpec,
    /// Every environment of the project, rendered or not.
    pub environment_names: Vec<String>,
    pub job_count: usize,
    /// [`Goal::Tree`]: the output tree; empty otherwise.
    pub tree: layout::OutputTree,
    /// [`Goal::Environment`]: that environment's objects, if it exists;
    /// [`Goal::Environments`]: every environment's, in the project's order.
    pub environments: Vec<EnvironmentObjects>,
}

/// Runs load, validate, resolve, render and verify on a project, and emit for [`Goal::Tree`].
/// `only` adds job files to check in the project's context (`validate FILE...`).
///
/// # Errors
/// The project folder cannot be read.
pub fn compile(root: &Path, only: &[PathBuf], goal: Goal) -> Result<Compilation, load::IoFailure> {
    compile_from(&files::Files::Disk, root, only, goal)
}

/// [`compile`] on the files of the disk or of a git revision.
///
/// # Errors
/// The project folder cannot be read.
pub fn compile_from(
    input: &files::Files,
    root: &Path,
    only: &[PathBuf],
    goal: Goal,
) -> Result<Compilation, load::IoFailure> {
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    // The schema validators compile while the files are read.
    let (loaded, ()) = rayon::join(
        || load::load_from(input, root, only, &mut sources, &mut diags),
        validate::prepare,
    );
    let loaded = loaded?;
    let only_env = match goal {
        Goal::Environment(env) => Some(env),
        Goal::Validate | Goal::Tree | Goal::Environments => None,
    };
    let resolved = resolve::resolve(&loaded, only_env, &mut diags);
    // Where `templates:` is set, for a folder that cannot be read.
    let templates_at = loaded
        .project
        .as_ref()
        .map(|d| d.node.walk(&["spec", "templates"]))
        .filter(|(_, _, depth)| *depth == 2)
        .map(|(node, _, _)| node.span);
    let output = resolved.and_then(|r| {
        render_all(
            input,
            root,
            &r,
            goal,
            templates_at,
            &mut sources,
            &mut diags,
        )
    });
    let output = output.filter(|_| !diags.has_errors());
    Ok(Compilation {
        sources,
        diags,
        output,
    })
}

/// What one job yields: its files (for the tree) or its objects in each wanted environment.
struct JobOutput {
    files: Vec<(String, String)>,
    documents: Vec<JobDocuments>,
    diags: Diagnostics,
    /// The objects project templates added, per environment: checked across jobs.
    added: Vec<AddedObject>,
}

/// An object a project template made for a job: its environment (index), kind, namespace,
/// name and template.
type AddedObject = (usize, String, String, String, String);

/// The objects of a job's renderings that project templates made. Such an object must not
/// be one the job already has (a ConfigMap named like the built-in one): kustomize refuses two
/// objects of one kind, namespace and name. Built-in templates never make two; a project
/// without templates costs nothing here.
fn project_objects(
    renderer: &render::Renderer,
    rendered: &[JobObjects],
    envs: &[&resolved::Environment],
    diags: &mut Diagnostics,
) -> Vec<AddedObject> {
    let mut added = Vec::new();
    for (e, r) in rendered.iter().enumerate() {
        if !r
            .objects
            .iter()
            .any(|o| renderer.is_from_project(&o.template))
        {
            continue;
        }
        let ids: Vec<(&str, &str, &str)> = r
            .objects
            .iter()
            .map(|o| (o.kind(), o.namespace(), o.name()))
            .collect();
        for (i, o) in r.objects.iter().enumerate() {
            if !renderer.is_from_project(&o.template) {
                continue;
            }
            // The other object may come before or after it; a pair of the project's own is
            // reported once.
            let other = |j: usize| {
                j != i
                    && ids[j] == ids[i]
                    && (j < i || !renderer.is_from_project(&r.objects[j].template))
            };
            if let Some(first) = (0..ids.len()).find(|&j| other(j)) {
                diags.push(
                    Diagnostic::error(
                        crate::verify::INVALID_OUTPUT,
                        None,
                        format!(
                            "{} `{}` of job `{}` (template `{}`): template `{}` emits the same object; kustomize refuses two objects of one kind, namespace and name",
                            ids[i].0,
                            ids[i].2.escape_debug(),
                            r.name,
                            o.template,
                            r.objects[first].template
                        ),
                    )
                    .help("name the template's objects after the job's, e.g. `{{ names.configMap ~ '-extra' }}`")
                    .in_environment(envs.get(e).map(|env| env.name.as_str())),
                );
            }
            let (kind, namespace, name) = ids[i];
            added.push((
                e,
                kind.into(),
                namespace.into(),
                name.into(),
                o.template.clone(),
            ));
        }
    }
    added
}

/// Two jobs whose templates emit the same object in one environment: kustomize refuses the
/// environment's build. Within a job, verify finds it.
fn check_added_across_jobs(
    outputs: &[JobOutput],
    jobs: &[(String, Option<resolved::ResolvedJob>)],
    envs: &[&resolved::Environment],
    diags: &mut Diagnostics,
) {
    let mut seen: std::collections::HashMap<(usize, &str, &str, &str), usize> =
        std::collections::HashMap::new();
    for (job, output) in outputs.iter().enumerate() {
        for (env, kind, namespace, name, template) in &output.added {
            let key = (*env, kind.as_str(), namespace.as_str(), name.as_str());
            match seen.get(&key) {
                Some(&first) if first != job => diags.push(
                    Diagnostic::error(
                        crate::verify::INVALID_OUTPUT,
                        None,
                        format!(
                            "{kind} `{}` of job `{}` (template `{template}`) is also an object of job `{}`; kustomize refuses two objects of one kind, namespace and name",
                            name.escape_debug(),
                            jobs[job].0,
                            jobs[first].0
                        ),
                    )
                    .help("name the template's objects after the job's, e.g. `{{ names.configMap ~ '-extra' }}`")
                    .in_environment(envs.get(*env).map(|e| e.name.as_str())),
                ),
                Some(_) => {}
                None => {
                    seen.insert(key, job);
                }
            }
        }
    }
}

fn render_all(
    input: &files::Files,
    root: &Path,
    resolved: &resolve::Resolved,
    goal: Goal,
    templates_at: Option<source::Span>,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Option<Compiled> {
    let templates = resolved.settings.templates.as_ref().map(|t| root.join(t));
    let prometheus = resolved.settings.prometheus.as_ref().map(|p| p.url.clone());
    let project_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let renderer = render::Renderer::new(
        input,
        root,
        &project_root,
        templates.as_deref().map(|dir| (dir, templates_at)),
        prometheus,
        sources,
        diags,
    )?;
    let envs: Vec<&resolved::Environment> = resolved
        .environments
        .iter()
        .filter(|e| match goal {
            Goal::Environment(name) => e.name == name,
            Goal::Validate | Goal::Tree | Goal::Environments => true,
        })
        .collect();
    // A rendering and whether it passed every check (only such objects spare later ones the
    // typed check).
    let render = |job: &resolved::ResolvedJob,
                  env: Option<&str>,
                  checked: &[object::RenderedObject],
                  found: &mut Diagnostics| {
        let mut own = Diagnostics::default();
        let objects = renderer.render_job(job, &mut own);
        verify::verify(&objects, env, checked, &mut own);
        let clean = !own.has_errors();
        found.extend(own);
        let objects = JobObjects {
            name: job.name().to_owned(),
            objects,
        };
        (objects, clean)
    };

    // One job at a time, in parallel: render it as the base and in every environment, lay
    // out its files and drop its objects, so memory holds output text, not object trees.
    // Diagnostics are merged in job order, so nothing depends on scheduling.
    let outputs: Vec<JobOutput> = (0..resolved.bases.len())
        .into_par_iter()
        .map(|i| {
            let mut found = Diagnostics::default();
            let (name, base) = &resolved.bases[i];
            // The base is the first environment's rendering when the two resolve alike.
            let first = resolved.environments.first().and_then(|e| e.jobs.get(i));
            let same = |b: &resolved::ResolvedJob| {
                first.is_some_and(|j| j.job == b.job && j.names == b.names)
            };
            let own_base = match (goal, base) {
                (Goal::Environment(_) | Goal::Environments, _) => None,
                (_, Some(job)) if !same(job) => Some(render(job, None, &[], &mut found)),
                _ => None,
            };
            // An environment's object that the typed check cannot tell from a clean base's
            // (or first environment's) is not deserialized again (see verify::verify).
            let base_clean = own_base.as_ref().is_some_and(|(_, clean)| *clean);
            let mut clean_env: Option<usize> = None;
            let mut rendered: Vec<JobObjects> = Vec::with_capacity(envs.len());
            for (job, e) in envs.iter().filter_map(|e| e.jobs.get(i)).zip(&envs) {
                let checked = match (&own_base, clean_env) {
                    (Some((b, _)), _) if base_clean => b.objects.as_slice(),
                    (_, Some(k)) => rendered[k].objects.as_slice(),
                    _ => &[],
                };
                let (objects, clean) = render(job, Some(&e.name), checked, &mut found);
                if clean && clean_env.is_none() {
                    clean_env = Some(rendered.len());
                }
                rendered.push(objects);
            }
            let own_base = own_base.map(|(b, _)| b);
            let added = project_objects(&renderer, &rendered, &envs, &mut found);
            if let Goal::Environment(_) | Goal::Environments = goal {
                let documents = rendered
                    .iter()
                    .map(|r| JobDocuments {
                        name: r.name.clone(),
                        documents: r.objects.iter().map(layout::Document::of).collect(),
                    })
                    .collect();
                return JobOutput {
                    files: Vec::new(),
                    documents,
                    diags: found,
                    added,
                };
            }
            let files = if goal == Goal::Tree {
                let base_objects = own_base.unwrap_or_else(|| JobObjects {
                    name: name.clone(),
                    objects: rendered
                        .first()
                        .map(|r| r.objects.clone())
                        .unwrap_or_default(),
                });
                let per_env: Vec<(&str, &JobObjects)> = envs
                    .iter()
                    .map(|e| e.name.as_str())
                    .zip(&rendered)
                    .collect();
                layout::job_files(base_objects, &per_env)
            } else {
                Vec::new()
            };
            JobOutput {
                files,
                documents: Vec::new(),
                diags: found,
                added,
            }
        })
        .collect();

    let mut namespaces = Vec::with_capacity(envs.len());
    let create_namespaces = resolved.settings.creates_namespaces();
    for env in &envs {
        if !create_namespaces {
            namespaces.push(Vec::new());
            continue;
        }
        let objects = renderer.render_namespaces(env, diags);
        verify::verify(&objects, Some(&env.name), &[], diags);
        namespaces.push(objects);
    }
    check_added_across_jobs(&outputs, &resolved.bases, &envs, diags);
    let mut tree = layout::OutputTree::new();
    // Per environment, its jobs' documents (every environment holds every job).
    let mut per_env: Vec<Vec<JobDocuments>> = envs.iter().map(|_| Vec::new()).collect();
    for output in outputs {
        diags.extend(output.diags);
        tree.extend(output.files);
        for (jobs, documents) in per_env.iter_mut().zip(output.documents) {
            jobs.push(documents);
        }
    }
    let environments = match goal {
        Goal::Environment(_) | Goal::Environments => envs
            .iter()
            .zip(namespaces)
            .zip(per_env)
            .map(|((env, namespaces), jobs)| EnvironmentObjects {
                name: env.name.clone(),
                namespaces: namespaces.iter().map(layout::Document::of).collect(),
                jobs,
            })
            .collect(),
        Goal::Tree => {
            for (env, namespaces) in envs.iter().zip(&namespaces) {
                let job_names: Vec<&str> =
                    env.jobs.iter().map(resolved::ResolvedJob::name).collect();
                tree.extend(layout::environment_files(
                    &env.name,
                    create_namespaces.then_some(namespaces.as_slice()),
                    &job_names,
                ));
            }
            layout::finish(&mut tree, &platform_files(resolved));
            Vec::new()
        }
        Goal::Validate => Vec::new(),
    };
    Some(Compiled {
        settings: resolved.settings.clone(),
        environment_names: resolved.environment_names.clone(),
        job_count: resolved.bases.len(),
        tree,
        environments,
    })
}

/// The prometheus-adapter rules for every Flink metric preset an HPA of the project uses.
fn platform_files(resolved: &resolve::Resolved) -> Vec<(String, String)> {
    let used: std::collections::BTreeSet<&'static str> = resolved
        .environments
        .iter()
        .flat_map(|e| e.jobs.iter())
        .filter_map(|j| j.job.spec.autoscaling.as_ref())
        .filter(|a| a.enabled && a.engine == model::Engine::Hpa)
        .flat_map(|a| a.flink_metrics.iter())
        .filter_map(|rule| rule.metric.as_deref().and_then(metrics::preset))
        .map(|p| p.name)
        .collect();
    metrics::adapter_rules(&used)
        .map(|rules| vec![(metrics::ADAPTER_RULES_FILE.to_owned(), rules)])
        .unwrap_or_default()
}

impl Compilation {
    /// Whether any input file lies inside `dir` (an output folder there could delete it).
    #[must_use]
    pub fn sources_inside(&self, dir: &Path) -> bool {
        self.sources
            .paths()
            .filter_map(|p| p.canonicalize().ok())
            .any(|p| p.starts_with(dir))
    }
}
