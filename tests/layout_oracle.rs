#![cfg(not(windows))] // The mingw compilers it runs are host tools.
//! Audits secpkg-sys's layout facts against mingw-w64's sspi.h, as laid out by mingw's own gcc.

mod layout;

use layout::{Audit, Layout, Mismatch, OracleError};
use secpkg_sys::layout::{Arch, LAYOUTS};
use std::io::Write;
use std::process::Command;

/// Every struct the audit must cover, with its field count in sspi.h.
const STRUCTS: [(&str, usize); 11] = [
    ("SecPkgInfoW", 6),
    ("SecPkgInfoA", 6),
    ("SecurityFunctionTableW", 32),
    ("SecurityFunctionTableA", 32),
    ("SecHandle", 2),
    ("SecBuffer", 3),
    ("SecBufferDesc", 3),
    ("SEC_WINNT_AUTH_IDENTITY_W", 7),
    ("SecPkgContext_Sizes", 4),
    ("SecPkgContext_PackageInfoW", 1),
    ("SecPkgContext_NegotiationInfoW", 2),
];

/// Writes past libtest's capture, so the header version and skips show in every run's output.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn generated(arch: Arch) -> Vec<Layout> {
    LAYOUTS.iter().filter(|l| l.arch == arch).map(Layout::from).collect()
}

fn dpkg_version(package: &str) -> String {
    match Command::new("dpkg-query").args(["-W", "-f", "${Version}", package]).output() {
        Ok(out) if out.status.success() => {
            format!("Debian {package} {}", String::from_utf8_lossy(&out.stdout))
        }
        _ => format!("Debian {package}: version unknown (dpkg-query failed)"),
    }
}

fn audit_against_mingw(arch: Arch) {
    let toolchain = layout::toolchain(arch).expect("a mingw toolchain for this arch");
    let oracle = match layout::run(toolchain.compiler, arch) {
        Ok(oracle) => oracle,
        Err(OracleError::CompilerMissing) => {
            let why =
                format!("{} not found; install the Debian package {}", toolchain.compiler, toolchain.compiler_package);
            if std::env::var("SECPKG_REQUIRE_PROVIDERS").as_deref() == Ok("1") {
                panic!("SECPKG_REQUIRE_PROVIDERS=1 but the {} layout oracle cannot run: {why}", arch.name());
            }
            report(&format!("skipped: {} layout audit against mingw-w64: {why}", arch.name()));
            return;
        }
        Err(OracleError::Failed(message)) => panic!("{} layout oracle: {message}", arch.name()),
    };
    let (major, minor, bugfix) = oracle.mingw_version;
    report(&format!(
        "{}: mingw-w64 headers {major}.{minor}.{bugfix} via {} ({})",
        arch.name(),
        toolchain.compiler,
        dpkg_version(toolchain.headers_package)
    ));

    let shape = |layouts: &[Layout]| -> Vec<(String, usize)> {
        layouts.iter().map(|l| (l.name.clone(), l.fields.len())).collect()
    };
    let expected: Vec<(String, usize)> = STRUCTS.iter().map(|&(n, f)| (n.to_owned(), f)).collect();
    assert_eq!(shape(&oracle.layouts), expected, "oracle.c lists other structs or fields than sspi.h");
    let generated = generated(arch);

    let Audit { compared, mismatches, respelled } = layout::audit(&generated, &oracle.layouts, arch);
    if !respelled.is_empty() {
        report(&format!("{}: matched as spelled by mingw: {}", arch.name(), respelled.join(", ")));
    }
    let lines: Vec<String> = mismatches.iter().map(Mismatch::to_string).collect();
    assert!(lines.is_empty(), "secpkg-sys disagrees with mingw-w64:\n{}", lines.join("\n"));
    // Size and align of each struct, offset and size of each of its fields.
    let fields: usize = STRUCTS.iter().map(|&(_, fields)| fields).sum();
    assert_eq!(compared, STRUCTS.len() * 2 + fields * 2, "not every fact was compared");
}

#[test]
fn x64_layouts_match_mingw() {
    audit_against_mingw(Arch::X64);
}

#[test]
fn x86_layouts_match_mingw() {
    audit_against_mingw(Arch::X86);
}

/// The audit must be able to fail: a damaged copy of the generated x86 SecPkgInfoW against facts
/// in the form i686-w64-mingw32-gcc writes them.
#[test]
fn audit_reports_each_mismatch() {
    let mingw = "\t.file\t\"oracle.c\"\n/APP\n\
        \n@oracle target x86 - 4\n\n@oracle mingw - - 10 0 0\n\
        \n@oracle struct SecPkgInfoW - 20 4\n\
        \n@oracle field SecPkgInfoW fCapabilities 0 4\n\n@oracle field SecPkgInfoW wVersion 4 2\n\
        \n@oracle field SecPkgInfoW wRPCID 6 2\n\n@oracle field SecPkgInfoW cbMaxToken 8 4\n\
        \n@oracle field SecPkgInfoW Name 12 4\n\n@oracle field SecPkgInfoW Comment 16 4\n/NO_APP\n";
    let oracle = layout::parse(mingw, Arch::X86).expect("the fixture parses");

    let mut wrong: Vec<Layout> = generated(Arch::X86).into_iter().filter(|l| l.name == "SecPkgInfoW").collect();
    assert_eq!(wrong, oracle.layouts, "the fixture is not today's generated table");
    let fields = &mut wrong[0].fields;
    let (a, b) = (fields[1].offset, fields[2].offset);
    (fields[1].offset, fields[2].offset) = (b, a);
    fields[5].name = "Remark".to_owned();
    wrong[0].size = 24;

    let messages: Vec<String> =
        layout::compare(&wrong, &oracle.layouts, Arch::X86).iter().map(Mismatch::to_string).collect();
    assert_eq!(
        messages,
        [
            "SecPkgInfoW on x86: size generated 24, mingw 20",
            "SecPkgInfoW.wVersion on x86: offset generated 6, mingw 4",
            "SecPkgInfoW.wRPCID on x86: offset generated 4, mingw 6",
            "SecPkgInfoW.Comment on x86: in mingw, not in generated",
            "SecPkgInfoW.Remark on x86: in generated, not in mingw",
        ]
    );
    // Only the given architecture's entries are compared.
    assert!(layout::compare(&wrong, &oracle.layouts, Arch::X64).is_empty());
}
