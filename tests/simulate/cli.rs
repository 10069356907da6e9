//! `flinkform simulate` through the real binary: the example's story, the outputs, the gate,
//! KEDA, Flink 2's waits, records and capacity, per-job columns, and refusals.

use std::path::Path;

use serde_json::Value as Json;

use crate::common::{self, run, stderr, stdout};

const EXAMPLE: &str = "examples/realfuture";

fn simulate(project: &str, args: &[&str]) -> std::process::Output {
    let mut argv = vec!["--project", project, "simulate"];
    argv.extend_from_slice(args);
    run(&argv)
}

fn json_of(project: &str, args: &[&str]) -> Json {
    let mut argv = vec!["--project", project, "--format", "json", "simulate"];
    argv.extend_from_slice(args);
    let output = run(&argv);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// The scale-up stabilization window of the first autoscaler `build --env` emits for a project,
/// so the tests hold whatever the default is.
fn scale_up_window(project: &str, env: &str) -> f64 {
    let built = stdout(&run(&["--project", project, "build", "--env", env]));
    let objects = common::documents(&built);
    let behavior = objects
        .iter()
        .find_map(|o| match o["kind"].as_str() {
            Some("HorizontalPodAutoscaler") => Some(&o["spec"]["behavior"]),
            Some("ScaledObject") => {
                Some(&o["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"])
            }
            _ => None,
        })
        .unwrap();
    behavior["scaleUp"]["stabilizationWindowSeconds"]
        .as_f64()
        .unwrap()
}

/// The sync at which a load that the controller first sees at `first` scales up: the window
/// holds the recommendations of the syncs after `now - window`, so with 15 s syncs it is full
/// of high ones `window - 15` s after the first.
fn scale_up_at(first: f64, window: f64) -> f64 {
    first + (window - 15.0).max(0.0)
}

fn trace_file(dir: &Path, text: &str) -> String {
    let path = dir.join("trace.csv");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// The seed's story: CPU passes 65 % of the one TaskManager's core, a second TaskManager
/// joins and the job restarts with twice the parallelism; about five minutes after the load
/// drops it is removed and the job restarts again. Two restarts.
#[test]
fn the_example_trace_tells_the_seed_story() {
    let trace = format!("{EXAMPLE}/trace.csv");
    let doc = json_of(EXAMPLE, &["--env", "prod", "--trace", &trace]);
    let job = &doc["jobs"][0];
    assert_eq!(job["job"], "orders-enrichment");
    let events = job["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    let (up, down) = (&events[0], &events[1]);
    assert_eq!(
        (&up["kind"], &up["from"], &up["to"], &up["metric"]),
        (
            &Json::from("scale-up"),
            &Json::from(1),
            &Json::from(2),
            &Json::from("cpu")
        )
    );
    assert_eq!(
        (&down["kind"], &down["from"], &down["to"]),
        (&Json::from("scale-down"), &Json::from(2), &Json::from(1))
    );
    // The scale-up comes once the one TaskManager's CPU has been past 65 % by more than the
    // tolerance for the HPA's scale-up stabilization window (read from what `build` emits);
    // the timeline shows the utilization the HPA read.
    let window = scale_up_window(EXAMPLE, "prod");
    let timeline = job["timeline"].as_array().unwrap();
    let over = timeline
        .iter()
        .find(|r| r["metrics"]["cpu"]["value"].as_f64().unwrap() > 71.5)
        .unwrap()["time"]
        .as_f64()
        .unwrap();
    let up_time = up["time"].as_f64().unwrap();
    assert_eq!(
        up_time,
        scale_up_at(over, window),
        "CPU over the target from {over} s"
    );
    // The load drops when two TaskManagers want one; the scale-down follows the 300 s window.
    let drop = timeline
        .iter()
        .find(|r| {
            r["time"].as_f64().unwrap() > up_time && r["metrics"]["cpu"]["desiredReplicas"] == 1
        })
        .unwrap()["time"]
        .as_f64()
        .unwrap();
    let after = down["time"].as_f64().unwrap() - drop;
    assert!(
        (285.0..=315.0).contains(&after),
        "removed {after} s after the drop"
    );
    // Each scale event restarted the job: 2 → 4 slots, then back.
    assert_eq!(up["restart"]["parallelismFrom"], 2);
    assert_eq!(up["restart"]["parallelismTo"], 4);
    assert_eq!(down["restart"]["parallelismTo"], 2);
    assert_eq!(down["restart"]["time"], down["time"]);
    let summary = &job["summary"];
    assert_eq!(summary["restarts"], 2);
    assert_eq!(
        (&summary["scaleUps"], &summary["scaleDowns"]),
        (&Json::from(1), &Json::from(1))
    );
    assert_eq!(summary["maxReplicas"], 2);
    // The text says the same.
    let output = simulate(EXAMPLE, &["--env", "prod", "--trace", &trace]);
    let text = stdout(&output);
    assert!(text.contains("restarts: 2"), "{text}");
    assert!(
        stderr(&output).contains("2 restarts"),
        "{}",
        stderr(&output)
    );
}

/// The JSON document has exactly the documented keys.
#[test]
fn json_has_the_documented_shape() {
    let trace = format!("{EXAMPLE}/trace.csv");
    let doc = json_of(EXAMPLE, &["--env", "prod", "--trace", &trace]);
    let keys = |v: &Json| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&doc), ["jobs"]);
    let job = &doc["jobs"][0];
    assert_eq!(
        keys(job),
        ["environment", "events", "job", "summary", "timeline"]
    );
    assert_eq!(
        keys(&job["events"][0]),
        ["from", "kind", "metric", "restart", "time", "to"]
    );
    assert_eq!(
        keys(&job["events"][0]["restart"]),
        ["parallelismFrom", "parallelismTo", "resumed", "time"]
    );
    assert_eq!(
        keys(&job["timeline"][0]),
        ["backlog", "metrics", "parallelism", "replicas", "time"]
    );
    assert_eq!(
        keys(&job["timeline"][0]["metrics"]["cpu"]),
        ["desiredReplicas", "value"]
    );
    assert_eq!(
        keys(&job["summary"]),
        [
            "downtimeSeconds",
            "durationSeconds",
            "maxReplicas",
            "maxRestartsInAnHour",
            "peakBacklog",
            "restarts",
            "restartsPerHour",
            "scaleDowns",
            "scaleUps",
            "taskManagerSeconds"
        ]
    );
    // One timeline row per sync, from time 0 to the trace's end (2400 s).
    let timeline = job["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2400 / 15 + 1);
    assert_eq!(timeline[1]["time"], 15);
}

#[test]
fn the_gate_fails_when_an_hour_holds_more_restarts_than_allowed() {
    let trace = format!("{EXAMPLE}/trace.csv");
    let base = [
        "--env",
        "prod",
        "--trace",
        &trace,
        "--max-restarts-per-hour",
    ];
    let strict = simulate(EXAMPLE, &[&base[..], &["1"]].concat());
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(
        stderr(&strict)
            .contains("restarts 2 times within an hour, more than --max-restarts-per-hour 1"),
        "{}",
        stderr(&strict)
    );
    // The report is printed all the same.
    assert!(stdout(&strict).contains("restarts: 2"));
    let enough = simulate(EXAMPLE, &[&base[..], &["2"]].concat());
    assert_eq!(enough.status.code(), Some(0), "{}", stderr(&enough));
}

#[test]
fn markdown_and_svg_show_the_same_run() {
    let trace = format!("{EXAMPLE}/trace.csv");
    let args = ["simulate", "--env", "prod", "--trace", &trace];
    let md = run(&[&["--project", EXAMPLE, "--format", "markdown"][..], &args].concat());
    assert_eq!(md.status.code(), Some(0));
    let md = stdout(&md);
    assert!(md.contains("| `orders-enrichment` | `prod` | 2 |"), "{md}");
    assert!(md.contains(" | scale-up | 1 → 2 | cpu | "), "{md}");
    let svg = run(&[&["--project", EXAMPLE, "--format", "svg"][..], &args].concat());
    assert_eq!(svg.status.code(), Some(0));
    let svg = stdout(&svg);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>\n"));
    assert_eq!(svg.matches("<title>restart ").count(), 2, "{svg}");
    assert_eq!(svg.matches("<circle ").count(), 2);
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());
}

/// The chart in the README is what the command prints for the example.
#[test]
fn the_readme_chart_is_current() {
    let trace = format!("{EXAMPLE}/trace.csv");
    let output = run(&[
        "--project",
        EXAMPLE,
        "--format",
        "svg",
        "simulate",
        "--env",
        "prod",
        "--trace",
        &trace,
    ]);
    let chart = common::root().join("examples/realfuture/simulate.svg");
    if let Some(diff) = common::golden(&chart, &stdout(&output)) {
        panic!("examples/realfuture/simulate.svg is stale (scripts/bless):\n{diff}");
    }
}

/// KEDA's HPA: the triggers become metrics (a prometheus trigger on a preset reads the
/// preset's column), minReplicaCount and the behavior under `advanced` apply.
#[test]
fn a_scaled_object_is_simulated_as_the_hpa_keda_creates() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = trace_file(
        tmp.path(),
        "time,cpu,backlog,latency\n0,0.2,1000,100\n300,0.2,30000,100\n600,0.2,30000,100\n",
    );
    let doc = json_of(
        "fixtures/valid/12-keda",
        &[
            "--env",
            "default",
            "--job",
            "clickstream",
            "--trace",
            &trace,
        ],
    );
    let events = doc["jobs"][0]["events"].as_array().unwrap();
    // 30000 records of backlog at 2000 per TaskManager want 15 from 300 s on, once the
    // scale-up window has passed; the default scale-up policy allows 4 pods or 100 % per 15 s
    // from 1, then the maximum, 6.
    let at = scale_up_at(300.0, scale_up_window("fixtures/valid/12-keda", "default"));
    assert_eq!(events[0]["metric"], "backlog");
    assert_eq!(
        (&events[0]["from"], &events[0]["to"]),
        (&Json::from(1), &Json::from(5))
    );
    assert_eq!(events[0]["time"].as_f64(), Some(at));
    assert_eq!(events[1]["to"], 6);
    assert_eq!(events[1]["time"].as_f64(), Some(at + 15.0));
}

