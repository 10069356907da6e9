//! A newcomer's first project, through the real binary: the list of codes, drift as records
//! and annotations for CI, formats a command has no output for, namespaces owned by someone
//! else, the Pod Security label and the restricted profile over every golden pod, and what
//! `init` writes.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{bin, root, stderr, stdout};

/// A temporary copy of `examples/realfuture` (project file, jobs and committed output).
fn example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree(&root().join("examples/realfuture"), tmp.path());
    tmp
}

fn flinkform(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(["--color", "never"])
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("flinkform runs")
}

#[test]
fn explain_list_names_every_code_with_its_severity_and_a_one_line_summary() {
    let output = flinkform(&root(), &["explain", "--list"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed = stdout(&output);
    let lines: Vec<&str> = listed.lines().collect();
    assert!(lines.len() > 50, "{listed}");
    assert!(
        stderr(&output).contains(&format!("listed {} codes", lines.len())),
        "{}",
        stderr(&output)
    );
    for line in &lines {
        let mut parts = line.split_whitespace();
        let severity = parts.next().unwrap();
        let code = parts.next().unwrap();
        let summary: Vec<&str> = parts.collect();
        assert!(!summary.is_empty(), "no summary: {line}");
        // Every listed code is one `explain` knows, with the same severity.
        let explained = flinkform(&root(), &["explain", code]);
        assert_eq!(explained.status.code(), Some(0), "{code}");
        assert!(
            stdout(&explained).starts_with(&format!("{severity}[{code}]")),
            "{line}\n{}",
            stdout(&explained)
        );
    }
    for known in ["not-enough-slots", "unknown-field", "duplicate-key"] {
        assert!(
            lines
                .iter()
                .any(|l| l.split_whitespace().nth(1) == Some(known)),
            "{known} not listed"
        );
    }
    // The word a newcomer types first points at the flag.
    let output = flinkform(&root(), &["explain", "list"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("flinkform explain --list"),
        "{}",
        stderr(&output)
    );
}

/// Drift of every kind in the example's output: a changed file, a missing one, a stale one.
fn drifted_example() -> tempfile::TempDir {
    let p = example();
    let deploy = p.path().join("deploy");
    let configmap = deploy.join("base/orders-enrichment/configmap.yaml");
    let text = fs::read_to_string(&configmap).unwrap();
    fs::write(
        &configmap,
        text.replace("rest.port: 8081", "rest.port: 8082"),
    )
    .unwrap();
    fs::remove_file(deploy.join("prod/kustomization.yaml")).unwrap();
    let mut index = fs::read_to_string(deploy.join(".flinkform-index")).unwrap();
    index.push_str("platform/old-rules.yaml\n");
    fs::write(deploy.join(".flinkform-index"), index).unwrap();
    fs::write(deploy.join("platform/old-rules.yaml"), "rules: []\n").unwrap();
    p
}

#[test]
fn check_format_json_prints_one_record_per_drifted_file() {
    let p = drifted_example();
    let output = flinkform(p.path(), &["--format", "json", "check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let records: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let find = |file: &str| {
        records
            .iter()
            .find(|r| r["file"] == file)
            .unwrap_or_else(|| panic!("no record for {file} in {records:#?}"))
    };
    let changed = find("deploy/base/orders-enrichment/configmap.yaml");
    assert_eq!(changed["status"], "changed");
    let diff = changed["diff"].as_str().unwrap();
    assert!(
        diff.contains("\n-    rest.port: 8082\n+    rest.port: 8081\n"),
        "{diff}"
    );
    assert!(
        diff.starts_with("--- a/base/orders-enrichment/configmap.yaml\n+++ b/"),
        "{diff}"
    );
    let missing = find("deploy/prod/kustomization.yaml");
    assert_eq!(missing["status"], "missing");
    assert!(
        missing["diff"]
            .as_str()
            .unwrap()
            .contains("+kind: Kustomization")
    );
    let extra = find("deploy/platform/old-rules.yaml");
    assert_eq!(extra["status"], "extra");
    assert!(extra["diff"].is_null());
    for r in &records {
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["file", "status", "diff"], "{r}");
    }
    // The index file changed too; nothing else did.
    assert_eq!(records.len(), 4, "{records:#?}");
    // No text diff mixed into the records.
    assert!(!stdout(&output).contains("\nmissing: "));
}

#[test]
fn check_format_github_prints_one_error_annotation_per_drifted_file() {
    let p = drifted_example();
    let output = flinkform(p.path(), &["--format", "github", "check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for line in &lines {
        assert!(line.starts_with("::error file=deploy/"), "{line}");
    }
    for (file, status) in [
        ("deploy/base/orders-enrichment/configmap.yaml", "changed"),
        ("deploy/prod/kustomization.yaml", "missing"),
        ("deploy/platform/old-rules.yaml", "extra"),
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!(
                "::error file={file},title=drift ({status})::{file} "
            ))),
            "no annotation for {file}:\n{out}"
        );
    }
}

#[test]
fn a_format_a_command_cannot_print_is_refused() {
    let p = example();
    for (args, command) in [
        (&["--format", "markdown", "validate"][..], "validate"),
        (&["--format", "svg", "check"][..], "check"),
        (
            &["--format", "markdown", "build", "--env", "prod"][..],
            "build",
        ),
    ] {
        let output = flinkform(p.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(&format!("`{command}` has no `--format")),
            "{}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }
    assert_eq!(
        flinkform(p.path(), &["--format", "json", "validate"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn namespaces_create_false_writes_no_namespaces() {
    let p = example();
    let project = p.path().join("flinkform.yaml");
    let text = fs::read_to_string(&project).unwrap();
    fs::write(
        &project,
        text.replacen("\nspec:\n", "\nspec:\n  namespaces: {create: false}\n", 1),
    )
    .unwrap();
    let out = p.path().join("out");
    let output = flinkform(p.path(), &["render", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for env in ["dev", "prod"] {
        assert!(
            !out.join(env).join("namespaces").exists(),
            "{env}/namespaces/ written"
        );
        let kustomization = fs::read_to_string(out.join(env).join("kustomization.yaml")).unwrap();
        assert!(!kustomization.contains("namespaces"), "{kustomization}");
        assert!(
            kustomization.contains("- orders-enrichment"),
            "{kustomization}"
        );
        let built = flinkform(p.path(), &["build", "--env", env]);
        assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
        assert!(!stdout(&built).contains("kind: Namespace"));
        assert!(stdout(&built).contains("kind: Deployment"));
    }
    // The jobs still name their namespace.
    let deployment =
        fs::read_to_string(out.join("base/orders-enrichment/jobmanager-deployment.yaml")).unwrap();
    assert!(deployment.contains("kind: Deployment"));

    // A misspelled setting is an error at its line, like every unknown field.
    fs::write(
        &project,
        text.replacen("\nspec:\n", "\nspec:\n  namespaces: {creat: false}\n", 1),
    )
    .unwrap();
    let output = flinkform(p.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("flinkform.yaml:"),
        "{}",
        stderr(&output)
    );
}

/// The rules of Pod Security Admission's `restricted` profile that a pod template can break,
/// applied to one pod spec; an empty list when it passes.
fn restricted_violations(pod: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    let pod_sc = &pod["securityContext"];
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[key] == true {
            found.push(format!("{key} is true"));
        }
    }
    for v in pod["volumes"].as_array().into_iter().flatten() {
        let allowed = [
            "name",
            "configMap",
            "csi",
            "downwardAPI",
            "emptyDir",
            "ephemeral",
            "persistentVolumeClaim",
            "projected",
            "secret",
        ];
        for key in v.as_object().unwrap().keys() {
            if !allowed.contains(&key.as_str()) {
                found.push(format!("volume {} of type {key}", v["name"]));
            }
        }
    }
    let containers = pod["containers"].as_array().into_iter().flatten();
    let init = pod["initContainers"].as_array().into_iter().flatten();
    for c in containers.chain(init) {
        let name = &c["name"];
        let sc = &c["securityContext"];
        if sc["privileged"] == true {
            found.push(format!("{name}: privileged"));
        }
        if sc["allowPrivilegeEscalation"] != false {
            found.push(format!("{name}: allowPrivilegeEscalation is not false"));
        }
        let drops = sc["capabilities"]["drop"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !drops.iter().any(|d| d == "ALL") {
            found.push(format!("{name}: capabilities do not drop ALL"));
        }
        for add in sc["capabilities"]["add"].as_array().into_iter().flatten() {
            if add != "NET_BIND_SERVICE" {
                found.push(format!("{name}: adds capability {add}"));
            }
        }
        let non_root = if sc["runAsNonRoot"].is_null() {
            &pod_sc["runAsNonRoot"]
        } else {
            &sc["runAsNonRoot"]
        };
        if non_root != true {
            found.push(format!("{name}: runAsNonRoot is not true"));
        }
        for ctx in [sc, pod_sc] {
            if ctx["runAsUser"] == 0 {
                found.push(format!("{name}: runAsUser 0"));
            }
        }
        let seccomp = if sc["seccompProfile"].is_null() {
            &pod_sc["seccompProfile"]
        } else {
            &sc["seccompProfile"]
        };
        if !(seccomp["type"] == "RuntimeDefault" || seccomp["type"] == "Localhost") {
            found.push(format!(
                "{name}: seccompProfile is not RuntimeDefault or Localhost"
            ));
        }
        for p in c["ports"].as_array().into_iter().flatten() {
            if p.get("hostPort").is_some_and(|h| h != 0) {
                found.push(format!("{name}: hostPort"));
            }
        }
    }
    found
}

#[test]
fn every_golden_pod_template_satisfies_the_restricted_profile_and_namespaces_enforce_it() {
    let mut checked = 0;
    let mut operator_pods = 0;
    let mut namespaces = 0;
    let mut failures = Vec::new();
    let mut roots = common::cases("valid");
    roots.push(root().join("examples"));
    for dir in roots {
        for entry in walkdir::WalkDir::new(&dir) {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "yaml")
                || path.components().any(|c| c.as_os_str() == "jobs")
            {
                continue;
            }
            let Ok(text) = fs::read_to_string(path) else {
                continue;
            };
            for doc in common::documents(&text) {
                let kind = doc["kind"].as_str().unwrap_or_default();
                if kind == "Namespace" {
                    namespaces += 1;
                    if doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
                        != "restricted"
                    {
                        failures.push(format!(
                            "{}: Namespace without the restricted label",
                            common::rel(path)
                        ));
                    }
                }
                // Deployments (standalone) and FlinkDeployments (operator) both hold pod templates.
                let pods: Vec<&serde_json::Value> = match kind {
                    "Deployment" => vec![&doc["spec"]["template"]["spec"]],
                    "FlinkDeployment" => vec![
                        &doc["spec"]["podTemplate"]["spec"],
                        &doc["spec"]["jobManager"]["podTemplate"]["spec"],
                        &doc["spec"]["taskManager"]["podTemplate"]["spec"],
                    ],
                    _ => continue,
                };
                for pod in pods.into_iter().filter(|p| !p.is_null()) {
                    checked += 1;
                    operator_pods += usize::from(kind == "FlinkDeployment");
                    for v in restricted_violations(pod) {
                        failures.push(format!("{} ({kind}): {v}", common::rel(path)));
                    }
                }
            }
        }
    }
    assert!(
        checked > 20 && operator_pods > 2 && namespaces > 10,
        "{checked} pods ({operator_pods} of the operator target), {namespaces} namespaces"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn init_pins_nothing_mutable_in_its_pre_commit_config() {
    let tmp = tempfile::tempdir().unwrap();
    let output = flinkform(tmp.path(), &["init", "p"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let config = fs::read_to_string(tmp.path().join("p/.pre-commit-config.yaml")).unwrap();
    let revs: Vec<&str> = config
        .lines()
        .filter_map(|l| l.trim().strip_prefix("rev: "))
        .collect();
    assert!(!revs.is_empty(), "{config}");
    for rev in revs {
        // pre-commit takes a revision without a dot that is not a commit hash for a branch.
        let hash = rev.len() >= 7 && rev.chars().all(|c| c.is_ascii_hexdigit());
        assert!(
            hash || rev.contains('.'),
            "mutable rev `{rev}` in:\n{config}"
        );
        assert_eq!(rev, format!("v{}", env!("CARGO_PKG_VERSION")));
    }
}

/// The example job of `init`, renamed and without autoscaling: two fixed TaskManagers.
fn fixed_job(example: &str) -> String {
    let head = example.split("\n  autoscaling:").next().unwrap();
    head.replace("name: example-job", "name: fixed-job")
        .replace("spaceId: 1\n", "spaceId: 2\n")
        .replace("    taskSlots: 2", "    replicas: 2\n    taskSlots: 2")
}

#[test]
fn an_environment_that_tunes_autoscaling_leaves_a_fixed_job_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(flinkform(tmp.path(), &["init", "p"]).status.code(), Some(0));
    let p = tmp.path().join("p");
    let example = fs::read_to_string(p.join("jobs/example-job.yaml")).unwrap();
    let project = fs::read_to_string(p.join("flinkform.yaml")).unwrap();
    // The scaffold tunes autoscaling in staging; the fixed job must just work next to it.
    assert!(
        project.contains("autoscaling: {maxReplicas: 2}"),
        "{project}"
    );
    fs::write(p.join("jobs/fixed-job.yaml"), fixed_job(&example)).unwrap();
    let output = flinkform(&p, &["validate"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let kinds = |env: &str, job: &str| -> Vec<(String, serde_json::Value)> {
        let built = flinkform(&p, &["build", "--env", env, "--job", job]);
        assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
        common::documents(&stdout(&built))
            .into_iter()
            .map(|d| (d["kind"].as_str().unwrap().to_owned(), d))
            .collect()
    };
    let taskmanager = |docs: &[(String, serde_json::Value)]| {
        docs.iter()
            .find(|(k, d)| k == "Deployment" && d["metadata"]["name"] == "fixed-job-taskmanager")
            .map(|(_, d)| d["spec"]["replicas"].clone())
            .unwrap()
    };
    for env in ["staging", "prod"] {
        let fixed = kinds(env, "fixed-job");
        assert!(
            !fixed.iter().any(|(k, _)| k == "HorizontalPodAutoscaler"),
            "{env}"
        );
        assert_eq!(taskmanager(&fixed), 2, "{env}");
        // The tuning still reaches the job that autoscales.
        let scaled = kinds(env, "example-job");
        let hpa = &scaled
            .iter()
            .find(|(k, _)| k == "HorizontalPodAutoscaler")
            .unwrap()
            .1;
        let max = if env == "staging" { 2 } else { 4 };
        assert_eq!(hpa["spec"]["maxReplicas"], max, "{env}");
    }

    // Only an explicit `enabled: true` switches autoscaling on in an environment.
    let switched = project.replacen(
        "    - name: staging\n",
        "    - name: staging\n      jobs:\n        fixed-job:\n          autoscaling: {enabled: true, maxReplicas: 3, cpu: {averageUtilization: 60}}\n",
        1,
    );
    assert_ne!(switched, project);
    fs::write(p.join("flinkform.yaml"), &switched).unwrap();
    let output = flinkform(&p, &["validate"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{switched}",
        stderr(&output)
    );
    let fixed = kinds("staging", "fixed-job");
    let hpa = &fixed
        .iter()
        .find(|(k, _)| k == "HorizontalPodAutoscaler")
        .expect("an HPA in staging")
        .1;
    assert_eq!(hpa["spec"]["maxReplicas"], 3);
    assert!(
        !kinds("prod", "fixed-job")
            .iter()
            .any(|(k, _)| k == "HorizontalPodAutoscaler")
    );
}

#[test]
fn the_parallelism_of_an_autoscaled_job_rolls_no_pods() {
    let p = example();
    let job = p.path().join("jobs/orders-enrichment.yaml");
    let text = fs::read_to_string(&job).unwrap();
    assert!(text.contains("    parallelism: 10\n"), "{text}");
    fs::write(
        &job,
        text.replace("    parallelism: 10\n", "    parallelism: 6\n"),
    )
    .unwrap();
    let output = flinkform(p.path(), &["--format", "json", "check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let records: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let files: Vec<&str> = records
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    // The configuration file still says it; no pod template (its config hash) changes.
    assert!(
        files.contains(&"deploy/base/orders-enrichment/configmap.yaml"),
        "{files:?}"
    );
    for r in &records {
        let diff = r["diff"].as_str().unwrap();
        let changed: Vec<&str> = diff
            .lines()
            .filter(|l| {
                (l.starts_with('+') || l.starts_with('-'))
                    && !l.starts_with("+++")
                    && !l.starts_with("---")
            })
            .collect();
        assert!(
            changed.iter().all(|l| l.contains("parallelism.default: ")),
            "{}: {changed:?}",
            r["file"]
        );
    }
}

#[test]
fn the_man_page_names_no_missing_pages_and_documents_the_exit_codes() {
    let output = flinkform(&root(), &["man"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    // No `flinkform-render(1)`: there are no pages per command.
    let reference = page_reference(&page);
    assert!(reference.is_none(), "refers to {reference:?}");
    let exit = page
        .split(".SH \"EXIT STATUS\"")
        .nth(1)
        .expect("an EXIT STATUS section");
    for code in ["0", "1", "2"] {
        assert!(exit.contains(&format!(".TP\n{code}\n")), "{exit}");
    }
    for command in [
        "render", "check", "build", "validate", "diff", "explain", "init",
    ] {
        assert!(
            page.contains(&format!("\\fBflinkform {command}\\fR")),
            "{command} not listed"
        );
    }
}

/// The first `flinkform-<word>(` in a text.
fn page_reference(text: &str) -> Option<String> {
    text.match_indices("flinkform-").find_map(|(i, _)| {
        let rest = &text[i + "flinkform-".len()..];
        let word: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        (!word.is_empty() && rest[word.len()..].starts_with('('))
            .then(|| format!("flinkform-{word}"))
    })
}

/// What bash completes for a command line whose last word is being typed, with the completion
/// script `flinkform completions bash` prints, in the project folder `dir`.
fn bash_completes(dir: &Path, words: &[&str]) -> Vec<String> {
    let script = stdout(&flinkform(dir, &["completions", "bash"]));
    let bin_dir = Path::new(bin()).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{script}\nCOMP_WORDS=({}); COMP_CWORD={}; _flinkform_with_project flinkform \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" "),
        words.len() - 1
    );
    let output = Command::new("bash")
        .args(["-c", &program])
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("bash runs (completion is tested in bash)");
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_environments_jobs_and_codes_from_the_project() {
    let p = example();
    assert_eq!(
        bash_completes(p.path(), &["flinkform", "build", "--env", ""]),
        ["dev", "prod"]
    );
    assert_eq!(
        bash_completes(p.path(), &["flinkform", "build", "--env", "p"]),
        ["prod"]
    );
    assert_eq!(
        bash_completes(
            p.path(),
            &["flinkform", "build", "--env", "dev", "--job", ""]
        ),
        ["orders-enrichment"]
    );
    assert_eq!(
        bash_completes(p.path(), &["flinkform", "explain", "not-enough"]),
        ["not-enough-slots"]
    );
    // Another project, named on the command line.
    let elsewhere = tempfile::tempdir().unwrap();
    let project = p.path().to_str().unwrap();
    assert_eq!(
        bash_completes(
            elsewhere.path(),
            &["flinkform", "--project", project, "simulate", "--env", ""]
        ),
        ["dev", "prod"]
    );
    // The rest still completes as generated: subcommands.
    assert!(bash_completes(p.path(), &["flinkform", "vali"]).contains(&"validate".to_owned()));
}

#[test]
fn every_error_of_a_job_comes_in_one_run() {
    let job = common::example_job()
        .replacen("    entryClass:", "    entryclass:", 1)
        .replacen("    parallelism:", "    paralelism:", 1);
    assert!(job.contains("entryclass") && job.contains("paralelism"));
    // A misplaced field and Kubernetes-type problems of the pod fields, in the same file.
    let job = format!(
        "{job}  pod:\n    affinity:\n      nodeAfinity: {{}}\n    volumes:\n      - name: scratch\n        emptyDir: {{sizeLimt: 1Gi}}\n    volumeMounts:\n      - {{name: scratch, mountPath: /scratch}}\n"
    );
    let job = job.replacen(
        "  taskManager:\n",
        "  taskManager:\n    image: example:1.0\n",
        1,
    );
    let p = common::temp_project(None, &[("job.yaml", &job)]);
    let output = flinkform(p.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    for expected in [
        "error[unknown-field]: unknown field `entryclass` in `spec.job`",
        "error[unknown-field]: unknown field `paralelism` in `spec.job`",
        "help: did you mean `parallelism`?",
        "error[unknown-field]: unknown field `image` in `spec.taskManager`",
        "help: `image` is a field of `spec`: it may be indented wrongly",
        "error[unknown-kubernetes-field]: a Kubernetes Affinity has no field `nodeAfinity`",
        "error[unknown-kubernetes-field]: a Kubernetes Volume has no field `sizeLimt`",
    ] {
        assert!(err.contains(expected), "no `{expected}` in:\n{err}");
    }
    assert!(err.contains("failed: 5 errors"), "{err}");
}
