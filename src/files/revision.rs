//! A git revision's files below the project folder, read as the disk would read them.
//!
//! Symlinks are followed at every step of a path, folders included, so a jobs folder that is
//! a link lists the same jobs in a commit as on disk. git is run so that it never fetches
//! (`GIT_NO_LAZY_FETCH`: in a partial clone a missing object is an error, not a download) and
//! never reads a path as pathspec magic (`GIT_LITERAL_PATHSPECS`: a folder named `:(top)x` is
//! that folder). Every blob's size is asked first (`cat-file --batch-check`), so nothing larger
//! than the bound is ever read, a symlink's target included.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Kind, MAX_FILE_BYTES, Unreadable, is_yaml, too_large};

/// The longest symlink target read: the longest path Linux resolves.
const MAX_LINK_BYTES: u64 = 4096;

/// How many symlinks one path may pass through, as Linux allows.
const MAX_LINK_HOPS: usize = 40;

/// One entry of a commit's tree below the project folder.
#[derive(Debug, Clone)]
struct Entry {
    mode: String,
    oid: String,
    /// `None` when the object is not in this repository (a partial clone).
    size: Option<u64>,
}

impl Entry {
    fn is_file(&self) -> bool {
        matches!(self.mode.as_str(), "100644" | "100755")
    }
}

