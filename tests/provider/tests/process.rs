//! What needs a fresh process: the scenario read from `SECPKG_TEST_PROVIDER` on first use,
//! `crash_on_query`, and the cdylib loaded by path.
//!
//! Each test re-runs this test binary with only the `child` test selected and a mode in
//! `CHILD_MODE`; the child prints `KEY value` lines that the parent checks.

use secpkg_sys::{
    SEC_E_INTERNAL_ERROR, SEC_E_OK, SECBUFFER_TOKEN, SECBUFFER_VERSION, SECPKG_CRED_OUTBOUND, SecBuffer, SecBufferDesc,
    SecHandle, SecPkgInfoW, SecurityFunctionTableW,
};
use secpkg_test_provider::{self as provider, ENV_VAR, Scenario};
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::ptr;

const CHILD_MODE: &str = "SECPKG_TEST_PROVIDER_CHILD_MODE";
const CHILD_DYLIB: &str = "SECPKG_TEST_PROVIDER_CHILD_DYLIB";

type InitFn = unsafe extern "system" fn() -> *mut SecurityFunctionTableW;

/// Runs the `child` test in a new process with `mode`, and `spec` (or nothing) as `ENV_VAR`.
fn run_child(mode: &str, spec: Option<&str>, extra: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child", "--exact", "--nocapture", "--test-threads=1"]).env(CHILD_MODE, mode);
    match spec {
        Some(spec) => cmd.env(ENV_VAR, spec),
        None => cmd.env_remove(ENV_VAR),
    };
    for (key, value) in extra {
        cmd.env(key, value);
    }
    cmd.output().unwrap()
}

fn stdout_lines(out: &Output) -> Vec<String> {
    // libtest's "test child ... " may precede the first line on the same line.
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().filter_map(|l| l.split_once("CHILD ")).map(|(_, rest)| rest.to_string()).collect()
}

fn provider_stderr_lines(out: &Output) -> Vec<String> {
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines().filter(|l| l.starts_with("secpkg-test-provider:")).map(String::from).collect()
}

/// Names and max tokens listed by a table, as `Name:max,Name:max`.
///
/// # Safety
/// `table` is a table of this provider (or its cdylib) with all three functions.
unsafe fn listing(table: &SecurityFunctionTableW) -> (i32, String) {
    let (mut count, mut array) = (0u32, ptr::null_mut::<SecPkgInfoW>());
    // SAFETY: valid out-pointers; then `count` records at `array`, each with a NUL-terminated name.
    unsafe {
        let status = table.EnumerateSecurityPackagesW.unwrap()(&mut count, &mut array);
        if status != SEC_E_OK {
            return (status, String::new());
        }
        let items: Vec<String> = (0..count as usize)
            .map(|i| {
                let info = &*array.add(i);
                let len = (0..).take_while(|&j| *info.Name.add(j) != 0).count();
                let name = String::from_utf16_lossy(std::slice::from_raw_parts(info.Name, len));
                format!("{name}:{}", info.cbMaxToken)
            })
            .collect();
        assert_eq!(table.FreeContextBuffer.unwrap()(array.cast::<c_void>()), SEC_E_OK);
        (status, items.join(","))
    }
}

