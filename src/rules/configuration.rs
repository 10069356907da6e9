//! Rules on `flinkConfiguration`: keys flinkform owns, values the legacy file cannot hold, and
//! settings that would undo what the image needs.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};

use super::Located;

declare_code! {
    pub CONFIG_KEY: error "config-key",
    catches: "A `flinkConfiguration` key with characters other than letters, digits, `.`, `-` and `_`.",
    why: "No Flink option has such a key, and a space, `#`, `:` or line break in it would change how a reader of the configuration file splits the line: a key could hide another or smuggle in one flinkform sets.",
    fix: "Use the option's key as Flink documents it, e.g. `execution.checkpointing.interval`.",
}

declare_code! {
    pub JAVA_OPTS_REPLACED: warning "java-opts-replaced",
    catches: "`env.java.opts.all` (or `env.java.opts`) in flinkConfiguration.",
    why: "It replaces the image's value, which holds the --add-opens flags Flink needs on Java 17: the job then fails at submission with InaccessibleObjectException.",
    fix: "Set `env.java.opts.jobmanager` and `env.java.opts.taskmanager` instead.",
}

declare_code! {
    pub LEGACY_CONFIG_VALUE: error "legacy-config-value",
    catches: "A Flink configuration value that flink-conf.yaml (Flink before 1.19) cannot hold as written: a `#`, a line break, an empty value, or spaces at either end.",
    why: "Flink reads flink-conf.yaml line by line (a carriage return ends a line too), cuts each line at `#`, trims key and value, and skips a key without a value: the job would run with another value than the one written.",
    fix: "Change the value, or use Flink 1.19 or later, which reads config.yaml as YAML.",
}

declare_code! {
    pub LISTENER_CONFIG_KEY: error "listener-config-key",
    catches: "A `flinkConfiguration` key that moves or switches off a listener flinkform wires: `rest.bind-port`, `jobmanager.rpc.bind-port`, `taskmanager.rpc.bind-port`, `metrics.reporters`, or the Prometheus reporter's filters and label settings.",
    why: "flinkform points the Services, the Ingress, the probes and the scrape annotations at Flink's ports 8081, 6123 and 6122 and at the reporter's series; a listener moved elsewhere is unreachable, and a filtered reporter leaves the autoscaler without its metric.",
    fix: "Remove the key. The metrics port is `metrics.port`.",
}

declare_code! {
    pub METRICS_PORT_COLLISION: error "metrics-port-collision",
    catches: "A `metrics.port` equal to one of Flink's own ports in the pods: 6122, 6123, 6124 or 8081.",
    why: "The Prometheus reporter and Flink's RPC, blob server or REST API cannot listen on one port; one of them fails to start.",
    fix: "Use another port, e.g. 9249.",
}

declare_code! {
    pub OWNED_CONFIG_KEY: error "owned-config-key",
    catches: "A flinkConfiguration key that flinkform sets itself.",
    why: "flinkform derives it from other fields; two sources would disagree.",
    fix: "Remove it; the message names the field that sets it.",
}

