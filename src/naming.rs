//! Naming patterns: how a job's objects are named (`naming` in flinkform.yaml).
//!
//! Patterns are minijinja expressions over `name`, `space`, `spaceId` and, for the namespace
//! only, `env` (everything else is shared by all environments through the kustomize base).
//! Every result is checked as a Kubernetes name before anything is rendered.

use minijinja::{Environment, context};

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{FlinkJob, ProjectSpec};
use crate::resolved::Names;
use crate::source::Span;
use crate::yaml::Node;

declare_code! {
    pub NAMING_PATTERN: error "naming-pattern",
    catches: "A naming pattern that does not render: an unknown variable or a syntax error.",
    why: "Every object's name comes from its pattern.",
    fix: "Use `name`, `space`, `spaceId`, and `env` in the namespace pattern only.",
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Namespace,
    JobManager,
    TaskManager,
    JobManagerService,
    TaskManagerService,
    ConfigMap,
    /// The ServiceAccount, Role and RoleBinding of Kubernetes high availability.
    ServiceAccount,
}

impl NameKind {
    pub const ALL: [NameKind; 7] = [
        NameKind::Namespace,
        NameKind::JobManager,
        NameKind::TaskManager,
        NameKind::JobManagerService,
        NameKind::TaskManagerService,
        NameKind::ConfigMap,
        NameKind::ServiceAccount,
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
            NameKind::ServiceAccount => "serviceAccount",
        }
    }

    fn default_pattern(self) -> &'static str {
        match self {
            NameKind::Namespace => "flink-{{ space }}",
            NameKind::JobManager | NameKind::JobManagerService => "{{ name }}-jobmanager",
            NameKind::TaskManager | NameKind::TaskManagerService => "{{ name }}-taskmanager",
            NameKind::ConfigMap => "{{ name }}-config",
            NameKind::ServiceAccount => "{{ name }}-flink",
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

/// The first variable a pattern reads (`{{ var ... }}`) that is not one of `known`.
fn unknown_variable<'a>(source: &'a str, known: &[&str]) -> Option<&'a str> {
    source.split("{{").skip(1).find_map(|block| {
        let ident: &str = block
            .trim_start()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()?;
        (!ident.is_empty() && !known.contains(&ident)).then_some(ident)
    })
}

/// A variable of a naming pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    Name,
    Space,
    SpaceId,
    Env,
}

/// A piece of a pattern that is only text and `{{ variable }}`s.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Var),
}

/// A pattern of text and `{{ variable }}`s (every default and most patterns), split into
/// pieces so names are put together without running minijinja for every job and
/// environment; `None` for anything else (filters, expressions, `{%`, whitespace control,
/// `env` outside the namespace pattern), which minijinja renders and reports on.
fn simple_pattern(pattern: &str, env_allowed: bool) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let (text, after) = match rest.find("{{") {
            Some(i) => (&rest[..i], Some(&rest[i + 2..])),
            None => (rest, None),
        };
        if text.contains(['{', '}']) {
            return None;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.to_owned()));
        }
        let Some(after) = after else { break };
        let end = after.find("}}")?;
        let var = match after[..end].trim_matches(' ') {
            "name" => Var::Name,
            "space" => Var::Space,
            "spaceId" => Var::SpaceId,
            "env" if env_allowed => Var::Env,
            _ => return None,
        };
        pieces.push(Piece::Var(var));
        rest = &after[end + 2..];
    }
    Some(pieces)
}

