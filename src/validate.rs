//! JSON Schema validation, with every violation mapped back to its line.
//!
//! The schemas in `schemas/` are the contract editors see too, so they are embedded here and
//! used as they are. Validation runs on the JSON form of a [`Node`] tree; each error's instance
//! path is walked back through the tree to the key or value that caused it.
//!
//! A file is checked for structure alone (types, unknown fields, patterns): fields the merge
//! can still supply are not required yet. The merged job is then checked whole.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Retrieve, Uri, ValidationError, Validator};
use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::yaml::Node;

pub(crate) mod codes;
mod unknown_fields;

pub const JOB_SCHEMA: &str = include_str!("../schemas/flinkjob.schema.json");
pub const PROJECT_SCHEMA: &str = include_str!("../schemas/project.schema.json");
const JOB_SCHEMA_ID: &str = "https://flinkform.dev/schemas/flinkjob.schema.json";

/// Which document a tree is checked as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Job,
    Project,
}

/// Whether required fields are checked (`Complete`) or may still come from a merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Structure,
    Complete,
}

struct Schemas {
    job: Json,
    project: Json,
    job_validator: Validator,
    project_validator: Validator,
}

/// Serves the embedded job schema to the project schema's `$ref`; nothing is fetched.
struct Embedded;

impl Retrieve for Embedded {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str() == JOB_SCHEMA_ID {
            Ok(serde_json::from_str(JOB_SCHEMA)?)
        } else {
            Err(format!("flinkform resolves no schema at {uri}").into())
        }
    }
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let job: Json = serde_json::from_str(JOB_SCHEMA).expect("embedded job schema is JSON");
        let project: Json =
            serde_json::from_str(PROJECT_SCHEMA).expect("embedded project schema is JSON");
        let options = || {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .with_retriever(Embedded)
        };
        let job_validator = options().build(&job).expect("embedded job schema compiles");
        let project_validator = options()
            .build(&project)
            .expect("embedded project schema compiles");
        Schemas {
            job,
            project,
            job_validator,
            project_validator,
        }
    })
}

/// Compiles the embedded schemas now (they are compiled once, at first use), so a caller can
/// do it while it reads the project.
pub fn prepare() {
    schemas();
}

/// Checks a document tree; returns one diagnostic per violation.
#[must_use]
pub fn check(node: &Node, kind: Kind, mode: Mode) -> Vec<Diagnostic> {
    check_merged(node, &node.to_json(), kind, mode, node)
}

/// Checks a merged tree, given with its JSON form; a missing required field is reported in
/// `file_tree` (the job file itself), at the deepest key on the way to it that the file has
/// (a later layer can still supply them).
#[must_use]
pub fn check_merged(
    node: &Node,
    instance: &Json,
    kind: Kind,
    mode: Mode,
    file_tree: &Node,
) -> Vec<Diagnostic> {
    let schemas = schemas();
    let (validator, schema) = match kind {
        Kind::Job => (&schemas.job_validator, &schemas.job),
        Kind::Project => (&schemas.project_validator, &schemas.project),
    };
    validator
        .iter_errors(instance)
        .filter(|e| mode == Mode::Complete || !may_come_from_merge(kind, e))
        .flat_map(|e| diagnose(node, schema, &e, file_tree))
        .collect()
}

/// A required field inside a job spec, which a merge layer may still supply.
fn may_come_from_merge(kind: Kind, error: &ValidationError) -> bool {
    if !matches!(error.kind(), ValidationErrorKind::Required { .. }) {
        return false;
    }
    let path: Vec<String> = error
        .instance_path()
        .segments()
        .map(|s| s.to_string())
        .collect();
    match kind {
        Kind::Job => path.first().is_some_and(|s| s == "spec"),
        Kind::Project => {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            matches!(p.as_slice(), ["spec", "defaults", ..])
                || matches!(
                    p.as_slice(),
                    ["spec", "environments", _, "overrides" | "jobs", ..]
                )
        }
    }
}

