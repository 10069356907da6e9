//! Rules on the job itself: where its jar is, and whether Flink can give it its parallelism.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};

use crate::yaml::{Node, Value};

use super::Located;
use super::labels::{label_key_problem, label_value_problem};

declare_code! {
    pub INVALID_LABEL: error "invalid-label",
    catches: "A label key or value that Kubernetes does not accept.",
    why: "The API server rejects the object.",
    fix: "Label keys are [prefix/]name; values at most 63 characters of letters, digits, '-', '_' and '.'.",
}

declare_code! {
    pub JAR_OUTSIDE_USRLIB: error "jar-outside-usrlib",
    catches: "A `jarURI` outside /opt/flink/usrlib.",
    why: "In standalone application mode the JobManager loads the job from the jars below /opt/flink/usrlib only; a jar elsewhere is never loaded.",
    fix: "Copy the jar into /opt/flink/usrlib in the image and point `jarURI` there.",
}

declare_code! {
    pub JAR_URI: error "jar-uri",
    catches: "A `jarURI` that is not `local://`.",
    why: "Standalone application mode runs the jar inside the image.",
    fix: "Build the jar into the image: `local:///opt/flink/usrlib/job.jar`.",
}

declare_code! {
    pub NOT_ENOUGH_SLOTS: error "not-enough-slots",
    catches: "Without autoscaling, a parallelism above replicas x taskSlots.",
    why: "Flink's default scheduler waits for every slot the parallelism needs: the job never leaves CREATED.",
    fix: "Raise `taskManager.replicas` or `taskSlots`, or lower `parallelism`.",
}

declare_code! {
    pub OWNED_LABEL: error "owned-label",
    catches: "A job label (`metadata.labels`) that flinkform sets on every object (app.kubernetes.io/*).",
    why: "The recommended labels and the selectors depend on them; a second value would be dropped or would break a selector.",
    fix: "Remove it, or use another key.",
}

declare_code! {
    pub PARALLELISM_RANGE: error "parallelism-range",
    catches: "`parallelism` above `maxParallelism`.",
    why: "A job cannot run with more parallel tasks than key groups.",
    fix: "Lower `parallelism`, or raise `maxParallelism` for a new job.",
}

declare_code! {
    pub RESERVED_JOB_NAME: error "reserved-job-name",
    catches: "A job named `namespaces`.",
    why: "`<env>/namespaces/` holds an environment's Namespaces; the job's overlay would be written over them.",
    fix: "Give the job another name.",
}

/// The labels flinkform sets on every object of a job.
pub(super) const OWN_LABELS: &[&str] = &[
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
];

/// Where the official image's standalone entrypoint looks for the job's classes.
const USRLIB: &str = "/opt/flink/usrlib/";

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    // `<env>/<job>/` is the job's overlay; `<env>/namespaces/` holds the Namespaces.
    if r.name() == "namespaces" {
        diags.push(
            Diagnostic::error(RESERVED_JOB_NAME, r.span(&["metadata", "name"]), "a job named `namespaces` would share its overlay folder with the environment's Namespaces")
                .help("give the job another name"),
        );
    }
    let jar = &spec.job.jar_uri;
    match jar.strip_prefix("local://") {
        None => diags.push(
            Diagnostic::error(JAR_URI, r.span(&["spec", "job", "jarURI"]), format!("`jarURI` must be a `local://` path, found `{jar}`"))
                .help("standalone application mode runs the jar inside the image: `local:///opt/flink/usrlib/job.jar`"),
        ),
        // Standalone application mode puts the jars below usrlib on the job's classpath and
        // nothing else: a jar elsewhere is never loaded, and the JobManager cannot find the
        // entry class.
        Some(path) if !path.starts_with(USRLIB) || path.len() == USRLIB.len() => diags.push(
            Diagnostic::error(JAR_OUTSIDE_USRLIB, r.span(&["spec", "job", "jarURI"]), format!("the JobManager never loads `{path}`: a standalone job's classes come from the jars below {USRLIB}"))
                .help("copy the jar into /opt/flink/usrlib/ in the image (`COPY job.jar /opt/flink/usrlib/`) and point `jarURI` there"),
        ),
        Some(_) => {}
    }

    // The job's labels go on every object: valid labels, and none that flinkform sets.
    if let (
        Node {
            value: Value::Map(labels),
            ..
        },
        _,
        2,
    ) = r.tree.walk(&["metadata", "labels"])
    {
        for e in labels {
            let value = e.value.as_str().unwrap_or_default();
            if OWN_LABELS.contains(&e.key.as_str()) {
                diags.push(
                    Diagnostic::error(
                        OWNED_LABEL,
                        e.key_span,
                        format!(
                            "flinkform sets the label `{}` on every object itself",
                            e.key
                        ),
                    )
                    .help("remove it; flinkform's value cannot be replaced"),
                );
            } else if let Some(problem) =
                label_key_problem(&e.key).or_else(|| label_value_problem(value))
            {
                diags.push(
                    Diagnostic::error(INVALID_LABEL, e.key_span, format!("`{}: {}` is not a valid Kubernetes label: {problem}", e.key.escape_debug(), value.escape_debug()))
                        .help("label keys are [prefix/]name, values at most 63 characters of letters, digits, '-', '_' and '.'"),
                );
            }
        }
    }

    let parallelism = spec.job.parallelism;
    if let Some(max_par) = spec.job.max_parallelism
        && parallelism > max_par
    {
        diags.push(Diagnostic::error(
            PARALLELISM_RANGE,
            r.span(&["spec", "job", "parallelism"]),
            format!("`parallelism` {parallelism} is above `maxParallelism` {max_par}"),
        ).help("a job cannot run with more parallel tasks than its maxParallelism (the number of key groups)"));
    }
    // Flink's default scheduler waits for every slot the parallelism needs: with fewer, the
    // job never leaves CREATED. (Reactive mode, with autoscaling, takes what it gets; under
    // the operator the JobManager asks for the TaskManagers the parallelism needs.)
    if !r.autoscaling_enabled() && !r.on_operator() {
        let replicas = spec.task_manager.replicas;
        let slots = spec.task_manager.task_slots;
        if u64::from(parallelism) > u64::from(replicas) * u64::from(slots) {
            diags.push(
                Diagnostic::error(
                    NOT_ENOUGH_SLOTS,
                    r.span(&["spec", "job", "parallelism"]),
                    format!("`parallelism` {parallelism} needs more slots than `replicas` x `taskSlots` = {replicas} x {slots}: the job never starts"),
                )
                .help("raise `taskManager.replicas` or `taskSlots`, or lower `parallelism`"),
            );
        }
    }
}
