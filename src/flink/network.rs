//! The network buffers one all-to-all exchange needs on a TaskManager, as Flink sizes the
//! buffer pools of a streaming job (`NettyShuffleUtils`, `InputGateSpecUtils`): each subtask
//! that sends to `p` receivers reserves `p + 1` buffers for its result partition, and each
//! subtask that receives from `p` senders reserves `p × buffers-per-channel + 1` for its input
//! gate (at most `read-buffer.required-per-gate.max` where set). A TaskManager with `s` slots
//! runs `s` senders and `s` receivers of the exchange. When the reservations exceed the
//! buffers its network memory holds, the tasks fail to start with "Insufficient number of
//! network buffers" — after a scale-up, the job does not come back.

use super::config::{Config, Unreadable};
use super::options::Type;

/// Buffers per input channel: configurable before 2.0, fixed at 2 since.
const BUFFERS_PER_CHANNEL: &str = "taskmanager.network.memory.buffers-per-channel";
const MAX_REQUIRED_PER_GATE: &str = "taskmanager.network.memory.read-buffer.required-per-gate.max";

/// The buffers one TaskManager reserves for an all-to-all exchange at a parallelism.
pub fn buffers_needed(c: &Config, slots: u64, parallelism: u64) -> Result<u64, Unreadable> {
    let per_channel = if c.knows(BUFFERS_PER_CHANNEL, &Type::Int) {
        u64::try_from(c.int(BUFFERS_PER_CHANNEL)?.max(0)).unwrap_or(0)
    } else {
        2
    };
    let mut gate = parallelism * per_channel + 1;
    if c.contains(MAX_REQUIRED_PER_GATE, &Type::Int) {
        let max = u64::try_from(c.int(MAX_REQUIRED_PER_GATE)?.max(1)).unwrap_or(1);
        gate = gate.min(max);
    }
    let partition = parallelism + 1;
    Ok(slots * (partition + gate))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::options::Options;
    use super::*;

    #[test]
    fn one_exchange_needs_three_buffers_per_channel_and_two_per_task() {
        let values = BTreeMap::new();
        for v in ["1.18", "2.1"] {
            let c = Config::new(Options::of(v), &values);
            assert_eq!(buffers_needed(&c, 2, 10).unwrap(), 2 * (11 + 21));
        }
    }
}
