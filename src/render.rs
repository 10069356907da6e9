//! Phase 4: turn resolved jobs into Kubernetes objects through the templates.
//!
//! Templates are minijinja files in `templates/`, one object per file, embedded in the binary;
//! a project's `templates:` folder may replace any of them or add more. Every `{{ value }}` is
//! written as JSON (minijinja's JSON auto-escaping), which YAML reads as the same value, so no
//! user value can add structure to a manifest. What a template renders is parsed back into a
//! tree at once; a template that renders invalid YAML is an error naming it and the job.
//! A built-in template the project does not replace is built natively from the same context
//! ([`builtin`]): the same tree, without the text round trip.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{AutoEscape, Environment};
use serde_json::Value as Json;

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::object::RenderedObject;
use crate::resolved::{Environment as Env, ResolvedJob};
use crate::source::FileId;
use crate::yaml;

/// A JSON object of `key => value` pairs, each value moved in with `Json::from`. (`json!`
/// serializes every value it interpolates again: a deep copy of every tree handed to it.)
macro_rules! object {
    ($($key:literal => $value:expr),* $(,)?) => {{
        let mut map = serde_json::Map::with_capacity([$($key),*].len());
        $(map.insert(String::from($key), serde_json::Value::from($value));)*
        serde_json::Value::Object(map)
    }};
}

mod autoscaling;
mod builtin;
mod context;
pub mod documented;
pub mod fields;
pub mod operator;
mod pods;

use context::{Security, context};
use fields::{JobContext, Namespace, NamespaceContext};
use pods::{pod_metadata, scheduling};

declare_code! {
    pub TEMPLATE: error "template",
    catches: "A template that does not render, or renders YAML that does not parse.",
    why: "Its object cannot be written.",
    fix: "Fix the template named in the message.",
}

declare_code! {
    pub TEMPLATE_NAME: error "template-name",
    catches: "A template in the `templates:` folder whose file name holds characters other than letters, digits, `.`, `_` and `-`, or that is named `kustomization.yaml.j2`.",
    why: "The name becomes the name of an output file, and render records the files it owns one per line: a name with a line break or a space could make it record, and later delete, a file it never wrote. `kustomization.yaml` is the file render writes in every job folder itself.",
    fix: "Rename the template, e.g. `poddisruptionbudget.yaml.j2`.",
}

declare_code! {
    pub TEMPLATE_NAMESPACE: error "template-namespace",
    catches: "A project template renders an object of a job in another namespace than the job's (or in none).",
    why: "Each job's overlay sets the job's namespace on all its objects, as kustomize does: the object would land in one namespace from `kubectl kustomize` and in another from `flinkform build`, and the two must agree.",
    fix: "Write `namespace: {{ names.namespace }}` in the template's metadata.",
}

declare_code! {
    pub TEMPLATES: error "templates",
    catches: "A `templates:` folder that cannot be read, or a template in it that cannot be read.",
    why: "The project's templates replace built-in ones; without them the output would be wrong.",
    fix: "Create the folder, fix its permissions, or remove `templates:` from flinkform.yaml.",
}

/// The built-in templates: (file name, source).
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "configmap.yaml.j2",
        include_str!("../templates/configmap.yaml.j2"),
    ),
    (
        "flinkdeployment.yaml.j2",
        include_str!("../templates/flinkdeployment.yaml.j2"),
    ),
    (
        "horizontalpodautoscaler.yaml.j2",
        include_str!("../templates/horizontalpodautoscaler.yaml.j2"),
    ),
    (
        "ingress.yaml.j2",
        include_str!("../templates/ingress.yaml.j2"),
    ),
    (
        "jobmanager-deployment.yaml.j2",
        include_str!("../templates/jobmanager-deployment.yaml.j2"),
    ),
    (
        "jobmanager-service.yaml.j2",
        include_str!("../templates/jobmanager-service.yaml.j2"),
    ),
    (
        "namespace.yaml.j2",
        include_str!("../templates/namespace.yaml.j2"),
    ),
    (
        "podmonitor.yaml.j2",
        include_str!("../templates/podmonitor.yaml.j2"),
    ),
    ("role.yaml.j2", include_str!("../templates/role.yaml.j2")),
    (
        "rolebinding.yaml.j2",
        include_str!("../templates/rolebinding.yaml.j2"),
    ),
    (
        "scaledobject.yaml.j2",
        include_str!("../templates/scaledobject.yaml.j2"),
    ),
    (
        "serviceaccount.yaml.j2",
        include_str!("../templates/serviceaccount.yaml.j2"),
    ),
    (
        "taskmanager-deployment.yaml.j2",
        include_str!("../templates/taskmanager-deployment.yaml.j2"),
    ),
    (
        "taskmanager-poddisruptionbudget.yaml.j2",
        include_str!("../templates/taskmanager-poddisruptionbudget.yaml.j2"),
    ),
    (
        "taskmanager-service.yaml.j2",
        include_str!("../templates/taskmanager-service.yaml.j2"),
    ),
];

