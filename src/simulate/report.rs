//! The simulation's results for people (text, Markdown for a pull request) and machines (JSON).
//!
//! JSON is one document, `{"jobs": [{"job", "environment", "events", "timeline", "summary"}]}`:
//! each scale event carries the restart it caused, so the counts agree by construction. The
//! shape is documented in docs/simulate.md and checked by a test.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::flink::{Generation, Restart};
use super::hpa::Target;
use super::run::{Direction, JobRun, POD_START, ScaleEvent};

/// `95` → `1m35s`, `3725` → `1h02m05s`.
#[must_use]
pub fn clock(seconds: f64) -> String {
    let s = seconds.round() as i64;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, 0) => format!("{h}h{m:02}m"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}

fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The Flink restart a scale event caused: a scale-down's at once, a scale-up's once its
/// pod runs and Flink's waits are over (two events inside one wait share it).
#[must_use]
pub fn restart_of<'a>(event: &ScaleEvent, restarts: &'a [Restart]) -> Option<&'a Restart> {
    let from = match event.direction {
        Direction::Up => event.time + POD_START,
        Direction::Down => event.time,
    };
    restarts.iter().find(|r| r.resumed >= from)
}

fn target_text(t: Target) -> String {
    match t {
        Target::Utilization(u) => format!("{u} %"),
        Target::AverageValue(v) => format!("{} per pod", number(v as f64 / 1000.0)),
        Target::Value(v) => number(v as f64 / 1000.0),
    }
}

fn describe(run: &JobRun) -> String {
    let s = &run.setup;
    let f = &s.flink;
    let metrics: Vec<String> = s
        .spec
        .metrics
        .iter()
        .map(|m| format!("{} at {}", m.name, target_text(m.target)))
        .collect();
    let waits = match f.generation {
        Generation::One if f.cooldown > 0.0 => {
            format!("rescale at most every {}", clock(f.cooldown))
        }
        Generation::One => "rescale as soon as slots join".to_owned(),
        Generation::Two => format!(
            "cooldown {}, stabilization {}{}",
            clock(f.cooldown),
            clock(f.executing_stabilization),
            f.checkpoint_interval
                .map(|i| format!(", checkpoint every {}", clock(i)))
                .unwrap_or_default()
        ),
    };
    format!(
        "{} {}–{} TaskManagers on {}; Flink {}, {} slots per TaskManager, max parallelism {}, {waits}",
        s.autoscaler,
        s.spec.min_replicas,
        s.spec.max_replicas,
        metrics.join(", "),
        f.version,
        f.slots_per_task_manager,
        f.max_parallelism
    )
}

fn event_text(e: &ScaleEvent, run: &JobRun) -> String {
    let kind = match e.direction {
        Direction::Up => "scale-up",
        Direction::Down => "scale-down",
    };
    let why = e
        .metric
        .as_deref()
        .map(|m| format!(" on {m}"))
        .unwrap_or_default();
    let restart = restart_of(e, &run.restarts)
        .map(|r| {
            format!(
                "; restart {}–{}, parallelism {} → {}",
                clock(r.time),
                clock(r.resumed),
                r.from,
                r.to
            )
        })
        .unwrap_or_default();
    format!(
        "{:>9}  {kind:<10} {} → {}{why}{restart}",
        clock(e.time),
        e.from,
        e.to
    )
}

fn summary_lines(run: &JobRun) -> Vec<String> {
    let s = &run.summary;
    let mut lines = vec![
        format!(
            "restarts: {} ({} per hour on average, at most {} in an hour): {} scale-up{}, {} scale-down{}",
            s.restarts,
            number((s.restarts_per_hour * 100.0).round() / 100.0),
            s.max_restarts_in_an_hour,
            s.scale_ups,
            if s.scale_ups == 1 { "" } else { "s" },
            s.scale_downs,
            if s.scale_downs == 1 { "" } else { "s" },
        ),
        format!(
            "no processing for {} in {}; TaskManager time {} (at most {} TaskManagers)",
            clock(s.downtime),
            clock(s.duration),
            clock(s.task_manager_seconds),
            s.max_replicas
        ),
    ];
    if let Some(b) = s.peak_backlog {
        lines.push(format!("peak backlog: {} records", number(b.round())));
    }
    lines
}

/// Text for a terminal.
#[must_use]
pub fn text(runs: &[JobRun]) -> String {
    let mut out = String::new();
    for run in runs {
        let _ = writeln!(out, "{} in {}", run.job, run.environment);
        let _ = writeln!(out, "  {}", describe(run));
        for line in summary_lines(run) {
            let _ = writeln!(out, "  {line}");
        }
        if !run.unavailable.is_empty() {
            let _ = writeln!(
                out,
                "  not in the trace: {} (the controller finds no value, so it never scales down)",
                run.unavailable.join(", ")
            );
        }
        if run.events.is_empty() {
            let _ = writeln!(out, "  no scale events");
        }
        for e in &run.events {
            let _ = writeln!(out, "  {}", event_text(e, run));
        }
        out.push('\n');
    }
    out
}

