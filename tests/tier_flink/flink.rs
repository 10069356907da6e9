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

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::flink::{classpath, compile_probe, dist, run_probe};

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
    /// Evaluate flinkform's busy-time PromQL with a real Prometheus scraping the TaskManager.
    promql: bool,
}

/// flinkform's busy-time PromQL for one job, as the prometheus-adapter runs it: the rule of
/// the golden adapter configuration, with the HPA's label matchers filled in.
fn busy_time_query(job_name: &str, namespace: &str) -> String {
    let rules = std::fs::read_to_string(common::root().join(
        "fixtures/valid/11-flink-metrics-hpa/expected/platform/prometheus-adapter-rules.yaml",
    ))
    .expect("the adapter rules of the metrics fixture");
    let doc = &common::documents(&rules)[0];
    let rule = doc["externalRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"]["as"] == "flinkform_busy_time")
        .expect("a busy-time rule");
    let series = rule["seriesQuery"]
        .as_str()
        .unwrap()
        .split('{')
        .next()
        .unwrap();
    rule["metricsQuery"]
        .as_str()
        .unwrap()
        .replace("<<.Series>>", series)
        .replace(
            "<<.LabelMatchers>>",
            &format!("job_name=\"{job_name}\",namespace=\"{namespace}\""),
        )
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

/// Runs a compiled probe on `dirs` under a Flink release's jars: the JSON object it prints for
/// each, in order.
fn probe_folders<T: serde::de::DeserializeOwned>(
    flink: &Path,
    classes: &Path,
    probe: &str,
    dirs: &[PathBuf],
) -> Vec<T> {
    let read: Vec<T> = run_probe(&classpath(classes, flink), probe, dirs);
    assert_eq!(
        read.len(),
        dirs.len(),
        "{probe} read {} of the folders",
        read.len()
    );
    read
}

fn run_case(case: &Case) {
    let flink = dist(case.flink);
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
    if case.promql {
        let namespace = common::documents(&common::stdout(&build))
            .iter()
            .find(|o| o["kind"] == "Deployment")
            .and_then(|o| o["metadata"]["namespace"].as_str().map(str::to_owned))
            .expect("a namespaced Deployment");
        cmd.arg("--prometheus")
            .arg(tool(&["setup", "--prometheus"]))
            .arg("--promql")
            .arg(busy_time_query(case.prometheus_job_name, &namespace));
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
        env: "dev",
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
        promql: true,
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
        // `$` and `$(HOME)` reach main as written, after the kubelet's `$(VAR)` expansion.
        job_args: &[
            "--host",
            "kafka:9092",
            "--fromSavepoint",
            "none",
            "price$5",
            "$(HOME)",
        ],
        pipeline_name: "events.router v3",
        prometheus_job_name: "events_router_v3",
        taskmanagers: 2,
        rescale: false,
        check_ha: false,
        promql: false,
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
        promql: false,
    });
}

