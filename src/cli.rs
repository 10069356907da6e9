//! The command line: argument parsing, dispatch, printing and exit codes.
//!
//! Exit codes, like `diff`: 0 success or no drift; 1 drift or invalid input; 2 usage, I/O or
//! internal error. Diagnostics and the summary line go to stderr; `build`, `schema` and the
//! diffs of `check` go to stdout.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::layout;
use crate::output::{self, Found};
use crate::text_diff;
use crate::validate::{self, Kind};
use crate::{Compilation, Goal, scaffold};

mod formats;
mod paths;

use formats::format_refused;
use paths::{absolute, shown_path, symlink_below};

#[derive(Parser, Debug)]
#[command(
    name = "flinkform",
    version,
    about = "Compile Flink job definitions into Kubernetes manifests and kustomize trees"
)]
pub struct Cli {
    /// The project directory (holding flinkform.yaml and jobs/).
    #[arg(long, global = true, default_value = ".")]
    pub project: PathBuf,
    /// Color diagnostics and diffs.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    pub strict: bool,
    /// How diagnostics are printed: `text` for people, `json` (one object per line) for
    /// tools, `github` for GitHub Actions annotations. For `diff`, also how its report is
    /// printed: `text`, `markdown` (a pull-request comment) or `json`; for `simulate` also
    /// `svg` (a chart).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Markdown,
    Svg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the kustomize base and overlays; rewrites only what changed.
    #[command(after_help = "Example: flinkform --project examples/realfuture render")]
    Render {
        /// Output directory (default: the project's `output`, or deploy/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare what render would write with the output directory.
    #[command(after_help = "Example: flinkform --color always check   (exit 1 on drift)")]
    Check {
        /// Output directory to compare (default: the project's `output`, or deploy/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// List changed files only, without diffs.
        #[arg(long)]
        stat: bool,
    },
    /// Print the resolved manifests of one environment.
    #[command(after_help = "Example: flinkform build --env prod | kubectl apply -f -")]
    Build {
        /// The environment to print.
        #[arg(long)]
        env: String,
        /// Only these jobs (repeatable).
        #[arg(long = "job")]
        jobs: Vec<String>,
    },
    /// Check inputs without writing anything.
    #[command(after_help = "Example: flinkform --format github validate jobs/orders.yaml")]
    Validate {
        /// Job files to check (default: every job of the project).
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of a file kind.
    #[command(after_help = "Example: flinkform schema job > schemas/flinkjob.schema.json")]
    Schema {
        /// The file kind: a job file or flinkform.yaml.
        #[arg(value_enum, default_value_t = SchemaKind::Job)]
        kind: SchemaKind,
    },
    /// What a change does to each environment and job: objects and fields added, removed and
    /// changed, and whether each job keeps running, restarts or loses its state.
    #[command(
        after_help = "Compares the working tree with a commit; nothing is checked out or written.\n\nExample: flinkform diff --against origin/main --format markdown > comment.md"
    )]
    Diff {
        /// The git revision to compare the working tree with.
        #[arg(long, default_value = "HEAD")]
        against: String,
    },
    /// Replay a load trace through an environment's autoscaling and Flink's reactive mode:
    /// scale events, restarts, lag and TaskManager time.
    #[command(
        after_help = "Example: flinkform simulate --env prod --trace load.csv --format svg > load.svg"
    )]
    Simulate(crate::simulate::command::Args),
    /// Create a project with one example job.
    #[command(
        after_help = "Example: flinkform init flink-jobs && flinkform --project flink-jobs render"
    )]
    Init {
        /// The folder to create the project in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Explain a diagnostic code: what it catches, why it matters, how to fix it.
    #[command(after_help = "Example: flinkform explain not-enough-slots")]
    Explain {
        /// The code, as printed in brackets: `error[not-enough-slots]`.
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// Every code with its severity and a one-line summary.
        #[arg(long, conflicts_with = "code")]
        list: bool,
    },
    /// Print the manual page (roff), generated from this command line.
    #[command(after_help = "Example: flinkform man > /usr/local/share/man/man1/flinkform.1")]
    Man,
    /// Print shell completions generated from this command line.
    #[command(
        after_help = "Example: flinkform completions bash > /etc/bash_completion.d/flinkform"
    )]
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// The project's words a shell completes (environments, jobs, codes), one a line.
    #[command(name = "__complete", hide = true)]
    Complete { kind: crate::completion::Kind },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SchemaKind {
    Job,
    Project,
}

/// Parses the arguments, runs the command, and maps the outcome to an exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    ExitCode::from(run(&cli))
}

