//! Phase 1: find and read the project's files.
//!
//! Reads `flinkform.yaml` (optional) and every `*.yaml`/`*.yml` below the jobs folder, in a
//! sorted, platform-independent order, and parses each into positioned YAML trees. Nothing
//! here interprets the documents beyond their `kind`; that is the validator's work. Files are
//! bounded in size, must be UTF-8, and a symlink may not lead out of the project.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{FileId, Sources, Span};
use crate::yaml::{self, Node};

pub const PROJECT_FILE: &str = "flinkform.yaml";
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

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

/// Loads a project. `only` restricts the job files to the given paths (the `validate FILE...`
/// form); they need not lie in the jobs folder.
pub fn load(
    root: &Path,
    only: &[PathBuf],
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Result<LoadedProject, IoFailure> {
    let meta = std::fs::metadata(root).map_err(|e| {
        IoFailure(format!(
            "cannot read project directory {}: {e}",
            root.display()
        ))
    })?;
    if !meta.is_dir() {
        return Err(IoFailure(format!(
            "project {} is not a directory",
            root.display()
        )));
    }
    let canonical_root = root
        .canonicalize()
        .map_err(|e| IoFailure(format!("cannot resolve {}: {e}", root.display())))?;
    let project_path = root.join(PROJECT_FILE);
    let project = if project_path.exists() {
        let shown = display(root, Path::new(PROJECT_FILE));
        let file = sources.add(PathBuf::from(&shown), String::new());
        read_documents(&project_path, &shown, &canonical_root, file)
            .keep(file, sources, diags)
            .and_then(|(file, mut docs)| match docs.len() {
                1 => Some(Document {
                    file,
                    node: docs.remove(0),
                }),
                0 => {
                    diags.push(
                        Diagnostic::error(
                            "empty-file",
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
                        "multiple-documents",
                        docs[1].span,
                        "flinkform.yaml must hold exactly one document",
                    ));
                    None
                }
            })
    } else {
        None
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
            "path-outside-project",
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
    let mut paths = discover(root, &jobs_dir)?;
    if paths.is_empty() {
        let place = jobs_dir.display();
        diags.push(
            Diagnostic::error(
                "no-jobs",
                None,
                format!("no job files (*.yaml, *.yml) in {}", root.join(&jobs_dir).display()),
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
    let files: Vec<FileId> = paths
        .iter()
        .map(|(_, shown)| sources.add(PathBuf::from(shown), String::new()))
        .collect();
    let reads: Vec<FileRead> = paths
        .par_iter()
        .zip(&files)
        .map(|((path, shown), file)| read_documents(path, shown, &canonical_root, *file))
        .collect();
    let mut jobs = Vec::new();
    let mut unparsed_jobs = false;
    for (read, file) in reads.into_iter().zip(files) {
        let Some((file, docs)) = read.keep(file, sources, diags) else {
            unparsed_jobs = true;
            continue;
        };
        if docs.is_empty() {
            diags.push(
                Diagnostic::error("empty-file", Span { file, line: 1, col: 1, len: 1 }, "job file holds no document")
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

/// Every job file below the jobs folder, sorted by path (byte order of `/`-joined names).
fn discover(root: &Path, jobs_dir: &Path) -> Result<Vec<(PathBuf, String)>, IoFailure> {
    let dir = root.join(jobs_dir);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    // Hidden entries are not jobs: editors keep their lock and swap files there (`.#x.yaml`,
    // often a dangling symlink), tools their folders (`.git`).
    for entry in walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        let hidden = |p: &Path| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        };
        let entry = match entry {
            Ok(entry) => entry,
            // A dangling hidden link (an editor's lock file) is no job either.
            Err(e) if e.path().is_some_and(hidden) => continue,
            Err(e) => return Err(IoFailure(format!("cannot walk {}: {e}", dir.display()))),
        };
        let is_yaml = entry
            .path()
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml");
        if entry.file_type().is_file() && is_yaml {
            let relative = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf();
            let key = relative.to_string_lossy().replace('\\', "/");
            found.push((entry.path().to_path_buf(), display(root, &relative), key));
        }
    }
    found.sort_by(|a, b| a.2.cmp(&b.2));
    Ok(found.into_iter().map(|(p, s, _)| (p, s)).collect())
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

/// Reads and parses one file, known to the sources as `file`.
fn read_documents(path: &Path, shown: &str, canonical_root: &Path, file: FileId) -> FileRead {
    let whole = Span {
        file,
        line: 1,
        col: 1,
        len: 1,
    };
    let fail = |code, message: String| {
        FileRead::failed(Diagnostic::error(code, None, format!("{shown}: {message}")))
    };
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return fail("file-not-found", "no such file".into());
        }
        Err(e) => return fail("unreadable-file", e.to_string()),
    };
    if !real.starts_with(canonical_root) {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let message = if is_link {
            format!(
                "leads outside the project (to {}); flinkform reads nothing outside it",
                real.display()
            )
        } else {
            format!(
                "is outside the project {}; flinkform reads only the project's own files (give --project)",
                canonical_root.display()
            )
        };
        return fail("symlink-escape", message);
    }
    match std::fs::metadata(&real) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return fail(
                "file-too-large",
                format!(
                    "is {} bytes; job and project files may hold at most {MAX_FILE_BYTES}",
                    m.len()
                ),
            );
        }
        Ok(m) if !m.is_file() => {
            return fail("unreadable-file", "is not a regular file".into());
        }
        Ok(_) => {}
        Err(e) => return fail("unreadable-file", e.to_string()),
    }
    let bytes = match std::fs::read(&real) {
        Ok(b) => b,
        Err(e) => return fail("unreadable-file", e.to_string()),
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
                "encoding",
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
