//! Helpers shared by the integration tests: run the real binary, read and compare trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod flink;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_flinkform")
}

/// Copies the tree at `from` to `to` (folders created, files copied).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The repository root (tests run there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs flinkform with colors off, from the repository root.
pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(["--color", "never"])
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("flinkform runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a process printed on stdout, then on stderr.
pub fn all_output(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Timings and temporary paths vary between runs; goldens hold neither.
pub fn normalize(text: &str, tmp: Option<&Path>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut line = line.to_owned();
        if let Some(pos) = line.rfind(" in ")
            && line.ends_with(" ms")
        {
            line.replace_range(pos.., " in <time>");
        }
        if let Some(tmp) = tmp {
            line = line.replace(&tmp.display().to_string(), "<out>");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Every file below `dir`, by `/`-separated relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

/// Whether goldens are being re-blessed (`scripts/bless`).
pub fn blessing() -> bool {
    std::env::var_os("FLINKFORM_BLESS").is_some()
}

/// Compares a golden file with actual text; re-blesses under `FLINKFORM_BLESS`. Returns a
/// unified diff when they differ.
pub fn golden(path: &Path, actual: &str) -> Option<String> {
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    if blessing() {
        std::fs::write(path, actual).unwrap();
        return None;
    }
    Some(
        similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header(
                &format!("a/{}", path.display()),
                &format!("b/{} (actual)", path.display()),
            )
            .to_string(),
    )
}

/// Replaces the golden tree `expected` with `actual` (under `FLINKFORM_BLESS`), or returns the
/// differences as unified diffs.
pub fn golden_tree(expected_dir: &Path, actual_dir: &Path) -> Option<String> {
    let report = tree_diff(expected_dir, actual_dir)?;
    if blessing() {
        let _ = std::fs::remove_dir_all(expected_dir);
        for (rel, bytes) in &read_tree(actual_dir) {
            let path = expected_dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        return None;
    }
    Some(report)
}

/// How the tree `actual_dir` differs from `expected_dir`, as unified diffs; `None` if it
/// does not.
pub fn tree_diff(expected_dir: &Path, actual_dir: &Path) -> Option<String> {
    let expected = read_tree(expected_dir);
    let actual = read_tree(actual_dir);
    if expected == actual {
        return None;
    }
    let mut report = String::new();
    for (rel, bytes) in &actual {
        match expected.get(rel) {
            None => report.push_str(&format!("unexpected file {rel}\n")),
            Some(e) if e != bytes => {
                let diff = similar::TextDiff::from_lines(
                    String::from_utf8_lossy(e).into_owned(),
                    String::from_utf8_lossy(bytes).into_owned(),
                )
                .unified_diff()
                .header(&format!("a/{rel}"), &format!("b/{rel}"))
                .to_string();
                report.push_str(&diff);
            }
            Some(_) => {}
        }
    }
    for rel in expected.keys() {
        if !actual.contains_key(rel) {
            report.push_str(&format!("missing file {rel}\n"));
        }
    }
    Some(report)
}

/// The case folders below `fixtures/<group>`, sorted.
pub fn cases(group: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures").join(group))
        .expect("fixtures folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A path relative to the repository root, with `/`.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The environments of a rendered tree: folders with a kustomization that are not base or
/// platform.
pub fn environments(out: &Path) -> Vec<String> {
    let mut envs: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("kustomization.yaml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "base" && n != "platform")
        .collect();
    envs.sort();
    envs
}

/// Parses a YAML stream into JSON documents (with flinkform's own reader).
pub fn documents(text: &str) -> Vec<serde_json::Value> {
    flinkform::yaml::parse(text, flinkform::source::FileId(0))
        .expect("valid YAML")
        .iter()
        .map(flinkform::yaml::Node::to_json)
        .collect()
}

/// Sort key of a Kubernetes object: kind, namespace, name.
pub fn object_key(o: &serde_json::Value) -> (String, String, String) {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    (
        s(&o["kind"]),
        s(&o["metadata"]["namespace"]),
        s(&o["metadata"]["name"]),
    )
}

/// The job file of `examples/realfuture`, a valid start for test projects.
pub fn example_job() -> String {
    std::fs::read_to_string(root().join("examples/realfuture/jobs/orders-enrichment.yaml")).unwrap()
}

/// A temporary project: `flinkform.yaml` when given, and `jobs/<name>` files.
pub fn temp_project(project: Option<&str>, jobs: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("jobs")).unwrap();
    if let Some(project) = project {
        std::fs::write(tmp.path().join("flinkform.yaml"), project).unwrap();
    }
    for (name, text) in jobs {
        std::fs::write(tmp.path().join("jobs").join(name), text).unwrap();
    }
    tmp
}

/// git in `dir` with no configuration of the user or the system, a fixed author and dates; it
/// must succeed.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    out
}

/// The variable with which a developer, outside CI, lets a test whose tool or privilege is
/// missing here pass as skipped instead of failing.
pub const SKIP_MISSING: &str = "FLINKFORM_SKIP_MISSING_TOOLS";

/// Whether `tool` is on PATH, for a test that runs it. A missing tool fails the test: a test
/// must not pass without testing. Only outside CI, with `FLINKFORM_SKIP_MISSING_TOOLS=1`, it
/// says it is skipped and this returns `false` for the test to return.
pub fn require(tool: &str) -> bool {
    require_in(tool, &|name| std::env::var_os(name))
}

/// [`require`] with the environment as a function, so its own test can set CI.
pub fn require_in(tool: &str, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    on_path(tool, env("PATH")) || unavailable_in(&format!("`{tool}` is not installed"), env)
}

/// [`require`]'s verdict for what is missing here that is not a tool (a privilege): fails the
/// test, or says it is skipped and returns `false` when the developer opted in outside CI.
pub fn unavailable(what: &str) -> bool {
    unavailable_in(what, &|name| std::env::var_os(name))
}

fn unavailable_in(what: &str, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    let set = |name| env(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    if set("CI") || !set(SKIP_MISSING) {
        panic!(
            "{what}: this test needs it (`scripts/setup` installs or checks what the tests \
             need; outside CI, {SKIP_MISSING}=1 skips such tests instead)"
        );
    }
    eprintln!("skipped: {what} ({SKIP_MISSING} is set)");
    false
}

fn on_path(tool: &str, path: Option<OsString>) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(&path.unwrap_or_default()).any(|dir| {
        std::fs::metadata(dir.join(tool))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// flinkform as an unprivileged user (nobody) through util-linux's `setpriv`, for a test that
/// runs as root, where chmod 000 does not stop reads. Where root cannot drop its privileges
/// this way, [`unavailable`] decides: the test fails, or returns on `None` when skipping is
/// allowed.
#[cfg(unix)]
pub fn unprivileged(dir: &Path) -> Option<std::process::Command> {
    use std::os::unix::fs::PermissionsExt as _;
    if !require("setpriv") {
        return None;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_nobody = || {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin()])
            .current_dir(dir)
            .env_remove("NO_COLOR");
        cmd
    };
    let probe = as_nobody().arg("--version").output().expect("setpriv runs");
    if probe.status.success() {
        return Some(as_nobody());
    }
    unavailable(&format!(
        "running as root, and `setpriv` cannot run flinkform as nobody here: {}",
        all_output(&probe)
    ));
    None
}

/// The helper's own contract: under CI a missing tool fails the test even when skipping was
/// asked for; outside CI only the explicit variable turns the failure into a skip.
#[test]
fn a_missing_tool_fails_unless_skipping_is_asked_outside_ci() {
    let tool = "flinkform-test-no-such-tool";
    let path = std::env::var_os("PATH");
    let verdict = |vars: &'static [(&'static str, &'static str)]| {
        let path = path.clone();
        std::panic::catch_unwind(move || {
            require_in(tool, &|name| match name {
                "PATH" => path.clone(),
                _ => vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.into()),
            })
        })
        .ok()
    };
    assert_eq!(verdict(&[("CI", "true")]), None, "fails under CI");
    assert_eq!(
        verdict(&[("CI", "true"), (SKIP_MISSING, "1")]),
        None,
        "fails under CI even when skipping is asked"
    );
    assert_eq!(verdict(&[]), None, "fails by default");
    assert_eq!(verdict(&[(SKIP_MISSING, "0")]), None, "fails when 0");
    assert_eq!(
        verdict(&[("CI", "false"), (SKIP_MISSING, "1")]),
        Some(false)
    );
    assert_eq!(
        verdict(&[(SKIP_MISSING, "1")]),
        Some(false),
        "skipped on request"
    );
    assert!(require("sh"), "a tool on PATH is found");
}

/// A small deterministic generator (xorshift) for the tests that generate cases: the same seed
/// gives the same cases on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
