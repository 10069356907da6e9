//! Where the input files come from: the disk (every command) or a git revision (`diff`).
//!
//! The load phase and the renderer's template folder read through [`Files`], so a project is
//! compiled the same way whether its files lie in the working tree or in a commit. A revision
//! is read with the `git` command line (`rev-parse`, `ls-tree`, `cat-file --batch`): it reads
//! every repository git itself can (packs, alternates, worktrees, SHA-256 object names,
//! partial clones), links no C library, and keeps the dependency tree free of network code.
//! Nothing is checked out and nothing is written; only the blobs below the project folder are
//! read.
//!
//! The same rules hold for both: a file is read only if it is a regular file inside the
//! project (a symlink may lead elsewhere inside it, never out), of at most
//! [`MAX_FILE_BYTES`].

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use crate::code::declare_code;
use rayon::prelude::*;

declare_code! {
    pub FILE_NOT_FOUND: error "file-not-found",
    catches: "A file given on the command line that does not exist.",
    why: "Nothing can be checked in it.",
    fix: "Check the path.",
}

declare_code! {
    pub FILE_TOO_LARGE: error "file-too-large",
    catches: "A file larger than the 8 MiB flinkform reads.",
    why: "Definitions are small; the bound keeps a stray file from stalling every run.",
    fix: "Split the file, or remove what does not belong in the project.",
}

declare_code! {
    pub NOT_A_FILE: error "not-a-file",
    catches: "An input (a job file, flinkform.yaml, a template) that is a folder, a FIFO, a device or a socket, not a regular file.",
    why: "Reading a FIFO or a device could wait forever or never end; flinkform reads only regular files.",
    fix: "Replace it with a regular file, or move it out of the project.",
}

declare_code! {
    pub SYMLINK_ESCAPE: error "symlink-escape",
    catches: "An input that is a symlink out of the project, or a file outside it.",
    why: "flinkform reads nothing outside the project.",
    fix: "Copy the file into the project.",
}

declare_code! {
    pub UNREADABLE_FILE: error "unreadable-file",
    catches: "A file that cannot be read (permissions, a folder where a file was expected).",
    why: "Nothing is known about it.",
    fix: "Fix its permissions or the path.",
}

mod revision;

pub use revision::{Revision, RevisionError};

pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file could not be read: a diagnostic code and a message that follows its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub code: &'static crate::code::Code,
    pub message: String,
}

impl Unreadable {
    pub(crate) fn new(code: &'static crate::code::Code, message: impl Into<String>) -> Unreadable {
        Unreadable {
            code,
            message: message.into(),
        }
    }
}

/// The source of a compilation's input files.
pub enum Files {
    /// The working tree, as it is on disk.
    Disk,
    /// The files of one commit.
    Revision(Revision),
}

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    Dir,
    File,
}

impl Files {
    /// How a path is shown in diagnostics: as given for the disk, `REV:path` for a revision.
    #[must_use]
    pub fn shown(&self, path: String) -> String {
        match self {
            Files::Disk => path,
            Files::Revision(r) => format!("{}:{path}", r.name),
        }
    }

    /// The project folder as given, made absolute (the disk's real folder); an error when it is
    /// missing or not a folder.
    ///
    /// # Errors
    /// A message for the user.
    pub fn project_root(&self, root: &Path) -> Result<PathBuf, String> {
        match self {
            Files::Disk => {
                let meta = std::fs::metadata(root).map_err(|e| {
                    format!("cannot read project directory {}: {e}", root.display())
                })?;
                if !meta.is_dir() {
                    return Err(format!("project {} is not a directory", root.display()));
                }
                root.canonicalize()
                    .map_err(|e| format!("cannot resolve {}: {e}", root.display()))
            }
            Files::Revision(r) => {
                if r.is_empty() {
                    return Err(format!(
                        "the project folder {} holds no files at {} ({})",
                        root.display(),
                        r.name,
                        r.short()
                    ));
                }
                Ok(root.to_path_buf())
            }
        }
    }