/// The project folder's files at one commit (their names, modes, sizes and link targets;
/// contents are read on demand).
pub struct Revision {
    /// The revision as the user wrote it (`HEAD`, `main~2`).
    pub name: String,
    /// The commit it names.
    pub commit: String,
    /// The repository's top folder, where git runs.
    top: PathBuf,
    /// Paths relative to the project folder.
    entries: BTreeMap<PathBuf, Entry>,
    /// Each symlink's target, or why it cannot be read.
    links: HashMap<PathBuf, Result<PathBuf, Unreadable>>,
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
        let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", &commit];
        if !prefix.is_empty() {
            args.extend(["--", prefix.as_str()]);
        }
        let listing =
            git(&top, &args).map_err(|e| RevisionError(format!("cannot list {rev}: {e}")))?;
        let mut entries = BTreeMap::new();
        for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            // `<mode> SP <type> SP <object> TAB <path>`
            let record = String::from_utf8_lossy(record);
            let Some((head, path)) = record.split_once('\t') else {
                continue;
            };
            let mut fields = head.split_whitespace();
            let (Some(mode), Some(_), Some(oid)) = (fields.next(), fields.next(), fields.next())
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
                    size: None,
                },
            );
        }
        let mut revision = Revision {
            name: rev.to_owned(),
            commit,
            top,
            entries,
            links: HashMap::new(),
        };
        let fail = |e: Unreadable| RevisionError(format!("cannot read {rev}: {}", e.message));
        revision.read_sizes().map_err(fail)?;
        revision.read_links().map_err(fail)?;
        Ok(revision)
    }

    /// The commit's abbreviated name.
    #[must_use]
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }

    /// Whether the project folder holds nothing at this commit.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every object's size, in one `git cat-file --batch-check`.
    fn read_sizes(&mut self) -> Result<(), Unreadable> {
        let oids: Vec<String> = self.entries.values().map(|e| e.oid.clone()).collect();
        let sizes = self.batch_check(&oids)?;
        for entry in self.entries.values_mut() {
            entry.size = sizes.get(&entry.oid).copied();
        }
        Ok(())
    }

    /// The target of every symlink of the project folder: at most [`MAX_LINK_BYTES`] each.
    fn read_links(&mut self) -> Result<(), Unreadable> {
        let links: Vec<(PathBuf, Entry)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.mode == "120000")
            .map(|(p, e)| (p.clone(), e.clone()))
            .collect();
        let small: Vec<String> = links
            .iter()
            .filter(|(_, e)| e.size.is_some_and(|s| s <= MAX_LINK_BYTES))
            .map(|(_, e)| e.oid.clone())
            .collect();
        let targets = self.blobs(&small)?;
        for (path, entry) in links {
            let target = match (entry.size, targets.get(&entry.oid)) {
                (_, Some(t)) => Ok(PathBuf::from(String::from_utf8_lossy(t).into_owned())),
                (None, _) => Err(missing()),
                (Some(size), None) => Err(Unreadable::new(
                    crate::files::UNREADABLE_FILE,
                    format!(
                        "is a symlink whose target is {size} bytes long; no path is longer than {MAX_LINK_BYTES}"
                    ),
                )),
            };
            self.links.insert(path, target);
        }
        Ok(())
    }

    /// The path a path names once every symlink on it is followed, as the disk would follow
    /// them (`..` after a link goes up from its target).
    fn resolve(&self, path: &Path) -> Result<PathBuf, Unreadable> {
        if path.is_absolute() {
            return Err(escape(path));
        }
        let mut parts: VecDeque<OsString> = path
            .components()
            .map(|c| c.as_os_str().to_owned())
            .collect();
        let mut current = PathBuf::new();
        let mut hops = 0;
        while let Some(part) = parts.pop_front() {
            if part == "." {
                continue;
            }
            if part == ".." {
                if !current.pop() {
                    return Err(escape(path));
                }
                continue;
            }
            current.push(&part);
            let Some(target) = self.links.get(&current) else {
                continue;
            };
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return Err(Unreadable::new(
                    crate::files::UNREADABLE_FILE,
                    "has too many levels of symbolic links",
                ));
            }
            let target = target.clone()?;
            if target.is_absolute() {
                return Err(escape(&target));
            }
            current.pop();
            for c in target.components().rev() {
                parts.push_front(c.as_os_str().to_owned());
            }
        }
        Ok(current)
    }

    /// What a path names, symlinks followed.
    pub(super) fn kind(&self, path: &Path) -> Kind {
        let Ok(real) = self.resolve(path) else {
            return Kind::Missing;
        };
        self.kind_of(&real)
    }

    /// What a path without symlinks names.
    fn kind_of(&self, real: &Path) -> Kind {
        if real.as_os_str().is_empty() {
            return if self.entries.is_empty() {
                Kind::Missing
            } else {
                Kind::Dir
            };
        }
        if let Some(entry) = self.entries.get(real) {
            return if entry.is_file() {
                Kind::File
            } else {
                Kind::Missing
            };
        }
        let below = self
            .entries
            .range(real.to_path_buf()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(real));
        if below { Kind::Dir } else { Kind::Missing }
    }

    /// The names directly in a folder without symlinks on its path (files, folders, links).
    fn children(&self, real: &Path) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .range(real.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(real))
            .filter_map(|(p, _)| p.strip_prefix(real).ok())
            .filter_map(|below| below.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        names.dedup();
        names
    }

    /// The names in a folder (symlinks on its path followed), sorted.
    pub(super) fn list(&self, dir: &Path) -> Result<Vec<String>, String> {
        let real = self.resolve(dir).map_err(|e| e.message)?;
        if self.kind_of(&real) != Kind::Dir {
            return Err(format!("no such folder at {}", self.name));
        }
        Ok(self.children(&real))
    }

    /// Every YAML file below `dir`, hidden entries skipped and symlinked folders followed, as
    /// paths below the project folder (the links' paths, not their targets').
    pub(super) fn yaml_files(&self, dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        if let Ok(real) = self.resolve(dir)
            && self.kind_of(&real) == Kind::Dir
        {
            self.walk(dir, &real, 0, &mut found);
        }
        found
    }

    fn walk(&self, shown: &Path, real: &Path, depth: usize, found: &mut Vec<PathBuf>) {
        // A link to a folder above it would never end; the disk's walk stops such a loop too.
        if depth > MAX_LINK_HOPS {
            return;
        }
        for name in self.children(real) {
            if name.starts_with('.') {
                continue;
            }
            let path = shown.join(&name);
            let Some(entry) = self.entries.get(&real.join(&name)) else {
                self.walk(&path, &real.join(&name), depth, found);
                continue;
            };
            if entry.is_file() {
                if is_yaml(&path) {
                    found.push(path);
                }
            } else if entry.mode == "120000" {
                match self.resolve(&path) {
                    Ok(target) if self.kind_of(&target) == Kind::Dir => {
                        self.walk(&path, &target, depth + 1, found);
                    }
                    // A file, or a link that leads nowhere readable: reading it says why.
                    _ if is_yaml(&path) => found.push(path),
                    _ => {}
                }
            }
        }
    }

    /// Reads files (paths below the project folder), in one `git cat-file --batch`.
    pub(super) fn read_all(&self, paths: &[PathBuf]) -> Vec<Result<Vec<u8>, Unreadable>> {
        let resolved: Vec<Result<Entry, Unreadable>> = paths
            .iter()
            .map(|p| {
                let real = self.resolve(p)?;
                let entry = match self.entries.get(&real) {
                    Some(e) if e.is_file() => e,
                    Some(_) => {
                        return Err(Unreadable::new(
                            crate::files::NOT_A_FILE,
                            "is not a regular file",
                        ));
                    }
                    None if self.kind_of(&real) == Kind::Dir => {
                        return Err(Unreadable::new(
                            crate::files::NOT_A_FILE,
                            "is not a regular file",
                        ));
                    }
                    None => {
                        return Err(Unreadable::new(
                            crate::files::FILE_NOT_FOUND,
                            "no such file",
                        ));
                    }
                };
                match entry.size {
                    None => Err(missing()),
                    Some(size) if size > MAX_FILE_BYTES => Err(too_large(size)),
                    Some(_) => Ok(entry.clone()),
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
                    blobs.get(&e.oid).cloned().ok_or_else(|| {
                        Unreadable::new(crate::files::UNREADABLE_FILE, "git did not return it")
                    })
                })
            })
            .collect()
    }

    /// The sizes of objects (absent: not in this repository), in one
    /// `git cat-file --batch-check`.
    fn batch_check(&self, oids: &[String]) -> Result<HashMap<String, u64>, Unreadable> {
        let mut sizes = HashMap::new();
        if oids.is_empty() {
            return Ok(sizes);
        }
        let output = batch(&self.top, "--batch-check", oids, |out, _| {
            let mut line = String::new();
            out.read_line(&mut line).map_err(|e| e.to_string())?;
            let mut fields = line.split_whitespace();
            if let (Some(oid), Some("blob"), Some(size)) =
                (fields.next(), fields.next(), fields.next())
            {
                let size = size
                    .parse()
                    .map_err(|_| format!("unexpected answer `{line}`"))?;
                sizes.insert(oid.to_owned(), size);
            }
            Ok(())
        });
        output.map(|()| sizes)
    }

    /// The contents of blobs already known to be small, in one `git cat-file --batch`.
    fn blobs(&self, oids: &[String]) -> Result<HashMap<String, Vec<u8>>, Unreadable> {
        let mut found = HashMap::new();
        if oids.is_empty() {
            return Ok(found);
        }
        batch(&self.top, "--batch", oids, |out, _| {
            let mut header = String::new();
            out.read_line(&mut header).map_err(|e| e.to_string())?;
            let mut fields = header.split_whitespace();
            let (Some(oid), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(format!("unexpected answer `{}`", header.trim()));
            };
            let size: u64 = size
                .parse()
                .map_err(|_| format!("unexpected answer `{}`", header.trim()))?;
            if kind != "blob" {
                return Err(format!("{oid} is a {kind}"));
            }
            // The sizes were checked before; an object that changed its mind is not read.
            if size > MAX_FILE_BYTES {
                return Err(format!("{oid} is {size} bytes"));
            }
            let mut blob = vec![0; usize::try_from(size).unwrap_or(usize::MAX) + 1];
            out.read_exact(&mut blob).map_err(|e| e.to_string())?;
            blob.pop();
            found.insert(oid.to_owned(), blob);
            Ok(())
        })?;
        Ok(found)
    }
}

