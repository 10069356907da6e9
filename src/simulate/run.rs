//! One job through the trace: the controller syncs every sync period, the Deployment creates
//! and deletes TaskManager pods, the pods start, and the job restarts as Flink would.
//!
//! Between two moments where something changes (a row of the trace, a sync, a pod starting,
//! a restart ending) every rate is constant, so the backlog and the busy time are integrated
//! exactly, segment by segment: a week of trace costs its rows and syncs, not its seconds.
//!
//! Pods: a new TaskManager pod is `Pending` for [`POD_START`] seconds, then running and
//! ready (its template has no readiness probe); metrics-server has its first sample of it a
//! resolution ([`SAMPLE_WINDOW`]) later. Scale-downs delete the newest pods first, as a
//! ReplicaSet prefers.

use super::flink::{self, Job};
use super::hpa::{Controller, Reading, Source, Target};
use super::replicas::{Phase, Pod, Readiness, Resource, Sample, Samples};
use super::target::JobSetup;
use super::trace::{Column, Trace};

/// Seconds from a pod's creation to its container running (scheduled, image present).
pub const POD_START: f64 = 5.0;
/// metrics-server's resolution: a pod's first sample, and every sample's window.
pub const SAMPLE_WINDOW: f64 = 15.0;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub sync_period: f64,
    pub restart_time: f64,
    /// Records per second one slot processes (with a `records` column).
    pub capacity: Option<f64>,
    /// Keep a row per sync (JSON and the chart need it; a summary does not, and a week of a
    /// thousand jobs would hold millions of rows).
    pub timeline: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScaleEvent {
    pub time: f64,
    pub direction: Direction,
    pub from: i32,
    pub to: i32,
    /// The metric whose proposal was the highest; `None` when a bound decided.
    pub metric: Option<String>,
}

/// One sync, as the timeline shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub time: f64,
    pub replicas: i32,
    pub parallelism: u32,
    /// Per metric of the spec: the value it read (as the HPA's status shows it: a percent for
    /// utilization, else the value) and the replicas it proposed.
    pub metrics: Vec<(Option<f64>, Option<i32>)>,
    pub backlog: Option<f64>,
    /// The load column the chart draws: `records`, `cpu` or the first metric's.
    pub load: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub restarts: usize,
    pub restarts_per_hour: f64,
    /// The most restarts within any hour of the run.
    pub max_restarts_in_an_hour: usize,
    pub scale_ups: usize,
    pub scale_downs: usize,
    pub task_manager_seconds: f64,
    pub max_replicas: i32,
    pub peak_backlog: Option<f64>,
    /// Seconds the job processed nothing.
    pub downtime: f64,
    pub duration: f64,
}

#[derive(Clone, Debug)]
pub struct JobRun {
    pub job: String,
    pub environment: String,
    pub setup: JobSetup,
    /// The trace's name of what the chart draws as load.
    pub load: String,
    /// Metrics the trace gives no value for: the controller finds them unavailable.
    pub unavailable: Vec<String>,
    pub events: Vec<ScaleEvent>,
    pub restarts: Vec<flink::Restart>,
    pub timeline: Vec<Tick>,
    pub summary: Summary,
}

struct SimPod {
    created: f64,
}

impl SimPod {
    fn running_at(&self) -> f64 {
        self.created + POD_START
    }
}

/// The trace's columns as one job reads them.
struct Inputs<'a> {
    trace: &'a Trace,
    metrics: Vec<Option<&'a Column>>,
    cpu: Option<&'a Column>,
    memory: Option<&'a Column>,
    records: Option<&'a Column>,
}

impl Inputs<'_> {
    fn at(column: Option<&Column>, row: usize) -> Option<f64> {
        column.and_then(|c| c.values.get(row).copied())
    }
}

struct World<'a> {
    setup: &'a JobSetup,
    options: Options,
    inputs: Inputs<'a>,
    pods: Vec<SimPod>,
    job: Job,
    time: f64,
    backlog: f64,
    /// The busy fraction of the slots over the last segment.
    busy: f64,
    tm_seconds: f64,
    peak_backlog: f64,
}

