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
use serde_json::{Value as Json, json};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::flink_config;
use crate::metrics;
use crate::model::{Autoscaling, Engine, ScalingPolicy, ScalingRules};
use crate::resolve::{Environment as Env, ResolvedJob};
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

mod builtin;
pub mod operator;

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

const NAMESPACE_TEMPLATE: &str = "namespace.yaml.j2";

/// One Kubernetes object, as a JSON tree.
#[derive(Clone, Debug)]
pub struct RenderedObject {
    /// The job it belongs to; `None` for shared objects (Namespaces).
    pub job: Option<String>,
    pub template: String,
    pub value: Json,
}

impl RenderedObject {
    #[must_use]
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    #[must_use]
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    #[must_use]
    pub fn namespace(&self) -> &str {
        self.value["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }
}

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
                            "templates",
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
                                "template-name",
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
                        code: "encoding",
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
                    "template",
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
        if !self.from_project.contains_key(template)
            && let Some(built) = builtin::build(template, &ctx.json)
        {
            return built.map(object);
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
                    .and_then(|text| undefined_path(text, &ctx.json))
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
                            "template",
                            at,
                            format!(
                                "`{expr}` is undefined in template `{template}`{}",
                                describe()
                            ),
                        )
                    }
                    (minijinja::ErrorKind::UndefinedError, Some(expr)) => Diagnostic::error(
                        "template",
                        None,
                        format!(
                            "template `{template}`{line}: `{expr}` is undefined{}",
                            describe()
                        ),
                    ),
                    _ => Diagnostic::error(
                        "template",
                        None,
                        format!("template `{template}` failed{}: {e}", describe()),
                    ),
                };
                if e.kind() == minijinja::ErrorKind::UndefinedError {
                    d = d.help("the variables a template can use are listed in the README, \"Overriding templates\"");
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
                    "template",
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
                "template",
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
        let ctx = Context::new(context(job, self.prometheus_url.as_deref()));
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
                    "template-namespace",
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
                let ctx = Context::new(json!({"namespace": {"name": name, "labels": labels}}));
                self.render(NAMESPACE_TEMPLATE, &ctx, None, diags)
            })
            .collect()
    }
}

/// What the templates of one job (or one Namespace) see: the tree that native building reads,
/// and, converted once when a template needs it, minijinja's value of it.
struct Context {
    json: Json,
    value: std::cell::OnceCell<minijinja::Value>,
}

impl Context {
    fn new(json: Json) -> Context {
        Context {
            json,
            value: std::cell::OnceCell::new(),
        }
    }

    fn template_value(&self) -> &minijinja::Value {
        self.value
            .get_or_init(|| minijinja::Value::from(minijinja::value::Serde(&self.json)))
    }
}

/// The first `{{ a.b.c ... }}` path on a template line that the context does not hold.
fn undefined_path<'a>(line: &'a str, ctx: &Json) -> Option<&'a str> {
    line.split("{{").skip(1).find_map(|block| {
        let path = block
            .trim_start()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .next()?;
        let mut value = ctx;
        for part in path.split('.') {
            match value.get(part) {
                Some(v) => value = v,
                None => return Some(path),
            }
        }
        None
    })
}

/// Labels of one component: the recommended labels over the user's.
fn labels(job: &ResolvedJob, component: &str) -> Json {
    let m = &job.job.metadata;
    let mut map: serde_json::Map<String, Json> = m
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Json::from(v.as_str())))
        .collect();
    if let Json::Object(selector) = selector(job, component) {
        map.extend(selector);
    }
    map.insert("app.kubernetes.io/part-of".into(), m.space.clone().into());
    map.insert("app.kubernetes.io/managed-by".into(), "flinkform".into());
    map.insert(
        "app.kubernetes.io/version".into(),
        job.job.spec.flink_version.clone().into(),
    );
    map.sort_keys();
    Json::Object(map)
}

/// Selector labels: only labels that never change per environment (selectors are immutable).
fn selector(job: &ResolvedJob, component: &str) -> Json {
    json!({
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": job.name(),
        "app.kubernetes.io/name": "flink",
    })
}

fn resources(r: &crate::model::Resources) -> Json {
    let both = json!({"cpu": r.cpu, "memory": r.memory});
    object! {"requests" => both.clone(), "limits" => both}
}

