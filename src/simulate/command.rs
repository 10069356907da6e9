//! `flinkform simulate` behind the command line: picks the jobs, reads the trace, runs the
//! jobs in parallel, prints the report and applies the gate.

use std::io::Write as _;
use std::path::PathBuf;

use rayon::prelude::*;

use super::run::{self, JobRun, Options};
use super::target::{self, JobSetup};
use super::{report, svg, trace};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::exit::ExitStatus;
use crate::layout::EnvironmentObjects;
use crate::source::{Sources, Span};

/// The command's arguments (`--format` is the global one: text, json, markdown, svg).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The environment whose objects are simulated.
    #[arg(long)]
    pub env: String,
    /// Only these jobs (repeatable; default: every autoscaled job).
    #[arg(long = "job")]
    pub jobs: Vec<String>,
    /// The load trace: CSV, `time` in seconds first, then one column per input.
    #[arg(long)]
    pub trace: PathBuf,
    /// How often the HPA controller syncs.
    #[arg(long, default_value = "15s", value_parser = seconds)]
    pub sync_period: f64,
    /// How long a restart processes nothing.
    #[arg(long, default_value = "20s", value_parser = seconds)]
    pub restart_time: f64,
    /// Records per second one slot processes, for a `records` column.
    #[arg(long, value_name = "RECORDS_PER_SLOT_PER_SECOND")]
    pub capacity: Option<f64>,
    /// Fail (exit 1) when any rolling hour holds more restarts than this.
    #[arg(long, value_name = "N")]
    pub max_restarts_per_hour: Option<usize>,
}

/// `90`, `90s`, `1.5m`, `2h`, `500ms`: seconds.
///
/// # Errors
/// Not a positive duration.
pub fn seconds(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: f64 = n
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 15s, 2m or 90"))?;
    let factor = match unit {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("`{text}`: the unit is one of ms, s, m, h")),
    };
    let v = n * factor;
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("`{text}` must be more than 0"))
    }
}

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
    Markdown,
    Svg,
}

