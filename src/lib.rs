//! flinkform: an offline compiler from Flink job definitions to Kubernetes manifests.
//!
//! The pipeline, one module per phase, data flowing one way:
//! [`load`] → [`validate`] (called by resolve on each file and each merged job) → [`resolve`]
//! → [`render`] → [`verify`] → [`layout`] (emit) → [`output`] (write/check).
//! [`compile`] runs the phases up to the output tree; [`cli`] puts commands in front.

pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod flink_config;
pub mod layout;
pub mod load;
pub mod metrics;
pub mod model;
pub mod naming;
pub mod output;
pub mod render;
pub mod resolve;
pub mod scaffold;
pub mod source;
pub mod validate;
pub mod verify;
pub mod yaml;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use diagnostic::Diagnostics;
use layout::{EnvironmentObjects, JobObjects};
use source::Sources;

/// The result of compiling a project, up to (not including) the output tree.
pub struct Compilation {
    pub sources: Sources,
    pub diags: Diagnostics,
    /// `None` when an error stopped the pipeline.
    pub output: Option<Compiled>,
}

pub struct Compiled {
    pub settings: model::ProjectSpec,
    pub bases: Vec<JobObjects>,
    pub environments: Vec<EnvironmentObjects>,
    /// Files for `platform/`: (file name, content).
    pub platform: Vec<(String, String)>,
    /// Every environment of the project, rendered or not.
    pub environment_names: Vec<String>,
}

impl Compiled {
    #[must_use]
    pub fn job_count(&self) -> usize {
        self.bases.len()
    }

    /// The output tree of SPEC 4.1.
    #[must_use]
    pub fn tree(&self) -> layout::OutputTree {
        layout::layout(&self.bases, &self.environments, &self.platform)
    }
}

/// Runs load, validate, resolve, render and verify on a project. `only` limits the job files
/// to the given ones (`validate FILE...`).
pub fn compile(root: &Path, only: &[PathBuf]) -> Result<Compilation, load::IoFailure> {
    compile_for(root, only, None)
}

/// [`compile`], rendering only environment `env` when given (what `build --env` prints): every
/// environment is still resolved and checked, but neither the others nor the bases are
/// rendered. Its [`Compiled`] holds that one environment and is no whole output tree.
pub fn compile_for(
    root: &Path,
    only: &[PathBuf],
    env: Option<&str>,
) -> Result<Compilation, load::IoFailure> {
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    let loaded = load::load(root, only, &mut sources, &mut diags)?;
    let resolved = resolve::resolve(&loaded, &mut diags);
    let output = resolved.and_then(|r| render_all(root, &r, env, &mut diags));
    let output = output.filter(|_| !diags.has_errors());
    Ok(Compilation {
        sources,
        diags,
        output,
    })
}

fn render_all(
    root: &Path,
    resolved: &resolve::Resolved,
    only_env: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<Compiled> {
    let templates = resolved.settings.templates.as_ref().map(|t| root.join(t));
    let prometheus = resolved.settings.prometheus.as_ref().map(|p| p.url.clone());
    let renderer = render::Renderer::new(
        &root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        templates.as_deref(),
        prometheus,
        diags,
    )?;
    // Jobs render independently: in parallel, each with its own diagnostics, merged in
    // order afterwards so the output does not depend on scheduling.
    let render = |job: &resolve::ResolvedJob, env: Option<&str>| {
        let mut found = Diagnostics::default();
        let objects = renderer.render_job(job, &mut found);
        verify::verify(&objects, env, &mut found);
        (
            JobObjects {
                name: job.name().to_owned(),
                objects,
            },
            found,
        )
    };
    let mut environments = Vec::new();
    for env in resolved
        .environments
        .iter()
        .filter(|e| only_env.is_none_or(|o| o == e.name))
    {
        let namespaces = renderer.render_namespaces(env, diags);
        verify::verify(&namespaces, Some(&env.name), diags);
        let rendered: Vec<(JobObjects, Diagnostics)> = env
            .jobs
            .par_iter()
            .map(|job| render(job, Some(&env.name)))
            .collect();
        let mut jobs = Vec::with_capacity(rendered.len());
        for (objects, found) in rendered {
            diags.extend(found);
            jobs.push(objects);
        }
        environments.push(EnvironmentObjects {
            name: env.name.clone(),
            namespaces,
            jobs,
        });
    }
    // The base of a job is its first environment's rendering when the two resolve alike.
    let first = resolved.environments.first();
    let bases_wanted = if only_env.is_some() {
        &[][..]
    } else {
        &resolved.bases[..]
    };
    let rendered: Vec<(JobObjects, Diagnostics)> = bases_wanted
        .par_iter()
        .enumerate()
        .map(|(i, (name, base))| {
            let env_job = first
                .and_then(|e| e.jobs.get(i))
                .filter(|j| j.name() == name);
            let same = |b: &resolve::ResolvedJob| {
                env_job.is_some_and(|j| j.job == b.job && j.names == b.names)
            };
            match base {
                Some(job) if !same(job) => render(job, None),
                _ => {
                    let objects = environments
                        .first()
                        .and_then(|e| e.jobs.get(i))
                        .filter(|j| &j.name == name)
                        .map(|j| j.objects.clone())
                        .unwrap_or_default();
                    (
                        JobObjects {
                            name: name.clone(),
                            objects,
                        },
                        Diagnostics::default(),
                    )
                }
            }
        })
        .collect();
    let mut bases = Vec::with_capacity(rendered.len());
    for (objects, found) in rendered {
        diags.extend(found);
        bases.push(objects);
    }
    Some(Compiled {
        settings: resolved.settings.clone(),
        bases,
        environments,
        platform: platform_files(resolved),
        environment_names: resolved
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect(),
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
