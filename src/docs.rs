//! The reference pages of `docs/reference/`, generated from what the binary embeds: the field
//! reference from the JSON Schemas, the code index from the diagnostic declarations. The pages
//! are committed so that they read on any forge; a test holds them to this output, so a field
//! or a code cannot change without its page.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::explain;
use crate::validate::{JOB_SCHEMA, PROJECT_SCHEMA};

/// The GitHub anchor of a Markdown heading: lowercase, spaces to `-`, punctuation other than
/// `-` and `_` dropped.
#[must_use]
pub fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// `docs/reference/codes.md`: every diagnostic code with its severity, what it catches, why
/// it matters and how to fix it.
#[must_use]
pub fn codes_page() -> String {
    let codes = explain::CODES;
    let errors = codes.iter().filter(|c| c.severity == "error").count();
    let mut page = String::new();
    page.push_str("# Diagnostic codes\n\n");
    page.push_str(GENERATED);
    let _ = write!(
        page,
        "Every code flinkform reports: {} in all, {errors} errors and {} warnings. \
         `flinkform explain CODE` prints the same text. An error stops the run and nothing is \
         written; a warning fails it only under `--strict`.\n\n",
        codes.len(),
        codes.len() - errors
    );
    page.push_str("| code | severity |\n| --- | --- |\n");
    for c in codes {
        let _ = writeln!(
            page,
            "| [`{0}`](#{1}) | {2} |",
            c.code,
            anchor(c.code),
            c.severity
        );
    }
    for c in codes {
        let _ = write!(
            page,
            "\n## {}\n\n**{}.** {}\n\n**Why.** {}\n\n**Fix.** {}\n",
            c.code,
            c.severity,
            prose(c.catches),
            prose(c.why),
            prose(c.fix)
        );
    }
    page
}

/// `docs/reference/fields.md`: every field of a job file and of `flinkform.yaml`, with its
/// type, default and description, as the schemas that `flinkform schema` prints declare them.
///
/// # Panics
/// An embedded schema is not JSON (the binary's own tests rule that out).
#[must_use]
pub fn fields_page() -> String {
    let job: Json = serde_json::from_str(JOB_SCHEMA).expect("the job schema is JSON");
    let project: Json = serde_json::from_str(PROJECT_SCHEMA).expect("the project schema is JSON");
    let mut page = String::new();
    page.push_str("# Field reference\n\n");
    page.push_str(GENERATED);
    page.push_str(
        "The fields of a job file and of `flinkform.yaml`, as the JSON Schemas that \
         `flinkform schema job` and `flinkform schema project` print declare them. A path \
         joins keys with `.`; `[]` is an item of a list, `<key>` any key of a map. \
         *required* fields are required of the merged job: a job file may leave them to the \
         project's `defaults` or an environment. The default is what flinkform uses when \
         the field is absent and its parent is present.\n",
    );
    let shared = shared_defs(&job);
    let job_title = "Job file: `kind: FlinkJob`";
    let walker = Walker {
        root: &job,
        shared: &shared,
        job_section: anchor(job_title),
    };
    section(&mut page, "##", job_title, &job, &walker, &job);
    page.push_str(
        "\n## Parts of a job\n\nObjects that several fields of a job share, described once.\n",
    );
    for name in &shared {
        let def = &job["$defs"][name.as_str()];
        let used: Vec<String> = uses(&job, name).iter().map(|u| format!("`{u}`")).collect();
        let mut about = def.clone();
        let text = about["description"].as_str().map(prose).unwrap_or_default();
        about["description"] = Json::String(format!("Used by {}. {text}", used.join(", ")));
        section(&mut page, "###", name, &about, &walker, def);
    }
    let project_title = "Project file: `flinkform.yaml`, `kind: Project`";
    let walker = Walker {
        root: &project,
        shared: &BTreeSet::new(),
        job_section: anchor(job_title),
    };
    section(&mut page, "##", project_title, &project, &walker, &project);
    page
}

/// `docs/reference/context.md`: every variable a template sees, from the declarations of the
/// context's types (`render/fields.rs`).
#[must_use]
pub fn context_page() -> String {
    use crate::render::documented::Documented;
    use crate::render::fields::{JobContext, NamespaceContext};
    let mut page = String::new();
    page.push_str(
        "# Template context

",
    );
    page.push_str(GENERATED);
    page.push_str(
        "What a template sees: the built-in templates in `templates/` and a project's own \
         (its `templates:` folder: [Overriding templates](../guide.md#overriding-templates)). Every \
         `{{ value }}` is written as JSON, which YAML reads back unchanged; a block or a list \
         written whole keeps the order below. A variable that is not listed is an error \
         (undefined). A *nullable* one is null where the job does not have it, so \
         `{% if ha %}` tests for it.\n",
    );
    page.push_str("\n## A job's templates\n\nEvery template but `namespace.yaml.j2`, once per job and environment.\n\n");
    context_table(&mut page, JobContext::FIELDS);
    page.push_str("\n## `namespace.yaml.j2`\n\nOnce per namespace of an environment.\n\n");
    context_table(&mut page, NamespaceContext::FIELDS);
    page
}