fn diagnose(
    root: &Node,
    schema: &Json,
    error: &ValidationError,
    file_tree: &Node,
) -> Vec<Diagnostic> {
    let path: Vec<String> = error
        .instance_path()
        .segments()
        .map(|s| s.to_string())
        .collect();
    let (node, key_span, depth) = root.walk(&path);
    let field = path
        .last()
        .map_or_else(|| "the document".to_owned(), |p| format!("`{p}`"));
    let value_span = node.span;
    let at_key = key_span.unwrap_or(value_span);
    debug_assert!(
        depth == path.len(),
        "schema error path {path:?} not in the tree"
    );
    vec![match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            return unknown_fields::diagnose(node, &path, schema, error, unexpected, at_key);
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let (anchor, anchor_key, _) = file_tree.walk(&path);
            let help = if path.first().is_some_and(|p| p == "spec") {
                format!("add `{name}` here, or supply it through the project's `defaults`")
            } else {
                format!("add `{name}` here")
            };
            Diagnostic::error(
                codes::MISSING_FIELD,
                anchor_key.unwrap_or(anchor.span),
                format!("missing required field `{name}` in {}", describe(&path)),
            )
            .help(help)
        }
        ValidationErrorKind::Type { kind } => {
            let expected = format!("{kind:?}")
                .to_lowercase()
                .replace("single(", "")
                .replace("multiple(", "")
                .replace(')', "");
            let mut d = Diagnostic::error(
                codes::WRONG_TYPE,
                value_span,
                format!(
                    "{field} must be {}, found {}",
                    type_words(&expected),
                    node.type_name()
                ),
            );
            if expected.contains("string")
                && matches!(
                    node.value,
                    crate::yaml::Value::Float(_)
                        | crate::yaml::Value::Int(_)
                        | crate::yaml::Value::Bool(_)
                )
            {
                d = d.help("quote the value (\"1.20\", \"true\") so YAML keeps it as text");
            } else if matches!(node.value, crate::yaml::Value::Str(_)) {
                d = d.help(format!(
                    "write {} without quotes or words",
                    type_words(&expected)
                ));
            } else {
                d = d.help(format!("write {} here", type_words(&expected)));
            }
            d
        }
        ValidationErrorKind::Enum { options } => {
            let d = Diagnostic::error(
                codes::INVALID_VALUE,
                value_span,
                format!("{field} must be one of {}", list_values(options)),
            );
            let known: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_str().map(str::to_owned))
                .collect();
            match node.as_str().and_then(|v| closest(v, &known)) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help("use one of the values listed"),
            }
        }
        ValidationErrorKind::Constant { expected_value } => {
            let d = Diagnostic::error(
                codes::INVALID_VALUE,
                value_span,
                format!("{field} must be {expected_value}"),
            );
            match path.as_slice() {
                [k] if k == "kind" => d.help(
                    "job files below the jobs folder hold `kind: FlinkJob`; flinkform.yaml at the project root holds `kind: Project`",
                ),
                [k] if k == "apiVersion" => d.help("flinkform reads `apiVersion: flinkform.dev/v1alpha1`"),
                _ => d,
            }
        }
        ValidationErrorKind::Pattern { .. } => pattern_error(&path, field, value_span, node),
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => Diagnostic::error(
            codes::OUT_OF_RANGE,
            value_span,
            format!("{field} must be at least {limit}"),
        ),
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => Diagnostic::error(
            codes::OUT_OF_RANGE,
            value_span,
            format!("{field} must be at most {limit}"),
        ),
        ValidationErrorKind::MaxLength { limit } => Diagnostic::error(
            codes::INVALID_NAME,
            value_span,
            format!("{field} is longer than {limit} characters"),
        ),
        ValidationErrorKind::MinLength { .. } => Diagnostic::error(
            codes::INVALID_VALUE,
            value_span,
            format!("{field} must not be empty"),
        ),
        ValidationErrorKind::MinProperties { .. } | ValidationErrorKind::MaxProperties { .. }
            if path.iter().any(|p| p == "target") =>
        {
            Diagnostic::error(
                codes::INVALID_TARGET,
                value_span,
                "a target needs exactly one of `value` or `averageValue`",
            )
            .help("use `averageValue` for a per-TaskManager target, `value` for a total")
        }
        ValidationErrorKind::MinItems { limit } => Diagnostic::error(
            codes::INVALID_VALUE,
            value_span,
            format!("{field} needs at least {limit} item(s)"),
        ),
        _ => Diagnostic::error(codes::SCHEMA, value_span, format!("{field}: {error}")),
    }]
}