/// Keys of the Flink configuration that flinkform writes itself, with where to set them.
pub const OWNED_CONFIG_KEYS: &[(&str, &str)] = &[
    ("blob.server.port", "flinkform uses 6124"),
    ("execution.checkpointing.dir", "set `state.checkpoints`"),
    (
        "execution.checkpointing.savepoint-dir",
        "set `state.savepoints`",
    ),
    ("high-availability", "set `state.highAvailability`"),
    (
        "job.autoscaler.enabled",
        "set `autoscaling` with `engine: operator`",
    ),
    (
        "job.autoscaler.target.utilization",
        "set a `busyTime` rule with `engine: operator`",
    ),
    (
        "job.autoscaler.utilization.target",
        "set a `busyTime` rule with `engine: operator`",
    ),
    (
        "job.autoscaler.vertex.max-parallelism",
        "set `autoscaling.maxReplicas` with `engine: operator`",
    ),
    (
        "job.autoscaler.vertex.min-parallelism",
        "set `autoscaling.minReplicas` with `engine: operator`",
    ),
    (
        "high-availability.cluster-id",
        "set `state.highAvailability`",
    ),
    (
        "high-availability.storageDir",
        "set `state.highAvailability.storageDir`",
    ),
    ("high-availability.type", "set `state.highAvailability`"),
    (
        "jobmanager.bind-host",
        "flinkform binds to 0.0.0.0 inside the pod",
    ),
    (
        "jobmanager.memory.process.size",
        "set `jobManager.resources.memory`",
    ),
    (
        "jobmanager.rpc.address",
        "set `naming.jobManagerService` in flinkform.yaml",
    ),
    ("jobmanager.rpc.port", "flinkform uses 6123"),
    (
        "kubernetes.cluster-id",
        "flinkform derives one per job and environment",
    ),
    (
        "kubernetes.namespace",
        "flinkform sets the namespace the pods run in",
    ),
    (
        "metrics.reporter.prom.factory.class",
        "flinkform configures the Prometheus reporter",
    ),
    ("metrics.reporter.prom.port", "set `metrics.port`"),
    ("parallelism.default", "set `job.parallelism`"),
    ("pipeline.max-parallelism", "set `job.maxParallelism`"),
    ("pipeline.name", "set `job.flinkJobName`"),
    (
        "rest.bind-address",
        "flinkform binds to 0.0.0.0 inside the pod",
    ),
    ("rest.port", "flinkform uses 8081"),
    ("state.checkpoints.dir", "set `state.checkpoints`"),
    ("state.savepoints.dir", "set `state.savepoints`"),
    (
        "scheduler-mode",
        "flinkform sets reactive mode when `autoscaling` is enabled",
    ),
    (
        "taskmanager.bind-host",
        "flinkform binds to 0.0.0.0 inside the pod",
    ),
    (
        "taskmanager.memory.process.size",
        "set `taskManager.resources.memory`",
    ),
    (
        "taskmanager.numberOfTaskSlots",
        "set `taskManager.taskSlots`",
    ),
    ("taskmanager.rpc.port", "flinkform uses 6122"),
];

/// Keys that move or switch off a listener flinkform wires to its Services, probes and
/// scrape annotations, or change the series the autoscaler selects, with what they break.
const LISTENER_KEYS: &[(&str, &str)] = &[
    (
        "rest.bind-port",
        "the REST API would leave port 8081, where the JobManager Service, the Ingress and the probes reach it",
    ),
    (
        "jobmanager.rpc.bind-port",
        "the JobManager's RPC would leave port 6123, where TaskManagers reach it through the Service",
    ),
    (
        "taskmanager.rpc.bind-port",
        "the TaskManager's RPC would leave port 6122, which its probes check",
    ),
    (
        "metrics.reporters",
        "it chooses which reporters run, and can switch off the Prometheus reporter the autoscaler reads",
    ),
    (
        "metrics.reporter.prom.filterLabelValueCharacters",
        "it changes the `job_name` label the autoscaler selects",
    ),
    (
        "metrics.reporter.prom.scope.variables.excludes",
        "it can drop the `job_name` label the autoscaler selects",
    ),
    (
        "metrics.reporter.prom.filter.includes",
        "it can filter out the series the autoscaler reads",
    ),
    (
        "metrics.reporter.prom.filter.excludes",
        "it can filter out the series the autoscaler reads",
    ),
];

/// Ports of Flink's own listeners in the pods; the metrics port must be none of them.
const FLINK_PORTS: &[(u16, &str)] = &[
    (6122, "the TaskManager's RPC"),
    (6123, "the JobManager's RPC"),
    (6124, "the blob server"),
    (8081, "the REST API and web UI"),
];

