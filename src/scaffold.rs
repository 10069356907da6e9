//! `flinkform init`: a new project with one example job, and what its repository needs
//! around it: the JSON Schemas for editors (offline), the pre-commit hooks, and the ignore
//! entry for render's in-progress marker.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const PROJECT: &str = r#"# yaml-language-server: $schema=schemas/project.schema.json
# (`flinkform schema project > schemas/project.schema.json` renews the schema.)
apiVersion: flinkform.dev/v1alpha1
kind: Project
spec:
  jobs: jobs
  output: deploy
  defaults:
    # The image's minor release: the output is the same for every patch release of it.
    flinkVersion: "1.20"
    jobManager:
      resources: {cpu: "1", memory: 1600Mi}
  naming:
    namespace: "flink-{{ space }}-{{ env }}"
  environments:
    - name: staging
      overrides:
        autoscaling: {maxReplicas: 2}
        # Staging may lose its progress when its JobManager restarts; prod resumes it.
        state: {highAvailability: {enabled: false}}
    - name: prod
"#;

const JOB: &str = r#"# yaml-language-server: $schema=../schemas/flinkjob.schema.json
apiVersion: flinkform.dev/v1alpha1
kind: FlinkJob
metadata:
  name: example-job
  space: analytics
  spaceId: 1
spec:
  image: registry.example.com/flink/example-job:1.0.0
  job:
    jarURI: local:///opt/flink/usrlib/example-job.jar
    entryClass: com.example.ExampleJob
    parallelism: 4
    # Fixed for the job's lifetime: its state is split into this many key groups.
    maxParallelism: 120
  taskManager:
    taskSlots: 2
    resources: {cpu: 1000m, memory: 2Gi}
  flinkConfiguration:
    execution.checkpointing.interval: 30s
  state:
    checkpoints: s3://flink-state/checkpoints
    savepoints: s3://flink-state/savepoints
    highAvailability: {enabled: true, storageDir: s3://flink-state/ha}
  autoscaling:
    minReplicas: 1
    maxReplicas: 4
    cpu: {averageUtilization: 65}
"#;

// Pinned to the release tag of the flinkform that wrote it: a branch would move under the
// project (pre-commit warns about mutable revisions), and a tag matches the output this binary
// rendered, so `check` agrees with what was committed.
const PRE_COMMIT: &str = concat!(
    "# pre-commit (https://pre-commit.com): `pre-commit install` runs these before every commit.
repos:
  - repo: https://github.com/flinkform/flinkform
    # The release that wrote this project; `pre-commit autoupdate --freeze` pins a newer one.
    rev: v",
    env!("CARGO_PKG_VERSION"),
    "
    hooks:
      - id: flinkform-validate
      - id: flinkform-check
"
);

/// A render that is killed leaves this marker in the output folder until the next render.
const GITIGNORE: &str = "deploy/.flinkform-writing
";

/// Writes the scaffold into `dir`; refuses to overwrite anything.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let files = [
        (dir.join("flinkform.yaml"), PROJECT),
        (dir.join("jobs").join("example-job.yaml"), JOB),
        (
            dir.join("schemas").join("project.schema.json"),
            crate::validate::schema_text(crate::validate::Kind::Project),
        ),
        (
            dir.join("schemas").join("flinkjob.schema.json"),
            crate::validate::schema_text(crate::validate::Kind::Job),
        ),
        (dir.join(".pre-commit-config.yaml"), PRE_COMMIT),
        (dir.join(".gitignore"), GITIGNORE),
    ];
    // Every check comes before the first write, so a refusal leaves nothing half made.
    for (path, _) in &files {
        if let Some(link) = symlink_on_the_way(dir, path) {
            return Err(format!(
                "{} is a symlink; flinkform init never writes through one",
                link.display()
            ));
        }
        // `symlink_metadata`, not `exists`: a dangling link exists too, and writing to it
        // would create its target wherever it points.
        if fs::symlink_metadata(path).is_ok() {
            return Err(format!(
                "{} already exists; flinkform init never overwrites files",
                path.display()
            ));
        }
    }
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // `create_new` refuses whatever appeared since the check, a link above all.
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The first folder between `dir` (the user's own choice, followed) and `path` that is a
/// symlink.
fn symlink_on_the_way(dir: &Path, path: &Path) -> Option<PathBuf> {
    let below = path.strip_prefix(dir).ok()?;
    let mut current = dir.to_path_buf();
    let parents: Vec<_> = below.components().collect();
    for part in &parents[..parents.len().saturating_sub(1)] {
        current.push(part);
        if fs::symlink_metadata(&current).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(current);
        }
    }
    None
}
