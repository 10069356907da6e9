//! The arguments, as clap parses them (and as the man page and completions describe them).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