/// Kubernetes high availability as Flink reads it, for a 1.20 and a 2.x job of prod, and the
/// example's production environment (its S3 plugin found in an image of another release).
#[test]
fn flink_reads_the_high_availability_configuration() {
    for (project, env, job, flink, class) in [
        (
            "fixtures/valid/14-state-ha",
            "prod",
            "ledger",
            "1.20.1",
            "com.example.Ledger",
        ),
        (
            "fixtures/valid/14-state-ha",
            "prod",
            "payouts",
            "2.1.1",
            "com.example.Payouts",
        ),
        (
            "examples/realfuture",
            "prod",
            "orders-enrichment",
            "1.20.1",
            "com.example.OrdersEnrichment",
        ),
    ] {
        let jar_path = format!("/opt/flink/usrlib/{job}.jar");
        run_case(&Case {
            project,
            env,
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
            promql: false,
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
        let flink = dist(version);
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

/// Every Flink configuration key and value a user writes reaches Flink exactly as written, or
/// the input is rejected: generated keys and values (YAML and Flink indicators, `#`, `: `,
/// quotes, tabs, every line break, leading and trailing spaces, empty strings, non-ASCII) go
/// through `flinkform build`, and Flink's own loader reads the file flinkform wrote, for the
/// legacy `flink-conf.yaml` (1.18, which Flink splits into lines itself) and for
/// `config.yaml` (1.20, 2.x). Flink must read every user key with its value, and exactly the
/// keys flinkform sets besides, with their values: nothing smuggled in, nothing lost.
#[test]
fn flink_reads_every_configuration_value_as_written() {
    const CASES: usize = 80;
    const KEYS: usize = 2;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let work = tmp.path();
    /// `n` pieces of YAML and Flink syntax, picked at random.
    fn piece(rng: &mut common::Rng, n: u64) -> String {
        (0..n).map(|_| *rng.pick(PIECES)).collect()
    }
    const PIECES: &[&str] = &[
        "a", "b", "x", "7", ".", "-", "_", " ", "  ", "#", " #", ":", ": ", "\t", "\r", "\n",
        "\r\n", "'", "\"", "\\", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`",
        "?", "=", "~", "é", "日", "😀", "\u{a0}", "\u{2028}", "\u{2029}", "\u{85}", "\u{feff}",
        "true", "null", "off", "0755", "1e3", "12:30", "${x}",
    ];
    let mut rng = common::Rng(0x9e37_79b9_7f4a_7c15);
    let job = common::example_job();
    for (version, file) in [
        ("1.18.1", "flink-conf.yaml"),
        ("1.20.1", "config.yaml"),
        ("2.1.1", "config.yaml"),
    ] {
        let flink = dist(version);
        // One compilation serves every release: the loader's signature is the same in all.
        let classes = work.join("probe");
        if !classes.exists() {
            compile_probe(&flink, &classes, &["ConfigProbe.java"]);
        }
        let base_job = job.replace(
            "flinkVersion: \"1.20\"",
            &format!("flinkVersion: \"{version}\""),
        );
        assert!(
            job.contains("flinkVersion: \"1.20\""),
            "the example names its Flink version"
        );
        // Case 0 has no user keys: what flinkform itself sets.
        let mut cases: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for _ in 0..CASES {
            cases.push(
                (0..KEYS)
                    .map(|k| {
                        let key = if rng.below(4) == 0 {
                            let n = 1 + rng.below(3);
                            format!("user.{}", piece(&mut rng, n))
                        } else {
                            format!("user.k{k}")
                        };
                        let n = rng.below(5);
                        (key, piece(&mut rng, n))
                    })
                    .collect(),
            );
        }
        let mut dirs = Vec::new();
        let mut accepted = Vec::new();
        let mut rejected = 0;
        for (i, keys) in cases.iter().enumerate() {
            let mut map = serde_json::Map::new();
            for (k, v) in keys {
                map.insert(k.clone(), serde_json::Value::String(v.clone()));
            }
            map.insert("execution.checkpointing.interval".into(), "10s".into());
            map.insert("state.backend.type".into(), "rocksdb".into());
            // JSON is YAML: the job file holds every string exactly.
            let text = base_job.replace(
                "  flinkConfiguration:\n    execution.checkpointing.interval: 10s\n    state.backend.type: rocksdb\n",
                &format!("  flinkConfiguration: {}\n", serde_json::Value::Object(map.clone())),
            );
            assert_ne!(text, base_job, "the example sets a checkpoint interval");
            let project = common::temp_project(None, &[("job.yaml", &text)]);
            let out = Command::new(common::bin())
                .args([
                    "--project",
                    project.path().to_str().unwrap(),
                    "build",
                    "--env",
                    "default",
                ])
                .output()
                .unwrap();
            match out.status.code() {
                Some(0) => {}
                Some(1) => {
                    let text = common::stderr(&out);
                    assert!(i > 0, "the plain job is rejected: {text}");
                    assert!(
                        text.contains("flinkConfiguration")
                            || text.contains("error[legacy-config")
                            || text.contains("error[config-key"),
                        "case {i} is rejected for something else than its configuration:\n{text}"
                    );
                    rejected += 1;
                    continue;
                }
                other => panic!(
                    "case {i}: build ended with {other:?}: {}",
                    common::stderr(&out)
                ),
            }
            let objects = common::documents(&common::stdout(&out));
            let config = objects
                .iter()
                .find(|o| o["kind"] == "ConfigMap")
                .and_then(|o| o["data"][file].as_str())
                .unwrap_or_else(|| panic!("case {i}: no {file} in the ConfigMap"))
                .to_owned();
            let dir = work.join(format!("{version}-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(file), &config).unwrap();
            dirs.push(dir);
            accepted.push((i, map));
        }
        let read: Vec<serde_json::Map<String, serde_json::Value>> =
            probe_folders(&flink, &classes, "ConfigProbe", &dirs);
        let own = &read[0];
        assert!(own.contains_key("jobmanager.rpc.address"), "{own:?}");
        for ((i, map), flink_read) in accepted.iter().zip(&read) {
            for (key, value) in map {
                assert_eq!(
                    flink_read.get(key),
                    Some(value),
                    "Flink {version} reads `{key:?}` of case {i} otherwise than written"
                );
            }
            for (key, value) in own {
                if !map.contains_key(key) {
                    assert_eq!(
                        flink_read.get(key),
                        Some(value),
                        "Flink {version}, case {i}: flinkform's `{key}`"
                    );
                }
            }
            let extra: Vec<&String> = flink_read
                .keys()
                .filter(|k| !map.contains_key(*k) && !own.contains_key(*k))
                .collect();
            assert!(
                extra.is_empty(),
                "Flink {version}, case {i} reads keys nobody wrote: {extra:?}"
            );
        }
        assert!(
            accepted.len() > CASES / 8,
            "Flink {version}: only {} of {CASES} cases accepted",
            accepted.len() - 1
        );
        println!(
            "Flink {version}: {} cases read back exactly, {rejected} rejected",
            accepted.len() - 1
        );
    }
}

/// Flink's own classes judge what the generated configuration means for the job's state, for
/// every configuration of every golden project and the example (1.18, 1.20 and 2.x): the
/// high-availability services keep each job's data in a folder of its own in each environment
/// (never `<storageDir>/default`, which every job sharing a storage folder would share), the
/// REST API cannot cancel the job, checkpoints survive a cancellation, the JobManager stays up
/// when its job ends, and with high availability the job's result is kept.
#[test]
fn flinks_own_classes_judge_the_state_settings_of_every_fixture() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let work = tmp.path();
    let classes = work.join("probe");
    // Compiled against the oldest release, it runs on every one.
    let oldest = dist("1.18.1");
    compile_probe(&oldest, &classes, &["StateProbe.java", "ConfigProbe.java"]);

    let mut projects: Vec<PathBuf> = common::cases("valid");
    projects.push(common::root().join("examples/realfuture"));
    // Configuration folders per Flink release, with the text flinkform wrote.
    let mut by_release: std::collections::BTreeMap<&str, Vec<(PathBuf, String, String)>> =
        std::collections::BTreeMap::new();
    for project in &projects {
        let tree = if project.ends_with("realfuture") {
            project.join("deploy")
        } else {
            project.join("expected")
        };
        for env in common::environments(&tree) {
            let out = common::run(&["--project", &common::rel(project), "build", "--env", &env]);
            assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
            for object in common::documents(&common::stdout(&out)) {
                if object["kind"] != "ConfigMap" {
                    continue;
                }
                let Some((file, text)) = ["config.yaml", "flink-conf.yaml"]
                    .iter()
                    .find_map(|f| object["data"][*f].as_str().map(|t| (*f, t.to_owned())))
                else {
                    continue;
                };
                let version = object["metadata"]["labels"]["app.kubernetes.io/version"]
                    .as_str()
                    .unwrap_or_default();
                let release = if version.starts_with('2') {
                    "2.1.1"
                } else if file == "config.yaml" {
                    "1.20.1"
                } else {
                    "1.18.1"
                };
                let what = format!(
                    "{} {env} {}",
                    common::rel(project),
                    object["metadata"]["name"].as_str().unwrap()
                );
                let dir = work.join(format!(
                    "conf-{}",
                    by_release.values().map(Vec::len).sum::<usize>()
                ));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(file), &text).unwrap();
                by_release
                    .entry(release)
                    .or_default()
                    .push((dir, what, text));
            }
        }
    }
    let value = |text: &str, key: &str| -> Option<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .map(|v| v.trim_matches('"').to_owned())
    };
    let mut ha_folders: std::collections::BTreeMap<String, String> = Default::default();
    let mut checkpoint_folders: std::collections::BTreeMap<String, String> = Default::default();
    let mut configs = 0;
    for (release, items) in &by_release {
        let flink = dist(release);
        let dirs: Vec<PathBuf> = items.iter().map(|(dir, _, _)| dir.clone()).collect();
        let read: Vec<serde_json::Value> = probe_folders(&flink, &classes, "StateProbe", &dirs);
        for ((_, what, text), flink_read) in items.iter().zip(&read) {
            configs += 1;
            let says = |key: &str| flink_read[key].as_str().unwrap_or("null").to_owned();
            assert_eq!(
                says("cancelEnabled"),
                "false",
                "Flink {release}, {what}: the REST API can cancel the job"
            );
            assert_eq!(
                says("retention"),
                "RETAIN_ON_CANCELLATION",
                "Flink {release}, {what}"
            );
            assert_eq!(
                says("shutdownOnFinish"),
                "false",
                "Flink {release}, {what}: the JobManager exits when its job ends"
            );
            if let Some(dir) = value(text, "state.checkpoints.dir")
                .or_else(|| value(text, "execution.checkpointing.dir"))
            {
                assert_eq!(says("checkpointsDir"), dir, "Flink {release}, {what}");
                if let Some(other) = checkpoint_folders.insert(dir.clone(), what.clone()) {
                    panic!("{what} and {other} keep their checkpoints in one folder, {dir}");
                }
            }
            if value(text, "high-availability.type").as_deref() == Some("kubernetes") {
                let storage =
                    value(text, "high-availability.storageDir").expect("a storage folder");
                let path = says("haStoragePath");
                assert!(
                    path.starts_with(&format!("{}/", storage.trim_end_matches('/')))
                        && !path.ends_with("/default")
                        && path.len() > storage.len() + 1,
                    "Flink {release}, {what}: HA data in {path}"
                );
                assert_eq!(
                    says("deleteResultOnCommit"),
                    "false",
                    "Flink {release}, {what}"
                );
                if let Some(other) = ha_folders.insert(path.clone(), what.clone()) {
                    panic!("{what} and {other} share the high-availability folder {path}");
                }
            }
        }
    }
    assert!(
        ha_folders.len() >= 4,
        "only {} configurations with high availability",
        ha_folders.len()
    );
    println!(
        "{configs} configurations judged by Flink; {} high-availability folders, {} checkpoint folders, all distinct",
        ha_folders.len(),
        checkpoint_folders.len()
    );
}