/// The child side; does nothing in a normal test run.
#[test]
fn child() {
    let Ok(mode) = std::env::var(CHILD_MODE) else {
        return;
    };
    match mode.as_str() {
        // Enter the in-process copy the way a host enters the cdylib.
        "report" => {
            let table = provider::InitSecurityInterfaceW();
            assert_eq!(provider::InitSecurityInterfaceW(), table, "same static table again");
            if table.is_null() {
                println!("CHILD table null");
                let mut count = 0;
                let mut array = ptr::null_mut();
                // SAFETY: valid out-pointers.
                let status = unsafe { provider::EnumerateSecurityPackagesW(&mut count, &mut array) };
                println!("CHILD enumerate {status}");
            } else {
                // SAFETY: a non-null table from InitSecurityInterfaceW is static; it has all
                // three functions in the scenarios this mode is used with.
                let (status, listed) = unsafe { listing(&*table) };
                println!("CHILD version {}", unsafe { (*table).dwVersion });
                println!("CHILD listing {status} {listed}");
            }
        }
        "crash" => {
            let mut name: Vec<u16> = "NTLM".encode_utf16().chain([0]).collect();
            let mut info = ptr::null_mut();
            // SAFETY: NUL-terminated name, valid out-pointer.
            unsafe { provider::QuerySecurityPackageInfoW(name.as_mut_ptr(), &mut info) };
            println!("CHILD survived");
        }
        "dylib" => {
            // The in-process copy gets a different scenario, so a table that reached it instead of
            // the library's own functions would show up in the listing.
            let _g = provider::install(Scenario { packages: vec![], ..Scenario::default() });
            let path = PathBuf::from(std::env::var_os(CHILD_DYLIB).unwrap());
            let lib = dylib::open(&path);
            for symbol in [
                "InitSecurityInterfaceW",
                "EnumerateSecurityPackagesW",
                "QuerySecurityPackageInfoW",
                "FreeContextBuffer",
            ] {
                println!("CHILD symbol {symbol} {}", !dylib::symbol(lib, symbol).is_null());
            }
            // SAFETY: the library exports InitSecurityInterfaceW with this signature.
            let init: InitFn = unsafe { std::mem::transmute(dylib::symbol(lib, "InitSecurityInterfaceW")) };
            // SAFETY: a provider entry point without arguments.
            let table = unsafe { init() };
            assert!(!table.is_null());
            // SAFETY: a static table with all three functions (the scenario misses none).
            let (status, listed) = unsafe { listing(&*table) };
            println!("CHILD listing {status} {listed}");
            println!("CHILD in-process allocations {}", provider::stats().allocations);
        }
        // The library's first exchange call, as its scenario says.
        "dylib-exchange" => {
            let path = PathBuf::from(std::env::var_os(CHILD_DYLIB).unwrap());
            let lib = dylib::open(&path);
            for symbol in secpkg_test_provider::EXCHANGE_FUNCTIONS {
                println!("CHILD symbol {symbol} {}", !dylib::symbol(lib, symbol).is_null());
            }
            // SAFETY: the library exports InitSecurityInterfaceW with this signature.
            let init: InitFn = unsafe { std::mem::transmute(dylib::symbol(lib, "InitSecurityInterfaceW")) };
            // SAFETY: a provider entry point without arguments; a static table.
            let table = unsafe { &*init() };
            let mut name: Vec<u16> = "Toy".encode_utf16().chain([0]).collect();
            let (mut credential, mut context) = (SecHandle::default(), SecHandle::default());
            let mut bytes = [0u8; 64];
            let mut buffer =
                SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_TOKEN, pvBuffer: bytes.as_mut_ptr().cast() };
            let mut output = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut buffer };
            let mut attributes = 0;
            // SAFETY: NUL-terminated name, valid out-pointers, a 64-byte output buffer.
            let (acquired, initialized) = unsafe {
                let acquired = table.AcquireCredentialsHandleW.unwrap()(
                    ptr::null_mut(),
                    name.as_mut_ptr(),
                    SECPKG_CRED_OUTBOUND,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    None,
                    ptr::null_mut(),
                    &mut credential,
                    ptr::null_mut(),
                );
                let initialized = table.InitializeSecurityContextW.unwrap()(
                    &mut credential,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    0,
                    0,
                    0,
                    ptr::null_mut(),
                    0,
                    &mut context,
                    &mut output,
                    &mut attributes,
                    ptr::null_mut(),
                );
                (acquired, initialized)
            };
            let header = String::from_utf8_lossy(&bytes[..15]);
            println!(
                "CHILD leg1 {acquired} {initialized} type {} length {} {header}",
                buffer.BufferType, buffer.cbBuffer
            );
            // SAFETY: handles the library handed out, freed once.
            let freed = unsafe {
                (
                    table.DeleteSecurityContext.unwrap()(&mut context),
                    table.FreeCredentialsHandle.unwrap()(&mut credential),
                )
            };
            println!("CHILD freed {freed:?}");
        }
        other => panic!("unknown child mode {other}"),
    }
}

#[test]
fn unset_env_gives_the_default_packages() {
    for spec in [None, Some(""), Some("{}")] {
        let out = run_child("report", spec, &[]);
        assert!(out.status.success(), "{spec:?}: {out:?}");
        assert_eq!(
            stdout_lines(&out),
            ["version 1", "listing 0 Negotiate:48256,Kerberos:48000,NTLM:2888,Schannel:24576"],
            "{spec:?}"
        );
        assert_eq!(provider_stderr_lines(&out), Vec::<String>::new());
    }
}

#[test]
fn inline_json_scenario() {
    let spec = r#"{"packages": [{"name": "Inline", "max_token": 12}], "table_version": 3}"#;
    let out = run_child("report", Some(spec), &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout_lines(&out), ["version 3", "listing 0 Inline:12"]);
}

