//! The tree built from `saphyr-parser`'s event stream: positions kept, duplicate keys and
//! unknown tags refused, plain scalars read with the YAML 1.2 core schema, and every alias
//! expansion counted against the bounds in values and in bytes.

// A YAML error ends the parse of its file, so a large error type costs nothing that matters.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as YamlSpan};

use super::{
    Entry, MAX_DEPTH, MAX_NODES, MAX_TEXT_BYTES, Node, Value, is_portable, kustomize_rewrite,
};
use crate::code::declare_code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

declare_code! {
    pub AMBIGUOUS_VALUE: error "ambiguous-value",
    catches: "A string that kustomize writes back unquoted and that a YAML 1.1 reader (PyYAML) then reads as something else or refuses: a number too large for 64 bits (`1.0e+310`, `0xfffffffffffffffff`), a number of underscores only (`0x_`), `.5_`, `=`, `<<`, or a date or time that does not exist (`2024-13-01`).",
    why: "Go's YAML, which kustomize uses, reads these as strings and so writes them bare; other readers of kustomize's output then see a number, or fail on the whole file.",
    fix: "Write another value. No real setting has these shapes; a label or annotation value can start with a letter.",
}

declare_code! {
    pub DUPLICATE_KEY: error "duplicate-key",
    catches: "A key given twice in one YAML map.",
    why: "YAML readers disagree on which value wins; Kubernetes tools take the last, others the first.",
    fix: "Remove one of the two.",
}

declare_code! {
    pub INVALID_CHARACTER: error "invalid-character",
    catches: "A value with a character that not every YAML reader keeps: a control character other than tab and line breaks, or a Unicode non-character.",
    why: "Go's YAML (kustomize, Argo CD, kubectl) refuses such characters, so the manifests would not apply, or apply with another value.",
    fix: "Remove the character.",
}

declare_code! {
    pub YAML_KEY: error "yaml-key",
    catches: "A YAML key that is not a plain string (a map or list as a key, a merge key `<<`).",
    why: "Kubernetes tools and flinkform read keys as strings.",
    fix: "Use string keys; repeat the values instead of a merge key.",
}

declare_code! {
    pub YAML_SYNTAX: error "yaml-syntax",
    catches: "YAML that does not parse.",
    why: "Nothing in the file can be read.",
    fix: "Fix the syntax at the position given.",
}

declare_code! {
    pub YAML_TAB: error "yaml-tab",
    catches: "A tab in the indentation.",
    why: "YAML forbids tabs for indentation.",
    fix: "Indent with spaces.",
}

declare_code! {
    pub YAML_TAG: error "yaml-tag",
    catches: "A YAML tag other than the core ones.",
    why: "Tags change how a value is read, and readers disagree on them.",
    fix: "Remove the tag.",
}

declare_code! {
    pub YAML_TOO_DEEP: error "yaml-too-deep",
    catches: "Nesting deeper than 64 levels.",
    why: "No definition needs it; the bound keeps a hostile file from exhausting the stack.",
    fix: "Flatten the structure.",
}

declare_code! {
    pub YAML_TOO_LARGE: error "yaml-too-large",
    catches: "A file that expands to more than a million values (aliases included).",
    why: "The bound keeps a 'billion laughs' file from exhausting memory.",
    fix: "Remove the alias expansion.",
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
        bytes: 0,
    };
    builder.stream()
}

struct Builder<'a> {
    text: &'a str,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    file: FileId,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    /// The text of every scalar and key, counting every alias expansion.
    bytes: usize,
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
                        YAML_TAB,
                        at,
                        "a tab in indentation: YAML indents with spaces only",
                    )
                    .help("replace the tab with spaces");
                }
            }
        }
        let mut d = Diagnostic::error(YAML_SYNTAX, span, format!("invalid YAML: {info}"));
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
                YAML_SYNTAX,
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
                        YAML_SYNTAX,
                        None,
                        format!("unexpected YAML event {other:?}"),
                    ));
                }
            }
        }
    }

    /// Counts `values` more values holding `bytes` more bytes of text; past either bound
    /// the file is refused (an alias of a large scalar costs its text each time).
    fn count(&mut self, values: usize, bytes: usize, span: Span) -> Result<(), Diagnostic> {
        self.nodes += values;
        self.bytes += bytes;
        if self.nodes > MAX_NODES || self.bytes > MAX_TEXT_BYTES {
            let what = if self.nodes > MAX_NODES {
                format!("more than {MAX_NODES} values")
            } else {
                format!("more than {MAX_TEXT_BYTES} bytes of text")
            };
            return Err(Diagnostic::error(
                YAML_TOO_LARGE,
                span,
                format!("document expands to {what} (alias expansion?)"),
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
                YAML_TOO_DEEP,
                span,
                format!("values are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let text_bytes = match &event {
            Event::Scalar(text, ..) => text.len(),
            _ => 0,
        };
        self.count(1, text_bytes, span)?;
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
                            YAML_TAG,
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
                        INVALID_CHARACTER,
                        span,
                        format!("U+{:04X} in a value: not every YAML reader keeps it (Go's YAML, which kustomize and Argo CD use, refuses or rewrites it)", u32::from(c)),
                    )
                    .help("remove the character; write text, tabs and line breaks only"));
                }
                if let Value::Str(s) = &value
                    && let Some(reason) = kustomize_rewrite(s)
                {
                    return Err(Diagnostic::error(
                        AMBIGUOUS_VALUE,
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
                                YAML_KEY,
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
                            DUPLICATE_KEY,
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
                        YAML_SYNTAX,
                        span,
                        "alias to an unknown anchor",
                    ));
                };
                // Counted before the copy is made: the copy is what the bound prevents.
                let (values, bytes) = (target.size(), target.text_bytes());
                self.count(values, bytes, span)?;
                let mut node = self.anchors[&id].clone();
                node.span = span;
                (node, 0)
            }
            other => {
                return Err(Diagnostic::error(
                    YAML_SYNTAX,
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
