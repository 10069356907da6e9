//! `flinkform diff` on temporary git repositories: each change a pull request makes, and the
//! impact the report gives every job in every environment.

use crate::common;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const PROJECT: &str = r#"apiVersion: flinkform.dev/v1alpha1
kind: Project
spec:
  naming:
    namespace: "flink-{{ env }}"
  defaults:
    flinkVersion: "1.20.1"
    jobManager:
      resources: {cpu: "1", memory: 1600Mi}
    state:
      checkpoints: s3://flink-state/checkpoints
      highAvailability: {enabled: false, storageDir: s3://flink-state/ha}
  environments:
    - name: dev
    - name: prod
      overrides:
        state:
          highAvailability: {enabled: true}
"#;

const ORDERS: &str = r#"apiVersion: flinkform.dev/v1alpha1
kind: FlinkJob
metadata: {name: orders, space: shop, spaceId: 7}
spec:
  image: registry.example.com/flink/orders:1.0.0
  job:
    jarURI: local:///opt/flink/usrlib/orders.jar
    entryClass: com.example.Orders
    parallelism: 4
    maxParallelism: 120
  taskManager:
    taskSlots: 2
    resources: {cpu: "1", memory: 2Gi}
  flinkConfiguration:
    execution.checkpointing.interval: 30s
  autoscaling:
    minReplicas: 2
    maxReplicas: 6
    cpu: {averageUtilization: 70}
"#;

const PAYMENTS: &str = r#"apiVersion: flinkform.dev/v1alpha1
kind: FlinkJob
metadata: {name: payments, space: shop, spaceId: 7}
spec:
  image: registry.example.com/flink/payments:3.2.0
  job:
    jarURI: local:///opt/flink/usrlib/payments.jar
    entryClass: com.example.Payments
    parallelism: 4
    maxParallelism: 64
  taskManager:
    replicas: 2
    taskSlots: 2
    resources: {cpu: "1", memory: 2Gi}
  flinkConfiguration:
    execution.checkpointing.interval: 1m
"#;

/// A git repository whose `flink/` folder is the project, committed once.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write("flinkform.yaml", PROJECT);
        repo.write("jobs/orders.yaml", ORDERS);
        repo.write("jobs/payments.yaml", PAYMENTS);
        repo.write("../README.md", "not part of the project\n");
        repo.commit("first");
        repo
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("flink")
    }

    fn git(&self, args: &[&str]) -> Output {
        common::git(self.dir.path(), args)
    }

    /// Writes a file of the project (`../x` lands beside it).
    fn write(&self, rel: &str, text: &str) {
        let path = self.project().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.project().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.project().join(rel)).unwrap();
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Runs `flinkform --project flink ARGS` in the repository.
    fn flinkform(&self, args: &[&str]) -> Output {
        Command::new(common::bin())
            .args(["--color", "never", "--project", "flink"])
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("NO_COLOR")
            .output()
            .expect("flinkform runs")
    }

    /// The JSON report of `diff` (which must succeed).
    fn report(&self, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json", "diff"];
        all.extend(args);
        let out = self.flinkform(&all);
        assert_eq!(out.status.code(), Some(0), "{}", common::all_output(&out));
        serde_json::from_slice(&out.stdout).expect("diff --format json prints one JSON document")
    }
}

fn env<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no environment {name} in {report:#}"))
}

fn job<'a>(report: &'a Value, env_name: &str, name: &str) -> &'a Value {
    env(report, env_name)["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == name)
        .unwrap_or_else(|| panic!("no job {name} in {env_name}: {report:#}"))
}

/// `(change, impact)` of a job.
fn verdict(report: &Value, env_name: &str, name: &str) -> (String, String) {
    let j = job(report, env_name, name);
    (
        j["change"].as_str().unwrap().to_owned(),
        j["impact"].as_str().unwrap().to_owned(),
    )
}

fn pair(change: &str, impact: &str) -> (String, String) {
    (change.to_owned(), impact.to_owned())
}

