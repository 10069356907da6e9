//! Phase 1: find and read the project's files.
//!
//! Reads `flinkform.yaml` (optional) and every `*.yaml`/`*.yml` below the jobs folder, in a
//! sorted, platform-independent order, and parses each into positioned YAML trees. Nothing
//! here interprets the documents beyond their `kind`; that is the validator's work. Files are
//! bounded in size, must be UTF-8, and a symlink may not lead out of the project.

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::{Files, Kind, Unreadable};
use crate::source::{FileId, Sources, Span};
use crate::yaml::{self, Node};

declare_code! {
    pub EMPTY_FILE: error "empty-file",
    catches: "A job file with no document, or only comments.",
    why: "Every file below `jobs/` is read as a job definition.",
    fix: "Add the job, or remove the file.",
}

declare_code! {
    pub ENCODING: error "encoding",
    catches: "A file that is not UTF-8 text.",
    why: "YAML and Kubernetes read UTF-8 only.",
    fix: "Save the file as UTF-8.",
}

declare_code! {
    pub MULTIPLE_DOCUMENTS: error "multiple-documents",
    catches: "More than one document where one is expected (flinkform.yaml).",
    why: "The project has one project file.",
    fix: "Keep one document.",
}

declare_code! {
    pub NO_JOBS: error "no-jobs",
    catches: "A project without job files.",
    why: "There is nothing to render.",
    fix: "Add a job below `jobs/` (`flinkform init` writes an example).",
}

declare_code! {
    pub PATH_OUTSIDE_PROJECT: error "path-outside-project",
    catches: "`jobs`, `output` or `templates` outside the project, or absolute.",
    why: "flinkform reads and writes only inside the project.",
    fix: "Use a relative path inside the project.",
}

pub const PROJECT_FILE: &str = "flinkform.yaml";
pub use crate::files::MAX_FILE_BYTES;

/// One YAML document of an input file.
#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    pub node: Node,
}

/// What the load phase found.
#[derive(Debug)]
pub struct LoadedProject {
    /// The project directory as the user named it.
    pub root: PathBuf,
    pub project: Option<Document>,
    pub jobs: Vec<Document>,
    /// The jobs folder (relative to root) as configured.
    pub jobs_dir: PathBuf,
    /// Whether a job file could not be read or parsed: its jobs are unknown, so a name that
    /// no job has may still be one of them.
    pub unparsed_jobs: bool,
}

/// An error that is not about the content of an input (exit code 2).
#[derive(Debug)]
pub struct IoFailure(pub String);

