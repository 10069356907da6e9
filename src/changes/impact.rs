//! What a change does to a running job: its impact, and why.
//!
//! The facts come from the objects alone, so a project's own templates are judged the same way:
//! which Deployment is the JobManager's and which the TaskManagers' (their
//! `app.kubernetes.io/component` label), whether the pod templates change (a changed template
//! rolls every pod), and the Flink configuration in the ConfigMap (high availability, the
//! maximum parallelism, the state backend and directories). Without high availability the job
//! survives a TaskManager restart (the JobManager restores the latest checkpoint in place), but
//! not a JobManager restart; with it, a JobManager restart resumes the job from its latest
//! checkpoint, as long as the job id, the cluster id, the HA storage and the state stay where
//! the new JobManager looks for them.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{Change, ObjectChange};
use crate::layout::Document;

/// What a change does to a job, from harmless to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Nothing of the job's objects changes.
    None,
    /// Objects change, but no pod restarts: the job keeps running.
    NoRestart,
    /// Pods roll and the job restarts from its latest checkpoint.
    Restart,
    /// The job restarts and cannot resume its state.
    StateLoss,
}

impl Impact {
    pub const ALL: [Impact; 4] = [
        Impact::None,
        Impact::NoRestart,
        Impact::Restart,
        Impact::StateLoss,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::NoRestart => "no-restart",
            Impact::Restart => "restart",
            Impact::StateLoss => "state-loss",
        }
    }
}

/// Keys of the Flink configuration that decide where a job's state is and whether a new
/// JobManager finds it, with how a change is described.
const STATE_KEYS: &[(&str, &str)] = &[
    (
        "state.backend.type",
        "the state backend changed: a checkpoint of one backend cannot be restored into another",
    ),
    (
        "state.backend",
        "the state backend changed: a checkpoint of one backend cannot be restored into another",
    ),
    (
        "execution.checkpointing.dir",
        "the checkpoint directory moved: the job no longer finds its checkpoints",
    ),
    (
        "state.checkpoints.dir",
        "the checkpoint directory moved: the job no longer finds its checkpoints",
    ),
    (
        "kubernetes.cluster-id",
        "the HA cluster id changed: the new JobManager does not find the job's HA records",
    ),
    (
        "high-availability.storageDir",
        "the HA storage moved: the new JobManager does not find the job's HA records",
    ),
    (
        "high-availability.storage-path",
        "the HA storage moved: the new JobManager does not find the job's HA records",
    ),
    (
        "kubernetes.namespace",
        "the namespace changed: the job's HA records stay in the old one",
    ),
];

/// What the objects of one job in one revision say.
struct Facts {
    config: BTreeMap<String, String>,
    jobmanager: Option<Json>,
    taskmanager: Option<Json>,
    /// The job's FlinkDeployment, under the operator target.
    operator: Option<Json>,
    /// The most TaskManagers its autoscaler (an HPA or a ScaledObject) may run.
    max_replicas: Option<u64>,
}

