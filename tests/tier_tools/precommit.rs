//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit (PyPI; `scripts/setup`
//! installs it) on a temporary git repository holding a copy of `examples/realfuture`:
//! `pre-commit try-repo` as the issue asks (clean passes, a hand edit in the output fails, a
//! broken job file fails with its `file:line:col`); then `pre-commit run` with the two
//! `.pre-commit-config.yaml` examples of docs/gitops.md, taken from it (a project at the root
//! of its repository, and one in a subfolder with `args: [--project, ...]`), and a `git commit`
//! through `pre-commit install`.
//!
//! pre-commit builds each hook repository with `cargo install --path .`. `try-repo` clones into
//! a fresh temporary store every time, so nothing of an earlier run is reused there; two
//! settings keep the test fast without changing what runs:
//! - `CARGO_TARGET_DIR=target/pre-commit`: the dependencies are compiled once and reused by
//!   later builds (and later test runs); only flinkform itself is compiled again;
//! - `CARGO_PROFILE_RELEASE_OPT_LEVEL=0` (and no debug info): `cargo install` builds the release
//!   profile, whose optimized build of the dependencies takes minutes on two cores; unoptimized
//!   it takes about a minute the first time and about ten seconds after that.
//!
//! The hook repository is a snapshot of this working tree (every file git tracks or would
//! track, committed in a temporary repository), so the test checks the hooks as they are now,
//! new files included, whatever the state of this repository's index.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use common::root;

/// A command with no git state of the caller leaking in (the test may run inside a hook).
fn command(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("NO_COLOR")
        .env("GIT_AUTHOR_NAME", "flinkform tests")
        .env("GIT_AUTHOR_EMAIL", "tests@flinkform.invalid")
        .env("GIT_COMMITTER_NAME", "flinkform tests")
        .env("GIT_COMMITTER_EMAIL", "tests@flinkform.invalid");
    cmd
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = command("git", dir)
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .output()
        .expect("git runs (scripts/setup checks for it)");
    assert!(
        output.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn init_and_commit(dir: &Path) {
    git(dir, &["init", "--quiet"]);
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "--message", "snapshot"]);
}

