//! How a run ends, as its exit code says it.

use std::process::ExitCode;

/// A run's outcome. Ordered by severity, so the worst of several is their maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: done, and nothing found (no drift, every gate passed).
    Success,
    /// 1: what the user asks about is not right: invalid input, drift, a warning under
    /// `--strict`, a gate of `simulate` that failed.
    Failure,
    /// 2: the run could not answer: a usage, I/O or internal error.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        })
    }
}