impl Facts {
    fn of(documents: &[Document]) -> Facts {
        let max_replicas = documents.iter().find_map(|d| match d.kind.as_str() {
            "HorizontalPodAutoscaler" => d.value()["spec"]["maxReplicas"].as_u64(),
            "ScaledObject" => d.value()["spec"]["maxReplicaCount"].as_u64(),
            _ => None,
        });
        if let Some(fd) = documents
            .iter()
            .find(|d| d.kind == "FlinkDeployment")
            .map(Document::value)
        {
            let spec = &fd["spec"];
            let mut config: BTreeMap<String, String> = spec["flinkConfiguration"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect();
            // The operator sets the default parallelism from the job's; its autoscaler, like
            // reactive mode, changes it at run time.
            if config.get("job.autoscaler.enabled").map(String::as_str) != Some("true")
                && let Some(p) = spec["job"]["parallelism"].as_u64()
            {
                config.insert("parallelism.default".into(), p.to_string());
            }
            return Facts {
                config,
                jobmanager: None,
                taskmanager: None,
                operator: Some(fd),
                max_replicas,
            };
        }
        let deployments: Vec<Json> = documents
            .iter()
            .filter(|d| d.kind == "Deployment")
            .map(Document::value)
            .collect();
        let deployment = |name: &str| {
            deployments
                .iter()
                .find(|v| v["metadata"]["labels"]["app.kubernetes.io/component"] == name)
                .cloned()
        };
        let config = documents
            .iter()
            .filter(|d| d.kind == "ConfigMap")
            .map(Document::value)
            .find_map(|v| {
                let data = &v["data"];
                data["config.yaml"]
                    .as_str()
                    .or_else(|| data["flink-conf.yaml"].as_str())
                    .map(str::to_owned)
            })
            .and_then(|text| super::key_lines(&text))
            .unwrap_or_default();
        Facts {
            config,
            jobmanager: deployment("jobmanager"),
            taskmanager: deployment("taskmanager"),
            operator: None,
            max_replicas,
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.config.get(key).map(String::as_str)
    }

    /// Whether high availability services are configured.
    fn high_availability(&self) -> bool {
        self.get("high-availability.type")
            .or_else(|| self.get("high-availability"))
            .is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
    }

    /// The JobManager's fixed job id (`--job-id`).
    fn job_id(&self) -> Option<String> {
        let containers =
            self.jobmanager.as_ref()?["spec"]["template"]["spec"]["containers"].as_array()?;
        containers.iter().find_map(|c| {
            let args = c["args"].as_array()?;
            let at = args.iter().position(|a| a == "--job-id")?;
            args.get(at + 1)?.as_str().map(str::to_owned)
        })
    }

    /// The maximum parallelism, as set (`true`) or as Flink derives it from the parallelism for
    /// a fresh start (reactive mode too).
    fn max_parallelism(&self) -> Option<(u64, bool)> {
        if let Some(max) = self.get("pipeline.max-parallelism") {
            return max.parse().ok().map(|m| (m, true));
        }
        let p = self.parallelism()?;
        Some((crate::flink::parallelism::default_max_parallelism(p), false))
    }

    fn parallelism(&self) -> Option<u64> {
        self.get("parallelism.default")?.parse().ok()
    }

    fn reactive(&self) -> bool {
        self.get("scheduler-mode") == Some("reactive")
    }

    /// The most slots the autoscaler can give the job.
    fn most_slots(&self) -> Option<u64> {
        let slots: u64 = self.get("taskmanager.numberOfTaskSlots")?.parse().ok()?;
        Some(self.max_replicas? * slots)
    }
}

fn template(deployment: Option<&Json>) -> Option<&Json> {
    deployment.map(|d| &d["spec"]["template"])
}

/// What changed in a pod template, in words: `image`, `Flink configuration`, ...
fn template_changes(changes: &[ObjectChange], name: Option<&str>) -> Vec<&'static str> {
    let mut what: Vec<&'static str> = Vec::new();
    for object in changes.iter().filter(|o| Some(o.name.as_str()) == name) {
        for field in object
            .fields
            .iter()
            .filter(|f| f.path.starts_with("spec.template"))
        {
            let fields = segments(&field.path);
            let has = |names: &[&str]| fields.iter().any(|f| names.contains(&f.0));
            let word = if fields.last().is_some_and(|f| f.0 == "image") {
                "image"
            } else if fields
                .iter()
                .any(|f| f.0 == "annotations" && f.1 == Some("\"flinkform.dev/config-hash\""))
            {
                "Flink configuration"
            } else if has(&["resources"]) {
                "resources"
            } else if has(&["env", "envFrom"]) {
                "environment"
            } else if has(&["args", "command"]) {
                "arguments"
            } else if has(&["volumes", "volumeMounts"]) {
                "volumes"
            } else {
                "pod template"
            };
            if !what.contains(&word) {
                what.push(word);
            }
        }
    }
    if what.is_empty() {
        what.push("pod template");
    }
    what
}

/// The fields of a change's path (as `changes::path_text` writes it), each with its key or
/// list selector: `metadata.annotations["a.b/c"]` → (`annotations`, `"a.b/c"`),
/// `containers[name=jm].env[name=X.env]` → (`containers`, `name=jm`), (`env`, `name=X.env`).
/// Selectors keep their text as written, quotes included.
fn segments(path: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'.' | b'[') {
            i += 1;
        }
        let name = &path[start..i];
        let mut selector = None;
        if bytes.get(i) == Some(&b'[') {
            // The selector ends at the first `]` outside a JSON string.
            let open = i + 1;
            let (mut quoted, mut escaped) = (false, false);
            i = open;
            while i < bytes.len() {
                match bytes[i] {
                    _ if escaped => escaped = false,
                    b'\\' if quoted => escaped = true,
                    b'"' => quoted = !quoted,
                    b']' if !quoted => break,
                    _ => {}
                }
                i += 1;
            }
            selector = Some(&path[open..i.min(bytes.len())]);
            i += 1;
        }
        out.push((name, selector));
        if bytes.get(i) == Some(&b'.') {
            i += 1;
        }
    }
    out
}