fn reasons(report: &Value, env_name: &str, name: &str) -> String {
    job(report, env_name, name)["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every changed field of a job, as `Kind/name path: old -> new`.
fn fields(report: &Value, env_name: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for o in job(report, env_name, name)["objects"].as_array().unwrap() {
        for f in o["fields"].as_array().unwrap() {
            out.push(format!(
                "{}/{} {}: {} -> {}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f.get("old").map_or("(absent)".into(), Value::to_string),
                f.get("new").map_or("(absent)".into(), Value::to_string),
            ));
        }
    }
    out
}

#[test]
fn no_change_and_a_moved_file_change_nothing() {
    let repo = Repo::new();
    let report = repo.report(&[]);
    assert_eq!(report["version"], 1);
    assert_eq!(report["impact"], "none");
    for e in ["dev", "prod"] {
        assert_eq!(env(&report, e)["change"], "unchanged");
        for j in ["orders", "payments"] {
            assert_eq!(verdict(&report, e, j), pair("unchanged", "none"));
        }
    }
    // A job file moved and its keys reordered compile to the same objects.
    repo.remove("jobs/orders.yaml");
    let reordered = ORDERS.replace(
        "  flinkConfiguration:\n    execution.checkpointing.interval: 30s\n",
        "",
    );
    let reordered = reordered.replace(
        "spec:\n",
        "spec:\n  flinkConfiguration: {execution.checkpointing.interval: 30s}\n",
    );
    repo.write("jobs/team/orders.yml", &reordered);
    let report = repo.report(&[]);
    assert_eq!(report["impact"], "none", "{report:#}");
    let text = repo.flinkform(&["diff"]);
    assert!(
        common::stdout(&text).contains("environment dev: 2 unchanged"),
        "{}",
        common::all_output(&text)
    );
}

#[test]
fn scaling_only_changes_restart_nothing() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "maxReplicas: 6", "maxReplicas: 9");
    let report = repo.report(&[]);
    for e in ["dev", "prod"] {
        assert_eq!(verdict(&report, e, "orders"), pair("changed", "no-restart"));
        assert_eq!(verdict(&report, e, "payments"), pair("unchanged", "none"));
        assert_eq!(
            fields(&report, e, "orders"),
            ["HorizontalPodAutoscaler/orders-taskmanager spec.maxReplicas: 6 -> 9"]
        );
    }
    // Fixed replicas: more TaskManagers join a running job, fewer take tasks with them.
    repo.edit("jobs/payments.yaml", "replicas: 2", "replicas: 3");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "dev", "payments"),
        pair("changed", "no-restart")
    );
    repo.commit("three");
    repo.edit("jobs/payments.yaml", "replicas: 3", "replicas: 2");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "dev", "payments"),
        pair("changed", "restart")
    );
    assert!(reasons(&report, "dev", "payments").contains("TaskManager replicas 3 → 2"));
}

#[test]
fn an_image_change_restarts_with_high_availability_and_loses_state_without() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "orders:1.0.0", "orders:1.1.0");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "restart")
    );
    assert_eq!(
        verdict(&report, "dev", "orders"),
        pair("changed", "state-loss")
    );
    assert_eq!(env(&report, "prod")["impact"], "restart");
    assert_eq!(report["impact"], "state-loss");
    let prod = reasons(&report, "prod", "orders");
    assert!(
        prod.starts_with("image changed") && prod.contains("high availability is on"),
        "{prod}"
    );
    let dev = reasons(&report, "dev", "orders");
    assert!(dev.contains("high availability is off"), "{dev}");
    assert!(
        fields(&report, "prod", "orders").contains(
            &r#"Deployment/orders-jobmanager spec.template.spec.containers[name=jobmanager].image: "registry.example.com/flink/orders:1.0.0" -> "registry.example.com/flink/orders:1.1.0""#.to_owned()
        ),
        "{:#?}",
        fields(&report, "prod", "orders")
    );
}

#[test]
fn flink_configuration_changes_are_shown_by_key() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "interval: 30s", "interval: 45s");
    let report = repo.report(&[]);
    let changed = fields(&report, "prod", "orders");
    assert!(
        changed.contains(
            &r#"ConfigMap/orders-config data["config.yaml"]["execution.checkpointing.interval"]: "30s" -> "45s""#.to_owned()
        ),
        "{changed:#?}"
    );
    // The config text is never shown whole: only its key changed.
    assert!(
        !changed.iter().any(|f| f.contains("jobmanager.rpc.address")),
        "{changed:#?}"
    );
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "restart")
    );
    assert_eq!(
        verdict(&report, "dev", "orders"),
        pair("changed", "state-loss")
    );
    assert!(reasons(&report, "prod", "orders").starts_with("Flink configuration changed"));
}

