//! YAML documents as trees of positioned nodes.
//!
//! The input side of flinkform needs more than a YAML library's values: every value keeps the
//! file, line and column it came from (so schema errors and merged values point back at the
//! line that supplied them), duplicate keys are errors, and aliases cannot blow up memory.
//! So the tree is built here from `saphyr-parser`'s event stream, with the YAML 1.2 core
//! schema for plain scalars (`on` and `yes` are strings, as in Kubernetes' own decoder).

use serde_json::{Map, Number, Value as Json};

use crate::source::Span;

/// Bounds that keep hostile input from eating the machine.
pub const MAX_DEPTH: usize = 64;
/// Total nodes one file may produce, counting every alias expansion.
pub const MAX_NODES: usize = 1_000_000;
/// Total bytes of text (scalars and keys) one file may produce, counting every alias
/// expansion: twice what the largest file holds without any.
pub const MAX_TEXT_BYTES: usize = 2 * crate::files::MAX_FILE_BYTES as usize;

#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

pub(crate) mod parse;
mod readers;
pub mod write;

pub use parse::parse;
pub use readers::kustomize_rewrite;

/// A character every YAML reader and writer downstream keeps: YAML's printable set (tab,
/// line feed, carriage return, and no other control character (U+0085 included: kustomize
/// writes it back as a line break), surrogate or
/// U+FFFE/U+FFFF), without Unicode's non-characters.
#[must_use]
pub fn is_portable(c: char) -> bool {
    let n = u32::from(c);
    let printable = matches!(n, 0x09 | 0x0A | 0x0D)
        || (0x20..=0x7E).contains(&n)
        || (0xA0..=0xD7FF).contains(&n)
        || (0xE000..=0xFFFD).contains(&n)
        || (0x1_0000..=0x10_FFFF).contains(&n);
    printable && !(0xFDD0..=0xFDEF).contains(&n) && n & 0xFFFE != 0xFFFE
}

/// The lists that Kubernetes keys by a field, and that therefore merge by it at every layer,
/// as a strategic merge would: `env`, `volumes` and `imagePullSecrets` by `name`,
/// `volumeMounts` by `mountPath`. Every other list is replaced whole.
#[must_use]
pub fn list_merge_key(list: &str) -> Option<&'static str> {
    match list {
        "env" | "volumes" | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        _ => None,
    }
}

/// Merges `over` into `items`: an item whose key another item already has replaces it in
/// place; the others are appended in their order.
fn merge_by_key(items: &mut Vec<Node>, over: &[Node], field: &str) {
    for item in over {
        let key = item.str_at(field);
        match key.and_then(|k| items.iter().position(|i| i.str_at(field) == Some(k))) {
            Some(at) => items[at] = item.clone(),
            None => items.push(item.clone()),
        }
    }
}

