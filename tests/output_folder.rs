//! `check` and `render` on an output folder that holds what render does not write: binary
//! garbage, a folder or a special file where a file belongs, an unreadable file, planted
//! temporary names and symlinks, a concurrent render, an output that is the project itself.
//! Each is named, never opened where opening could block or lead outside, and never
//! reported as up to date.

use crate::check::{
    CONFIGMAP, HPA, JOB, assert_exit, check, edit, flinkform, output_within, project, render,
};
use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{read_tree, stderr, stdout, unprivileged};

#[test]
fn binary_garbage_is_drift_that_render_repairs() {
    let p = project();
    let path = p.path().join(CONFIGMAP);
    let garbage = b"\xff\xfe\x00\x9f garbage \xc3\x28\n";
    fs::write(&path, garbage).unwrap();
    let output = check(p.path(), &[]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        format!(
            "Binary files a/base/orders-enrichment/configmap.yaml and b/base/orders-enrichment/configmap.yaml differ ({} bytes on disk that are not UTF-8 text)\n",
            garbage.len()
        )
    );
    let output = check(p.path(), &["--stat"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "changed: base/orders-enrichment/configmap.yaml (binary)\n"
    );
    // Garbage in render's own index names nothing: it is drift, not an error.
    fs::write(
        p.path().join("deploy/.flinkform-index"),
        b"\xff\xfe\n\x00\x01",
    )
    .unwrap();
    let output = check(p.path(), &[]);
    assert_exit(&output, 1);
    assert!(stderr(&output).contains("2 files differ, 0 missing, 0 stale"));
    assert_exit(&render(p.path()), 0);
    assert_exit(&check(p.path(), &[]), 0);
}

#[test]
fn a_folder_where_a_file_belongs_is_named_and_render_writes_nothing() {
    let p = project();
    let dir = p.path();
    let path = dir.join("deploy/base/orders-enrichment/jobmanager-service.yaml");
    fs::remove_file(&path).unwrap();
    fs::create_dir_all(path.join("inner")).unwrap();
    edit(&dir.join(HPA), "minReplicas: 1", "minReplicas: 2");
    let output = check(dir, &[]);
    assert_exit(&output, 1);
    assert!(
        stdout(&output).contains(
            "changed: base/orders-enrichment/jobmanager-service.yaml is a folder, where render writes a file; remove it, then run `flinkform render`\n"
        ),
        "{}",
        stdout(&output)
    );
    assert!(stderr(&output).contains("2 files differ"));
    // Render cannot fix it: it says so and writes nothing (not even the other file).
    let before = read_tree(&dir.join("deploy"));
    let output = render(dir);
    assert_exit(&output, 2);
    assert!(
        stderr(&output)
            .contains("jobmanager-service.yaml is a folder, where flinkform writes a file"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read_tree(&dir.join("deploy")), before);
}

#[cfg(unix)]
#[test]
fn special_files_are_named_never_opened() {
    let p = project();
    let dir = p.path();
    let deploy = dir.join("deploy");
    // A FIFO opened for reading would block forever; a dangling symlink cannot be read.
    let fifo = deploy.join("base/orders-enrichment/taskmanager-service.yaml");
    fs::remove_file(&fifo).unwrap();
    let status = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let index = deploy.join(".flinkform-index");
    fs::remove_file(&index).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&index)
            .status()
            .unwrap()
            .success()
    );
    let link = dir.join(CONFIGMAP);
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("does-not-exist.yaml", &link).unwrap();

    let output = check(dir, &[]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    for line in [
        "changed: .flinkform-index is a FIFO, where render writes a file",
        "changed: base/orders-enrichment/configmap.yaml is a symlink, where render writes a file",
        "changed: base/orders-enrichment/taskmanager-service.yaml is a FIFO, where render writes a file",
    ] {
        assert!(out.contains(line), "no `{line}` in:\n{out}");
    }
    assert!(stderr(&output).contains("3 files differ, 0 missing, 0 stale"));
    // Render does not write through the symlink.
    let output = render(dir);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("refusing to write through the symlink"),
        "{}",
        stderr(&output)
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_not_drift() {
    use std::os::unix::fs::PermissionsExt as _;
    let p = project();
    let dir = p.path();
    let path = dir.join(HPA);
    edit(&dir.join(JOB), "maxReplicas: 5", "maxReplicas: 6");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    // chmod 000 stops nobody with CAP_DAC_OVERRIDE (root, as in many CI containers): there
    // flinkform runs as the user nobody through `setpriv`.
    let mut flinkform = if fs::read(&path).is_ok() {
        let Some(cmd) = unprivileged(dir) else { return };
        cmd
    } else {
        flinkform(dir)
    };
    let output = output_within(flinkform.arg("check"), Duration::from_secs(60));
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains("error: cannot read ")
            && err.contains("horizontalpodautoscaler.yaml: Permission denied"),
        "{err}"
    );
    assert!(
        err.contains("failed: 1 file in deploy could not be read (0 files differ, 0 missing, 0 stale among the rest)"),
        "{err}"
    );
    assert_eq!(stdout(&output), "", "the other files are up to date");
}

/// Names planted in the output folder, where an older render put its temporary files, are
/// never opened: render writes through fresh names it creates itself, so a symlink there
/// leads nowhere.
#[test]
fn planted_temporary_names_never_lead_outside_the_output() {
    let tmp = project();
    let dir = tmp.path();
    assert_exit(&render(dir), 0);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    fs::write(&victim, "keep me\n").unwrap();
    let absent = outside.path().join("created.txt");
    let base = dir.join("deploy/base/orders-enrichment");
    std::os::unix::fs::symlink(&victim, base.join(".configmap.yaml.flinkform-tmp")).unwrap();
    std::os::unix::fs::symlink(
        &absent,
        base.join(".horizontalpodautoscaler.yaml.flinkform-tmp"),
    )
    .unwrap();
    edit(
        &dir.join("jobs/orders-enrichment.yaml"),
        "minReplicas: 1",
        "minReplicas: 2",
    );
    edit(
        &dir.join("jobs/orders-enrichment.yaml"),
        "parallelism: 10",
        "parallelism: 8",
    );
    assert_exit(&render(dir), 0);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me\n");
    assert!(
        !absent.exists(),
        "render created a file outside the output folder"
    );
    assert!(
        fs::read_to_string(base.join("horizontalpodautoscaler.yaml"))
            .unwrap()
            .contains("minReplicas: 2")
    );
}

/// Two renders of different inputs into one folder at once take turns: both succeed, and the
/// folder then holds exactly what one of them renders, never a mix or a torn file.
#[test]
fn concurrent_renders_into_one_folder_take_turns() {
    let a = project();
    let b = project();
    // Enough jobs that two renders overlap.
    let job = fs::read_to_string(a.path().join("jobs/orders-enrichment.yaml")).unwrap();
    for i in 0..100 {
        let named = job.replace("name: orders-enrichment", &format!("name: orders-{i}"));
        fs::write(a.path().join(format!("jobs/orders-{i}.yaml")), &named).unwrap();
        let other = named
            .replace("parallelism: 10", "parallelism: 7")
            .replace("team: payments", "team: risk");
        fs::write(b.path().join(format!("jobs/orders-{i}.yaml")), other).unwrap();
    }
    for dir in [a.path(), b.path()] {
        // The example's naming gives every job of a space the same metrics Service name.
        edit(
            &dir.join("flinkform.yaml"),
            "taskManagerService: \"taskmanager-{{ spaceId }}\"",
            "taskManagerService: \"{{ name }}-metrics\"",
        );
    }
    let shared = tempfile::tempdir().unwrap();
    let out = shared.path().join("deploy");
    let out_arg = out.to_str().unwrap().to_owned();
    for round in 0..3 {
        let spawn = |dir: &Path| {
            flinkform(dir)
                .args(["render", "--out", &out_arg])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = (spawn(a.path()), spawn(b.path()));
        for child in [first, second] {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let up_to_date = |dir: &Path| {
            flinkform(dir)
                .args(["check", "--out", &out_arg])
                .output()
                .unwrap()
                .status
                .code()
                == Some(0)
        };
        assert!(
            up_to_date(a.path()) || up_to_date(b.path()),
            "round {round}: the folder is neither render's output"
        );
    }
}

/// The output can never be the project or lie among its inputs, however the path is spelled:
/// `project/nope/..` is the project, and a folder below `jobs/` would be read as jobs.
#[test]
fn the_output_is_never_the_project_however_spelled() {
    let tmp = project();
    let dir = tmp.path();
    for out in ["nope/..", "./deploy/../.", "jobs/out", "jobs"] {
        let output = flinkform(dir)
            .args(["render", "--out", out])
            .output()
            .unwrap();
        assert_exit(&output, 2);
        assert!(
            stderr(&output).contains("choose another --out"),
            "{out}: {}",
            stderr(&output)
        );
    }
    assert!(
        !dir.join("base").exists()
            && !dir.join("jobs/out").exists()
            && !dir.join("jobs/base").exists()
    );
}

/// A folder of the tree that is a symlink (`deploy/prod -> elsewhere`) is drift, however
/// up to date the files it leads to are; render refuses to write through it, once.
#[test]
fn a_symlinked_output_folder_is_drift_not_up_to_date() {
    let tmp = project();
    let dir = tmp.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("prod");
    fs::rename(dir.join("deploy/prod"), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, dir.join("deploy/prod")).unwrap();
    let output = check(dir, &[]);
    assert_exit(&output, 1);
    assert!(
        stdout(&output).contains("changed: prod/kustomization.yaml is behind a symlinked folder"),
        "{}",
        stdout(&output)
    );
    let output = render(dir);
    assert_exit(&output, 2);
    assert_eq!(
        stderr(&output)
            .matches("refusing to write through the symlink")
            .count(),
        1,
        "{}",
        stderr(&output)
    );
}
