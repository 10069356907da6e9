//! The `diff` report: text for terminals, Markdown for a pull-request comment, JSON for tools.
//!
//! Every value a user wrote is printed as a JSON literal (quoted, with control characters and
//! line breaks escaped), so no value can start a new line, a Markdown table cell or a terminal
//! escape sequence.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::{Change, EnvironmentChange, FieldChange, Impact, JobChange, ObjectChange, Report};

/// The version of the JSON shape; it changes only when a field changes meaning or goes away.
pub const JSON_VERSION: u64 = 1;

/// The two sides compared, as shown: `HEAD (0123456789ab)` and `working tree`.
pub struct Sides<'a> {
    pub old_revision: &'a str,
    pub old_commit: &'a str,
    pub new: &'a str,
}

impl Sides<'_> {
    fn short(&self) -> &str {
        &self.old_commit[..self.old_commit.len().min(12)]
    }
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";

/// A value as a JSON literal, cut to a readable length for people.
fn literal(value: Option<&Json>, limit: usize) -> String {
    let Some(value) = value else {
        return "(absent)".into();
    };
    let text = value.to_string();
    if text.chars().count() <= limit {
        return text;
    }
    let cut: String = text.chars().take(limit).collect();
    format!("{cut}… ({} characters)", text.chars().count())
}

fn field_line(field: &FieldChange) -> String {
    format!(
        "{}: {} → {}",
        field.path,
        literal(field.old.as_ref(), 200),
        literal(field.new.as_ref(), 200)
    )
}

fn marker(change: Change) -> char {
    match change {
        Change::Added => '+',
        Change::Removed => '-',
        Change::Changed | Change::Unchanged => '~',
    }
}

fn object_title(o: &ObjectChange) -> String {
    if o.namespace.is_empty() {
        format!("{} {} {}", marker(o.change), o.kind, o.name)
    } else {
        format!("{} {} {}/{}", marker(o.change), o.kind, o.namespace, o.name)
    }
}

/// The lines that list an object's change, indented by `indent`.
fn object_lines(o: &ObjectChange, indent: &str, paint: impl Fn(&str, &str) -> String) -> String {
    let color = match o.change {
        Change::Added => GREEN,
        Change::Removed => RED,
        Change::Changed | Change::Unchanged => YELLOW,
    };
    let mut out = format!("{indent}{}\n", paint(color, &object_title(o)));
    for field in &o.fields {
        let _ = writeln!(out, "{indent}    {}", field_line(field));
    }
    out
}

fn impact_color(impact: Impact) -> &'static str {
    match impact {
        Impact::StateLoss => RED,
        Impact::Restart => YELLOW,
        Impact::NoRestart => GREEN,
        Impact::None => "",
    }
}

/// `1 job loses its state, 2 jobs restart, 1 added, 3 unchanged`.
fn tally(env: &EnvironmentChange) -> String {
    let of = |change: Change| env.jobs.iter().filter(|j| j.change == change).count();
    let mut parts = Vec::new();
    for impact in [Impact::StateLoss, Impact::Restart, Impact::NoRestart] {
        let n = env
            .jobs
            .iter()
            .filter(|j| j.change == Change::Changed && j.impact == impact)
            .count();
        let (one, many) = match impact {
            Impact::StateLoss => ("loses its state", "lose their state"),
            Impact::Restart => ("restarts", "restart"),
            _ => ("changes without a restart", "change without a restart"),
        };
        match n {
            0 => {}
            1 => parts.push(format!("1 job {one}")),
            n => parts.push(format!("{n} jobs {many}")),
        }
    }
    for (change, label) in [
        (Change::Added, "added"),
        (Change::Removed, "removed (its state goes with it)"),
        (Change::Unchanged, "unchanged"),
    ] {
        let n = of(change);
        if n > 0 {
            let label = if n > 1 && change == Change::Removed {
                "removed (their state goes with them)"
            } else {
                label
            };
            parts.push(format!("{n} {label}"));
        }
    }
    if parts.is_empty() {
        "no jobs".into()
    } else {
        parts.join(", ")
    }
}

fn changed_jobs(env: &EnvironmentChange) -> impl Iterator<Item = &JobChange> {
    env.jobs.iter().filter(|j| j.change != Change::Unchanged)
}

