//! Flink's own rules, checked against Flink itself: generated container sizes, slot counts,
//! scales and memory keys, and generated configuration keys and values, go through
//! `flinkform validate` and through Flink's own classes of every supported release (the Java
//! probe `tests/flink/ConfigProbe.java`, one JVM per release and test, every case of a release
//! in one batch); the verdicts must agree on every case.
//!
//! Needs Java 17 and the distributions `scripts/flink-dist` installs (`scripts/setup --flink`).

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Rng;
use common::flink::{classpath, compile_probe, dist, run_probe};

/// One release per supported minor version, as `scripts/flink-options` reads them.
const RELEASES: &[&str] = &[
    "1.17.2", "1.18.1", "1.19.3", "1.20.1", "2.0.1", "2.1.1", "2.2.1", "2.3.0",
];

/// The probe, compiled once against the first release (its calls are the same in all).
fn probe_classes(work: &Path) -> PathBuf {
    let classes = work.join("probe");
    compile_probe(&dist(RELEASES[0]), &classes, &["ConfigProbe.java"]);
    classes
}

/// Runs the probe in one JVM over a release's jars (`extra`: its opt/ and plugins/ too).
fn probe(classes: &Path, flink: &Path, extra: bool, args: &[String]) -> Vec<serde_json::Value> {
    let mut classpath = classpath(classes, flink);
    if extra {
        classpath.push_str(&format!(":{}/opt/*", flink.display()));
        for plugin in std::fs::read_dir(flink.join("plugins"))
            .into_iter()
            .flatten()
            .flatten()
        {
            classpath.push_str(&format!(":{}/*", plugin.path().display()));
        }
    }
    run_probe(&classpath, "ConfigProbe", args)
}

