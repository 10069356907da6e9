//! How Flink sizes a job's key groups.

/// Flink's default maximum parallelism of an operator whose job sets none
/// (`KeyGroupRangeAssignment`): 1.5 times the operator's parallelism rounded up to a power of
/// two, between 128 and 32768. Reactive mode derives it the same way from the job's configured
/// parallelism, before it replaces that parallelism with the slots it gets, so the configured
/// parallelism still decides how the state is split when `maxParallelism` is not set.
pub fn default_max_parallelism(parallelism: u64) -> u64 {
    (parallelism.max(1) + parallelism / 2)
        .next_power_of_two()
        .clamp(128, 32_768)
}

#[cfg(test)]
mod tests {
    use super::default_max_parallelism;

    #[test]
    fn the_bounds_and_the_rounding_are_flinks() {
        assert_eq!(default_max_parallelism(1), 128);
        assert_eq!(default_max_parallelism(85), 128);
        assert_eq!(default_max_parallelism(86), 256);
        assert_eq!(default_max_parallelism(100), 256);
        assert_eq!(default_max_parallelism(30_000), 32_768);
    }
}