/// The template context of one job.
fn context(job: &ResolvedJob, prometheus_url: Option<&str>) -> Json {
    let spec = &job.job.spec;
    let m = &job.job.metadata;
    let n = &job.names;
    let config = flink_config::build(job);

    let ha = spec.state.ha().is_some();
    let mut jm_args = vec!["standalone-job".to_owned()];
    if ha {
        // With high availability the JobManager publishes its own address in the leader
        // ConfigMaps, and TaskManagers dial that: the pod IP, as Flink's documentation wires it.
        jm_args.extend(["--host".to_owned(), "$(POD_IP)".to_owned()]);
    }
    jm_args.extend([
        "--job-classname".to_owned(),
        kubelet_literal(&spec.job.entry_class),
    ]);
    if ha {
        // Application mode recovers a job only under the id it had.
        jm_args.extend(["--job-id".to_owned(), flink_config::job_id(job)]);
    }
    if let Some(sp) = &spec.job.initial_savepoint {
        // With high availability a restarted JobManager resumes from the latest checkpoint
        // and this applies to the first start only.
        jm_args.push("--fromSavepoint".into());
        jm_args.push(kubelet_literal(&sp.path));
        if sp.allow_non_restored_state {
            jm_args.push("--allowNonRestoredState".into());
        }
    }
    if !spec.job.args.is_empty() {
        // Flink's entrypoint stops reading its own options at `--`: `--host kafka:9092` is
        // the job's argument, not the JobManager's address.
        jm_args.push("--".into());
        jm_args.extend(spec.job.args.iter().map(|a| kubelet_literal(a)));
    }

    let security = Security::new();
    let container_security = security.container.clone();
    let plugins = flink_config::filesystem_plugins(spec);
    let mut init_mounts = vec![
        json!({"name": "flink-config", "mountPath": "/flink-config", "readOnly": true}),
        json!({"name": "flink-conf", "mountPath": "/flink-conf"}),
    ];
    if !plugins.is_empty() {
        init_mounts.push(json!({"name": "flink-plugins", "mountPath": "/flink-plugins"}));
    }
    let config_init = json!({
        "name": "flink-config",
        "image": spec.image,
        "imagePullPolicy": spec.image_pull_policy,
        "command": ["sh", "-c", flink_config::init_script(config.file_name, &plugins)],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        "securityContext": container_security,
        "volumeMounts": init_mounts,
    });
    // The image's entrypoint sets jobmanager.rpc.address to JOB_MANAGER_RPC_ADDRESS, or to the
    // pod's own name without it, wherever it can write the conf folder.
    let tm_env = vec![json!({"name": "JOB_MANAGER_RPC_ADDRESS", "value": n.job_manager_service})];
    let jm_env = if ha {
        vec![
            json!({"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}),
            json!({"name": "JOB_MANAGER_RPC_ADDRESS", "value": "$(POD_IP)"}),
        ]
    } else {
        tm_env.clone()
    };
    let mut pod_annotations = scrape_annotations(spec.metrics.port);
    pod_annotations["flinkform.dev/config-hash"] = config.hash.clone().into();
    if let Json::Object(map) = &mut pod_annotations {
        map.sort_keys();
    }
    let accounts = service_accounts(job);
    // Each component's labels, for its objects and (with the user's pod labels) its pods.
    let jm_labels = labels(job, "jobmanager");
    let tm_labels = labels(job, "taskmanager");

    let operator = job.on_operator().then(|| {
        operator::context(
            job,
            &operator::Parts {
                job_manager_labels: jm_labels.clone(),
                task_manager_labels: tm_labels.clone(),
                pod_annotations: &scrape_annotations(spec.metrics.port),
                plugins: &plugins,
                service_account: accounts.job_manager.as_deref(),
                security: &security,
                logging: config.logging.as_deref(),
            },
        )
    });
    let mut volumes = json!([
        {"name": "flink-config", "configMap": {"name": n.config_map}},
        {"name": "flink-conf", "emptyDir": {}},
    ]);
    if !plugins.is_empty()
        && let Json::Array(list) = &mut volumes
    {
        list.push(json!({"name": "flink-plugins", "emptyDir": {}}));
    }
    let annotations: serde_json::Map<String, Json> = m
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), Json::from(v.as_str())))
        .collect();
    object! {
        "job" => object! {
            "name" => m.name.as_str(),
            "space" => m.space.as_str(),
            "spaceId" => m.space_id,
            "env" => job.env.as_str(),
            "image" => spec.image.as_str(),
            "imagePullPolicy" => spec.image_pull_policy.as_str(),
            "flinkVersion" => spec.flink_version.as_str(),
            "flinkJobName" => flink_config::prometheus_job_name(job),
            "target" => spec.target.as_str(),
        },
        "names" => object! {
            "namespace" => n.namespace.as_str(),
            "jobManager" => n.job_manager.as_str(),
            "taskManager" => n.task_manager.as_str(),
            "jobManagerService" => n.job_manager_service.as_str(),
            "taskManagerService" => n.task_manager_service.as_str(),
            "configMap" => n.config_map.as_str(),
            "serviceAccount" => n.service_account.as_str(),
        },
        "labels" => object! {
            "jobManager" => jm_labels.clone(),
            "taskManager" => tm_labels.clone(),
            "config" => labels(job, "config"),
            "metrics" => labels(job, "metrics"),
            "rbac" => if accounts.rbac { labels(job, "rbac") } else { Json::Null },
            "flinkDeployment" => if operator.is_some() { labels(job, "flinkdeployment") } else { Json::Null },
        },
        "selector" => object! {
            "jobManager" => selector(job, "jobmanager"),
            "taskManager" => selector(job, "taskmanager"),
        },
        "annotations" => annotations,
        "config" => object! {
            "fileName" => config.file_name,
            "content" => config.content,
            "logFileName" => flink_config::LOG_CONFIG,
            "logging" => config.logging,
            "hash" => config.hash,
        },
        "ingress" => spec.ingress.as_ref().map(|i| ingress(i, n)),
        "metrics" => object! {"port" => spec.metrics.port, "podMonitor" => spec.metrics.pod_monitor},
        "pod" => object! {
            "securityContext" => security.pod.clone(),
            "containerSecurityContext" => container_security,
            "configInit" => config_init,
        },
        "jobManager" => component_pod(
            object! {
                "args" => jm_args,
                "resources" => resources(&spec.job_manager.resources),
                "probes" => job_manager_probes(),
            },
            &spec.job_manager.pod,
            PodBase {
                labels: jm_labels,
                annotations: &pod_annotations,
                env: jm_env,
                volumes: &volumes,
                account: accounts.job_manager.as_deref(),
            },
        ),
        "taskManager" => component_pod(
            object! {
                "replicas" => spec.task_manager.replicas,
                "resources" => resources(&spec.task_manager.resources),
                "probes" => task_manager_probes(),
            },
            &spec.task_manager.pod,
            PodBase {
                labels: tm_labels,
                annotations: &pod_annotations,
                env: tm_env,
                volumes: &volumes,
                account: accounts.task_manager.as_deref(),
            },
        ),
        "ha" => if ha {
            object! {
                "clusterId" => flink_config::cluster_id(job),
                "jobId" => flink_config::job_id(job),
            }
        } else {
            Json::Null
        },
        "rbac" => if accounts.rbac {
            object! {
                "createAccount" => accounts.create,
                "subjects" => accounts.subjects,
                "rules" => rbac_rules(spec.target),
            }
        } else {
            Json::Null
        },
        "autoscaling" => spec
            .autoscaling
            .as_ref()
            .filter(|a| a.enabled)
            .map(|a| autoscaling(job, a, prometheus_url)),
        "operator" => operator,
    }
}

