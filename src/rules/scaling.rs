//! Rules on autoscaling: bounds, rules, what each engine can do with them, and what a scale
//! event costs a Flink job in reactive mode (a restart from the latest checkpoint, with as
//! many parallel tasks as there are slots, up to the maximum parallelism).

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::flink::parallelism::default_max_parallelism;
use crate::metrics;
use crate::model::{Autoscaling, Engine, ProjectSpec};

use super::labels::{label_key_problem, label_value_problem};
use super::{Located, has_checkpointing};

declare_code! {
    pub AVERAGE_VALUE_ON_FOLD: error "average-value-on-fold",
    catches: "An `averageValue` target on a Flink metric preset that is a maximum over the job's tasks (busyTime, the busiest task's average over its subtasks; latency, watermarkLag, kafkaLag).",
    why: "The autoscaler divides an averageValue metric by the number of TaskManagers; only a sum (backlog) grows with the work they share, so the rule would scale on a number that means nothing.",
    fix: "Use `target: {value: ...}`, the threshold for the job as a whole.",
}

declare_code! {
    pub INVALID_METRIC_RULE: error "invalid-metric-rule",
    catches: "A flinkMetrics rule with both or neither of `metric` and `external`.",
    why: "A rule scales on one metric.",
    fix: "Give `metric: <preset>` or `external: {name: ...}`.",
}

declare_code! {
    pub INVALID_SELECTOR: error "invalid-selector",
    catches: "A label selector of an external metric that is not a valid selector.",
    why: "The metrics API rejects it, and the HPA never gets a value.",
    fix: "Use valid label keys and values.",
}

declare_code! {
    pub JOB_NAME_LABEL: error "job-name-label",
    catches: "A job whose `job_name`, as Flink's Prometheus reporter writes it (every character outside letters, digits, `:` and `_` turned into `_`), is not a Kubernetes label value, while an hpa rule on a Flink metric preset selects the job by it.",
    why: "The HPA's External metric selects the job with `matchLabels: {job_name: ...}`; a selector with an invalid label value is refused, and the HPA reports `FailedGetExternalMetric` and never scales.",
    fix: "Choose a `flinkJobName` (or job name) that becomes at most 63 letters, digits, `_`, `-` or `.`, and starts and ends with a letter or digit: `Orders Enrichment v2`, not `Orders Enrichment (v2)`.",
}

declare_code! {
    pub KEDA_EXTERNAL_METRIC: error "keda-external-metric",
    catches: "An `external` metric rule with the keda engine.",
    why: "KEDA queries Prometheus itself; an External metric is an HPA feature.",
    fix: "Use a preset, or `engine: hpa`.",
}

declare_code! {
    pub KEDA_PROMETHEUS_URL: error "keda-prometheus-url",
    catches: "The keda engine with a Flink metric preset but no `spec.prometheus.url`.",
    why: "KEDA's prometheus trigger needs the server to ask.",
    fix: "Set `spec.prometheus.url` in flinkform.yaml.",
}

declare_code! {
    pub MAX_PARALLELISM_IMPLICIT: warning "max-parallelism-implicit",
    catches: "Autoscaling without `job.maxParallelism`.",
    why: "Reactive mode runs with every slot up to the maximum parallelism. Without `maxParallelism`, Flink derives it from the parallelism at the job's first start (128 for a parallelism up to 85) and the state keeps it: the job can never use more slots, and setting another one later makes the state unrestorable.",
    fix: "Set `job.maxParallelism` once, at least maxReplicas x taskSlots.",
}

declare_code! {
    pub MEMORY_RULE: warning "memory-rule",
    catches: "A memory scaling rule below 90 %.",
    why: "A JVM takes its heap at start and seldom gives it back, so memory use stays high after the load drops and the rule rarely scales down.",
    fix: "Scale on cpu or a Flink metric; keep memory as a guard at 90 % or more.",
}