#[test]
fn unrestorable_state_loses_it_even_with_high_availability() {
    let repo = Repo::new();
    repo.edit(
        "jobs/orders.yaml",
        "maxParallelism: 120",
        "maxParallelism: 240",
    );
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "state-loss")
    );
    let why = reasons(&report, "prod", "orders");
    assert!(why.starts_with("maxParallelism 120 → 240"), "{why}");

    // The state backend and the checkpoint folder.
    let repo = Repo::new();
    repo.edit(
        "jobs/payments.yaml",
        "interval: 1m\n",
        "interval: 1m\n    state.backend.type: hashmap\n",
    );
    repo.commit("hashmap");
    repo.edit("jobs/payments.yaml", "type: hashmap", "type: rocksdb");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "payments"),
        pair("changed", "state-loss")
    );
    assert!(reasons(&report, "prod", "payments").contains("state backend"));

    let repo = Repo::new();
    repo.edit(
        "flinkform.yaml",
        "checkpoints: s3://flink-state/checkpoints",
        "checkpoints: s3://flink-state/v2",
    );
    let report = repo.report(&[]);
    for j in ["orders", "payments"] {
        assert_eq!(verdict(&report, "prod", j), pair("changed", "state-loss"));
        assert!(reasons(&report, "prod", j).contains("checkpoint directory moved"));
    }

    // Switching high availability on: this rollout still starts from scratch.
    let repo = Repo::new();
    repo.edit(
        "flinkform.yaml",
        "highAvailability: {enabled: false,",
        "highAvailability: {enabled: true,",
    );
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "dev", "orders"),
        pair("changed", "state-loss")
    );
    assert!(reasons(&report, "dev", "orders").contains("switched on"));
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("unchanged", "none")
    );
}

/// Without `maxParallelism` Flink derives the maximum parallelism from the parallelism, but
/// only for a fresh start: a job that restores its state takes the state's maximum (Flink
/// rescales a maximum it derived itself), as long as its parallelism does not exceed it. So
/// the parallelism of a reactive job rolls nothing and loses nothing while its slots stay
/// within the state's maximum, and a fixed job's parallelism loses its state only above it.
#[test]
fn the_parallelism_without_max_parallelism_loses_state_only_above_the_states_maximum() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "    maxParallelism: 120\n", "");
    repo.edit("jobs/payments.yaml", "    maxParallelism: 64\n", "");
    repo.edit("jobs/payments.yaml", "replicas: 2", "replicas: 100");
    repo.commit("implicit maximum parallelism");
    // Reactive: 4 → 100 moves the derived maximum from 128 to 256, and changes nothing while
    // the autoscaler gives at most 12 slots...
    repo.edit("jobs/orders.yaml", "parallelism: 4", "parallelism: 100");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "no-restart")
    );
    // ...but with 160 (80 TaskManagers of 2 slots) the job would run past the state's 128 key
    // groups after a restart, which Flink refuses for good.
    repo.edit("jobs/orders.yaml", "maxReplicas: 6", "maxReplicas: 80");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "state-loss")
    );
    let why = reasons(&report, "prod", "orders");
    assert!(
        why.contains("let the job run 160 parallel tasks") && why.contains("fails for good"),
        "{why}"
    );
    // Fixed: 4 → 100 keeps within the state's 128 key groups (its derived 256 gives way)...
    repo.edit("jobs/payments.yaml", "parallelism: 4", "parallelism: 100");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "payments"),
        pair("changed", "restart")
    );
    // ...and 4 → 200 does not.
    repo.edit("jobs/payments.yaml", "parallelism: 100", "parallelism: 200");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "payments"),
        pair("changed", "state-loss")
    );
    let why = reasons(&report, "prod", "payments");
    assert!(
        why.starts_with("parallelism 200, while its state has"),
        "{why}"
    );
    // Setting maxParallelism on a job whose state's was derived must match the state's, which
    // only Flink knows.
    repo.edit("jobs/payments.yaml", "parallelism: 200", "parallelism: 4");
    repo.edit(
        "jobs/payments.yaml",
        "    parallelism: 4\n",
        "    parallelism: 4\n    maxParallelism: 128\n",
    );
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "payments"),
        pair("changed", "state-loss")
    );
    assert!(
        reasons(&report, "prod", "payments")
            .contains("maxParallelism 128 set on a job whose state"),
        "{}",
        reasons(&report, "prod", "payments")
    );
}