/// The JobManager's probes. Liveness: its RPC port answers. Readiness: the REST API answers,
/// which it does once the dispatcher runs (a rollout waits for it, the Service sends users
/// only to a JobManager that serves). Startup: up to five minutes for a slow start (a large
/// jar, a restore from a big checkpoint) before liveness counts.
fn job_manager_probes() -> Json {
    let rest = json!({"httpGet": {"path": "/config", "port": 8081}});
    object! {
        "livenessProbe" => json!({"tcpSocket": {"port": 6123}, "initialDelaySeconds": 30, "periodSeconds": 60}),
        "readinessProbe" => merged(&rest, json!({"periodSeconds": 10})),
        "startupProbe" => merged(&rest, json!({"periodSeconds": 5, "failureThreshold": 60})),
    }
}

/// The TaskManager's probes: its RPC port answers. Readiness tells a rollout and the HPA,
/// which leaves the CPU of pods that are not ready yet out of its average, when a new
/// TaskManager is up.
fn task_manager_probes() -> Json {
    object! {
        "livenessProbe" => json!({"tcpSocket": {"port": 6122}, "initialDelaySeconds": 30, "periodSeconds": 60}),
        "readinessProbe" => json!({"tcpSocket": {"port": 6122}, "periodSeconds": 10}),
    }
}

