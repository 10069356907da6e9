//! Rules on the target that runs a job: what a FlinkDeployment of the Flink Kubernetes
//! Operator can express, and the engine that belongs to each target.
//!
//! Under the operator, autoscaling is either an HPA on the FlinkDeployment's scale
//! subresource (every rule the hpa engine has), or the operator's own autoscaler, which
//! scales each vertex on the busy time it measures itself: a `busyTime` rule's target
//! becomes its utilization target, and `minReplicas`/`maxReplicas` times the slots become
//! its vertex parallelism bounds. Everything else is an error at its line.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{Engine, RunTarget};

use super::Located;

declare_code! {
    pub BUSY_TIME_TARGET: error "busy-time-target",
    catches: "With `engine: operator`, a missing `busyTime` rule, or a busy-time target outside (0, 1000] milliseconds per second.",
    why: "The operator's autoscaler scales each vertex to a utilization target; flinkform takes it from the busyTime rule (`700` → `job.autoscaler.utilization.target: 0.7`), and a vertex is never busy more than 1000 ms per second.",
    fix: "Add `flinkMetrics: [{metric: busyTime, target: {value: \"700\"}}]`.",
}

declare_code! {
    pub ENGINE_TARGET: error "engine-target",
    catches: "`autoscaling.engine: operator` on a job whose target is standalone.",
    why: "The operator engine is the Flink Kubernetes Operator's own autoscaler; standalone Deployments have no operator to run it.",
    fix: "Set `target: operator`, or use `engine: hpa` or `engine: keda`.",
}

declare_code! {
    pub OPERATOR_FLINK_VERSION: error "operator-flink-version",
    catches: "A Flink version newer than the FlinkDeployment's `flinkVersion` enum (up to `v2_4`).",
    why: "The operator's admission rejects a FlinkDeployment whose version it does not know.",
    fix: "Use a Flink version the operator supports, or the standalone target.",
}

declare_code! {
    pub OPERATOR_JAVA_OPTS: warning "operator-java-opts",
    catches: "`env.java.opts.all` in the flinkConfiguration of a Flink 1.18 job on the operator target.",
    why: "For 1.18 the operator puts the JVM flags Java 17 needs (`--add-exports`, `--add-opens`) into that very key; a value of the job's replaces them, and a Java 17 image then fails at submission with `InaccessibleObjectException`.",
    fix: "Include the flags of Flink 1.18's default configuration in the value, or leave the key to the operator.",
}

declare_code! {
    pub OPERATOR_NAME: error "operator-name",
    catches: "A job on the operator target whose name is longer than 45 characters.",
    why: "The FlinkDeployment's name becomes Flink's cluster id, which the operator limits to 45 characters; it rejects longer names.",
    fix: "Shorten the job's name.",
}

declare_code! {
    pub OPERATOR_NAME_COLLISION: error "operator-name-collision",
    catches: "A TaskManager metrics Service (`naming.taskManagerService`) named like a Service the operator creates for the job: `<name>` or `<name>-rest`.",
    why: "Two owners of one Service: the operator and the GitOps tool would overwrite each other's.",
    fix: "Change `naming.taskManagerService`; the default `{{ name }}-taskmanager` is free.",
}

declare_code! {
    pub OPERATOR_SERVICE_ACCOUNT: error "operator-service-account",
    catches: "Different `pod.serviceAccountName`s for the JobManager and the TaskManager on the operator target.",
    why: "The operator runs both pods as the FlinkDeployment's one `serviceAccount`.",
    fix: "Set one `pod.serviceAccountName` for both pods.",
}

declare_code! {
    pub REPLICAS_FROM_PARALLELISM: warning "replicas-from-parallelism",
    catches: "`taskManager.replicas` on the operator target without an HPA, where it differs from what `job.parallelism` / `taskSlots` needs.",
    why: "In the operator's native mode the JobManager asks for as many TaskManagers as the parallelism needs; the replicas are not used.",
    fix: "Remove `taskManager.replicas`, or change `job.parallelism`.",
}

declare_code! {
    pub STATELESS_UPGRADE: warning "stateless-upgrade",
    catches: "A job on the operator target with neither high availability nor savepoints and checkpoints, so its upgrade mode is `stateless`.",
    why: "Every change to its FlinkDeployment (image, configuration, resources) makes the operator start the job again from empty state or its initialSavepoint.",
    fix: "Set `state.highAvailability` (upgrade mode last-state), or `state.savepoints` with `state.checkpoints` (upgrade mode savepoint).",
}

declare_code! {
    pub SUSPEND_TARGET: error "suspend-target",
    catches: "`job.suspended: true` on a job whose target is standalone.",
    why: "Suspending is the operator's: it keeps the job's state as its upgrade mode does and removes the pods. Standalone Deployments have no one to take that savepoint.",
    fix: "Set `target: operator`, or take a savepoint and remove the job from the environment.",
}

