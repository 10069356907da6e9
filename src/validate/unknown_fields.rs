//! Unknown fields: one diagnostic for every unknown key of a mapping, each with the closest
//! known name, or, where the name belongs one level up or under a neighbouring key, a hint
//! that it is indented wrongly (the usual cause of an unknown field that is spelled right).

use jsonschema::ValidationError;
use serde_json::Value as Json;

use super::{allowed_properties, closest, describe, resolve_pointer};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::yaml::Node;

pub(super) fn diagnose(
    node: &Node,
    path: &[String],
    schema: &Json,
    error: &ValidationError,
    unexpected: &[String],
    at_key: Span,
) -> Vec<Diagnostic> {
    let known = allowed_properties(schema, error);
    unexpected
        .iter()
        .map(|name| {
            let span = node.entry(name).map_or(at_key, |e| e.key_span);
            let d = Diagnostic::error(
                super::codes::UNKNOWN_FIELD,
                span,
                format!("unknown field `{name}` in {}", describe(path)),
            );
            if name == "<<" {
                return d.help(
                    "YAML merge keys (`<<`) are not part of YAML 1.2; put shared settings in the project's `defaults`",
                );
            }
            if let Some(best) = closest(name, &known) {
                return d.help(format!("did you mean `{best}`?"));
            }
            if let Some(home) = misplaced(schema, error, path, name) {
                return d.help(format!(
                    "`{name}` is a field of {}: it may be indented wrongly",
                    describe(&home)
                ));
            }
            if known.is_empty() {
                d
            } else {
                d.help(format!("known fields: {}", known.join(", ")))
            }
        })
        .collect()
}

/// Where `name` is a known field nearby: of the parent mapping (indented too far), or of a
/// sibling of this mapping (under the wrong key).
fn misplaced(
    schema: &Json,
    error: &ValidationError,
    path: &[String],
    name: &str,
) -> Option<Vec<String>> {
    let pointer = error.schema_path().as_str();
    let object = pointer
        .strip_suffix("/additionalProperties")
        .unwrap_or(pointer);
    let (parent_pointer, here) = object.rsplit_once('/')?;
    let parent_pointer = parent_pointer.strip_suffix("/properties")?;
    let (_, parent_path) = path.split_last()?;
    debug_assert_eq!(path.last().map(String::as_str), Some(here));
    let properties = |pointer: &str| -> Vec<String> {
        resolve_pointer(schema, pointer)
            .and_then(|s| s.get("properties"))
            .and_then(Json::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    let parent_fields = properties(parent_pointer);
    if parent_fields.iter().any(|f| f == name) {
        return Some(parent_path.to_vec());
    }
    parent_fields
        .iter()
        .filter(|sibling| *sibling != here)
        .find(|sibling| {
            properties(&format!("{parent_pointer}/properties/{sibling}"))
                .iter()
                .any(|f| f == name)
        })
        .map(|sibling| {
            let mut home = parent_path.to_vec();
            home.push(sibling.clone());
            home
        })
}