/// Flink 2: a new TaskManager waits for the cooldown, then the resource stabilization, then
/// the next checkpoint (04-flink-2: 10 s, 10 s, every 20 s) before the job restarts.
#[test]
fn flink_2_rescales_at_the_checkpoint_after_its_waits() {
    let tmp = tempfile::tempdir().unwrap();
    // Two TaskManagers of 1.5 cores: 1.5 cores is 50 %, 4.5 cores 150 %.
    let trace = trace_file(tmp.path(), "time,cpu\n0,1.5\n60,4.5\n600,4.5\n");
    let doc = json_of(
        "fixtures/valid/04-flink-2",
        &["--env", "default", "--trace", &trace],
    );
    let job = &doc["jobs"][0];
    let up = &job["events"][0];
    let at = scale_up_at(
        60.0,
        scale_up_window("fixtures/valid/04-flink-2", "default"),
    );
    assert_eq!(up["time"].as_f64(), Some(at));
    assert_eq!((&up["from"], &up["to"]), (&Json::from(2), &Json::from(5)));
    // The pods run 5 s later; 10 s of stabilization; then the next checkpoint (every 20 s).
    let checkpoint = ((at + 5.0 + 10.0) / 20.0).ceil() * 20.0;
    assert_eq!(up["restart"]["time"].as_f64(), Some(checkpoint));
    assert_eq!(up["restart"]["resumed"].as_f64(), Some(checkpoint + 20.0));
    assert_eq!(up["restart"]["parallelismTo"], 15);
    // memory and busyTime have no column: reported, and unavailable to the controller.
    let text = stdout(&simulate(
        "fixtures/valid/04-flink-2",
        &["--env", "default", "--trace", &trace],
    ));
    assert!(
        text.contains("not in the trace: memory, busyTime"),
        "{text}"
    );
}

