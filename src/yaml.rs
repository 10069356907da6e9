//! YAML documents as trees of positioned nodes.
//!
//! The input side of flinkform needs more than a YAML library's values: every value keeps the
//! file, line and column it came from (so schema errors and merged values point back at the
//! line that supplied them), duplicate keys are errors, and aliases cannot blow up memory.
//! So the tree is built here from `saphyr-parser`'s event stream, with the YAML 1.2 core
//! schema for plain scalars (`on` and `yes` are strings, as in Kubernetes' own decoder).

// A YAML error ends the parse of its file, so a large error type costs nothing that matters.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as YamlSpan};
use serde_json::{Map, Number, Value as Json};

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// Bounds that keep hostile input from eating the machine.
pub const MAX_DEPTH: usize = 64;
/// Total nodes one file may produce, counting every alias expansion.
pub const MAX_NODES: usize = 1_000_000;

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

mod readers;

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

/// Parses every document of a file. Empty documents (a trailing `---`) are skipped. The
/// first syntax error ends the file: what follows a YAML error cannot be trusted.
pub fn parse(text: &str, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    let mut builder = Builder {
        text,
        parser: Parser::new_from_str(text),
        file,
        anchors: HashMap::new(),
        nodes: 0,
    };
    builder.stream()
}

struct Builder<'a> {
    text: &'a str,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    file: FileId,
    anchors: HashMap<usize, Node>,
    nodes: usize,
}

impl<'a> Builder<'a> {
    fn span(&self, span: &YamlSpan) -> Span {
        let start = span.start;
        let len = if span.end.line() == start.line() {
            span.end.col().saturating_sub(start.col())
        } else {
            1
        };
        Span {
            file: self.file,
            line: u32::try_from(start.line()).unwrap_or(u32::MAX),
            col: u32::try_from(start.col() + 1).unwrap_or(u32::MAX),
            len: u32::try_from(len.max(1)).unwrap_or(1),
        }
    }

