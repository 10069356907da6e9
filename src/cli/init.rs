//! `flinkform init`: a new project.

use std::path::Path;

use crate::exit::ExitStatus;
use crate::scaffold;

/// Scaffolds a project in `dir` (or `--project`).
pub(super) fn init(dir: &Path, project: &Path) -> ExitStatus {
    match init_dir(dir, project).and_then(|dir| scaffold::init(dir).map(|files| (dir, files))) {
        Ok((dir, files)) => {
            for f in &files {
                eprintln!("created {}", f.display());
            }
            eprintln!(
                "initialized a flinkform project in {}; next: flinkform --project {} render",
                dir.display(),
                dir.display()
            );
            ExitStatus::Success
        }
        Err(e) => {
            eprintln!("error: {}", crate::terminal::escaped(&e.to_string()));
            ExitStatus::Error
        }
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