/// Flink 1.18 has no cooldown (its options come from Flink's own classes: the key appeared in
/// 1.19), and reactive mode waits for no resources to settle: the job restarts as soon as
/// the new TaskManagers run.
#[test]
fn flink_1_18_rescales_as_soon_as_the_slots_join() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = trace_file(tmp.path(), "time,cpu\n0,0.5\n60,3\n900,3\n");
    let args = ["--env", "default", "--trace", trace.as_str()];
    let doc = json_of("fixtures/valid/03-flink-1-18", &args);
    let up = &doc["jobs"][0]["events"][0];
    assert_eq!(up["kind"], "scale-up");
    let at = up["time"].as_f64().unwrap();
    // The pods run 5 s after the scale-up; the job restarts then.
    assert_eq!(up["restart"]["time"].as_f64(), Some(at + 5.0));
    let text = stdout(&simulate("fixtures/valid/03-flink-1-18", &args));
    assert!(text.contains("rescale as soon as slots join"), "{text}");
}

/// Under the operator the HPA scales the FlinkDeployment: requests, slots and the
/// configuration come from its spec.
#[test]
fn an_hpa_on_a_flink_deployment_reads_the_deployment() {
    let tmp = tempfile::tempdir().unwrap();
    // 900 ms/s busy for the scale-up window, then 500: one scale-up.
    let window = scale_up_window("fixtures/valid/16-operator", "staging");
    let trace = trace_file(
        tmp.path(),
        &format!(
            "time,busyTime\n0,300\n60,900\n{},500\n600,500\n",
            75.0 + window
        ),
    );
    let doc = json_of(
        "fixtures/valid/16-operator",
        &[
            "--env",
            "staging",
            "--job",
            "orders-enrichment",
            "--trace",
            &trace,
        ],
    );
    let events = doc["jobs"][0]["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:#?}");
    // 900 ms/s busy against a value of 700: ceil(1.29 × 1) = 2 TaskManagers of 2 slots.
    let up = &events[0];
    assert_eq!(up["time"].as_f64(), Some(scale_up_at(60.0, window)));
    assert_eq!(
        (&up["to"], &up["metric"]),
        (&Json::from(2), &Json::from("busyTime"))
    );
    assert_eq!(up["restart"]["parallelismTo"], 4);
}

