//! Naming patterns: how a job's objects are named (SPEC 2.2 `naming`).
//!
//! Patterns are minijinja expressions over `name`, `space`, `spaceId` and, for the namespace
//! only, `env` (everything else is shared by all environments through the kustomize base).
//! Every result is checked as a Kubernetes name before anything is rendered.

use minijinja::{Environment, UndefinedBehavior, context};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{FlinkJob, ProjectSpec};
use crate::resolve::Names;
use crate::source::Span;
use crate::yaml::Node;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Namespace,
    JobManager,
    TaskManager,
    JobManagerService,
    TaskManagerService,
    ConfigMap,
}

impl NameKind {
    pub const ALL: [NameKind; 6] = [
        NameKind::Namespace,
        NameKind::JobManager,
        NameKind::TaskManager,
        NameKind::JobManagerService,
        NameKind::TaskManagerService,
        NameKind::ConfigMap,
    ];

    /// The key in `naming:`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            NameKind::Namespace => "namespace",
            NameKind::JobManager => "jobManager",
            NameKind::TaskManager => "taskManager",
            NameKind::JobManagerService => "jobManagerService",
            NameKind::TaskManagerService => "taskManagerService",
            NameKind::ConfigMap => "configMap",
        }
    }

    fn default_pattern(self) -> &'static str {
        match self {
            NameKind::Namespace => "flink-{{ space }}",
            NameKind::JobManager | NameKind::JobManagerService => "{{ name }}-jobmanager",
            NameKind::TaskManager | NameKind::TaskManagerService => "{{ name }}-taskmanager",
            NameKind::ConfigMap => "{{ name }}-config",
        }
    }

    /// Services need DNS-1035 labels (a letter first); the rest DNS-1123 labels.
    fn must_start_with_letter(self) -> bool {
        matches!(
            self,
            NameKind::JobManagerService | NameKind::TaskManagerService
        )
    }
}

/// The compiled naming patterns of a project.
pub struct Naming {
    env: Environment<'static>,
    /// Where each pattern was written, if in flinkform.yaml.
    spans: Vec<(NameKind, Span)>,
}

impl std::fmt::Debug for Naming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Naming").finish_non_exhaustive()
    }
}

impl Naming {
    /// Compiles the patterns; a pattern that does not compile is reported at its line.
    pub fn new(
        settings: &ProjectSpec,
        naming_node: Option<&Node>,
        diags: &mut Diagnostics,
    ) -> Option<Naming> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let mut spans = Vec::new();
        let mut ok = true;
        for kind in NameKind::ALL {
            let pattern = settings
                .naming
                .get(kind.key())
                .map_or(kind.default_pattern(), String::as_str);
            let span = naming_node
                .and_then(|n| n.get(kind.key()))
                .map_or(Span::BUILTIN, |n| n.span);
            spans.push((kind, span));
            if let Err(e) = env.add_template_owned(kind.key(), pattern.to_owned()) {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "naming-pattern",
                        span,
                        format!(
                            "naming pattern `{}` does not compile: {}",
                            kind.key(),
                            e.detail().unwrap_or("syntax error")
                        ),
                    )
                    .help("patterns are minijinja templates such as \"{{ name }}-taskmanager\""),
                );
            }
        }
        ok.then_some(Naming { env, spans })
    }

    /// Where a pattern was written; built-in for a default pattern.
    #[must_use]
    pub fn span(&self, kind: NameKind) -> Span {
        self.spans
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(Span::BUILTIN, |(_, s)| *s)
    }

    /// The names of one job's objects in one environment; `None` after reporting a bad name.
    pub fn names(
        &self,
        job: &FlinkJob,
        env: &str,
        origin: Span,
        diags: &mut Diagnostics,
    ) -> Option<Names> {
        let m = &job.metadata;
        let mut out = Vec::with_capacity(NameKind::ALL.len());
        for kind in NameKind::ALL {
            let ctx = if kind == NameKind::Namespace {
                context! { name => &m.name, space => &m.space, spaceId => m.space_id, env => env }
            } else {
                context! { name => &m.name, space => &m.space, spaceId => m.space_id }
            };
            let template = self.env.get_template(kind.key()).expect("compiled above");
            let pattern_span = self.span(kind);
            let name = match template.render(ctx) {
                Ok(n) => n.trim().to_owned(),
                Err(e) => {
                    let mut d = Diagnostic::error(
                        "naming-pattern",
                        if pattern_span.is_builtin() {
                            origin
                        } else {
                            pattern_span
                        },
                        if e.kind() == minijinja::ErrorKind::UndefinedError {
                            format!(
                                "naming pattern `{}` uses a variable that is not defined for it",
                                kind.key()
                            )
                        } else {
                            format!(
                                "naming pattern `{}` failed for job `{}`: {}",
                                kind.key(),
                                m.name,
                                e.detail().unwrap_or("render error")
                            )
                        },
                    );
                    if kind != NameKind::Namespace && template.source().contains("env") {
                        d = d.help("only the namespace pattern may use `env`: all other objects are shared by every environment through the base");
                    } else {
                        d = d.help("patterns may use `name`, `space`, `spaceId`, and `env` in the namespace pattern");
                    }
                    diags.push(d);
                    return None;
                }
            };
            if let Some(problem) = name_problem(&name, kind.must_start_with_letter()) {
                let mut d = Diagnostic::error(
                    "invalid-name",
                    origin,
                    format!("the {} name of job `{}` becomes `{name}`, which {problem}", kind.key(), m.name),
                )
                .help(if name.len() > 63 {
                    "shorten `metadata.name` or the naming pattern: names are DNS labels of at most 63 characters"
                } else {
                    "change the naming pattern: names are DNS labels of lowercase letters, digits and '-'"
                });
                if !pattern_span.is_builtin() {
                    d = d.note(pattern_span, "naming pattern");
                }
                diags.push(d);
                return None;
            }
            out.push(name);
        }
        let mut it = out.into_iter();
        let mut next = || it.next().unwrap_or_default();
        Some(Names {
            namespace: next(),
            job_manager: next(),
            task_manager: next(),
            job_manager_service: next(),
            task_manager_service: next(),
            config_map: next(),
        })
    }
}

/// Why `name` is not a DNS label (RFC 1123, or RFC 1035 when it must start with a letter).
#[must_use]
pub fn name_problem(name: &str, letter_first: bool) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.len() > 63 {
        return Some(format!("is {} characters long (at most 63)", name.len()));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("has characters other than lowercase letters, digits and '-'".into());
    }
    let first = name.as_bytes()[0];
    if letter_first && !first.is_ascii_lowercase() {
        return Some("does not start with a letter (a Service name must)".into());
    }
    if first == b'-' || name.ends_with('-') {
        return Some("starts or ends with '-'".into());
    }
    None
}