fn context_table(page: &mut String, fields: &[crate::render::documented::Field]) {
    fn rows(page: &mut String, fields: &[crate::render::documented::Field], path: &str) {
        for f in fields {
            if f.flatten {
                rows(page, f.fields, path);
                continue;
            }
            let at = if path.is_empty() {
                f.name()
            } else {
                format!("{path}.{}", f.name())
            };
            let kind = if f.nullable {
                format!("{}, nullable", f.kind)
            } else {
                f.kind.to_owned()
            };
            let about = f.about.split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(
                page,
                "| `{at}` | {} | {} |",
                cell(&kind),
                cell(&prose(&about))
            );
            rows(page, f.fields, &at);
        }
    }
    page.push_str("| variable | type | what it holds |\n| --- | --- | --- |\n");
    rows(page, fields, "");
}

/// A heading, the description of `about`, and the table of the fields of `object`.
fn section(
    page: &mut String,
    level: &str,
    title: &str,
    about: &Json,
    walker: &Walker,
    object: &Json,
) {
    let _ = write!(page, "\n{level} {title}\n\n");
    if let Some(text) = about["description"].as_str() {
        let _ = write!(page, "{}\n\n", prose(text).trim_end());
    }
    let mut rows = Vec::new();
    walker.object(object, "", &mut rows);
    table(page, &rows);
}

const GENERATED: &str = "<!-- Generated by flinkform::docs; `scripts/bless` rewrites it. \
                         Do not edit. -->\n\n";

struct Row {
    path: String,
    kind: String,
    default: String,
    description: String,
}

fn table(page: &mut String, rows: &[Row]) {
    page.push_str("| field | type | default | description |\n| --- | --- | --- | --- |\n");
    for r in rows {
        let _ = writeln!(
            page,
            "| `{}` | {} | {} | {} |",
            r.path,
            cell(&r.kind),
            cell(&r.default),
            cell(&r.description)
        );
    }
}

