//! The command line as users meet it: init, schema, build, validate and the exit codes.

use crate::common;

use common::{documents, root, run, stderr, stdout};

#[test]
fn init_scaffolds_a_project_that_renders_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new-project");
    let dir_arg = dir.to_str().unwrap();
    let output = run(&["init", dir_arg]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for file in [
        "flinkform.yaml",
        "jobs/example-job.yaml",
        "schemas/flinkjob.schema.json",
        "schemas/project.schema.json",
        ".pre-commit-config.yaml",
        ".gitignore",
    ] {
        assert!(dir.join(file).is_file(), "init wrote no {file}");
    }
    // The modelines point at the schemas it wrote, so editors complete offline.
    let job = std::fs::read_to_string(dir.join("jobs/example-job.yaml")).unwrap();
    let modeline = job.lines().next().unwrap();
    let schema = modeline.rsplit("$schema=").next().unwrap();
    assert!(dir.join("jobs").join(schema).is_file(), "{modeline}");
    assert_eq!(
        std::fs::read_to_string(dir.join("schemas/flinkjob.schema.json")).unwrap(),
        std::fs::read_to_string(root().join("schemas/flinkjob.schema.json")).unwrap()
    );

    let output = run(&["--project", dir_arg, "--strict", "validate"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the scaffold is clean even under --strict: {}",
        stderr(&output)
    );
    let output = run(&["--project", dir_arg, "render"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        dir.join("deploy/prod/example-job/kustomization.yaml")
            .is_file()
    );
    assert!(
        dir.join("deploy/staging/example-job/kustomization.yaml")
            .is_file()
    );

    // `--project DIR init` means the same folder; two different folders are refused.
    let other = tmp.path().join("via-project");
    let output = run(&["--project", other.to_str().unwrap(), "init"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(other.join("flinkform.yaml").is_file());
    let output = run(&["--project", other.to_str().unwrap(), "init", dir_arg]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("give one"), "{}", stderr(&output));

    let output = run(&["init", dir_arg]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("never overwrites"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn schema_prints_the_committed_schemas() {
    for (kind, file) in [
        ("job", "schemas/flinkjob.schema.json"),
        ("project", "schemas/project.schema.json"),
    ] {
        let output = run(&["schema", kind]);
        assert_eq!(output.status.code(), Some(0));
        let printed: serde_json::Value =
            serde_json::from_str(&stdout(&output)).expect("valid JSON");
        let committed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
        assert_eq!(printed, committed);
        assert_eq!(
            printed["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn build_prints_objects_in_spec_order_and_filters_jobs() {
    let output = run(&[
        "--project",
        "fixtures/valid/02-multi-env",
        "build",
        "--env",
        "prod",
        "--job",
        "fraud-scoring",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let docs = documents(&stdout(&output));
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ConfigMap",
            "Service",
            "Service",
            "Deployment",
            "Deployment",
            "PodDisruptionBudget"
        ]
    );
    assert!(
        docs.iter()
            .skip(1)
            .all(|d| d["metadata"]["labels"]["app.kubernetes.io/instance"] == "fraud-scoring")
    );
    assert!(stdout(&output).starts_with("---\n"));

    let output = run(&[
        "--project",
        "fixtures/valid/02-multi-env",
        "build",
        "--env",
        "prod",
        "--job",
        "nope",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&[
        "--project",
        "fixtures/valid/02-multi-env",
        "build",
        "--env",
        "qa",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("staging, prod"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(run(&["render", "--bogus"]).status.code(), Some(2));
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(
        run(&["--project", "/nonexistent/flinkform-project", "validate"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn validate_takes_files_and_checks_them_in_their_project() {
    let project = "fixtures/valid/02-multi-env";
    let output = run(&[
        "--project",
        project,
        "validate",
        "fixtures/valid/02-multi-env/jobs/clicks.yaml",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("validated 3 jobs"),
        "{}",
        stderr(&output)
    );
    // The project file alone means the whole project.
    let output = run(&[
        "--project",
        project,
        "validate",
        "fixtures/valid/02-multi-env/flinkform.yaml",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("validated 3 jobs"),
        "{}",
        stderr(&output)
    );
    // A broken file is reported at its line.
    let broken = common::example_job().replace("parallelism: 10", "parallelism: ten");
    let tmp = common::temp_project(None, &[("a.yaml", &broken)]);
    let copy = tmp.path();
    let file = copy.join("jobs/a.yaml");
    let output = run(&[
        "--project",
        copy.to_str().unwrap(),
        "validate",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("jobs/a.yaml:17:18: error[wrong-type]"),
        "{}",
        stderr(&output)
    );
}

/// All errors of a run are reported, not only those of the first broken file.
#[test]
fn errors_in_one_job_do_not_hide_errors_in_another() {
    let job = common::example_job();
    // A structure error in one file, a semantic error in the other.
    let broken = job.replace("parallelism: 10", "parallelism: ten");
    let other = job
        .replace("name: orders-enrichment", "name: payments-audit")
        .replace(
            "local:///opt/flink/usrlib/orders-enrichment.jar",
            "s3://bucket/audit.jar",
        );
    let tmp = common::temp_project(
        Some(
            "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  naming: {namespace: \"ns-{{ name }}\"}\n  environments:\n    - name: prod\n      jobs: {orders-enrichment: {image: \"registry.example.com/x:1.0.0\"}}\n",
        ),
        &[("a.yaml", &broken), ("b.yaml", &other)],
    );
    let output = run(&["--project", tmp.path().to_str().unwrap(), "validate"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("a.yaml:17:18: error[wrong-type]"), "{err}");
    assert!(err.contains("b.yaml:14:13: error[jar-uri]"), "{err}");
    // The override of the broken job still names a job that exists.
    assert!(!err.contains("unknown-job"), "{err}");
    assert!(err.contains("failed: 2 errors"), "{err}");
}

/// `--format json` prints one object per diagnostic with its position; `--format github`
/// prints GitHub Actions annotations, escaped as workflow commands need.
#[test]
fn diagnostics_come_as_json_and_as_github_annotations() {
    let project = "fixtures/invalid/73-pod-owned-settings";
    let json = run(&["--format", "json", "--project", project, "validate"]);
    assert_eq!(json.status.code(), Some(1));
    let err = stderr(&json);
    let objects: Vec<serde_json::Value> = err
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(objects.len(), 4, "{err}");
    let first = &objects[0];
    assert_eq!(
        first["file"],
        "fixtures/invalid/73-pod-owned-settings/jobs/orders-enrichment.yaml"
    );
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(23), Some(16))
    );
    assert_eq!(first["code"], "owned-env");
    assert_eq!(first["severity"], "error");
    assert!(first["help"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(err.ends_with("nothing written, in ") || err.contains("failed: 4 errors"));

    let github = run(&["--format", "github", "--project", project, "validate"]);
    let err = stderr(&github);
    let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 4, "{err}");
    assert!(
        annotations[0].starts_with(
            "::error file=fixtures/invalid/73-pod-owned-settings/jobs/orders-enrichment.yaml,line=23,col=16,title=owned-env::"
        ),
        "{err}"
    );
    // A line break in a message would end the command: it is escaped.
    assert!(annotations[0].contains("%0Ahelp: "), "{err}");
}

/// Every code a golden diagnostic shows is explained by `flinkform explain`. (A code in the
/// sources cannot lack one: a diagnostic takes a declared code, and `tests/house.rs` holds the
/// declarations and the list `explain` reads to each other.)
#[test]
fn every_diagnostic_code_is_explained() {
    let mut codes = std::collections::BTreeSet::new();
    for case in std::fs::read_dir(common::root().join("fixtures/invalid"))
        .unwrap()
        .chain(std::fs::read_dir(common::root().join("fixtures/valid")).unwrap())
    {
        let stderr = case.unwrap().path().join("expected.stderr");
        let Ok(text) = std::fs::read_to_string(stderr) else {
            continue;
        };
        for label in ["error[", "warning["] {
            for part in text.split(label).skip(1) {
                if let Some(end) = part.find(']') {
                    codes.insert(part[..end].to_owned());
                }
            }
        }
    }
    assert!(codes.len() > 60, "the scan found only {codes:?}");
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| flinkform::explain::find(c).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without an explanation: {missing:?}"
    );
    let output = run(&["explain", "error[not-enough-slots]"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("never leaves CREATED"));
    assert_eq!(run(&["explain", "no-such-code"]).status.code(), Some(2));
    let completions = run(&["completions", "bash"]);
    assert!(stdout(&completions).contains("_flinkform()"));
    let man = run(&["man"]);
    assert!(
        stdout(&man).starts_with(".ie \\n(.g .ds Aq") || stdout(&man).contains(".TH flinkform"),
        "{}",
        stdout(&man)
    );
}

/// A job file that does not parse is reported once: an environment's override of its job is
/// not also "unknown".
#[test]
fn an_unparsable_job_file_draws_no_follow_on_errors() {
    let job = common::example_job().replace("parallelism: 10", "parallelism: [10");
    let tmp = common::temp_project(
        Some(
            "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  environments:\n    - name: prod\n      jobs: {orders-enrichment: {autoscaling: {maxReplicas: 3}}}\n",
        ),
        &[("a.yaml", &job)],
    );
    let output = run(&["--project", tmp.path().to_str().unwrap(), "validate"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("error[yaml-syntax]"), "{err}");
    assert!(!err.contains("unknown-job"), "{err}");
    assert!(err.contains("failed: 1 error"), "{err}");
}
