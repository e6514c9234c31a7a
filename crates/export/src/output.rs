//! All-or-nothing destinations. Everything is written under a temporary name in the
//! destination's own folder (owner-only permissions) and renamed into place at the very end,
//! so a cancelled or failed export leaves nothing behind, and a finished one appears whole.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use tempfile::{TempDir, TempPath};

use crate::error::ExportError;

/// Buffer of every file writer.
pub(crate) const WRITE_BUFFER: usize = 256 * 1024;

/// The folder `dest` goes into; it must exist.
fn parent_of(dest: &Path) -> Result<PathBuf, ExportError> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if parent.is_dir() {
        Ok(parent)
    } else {
        Err(ExportError::FolderNotFound(parent))
    }
}

fn prefix(dest: &Path) -> String {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.partial-")
}

/// A file being written; it replaces `dest` on [`PendingFile::commit`].
pub(crate) struct PendingFile {
    temp: TempPath,
    dest: PathBuf,
}

impl PendingFile {
    /// Creates the temporary file beside `dest`; returns it and a buffered writer.
    pub fn create(dest: &Path) -> Result<(Self, BufWriter<File>), ExportError> {
        if dest.is_dir() {
            return Err(ExportError::invalid(
                "destination",
                format!("{} is a folder; give a file name", dest.display()),
            ));
        }
        let parent = parent_of(dest)?;
        let named = tempfile::Builder::new()
            .prefix(&prefix(dest))
            .tempfile_in(&parent)
            .map_err(|e| ExportError::io("creating a file in", &parent, e))?;
        let (file, temp) = named.into_parts();
        Ok((
            Self {
                temp,
                dest: dest.to_path_buf(),
            },
            BufWriter::with_capacity(WRITE_BUFFER, file),
        ))
    }

    /// Flushes and syncs `writer`, then renames the file into place; returns its size.
    pub fn commit(self, writer: BufWriter<File>) -> Result<u64, ExportError> {
        let file = writer
            .into_inner()
            .map_err(|e| ExportError::io("writing", &self.dest, e.into_error()))?;
        file.sync_all()
            .map_err(|e| ExportError::io("writing", &self.dest, e))?;
        let bytes = file
            .metadata()
            .map_err(|e| ExportError::io("writing", &self.dest, e))?
            .len();
        drop(file);
        self.temp
            .persist(&self.dest)
            .map_err(|e| ExportError::io("moving the export into place at", &self.dest, e.error))?;
        sync_parent(&self.dest);
        Ok(bytes)
    }
}

/// A folder being filled; it becomes `dest` on [`PendingDir::commit`].
pub(crate) struct PendingDir {
    temp: TempDir,
    dest: PathBuf,
}

impl PendingDir {
    /// Creates the temporary folder beside `dest`, which must not exist or be empty.
    pub fn create(dest: &Path) -> Result<Self, ExportError> {
        if dest.exists() {
            let empty = std::fs::read_dir(dest)
                .map(|mut entries| entries.next().is_none())
                .unwrap_or(false);
            if !empty {
                return Err(ExportError::DestinationNotEmpty(dest.to_path_buf()));
            }
        }
        let parent = parent_of(dest)?;
        let name = prefix(dest);
        let mut builder = tempfile::Builder::new();
        builder.prefix(&name);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let temp = builder
            .tempdir_in(&parent)
            .map_err(|e| ExportError::io("creating a folder in", &parent, e))?;
        Ok(Self {
            temp,
            dest: dest.to_path_buf(),
        })
    }

    /// Where a file of the folder is written meanwhile.
    pub fn file(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    /// Renames the folder into place; returns the size of its files.
    pub fn commit(self) -> Result<u64, ExportError> {
        let bytes = std::fs::read_dir(self.temp.path())
            .map_err(|e| ExportError::io("reading", self.temp.path(), e))?
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        if self.dest.is_dir() {
            // Checked empty at the start; `rename` over a folder is not portable.
            std::fs::remove_dir(&self.dest)
                .map_err(|e| ExportError::io("replacing the empty folder", &self.dest, e))?;
        }
        let kept = self.temp.keep();
        if let Err(e) = std::fs::rename(&kept, &self.dest) {
            let _ = std::fs::remove_dir_all(&kept);
            return Err(ExportError::io(
                "moving the export into place at",
                &self.dest,
                e,
            ));
        }
        sync_parent(&self.dest);
        Ok(bytes)
    }
}

/// Makes the rename durable (best effort: not every platform can sync a folder).
fn sync_parent(dest: &Path) {
    if let Ok(parent) = parent_of(dest) {
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

/// Opens a file inside a [`PendingDir`].
pub(crate) fn create_in_dir(path: &Path) -> Result<BufWriter<File>, ExportError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(|f| BufWriter::with_capacity(WRITE_BUFFER, f))
        .map_err(|e| ExportError::io("creating", path, e))
}

/// Flushes and syncs a file of a [`PendingDir`].
pub(crate) fn finish_in_dir(path: &Path, writer: BufWriter<File>) -> Result<(), ExportError> {
    let file = writer
        .into_inner()
        .map_err(|e| ExportError::io("writing", path, e.into_error()))?;
    file.sync_all()
        .map_err(|e| ExportError::io("writing", path, e))
}
