//! Flink for the tests that need Java: the releases `scripts/flink-dist` keeps in
//! `target/test-tools`, and the probes of `tests/flink/`, compiled against a release's jars and
//! run on them, which print what Flink's own classes read as one JSON object a line.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{all_output, root, stdout};

/// The distribution of a Flink release (downloaded once by `scripts/flink-dist`).
pub fn dist(release: &str) -> PathBuf {
    let output = Command::new(root().join("scripts/flink-dist"))
        .arg(release)
        .output()
        .expect("scripts/flink-dist runs");
    assert!(
        output.status.success(),
        "scripts/flink-dist {release} failed:\n{}",
        all_output(&output)
    );
    PathBuf::from(stdout(&output).trim())
}

/// Compiles probes of `tests/flink/` against a Flink release's jars into `classes`.
pub fn compile_probe(flink: &Path, classes: &Path, sources: &[&str]) {
    let status = Command::new("javac")
        .args(["-nowarn", "--release", "17", "-cp"])
        .arg(format!("{}/lib/*", flink.display()))
        .arg("-d")
        .arg(classes)
        .args(sources.iter().map(|f| root().join("tests/flink").join(f)))
        .status()
        .expect("javac runs (Java 17 is installed)");
    assert!(status.success(), "javac failed");
}

/// The compiled probes and a release's `lib/` jars, as a class path.
pub fn classpath(classes: &Path, flink: &Path) -> String {
    format!("{}:{}/lib/*", classes.display(), flink.display())
}

/// Runs the probe class `probe` in one JVM (UTF-8, whatever the locale): the JSON objects it
/// prints, in order.
pub fn run_probe<T: serde::de::DeserializeOwned>(
    classpath: &str,
    probe: &str,
    args: impl IntoIterator<Item = impl AsRef<OsStr>>,
) -> Vec<T> {
    let out = Command::new("java")
        .arg("-Dfile.encoding=UTF-8")
        .arg("-Djava.io.tmpdir=/tmp")
        .arg("-cp")
        .arg(classpath)
        .arg(probe)
        .args(args)
        .env("LANG", "C.UTF-8")
        .output()
        .expect("java runs");
    assert!(
        out.status.success(),
        "the probe failed: {}",
        all_output(&out)
    );
    stdout(&out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("the probe prints JSON"))
        .collect()
}
