//! A panic is flinkform's bug, never the user's: it exits 2 (an internal error, like an I/O
//! error) instead of Rust's 101, and asks for a report instead of showing only a location.

use std::backtrace::{Backtrace, BacktraceStatus};

/// Where users report bugs.
pub const REPORT_URL: &str = "https://github.com/flinkform/flinkform/issues";

/// Set in the environment, makes the binary panic at once: how the tests reach the hook
/// through the real binary, since no input is meant to panic.
pub const TEST_PANIC_VARIABLE: &str = "FLINKFORM_INTERNAL_TEST_PANIC";

/// Replaces the default panic hook for the rest of the process. The hook exits from whichever
/// thread panicked (a rayon worker too), so the exit status is 2 whatever unwinding would do;
/// `render` is crash-safe (a killed run leaves every file old or new), so stopping there
/// leaves the output as consistent as a kill would.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error: flinkform {} panicked{place}: {}",
            env!("CARGO_PKG_VERSION"),
            crate::terminal::escaped(&message)
        );
        eprintln!(
            "help: this is a bug in flinkform, not a problem of your input; please report it at \
             {REPORT_URL} with the command you ran, this message and, if you can, the project"
        );
        let backtrace = Backtrace::capture();
        if backtrace.status() == BacktraceStatus::Captured {
            eprintln!("{backtrace}");
        } else {
            eprintln!("note: run with `RUST_BACKTRACE=1` to add a backtrace to the report");
        }
        std::process::exit(2);
    }));
}
