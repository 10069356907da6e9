//! The load trace: CSV with a header row, `time` (seconds from the start) first, one column
//! per input, each value held until the next row.
//!
//! A trace is input like a job file: every problem is a diagnostic at its line and column, all
//! of them in one run, and nothing is simulated when any is found. An empty cell keeps the
//! column's previous value, so a trace can change one input at a time.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

declare_code! {
    pub TRACE_COLUMN: error "trace-column",
    catches: "A load trace for `simulate` whose header is not what the simulation reads: no `time` column, `time` not first, a column given twice, a column that names no input of the simulated jobs' autoscaling (or, as `JOB:name`, no simulated job), or `records` without `--capacity`.",
    why: "Each column feeds one input of the autoscaling the environment emits: a column it does not read would be silently ignored, and the simulation would answer a question that was not asked.",
    fix: "Name the columns `time`, then `cpu`, `memory`, `records`, a flinkMetrics preset or an external metric's name (`JOB:cpu` for one job); the error's help lists what the jobs read.",
}

declare_code! {
    pub TRACE_TIME: error "trace-time",
    catches: "A row of a load trace whose time is earlier than the row before.",
    why: "Each value holds until the next row, so rows out of order have no meaning.",
    fix: "Sort the rows by `time` (seconds from the start).",
}

declare_code! {
    pub TRACE_VALUE: error "trace-value",
    catches: "A cell of a load trace that is not a number of 0 or more (a Kubernetes quantity such as `2Gi` is read too), a row with more or fewer cells than the header, a first row with an empty cell, or a trace without rows.",
    why: "The simulation cannot guess a load: a mistyped value would change every scale event after it.",
    fix: "Write each cell as a number; leave a cell empty to keep the previous row's value.",
}

/// One input column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The input: `cpu`, `memory`, `records`, a preset or an external metric's name.
    pub name: String,
    /// `JOB:` before the name: the column is that job's only.
    pub job: Option<String>,
    pub span: Span,
    /// Per row, the value in force (empty cells hold the previous one).
    pub values: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub times: Vec<f64>,
    pub columns: Vec<Column>,
}

/// One cell of a line, with its 1-based column in characters.
fn cells(line: &str) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    let mut col = 1u32;
    for cell in line.split(',') {
        let lead = cell.len() - cell.trim_start().len();
        let at = col + u32::try_from(cell[..lead].chars().count()).unwrap_or(0);
        out.push((at, cell.trim()));
        col += u32::try_from(cell.chars().count()).unwrap_or(u32::MAX - col) + 1;
    }
    out
}

fn span(file: FileId, line: u32, col: u32, text: &str) -> Span {
    Span {
        file,
        line,
        col,
        len: u32::try_from(text.chars().count()).unwrap_or(1).max(1),
    }
}

