//! Criterion benchmarks of the pipeline's hot phases (issue 7), over the public library API.
//!
//! A project of `JOBS` jobs and three environments (defaults, naming patterns, environment and
//! per-job overrides, autoscaling on and off; the same shape as `scripts/bench` generates) is
//! written to a temp folder once; then:
//!
//! - `parse/*`: `yaml::parse` of one job file (5 jobs) and of every job file of the project;
//! - `load`: `load::load` (find, read and parse the files);
//! - `resolve`: `resolve::resolve` on the loaded project (structure and merged-job JSON Schema
//!   validation, merge, typing, naming, semantic checks);
//! - `compile`: `flinkform::compile` for `Goal::Validate`, the whole of load, validate, resolve, render and verify
//!   (render + verify ≈ compile − load − resolve);
//! - `verify`: `verify::verify` on every rendered object set again;
//! - `compile_tree`: `flinkform::compile` for `Goal::Tree`: `compile` plus the emit/layout phase
//!   (overlay diffs and canonical YAML);
//! - `to_yaml`: `yaml::write::to_yaml` of every object of every environment.
//!
//! `cargo bench --bench pipeline` runs them (about a minute); add `-- --quick` for a faster,
//! rougher run, or a name filter such as `-- compile`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flinkform::Goal;
use flinkform::diagnostic::Diagnostics;
use flinkform::source::{FileId, Sources};

const JOBS: usize = 200;
const JOBS_PER_FILE: usize = 5;
const SPACES: &[&str] = &[
    "payments",
    "web",
    "search",
    "ads",
    "risk",
    "logistics",
    "inventory",
    "pricing",
    "identity",
    "messaging",
];

fn job_name(i: usize) -> String {
    let kinds = ["enrich", "sessionize", "aggregate", "dedupe", "join"];
    let space = SPACES[i % SPACES.len()];
    format!("{space}-{}-{i:05}", kinds[(i / SPACES.len()) % kinds.len()])
}

/// One FlinkJob document; autoscaling off (30 %), on CPU (40 %), CPU and memory (20 %),
/// memory (10 %). No job draws a warning.
fn job_doc(i: usize) -> String {
    let name = job_name(i);
    let space_index = i % SPACES.len();
    let space = SPACES[space_index];
    let mode = i % 10;
    let slots = if i.is_multiple_of(6) { 4 } else { 2 };
    let mut s = String::new();
    let _ = write!(
        s,
        "apiVersion: flinkform.dev/v1alpha1\nkind: FlinkJob\nmetadata:\n  name: {name}\n  space: {space}\n  spaceId: {}\n  labels: {{team: {space}}}\nspec:\n",
        100 + space_index
    );
    if i % 10 == 7 {
        s.push_str("  flinkVersion: \"1.18\"\n");
    }
    let parallelism = if mode <= 2 { 2 * slots } else { 3 * slots };
    let _ = write!(
        s,
        "  image: registry.example.com/flink/{name}:1.{}.{}\n  job:\n    jarURI: local:///opt/flink/usrlib/{name}.jar\n    entryClass: com.example.{space}.Job{i}\n    args: [\"--topic\", \"{space}-events\"]\n    parallelism: {parallelism}\n",
        i % 7,
        i % 13
    );
    if i % 10 == 3 {
        let _ = writeln!(
            s,
            "    initialSavepoint: {{path: \"s3://flink-savepoints/{name}/sp-{i}\"}}"
        );
    }
    if i.is_multiple_of(6) || mode <= 2 {
        s.push_str("  taskManager:\n");
        if mode <= 2 {
            s.push_str("    replicas: 2\n");
        }
        if i.is_multiple_of(6) {
            s.push_str("    taskSlots: 4\n    resources: {cpu: \"2\", memory: 4Gi}\n");
        }
    }
    if i.is_multiple_of(5) {
        s.push_str("  flinkConfiguration:\n    state.backend.type: hashmap\n");
    }
    match mode {
        0..=2 => {}
        3..=6 => s.push_str(
            "  autoscaling:\n    minReplicas: 1\n    maxReplicas: 5\n    cpu: {averageUtilization: 65}\n",
        ),
        7 | 8 => s.push_str(
            "  autoscaling:\n    minReplicas: 2\n    maxReplicas: 8\n    cpu: {averageUtilization: 70}\n    memory: {averageUtilization: 90}\n",
        ),
        _ => s.push_str(
            "  autoscaling:\n    maxReplicas: 4\n    memory: {averageUtilization: 90}\n",
        ),
    }
    s
}

