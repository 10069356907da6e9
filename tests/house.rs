//! The shape of the source tree: data flows one way between the crate's top-level modules,
//! so a cycle among them is a design error this test names with the files that make it.
//!
//! The analysis reads text, as a reviewer would: a file belongs to its top-level module
//! (`src/foo.rs`, `src/foo/bar.rs`: `foo`), and it depends on every top-level module it names
//! as `crate::x` or inside a `use crate::{..}` group. Comments are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reads src") {
        let path = entry.expect("reads an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn without_line_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |i| &line[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a file's text names.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                names.insert(identifier_at(item.trim()).to_owned());
            }
        } else {
            names.insert(identifier_at(rest).to_owned());
        }
    }
    names.remove("");
    names
}

/// Module → module it depends on → the files that make the edge.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut owner = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a component");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module != "main" && module != "lib" {
            owner.insert(file.clone(), module);
        }
    }
    let modules: BTreeSet<&String> = owner.values().collect();
    let mut graph = Graph::new();
    for (file, module) in &owner {
        let text = without_line_comments(&std::fs::read_to_string(file).expect("reads a file"));
        for named in named_modules(&text) {
            if named != *module && modules.contains(&named) {
                let rel = file.strip_prefix(src).expect("under src").display();
                graph
                    .entry(module.clone())
                    .or_default()
                    .entry(named)
                    .or_default()
                    .insert(format!("src/{rel}"));
            }
        }
    }
    graph
}

fn reachable(graph: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(m) = todo.pop() {
        for next in graph.get(&m).into_iter().flat_map(BTreeMap::keys) {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

/// Each cycle as its set of modules (a strongly connected component of two or more), with
/// the edges inside it.
fn cycles(graph: &Graph) -> Vec<(BTreeSet<String>, Vec<String>)> {
    let reach: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reachable(graph, m))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for (m, from_m) in &reach {
        if !from_m.contains(*m) || found.iter().any(|c| c.contains(*m)) {
            continue;
        }
        let component: BTreeSet<String> = from_m
            .iter()
            .filter(|n| reach.get(n).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        found.push(component);
    }
    found
        .into_iter()
        .map(|component| {
            let mut edges = Vec::new();
            for a in &component {
                for (b, files) in &graph[a] {
                    if component.contains(b) {
                        let files: Vec<&str> = files.iter().map(String::as_str).collect();
                        edges.push(format!("{a} -> {b} ({})", files.join(", ")));
                    }
                }
            }
            (component, edges)
        })
        .collect()
}

#[test]
fn the_module_graph_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    assert!(
        graph.contains_key("render") && graph["render"].contains_key("resolved"),
        "the analysis sees the crate's imports: {graph:?}"
    );
    let found = cycles(&graph);
    let report: Vec<String> = found
        .iter()
        .map(|(modules, edges)| {
            let modules: Vec<&str> = modules.iter().map(String::as_str).collect();
            format!(
                "cycle of {} modules: {}\n  {}",
                modules.len(),
                modules.join(", "),
                edges.join("\n  ")
            )
        })
        .collect();
    assert!(found.is_empty(), "{}", report.join("\n"));
}

#[test]
fn the_analysis_finds_a_cycle_and_ignores_comments() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = dir.path();
    std::fs::create_dir(src.join("b")).expect("a folder");
    std::fs::write(src.join("a.rs"), "use crate::{b::X, c};\n").expect("writes");
    std::fs::write(src.join("b.rs"), "// crate::a in a comment\n").expect("writes");
    std::fs::write(src.join("b/inner.rs"), "fn f() { crate::a::g() }\n").expect("writes");
    std::fs::write(src.join("c.rs"), "fn f() { my_crate::a::g() }\n").expect("writes");
    let graph = module_graph(src);
    let found = cycles(&graph);
    assert_eq!(found.len(), 1, "{graph:?}");
    let expected: BTreeSet<String> = ["a", "b"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(found[0].0, expected);
    assert!(
        found[0].1.contains(&"b -> a (src/b/inner.rs)".to_owned()),
        "{found:?}"
    );
}

/// The sources and the tests alike: a test file past 800 lines holds more than one concept too.
#[test]
fn no_source_file_is_over_800_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f)
                .expect("reads a file")
                .lines()
                .count();
            let rel = f
                .strip_prefix(root)
                .expect("under the root")
                .display()
                .to_string();
            (lines > 800).then(|| format!("{rel}: {lines} lines"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by concept:\n{}",
        long.join("\n")
    );
}

/// Codes no committed project can trigger (the file system's own states), with the test file
/// that triggers each through the binary instead.
const TRIGGERED_BY_TESTS: &[(&str, &str)] = &[
    ("file-not-found", "tests/hardening.rs"),
    ("file-too-large", "tests/bounds.rs"),
    ("not-a-file", "tests/hardening.rs"),
    ("template-namespace", "tests/reliability.rs"),
    ("unreadable-file", "tests/reliability.rs"),
];

/// The fallback for a JSON Schema keyword without a message of its own; the schemas use none
/// such now, so no input reaches it.
const UNREACHABLE: &[&str] = &["schema"];

#[test]
fn every_code_has_a_fixture_or_a_test_that_triggers_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut expected = String::new();
    for group in ["invalid", "valid"] {
        for case in std::fs::read_dir(root.join("fixtures").join(group)).expect("reads fixtures") {
            let stderr = case.expect("reads a case").path().join("expected.stderr");
            if let Ok(text) = std::fs::read_to_string(stderr) {
                expected.push_str(&text);
            }
        }
    }
    let mut missing = Vec::new();
    for code in flinkform::explain::CODES {
        let shown = format!("[{}]", code.code);
        if expected.contains(&shown) || UNREACHABLE.contains(&code.code) {
            continue;
        }
        match TRIGGERED_BY_TESTS.iter().find(|(c, _)| *c == code.code) {
            Some((_, file)) => {
                let text = std::fs::read_to_string(root.join(file)).expect("reads the test");
                if !text.contains(&shown) {
                    missing.push(format!("{}: {file} does not check `{shown}`", code.code));
                }
            }
            None => missing.push(format!("{}: no fixture prints it", code.code)),
        }
    }
    assert!(
        missing.is_empty(),
        "codes without a test:\n{}",
        missing.join("\n")
    );
}

