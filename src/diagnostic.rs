//! The one diagnostic type of the compiler.
//!
//! Every phase reports through [`Diagnostic`]; a run collects all of them in [`Diagnostics`]
//! and prints them together at the end, in the `path:line:col: error[code]: message` format
//! of the command line, with the source line and a caret, so an editor or CI log links straight to it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::code::Code;
use crate::source::{Sources, Span};
use crate::terminal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
    /// Other places that take part (the first definition of a duplicate, say).
    pub notes: Vec<(Span, String)>,
    /// The jobs a problem in a shared file (the project file) breaks.
    pub jobs: Vec<String>,
    /// The environments the problem shows in, where the project has several.
    pub envs: Vec<String>,
}

impl Diagnostic {
    /// A problem of a code declared as an error.
    #[must_use]
    pub fn error(
        code: &'static Code,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic::new(Severity::Error, code, span.into(), message.into())
    }

    /// A problem of a code declared as a warning.
    #[must_use]
    pub fn warning(
        code: &'static Code,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic::new(Severity::Warning, code, span.into(), message.into())
    }

    fn new(severity: Severity, code: &'static Code, span: Option<Span>, message: String) -> Self {
        // The declaration is what `explain` shows; an emission must not contradict it.
        debug_assert_eq!(
            code.severity,
            match severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            "`{}` is emitted with another severity than its declaration's",
            code.code
        );
        Diagnostic {
            severity,
            code: code.code,
            message,
            span: span.filter(|s| !s.is_builtin()),
            help: None,
            notes: Vec::new(),
            jobs: Vec::new(),
            envs: Vec::new(),
        }
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Names the environment the problem shows in (`None`: not one environment's problem).
    #[must_use]
    pub fn in_environment(mut self, env: Option<&str>) -> Self {
        self.envs = env.map(|e| vec![e.to_owned()]).unwrap_or_default();
        self
    }

    #[must_use]
    pub fn note(mut self, span: Span, note: impl Into<String>) -> Self {
        if !span.is_builtin() {
            self.notes.push((span, note.into()));
        }
        self
    }

    /// Renders the diagnostic with source snippets; `color` adds ANSI colors.
    #[must_use]
    pub fn render(&self, sources: &Sources, color: bool) -> String {
        let (label, paint) = match self.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        let (on, bold, off) = if color {
            (paint, "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        let text = |t: &str| terminal::bounded(t, terminal::MAX_MESSAGE_CHARS).into_owned();
        let mut out = String::new();
        if let Some(span) = self.span {
            let _ = write!(out, "{bold}{}:{off} ", location(sources, span));
        }
        let _ = writeln!(
            out,
            "{on}{label}[{}]{off}{bold}: {}{off}",
            self.code,
            text(&format!("{}{}", self.message, self.context()))
        );
        if let Some(span) = self.span {
            snippet(&mut out, sources, span);
        }
        for (span, note) in &self.notes {
            let _ = writeln!(out, "note: {}: {}", location(sources, *span), text(note));
            snippet(&mut out, sources, *span);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{bold}help{off}: {}", text(help));
        }
        out
    }
}

impl Diagnostic {
    /// ` (jobs `x`, `y` in environment `a`)`, or nothing.
    fn context(&self) -> String {
        let list = |what: &str, items: &[String]| match items {
            [] => String::new(),
            [one] => format!("{what} `{one}`"),
            many => {
                let quoted: Vec<String> = many.iter().map(|e| format!("`{e}`")).collect();
                format!("{what}s {}", quoted.join(", "))
            }
        };
        let jobs = list("job", &self.jobs);
        let envs = list("environment", &self.envs);
        match (jobs.is_empty(), envs.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!(" (in {envs})"),
            (false, true) => format!(" ({jobs})"),
            (false, false) => format!(" ({jobs} in {envs})"),
        }
    }
}

/// `path:line:col`, the path escaped.
fn location(sources: &Sources, span: Span) -> String {
    format!(
        "{}:{}:{}",
        terminal::escaped(&sources.path(span.file).display().to_string()),
        span.line,
        span.col
    )
}

/// The source line under a diagnostic: a window of at most a fixed width around the column,
/// so many problems on one long line cost text in proportion to their number, not to their
/// number times the line.
fn snippet(out: &mut String, sources: &Sources, span: Span) {
    let Some(line) = sources.line(span.file, span.line) else {
        return;
    };
    let number = span.line.to_string();
    let pad = " ".repeat(number.len());
    let (text, before, carets) = terminal::excerpt(line, span.col as usize, span.len as usize);
    let carets = "^".repeat(carets);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{number} | {text}");
    let _ = writeln!(out, "{pad} | {before}{carets}");
}

/// All diagnostics of a run, in the order they were found; sorted for printing.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(diagnostics);
    }

    /// Whether an input could not be read at all: an I/O error (exit code 2), not invalid
    /// input.
    #[must_use]
    pub fn has_io_errors(&self) -> bool {
        self.items
            .iter()
            .any(|d| matches!(d.code, "unreadable-file" | "file-not-found"))
    }

    /// Drops everything but errors.
    pub fn retain_errors(&mut self) {
        self.items.retain(|d| d.severity == Severity::Error);
    }

    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// How many problems of a severity are printed: the same problem in several jobs or
    /// environments counts once.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        let mut seen = std::collections::HashSet::new();
        self.items
            .iter()
            .filter(|d| d.severity == severity)
            .filter(|d| seen.insert((d.span, d.code, d.message.as_str())))
            .count()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file, position and message; the same problem found in several environments
    /// is reported once, naming them all.
    #[must_use]
    pub fn sorted(&self, sources: &Sources) -> Vec<Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        let key = |d: &Diagnostic| {
            d.span
                .map(|s| (sources.path(s.file).to_path_buf(), s.line, s.col))
        };
        items.sort_by(|a, b| {
            key(a)
                .cmp(&key(b))
                .then(a.severity.cmp(&b.severity))
                .then(a.code.cmp(b.code))
                .then(a.message.cmp(&b.message))
        });
        // Linear in the number of diagnostics, however many share a line or a problem.
        let mut merged: Vec<Diagnostic> = Vec::with_capacity(items.len());
        let mut index: HashMap<(Option<Span>, Severity, &str, &str), usize> = HashMap::new();
        let mut named: Vec<(HashSet<String>, HashSet<String>)> = Vec::new();
        for d in items {
            let key = (d.span, d.severity, d.code, d.message.as_str());
            if let Some(&at) = index.get(&key) {
                let (jobs, envs) = &mut named[at];
                let m = &mut merged[at];
                for job in &d.jobs {
                    if jobs.insert(job.clone()) {
                        m.jobs.push(job.clone());
                    }
                }
                for env in &d.envs {
                    if envs.insert(env.clone()) {
                        m.envs.push(env.clone());
                    }
                }
            } else {
                index.insert(key, merged.len());
                let mut m = d.clone();
                let mut jobs = HashSet::new();
                m.jobs.retain(|j| jobs.insert(j.clone()));
                let mut envs = HashSet::new();
                m.envs.retain(|e| envs.insert(e.clone()));
                named.push((jobs, envs));
                merged.push(m);
            }
        }
        merged
    }

    /// Every diagnostic as one JSON object per line: file, line, column, code, severity,
    /// message, help, and the jobs and environments it concerns.
    #[must_use]
    pub fn render_json(&self, sources: &Sources) -> String {
        let mut out = String::new();
        for d in self.sorted(sources) {
            let object = serde_json::json!({
                "file": d.span.map(|s| sources.path(s.file).display().to_string()),
                "line": d.span.map(|s| s.line),
                "column": d.span.map(|s| s.col),
                "code": d.code,
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": d.message,
                "help": d.help,
                "jobs": d.jobs,
                "environments": d.envs,
            });
            out.push_str(&terminal::json_safe(object.to_string()));
            out.push('\n');
        }
        out
    }

    /// Every diagnostic as a GitHub Actions workflow command (`::error file=...::message`),
    /// which the Actions log shows as an annotation on the file and line.
    #[must_use]
    pub fn render_github(&self, sources: &Sources) -> String {
        // The escapes of GitHub's workflow commands, for the message and for properties.
        // Other controls are escaped first: ESC would reach the log's terminal raw.
        let data = |s: &str| {
            terminal::escaped_lines(s)
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        };
        let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
        let mut out = String::new();
        for d in self.sorted(sources) {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut props = Vec::new();
            if let Some(s) = d.span {
                props.push(format!(
                    "file={}",
                    property(&sources.path(s.file).display().to_string())
                ));
                props.push(format!("line={}", s.line));
                props.push(format!("col={}", s.col));
            }
            props.push(format!("title={}", property(d.code)));
            // Bounded as the text format is; the line break before the help is the only one.
            let bounded = |t: &str| terminal::bounded(t, terminal::MAX_MESSAGE_CHARS).into_owned();
            let mut message = bounded(&format!("{}{}", d.message, d.context()));
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(&bounded(help));
            }
            let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(&message));
        }
        out
    }

    /// Every diagnostic rendered, in order.
    #[must_use]
    pub fn render(&self, sources: &Sources, color: bool) -> String {
        self.sorted(sources)
            .iter()
            .map(|d| d.render(sources, color))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    /// The diagnostics in the order they were found.
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