/// With `records` and a slot's capacity, the backlog grows while the job restarts and CPU
/// follows the busy time.
#[test]
fn records_and_capacity_give_backlog_and_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = trace_file(tmp.path(), "time,records\n0,1000\n120,1500\n600,1500\n");
    let doc = json_of(
        EXAMPLE,
        &["--env", "prod", "--trace", &trace, "--capacity", "1000"],
    );
    let job = &doc["jobs"][0];
    // 1500 records/s on 2 slots of 1000: 75 % busy, 75 % of the TaskManager's core: scale up.
    let up = &job["events"][0];
    assert_eq!(
        (&up["metric"], &up["to"]),
        (&Json::from("cpu"), &Json::from(2))
    );
    // Nothing is processed while the job restarts: the backlog peaks at the input of a
    // restart (20 s; reactive mode lets no time pass for resources to settle).
    let longest = job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["restart"]["resumed"].as_f64().unwrap() - e["restart"]["time"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert_eq!(longest, 20.0);
    let peak = job["summary"]["peakBacklog"].as_f64().unwrap();
    assert!((peak - 1500.0 * longest).abs() < 1.0, "peak backlog {peak}");
    // Catching up keeps the slots busy, and so the CPU high. With no scale-up window
    // (Kubernetes' own default) the restart itself asks for more TaskManagers — another
    // restart; the default's window outlasts the catch-up.
    let settings =
        std::fs::read_to_string(common::root().join("examples/realfuture/flinkform.yaml")).unwrap();
    let eager = common::example_job().replace(
        "    cpu: {averageUtilization: 65}",
        "    cpu: {averageUtilization: 65}\n    behavior: {scaleUp: {stabilizationWindowSeconds: 0}}",
    );
    let project = common::temp_project(Some(&settings), &[("orders.yaml", &eager)]);
    let dir = project.path().to_string_lossy().into_owned();
    let eager = json_of(
        &dir,
        &["--env", "prod", "--trace", &trace, "--capacity", "1000"],
    );
    let ups: Vec<&Json> = eager["jobs"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "scale-up")
        .collect();
    assert!(ups.len() >= 2, "{ups:#?}");
    if scale_up_window(EXAMPLE, "prod") >= 60.0 {
        assert_eq!(job["summary"]["scaleUps"], 1);
    }
    // Flink 1.20 rescales at most once per `scaling-interval.min` (30 s) after the last one.
    let gap = ups[1]["restart"]["time"].as_f64().unwrap()
        - ups[0]["restart"]["resumed"].as_f64().unwrap();
    assert!(gap >= 30.0, "rescaled {gap} s after the last rescale");
    // Without the capacity, the records column is an error at its header.
    let output = simulate(EXAMPLE, &["--env", "prod", "--trace", &trace]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "trace.csv:1:6: error[trace-column]: a `records` column needs the capacity of a slot"
        ),
        "{}",
        stderr(&output)
    );
}

