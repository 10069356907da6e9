//! What a hostile project cannot do: write through a link it planted, make a run unbounded,
//! forge lines on the terminal, or produce output a reader cannot read back. Each test was
//! written against the binary before its fix and failed there.

use crate::common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{git, run, stderr, stdout};

/// A copy of the valid fixture `name` at `project`, without its goldens.
fn fixture_at(name: &str, project: &Path) -> PathBuf {
    common::copy_tree(&common::root().join("fixtures/valid").join(name), project);
    std::fs::remove_dir_all(project.join("expected")).unwrap();
    let _ = std::fs::remove_file(project.join("expected.stderr"));
    project.to_owned()
}

/// A copy of the seed project in a new temporary folder.
fn seed(tmp: &Path) -> PathBuf {
    fixture_at("01-seed", &tmp.join("project"))
}

fn job_file(project: &Path) -> PathBuf {
    project.join("jobs/orders-enrichment.yaml")
}

/// Replaces `from` (which must be there) by `to` in `file`.
fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

/// `flinkform validate` of `project`.
fn validate(project: &Path) -> Output {
    run(&["--project", project.to_str().unwrap(), "validate"])
}

/// Asserts that a run exited with `code` and said `says` on stderr; its stderr.
fn fails_with(output: &Output, code: i32, says: &str) -> String {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    assert!(err.contains(says), "no `{says}` in:\n{err}");
    err
}