/// A state's key groups are those of the job's first start, not of the revision before: two
/// changes that are each harmless alone still report what they do together.
#[test]
fn key_groups_are_judged_against_what_any_earlier_start_may_have_derived() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "    maxParallelism: 120\n", "");
    repo.commit("implicit maximum parallelism");
    repo.edit("jobs/orders.yaml", "parallelism: 4", "parallelism: 100");
    assert_eq!(
        verdict(&repo.report(&[]), "prod", "orders"),
        pair("changed", "no-restart")
    );
    repo.commit("parallelism 100 (derives 256; the state keeps 128)");
    repo.edit("jobs/orders.yaml", "maxReplicas: 6", "maxReplicas: 400");
    assert_eq!(
        verdict(&repo.report(&[]), "prod", "orders"),
        pair("changed", "state-loss")
    );
}

#[test]
fn jobs_added_removed_and_renamed() {
    let repo = Repo::new();
    repo.remove("jobs/payments.yaml");
    repo.write(
        "jobs/refunds.yaml",
        &PAYMENTS.replace("payments", "refunds"),
    );
    repo.edit("jobs/orders.yaml", "name: orders,", "name: orders-v2,");
    let report = repo.report(&[]);
    for e in ["dev", "prod"] {
        assert_eq!(
            verdict(&report, e, "payments"),
            pair("removed", "state-loss")
        );
        assert_eq!(verdict(&report, e, "orders"), pair("removed", "state-loss"));
        assert_eq!(
            verdict(&report, e, "orders-v2"),
            pair("added", "no-restart")
        );
        assert_eq!(verdict(&report, e, "refunds"), pair("added", "no-restart"));
        let added = job(&report, e, "refunds")["objects"].as_array().unwrap();
        assert!(added.iter().all(|o| o["change"] == "added"));
        assert!(added.iter().any(|o| o["kind"] == "Deployment"));
    }
}

#[test]
fn an_environment_added() {
    let repo = Repo::new();
    repo.edit(
        "flinkform.yaml",
        "  environments:\n",
        "  environments:\n    - name: staging\n",
    );
    let report = repo.report(&[]);
    let staging = env(&report, "staging");
    assert_eq!(staging["change"], "added");
    assert_eq!(staging["objects"][0]["kind"], "Namespace");
    assert_eq!(staging["objects"][0]["change"], "added");
    assert_eq!(
        verdict(&report, "staging", "orders"),
        pair("added", "no-restart")
    );
    assert_eq!(env(&report, "prod")["change"], "unchanged");
}

#[test]
fn an_older_revision_and_the_reports_in_every_format() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "maxReplicas: 6", "maxReplicas: 8");
    repo.commit("scale");
    repo.edit("jobs/orders.yaml", "orders:1.0.0", "orders:1.1.0");
    repo.write(
        "jobs/refunds.yaml",
        &PAYMENTS.replace("payments", "refunds"),
    );
    repo.edit("flinkform.yaml", "    - name: dev\n", "    - name: dev\n      jobs:\n        payments: {taskManager: {resources: {cpu: 1500m}}}\n");
    let root = common::root().join("tests/diff");
    let mut problems = Vec::new();
    for (format, file) in [
        ("text", "report.txt"),
        ("markdown", "report.md"),
        ("json", "report.json"),
    ] {
        let out = repo.flinkform(&["--format", format, "diff", "--against", "HEAD~1"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::all_output(&out));
        if let Some(d) = common::golden(&root.join(file), &common::stdout(&out)) {
            problems.push(d);
        }
        let summary = common::stderr(&out);
        assert!(summary.starts_with("compared HEAD~1 ("), "{summary}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let report = repo.report(&["--against", "HEAD~1"]);
    assert_eq!(
        verdict(&report, "dev", "payments"),
        pair("changed", "restart")
    );
    assert!(
        reasons(&report, "dev", "payments").starts_with("resources of the TaskManagers changed")
    );
    assert_eq!(
        verdict(&report, "prod", "payments"),
        pair("unchanged", "none")
    );
}

#[test]
fn an_invalid_revision_fails_naming_it() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "parallelism: 4", "parallelism: -4");
    repo.commit("broken");
    repo.edit("jobs/orders.yaml", "parallelism: -4", "parallelism: 4");
    let out = repo.flinkform(&["diff"]);
    let text = common::all_output(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("HEAD:flink/jobs/orders.yaml:9:"), "{text}");
    assert!(text.contains("1 error at HEAD ("), "{text}");
    assert!(out.stdout.is_empty(), "{text}");

    // And the working tree.
    repo.edit("jobs/orders.yaml", "maxReplicas: 6", "maxReplicas: 1");
    let out = repo.flinkform(&["diff", "--against", "HEAD~1"]);
    let text = common::all_output(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("at the working tree"), "{text}");
    assert!(!text.contains("HEAD~1 ("), "{text}");
}