/// Runs a parsed command; returns the exit code.
#[must_use]
pub fn run(cli: &Cli) -> u8 {
    let color = color_on(cli.color, std::io::stderr().is_terminal());
    let ctx = Context {
        cli,
        color,
        start: Instant::now(),
    };
    if let Some(message) = format_refused(cli) {
        eprintln!("error: {message}");
        return 2;
    }
    match &cli.command {
        Command::Schema { kind } => {
            let kind = match kind {
                SchemaKind::Job => Kind::Job,
                SchemaKind::Project => Kind::Project,
            };
            print!("{}", validate::schema_text(kind));
            eprintln!(
                "printed the JSON Schema of {}",
                if matches!(kind, Kind::Job) {
                    "FlinkJob files"
                } else {
                    "flinkform.yaml"
                }
            );
            0
        }
        Command::Init { dir } => match init_dir(dir, &cli.project)
            .and_then(|dir| scaffold::init(dir).map(|files| (dir, files)))
        {
            Ok((dir, files)) => {
                for f in &files {
                    eprintln!("created {}", f.display());
                }
                eprintln!(
                    "initialized a flinkform project in {}; next: flinkform --project {} render",
                    dir.display(),
                    dir.display()
                );
                0
            }
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.to_string()));
                2
            }
        },
        Command::Explain { list: true, .. } => {
            print!("{}", crate::code_index::list());
            eprintln!("listed {}", count(crate::explain::CODES.len(), "code"));
            0
        }
        Command::Explain { code, .. } => {
            let code = code.as_deref().unwrap_or_default();
            match crate::explain::find(bare_code(code)) {
                Some(c) => {
                    print!("{}", crate::explain::text(c));
                    0
                }
                None => {
                    eprintln!(
                        "error: no diagnostic code `{}`; codes are printed in brackets, as in `error[not-enough-slots]`; `flinkform explain --list` lists them all",
                        crate::terminal::escaped(code)
                    );
                    2
                }
            }
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            match crate::man_page::render(command) {
                Ok(page) => match std::io::stdout().write_all(&page) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        eprintln!("error: cannot write the manual page: {e}");
                        2
                    }
                    _ => 0,
                },
                Err(e) => {
                    eprintln!("error: cannot render the manual page: {e}");
                    2
                }
            }
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "flinkform", &mut script);
            if matches!(shell, clap_complete::Shell::Bash) {
                script.extend_from_slice(crate::completion::BASH.as_bytes());
            }
            match std::io::stdout().write_all(&script) {
                Ok(()) => 0,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
                Err(e) => {
                    eprintln!("error: cannot write the completions: {e}");
                    2
                }
            }
        }
        Command::Complete { kind } => {
            for word in crate::completion::words(*kind, &cli.project) {
                println!("{word}");
            }
            0
        }
        Command::Validate { files } => ctx.validate(files),
        Command::Build { env, jobs } => ctx.build(env, jobs),
        Command::Render { out } => ctx.render(out.as_deref()),
        Command::Check { out, stat } => ctx.check(out.as_deref(), *stat),
        Command::Diff { against } => ctx.diff(against),
        Command::Simulate(args) => ctx.simulate(args),
    }
}

/// Where `init` writes: its DIR, or `--project` when only that is given; both, if they differ,
/// is a mistake worth stopping for.
fn init_dir<'a>(dir: &'a Path, project: &'a Path) -> Result<&'a Path, String> {
    let default = Path::new(".");
    match (dir == default, project == default) {
        (true, false) => Ok(project),
        (false, false) if dir != project => Err(format!(
            "init was given two folders, {} and --project {}; give one",
            dir.display(),
            project.display()
        )),
        _ => Ok(dir),
    }
}