impl Node {
    #[must_use]
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Follows a path of map keys and sequence indexes as far as it exists. Returns the
    /// deepest node found, the span of the key that leads to it (if the last step was a map
    /// key), and how many segments were followed.
    #[must_use]
    pub fn walk<'a, S: AsRef<str>>(&'a self, path: &[S]) -> (&'a Node, Option<Span>, usize) {
        let mut node = self;
        let mut key_span = None;
        for (depth, segment) in path.iter().enumerate() {
            let segment = segment.as_ref();
            let next = match &node.value {
                Value::Map(entries) => entries
                    .iter()
                    .find(|e| e.key == segment)
                    .map(|e| (&e.value, Some(e.key_span))),
                Value::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|n| (n, None)),
                _ => None,
            };
            match next {
                Some((n, k)) => {
                    node = n;
                    key_span = k;
                }
                None => return (node, key_span, depth),
            }
        }
        (node, key_span, path.len())
    }

    /// The JSON value of this tree, for schema validation and typed deserialization.
    #[must_use]
    pub fn to_json(&self) -> Json {
        self.clone().into_json()
    }

    /// The JSON value of this tree, moving its strings rather than copying them.
    #[must_use]
    pub fn into_json(self) -> Json {
        match self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Int(i) => Json::Number(i.into()),
            // JSON Schema counts 1000.0 as an integer; so does the JSON form, or the typed
            // model would reject what the schema accepted.
            #[allow(clippy::cast_possible_truncation)]
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Json::Number((f as i64).into())
            }
            Value::Float(f) => {
                Number::from_f64(f).map_or_else(|| Json::String(f.to_string()), Json::Number)
            }
            Value::Str(s) => Json::String(s),
            Value::Seq(items) => Json::Array(items.into_iter().map(Node::into_json).collect()),
            Value::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key, e.value.into_json());
                }
                Json::Object(map)
            }
        }
    }

    /// Builds a tree from a JSON value, every node at `span` (for built-in values).
    #[must_use]
    pub fn from_json(value: &Json, span: Span) -> Node {
        let value = match value {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => {
                Value::Seq(items.iter().map(|v| Node::from_json(v, span)).collect())
            }
            Json::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| Entry {
                        key: k.clone(),
                        key_span: span,
                        value: Node::from_json(v, span),
                    })
                    .collect(),
            ),
        };
        Node { value, span }
    }

    /// Overlays `over` on `self`: maps merge key by key, everything else is replaced. Only what
    /// `over` brings is copied.
    pub fn merge(&mut self, over: &Node) {
        match (&mut self.value, &over.value) {
            (Value::Map(base), Value::Map(top)) => {
                // Large maps look their keys up in an index: merging must stay linear.
                let mut index: Option<std::collections::HashMap<String, usize>> =
                    (base.len() + top.len() > 32).then(|| {
                        base.iter()
                            .enumerate()
                            .map(|(i, b)| (b.key.clone(), i))
                            .collect()
                    });
                for e in top {
                    let found = match &index {
                        Some(index) => index.get(&e.key).copied(),
                        None => base.iter().position(|b| b.key == e.key),
                    };
                    match found.map(|i| &mut base[i]) {
                        Some(b) => {
                            match (list_merge_key(&e.key), &mut b.value.value, &e.value.value) {
                                (Some(field), Value::Seq(items), Value::Seq(over_items)) => {
                                    merge_by_key(items, over_items, field);
                                    b.value.span = e.value.span;
                                }
                                _ => b.value.merge(&e.value),
                            }
                            b.key_span = e.key_span;
                        }
                        None => {
                            if let Some(index) = &mut index {
                                index.insert(e.key.clone(), base.len());
                            }
                            base.push(e.clone());
                        }
                    }
                }
                self.span = over.span;
            }
            _ => *self = over.clone(),
        }
    }

    /// The entry at `key` of a map, to change it.
    pub fn entry_mut(&mut self, key: &str) -> Option<&mut Entry> {
        match &mut self.value {
            Value::Map(entries) => entries.iter_mut().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The string value at `key` of a map.
    #[must_use]
    pub fn str_at(&self, key: &str) -> Option<&str> {
        match &self.get(key)?.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of text (scalars and keys) the value holds.
    fn text_bytes(&self) -> usize {
        match &self.value {
            Value::Str(s) => s.len(),
            Value::Seq(items) => items.iter().map(Node::text_bytes).sum(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| e.key.len() + e.value.text_bytes())
                .sum(),
            _ => 8,
        }
    }

    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| 1 + e.value.size()).sum(),
            _ => 0,
        }
    }

    /// A short description of the value's type, for messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "map",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn one(text: &str) -> Node {
        parse(text, FileId(0)).unwrap().remove(0)
    }

    #[test]
    fn core_schema_scalars() {
        let doc = one(
            "a: on\nb: yes\nc: 0755\nd: 1e3\ne: ~\nf: 12:30\ng: '1'\nh: 0x1F\ni: 1.20\nj: -3\n",
        );
        let j = doc.to_json();
        assert_eq!(j["a"], "on");
        assert_eq!(j["b"], "yes");
        assert_eq!(j["c"], 755);
        assert_eq!(j["d"], 1000.0);
        assert!(j["e"].is_null());
        assert_eq!(j["f"], "12:30");
        assert_eq!(j["g"], "1");
        assert_eq!(j["h"], 31);
        assert_eq!(j["i"], 1.2);
        assert_eq!(j["j"], -3);
    }

    #[test]
    fn integral_floats_are_integers_in_json() {
        // Found by tests/fuzz.rs: `spaceId: 100000.` passed the schema and broke the model.
        let j = one("a: 100000.\nb: 2.5\nc: 1e3\n").to_json();
        assert!(j["a"].is_u64() && j["a"] == 100000);
        assert_eq!(j["b"], 2.5);
        assert!(j["c"].is_u64());
    }

    #[test]
    fn positions_are_one_based() {
        let doc = one("spec:\n  job:\n    parallelism: ten\n");
        let (node, key, depth) = doc.walk(&["spec", "job", "parallelism"]);
        assert_eq!(depth, 3);
        assert_eq!((node.span.line, node.span.col, node.span.len), (3, 18, 3));
        let key = key.unwrap();
        assert_eq!((key.line, key.col), (3, 5));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n", FileId(0)).unwrap_err();
        assert_eq!(err.code, "duplicate-key");
        assert_eq!(err.span.unwrap().line, 3);
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text, FileId(0)).unwrap_err();
        assert_eq!(err.code, "yaml-too-large");
    }

    #[test]
    fn aliases_of_large_scalars_are_bounded_in_bytes() {
        let mut text = format!("big: &big {}\nall: [", "x".repeat(1 << 20));
        text.push_str(&vec!["*big"; 40].join(", "));
        text.push_str("]\n");
        let err = parse(&text, FileId(0)).unwrap_err();
        assert_eq!(err.code, "yaml-too-large");
        assert!(err.message.contains("bytes"), "{}", err.message);
        text = format!("big: &big {}\nall: [*big, *big]\n", "x".repeat(1 << 20));
        assert!(parse(&text, FileId(0)).is_ok());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "[".repeat(200) + &"]".repeat(200);
        let err = parse(&text, FileId(0)).unwrap_err();
        assert_eq!(err.code, "yaml-too-deep");
    }

    #[test]
    fn merge_keys_kubernetes_lists_by_name_and_mount_path() {
        let mut merged = one(
            "env: [{name: A, value: '1'}, {name: B, value: '2'}]\nvolumeMounts: [{name: v, mountPath: /a}]\nargs: [x]\n",
        );
        merged.merge(&one(
            "env: [{name: B, value: '3'}, {name: C, value: '4'}]\nvolumeMounts: [{name: w, mountPath: /a}, {name: v, mountPath: /b}]\nargs: [y]\n",
        ));
        assert_eq!(
            merged.to_json(),
            serde_json::json!({
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                "volumeMounts": [{"name": "w", "mountPath": "/a"}, {"name": "v", "mountPath": "/b"}],
                "args": ["y"],
            })
        );
    }

    #[test]
    fn merge_overlays_maps_and_replaces_lists() {
        let mut merged = one("a: {x: 1, y: [1, 2]}\nb: 1\n");
        merged.merge(&one("a: {y: [3]}\nc: 2\n"));
        assert_eq!(
            merged.to_json(),
            serde_json::json!({"a": {"x": 1, "y": [3]}, "b": 1, "c": 2})
        );
    }
}
