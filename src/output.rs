//! Phase 7: write the output tree, or compare it with what is on disk.
//!
//! `render` and `check` share [`compare`]: what check reports is exactly what render would
//! change. Render writes each changed file atomically (a temporary file in the same folder,
//! then a rename), deletes only files its index says it wrote before, never writes through a
//! symlink, and leaves unchanged files alone (their mtimes stay).

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::layout::{INDEX_FILE, OutputTree};

/// The most render or check reads of one file already in the output folder: a file there may
/// be anything a pull request put there, a gigabyte included. Render's own files are smaller.
pub const MAX_FOUND_BYTES: u64 = crate::files::MAX_FILE_BYTES;

/// The most they read of the index, which names every file of a large project.
const MAX_INDEX_BYTES: u64 = 8 * MAX_FOUND_BYTES;

/// Reads a regular file of at most `max` bytes; a larger one (or one that grew past `max`
/// while it was read) is `None`.
fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// A failure to read or write the output (exit code 2).
#[derive(Debug)]
pub struct OutputError(pub String);

/// What the output folder holds where the tree has a file that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A regular file of UTF-8 text: its content.
    Text(String),
    /// A regular file that is not UTF-8 text: its size in bytes.
    Binary(u64),
    /// A regular file larger than [`MAX_FOUND_BYTES`], not read: its size in bytes.
    TooLarge(u64),
    /// Not a regular file: what it is ("a folder", "a symlink", ...). Never opened, so a FIFO
    /// cannot block a run.
    NotAFile(&'static str),
}

/// How the output folder differs from the tree.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Files whose content differs: the path and what is there now.
    pub changed: Vec<(String, Found)>,
    /// Files render would create.
    pub missing: Vec<String>,
    /// Files render wrote before and would now delete.
    pub stale: Vec<String>,
    pub unchanged: usize,
    /// Files that could not be read (permissions, I/O errors): nothing is known about them.
    pub errors: Vec<String>,
}

impl Comparison {
    /// No drift (and nothing left unread).
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.stale.is_empty()
            && self.errors.is_empty()
    }
}

/// What a non-regular file is, for messages.
fn kind_of(file_type: fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symlink"
    } else {
        special_kind(file_type)
    }
}

#[cfg(unix)]
fn special_kind(file_type: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: fs::FileType) -> &'static str {
    "not a regular file"
}

