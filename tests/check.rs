//! `flinkform check`: the golden-file diff of what `render` would write
//! against the output folder, run as the real binary on temporary copies of
//! `examples/realfuture`.
//!
//! Exit codes: 0 no drift; 1 drift (a changed, binary, missing or stale file, or something
//! that is not a file where render writes one) or no output folder yet; 2 a file or folder
//! that cannot be read, or `--out` that is not a folder.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{bin, read_tree, root, stderr, stdout};

pub(crate) const JOB: &str = "jobs/orders-enrichment.yaml";
pub(crate) const HPA: &str = "deploy/base/orders-enrichment/horizontalpodautoscaler.yaml";
pub(crate) const CONFIGMAP: &str = "deploy/base/orders-enrichment/configmap.yaml";

/// A temporary copy of `examples/realfuture` (project file, jobs and committed output).
pub(crate) fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let example = root().join("examples/realfuture");
    for entry in walkdir::WalkDir::new(&example) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&example).unwrap();
        let target = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
    tmp
}

/// flinkform run in the project folder (as pre-commit and CI run it), with `NO_COLOR` unset
/// and stdout a pipe.
pub(crate) fn flinkform(dir: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}

/// Runs a command with a time limit: a FIFO in the output must never block `check`.
pub(crate) fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flinkform runs");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("flinkform did not finish within {limit:?} (blocked on a special file?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn check(dir: &Path, args: &[&str]) -> Output {
    output_within(
        flinkform(dir).arg("check").args(args),
        Duration::from_secs(60),
    )
}

pub(crate) fn render(dir: &Path) -> Output {
    output_within(flinkform(dir).arg("render"), Duration::from_secs(60))
}

pub(crate) fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no `{from}`", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Asserts the exit code, that nothing panicked, and that the summary line is there.
pub(crate) fn assert_exit(output: &Output, code: i32) {
    let err = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{err}",
        stdout(output)
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// The `+`/`-` lines of unified diffs, without the `+++`/`---` headers.
pub(crate) fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("+++"))
        .filter(|l| !l.starts_with("---"))
        .collect()
}