impl World<'_> {
    fn running_slots(&self, now: f64) -> u32 {
        let running = self.pods.iter().filter(|p| p.running_at() <= now).count();
        u32::try_from(running).unwrap_or(u32::MAX) * self.setup.flink.slots_per_task_manager
    }

    /// Moves time to `to`, integrating the backlog and letting pods start and the job
    /// change on the way.
    fn advance(&mut self, to: f64) {
        loop {
            // Changes due now first: a rescale that fires the moment a pod starts.
            while self.job.next_change().is_some_and(|t| t <= self.time) {
                self.job.change(self.time);
            }
            if self.time >= to {
                break;
            }
            let row = self.inputs.trace.row_at(self.time);
            let next_row = self
                .inputs
                .trace
                .times
                .get(row + 1)
                .copied()
                .filter(|t| *t > self.time)
                .unwrap_or(f64::INFINITY);
            let next_pod = self
                .pods
                .iter()
                .map(SimPod::running_at)
                .filter(|t| *t > self.time)
                .fold(f64::INFINITY, f64::min);
            let next_job = self
                .job
                .next_change()
                .filter(|t| *t > self.time)
                .unwrap_or(f64::INFINITY);
            let end = to.min(next_row).min(next_pod).min(next_job);
            self.integrate(row, end - self.time);
            self.time = end;
            if next_pod <= end {
                let slots = self.running_slots(end);
                self.job.slots_changed(end, slots);
            }
        }
    }

    fn integrate(&mut self, row: usize, dt: f64) {
        self.tm_seconds += self.pods.len() as f64 * dt;
        let (Some(rate), Some(per_slot)) =
            (Inputs::at(self.inputs.records, row), self.options.capacity)
        else {
            return;
        };
        let capacity = f64::from(self.job.parallelism()) * per_slot;
        let before = self.backlog;
        self.backlog = (before + (rate - capacity) * dt).max(0.0);
        self.peak_backlog = self.peak_backlog.max(self.backlog);
        if dt > 0.0 && capacity > 0.0 {
            let processed = rate * dt + before - self.backlog;
            self.busy = (processed / (capacity * dt)).clamp(0.0, 1.0);
        } else if capacity <= 0.0 {
            self.busy = 0.0;
        }
    }

    fn pod_list(&self, now: f64) -> Vec<Pod> {
        self.pods
            .iter()
            .map(|p| {
                let running = p.running_at() <= now;
                Pod {
                    phase: if running {
                        Phase::Running
                    } else {
                        Phase::Pending
                    },
                    ready: running,
                    deleting: false,
                    start: p.created,
                    ready_since: p.running_at(),
                    cpu_request: self.setup.cpu_request,
                    memory_request: self.setup.memory_request,
                }
            })
            .collect()
    }

    /// What each metric reads at `now`.
    fn readings(&self, now: f64, pods: &[Pod]) -> Vec<Reading> {
        let row = self.inputs.trace.row_at(now);
        let sampled: Vec<bool> = self
            .pods
            .iter()
            .map(|p| p.running_at() + SAMPLE_WINDOW <= now)
            .collect();
        let running = pods.iter().filter(|p| p.phase == Phase::Running).count();
        let derived = self.inputs.records.is_some() && self.options.capacity.is_some();
        let per_pod = |total: Option<f64>| -> Reading {
            let Some(total) = total else {
                return Reading::PerPod(Samples::default());
            };
            let each = if running == 0 {
                0.0
            } else {
                total / running as f64
            };
            Reading::PerPod(Samples {
                pods: sampled
                    .iter()
                    .map(|s| {
                        s.then_some(Sample {
                            value: (each * 1000.0).round() as i64,
                            timestamp: now,
                            window: SAMPLE_WINDOW,
                        })
                    })
                    .collect(),
                unknown: Vec::new(),
            })
        };
        let busy_cores = || {
            let request = self.setup.cpu_request.unwrap_or(1000) as f64 / 1000.0;
            self.busy * request * running as f64
        };
        self.setup
            .spec
            .metrics
            .iter()
            .zip(&self.inputs.metrics)
            .map(|(m, column)| {
                let given = Inputs::at(*column, row);
                match m.source {
                    Source::Resource(Resource::Cpu) => {
                        per_pod(given.or_else(|| derived.then(busy_cores)))
                    }
                    Source::Resource(Resource::Memory) | Source::Pods => per_pod(given),
                    Source::External => {
                        let value = given.or_else(|| {
                            (derived && self.job.processing())
                                .then_some(match m.name.as_str() {
                                    "backlog" | "kafkaLag" => Some(self.backlog),
                                    "busyTime" => Some(self.busy * 1000.0),
                                    _ => None,
                                })
                                .flatten()
                        });
                        Reading::Total(value.map(|v| (v * 1000.0).round() as i64))
                    }
                }
            })
            .collect()
    }
}

