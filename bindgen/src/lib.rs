//! secpkg-bindgen: writes generated/ (crate secpkg-sys) from `bindgen/sspi.toml` and the Windows
//! metadata, through windows-bindgen in sys mode.

mod emit;
mod layout;
mod metadata;
mod spec;

pub use emit::Files;
pub use metadata::Metadata;
pub use spec::Spec;

use std::fmt;
use std::path::{Path, PathBuf};

/// The windows-bindgen release the generator is pinned to (`=` in bindgen/Cargo.toml), named in
/// every generated file's header.
pub const WINDOWS_BINDGEN_VERSION: &str = "0.100.0";

/// One line saying what went wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The workspace folders the generator reads and writes by default.
pub fn default_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sspi.toml")
}

pub fn default_out() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated")
}

/// Generates every file of secpkg-sys in memory.
pub fn generate(spec: &Path, metadata: Option<&Path>) -> Result<Files, Error> {
    emit::require_rustfmt()?;
    let spec = Spec::read(spec)?;
    let metadata = match metadata {
        Some(path) => Metadata::read(path)?,
        None => Metadata::bundled()?,
    };
    emit::generate(&spec, &metadata)
}

/// The files of `out` that differ from `files`, are missing, or are not generated at all.
pub fn stale_files(files: &Files, out: &Path) -> Vec<String> {
    let mut stale: Vec<String> = files
        .iter()
        .filter(|(path, text)| std::fs::read(out.join(path)).ok().as_deref() != Some(text.as_bytes()))
        .map(|(path, _)| path.clone())
        .collect();
    stale.extend(existing_files(out).into_iter().filter(|path| !files.contains_key(path)));
    stale.sort();
    stale
}

/// Writes `files` into `out`, removing any other file there: generated/ holds generated files only.
pub fn write(files: &Files, out: &Path) -> Result<(), Error> {
    let fail = |path: &Path, e: std::io::Error| Error::new(format!("{}: {e}", path.display()));
    for path in existing_files(out) {
        if !files.contains_key(&path) {
            std::fs::remove_file(out.join(&path)).map_err(|e| fail(&out.join(&path), e))?;
        }
    }
    for (path, text) in files {
        let path = out.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(parent, e))?;
        }
        if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
            std::fs::write(&path, text).map_err(|e| fail(&path, e))?;
        }
    }
    Ok(())
}

fn existing_files(out: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, found);
            } else if let Ok(relative) = path.strip_prefix(root) {
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut found = Vec::new();
    walk(out, out, &mut found);
    found
}
