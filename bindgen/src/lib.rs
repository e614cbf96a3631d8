//! secpkg-bindgen: writes generated/ (crate secpkg-sys) from `bindgen/sspi.toml` and the Windows
//! metadata, through windows-bindgen in sys mode.

mod emit;
mod layout;
pub mod lock;
mod metadata;
mod normalise;
mod spec;

pub use emit::{Files, Output};
pub use metadata::Metadata;
pub use spec::Spec;

use std::collections::BTreeMap;
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

    /// Several problems, one line each: a run reports all it found, not only the first.
    pub fn many(errors: Vec<Error>) -> Self {
        let lines: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        Self { message: lines.join("\nerror: ") }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Runs `f`, turning a panic into its message. windows-bindgen and windows-metadata report
/// malformed metadata by panicking; the generator reports it as an error. The hook is silenced
/// meanwhile, so the panic prints nothing of its own.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

/// The workspace folders the generator reads and writes by default.
pub fn default_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sspi.toml")
}

pub fn default_out() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated")
}

/// Generates every file of secpkg-sys in memory.
pub fn generate(spec: &Path, metadata: Option<&Path>) -> Result<Files, Error> {
    let spec = Spec::read(spec)?;
    let metadata = read_metadata(metadata)?;
    generate_output(&spec, &metadata).map(|output| output.files)
}

/// The metadata at `path`, or the bundled one.
pub fn read_metadata(path: Option<&Path>) -> Result<Metadata, Error> {
    match path {
        Some(path) => Metadata::read(path),
        None => Metadata::bundled(),
    }
}

/// Generates secpkg-sys in memory, with its lock and the notes `diff` reads.
pub fn generate_output(spec: &Spec, metadata: &Metadata) -> Result<Output, Error> {
    emit::require_rustfmt()?;
    emit::generate(spec, metadata)
}

/// What a regeneration changes in the API, compared with the lock at `old` (if there is one),
/// and the breaking changes the spec does not acknowledge.
pub struct Compatibility {
    pub changes: Vec<lock::Change>,
    pub unacknowledged: Vec<lock::Change>,
    /// Acknowledgements that match no change.
    pub stale_acknowledgements: Vec<String>,
}

pub fn compatibility(spec: &Spec, old_lock: Option<&str>, new: &lock::Items) -> Compatibility {
    let Some(old_lock) = old_lock else {
        return Compatibility { changes: Vec::new(), unacknowledged: Vec::new(), stale_acknowledgements: Vec::new() };
    };
    let changes = lock::compare(&lock::parse(old_lock), new);
    let acknowledged = |change: &lock::Change| spec.acknowledged.iter().any(|a| a.item.get_ref() == &change.key);
    let unacknowledged = changes.iter().filter(|c| c.kind.is_breaking() && !acknowledged(c)).cloned().collect();
    let stale_acknowledgements = spec
        .acknowledged
        .iter()
        .filter(|a| !changes.iter().any(|c| &c.key == a.item.get_ref()))
        .map(|a| {
            format!(
                "{}: acknowledged change '{}' is not a change of this regeneration; drop it once the lock has it",
                spec.location(&a.item),
                a.item.get_ref()
            )
        })
        .collect();
    Compatibility { changes, unacknowledged, stale_acknowledgements }
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

/// One difference between two metadata files, for the spec's items.
#[derive(serde::Serialize)]
pub struct Difference {
    /// The item, as API.lock keys it (`fn FreeContextBuffer`, `const SEC_E_NOOWNER`).
    pub item: String,
    /// The item's lock line from the old metadata, before the spec's normalisation (absent: it
    /// has no such item).
    pub old: Option<String>,
    pub new: Option<String>,
    /// Whether secpkg-sys stays the same for this item.
    pub covered: bool,
    /// How the spec covers it, or the change secpkg-sys would make.
    pub by: String,
}

#[derive(serde::Serialize)]
pub struct DiffReport {
    pub old: String,
    pub new: String,
    pub differences: Vec<Difference>,
}

/// What two metadata files differ in for the spec's items, and for each whether the spec's
/// normalisation, scope or supplement keeps secpkg-sys the same.
pub fn diff(spec: &Spec, old: &Output, new: &Output) -> Vec<Difference> {
    let mut differences = Vec::new();
    let normalised_changes = lock::compare(&old.lock, &new.lock);
    let unions = union_parts(spec, &[&old.raw_lock, &new.raw_lock]);
    for change in lock::compare(&old.raw_lock, &new.raw_lock) {
        let note = old.notes.get(&change.key).or_else(|| new.notes.get(&change.key)).cloned();
        let (covered, by) = match normalised_changes.iter().find(|c| c.key == change.key) {
            Some(api) => (false, format!("NOT covered: secpkg-sys changes: {}", api.line())),
            None => (true, note.unwrap_or_else(|| coverage(spec, &unions, &change))),
        };
        let (old, new) = (full_line(&change.key, &change.old), full_line(&change.key, &change.new));
        differences.push(Difference { item: change.key, old, new, covered, by });
    }
    for api in normalised_changes {
        if !differences.iter().any(|d| d.item == api.key) {
            differences.push(Difference {
                item: api.key.clone(),
                old: full_line(&api.key, &api.old),
                new: full_line(&api.key, &api.new),
                covered: false,
                by: format!("NOT covered: secpkg-sys changes: {}", api.line()),
            });
        }
    }
    differences
}

fn full_line(key: &str, rest: &Option<String>) -> Option<String> {
    rest.as_deref().map(|rest| lock::line(key, rest))
}

/// Every type a union the spec says as an integer stands for in the locks: the union, the types
/// its fields name (LARGE_INTEGER's anonymous structs, recursively), and the signatures its `in`
/// lists; each with (typedef, union).
fn union_parts<'s>(spec: &'s Spec, locks: &[&lock::Items]) -> BTreeMap<String, (&'s str, &'s str)> {
    let mut parts = BTreeMap::new();
    for typedef in &spec.typedefs {
        let Some(scope) = &typedef.replaces_union else { continue };
        let tag = (typedef.name.get_ref().as_str(), scope.union.get_ref().as_str());
        for item in &scope.items {
            parts.insert(item.get_ref().clone(), tag);
        }
        let mut pending = vec![scope.union.get_ref().clone()];
        while let Some(owner) = pending.pop() {
            if parts.insert(owner.clone(), tag).is_some() {
                continue;
            }
            let prefix = format!("field {owner}.");
            for (_, rest) in
                locks.iter().flat_map(|l| l.range(prefix.clone()..)).take_while(|(k, _)| k.starts_with(&prefix))
            {
                let ty = rest.split_once(':').map_or(rest.as_str(), |(_, ty)| ty);
                pending.extend(
                    ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .filter(|word| locks.iter().any(|l| l.contains_key(&format!("struct {word}"))))
                        .filter(|word| !parts.contains_key(*word))
                        .map(str::to_owned),
                );
            }
        }
    }
    parts
}