/// A code as given, or as printed: `not-enough-slots` or `error[not-enough-slots]`.
fn bare_code(code: &str) -> &str {
    match code.split_once('[') {
        Some((_, rest)) => rest.trim_end_matches(']'),
        None => code,
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

    /// `diff`: compiles the project at a revision and in the working tree, and reports what
    /// the change does. Only errors are printed: warnings are `validate`'s business.
    fn diff(&self, against: &str) -> u8 {
        use crate::changes::{self, report};
        use crate::files::{Files, Revision};
        let revision = match Revision::open(&self.cli.project, against) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.0));
                return 2;
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
        let mut status = 0;
        for (side, files) in sides {
            match crate::compile_from(files, &self.cli.project, &[], Goal::Environments) {
                Ok(mut c) => {
                    c.diags.retain_errors();
                    self.print_diagnostics(&c);
                    let errors = c.diags.count(Severity::Error);
                    if errors > 0 || c.output.is_none() {
                        status = status.max(if c.diags.has_io_errors() { 2 } else { 1 });
                        failed.push(format!("{} at {side}", count(errors, "error")));
                    }
                    compiled.push(c);
                }
                Err(e) => {
                    eprintln!(
                        "error: {}",
                        crate::terminal::escaped(&format!("{side}: {}", e.0))
                    );
                    return 2;
                }
            }
        }
        if status > 0 {
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
        0
    }

    /// Compiles for a goal and prints diagnostics; `Err(code)` when the command must stop
    /// there.
    fn compile(&self, only: &[PathBuf], goal: Goal) -> Result<Compilation, u8> {
        let compilation = match crate::compile(&self.cli.project, only, goal) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.0));
                return Err(2);
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
                2
            } else {
                1
            });
        }
        Ok(compilation)
    }

    fn out_dir(&self, out: Option<&Path>, compilation: &Compilation) -> Result<PathBuf, u8> {
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
            return Err(2);
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
            return Err(2);
        }
        Ok(dir)
    }

    fn validate(&self, files: &[PathBuf]) -> u8 {
        match self.compile(files, Goal::Validate) {
            Ok(c) => {
                let envs = c.output.as_ref().map_or(0, |o| o.environment_names.len());
                let jobs = c.output.as_ref().map_or(0, |o| o.job_count);
                eprintln!(
                    "validated {}, {} in {}",
                    count(jobs, "job"),
                    count(envs, "environment"),
                    self.elapsed()
                );
                0
            }
            Err(code) => code,
        }
    }

    fn build(&self, env: &str, jobs: &[String]) -> u8 {
        let c = match self.compile(&[], Goal::Environment(env)) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let compiled = c.output.as_ref().expect("checked by compile");
        let Some(environment) = compiled.environments.first() else {
            eprintln!(
                "error: no environment `{env}`; the project has: {}",
                compiled.environment_names.join(", ")
            );
            return 2;
        };
        for job in jobs {
            if !environment.jobs.iter().any(|j| &j.name == job) {
                eprintln!("error: no job `{job}` in environment `{env}`");
                return 2;
            }
        }
        let selected: Vec<&layout::JobDocuments> = environment
            .jobs
            .iter()
            .filter(|j| jobs.is_empty() || jobs.contains(&j.name))
            .collect();
        let mut documents: Vec<&layout::Document> =
            selected.iter().flat_map(|j| j.documents.iter()).collect();
        let used: std::collections::HashSet<&str> =
            documents.iter().map(|d| d.namespace.as_str()).collect();
        documents.extend(
            environment
                .namespaces
                .iter()
                .filter(|ns| used.contains(ns.name.as_str())),
        );
        layout::sort_documents(&mut documents);
        let text = layout::stream(&documents);
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return 2;
        }
        eprintln!(
            "built {} of {} in environment `{env}` in {}",
            count(documents.len(), "object"),
            count(selected.len(), "job"),
            self.elapsed()
        );
        0
    }

    /// `simulate`: compiles one environment like `build`, then replays the trace over it.
    fn simulate(&self, args: &crate::simulate::command::Args) -> u8 {
        use crate::simulate::command::{DiagnosticForm, Output, Printing, run};
        let c = match self.compile(&[], Goal::Environment(&args.env)) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let compiled = c.output.as_ref().expect("checked by compile");
        let Some(environment) = compiled.environments.first() else {
            eprintln!(
                "error: no environment `{}`; the project has: {}",
                args.env,
                compiled.environment_names.join(", ")
            );
            return 2;
        };
        let printing = Printing {
            output: match self.cli.format {
                Format::Json => Output::Json,
                Format::Markdown => Output::Markdown,
                Format::Svg => Output::Svg,
                Format::Text | Format::Github => Output::Text,
            },
            diagnostics: match self.cli.format {
                Format::Json => DiagnosticForm::Json,
                Format::Github => DiagnosticForm::Github,
                _ => DiagnosticForm::Text,
            },
            color: self.color,
        };
        run(environment, args, printing)
    }

    fn render(&self, out: Option<&Path>) -> u8 {
        let c = match self.compile(&[], Goal::Tree) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let dir = match self.out_dir(out, &c) {
            Ok(d) => d,
            Err(code) => return code,
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
                0
            }
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escaped(&e.0));
                2
            }
        }
    }

    /// `check`: the golden-file diff of what render would write against the output folder.
    ///
    /// Exit 0 when identical; 1 on drift (a file differs, is binary garbage or not a file at
    /// all, is missing, or is stale), on invalid input, and when the output folder does not
    /// exist yet; 2 when a file or the folder cannot be read (nothing is known about it) or
    /// `--out` is not a folder.
    fn check(&self, out: Option<&Path>, stat: bool) -> u8 {
        let c = match self.compile(&[], Goal::Tree) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let dir = match self.out_dir(out, &c) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let shown = shown_path(&dir);
        match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                eprintln!("error: the output folder {shown} is not a folder");
                return 2;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!(
                    "error: the output folder {shown} does not exist; run `flinkform render` first"
                );
                return 1;
            }
            Err(e) => {
                eprintln!("error: cannot read the output folder {shown}: {e}");
                return 2;
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
            2
        } else if cmp.is_clean() {
            eprintln!(
                "up to date: {} in {shown}, in {}",
                count(tree.len(), "file"),
                self.elapsed()
            );
            0
        } else {
            eprintln!(
                "{drift} in {shown}; run `flinkform render` to update, in {}",
                self.elapsed()
            );
            1
        }
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