/// Runs one `git cat-file <mode>` over `oids`, calling `answer` once per object.
fn batch(
    top: &Path,
    mode: &str,
    oids: &[String],
    mut answer: impl FnMut(&mut BufReader<std::process::ChildStdout>, &str) -> Result<(), String>,
) -> Result<(), Unreadable> {
    let fail = |e: String| {
        Unreadable::new(
            crate::files::UNREADABLE_FILE,
            format!("git cat-file failed: {e}"),
        )
    };
    let mut child = command(top)
        .args(["cat-file", mode])
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
    let mut result = Ok(());
    for oid in oids {
        if let Err(e) = answer(&mut out, oid) {
            result = Err(fail(e));
            break;
        }
    }
    drop(out);
    let _ = writer.join();
    let _ = child.wait();
    result
}

/// git, run so that it never fetches and never reads a path as pathspec magic.
fn command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_LITERAL_PATHSPECS", "1")
        .stdin(Stdio::null());
    command
}

/// Runs git in `dir`; its standard output, or its first error line.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = command(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err.lines().next().unwrap_or("git failed").trim().to_owned())
    }
}

fn missing() -> Unreadable {
    Unreadable::new(
        crate::files::UNREADABLE_FILE,
        "is not in this clone (a partial clone leaves it on the remote); flinkform never lets git fetch: fetch it, or compare with a revision whose files are here",
    )
}

fn escape(target: &Path) -> Unreadable {
    Unreadable::new(
        crate::files::SYMLINK_ESCAPE,
        format!(
            "leads outside the project (to {}); flinkform reads nothing outside it",
            target.display()
        ),
    )
}
