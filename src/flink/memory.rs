//! The memory model of Flink's JobManager and TaskManager, computed as Flink computes it when
//! a process starts (its `ProcessMemoryUtils` with the TaskManager's and JobManager's memory
//! utilities): from the process size and the job's own `*.memory.*` keys to heap, off-heap,
//! managed, network, metaspace and overhead, with the release's defaults, fractions, minimums
//! and maximums. A configuration Flink refuses to start with is a [`Refused`] that says which
//! components do not fit, by how much, and which keys took part.
//!
//! Sizes are bytes. Flink's arithmetic is kept exactly: a fraction is a Java `float` widened to
//! a `double` and multiplied as its decimal text (`BigDecimal.valueOf`), the product cut to
//! whole bytes, so a size on the edge is judged as Flink judges it.

use super::config::{Config, Unreadable};
use super::options::Type;

/// Why Flink refuses a memory configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// What does not fit, in words.
    pub message: String,
    /// By how many bytes, where a sum exceeds what holds it.
    pub short_by: Option<u64>,
    /// The keys whose values took part (the first set by the job is where to report).
    pub keys: Vec<&'static str>,
}

/// What stops the model: a refusal, or a value it cannot read (reported by the option rules).
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Refused(Refused),
    Unreadable(Unreadable),
}

impl From<Unreadable> for Problem {
    fn from(u: Unreadable) -> Self {
        Problem::Unreadable(u)
    }
}

fn refuse<T>(message: String, short_by: Option<u64>, keys: &[&'static str]) -> Result<T, Problem> {
    Err(Problem::Refused(Refused {
        message,
        short_by,
        keys: keys.to_vec(),
    }))
}

/// The memory of a TaskManager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskManagerMemory {
    pub framework_heap: u64,
    pub framework_off_heap: u64,
    pub task_heap: u64,
    pub task_off_heap: u64,
    pub managed: u64,
    pub network: u64,
    pub metaspace: u64,
    pub overhead: u64,
    /// The size of one network buffer (`taskmanager.memory.segment-size`).
    pub segment: u64,
}

impl TaskManagerMemory {
    #[must_use]
    pub fn flink(&self) -> u64 {
        self.framework_heap
            + self.framework_off_heap
            + self.task_heap
            + self.task_off_heap
            + self.managed
            + self.network
    }

    /// The network buffers the TaskManager has (`NettyShuffleEnvironmentConfiguration`).
    #[must_use]
    pub fn network_buffers(&self) -> u64 {
        self.network / self.segment
    }
}

/// The memory of a JobManager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobManagerMemory {
    pub heap: u64,
    pub off_heap: u64,
    pub metaspace: u64,
    pub overhead: u64,
}

/// The keys of one process's memory.
struct Keys {
    total_process: &'static str,
    total_flink: &'static str,
    metaspace: &'static str,
    overhead_min: &'static str,
    overhead_max: &'static str,
    overhead_fraction: &'static str,
}

const TM: Keys = Keys {
    total_process: "taskmanager.memory.process.size",
    total_flink: "taskmanager.memory.flink.size",
    metaspace: "taskmanager.memory.jvm-metaspace.size",
    overhead_min: "taskmanager.memory.jvm-overhead.min",
    overhead_max: "taskmanager.memory.jvm-overhead.max",
    overhead_fraction: "taskmanager.memory.jvm-overhead.fraction",
};

const JM: Keys = Keys {
    total_process: "jobmanager.memory.process.size",
    total_flink: "jobmanager.memory.flink.size",
    metaspace: "jobmanager.memory.jvm-metaspace.size",
    overhead_min: "jobmanager.memory.jvm-overhead.min",
    overhead_max: "jobmanager.memory.jvm-overhead.max",
    overhead_fraction: "jobmanager.memory.jvm-overhead.fraction",
};