    /// Whether `path` (below `root`) is a file, a folder, or nothing.
    #[must_use]
    pub fn kind(&self, root: &Path, path: &Path) -> Kind {
        match self {
            Files::Disk => match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => Kind::Dir,
                Ok(_) => Kind::File,
                Err(_) => Kind::Missing,
            },
            Files::Revision(r) => r.kind(&relative(root, path)),
        }
    }

    /// Every `*.yaml`/`*.yml` file below `root/dir`, sorted by `/`-joined path; hidden entries
    /// (editors' lock and swap files, tools' folders) are skipped. Each comes as its path and
    /// its path relative to `root`.
    ///
    /// # Errors
    /// A folder that cannot be walked.
    pub fn yaml_files(&self, root: &Path, dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
        let mut found = match self {
            Files::Disk => disk_yaml_files(root, dir)?,
            Files::Revision(r) => r
                .yaml_files(&relative(root, dir))
                .into_iter()
                .map(|p| (root.join(&p), p))
                .collect(),
        };
        found.sort_by_cached_key(|(_, rel)| rel.to_string_lossy().replace('\\', "/"));
        Ok(found)
    }

    /// The names and paths of the entries of one folder (not recursive), sorted by name.
    ///
    /// # Errors
    /// A folder that cannot be read.
    pub fn list(&self, root: &Path, dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
        match self {
            Files::Disk => {
                let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
                let mut found: Vec<(String, PathBuf)> = entries
                    .flatten()
                    .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                    .collect();
                found.sort();
                Ok(found)
            }
            Files::Revision(r) => Ok(r
                .list(&relative(root, dir))?
                .into_iter()
                .map(|n| {
                    let path = dir.join(&n);
                    (n, path)
                })
                .collect()),
        }
    }

    /// Reads files below `root` (whose real path is `real_root`), in parallel on the disk and
    /// in one `git cat-file` for a revision; one result per path, in order.
    #[must_use]
    pub fn read_all(
        &self,
        root: &Path,
        real_root: &Path,
        paths: &[PathBuf],
    ) -> Vec<Result<Vec<u8>, Unreadable>> {
        match self {
            Files::Disk => paths.par_iter().map(|p| read_disk(p, real_root)).collect(),
            Files::Revision(r) => {
                let relatives: Vec<PathBuf> = paths.iter().map(|p| relative(root, p)).collect();
                r.read_all(&relatives)
            }
        }
    }

    /// Reads one file; see [`Files::read_all`].
    ///
    /// # Errors
    /// Why it cannot be read.
    pub fn read(&self, root: &Path, real_root: &Path, path: &Path) -> Result<Vec<u8>, Unreadable> {
        self.read_all(root, real_root, &[path.to_path_buf()])
            .pop()
            .unwrap_or_else(|| Err(Unreadable::new(UNREADABLE_FILE, "was not read")))
    }
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "yaml" || x == "yml")
}

/// `path` relative to `root`, normalized (a path outside `root` stays as given, and then names
/// nothing in a revision).
fn relative(root: &Path, path: &Path) -> PathBuf {
    let below = path.strip_prefix(root).unwrap_or(path);
    normalize(below).unwrap_or_else(|| below.to_path_buf())
}

/// A relative path without `.` and `..`; `None` when `..` would leave its start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn disk_yaml_files(root: &Path, jobs_dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let dir = root.join(jobs_dir);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let hidden = |p: &Path| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
    };
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        let entry = match entry {
            Ok(entry) => entry,
            // A dangling hidden link (an editor's lock file) is no job either.
            Err(e) if e.path().is_some_and(hidden) => continue,
            Err(e) => return Err(format!("cannot walk {}: {e}", dir.display())),
        };
        if entry.file_type().is_file() && is_yaml(entry.path()) {
            let relative = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf();
            found.push((entry.path().to_path_buf(), relative));
        }
    }
    Ok(found)
}

/// Reads a regular file of bounded size whose real path lies in `real_root`.
fn read_disk(path: &Path, real_root: &Path) -> Result<Vec<u8>, Unreadable> {
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Unreadable::new(FILE_NOT_FOUND, "no such file"));
        }
        Err(e) => return Err(Unreadable::new(UNREADABLE_FILE, e.to_string())),
    };
    if !real.starts_with(real_root) {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let message = if is_link {
            format!(
                "leads outside the project (to {}); flinkform reads nothing outside it",
                real.display()
            )
        } else {
            format!(
                "is outside the project {}; flinkform reads only the project's own files (give --project)",
                real_root.display()
            )
        };
        return Err(Unreadable::new(SYMLINK_ESCAPE, message));
    }
    // Only a regular file of a bounded size: a FIFO would block every run.
    match std::fs::metadata(&real) {
        Ok(m) if !m.is_file() => Err(Unreadable::new(NOT_A_FILE, "is not a regular file")),
        Ok(m) if m.len() > MAX_FILE_BYTES => Err(too_large(m.len())),
        Ok(_) => std::fs::read(&real).map_err(|e| Unreadable::new(UNREADABLE_FILE, e.to_string())),
        Err(e) => Err(Unreadable::new(UNREADABLE_FILE, e.to_string())),
    }
}

fn too_large(size: u64) -> Unreadable {
    Unreadable::new(
        FILE_TOO_LARGE,
        format!("is {size} bytes; input files may hold at most {MAX_FILE_BYTES}"),
    )
}