/// A `JOB:` column feeds one job; the others read the shared column.
#[test]
fn job_prefixed_columns_feed_one_job() {
    let settings =
        std::fs::read_to_string(common::root().join("examples/realfuture/flinkform.yaml")).unwrap();
    let first = common::example_job();
    let second = first
        .replace("name: orders-enrichment", "name: payments-audit")
        .replace("spaceId: 100000", "spaceId: 100001");
    let project = common::temp_project(
        Some(&settings),
        &[("orders.yaml", &first), ("audit.yaml", &second)],
    );
    let dir = project.path().to_string_lossy().into_owned();
    let trace = trace_file(
        project.path(),
        "time,cpu,payments-audit:cpu\n0,0.3,0.3\n60,0.3,0.9\n300,0.3,0.9\n",
    );
    let doc = json_of(&dir, &["--env", "prod", "--trace", &trace]);
    let jobs = doc["jobs"].as_array().unwrap();
    let events = |name: &str| {
        jobs.iter().find(|j| j["job"] == name).unwrap()["events"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(events("orders-enrichment"), 0);
    assert_eq!(events("payments-audit"), 1);
    // A column for a job that is not simulated, or an input no job reads, is an error.
    let bad = trace_file(project.path(), "time,orders:cpu,memory\n0,1,1\n");
    let output = simulate(&dir, &["--env", "prod", "--trace", &bad]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(
            "trace.csv:1:6: error[trace-column]: column `orders:cpu` names no simulated job"
        ),
        "{err}"
    );
    assert!(
        err.contains("trace.csv:1:17: error[trace-column]: unknown column `memory`"),
        "{err}"
    );
}

#[test]
fn unknown_or_unscaled_jobs_and_unreadable_traces_are_refused() {
    let trace = format!("{EXAMPLE}/trace.csv");
    let output = simulate(
        EXAMPLE,
        &["--env", "prod", "--job", "nope", "--trace", &trace],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no job `nope` in environment `prod`"));
    let output = simulate(EXAMPLE, &["--env", "staging", "--trace", &trace]);
    assert_eq!(output.status.code(), Some(2));
    let output = simulate(
        "fixtures/valid/05-autoscaling-off",
        &["--env", "default", "--trace", &trace],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is autoscaled"),
        "{}",
        stderr(&output)
    );
    let output = simulate(EXAMPLE, &["--env", "prod", "--trace", "no/such/trace.csv"]);
    assert_eq!(output.status.code(), Some(2));
    let output = simulate(
        EXAMPLE,
        &["--env", "prod", "--trace", &trace, "--sync-period", "0s"],
    );
    assert_eq!(output.status.code(), Some(2));
}

/// A FIFO never makes the command wait: it is refused before it is opened.
#[test]
#[cfg(unix)]
fn a_fifo_trace_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("trace.csv");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let started = std::time::Instant::now();
    let output = simulate(
        EXAMPLE,
        &["--env", "prod", "--trace", fifo.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not a regular file"));
    assert!(started.elapsed().as_secs() < 10);
}

/// Every problem of a trace is reported in one run, each at its line and column.
#[test]
fn every_trace_error_is_reported_at_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = trace_file(tmp.path(), "time,cpu,cpu\n0,x,1\n30,1\n40,1,1\n35,1,1\n");
    let output = simulate(EXAMPLE, &["--env", "prod", "--trace", &trace]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    for expected in [
        "trace.csv:1:10: error[trace-column]: column `cpu` is given twice",
        "trace.csv:2:3: error[trace-value]: `x` is not a number",
        "trace.csv:3:5: error[trace-value]: this row has 2 cells, the header 3",
        "trace.csv:5:1: error[trace-time]: time goes backwards: 35 after 40",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
}
