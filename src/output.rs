//! Phase 7: write the output tree, or compare it with what is on disk.
//!
//! `render` and `check` share [`compare`]: what check reports is exactly what render would
//! change. Render writes each changed file atomically (a temporary file in the same folder,
//! then a rename), deletes only files its index says it wrote before, never writes through a
//! symlink, and leaves unchanged files alone (their mtimes stay).

use std::collections::BTreeSet;
use std::fs;
use std::io::{ErrorKind, Write as _};
use std::path::{Component, Path, PathBuf};

use crate::layout::{INDEX_FILE, OutputTree};

/// A failure to read or write the output (exit code 2).
#[derive(Debug)]
pub struct OutputError(pub String);

/// How the output folder differs from the tree.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Files whose content differs: (path, old content or None if unreadable as text).
    pub changed: Vec<(String, Option<String>)>,
    /// Files render would create.
    pub missing: Vec<String>,
    /// Files render wrote before and would now delete.
    pub stale: Vec<String>,
    pub unchanged: usize,
}

impl Comparison {
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.stale.is_empty()
    }
}

/// The files an earlier render recorded in its index.
fn owned_files(out: &Path) -> Result<BTreeSet<String>, OutputError> {
    match fs::read_to_string(out.join(INDEX_FILE)) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter(|l| is_safe_relative(l))
            .map(str::to_owned)
            .collect()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(OutputError(format!(
            "cannot read {}: {e}",
            out.join(INDEX_FILE).display()
        ))),
    }
}

/// A relative path that stays inside the folder it is relative to.
fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Compares the tree with the output folder.
pub fn compare(out: &Path, tree: &OutputTree) -> Result<Comparison, OutputError> {
    let mut cmp = Comparison::default();
    for (path, content) in tree {
        let full = out.join(path);
        match fs::symlink_metadata(&full) {
            Err(e) if e.kind() == ErrorKind::NotFound => cmp.missing.push(path.clone()),
            Err(e) if e.kind() == ErrorKind::NotADirectory => cmp.missing.push(path.clone()),
            Err(e) => return Err(OutputError(format!("cannot read {}: {e}", full.display()))),
            Ok(meta) if !meta.is_file() => cmp.changed.push((path.clone(), None)),
            Ok(_) => match fs::read(&full) {
                Ok(bytes) if bytes == content.as_bytes() => cmp.unchanged += 1,
                Ok(bytes) => cmp
                    .changed
                    .push((path.clone(), String::from_utf8(bytes).ok())),
                Err(e) => return Err(OutputError(format!("cannot read {}: {e}", full.display()))),
            },
        }
    }
    for path in owned_files(out)? {
        if !tree.contains_key(&path) && fs::symlink_metadata(out.join(&path)).is_ok() {
            cmp.stale.push(path);
        }
    }
    Ok(cmp)
}

/// What a render did.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// Brings the output folder to the tree. Fails before writing anything when a path would go
/// through a symlink or a non-folder.
pub fn write(out: &Path, tree: &OutputTree) -> Result<WriteReport, OutputError> {
    let cmp = compare(out, tree)?;
    let mut targets: Vec<&str> = cmp.changed.iter().map(|(p, _)| p.as_str()).collect();
    targets.extend(cmp.missing.iter().map(String::as_str));
    for path in targets
        .iter()
        .copied()
        .chain(cmp.stale.iter().map(String::as_str))
    {
        refuse_symlinks(out, path)?;
    }
    fs::create_dir_all(out)
        .map_err(|e| OutputError(format!("cannot create {}: {e}", out.display())))?;
    // The index goes last: until it is written, the old index still names every old file.
    targets.sort_by_key(|p| *p == INDEX_FILE);
    for path in &targets {
        write_atomically(&out.join(path), tree[*path].as_bytes())?;
    }
    for path in &cmp.stale {
        let full = out.join(path);
        fs::remove_file(&full)
            .map_err(|e| OutputError(format!("cannot delete {}: {e}", full.display())))?;
        remove_empty_parents(out, &full);
    }
    Ok(WriteReport {
        written: targets.len(),
        deleted: cmp.stale.len(),
        unchanged: cmp.unchanged,
    })
}

/// No component of `out/path` below `out` may be a symlink.
fn refuse_symlinks(out: &Path, path: &str) -> Result<(), OutputError> {
    let mut current = out.to_path_buf();
    for component in Path::new(path).components() {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(OutputError(format!(
                    "refusing to write through the symlink {}",
                    current.display()
                )));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)
        .map_err(|e| OutputError(format!("cannot create {}: {e}", dir.display())))?;
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(OutputError(format!(
            "{} is a folder, where flinkform writes a file",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.flinkform-tmp"));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
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