declare_code! {
    pub MIN_REPLICAS_ZERO: error "min-replicas-zero",
    catches: "`minReplicas: 0`.",
    why: "An HPA cannot scale to zero, and KEDA could never wake the job: cpu, memory and Flink's metrics all come from its TaskManagers.",
    fix: "Use `minReplicas: 1`.",
}

declare_code! {
    pub NO_CHECKPOINTING: warning "no-checkpointing",
    catches: "Autoscaling without a checkpoint interval.",
    why: "Every scale event restarts the job; without checkpoints it restarts from nothing.",
    fix: "Set `execution.checkpointing.interval` in flinkConfiguration.",
}

declare_code! {
    pub NO_SCALING_RULE: error "no-scaling-rule",
    catches: "Autoscaling enabled without a rule.",
    why: "The autoscaler has nothing to scale on.",
    fix: "Add `cpu`, `memory` or `flinkMetrics`, or set `enabled: false`.",
}

declare_code! {
    pub PARALLELISM_IGNORED: warning "parallelism-ignored",
    catches: "With the hpa or keda engine, a `parallelism` outside the parallelism reactive mode runs the job at: `minReplicas` x `taskSlots` to `maxReplicas` x `taskSlots`, capped by the maximum parallelism.",
    why: "Reactive mode runs every operator with all the slots its TaskManagers offer and ignores the configured parallelism, so a value outside that range says something that never happens. Only a fresh start uses it: without `maxParallelism`, Flink derives the maximum parallelism from it (a job that restores its state keeps the state's). So a change of `parallelism` rolls no pods.",
    fix: "Set `maxParallelism` once, if the job has none (to the key groups its state has); then set `parallelism` within the range the autoscaler gives the job (its top reads best).",
}

declare_code! {
    pub REPLICAS_RANGE: error "replicas-range",
    catches: "`minReplicas` above `maxReplicas`.",
    why: "The autoscaler cannot hold both.",
    fix: "Make minReplicas at most maxReplicas.",
}

declare_code! {
    pub RESTART_STRATEGY_LIMIT: warning "restart-strategy-limit",
    catches: "Autoscaling with a restart strategy that gives up (fixed-delay, failure-rate, none).",
    why: "Every TaskManager a scale-down removes fails the job's tasks once; after a few scale events the job would fail for good.",
    fix: "Use `exponential-delay`, Flink's default with checkpointing.",
}

declare_code! {
    pub SLOTS_ABOVE_MAX_PARALLELISM: warning "slots-above-max-parallelism",
    catches: "maxReplicas x taskSlots above `maxParallelism`.",
    why: "Reactive mode never runs more tasks than the maximum parallelism: the TaskManagers above it sit idle.",
    fix: "Lower maxReplicas, or start a new job with a higher maxParallelism.",
}

/// Restart strategies that give up after a few failures. In reactive mode every TaskManager a
/// scale-down removes fails the job's tasks once.
const LIMITED_RESTARTS: &[&str] = &[
    "fixed-delay",
    "fixeddelay",
    "failure-rate",
    "failurerate",
    "none",
    "off",
    "disable",
];