/// Reads a trace; `None` after reporting its errors.
pub fn parse(text: &str, file: FileId, diags: &mut Diagnostics) -> Option<Trace> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        diags.push(
            Diagnostic::error(
                TRACE_COLUMN,
                span(file, 1, 1, ""),
                "the trace is empty: it needs a header row and at least one row",
            )
            .help("start with `time,cpu` and a row such as `0,0.4`"),
        );
        return None;
    };
    let errors_before = diags.count(crate::diagnostic::Severity::Error);
    let head = cells(header);
    let mut columns: Vec<Column> = Vec::new();
    for (i, (col, name)) in head.iter().enumerate() {
        let at = span(file, header_line, *col, name);
        if i == 0 {
            if *name != "time" {
                let message = if head.iter().any(|(_, n)| *n == "time") {
                    "`time` must be the first column".to_owned()
                } else {
                    "the trace has no `time` column".to_owned()
                };
                diags.push(
                    Diagnostic::error(TRACE_COLUMN, at, message)
                        .help("the first column is `time`, in seconds from the start"),
                );
            }
            continue;
        }
        let (job, metric) = match name.split_once(':') {
            Some((job, metric)) => (Some(job.trim().to_owned()), metric.trim()),
            None => (None, *name),
        };
        if metric.is_empty() || columns.iter().any(|c| c.name == metric && c.job == job) {
            diags.push(
                Diagnostic::error(
                    TRACE_COLUMN,
                    at,
                    if metric.is_empty() {
                        "a column without a name".to_owned()
                    } else {
                        format!("column `{name}` is given twice")
                    },
                )
                .help("name each column once: `cpu`, `records`, a metric, or `JOB:cpu`"),
            );
            continue;
        }
        columns.push(Column {
            name: metric.to_owned(),
            job,
            span: at,
            values: Vec::new(),
        });
    }
    let width = head.len();
    let mut times: Vec<f64> = Vec::new();
    for (line, row) in lines {
        let row_cells = cells(row);
        if row_cells.len() != width {
            let (col, cell) = row_cells
                .get(width)
                .copied()
                .unwrap_or((u32::try_from(row.chars().count()).unwrap_or(0) + 1, ""));
            diags.push(
                Diagnostic::error(
                    TRACE_VALUE,
                    span(file, line, col, cell),
                    format!("this row has {} cells, the header {width}", row_cells.len()),
                )
                .help("give every row one cell per column; an empty cell keeps the previous value"),
            );
            continue;
        }
        let (col, cell) = row_cells[0];
        let time = match cell.parse::<f64>() {
            Ok(t) if t.is_finite() && t >= 0.0 => t,
            _ => {
                diags.push(
                    Diagnostic::error(
                        TRACE_VALUE,
                        span(file, line, col, cell),
                        format!("`{cell}` is not a time: seconds from the start, 0 or more"),
                    )
                    .help("write the time in seconds, e.g. `90` or `90.5`"),
                );
                continue;
            }
        };
        if let Some(&last) = times.last()
            && time < last
        {
            diags.push(
                Diagnostic::error(
                    TRACE_TIME,
                    span(file, line, col, cell),
                    format!("time goes backwards: {time} after {last}"),
                )
                .help("sort the rows by time"),
            );
            continue;
        }
        times.push(time);
        for (column, (col, cell)) in columns.iter_mut().zip(&row_cells[1..]) {
            let value = if cell.is_empty() {
                column.values.last().copied()
            } else {
                crate::model::parse_quantity(cell).filter(|v| *v >= 0.0)
            };
            match value {
                Some(v) => column.values.push(v),
                None => {
                    let message = if cell.is_empty() {
                        format!("no value for `{}` in the first row", column.name)
                    } else {
                        format!("`{cell}` is not a number")
                    };
                    diags.push(
                        Diagnostic::error(TRACE_VALUE, span(file, line, *col, cell), message)
                            .help("write a number of 0 or more (a Kubernetes quantity such as `2Gi` or `1.5k` is read too)"),
                    );
                    column.values.push(0.0);
                }
            }
        }
    }
    if times.is_empty() && diags.count(crate::diagnostic::Severity::Error) == errors_before {
        diags.push(
            Diagnostic::error(
                TRACE_VALUE,
                span(file, header_line, 1, header),
                "the trace has a header but no rows",
            )
            .help("add rows: `0,0.4` holds 0.4 from time 0 to the next row"),
        );
    }
    (diags.count(crate::diagnostic::Severity::Error) == errors_before)
        .then_some(Trace { times, columns })
}

impl Trace {
    /// The row in force at `time` (the last one at or before it; the first before it).
    #[must_use]
    pub fn row_at(&self, time: f64) -> usize {
        self.times.partition_point(|t| *t <= time).saturating_sub(1)
    }

    /// The end of the run: the last row's time.
    #[must_use]
    pub fn end(&self) -> f64 {
        self.times.last().copied().unwrap_or(0.0)
    }

    /// The column for `name` as `job` reads it: its own `JOB:` column, else the shared one.
    #[must_use]
    pub fn column(&self, job: &str, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name == name && c.job.as_deref() == Some(job))
            .or_else(|| {
                self.columns
                    .iter()
                    .find(|c| c.name == name && c.job.is_none())
            })
    }
}

/// Reports columns that name no simulated job or no input of theirs. `inputs` holds, per job,
/// the names it reads.
pub fn check_columns(trace: &Trace, inputs: &[(String, Vec<String>)], diags: &mut Diagnostics) {
    for column in &trace.columns {
        let jobs: Vec<&(String, Vec<String>)> = match &column.job {
            Some(job) => {
                let found: Vec<_> = inputs.iter().filter(|(j, _)| j == job).collect();
                if found.is_empty() {
                    let names: Vec<&str> = inputs.iter().map(|(j, _)| j.as_str()).collect();
                    diags.push(
                        Diagnostic::error(
                            TRACE_COLUMN,
                            column.span,
                            format!("column `{job}:{}` names no simulated job", column.name),
                        )
                        .help(format!("the jobs simulated are: {}", names.join(", "))),
                    );
                    continue;
                }
                found
            }
            None => inputs.iter().collect(),
        };
        if !jobs.iter().any(|(_, names)| names.contains(&column.name)) {
            let mut known: Vec<&str> = jobs
                .iter()
                .flat_map(|(_, names)| names.iter().map(String::as_str))
                .collect();
            known.sort_unstable();
            known.dedup();
            diags.push(
                Diagnostic::error(
                    TRACE_COLUMN,
                    column.span,
                    format!("unknown column `{}`", column.name),
                )
                .help(format!("the autoscaling reads: {}", known.join(", "))),
            );
        }
    }
}
