//! Rules on the memory of the Flink processes, computed with Flink's own model for the job's
//! version (`flink::memory`): a container size or memory key with which Flink refuses to start,
//! and a TaskManager whose network memory cannot hold the buffers of one all-to-all exchange
//! at the largest parallelism the job reaches.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::flink::config::Config;
use crate::flink::memory::{self, Problem, Refused, human};
use crate::flink::network;
use crate::flink::options::{Options, Type};
use crate::flink::values::Value;
use crate::model::parse_quantity;

use super::Located;

declare_code! {
    pub FLINK_MEMORY: error "flink-memory",
    catches: "A JobManager or TaskManager memory that Flink refuses to start with, computed with Flink's own memory model for the job's version: the container's memory becomes `*.memory.process.size`, Flink takes JVM metaspace (default 256 MiB) and overhead (10 %, at least 192 MiB, at most 1 GiB) off it, and divides the rest, the Flink memory: on a TaskManager framework heap and off-heap (128 MiB each), task off-heap, managed memory (40 %) and network memory (10 %, at least 64 MiB), with the task heap taking what is left; on a JobManager off-heap (128 MiB) and the JVM heap. The job's own `*.memory.*` keys change the parts; when the parts do not fit, or a derived part falls outside its configured range, the process exits before it starts.",
    why: "Kubernetes starts the pod and Flink refuses the configuration at once: the pod crash-loops with an IllegalConfigurationException, and nothing before it says so. With the default settings a TaskManager needs about 1 GiB.",
    fix: "Give the container more memory (the help line names the smallest size that starts with the job's settings), or lower the fixed parts (`taskmanager.memory.managed.fraction`, `taskmanager.memory.network.min`, `*.memory.jvm-metaspace.size`), or remove keys that fix a part against the others (`taskmanager.memory.task.heap.size` with `taskmanager.memory.managed.size`, `*.memory.flink.size`): Flink derives what is not set.",
}

declare_code! {
    pub NETWORK_BUFFERS: warning "network-buffers",
    catches: "A TaskManager whose network memory cannot hold the buffers one all-to-all exchange (a keyBy, a rebalance) reserves at the largest parallelism the job reaches: `maxReplicas` x `taskSlots` when it autoscales (capped by the maximum parallelism), else its parallelism. Each of a TaskManager's slots runs a sender, whose result partition reserves one buffer per receiver and one more, and a receiver, whose input gate reserves `buffers-per-channel` (2) exclusive buffers per sender on another TaskManager and one floating buffer (Flink's own sizing of a streaming job's pools); the TaskManager has its network memory divided by `taskmanager.memory.segment-size` (32 KiB) buffers.",
    why: "The job runs at a small scale, and after the autoscaler adds TaskManagers the tasks fail with `Insufficient number of network buffers`: the job does not restart at the new scale.",
    fix: "Raise the network memory (`taskmanager.memory.network.fraction`, `taskmanager.memory.network.min`) or the TaskManager's memory, use fewer slots per TaskManager, or lower `maxReplicas` or the maximum parallelism.",
}

const MIB: u64 = 1 << 20;

/// The process size Flink is given for a container's memory: whole mebibytes on the
/// standalone target (`flink_config::flink_memory`); the operator reads binary quantities and
/// plain bytes exactly.
fn process_size(r: &Located, quantity: &str) -> Option<u64> {
    let bytes = parse_quantity(quantity)?;
    // Smaller containers are `invalid-quantity` errors already.
    if bytes < 256.0 * MIB as f64 || bytes >= 9.2e18 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bytes = bytes.floor() as u64;
    let exact = r.on_operator()
        && (["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            .iter()
            .any(|s| quantity.ends_with(s))
            || quantity.bytes().all(|b| b.is_ascii_digit()));
    Some(if exact { bytes } else { bytes / MIB * MIB })
}

#[derive(Clone, Copy, PartialEq)]
enum Process {
    JobManager,
    TaskManager,
}

impl Process {
    fn name(self) -> &'static str {
        match self {
            Process::JobManager => "JobManager",
            Process::TaskManager => "TaskManager",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Process::JobManager => "jobManager",
            Process::TaskManager => "taskManager",
        }
    }

    fn process_key(self) -> &'static str {
        match self {
            Process::JobManager => "jobmanager.memory.process.size",
            Process::TaskManager => "taskmanager.memory.process.size",
        }
    }

    fn fits(self, c: &Config) -> Result<(), Problem> {
        match self {
            Process::JobManager => memory::job_manager(c).map(drop),
            Process::TaskManager => memory::task_manager(c).map(drop),
        }
    }
}

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let options = Options::of(&spec.flink_version);
    let yaml = options.reads_yaml();
    let mut values: BTreeMap<String, Value> = spec
        .flink_configuration
        .iter()
        .filter(|(k, _)| k.contains("memory") || k.contains("network"))
        .map(|(k, v)| (k.clone(), Value::from_json(v, yaml)))
        .collect();
    for process in [Process::JobManager, Process::TaskManager] {
        let resources = match process {
            Process::JobManager => &spec.job_manager.resources,
            Process::TaskManager => &spec.task_manager.resources,
        };
        let Some(size) = process_size(r, &resources.memory) else {
            continue;
        };
        values.insert(
            process.process_key().into(),
            Value::Text(format!("{size}b")),
        );
        let config = Config::new(options, &values);
        let verdict = flinks_verdict(process, &spec.flink_version, &config, &values)
            .map(|m| m.map_or((), |m| check_network(r, &config, &m, diags)));
        match verdict {
            Ok(()) => {}
            Err(Problem::Refused(refused)) => {
                report(r, process, size, &refused, &values, options, diags);
            }
            // A value that does not parse is a `config-value` error of its own.
            Err(Problem::Unreadable(_)) => {}
        }
    }
}