/// `base` with the fields of `more` added.
fn merged(base: &Json, more: Json) -> Json {
    let mut out = base.clone();
    if let (Json::Object(out), Json::Object(more)) = (&mut out, more) {
        out.extend(more);
    }
    out
}

/// A container argument that reaches the process exactly as written: the kubelet expands
/// `$(VAR)` in `args` and reads `$$` as `$`, so every `$` is doubled.
fn kubelet_literal(arg: &str) -> String {
    arg.replace('$', "$$")
}

/// The security contexts of the Flink pods: the official image's `flink` user (9999), no
/// privilege escalation, no capabilities.
pub struct Security {
    pod: Json,
    container: Json,
}

impl Security {
    fn new() -> Security {
        Security {
            pod: json!({
                "runAsUser": 9999,
                "runAsGroup": 9999,
                "fsGroup": 9999,
                "runAsNonRoot": true,
                "seccompProfile": {"type": "RuntimeDefault"},
            }),
            container: json!({
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
            }),
        }
    }
}

/// The Prometheus scrape annotations of a Flink pod.
fn scrape_annotations(port: u16) -> Json {
    json!({
        "prometheus.io/path": "/metrics",
        "prometheus.io/port": port.to_string(),
        "prometheus.io/scrape": "true",
    })
}

/// The Ingress to the JobManager Service's web UI port.
fn ingress(i: &crate::model::IngressSpec, n: &crate::resolve::Names) -> Json {
    let mut rule = serde_json::Map::new();
    if let Some(host) = &i.host {
        rule.insert("host".into(), host.as_str().into());
    }
    rule.insert(
        "http".into(),
        json!({"paths": [{
            "path": i.path.as_deref().unwrap_or("/"),
            "pathType": "Prefix",
            "backend": {"service": {"name": n.job_manager_service, "port": {"name": "webui"}}},
        }]}),
    );
    let mut spec = serde_json::Map::new();
    if let Some(class) = &i.class_name {
        spec.insert("ingressClassName".into(), class.as_str().into());
    }
    if let Some(tls) = &i.tls {
        spec.insert(
            "tls".into(),
            json!([{"hosts": i.host.iter().collect::<Vec<_>>(), "secretName": tls.secret_name}]),
        );
    }
    spec.insert("rules".into(), json!([rule]));
    object! {
        "annotations" => json!(i.annotations),
        "spec" => Json::Object(spec),
    }
}

/// What the Role grants: with high availability, the ConfigMaps Flink keeps leader election
/// and checkpoint pointers in; under the operator, whose JobManager creates the TaskManager
/// pods (native mode) and owns them through its Deployment, also pods and Deployments.
fn rbac_rules(target: crate::model::RunTarget) -> Json {
    let verbs = json!([
        "get", "list", "watch", "create", "update", "patch", "delete"
    ]);
    match target {
        crate::model::RunTarget::Standalone => json!([
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": verbs},
        ]),
        crate::model::RunTarget::Operator => json!([
            {"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": verbs},
            {"apiGroups": ["apps"], "resources": ["deployments", "deployments/finalizers"], "verbs": verbs},
        ]),
    }
}

/// The accounts the pods run as: the user's `pod.serviceAccountName` (a cloud identity, say),
/// or, with high availability or under the operator (which requires one), the one flinkform
/// emits; the Role is bound to them.
struct Accounts {
    job_manager: Option<String>,
    task_manager: Option<String>,
    /// Whether a Role and RoleBinding are emitted.
    rbac: bool,
    /// Whether flinkform's own ServiceAccount is used, so emitted.
    create: bool,
    /// The accounts the RoleBinding grants the Role to.
    subjects: Vec<String>,
}

