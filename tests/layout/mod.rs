//! A second opinion on secpkg-sys's layout facts: mingw-w64's sspi.h, as its own gcc lays it out.
//!
//! `oracle.c` is compiled with `-S` only and its facts are read from the assembly text, so 32-bit
//! targets work on a host that cannot run their programs.

use secpkg_sys::layout::{Arch, StructLayout};
use std::fmt;
use std::path::PathBuf;
use std::process::Command;

/// Fields that mingw's sspi.h and the metadata spell differently: (struct, mingw, metadata).
/// A field matches under its own name or under one of these, so a metadata that keeps mingw's
/// spelling audits as cleanly as the bundled one.
const SPELLINGS: &[(&str, &str, &str)] = &[
    // The metadata bundled with windows-bindgen 0.100 drops the A suffix of the A table's fields.
    ("SecurityFunctionTableA", "EnumerateSecurityPackagesA", "EnumerateSecurityPackages"),
    ("SecurityFunctionTableA", "QueryCredentialsAttributesA", "QueryCredentialsAttributes"),
    ("SecurityFunctionTableA", "AcquireCredentialsHandleA", "AcquireCredentialsHandle"),
    ("SecurityFunctionTableA", "InitializeSecurityContextA", "InitializeSecurityContext"),
    ("SecurityFunctionTableA", "QueryContextAttributesA", "QueryContextAttributes"),
    ("SecurityFunctionTableA", "QuerySecurityPackageInfoA", "QuerySecurityPackageInfo"),
    ("SecurityFunctionTableA", "ImportSecurityContextA", "ImportSecurityContext"),
    ("SecurityFunctionTableA", "AddCredentialsA", "AddCredentials"),
    ("SecurityFunctionTableA", "SetContextAttributesA", "SetContextAttributes"),
    ("SecurityFunctionTableA", "SetCredentialsAttributesA", "SetCredentialsAttributes"),
    ("SecurityFunctionTableA", "ChangeAccountPasswordA", "ChangeAccountPassword"),
    ("SecurityFunctionTableA", "QueryContextAttributesExA", "QueryContextAttributesEx"),
    ("SecurityFunctionTableA", "QueryCredentialsAttributesExA", "QueryCredentialsAttributesEx"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub offset: usize,
    pub size: usize,
}

/// One struct's layout on one architecture, from either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub name: String,
    pub arch: Arch,
    pub size: usize,
    pub align: usize,
    pub fields: Vec<Field>,
}

impl From<&StructLayout> for Layout {
    fn from(s: &StructLayout) -> Self {
        Layout {
            name: s.name.to_owned(),
            arch: s.arch,
            size: s.size,
            align: s.align,
            fields: s
                .fields
                .iter()
                .map(|f| Field { name: f.name.to_owned(), offset: f.offset, size: f.size })
                .collect(),
        }
    }
}

/// What one compile of oracle.c established.
#[derive(Debug)]
pub struct Oracle {
    /// `__MINGW64_VERSION_MAJOR/MINOR/BUGFIX` as the compiler saw them.
    pub mingw_version: (usize, usize, usize),
    /// Under mingw's names.
    pub layouts: Vec<Layout>,
}

/// The cross compiler for `arch` and the Debian packages that provide it and its headers.
pub struct Toolchain {
    pub compiler: &'static str,
    pub compiler_package: &'static str,
    pub headers_package: &'static str,
}

pub fn toolchain(arch: Arch) -> Option<Toolchain> {
    match arch {
        Arch::X64 => Some(Toolchain {
            compiler: "x86_64-w64-mingw32-gcc",
            compiler_package: "gcc-mingw-w64-x86-64",
            headers_package: "mingw-w64-x86-64-dev",
        }),
        Arch::X86 => Some(Toolchain {
            compiler: "i686-w64-mingw32-gcc",
            compiler_package: "gcc-mingw-w64-i686",
            headers_package: "mingw-w64-i686-dev",
        }),
        // Debian 12 has no aarch64 mingw-w64 gcc.
        Arch::Arm64 => None,
    }
}

#[derive(Debug)]
pub enum OracleError {
    /// The compiler is not installed; a reason to skip rather than a failure of the facts.
    CompilerMissing,
    Failed(String),
}

impl fmt::Display for OracleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OracleError::CompilerMissing => f.write_str("compiler not found"),
            OracleError::Failed(message) => f.write_str(message),
        }
    }
}

