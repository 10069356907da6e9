//! The generated pods run real Flink: each case compiles a project, starts its JobManager and
//! TaskManager pods with a real Flink distribution (from PyPI, cached under
//! `target/test-tools` by `scripts/flink-dist`) and Java 17, as the kubelet and the official
//! image would start them (`tests/flink/kubelet.py` says how), and checks that the job reaches
//! RUNNING, that every TaskManager registers through the JobManager Service, that the
//! JobManager knows itself by that Service, that the image's Java 17 flags survive, that the
//! job gets exactly its arguments, that its parallelism follows the slots (and, in reactive
//! mode, a TaskManager added and removed), and that the TaskManager serves the metric series
//! under the `job_name` the autoscaler selects.
//!
//! Needs root (network and mount namespaces, as a container runtime does). Each case is its
//! own cluster in its own namespaces, so the cases run side by side like any other tests.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    project: &'static str,
    env: &'static str,
    /// Only this job of the environment (`build --job`).
    job: Option<&'static str>,
    /// The Flink release the job image is built from.
    flink: &'static str,
    jar_path: &'static str,
    entry_class: &'static str,
    job_args: &'static [&'static str],
    pipeline_name: &'static str,
    prometheus_job_name: &'static str,
    taskmanagers: usize,
    rescale: bool,
    /// Read the JobManager's high-availability configuration with Flink's own loader
    /// instead of starting the job (Kubernetes HA needs an API server).
    check_ha: bool,
}

fn tool(args: &[&str]) -> PathBuf {
    let output = Command::new(common::root().join("scripts").join(args[0]))
        .args(&args[1..])
        .output()
        .expect("scripts run");
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        args.join(" "),
        common::all_output(&output)
    );
    PathBuf::from(common::stdout(&output).trim())
}

/// Compiles the test job under the fixture's entry class into a jar.
fn job_jar(flink: &Path, entry_class: &str, work: &Path) -> PathBuf {
    let (package, class) = entry_class.rsplit_once('.').expect("a packaged class");
    let source = std::fs::read_to_string(common::root().join("tests/flink/TestJob.java"))
        .expect("the test job's source")
        .replace("package PACKAGE;", &format!("package {package};"))
        .replace("public class CLASS", &format!("public class {class}"));
    let src = work.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let file = src.join(format!("{class}.java"));
    std::fs::write(&file, source).unwrap();
    let classes = work.join("classes");
    let status = Command::new("javac")
        .args(["-nowarn", "--release", "17", "-cp"])
        .arg(format!("{}/lib/*", flink.display()))
        .arg("-d")
        .arg(&classes)
        .arg(&file)
        .status()
        .expect("javac runs (Java 17 is installed)");
    assert!(status.success(), "javac failed");
    let jar = work.join("job.jar");
    let status = Command::new("jar")
        .arg("cf")
        .arg(&jar)
        .arg("-C")
        .arg(&classes)
        .arg(".")
        .status()
        .expect("jar runs");
    assert!(status.success(), "jar failed");
    jar
}

fn run_case(case: &Case) {
    let flink = tool(&["flink-dist", case.flink]);
    let python = tool(&["setup", "--python"]);
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let work = tmp.path();

    let mut build_args = vec!["--project", case.project, "build", "--env", case.env];
    if let Some(job) = case.job {
        build_args.extend(["--job", job]);
    }
    let build = common::run(&build_args);
    assert!(
        build.status.success(),
        "build failed:\n{}",
        common::all_output(&build)
    );
    let manifests = work.join("manifests.yaml");
    std::fs::write(&manifests, &build.stdout).unwrap();
    let jar = job_jar(&flink, case.entry_class, work);

    let job_args = serde_json::to_string(case.job_args).unwrap();
    let taskmanagers = case.taskmanagers.to_string();
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "--mount", "--propagation", "private", "--fork"])
        .arg(&python)
        .arg(common::root().join("tests/flink/kubelet.py"))
        .arg("--manifests")
        .arg(&manifests)
        .arg("--flink")
        .arg(&flink)
        .arg("--jar")
        .arg(&jar)
        .arg("--entrypoint")
        .arg(common::root().join("tests/flink/docker-entrypoint.sh"))
        .arg("--work")
        .arg(work.join("cluster"))
        .arg("--image-cache")
        .arg(flink.parent().expect("the cache folder"))
        .args(["--jar-path", case.jar_path])
        .args(["--pipeline-name", case.pipeline_name])
        .args(["--prometheus-job-name", case.prometheus_job_name])
        .args(["--job-args", &job_args])
        .args(["--taskmanagers", &taskmanagers]);
    if case.rescale {
        cmd.arg("--rescale");
    }
    if case.check_ha {
        cmd.arg("--check-ha");
    }
    let output = cmd.output().expect("unshare runs (the tests run as root)");
    let text = common::all_output(&output);
    print!("{text}");
    assert!(
        output.status.success() && text.contains("REAL-FLINK-OK"),
        "the pods of {} did not run Flink as they must:\n{text}",
        case.project
    );
}

