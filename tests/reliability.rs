//! Reliability: output every YAML linter accepts, renders independent of locale and time
//! zone, no network code in the dependency tree, and no file, symlink or template that can
//! make a run write where it must not. (Bounds on sizes, numbers and time: `bounds.rs`.)

use crate::common;

use std::process::Command;

use common::{git, read_tree, rel, root, run, stderr};

fn golden_trees() -> Vec<std::path::PathBuf> {
    let mut trees: Vec<_> = common::cases("valid")
        .into_iter()
        .map(|c| c.join("expected"))
        .collect();
    trees.push(root().join("examples/realfuture/deploy"));
    trees
}

/// Needs yamllint (`scripts/setup`).
mod tier_tools {
    use super::*;

    #[test]
    fn all_output_passes_yamllint_strict() {
        let output = Command::new("yamllint")
            .args(["--strict", "-c"])
            .arg(root().join(".yamllint.yaml"))
            .args(golden_trees())
            .output()
            .expect("yamllint is installed (scripts/setup)");
        assert!(output.status.success(), "{}", common::all_output(&output));
    }
}

#[test]
fn renders_do_not_depend_on_locale_or_time_zone() {
    for case in [
        root().join("examples/realfuture"),
        root().join("fixtures/valid/02-multi-env"),
    ] {
        let mut trees = Vec::new();
        for (lang, tz) in [
            ("C", "UTC"),
            ("de_DE.UTF-8", "Pacific/Kiritimati"),
            ("tr_TR.UTF-8", "America/St_Johns"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("out");
            let output = Command::new(common::bin())
                .args([
                    "--project",
                    &rel(&case),
                    "render",
                    "--out",
                    out.to_str().unwrap(),
                ])
                .current_dir(root())
                .env("LC_ALL", lang)
                .env("LANG", lang)
                .env("TZ", tz)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            trees.push(read_tree(&out));
        }
        assert!(
            trees.windows(2).all(|w| w[0] == w[1]),
            "{}: locale or time zone changed the output",
            rel(&case)
        );
    }
}

#[test]
fn no_network_code_in_the_dependency_tree() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"jsonschema"),
        "cargo tree lists the dependencies"
    );
    let network = [
        "reqwest",
        "hyper",
        "h2",
        "rustls",
        "native-tls",
        "openssl",
        "openssl-sys",
        "curl",
        "curl-sys",
        "ureq",
        "tokio",
        "mio",
        "socket2",
        "aws-lc-rs",
        "ring",
        "isahc",
        "surf",
    ];
    let found: Vec<&&str> = network.iter().filter(|n| crates.contains(n)).collect();
    assert!(
        found.is_empty(),
        "network crates in the dependency tree: {found:?}"
    );
}