/// Flink's verdict on a process (with the TaskManager's memory), kept per thread for each
/// distinct input: the jobs of a project share their sizes and keys, and every environment
/// repeats them.
fn flinks_verdict(
    process: Process,
    version: &str,
    config: &Config,
    values: &BTreeMap<String, Value>,
) -> Result<Option<memory::TaskManagerMemory>, Problem> {
    type Verdicts = HashMap<String, Result<Option<memory::TaskManagerMemory>, Problem>>;
    thread_local! {
        static SEEN: RefCell<Verdicts> = RefCell::default();
    }
    let mut key = format!("{version}|{}", process.name());
    for (k, v) in values {
        let _ = write!(key, "|{k}={v:?}");
    }
    if let Some(known) = SEEN.with(|seen| seen.borrow().get(&key).cloned()) {
        return known;
    }
    let verdict = match process {
        Process::JobManager => memory::job_manager(config).map(|_| None),
        Process::TaskManager => memory::task_manager(config).map(Some),
    };
    SEEN.with(|seen| seen.borrow_mut().insert(key, verdict.clone()));
    verdict
}

fn report(
    r: &Located,
    process: Process,
    size: u64,
    refused: &Refused,
    values: &BTreeMap<String, Value>,
    options: Options,
    diags: &mut Diagnostics,
) {
    let spec = &r.job.spec;
    let config = Config::new(options, values);
    // The first key of the job's configuration that took part; else the container's memory.
    let key = refused
        .keys
        .iter()
        .filter(|k| **k != process.process_key())
        .find_map(|k| {
            [Type::Memory, Type::Float, Type::Int]
                .iter()
                .find_map(|t| config.setter(k, t))
        });
    let span = match key {
        Some(k) => r.span(&["spec", "flinkConfiguration", k]),
        None => r.span(&["spec", process.field(), "resources", "memory"]),
    };
    let short = refused
        .short_by
        .map(|b| format!(" ({} short)", human(b)))
        .unwrap_or_default();
    let message = format!(
        "Flink {} refuses to start a {} of {}: {}{short}",
        spec.flink_version,
        process.name(),
        human(size),
        refused.message
    );
    let help = match (key, smallest_size(process, values, options, size)) {
        (None, Some(least)) => format!(
            "give `{}.resources.memory` at least {}Mi, or lower the memory keys it must hold (`flinkform explain flink-memory`)",
            process.field(),
            least / MIB
        ),
        (Some(k), _) => format!(
            "change `{k}` or the other memory keys so the components fit (`flinkform explain flink-memory`)"
        ),
        (None, None) => {
            "lower the memory keys the process must hold (`flinkform explain flink-memory`)".into()
        }
    };
    diags.push(Diagnostic::error(FLINK_MEMORY, span, message).help(help));
}

/// The smallest process size, in whole mebibytes, with which Flink starts the process under
/// the job's other settings (within 1 TiB), found by bisection and confirmed.
fn smallest_size(
    process: Process,
    values: &BTreeMap<String, Value>,
    options: Options,
    from: u64,
) -> Option<u64> {
    let mut values = values.clone();
    let mut fits = |mib: u64| {
        values.insert(process.process_key().into(), Value::Text(format!("{mib}m")));
        process.fits(&Config::new(options, &values)).is_ok()
    };
    // From a container past the search's top (1 TiB) there is nothing larger to suggest.
    let (mut low, mut high) = ((from / MIB).min(1 << 20), 1 << 20);
    if !fits(high) {
        return None;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if fits(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    fits(high).then_some(high * MIB)
}

/// The largest parallelism the job runs at, and how it comes about.
fn top_parallelism(r: &Located) -> (u64, String, Vec<&'static str>) {
    let spec = &r.job.spec;
    let slots = u64::from(spec.task_manager.task_slots);
    if let Some(a) = spec.autoscaling.as_ref().filter(|a| a.enabled)
        && let Some(max) = a.max_replicas
    {
        let reach = u64::from(max) * slots;
        let cap = spec.job.max_parallelism.map_or_else(
            || crate::flink::parallelism::default_max_parallelism(u64::from(spec.job.parallelism)),
            u64::from,
        );
        let p = reach.min(cap);
        let how = if p < reach {
            format!("{max} TaskManagers x {slots} slots, capped by the maximum parallelism {cap}")
        } else {
            format!("{max} TaskManagers x {slots} slots")
        };
        return (p, how, vec!["spec", "autoscaling", "maxReplicas"]);
    }
    (
        u64::from(spec.job.parallelism),
        "its parallelism".into(),
        vec!["spec", "job", "parallelism"],
    )
}

fn check_network(
    r: &Located,
    config: &Config,
    m: &memory::TaskManagerMemory,
    diags: &mut Diagnostics,
) {
    let slots = u64::from(r.job.spec.task_manager.task_slots);
    let (parallelism, how, path) = top_parallelism(r);
    let Ok(needed) = network::buffers_needed(config, slots, parallelism) else {
        return;
    };
    let available = m.network_buffers();
    if needed <= available {
        return;
    }
    diags.push(
        Diagnostic::warning(
            NETWORK_BUFFERS,
            r.span(&path),
            format!(
                "at parallelism {parallelism} ({how}), one all-to-all exchange needs {needed} network buffers on each TaskManager, which has {available} ({} of network memory in buffers of {}): the job fails to start at that scale",
                human(m.network),
                human(m.segment)
            ),
        )
        .help(format!(
            "give the TaskManager more network memory (`taskmanager.memory.network.fraction`, `.min`; {} more buffers are {} more), or lower the scale",
            needed - available,
            human((needed - available) * m.segment)
        )),
    );
}