pub(crate) const NAMESPACE_TEMPLATE: &str = "namespace.yaml.j2";

pub struct Renderer {
    env: Environment<'static>,
    job_templates: Vec<String>,
    /// Templates the project's `templates:` folder supplies, with their file among the
    /// sources (for positions in diagnostics); the others are built natively.
    from_project: BTreeMap<String, FileId>,
    prometheus_url: Option<String>,
}

impl Renderer {
    /// Compiles the built-in templates and, if given, a project's template folder.
    /// `user_dir` is the project's template folder, with where flinkform.yaml names it.
    pub fn new(
        input: &crate::files::Files,
        root: &Path,
        project_root: &Path,
        user_dir: Option<(&Path, Option<crate::source::Span>)>,
        prometheus_url: Option<String>,
        files: &mut crate::source::Sources,
        diags: &mut Diagnostics,
    ) -> Option<Renderer> {
        let mut env = crate::sandbox::environment();
        env.set_auto_escape_callback(|_| AutoEscape::Json);
        let mut sources: BTreeMap<String, String> = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect();
        let mut from_project = BTreeMap::new();
        if let Some((dir, named_at)) = user_dir {
            let entries = match input.list(root, dir) {
                Ok(e) => e,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            TEMPLATES,
                            named_at,
                            format!(
                                "cannot read the templates folder {}: {e}",
                                input.shown(dir.display().to_string())
                            ),
                        )
                        .help("create the folder with the templates that replace or add to the built-in ones, or remove `templates:`"),
                    );
                    return None;
                }
            };
            let entries: Vec<(String, std::path::PathBuf)> = entries
                .into_iter()
                .filter(|(name, _)| name.ends_with(".yaml.j2"))
                .filter(|(name, path)| {
                    // The name becomes an output file's: only characters every file system,
                    // kustomize and the index take as they are.
                    let fine = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
                    // Its output file would be taken for the job folder's kustomization (on a
                    // file system that ignores case too), which the layout writes itself.
                    let fine = fine && !name.eq_ignore_ascii_case("kustomization.yaml.j2");
                    if !fine {
                        diags.push(
                            Diagnostic::error(
                                TEMPLATE_NAME,
                                named_at,
                                format!(
                                    "template {:?} has a name render cannot use for its output file",
                                    input.shown(path.display().to_string())
                                ),
                            )
                            .help("name templates with letters, digits, `.`, `_` and `-`, starting with a letter or digit, ending in `.yaml.j2`; `kustomization.yaml.j2` is taken by the job folder's own kustomization"),
                        );
                    }
                    fine
                })
                .collect();
            let paths: Vec<std::path::PathBuf> = entries.iter().map(|(_, p)| p.clone()).collect();
            let texts = input.read_all(root, project_root, &paths);
            for ((name, path), text) in entries.into_iter().zip(texts) {
                let shown = input.shown(path.display().to_string());
                let text = text.and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| crate::files::Unreadable {
                        code: crate::load::ENCODING,
                        message: "is not valid UTF-8".to_owned(),
                    })
                });
                match text {
                    Ok(text) => {
                        from_project.insert(name.clone(), files.add(shown.into(), text.clone()));
                        sources.insert(name, text);
                    }
                    Err(e) => diags.push(Diagnostic::error(
                        e.code,
                        None,
                        format!("template {shown} {}", e.message),
                    )),
                }
            }
        }
        let mut ok = true;
        for (name, source) in &sources {
            if let Err(e) = env.add_template_owned(name.clone(), source.clone()) {
                ok = false;
                diags.push(Diagnostic::error(
                    TEMPLATE,
                    None,
                    format!("template `{name}` does not compile: {e}"),
                ));
            }
        }
        let job_templates = sources
            .keys()
            .filter(|n| *n != NAMESPACE_TEMPLATE)
            .cloned()
            .collect();
        ok.then_some(Renderer {
            env,
            job_templates,
            from_project,
            prometheus_url,
        })
    }

    /// Renders one template: natively when it is a built-in one the project does not replace,
    /// through minijinja otherwise.
    fn render(
        &self,
        template: &str,
        ctx: &Context,
        job: Option<&str>,
        diags: &mut Diagnostics,
    ) -> Option<RenderedObject> {
        let object = |value| RenderedObject {
            job: job.map(str::to_owned),
            template: template.to_owned(),
            value,
        };
        if !self.from_project.contains_key(template) {
            let built = match &ctx.typed {
                Typed::Job(c) => builtin::build(template, c),
                Typed::Namespace(c) => Some(Some(builtin::namespace(c))),
            };
            if let Some(built) = built {
                return built.map(object);
            }
        }
        let describe = || job.map_or_else(String::new, |j| format!(" for job `{j}`"));
        let text = match self
            .env
            .get_template(template)
            .and_then(|t| crate::sandbox::render(&t, ctx.template_value()))
        {
            Ok(text) => text,
            Err(e) => {
                // Name what is undefined and where: the expression's text in the template.
                let source = self
                    .env
                    .get_template(template)
                    .map(|t| t.source().to_owned())
                    .ok();
                let expression = e
                    .line()
                    .zip(source.as_deref())
                    .and_then(|(l, source)| source.lines().nth(l.saturating_sub(1)))
                    .and_then(|text| undefined_path(text, ctx.template_value()))
                    .map(str::to_owned);
                // The expression's position in the project's template file, when it is one.
                let at = self
                    .from_project
                    .get(template)
                    .zip(e.line())
                    .zip(expression.as_deref().zip(source.as_deref()))
                    .map(|((&file, line), (expr, source))| {
                        let text = source
                            .lines()
                            .nth(line.saturating_sub(1))
                            .unwrap_or_default();
                        // The expression inside `{{ }}` or `{% %}`, not a key of the same name.
                        let inside = |at: &usize| {
                            let before = text[..*at].trim_end();
                            before.ends_with("{{")
                                || before.ends_with("{%")
                                || before.ends_with(['(', ',', '|', '[', '+', '~'])
                                || before.ends_with(" if")
                                || before.ends_with(" in")
                        };
                        let col = text
                            .match_indices(expr)
                            .map(|(at, _)| at)
                            .find(inside)
                            .or_else(|| text.find(expr))
                            .map_or(1, |c| text[..c].chars().count() + 1);
                        let number = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                        crate::source::Span {
                            file,
                            line: number(line),
                            col: number(col),
                            len: number(expr.len()),
                        }
                    });
                let line = e.line().map_or_else(String::new, |l| format!(", line {l}"));
                let mut d = match (e.kind(), expression.as_deref()) {
                    (minijinja::ErrorKind::UndefinedError, Some(expr)) if at.is_some() => {
                        Diagnostic::error(
                            TEMPLATE,
                            at,
                            format!(
                                "`{expr}` is undefined in template `{template}`{}",
                                describe()
                            ),
                        )
                    }
                    (minijinja::ErrorKind::UndefinedError, Some(expr)) => Diagnostic::error(
                        TEMPLATE,
                        None,
                        format!(
                            "template `{template}`{line}: `{expr}` is undefined{}",
                            describe()
                        ),
                    ),
                    _ => Diagnostic::error(
                        TEMPLATE,
                        None,
                        format!("template `{template}` failed{}: {e}", describe()),
                    ),
                };
                if e.kind() == minijinja::ErrorKind::UndefinedError {
                    d = d.help("the variables a template can use are listed in flinkform's docs/reference/context.md");
                }
                diags.push(d);
                return None;
            }
        };
        // Rendered text has no file; its positions are only quoted in the message.
        let docs = match yaml::parse(&text, FileId(u32::MAX - 1)) {
            Ok(docs) => docs,
            Err(e) => {
                let at = e.span.map_or_else(String::new, |s| {
                    let line = text
                        .lines()
                        .nth(s.line.saturating_sub(1) as usize)
                        .unwrap_or_default();
                    format!(" (line {} of its output: `{}`)", s.line, line.trim())
                });
                diags.push(Diagnostic::error(
                    TEMPLATE,
                    None,
                    format!(
                        "template `{template}` rendered invalid YAML{}{at}: {}",
                        describe(),
                        e.message
                    ),
                ));
                return None;
            }
        };
        if docs.len() > 1 {
            diags.push(Diagnostic::error(
                TEMPLATE,
                None,
                format!(
                    "template `{template}` rendered more than one object{}",
                    describe()
                ),
            ));
            return None;
        }
        docs.into_iter().next().map(|doc| object(doc.into_json()))
    }

    /// Whether a template is the project's (its own or one replacing a built-in one).
    #[must_use]
    pub fn is_from_project(&self, template: &str) -> bool {
        self.from_project.contains_key(template)
    }

    /// Every object of one job in one environment.
    pub fn render_job(&self, job: &ResolvedJob, diags: &mut Diagnostics) -> Vec<RenderedObject> {
        let ctx = Context::new(Typed::Job(context(job, self.prometheus_url.as_deref())));
        let objects: Vec<RenderedObject> = self
            .job_templates
            .iter()
            .filter_map(|t| self.render(t, &ctx, Some(job.name()), diags))
            .collect();
        // The job's overlay sets its namespace on every object (kustomize's namespace
        // transformer), so an object elsewhere would differ between `build` and the tree.
        for o in objects
            .iter()
            .filter(|o| o.namespace() != job.names.namespace)
        {
            let at = self.from_project.get(&o.template).map(|&file| {
                let source = self
                    .env
                    .get_template(&o.template)
                    .map(|t| t.source().to_owned())
                    .unwrap_or_default();
                let line = source
                    .lines()
                    .position(|l| l.trim_start().starts_with("namespace:"))
                    .map_or(1, |i| i + 1);
                crate::source::Span {
                    file,
                    line: u32::try_from(line).unwrap_or(1),
                    col: 1,
                    len: 1,
                }
            });
            let found = if o.namespace().is_empty() {
                "no namespace".to_owned()
            } else {
                format!("namespace `{}`", o.namespace().escape_debug())
            };
            diags.push(
                Diagnostic::error(
                    TEMPLATE_NAMESPACE,
                    at,
                    format!(
                        "template `{}` puts {} `{}` of job `{}` in {found}, but the job's objects live in `{}`",
                        o.template,
                        o.kind(),
                        o.name().escape_debug(),
                        job.name(),
                        job.names.namespace
                    ),
                )
                .help("set `namespace: {{ names.namespace }}` in the template's metadata: the job's overlay puts every object there"),
            );
        }
        objects
    }

    /// The Namespace objects of an environment, one per namespace its jobs use.
    pub fn render_namespaces(&self, env: &Env, diags: &mut Diagnostics) -> Vec<RenderedObject> {
        let mut namespaces: BTreeMap<&str, Option<BTreeMap<&str, &str>>> = BTreeMap::new();
        for job in &env.jobs {
            let labels: BTreeMap<&str, &str> = job
                .job
                .metadata
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            // A namespace carries the user labels that all of its jobs agree on.
            let entry = namespaces
                .entry(job.names.namespace.as_str())
                .or_insert_with(|| Some(labels.clone()));
            if let Some(common) = entry {
                common.retain(|k, v| labels.get(k) == Some(v));
            }
        }
        namespaces
            .into_iter()
            .filter_map(|(name, user)| {
                let mut labels: serde_json::Map<String, Json> = user
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), Json::from(v)))
                    .collect();
                labels.insert("app.kubernetes.io/managed-by".into(), "flinkform".into());
                labels.insert("app.kubernetes.io/part-of".into(), "flink".into());
                // Every pod flinkform writes meets the restricted profile, so admission can
                // hold anything else started in the namespace to it too.
                labels.insert(
                    "pod-security.kubernetes.io/enforce".into(),
                    "restricted".into(),
                );
                labels.sort_keys();
                let ctx = Context::new(Typed::Namespace(NamespaceContext {
                    namespace: Namespace {
                        name: name.to_owned(),
                        labels: Json::Object(labels),
                    },
                }));
                self.render(NAMESPACE_TEMPLATE, &ctx, None, diags)
            })
            .collect()
    }
}

