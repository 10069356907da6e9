//! The command line: argument parsing, dispatch, printing and exit codes.
//!
//! Exit codes, like `diff`: 0 success or no drift; 1 drift or invalid input; 2 usage, I/O or
//! internal error ([`ExitStatus`]). Diagnostics and the summary line go to stderr; `build`,
//! `schema` and the diffs of `check` go to stdout. Each command's code is in a file of its own
//! below `cli/`; this file holds what they share: the compilation, the output folder and the
//! printing of diagnostics.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use crate::diagnostic::Severity;
use crate::exit::ExitStatus;
use crate::{Compilation, Goal};

mod args;
mod build;
mod check;
mod diff;
mod formats;
mod init;
mod paths;
mod reference;
mod render;
mod simulate;

pub use args::{Cli, Color, Command, Format, SchemaKind};
use formats::format_refused;
use paths::{absolute, symlink_below};

/// Parses the arguments, runs the command, and maps the outcome to an exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            });
        }
    };
    ExitCode::from(run(&cli))
}

/// Runs a parsed command.
#[must_use]
pub fn run(cli: &Cli) -> ExitStatus {
    let color = color_on(cli.color, std::io::stderr().is_terminal());
    let ctx = Context {
        cli,
        color,
        start: Instant::now(),
    };
    if let Some(message) = format_refused(cli) {
        eprintln!("error: {message}");
        return ExitStatus::Error;
    }
    match &cli.command {
        Command::Schema { kind } => reference::schema(*kind),
        Command::Init { dir } => init::init(dir, &cli.project),
        Command::Explain { list: true, .. } => reference::explain_list(),
        Command::Explain { code, .. } => reference::explain(code.as_deref().unwrap_or_default()),
        Command::Man => reference::man(),
        Command::Completions { shell } => reference::completions(*shell),
        Command::Complete { kind } => reference::complete(*kind, &cli.project),
        Command::Validate { files } => ctx.validate(files),
        Command::Build { env, jobs } => ctx.build(env, jobs),
        Command::Render { out } => ctx.render(out.as_deref()),
        Command::Check { out, stat } => ctx.check(out.as_deref(), *stat),
        Command::Diff { against } => ctx.diff(against),
        Command::Simulate(args) => ctx.simulate(args),
    }
}

struct Context<'a> {
    cli: &'a Cli,
    color: bool,
    start: Instant,
}

impl Context<'_> {
    fn elapsed(&self) -> String {
        let ms = self.start.elapsed().as_millis();
        format!("{ms} ms")
    }

    fn print_diagnostics(&self, compilation: &Compilation) {
        if compilation.diags.is_empty() {
            return;
        }
        let diags = &compilation.diags;
        let sources = &compilation.sources;
        match self.cli.format {
            Format::Text | Format::Markdown | Format::Svg => {
                eprintln!("{}", diags.render(sources, self.color));
            }
            Format::Json => eprint!("{}", diags.render_json(sources)),
            Format::Github => eprint!("{}", diags.render_github(sources)),
        }
    }

    /// Compiles for a goal and prints diagnostics; `Err(code)` when the command must stop
    /// there.
    fn compile(&self, only: &[PathBuf], goal: Goal) -> Result<Compilation, ExitStatus> {
        let compilation = match crate::compile(&self.cli.project, only, goal) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.0));
                return Err(ExitStatus::Error);
            }
        };
        self.print_diagnostics(&compilation);
        let errors = compilation.diags.count(Severity::Error);
        let warnings = compilation.diags.count(Severity::Warning);
        if errors > 0 || compilation.output.is_none() || (self.cli.strict && warnings > 0) {
            let strict = if self.cli.strict && errors == 0 {
                " (--strict)"
            } else {
                ""
            };
            eprintln!(
                "failed: {}, {}{strict}; nothing written, in {}",
                count(errors, "error"),
                count(warnings, "warning"),
                self.elapsed()
            );
            return Err(if compilation.diags.has_io_errors() {
                ExitStatus::Error
            } else {
                ExitStatus::Failure
            });
        }
        Ok(compilation)
    }

    /// Compiles the whole output tree and finds the folder it belongs in.
    fn compile_tree(&self, out: Option<&Path>) -> Result<(Compilation, PathBuf), ExitStatus> {
        let c = self.compile(&[], Goal::Tree)?;
        let dir = self.out_dir(out, &c)?;
        Ok((c, dir))
    }

    /// Compiles one environment; one the project does not have is a usage error.
    fn compile_environment(&self, env: &str) -> Result<Compilation, ExitStatus> {
        let c = self.compile(&[], Goal::Environment(env))?;
        let compiled = c.output.as_ref().expect("checked by compile");
        if compiled.environments.is_empty() {
            eprintln!(
                "error: no environment `{env}`; the project has: {}",
                compiled.environment_names.join(", ")
            );
            return Err(ExitStatus::Error);
        }
        Ok(c)
    }

    fn out_dir(
        &self,
        out: Option<&Path>,
        compilation: &Compilation,
    ) -> Result<PathBuf, ExitStatus> {
        let configured = compilation
            .output
            .as_ref()
            .and_then(|o| o.settings.output.clone());
        let dir = match out {
            Some(o) => o.to_path_buf(),
            None => self
                .cli
                .project
                .join(configured.as_deref().unwrap_or("deploy")),
        };
        // A folder of the project may be a link a pull request planted, leading anywhere;
        // render would write and delete there. Only `--out` is the user's own choice.
        if out.is_none()
            && let Some(link) = symlink_below(&self.cli.project, &dir)
        {
            let target = std::fs::read_link(&link)
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            eprintln!(
                "error: the output folder {} is a symlink{target} inside the project; render writes only into real folders of the project, or where --out says",
                crate::terminal::escaped(&link.display().to_string())
            );
            return Err(ExitStatus::Error);
        }
        // The output must not be the project itself or hold its inputs: render deletes files.
        let project = self
            .cli
            .project
            .canonicalize()
            .unwrap_or_else(|_| self.cli.project.clone());
        let resolved = absolute(&dir);
        // Below the jobs folder the output would be read as jobs by the next run.
        let jobs = compilation
            .output
            .as_ref()
            .and_then(|o| o.settings.jobs.as_deref())
            .unwrap_or("jobs");
        let under_jobs = resolved.starts_with(absolute(&self.cli.project.join(jobs)));
        if resolved == project || under_jobs || compilation.sources_inside(&resolved) {
            eprintln!(
                "error: the output folder {} is the project folder, lies in its jobs folder or holds its input files; choose another --out",
                dir.display()
            );
            return Err(ExitStatus::Error);
        }
        Ok(dir)
    }
}

/// Whether to color: `--color always|never`, or on a terminal unless `NO_COLOR` is set to a
/// non-empty value (<https://no-color.org>; an explicit `--color always` wins over it).
fn color_on(choice: Color, terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// `1 job`, `2 jobs`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