pub(super) fn check(r: &Located, settings: &ProjectSpec, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let Some(a) = spec.autoscaling.as_ref().filter(|a| a.enabled) else {
        return;
    };
    let at = |field: &str| r.span(&["spec", "autoscaling", field]);
    let Some(max) = a.max_replicas else {
        diags.push(
            Diagnostic::error(
                crate::validate::codes::MISSING_FIELD,
                r.key_span(&["spec", "autoscaling"]),
                "autoscaling needs `maxReplicas`",
            )
            .help("set the most TaskManagers the job may scale to"),
        );
        return;
    };
    if a.min_replicas > max {
        diags.push(
            Diagnostic::error(
                REPLICAS_RANGE,
                at("minReplicas"),
                format!(
                    "`minReplicas` {} is above `maxReplicas` {max}",
                    a.min_replicas
                ),
            )
            .note(at("maxReplicas"), "maxReplicas set here")
            .help("make `minReplicas` at most `maxReplicas`"),
        );
    }
    if a.min_replicas == 0 {
        let d = match a.engine {
            Engine::Hpa => Diagnostic::error(MIN_REPLICAS_ZERO, at("minReplicas"), "`minReplicas: 0` is not possible with the hpa engine")
                .help("a HorizontalPodAutoscaler cannot scale to zero without an alpha feature gate; use `minReplicas: 1`"),
            // cpu, memory and every Flink metric come from the TaskManagers: with none left
            // there is no series to wake the job up again.
            Engine::Keda => Diagnostic::error(MIN_REPLICAS_ZERO, at("minReplicas"), "KEDA could never wake this job from zero: cpu, memory and Flink's metrics all come from its TaskManagers")
                .help("use `minReplicas: 1`"),
            Engine::Operator => Diagnostic::error(MIN_REPLICAS_ZERO, at("minReplicas"), "the operator's autoscaler keeps every job running: it cannot scale to zero TaskManagers")
                .help("use `minReplicas: 1`"),
        };
        diags.push(d);
    }
    if a.cpu.is_none() && a.memory.is_none() && a.flink_metrics.is_empty() {
        diags.push(
            Diagnostic::error(NO_SCALING_RULE, r.key_span(&["spec", "autoscaling"]), "autoscaling is enabled without a scaling rule")
                .help("add `cpu: {averageUtilization: 65}`, `memory`, or `flinkMetrics`; or set `enabled: false`"),
        );
    }
    check_metric_rules(r, a, settings, diags);
    // Below 90 % a memory rule keeps the TaskManagers it added: their heap stays taken.
    if let Some(memory) = a.memory.as_ref().filter(|m| m.average_utilization < 90) {
        diags.push(
            Diagnostic::warning(MEMORY_RULE, r.span(&["spec", "autoscaling", "memory", "averageUtilization"]), format!("a JVM takes its heap at start and seldom gives it back: memory use stays high after load drops, so a {} % memory rule rarely scales down", memory.average_utilization))
                .help("scale on `cpu` or a Flink metric; keep `memory` only as a guard, at 90 % or more"),
        );
    }
    check_parallelism(r, max, diags);
    if matches!(a.engine, Engine::Hpa | Engine::Keda) {
        check_reactive_parallelism(r, a.min_replicas.min(max), max, diags);
    }
    if !has_checkpointing(r) {
        diags.push(
            Diagnostic::warning(NO_CHECKPOINTING, at("enabled"), "autoscaling restarts the job on every scale event, but no checkpoint interval is configured")
                .help("set `execution.checkpointing.interval` in `flinkConfiguration`, or every rescale loses the job's progress"),
        );
    }
    for key in ["restart-strategy.type", "restart-strategy"] {
        if let Some(strategy) = spec.flink_configuration.get(key).and_then(|v| v.as_str())
            && LIMITED_RESTARTS.contains(&strategy.to_ascii_lowercase().as_str())
        {
            diags.push(
                Diagnostic::warning(RESTART_STRATEGY_LIMIT, r.span(&["spec", "flinkConfiguration", key]), format!("the `{strategy}` restart strategy fails the job after a few restarts, and every TaskManager a scale-down removes counts as one"))
                    .help("use `exponential-delay` (Flink's default with checkpointing), which keeps restarting"),
            );
        }
    }
}