/// What the templates of one job (or one Namespace) see: the typed context that native
/// building reads, and, converted once when a template needs it, minijinja's value of it.
struct Context {
    typed: Typed,
    value: std::cell::OnceCell<minijinja::Value>,
}

// One lives per job being rendered, on its thread's stack: no reason to box the large one.
#[allow(clippy::large_enum_variant)]
enum Typed {
    Job(JobContext),
    Namespace(NamespaceContext),
}

impl Context {
    fn new(typed: Typed) -> Context {
        Context {
            typed,
            value: std::cell::OnceCell::new(),
        }
    }

    fn template_value(&self) -> &minijinja::Value {
        self.value.get_or_init(|| match &self.typed {
            Typed::Job(c) => minijinja::Value::from(minijinja::value::Serde(c)),
            Typed::Namespace(c) => minijinja::Value::from(minijinja::value::Serde(c)),
        })
    }
}

/// The first `{{ a.b.c ... }}` path on a template line that the context does not hold.
fn undefined_path<'a>(line: &'a str, ctx: &minijinja::Value) -> Option<&'a str> {
    line.split("{{").skip(1).find_map(|block| {
        let path = block
            .trim_start()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .next()?;
        let mut value = ctx.clone();
        for part in path.split('.') {
            match value.get_attr(part) {
                Ok(v) if !v.is_undefined() => value = v,
                _ => return Some(path),
            }
        }
        None
    })
}