fn project_file(n: usize) -> String {
    let mut s = String::from(
        "apiVersion: flinkform.dev/v1alpha1
kind: Project
spec:
  defaults:
    flinkVersion: \"1.20\"
    jobManager:
      resources: {cpu: 500m, memory: 1600Mi}
    taskManager:
      taskSlots: 2
      resources: {cpu: \"1\", memory: 2Gi}
    job: {maxParallelism: 720}
    flinkConfiguration:
      execution.checkpointing.interval: 30s
      state.backend.type: rocksdb
    state: {highAvailability: {enabled: false}}
  naming:
    namespace: \"flink-{{ space }}-{{ env }}\"
    taskManagerService: \"{{ name }}-metrics\"
  environments:
    - name: dev
      overrides:
        taskManager: {resources: {memory: 1Gi}}
    - name: staging
      overrides:
        flinkConfiguration: {execution.checkpointing.interval: 60s}
      jobs:
",
    );
    for i in (2..n).step_by(50) {
        let _ = writeln!(s, "        {}: {{job: {{parallelism: 2}}}}", job_name(i));
    }
    s.push_str(
        "    - name: prod\n      overrides:\n        imagePullPolicy: Always\n      jobs:\n",
    );
    for i in (3..n).step_by(50) {
        let _ = writeln!(
            s,
            "        {}: {{autoscaling: {{maxReplicas: 12}}, job: {{parallelism: 12}}}}",
            job_name(i)
        );
    }
    s
}

/// Writes the project; returns the texts of its job files.
fn generate(root: &Path, n: usize) -> Vec<String> {
    std::fs::write(root.join("flinkform.yaml"), project_file(n)).expect("write flinkform.yaml");
    let mut files = Vec::new();
    for (space_index, space) in SPACES.iter().enumerate() {
        let folder = root.join("jobs").join(space);
        std::fs::create_dir_all(&folder).expect("create jobs folder");
        let jobs: Vec<usize> = (space_index..n).step_by(SPACES.len()).collect();
        for (part, chunk) in jobs.chunks(JOBS_PER_FILE).enumerate() {
            let text = chunk
                .iter()
                .map(|&i| job_doc(i))
                .collect::<Vec<_>>()
                .join("---\n");
            std::fs::write(folder.join(format!("part-{part:04}.yaml")), &text)
                .expect("write job file");
            files.push(text);
        }
    }
    files
}

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let files = generate(root, JOBS);

    // The fixture must compile cleanly, or every figure below measures an error path.
    let compilation =
        flinkform::compile(root, &[], Goal::Environment("prod")).expect("project readable");
    assert!(
        compilation.diags.is_empty(),
        "the generated project draws diagnostics:\n{}",
        compilation.diags.render(&compilation.sources, false)
    );
    let compiled = compilation.output.expect("project compiles");
    let prod = compiled
        .environments
        .into_iter()
        .next()
        .expect("prod exists");
    // The objects of each job, read back from the YAML build would print.
    let prod_jobs: Vec<Vec<flinkform::object::RenderedObject>> = prod
        .jobs
        .iter()
        .map(|j| {
            j.documents
                .iter()
                .map(|d| flinkform::object::RenderedObject {
                    job: Some(j.name.clone()),
                    template: format!("{}.yaml.j2", d.kind.to_lowercase()),
                    value: flinkform::yaml::parse(&d.yaml, FileId(0)).expect("parses")[0].to_json(),
                })
                .collect()
        })
        .collect();
    let objects: Vec<&serde_json::Value> = prod_jobs.iter().flatten().map(|o| &o.value).collect();

    let mut parse = c.benchmark_group("parse");
    parse.throughput(Throughput::Bytes(files[0].len() as u64));
    parse.bench_function("job_file", |b| {
        b.iter(|| flinkform::yaml::parse(black_box(&files[0]), FileId(0)).expect("parses"));
    });
    let total: usize = files.iter().map(String::len).sum();
    parse.throughput(Throughput::Bytes(total as u64));
    parse.bench_function(format!("all_{JOBS}_jobs"), |b| {
        b.iter(|| {
            for text in &files {
                black_box(flinkform::yaml::parse(black_box(text), FileId(0)).expect("parses"));
            }
        });
    });
    parse.finish();

    let mut g = c.benchmark_group(format!("{JOBS}_jobs_3_envs"));
    g.bench_function("load", |b| {
        b.iter(|| {
            let mut sources = Sources::default();
            let mut diags = Diagnostics::default();
            flinkform::load::load(black_box(root), &[], &mut sources, &mut diags).expect("loads")
        });
    });
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    let loaded = flinkform::load::load(root, &[], &mut sources, &mut diags).expect("loads");
    g.bench_function("resolve", |b| {
        b.iter(|| {
            let mut diags = Diagnostics::default();
            flinkform::resolve::resolve(black_box(&loaded), None, &mut diags).expect("resolves")
        });
    });
    g.bench_function("compile", |b| {
        b.iter(|| flinkform::compile(black_box(root), &[], Goal::Validate).expect("compiles"));
    });
    g.bench_function("verify", |b| {
        b.iter(|| {
            let mut diags = Diagnostics::default();
            for job in &prod_jobs {
                flinkform::verify::verify(black_box(job), Some(&prod.name), &[], &mut diags);
            }
            diags
        });
    });
    g.bench_function("compile_tree", |b| {
        b.iter(|| flinkform::compile(black_box(root), &[], Goal::Tree).expect("compiles"));
    });
    g.throughput(Throughput::Elements(objects.len() as u64));
    g.bench_function("to_yaml", |b| {
        b.iter(|| {
            objects
                .iter()
                .map(|o| flinkform::yaml::write::to_yaml(black_box(o)).len())
                .sum::<usize>()
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = pipeline
}
criterion_main!(benches);