/// The report for a terminal, colored on request.
#[must_use]
pub fn text(report: &Report, sides: &Sides, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color && !code.is_empty() {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    };
    let mut out = format!(
        "{}\n",
        paint(
            BOLD,
            &format!(
                "flinkform diff: {} ({}) → {}",
                sides.old_revision,
                sides.short(),
                sides.new
            )
        )
    );
    for env in &report.environments {
        let state = match env.change {
            Change::Added => " (new environment)",
            Change::Removed => " (removed environment)",
            Change::Changed | Change::Unchanged => "",
        };
        let _ = writeln!(
            out,
            "\n{}{state}: {}",
            paint(BOLD, &format!("environment {}", env.name)),
            tally(env)
        );
        for o in &env.objects {
            out.push_str(&object_lines(o, "  ", paint));
        }
        for job in changed_jobs(env) {
            let impact = job.impact.as_str();
            let _ = writeln!(
                out,
                "  {} {}, {}",
                paint(BOLD, &format!("job {}:", job.name)),
                job.change.as_str(),
                paint(impact_color(job.impact), impact)
            );
            for why in &job.reasons {
                let _ = writeln!(out, "    why: {why}");
            }
            for o in &job.objects {
                out.push_str(&object_lines(o, "    ", paint));
            }
        }
    }
    out
}

fn markdown_impact(impact: Impact) -> String {
    match impact {
        Impact::StateLoss | Impact::Restart => format!("**{}**", impact.as_str()),
        Impact::NoRestart | Impact::None => impact.as_str().to_owned(),
    }
}

/// A table cell: no line break, no `|`.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// A fence longer than any run of backticks in `body`.
fn fence(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// The report as a pull-request comment: per environment a table of the jobs that change,
/// then each job's objects and fields, folded.
#[must_use]
pub fn markdown(report: &Report, sides: &Sides) -> String {
    let mut out = format!(
        "### flinkform diff: `{}` ({}) → {}\n",
        cell(sides.old_revision).replace('`', "'"),
        sides.short(),
        sides.new
    );
    if report
        .environments
        .iter()
        .all(|e| e.change == Change::Unchanged)
    {
        out.push_str("\nNo environment changes.\n");
        return out;
    }
    for env in &report.environments {
        let state = match env.change {
            Change::Added => " (new environment)",
            Change::Removed => " (removed environment)",
            Change::Changed | Change::Unchanged => "",
        };
        let _ = writeln!(out, "\n#### `{}`{state}: {}\n", env.name, tally(env));
        if !env.objects.is_empty() {
            let body: String = env
                .objects
                .iter()
                .map(|o| object_lines(o, "", |_, s| s.to_owned()))
                .collect();
            let f = fence(&body);
            let _ = writeln!(out, "Environment objects:\n\n{f}text\n{body}{f}\n");
        }
        if changed_jobs(env).next().is_none() {
            continue;
        }
        out.push_str("| job | change | impact | why |\n|---|---|---|---|\n");
        for job in changed_jobs(env) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                job.name,
                job.change.as_str(),
                markdown_impact(job.impact),
                cell(&job.reasons.join("; "))
            );
        }
        out.push('\n');
        for job in changed_jobs(env) {
            let body: String = job
                .objects
                .iter()
                .map(|o| object_lines(o, "", |_, s| s.to_owned()))
                .collect();
            let f = fence(&body);
            let objects = match job.objects.len() {
                1 => "1 object".to_owned(),
                n => format!("{n} objects"),
            };
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code>: {objects}, {}</summary>\n\n{f}text\n{body}{f}\n\n</details>\n",
                job.name,
                job.impact.as_str()
            );
        }
    }
    out
}

fn object_json(o: &ObjectChange) -> Json {
    let fields: Vec<Json> = o
        .fields
        .iter()
        .map(|f| {
            let mut field = serde_json::Map::new();
            field.insert("path".into(), f.path.clone().into());
            if let Some(old) = &f.old {
                field.insert("old".into(), old.clone());
            }
            if let Some(new) = &f.new {
                field.insert("new".into(), new.clone());
            }
            Json::Object(field)
        })
        .collect();
    json!({
        "kind": o.kind,
        "namespace": o.namespace,
        "name": o.name,
        "change": o.change.as_str(),
        "fields": fields,
    })
}

/// The report as one JSON document (see the README for its shape).
#[must_use]
pub fn json(report: &Report, sides: &Sides) -> String {
    let environments: Vec<Json> = report
        .environments
        .iter()
        .map(|env| {
            let jobs: Vec<Json> = env
                .jobs
                .iter()
                .map(|job| {
                    json!({
                        "name": job.name,
                        "change": job.change.as_str(),
                        "impact": job.impact.as_str(),
                        "reasons": job.reasons,
                        "objects": job.objects.iter().map(object_json).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "name": env.name,
                "change": env.change.as_str(),
                "impact": env.impact().as_str(),
                "objects": env.objects.iter().map(object_json).collect::<Vec<_>>(),
                "jobs": jobs,
            })
        })
        .collect();
    let doc = json!({
        "version": JSON_VERSION,
        "old": {"revision": sides.old_revision, "commit": sides.old_commit},
        "new": sides.new,
        "impact": report.impact().as_str(),
        "environments": environments,
    });
    let mut text =
        crate::terminal::json_safe(serde_json::to_string_pretty(&doc).unwrap_or_default());
    text.push('\n');
    text
}