fn pattern_error(path: &[String], field: String, span: Span, node: &Node) -> Diagnostic {
    let last = path.last().map_or("", String::as_str);
    let parent = path
        .len()
        .checked_sub(2)
        .and_then(|i| path.get(i))
        .map_or("", String::as_str);
    let value = node.as_str().unwrap_or_default();
    match (parent, last) {
        (_, "cpu" | "memory" | "value" | "averageValue") => {
            let d = Diagnostic::error(
                codes::INVALID_QUANTITY,
                span,
                format!("{field} is not a Kubernetes quantity: `{value}`"),
            );
            // `2GB`, `512MiB`: a unit with a trailing B, as other tools write them.
            let trimmed = value.strip_suffix(['B', 'b']).unwrap_or(value);
            if trimmed != value && crate::model::parse_quantity(trimmed).is_some() {
                let binary = if trimmed.ends_with('i') { String::new() } else { format!(" or `{trimmed}i`") };
                d.help(format!("Kubernetes writes units without B: `{trimmed}`{binary}"))
            } else {
                d.help("write a quantity such as `1000m`, `0.5`, `2Gi` or `1600Mi`")
            }
        }
        (_, "flinkVersion") => Diagnostic::error(
            codes::INVALID_VALUE,
            span,
            format!("unsupported Flink version `{value}`"),
        )
        .help("flinkform supports Flink 1.17, 1.18, 1.19, 1.20 and 2.x, written as \"1.20\""),
        (_, "name" | "space") if parent == "metadata" || parent.parse::<usize>().is_ok() => Diagnostic::error(
            codes::INVALID_NAME,
            span,
            format!("{field} `{value}` is not a valid Kubernetes name"),
        )
        .help("use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"),
        (_, "entryClass") => Diagnostic::error(
            codes::INVALID_VALUE,
            span,
            format!("{field} `{value}` is not a Java class name"),
        ),
        _ => Diagnostic::error(codes::INVALID_VALUE, span, format!("{field} has an invalid value `{value}`")),
    }
}

fn describe(path: &[String]) -> String {
    if path.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{}`", path.join("."))
    }
}

fn type_words(expected: &str) -> String {
    expected
        .split(|c: char| c == ',' || c.is_whitespace() || c == '|')
        .filter(|s| !s.is_empty())
        .map(|t| match t {
            "object" => "a map",
            "array" => "a list",
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "true or false",
            "null" => "null",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn list_values(options: &Json) -> String {
    match options {
        Json::Array(items) => items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The property names the schema allows where an unknown one was found.
fn allowed_properties(schema: &Json, error: &ValidationError) -> Vec<String> {
    let pointer = error.schema_path().as_str();
    let object_pointer = pointer
        .strip_suffix("/additionalProperties")
        .unwrap_or(pointer);
    let mut names: Vec<String> = resolve_pointer(schema, object_pointer)
        .and_then(|s| s.get("properties"))
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Follows a JSON pointer into a schema, through `$ref`s within the embedded schemas.
fn resolve_pointer<'a>(schema: &'a Json, pointer: &str) -> Option<&'a Json> {
    let job: &'static Json = &schemas().job;
    let mut node = schema;
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        node = follow_ref(node, job).get(&segment)?;
    }
    Some(follow_ref(node, job))
}

fn follow_ref<'a>(mut node: &'a Json, job: &'a Json) -> &'a Json {
    let mut root = node;
    for _ in 0..8 {
        let Some(reference) = node.get("$ref").and_then(Json::as_str) else {
            break;
        };
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if !file.is_empty() {
            root = job;
        }
        let mut target = root;
        for raw in fragment.split('/').skip(1) {
            match target.get(raw) {
                Some(t) => target = t,
                None => return node,
            }
        }
        node = target;
    }
    node
}

/// The known name closest to a misspelled one, if it is close enough to be a typo.
#[must_use]
pub fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The schema of a file kind, pretty-printed as `flinkform schema` prints it.
#[must_use]
pub fn schema_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Job => JOB_SCHEMA,
        Kind::Project => PROJECT_SCHEMA,
    }
}
