//! Which `--format` each command can print.

use super::{Cli, Command, Format};
use clap::ValueEnum as _;

/// A `--format` the command has no such output for: refused rather than silently ignored.
pub(super) fn format_refused(cli: &Cli) -> Option<String> {
    let (name, takes) = match (&cli.command, cli.format) {
        (Command::Validate { .. }, Format::Markdown | Format::Svg) => {
            ("validate", "text, json or github")
        }
        (Command::Render { .. }, Format::Markdown | Format::Svg) => {
            ("render", "text, json or github")
        }
        (Command::Check { .. }, Format::Markdown | Format::Svg) => {
            ("check", "text, json or github")
        }
        (Command::Build { .. }, Format::Markdown | Format::Svg) => {
            ("build", "text, json or github")
        }
        (Command::Diff { .. }, Format::Svg) => ("diff", "text, markdown, json or github"),
        _ => return None,
    };
    let given = cli.format.to_possible_value()?.get_name().to_owned();
    Some(format!(
        "`{name}` has no `--format {given}` output; it takes {takes}"
    ))
}