    fn scan_error(&self, error: &ScanError) -> Diagnostic {
        let m = error.marker();
        let span = Span {
            file: self.file,
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
            len: 1,
        };
        let info = error.info();
        let line = |n: u32| self.text.split('\n').nth(n.saturating_sub(1) as usize);
        if info.contains("tab") {
            // Point at the tab itself, on the reported line or the one after.
            for n in [span.line, span.line + 1] {
                if let Some(col) = line(n).and_then(|l| l.find('\t')) {
                    let col = line(n).map_or(0, |l| l[..col].chars().count());
                    let at = Span {
                        line: n,
                        col: u32::try_from(col + 1).unwrap_or(1),
                        ..span
                    };
                    return Diagnostic::error(
                        "yaml-tab",
                        at,
                        "a tab in indentation: YAML indents with spaces only",
                    )
                    .help("replace the tab with spaces");
                }
            }
        }
        let mut d = Diagnostic::error("yaml-syntax", span, format!("invalid YAML: {info}"));
        if info.contains("flow mapping") || info.contains("flow sequence") {
            if let Some((open, at)) = unclosed_bracket(self.text, m.index(), self.file) {
                let close = if open == '{' { '}' } else { ']' };
                d = d
                    .note(at, format!("this `{open}` is not closed"))
                    .help(format!("close it with `{close}`"));
            }
        } else {
            d = d.help(
                "check the indentation and the `key: value` form of this line and the one before",
            );
        }
        d
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), Diagnostic> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let span = self.span(&span);
                Ok((event, span))
            }
            Some(Err(e)) => Err(self.scan_error(&e)),
            None => Err(Diagnostic::error(
                "yaml-syntax",
                None,
                "unexpected end of YAML stream",
            )),
        }
    }

    fn stream(&mut self) -> Result<Vec<Node>, Diagnostic> {
        let mut docs = Vec::new();
        loop {
            let (event, _) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(docs),
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    let (event, span) = self.next()?;
                    let node = self.node(event, span, 0)?;
                    if !matches!(node.value, Value::Null) {
                        docs.push(node);
                    }
                }
                other => {
                    return Err(Diagnostic::error(
                        "yaml-syntax",
                        None,
                        format!("unexpected YAML event {other:?}"),
                    ));
                }
            }
        }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), Diagnostic> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(Diagnostic::error(
                "yaml-too-large",
                span,
                format!("document expands to more than {MAX_NODES} values (alias expansion?)"),
            )
            .help(
                "flinkform bounds the size of its input; split the file or remove nested aliases",
            ));
        }
        Ok(())
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<Node, Diagnostic> {
        if depth > MAX_DEPTH {
            return Err(Diagnostic::error(
                "yaml-too-deep",
                span,
                format!("values are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.count(1, span)?;
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = match tag {
                    Some(tag) if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" => {
                        if tag.suffix == "str" {
                            Value::Str(text.into_owned())
                        } else {
                            resolve_plain(&text)
                        }
                    }
                    Some(tag) => {
                        return Err(Diagnostic::error(
                            "yaml-tag",
                            span,
                            format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
                        )
                        .help("remove the tag; flinkform reads plain YAML values"));
                    }
                    None if style == ScalarStyle::Plain => resolve_plain(&text),
                    None => Value::Str(text.into_owned()),
                };
                if let Value::Str(s) = &value
                    && let Some(c) = s.chars().find(|c| !is_portable(*c))
                {
                    return Err(Diagnostic::error(
                        "invalid-character",
                        span,
                        format!("U+{:04X} in a value: not every YAML reader keeps it (Go's YAML, which kustomize and Argo CD use, refuses or rewrites it)", u32::from(c)),
                    )
                    .help("remove the character; write text, tabs and line breaks only"));
                }
                if let Value::Str(s) = &value
                    && let Some(reason) = kustomize_rewrite(s)
                {
                    return Err(Diagnostic::error(
                        "ambiguous-value",
                        span,
                        format!("`{s}` would not survive kustomize, which writes it back unquoted: {reason}"),
                    )
                    .help("write another value: this shape is never a real setting (a label or annotation can start with a letter)"));
                }
                (Node { value, span }, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, item_span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, item_span, depth + 1)?);
                }
                (
                    Node {
                        value: Value::Seq(items),
                        span,
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, _) => {
                let mut entries: Vec<Entry> = Vec::new();
                // Where each key is, so a duplicate is found in constant time: a map of
                // hundreds of thousands of keys must not take quadratic time.
                let mut positions: std::collections::HashMap<String, usize> =
                    std::collections::HashMap::new();
                loop {
                    let (event, key_span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    let key_node = self.node(event, key_span, depth + 1)?;
                    let key = match key_node.value {
                        Value::Str(s) => s,
                        Value::Null => String::new(),
                        Value::Bool(b) => b.to_string(),
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(Diagnostic::error(
                                "yaml-key",
                                key_span,
                                "map keys must be plain values",
                            ));
                        }
                    };
                    let (event, value_span) = self.next()?;
                    let value = self.node(event, value_span, depth + 1)?;
                    // Small maps (nearly all) search their few keys; large ones an index.
                    if entries.len() == 16 {
                        positions = entries
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (e.key.clone(), i))
                            .collect();
                    }
                    let first = if entries.len() >= 16 {
                        positions.get(&key).copied()
                    } else {
                        entries.iter().position(|e| e.key == key)
                    };
                    if let Some(first) = first {
                        return Err(Diagnostic::error(
                            "duplicate-key",
                            key_span,
                            format!("duplicate key `{key}`"),
                        )
                        .note(entries[first].key_span, "first defined here")
                        .help("YAML readers disagree on which value wins; keep one"));
                    }
                    if entries.len() >= 16 {
                        positions.insert(key.clone(), entries.len());
                    }
                    entries.push(Entry {
                        key,
                        key_span,
                        value,
                    });
                }
                (
                    Node {
                        value: Value::Map(entries),
                        span,
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(Diagnostic::error(
                        "yaml-syntax",
                        span,
                        "alias to an unknown anchor",
                    ));
                };
                let mut node = target.clone();
                self.count(node.size(), span)?;
                node.span = span;
                (node, 0)
            }
            other => {
                return Err(Diagnostic::error(
                    "yaml-syntax",
                    span,
                    format!("unexpected YAML event {other:?}"),
                ));
            }
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }
}

/// The innermost `{` or `[` still open before character `end`, skipping quoted text and
/// comments.
fn unclosed_bracket(text: &str, end: usize, file: FileId) -> Option<(char, Span)> {
    let mut stack: Vec<(char, Span)> = Vec::new();
    let (mut line, mut col) = (1u32, 0u32);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = ' ';
    for c in text.chars().take(end) {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
            comment = false;
            quote = None;
        } else if comment {
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '#' if prev.is_whitespace() => comment = true,
                '"' | '\'' if matches!(prev, ' ' | '[' | '{' | ',' | ':') => quote = Some(c),
                '{' | '[' => stack.push((
                    c,
                    Span {
                        file,
                        line,
                        col,
                        len: 1,
                    },
                )),
                '}' | ']' => {
                    stack.pop();
                }
                _ => {}
            }
        }
        prev = c;
    }
    stack.pop()
}

/// The YAML 1.2 core schema for plain scalars.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Int(i);
        }
        // Too large for a float: Go's YAML, which Kubernetes uses, keeps the text.
        return match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Value::Float(f),
            _ => Value::Str(text.to_owned()),
        };
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    // A float beyond f64's range stays a string, as in Go's YAML: kustomize writes such a
    // string bare, and Kubernetes reads it back as the same string.
    if is_core_float(digits)
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_owned())
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?` without the sign.
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

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
