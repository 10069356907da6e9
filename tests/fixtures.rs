//! Golden tests: every project in `fixtures/valid` renders to its `expected/` tree with the
//! warnings in `expected.stderr`; every project in `fixtures/invalid` fails with the
//! diagnostics in `expected.stderr`, the exit code in `exit-code` (1 when absent), and leaves
//! the output folder untouched. `scripts/bless` re-blesses the goldens after a reviewed change.

mod common;

use std::path::Path;

use common::{cases, golden, golden_tree, normalize, read_tree, rel, run, stderr};

fn args_of(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("args"))
        .map(|a| a.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_else(|_| vec!["render".to_owned()])
}

#[test]
fn valid_projects_render_to_their_goldens() {
    let mut failures = Vec::new();
    for case in cases("valid") {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let project = rel(&case);
        let output = run(&[
            "--project",
            &project,
            "render",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = normalize(&stderr(&output), Some(&out));
        if output.status.code() != Some(0) {
            failures.push(format!("{project}: exit {:?}\n{err}", output.status.code()));
            continue;
        }
        if let Some(diff) = golden(&case.join("expected.stderr"), &err) {
            failures.push(format!("{project}: stderr differs\n{diff}"));
        }
        if let Some(diff) = golden_tree(&case.join("expected"), &out) {
            failures.push(format!("{project}: output differs from expected/ (re-bless with scripts/bless after review)\n{diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_projects_fail_with_their_diagnostics() {
    let mut failures = Vec::new();
    let all = cases("invalid");
    assert!(
        all.len() >= 25,
        "the bad-input corpus has {} cases",
        all.len()
    );
    for case in all {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("base")).unwrap();
        std::fs::write(out.join("keep.txt"), "not flinkform's\n").unwrap();
        std::fs::write(out.join("base/old.yaml"), "old: true\n").unwrap();
        let before = read_tree(&out);

        let project = rel(&case);
        let mut args: Vec<String> = vec!["--project".into(), project.clone()];
        let command = args_of(&case);
        let renders = command
            .first()
            .is_some_and(|c| c == "render" || c == "check");
        args.extend(command);
        if renders {
            args.push("--out".into());
            args.push(out.to_string_lossy().into_owned());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&argv);
        let expected_code: i32 = std::fs::read_to_string(case.join("exit-code"))
            .map(|c| c.trim().parse().unwrap())
            .unwrap_or(1);
        let err = normalize(&stderr(&output), Some(&out));
        if output.status.code() != Some(expected_code) {
            failures.push(format!(
                "{project}: exit {:?}, expected {expected_code}\n{err}",
                output.status.code()
            ));
        }
        if err.contains("panicked") {
            failures.push(format!("{project}: panicked\n{err}"));
        }
        if let Some(diff) = golden(&case.join("expected.stderr"), &err) {
            failures.push(format!("{project}: diagnostics differ\n{diff}"));
        }
        if read_tree(&out) != before {
            failures.push(format!("{project}: the output folder changed"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