fn words(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn name_of(v: Option<&Json>) -> Option<&str> {
    v.and_then(|d| d["metadata"]["name"].as_str())
}

/// Why a change makes the job's keyed state unrestorable, if it does. The state keeps the
/// number of key groups (the maximum parallelism) of the job's first start: a maximum the job
/// sets must stay that number; a derived one gives way to it on restore (Flink rescales a
/// maximum it derived itself), but the job may not then run more parallel tasks than it has,
/// and in reactive mode such a restore fails for good. Where the job never set a maximum, the
/// state's is unknown here (Flink derived it from the parallelism of some earlier revision):
/// it is at least 128, and a change that lets the job run past that is reported.
fn key_groups(old: &Facts, new: &Facts) -> Option<String> {
    const LEAST_DERIVED: u64 = 128;
    let (Some((a, old_set)), Some((b, new_set))) = (old.max_parallelism(), new.max_parallelism())
    else {
        return None;
    };
    if new_set {
        return if old_set {
            (a != b).then(|| format!("maxParallelism {a} → {b}: keyed state cannot be restored into a different number of key groups"))
        } else {
            Some(format!(
                "maxParallelism {b} set on a job whose state has the key groups Flink derived at its first start ({a} if its parallelism has not changed since, at least {LEAST_DERIVED}): any other number cannot be restored; Flink's REST API shows the job's (`maxParallelism` of /jobs/<id>)"
            ))
        };
    }
    // The most parallel tasks each revision lets the job run: reactive mode's slots up to
    // the maximum, else the configured parallelism.
    let reach = |f: &Facts, max: u64| {
        if f.reactive() {
            f.most_slots().map(|slots| slots.min(max))
        } else {
            f.parallelism()
        }
    };
    let floor = if old_set { a } else { LEAST_DERIVED };
    let now = reach(new, b)?;
    let before = reach(old, a).unwrap_or(0);
    if now <= floor || now <= before {
        return None;
    }
    let tasks = if new.reactive() {
        format!("the autoscaler's slots now let the job run {now} parallel tasks")
    } else {
        format!("parallelism {now}")
    };
    Some(if old_set {
        format!(
            "{tasks}, above the {a} key groups of its state (its maxParallelism, now removed): the state cannot be restored"
        )
    } else {
        format!(
            "{tasks}, while its state has the key groups Flink derived at its first start without maxParallelism (at least {LEAST_DERIVED}; {LEAST_DERIVED} for a parallelism up to 85): above them the state cannot be restored{}; set maxParallelism to the state's (`maxParallelism` of /jobs/<id> in Flink's REST API)",
            if new.reactive() {
                ", and the job fails for good"
            } else {
                ""
            }
        )
    })
}

/// Fields of a FlinkDeployment's spec the operator applies without upgrading the job (its
/// `@SpecDiff` ignores them): the upgrade mode, the initial savepoint and its option, and the
/// autoscaler's and the operator's own configuration keys.
const OPERATOR_IGNORES: &[&[&str]] = &[
    &["job", "upgradeMode"],
    &["job", "initialSavepointPath"],
    &["job", "allowNonRestoredState"],
];
const OPERATOR_IGNORED_KEYS: &[&str] = &[
    "job.autoscaler",
    "kubernetes.operator",
    "parallelism.default",
];

/// A FlinkDeployment's spec as the operator compares it to decide on an upgrade, with what
/// it scales instead in standalone mode (the parallelism and the TaskManager replicas) taken
/// out separately.
fn upgrade_relevant(spec: &Json) -> (Json, Json) {
    let mut spec = spec.clone();
    for path in OPERATOR_IGNORES {
        if let Some(Json::Object(parent)) = spec.pointer_mut(&format!("/{}", path[0])) {
            parent.remove(path[1]);
        }
    }
    if let Some(Json::Object(config)) = spec.get_mut("flinkConfiguration") {
        config.retain(|k, _| !OPERATOR_IGNORED_KEYS.iter().any(|p| k.starts_with(p)));
    }
    let mut scale = Json::Null;
    if spec["mode"] == "standalone" {
        scale = serde_json::json!([
            spec["job"]["parallelism"].take(),
            spec["taskManager"]["replicas"].take()
        ]);
    }
    (spec, scale)
}

/// What an operator does with a change of a FlinkDeployment: switching modes is refused,
/// a change it compares upgrades the job in its upgrade mode (last-state and savepoint resume
/// the state, stateless does not), a scale in standalone mode restarts it from its latest
/// checkpoint, and the rest applies in place.
fn operator_upgrade(old: &Json, new: &Json, found: &mut Vec<(Impact, String)>) {
    let (a, b) = (&old["spec"], &new["spec"]);
    if a["mode"] != b["mode"] {
        found.push((
            Impact::StateLoss,
            format!("the operator's mode changes ({} → {}), which the operator refuses: the FlinkDeployment must be deleted and created again, and the job starts from its initial savepoint or with empty state", a["mode"].as_str().unwrap_or("native"), b["mode"].as_str().unwrap_or("native")),
        ));
        return;
    }
    let mode = b["job"]["upgradeMode"].as_str().unwrap_or("stateless");
    let keeps_state = matches!(mode, "last-state" | "savepoint");
    if a["job"]["state"] != b["job"]["state"] {
        let (what, how) = if b["job"]["state"] == "suspended" {
            ("suspended", "the operator stops it and removes its pods")
        } else {
            ("resumed", "the operator starts it again")
        };
        found.push(if keeps_state {
            (
                Impact::Restart,
                format!("the job is {what}: {how}; in {mode} mode its state is kept"),
            )
        } else {
            (
                Impact::StateLoss,
                format!("the job is {what}: {how}; in stateless mode its state is not kept"),
            )
        });
        return;
    }
    let ((a_spec, a_scale), (b_spec, b_scale)) = (upgrade_relevant(a), upgrade_relevant(b));
    if a_spec != b_spec {
        let fields: Vec<&str> = b_spec
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .chain(
                a_spec
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.as_str()),
            )
            .filter(|k| a_spec.get(*k) != b_spec.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let what = words(&fields);
        found.push(match mode {
            "last-state" => (Impact::Restart, format!("{what} changed: the operator upgrades the job in last-state mode; it resumes from its latest checkpoint")),
            "savepoint" => (Impact::Restart, format!("{what} changed: the operator takes a savepoint, upgrades the job and resumes it from the savepoint")),
            _ => (Impact::StateLoss, format!("{what} changed: the operator upgrades the job statelessly; it starts again from its initial savepoint or with empty state")),
        });
    } else if a_scale != b_scale {
        found.push((
            Impact::Restart,
            "the parallelism or the TaskManager replicas changed: the operator scales the TaskManagers, and reactive mode restarts the job from its latest checkpoint".into(),
        ));
    } else if a != b {
        found.push((
            Impact::NoRestart,
            "only settings the operator applies without an upgrade changed (autoscaler keys, upgrade mode, initial savepoint)".into(),
        ));
    }
}

/// The impact of a job's change and its reasons, worst first.
#[must_use]
pub fn assess(
    change: Change,
    old: Option<&[Document]>,
    new: Option<&[Document]>,
    objects: &[ObjectChange],
) -> (Impact, Vec<String>) {
    let (old, new) = match (change, old, new) {
        (Change::Unchanged, _, _) => return (Impact::None, Vec::new()),
        (Change::Added, _, _) | (_, None, _) => {
            return (
                Impact::NoRestart,
                vec!["new job: it starts from its initial savepoint or with empty state".into()],
            );
        }
        (Change::Removed, _, _) | (_, _, None) => {
            return (
                Impact::StateLoss,
                vec![
                    "job removed: it stops, and its state survives only in savepoints taken before"
                        .into(),
                ],
            );
        }
        (Change::Changed, Some(old), Some(new)) => (Facts::of(old), Facts::of(new)),
    };
    let mut found: Vec<(Impact, String)> = Vec::new();
    match (&old.operator, &new.operator) {
        (Some(a), Some(b)) => operator_upgrade(a, b, &mut found),
        (Some(_), None) | (None, Some(_)) => found.push((
            Impact::StateLoss,
            "the job moves between the standalone and the operator target: the new cluster starts it from its initial savepoint or with empty state (take a savepoint first and make it the initialSavepoint)".into(),
        )),
        (None, None) => {}
    }

    let jm_rolls = template(old.jobmanager.as_ref()) != template(new.jobmanager.as_ref())
        || name_of(old.jobmanager.as_ref()) != name_of(new.jobmanager.as_ref());
    let tm_rolls = template(old.taskmanager.as_ref()) != template(new.taskmanager.as_ref())
        || name_of(old.taskmanager.as_ref()) != name_of(new.taskmanager.as_ref());
    let ha = (old.high_availability(), new.high_availability());
    if jm_rolls {
        let what = words(&template_changes(
            objects,
            name_of(new.jobmanager.as_ref()).or(name_of(old.jobmanager.as_ref())),
        ));
        match ha {
            (true, true) => found.push((
                Impact::Restart,
                format!("{what} changed: the pods roll; high availability is on: the job resumes from its latest checkpoint"),
            )),
            (false, false) => found.push((
                Impact::StateLoss,
                format!("{what} changed: the JobManager restarts; high availability is off: the job starts again from its initial savepoint or with empty state"),
            )),
            (false, true) => found.push((
                Impact::StateLoss,
                format!("{what} changed and high availability is switched on: this restart still starts the job from its initial savepoint or with empty state; later ones resume"),
            )),
            (true, false) => found.push((
                Impact::StateLoss,
                format!("{what} changed and high availability is switched off: the new JobManager starts the job from its initial savepoint or with empty state"),
            )),
        }
    } else if tm_rolls {
        let what = words(&template_changes(
            objects,
            name_of(new.taskmanager.as_ref()).or(name_of(old.taskmanager.as_ref())),
        ));
        found.push((
            Impact::Restart,
            format!("{what} of the TaskManagers changed: they roll; the JobManager keeps the job and restores its latest checkpoint"),
        ));
    }

    // Changes that make the state unrestorable, whatever restarts it.
    if let (Some(a), Some(b)) = (old.job_id(), new.job_id())
        && a != b
    {
        found.push((
            Impact::StateLoss,
            "the job id changed: Flink recovers a job only under the id it ran with".into(),
        ));
    }
    if let Some(why) = key_groups(&old, &new) {
        found.push((Impact::StateLoss, why));
    }
    let mut said: Vec<&str> = Vec::new();
    for (key, why) in STATE_KEYS {
        if old.get(key) != new.get(key)
            && (old.get(key).is_some() && new.get(key).is_some())
            && !said.contains(why)
        {
            said.push(why);
            found.push((Impact::StateLoss, format!("{key}: {why}")));
        }
    }

    // TaskManagers that go away take their tasks with them.
    let replicas = |d: Option<&Json>| d.and_then(|d| d["spec"]["replicas"].as_u64());
    if !tm_rolls
        && let (Some(a), Some(b)) = (
            replicas(old.taskmanager.as_ref()),
            replicas(new.taskmanager.as_ref()),
        )
        && a != b
    {
        found.push(if b < a {
            (
                Impact::Restart,
                format!("TaskManager replicas {a} → {b}: the tasks of the removed TaskManagers fail, and the job restores its latest checkpoint"),
            )
        } else {
            (
                Impact::NoRestart,
                format!("TaskManager replicas {a} → {b}: new TaskManagers join; the job keeps running"),
            )
        });
    }

    if !jm_rolls && !tm_rolls {
        for object in objects {
            let what = match object.kind.as_str() {
                "Deployment" | "FlinkDeployment" => continue,
                // Labels and annotations are no configuration: only `data` reaches Flink.
                "ConfigMap"
                    if object.change != Change::Changed
                        || object.fields.iter().any(|f| f.path.starts_with("data")) =>
                {
                    "the Flink configuration changed without a pod-template change: it takes effect when the pods next restart".to_owned()
                }
                "HorizontalPodAutoscaler" | "ScaledObject" => format!(
                    "{} {} {}: the job keeps running until the autoscaler next scales it",
                    object.kind,
                    object.name,
                    object.change.as_str()
                ),
                _ => format!(
                    "{} {} {}: no pod restarts",
                    object.kind,
                    object.name,
                    object.change.as_str()
                ),
            };
            found.push((Impact::NoRestart, what));
        }
        if found.is_empty() && !objects.is_empty() {
            let what = if new.operator.is_some() {
                "the FlinkDeployment changes outside its spec: no pod restarts"
            } else {
                "the Deployments change outside their pod templates: no pod restarts"
            };
            found.push((Impact::NoRestart, what.into()));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let impact = found.first().map_or(Impact::NoRestart, |f| f.0);
    (impact, found.into_iter().map(|(_, why)| why).collect())
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn paths_split_into_fields_and_selectors() {
        assert_eq!(
            segments(r#"spec.template.metadata.annotations["flinkform.dev/config-hash"]"#),
            vec![
                ("spec", None),
                ("template", None),
                ("metadata", None),
                ("annotations", Some(r#""flinkform.dev/config-hash""#)),
            ]
        );
        assert_eq!(
            segments(r#"spec.template.spec.volumes[name="a ].env"].emptyDir"#),
            vec![
                ("spec", None),
                ("template", None),
                ("spec", None),
                ("volumes", Some(r#"name="a ].env""#)),
                ("emptyDir", None),
            ]
        );
        assert_eq!(
            segments("spec.template.spec.containers[name=jm].env[name=X.env].value"),
            vec![
                ("spec", None),
                ("template", None),
                ("spec", None),
                ("containers", Some("name=jm")),
                ("env", Some("name=X.env")),
                ("value", None),
            ]
        );
    }
}
