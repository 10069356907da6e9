//! The chart: per job, the load over time above, the TaskManagers and the job's parallelism
//! below, every restart shaded across both. Written by hand: a few hundred lines of SVG need
//! no plotting library, and the output stays the same byte for byte from run to run.

use std::fmt::Write as _;

use super::hpa::{Source, Target};
use super::replicas::Resource;
use super::report::clock;
use super::run::JobRun;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 70.0;
const PANEL: f64 = 318.0;
const PLOT: f64 = 95.0;
const LOAD_COLOR: &str = "#2563eb";
const REPLICAS_COLOR: &str = "#ea580c";
const PARALLELISM_COLOR: &str = "#16a34a";
const RESTART_COLOR: &str = "#dc2626";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round step for `n` ticks over `range`: 1, 2, 5 × 10^k.
fn nice_step(range: f64, n: f64) -> f64 {
    if range <= 0.0 {
        return 1.0;
    }
    let raw = range / n;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn time_step(duration: f64) -> f64 {
    const STEPS: &[f64] = &[
        15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
        43200.0, 86400.0, 172_800.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| duration / s <= 10.0)
        .unwrap_or(86400.0 * (duration / 86400.0 / 10.0).ceil())
}

fn label(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{}k", v / 1e3)
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A step function as a path: `points` are (time, value) where the value changes.
fn step_path(
    points: &[(f64, f64)],
    end: f64,
    x: &dyn Fn(f64) -> f64,
    y: &dyn Fn(f64) -> f64,
) -> String {
    let mut d = String::new();
    let mut last: Option<f64> = None;
    for (t, v) in points {
        match last {
            None => {
                let _ = write!(d, "M{:.1},{:.1}", x(*t), y(*v));
            }
            Some(_) => {
                let _ = write!(d, " H{:.1} V{:.1}", x(*t), y(*v));
            }
        }
        last = Some(*v);
    }
    if last.is_some() {
        let _ = write!(d, " H{:.1}", x(end));
    }
    d
}

fn panel(out: &mut String, run: &JobRun, top: f64) {
    let end = run.summary.duration.max(1.0);
    let plot_width = WIDTH - LEFT - RIGHT;
    let x = |t: f64| LEFT + t / end * plot_width;
    let s = &run.summary;
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="{:.1}" class="title">{} in {}: {} restart{} ({} up, {} down), no processing for {}, at most {} TaskManagers</text>"#,
        top + 22.0,
        escape(&run.job),
        escape(&run.environment),
        s.restarts,
        if s.restarts == 1 { "" } else { "s" },
        s.scale_ups,
        s.scale_downs,
        clock(s.downtime),
        s.max_replicas
    );
    let load_top = top + 40.0;
    let fleet_top = load_top + PLOT + 30.0;
    // Restarts, shaded across both plots.
    for r in &run.restarts {
        let (a, b) = (x(r.time.min(end)), x(r.resumed.min(end)));
        let _ = writeln!(
            out,
            r#"<rect x="{a:.1}" y="{load_top:.1}" width="{:.1}" height="{:.1}" fill="{RESTART_COLOR}" fill-opacity="0.18"><title>restart {}–{}: parallelism {} → {}</title></rect>"#,
            (b - a).max(1.5),
            fleet_top + PLOT - load_top,
            clock(r.time),
            clock(r.resumed),
            r.from,
            r.to
        );
    }
    // The load.
    let loads: Vec<(f64, f64)> = run
        .timeline
        .iter()
        .filter_map(|t| t.load.map(|l| (t.time, l)))
        .collect();
    let threshold = threshold_line(run);
    let max_load = loads
        .iter()
        .chain(&threshold)
        .map(|(_, l)| *l)
        .fold(0.0, f64::max)
        * 1.1;
    let load_step = nice_step(max_load, 4.0);
    let load_max = ((max_load / load_step).ceil() * load_step).max(load_step);
    let y_load = |v: f64| load_top + PLOT - v / load_max * PLOT;
    axis(out, load_top, load_max, load_step, &y_load, true);
    let mut changes: Vec<(f64, f64)> = Vec::new();
    for (t, l) in &loads {
        if changes.last().is_none_or(|(_, last)| last != l) {
            changes.push((*t, *l));
        }
    }
    if !threshold.is_empty() {
        let _ = writeln!(
            out,
            r#"<path d="{}" fill="none" stroke="{LOAD_COLOR}" stroke-width="1.5" stroke-dasharray="2 3" stroke-opacity="0.8"/>"#,
            step_path(&threshold, end, &x, &y_load)
        );
    }
    let _ = writeln!(
        out,
        r#"<path d="{}" fill="none" stroke="{LOAD_COLOR}" stroke-width="2"/>"#,
        step_path(&changes, end, &x, &y_load)
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="axis-title" fill="{LOAD_COLOR}">{}</text>"#,
        LEFT + 6.0,
        load_top + 12.0,
        escape(&load_title(run))
    );
    // TaskManagers (left axis) and parallelism (right axis), so the lines meet when every
    // slot runs.
    let slots = f64::from(run.setup.flink.slots_per_task_manager);
    let max_tm = f64::from(run.setup.spec.max_replicas.max(1));
    let tm_step = nice_step(max_tm, 4.0).max(1.0);
    let tm_max = (max_tm / tm_step).ceil() * tm_step;
    let y_tm = |v: f64| fleet_top + PLOT - v / tm_max * PLOT;
    let y_par = |v: f64| fleet_top + PLOT - v / (tm_max * slots) * PLOT;
    axis(out, fleet_top, tm_max, tm_step, &y_tm, true);
    axis(
        out,
        fleet_top,
        tm_max * slots,
        tm_step * slots,
        &y_par,
        false,
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="axis-title" fill="{REPLICAS_COLOR}">TaskManagers</text><text x="{:.1}" y="{:.1}" class="axis-title" fill="{PARALLELISM_COLOR}" text-anchor="end">parallelism</text>"#,
        LEFT + 6.0,
        fleet_top - 4.0,
        WIDTH - RIGHT - 6.0,
        fleet_top - 4.0
    );
    let first = f64::from(run.setup.spec.min_replicas.max(1));
    let mut replicas = vec![(0.0, first)];
    replicas.extend(run.events.iter().map(|e| (e.time, f64::from(e.to))));
    let p0 = run
        .timeline
        .first()
        .map_or(first * slots, |t| f64::from(t.parallelism));
    let mut parallelism = vec![(0.0, p0)];
    for r in &run.restarts {
        parallelism.push((r.time, 0.0));
        if r.resumed <= end {
            parallelism.push((r.resumed, f64::from(r.to)));
        }
    }
    let _ = writeln!(
        out,
        r#"<path d="{}" fill="none" stroke="{PARALLELISM_COLOR}" stroke-width="2" stroke-dasharray="6 3"/>"#,
        step_path(&parallelism, end, &x, &y_par)
    );
    let _ = writeln!(
        out,
        r#"<path d="{}" fill="none" stroke="{REPLICAS_COLOR}" stroke-width="2.5"/>"#,
        step_path(&replicas, end, &x, &y_tm)
    );
    for e in &run.events {
        let (cx, cy) = (x(e.time), y_tm(f64::from(e.to)));
        let _ = writeln!(
            out,
            r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="4" fill="{REPLICAS_COLOR}"><title>{} {} → {}{}</title></circle>"#,
            clock(e.time),
            e.from,
            e.to,
            e.metric
                .as_deref()
                .map(|m| format!(" on {}", escape(m)))
                .unwrap_or_default()
        );
    }
    // The time axis.
    let step = time_step(end);
    let base = fleet_top + PLOT;
    let mut t = 0.0;
    while t <= end + 1e-9 {
        let _ = writeln!(
            out,
            r#"<line x1="{0:.1}" x2="{0:.1}" y1="{load_top:.1}" y2="{base:.1}" class="grid"/><text x="{0:.1}" y="{1:.1}" class="tick" text-anchor="middle">{2}</text>"#,
            x(t),
            base + 16.0,
            clock(t)
        );
        t += step;
    }
    // The legend.
    let ly = base + 36.0;
    let items = [
        (LOAD_COLOR, "load (dotted: the target)", ""),
        (REPLICAS_COLOR, "TaskManagers (left)", ""),
        (
            PARALLELISM_COLOR,
            "parallelism (right)",
            r#" stroke-dasharray="6 3""#,
        ),
    ];
    let mut lx = LEFT;
    for (color, name, dash) in items {
        let _ = writeln!(
            out,
            r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2.5"{dash}/><text x="{:.1}" y="{:.1}" class="tick">{name}</text>"#,
            lx + 22.0,
            lx + 28.0,
            ly + 4.0
        );
        lx += 190.0;
    }
    let _ = writeln!(
        out,
        r#"<rect x="{lx:.1}" y="{:.1}" width="22" height="10" fill="{RESTART_COLOR}" fill-opacity="0.18"/><text x="{:.1}" y="{:.1}" class="tick">restart: no processing</text>"#,
        ly - 5.0,
        lx + 28.0,
        ly + 4.0
    );
}

/// For a CPU load against a CPU utilization target: the demand at which the target is met
/// with the TaskManagers there are (target × request × TaskManagers), so the chart shows the
/// load crossing it.
fn threshold_line(run: &JobRun) -> Vec<(f64, f64)> {
    let target = run
        .setup
        .spec
        .metrics
        .iter()
        .find_map(|m| match (m.source, m.target) {
            (Source::Resource(Resource::Cpu), Target::Utilization(t)) => Some(f64::from(t)),
            _ => None,
        });
    let (Some(target), Some(request), "cpu") = (target, run.setup.cpu_request, run.load.as_str())
    else {
        return Vec::new();
    };
    let per_tm = target / 100.0 * request as f64 / 1000.0;
    let first = f64::from(run.setup.spec.min_replicas.max(1));
    std::iter::once((0.0, first * per_tm))
        .chain(
            run.events
                .iter()
                .map(|e| (e.time, f64::from(e.to) * per_tm)),
        )
        .collect()
}

fn load_title(run: &JobRun) -> String {
    match run.load.as_str() {
        "cpu" => "CPU demand (cores)".to_owned(),
        "memory" => "memory (bytes)".to_owned(),
        "records" => "input (records/s)".to_owned(),
        "" => "no load column".to_owned(),
        other => other.to_owned(),
    }
}

fn axis(out: &mut String, top: f64, max: f64, step: f64, y: &dyn Fn(f64) -> f64, left: bool) {
    let (xl, anchor) = if left {
        (LEFT - 8.0, "end")
    } else {
        (WIDTH - RIGHT + 8.0, "start")
    };
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" x2="{}" y1="{:.1}" y2="{:.1}" class="frame"/>"#,
        WIDTH - RIGHT,
        top + PLOT,
        top + PLOT
    );
    let mut v = 0.0;
    while v <= max + 1e-9 {
        if left {
            let _ = writeln!(
                out,
                r#"<line x1="{LEFT}" x2="{}" y1="{1:.1}" y2="{1:.1}" class="grid"/>"#,
                WIDTH - RIGHT,
                y(v)
            );
        }
        let _ = writeln!(
            out,
            r#"<text x="{xl:.1}" y="{:.1}" class="tick" text-anchor="{anchor}">{}</text>"#,
            y(v) + 4.0,
            label(v)
        );
        v += step;
    }
}

/// The chart of every job, one panel each.
#[must_use]
pub fn chart(runs: &[JobRun]) -> String {
    let height = PANEL * runs.len().max(1) as f64;
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">
<style>.title{{font-size:14px;font-weight:bold;fill:#111827}} .tick{{font-size:11px;fill:#4b5563}} .axis-title{{font-size:11px;font-weight:bold}} .grid{{stroke:#e5e7eb;stroke-width:1}} .frame{{stroke:#9ca3af;stroke-width:1}}</style>
<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>
"##
    );
    for (i, run) in runs.iter().enumerate() {
        panel(&mut out, run, PANEL * i as f64);
    }
    out.push_str("</svg>\n");
    out
}