/// Reactive mode ignores `parallelism`: the job runs with every slot it gets, up to its
/// maximum parallelism, which Flink derives from the parallelism when it is not set, and
/// which a restored state must keep.
fn check_parallelism(r: &Located, max: u32, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let slots = spec.task_manager.task_slots;
    let most = u64::from(max) * u64::from(slots);
    match spec.job.max_parallelism {
        None => {
            let derived =
                crate::flink::parallelism::default_max_parallelism(u64::from(spec.job.parallelism));
            // Above the derived maximum the slots are never used.
            let idle = if most > derived {
                format!(": {most} slots at `maxReplicas`, {} of them idle", most - derived)
            } else {
                String::new()
            };
            diags.push(
                Diagnostic::warning(MAX_PARALLELISM_IMPLICIT, r.key_span(&["spec", "autoscaling"]), format!("autoscaling without `job.maxParallelism`: Flink derives it at the first start ({derived}) and the state keeps it, so the job never uses more slots{idle}, and setting another one later makes the state unrestorable"))
                    .help(format!("set `job.maxParallelism` once, at least `maxReplicas` x `taskSlots` = {most} (a multiple of it spreads keys evenly)")),
            );
        }
        Some(max_par) if most > u64::from(max_par) => diags.push(
            Diagnostic::warning(SLOTS_ABOVE_MAX_PARALLELISM, r.span(&["spec", "autoscaling", "maxReplicas"]), format!("`maxReplicas` x `taskSlots` = {max} x {slots} = {most} slots, but `maxParallelism` {max_par} caps the job: the TaskManagers above it sit idle"))
                .help(format!("lower `maxReplicas` to {}, or start a new job with a higher `maxParallelism`", u64::from(max_par).div_ceil(u64::from(slots)))),
        ),
        Some(_) => {}
    }
}

/// Reactive mode runs the job with every slot its TaskManagers offer, up to the maximum
/// parallelism: a configured `parallelism` outside what the autoscaler can give it misleads.
fn check_reactive_parallelism(r: &Located, min: u32, max: u32, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    let parallelism = u64::from(spec.job.parallelism);
    let slots = u64::from(spec.task_manager.task_slots);
    let (cap, derived) = match spec.job.max_parallelism {
        // Above the maximum parallelism is an error of its own.
        Some(m) if parallelism > u64::from(m) => return,
        Some(m) => (u64::from(m), None),
        None => {
            let d = default_max_parallelism(parallelism);
            (d, Some(d))
        }
    };
    let low = (u64::from(min) * slots).min(cap);
    let high = (u64::from(max) * slots).min(cap);
    if (low..=high).contains(&parallelism) {
        return;
    }
    let range = if low == high {
        low.to_string()
    } else {
        format!("{low} to {high}")
    };
    let message = if parallelism > high {
        format!(
            "`parallelism` {parallelism} is more than the job can ever get: reactive mode ignores it and runs the job with its TaskManagers' slots, {range}"
        )
    } else {
        format!(
            "reactive mode ignores `parallelism` {parallelism}: it runs the job with every slot its TaskManagers offer, {range}"
        )
    };
    let mut d = Diagnostic::warning(
        PARALLELISM_IGNORED,
        r.span(&["spec", "job", "parallelism"]),
        message,
    );
    if let Some(derived) = derived {
        d = d.note(
            r.key_span(&["spec", "autoscaling"]),
            format!(
                "without `maxParallelism`, a fresh start of the job derives the maximum parallelism {derived} from it"
            ),
        );
    }
    // Without `maxParallelism` the parallelism decides the key groups of a fresh start: the
    // fix is the maximum, set once, not a parallelism that moves it.
    let help = if derived.is_some() {
        format!(
            "set `maxParallelism` first, once (to the key groups the job's state has, or for a new job at least `maxReplicas` x `taskSlots` = {}); then a parallelism within the range",
            u64::from(max) * slots
        )
    } else if high == u64::from(max) * slots {
        format!(
            "write the parallelism the autoscaler can reach, e.g. `parallelism: {high}` (`maxReplicas` x `taskSlots`)"
        )
    } else {
        format!(
            "write the parallelism the autoscaler can reach, e.g. `parallelism: {high}` (the `maxParallelism` that caps it)"
        )
    };
    diags.push(d.help(help));
}

