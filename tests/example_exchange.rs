//! examples/exchange.rs, run: against the test provider's toy exchange (its token sizes are
//! known), and against WinPR's NTLM and Negotiate with a SAM file this test writes.
//!
//! `cargo test` builds the examples before it runs the tests; `cargo test --test
//! example_exchange` alone does not, so run `cargo build --examples` first (scripts/test does).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example as cargo built it beside this test (target/debug/examples/exchange), refused
/// when missing or older than its source, so a stale build is never what is tested.
fn example() -> PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_owned();
    let path = deps.parent().unwrap().join("examples").join(format!("exchange{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/exchange.rs");
    let built = std::fs::metadata(&path).and_then(|m| m.modified());
    let written = std::fs::metadata(&source).and_then(|m| m.modified()).unwrap();
    match built {
        Ok(built) if built >= written => path,
        _ => panic!("{} is missing or older than its source: run `cargo build --examples` first", path.display()),
    }
}

/// The example, without the variables it reads from this test's environment.
fn example_command() -> Command {
    let mut command = Command::new(example());
    for var in ["SECPKG_PROVIDER", "SECPKG_TEST_PROVIDER", "EXCHANGE_USER", "EXCHANGE_SAM_FILE", "EXCHANGE_TARGET"] {
        command.env_remove(var);
    }
    command
}

fn run(command: &mut Command) -> (Output, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    (output, stdout)
}

fn token_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|line| line.contains(" → ")).collect()
}

#[test]
fn the_example_runs_the_toy_exchange() {
    let scenario = r#"{"packages": [{"name": "Toy", "comment": "toy", "capabilities": 17, "version": 1,
        "rpc_id": 65535, "max_token": 256}]}"#;
    let (output, stdout) = run(example_command()
        .arg("Toy")
        .env("SECPKG_PROVIDER", common::test_provider_library())
        .env("SECPKG_TEST_PROVIDER", scenario));
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.starts_with("Toy: cbMaxToken 256, token buffer 256 bytes\n"), "{stdout}");
    // The toy's tokens: 24 + 40 bytes per call (tests/provider), the fourth call makes none.
    assert_eq!(
        token_lines(&stdout),
        ["client → server: 64 bytes", "server → client: 104 bytes", "client → server: 144 bytes"]
    );
    assert!(stdout.contains("client: authenticated with Toy"), "{stdout}");
}

const USER: &str = "alice";
const DOMAIN: &str = "EXAMPLE";
const PASSWORD: &str = "Pa55-example-secpkg";

#[test]
#[cfg_attr(secpkg_no_winpr, ignore = "needs WinPR (Debian: apt install libwinpr2-2)")]
fn the_example_authenticates_on_winpr() {
    if secpkg::Provider::system().is_err() {
        assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but there is no system provider");
        eprintln!("skipped: no system SSPI provider");
        return;
    }
    let hash = Command::new("winpr-hash").args(["-u", USER, "-p", PASSWORD, "-d", DOMAIN, "-f", "sam"]).output();
    let line = match hash {
        Ok(output) if output.status.success() => output.stdout,
        other => {
            assert!(!common::providers_required(), "SECPKG_REQUIRE_PROVIDERS=1, but winpr-hash failed: {other:?}");
            eprintln!("skipped: winpr-hash (Debian: apt install winpr-utils) does not run: {other:?}");
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("secpkg-example-exchange-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sam, password) = (dir.join("SAM"), dir.join("password"));
    std::fs::write(&sam, line).unwrap();
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    // The client's package, then the server's: one, and several.
    for args in [&["NTLM"][..], &["Negotiate", "NTLM", "Negotiate"]] {
        let (output, stdout) = run(example_command()
            .args(args)
            .env("EXCHANGE_USER", USER)
            .env("EXCHANGE_DOMAIN", DOMAIN)
            .env("EXCHANGE_PASSWORD_FILE", &password)
            .env("EXCHANGE_SAM_FILE", &sam));
        assert!(output.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
        // NTLM's three messages (WinPR's Negotiate chooses NTLM here).
        let directions: Vec<&str> = token_lines(&stdout).iter().map(|line| line.split(':').next().unwrap()).collect();
        assert_eq!(directions, ["client → server", "server → client", "client → server"], "{stdout}");
        assert!(stdout.contains(&format!("client: authenticated with {}", args[0])), "{stdout}");
        assert!(stdout.contains(&format!("authenticated with {}\n", args[0])), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
