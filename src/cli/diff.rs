//! `flinkform diff`: what a change does to every environment and job.

use std::io::{IsTerminal, Write as _};

use super::{Context, Format, color_on, count};
use crate::diagnostic::Severity;
use crate::exit::ExitStatus;
use crate::{Compilation, Goal};

impl Context<'_> {
    /// `diff`: compiles the project at a revision and in the working tree, and reports what
    /// the change does. Only errors are printed: warnings are `validate`'s business.
    pub(super) fn diff(&self, against: &str) -> ExitStatus {
        use crate::changes::{self, report};
        use crate::files::{Files, Revision};
        let revision = match Revision::open(&self.cli.project, against) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.0));
                return ExitStatus::Error;
            }
        };
        let commit = revision.commit.clone();
        let old_files = Files::Revision(revision);
        let sides = [
            (
                format!("{against} ({})", &commit[..commit.len().min(12)]),
                &old_files,
            ),
            ("the working tree".to_owned(), &Files::Disk),
        ];
        let mut compiled = Vec::new();
        let mut failed = Vec::new();
        let mut status = ExitStatus::Success;
        for (side, files) in sides {
            match crate::compile_from(files, &self.cli.project, &[], Goal::Environments) {
                Ok(mut c) => {
                    c.diags.retain_errors();
                    self.print_diagnostics(&c);
                    let errors = c.diags.count(Severity::Error);
                    if errors > 0 || c.output.is_none() {
                        status = status.max(if c.diags.has_io_errors() {
                            ExitStatus::Error
                        } else {
                            ExitStatus::Failure
                        });
                        failed.push(format!("{} at {side}", count(errors, "error")));
                    }
                    compiled.push(c);
                }
                Err(e) => {
                    eprintln!(
                        "error: {}",
                        crate::terminal::escaped(&format!("{side}: {}", e.0))
                    );
                    return ExitStatus::Error;
                }
            }
        }
        if status > ExitStatus::Success {
            eprintln!(
                "failed: the project is invalid: {}; nothing compared, in {}",
                failed.join(", "),
                self.elapsed()
            );
            return status;
        }
        fn environments(c: &Compilation) -> &[crate::layout::EnvironmentObjects] {
            c.output
                .as_ref()
                .map(|o| o.environments.as_slice())
                .unwrap_or_default()
        }
        let found = changes::compare(environments(&compiled[0]), environments(&compiled[1]));
        let shown = report::Sides {
            old_revision: against,
            old_commit: &commit,
            new: "working tree",
        };
        let color = color_on(self.cli.color, std::io::stdout().is_terminal());
        let text = match self.cli.format {
            Format::Markdown => report::markdown(&found, &shown),
            Format::Json => report::json(&found, &shown),
            Format::Text | Format::Github | Format::Svg => report::text(&found, &shown, color),
        };
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
        let summary: Vec<String> = found
            .environments
            .iter()
            .map(|e| format!("{} {}", e.name, e.impact().as_str()))
            .collect();
        eprintln!(
            "compared {against} ({}) with the working tree: {} (worst impact per environment), in {}",
            &commit[..commit.len().min(12)],
            summary.join(", "),
            self.elapsed()
        );
        ExitStatus::Success
    }
}