/// The seed scenario: Flink 1.20, config.yaml, reactive mode on TaskManager CPU.
#[test]
fn the_seed_scenario_runs_and_rescales() {
    run_case(&Case {
        project: "examples/realfuture",
        env: "prod",
        job: None,
        flink: "1.20.1",
        jar_path: "/opt/flink/usrlib/orders-enrichment.jar",
        entry_class: "com.example.OrdersEnrichment",
        job_args: &["--topic", "orders"],
        pipeline_name: "orders-enrichment",
        prometheus_job_name: "orders_enrichment",
        taskmanagers: 1,
        rescale: true,
        check_ha: false,
    });
}

/// Flink 2.x reads only config.yaml; this job starts with two TaskManagers (its minReplicas).
#[test]
fn a_flink_2_job_runs() {
    run_case(&Case {
        project: "fixtures/valid/04-flink-2",
        env: "default",
        job: None,
        flink: "2.1.1",
        jar_path: "/opt/flink/usrlib/events-router.jar",
        entry_class: "com.example.EventsRouter",
        job_args: &["--host", "kafka:9092", "--fromSavepoint", "none"],
        pipeline_name: "events.router v3",
        prometheus_job_name: "events_router_v3",
        taskmanagers: 2,
        rescale: false,
        check_ha: false,
    });
}

/// Flink 1.18 reads only flink-conf.yaml, line by line.
#[test]
fn a_flink_1_18_job_runs() {
    run_case(&Case {
        project: "fixtures/valid/03-flink-1-18",
        env: "default",
        job: None,
        flink: "1.18.1",
        jar_path: "/opt/flink/usrlib/legacy-etl.jar",
        entry_class: "com.example.LegacyEtl",
        job_args: &[],
        pipeline_name: "legacy-etl",
        prometheus_job_name: "legacy_etl",
        taskmanagers: 1,
        rescale: false,
        check_ha: false,
    });
}

/// Kubernetes high availability as Flink reads it, for a 1.20 and a 2.x job of prod.
#[test]
fn flink_reads_the_high_availability_configuration() {
    for (job, flink, class) in [
        ("ledger", "1.20.1", "com.example.Ledger"),
        ("payouts", "2.1.1", "com.example.Payouts"),
    ] {
        let jar_path = format!("/opt/flink/usrlib/{job}.jar");
        run_case(&Case {
            project: "fixtures/valid/14-state-ha",
            env: "prod",
            job: Some(job),
            flink,
            jar_path: Box::leak(jar_path.into_boxed_str()),
            entry_class: class,
            job_args: &[],
            pipeline_name: job,
            prometheus_job_name: job,
            taskmanagers: 0,
            rescale: false,
            check_ha: true,
        });
    }
}

/// Flink's Kubernetes high availability elects its leader with a ConfigMap lock and keeps its
/// state handles in ConfigMaps (in 1.20 and in 2.x): the Role flinkform emits grants exactly
/// the ConfigMap verbs, so a Flink that moved to another resource (Leases, say) fails here.
#[test]
fn the_role_covers_what_flinks_leader_election_uses() {
    let role = std::fs::read_to_string(
        common::root().join("fixtures/valid/14-state-ha/expected/prod/ledger/role.yaml"),
    )
    .expect("the HA fixture's Role");
    for verb in [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ] {
        assert!(
            role.contains(&format!("- {verb}\n")),
            "the Role lacks `{verb}`:\n{role}"
        );
    }
    assert!(role.contains("- configmaps\n"), "{role}");
    for version in ["1.20.1", "2.1.1"] {
        let flink = tool(&["flink-dist", version]);
        let jar = flink.join(format!("lib/flink-dist-{version}.jar"));
        let output = Command::new("unzip")
            .arg("-p")
            .arg(&jar)
            .arg("org/apache/flink/kubernetes/kubeclient/resources/KubernetesLeaderElector.class")
            .output()
            .expect("unzip runs");
        let class = String::from_utf8_lossy(&output.stdout);
        assert!(
            class.contains("resourcelock/ConfigMapLock"),
            "Flink {version} no longer elects its leader with a ConfigMap lock"
        );
        assert!(
            !class.contains("resourcelock/LeaseLock"),
            "Flink {version} elects its leader with a Lease, which the Role does not grant"
        );
    }
}