/// flinkform in `dir` with no git configuration of the user or the system.
fn flinkform_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(["--color", "never"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
}

#[test]
fn a_symlinked_output_folder_inside_the_project_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    let elsewhere = tmp.path().join("other-project/deploy");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("keep.yaml"), "theirs: true\n").unwrap();
    // An index there that names their file: following the link would delete it.
    std::fs::write(
        elsewhere.join(".flinkform-index"),
        "# Files written by flinkform render; it deletes only these.\nkeep.yaml\n",
    )
    .unwrap();
    symlink("../other-project/deploy", project.join("deploy")).unwrap();
    let p = project.to_str().unwrap();
    for command in ["render", "check"] {
        fails_with(&run(&["--project", p, command]), 2, "is a symlink");
    }
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        2,
        "nothing written or deleted behind the link"
    );
    assert!(elsewhere.join("keep.yaml").is_file());

    // A link further up the configured path is the same.
    std::fs::remove_file(project.join("deploy")).unwrap();
    edit(
        &project.join("flinkform.yaml"),
        "  output: deploy\n",
        "  output: gen/deploy\n",
    );
    symlink("../other-project", project.join("gen")).unwrap();
    let output = run(&["--project", p, "render"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!elsewhere.join("base").exists());

    // `--out` on the command line is the user's own choice, link or not.
    let out = tmp.path().join("out-link");
    symlink(&elsewhere, &out).unwrap();
    let output = run(&["--project", p, "render", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(elsewhere.join("base").is_dir());
}

#[test]
fn init_never_writes_through_a_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();

    // A dangling link where flinkform.yaml goes would create its target.
    let dir = tmp.path().join("dangling");
    std::fs::create_dir_all(&dir).unwrap();
    symlink(victim.join("planted.yaml"), dir.join("flinkform.yaml")).unwrap();
    let output = run(&["init", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!victim.join("planted.yaml").exists());

    // A symlinked jobs folder would receive the example job.
    let dir = tmp.path().join("linked-jobs");
    std::fs::create_dir_all(&dir).unwrap();
    symlink(&victim, dir.join("jobs")).unwrap();
    fails_with(&run(&["init", dir.to_str().unwrap()]), 2, "symlink");
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
    assert!(
        !dir.join("flinkform.yaml").exists(),
        "nothing is written before every path is checked"
    );
}

/// The bytes of diagnostics for one line holding `n` annotations of the wrong type.
fn diagnostics_for_one_long_line(project: &Path, n: usize) -> (usize, usize) {
    let keys: Vec<String> = (0..n).map(|i| format!("k{i:05}: [1]")).collect();
    let text = std::fs::read_to_string(job_file(project)).unwrap().replace(
        "    team: payments\n",
        &format!(
            "    team: payments\n  annotations: {{{}}}\n",
            keys.join(", ")
        ),
    );
    let input = text.len();
    let path = project.join("jobs/long-line.yaml");
    std::fs::write(&path, text.replace("orders-enrichment", "long-line")).unwrap();
    let output = validate(project);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    std::fs::remove_file(path).unwrap();
    (input, output.stderr.len())
}

#[test]
fn diagnostics_grow_linearly_with_errors_on_one_long_line() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    // Each error's excerpt is a bounded window of the line, not the whole line again: twice
    // the errors print twice the text (the binary before printed 700 MB for 6,000 of them).
    let (input, small) = diagnostics_for_one_long_line(&project, 2_000);
    let (_, large) = diagnostics_for_one_long_line(&project, 4_000);
    assert!(
        large < small * 5 / 2,
        "{small} bytes for 2,000 errors, {large} for 4,000"
    );
    assert!(small < 50 * input, "{small} bytes for a {input}-byte file");
}

#[test]
fn file_names_cannot_forge_diagnostic_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    // ESC and BEL, C1's CSI (`\u{9b}`, ESC [ in one byte) and a right-to-left override.
    let forged = "x\u{1b}]0;owned\u{7}\u{1b}[2K\u{9b}2J\u{202e}lmth\nfake.yaml:1:1: error[forged]: all good\n.yaml";
    std::fs::write(project.join("jobs").join(forged), "kind: [\n").unwrap();
    for format in ["text", "github", "json"] {
        let output = run(&[
            "--project",
            project.to_str().unwrap(),
            "--format",
            format,
            "validate",
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let err = stderr(&output);
        assert!(
            !err.contains('\u{1b}'),
            "{format}: ESC reached the terminal:\n{err}"
        );
        assert!(!err.contains('\u{7}'), "{format}: BEL reached the terminal");
        for c in ['\u{9b}', '\u{202e}'] {
            assert!(!err.contains(c), "{format}: {c:?} reached the terminal");
        }
        if format == "json" {
            let named: Vec<String> = err
                .lines()
                .filter(|l| l.starts_with('{'))
                .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON record"))
                .filter_map(|r| r["file"].as_str().map(str::to_owned))
                .collect();
            assert!(
                named.iter().any(|f| f.ends_with(forged)),
                "the record names the file as it is: {named:?}"
            );
        }
        assert!(
            !err.lines().any(|l| l.starts_with("fake.yaml")),
            "{format}: a forged line:\n{err}"
        );
    }
    assert!(stdout(&run(&["--version"])).starts_with("flinkform"));
}

/// Runs flinkform; a run still going after `secs` seconds is killed and fails the test.
fn run_within(args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(common::bin())
        .args(["--color", "never"])
        .args(args)
        .current_dir(common::root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() >= secs {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("flinkform {args:?} still ran after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn with_naming_pattern(project: &Path, pattern: &str) {
    let pattern = serde_json::to_string(pattern).unwrap();
    edit(
        &project.join("flinkform.yaml"),
        "  naming:\n",
        &format!("  naming:\n    configMap: {pattern}\n"),
    );
}

#[test]
fn naming_patterns_and_templates_share_one_fuel_and_output_bound() {
    let nested = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{{ name }}-config";
    let repeated = "{% for i in range(10000) %}{{ 'x' * 50000000 }}{% endfor %}";
    for pattern in [nested, repeated] {
        let tmp = tempfile::tempdir().unwrap();
        let project = seed(tmp.path());
        with_naming_pattern(&project, pattern);
        let output = run_within(&["--project", project.to_str().unwrap(), "validate"], 60);
        fails_with(&output, 1, "error[naming-pattern]");
    }
    // A project template: the same bound on its output, and on the values it builds (forty
    // doublings of a string would be 16 TiB).
    let doubled = format!(
        "{{% set s = '0123456789abcdef' %}}{}{{{{ s|length }}}}",
        "{% set s = s ~ s %}".repeat(40)
    );
    for template in [repeated, doubled.as_str()] {
        let tmp = tempfile::tempdir().unwrap();
        let project = fixture_at("10-custom-templates", &tmp.path().join("project"));
        std::fs::write(
            project.join("templates/big.yaml.j2"),
            format!("{template}\n"),
        )
        .unwrap();
        let output = run_within(&["--project", project.to_str().unwrap(), "validate"], 60);
        fails_with(&output, 1, "error[template]");
    }
}

#[test]
fn aliases_are_bounded_in_bytes_as_well_as_values() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    // 1,000 aliases of a 1 MB scalar: a thousand values, a gigabyte of text.
    edit(
        &job_file(&project),
        "    team: payments\n",
        &format!(
            "    team: payments\n  annotations:\n    big: &big {}\n    all: [{}]\n",
            "x".repeat(1 << 20),
            vec!["*big"; 1_000].join(", ")
        ),
    );
    let output = run_within(&["--project", project.to_str().unwrap(), "validate"], 60);
    fails_with(&output, 1, "error[yaml-too-large]");
}

/// A repository holding the seed project in `folder`, committed.
fn seed_repo(tmp: &Path, folder: &str) -> (PathBuf, PathBuf) {
    let repo = tmp.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let project = fixture_at("01-seed", &repo.join(folder));
    commit(&repo, "first");
    (repo, project)
}

fn commit(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

/// `flinkform --format json diff ARGS` in `project`, which must succeed: its JSON report.
fn diff_report(dir: &Path, project: &str, args: &[&str]) -> serde_json::Value {
    let output = flinkform_in(
        dir,
        &[&["--project", project, "--format", "json", "diff"], args].concat(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn the_job(report: &serde_json::Value) -> &serde_json::Value {
    &report["environments"][0]["jobs"][0]
}

#[test]
fn diff_reads_symlinked_folders_of_a_revision_as_the_disk_does() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, project) = seed_repo(tmp.path(), "flink");
    std::fs::rename(project.join("jobs"), project.join("shared-jobs")).unwrap();
    symlink("shared-jobs", project.join("jobs")).unwrap();
    commit(&repo, "jobs through a link");
    edit(
        &project.join("shared-jobs/orders-enrichment.yaml"),
        ":1.4.2",
        ":1.5.0",
    );
    let report = diff_report(&repo, "flink", &["--against", "HEAD"]);
    let job = the_job(&report);
    assert_eq!(job["change"], "changed", "{report:#}");
    assert_eq!(job["impact"], "state-loss", "{report:#}");
}

#[test]
fn diff_takes_a_project_folder_name_literally() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, _) = seed_repo(tmp.path(), ":(top)x");
    let report = diff_report(&repo, ":(top)x", &["--against", "HEAD"]);
    assert_eq!(the_job(&report)["change"], "unchanged", "{report:#}");
}

#[test]
fn diff_never_lets_git_fetch_in_a_partial_clone() {
    let tmp = tempfile::tempdir().unwrap();
    let (origin, project) = seed_repo(tmp.path(), "flink");
    edit(&job_file(&project), ":1.4.2", ":1.5.0");
    commit(&origin, "second");
    git(&origin, &["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", origin.display());
    git(
        tmp.path(),
        &["clone", "-q", "--filter=blob:none", &url, "clone"],
    );
    let clone = tmp.path().join("clone");
    let old_blob = String::from_utf8(
        git(
            &origin,
            &["rev-parse", "HEAD~1:flink/jobs/orders-enrichment.yaml"],
        )
        .stdout,
    )
    .unwrap();
    let output = flinkform_in(
        &clone,
        &["--project", "flink", "diff", "--against", "HEAD~1"],
    );
    fails_with(&output, 2, "never lets git fetch");
    // The object is still not in the clone: nothing was fetched.
    let present = Command::new("git")
        .args(["cat-file", "-e", old_blob.trim()])
        .current_dir(&clone)
        .env("GIT_NO_LAZY_FETCH", "1")
        .output()
        .unwrap();
    assert!(!present.status.success(), "git fetched the old job file");
}

#[test]
fn diff_reads_no_oversized_blob_a_symlink_included() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, _) = seed_repo(tmp.path(), "flink");
    // A "symlink" whose target is 9 MB: git stores whatever a commit says.
    let target = tmp.path().join("target");
    std::fs::write(&target, "x/".repeat(9 * 1024 * 1024 / 2)).unwrap();
    let oid =
        String::from_utf8(git(&repo, &["hash-object", "-w", target.to_str().unwrap()]).stdout)
            .unwrap();
    let info = format!("120000,{},flink/jobs/link.yaml", oid.trim());
    git(&repo, &["update-index", "--add", "--cacheinfo", &info]);
    git(&repo, &["commit", "-q", "-m", "a large link"]);
    let output = flinkform_in(&repo, &["--project", "flink", "diff", "--against", "HEAD"]);
    assert_ne!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("bytes long"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_annotation_only_change_is_not_a_configuration_change() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, project) = seed_repo(tmp.path(), "flink");
    edit(
        &job_file(&project),
        "    team: payments\n",
        "    team: payments\n  annotations: {owner: ops}\n",
    );
    let report = diff_report(&repo, "flink", &["--against", "HEAD"]);
    let job = the_job(&report);
    assert_eq!(job["impact"], "no-restart", "{report:#}");
    let reasons = job["reasons"].to_string();
    assert!(!reasons.contains("configuration"), "{reasons}");
}

#[test]
fn files_found_in_the_output_folder_are_read_only_up_to_a_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    let p = project.to_str().unwrap();
    assert_eq!(run(&["--project", p, "render"]).status.code(), Some(0));
    // A gigabyte where a manifest goes (sparse: it costs no disk), and an index as large.
    let planted = project.join("deploy/base/orders-enrichment/configmap.yaml");
    std::fs::File::create(&planted)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let output = run_within(&["--project", p, "check"], 60);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("too large to compare"),
        "{}",
        stdout(&output)
    );
    assert!(
        output.stdout.len() < 10_000,
        "check printed {} bytes",
        output.stdout.len()
    );
    let output = run_within(&["--project", p, "render"], 60);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::metadata(&planted).unwrap().len() < 100_000);

    std::fs::File::options()
        .write(true)
        .open(project.join("deploy/.flinkform-index"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    fails_with(
        &run_within(&["--project", p, "check"], 60),
        2,
        "larger than",
    );
}

#[test]
fn mount_paths_are_normalized_before_the_configuration_guard() {
    let spellings = [
        "//opt/flink/conf",
        "/opt/flink/./conf",
        "/opt/flink/x/../conf",
        "/opt//flink/conf/",
        "/opt/flink/conf/../conf/sub",
    ];
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    let mounts: Vec<String> = spellings
        .iter()
        .map(|p| format!("      - {{name: scratch, mountPath: \"{p}\"}}\n"))
        .collect();
    edit(
        &job_file(&project),
        "  metrics: {port: 9249}\n",
        &format!(
            "  metrics: {{port: 9249}}\n  pod:\n    volumes:\n      - {{name: scratch, emptyDir: {{}}}}\n    volumeMounts:\n{}",
            mounts.concat()
        ),
    );
    let err = fails_with(&validate(&project), 1, "error[mount-over-conf]");
    for p in spellings {
        assert!(
            err.contains(&format!("error[mount-over-conf]: a mount at `{p}`")),
            "{p} passed the guard:\n{err}"
        );
    }
}

#[test]
fn keys_no_reader_reads_back_are_refused_at_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    let long_config = format!("a.{}", "b".repeat(1_500));
    let long_annotation = format!("example.com/{}", "c".repeat(2_000));
    edit(
        &job_file(&project),
        "    state.backend.type: rocksdb\n",
        &format!("    state.backend.type: rocksdb\n    ? {long_config}\n    : x\n"),
    );
    edit(
        &job_file(&project),
        "    team: payments\n",
        &format!("    team: payments\n  annotations:\n    ? {long_annotation}\n    : x\n"),
    );
    let err = fails_with(&validate(&project), 1, "error[config-key]");
    assert!(err.contains("error[invalid-key]"), "{err}");

    // A project template's key is held to the same bound.
    let tmp = tempfile::tempdir().unwrap();
    let project = fixture_at("10-custom-templates", &tmp.path().join("project"));
    std::fs::write(
        project.join("templates/extra.yaml.j2"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: {{{{ names.namespace }}}}\ndata:\n  ? {}\n  : x\n",
            "d".repeat(1_500)
        ),
    )
    .unwrap();
    fails_with(
        &validate(&project),
        1,
        "kustomize reads back keys of at most",
    );
}

/// The operator project with the TaskManager's CPU of `orders-enrichment` set to `cpu`.
fn operator_with_cpu(tmp: &Path, cpu: &str) -> PathBuf {
    let project = fixture_at("16-operator", &tmp.join("operator"));
    edit(
        &job_file(&project),
        "    resources: {cpu: 1000m, memory: 2Gi}",
        &format!("    resources: {{cpu: \"{cpu}\", memory: 2Gi}}"),
    );
    project
}

#[test]
fn numbers_read_the_same_in_go_and_pyyaml_and_quantities_fit_their_consumer() {
    let tmp = tempfile::tempdir().unwrap();
    // The most CPU Kubernetes counts is written as a number every reader reads alike (a
    // float with an exponent would carry a fraction and a signed exponent: emit.rs).
    let project = operator_with_cpu(tmp.path(), "9e15");
    let output = run(&[
        "--project",
        project.to_str().unwrap(),
        "build",
        "--env",
        "prod",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let cpu = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("cpu: "))
        .find(|v| v.starts_with('9'))
        .unwrap_or_else(|| panic!("no cpu line:\n{text}"));
    assert!(
        cpu.contains('.') && (!cpu.contains('e') || cpu.contains("e+") || cpu.contains("e-")),
        "{cpu}"
    );

    for (field, value, says) in [
        ("cpu", "1e17", "too large"),
        ("memory", "1e19", "too large"),
        ("memory", "1e400", "too large"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let project = seed(tmp.path());
        edit(
            &job_file(&project),
            "    resources: {cpu: 1000m, memory: 2Gi}",
            &if field == "cpu" {
                format!("    resources: {{cpu: \"{value}\", memory: 2Gi}}")
            } else {
                format!("    resources: {{cpu: 1000m, memory: \"{value}\"}}")
            },
        );
        let says = format!("error[invalid-quantity]: `{value}` is {says}");
        fails_with(&validate(&project), 1, &says);
    }
}

#[test]
fn a_template_object_two_jobs_share_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let project = fixture_at("10-custom-templates", &tmp.path().join("project"));
    let jobs = project.join("jobs");
    let text = std::fs::read_to_string(jobs.join("job.yaml")).unwrap();
    std::fs::write(
        jobs.join("second.yaml"),
        text.replace("with-pdb", "second-job"),
    )
    .unwrap();
    // One name for every job: each job's overlay alone is fine, the environment is not.
    std::fs::write(
        project.join("templates/shared.yaml.j2"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared-settings\n  namespace: {{ names.namespace }}\ndata: {a: b}\n",
    )
    .unwrap();
    fails_with(&validate(&project), 1, "is also an object of job");
}

#[test]
fn check_shows_what_the_output_folder_holds_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let project = seed(tmp.path());
    let p = project.to_str().unwrap();
    assert_eq!(run(&["--project", p, "render"]).status.code(), Some(0));
    // A pull request can put anything in the output folder: its text reaches check's diff.
    let planted = project.join("deploy/base/orders-enrichment/configmap.yaml");
    std::fs::write(
        &planted,
        "\u{1b}]0;owned\u{7}\u{1b}[2J\rok: true\n\u{1b}[1A+++ b/forged\n",
    )
    .unwrap();
    let output = run(&["--project", p, "check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text}");
    assert!(text.contains("\\u{1b}]0;owned"), "{text}");
}

/// What cannot be committed to a fixture: a folder where the project file belongs
/// (`not-a-file`, exit 1), and a template that is a link to nothing (`file-not-found`, an I/O
/// error: exit 2). Neither run writes anything.
#[test]
fn a_folder_for_the_project_file_and_a_dangling_template_are_reported() {
    let job = common::example_job();
    let tmp = common::temp_project(None, &[("job.yaml", job.as_str())]);
    let dir = tmp.path();
    std::fs::create_dir(dir.join("flinkform.yaml")).unwrap();
    let out = run(&["--project", &dir.display().to_string(), "render"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[not-a-file]: ")
            && err.contains("flinkform.yaml: is not a regular file"),
        "{err}"
    );
    assert!(!dir.join("deploy").exists(), "nothing written");

    std::fs::remove_dir(dir.join("flinkform.yaml")).unwrap();
    std::fs::write(
        dir.join("flinkform.yaml"),
        "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  templates: templates\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("templates")).unwrap();
    symlink("gone.yaml.j2", dir.join("templates/extra.yaml.j2")).unwrap();
    let out = run(&["--project", &dir.display().to_string(), "render"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[file-not-found]: template ")
            && err.contains("extra.yaml.j2 no such file"),
        "{err}"
    );
    assert!(!dir.join("deploy").exists(), "nothing written");
}
