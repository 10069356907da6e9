//! The documents: the generated reference pages match the code they mirror, and every
//! relative link of the README and `docs/` leads somewhere.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use flinkform::docs;

fn check_page(rel: &str, actual: &str) {
    let path = common::root().join(rel);
    if let Some(diff) = common::golden(&path, actual) {
        panic!("{rel} is stale; run scripts/bless and review the diff:\n{diff}");
    }
}

#[test]
fn the_field_reference_is_generated_from_the_schemas() {
    check_page("docs/reference/fields.md", &docs::fields_page());
}

#[test]
fn the_template_context_reference_is_generated_from_its_types() {
    check_page("docs/reference/context.md", &docs::context_page());
}

#[test]
fn the_code_index_is_generated_from_the_declarations() {
    check_page("docs/reference/codes.md", &docs::codes_page());
}

/// Every code has its section, and every field of the job spec its row: the generators miss
/// nothing the code knows.
#[test]
fn the_reference_pages_cover_every_code_and_field() {
    let codes = docs::codes_page();
    for c in flinkform::explain::CODES {
        assert!(codes.contains(&format!("\n## {}\n", c.code)), "{}", c.code);
    }
    let fields = docs::fields_page();
    for path in [
        "`metadata.spaceId`",
        "`spec.flinkVersion`",
        "`spec.job.initialSavepoint.allowNonRestoredState`",
        "`spec.autoscaling.flinkMetrics[].external.selector.matchLabels`",
        "`spec.state.highAvailability.storageDir`",
        "`spec.logging.loggers`",
        "`spec.naming.taskManagerService`",
        "`spec.environments[].jobs.<key>`",
        "`env[].valueFrom`",
        "`stabilizationWindowSeconds`",
    ] {
        assert!(fields.contains(&format!("| {path} |")), "{path}");
    }
}

/// The Markdown documents of the repository: the README and everything below `docs/`.
fn documents() -> Vec<PathBuf> {
    let root = common::root();
    let mut found = vec![root.join("README.md")];
    for entry in walkdir::WalkDir::new(root.join("docs")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            found.push(entry.into_path());
        }
    }
    found
}

/// The link targets of a Markdown text, outside code blocks and code spans: `[text](target)`
/// and `![alt](target)`.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans are text, not links.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

/// The anchors of a Markdown text's headings, as GitHub makes them.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            let heading = line.trim_start_matches('#');
            let mut anchor = docs::anchor(heading);
            let mut n = 0;
            while !found.insert(anchor.clone()) {
                n += 1;
                anchor = format!("{}-{n}", docs::anchor(heading));
            }
        }
    }
    found
}

