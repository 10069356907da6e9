//! Rules on the CPU and memory of the Flink containers.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::parse_quantity;

use super::Located;

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let spec = &r.job.spec;
    for (path, kind) in [
        (["spec", "jobManager", "resources", "cpu"], "cpu"),
        (["spec", "jobManager", "resources", "memory"], "memory"),
        (["spec", "taskManager", "resources", "cpu"], "cpu"),
        (["spec", "taskManager", "resources", "memory"], "memory"),
    ] {
        let text = if path[1] == "jobManager" {
            &spec.job_manager.resources
        } else {
            &spec.task_manager.resources
        };
        let text = if kind == "cpu" {
            &text.cpu
        } else {
            &text.memory
        };
        // What holds the quantity: Kubernetes counts CPU in millicores and Flink memory in
        // bytes, each in a signed 64-bit integer; past that a value wraps or is refused late.
        let most = if kind == "cpu" {
            i64::MAX as f64 / 1000.0
        } else {
            i64::MAX as f64
        };
        let Some(value) = parse_quantity(text).filter(|v| *v <= most) else {
            diags.push(
                Diagnostic::error(
                    crate::validate::codes::INVALID_QUANTITY,
                    r.span(&path),
                    format!("`{text}` is too large for `{}`", path[1..].join(".")),
                )
                .help(if kind == "cpu" {
                    "Kubernetes counts CPU in millicores in a 64-bit integer: at most about 9.2e15 cores"
                } else {
                    "Flink counts memory in bytes in a Java long: at most 8Ei - 1 bytes"
                }),
            );
            continue;
        };
        let (ok, need) = if kind == "cpu" {
            (value >= 0.001, "at least 1m of CPU")
        } else {
            (
                value >= 256.0 * 1024.0 * 1024.0,
                "at least 256Mi of memory: a Flink process needs it for its JVM overhead and metaspace",
            )
        };
        if !ok {
            diags.push(
                Diagnostic::error(
                    crate::validate::codes::INVALID_QUANTITY,
                    r.span(&path),
                    format!("`{text}` is too small for `{}`", path[1..].join(".")),
                )
                .help(format!("a Flink process needs {need}")),
            );
        }
    }
}
