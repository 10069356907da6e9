//! Property tests on stable Rust (proptest): random bytes and randomly mutated documents
//! never make the pipeline panic or hang, and random valid projects compile to output that
//! passes flinkform's own verification and builds under the real kustomize to the same
//! objects `build` prints.
//!
//! CI runs a modest number of cases; `FLINKFORM_FUZZ_CASES=5000 cargo test --release --test
//! integration fuzz::` runs a long campaign.

use crate::common;

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

/// Needs kubectl (`scripts/setup`).
mod tier_tools {
    use super::*;

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
                    let mut from_kustomize =
                        common::documents(&String::from_utf8_lossy(&built.stdout));
                    let one =
                        flinkform::compile(dir, &[], flinkform::Goal::Environment(env)).unwrap();
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

/// A valid job to plant hostile input in: `#HERE-METADATA` and `#HERE-SPEC` mark where.
const HOST_JOB: &str = "apiVersion: flinkform.dev/v1alpha1\nkind: FlinkJob\nmetadata:\n  name: host\n  space: s\n  spaceId: 1\n#HERE-METADATA\nspec:\n  flinkVersion: \"1.20\"\n  image: registry.example.com/flink/app:1.0.0\n  job: {jarURI: \"local:///opt/flink/usrlib/app.jar\", entryClass: com.example.App, parallelism: 2}\n  jobManager: {resources: {cpu: 500m, memory: 1Gi}}\n  taskManager: {taskSlots: 2, resources: {cpu: \"1\", memory: 2Gi}}\n#HERE-SPEC\n";

/// One input of a class the third hardening round closed, generated.
#[derive(Clone, Debug)]
enum Hostile {
    /// A naming pattern of nested loops, or of a string repeated in a loop.
    Pattern(String),
    /// Aliases of one scalar of `size` bytes, `count` times.
    Aliases { size: usize, count: usize },
    /// One line holding `count` errors.
    LongLine { count: usize },
    /// A job file name.
    FileName(String),
    /// A mount path spelled some way.
    MountPath(String),
    /// An annotation or node selector key.
    Key(&'static str, String),
    /// A TaskManager CPU or memory quantity.
    Quantity(&'static str, String),
}

fn hostile() -> impl Strategy<Value = Hostile> {
    let unsafe_char = prop_oneof![
        Just('\u{1b}'),
        Just('\u{7}'),
        Just('\n'),
        Just('\r'),
        Just('\u{9b}'),
        Just('\u{202e}'),
        Just('\u{2028}'),
        Just('\u{7f}'),
    ];
    let piece = prop_oneof![
        Just("/"),
        Just("//"),
        Just("/./"),
        Just("/x/../"),
        Just("/.")
    ];
    prop_oneof![
        (2u32..6, 1_000u32..200_000).prop_map(|(depth, n)| Hostile::Pattern(format!(
            "{}{{{{ name }}}}{}",
            format!("{{% for i in range({n}) %}}").repeat(depth as usize),
            "{% endfor %}".repeat(depth as usize)
        ))),
        (1_000u32..100_000, 100u32..100_000).prop_map(|(times, size)| Hostile::Pattern(format!(
            "{{% for i in range({times}) %}}{{{{ 'x' * {size} }}}}{{% endfor %}}"
        ))),
        (1usize..1_500_000, 1usize..3_000)
            .prop_map(|(size, count)| Hostile::Aliases { size, count }),
        (1usize..3_000).prop_map(|count| Hostile::LongLine { count }),
        proptest::collection::vec(
            prop_oneof![
                unsafe_char.prop_map(String::from),
                "[a-z:. \\[\\]]{1,6}",
                Just("\nfake.yaml:1:1: error[forged]: fine\n".to_owned()),
            ],
            1..8
        )
        .prop_map(|parts| Hostile::FileName(format!("{}.yaml", parts.concat()))),
        proptest::collection::vec(piece, 3..4).prop_map(|seps| {
            Hostile::MountPath(format!("{}opt{}flink{}conf", seps[0], seps[1], seps[2]))
        }),
        (
            prop_oneof![Just("annotations"), Just("nodeSelector")],
            "([a-z0-9~!._ -]{0,12}/)?[a-zA-Z0-9~!._ -]{0,70}"
        )
            .prop_map(|(field, key)| Hostile::Key(field, key)),
        (
            prop_oneof![Just("cpu"), Just("memory")],
            "[1-9][0-9]{0,2}(\\.[0-9])?(e[0-9]{1,3}|Ei|E|Pi)?"
        )
            .prop_map(|(field, q)| Hostile::Quantity(field, q)),
    ]
}

/// A mount path as the container runtime resolves it, written independently of flinkform's.
fn resolved_mount(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            parts.pop();
        } else {
            parts.push(part);
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether a key is a Kubernetes qualified name, written independently of flinkform's rule.
fn qualified(key: &str) -> bool {
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    let label = |l: &str, extra: &[char]| {
        !l.is_empty()
            && l.starts_with(|c: char| c.is_ascii_alphanumeric())
            && l.ends_with(|c: char| c.is_ascii_alphanumeric())
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || extra.contains(&c))
    };
    let prefix_ok = prefix.is_none_or(|p| {
        p.len() <= 253
            && p.split('.').all(|l| {
                l.len() <= 63 && label(l, &[]) && !l.chars().any(|c| c.is_ascii_uppercase())
            })
    });
    prefix_ok && name.len() <= 63 && label(name, &['_', '.'])
}

#[test]
fn generated_hostile_inputs_stay_bounded_and_are_reported_at_their_line() {
    let project = "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  naming: {}\n";
    runner(48)
        .run(&hostile(), |case| {
            let tmp = tempfile::tempdir().unwrap();
            let jobs = tmp.path().join("jobs");
            std::fs::create_dir_all(&jobs).unwrap();
            let mut settings = project.to_owned();
            let (mut metadata, mut spec, mut file) = (String::new(), String::new(), "job.yaml".to_owned());
            match &case {
                Hostile::Pattern(p) => {
                    settings = settings.replace("naming: {}", &format!("naming: {{configMap: {}}}", serde_json::to_string(p).unwrap()));
                }
                Hostile::Aliases { size, count } => {
                    metadata = format!("  annotations:\n    a: &big {}\n    b: [{}]\n", "x".repeat(*size), vec!["*big"; *count].join(", "));
                }
                Hostile::LongLine { count } => {
                    let keys: Vec<String> = (0..*count).map(|i| format!("k{i}: [1]")).collect();
                    metadata = format!("  annotations: {{{}}}\n", keys.join(", "));
                }
                Hostile::FileName(name) => file = name.replace('/', "_"),
                Hostile::MountPath(path) => {
                    spec = format!("  pod:\n    volumes: [{{name: v, emptyDir: {{}}}}]\n    volumeMounts: [{{name: v, mountPath: {}}}]\n", serde_json::to_string(path).unwrap());
                }
                Hostile::Key(field, key) => {
                    let key = serde_json::to_string(key).unwrap();
                    if *field == "annotations" {
                        metadata = format!("  annotations: {{{key}: x}}\n");
                    } else {
                        spec = format!("  pod: {{nodeSelector: {{{key}: x}}}}\n");
                    }
                }
                Hostile::Quantity(field, q) => {
                    spec = format!("  pod: {{}}\n#{field}={q}\n");
                }
            }
            let mut job = if let Hostile::FileName(_) = case { "kind: [\n".to_owned() } else { HOST_JOB.to_owned() };
            job = job.replace("#HERE-METADATA\n", &metadata)
                .replace("#HERE-SPEC\n", &spec);
            if let Hostile::Quantity(field, q) = &case {
                let (cpu, memory) = if *field == "cpu" { (q.as_str(), "2Gi") } else { ("1", q.as_str()) };
                job = job.replace("resources: {cpu: \"1\", memory: 2Gi}", &format!("resources: {{cpu: \"{cpu}\", memory: \"{memory}\"}}"));
            }
            std::fs::write(tmp.path().join("flinkform.yaml"), &settings).unwrap();
            std::fs::write(jobs.join(&file), &job).unwrap();
            let start = Instant::now();
            let c = flinkform::compile(tmp.path(), &[], flinkform::Goal::Validate)
                .expect("no I/O failure");
            let took = start.elapsed();
            let text = c.diags.render(&c.sources, false);
            let github = c.diags.render_github(&c.sources);
            prop_assert!(took < Duration::from_secs(10), "{case:?} took {took:?}");
            let codes: Vec<&str> = c.diags.sorted(&c.sources).iter().map(|d| d.code).collect();
            let input = job.len() + settings.len();
            prop_assert!(text.len() < 60 * input + 20_000, "{} bytes of diagnostics for {input}", text.len());
            for printed in [&text, &github] {
                let raw = printed.chars().find(|c| *c != '\n' && *c != '\t' && flinkform::terminal::is_unsafe(*c));
                prop_assert!(raw.is_none(), "{raw:?} reached the terminal: {case:?}");
            }
            match &case {
                Hostile::Pattern(_) | Hostile::LongLine { .. } => prop_assert!(c.diags.has_errors()),
                Hostile::Aliases { size, count } => {
                    // The bound counts every byte of text; a few hundred are the job's own.
                    let bytes = size * (count + 1);
                    let limit = flinkform::yaml::MAX_TEXT_BYTES;
                    if bytes > limit || bytes + 10_000 < limit {
                        prop_assert_eq!(bytes > limit, codes.contains(&"yaml-too-large"), "{:?}", codes);
                    }
                }
                Hostile::FileName(_) => {
                    prop_assert!(!text.lines().any(|l| l.starts_with("fake")));
                }
                Hostile::MountPath(path) => {
                    let conf = resolved_mount(path) == "/opt/flink/conf";
                    prop_assert_eq!(conf, codes.contains(&"mount-over-conf"), "{} {:?}", path, codes);
                }
                Hostile::Key(_, key) => {
                    prop_assert_eq!(!qualified(key), codes.contains(&"invalid-key"), "{:?} {:?}", key, codes);
                }
                Hostile::Quantity(field, q) => {
                    // A quantity past its 64-bit counter is too large, never too small.
                    let says = |w: &str| text.contains(&format!("is too {w} for"));
                    prop_assert!(!(says("large") && says("small")));
                    let (number, factor) = if let Some((n, e)) = q.split_once('e') {
                        (n, 10f64.powi(e.parse().unwrap()))
                    } else if let Some(n) = q.strip_suffix("Ei") {
                        (n, 1024f64.powi(6))
                    } else if let Some(n) = q.strip_suffix("Pi") {
                        (n, 1024f64.powi(5))
                    } else if let Some(n) = q.strip_suffix('E') {
                        (n, 1e18)
                    } else {
                        (q.as_str(), 1.0)
                    };
                    let value = number.parse::<f64>().unwrap() * factor;
                    let most = if *field == "cpu" { 9.2e15 } else { 9.2e18 };
                    if value > most * 1.01 {
                        prop_assert!(says("large"), "{q}: {text}");
                    } else if value < most * 0.99 {
                        prop_assert!(!says("large"), "{q}: {text}");
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A project template's name and object, generated: any name that would be taken for the
/// kustomization, and any object of a built-in one's kind and name, is refused; others render.
#[test]
fn generated_templates_that_collide_with_the_layout_or_built_in_objects_are_refused() {
    let names = prop_oneof![
        Just("kustomization.yaml.j2"),
        Just("Kustomization.yaml.j2"),
        Just("KUSTOMIZATION.yaml.j2"),
        Just("extra.yaml.j2"),
        Just("kustomization-extra.yaml.j2"),
    ];
    let objects = prop_oneof![
        Just(("ConfigMap", "{{ names.configMap }}", true)),
        Just(("ConfigMap", "{{ names.configMap ~ '-extra' }}", false)),
        Just(("Service", "{{ names.jobManagerService }}", true)),
        Just(("Service", "{{ names.jobManagerService ~ '-extra' }}", false)),
        Just(("ServiceAccount", "{{ names.configMap }}", false)),
    ];
    runner(24)
        .run(&(names, objects), |(name, (kind, object, builtin))| {
            let tmp = tempfile::tempdir().unwrap();
            let jobs = tmp.path().join("jobs");
            let templates = tmp.path().join("templates");
            std::fs::create_dir_all(&jobs).unwrap();
            std::fs::create_dir_all(&templates).unwrap();
            std::fs::write(
                tmp.path().join("flinkform.yaml"),
                "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  templates: templates\n",
            )
            .unwrap();
            let job = HOST_JOB
                .replace("#HERE-METADATA\n", "")
                .replace("#HERE-SPEC\n", "");
            std::fs::write(jobs.join("job.yaml"), job).unwrap();
            let spec = match kind {
                "ConfigMap" => "data: {a: b}\n",
                "Service" => "spec:\n  ports: [{port: 8081, name: web}]\n  selector: {{ selector.jobManager }}\n",
                _ => "",
            };
            let api = "v1";
            std::fs::write(
                templates.join(name),
                format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {object}\n  namespace: {{{{ names.namespace }}}}\n{spec}"),
            )
            .unwrap();
            let c = flinkform::compile(tmp.path(), &[], flinkform::Goal::Tree).unwrap();
            let sorted = c.diags.sorted(&c.sources);
            let codes: Vec<&str> = sorted.iter().map(|d| d.code).collect();
            let layout = name.eq_ignore_ascii_case("kustomization.yaml.j2");
            prop_assert_eq!(layout, codes.contains(&"template-name"), "{} {:?}", name, codes);
            if !layout {
                let twice = sorted.iter().any(|d| d.message.contains("emits the same object"));
                prop_assert_eq!(builtin, twice, "{} {} {:?}", kind, object, codes);
                prop_assert_eq!(builtin, c.output.is_none(), "{:?}", codes);
            }
            Ok(())
        })
        .unwrap();
}