/// An input that cannot be read is an I/O error (exit 2), reported at its path.
#[cfg(unix)]
#[test]
fn an_unreadable_job_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = common::temp_project(None, &[("a.yaml", &common::example_job())]);
    let file = tmp.path().join("jobs/a.yaml");
    std::fs::set_permissions(
        tmp.path().join("jobs"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads a chmod 000 file anyway: run flinkform as nobody where that is possible.
    let mut command = if std::fs::read(&file).is_ok() {
        let Some(command) = common::unprivileged(tmp.path()) else {
            return;
        };
        command
    } else {
        let mut command = Command::new(common::bin());
        command.current_dir(tmp.path());
        command
    };
    let output = command
        .args(["--color", "never", "validate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("error[unreadable-file]") && err.contains("jobs/a.yaml"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// A FIFO among the templates is an error at once, not a run that waits forever; an editor's
/// dangling lock file among the jobs (`.#job.yaml`) is not a job and breaks nothing.
#[test]
fn special_files_in_the_project_neither_hang_nor_break_a_run() {
    let job = common::example_job();
    let tmp = common::temp_project(
        Some("apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  templates: templates\n"),
        &[("job.yaml", &job)],
    );
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    let fifo = dir.join("templates/extra.yaml.j2");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo works"
    );
    std::os::unix::fs::symlink("user@host.4242:1700000000", dir.join("jobs/.#job.yaml")).unwrap();
    let mut child = Command::new(common::bin())
        .args(["--project", dir.to_str().unwrap(), "validate"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("validate waited on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let text = common::all_output(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("is not a regular file"), "{text}");
    assert!(!text.contains("cannot walk"), "{text}");
}

/// A template's file name becomes an output file's name and a line of the index: every
/// character outside letters, digits, `.`, `_` and `-` (each ASCII control and punctuation
/// character a file name can hold, spaces, and the Unicode line breaks) is an error at once,
/// and nothing is written.
#[test]
fn template_names_that_could_break_the_index_are_rejected() {
    let job = common::example_job();
    let project =
        "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  templates: templates\n";
    let mut bad: Vec<char> = (1u8..=127)
        .map(char::from)
        .filter(|c| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '_' | '-' | '/'))
        .collect();
    bad.extend(['\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', 'é']);
    for c in bad {
        let tmp = common::temp_project(Some(project), &[("job.yaml", &job)]);
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        let name = format!("pdb{c}base.yaml.j2");
        std::fs::write(
            dir.join("templates").join(&name),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: {{ names.namespace }}}\n",
        )
        .unwrap();
        let out_dir = dir.join("deploy");
        let output = Command::new(common::bin())
            .args(["--project", dir.to_str().unwrap(), "render"])
            .output()
            .unwrap();
        let text = common::all_output(&output);
        assert_eq!(output.status.code(), Some(1), "{c:?}: {text}");
        assert!(text.contains("error[template-name]"), "{c:?}: {text}");
        assert!(
            !out_dir.exists(),
            "{c:?}: render wrote {}",
            out_dir.display()
        );
    }
}

/// Render deletes only regular files its index names: an entry naming a folder, a symlink or
/// a FIFO (planted, or left from a hand edit) is neither deleted nor followed nor a reason to
/// fail halfway; a line that is no clean path is ignored; and the index render writes names
/// exactly its files.
#[test]
fn index_entries_that_name_no_file_of_renders_are_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("p");
    common::copy_tree(&common::root().join("examples/realfuture"), &project);
    let out = project.join("deploy");
    let render = || {
        Command::new(common::bin())
            .args(["--project", project.to_str().unwrap(), "render"])
            .output()
            .unwrap()
    };
    let first = render();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        common::all_output(&first)
    );
    let index_path = out.join(".flinkform-index");
    let written = std::fs::read_to_string(&index_path).unwrap();

    let outside = tmp.path().join("outside.txt");
    std::fs::write(&outside, "keep me").unwrap();
    std::fs::create_dir_all(out.join("userdir")).unwrap();
    std::fs::write(out.join("userdir/notes.txt"), "mine").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("link.yaml")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(out.join("pipe.yaml"))
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(out.join("victim.yaml"), "a user file").unwrap();
    let mut planted = written.clone();
    for line in [
        "userdir",
        "base/orders-enrichment",
        "prod",
        "link.yaml",
        "pipe.yaml",
        "victim.yaml\u{2028}",
        "victim.yaml\r",
        " victim.yaml",
        "../outside.txt",
        "/etc/hostname",
    ] {
        planted.push_str(line);
        planted.push('\n');
    }
    std::fs::write(&index_path, planted).unwrap();

    let check = Command::new(common::bin())
        .args(["--project", project.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    let check_text = common::all_output(&check);
    assert!(!check_text.contains("stale:"), "{check_text}");

    let second = render();
    let text = common::all_output(&second);
    assert_eq!(second.status.code(), Some(0), "{text}");
    assert!(text.contains("0 deleted"), "{text}");
    assert!(
        !out.join(".flinkform-writing").exists(),
        "the marker stayed: {text}"
    );
    assert_eq!(std::fs::read_to_string(&index_path).unwrap(), written);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
    assert_eq!(
        std::fs::read_to_string(out.join("userdir/notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("victim.yaml")).unwrap(),
        "a user file"
    );
    assert!(
        std::fs::symlink_metadata(out.join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(out.join("pipe.yaml").exists());
    assert!(
        out.join("base/orders-enrichment/kustomization.yaml")
            .is_file()
    );
}

/// What a project template renders must be what kustomize builds: an object in another
/// namespace than its job's (or in none) is an error at the template's line, and `debug()`,
/// whose output differs between runs, is not available.
#[test]
fn templates_cannot_break_the_build_kustomize_invariant() {
    let job = common::example_job();
    let project =
        "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  templates: templates\n";
    let cases = [
        (
            "namespace: other",
            "error[template-namespace]",
            "templates/extra.yaml.j2:4:1",
        ),
        (
            "labels: {a: b}",
            "error[template-namespace]",
            "in no namespace",
        ),
        (
            "namespace: {{ names.namespace }}\n  annotations: {x: {{ debug() | tojson }}}",
            "debug",
            "template `extra.yaml.j2`",
        ),
    ];
    for (meta, code, place) in cases {
        let tmp = common::temp_project(Some(project), &[("job.yaml", &job)]);
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(
            dir.join("templates/extra.yaml.j2"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  {meta}\n  name: extra-{{{{ names.jobManager }}}}\ndata: {{a: b}}\n"),
        )
        .unwrap();
        let output = Command::new(common::bin())
            .args(["--project", dir.to_str().unwrap(), "render"])
            .output()
            .unwrap();
        let text = common::all_output(&output);
        assert_eq!(output.status.code(), Some(1), "{meta}: {text}");
        assert!(
            text.contains(code) && text.contains(place),
            "{meta}: {text}"
        );
        assert!(!dir.join("deploy").exists(), "{meta}: {text}");
    }
}

/// Where a generated project plants a symlink, and where it points.
#[derive(Clone, Debug)]
struct PlantedLink {
    /// The configured output path, one or two folders deep.
    output: &'static str,
    /// Which folder of it is the link (0: the first).
    at: usize,
    /// Where the link points: a folder outside the project, or nowhere.
    dangling: bool,
}

/// A symlink planted anywhere on the project's output path (and any link in init's way)
/// never receives a file: render and check refuse it, init writes nothing.
#[test]
fn planted_symlinks_never_receive_a_write() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let strategy = (
        prop_oneof![Just("deploy"), Just("gen/deploy"), Just("a/b/deploy")],
        0usize..3,
        any::<bool>(),
    )
        .prop_map(|(output, at, dangling)| PlantedLink {
            output,
            at: at % output.split('/').count(),
            dangling,
        });
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |link| {
            let tmp = tempfile::tempdir().unwrap();
            let project = tmp.path().join("project");
            common::copy_tree(&root().join("fixtures/valid/01-seed"), &project);
            let settings = project.join("flinkform.yaml");
            let text = std::fs::read_to_string(&settings).unwrap().replace(
                "  output: deploy\n",
                &format!("  output: {}\n", link.output),
            );
            std::fs::write(&settings, text).unwrap();
            let victim = tmp.path().join("victim");
            std::fs::create_dir_all(&victim).unwrap();
            let parts: Vec<&str> = link.output.split('/').collect();
            let planted = project.join(parts[..=link.at].join("/"));
            std::fs::create_dir_all(planted.parent().unwrap()).unwrap();
            let target = if link.dangling {
                victim.join("nothing-yet")
            } else {
                victim.clone()
            };
            std::os::unix::fs::symlink(&target, &planted).unwrap();
            for command in ["render", "check"] {
                let output = run(&["--project", project.to_str().unwrap(), command]);
                prop_assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
            }
            prop_assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);

            // init: the same link where one of its files or folders goes.
            let fresh = tmp.path().join("fresh");
            std::fs::create_dir_all(&fresh).unwrap();
            let names = ["flinkform.yaml", "jobs", "schemas", ".gitignore"];
            let name = names[link.at % names.len()];
            std::os::unix::fs::symlink(&target, fresh.join(name)).unwrap();
            let output = run(&["init", fresh.to_str().unwrap()]);
            prop_assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
            prop_assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
            prop_assert_eq!(std::fs::read_dir(&fresh).unwrap().count(), 1);
            Ok(())
        })
        .unwrap();
}

/// However a project reaches its job files through symlinks (a chain of linked folders, a
/// linked subfolder, a linked file), `diff` reads the revision as the disk: no change is no
/// change, and an image change is a change of the same job.
#[test]
fn diff_reads_generated_symlink_layouts_as_the_disk_does() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 8,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(0usize..3, 1usize..4), |(layout, depth)| {
            let tmp = tempfile::tempdir().unwrap();
            let repo = tmp.path();
            git(repo, &["init", "-q", "-b", "main"]);
            let project = repo.join("flink");
            common::copy_tree(&root().join("fixtures/valid/01-seed"), &project);
            std::fs::remove_dir_all(project.join("expected")).unwrap();
            let real = project.join("store/real");
            std::fs::create_dir_all(&real).unwrap();
            let job = "orders-enrichment.yaml";
            std::fs::rename(project.join("jobs").join(job), real.join(job)).unwrap();
            std::fs::remove_dir(project.join("jobs")).unwrap();
            let link = |target: &str, at: &std::path::Path| {
                std::os::unix::fs::symlink(target, at).unwrap();
            };
            match layout {
                // jobs -> store/l1 -> l2 -> ... -> real
                0 => {
                    let mut previous = "real".to_owned();
                    for i in (1..depth).rev() {
                        link(&previous, &project.join(format!("store/l{i}")));
                        previous = format!("l{i}");
                    }
                    link(&format!("store/{previous}"), &project.join("jobs"));
                }
                // jobs/team -> ../store/real
                1 => {
                    std::fs::create_dir_all(project.join("jobs")).unwrap();
                    link("../store/real", &project.join("jobs/team"));
                }
                // jobs/x.yaml -> ../store/real/x.yaml
                _ => {
                    std::fs::create_dir_all(project.join("jobs")).unwrap();
                    link(
                        &format!("../store/real/{job}"),
                        &project.join("jobs").join(job),
                    );
                }
            }
            git(repo, &["add", "-A"]);
            git(repo, &["commit", "-q", "-m", "layout"]);
            let diff = || {
                let out = Command::new(common::bin())
                    .args([
                        "--project",
                        "flink",
                        "--format",
                        "json",
                        "diff",
                        "--against",
                        "HEAD",
                    ])
                    .current_dir(repo)
                    .output()
                    .unwrap();
                assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                report["environments"][0]["jobs"][0]["change"].clone()
            };
            prop_assert_eq!(diff(), "unchanged", "layout {} depth {}", layout, depth);
            let file = real.join(job);
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, text.replace(":1.4.2", ":1.5.0")).unwrap();
            prop_assert_eq!(diff(), "changed", "layout {} depth {}", layout, depth);
            Ok(())
        })
        .unwrap();
}