/// Where diagnostics go and in which form.
#[derive(Clone, Copy, Debug)]
pub struct Printing {
    pub output: Output,
    /// Diagnostics as JSON lines (`--format json`) or GitHub annotations.
    pub diagnostics: DiagnosticForm,
    pub color: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticForm {
    Text,
    Json,
    Github,
}

/// The largest trace read: a week at one row a second is 20 MB.
const MAX_TRACE_BYTES: u64 = 256 << 20;

fn read_trace(path: &std::path::Path) -> Result<String, String> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read the trace {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("the trace {shown} is not a regular file"));
    }
    if meta.len() > MAX_TRACE_BYTES {
        return Err(format!(
            "the trace {shown} has {} bytes, more than the {} MiB flinkform reads",
            meta.len(),
            MAX_TRACE_BYTES >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the trace {shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("the trace {shown} is not UTF-8 text"))
}

fn print_diagnostics(diags: &Diagnostics, sources: &Sources, printing: Printing) {
    if diags.is_empty() {
        return;
    }
    match printing.diagnostics {
        DiagnosticForm::Text => eprintln!("{}", diags.render(sources, printing.color)),
        DiagnosticForm::Json => eprint!("{}", diags.render_json(sources)),
        DiagnosticForm::Github => eprint!("{}", diags.render_github(sources)),
    }
}

/// The names a job's trace may use: its metrics, and `records` (from which CPU, backlog and
/// busy time follow).
fn inputs(setup: &JobSetup) -> Vec<String> {
    let mut names: Vec<String> = setup.spec.metrics.iter().map(|m| m.name.clone()).collect();
    names.push("records".to_owned());
    names
}

/// Runs the command on a compiled environment; returns the exit code.
#[must_use]
pub fn run(environment: &EnvironmentObjects, args: &Args, printing: Printing) -> ExitStatus {
    let start = std::time::Instant::now();
    let env = &environment.name;
    for job in &args.jobs {
        if !environment.jobs.iter().any(|j| &j.name == job) {
            eprintln!("error: no job `{job}` in environment `{env}`");
            return ExitStatus::Error;
        }
    }
    let chosen: Vec<_> = environment
        .jobs
        .iter()
        .filter(|j| args.jobs.is_empty() || args.jobs.contains(&j.name))
        .collect();
    let mut setups = Vec::new();
    for job in chosen {
        match target::read_job(job) {
            Ok(Some(setup)) => setups.push(setup),
            Ok(None) if !args.jobs.is_empty() => {
                eprintln!(
                    "error: job `{}` has no HorizontalPodAutoscaler or ScaledObject in environment `{env}`; only autoscaled jobs are simulated",
                    job.name
                );
                return ExitStatus::Error;
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("error: cannot simulate job `{}`: {e}", job.name);
                return ExitStatus::Error;
            }
        }
    }
    if setups.is_empty() {
        eprintln!(
            "error: no job of environment `{env}` is autoscaled by a HorizontalPodAutoscaler or KEDA"
        );
        return ExitStatus::Error;
    }
    let text = match read_trace(&args.trace) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    let mut sources = Sources::default();
    let file = sources.add(args.trace.clone(), text);
    let mut diags = Diagnostics::default();
    let parsed = trace::parse(
        &sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default(),
        file,
        &mut diags,
    );
    if let Some(t) = &parsed {
        let names: Vec<(String, Vec<String>)> =
            setups.iter().map(|s| (s.job.clone(), inputs(s))).collect();
        trace::check_columns(t, &names, &mut diags);
        if args.capacity.is_none()
            && let Some(c) = t.columns.iter().find(|c| c.name == "records")
        {
            diags.push(
                Diagnostic::error(
                    crate::simulate::trace::TRACE_COLUMN,
                    Some::<Span>(c.span),
                    "a `records` column needs the capacity of a slot",
                )
                .help("add `--capacity RECORDS_PER_SLOT_PER_SECOND`, e.g. `--capacity 5000`"),
            );
        }
    }
    print_diagnostics(&diags, &sources, printing);
    let errors = diags.count(Severity::Error);
    let Some(trace) = parsed.filter(|_| errors == 0) else {
        eprintln!(
            "failed: {} in the trace; nothing simulated, in {} ms",
            if errors == 1 {
                "1 error".to_owned()
            } else {
                format!("{errors} errors")
            },
            start.elapsed().as_millis()
        );
        return ExitStatus::Failure;
    };
    let options = Options {
        sync_period: args.sync_period,
        restart_time: args.restart_time,
        capacity: args.capacity,
        timeline: matches!(printing.output, Output::Json | Output::Svg),
    };
    let runs: Vec<JobRun> = setups
        .par_iter()
        .map(|s| run::simulate(s, env, &trace, options))
        .collect();
    let out = match printing.output {
        Output::Text => report::text(&runs),
        Output::Json => report::json(&runs),
        Output::Markdown => report::markdown(&runs),
        Output::Svg => svg::chart(&runs),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {e}");
        return ExitStatus::Error;
    }
    let restarts: usize = runs.iter().map(|r| r.summary.restarts).sum();
    let mut status = ExitStatus::Success;
    if let Some(limit) = args.max_restarts_per_hour {
        for r in runs
            .iter()
            .filter(|r| r.summary.max_restarts_in_an_hour > limit)
        {
            eprintln!(
                "error: job `{}` restarts {} times within an hour, more than --max-restarts-per-hour {limit}",
                r.job, r.summary.max_restarts_in_an_hour
            );
            status = ExitStatus::Failure;
        }
    }
    eprintln!(
        "simulated {} over {} of trace in environment `{env}`: {} restart{}{}, in {} ms",
        if runs.len() == 1 {
            "1 job".to_owned()
        } else {
            format!("{} jobs", runs.len())
        },
        report::clock(trace.end()),
        restarts,
        if restarts == 1 { "" } else { "s" },
        if status == ExitStatus::Failure {
            " (gate exceeded)"
        } else {
            ""
        },
        start.elapsed().as_millis()
    );
    status
}
