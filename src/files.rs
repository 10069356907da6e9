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

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead as _, BufReader, ErrorKind, Read as _, Write as _};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use rayon::prelude::*;

pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file could not be read: a diagnostic code and a message that follows its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub code: &'static str,
    pub message: String,
}

impl Unreadable {
    fn new(code: &'static str, message: impl Into<String>) -> Unreadable {
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
                if r.entries.is_empty() {
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
            Files::Revision(r) => {
                let prefix = normalize(dir).unwrap_or_default();
                r.entries
                    .keys()
                    .filter(|p| p.starts_with(&prefix) && *p != &prefix)
                    .filter(|p| {
                        let below = p.strip_prefix(&prefix).unwrap_or(p);
                        !below
                            .components()
                            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                    })
                    .filter(|p| is_yaml(p) && r.kind(p) == Kind::File)
                    .map(|p| (root.join(p), p.clone()))
                    .collect()
            }
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
            Files::Revision(r) => {
                let prefix = relative(root, dir);
                if r.kind(&prefix) != Kind::Dir {
                    return Err(format!("no such folder at {}", r.name));
                }
                let mut names: Vec<String> = r
                    .entries
                    .keys()
                    .filter_map(|p| p.strip_prefix(&prefix).ok())
                    .filter_map(|below| below.components().next())
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                names.dedup();
                Ok(names
                    .into_iter()
                    .map(|n| {
                        let path = dir.join(&n);
                        (n, path)
                    })
                    .collect())
            }
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
            .unwrap_or_else(|| Err(Unreadable::new("unreadable-file", "was not read")))
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
            return Err(Unreadable::new("file-not-found", "no such file"));
        }
        Err(e) => return Err(Unreadable::new("unreadable-file", e.to_string())),
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
        return Err(Unreadable::new("symlink-escape", message));
    }
    // Only a regular file of a bounded size: a FIFO would block every run.
    match std::fs::metadata(&real) {
        Ok(m) if !m.is_file() => Err(Unreadable::new("not-a-file", "is not a regular file")),
        Ok(m) if m.len() > MAX_FILE_BYTES => Err(too_large(m.len())),
        Ok(_) => {
            std::fs::read(&real).map_err(|e| Unreadable::new("unreadable-file", e.to_string()))
        }
        Err(e) => Err(Unreadable::new("unreadable-file", e.to_string())),
    }
}

fn too_large(size: u64) -> Unreadable {
    Unreadable::new(
        "file-too-large",
        format!("is {size} bytes; input files may hold at most {MAX_FILE_BYTES}"),
    )
}

/// One entry of a commit's tree below the project folder.
#[derive(Debug, Clone)]
struct Entry {
    mode: String,
    oid: String,
    size: Option<u64>,
}

/// The project folder's files at one commit (their names, modes and object ids; contents are
/// read on demand).
pub struct Revision {
    /// The revision as the user wrote it (`HEAD`, `main~2`).
    pub name: String,
    /// The commit it names.
    pub commit: String,
    /// The repository's top folder, where git runs.
    top: PathBuf,
    /// Paths relative to the project folder.
    entries: BTreeMap<PathBuf, Entry>,
}

/// Why a revision cannot be opened: every case is a usage or environment error (exit 2).
#[derive(Debug)]
pub struct RevisionError(pub String);