/// The diagnostics of `flinkform validate` over a project, by job file name.
fn validate(project: &Path) -> BTreeMap<String, Vec<serde_json::Value>> {
    let out = Command::new(common::bin())
        .args([
            "--project",
            project.to_str().unwrap(),
            "validate",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "validate ended with {:?}: {}",
        out.status.code(),
        common::stderr(&out)
    );
    let mut by_file: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for line in common::stdout(&out)
        .lines()
        .chain(common::stderr(&out).lines())
        .filter(|l| l.starts_with('{'))
    {
        let d: serde_json::Value = serde_json::from_str(line).expect("JSON diagnostics");
        let file = d["file"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned();
        by_file.entry(file).or_default().push(d);
    }
    by_file
}

fn config_file(release: &str) -> &'static str {
    let minor: Vec<u32> = release.split('.').map(|p| p.parse().unwrap()).collect();
    if minor[0] >= 2 || minor[1] >= 19 {
        "config.yaml"
    } else {
        "flink-conf.yaml"
    }
}

/// A job file: TaskManager and JobManager memory (MiB), slots, maximum replicas and maximum
/// parallelism, and `flinkConfiguration` lines.
fn job(name: &str, version: &str, shape: (u64, u64, u64, u64, u64), keys: &str) -> String {
    let (tm, jm, slots, max, max_par) = shape;
    format!(
        "apiVersion: flinkform.dev/v1alpha1\nkind: FlinkJob\nmetadata:\n  name: {name}\n  space: s\n  spaceId: 1\nspec:\n  flinkVersion: \"{version}\"\n  image: registry.example.com/flink/job:1.0.0\n  job:\n    jarURI: local:///opt/flink/usrlib/job.jar\n    entryClass: com.example.Job\n    parallelism: 1\n    maxParallelism: {max_par}\n  jobManager:\n    resources: {{cpu: \"1\", memory: {jm}Mi}}\n  taskManager:\n    taskSlots: {slots}\n    resources: {{cpu: \"1\", memory: {tm}Mi}}\n  autoscaling:\n    enabled: true\n    minReplicas: 1\n    maxReplicas: {max}\n    cpu: {{averageUtilization: 65}}\n  flinkConfiguration:\n    execution.checkpointing.interval: 10 s\n{keys}"
    )
}

/// Memory keys a job may set, with values around their defaults and past them.
const MEMORY_KEYS: &[(&str, &[&str])] = &[
    (
        "taskmanager.memory.managed.fraction",
        &["0.1", "0.25", "0.4", "0.6", "0.8", "0.95"],
    ),
    (
        "taskmanager.memory.managed.size",
        &["0m", "64m", "256m", "512m", "1g", "3g"],
    ),
    (
        "taskmanager.memory.network.fraction",
        &["0.05", "0.1", "0.2", "0.4"],
    ),
    (
        "taskmanager.memory.network.min",
        &["16m", "64m", "128m", "256m", "1g"],
    ),
    (
        "taskmanager.memory.network.max",
        &["32m", "64m", "256m", "1g", "4g"],
    ),
    (
        "taskmanager.memory.task.heap.size",
        &["64m", "256m", "512m", "1g", "2g"],
    ),
    (
        "taskmanager.memory.task.off-heap.size",
        &["0m", "64m", "256m"],
    ),
    (
        "taskmanager.memory.framework.heap.size",
        &["64m", "128m", "512m"],
    ),
    (
        "taskmanager.memory.framework.off-heap.size",
        &["64m", "128m", "256m"],
    ),
    (
        "taskmanager.memory.flink.size",
        &["512m", "768m", "1g", "1536m", "3g"],
    ),
    (
        "taskmanager.memory.jvm-metaspace.size",
        &["96m", "256m", "512m"],
    ),
    (
        "taskmanager.memory.jvm-overhead.min",
        &["64m", "192m", "512m"],
    ),
    (
        "taskmanager.memory.jvm-overhead.max",
        &["128m", "512m", "1g"],
    ),
    (
        "taskmanager.memory.jvm-overhead.fraction",
        &["0.05", "0.1", "0.3"],
    ),
    (
        "taskmanager.memory.segment-size",
        &["8k", "32k", "64k", "1000", "2k"],
    ),
    (
        "taskmanager.network.memory.buffers-per-channel",
        &["1", "2", "4"],
    ),
    (
        "taskmanager.network.memory.read-buffer.required-per-gate.max",
        &["1", "100", "1000"],
    ),
    ("jobmanager.memory.heap.size", &["256m", "512m", "1g", "2g"]),
    (
        "jobmanager.memory.off-heap.size",
        &["64m", "128m", "600m", "1g"],
    ),
    (
        "jobmanager.memory.flink.size",
        &["512m", "768m", "1g", "2g"],
    ),
    (
        "jobmanager.memory.jvm-metaspace.size",
        &["128m", "256m", "1g"],
    ),
    (
        "jobmanager.memory.jvm-overhead.min",
        &["64m", "192m", "400m"],
    ),
    ("jobmanager.memory.jvm-overhead.fraction", &["0.1", "0.2"]),
];

/// Container sizes, slots, scales and memory keys for every release: Flink's
/// `TaskExecutorProcessUtils` / `JobManagerProcessUtils` must refuse exactly the processes
/// flinkform refuses, and where the TaskManager starts, flinkform must warn exactly when one
/// all-to-all exchange at the top scale needs more buffers than Flink gives the TaskManager.
#[test]
fn flinks_memory_model_agrees_on_generated_processes() {
    const CASES: usize = 150;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let work = tmp.path();
    let classes = probe_classes(work);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut totals = (0, 0, 0);
    for release in RELEASES {
        let flink = dist(release);
        let version = &release[..release.rfind('.').unwrap()];
        let project = work.join(format!("memory-{release}"));
        std::fs::create_dir_all(project.join("jobs")).unwrap();
        let mut cases = Vec::new();
        let mut dirs = Vec::new();
        for i in 0..CASES {
            let tm = 300 + rng.below(4000);
            let jm = 300 + rng.below(3000);
            let slots = 1 + rng.below(16);
            let max = 1 + rng.below(64);
            let max_par = *rng.pick(&[128, 720, 4096]);
            let mut keys = BTreeMap::new();
            for _ in 0..rng.below(4) {
                let (key, values) = rng.pick(MEMORY_KEYS);
                // Before 2.0 only: the option is gone since.
                if key.contains("buffers-per-channel") && version.starts_with('2') {
                    continue;
                }
                keys.insert(*key, *rng.pick(values));
            }
            let lines: String = keys
                .iter()
                .map(|(k, v)| format!("    {k}: \"{v}\"\n"))
                .collect();
            let name = format!("case-{i}");
            std::fs::write(
                project.join("jobs").join(format!("{name}.yaml")),
                job(&name, version, (tm, jm, slots, max, max_par), &lines),
            )
            .unwrap();
            // The file flinkform writes: whole mebibytes for the processes, the user's keys.
            let dir = work.join(format!("memory-{release}-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let mut text = format!(
                "taskmanager.memory.process.size: {tm}m\njobmanager.memory.process.size: {jm}m\ntaskmanager.numberOfTaskSlots: {slots}\n"
            );
            for (k, v) in &keys {
                text.push_str(&format!("{k}: {v}\n"));
            }
            std::fs::write(dir.join(config_file(release)), text).unwrap();
            std::fs::write(
                dir.join("exchange"),
                format!("{} {slots}", (max * slots).min(max_par)),
            )
            .unwrap();
            dirs.push(dir.to_string_lossy().into_owned());
            cases.push((name, keys));
        }
        let flinkform = validate(&project);
        let mut args = vec!["--memory".to_owned()];
        args.extend(dirs);
        let flink_says = probe(&classes, &flink, false, &args);
        assert_eq!(flink_says.len(), CASES);
        let mut refused = 0;
        let mut warned = 0;
        for ((name, keys), flink) in cases.iter().zip(&flink_says) {
            let diags = flinkform
                .get(&format!("{name}.yaml"))
                .cloned()
                .unwrap_or_default();
            let unexpected: Vec<_> = diags
                .iter()
                .filter(|d| d["severity"] == "error" && d["code"] != "flink-memory")
                .collect();
            assert!(
                unexpected.is_empty(),
                "Flink {release}, {name} {keys:?}: {unexpected:?}"
            );
            for (process, field) in [("TaskManager", "tm"), ("JobManager", "jm")] {
                let ours = diags.iter().find(|d| {
                    d["code"] == "flink-memory"
                        && d["message"]
                            .as_str()
                            .unwrap_or("")
                            .contains(&format!("a {process} of"))
                });
                let theirs = flink[field].as_str().unwrap_or("");
                assert_eq!(
                    ours.is_some(),
                    theirs != "ok",
                    "Flink {release}, {name} with {keys:?}: flinkform says {ours:?} of the {process}, Flink says {theirs}"
                );
                refused += usize::from(ours.is_some());
            }
            if let Some(available) = flink["buffers"].as_u64() {
                // What Flink's own pool sizing reserves for one exchange (the probe).
                let needed = flink["needed"]
                    .as_u64()
                    .expect("the probe sizes the exchange");
                let warning = diags.iter().find(|d| d["code"] == "network-buffers");
                assert_eq!(
                    warning.is_some(),
                    needed > available,
                    "Flink {release}, {name} with {keys:?}: {needed} buffers needed, Flink gives {available}; flinkform: {warning:?}"
                );
                if let Some(w) = warning {
                    let text = w["message"].as_str().unwrap();
                    assert!(
                        text.contains(&format!("which has {available} ")),
                        "Flink {release}, {name}: Flink gives {available} buffers; flinkform: {text}"
                    );
                    warned += 1;
                }
            }
        }
        println!(
            "Flink {release}: {CASES} cases agree ({refused} processes refused, {warned} network warnings)"
        );
        totals.0 += CASES;
        totals.1 += refused;
        totals.2 += warned;
    }
    println!(
        "memory: {} cases agree over {} releases ({} processes refused, {} network warnings)",
        totals.0,
        RELEASES.len(),
        totals.1,
        totals.2
    );
}

/// Values of every shape Flink's converters meet: valid and invalid durations, memory sizes,
/// numbers, booleans, enum names, with units, cases, signs, spaces and other scripts.
const TEXT_VALUES: &[&str] = &[
    "30",
    "30 s",
    "10s",
    "1 min",
    "5min",
    "2 h",
    "1d",
    "500 ms",
    "1 sec",
    "3 secs",
    "2 minutes",
    "1 hour",
    "7 days",
    "10 µs",
    "10 micros",
    "5ns",
    "1.5s",
    "-1s",
    "PT10S",
    "ten seconds",
    "10 S",
    "10 MIN",
    " 10 s ",
    "10 s x",
    "99999999999999999999s",
    "9223372036854775807 d",
    "512m",
    "512 mb",
    "1g",
    "1 GB",
    "1024",
    "1024b",
    "64k",
    "1t",
    "1600Mi",
    "2Gi",
    "1.5g",
    "-1m",
    "m",
    "10 mebibytes",
    "9223372036854775807k",
    " 64 m ",
    "64 M",
    "1e3",
    "true",
    "false",
    "TRUE",
    "False",
    "yes",
    "no",
    "1",
    "0",
    " true",
    "tru",
    "42",
    "-7",
    "+8",
    "2147483647",
    "2147483648",
    "-2147483648",
    "1.0",
    "٣",
    "0x10",
    "12a",
    "9223372036854775807",
    "9223372036854775808",
    "0.5",
    "-2.5",
    "1.5f",
    "0x1p3",
    ".5",
    "5.",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e",
    "1,5",
    " 0.25 ",
    "1e400",
    "",
    "exactly_once",
    "Exactly_Once",
    "none",
    "P1D",
    "pt1m30.5s",
    "-PT1S",
    "PT",
    "P1DT-1H",
    "PT1.1234567891S",
    "PT0.5S",
];

/// Typed YAML values, as the job file gives them (numbers and booleans, not strings), in the
/// form flinkform writes them back (it writes `2.0` as `2`).
const TYPED_VALUES: &[&str] = &["30", "-5", "3000000000", "0.5", "2.5", "true", "false"];

/// A value of the kind an option of this type takes, in one of the spellings Flink reads
/// (or one near it), so that accepted values are as common as refused ones.
fn likely_value(kind: &str, rng: &mut Rng) -> Option<String> {
    let pool: &[&str] = match kind {
        "duration" => &[
            "30 s",
            "5 min",
            "100ms",
            "1 h",
            "2d",
            "10",
            "3 Seconds",
            "7 MIN",
        ],
        "memory" => &["64m", "1 gb", "512 kb", "1024", "2 G", "16 mebibytes"],
        "bool" => &["true", "FALSE", "True"],
        "int" | "long" => &["4", "0", "-1", "+12", "65536"],
        "float" | "double" => &["0.5", "1", "2.5e-1", "-3", "1E2"],
        _ => {
            let constants: Vec<&str> = kind.strip_prefix("enum:")?.split('|').collect();
            let c = *rng.pick(&constants);
            return Some(match rng.below(3) {
                0 => c.to_lowercase(),
                1 => c.to_owned(),
                _ => c.to_uppercase(),
            });
        }
    };
    Some((*rng.pick(pool)).to_owned())
}

/// The checkable options of a release from the committed table: (key, type).
fn table_options(release: &str) -> Vec<(String, String)> {
    let table = std::fs::read_to_string(common::root().join("src/flink/options.tsv")).unwrap();
    let minor = &release[..release.rfind('.').unwrap()];
    let versions: Vec<&str> = table
        .lines()
        .find_map(|l| l.strip_prefix("# versions "))
        .unwrap()
        .split(' ')
        .collect();
    let bit = 1 << versions.iter().position(|v| *v == minor).unwrap();
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let mask = u32::from_str_radix(f[4], 16).unwrap();
            let checkable = [
                "bool", "int", "long", "float", "double", "duration", "memory",
            ]
            .contains(&f[1])
                || f[1].starts_with("enum:");
            // Keys that are no dotted words (`fields.#.length`, of table connectors) are
            // `config-key` errors of their own.
            let word = f[0]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            (mask & bit != 0 && checkable && word).then(|| (f[0].to_owned(), f[1].to_owned()))
        })
        .collect()
}

