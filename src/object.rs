//! A rendered Kubernetes object, and whether a JSON value has the shape of a typed
//! Kubernetes (or operator) object. Rendering produces these, and the checks of projects,
//! the verifier and the writers read them; it sits below all of them.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// One Kubernetes object, as a JSON tree.
#[derive(Clone, Debug)]
pub struct RenderedObject {
    /// The job it belongs to; `None` for shared objects (Namespaces).
    pub job: Option<String>,
    pub template: String,
    pub value: Json,
}

impl RenderedObject {
    #[must_use]
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    #[must_use]
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    #[must_use]
    pub fn namespace(&self) -> &str {
        self.value["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }
}

/// The operator's name for its main container, which a pod template's container of that name
/// is merged into.
pub const MAIN_CONTAINER: &str = "flink-main-container";

/// Why a value is not of a Kubernetes (or other typed) shape.
pub enum TypeProblem {
    /// serde's message: a wrong type, a missing field.
    Invalid(String),
    /// The dotted paths of fields the type does not have.
    Unknown(Vec<String>),
}

/// Deserializes `value` as `T`, noting every field `T` ignores.
pub fn type_problem<T: DeserializeOwned>(value: &Json) -> Option<TypeProblem> {
    let mut unknown = Vec::new();
    let result: Result<T, _> = serde_ignored::deserialize(value, |path| {
        unknown.push(path.to_string().replace(".?", ""));
    });
    match result {
        Err(e) => Some(TypeProblem::Invalid(e.to_string())),
        Ok(_) if !unknown.is_empty() => Some(TypeProblem::Unknown(unknown)),
        Ok(_) => None,
    }
}