impl Revision {
    /// Reads the tree of `rev` below the project folder `project` (a folder of the working
    /// tree).
    ///
    /// # Errors
    /// Not a git repository, an unknown revision, git missing or failing.
    pub fn open(project: &Path, rev: &str) -> Result<Revision, RevisionError> {
        let top = git(project, &["rev-parse", "--show-toplevel"]).map_err(|e| {
            RevisionError(format!(
                "{} is not in a git repository ({e}); diff compares the project with a commit",
                project.display()
            ))
        })?;
        let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));
        let prefix = git(project, &["rev-parse", "--show-prefix"]).map_err(|e| {
            RevisionError(format!(
                "cannot locate {} in its repository: {e}",
                project.display()
            ))
        })?;
        let prefix = String::from_utf8_lossy(&prefix)
            .trim_end_matches('\n')
            .to_owned();
        let spec = format!("{rev}^{{commit}}");
        let commit = git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .map_err(|_| {
            RevisionError(format!(
                "unknown revision `{rev}`: git knows no commit by that name"
            ))
        })?;
        let commit = String::from_utf8_lossy(&commit).trim().to_owned();
        let mut args = vec!["ls-tree", "-r", "-l", "-z", "--full-tree", &commit];
        if !prefix.is_empty() {
            args.extend(["--", prefix.as_str()]);
        }
        let listing =
            git(&top, &args).map_err(|e| RevisionError(format!("cannot list {rev}: {e}")))?;
        let mut entries = BTreeMap::new();
        for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            // `<mode> SP <type> SP <object> SP+ <size> TAB <path>`
            let record = String::from_utf8_lossy(record);
            let Some((head, path)) = record.split_once('\t') else {
                continue;
            };
            let mut fields = head.split_whitespace();
            let (Some(mode), Some(_), Some(oid), size) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Some(below) = path.strip_prefix(prefix.as_str()) else {
                continue;
            };
            entries.insert(
                PathBuf::from(below),
                Entry {
                    mode: mode.to_owned(),
                    oid: oid.to_owned(),
                    size: size.and_then(|s| s.parse().ok()),
                },
            );
        }
        Ok(Revision {
            name: rev.to_owned(),
            commit,
            top,
            entries,
        })
    }

    /// The commit's abbreviated name.
    #[must_use]
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }

    fn kind(&self, path: &Path) -> Kind {
        if path.as_os_str().is_empty() {
            return if self.entries.is_empty() {
                Kind::Missing
            } else {
                Kind::Dir
            };
        }
        if self.entries.contains_key(path) {
            return Kind::File;
        }
        let below = self
            .entries
            .range(path.to_path_buf()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(path));
        if below { Kind::Dir } else { Kind::Missing }
    }

    /// Follows symlinks inside the project to the blob that holds a file's text.
    fn resolve(&self, path: &Path, links: &HashMap<String, Vec<u8>>) -> Result<Entry, Unreadable> {
        let mut path = path.to_path_buf();
        for _ in 0..16 {
            let Some(entry) = self.entries.get(&path) else {
                return Err(if self.kind(&path) == Kind::Dir {
                    Unreadable::new("not-a-file", "is not a regular file")
                } else {
                    Unreadable::new("file-not-found", "no such file")
                });
            };
            match entry.mode.as_str() {
                "120000" => {
                    let target = links
                        .get(&entry.oid)
                        .map(|t| PathBuf::from(String::from_utf8_lossy(t).into_owned()))
                        .unwrap_or_default();
                    let joined = path.parent().unwrap_or(Path::new("")).join(&target);
                    path = match normalize(&joined) {
                        Some(p) if !target.is_absolute() => p,
                        _ => {
                            return Err(Unreadable::new(
                                "symlink-escape",
                                format!(
                                    "leads outside the project (to {}); flinkform reads nothing outside it",
                                    target.display()
                                ),
                            ));
                        }
                    };
                }
                "100644" | "100755" => return Ok(entry.clone()),
                _ => return Err(Unreadable::new("not-a-file", "is not a regular file")),
            }
        }
        Err(Unreadable::new(
            "unreadable-file",
            "has too many levels of symbolic links",
        ))
    }

    fn read_all(&self, paths: &[PathBuf]) -> Vec<Result<Vec<u8>, Unreadable>> {
        // Link targets first (every link of the project: they are short), then the blobs.
        let link_oids: Vec<String> = self
            .entries
            .values()
            .filter(|e| e.mode == "120000")
            .map(|e| e.oid.clone())
            .collect();
        let links = match self.blobs(&link_oids) {
            Ok(l) => l,
            Err(e) => return paths.iter().map(|_| Err(e.clone())).collect(),
        };
        let resolved: Vec<Result<Entry, Unreadable>> = paths
            .iter()
            .map(|p| {
                let entry = self.resolve(p, &links)?;
                match entry.size {
                    Some(size) if size > MAX_FILE_BYTES => Err(too_large(size)),
                    _ => Ok(entry),
                }
            })
            .collect();
        let wanted: Vec<String> = resolved
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|e| e.oid.clone()))
            .collect();
        let blobs = match self.blobs(&wanted) {
            Ok(b) => b,
            Err(e) => return paths.iter().map(|_| Err(e.clone())).collect(),
        };
        resolved
            .into_iter()
            .map(|r| {
                r.and_then(|e| {
                    blobs
                        .get(&e.oid)
                        .or_else(|| links.get(&e.oid))
                        .cloned()
                        .ok_or_else(|| Unreadable::new("unreadable-file", "git did not return it"))
                })
            })
            .collect()
    }

    /// The contents of blobs, read with one `git cat-file --batch`.
    fn blobs(&self, oids: &[String]) -> Result<HashMap<String, Vec<u8>>, Unreadable> {
        let mut found = HashMap::new();
        if oids.is_empty() {
            return Ok(found);
        }
        let fail =
            |e: String| Unreadable::new("unreadable-file", format!("git cat-file failed: {e}"));
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| fail(e.to_string()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let input: String = oids.iter().map(|o| format!("{o}\n")).collect();
        // Written from a thread: git answers while it reads, and a full pipe would stall both.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        let mut header = String::new();
        for _ in oids {
            header.clear();
            out.read_line(&mut header)
                .map_err(|e| fail(e.to_string()))?;
            let mut fields = header.split_whitespace();
            let (Some(oid), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(fail(format!("unexpected answer `{}`", header.trim())));
            };
            let size: usize = size
                .parse()
                .map_err(|_| fail(format!("unexpected answer `{}`", header.trim())))?;
            if kind != "blob" {
                return Err(fail(format!("{oid} is a {kind}")));
            }
            let mut blob = vec![0; size + 1];
            out.read_exact(&mut blob).map_err(|e| fail(e.to_string()))?;
            blob.pop();
            found.insert(oid.to_owned(), blob);
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(found)
    }
}

/// Runs git in `dir`; its standard output, or its first error line.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err.lines().next().unwrap_or("git failed").trim().to_owned())
    }
}