#[test]
fn not_a_repository_or_an_unknown_revision_is_a_usage_error() {
    let plain = common::temp_project(None, &[("orders.yaml", ORDERS)]);
    std::fs::write(plain.path().join("flinkform.yaml"), PROJECT).unwrap();
    let out = Command::new(common::bin())
        .args(["--project", ".", "diff"])
        .current_dir(plain.path())
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .output()
        .unwrap();
    let text = common::all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("is not in a git repository"), "{text}");

    let repo = Repo::new();
    for rev in ["no-such-branch", "--all", "HEAD~5"] {
        let out = repo.flinkform(&["diff", &format!("--against={rev}")]);
        let text = common::all_output(&out);
        assert_eq!(out.status.code(), Some(2), "{rev}: {text}");
        assert!(
            text.contains(&format!("unknown revision `{rev}`")),
            "{text}"
        );
    }
}

#[test]
fn diff_writes_nothing() {
    let repo = Repo::new();
    repo.edit("jobs/orders.yaml", "orders:1.0.0", "orders:1.1.0");
    let status = repo.git(&["status", "--porcelain"]).stdout;
    let before = common::read_tree(repo.dir.path());
    for format in ["text", "markdown", "json"] {
        let out = repo.flinkform(&["--format", format, "diff"]);
        assert_eq!(out.status.code(), Some(0));
    }
    let planted = repo.dir.path().join("x");
    let out = repo.flinkform(&["diff", &format!("--against=--output={}", planted.display())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("unknown revision"));
    assert!(!planted.exists());
    assert_eq!(common::read_tree(repo.dir.path()), before);
    assert_eq!(repo.git(&["status", "--porcelain"]).stdout, status);
}

/// The operator target: moving a job onto it loses its state unless a savepoint carries it;
/// on it, the operator upgrades a changed FlinkDeployment in its upgrade mode (last-state with
/// high availability resumes, stateless does not), and an HPA change restarts nothing.
#[test]
fn the_operator_target_moves_upgrades_and_scales() {
    let repo = Repo::new();
    repo.edit(
        "flinkform.yaml",
        "      overrides:\n        state:",
        "      overrides:\n        target: operator\n        state:",
    );
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "state-loss")
    );
    assert!(
        reasons(&report, "prod", "orders")
            .contains("moves between the standalone and the operator target"),
        "{}",
        reasons(&report, "prod", "orders")
    );
    assert_eq!(verdict(&report, "dev", "orders"), pair("unchanged", "none"));
    repo.commit("prod runs on the operator");

    repo.edit("jobs/orders.yaml", "orders:1.0.0", "orders:1.1.0");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "restart")
    );
    let prod = reasons(&report, "prod", "orders");
    assert!(
        prod.starts_with("image") && prod.contains("last-state"),
        "{prod}"
    );
    assert!(
        fields(&report, "prod", "orders").contains(
            &r#"FlinkDeployment/orders spec.image: "registry.example.com/flink/orders:1.0.0" -> "registry.example.com/flink/orders:1.1.0""#.to_owned()
        ),
        "{:#?}",
        fields(&report, "prod", "orders")
    );
    assert_eq!(
        verdict(&report, "dev", "orders"),
        pair("changed", "state-loss")
    );
    repo.commit("new image");

    repo.edit("jobs/orders.yaml", "maxReplicas: 6", "maxReplicas: 8");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "no-restart")
    );
    repo.commit("more TaskManagers");

    // Suspending keeps the state in last-state mode.
    repo.edit(
        "flinkform.yaml",
        "        target: operator\n",
        "        target: operator\n        job: {suspended: true}\n",
    );
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "restart")
    );
    assert!(
        reasons(&report, "prod", "orders").starts_with("the job is suspended"),
        "{}",
        reasons(&report, "prod", "orders")
    );
    repo.edit("flinkform.yaml", "        job: {suspended: true}\n", "");

    // Without high availability nor savepoints the operator upgrades statelessly.
    repo.edit(
        "flinkform.yaml",
        "        state:\n          highAvailability: {enabled: true}",
        "        state:\n          highAvailability: {enabled: false}",
    );
    repo.commit("no HA in prod");
    repo.edit("jobs/orders.yaml", "orders:1.1.0", "orders:1.2.0");
    let report = repo.report(&[]);
    assert_eq!(
        verdict(&report, "prod", "orders"),
        pair("changed", "state-loss")
    );
    assert!(
        reasons(&report, "prod", "orders").contains("statelessly"),
        "{}",
        reasons(&report, "prod", "orders")
    );
}