/// Which part of the spec keeps secpkg-sys the same despite `change`.
fn coverage(spec: &Spec, unions: &BTreeMap<String, (&str, &str)>, change: &lock::Change) -> String {
    let (kind, name) = change.key.split_once(' ').unwrap_or_default();
    let field_name = |rest: &Option<String>| rest.as_deref().and_then(|r| r.split_once(':')).map(|(n, _)| n.to_owned());
    let owner = name.split_once('.').map_or(name, |(owner, _)| owner);
    let mut by = Vec::new();
    if let Some((typedef, union)) = unions.get(owner) {
        by.push(format!(
            "the spec's [[typedef]] {typedef}: {union} is said {typedef} in the signatures its `in` lists"
        ));
    }
    // Said only where the metadata says the integer, so only a change that names it is this rule's.
    let names_word = |word: &str| {
        [&change.old, &change.new]
            .into_iter()
            .flatten()
            .any(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == word))
    };
    for typedef in &spec.typedefs {
        let Some(scope) = &typedef.replaces_integer else { continue };
        let integer = typedef.ty.get_ref();
        let listed = scope.results.iter().any(|r| r.get_ref() == owner)
            || scope.parameters.iter().any(|p| p.get_ref().split_once('.').is_some_and(|(item, _)| item == owner));
        if matches!(kind, "fn" | "type") && listed && names_word(integer) {
            by.push(format!(
                "the spec's [[typedef]] {}: {integer} is said {} in the results and parameters its \
                 `replaces_integer` lists",
                typedef.name.get_ref(),
                typedef.name.get_ref()
            ));
        }
    }
    if !by.is_empty() {
        return by.join("; ");
    }
    match kind {
        "type" if spec.typedefs.iter().any(|t| t.name.get_ref() == name) => {
            format!("the spec's [[typedef]] {name} (exported whatever the metadata has)")
        }
        "type" if spec.retype.contains_key(name) => {
            format!("the spec's [retype]: {name} is said {}", spec.retype[name].get_ref())
        }
        "field" if field_name(&change.old) != field_name(&change.new) => "the spec's [[rename]]".to_owned(),
        "const" => "the family's type (type_of) and the spec's vocabulary".to_owned(),
        _ => "the spec's vocabulary: aliases spelled out, [[typedef]] replaces and [retype]".to_owned(),
    }
}

impl DiffReport {
    pub fn new(spec: &Spec, old: &Output, new: &Output, old_name: &str, new_name: &str) -> Self {
        Self { old: old_name.to_owned(), new: new_name.to_owned(), differences: diff(spec, old, new) }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data")
    }

    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let uncovered = self.differences.iter().filter(|d| !d.covered).count();
        let mut out = format!(
            "{} -> {}: {} difference(s) in the spec's items, {uncovered} not covered by the spec\n",
            self.old,
            self.new,
            self.differences.len(),
        );
        for d in &self.differences {
            let side = |line: &Option<String>| line.clone().unwrap_or_else(|| "(absent)".to_owned());
            let mark = if d.covered { "covered" } else { "CHANGES" };
            writeln!(out, "{mark}  {}  ->  {}\n         {}", side(&d.old), side(&d.new), d.by).unwrap();
        }
        out
    }
}
