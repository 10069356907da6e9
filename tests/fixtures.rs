//! Golden tests: every project in `fixtures/valid` renders to its `expected/` tree with the
//! warnings in `expected.stderr`; every project in `fixtures/invalid` fails with the
//! diagnostics in `expected.stderr`, the exit code in `exit-code` (1 when absent), and leaves
//! the output folder untouched. `scripts/bless` re-blesses the goldens after a reviewed change.
//! Every valid project renders byte-identical across runs and job-file orders.

use crate::common;

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

/// A copy of `project` in `dir` whose `templates:` folder holds a copy of every built-in
/// template it does not replace already, so nothing of it is built natively.
fn with_builtin_templates_copied(project: &Path, dir: &Path) {
    common::copy_tree(project, dir);
    let settings = dir.join("flinkform.yaml");
    let text = std::fs::read_to_string(&settings).unwrap_or_else(|_| {
        "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n".to_owned()
    });
    let folder = text
        .lines()
        .find_map(|l| l.strip_prefix("  templates: "))
        .map(str::to_owned);
    let folder = folder.unwrap_or_else(|| {
        assert!(text.contains("\nspec:\n"), "{}", settings.display());
        let text = text.replacen("\nspec:\n", "\nspec:\n  templates: builtin-copies\n", 1);
        std::fs::write(&settings, text).unwrap();
        "builtin-copies".to_owned()
    });
    let folder = dir.join(folder);
    std::fs::create_dir_all(&folder).unwrap();
    for (name, source) in flinkform::render::BUILTIN_TEMPLATES {
        if !folder.join(name).exists() {
            std::fs::write(folder.join(name), source).unwrap();
        }
    }
}

/// The built-in templates are built natively unless a project replaces them (render.rs):
/// replacing every one of them by a copy of itself must not change one byte of the output.
#[test]
fn templates_copied_into_the_project_render_byte_identical_output() {
    // Compared with the same project rendered by the native builders, not with the goldens
    // (which the golden test checks, and rewrites while blessing).
    let mut projects = cases("valid");
    projects.push(common::root().join("examples/realfuture"));
    let mut failures = Vec::new();
    for project in projects {
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("project");
        with_builtin_templates_copied(&project, &copy);
        let render = |project: &std::path::Path, out: &std::path::Path| {
            run(&[
                "--project",
                project.to_str().unwrap(),
                "render",
                "--out",
                out.to_str().unwrap(),
            ])
        };
        let native = tmp.path().join("native");
        let out = tmp.path().join("out");
        let natively = render(&project, &native);
        let output = render(&copy, &out);
        if natively.status.code() != Some(0) {
            failures.push(format!("{}: {}", rel(&project), stderr(&natively)));
        } else if output.status.code() != Some(0) {
            failures.push(format!("{}: {}", rel(&project), stderr(&output)));
        } else if let Some(diff) = common::tree_diff(&native, &out) {
            failures.push(format!("{}: through the templates\n{diff}", rel(&project)));
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

fn copy_project(from: &Path, to: &Path, rename: impl Fn(&str) -> String) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(from).unwrap();
        if relative.starts_with("expected") {
            continue;
        }
        let mut target = to.join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            continue;
        }
        if relative.starts_with("jobs") {
            let name = target.file_name().unwrap().to_string_lossy().into_owned();
            target.set_file_name(rename(&name));
        }
        std::fs::copy(entry.path(), target).unwrap();
    }
}

#[test]
fn renders_are_byte_identical_across_runs_and_file_orders() {
    for case in common::cases("valid") {
        let tmp = tempfile::tempdir().unwrap();
        let render = |project: &Path, out: &Path| {
            let output = run(&[
                "--project",
                &project.to_string_lossy(),
                "render",
                "--out",
                &out.to_string_lossy(),
            ]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            read_tree(out)
        };
        let first = render(&case, &tmp.path().join("a"));
        let second = render(&case, &tmp.path().join("b"));
        assert_eq!(first, second, "{}: two renders differ", rel(&case));
        // The same project with its job files discovered in the reverse order.
        let reversed = tmp.path().join("reversed");
        let names: Vec<String> = read_tree(&case.join("jobs")).keys().cloned().collect();
        copy_project(&case, &reversed, |name| {
            let position = names.iter().position(|n| n.ends_with(name)).unwrap_or(0);
            format!("{:03}-{name}", names.len() - position)
        });
        let third = render(&reversed, &tmp.path().join("c"));
        assert_eq!(
            first,
            third,
            "{}: job file order changed the output",
            rel(&case)
        );
    }
}
