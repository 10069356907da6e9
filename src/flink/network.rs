//! The network buffers one all-to-all exchange reserves on a TaskManager, as Flink sizes the
//! buffer pools of a streaming job (`NettyShuffleUtils`, `InputGateSpecUtils`, and the
//! exclusive buffers of remote input channels). At parallelism `p`, each sender's result
//! partition reserves `p + 1` buffers. Each receiver's input gate targets `p x
//! buffers-per-channel + 1` required buffers (at most `read-buffer.required-per-gate.max`
//! where set), of which each channel from another TaskManager holds its exclusive share and
//! the rest are the gate's required floating buffers; channels from the same TaskManager hold
//! none. A TaskManager with `s` slots runs `s` senders and `s` receivers of the exchange. When
//! the reservations exceed the buffers its network memory holds, the tasks fail with
//! "Insufficient number of network buffers" — after a scale-up, the job does not come back.

use super::config::{Config, Unreadable};
use super::options::Type;

/// Buffers per input channel and floating buffers per gate: configurable before 2.0, fixed
/// at 2 and 8 since.
const BUFFERS_PER_CHANNEL: &str = "taskmanager.network.memory.buffers-per-channel";
const MAX_REQUIRED_PER_GATE: &str = "taskmanager.network.memory.read-buffer.required-per-gate.max";

/// The buffers one TaskManager reserves for an all-to-all exchange at a parallelism.
pub fn buffers_needed(c: &Config, slots: u64, parallelism: u64) -> Result<u64, Unreadable> {
    let per_channel = if c.knows(BUFFERS_PER_CHANNEL, &Type::Int) {
        u64::try_from(c.int(BUFFERS_PER_CHANNEL)?.max(0)).unwrap_or(0)
    } else {
        2
    };
    let p = parallelism.max(1);
    let mut target = p * per_channel + 1;
    if c.contains(MAX_REQUIRED_PER_GATE, &Type::Int) {
        let max = u64::try_from(c.int(MAX_REQUIRED_PER_GATE)?.max(1)).unwrap_or(1);
        target = target.min(max);
    }
    let exclusive = per_channel.min((target - 1) / p);
    let required_floating = target - exclusive * p;
    let local = slots.min(p);
    let gate = exclusive * (p - local) + required_floating;
    let partition = p + 1;
    Ok(local * (partition + gate))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::options::Options;
    use super::*;

    #[test]
    fn one_exchange_needs_a_partition_and_the_remote_channels_of_a_gate_per_slot() {
        let values = BTreeMap::new();
        for v in ["1.18", "2.1"] {
            let c = Config::new(Options::of(v), &values);
            // 2 slots at parallelism 10: (10 + 1) + 2 x (10 - 2) + 1 per slot.
            assert_eq!(buffers_needed(&c, 2, 10).unwrap(), 2 * (11 + 16 + 1));
        }
    }
}