/// Every `declare_code!` in the sources is in the list `explain` and the docs read, once.
#[test]
fn every_declared_code_is_listed_once() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut declared = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("reads a file");
        let starts = text.match_indices("\ndeclare_code! {").map(|(i, _)| i + 1);
        for i in starts {
            let rest = &text[i..];
            let start = rest.find('"').expect("a code") + 1;
            let end = start + rest[start..].find('"').expect("its end");
            declared.push(rest[start..end].to_owned());
        }
    }
    declared.sort();
    let listed: Vec<String> = flinkform::explain::CODES
        .iter()
        .map(|c| c.code.to_owned())
        .collect();
    assert!(declared.len() > 90, "the scan found only {declared:?}");
    assert_eq!(declared, listed, "declared codes and explain::CODES differ");
}

/// With cargo's discovery of `tests/*.rs` off, a test file that `tests/main.rs` does not declare
/// compiles into nothing, and its tests would pass by never running.
#[test]
fn every_test_file_is_a_module() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let main = std::fs::read_to_string(tests.join("main.rs")).expect("reads tests/main.rs");
    // `mod x;` as `x`, inside `mod tier_y { .. }` as `tier_y/x`: the file each names.
    let mut declared = BTreeSet::new();
    let mut folder: Option<&str> = None;
    for line in without_line_comments(&main).lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(" {")) {
            folder = Some(name);
        } else if line == "}" {
            folder = None;
        } else if let Some(name) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(';')) {
            declared.insert(folder.map_or(name.to_owned(), |f| format!("{f}/{name}")));
        }
    }
    let mut files = BTreeSet::new();
    let name = |p: &Path| {
        p.file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned()
    };
    for entry in std::fs::read_dir(&tests).expect("reads tests/") {
        let path = entry.expect("reads an entry").path();
        let file = path.extension().is_some_and(|e| e == "rs") && name(&path) != "main";
        if file || path.join("mod.rs").is_file() {
            files.insert(name(&path));
        } else if name(&path).starts_with("tier_") {
            for file in std::fs::read_dir(&path).expect("reads a tier") {
                files.insert(format!(
                    "{}/{}",
                    name(&path),
                    name(&file.expect("a file").path())
                ));
            }
        }
    }
    assert!(files.len() > 15, "the scan found only {files:?}");
    let undeclared: Vec<&String> = files.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "declare these in tests/main.rs: {undeclared:?}"
    );
}