fn service_accounts(job: &ResolvedJob) -> Accounts {
    let spec = &job.job.spec;
    let ha = spec.state.ha().is_some() || spec.target == crate::model::RunTarget::Operator;
    let own = || ha.then(|| job.names.service_account.clone());
    let job_manager = spec
        .job_manager
        .pod
        .service_account_name
        .clone()
        .or_else(own);
    let task_manager = spec
        .task_manager
        .pod
        .service_account_name
        .clone()
        .or_else(own);
    let mut subjects: Vec<String> = [&job_manager, &task_manager]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    subjects.dedup();
    let create = ha && subjects.contains(&job.names.service_account);
    Accounts {
        job_manager,
        task_manager,
        rbac: ha,
        create,
        subjects: if ha { subjects } else { Vec::new() },
    }
}

/// What flinkform puts into a pod before the user's settings.
struct PodBase<'a> {
    labels: Json,
    annotations: &'a Json,
    env: Vec<Json>,
    volumes: &'a Json,
    account: Option<&'a str>,
}

/// A pod's labels and annotations: flinkform's, with the user's added (the rules reject a user
/// key that would replace one of flinkform's).
fn pod_metadata(pod: &crate::model::PodSettings, labels: Json, annotations: &Json) -> (Json, Json) {
    let mut labels = labels;
    if let Json::Object(map) = &mut labels {
        for (k, v) in &pod.labels {
            map.entry(k.clone()).or_insert_with(|| v.as_str().into());
        }
        map.sort_keys();
    }
    let mut annotations = annotations.clone();
    if let Json::Object(map) = &mut annotations {
        for (k, v) in &pod.annotations {
            map.entry(k.clone()).or_insert_with(|| v.as_str().into());
        }
        map.sort_keys();
    }
    (labels, annotations)
}

/// The pod-spec fields of the user's pod settings that are set, in the order the templates
/// write them, with the account the pod runs as first.
fn scheduling(
    pod: &crate::model::PodSettings,
    account: Option<&str>,
) -> serde_json::Map<String, Json> {
    let mut scheduling = serde_json::Map::new();
    let mut put = |key: &str, value: Json| {
        let empty = match &value {
            Json::Null => true,
            Json::Array(a) => a.is_empty(),
            Json::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            scheduling.insert(key.to_owned(), value);
        }
    };
    put("serviceAccountName", account.into());
    put("priorityClassName", pod.priority_class_name.clone().into());
    put("nodeSelector", json!(pod.node_selector));
    put("affinity", pod.affinity.clone().unwrap_or(Json::Null));
    put("tolerations", pod.tolerations.clone().into());
    put(
        "topologySpreadConstraints",
        pod.topology_spread_constraints.clone().into(),
    );
    put("imagePullSecrets", pod.image_pull_secrets.clone().into());
    scheduling
}

/// One component's context: its own fields, and its pod as flinkform's settings with the
/// user's added (the rules reject a user setting that would replace one of flinkform's).
fn component_pod(mut own: Json, pod: &crate::model::PodSettings, base: PodBase) -> Json {
    let (labels, annotations) = pod_metadata(pod, base.labels, base.annotations);
    let mut env = base.env;
    env.extend(pod.env.iter().cloned());
    let mut volumes = base.volumes.as_array().cloned().unwrap_or_default();
    volumes.extend(pod.volumes.iter().cloned());
    let mut mounts =
        vec![json!({"name": "flink-conf", "mountPath": "/opt/flink/conf", "readOnly": true})];
    if base
        .volumes
        .as_array()
        .is_some_and(|v| v.iter().any(|v| v["name"] == "flink-plugins"))
    {
        mounts.push(
            json!({"name": "flink-plugins", "mountPath": flink_config::PLUGINS_DIR, "readOnly": true}),
        );
    }
    mounts.extend(pod.volume_mounts.iter().cloned());
    let scheduling = scheduling(pod, base.account);
    if let Json::Object(map) = &mut own {
        map.insert("podLabels".into(), labels);
        map.insert("podAnnotations".into(), annotations);
        map.insert("scheduling".into(), Json::Object(scheduling));
        map.insert("env".into(), env.into());
        map.insert("envFrom".into(), pod.env_from.clone().into());
        map.insert("volumes".into(), volumes.into());
        map.insert("volumeMounts".into(), mounts.into());
    }
    own
}

