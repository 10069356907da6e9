//! `flinkform render`: the output folder written.

use std::path::Path;

use super::paths::shown_path;
use super::{Context, count};
use crate::exit::ExitStatus;
use crate::output;

impl Context<'_> {
    pub(super) fn render(&self, out: Option<&Path>) -> ExitStatus {
        let (c, dir) = match self.compile_tree(out) {
            Ok(found) => found,
            Err(status) => return status,
        };
        let compiled = c.output.as_ref().expect("checked by compile");
        let tree = &compiled.tree;
        match output::write(&dir, tree) {
            Ok(report) => {
                eprintln!(
                    "rendered {}, {}, {} ({} written, {} deleted, {} unchanged) into {} in {}",
                    count(compiled.job_count, "job"),
                    count(compiled.environment_names.len(), "environment"),
                    count(tree.len(), "file"),
                    report.written,
                    report.deleted,
                    report.unchanged,
                    shown_path(&dir),
                    self.elapsed()
                );
                ExitStatus::Success
            }
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.0));
                ExitStatus::Error
            }
        }
    }
}