fn check_listeners(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    for key in spec.flink_configuration.keys() {
        if let Some((_, why)) = LISTENER_KEYS.iter().find(|(k, _)| k == key) {
            diags.push(
                Diagnostic::error(
                    LISTENER_CONFIG_KEY,
                    r.key_span(&["spec", "flinkConfiguration", key.as_str()]),
                    format!("`{key}` cannot be set: {why}"),
                )
                .help(
                    "remove it; flinkform wires the ports, the Services and the reporter together",
                ),
            );
        }
    }
    if let Some((_, what)) = FLINK_PORTS.iter().find(|(p, _)| *p == spec.metrics.port) {
        diags.push(
            Diagnostic::error(
                METRICS_PORT_COLLISION,
                r.span(&["spec", "metrics", "port"]),
                format!("metrics port {} is the port of {what}", spec.metrics.port),
            )
            .help("use another port, e.g. 9249 (the Prometheus reporter's usual one)"),
        );
    }
}

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    check_listeners(r, diags);
    let spec = &r.job.spec;
    // Before 1.19, Flink reads flink-conf.yaml line by line (at `\n` and `\r`), cuts each line
    // at `#`, splits it at the first `: ` and trims both sides; a line with an empty value is
    // skipped.
    if !crate::flink_config::uses_config_yaml(&spec.flink_version) {
        for (key, value) in &spec.flink_configuration {
            let Some(text) = value.as_str() else { continue };
            let trimmed = |c: char| c <= ' ';
            let problem = if text.contains(['#', '\n', '\r']) {
                Some(
                    "holds a `#` or a line break, where Flink's reader of flink-conf.yaml cuts the line",
                )
            } else if text.is_empty() {
                Some("is empty, and Flink skips a key without a value")
            } else if text.starts_with(trimmed) || text.ends_with(trimmed) {
                Some(
                    "starts or ends with a space or tab, which Flink's reader of flink-conf.yaml trims",
                )
            } else {
                None
            };
            if let Some(problem) = problem {
                let span = r.span(&["spec", "flinkConfiguration", key.as_str()]);
                diags.push(
                    Diagnostic::error(LEGACY_CONFIG_VALUE, span, format!("Flink {} cannot read the value of `{key}` as written: it {problem}", spec.flink_version))
                        .help("change the value, or use Flink 1.19 or later, which reads config.yaml as YAML"),
                );
            }
        }
    }
    for key in spec.flink_configuration.keys() {
        let at = || r.key_span(&["spec", "flinkConfiguration", key.as_str()]);
        // Flink's keys are dotted words; anything else could end a line, start a comment or
        // split a key from its value in a reader of the file.
        let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if !key.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !key.chars().all(word)
            || crate::yaml::write::key_too_long(key)
        {
            diags.push(
                Diagnostic::error(
                    CONFIG_KEY,
                    at(),
                    format!("`{}` is not a Flink configuration key", key.escape_debug()),
                )
                .help("Flink's keys are made of letters, digits, `.`, `-` and `_`, such as `execution.checkpointing.interval`"),
            );
            continue;
        }
        if let Some((_, how)) = OWNED_CONFIG_KEYS.iter().find(|(k, _)| k == key) {
            diags.push(
                Diagnostic::error(
                    OWNED_CONFIG_KEY,
                    at(),
                    format!("flinkform sets `{key}` itself"),
                )
                .help(format!("remove it from `flinkConfiguration`; {how}")),
            );
        }
        // The image's configuration file sets this key to the module flags Java 17 needs;
        // a value of the user's replaces them, and the job fails at submission. (Under the
        // operator, whose defaults carry the flags, its own rule speaks of them.)
        if (key == "env.java.opts.all" || key == "env.java.opts") && !r.on_operator() {
            diags.push(
                Diagnostic::warning(
                    JAVA_OPTS_REPLACED,
                    at(),
                    format!("`{key}` replaces the image's JVM flags, among them the `--add-opens` flags Flink needs on Java 17"),
                )
                .help("set `env.java.opts.jobmanager` and `env.java.opts.taskmanager` instead, which add to them"),
            );
        }
    }
}
