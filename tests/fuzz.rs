//! Property tests on stable Rust (proptest): random bytes and randomly mutated documents
//! never make the pipeline panic or hang, and random valid projects compile to output that
//! passes flinkform's own verification and builds under the real kustomize to the same
//! objects `build` prints.
//!
//! CI runs a modest number of cases; `FLINKFORM_FUZZ_CASES=5000 cargo test --release --test
//! fuzz` runs a long campaign.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const VALID_JOB: &str = include_str!("../examples/realfuture/jobs/orders-enrichment.yaml");
const VALID_PROJECT: &str = include_str!("../fixtures/valid/02-multi-env/flinkform.yaml");

fn cases(default: u32) -> u32 {
    std::env::var("FLINKFORM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(default_cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(default_cases),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Compiles a project with one job file (and optionally a project file); panics propagate.
fn compile_with(dir: &Path, job: &[u8], project: Option<&[u8]>) -> Duration {
    let jobs = dir.join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    std::fs::write(jobs.join("job.yaml"), job).unwrap();
    match project {
        Some(p) => std::fs::write(dir.join("flinkform.yaml"), p).unwrap(),
        None => {
            let _ = std::fs::remove_file(dir.join("flinkform.yaml"));
        }
    }
    let start = Instant::now();
    let compilation = flinkform::compile(dir, &[], flinkform::Goal::Tree)
        .expect("no I/O failure on a readable project");
    // Every failure is explained: no output means at least one error diagnostic.
    assert!(compilation.output.is_some() || compilation.diags.has_errors());
    let _ = compilation.diags.render(&compilation.sources, false);
    start.elapsed()
}

#[test]
fn random_bytes_never_panic_or_hang() {
    let tmp = tempfile::tempdir().unwrap();
    runner(128)
        .run(&proptest::collection::vec(any::<u8>(), 0..4096), |bytes| {
            let took = compile_with(tmp.path(), &bytes, None);
            prop_assert!(took < Duration::from_secs(5), "took {took:?}");
            Ok(())
        })
        .unwrap();
}

/// A mutation of a text: its lines shuffled, dropped, duplicated or overwritten.
#[derive(Clone, Debug)]
enum Mutation {
    DropLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceChar(usize, char),
    InsertText(usize, String),
    Indent(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![
        Just(": ".to_owned()),
        Just("- ".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("{".to_owned()),
        Just("]".to_owned()),
        Just("\t".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("? ".to_owned()),
        Just("!!str ".to_owned()),
        Just("<<: *a".to_owned()),
        Just("0x".to_owned()),
        Just("~".to_owned()),
        Just("${X}".to_owned()),
        Just("{{ name }}".to_owned()),
        "[a-zA-Z0-9 .:_-]{0,12}",
    ];
    prop_oneof![
        (0usize..64).prop_map(Mutation::DropLine),
        (0usize..64).prop_map(Mutation::DuplicateLine),
        (0usize..64, 0usize..64).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (0usize..4096, any::<char>()).prop_map(|(i, c)| Mutation::ReplaceChar(i, c)),
        (0usize..4096, token).prop_map(|(i, t)| Mutation::InsertText(i, t)),
        (0usize..64, 0usize..8).prop_map(|(l, n)| Mutation::Indent(l, n)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for m in mutations {
        let n = lines.len().max(1);
        match m {
            Mutation::DropLine(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) if !lines.is_empty() => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::Indent(l, k) if !lines.is_empty() => {
                let line = format!("{}{}", " ".repeat(*k), lines[l % n].trim_start());
                lines[l % n] = line;
            }
            Mutation::ReplaceChar(i, _) | Mutation::InsertText(i, _) if !lines.is_empty() => {
                let l = i % n;
                let chars: Vec<char> = lines[l].chars().collect();
                let at = (i / n) % (chars.len() + 1);
                let mut new: String = chars[..at].iter().collect();
                match m {
                    Mutation::ReplaceChar(_, c) => {
                        new.push(*c);
                        new.extend(chars.iter().skip(at + 1));
                    }
                    Mutation::InsertText(_, t) => {
                        new.push_str(t);
                        new.extend(chars.iter().skip(at));
                    }
                    _ => unreachable!(),
                }
                lines[l] = new;
            }
            _ => {}
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_documents_never_panic_or_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let strategy = (
        proptest::collection::vec(mutation(), 1..6),
        proptest::collection::vec(mutation(), 0..4),
    );
    runner(128)
        .run(&strategy, |(job_mutations, project_mutations)| {
            let job = mutate(VALID_JOB, &job_mutations);
            let project = mutate(VALID_PROJECT, &project_mutations);
            let took = compile_with(tmp.path(), job.as_bytes(), Some(project.as_bytes()));
            prop_assert!(took < Duration::from_secs(5), "took {took:?}");
            Ok(())
        })
        .unwrap();
}

/// Autoscaling of a random job: engine, min, max, cpu rule, memory rule, Flink presets.
type AutoscalingParams = (&'static str, u32, u32, bool, bool, Vec<&'static str>);

/// A random valid job.
#[derive(Clone, Debug)]
struct JobParams {
    name: String,
    flink_version: &'static str,
    parallelism: u32,
    slots: u32,
    tm_cpu: &'static str,
    tm_memory: &'static str,
    autoscaling: Option<AutoscalingParams>,
    label: String,
    /// Whether the job runs under the Flink Kubernetes Operator.
    operator: bool,
}

fn job_params() -> impl Strategy<Value = JobParams> {
    let autoscaling = (
        prop_oneof![Just("hpa"), Just("keda")],
        1u32..4,
        4u32..12,
        any::<bool>(),
        any::<bool>(),
        proptest::sample::subsequence(
            vec!["backlog", "busyTime", "latency", "watermarkLag", "kafkaLag"],
            0..=5,
        ),
    )
        .prop_filter("needs a rule", |(_, _, _, cpu, mem, presets)| {
            *cpu || *mem || !presets.is_empty()
        });
    (
        "[a-z][a-z0-9]{0,20}",
        prop_oneof![
            Just("1.17"),
            Just("1.18"),
            Just("1.19"),
            Just("1.20"),
            Just("2.0"),
            Just("2.1")
        ],
        1u32..20,
        1u32..4,
        prop_oneof![Just("500m"), Just("1"), Just("1500m"), Just("2")],
        prop_oneof![Just("1Gi"), Just("2Gi"), Just("1600Mi"), Just("3G")],
        proptest::option::of(autoscaling),
        prop_oneof![
            Just("on".to_owned()),
            Just("0755".to_owned()),
            "[a-z0-9]{1,10}"
        ],
        any::<bool>(),
    )
        .prop_map(
            |(
                name,
                flink_version,
                parallelism,
                slots,
                tm_cpu,
                tm_memory,
                autoscaling,
                label,
                operator,
            )| {
                JobParams {
                    name,
                    flink_version,
                    parallelism,
                    slots,
                    tm_cpu,
                    tm_memory,
                    autoscaling,
                    label,
                    operator,
                }
            },
        )
}

fn job_yaml(p: &JobParams, index: usize) -> String {
    let mut text = format!(
        "apiVersion: flinkform.dev/v1alpha1\nkind: FlinkJob\nmetadata:\n  name: {name}-{index}\n  space: s{space}\n  spaceId: {index}\n  labels: {{tier: \"{label}\"}}\nspec:\n  flinkVersion: \"{v}\"\n  image: registry.example.com/flink/app:1.0.{index}\n  job: {{jarURI: \"local:///opt/flink/usrlib/app.jar\", entryClass: com.example.App, parallelism: {par}}}\n  jobManager: {{resources: {{cpu: 500m, memory: 1Gi}}}}\n  taskManager: {{replicas: {reps}, taskSlots: {slots}, resources: {{cpu: \"{cpu}\", memory: {mem}}}}}\n  flinkConfiguration: {{execution.checkpointing.interval: 30s}}\n",
        name = p.name,
        space = index % 3,
        label = p.label,
        v = p.flink_version,
        par = p.parallelism,
        reps = p.parallelism.div_ceil(p.slots),
        slots = p.slots,
        cpu = p.tm_cpu,
        mem = p.tm_memory,
    );
    if p.operator {
        text.push_str("  target: operator\n");
    }
    if let Some((engine, min, max, cpu, mem, presets)) = &p.autoscaling {
        // KEDA scales Deployments only: under the operator an HPA takes the same rules.
        let engine = if p.operator { "hpa" } else { engine };
        text.push_str(&format!(
            "  autoscaling:\n    engine: {engine}\n    minReplicas: {min}\n    maxReplicas: {max}\n"
        ));
        if *cpu {
            text.push_str("    cpu: {averageUtilization: 65}\n");
        }
        if *mem {
            text.push_str("    memory: {averageUtilization: 80}\n");
        }
        if !presets.is_empty() {
            text.push_str("    flinkMetrics:\n");
            for preset in presets {
                // Only a sum grows with the TaskManagers; the others take a job-wide value.
                let target = if *preset == "backlog" {
                    "averageValue"
                } else {
                    "value"
                };
                text.push_str(&format!(
                    "      - {{metric: {preset}, target: {{{target}: \"100\"}}}}\n"
                ));
            }
        }
    }
    text
}

#[test]
fn random_valid_projects_compile_verify_and_build_under_kustomize() {
    let project = "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  prometheus: {url: \"http://prometheus:9090\"}\n  naming: {namespace: \"flink-{{ space }}-{{ env }}\"}\n  environments:\n    - name: dev\n      overrides: {taskManager: {taskSlots: 4}, flinkConfiguration: {state.backend.type: rocksdb}}\n    - name: prod\n      overrides: {image: \"registry.example.com/flink/app:2.0.0\", imagePullPolicy: Always}\n";
    let kubectl = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok();
    assert!(kubectl, "kubectl is needed (scripts/setup)");
    runner(12)
        .run(&proptest::collection::vec(job_params(), 1..4), |jobs| {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            std::fs::create_dir_all(dir.join("jobs")).unwrap();
            std::fs::write(dir.join("flinkform.yaml"), project).unwrap();
            for (i, job) in jobs.iter().enumerate() {
                std::fs::write(dir.join(format!("jobs/j{i}.yaml")), job_yaml(job, i)).unwrap();
            }
            let compilation = flinkform::compile(dir, &[], flinkform::Goal::Tree).unwrap();
            let compiled = compilation.output.as_ref();
            prop_assert!(
                compiled.is_some(),
                "{}",
                compilation.diags.render(&compilation.sources, false)
            );
            // The whole tree, written and built by the real kustomize.
            let out = dir.join("deploy");
            flinkform::output::write(&out, &compiled.unwrap().tree).unwrap();
            for env in ["dev", "prod"] {
                let built = std::process::Command::new("kubectl")
                    .args(["kustomize"])
                    .arg(out.join(env))
                    .output()
                    .unwrap();
                prop_assert!(
                    built.status.success(),
                    "{}",
                    String::from_utf8_lossy(&built.stderr)
                );
                let mut from_kustomize = common::documents(&String::from_utf8_lossy(&built.stdout));
                let one = flinkform::compile(dir, &[], flinkform::Goal::Environment(env)).unwrap();
                let environment = one.output.unwrap().environments.into_iter().next().unwrap();
                let mut from_build: Vec<serde_json::Value> = environment
                    .namespaces
                    .iter()
                    .chain(environment.jobs.iter().flat_map(|j| j.documents.iter()))
                    .flat_map(|d| common::documents(&d.yaml))
                    .collect();
                from_kustomize.sort_by_key(common::object_key);
                from_build.sort_by_key(common::object_key);
                prop_assert_eq!(from_kustomize, from_build);
            }
            Ok(())
        })
        .unwrap();
}

/// The built-in templates are built natively unless the project replaces them: on random
/// projects (every engine, preset and Flink version the generator knows), a project whose
/// `templates:` folder holds a copy of every built-in template renders the same tree.
#[test]
fn native_and_template_rendering_agree_on_random_projects() {
    let project = "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  prometheus: {url: \"http://prometheus:9090\"}\n  naming: {namespace: \"flink-{{ space }}-{{ env }}\", taskManagerService: \"tm-{{ spaceId }}-{{ name }}\"}\n  defaults: {metrics: {podMonitor: true}}\n  environments:\n    - name: dev\n      overrides: {taskManager: {taskSlots: 4}, autoscaling: {enabled: false}}\n    - name: prod\n      overrides: {image: \"registry.example.com/flink/app:2.0.0\"}\n";
    runner(256)
        .run(&proptest::collection::vec(job_params(), 1..4), |jobs| {
            let mut trees = Vec::new();
            for templates in [None, Some("templates")] {
                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path();
                std::fs::create_dir_all(dir.join("jobs")).unwrap();
                let mut settings = project.to_owned();
                if let Some(folder) = templates {
                    settings.push_str(&format!("  templates: {folder}\n"));
                    std::fs::create_dir_all(dir.join(folder)).unwrap();
                    for (name, source) in flinkform::render::BUILTIN_TEMPLATES {
                        std::fs::write(dir.join(folder).join(name), source).unwrap();
                    }
                }
                std::fs::write(dir.join("flinkform.yaml"), settings).unwrap();
                for (i, job) in jobs.iter().enumerate() {
                    std::fs::write(dir.join(format!("jobs/j{i}.yaml")), job_yaml(job, i)).unwrap();
                }
                let compilation = flinkform::compile(dir, &[], flinkform::Goal::Tree).unwrap();
                let rendered = compilation.diags.render(&compilation.sources, false);
                prop_assert!(compilation.output.is_some(), "{}", rendered);
                trees.push(compilation.output.unwrap().tree);
            }
            prop_assert!(trees[0] == trees[1], "native and template output differ");
            Ok(())
        })
        .unwrap();
}