pub(crate) fn mtimes(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_clean_tree_is_up_to_date() {
    let p = project();
    let output = check(p.path(), &[]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "", "no drift, no diff");
    assert!(
        stderr(&output).contains("\nup to date: 21 files in deploy, in "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_hand_edit_is_a_unified_diff_with_three_lines_of_context() {
    let p = project();
    edit(&p.path().join(HPA), "minReplicas: 1", "minReplicas: 3");
    let output = check(p.path(), &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    // On disk (a/) to what render would write (b/), three lines of context either side.
    assert_eq!(
        out,
        "--- a/base/orders-enrichment/horizontalpodautoscaler.yaml\n\
         +++ b/base/orders-enrichment/horizontalpodautoscaler.yaml\n\
         @@ -15,7 +15,7 @@\n     apiVersion: apps/v1\n     kind: Deployment\n     \
         name: orders-enrichment-taskmanager\n-  minReplicas: 3\n+  minReplicas: 1\n   \
         maxReplicas: 5\n   metrics:\n     - type: Resource\n"
    );
    assert!(!out.contains('\x1b'), "no color on a pipe");
    assert!(
        stderr(&output)
            .contains("1 file differs, 0 missing, 0 stale in deploy; run `flinkform render`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_deleted_file_is_missing() {
    let p = project();
    fs::remove_file(
        p.path()
            .join("deploy/prod/orders-enrichment/kustomization.yaml"),
    )
    .unwrap();
    let output = check(p.path(), &[]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "missing: prod/orders-enrichment/kustomization.yaml\n"
    );
    assert!(stderr(&output).contains("0 files differ, 1 missing, 0 stale"));
}

#[test]
fn the_summary_counts_every_kind_of_drift() {
    let p = project();
    let deploy = p.path().join("deploy");
    edit(&p.path().join(HPA), "maxReplicas: 5", "maxReplicas: 7");
    edit(
        &p.path().join(CONFIGMAP),
        "rest.port: 8081",
        "rest.port: 8082",
    );
    fs::remove_file(deploy.join("prod/kustomization.yaml")).unwrap();
    // A file an earlier render wrote (its index names it) that the project no longer makes.
    let mut index = fs::read_to_string(deploy.join(".flinkform-index")).unwrap();
    index.push_str("platform/old-rules.yaml\n");
    fs::write(deploy.join(".flinkform-index"), index).unwrap();
    fs::write(deploy.join("platform/old-rules.yaml"), "rules: []\n").unwrap();
    let output = check(p.path(), &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    for header in [
        "--- a/.flinkform-index\n+++ b/.flinkform-index\n",
        "--- a/base/orders-enrichment/configmap.yaml\n+++ b/base/orders-enrichment/configmap.yaml\n",
        "--- a/base/orders-enrichment/horizontalpodautoscaler.yaml\n",
        "missing: prod/kustomization.yaml\n",
        "stale: platform/old-rules.yaml (render would delete it)\n",
    ] {
        assert!(out.contains(header), "no `{header}` in:\n{out}");
    }
    assert!(
        stderr(&output).contains("3 files differ, 1 missing, 1 stale in deploy"),
        "{}",
        stderr(&output)
    );

    // --stat: the same listing, with line counts instead of diffs.
    let output = check(p.path(), &["--stat"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "changed: .flinkform-index (+0 -1)\n\
         changed: base/orders-enrichment/configmap.yaml (+1 -1)\n\
         changed: base/orders-enrichment/horizontalpodautoscaler.yaml (+1 -1)\n\
         missing: prod/kustomization.yaml\n\
         stale: platform/old-rules.yaml (render would delete it)\n"
    );
    assert!(stderr(&output).contains("3 files differ, 1 missing, 1 stale"));
}

#[test]
fn a_removed_job_leaves_stale_files_that_render_deletes() {
    let p = project();
    let dir = p.path();
    // A second job (its own space id, so its names do not collide), rendered, then removed.
    let job = fs::read_to_string(dir.join(JOB)).unwrap();
    let second = job
        .replace("name: orders-enrichment", "name: payments-audit")
        .replace("spaceId: 100000", "spaceId: 100001");
    fs::write(dir.join("jobs/payments-audit.yaml"), second).unwrap();
    assert_exit(&render(dir), 0);
    assert_exit(&check(dir, &[]), 0);
    // A file of the user's inside a folder render owns: neither checked nor deleted.
    fs::write(dir.join("deploy/base/payments-audit/NOTES.md"), "mine\n").unwrap();
    fs::remove_file(dir.join("jobs/payments-audit.yaml")).unwrap();

    let output = check(dir, &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    let stale: Vec<&str> = out.lines().filter(|l| l.starts_with("stale: ")).collect();
    assert_eq!(
        stale,
        [
            "stale: base/payments-audit/configmap.yaml (render would delete it)",
            "stale: base/payments-audit/horizontalpodautoscaler.yaml (render would delete it)",
            "stale: base/payments-audit/jobmanager-deployment.yaml (render would delete it)",
            "stale: base/payments-audit/jobmanager-service.yaml (render would delete it)",
            "stale: base/payments-audit/kustomization.yaml (render would delete it)",
            "stale: base/payments-audit/taskmanager-deployment.yaml (render would delete it)",
            "stale: base/payments-audit/taskmanager-poddisruptionbudget.yaml (render would delete it)",
            "stale: base/payments-audit/taskmanager-service.yaml (render would delete it)",
            "stale: dev/namespaces/realfuture-jobs-streampark-100001.yaml (render would delete it)",
            "stale: dev/payments-audit/kustomization.yaml (render would delete it)",
            "stale: prod/namespaces/realfuture-jobs-streampark-100001.yaml (render would delete it)",
            "stale: prod/payments-audit/kustomization.yaml (render would delete it)",
            "stale: prod/payments-audit/role.yaml (render would delete it)",
            "stale: prod/payments-audit/rolebinding.yaml (render would delete it)",
            "stale: prod/payments-audit/serviceaccount.yaml (render would delete it)",
        ],
        "{out}"
    );
    assert!(!out.contains("NOTES.md"), "{out}");
    assert!(stderr(&output).contains(", 0 missing, 15 stale in deploy"));

    assert_exit(&render(dir), 0);
    assert_exit(&check(dir, &[]), 0);
    assert!(!dir.join("deploy/prod/payments-audit").exists());
    assert!(
        !dir.join("deploy/prod/namespaces/realfuture-jobs-streampark-100001.yaml")
            .exists()
    );
    assert_eq!(
        fs::read_to_string(dir.join("deploy/base/payments-audit/NOTES.md")).unwrap(),
        "mine\n"
    );
    // The committed tree again, byte for byte, next to the user's file.
    let mut expected = read_tree(&root().join("examples/realfuture/deploy"));
    expected.insert("base/payments-audit/NOTES.md".into(), b"mine\n".to_vec());
    assert_eq!(read_tree(&dir.join("deploy")), expected);
}

#[test]
fn files_flinkform_never_wrote_are_ignored_by_check_and_kept_by_render() {
    let p = project();
    let dir = p.path();
    let deploy = dir.join("deploy");
    let mine = [
        "README.md",
        "base/orders-enrichment/notes.txt",
        "prod/extra/configmap.yaml",
        "platform/prometheus-rules.yaml",
    ];
    for rel in mine {
        let path = deploy.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, format!("{rel}: not flinkform's\n")).unwrap();
    }
    assert_exit(&check(dir, &[]), 0);
    // A change that makes render write and delete files.
    edit(&dir.join(JOB), "maxReplicas: 5", "maxReplicas: 6");
    fs::remove_file(deploy.join("prod/orders-enrichment/kustomization.yaml")).unwrap();
    assert_exit(&check(dir, &[]), 1);
    assert_exit(&render(dir), 0);
    assert_exit(&check(dir, &[]), 0);
    for rel in mine {
        assert_eq!(
            fs::read_to_string(deploy.join(rel)).unwrap(),
            format!("{rel}: not flinkform's\n")
        );
    }
}

#[test]
fn render_fixes_the_drift_check_found_and_a_second_render_rewrites_nothing() {
    let p = project();
    let dir = p.path();
    let deploy = dir.join("deploy");
    edit(
        &dir.join(HPA),
        "averageUtilization: 65",
        "averageUtilization: 90",
    );
    fs::write(dir.join(CONFIGMAP), "garbage\n").unwrap();
    fs::remove_file(deploy.join("prod/kustomization.yaml")).unwrap();
    assert_exit(&check(dir, &[]), 1);

    let output = render(dir);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("(3 written, 0 deleted, 18 unchanged)"),
        "{}",
        stderr(&output)
    );
    assert_exit(&check(dir, &[]), 0);
    assert_eq!(
        read_tree(&deploy),
        read_tree(&root().join("examples/realfuture/deploy"))
    );

    let before = mtimes(&deploy);
    // Long enough for any rewrite to show in a modification time, on any file system.
    std::thread::sleep(Duration::from_millis(1100));
    let output = render(dir);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("(0 written, 0 deleted, 21 unchanged)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        mtimes(&deploy),
        before,
        "a render with nothing to do wrote files"
    );
}

#[test]
fn a_one_line_input_change_is_a_small_diff() {
    let p = project();
    let dir = p.path();

    // The autoscaling bound is in one object: one line out, one line in.
    edit(&dir.join(JOB), "maxReplicas: 5", "maxReplicas: 4");
    let output = check(dir, &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    assert_eq!(
        changed_lines(&out),
        ["-  maxReplicas: 5", "+  maxReplicas: 4"],
        "{out}"
    );
    assert_eq!(out.matches("--- a/").count(), 1, "{out}");
    assert_exit(&render(dir), 0);

    // Parallelism is one line of the Flink configuration, in the base and in the prod
    // overlay, whose configuration (with high availability) is a patch of its own. Reactive
    // mode ignores it, so it stays out of the configuration's hash: no pod rolls.
    edit(&dir.join(JOB), "parallelism: 10", "parallelism: 8");
    let output = check(dir, &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    let lines = changed_lines(&out);
    assert_eq!(lines.len(), 4, "{out}");
    for line in &lines {
        assert!(
            line[1..].trim_start().starts_with("parallelism.default: "),
            "{out}"
        );
    }
    let files: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("--- a/"))
        .collect();
    assert_eq!(
        files,
        [
            "base/orders-enrichment/configmap.yaml",
            "prod/orders-enrichment/kustomization.yaml",
        ]
    );
    assert!(stderr(&output).contains("2 files differ, 0 missing, 0 stale"));
    assert_exit(&render(dir), 0);

    // Any other key of the configuration is one line too, and the configuration's hash rolls
    // both Deployments, in the base and in the prod overlay. Nothing else.
    edit(
        &dir.join(JOB),
        "execution.checkpointing.interval: 10s",
        "execution.checkpointing.interval: 20s",
    );
    let output = check(dir, &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    let lines = changed_lines(&out);
    assert_eq!(lines.len(), 12, "{out}");
    for line in &lines {
        let body = line[1..].trim_start();
        assert!(
            body.starts_with("execution.checkpointing.interval: ")
                || body.starts_with("flinkform.dev/config-hash: ")
                || body.starts_with("value: "),
            "{out}"
        );
    }
    let files: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("--- a/"))
        .collect();
    assert_eq!(
        files,
        [
            "base/orders-enrichment/configmap.yaml",
            "base/orders-enrichment/jobmanager-deployment.yaml",
            "base/orders-enrichment/taskmanager-deployment.yaml",
            "prod/orders-enrichment/kustomization.yaml",
        ]
    );
    assert!(stderr(&output).contains("4 files differ, 0 missing, 0 stale"));
}

#[test]
fn colors_follow_the_flag_the_terminal_and_no_color() {
    let p = project();
    let dir = p.path();
    edit(&dir.join(HPA), "minReplicas: 1", "minReplicas: 3");
    let colored = |out: &str| {
        out.contains("\x1b[1m--- a/base/orders-enrichment/horizontalpodautoscaler.yaml\x1b[0m")
            && out.contains("\x1b[31m-  minReplicas: 3\x1b[0m")
            && out.contains("\x1b[32m+  minReplicas: 1\x1b[0m")
            && out.contains("\x1b[36m@@ -15,7 +15,7 @@\x1b[0m")
    };
    let run = |args: &[&str], no_color: Option<&str>| {
        let mut cmd = flinkform(dir);
        cmd.args(args).arg("check");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let output = output_within(&mut cmd, Duration::from_secs(60));
        assert_exit(&output, 1);
        stdout(&output)
    };
    assert!(colored(&run(&["--color", "always"], None)));
    // An explicit `--color always` wins over NO_COLOR (https://no-color.org).
    assert!(colored(&run(&["--color", "always"], Some("1"))));
    for (args, no_color) in [
        (&["--color", "never"][..], None),
        (&[][..], None), // auto, and stdout is a pipe
        (&["--color", "auto"][..], Some("1")),
    ] {
        let out = run(args, no_color);
        assert!(
            !out.contains('\x1b'),
            "{args:?} NO_COLOR={no_color:?}:\n{out}"
        );
        assert!(
            out.contains("-  minReplicas: 3\n+  minReplicas: 1\n"),
            "{out}"
        );
    }

    // On a terminal (a pseudo-terminal from `script`, of util-linux): colored unless NO_COLOR
    // is set to something non-empty.
    if !common::require("script") {
        return;
    }
    let probe = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .expect("script runs");
    assert!(probe.status.success(), "{}", common::all_output(&probe));
    let on_terminal = |no_color: Option<&str>| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("'{}' check", bin()), "/dev/null"])
            .current_dir(dir)
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let output = output_within(&mut cmd, Duration::from_secs(60));
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        stdout(&output).replace("\r\n", "\n")
    };
    assert!(colored(&on_terminal(None)));
    assert!(
        colored(&on_terminal(Some(""))),
        "an empty NO_COLOR is unset"
    );
    let plain = on_terminal(Some("1"));
    assert!(!plain.contains("\x1b[3"), "{plain}");
    assert!(
        plain.contains("-  minReplicas: 3\n+  minReplicas: 1\n"),
        "{plain}"
    );
}

#[test]
fn a_missing_output_folder_asks_for_render_first() {
    let p = project();
    fs::remove_dir_all(p.path().join("deploy")).unwrap();
    let output = check(p.path(), &[]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).ends_with(
            "\nerror: the output folder deploy does not exist; run `flinkform render` first\n"
        ),
        "{}",
        stderr(&output)
    );
    let missing = p.path().join("elsewhere");
    let output = check(p.path(), &["--out", missing.to_str().unwrap()]);
    assert_exit(&output, 1);
    assert!(stderr(&output).contains("run `flinkform render` first"));

    // `--out` naming a file is a usage error.
    let file = p.path().join("a-file");
    fs::write(&file, "").unwrap();
    let output = check(p.path(), &["--out", file.to_str().unwrap()]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("is not a folder"),
        "{}",
        stderr(&output)
    );
}

/// The committed golden trees (`examples/*/deploy`, `fixtures/valid/*/expected`) pass
/// `flinkform check` itself: the project's goldens are held by the same mechanism as a user's
/// committed output, and a stale one shows as check's unified diff.
#[test]
fn the_committed_goldens_pass_check() {
    let mut failures = Vec::new();
    let mut runs = vec![vec![
        "--project".to_owned(),
        "examples/realfuture".to_owned(),
        "check".to_owned(),
    ]];
    for case in common::cases("valid") {
        let args = fs::read_to_string(case.join("args")).unwrap_or_default();
        if !case.join("expected").is_dir() || !args.trim().is_empty() {
            continue; // not a plain render
        }
        let project = common::rel(&case);
        runs.push(vec![
            "--project".to_owned(),
            project.clone(),
            "check".to_owned(),
            "--out".to_owned(),
            format!("{project}/expected"),
        ]);
    }
    for args in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = common::run(&args);
        if output.status.code() != Some(0) {
            failures.push(format!(
                "flinkform {}: exit {:?}\n{}{}",
                args.join(" "),
                output.status.code(),
                stdout(&output),
                stderr(&output)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "stale goldens (re-bless with scripts/bless after review):\n{}",
        failures.join("\n")
    );
}