#[test]
fn file_scenario() {
    let path = std::env::temp_dir().join(format!("secpkg-test-provider-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"packages": [{"name": "FromFile", "max_token": 99}, {"name": "Two"}]}"#).unwrap();
    let out = run_child("report", Some(&format!("@{}", path.display())), &[]);
    std::fs::remove_file(&path).unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout_lines(&out), ["version 1", "listing 0 FromFile:99,Two:0"]);
}

#[test]
fn null_table_from_env() {
    let out = run_child("report", Some(r#"{"null_table": true}"#), &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout_lines(&out)[0], "table null");
    assert_eq!(provider_stderr_lines(&out), Vec::<String>::new(), "not an error");
}

#[test]
fn malformed_env_gives_a_null_table_and_one_message() {
    let cases = [
        ("{", "invalid scenario JSON"),
        (r#"{"packges": []}"#, "unknown field `packges`"),
        (r#"{"free_status": "0xNOPE"}"#, "SECURITY_STATUS"),
        (r#"{"missing": ["FreeContextBufer"]}"#, "FreeContextBufer"),
        ("@/nonexistent/secpkg-scenario.json", "cannot read scenario file /nonexistent/secpkg-scenario.json"),
    ];
    for (spec, problem) in cases {
        let out = run_child("report", Some(spec), &[]);
        assert!(out.status.success(), "{spec}: the host must survive: {out:?}");
        assert_eq!(stdout_lines(&out), ["table null", &format!("enumerate {SEC_E_INTERNAL_ERROR}")], "{spec}");
        let messages = provider_stderr_lines(&out);
        assert_eq!(messages.len(), 1, "{spec}: exactly one line: {messages:?}");
        assert!(messages[0].starts_with("secpkg-test-provider: SECPKG_TEST_PROVIDER: "), "{}", messages[0]);
        assert!(messages[0].contains(problem), "{spec}: {}", messages[0]);
    }
}

#[test]
fn crash_on_query_aborts_the_process() {
    let out = run_child("crash", Some(r#"{"crash_on_query": true}"#), &[]);
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(stdout_lines(&out), Vec::<String>::new());
    let out = run_child("crash", None, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout_lines(&out), ["survived"]);
}

/// The cdylib cargo built beside this test binary (in `deps/`, and uplifted to its parent).
fn built_dylib() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let name = format!("{}secpkg_test_provider_dll{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found beside {}", exe.display()))
}

#[test]
fn cdylib_exports_the_provider() {
    let dylib = built_dylib();
    let spec = r#"{"packages": [{"name": "Dyn", "max_token": 5}, {"name": "Lib", "max_token": 6}]}"#;
    let out = run_child("dylib", Some(spec), &[(CHILD_DYLIB, &dylib)]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout_lines(&out),
        [
            "symbol InitSecurityInterfaceW true",
            "symbol EnumerateSecurityPackagesW true",
            "symbol QuerySecurityPackageInfoW true",
            "symbol FreeContextBuffer true",
            "listing 0 Dyn:5,Lib:6",
            "in-process allocations 0",
        ]
    );
}

#[test]
fn cdylib_runs_the_exchange_with_faults_from_json() {
    let dylib = built_dylib();
    let spec =
        r#"{"packages": [{"name": "Toy", "max_token": 40}], "exchange": {"wrong_type_call": 1, "overclaim_call": 1}}"#;
    let out = run_child("dylib-exchange", Some(spec), &[(CHILD_DYLIB, &dylib)]);
    assert!(out.status.success(), "{out:?}");
    let lines = stdout_lines(&out);
    let symbols: Vec<String> =
        secpkg_test_provider::EXCHANGE_FUNCTIONS.iter().map(|f| format!("symbol {f} true")).collect();
    assert_eq!(lines[..8], symbols[..]);
    // Call 1: a 40-byte token (cbMaxToken), as SECBUFFER_DATA (1), claiming 65 bytes of a 64-byte buffer.
    assert_eq!(
        lines[8..],
        [
            format!("leg1 0 {} type 1 length 65 TOY1:NEGOTIATE:", secpkg_sys::SEC_I_CONTINUE_NEEDED),
            "freed (0, 0)".into()
        ]
    );
}

/// Just enough dynamic loading for the test, without a dependency.
#[cfg(unix)]
mod dylib {
    use std::ffi::{CStr, CString, c_char, c_int, c_void};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    unsafe extern "C" {
        fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
        fn dlerror() -> *const c_char;
    }
    const RTLD_NOW: c_int = 2;

    pub fn open(path: &Path) -> *mut c_void {
        let path = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path; the library's initializers are Rust std's.
        let lib = unsafe { dlopen(path.as_ptr(), RTLD_NOW) };
        // SAFETY: dlerror returns a NUL-terminated message after a failed dlopen.
        assert!(!lib.is_null(), "dlopen: {:?}", unsafe { CStr::from_ptr(dlerror()) });
        lib
    }

    pub fn symbol(lib: *mut c_void, name: &str) -> *mut c_void {
        let name = CString::new(name).unwrap();
        // SAFETY: a handle from dlopen and a NUL-terminated name.
        unsafe { dlsym(lib, name.as_ptr()) }
    }
}

#[cfg(windows)]
mod dylib {
    use std::ffi::{CString, c_void};
    use std::os::windows::ffi::OsStrExt;
    use std::path::Path;

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn LoadLibraryW(name: *const u16) -> *mut c_void;
        fn GetProcAddress(module: *mut c_void, name: *const u8) -> *mut c_void;
    }

    pub fn open(path: &Path) -> *mut c_void {
        let path: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
        // SAFETY: a NUL-terminated path.
        let lib = unsafe { LoadLibraryW(path.as_ptr()) };
        assert!(!lib.is_null(), "LoadLibraryW: {}", std::io::Error::last_os_error());
        lib
    }

    pub fn symbol(lib: *mut c_void, name: &str) -> *mut c_void {
        let name = CString::new(name).unwrap();
        // SAFETY: a module handle and a NUL-terminated name.
        unsafe { GetProcAddress(lib, name.as_ptr().cast()) }
    }
}
