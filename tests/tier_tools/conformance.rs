//! Independent checks of the output: every emitted object of every golden project passes
//! `kubernetes-validate --strict` (from PyPI; `scripts/setup` installs it) for the oldest and
//! newest Kubernetes versions flinkform supports, and every string survives a YAML 1.1 reader
//! (PyYAML, which reads `on`, `0755` or `12:30` as non-strings when they are bare).

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{documents, environments, rel, run, stderr, stdout};

/// The Kubernetes versions the README promises.
const KUBERNETES_VERSIONS: &[&str] = &["1.28.0", "1.37.0"];

/// Custom resources, which kubernetes-validate has no schema for; flinkform's verify phase
/// checks them against typed structs of their own instead.
const CUSTOM_KINDS: &[&str] = &["ScaledObject", "PodMonitor", "FlinkDeployment"];

fn all_objects() -> Vec<(String, serde_json::Value)> {
    let mut objects = Vec::new();
    let mut projects: Vec<_> = common::cases("valid")
        .into_iter()
        .map(|c| (c.clone(), c.join("expected")))
        .collect();
    let example = common::root().join("examples/realfuture");
    projects.push((example.clone(), example.join("deploy")));
    for (project, tree) in projects {
        for env in environments(&tree) {
            let output = run(&["--project", &rel(&project), "build", "--env", &env]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            for doc in documents(&stdout(&output)) {
                objects.push((format!("{}:{env}", rel(&project)), doc));
            }
        }
    }
    objects
}

#[test]
fn every_object_passes_kubernetes_validate_strict() {
    let objects = all_objects();
    assert!(objects.len() > 50, "only {} objects", objects.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let custom = objects
        .iter()
        .filter(|(_, o)| CUSTOM_KINDS.contains(&o["kind"].as_str().unwrap_or_default()))
        .count();
    assert!(custom > 0, "the fixtures exercise custom resources too");
    let builtin = objects
        .iter()
        .filter(|(_, o)| !CUSTOM_KINDS.contains(&o["kind"].as_str().unwrap_or_default()));
    for (i, (origin, object)) in builtin.enumerate() {
        let path = tmp.path().join(format!("{i:04}.yaml"));
        std::fs::write(
            &path,
            format!("# {origin}\n{}", flinkform::yaml::write::to_yaml(object)),
        )
        .unwrap();
        files.push(path);
    }
    for version in KUBERNETES_VERSIONS {
        let output = Command::new("kubernetes-validate")
            .args(["--strict", "--quiet", "-k", version])
            .args(&files)
            .output()
            .expect("kubernetes-validate is installed (scripts/setup)");
        let out = common::all_output(&output);
        assert!(output.status.success(), "Kubernetes {version}:\n{out}");
        assert!(
            !out.contains("ERROR") && !out.contains("WARN"),
            "Kubernetes {version}:\n{out}"
        );
    }
}

/// PyYAML (YAML 1.1) reads every output file of the quoting fixture back with the strings the
/// job file gave, in labels, annotations, container args and the Flink configuration.
#[test]
fn yaml_1_1_readers_read_the_same_strings() {
    let case = common::root().join("fixtures/valid/07-yaml-quoting");
    let script = common::root().join("tests/yaml11_roundtrip.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(case.join("jobs/tricky.yaml"))
        .arg(case.join("expected"))
        .output()
        .expect("python3 runs");
    let text = common::all_output(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("checked"), "{text}");
    assert!(Path::new(&script).exists());
}

/// Generated strings of every character some YAML reader takes for a line break, rejects, or
/// reads as structure, as values and as keys: PyYAML (YAML 1.1, the reader most eager to see
/// structure) reads back exactly what flinkform wrote, in plain, quoted and literal styles.
#[test]
fn generated_strings_read_back_the_same_in_pyyaml() {
    const ALPHABET: &[char] = &[
        'a',
        'Z',
        '0',
        '1',
        ' ',
        '\n',
        '\t',
        '\r',
        '\u{2028}',
        '\u{2029}',
        '\u{feff}',
        '\u{a0}',
        '\u{10ffd}',
        ':',
        '#',
        '-',
        '"',
        '\'',
        '|',
        '>',
        '{',
        '}',
        '[',
        ']',
        ',',
        '*',
        '&',
        '!',
        '%',
        '@',
        '`',
        '?',
        '~',
        'é',
        '✓',
        '.',
        '=',
        '<',
        'y',
        'n',
    ];
    let mut seed: u64 = 0x5eed_f11e_f0e4_u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut strings = Vec::new();
    for _ in 0..600 {
        let len = next() % 14;
        strings.push(
            (0..len)
                .map(|_| ALPHABET[next() % ALPHABET.len()])
                .collect::<String>(),
        );
    }
    // Some multi-line ones, the literal-block candidates.
    for i in 0..200 {
        let a = &strings[i];
        let b = &strings[i + 200];
        strings.push(format!("line {a}\n{b}\nend"));
    }
    let keyed: serde_json::Map<String, serde_json::Value> = strings
        .iter()
        .map(|s| (format!("k{s}"), serde_json::Value::from(s.as_str())))
        .collect();
    let doc = serde_json::json!({"values": strings, "keyed": keyed});
    let yaml = flinkform::yaml::write::to_yaml(&doc);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let back = read_with_pyyaml(&file);
    if back != doc {
        for (i, s) in strings.iter().enumerate() {
            let got = &back["values"][i];
            assert_eq!(got, s.as_str(), "value {i} {s:?} reads back as {got:?}");
        }
        panic!("keys differ");
    }

    // Go's YAML (kustomize) reads the same strings: as ConfigMap data through kubectl
    // kustomize, whose own output PyYAML then reads.
    through_kustomize(&strings, tmp.path());
    let back = read_with_pyyaml(&tmp.path().join("built.yaml"));
    for (i, s) in strings.iter().enumerate() {
        let got = &back["data"][format!("k{i}")];
        assert_eq!(
            got,
            s.as_str(),
            "through kustomize, value {i} {s:?} reads back as {got:?}"
        );
    }
}

/// Generated strings in the shapes YAML resolvers give meaning to (numbers of every base and
/// size, underscores, exponents, sexagesimals, timestamps, specials): each is either refused
/// by flinkform's reader (`ambiguous-value`) or, written by flinkform and rewritten by
/// kustomize, read back by PyYAML and by flinkform's reader as the same string. The one
/// allowed difference: a zone-less timestamp, which kustomize writes bare and PyYAML reads
/// as a timestamp of the same text.
#[test]
fn scalar_shaped_strings_survive_kustomize_or_are_refused() {
    let mut seed: u64 = 0x0dd_5ca1_a125_u64;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    let pick = |set: &str, lo: usize, hi: usize, next: &mut dyn FnMut(usize) -> usize| {
        let chars: Vec<char> = set.chars().collect();
        let len = lo + next(hi - lo + 1);
        (0..len)
            .map(|_| chars[next(chars.len())])
            .collect::<String>()
    };
    let mut strings = vec![
        "=".to_owned(),
        "<<".to_owned(),
        "9".repeat(400),
        format!("0x{}", "f".repeat(20)),
    ];
    for _ in 0..6000 {
        let sign = ["", "", "-", "+"][next(4)];
        let digits = pick("0123456789_", 0, 4, &mut next);
        let exponent = match next(4) {
            0 => String::new(),
            1 => format!("e{}", pick("0123456789", 1, 4, &mut next)),
            2 => format!("E+{}", pick("0123456789", 1, 4, &mut next)),
            _ => format!("e-{}", pick("0123456789", 1, 3, &mut next)),
        };
        let lead = pick("0123456789", 1, 1, &mut next);
        let s = match next(10) {
            0 => format!(
                "{sign}{lead}{digits}.{}{exponent}",
                pick("0123456789_", 0, 4, &mut next)
            ),
            1 => format!("{sign}.{}{exponent}", pick("0123456789_", 1, 4, &mut next)),
            2 => format!("{sign}{lead}{digits}{exponent}"),
            3 => format!("{sign}0b{}", pick("01_", 1, 70, &mut next)),
            4 => format!(
                "{sign}0x{}",
                pick("0123456789abcdefABCDEF_", 1, 20, &mut next)
            ),
            5 => format!("{sign}0{}", pick("01234567_", 1, 25, &mut next)),
            6 => format!(
                "{sign}{lead}{digits}:{}{}",
                pick("0123456789", 1, 2, &mut next),
                [".5", "", ":30", "_"][next(4)]
            ),
            7 => format!(
                "{:04}-{}-{}{}",
                next(10_000),
                next(14),
                next(33),
                [
                    "",
                    "T10:20:30",
                    "t25:20:30",
                    " 10:20:30 +01:00",
                    "T1:02:03.5Z",
                    " 10:61:00"
                ][next(6)]
            ),
            8 => format!("{:04}-{:02}-{:02}", next(10_000), next(14), next(33)),
            _ => [
                ".inf", "-.Inf", ".NaN", "y", "No", "ON", "~", "null", "0o17", "1_000",
            ][next(10)]
            .to_owned(),
        };
        strings.push(s);
    }
    strings.sort();
    strings.dedup();

    let (refused, kept): (Vec<&String>, Vec<&String>) = strings
        .iter()
        .partition(|s| flinkform::yaml::kustomize_rewrite(s).is_some());
    assert!(
        refused.len() > 50 && kept.len() > 3000,
        "{} refused, {} kept",
        refused.len(),
        kept.len()
    );
    for s in &refused {
        let text = format!("v: {}\n", serde_json::Value::from(s.as_str()));
        let error = flinkform::yaml::parse(&text, flinkform::source::FileId(0)).unwrap_err();
        assert_eq!(error.code, "ambiguous-value", "{s:?}");
    }

    let tmp = tempfile::tempdir().unwrap();
    let built_text = through_kustomize(&kept, tmp.path());
    let ours = &documents(&built_text)[0];
    let python = read_with_pyyaml(&tmp.path().join("built.yaml"));
    let mut bare_timestamps = 0;
    for (i, s) in kept.iter().enumerate() {
        let key = format!("k{i}");
        assert_eq!(
            ours["data"][&key],
            s.as_str(),
            "flinkform reads kustomize's {s:?} back differently"
        );
        let got = &python["data"][&key];
        if got != s.as_str() {
            let timestamp = s.len() > 10
                && s.as_bytes()[4] == b'-'
                && got.as_str().is_some_and(|g| g.starts_with(&s[..4]));
            assert!(
                timestamp,
                "through kustomize, PyYAML reads {s:?} as {got:?}"
            );
            bare_timestamps += 1;
        }
    }
    assert!(
        bare_timestamps > 0,
        "the generator reaches kustomize's bare timestamps"
    );
}

/// Writes `strings` as the data `k0`, `k1`, ... of a ConfigMap in `dir`, builds it with the
/// real kustomize, and returns kustomize's output, also written to `dir/built.yaml`.
fn through_kustomize<S: AsRef<str>>(strings: &[S], dir: &Path) -> String {
    let data: serde_json::Map<String, serde_json::Value> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("k{i}"), serde_json::Value::from(s.as_ref())))
        .collect();
    let config_map = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strings"}, "data": data,
    });
    std::fs::write(
        dir.join("cm.yaml"),
        flinkform::yaml::write::to_yaml(&config_map),
    )
    .unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n  - cm.yaml\n").unwrap();
    let built = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    assert!(
        built.status.success(),
        "kustomize cannot read it:\n{}",
        common::all_output(&built)
    );
    let text = String::from_utf8(built.stdout).unwrap();
    std::fs::write(dir.join("built.yaml"), &text).unwrap();
    text
}