fn autoscaling(job: &ResolvedJob, a: &Autoscaling, prometheus_url: Option<&str>) -> Json {
    // The HPA's metrics and, for the keda engine, the ScaledObject's triggers.
    let mut metrics = Vec::new();
    let mut triggers = Vec::new();
    for (name, rule) in [("cpu", &a.cpu), ("memory", &a.memory)] {
        if let Some(u) = rule {
            metrics.push(json!({
                "type": "Resource",
                "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": u.average_utilization}},
            }));
            triggers.push(json!({
                "type": name,
                "metricType": "Utilization",
                "metadata": {"value": u.average_utilization.to_string()},
            }));
        }
    }
    let job_name = flink_config::prometheus_job_name(job);
    for rule in &a.flink_metrics {
        let (target_type, target_key, target) =
            match (&rule.target.value, &rule.target.average_value) {
                (Some(v), _) => ("Value", "value", v),
                (None, Some(v)) => ("AverageValue", "averageValue", v),
                (None, None) => continue,
            };
        let metric = match (
            rule.metric.as_deref().and_then(metrics::preset),
            &rule.external,
        ) {
            (Some(preset), _) => {
                triggers.push(json!({
                    "type": "prometheus",
                    "name": preset.name.to_lowercase(),
                    "metricType": target_type,
                    "metadata": {
                        "serverAddress": prometheus_url.unwrap_or_default(),
                        "query": preset.query(&job_name, &job.names.namespace),
                        "threshold": target,
                    },
                }));
                json!({"name": preset.external_name(), "selector": {"matchLabels": {"job_name": job_name}}})
            }
            (None, Some(ext)) => {
                let mut metric = json!({"name": ext.name});
                if let Some(selector) = &ext.selector {
                    metric["selector"] = json!({"matchLabels": selector.match_labels});
                }
                metric
            }
            (None, None) => continue,
        };
        metrics.push(json!({
            "type": "External",
            "external": {"metric": metric, "target": {"type": target_type, target_key: target}},
        }));
    }
    object! {
        "engine" => match a.engine {
            Engine::Hpa => "hpa",
            Engine::Keda => "keda",
            Engine::Operator => "operator",
        },
        "scaleTargetRef" => if job.on_operator() {
            // The FlinkDeployment's scale subresource: its `spec.taskManager.replicas`.
            json!({"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment", "name": job.name()})
        } else {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": job.names.task_manager})
        },
        "minReplicas" => a.min_replicas,
        "maxReplicas" => a.max_replicas,
        "metrics" => metrics,
        "triggers" => triggers,
        "behavior" => object! {
            "scaleUp" => complete_rules(a.behavior.scale_up.as_ref(), &default_scale_up()),
            "scaleDown" => complete_rules(a.behavior.scale_down.as_ref(), &default_scale_down()),
        },
    }
}

/// The default behavior, written out in full: the API server fills in the whole block once
/// any part is set, and a partial block is drift in Argo CD. Kubernetes' own defaults but for
/// a 60 s scale-up window: the catch-up after every restart burns CPU that looks like load,
/// and without the window that catch-up alone adds a TaskManager, which is another restart
/// (docs/simulate.md has the simulations).
fn default_scale_up() -> ScalingRules {
    ScalingRules {
        stabilization_window_seconds: Some(60),
        select_policy: Some("Max".into()),
        policies: Some(vec![
            ScalingPolicy {
                kind: "Pods".into(),
                value: 4,
                period_seconds: 15,
            },
            ScalingPolicy {
                kind: "Percent".into(),
                value: 100,
                period_seconds: 15,
            },
        ]),
    }
}

fn default_scale_down() -> ScalingRules {
    ScalingRules {
        stabilization_window_seconds: Some(300),
        select_policy: Some("Max".into()),
        policies: Some(vec![ScalingPolicy {
            kind: "Percent".into(),
            value: 100,
            period_seconds: 15,
        }]),
    }
}

fn complete_rules(given: Option<&ScalingRules>, default: &ScalingRules) -> Json {
    let pick = |f: fn(&ScalingRules) -> Json| {
        given
            .map(f)
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| f(default))
    };
    json!({
        "stabilizationWindowSeconds": pick(|r| json!(r.stabilization_window_seconds)),
        "selectPolicy": pick(|r| json!(r.select_policy)),
        "policies": pick(|r| json!(r.policies)),
    })
}