/// The compiled naming patterns of a project.
pub struct Naming {
    env: Environment<'static>,
    /// Each pattern's pieces, where it is a simple one.
    simple: Vec<Option<Vec<Piece>>>,
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
        let mut env = crate::sandbox::environment();
        let mut spans = Vec::new();
        let mut simple = Vec::new();
        let mut ok = true;
        for kind in NameKind::ALL {
            let pattern = settings
                .naming
                .get(kind.key())
                .map_or(kind.default_pattern(), String::as_str);
            simple.push(simple_pattern(pattern, kind == NameKind::Namespace));
            let span = naming_node
                .and_then(|n| n.get(kind.key()))
                .map_or(Span::BUILTIN, |n| n.span);
            spans.push((kind, span));
            if let Err(e) = env.add_template_owned(kind.key(), pattern.to_owned()) {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        NAMING_PATTERN,
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
        ok.then_some(Naming { env, simple, spans })
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
        for (kind, simple) in NameKind::ALL.into_iter().zip(&self.simple) {
            if let Some(pieces) = simple {
                let m = &job.metadata;
                let name = assemble(pieces, &m.name, &m.space, m.space_id, env);
                if let Some(d) = self.name_problem(kind, &name, job, origin) {
                    diags.push(d);
                    return None;
                }
                out.push(name);
                continue;
            }
            let ctx = if kind == NameKind::Namespace {
                context! { name => &m.name, space => &m.space, spaceId => m.space_id, env => env }
            } else {
                context! { name => &m.name, space => &m.space, spaceId => m.space_id }
            };
            let template = self.env.get_template(kind.key()).expect("compiled above");
            let pattern_span = self.span(kind);
            let name = match crate::sandbox::render(&template, ctx) {
                Ok(n) => n.trim().to_owned(),
                Err(e) => {
                    let mut d = Diagnostic::error(
                        NAMING_PATTERN,
                        if pattern_span.is_builtin() {
                            origin
                        } else {
                            pattern_span
                        },
                        if e.kind() == minijinja::ErrorKind::UndefinedError {
                            let known: &[&str] = if kind == NameKind::Namespace {
                                &["name", "space", "spaceId", "env"]
                            } else {
                                &["name", "space", "spaceId"]
                            };
                            match unknown_variable(template.source(), known) {
                                Some(var) => format!(
                                    "naming pattern `{}` uses `{var}`, which is not defined for it{}",
                                    kind.key(),
                                    crate::validate::closest(
                                        var,
                                        &known.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()
                                    )
                                    .map(|best| format!(" (did you mean `{best}`?)"))
                                    .unwrap_or_default()
                                ),
                                None => format!(
                                    "naming pattern `{}` uses a variable that is not defined for it",
                                    kind.key()
                                ),
                            }
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
            if let Some(d) = self.name_problem(kind, &name, job, origin) {
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
            service_account: next(),
        })
    }
}

impl Naming {
    /// The diagnostic for a name that is not a valid name of its kind.
    fn name_problem(
        &self,
        kind: NameKind,
        name: &str,
        job: &FlinkJob,
        origin: Span,
    ) -> Option<Diagnostic> {
        let problem = name_problem(name, kind.must_start_with_letter())?;
        let mut d = Diagnostic::error(
            crate::validate::codes::INVALID_NAME,
            origin,
            format!(
                "the {} name of job `{}` becomes `{name}`, which {problem}",
                kind.key(),
                job.metadata.name
            ),
        )
        .help(if name.len() > 63 {
            "shorten `metadata.name` or the naming pattern: names are DNS labels of at most 63 characters"
        } else {
            "change the naming pattern: names are DNS labels of lowercase letters, digits and '-'"
        });
        let pattern_span = self.span(kind);
        if !pattern_span.is_builtin() {
            d = d.note(pattern_span, "naming pattern");
        }
        Some(d)
    }
}

/// A simple pattern's name for a job, as minijinja would render it (then trimmed).
fn assemble(pieces: &[Piece], job_name: &str, space: &str, space_id: u64, env: &str) -> String {
    let mut name = String::with_capacity(48);
    for piece in pieces {
        match piece {
            Piece::Text(text) => name.push_str(text),
            Piece::Var(Var::Name) => name.push_str(job_name),
            Piece::Var(Var::Space) => name.push_str(space),
            Piece::Var(Var::SpaceId) => name.push_str(&space_id.to_string()),
            Piece::Var(Var::Env) => name.push_str(env),
        }
    }
    let trimmed = name.trim();
    if trimmed.len() == name.len() {
        name
    } else {
        trimmed.to_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What minijinja makes of a pattern, as the slow path renders it.
    fn rendered(
        pattern: &str,
        env_allowed: bool,
        name: &str,
        space: &str,
        id: u64,
        env: &str,
    ) -> Option<String> {
        let mut jinja = crate::sandbox::environment();
        jinja.add_template("p", pattern).ok()?;
        let ctx = if env_allowed {
            context! { name => name, space => space, spaceId => id, env => env }
        } else {
            context! { name => name, space => space, spaceId => id }
        };
        jinja
            .get_template("p")
            .ok()?
            .render(ctx)
            .ok()
            .map(|n| n.trim().to_owned())
    }

    #[test]
    fn defaults_and_common_patterns_are_simple() {
        for kind in NameKind::ALL {
            assert!(
                simple_pattern(kind.default_pattern(), false).is_some(),
                "{kind:?}"
            );
        }
        assert!(simple_pattern("realfuture-jobs-{{ space }}-{{ spaceId }}", true).is_some());
        assert!(simple_pattern("{{ name | upper }}", false).is_none());
        assert!(simple_pattern("{{- name }}", false).is_none());
        assert!(
            simple_pattern("{{ env }}-x", false).is_none(),
            "env outside the namespace"
        );
        assert!(simple_pattern("{% if x %}a{% endif %}", false).is_none());
    }

    proptest::proptest! {
        /// Wherever a pattern takes the fast path, it gives minijinja's name.
        #[test]
        fn simple_patterns_render_as_minijinja_does(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "{{", "}}", " ", "name", "space", "spaceId", "env", "-", "x", "{", "}", "{%",
                "|upper", "\n", "\t", "}", "{{ name }}", "{{space}}", "{{ spaceId}}", "{{ env }}",
            ]), 0..8),
            env_allowed: bool,
            name in "[a-z]{1,5}",
            space in "[a-z ]{0,4}",
            id in 0u64..1_000_000,
            env in "[a-z]{1,4}",
        ) {
            let pattern: String = parts.concat();
            if let Some(pieces) = simple_pattern(&pattern, env_allowed) {
                let fast = assemble(&pieces, &name, &space, id, &env);
                let slow = rendered(&pattern, env_allowed, &name, &space, id, &env);
                proptest::prop_assert_eq!(Some(fast), slow, "pattern {:?}", pattern);
            }
        }
    }
}
