//! Crash safety of `render` (issue 6): killing it at any moment leaves every output file
//! either as it was or as it will be, never partial, and the next render completes the tree.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{bin, read_tree};

fn project(dir: &Path, parallelism: u32, image_tag: &str) {
    let jobs = dir.join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    std::fs::write(
        dir.join("flinkform.yaml"),
        "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  naming: {namespace: \"flink-{{ space }}-{{ env }}\"}\n  environments: [{name: dev}, {name: prod}]\n",
    )
    .unwrap();
    let template = std::fs::read_to_string(
        common::root().join("examples/realfuture/jobs/orders-enrichment.yaml"),
    )
    .unwrap();
    for i in 0..60 {
        let job = template
            .replace("name: orders-enrichment", &format!("name: job-{i}"))
            .replace("parallelism: 10", &format!("parallelism: {parallelism}"))
            .replace(":1.4.2", &format!(":{image_tag}"));
        std::fs::write(jobs.join(format!("job-{i}.yaml")), job).unwrap();
    }
}

fn render(project: &Path, out: &Path) -> BTreeMap<String, Vec<u8>> {
    let output = Command::new(bin())
        .args(["--project"])
        .arg(project)
        .args(["render", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    read_tree(out)
}

#[test]
fn killing_render_never_leaves_a_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (old_project, new_project) = (tmp.path().join("old"), tmp.path().join("new"));
    project(&old_project, 10, "1.4.2");
    project(&new_project, 8, "1.5.0");
    let old = render(&old_project, &tmp.path().join("old-out"));
    let new = render(&new_project, &tmp.path().join("new-out"));
    assert!(old.len() > 500 && old.len() == new.len());

    let mut interrupted = 0;
    for delay_ms in [5u64, 15, 30, 60, 100, 200] {
        let out = tmp.path().join(format!("out-{delay_ms}"));
        render(&old_project, &out);
        let mut child = Command::new(bin())
            .args(["--project"])
            .arg(&new_project)
            .args(["render", "--out"])
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() {
            interrupted += 1;
        }
        for (path, bytes) in read_tree(&out) {
            if path.ends_with(".flinkform-tmp") || path == ".flinkform-writing" {
                continue; // a temporary file or the marker the kill left; never a tree file
            }
            let as_old = old.get(&path) == Some(&bytes);
            let as_new = new.get(&path) == Some(&bytes);
            assert!(
                as_old || as_new,
                "{path} is neither old nor new after a kill at {delay_ms} ms"
            );
        }
        // The next render completes the tree and clears what the kill left.
        assert_eq!(
            render(&new_project, &out),
            new,
            "render after a kill at {delay_ms} ms"
        );
    }
    assert!(
        interrupted >= 2,
        "only {interrupted} renders were interrupted: the test did not test"
    );
}

/// A killed render can leave a temporary file in a folder whose files the next render finds
/// up to date (the inputs went back to what was rendered before): it is removed all the same,
/// with the marker the killed render left, and nothing else is.
#[test]
fn leftover_temporaries_are_removed_even_where_nothing_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let project_dir = tmp.path().join("project");
    project(&project_dir, 10, "1.4.2");
    let out = tmp.path().join("out");
    let tree = render(&project_dir, &out);
    assert!(
        !tree.contains_key(".flinkform-writing"),
        "the marker is gone after a render"
    );
    std::fs::write(out.join(".flinkform-writing"), "").unwrap();
    let leftover = out.join("base/job-1/.configmap.yaml.flinkform-tmp");
    std::fs::write(&leftover, "half a file").unwrap();
    let foreign = out.join("base/job-1/.notes.flinkform-tmp.txt");
    std::fs::write(&foreign, "not flinkform's").unwrap();
    let mut expected = tree.clone();
    expected.insert(
        "base/job-1/.notes.flinkform-tmp.txt".into(),
        b"not flinkform's".to_vec(),
    );
    assert_eq!(render(&project_dir, &out), expected);
    assert!(!leftover.exists());
}

/// A panic is an internal error: exit 2, never Rust's 101, with a request for a bug report.
#[test]
fn a_panic_exits_2_and_asks_for_a_bug_report() {
    let output = Command::new(bin())
        .args(["explain", "--list"])
        .env("FLINKFORM_INTERNAL_TEST_PANIC", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.starts_with("error: internal error: flinkform ")
            && stderr.contains(" panicked at src/main.rs:")
            && stderr.contains("panicking on request of FLINKFORM_INTERNAL_TEST_PANIC"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: this is a bug in flinkform")
            && stderr.contains("please report it at https://github.com/flinkform/flinkform/issues"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("RUST_BACKTRACE=1` environment variable"),
        "{stderr}"
    );
}