const FRAMEWORK_HEAP: &str = "taskmanager.memory.framework.heap.size";
const FRAMEWORK_OFF_HEAP: &str = "taskmanager.memory.framework.off-heap.size";
const TASK_HEAP: &str = "taskmanager.memory.task.heap.size";
const TASK_OFF_HEAP: &str = "taskmanager.memory.task.off-heap.size";
const MANAGED_SIZE: &str = "taskmanager.memory.managed.size";
const MANAGED_FRACTION: &str = "taskmanager.memory.managed.fraction";
const NETWORK_MIN: &str = "taskmanager.memory.network.min";
const NETWORK_MAX: &str = "taskmanager.memory.network.max";
const NETWORK_FRACTION: &str = "taskmanager.memory.network.fraction";
const NETWORK_BUFFERS_LEGACY: &str = "taskmanager.network.numberOfBuffers";
const SEGMENT_SIZE: &str = "taskmanager.memory.segment-size";
const JM_HEAP: &str = "jobmanager.memory.heap.size";
const JM_OFF_HEAP: &str = "jobmanager.memory.off-heap.size";

/// A size in the words of a message: whole mebibytes or kibibytes where it is one, else
/// mebibytes to two places, or bytes.
#[must_use]
pub fn human(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        #[allow(clippy::cast_precision_loss)]
        let mib = bytes as f64 / MIB as f64;
        format!("{mib:.2} MiB")
    } else if bytes.is_multiple_of(1024) && bytes > 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

fn add(parts: &[u64]) -> Result<u64, Problem> {
    parts
        .iter()
        .try_fold(0u64, |sum, p| {
            sum.checked_add(*p).filter(|s| i64::try_from(*s).is_ok())
        })
        .map_or_else(
            || {
                refuse(
                    "the memory sizes add up to more than 64 bits hold".into(),
                    None,
                    &[],
                )
            },
            Ok,
        )
}

/// A min/max/fraction triple (`RangeFraction`), checked as Flink checks it.
#[derive(Clone, Copy)]
struct Range {
    min: u64,
    max: u64,
    fraction: f64,
}

