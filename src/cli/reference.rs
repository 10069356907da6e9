//! The commands that print what flinkform itself is, with no project to compile: `schema`,
//! `explain`, `man`, `completions`, and the hidden `__complete` that completions call.

use std::io::Write as _;
use std::path::Path;

use super::{Cli, SchemaKind, count};
use crate::exit::ExitStatus;
use crate::validate::{self, Kind};

pub(super) fn schema(kind: SchemaKind) -> ExitStatus {
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
    ExitStatus::Success
}

pub(super) fn explain_list() -> ExitStatus {
    print!("{}", crate::code_index::list());
    eprintln!("listed {}", count(crate::explain::CODES.len(), "code"));
    ExitStatus::Success
}

pub(super) fn explain(code: &str) -> ExitStatus {
    match crate::explain::find(bare_code(code)) {
        Some(c) => {
            print!("{}", crate::explain::text(c));
            ExitStatus::Success
        }
        None => {
            eprintln!(
                "error: no diagnostic code `{}`; codes are printed in brackets, as in `error[not-enough-slots]`; `flinkform explain --list` lists them all",
                crate::terminal::escaped(code)
            );
            ExitStatus::Error
        }
    }
}

/// A code as given, or as printed: `not-enough-slots` or `error[not-enough-slots]`.
fn bare_code(code: &str) -> &str {
    match code.split_once('[') {
        Some((_, rest)) => rest.trim_end_matches(']'),
        None => code,
    }
}

pub(super) fn man() -> ExitStatus {
    let command = <Cli as clap::CommandFactory>::command();
    match crate::man_page::render(command) {
        Ok(page) => match std::io::stdout().write_all(&page) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("error: cannot write the manual page: {e}");
                ExitStatus::Error
            }
            _ => ExitStatus::Success,
        },
        Err(e) => {
            eprintln!("error: cannot render the manual page: {e}");
            ExitStatus::Error
        }
    }
}

pub(super) fn completions(shell: clap_complete::Shell) -> ExitStatus {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "flinkform", &mut script);
    if matches!(shell, clap_complete::Shell::Bash) {
        script.extend_from_slice(crate::completion::BASH.as_bytes());
    }
    match std::io::stdout().write_all(&script) {
        Ok(()) => ExitStatus::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(e) => {
            eprintln!("error: cannot write the completions: {e}");
            ExitStatus::Error
        }
    }
}

pub(super) fn complete(kind: crate::completion::Kind, project: &Path) -> ExitStatus {
    for word in crate::completion::words(kind, project) {
        println!("{word}");
    }
    ExitStatus::Success
}
