//! Flink metric presets for autoscaling (SPEC 4.3).
//!
//! Each preset names a series of Flink's Prometheus reporter and how a job's series are
//! aggregated into one number; the HPA reads it as an External metric of that name.

/// (preset, Prometheus series, aggregate)
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "backlog",
        "flink_taskmanager_job_task_operator_pendingRecords",
        "sum",
    ),
    (
        "busyTime",
        "flink_taskmanager_job_task_busyTimeMsPerSecond",
        "avg",
    ),
    (
        "latency",
        "flink_taskmanager_job_task_operator_currentEmitEventTimeLag",
        "max",
    ),
    (
        "watermarkLag",
        "flink_taskmanager_job_task_operator_watermarkLag",
        "max",
    ),
    (
        "kafkaLag",
        "flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max",
        "max",
    ),
];

/// The External metric name the HPA asks for: `flinkform_<preset>` in snake case.
#[must_use]
pub fn external_name(preset: &str) -> String {
    let mut out = String::from("flinkform_");
    for c in preset.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