/// Simulates one job over the trace.
#[must_use]
pub fn simulate(setup: &JobSetup, environment: &str, trace: &Trace, options: Options) -> JobRun {
    let column = |name: &str| trace.column(&setup.job, name);
    let inputs = Inputs {
        trace,
        metrics: setup.spec.metrics.iter().map(|m| column(&m.name)).collect(),
        cpu: column("cpu"),
        memory: column("memory"),
        records: column("records"),
    };
    let load = if inputs.records.is_some() {
        "records".to_owned()
    } else if inputs.cpu.is_some() {
        "cpu".to_owned()
    } else if inputs.memory.is_some() {
        "memory".to_owned()
    } else {
        setup
            .spec
            .metrics
            .iter()
            .zip(&inputs.metrics)
            .find(|(_, c)| c.is_some())
            .map(|(m, _)| m.name.clone())
            .unwrap_or_default()
    };
    let load_column = column(&load);
    let derived = inputs.records.is_some() && options.capacity.is_some();
    let unavailable = setup
        .spec
        .metrics
        .iter()
        .zip(&inputs.metrics)
        .filter(|(m, c)| {
            c.is_none()
                && !(derived
                    && matches!(m.name.as_str(), "cpu" | "backlog" | "kafkaLag" | "busyTime"))
        })
        .map(|(m, _)| m.name.clone())
        .collect();
    let min = setup.spec.min_replicas.max(1);
    let slots = u32::try_from(min).unwrap_or(1) * setup.flink.slots_per_task_manager;
    let mut world = World {
        setup,
        options,
        inputs,
        pods: (0..min).map(|_| SimPod { created: -1e9 }).collect(),
        job: Job::new(setup.flink.clone(), options.restart_time, slots),
        time: 0.0,
        backlog: 0.0,
        busy: 0.0,
        tm_seconds: 0.0,
        peak_backlog: 0.0,
    };
    let readiness = Readiness::default();
    let mut controller = Controller::default();
    let mut replicas = min;
    let mut events = Vec::new();
    let mut timeline = Vec::new();
    let end = trace.end();
    let mut sync = 0u64;
    loop {
        let now = sync as f64 * options.sync_period;
        if now > end {
            break;
        }
        world.advance(now);
        let pods = world.pod_list(now);
        let readings = world.readings(now, &pods);
        let result = controller.sync(&setup.spec, now, replicas, &pods, &readings, &readiness);
        if result.replicas != replicas {
            events.push(ScaleEvent {
                time: now,
                direction: if result.replicas > replicas {
                    Direction::Up
                } else {
                    Direction::Down
                },
                from: replicas,
                to: result.replicas,
                metric: result.deciding.map(|i| setup.spec.metrics[i].name.clone()),
            });
            let want = usize::try_from(result.replicas).unwrap_or(0);
            if want > world.pods.len() {
                world
                    .pods
                    .extend((world.pods.len()..want).map(|_| SimPod { created: now }));
            } else {
                // The newest first; a TaskManager that goes away fails the job's tasks.
                world.pods.truncate(want);
                let slots = world.running_slots(now);
                world.job.slots_changed(now, slots);
            }
            replicas = result.replicas;
        }
        let row = trace.row_at(now);
        sync += 1;
        if !options.timeline {
            continue;
        }
        timeline.push(Tick {
            time: now,
            replicas,
            parallelism: world.job.parallelism(),
            metrics: setup
                .spec
                .metrics
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let proposal = result.proposals.get(i).and_then(|p| p.as_ref().ok());
                    let value = proposal.map(|p| match m.target {
                        Target::Utilization(_) => p.value as f64,
                        Target::AverageValue(_) | Target::Value(_) => p.value as f64 / 1000.0,
                    });
                    (value, proposal.map(|p| p.replicas))
                })
                .collect(),
            backlog: world
                .inputs
                .records
                .and(options.capacity)
                .map(|_| world.backlog),
            load: Inputs::at(load_column, row),
        });
    }
    world.advance(end);
    let restarts = world.job.restarts.clone();
    let summary = summarize(&events, &restarts, &world, end, options);
    JobRun {
        job: setup.job.clone(),
        environment: environment.to_owned(),
        setup: setup.clone(),
        load,
        unavailable,
        events,
        restarts,
        timeline,
        summary,
    }
}

/// The most events within any window of an hour.
#[must_use]
pub fn most_in_an_hour(times: &[f64]) -> usize {
    let mut best = 0;
    let mut first = 0;
    for (i, t) in times.iter().enumerate() {
        while times[first] <= t - 3600.0 {
            first += 1;
        }
        best = best.max(i + 1 - first);
    }
    best
}

fn summarize(
    events: &[ScaleEvent],
    restarts: &[flink::Restart],
    world: &World,
    end: f64,
    options: Options,
) -> Summary {
    let times: Vec<f64> = events.iter().map(|e| e.time).collect();
    let downtime = restarts
        .iter()
        .map(|r| r.resumed.min(end) - r.time)
        .filter(|d| *d > 0.0)
        .sum();
    Summary {
        restarts: events.len(),
        restarts_per_hour: if end > 0.0 {
            events.len() as f64 * 3600.0 / end
        } else {
            0.0
        },
        max_restarts_in_an_hour: most_in_an_hour(&times),
        scale_ups: events
            .iter()
            .filter(|e| e.direction == Direction::Up)
            .count(),
        scale_downs: events
            .iter()
            .filter(|e| e.direction == Direction::Down)
            .count(),
        task_manager_seconds: world.tm_seconds,
        max_replicas: events
            .iter()
            .map(|e| e.to)
            .chain(std::iter::once(world.setup.spec.min_replicas.max(1)))
            .max()
            .unwrap_or(0),
        peak_backlog: world
            .inputs
            .records
            .and(options.capacity)
            .map(|_| world.peak_backlog),
        downtime,
        duration: end,
    }
}
