//! The documents: the generated reference pages match the code they mirror, and every
//! relative link of the README and `docs/` leads somewhere.

mod common;

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