/// This repository as it is now, committed in a temporary repository at `dest`.
fn snapshot_hook_repo(dest: &Path) {
    let listing = git(
        &root(),
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    for rel in listing.split('\0').filter(|r| !r.is_empty()) {
        let from = root().join(rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dest.join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
    }
    assert!(dest.join(".pre-commit-hooks.yaml").is_file());
    init_and_commit(dest);
}

/// A copy of `examples/realfuture` (project file, jobs, committed output) below `dest/sub`.
fn copy_example(dest: &Path, sub: &str) {
    common::copy_tree(&root().join("examples/realfuture"), &dest.join(sub));
}

fn pre_commit(dir: &Path, home: &Path, args: &[&str]) -> (Output, String) {
    let target = root().join("target").join("pre-commit");
    let start = Instant::now();
    let output = command("pre-commit", dir)
        .args(args)
        .args(["--color", "never"])
        .env("PRE_COMMIT_HOME", home)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .output()
        .expect("pre-commit runs (scripts/setup installs it)");
    eprintln!(
        "pre-commit {args:?}: {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let text = common::all_output(&output);
    (output, text)
}

/// The part of pre-commit's report about one hook: from its status line (`name....Passed`)
/// up to the next hook's.
fn section(report: &str, name: &str) -> String {
    let is_status = |l: &str| l.starts_with("flinkform ") && l.contains("....");
    let lines: Vec<&str> = report.lines().collect();
    let start = lines
        .iter()
        .position(|l| is_status(l) && l.starts_with(name))
        .unwrap_or_else(|| panic!("no `{name}` hook in:\n{report}"));
    let end = lines[start + 1..]
        .iter()
        .position(|l| is_status(l))
        .map_or(lines.len(), |i| start + 1 + i);
    let mut text = lines[start..end].join("\n");
    text.push('\n');
    text
}

fn passed(report: &str, name: &str) -> bool {
    section(report, name)
        .lines()
        .next()
        .is_some_and(|l| l.ends_with("Passed"))
}

fn failed(report: &str, name: &str) -> bool {
    section(report, name)
        .lines()
        .next()
        .is_some_and(|l| l.ends_with("Failed"))
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no `{from}`", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The GitOps recipes, where users copy the hook configurations and CI jobs from.
const RECIPES: &str = "docs/gitops.md";

/// The two `.pre-commit-config.yaml` examples of the recipes' `## pre-commit` section, with
/// the repository URL and rev pointed at the hook repository under test.
fn recipe_configs(repo: &str, rev: &str) -> [String; 2] {
    let recipes = fs::read_to_string(root().join(RECIPES)).unwrap();
    let section = recipes
        .split("\n## pre-commit\n")
        .nth(1)
        .expect("docs/gitops.md has a `## pre-commit` section");
    let section = section.split("\n## ").next().unwrap();
    let configs: Vec<String> = section
        .split("```yaml\n")
        .skip(1)
        .map(|block| {
            let block = block.split("```").next().unwrap();
            let mut config = String::new();
            for line in block.lines() {
                let indent = &line[..line.len() - line.trim_start().len()];
                let line = if line
                    .trim_start()
                    .starts_with("- repo: https://github.com/flinkform/flinkform")
                {
                    format!("{indent}- repo: {repo}")
                } else if line.trim_start().starts_with("rev: ") {
                    format!("{indent}rev: {rev}")
                } else {
                    line.to_owned()
                };
                config.push_str(&line);
                config.push('\n');
            }
            config
        })
        .collect();
    configs.try_into().unwrap_or_else(|c: Vec<String>| {
        panic!(
            "docs/gitops.md's pre-commit section has {} YAML blocks, not 2",
            c.len()
        )
    })
}

const HPA: &str = "deploy/base/orders-enrichment/horizontalpodautoscaler.yaml";
const JOB: &str = "jobs/orders-enrichment.yaml";

#[test]
fn the_hooks_run_under_the_real_pre_commit() {
    let start = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let hooks = tmp.path().join("flinkform");
    let home = tmp.path().join("pre-commit-home");
    snapshot_hook_repo(&hooks);
    let hooks_arg = hooks.to_str().unwrap();

    // --- try-repo: the project at the root of its repository ---------------------------------
    let repo = tmp.path().join("gitops");
    copy_example(&repo, "");
    init_and_commit(&repo);
    let try_repo = |hook: Option<&str>| {
        let mut args = vec!["try-repo", hooks_arg];
        args.extend(hook);
        args.push("--all-files");
        pre_commit(&repo, &home, &args)
    };

    // A clean tree: every hook passes (render has nothing to write).
    let (output, report) = try_repo(None);
    assert_eq!(output.status.code(), Some(0), "{report}");
    for hook in ["flinkform check", "flinkform render", "flinkform validate"] {
        assert!(passed(&report, hook), "{hook} did not pass:\n{report}");
    }

    // A hand edit in the output: check fails with the diff; render fails because it changed
    // files (which is how pre-commit reports a fixer), and so repairs the edit.
    edit(&repo.join(HPA), "minReplicas: 1", "minReplicas: 3");
    let (output, report) = try_repo(None);
    assert_eq!(output.status.code(), Some(1), "{report}");
    let check = section(&report, "flinkform check");
    assert!(failed(&report, "flinkform check"), "{report}");
    assert!(
        check.contains(
            "--- a/base/orders-enrichment/horizontalpodautoscaler.yaml\n+++ b/base/orders-enrichment/horizontalpodautoscaler.yaml\n"
        ) && check.contains("-  minReplicas: 3\n+  minReplicas: 1\n")
            && check.contains("1 file differs, 0 missing, 0 stale in deploy"),
        "{check}"
    );
    assert!(failed(&report, "flinkform render"), "{report}");
    assert!(
        section(&report, "flinkform render").contains("files were modified by this hook"),
        "{report}"
    );
    assert!(passed(&report, "flinkform validate"), "{report}");
    assert_eq!(
        git(&repo, &["status", "--porcelain"]),
        "",
        "render restored the committed output"
    );

    // A broken job file: validate (given the file names) fails with the file:line:col.
    edit(&repo.join(JOB), "parallelism: 10", "parallelism: ten");
    let (output, report) = try_repo(Some("flinkform-validate"));
    assert_eq!(output.status.code(), Some(1), "{report}");
    let validate = section(&report, "flinkform validate");
    assert!(failed(&report, "flinkform validate"), "{report}");
    assert!(
        validate.contains(
            "jobs/orders-enrichment.yaml:17:18: error[wrong-type]: `parallelism` must be an integer, found string"
        ),
        "{validate}"
    );
    git(&repo, &["checkout", "--quiet", "--", "."]);

    // --- run: the two configurations of docs/gitops.md, as users copy them -----------------
    let rev = git(&hooks, &["rev-parse", "HEAD"]);
    let [at_root, in_subfolder] = recipe_configs(hooks_arg, rev.trim());
    assert!(
        in_subfolder.contains("args: [--project, flink]"),
        "{in_subfolder}"
    );

    // The project at the root of its repository.
    fs::write(repo.join(".pre-commit-config.yaml"), &at_root).unwrap();
    git(&repo, &["add", ".pre-commit-config.yaml"]);
    git(&repo, &["commit", "--quiet", "--message", "pre-commit"]);
    let (output, report) = pre_commit(&repo, &home, &["run", "--all-files"]);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(passed(&report, "flinkform check"), "{report}");
    assert!(passed(&report, "flinkform validate"), "{report}");

    // The project in a subfolder of a larger repository.
    let mono = tmp.path().join("monorepo");
    copy_example(&mono, "flink");
    fs::write(mono.join("README.md"), "other content of the repository\n").unwrap();
    fs::write(mono.join(".pre-commit-config.yaml"), &in_subfolder).unwrap();
    init_and_commit(&mono);
    let (output, report) = pre_commit(&mono, &home, &["run", "--all-files"]);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(passed(&report, "flinkform check"), "{report}");
    assert!(passed(&report, "flinkform validate"), "{report}");

    edit(
        &mono.join("flink").join(HPA),
        "maxReplicas: 5",
        "maxReplicas: 9",
    );
    edit(
        &mono.join("flink").join(JOB),
        "parallelism: 10",
        "parallelism: ten",
    );
    let (output, report) = pre_commit(&mono, &home, &["run", "--all-files"]);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(failed(&report, "flinkform check"), "{report}");
    assert!(
        section(&report, "flinkform validate").contains(
            "flink/jobs/orders-enrichment.yaml:17:18: error[wrong-type]: `parallelism` must be an integer"
        ),
        "{report}"
    );
    // With a valid job again, check shows the hand edit in the subfolder's output.
    edit(
        &mono.join("flink").join(JOB),
        "parallelism: ten",
        "parallelism: 10",
    );
    let (output, report) = pre_commit(&mono, &home, &["run", "--all-files"]);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        section(&report, "flinkform check").contains("-  maxReplicas: 9\n+  maxReplicas: 5\n"),
        "{report}"
    );
    assert!(passed(&report, "flinkform validate"), "{report}");
    git(&mono, &["checkout", "--quiet", "--", "."]);

    // As a git hook: a commit of a broken job file is refused, with the file:line:col.
    let (output, report) = pre_commit(&mono, &home, &["install"]);
    assert_eq!(output.status.code(), Some(0), "{report}");
    let head = git(&mono, &["rev-parse", "HEAD"]);
    edit(
        &mono.join("flink").join(JOB),
        "parallelism: 10",
        "parallelism: ten",
    );
    git(&mono, &["add", "flink/jobs/orders-enrichment.yaml"]);
    let commit = command("git", &mono)
        .args([
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--message",
            "broken job",
        ])
        .env("PRE_COMMIT_HOME", &home)
        .env("PRE_COMMIT_COLOR", "never")
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&commit.stdout),
        String::from_utf8_lossy(&commit.stderr)
    );
    assert!(!commit.status.success(), "{report}");
    assert!(
        section(&report, "flinkform validate")
            .contains("flink/jobs/orders-enrichment.yaml:17:18: error[wrong-type]"),
        "{report}"
    );
    assert_eq!(
        git(&mono, &["rev-parse", "HEAD"]),
        head,
        "nothing was committed"
    );

    eprintln!(
        "pre-commit test: {:.1} s in all",
        start.elapsed().as_secs_f64()
    );
}

/// The YAML blocks of one section of the GitOps recipes.
fn recipe_yaml_blocks(heading: &str) -> Vec<String> {
    let recipes = fs::read_to_string(root().join(RECIPES)).unwrap();
    let section = recipes
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("docs/gitops.md has no `## {heading}` section"));
    let section = section.split("\n## ").next().unwrap();
    section
        .split("```yaml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_owned())
        .collect()
}

/// Runs CI steps like a runner does (`bash -e`, one step after another, stopping at the first
/// that fails) in `dir`, with the freshly built flinkform first on PATH. Returns the index of
/// the failing step, its exit code and output.
fn run_steps(dir: &Path, steps: &[String]) -> Option<(usize, Option<i32>, String)> {
    let bin_dir = Path::new(common::bin()).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    for (i, step) in steps.iter().enumerate() {
        let output = command("bash", dir)
            .args(["-e", "-c", step])
            .env("PATH", &path)
            .env("CI_PROJECT_DIR", dir)
            .env("FLINKFORM_ROOT", dir.join(".flinkform"))
            .output()
            .expect("bash runs");
        if !output.status.success() {
            let text = common::all_output(&output);
            return Some((i, output.status.code(), text));
        }
    }
    None
}

/// The CI jobs of the GitOps recipes, run for real on a copy of the example at the root of a
/// repository: their shell steps pass on a clean tree and fail at `flinkform check` on drift.
/// Their install steps are run as written; flinkform is already there (first on PATH, or in
/// GitLab's cached folder), as on a warm cache, so they install nothing.
#[test]
fn the_gitops_ci_jobs_fail_on_drift() {
    let blocks = recipe_yaml_blocks("CI: fail on drift");
    assert_eq!(blocks.len(), 2, "a GitHub Actions and a GitLab CI job");
    let github = &common::documents(&blocks[0])[0];
    let gitlab = &common::documents(&blocks[1])[0];
    let github_steps: Vec<String> = github["jobs"]["drift"]["steps"]
        .as_array()
        .expect("GitHub Actions job `drift` has steps")
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_owned))
        .collect();
    let gitlab_steps: Vec<String> = gitlab["flinkform-check"]["script"]
        .as_array()
        .expect("GitLab job `flinkform-check` has a script")
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    for (name, steps) in [
        ("GitHub Actions", github_steps),
        ("GitLab CI", gitlab_steps),
    ] {
        let check_step = steps
            .iter()
            .position(|s| s.contains("flinkform") && s.ends_with(" check"))
            .unwrap_or_else(|| panic!("{name}: no step runs `flinkform check`: {steps:?}"));
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        copy_example(dir, "");
        let cached = dir.join(".flinkform/bin");
        fs::create_dir_all(&cached).unwrap();
        fs::copy(common::bin(), cached.join("flinkform")).unwrap();

        assert_eq!(
            run_steps(dir, &steps).map(|f| f.2),
            None,
            "{name}, clean tree"
        );
        edit(&dir.join(HPA), "minReplicas: 1", "minReplicas: 3");
        let (step, code, text) = run_steps(dir, &steps).expect("drift fails the job");
        assert_eq!((step, code), (check_step, Some(1)), "{name}: {text}");
        assert!(
            text.contains("--- a/base/orders-enrichment/horizontalpodautoscaler.yaml"),
            "{name}: {text}"
        );
    }
}