fn range(
    c: &Config,
    min: u64,
    max: u64,
    fraction_key: &'static str,
    keys: &[&'static str],
) -> Result<Range, Problem> {
    let fraction = c.fraction(fraction_key)?;
    if min > max {
        return refuse(
            format!(
                "its minimum ({}) is above its maximum ({})",
                human(min),
                human(max)
            ),
            None,
            keys,
        );
    }
    if !(0.0..1.0).contains(&fraction) {
        return refuse(
            format!("`{fraction_key}` is {fraction}, outside [0, 1)"),
            None,
            &[fraction_key],
        );
    }
    Ok(Range { min, max, fraction })
}

/// `MemorySize.multiply`: the bytes times the multiplier's decimal text, cut to whole bytes.
fn multiply(bytes: u64, multiplier: f64) -> Result<u64, Problem> {
    // Java's `BigDecimal.valueOf(double)` takes `Double.toString`, the shortest text that
    // reads back as the same double, which Rust's `{:e}` also prints.
    let text = format!("{multiplier:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: u128 = format!("{int}{frac}").parse().unwrap_or(0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    let scale = exponent - frac.len() as i32;
    let product = u128::from(bytes) * digits;
    let value = if scale >= 0 {
        10u128
            .checked_pow(scale.unsigned_abs())
            .and_then(|p| product.checked_mul(p))
    } else {
        Some(
            10u128
                .checked_pow(scale.unsigned_abs())
                .map_or(0, |p| product / p),
        )
    };
    match value
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| i64::try_from(*v).is_ok())
    {
        Some(v) => Ok(v),
        None => refuse(
            "a fraction of the memory is more than 64 bits hold".into(),
            None,
            &[],
        ),
    }
}

/// `deriveWithFraction`: a fraction of the base, held within the range.
fn with_fraction(base: u64, r: Range) -> Result<u64, Problem> {
    Ok(multiply(base, r.fraction)?.clamp(r.min, r.max))
}

/// `deriveWithInverseFraction`: the part that is the fraction of base plus itself.
fn with_inverse_fraction(base: u64, r: Range) -> Result<u64, Problem> {
    Ok(multiply(base, r.fraction / (1.0 - r.fraction))?.clamp(r.min, r.max))
}

fn overhead_range(c: &Config, k: &Keys) -> Result<Range, Problem> {
    let min = c.memory(k.overhead_min)?;
    let max = c.memory(k.overhead_max)?;
    range(
        c,
        min,
        max,
        k.overhead_fraction,
        &[k.overhead_min, k.overhead_max],
    )
    .map_err(|p| prefix(p, "the JVM overhead: "))
}

fn prefix(p: Problem, what: &str) -> Problem {
    match p {
        Problem::Refused(mut r) => {
            r.message = format!("{what}{}", r.message);
            Problem::Refused(r)
        }
        other => other,
    }
}

/// Metaspace and overhead, given the total Flink memory.
fn jvm_from_flink(
    c: &Config,
    k: &Keys,
    flink: u64,
    flink_keys: &[&'static str],
) -> Result<(u64, u64), Problem> {
    let metaspace = c.memory(k.metaspace)?;
    let flink_and_metaspace = add(&[flink, metaspace])?;
    if c.contains(k.total_process, &Type::Memory) {
        let process = c.memory(k.total_process)?;
        let mut keys = vec![k.total_process, k.metaspace];
        keys.extend_from_slice(flink_keys);
        if flink_and_metaspace > process {
            return refuse(
                format!(
                    "the Flink memory ({}) and JVM metaspace ({}) need {}, more than the process size of {}",
                    human(flink),
                    human(metaspace),
                    human(flink_and_metaspace),
                    human(process)
                ),
                Some(flink_and_metaspace - process),
                &keys,
            );
        }
        let overhead = process - flink_and_metaspace;
        let r = overhead_range(c, k)?;
        if overhead < r.min || overhead > r.max {
            keys.extend([k.overhead_min, k.overhead_max]);
            let short_by = r.min.checked_sub(overhead);
            return refuse(
                format!(
                    "the process size of {} leaves {} for the JVM overhead after the Flink memory ({}) and metaspace ({}), outside the overhead's range [{}, {}]",
                    human(process),
                    human(overhead),
                    human(flink),
                    human(metaspace),
                    human(r.min),
                    human(r.max)
                ),
                short_by,
                &keys,
            );
        }
        Ok((metaspace, overhead))
    } else {
        let overhead = with_inverse_fraction(flink_and_metaspace, overhead_range(c, k)?)?;
        Ok((metaspace, overhead))
    }
}

/// Metaspace and overhead, given the process size.
fn jvm_from_process(c: &Config, k: &Keys, process: u64) -> Result<(u64, u64), Problem> {
    let metaspace = c.memory(k.metaspace)?;
    let overhead = with_fraction(process, overhead_range(c, k)?)?;
    let jvm = add(&[metaspace, overhead])?;
    if jvm > process {
        return refuse(
            format!(
                "JVM metaspace ({}) and JVM overhead ({}) need {}, more than the process size of {}",
                human(metaspace),
                human(overhead),
                human(jvm),
                human(process)
            ),
            Some(jvm - process),
            &[k.total_process, k.metaspace, k.overhead_min],
        );
    }
    Ok((metaspace, overhead))
}

/// The TaskManager's memory, or why Flink refuses it.
pub fn task_manager(c: &Config) -> Result<TaskManagerMemory, Problem> {
    let fine_grained =
        c.contains(TASK_HEAP, &Type::Memory) && c.contains(MANAGED_SIZE, &Type::Memory);
    let (mut m, metaspace, overhead) = if fine_grained {
        let m = tm_from_fine_grained(c)?;
        let (metaspace, overhead) =
            jvm_from_flink(c, &TM, flink_of(&m), &[TASK_HEAP, MANAGED_SIZE])?;
        (m, metaspace, overhead)
    } else if c.contains(TM.total_flink, &Type::Memory) {
        let total = c.memory(TM.total_flink)?;
        let m = tm_from_total_flink(c, total)?;
        let (metaspace, overhead) = jvm_from_flink(c, &TM, total, &[TM.total_flink])?;
        (m, metaspace, overhead)
    } else {
        let process = c.memory(TM.total_process)?;
        let (metaspace, overhead) = jvm_from_process(c, &TM, process)?;
        let m = tm_from_total_flink(c, process - metaspace - overhead)?;
        (m, metaspace, overhead)
    };
    m.metaspace = metaspace;
    m.overhead = overhead;
    m.segment = page_size(c)?;
    if m.network / m.segment > i32::MAX as u64 {
        return refuse(
            format!(
                "the network memory ({}) holds more buffers than an int counts",
                human(m.network)
            ),
            None,
            &[NETWORK_MAX, SEGMENT_SIZE],
        );
    }
    Ok(m)
}

fn flink_of(m: &TaskManagerMemory) -> u64 {
    m.flink()
}

/// `ConfigurationParserUtils.getPageSize`: a power of two of at least 4 KiB.
fn page_size(c: &Config) -> Result<u64, Problem> {
    let size = c.memory(SEGMENT_SIZE)?;
    if size > i32::MAX as u64 || size < 4096 || !size.is_power_of_two() {
        return refuse(
            format!(
                "`{SEGMENT_SIZE}` is {size} bytes; a memory segment is a power of two of at least 4096 bytes"
            ),
            None,
            &[SEGMENT_SIZE],
        );
    }
    Ok(size)
}

fn legacy_network(c: &Config) -> bool {
    c.knows(NETWORK_BUFFERS_LEGACY, &Type::Int)
        && c.contains(NETWORK_BUFFERS_LEGACY, &Type::Int)
        && ![NETWORK_MIN, NETWORK_MAX]
            .iter()
            .any(|k| c.contains(k, &Type::Memory))
        && !c.contains(NETWORK_FRACTION, &Type::Float)
}

fn legacy_network_size(c: &Config) -> Result<u64, Problem> {
    let buffers = i64::from(c.int(NETWORK_BUFFERS_LEGACY)?);
    let page = i64::try_from(page_size(c)?).unwrap_or(i64::MAX);
    match u64::try_from(buffers * page) {
        Ok(size) => Ok(size),
        Err(_) => refuse(
            format!("`{NETWORK_BUFFERS_LEGACY}` is negative"),
            None,
            &[NETWORK_BUFFERS_LEGACY],
        ),
    }
}

fn network_range(c: &Config) -> Result<Range, Problem> {
    let min = c.memory(NETWORK_MIN)?;
    let max = c.memory(NETWORK_MAX)?;
    range(c, min, max, NETWORK_FRACTION, &[NETWORK_MIN, NETWORK_MAX])
        .map_err(|p| prefix(p, "the network memory: "))
}

fn managed(c: &Config, total: u64) -> Result<u64, Problem> {
    if c.contains(MANAGED_SIZE, &Type::Memory) {
        return Ok(c.memory(MANAGED_SIZE)?);
    }
    let r = range(c, 0, i64::MAX as u64, MANAGED_FRACTION, &[MANAGED_FRACTION])
        .map_err(|p| prefix(p, "the managed memory: "))?;
    with_fraction(total, r)
}

/// A network size Flink derived as what is left: it must match the configured size or range.
fn check_network(c: &Config, network: u64) -> Result<(), Problem> {
    if legacy_network(c) {
        let configured = legacy_network_size(c)?;
        if configured != network {
            return refuse(
                format!(
                    "the network memory would be {}, but `{NETWORK_BUFFERS_LEGACY}` asks for {}",
                    human(network),
                    human(configured)
                ),
                configured.checked_sub(network),
                &[
                    NETWORK_BUFFERS_LEGACY,
                    TASK_HEAP,
                    MANAGED_SIZE,
                    TM.total_flink,
                ],
            );
        }
        return Ok(());
    }
    let r = network_range(c)?;
    if network < r.min || network > r.max {
        return refuse(
            format!(
                "what the other components leave for the network memory ({}) is outside its range [{}, {}]",
                human(network),
                human(r.min),
                human(r.max)
            ),
            r.min.checked_sub(network),
            &[
                TASK_HEAP,
                MANAGED_SIZE,
                TM.total_flink,
                NETWORK_MIN,
                NETWORK_MAX,
            ],
        );
    }
    Ok(())
}

struct Fixed {
    framework_heap: u64,
    framework_off_heap: u64,
    task_off_heap: u64,
}

fn fixed(c: &Config) -> Result<Fixed, Problem> {
    Ok(Fixed {
        framework_heap: c.memory(FRAMEWORK_HEAP)?,
        framework_off_heap: c.memory(FRAMEWORK_OFF_HEAP)?,
        task_off_heap: c.memory(TASK_OFF_HEAP)?,
    })
}

fn tm(f: &Fixed, task_heap: u64, managed: u64, network: u64) -> TaskManagerMemory {
    TaskManagerMemory {
        framework_heap: f.framework_heap,
        framework_off_heap: f.framework_off_heap,
        task_heap,
        task_off_heap: f.task_off_heap,
        managed,
        network,
        metaspace: 0,
        overhead: 0,
        segment: 1,
    }
}

/// What `total` (named `whole`) leaves after the named `parts`; refused, naming each part,
/// when they already exceed it (the job's `keys` decide them).
fn remainder(
    parts: &[(&str, u64)],
    (total, whole): (u64, &str),
    keys: &[&'static str],
) -> Result<u64, Problem> {
    let sizes: Vec<u64> = parts.iter().map(|(_, size)| *size).collect();
    let sum = add(&sizes)?;
    if sum <= total {
        return Ok(total - sum);
    }
    let list: Vec<String> = parts
        .iter()
        .map(|(name, size)| format!("{name} ({})", human(*size)))
        .collect();
    refuse(
        format!(
            "{} need {}, more than the {whole} of {}",
            list.join(", "),
            human(sum),
            human(total)
        ),
        Some(sum - total),
        keys,
    )
}

/// The network memory a TaskManager's Flink memory leaves once the task heap and managed
/// memory are given: what remains of `total` (named `whole`) after every other part, refused
/// when the parts already exceed it (the job's `keys` decide them).
fn network_left(
    c: &Config,
    f: &Fixed,
    task_heap: u64,
    managed: u64,
    (total, whole): (u64, &str),
    keys: &[&'static str],
) -> Result<u64, Problem> {
    let network = remainder(
        &[
            ("framework heap", f.framework_heap),
            ("framework off-heap", f.framework_off_heap),
            ("task heap", task_heap),
            ("task off-heap", f.task_off_heap),
            ("managed memory", managed),
        ],
        (total, whole),
        keys,
    )?;
    check_network(c, network)?;
    Ok(network)
}

/// Flink memory from the task heap and managed sizes the job set.
fn tm_from_fine_grained(c: &Config) -> Result<TaskManagerMemory, Problem> {
    let task_heap = c.memory(TASK_HEAP)?;
    let managed = c.memory(MANAGED_SIZE)?;
    let f = fixed(c)?;
    let without_network = add(&[
        f.framework_heap,
        f.framework_off_heap,
        task_heap,
        f.task_off_heap,
        managed,
    ])?;
    let network = if c.contains(TM.total_flink, &Type::Memory) {
        let total = c.memory(TM.total_flink)?;
        network_left(
            c,
            &f,
            task_heap,
            managed,
            (total, "total Flink memory"),
            &[TASK_HEAP, MANAGED_SIZE, TM.total_flink],
        )?
    } else if legacy_network(c) {
        legacy_network_size(c)?
    } else {
        with_inverse_fraction(without_network, network_range(c)?)?
    };
    let m = tm(&f, task_heap, managed, network);
    check_total_flink(c, &m)?;
    Ok(m)
}

/// Flink memory from its total.
fn tm_from_total_flink(c: &Config, total: u64) -> Result<TaskManagerMemory, Problem> {
    let f = fixed(c)?;
    let m = if c.contains(TASK_HEAP, &Type::Memory) {
        let task_heap = c.memory(TASK_HEAP)?;
        let managed = managed(c, total)?;
        let network = network_left(
            c,
            &f,
            task_heap,
            managed,
            (total, "Flink memory"),
            &[TASK_HEAP, MANAGED_SIZE, TM.total_flink, TM.total_process],
        )?;
        tm(&f, task_heap, managed, network)
    } else {
        let managed = managed(c, total)?;
        let network = if legacy_network(c) {
            legacy_network_size(c)?
        } else {
            with_fraction(total, network_range(c)?)?
        };
        let task_heap = remainder(
            &[
                ("framework heap", f.framework_heap),
                ("framework off-heap", f.framework_off_heap),
                ("task off-heap", f.task_off_heap),
                ("managed memory", managed),
                ("network memory", network),
            ],
            (total, "Flink memory"),
            &[
                MANAGED_SIZE,
                MANAGED_FRACTION,
                NETWORK_MIN,
                NETWORK_FRACTION,
                TASK_OFF_HEAP,
                FRAMEWORK_HEAP,
                FRAMEWORK_OFF_HEAP,
                TM.total_flink,
                TM.total_process,
            ],
        )?;
        tm(&f, task_heap, managed, network)
    };
    check_total_flink(c, &m)?;
    Ok(m)
}

fn check_total_flink(c: &Config, m: &TaskManagerMemory) -> Result<(), Problem> {
    if c.contains(TM.total_flink, &Type::Memory) {
        let configured = c.memory(TM.total_flink)?;
        if configured != m.flink() {
            return refuse(
                format!(
                    "the components add up to {}, not the configured total Flink memory of {}",
                    human(m.flink()),
                    human(configured)
                ),
                m.flink().checked_sub(configured),
                &[TM.total_flink, TASK_HEAP, MANAGED_SIZE],
            );
        }
    }
    Ok(())
}

/// The JobManager's memory, or why Flink refuses it.
pub fn job_manager(c: &Config) -> Result<JobManagerMemory, Problem> {
    if c.contains(JM_HEAP, &Type::Memory) {
        let heap = c.memory(JM_HEAP)?;
        let off_heap = c.memory(JM_OFF_HEAP)?;
        let total = add(&[heap, off_heap])?;
        if c.contains(JM.total_flink, &Type::Memory) {
            let configured = c.memory(JM.total_flink)?;
            if configured != total {
                return refuse(
                    format!(
                        "the JVM heap ({}) and off-heap memory ({}) add up to {}, not the configured total Flink memory of {}",
                        human(heap),
                        human(off_heap),
                        human(total),
                        human(configured)
                    ),
                    total.checked_sub(configured),
                    &[JM_HEAP, JM_OFF_HEAP, JM.total_flink],
                );
            }
        }
        let (metaspace, overhead) = jvm_from_flink(c, &JM, total, &[JM_HEAP, JM_OFF_HEAP])?;
        return Ok(JobManagerMemory {
            heap,
            off_heap,
            metaspace,
            overhead,
        });
    }
    let (total, metaspace, overhead) = if c.contains(JM.total_flink, &Type::Memory) {
        let total = c.memory(JM.total_flink)?;
        let (metaspace, overhead) = jvm_from_flink(c, &JM, total, &[JM.total_flink])?;
        (total, metaspace, overhead)
    } else {
        let process = c.memory(JM.total_process)?;
        let (metaspace, overhead) = jvm_from_process(c, &JM, process)?;
        (process - metaspace - overhead, metaspace, overhead)
    };
    let off_heap = c.memory(JM_OFF_HEAP)?;
    if total <= off_heap {
        return refuse(
            format!(
                "the off-heap memory ({}) takes all of the Flink memory ({}) and leaves no JVM heap",
                human(off_heap),
                human(total)
            ),
            Some(off_heap - total),
            &[JM_OFF_HEAP, JM.total_flink, JM.total_process],
        );
    }
    Ok(JobManagerMemory {
        heap: total - off_heap,
        off_heap,
        metaspace,
        overhead,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::options::Options;
    use super::super::values::Value;
    use super::*;

    fn config(keys: &[(&str, &str)]) -> BTreeMap<String, Value> {
        keys.iter()
            .map(|(k, v)| ((*k).to_owned(), Value::Text((*v).to_owned())))
            .collect()
    }

    #[test]
    fn a_task_manager_of_two_gibibytes_splits_as_flink_splits_it() {
        let values = config(&[("taskmanager.memory.process.size", "2048m")]);
        let m = task_manager(&Config::new(Options::of("1.20"), &values)).unwrap();
        assert_eq!(m.metaspace, 256 << 20);
        // 10 % of 2 GiB, as Flink multiplies the float 0.1: a little over 204.8 MiB.
        assert_eq!(m.overhead >> 20, 204);
        assert_eq!(m.flink() + m.metaspace + m.overhead, 2048 << 20);
        assert_eq!(m.framework_heap, 128 << 20);
        assert!(m.network_buffers() > 5000);
    }

    #[test]
    fn a_small_task_manager_is_refused() {
        let values = config(&[("taskmanager.memory.process.size", "900m")]);
        let Err(Problem::Refused(r)) = task_manager(&Config::new(Options::of("1.20"), &values))
        else {
            panic!("900m is too small for the defaults")
        };
        assert!(r.short_by.unwrap() > 0, "{r:?}");
    }

    #[test]
    fn a_job_manager_needs_room_for_its_heap() {
        let ok = config(&[("jobmanager.memory.process.size", "1600m")]);
        let m = job_manager(&Config::new(Options::of("2.1"), &ok)).unwrap();
        assert_eq!(m.heap + m.off_heap + m.metaspace + m.overhead, 1600 << 20);
        let tight = config(&[
            ("jobmanager.memory.process.size", "1600m"),
            ("jobmanager.memory.off-heap.size", "1200m"),
        ]);
        assert!(job_manager(&Config::new(Options::of("2.1"), &tight)).is_err());
    }
}