/// The `flinkMetrics` rules and what each engine needs of them.
fn check_metric_rules(
    r: &Located,
    a: &Autoscaling,
    settings: &ProjectSpec,
    diags: &mut Diagnostics,
) {
    let keda = a.engine == Engine::Keda;
    let engine_span = r.span(&["spec", "autoscaling", "engine"]);
    check_job_name_label(r, a, diags);
    for (i, rule) in a.flink_metrics.iter().enumerate() {
        let index = i.to_string();
        let span = r.span(&["spec", "autoscaling", "flinkMetrics", &index]);
        if rule.metric.is_some() == rule.external.is_some() {
            diags.push(
                Diagnostic::error(INVALID_METRIC_RULE, span, "a flinkMetrics rule needs exactly one of `metric` or `external`")
                    .help("`metric: backlog` picks a preset; `external: {name: ...}` names any external metric"),
            );
            continue;
        }
        if let Some(preset) = rule.metric.as_deref().and_then(metrics::preset)
            && preset.fold != metrics::Fold::Sum
            && rule.target.average_value.is_some()
        {
            diags.push(
                Diagnostic::error(AVERAGE_VALUE_ON_FOLD, r.span(&["spec", "autoscaling", "flinkMetrics", &index, "target", "averageValue"]), format!("`{}` is the {}: an `averageValue` target divides it by the TaskManagers, which it does not grow with", preset.name, preset.fold.describe()))
                    .help("use `target: {value: ...}`: the threshold for the job as a whole"),
            );
        }
        if rule.metric.is_some() && keda && settings.prometheus.is_none() {
            diags.push(
                Diagnostic::error(KEDA_PROMETHEUS_URL, span, "the keda engine queries Prometheus for Flink metrics, but no Prometheus URL is configured")
                    .note(engine_span, "keda engine chosen here")
                    .help("set `spec.prometheus.url` in flinkform.yaml, e.g. http://prometheus-operated.monitoring.svc:9090"),
            );
        }
        if let Some(external) = &rule.external {
            if keda {
                diags.push(
                    Diagnostic::error(KEDA_EXTERNAL_METRIC, span, "an `external` metric needs the hpa engine")
                        .note(engine_span, "keda engine chosen here")
                        .help("use a preset (`metric: backlog`, ...) with keda, or `engine: hpa` for an External metric"),
                );
            }
            for (key, value) in external.selector.iter().flat_map(|s| s.match_labels.iter()) {
                let at = r.tree.walk(&[
                    "spec",
                    "autoscaling",
                    "flinkMetrics",
                    &index,
                    "external",
                    "selector",
                    "matchLabels",
                    key,
                ]);
                if let Some(problem) = label_key_problem(key).or_else(|| label_value_problem(value))
                {
                    diags.push(
                        Diagnostic::error(INVALID_SELECTOR, at.1.unwrap_or(span), format!("`{key}: {value}` is not a valid label selector: {problem}"))
                            .help("label keys are [prefix/]name, values at most 63 characters of letters, digits, '-', '_' and '.'"),
                    );
                }
            }
        }
    }
}

/// With the hpa engine a preset's External metric selects the job by its `job_name` label, as
/// Flink's Prometheus reporter writes it; a selector holds only valid label values, and the
/// HPA cannot fetch a metric whose selector does not parse.
fn check_job_name_label(r: &Located, a: &Autoscaling, diags: &mut Diagnostics) {
    let uses_preset = a
        .flink_metrics
        .iter()
        .any(|rule| rule.metric.as_deref().and_then(metrics::preset).is_some());
    if a.engine != Engine::Hpa || !uses_preset {
        return;
    }
    let job_name = crate::flink_config::prometheus_job_name(r.resolved);
    let Some(problem) = label_value_problem(&job_name) else {
        return;
    };
    let (at, given) = if r.job.spec.job.flink_job_name.is_some() {
        (r.span(&["spec", "job", "flinkJobName"]), "`flinkJobName`")
    } else {
        (r.span(&["metadata", "name"]), "the job's name")
    };
    diags.push(
        Diagnostic::error(JOB_NAME_LABEL, at, format!("the HPA selects this job's metrics by `job_name: {}` ({given} as Flink's reporter writes it), which is not a label value: {problem}", job_name.escape_debug()))
            .help("choose a name that becomes at most 63 letters, digits, '_', '-' or '.', starting and ending with a letter or digit (the reporter turns every other character into '_')"),
    );
}