/// Markdown for a pull-request comment.
#[must_use]
pub fn markdown(runs: &[JobRun]) -> String {
    let mut out = String::from("## flinkform simulate\n\n");
    out.push_str("| job | environment | restarts | per hour | most in an hour | scale-ups | scale-downs | no processing | TaskManager time | max TaskManagers | peak backlog |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for run in runs {
        let s = &run.summary;
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            run.job,
            run.environment,
            s.restarts,
            number((s.restarts_per_hour * 100.0).round() / 100.0),
            s.max_restarts_in_an_hour,
            s.scale_ups,
            s.scale_downs,
            clock(s.downtime),
            clock(s.task_manager_seconds),
            s.max_replicas,
            s.peak_backlog
                .map_or_else(|| "–".to_owned(), |b| number(b.round()))
        );
    }
    for run in runs.iter().filter(|r| !r.events.is_empty()) {
        let _ = write!(
            out,
            "\n<details><summary><code>{}</code> in <code>{}</code>: {} scale events</summary>\n\n{}\n\n",
            run.job,
            run.environment,
            run.events.len(),
            describe(run)
        );
        out.push_str("| time | event | replicas | metric | restart | parallelism |\n|---:|---|---|---|---|---|\n");
        for e in &run.events {
            let restart = restart_of(e, &run.restarts);
            let _ = writeln!(
                out,
                "| {} | {} | {} → {} | {} | {} | {} |",
                clock(e.time),
                match e.direction {
                    Direction::Up => "scale-up",
                    Direction::Down => "scale-down",
                },
                e.from,
                e.to,
                e.metric.as_deref().unwrap_or("–"),
                restart.map_or_else(
                    || "–".to_owned(),
                    |r| format!("{}–{}", clock(r.time), clock(r.resumed))
                ),
                restart.map_or_else(|| "–".to_owned(), |r| format!("{} → {}", r.from, r.to)),
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn round3(v: f64) -> Json {
    let r = (v * 1000.0).round() / 1000.0;
    if (r - r.round()).abs() < 1e-12 && r.abs() < 9e15 {
        json!(r.round() as i64)
    } else {
        json!(r)
    }
}

/// One job as JSON.
#[must_use]
pub fn job_json(run: &JobRun) -> Json {
    let events: Vec<Json> = run
        .events
        .iter()
        .map(|e| {
            json!({
                "time": round3(e.time),
                "kind": match e.direction { Direction::Up => "scale-up", Direction::Down => "scale-down" },
                "from": e.from,
                "to": e.to,
                "metric": e.metric,
                "restart": restart_of(e, &run.restarts).map(|r| json!({
                    "time": round3(r.time),
                    "resumed": round3(r.resumed),
                    "parallelismFrom": r.from,
                    "parallelismTo": r.to,
                })),
            })
        })
        .collect();
    let names: Vec<&str> = run
        .setup
        .spec
        .metrics
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    let timeline: Vec<Json> = run
        .timeline
        .iter()
        .map(|t| {
            let metrics: serde_json::Map<String, Json> = names
                .iter()
                .zip(&t.metrics)
                .map(|(n, (value, desired))| {
                    (
                        (*n).to_owned(),
                        json!({"value": value.map(round3), "desiredReplicas": desired}),
                    )
                })
                .collect();
            json!({
                "time": round3(t.time),
                "replicas": t.replicas,
                "parallelism": t.parallelism,
                "metrics": metrics,
                "backlog": t.backlog.map(round3),
            })
        })
        .collect();
    let s = &run.summary;
    json!({
        "job": run.job,
        "environment": run.environment,
        "events": events,
        "timeline": timeline,
        "summary": {
            "restarts": s.restarts,
            "restartsPerHour": round3(s.restarts_per_hour),
            "maxRestartsInAnHour": s.max_restarts_in_an_hour,
            "scaleUps": s.scale_ups,
            "scaleDowns": s.scale_downs,
            "taskManagerSeconds": round3(s.task_manager_seconds),
            "maxReplicas": s.max_replicas,
            "peakBacklog": s.peak_backlog.map(round3),
            "downtimeSeconds": round3(s.downtime),
            "durationSeconds": round3(s.duration),
        },
    })
}

/// The JSON document.
#[must_use]
pub fn json(runs: &[JobRun]) -> String {
    let doc = json!({"jobs": runs.iter().map(job_json).collect::<Vec<_>>()});
    let mut text =
        crate::terminal::json_safe(serde_json::to_string_pretty(&doc).unwrap_or_default());
    text.push('\n');
    text
}
