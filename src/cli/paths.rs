//! Paths as the command line checks and shows them: the output folder's symlinks, where a
//! folder really is, and how a path is printed.

use std::path::{Path, PathBuf};

/// A path for messages, without a leading `./`.
pub(super) fn shown_path(path: &Path) -> String {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// The first existing path from `root` (excluded) down to `dir` that is a symlink.
pub(super) fn symlink_below(root: &Path, dir: &Path) -> Option<PathBuf> {
    let below = dir.strip_prefix(root).ok()?;
    let mut current = root.to_path_buf();
    for part in below.components() {
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => return Some(current),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

pub(super) fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    // `..` is resolved against the real folder it follows, so `project/nope/..` is the
    // project, whether `nope` exists or not.
    let mut resolved = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                resolved = resolved.canonicalize().unwrap_or(resolved);
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    let path = resolved.as_path();
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    // A folder that does not exist yet: resolve its nearest existing ancestor.
    let mut missing = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        if let Ok(p) = current.canonicalize() {
            let mut p = p;
            for part in missing.iter().rev() {
                p.push(part);
            }
            return p;
        }
        match (current.file_name(), current.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_owned());
                current = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return path.to_path_buf(),
        }
    }
}