declare_code! {
    pub TARGET_UNSUPPORTED: error "target-unsupported",
    catches: "A setting the operator target cannot express: `engine: keda`, or with `engine: operator` a cpu, memory, backlog, latency, watermarkLag, kafkaLag or external rule, or `behavior`.",
    why: "Under the operator, autoscaling is an HPA on the FlinkDeployment's scale subresource (`engine: hpa`, every rule) or the operator's autoscaler (`engine: operator`), which scales each vertex on the busy time it measures and has its own keys for pacing.",
    fix: "Use `engine: hpa` for that rule, or a `busyTime` rule with `engine: operator`; set `job.autoscaler.*` pacing keys in flinkConfiguration.",
}

/// The longest FlinkDeployment name the operator accepts (it becomes Flink's cluster id).
const MAX_NAME: usize = 45;

/// The newest Flink version of the FlinkDeployment's `flinkVersion` enum (`v2_4`).
const LATEST_FLINK: (u32, u32) = (2, 4);

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let engine = r.scaling_engine();
    let engine_at = || r.span(&["spec", "autoscaling", "engine"]);
    let target_at = r.span(&["spec", "target"]);
    if spec.target == RunTarget::Standalone {
        if engine == Some(Engine::Operator) {
            diags.push(
                Diagnostic::error(ENGINE_TARGET, engine_at(), "the operator engine is the Flink Kubernetes Operator's own autoscaler, but this job's target is standalone")
                    .help("set `target: operator`, or use `engine: hpa` or `engine: keda`"),
            );
        }
        if r.job.spec.job.suspended {
            diags.push(
                Diagnostic::error(SUSPEND_TARGET, r.span(&["spec", "job", "suspended"]), "suspending a job is the Flink Kubernetes Operator's, but this job's target is standalone")
                    .help("set `target: operator`, or remove the job from this environment to stop it (take a savepoint first)"),
            );
        }
        return;
    }

    let (major, minor) = crate::flink_config::major_minor(&spec.flink_version);
    if (major, minor) > LATEST_FLINK {
        diags.push(
            Diagnostic::error(OPERATOR_FLINK_VERSION, r.span(&["spec", "flinkVersion"]), format!("the operator's FlinkDeployment names Flink versions up to {}.{}: `{}` has no `flinkVersion` value there", LATEST_FLINK.0, LATEST_FLINK.1, spec.flink_version))
                .note(target_at, "operator target chosen here")
                .help("use a Flink version the operator supports, or the standalone target"),
        );
    }

    let name = &r.job.metadata.name;
    if name.len() > MAX_NAME {
        diags.push(
            Diagnostic::error(OPERATOR_NAME, r.span(&["metadata", "name"]), format!("`{name}` has {} characters; the operator takes FlinkDeployment names of at most {MAX_NAME} (Flink's cluster id)", name.len()))
                .note(target_at, "operator target chosen here")
                .help(format!("shorten the job's name to {MAX_NAME} characters")),
        );
    }

    // Flink's native mode and the operator's standalone mode create the Services `<name>`
    // and `<name>-rest` themselves.
    let service = &r.names.task_manager_service;
    if *service == *name || *service == format!("{name}-rest") {
        diags.push(
            Diagnostic::error(OPERATOR_NAME_COLLISION, r.origin, format!("the TaskManager metrics Service `{service}` has the name of a Service the operator creates for this job"))
                .note(target_at, "operator target chosen here")
                .help("change `naming.taskManagerService` in flinkform.yaml (default `{{ name }}-taskmanager`)"),
        );
    }

    // The operator runs both pods as `spec.serviceAccount`.
    let accounts = [
        &spec.job_manager.pod.service_account_name,
        &spec.task_manager.pod.service_account_name,
    ];
    if accounts[0] != accounts[1] {
        diags.push(
            Diagnostic::error(OPERATOR_SERVICE_ACCOUNT, r.span(&["spec", "taskManager", "pod", "serviceAccountName"]), format!(
                "the JobManager runs as {} and the TaskManager as {}, but the operator runs both as the FlinkDeployment's one `serviceAccount`",
                accounts[0].as_deref().map_or("flinkform's account".to_owned(), |a| format!("`{a}`")),
                accounts[1].as_deref().map_or("flinkform's account".to_owned(), |a| format!("`{a}`")),
            ))
            .note(target_at, "operator target chosen here")
            .help("set one `pod.serviceAccountName` for both pods"),
        );
    }

    let replicas = ["spec", "taskManager", "replicas"];
    let (node, _, depth) = r.tree.walk(&replicas);
    let needed = spec
        .job
        .parallelism
        .div_ceil(spec.task_manager.task_slots.max(1));
    if depth == replicas.len()
        && !node.span.is_builtin()
        && engine != Some(Engine::Hpa)
        && spec.task_manager.replicas != needed
    {
        diags.push(
            Diagnostic::warning(REPLICAS_FROM_PARALLELISM, r.span(&replicas), format!("under the operator the JobManager asks for the TaskManagers `job.parallelism` / `taskSlots` needs ({needed}), not `taskManager.replicas` ({})", spec.task_manager.replicas))
                .help("remove `taskManager.replicas`, or change `job.parallelism`"),
        );
    }

    if crate::flink_config::major_minor(&spec.flink_version) == (1, 18)
        && spec.flink_configuration.contains_key("env.java.opts.all")
    {
        diags.push(
            Diagnostic::warning(OPERATOR_JAVA_OPTS, r.span(&["spec", "flinkConfiguration", "env.java.opts.all"]), "for Flink 1.18 the operator puts the JVM flags Java 17 needs (`--add-opens ...`) into `env.java.opts.all`: this value replaces them, and a Java 17 image fails at submission without them")
                .help("include the `--add-exports`/`--add-opens` flags of Flink 1.18's default configuration in the value"),
        );
    }

    if r.upgrade_mode() == "stateless" {
        diags.push(
            Diagnostic::warning(STATELESS_UPGRADE, r.origin, "the operator upgrades this job statelessly: every change to its FlinkDeployment starts the job again from empty state (or its initialSavepoint)")
                .note(target_at, "operator target chosen here")
                .help("set `state.highAvailability` (upgrade mode last-state), or `state.savepoints` with `state.checkpoints` (upgrade mode savepoint)"),
        );
    }

    let Some(a) = spec.autoscaling.as_ref().filter(|a| a.enabled) else {
        return;
    };
    let unsupported = |what: &str, at, help: &str| {
        Diagnostic::error(
            TARGET_UNSUPPORTED,
            at,
            format!("{what}, which the operator target cannot express"),
        )
        .note(target_at, "operator target chosen here")
        .help(help.to_owned())
    };
    match a.engine {
        Engine::Keda => diags.push(unsupported(
            "`engine: keda` scales a Deployment",
            engine_at(),
            "use `engine: hpa` (an HPA on the FlinkDeployment's scale subresource) or `engine: operator` (the operator's own autoscaler)",
        )),
        Engine::Hpa => {}
        Engine::Operator => {
            let own = "the operator's autoscaler scales each vertex on the busy time it measures: use a `busyTime` rule, or `engine: hpa` for this rule";
            for (field, rule) in [("cpu", a.cpu.is_some()), ("memory", a.memory.is_some())] {
                if rule {
                    diags.push(unsupported(
                        &format!("a `{field}` rule is not the operator autoscaler's"),
                        r.key_span(&["spec", "autoscaling", field]),
                        own,
                    ));
                }
            }
            let mut busy_time = false;
            for (i, rule) in a.flink_metrics.iter().enumerate() {
                let index = i.to_string();
                let at = r.span(&["spec", "autoscaling", "flinkMetrics", &index]);
                match (rule.metric.as_deref(), &rule.external) {
                    (Some("busyTime"), _) => {
                        busy_time = true;
                        let ms = crate::metrics::target_number(rule);
                        if !ms.is_some_and(|ms| ms > 0.0 && ms <= 1000.0) {
                            diags.push(
                                Diagnostic::error(BUSY_TIME_TARGET, r.span(&["spec", "autoscaling", "flinkMetrics", &index, "target"]), "a busy-time target is in milliseconds busy per second: above 0, at most 1000")
                                    .help("e.g. `target: {value: \"700\"}`: scale so that each vertex is busy 70 % of the time"),
                            );
                        }
                    }
                    (Some(metric), _) => diags.push(unsupported(
                        &format!("a `{metric}` rule is not the operator autoscaler's"),
                        at,
                        "the operator's autoscaler scales on busy time and catches up on backlog by itself (`job.autoscaler.catch-up.duration` in flinkConfiguration); use a `busyTime` rule, or `engine: hpa`",
                    )),
                    (None, Some(_)) => diags.push(unsupported(
                        "an `external` metric is read by an HPA",
                        at,
                        "use `engine: hpa` for external metrics",
                    )),
                    (None, None) => {}
                }
            }
            let has_rules = a.cpu.is_some() || a.memory.is_some() || !a.flink_metrics.is_empty();
            if has_rules && !busy_time {
                diags.push(
                    Diagnostic::error(BUSY_TIME_TARGET, r.key_span(&["spec", "autoscaling"]), "the operator's autoscaler needs a `busyTime` rule: its target is the utilization it scales each vertex to")
                        .help("add `flinkMetrics: [{metric: busyTime, target: {value: \"700\"}}]`"),
                );
            }
            let behavior = ["spec", "autoscaling", "behavior"];
            let (node, _, depth) = r.tree.walk(&behavior);
            if depth == behavior.len() && !node.span.is_builtin() {
                diags.push(unsupported(
                    "`behavior` shapes an HPA's scaling",
                    r.key_span(&behavior),
                    "set the operator autoscaler's own keys in flinkConfiguration (`job.autoscaler.stabilization.interval`, `job.autoscaler.scale-down.interval`, ...)",
                ));
            }
        }
    }
}