/// The files an earlier render recorded in its index. An index that is not a regular file
/// (or holds garbage) names nothing: render then deletes nothing.
fn owned_files(out: &Path) -> Result<BTreeSet<String>, String> {
    let path = out.join(INDEX_FILE);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Ok(BTreeSet::new()),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(BTreeSet::new());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    match read_bounded(&path, MAX_INDEX_BYTES) {
        Ok(None) => Err(format!(
            "{} is larger than {MAX_INDEX_BYTES} bytes; no render wrote it",
            path.display()
        )),
        Ok(Some(bytes)) => {
            let text = String::from_utf8_lossy(&bytes);
            let mut lines: Vec<&str> = text.split('\n').filter(|l| !l.is_empty()).collect();
            // A checkout that turned every line ending into CRLF still names the same files;
            // a single line with a carriage return names none.
            if lines.iter().all(|l| l.ends_with('\r')) {
                lines = lines.iter().map(|l| l.trim_end_matches('\r')).collect();
            }
            Ok(lines
                .into_iter()
                .filter(|l| !l.starts_with('#') && is_safe_relative(l))
                .map(str::to_owned)
                .collect())
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// A relative path that stays inside the folder it is relative to, of the characters render
/// writes in names (so an index line is always one whole path).
#[must_use]
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Compares the tree with the output folder. Never follows a symlink and never opens anything
/// but a regular file. A file that cannot be read is recorded in `errors`, and the comparison
/// goes on, so one run reports everything.
#[must_use]
pub fn compare(out: &Path, tree: &OutputTree) -> Comparison {
    /// What one file of the tree finds in the folder.
    enum State {
        Unchanged,
        Missing,
        Changed(Found),
        Unreadable(String),
    }
    let found = |bytes: Vec<u8>, len: u64| match String::from_utf8(bytes) {
        Ok(text) => Found::Text(text),
        Err(_) => Found::Binary(len),
    };
    // A folder of the tree that is a symlink in the output holds none of render's files, only
    // a view of somewhere else: every file below it differs.
    let folders: BTreeSet<&str> = tree
        .keys()
        .flat_map(|p| p.match_indices('/').map(move |(i, _)| &p[..i]))
        .collect();
    let linked: Vec<&str> = folders
        .into_iter()
        .filter(|f| fs::symlink_metadata(out.join(f)).is_ok_and(|m| m.file_type().is_symlink()))
        .collect();
    let state = |path: &str, content: &str| {
        if linked
            .iter()
            .any(|f| path.starts_with(f) && path.as_bytes().get(f.len()) == Some(&b'/'))
        {
            return State::Changed(Found::NotAFile("behind a symlinked folder"));
        }
        let full = out.join(path);
        let unreadable =
            |e: std::io::Error| State::Unreadable(format!("cannot read {}: {e}", full.display()));
        match fs::symlink_metadata(&full) {
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                State::Missing
            }
            Err(e) => unreadable(e),
            Ok(meta) if !meta.is_file() => {
                State::Changed(Found::NotAFile(kind_of(meta.file_type())))
            }
            // A file of the same length is read into a buffer of that length and compared
            // (no size probe, no read to find the end); any other is read whole for its diff.
            Ok(meta) if meta.len() == content.len() as u64 => {
                let mut bytes = vec![0; content.len()];
                match fs::File::open(&full).and_then(|mut f| f.read_exact(&mut bytes)) {
                    Ok(()) if bytes == content.as_bytes() => State::Unchanged,
                    Ok(()) => State::Changed(found(bytes, meta.len())),
                    Err(e) => unreadable(e),
                }
            }
            Ok(meta) => match read_bounded(&full, MAX_FOUND_BYTES) {
                Ok(Some(bytes)) => State::Changed(found(bytes, meta.len())),
                Ok(None) => State::Changed(Found::TooLarge(meta.len())),
                Err(e) => unreadable(e),
            },
        }
    };
    // Reading ~10,000 files is most of a check: both cores read, results stay in tree order.
    let states: Vec<(&String, State)> = tree
        .par_iter()
        .map(|(path, content)| (path, state(path, content)))
        .collect();
    let mut cmp = Comparison::default();
    for (path, state) in states {
        match state {
            State::Unchanged => cmp.unchanged += 1,
            State::Missing => cmp.missing.push(path.clone()),
            State::Changed(found) => cmp.changed.push((path.clone(), found)),
            State::Unreadable(e) => cmp.errors.push(e),
        }
    }
    match owned_files(out) {
        Ok(owned) => {
            // Render writes regular files only: an entry that names a folder, a symlink or
            // anything else is no file of render's, and is left alone.
            for path in owned {
                if !tree.contains_key(&path)
                    && fs::symlink_metadata(out.join(&path)).is_ok_and(|m| m.is_file())
                {
                    cmp.stale.push(path);
                }
            }
        }
        Err(e) => cmp.errors.push(e),
    }
    cmp
}

/// What a render did.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// Brings the output folder to the tree. Fails before writing anything when a file cannot be
/// read, or a path would go through a symlink or a non-folder, or a folder sits where a file
/// goes (every such problem is reported).
///
/// Each file is written to a temporary file beside it and renamed over it, so a reader or a
/// killed render sees each file old or new. The files are written in parallel and made
/// durable together (one `syncfs` on Linux, instead of an fsync per file, which made a fresh
/// render of 10,000 files take seconds); only then is the index written and synced, so even
/// after a power cut the index never names a file whose content did not reach the disk.
pub fn write(out: &Path, tree: &OutputTree) -> Result<WriteReport, OutputError> {
    // The index lists one path per line; a name that could break a line (or leave the
    // folder) never reaches it. The compiler makes none: this holds it to that.
    if let Some(bad) = tree.keys().find(|p| !is_safe_relative(p)) {
        return Err(OutputError(format!(
            "refusing to write {bad:?}: output paths are made of letters, digits, `.`, `_`, `-` and `/`"
        )));
    }
    fs::create_dir_all(out)
        .map_err(|e| OutputError(format!("cannot create {}: {e}", out.display())))?;
    // Two renders into one folder take turns: the second compares against what the first
    // wrote, and no file is ever written by both at once.
    let _turn = lock_folder(out)?;
    let cmp = compare(out, tree);
    if !cmp.errors.is_empty() {
        return Err(OutputError(cmp.errors.join("\nerror: ")));
    }
    let mut targets: Vec<&str> = cmp.changed.iter().map(|(p, _)| p.as_str()).collect();
    targets.extend(cmp.missing.iter().map(String::as_str));
    let mut checked = HashSet::new();
    let mut problems: Vec<String> = Vec::new();
    for path in &targets {
        problems.extend(obstacle(out, path, true, &mut checked));
    }
    for path in &cmp.stale {
        problems.extend(obstacle(out, path, false, &mut checked));
    }
    if !problems.is_empty() {
        // One symlinked folder is one problem, however many files lie behind it.
        let mut seen = HashSet::new();
        problems.retain(|p| seen.insert(p.clone()));
        return Err(OutputError(problems.join("\nerror: ")));
    }
    fs::create_dir_all(out)
        .map_err(|e| OutputError(format!("cannot create {}: {e}", out.display())))?;
    // A render marks the folder while it writes; a marker found here means one was killed
    // and may have left temporary files.
    let marker = out.join(WRITING_MARKER);
    let interrupted = fs::symlink_metadata(&marker).is_ok();
    let writes = !targets.is_empty() || !cmp.stale.is_empty();
    if writes {
        write_atomically(
            &marker,
            b"a flinkform render is writing this folder\n",
            false,
        )?;
    }
    // `checked` holds every folder on the way to a target that exists already; the others are
    // made here, in parallel (create_dir_all accepts a parent the other thread just made).
    let created: BTreeSet<PathBuf> = targets
        .iter()
        .filter_map(|p| out.join(p).parent().map(Path::to_path_buf))
        .filter(|folder| folder != out && !checked.contains(folder))
        .collect();
    created.par_iter().try_for_each(|folder| {
        fs::create_dir_all(folder)
            .map_err(|e| OutputError(format!("cannot create {}: {e}", folder.display())))
    })?;
    // The index goes last: until it is written, the old index still names every old file.
    let (index, files): (Vec<&str>, Vec<&str>) = targets.iter().partition(|p| **p == INDEX_FILE);
    files
        .par_iter()
        .try_for_each(|path| write_atomically(&out.join(path), tree[*path].as_bytes(), false))?;
    for path in &cmp.stale {
        let full = out.join(path);
        fs::remove_file(&full)
            .map_err(|e| OutputError(format!("cannot delete {}: {e}", full.display())))?;
        remove_empty_parents(out, &full);
    }
    if !files.is_empty() || !cmp.stale.is_empty() {
        sync_filesystem(out, &files)?;
    }
    for path in index {
        write_atomically(&out.join(path), tree[path].as_bytes(), true)?;
    }
    if interrupted {
        remove_leftover_temporaries(out, tree, &created);
    }
    if writes || interrupted {
        let _ = fs::remove_file(&marker);
    }
    Ok(WriteReport {
        written: targets.len(),
        deleted: cmp.stale.len(),
        unchanged: cmp.unchanged,
    })
}

/// Makes every file written so far durable: one `syncfs` of the output's file system on
/// Linux, an fsync of each written file elsewhere.
fn sync_filesystem(out: &Path, written: &[&str]) -> Result<(), OutputError> {
    let failed = |e: std::io::Error| OutputError(format!("cannot sync {}: {e}", out.display()));
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let _ = written;
        let dir = fs::File::open(out).map_err(failed)?;
        // SAFETY: syncfs only reads the descriptor, which `dir` keeps open for the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(failed(std::io::Error::last_os_error()));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        written
            .par_iter()
            .try_for_each(|p| fs::File::open(out.join(p)).and_then(|f| f.sync_all()))
            .map_err(failed)
    }
}

/// What stops render from writing (or deleting) `out/path`: a symlink on the way (render never
/// writes through one), a file where a folder must be, or a folder where the file goes.
/// `checked` holds the folders already found fine, so each is looked at once.
fn obstacle(
    out: &Path,
    path: &str,
    writing: bool,
    checked: &mut HashSet<PathBuf>,
) -> Option<String> {
    let mut current = out.to_path_buf();
    let mut components = Path::new(path).components().peekable();
    while let Some(component) = components.next() {
        current.push(component);
        let last = components.peek().is_none();
        if !last && checked.contains(&current) {
            continue;
        }
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                return Some(format!(
                    "refusing to write through the symlink {}",
                    current.display()
                ));
            }
            Ok(m) if !last && !m.is_dir() => {
                return Some(format!(
                    "{} is a file, where flinkform needs a folder",
                    current.display()
                ));
            }
            Ok(m) if last && writing && m.is_dir() => {
                return Some(format!(
                    "{} is a folder, where flinkform writes a file",
                    current.display()
                ));
            }
            Ok(_) if !last => {
                checked.insert(current.clone());
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    None
}

/// Waits for, then holds, an exclusive lock on the output folder (released when the returned
/// handle is dropped, or when the process ends however it ends).
fn lock_folder(out: &Path) -> Result<fs::File, OutputError> {
    let folder = fs::File::open(out)
        .map_err(|e| OutputError(format!("cannot open {}: {e}", out.display())))?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        // SAFETY: flock on a descriptor this function owns; no memory is shared.
        if unsafe { libc::flock(folder.as_raw_fd(), libc::LOCK_EX) } != 0 {
            let e = std::io::Error::last_os_error();
            return Err(OutputError(format!("cannot lock {}: {e}", out.display())));
        }
    }
    Ok(folder)
}

/// The file that is in the output folder while a render writes it (and after a render was
/// killed): the next render then looks for the temporary files it may have left.
pub const WRITING_MARKER: &str = ".flinkform-writing";

/// A fresh name for the temporary file `write_atomically` renames over `file_name`: unique to
/// this process and write, so no name planted in the folder is ever opened.
fn temporary_name(file_name: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(".{file_name}.{}-{n}.flinkform-tmp", std::process::id())
}

/// Removes temporary files a killed render left beside the files of the tree (their names
/// say they are flinkform's own, and no complete file is ever one of them). Folders this
/// render created hold none. Runs only after a killed render (see [`WRITING_MARKER`]): it
/// reads every folder of the tree.
fn remove_leftover_temporaries(out: &Path, tree: &OutputTree, created: &BTreeSet<PathBuf>) {
    let folders: BTreeSet<&str> = tree
        .keys()
        .map(|p| p.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    folders
        .par_iter()
        .map(|folder| out.join(folder))
        .filter(|folder| !created.contains(folder))
        .for_each(|folder| {
            let Ok(entries) = fs::read_dir(folder) else {
                return;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.')
                    && name.ends_with(".flinkform-tmp")
                    && entry.file_type().is_ok_and(|t| t.is_file())
                {
                    let _ = fs::remove_file(entry.path());
                }
            }
        });
}

/// Writes a file through a temporary file beside it and a rename; `sync` makes it durable
/// before the rename.
fn write_atomically(path: &Path, bytes: &[u8], sync: bool) -> Result<(), OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(temporary_name(&name));
    let result = (|| {
        // A new file or nothing: never an existing one, never through a link.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        if sync {
            file.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        OutputError(format!("cannot write {}: {e}", path.display()))
    })
}

fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out || !d.starts_with(out) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