/// Loads a project from the disk. `only` restricts the job files to the given paths (the
/// `validate FILE...` form); they need not lie in the jobs folder.
///
/// # Errors
/// The project folder cannot be read.
pub fn load(
    root: &Path,
    only: &[PathBuf],
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Result<LoadedProject, IoFailure> {
    load_from(&Files::Disk, root, only, sources, diags)
}

/// Loads a project from `files` (the disk or a revision).
///
/// # Errors
/// The project folder cannot be read.
pub fn load_from(
    files: &Files,
    root: &Path,
    only: &[PathBuf],
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Result<LoadedProject, IoFailure> {
    let canonical_root = files.project_root(root).map_err(IoFailure)?;
    let project_path = root.join(PROJECT_FILE);
    let project = if files.kind(root, &project_path) == Kind::Missing {
        None
    } else {
        let shown = files.shown(display(root, Path::new(PROJECT_FILE)));
        let file = sources.add(PathBuf::from(&shown), String::new());
        let bytes = files.read(root, &canonical_root, &project_path);
        parse_file(bytes, &shown, file)
            .keep(file, sources, diags)
            .and_then(|(file, mut docs)| match docs.len() {
                1 => Some(Document {
                    file,
                    node: docs.remove(0),
                }),
                0 => {
                    diags.push(
                        Diagnostic::error(
                            EMPTY_FILE,
                            Span {
                                file,
                                line: 1,
                                col: 1,
                                len: 1,
                            },
                            "flinkform.yaml is empty",
                        )
                        .help("delete it to use the defaults, or start from `flinkform init`"),
                    );
                    None
                }
                _ => {
                    diags.push(Diagnostic::error(
                        MULTIPLE_DOCUMENTS,
                        docs[1].span,
                        "flinkform.yaml must hold exactly one document",
                    ));
                    None
                }
            })
    };

    let jobs_dir = project
        .as_ref()
        .and_then(|p| p.node.get("spec")?.get("jobs")?.as_str().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("jobs"));
    if let Some(p) = &project
        && let Some(entry) = p.node.get("spec").and_then(|s| s.entry("jobs"))
        && !is_relative_inside(&jobs_dir)
    {
        diags.push(Diagnostic::error(
            PATH_OUTSIDE_PROJECT,
            entry.value.span,
            "`jobs` must be a relative path inside the project",
        ));
        return Ok(LoadedProject {
            root: root.to_path_buf(),
            project,
            jobs: Vec::new(),
            jobs_dir,
            unparsed_jobs: false,
        });
    }

    // Named files (`validate FILE...`) are checked in the context of the whole project: the
    // other jobs decide name collisions and which overrides name a job. A named file outside
    // the jobs folder joins them.
    let mut paths: Vec<(PathBuf, String)> = files
        .yaml_files(root, &jobs_dir)
        .map_err(IoFailure)?
        .into_iter()
        .map(|(path, relative)| (path, files.shown(display(root, &relative))))
        .collect();
    if paths.is_empty() {
        let place = jobs_dir.display();
        diags.push(
            Diagnostic::error(
                NO_JOBS,
                None,
                format!(
                    "no job files (*.yaml, *.yml) in {}",
                    files.shown(root.join(&jobs_dir).display().to_string())
                ),
            )
            .help(format!(
                "put FlinkJob files below `{place}`, set `spec.jobs` in flinkform.yaml, or start from `flinkform init`"
            )),
        );
    }
    let known: Vec<PathBuf> = if only.is_empty() {
        Vec::new()
    } else {
        paths
            .iter()
            .filter_map(|(p, _)| p.canonicalize().ok())
            .collect()
    };
    for path in only
        .iter()
        .filter(|p| p.file_name().is_none_or(|n| n != PROJECT_FILE))
    {
        if !path
            .canonicalize()
            .is_ok_and(|c| known.contains(&c) || c == canonical_root.join(PROJECT_FILE))
        {
            paths.push((path.clone(), path.display().to_string()));
        }
    }

    // Files are read and parsed in parallel, and kept in their sorted order.
    let ids: Vec<FileId> = paths
        .iter()
        .map(|(_, shown)| sources.add(PathBuf::from(shown), String::new()))
        .collect();
    let wanted: Vec<PathBuf> = paths.iter().map(|(p, _)| p.clone()).collect();
    let bytes = files.read_all(root, &canonical_root, &wanted);
    let reads: Vec<FileRead> = bytes
        .into_par_iter()
        .zip(&paths)
        .zip(&ids)
        .map(|((bytes, (_, shown)), file)| parse_file(bytes, shown, *file))
        .collect();
    let mut jobs = Vec::new();
    let mut unparsed_jobs = false;
    for (read, file) in reads.into_iter().zip(ids) {
        let Some((file, docs)) = read.keep(file, sources, diags) else {
            unparsed_jobs = true;
            continue;
        };
        if docs.is_empty() {
            diags.push(
                Diagnostic::error(EMPTY_FILE, Span { file, line: 1, col: 1, len: 1 }, "job file holds no document")
                    .help("a job file needs at least one `kind: FlinkJob` document; `flinkform init` shows one"),
            );
        }
        jobs.extend(docs.into_iter().map(|node| Document { file, node }));
    }
    Ok(LoadedProject {
        root: root.to_path_buf(),
        project,
        jobs,
        jobs_dir,
        unparsed_jobs,
    })
}

/// A relative path that cannot leave the folder it is relative to.
#[must_use]
pub fn is_relative_inside(path: &Path) -> bool {
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The path as shown in diagnostics: relative to the working directory as the user named the
/// project, without a leading `./`.
fn display(root: &Path, relative: &Path) -> String {
    let joined = root.join(relative);
    let shown = joined.to_string_lossy().replace('\\', "/");
    shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown)
}

/// What reading one file gave: its text for the diagnostics (once it was read), its
/// documents (`None` when it cannot be used) and its problems.
struct FileRead {
    text: Option<String>,
    docs: Option<Vec<Node>>,
    diags: Vec<Diagnostic>,
}

impl FileRead {
    fn failed(diagnostic: Diagnostic) -> FileRead {
        FileRead {
            text: None,
            docs: None,
            diags: vec![diagnostic],
        }
    }

    /// Records the text and the problems; the documents, if the file can be used.
    fn keep(
        self,
        file: FileId,
        sources: &mut Sources,
        diags: &mut Diagnostics,
    ) -> Option<(FileId, Vec<Node>)> {
        if let Some(text) = self.text {
            sources.set_text(file, text);
        }
        diags.extend(self.diags);
        self.docs.map(|docs| (file, docs))
    }
}

/// Parses one file's bytes (or records why it could not be read), known to the sources as
/// `file` and shown as `shown`.
fn parse_file(bytes: Result<Vec<u8>, Unreadable>, shown: &str, file: FileId) -> FileRead {
    let whole = Span {
        file,
        line: 1,
        col: 1,
        len: 1,
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            return FileRead::failed(Diagnostic::error(
                e.code,
                None,
                format!("{shown}: {}", e.message),
            ));
        }
    };
    let mut text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
            let line = u32::try_from(valid.matches('\n').count() + 1).unwrap_or(u32::MAX);
            let col = u32::try_from(valid.rsplit('\n').next().unwrap_or("").chars().count() + 1)
                .unwrap_or(1);
            let diagnostic = Diagnostic::error(
                ENCODING,
                Span {
                    file,
                    line,
                    col,
                    len: 1,
                },
                "file is not valid UTF-8",
            )
            .help("save the file as UTF-8");
            return FileRead {
                text: Some(String::from_utf8_lossy(e.as_bytes()).into_owned()),
                docs: None,
                diags: vec![diagnostic],
            };
        }
    };
    if let Some(stripped) = text.strip_prefix('\u{feff}') {
        text = stripped.to_owned();
    }
    let parsed = if text.trim().is_empty() {
        Ok(Vec::new())
    } else {
        yaml::parse(&text, file)
    };
    match parsed {
        Ok(docs) => FileRead {
            text: Some(text),
            docs: Some(docs),
            diags: Vec::new(),
        },
        Err(mut d) => {
            if d.span.is_none() {
                d.span = Some(whole);
            }
            FileRead {
                text: Some(text),
                docs: None,
                diags: vec![d],
            }
        }
    }
}