/// Table cells hold one line, and a `|` even inside a code span would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Declared text as Markdown: a `<` outside a code span would open an HTML tag and hide what
/// follows it (`/<cluster-id>`).
fn prose(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                part.replace('<', "&lt;")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Object definitions that several fields refer to get a table of their own instead of one
/// copy per use.
fn shared_defs(schema: &Json) -> BTreeSet<String> {
    let Some(defs) = schema["$defs"].as_object() else {
        return BTreeSet::new();
    };
    let text = schema.to_string();
    defs.iter()
        .filter(|(_, def)| def.get("properties").is_some())
        .filter(|(name, _)| text.matches(&format!("\"#/$defs/{name}\"")).count() > 1)
        .map(|(name, _)| name.clone())
        .collect()
}

/// The field paths whose schema refers to `$defs/<name>`, in the order of the page.
fn uses(schema: &Json, name: &str) -> Vec<String> {
    fn walk(schema: &Json, node: &Json, target: &str, path: &str, found: &mut Vec<String>) {
        let reference = node["$ref"].as_str().unwrap_or_default();
        if reference == target {
            found.push(path.to_owned());
            return;
        }
        let node = match reference.strip_prefix("#/$defs/") {
            Some(def) => &schema["$defs"][def],
            None => node,
        };
        if let Some(props) = node["properties"].as_object() {
            for (key, child) in props {
                walk(schema, child, target, &join(path, key), found);
            }
        }
        if node["items"].is_object() {
            walk(schema, &node["items"], target, &format!("{path}[]"), found);
        }
        if node["additionalProperties"].is_object() {
            let values = &node["additionalProperties"];
            walk(schema, values, target, &join(path, "<key>"), found);
        }
    }
    let mut found = Vec::new();
    walk(schema, schema, &format!("#/$defs/{name}"), "", &mut found);
    found
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

struct Walker<'a> {
    root: &'a Json,
    shared: &'a BTreeSet<String>,
    /// The anchor of the job file's table, where the project file's spec layers point.
    job_section: String,
}

impl Walker<'_> {
    /// The definition a `$ref` names, with the referring node's own annotations over it.
    fn effective(&self, node: &Json) -> (Json, Option<String>) {
        let Some(reference) = node["$ref"].as_str() else {
            return (node.clone(), None);
        };
        let Some(name) = reference.strip_prefix("#/$defs/") else {
            return (node.clone(), None);
        };
        let mut merged = self.root["$defs"][name].clone();
        if let (Some(target), Some(own)) = (merged.as_object_mut(), node.as_object()) {
            for (key, value) in own {
                if key != "$ref" {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
        (merged, Some(name.to_owned()))
    }

    fn object(&self, node: &Json, path: &str, rows: &mut Vec<Row>) {
        let required: Vec<&str> = node["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let Some(props) = node["properties"].as_object() else {
            return;
        };
        for (key, child) in props {
            self.field(
                child,
                &join(path, key),
                required.contains(&key.as_str()),
                rows,
            );
        }
    }

    fn field(&self, node: &Json, path: &str, required: bool, rows: &mut Vec<Row>) {
        let (def, name) = self.effective(node);
        let default = if required {
            "*required*".to_owned()
        } else {
            def.get("default")
                .map(|d| format!("`{d}`"))
                .unwrap_or_default()
        };
        let description = prose(def["description"].as_str().unwrap_or_default());
        if node["$ref"].as_str().is_some_and(|r| !r.starts_with('#')) {
            // The project file's layers are partial job specs: their fields are the job's.
            let kind = format!(
                "a job `spec` ([its fields](#{}), each optional)",
                self.job_section
            );
            rows.push(Row {
                path: path.to_owned(),
                kind,
                default,
                description,
            });
            return;
        }
        if let Some(name) = name.filter(|n| self.shared.contains(n)) {
            rows.push(Row {
                path: path.to_owned(),
                kind: format!("[{name}](#{})", anchor(&name)),
                default,
                description,
            });
            return;
        }
        rows.push(Row {
            path: path.to_owned(),
            kind: self.kind(&def),
            default,
            description,
        });
        if def.get("properties").is_some() {
            self.object(&def, path, rows);
        }
        let items = self.effective(&def["items"]).0;
        let shared_items = def["items"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .is_some_and(|n| self.shared.contains(n));
        if items.get("properties").is_some() && !shared_items {
            self.object(&items, &format!("{path}[]"), rows);
        }
        let values = &def["additionalProperties"];
        if values
            .get("$ref")
            .is_some_and(|r| !r.as_str().unwrap_or("#").starts_with('#'))
        {
            self.field(values, &join(path, "<key>"), false, rows);
        } else if self.effective(values).0.get("properties").is_some() {
            self.object(&self.effective(values).0, &join(path, "<key>"), rows);
        }
    }

    /// The type of a field in words, with the bounds the schema sets.
    fn kind(&self, def: &Json) -> String {
        if let Some(value) = def.get("const") {
            return format!("`{value}`");
        }
        if let Some(values) = def["enum"].as_array() {
            return one_of(values);
        }
        let types: Vec<&str> = match &def["type"] {
            Json::String(t) => vec![t.as_str()],
            Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
            _ => Vec::new(),
        };
        let mut words = match types.as_slice() {
            ["object"] => self.object_kind(def),
            ["array"] => {
                let (items, name) = self.effective(&def["items"]);
                match name.filter(|n| self.shared.contains(n)) {
                    Some(name) => format!("list of [{name}](#{})", anchor(&name)),
                    None if items.get("properties").is_some() => "list of objects".to_owned(),
                    None => format!("list of {}", self.kind(&items)),
                }
            }
            [] => "any".to_owned(),
            types => types.join(" or "),
        };
        let mut bounds = Vec::new();
        match (def.get("minimum"), def.get("maximum")) {
            (Some(min), Some(max)) => bounds.push(format!("{min} to {max}")),
            (Some(min), None) => bounds.push(format!("at least {min}")),
            (None, Some(max)) => bounds.push(format!("at most {max}")),
            (None, None) => {}
        }
        match def["minLength"].as_u64() {
            None | Some(0) => {}
            Some(1) => bounds.push("not empty".to_owned()),
            Some(n) => bounds.push(format!("at least {n} characters")),
        }
        if let Some(n) = def.get("maxLength") {
            bounds.push(format!("at most {n} characters"));
        }
        if let Some(n) = def.get("minItems") {
            bounds.push(format!("at least {n} items"));
        }
        if let Some(pattern) = def["pattern"].as_str() {
            bounds.push(format!("matching `{pattern}`"));
        }
        for bound in bounds {
            words.push_str(", ");
            words.push_str(&bound);
        }
        words
    }

    fn object_kind(&self, def: &Json) -> String {
        let values = &def["additionalProperties"];
        if def.get("properties").is_some() || values == &Json::Bool(false) {
            return "object".to_owned();
        }
        if !values.is_object() {
            return "object (free-form)".to_owned();
        }
        let keys = def["propertyNames"]["pattern"]
            .as_str()
            .map(|p| format!(" (keys matching `{p}`)"))
            .unwrap_or_default();
        let (values, _) = self.effective(values);
        let value_kind = match values["$ref"].as_str() {
            Some(_) => "a job `spec`".to_owned(),
            None if values.get("properties").is_some() => "object".to_owned(),
            None => self.kind(&values),
        };
        format!("map of string to {value_kind}{keys}")
    }
}

fn one_of(values: &[Json]) -> String {
    let shown: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    format!("one of {}", shown.join(", "))
}
