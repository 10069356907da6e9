//! Source files and positions.
//!
//! Every diagnostic points into a file the user wrote, so the text of every input is kept for
//! the whole run: the renderer of diagnostics prints the offending line under the message.

use std::path::{Path, PathBuf};

/// Index of a file in [`Sources`]. [`FileId::BUILTIN`] marks values flinkform supplied itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    pub const BUILTIN: FileId = FileId(u32::MAX);
}

/// A position in a source file: 1-based line and column (in characters), and the length of
/// the token there (for the caret line), 1 when unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Span {
    pub const BUILTIN: Span = Span {
        file: FileId::BUILTIN,
        line: 0,
        col: 0,
        len: 0,
    };

    #[must_use]
    pub fn is_builtin(&self) -> bool {
        self.file == FileId::BUILTIN
    }
}

/// One input file: the path as the user would type it, and its text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Where each line starts, found the first time a line is wanted: a diagnostic's snippet
    /// costs the same on line 40,000 as on line 1.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

/// All files read in one run.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.files.push(SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        });
        id
    }

    #[must_use]
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    #[must_use]
    pub fn path(&self, id: FileId) -> &Path {
        self.get(id)
            .map_or(Path::new("<built-in>"), |f| f.path.as_path())
    }

    /// The text of line `line` (1-based) of a file, without its line break.
    #[must_use]
    pub fn line(&self, id: FileId, line: u32) -> Option<&str> {
        let file = self.get(id)?;
        let text = &file.text;
        let starts = file.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let start = *starts.get(line.checked_sub(1)? as usize)?;
        let rest = &text[start..];
        let l = rest.split('\n').next().unwrap_or_default();
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

impl Sources {
    /// Sets the text of a file added before its content was read.
    pub fn set_text(&mut self, id: FileId, text: String) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.text = text;
            f.line_starts = std::sync::OnceLock::new();
        }
    }
}

impl Sources {
    /// The paths of every file read.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }
}