/// Compiles oracle.c with `compiler`, which must target `arch`, and reads back its facts.
pub fn run(compiler: &str, arch: Arch) -> Result<Oracle, OracleError> {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/layout/oracle.c");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("layout-oracle");
    std::fs::create_dir_all(&dir).map_err(|e| OracleError::Failed(format!("{}: {e}", dir.display())))?;
    let assembly = dir.join(format!("oracle-{}.s", arch.name()));
    let output = match Command::new(compiler).args(["-std=c11", "-S", "-o"]).arg(&assembly).arg(&source).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(OracleError::CompilerMissing);
        }
        Err(e) => return Err(OracleError::Failed(format!("cannot run {compiler}: {e}"))),
    };
    if !output.status.success() {
        return Err(OracleError::Failed(format!(
            "{compiler} -S {} failed ({}):\n{}",
            source.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let text =
        std::fs::read_to_string(&assembly).map_err(|e| OracleError::Failed(format!("{}: {e}", assembly.display())))?;
    parse(&text, arch).map_err(|e| OracleError::Failed(format!("{}: {e}", assembly.display())))
}

/// Reads the `@oracle` lines of oracle.c's assembly; everything else in `text` is ignored.
pub fn parse(text: &str, arch: Arch) -> Result<Oracle, String> {
    let mut target = None;
    let mut mingw_version = None;
    let mut layouts: Vec<Layout> = Vec::new();
    for line in text.lines().filter_map(|l| l.trim().strip_prefix("@oracle ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let numbers = words
            .get(3..)
            .unwrap_or_default()
            .iter()
            .map(|w| w.parse::<usize>().map_err(|_| format!("not a number in '{line}'")))
            .collect::<Result<Vec<_>, _>>()?;
        match (&words[..3.min(words.len())], &numbers[..]) {
            (["target", name, _], &[pointer]) => target = Some((name.to_string(), pointer)),
            (["mingw", ..], &[major, minor, bugfix]) => mingw_version = Some((major, minor, bugfix)),
            (["struct", name, _], &[size, align]) => {
                layouts.push(Layout { name: name.to_string(), arch, size, align, fields: Vec::new() })
            }
            (["field", owner, name], &[offset, size]) => {
                let layout = layouts
                    .last_mut()
                    .filter(|l| l.name == *owner)
                    .ok_or_else(|| format!("field line outside its struct: '{line}'"))?;
                // Declaration order is what oracle.c promises to list; C offsets prove it.
                if layout.fields.last().is_some_and(|f| f.offset >= offset) {
                    return Err(format!("{owner}.{name} is listed out of declaration order"));
                }
                layout.fields.push(Field { name: name.to_string(), offset, size });
            }
            _ => return Err(format!("unreadable oracle line '{line}'")),
        }
    }
    let pointer = if arch == Arch::X86 { 4 } else { 8 };
    match target {
        Some((name, p)) if name == arch.name() && p == pointer => {}
        Some((name, p)) => {
            return Err(format!("compiled for {name} ({p}-byte pointers), not for {}", arch.name()));
        }
        None => return Err("no target line: not oracle.c's assembly".to_owned()),
    }
    let mingw_version = mingw_version.ok_or("no mingw version line")?;
    Ok(Oracle { mingw_version, layouts })
}

/// One way the generated facts and mingw's disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// `subject` is `Struct` or `Struct.field`; `what` is size, align or offset.
    Value {
        subject: String,
        arch: Arch,
        what: &'static str,
        generated: usize,
        mingw: usize,
    },
    OnlyGenerated {
        subject: String,
        arch: Arch,
    },
    OnlyMingw {
        subject: String,
        arch: Arch,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Value { subject, arch, what, generated, mingw } => {
                write!(f, "{subject} on {}: {what} generated {generated}, mingw {mingw}", arch.name())
            }
            Mismatch::OnlyGenerated { subject, arch } => {
                write!(f, "{subject} on {}: in generated, not in mingw", arch.name())
            }
            Mismatch::OnlyMingw { subject, arch } => {
                write!(f, "{subject} on {}: in mingw, not in generated", arch.name())
            }
        }
    }
}

/// The result of an audit: how many facts had a counterpart on both sides, every mismatch, and
/// each field matched under another spelling (`Struct.generated = mingw`).
pub struct Audit {
    pub compared: usize,
    pub mismatches: Vec<Mismatch>,
    pub respelled: Vec<String>,
}

pub fn compare(generated: &[Layout], oracle: &[Layout], arch: Arch) -> Vec<Mismatch> {
    audit(generated, oracle, arch).mismatches
}

fn same_field(owner: &str, generated: &str, mingw: &str) -> bool {
    generated == mingw || SPELLINGS.contains(&(owner, mingw, generated))
}

/// Compares the `arch` entries of both sides: each struct's size and align, each field's offset
/// and size; structs or fields present on one side only are mismatches too. Subjects carry the
/// generated name, or mingw's where only mingw has the field.
pub fn audit(generated: &[Layout], oracle: &[Layout], arch: Arch) -> Audit {
    let generated: Vec<&Layout> = generated.iter().filter(|l| l.arch == arch).collect();
    let oracle: Vec<&Layout> = oracle.iter().filter(|l| l.arch == arch).collect();
    let mut audit = Audit { compared: 0, mismatches: Vec::new(), respelled: Vec::new() };
    let mut one_sided = Vec::new();
    let check = |audit: &mut Audit, subject: &str, what, generated, mingw| {
        audit.compared += 1;
        if generated != mingw {
            audit.mismatches.push(Mismatch::Value { subject: subject.to_owned(), arch, what, generated, mingw });
        }
    };
    for m in &oracle {
        let Some(g) = generated.iter().find(|g| g.name == m.name) else {
            one_sided.push(Mismatch::OnlyMingw { subject: m.name.clone(), arch });
            continue;
        };
        check(&mut audit, &m.name, "size", g.size, m.size);
        check(&mut audit, &m.name, "align", g.align, m.align);
        for mf in &m.fields {
            let Some(gf) = g.fields.iter().find(|gf| same_field(&m.name, &gf.name, &mf.name)) else {
                one_sided.push(Mismatch::OnlyMingw { subject: format!("{}.{}", m.name, mf.name), arch });
                continue;
            };
            let subject = format!("{}.{}", m.name, gf.name);
            if gf.name != mf.name {
                audit.respelled.push(format!("{subject} = {}", mf.name));
            }
            check(&mut audit, &subject, "offset", gf.offset, mf.offset);
            check(&mut audit, &subject, "size", gf.size, mf.size);
        }
        for gf in g.fields.iter().filter(|gf| !m.fields.iter().any(|mf| same_field(&m.name, &gf.name, &mf.name))) {
            one_sided.push(Mismatch::OnlyGenerated { subject: format!("{}.{}", m.name, gf.name), arch });
        }
    }
    for g in generated.iter().filter(|g| !oracle.iter().any(|m| m.name == g.name)) {
        one_sided.push(Mismatch::OnlyGenerated { subject: g.name.clone(), arch });
    }
    audit.mismatches.extend(one_sided);
    audit
}