/// Generated keys and values through flinkform and through Flink's own option parsing, for
/// every release: a value flinkform refuses as `config-value` is one no option of that key
/// reads, and one it accepts is read by one; a key flinkform calls unknown is no option of the
/// release's jars, and no option of them is called unknown.
#[test]
fn flinks_option_parsing_agrees_on_generated_values() {
    const KEYS: usize = 70;
    const VALUES: usize = 6;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let work = tmp.path();
    let classes = probe_classes(work);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let owned = flinkform::rules::OWNED_CONFIG_KEYS;
    let mut totals = (0, 0, 0, 0);
    for release in RELEASES {
        let flink = dist(release);
        let version = &release[..release.rfind('.').unwrap()];
        let legacy = config_file(release) == "flink-conf.yaml";
        let options: Vec<(String, String)> = table_options(release)
            .into_iter()
            .filter(|(k, _)| !owned.iter().any(|(o, _)| o == k))
            .collect();
        let mut keys: Vec<String> = (0..KEYS).map(|_| rng.pick(&options).0.clone()).collect();
        // Typos of known keys, and keys of the job's own.
        for _ in 0..20 {
            let mut k: Vec<char> = rng.pick(&options).0.chars().collect();
            let at = rng.below(k.len() as u64 - 1) as usize;
            match rng.below(3) {
                0 => k.swap(at, at + 1),
                1 => {
                    k.remove(at);
                }
                _ => k.insert(at, 'x'),
            }
            keys.push(k.into_iter().collect());
        }
        keys.extend(["myapp.mode".into(), "kafka.group.id".into()]);
        keys.sort();
        keys.dedup();
        let types: BTreeMap<&str, String> = options
            .iter()
            .map(|(k, t)| (k.as_str(), t.clone()))
            .collect();
        let project = work.join(format!("options-{release}"));
        std::fs::create_dir_all(project.join("jobs")).unwrap();
        // One job per value round, each holding every key once; a case is (round, key).
        let mut cases: Vec<(usize, String, serde_json::Value)> = Vec::new();
        for round in 0..VALUES {
            let mut lines = String::new();
            for key in &keys {
                let kind = types.get(key.as_str()).map_or("", String::as_str);
                let value: serde_json::Value = if rng.below(5) == 0 {
                    let text: &&str = rng.pick(TYPED_VALUES);
                    serde_json::from_str(text).unwrap()
                } else if rng.below(2) == 0
                    && let Some(text) = likely_value(kind, &mut rng)
                {
                    text.into()
                } else {
                    let text = *rng.pick(TEXT_VALUES);
                    // The legacy file cuts and trims what flinkform refuses otherwise.
                    if legacy && (text.is_empty() || text.trim() != text) {
                        continue;
                    }
                    text.into()
                };
                lines.push_str(&format!("    {key}: {value}\n"));
                cases.push((round, key.clone(), value));
            }
            let name = format!("round-{round}");
            let text = job(&name, version, (2048, 1600, 1, 1, 128), "")
                .replace("    execution.checkpointing.interval: 10 s\n", &lines);
            std::fs::write(project.join("jobs").join(format!("{name}.yaml")), text).unwrap();
        }
        let flinkform = validate(&project);
        let mut args = vec!["--options".to_owned()];
        for (i, (_, key, value)) in cases.iter().enumerate() {
            let dir = work.join(format!("options-{release}-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let line = if legacy {
                match value {
                    serde_json::Value::String(s) => format!("{key}: {s}\n"),
                    other => format!("{key}: {other}\n"),
                }
            } else {
                format!("{key}: {value}\n")
            };
            std::fs::write(dir.join(config_file(release)), line).unwrap();
            std::fs::write(dir.join("key"), key).unwrap();
            args.push(dir.to_string_lossy().into_owned());
        }
        let flink_says = probe(&classes, &flink, true, &args);
        assert_eq!(flink_says.len(), cases.len());
        let (mut accepted, mut rejected, mut unknown) = (0, 0, 0);
        for ((round, key, value), flink) in cases.iter().zip(&flink_says) {
            let file = format!("round-{round}.yaml");
            let diags = flinkform.get(&file).cloned().unwrap_or_default();
            let text = std::fs::read_to_string(project.join("jobs").join(&file)).unwrap();
            let line = text
                .lines()
                .position(|l| l.starts_with(&format!("    {key}: ")))
                .unwrap()
                + 1;
            let at = |code: &str| {
                diags
                    .iter()
                    .find(|d| d["code"] == code && d["line"] == line)
                    .cloned()
            };
            let verdict = flink["verdict"].as_str().unwrap();
            let refused = at("config-value");
            let unknown_key = at("unknown-config-key");
            match verdict {
                "accept" => {
                    assert!(
                        refused.is_none() && unknown_key.is_none(),
                        "Flink {release} reads `{key}: {value}`; flinkform: {refused:?} {unknown_key:?}"
                    );
                    accepted += 1;
                }
                "reject" => {
                    assert!(
                        refused.is_some(),
                        "Flink {release} refuses `{key}: {value}` ({}); flinkform accepts it",
                        flink["why"]
                    );
                    rejected += 1;
                }
                _ => {
                    assert!(
                        refused.is_none(),
                        "Flink {release} has no option `{key}`; flinkform: {refused:?}"
                    );
                    unknown += 1;
                }
            }
            if unknown_key.is_some() {
                assert_eq!(
                    verdict, "unknown",
                    "flinkform calls `{key}` unknown to Flink {release}"
                );
            }
        }
        assert!(
            rejected > 0 && accepted > 0 && unknown > 0,
            "Flink {release}: {accepted} {rejected} {unknown}"
        );
        println!(
            "Flink {release}: {} cases agree ({accepted} values read, {rejected} refused, {unknown} keys unknown)",
            cases.len()
        );
        totals.0 += cases.len();
        totals.1 += accepted;
        totals.2 += rejected;
        totals.3 += unknown;
    }
    println!(
        "options: {} cases agree over {} releases ({} values read, {} refused, {} keys unknown)",
        totals.0,
        RELEASES.len(),
        totals.1,
        totals.2,
        totals.3
    );
}

/// The committed option table is what the option classes of the releases declare.
#[test]
fn the_option_table_is_what_the_releases_declare() {
    let out = Command::new(common::root().join("scripts/flink-options"))
        .arg("--check")
        .output()
        .expect("scripts/flink-options runs");
    assert!(
        out.status.success(),
        "src/flink/options.tsv is stale or could not be generated:\n{}",
        common::all_output(&out)
    );
}
