//! Every diagnostic code, from its declaration beside the rule that emits it (`declare_code!`):
//! the text of `flinkform explain CODE` and the list of all codes.

pub use crate::code::Code;

/// Every declared code, sorted by name.
pub const CODES: &[&Code] = &[
    crate::yaml::parse::AMBIGUOUS_VALUE,
    crate::rules::scaling::AVERAGE_VALUE_ON_FOLD,
    crate::rules::operator::BUSY_TIME_TARGET,
    crate::rules::configuration::CONFIG_KEY,
    crate::rules::flink_options::CONFIG_VALUE,
    crate::resolve::codes::DUPLICATE_ENVIRONMENT,
    crate::resolve::codes::DUPLICATE_JOB,
    crate::yaml::parse::DUPLICATE_KEY,
    crate::rules::flink_options::DURATION_WITHOUT_UNIT,
    crate::load::EMPTY_FILE,
    crate::load::ENCODING,
    crate::rules::operator::ENGINE_TARGET,
    crate::files::FILE_NOT_FOUND,
    crate::files::FILE_TOO_LARGE,
    crate::rules::memory::FLINK_MEMORY,
    crate::rules::pods::FLINK_PROPERTIES_ENV,
    crate::rules::image::FLUX_SUBSTITUTION,
    crate::rules::state::HA_STORAGE_DIR,
    crate::rules::state::HA_WITHOUT_CHECKPOINTS,
    crate::rules::image::IMAGE_TAG,
    crate::rules::ingress::INGRESS_TLS_HOST,
    crate::rules::ingress::INGRESS_WITHOUT_AUTH,
    crate::yaml::parse::INVALID_CHARACTER,
    crate::rules::labels::INVALID_KEY,
    crate::rules::pods::INVALID_KUBERNETES_VALUE,
    crate::rules::job::INVALID_LABEL,
    crate::rules::scaling::INVALID_METRIC_RULE,
    crate::validate::codes::INVALID_NAME,
    crate::verify::INVALID_OUTPUT,
    crate::validate::codes::INVALID_QUANTITY,
    crate::rules::scaling::INVALID_SELECTOR,
    crate::validate::codes::INVALID_TARGET,
    crate::validate::codes::INVALID_VALUE,
    crate::rules::job::JAR_OUTSIDE_USRLIB,
    crate::rules::job::JAR_URI,
    crate::rules::configuration::JAVA_OPTS_REPLACED,
    crate::rules::scaling::JOB_NAME_LABEL,
    crate::rules::scaling::KEDA_EXTERNAL_METRIC,
    crate::rules::scaling::KEDA_PROMETHEUS_URL,
    crate::rules::configuration::LEGACY_CONFIG_VALUE,
    crate::rules::configuration::LISTENER_CONFIG_KEY,
    crate::rules::scaling::MAX_PARALLELISM_IMPLICIT,
    crate::rules::scaling::MEMORY_RULE,
    crate::rules::configuration::METRICS_PORT_COLLISION,
    crate::rules::scaling::MIN_REPLICAS_ZERO,
    crate::validate::codes::MISSING_FIELD,
    crate::rules::pods::MOUNT_OVER_CONF,
    crate::load::MULTIPLE_DOCUMENTS,
    crate::resolve::codes::NAME_COLLISION,
    crate::naming::NAMING_PATTERN,
    crate::rules::memory::NETWORK_BUFFERS,
    crate::rules::scaling::NO_CHECKPOINTING,
    crate::rules::state::NO_HIGH_AVAILABILITY,
    crate::load::NO_JOBS,
    crate::rules::scaling::NO_SCALING_RULE,
    crate::files::NOT_A_FILE,
    crate::rules::job::NOT_ENOUGH_SLOTS,
    crate::rules::operator::OPERATOR_FLINK_VERSION,
    crate::rules::operator::OPERATOR_JAVA_OPTS,
    crate::rules::operator::OPERATOR_NAME,
    crate::rules::operator::OPERATOR_NAME_COLLISION,
    crate::rules::operator::OPERATOR_SERVICE_ACCOUNT,
    crate::validate::codes::OUT_OF_RANGE,
    crate::rules::configuration::OWNED_CONFIG_KEY,
    crate::rules::pods::OWNED_ENV,
    crate::rules::job::OWNED_LABEL,
    crate::rules::pods::OWNED_POD_METADATA,
    crate::rules::pods::OWNED_VOLUME,
    crate::rules::scaling::PARALLELISM_IGNORED,
    crate::rules::job::PARALLELISM_RANGE,
    crate::load::PATH_OUTSIDE_PROJECT,
    crate::rules::operator::REPLICAS_FROM_PARALLELISM,
    crate::rules::scaling::REPLICAS_RANGE,
    crate::resolve::codes::RESERVED_ENVIRONMENT,
    crate::rules::job::RESERVED_JOB_NAME,
    crate::rules::scaling::RESTART_STRATEGY_LIMIT,
    crate::validate::codes::SCHEMA,
    crate::rules::scaling::SLOTS_ABOVE_MAX_PARALLELISM,
    crate::rules::state::STATE_NOT_DURABLE,
    crate::rules::operator::STATELESS_UPGRADE,
    crate::rules::operator::SUSPEND_TARGET,
    crate::files::SYMLINK_ESCAPE,
    crate::rules::operator::TARGET_UNSUPPORTED,
    crate::render::TEMPLATE,
    crate::render::TEMPLATE_NAME,
    crate::render::TEMPLATE_NAMESPACE,
    crate::render::TEMPLATES,
    crate::simulate::trace::TRACE_COLUMN,
    crate::simulate::trace::TRACE_TIME,
    crate::simulate::trace::TRACE_VALUE,
    crate::rules::pods::UNDEFINED_VOLUME,
    crate::rules::flink_options::UNKNOWN_CONFIG_KEY,
    crate::validate::codes::UNKNOWN_FIELD,
    crate::resolve::codes::UNKNOWN_JOB,
    crate::rules::pods::UNKNOWN_KUBERNETES_FIELD,
    crate::rules::pods::UNMOUNTED_VOLUME,
    crate::files::UNREADABLE_FILE,
    crate::resolve::codes::WRONG_KIND,
    crate::validate::codes::WRONG_TYPE,
    crate::yaml::parse::YAML_KEY,
    crate::yaml::parse::YAML_SYNTAX,
    crate::yaml::parse::YAML_TAB,
    crate::yaml::parse::YAML_TAG,
    crate::yaml::parse::YAML_TOO_DEEP,
    crate::yaml::parse::YAML_TOO_LARGE,
];

/// The documentation of a code, if it has one.
#[must_use]
pub fn find(code: &str) -> Option<&'static Code> {
    CODES.iter().copied().find(|c| c.code == code)
}

/// What `flinkform explain CODE` prints.
#[must_use]
pub fn text(c: &Code) -> String {
    format!(
        "{}[{}]\n\n{}\n\nWhy: {}\n\nFix: {}\n",
        c.severity, c.code, c.catches, c.why, c.fix
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_sorted_and_unique() {
        let names: Vec<&str> = super::CODES.iter().map(|c| c.code).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