fn rel(path: &Path) -> String {
    path.strip_prefix(common::root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_relative_link_leads_to_a_file_and_heading() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(file)
            };
            if !target.exists() {
                broken.push(format!("{}: {link}: no such file", rel(&doc)));
                continue;
            }
            if !anchor.is_empty() && target.extension().is_some_and(|e| e == "md") {
                let headings = anchors(&std::fs::read_to_string(&target).unwrap());
                if !headings.contains(anchor) {
                    broken.push(format!("{}: {link}: no such heading", rel(&doc)));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 50, "only {checked} relative links found");
}

/// The link checker itself: a link to nothing, to a missing heading, and a link inside code
/// are told apart.
#[test]
fn the_link_checker_finds_links_and_headings() {
    let text = "# A title\n\nSee [the guide](guide.md#merge-order) and ![chart](x.svg).\n\
                `[not](a-link)`\n```\n[nor](this)\n```\n## Merge order\n## Merge order\n";
    assert_eq!(links(text), ["guide.md#merge-order", "x.svg"]);
    let found = anchors(text);
    assert!(found.contains("a-title"));
    assert!(found.contains("merge-order"));
    assert!(found.contains("merge-order-1"));
    assert_eq!(
        docs::anchor("Job file: `kind: FlinkJob`"),
        "job-file-kind-flinkjob"
    );
}

/// Every `default` of the schemas paired with its field path (keys only: defaults inside
/// lists and maps would need an item to live in).
fn declared_defaults(schema: &serde_json::Value) -> Vec<(Vec<String>, serde_json::Value)> {
    fn walk(
        schema: &serde_json::Value,
        node: &serde_json::Value,
        path: &mut Vec<String>,
        found: &mut Vec<(Vec<String>, serde_json::Value)>,
    ) {
        if let Some(default) = node.get("default") {
            found.push((path.clone(), default.clone()));
        }
        let node = match node["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            Some(def) => &schema["$defs"][def],
            None => node,
        };
        if let Some(props) = node["properties"].as_object() {
            for (key, child) in props {
                path.push(key.clone());
                walk(schema, child, path, found);
                path.pop();
            }
        }
    }
    let mut found = Vec::new();
    walk(schema, schema, &mut Vec::new(), &mut found);
    found
}

/// Sets every declared default whose field is absent and whose parent is present; returns
/// how many it set.
fn fill_defaults(
    doc: &mut serde_json::Value,
    defaults: &[(Vec<String>, serde_json::Value)],
) -> usize {
    let mut set = 0;
    for (path, value) in defaults {
        let (field, parents) = path.split_last().unwrap();
        let Some(parent) = parents
            .iter()
            .try_fold(&mut *doc, |n, k| n.get_mut(k.as_str()))
        else {
            continue;
        };
        if let Some(map) = parent.as_object_mut()
            && !map.contains_key(field)
        {
            map.insert(field.clone(), value.clone());
            set += 1;
        }
    }
    set
}

/// Renders a project of one job (JSON is YAML) and returns its output tree.
fn render_tree(
    project: Option<&serde_json::Value>,
    job: &serde_json::Value,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("jobs")).unwrap();
    std::fs::write(dir.join("jobs/orders.yaml"), job.to_string()).unwrap();
    if let Some(project) = project {
        std::fs::write(dir.join("flinkform.yaml"), project.to_string()).unwrap();
    }
    let output = common::run(&["--project", dir.to_str().unwrap(), "render"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let tree = common::read_tree(&dir.join("deploy"));
    assert!(tree.len() > 5, "{tree:?}");
    tree
}

/// The defaults the field reference shows are what flinkform does: a project that writes
/// every one of them out renders exactly what the same project without them renders, on
/// both targets.
#[test]
fn writing_out_every_declared_default_changes_nothing() {
    let job_schema: serde_json::Value =
        serde_json::from_str(flinkform::validate::JOB_SCHEMA).unwrap();
    let project_schema: serde_json::Value =
        serde_json::from_str(flinkform::validate::PROJECT_SCHEMA).unwrap();
    let job_defaults = declared_defaults(&job_schema);
    let project_defaults = declared_defaults(&project_schema);
    assert!(job_defaults.len() >= 10, "{job_defaults:?}");
    assert!(project_defaults.len() >= 8, "{project_defaults:?}");

    // Every object that holds a field with a default is present, so that each is written.
    let base = serde_json::json!({
        "apiVersion": "flinkform.dev/v1alpha1",
        "kind": "FlinkJob",
        "metadata": {"name": "orders", "space": "shop", "spaceId": 7},
        "spec": {
            "flinkVersion": "1.20",
            "image": "registry.example.com/flink/orders:1.0.0",
            "job": {
                "jarURI": "local:///opt/flink/usrlib/orders.jar",
                "entryClass": "com.example.Orders",
                "parallelism": 2,
                "maxParallelism": 720,
                "initialSavepoint": {"path": "s3://state/savepoints/sp-1"}
            },
            "jobManager": {"resources": {"cpu": "1", "memory": "1600Mi"}},
            "taskManager": {"resources": {"cpu": "1", "memory": "2Gi"}},
            "flinkConfiguration": {"execution.checkpointing.interval": "30 s"},
            "state": {
                "checkpoints": "s3://state/checkpoints",
                "highAvailability": {"storageDir": "s3://state/ha"}
            },
            "metrics": {},
            "autoscaling": {"maxReplicas": 4, "cpu": {"averageUtilization": 65}},
            "ingress": {
                "host": "flink.example.com",
                "annotations": {"nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com"}
            },
            "logging": {"loggers": {"org.apache.kafka": "WARN"}}
        }
    });
    let mut operator = base.clone();
    operator["spec"]["target"] = "operator".into();
    for job in [base, operator] {
        let mut explicit = job.clone();
        let set = fill_defaults(&mut explicit, &job_defaults);
        let mut project = serde_json::json!({
            "apiVersion": "flinkform.dev/v1alpha1",
            "kind": "Project",
            "spec": {"naming": {}, "namespaces": {}}
        });
        let project_set = fill_defaults(&mut project, &project_defaults);
        assert_eq!(project_set, project_defaults.len(), "{project}");
        assert!(set + 1 >= job_defaults.len(), "{set} of {job_defaults:?}");
        let implicit = render_tree(None, &job);
        let written = render_tree(Some(&project), &explicit);
        let differ: BTreeSet<&String> = implicit
            .keys()
            .chain(written.keys())
            .filter(|k| implicit.get(*k) != written.get(*k))
            .collect();
        assert!(
            differ.is_empty(),
            "writing out the defaults changed {differ:?}\n{explicit:#}"
        );
    }
}

/// The YAML blocks of a Markdown text.
fn yaml_blocks(text: &str) -> Vec<&str> {
    text.split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .collect()
}

/// Every job file the documents show is valid, with the project file shown beside it: what a
/// reader copies works.
#[test]
fn the_documented_definitions_are_valid() {
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let blocks = yaml_blocks(&text);
        let project = blocks.iter().find(|b| b.contains("\nkind: Project\n"));
        for job in blocks.iter().filter(|b| b.contains("\nkind: FlinkJob\n")) {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            std::fs::create_dir(dir.join("jobs")).unwrap();
            std::fs::create_dir(dir.join("templates")).unwrap();
            std::fs::write(dir.join("jobs/job.yaml"), job).unwrap();
            if let Some(project) = project {
                std::fs::write(dir.join("flinkform.yaml"), project).unwrap();
            }
            let output = common::run(&["--project", dir.to_str().unwrap(), "validate"]);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}: a job file it shows is invalid:\n{job}\n{}",
                rel(&doc),
                common::stderr(&output)
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} job files found");
}
