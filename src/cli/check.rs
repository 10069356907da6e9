//! `flinkform check`: the golden-file diff of what render would write.

use std::io::{IsTerminal, Write as _};
use std::path::Path;

use super::paths::shown_path;
use super::{Context, Format, color_on, count};
use crate::exit::ExitStatus;
use crate::output::{self, Found};
use crate::text_diff;

impl Context<'_> {
    /// `check`: the golden-file diff of what render would write against the output folder.
    ///
    /// Exit 0 when identical; 1 on drift (a file differs, is binary garbage or not a file at
    /// all, is missing, or is stale), on invalid input, and when the output folder does not
    /// exist yet; 2 when a file or the folder cannot be read (nothing is known about it) or
    /// `--out` is not a folder.
    pub(super) fn check(&self, out: Option<&Path>, stat: bool) -> ExitStatus {
        let (c, dir) = match self.compile_tree(out) {
            Ok(found) => found,
            Err(status) => return status,
        };
        let shown = shown_path(&dir);
        match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                eprintln!("error: the output folder {shown} is not a folder");
                return ExitStatus::Error;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!(
                    "error: the output folder {shown} does not exist; run `flinkform render` first"
                );
                return ExitStatus::Failure;
            }
            Err(e) => {
                eprintln!("error: cannot read the output folder {shown}: {e}");
                return ExitStatus::Error;
            }
        }
        let compiled = c.output.as_ref().expect("checked by compile");
        let tree = &compiled.tree;
        let cmp = output::compare(&dir, tree);
        let color = color_on(self.cli.color, std::io::stdout().is_terminal());
        let mut stdout = std::io::stdout().lock();
        if matches!(self.cli.format, Format::Json | Format::Github) {
            let found = crate::drift::drifted(&cmp, tree, &shown);
            let _ = stdout.write_all(
                if self.cli.format == Format::Json {
                    crate::drift::json(&found)
                } else {
                    crate::drift::github(&found)
                }
                .as_bytes(),
            );
        }
        // Write errors (a closed pipe) are ignored: the exit code and summary still tell.
        let text = !matches!(self.cli.format, Format::Json | Format::Github);
        for (path, found) in cmp.changed.iter().filter(|_| text) {
            let new = &tree[path];
            let _ = match found {
                Found::Text(old) if stat => {
                    let (added, removed) = text_diff::line_counts(old, new);
                    writeln!(stdout, "changed: {path} (+{added} -{removed})")
                }
                Found::Text(old) => write!(stdout, "{}", text_diff::unified(path, old, new, color)),
                Found::Binary(_) if stat => writeln!(stdout, "changed: {path} (binary)"),
                Found::Binary(size) => writeln!(
                    stdout,
                    "Binary files a/{path} and b/{path} differ ({size} bytes on disk that are not UTF-8 text)"
                ),
                Found::TooLarge(size) => writeln!(
                    stdout,
                    "changed: {path} ({size} bytes on disk, too large to compare as text; render would replace it)"
                ),
                Found::NotAFile(kind) => writeln!(
                    stdout,
                    "changed: {path} is {kind}, where render writes a file; remove it, then run `flinkform render`"
                ),
            };
        }
        for path in cmp.missing.iter().filter(|_| text) {
            let _ = writeln!(stdout, "missing: {path}");
        }
        for path in cmp.stale.iter().filter(|_| text) {
            let _ = writeln!(stdout, "stale: {path} (render would delete it)");
        }
        let _ = stdout.flush();
        drop(stdout);
        for e in &cmp.errors {
            eprintln!("error: {}", crate::terminal::escaped(&e.to_string()));
        }
        let drift = format!(
            "{}, {} missing, {} stale",
            match cmp.changed.len() {
                1 => "1 file differs".to_owned(),
                n => format!("{n} files differ"),
            },
            cmp.missing.len(),
            cmp.stale.len()
        );
        if !cmp.errors.is_empty() {
            eprintln!(
                "failed: {} in {shown} could not be read ({drift} among the rest), in {}",
                count(cmp.errors.len(), "file"),
                self.elapsed()
            );
            ExitStatus::Error
        } else if cmp.is_clean() {
            eprintln!(
                "up to date: {} in {shown}, in {}",
                count(tree.len(), "file"),
                self.elapsed()
            );
            ExitStatus::Success
        } else {
            eprintln!(
                "{drift} in {shown}; run `flinkform render` to update, in {}",
                self.elapsed()
            );
            ExitStatus::Failure
        }
    }
}