/// A YAML file as PyYAML (YAML 1.1) reads it, as JSON.
fn read_with_pyyaml(file: &Path) -> serde_json::Value {
    let python = common::root().join("target/test-tools/venv/bin/python");
    let python = if python.exists() {
        python
    } else {
        "python3".into()
    };
    let output = Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), default=str))",
        ])
        .arg(file)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "PyYAML cannot read {}:\n{}",
        file.display(),
        common::all_output(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Keys too long for an implicit key (YAML allows 1,024 characters) are written as explicit
/// `? ` keys, which PyYAML reads back at every length. kustomize cannot carry a key much past
/// 1,000 characters however it is written (it re-encodes objects as flow YAML), so flinkform
/// refuses longer keys at their line (`tests/hardening.rs`); up to that bound kustomize reads
/// every key back.
#[test]
fn long_keys_read_back_in_kustomize_and_pyyaml() {
    let tmp = tempfile::tempdir().unwrap();
    let pieces = ["k", "é", "a b", "x:y", "#", "-", "on", "\\", "\""];
    let mut keys: Vec<String> = Vec::new();
    for (i, len) in [1, 500, 999, 1_000, 1_001, 1_023, 1_024, 1_025, 2_000, 9_000]
        .into_iter()
        .enumerate()
    {
        for (j, piece) in pieces.iter().enumerate() {
            let mut key = format!("{i}-{j}-");
            while key.chars().count() < len {
                key.push_str(piece);
            }
            keys.push(key.chars().take(len.max(4)).collect());
        }
    }
    let map = |keys: &[String]| -> serde_json::Map<String, serde_json::Value> {
        keys.iter()
            .map(|k| (k.clone(), serde_json::Value::from("v")))
            .collect()
    };
    let config_map = |data: &serde_json::Map<String, serde_json::Value>| {
        flinkform::yaml::write::to_yaml(&serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keys"}, "data": data,
        }))
    };
    let all = map(&keys);
    std::fs::write(tmp.path().join("all.yaml"), config_map(&all)).unwrap();
    let python = read_with_pyyaml(&tmp.path().join("all.yaml"));
    assert!(
        python["data"] == serde_json::Value::Object(all),
        "PyYAML reads other keys"
    );

    keys.retain(|k| {
        serde_json::Value::from(k.as_str())
            .to_string()
            .chars()
            .count()
            <= 1_000
    });
    let bounded = map(&keys);
    std::fs::write(tmp.path().join("cm.yaml"), config_map(&bounded)).unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "resources:\n  - cm.yaml\n",
    )
    .unwrap();
    let built = Command::new("kubectl")
        .arg("kustomize")
        .arg(tmp.path())
        .output()
        .expect("kubectl runs");
    assert!(
        built.status.success(),
        "kustomize refuses keys of at most 1,000 characters written as JSON"
    );
    std::fs::write(tmp.path().join("built.yaml"), &built.stdout).unwrap();
    let through = read_with_pyyaml(&tmp.path().join("built.yaml"));
    assert!(
        through["data"] == serde_json::Value::Object(bounded),
        "kustomize changes keys"
    );
}
