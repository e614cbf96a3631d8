//! Runs one `#[ignore]`d test of the current test binary as a child process, for tests whose
//! failure is a crash (a corrupted heap, a process torn down under running threads): the parent
//! survives the crash and counts it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How one child run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Killed by a signal (abort on heap corruption, segfault) or hung.
    Crashed(String),
    /// Finished with a failure, or without printing what it must.
    Wrong(String),
}

/// Runs the ignored test `test` of this binary once with `env` set, and classifies the run: it
/// is right when it exits 0 and its stdout contains `wanted`.
pub fn run(test: &str, env: &[(&str, &str)], wanted: &str, timeout: Duration) -> Outcome {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--ignored", "--exact", test, "--nocapture", "--test-threads=1"]);
    // Only what `env` sets: not the caller's provider, test provider scenario or backtraces.
    command.env_remove("SECPKG_PROVIDER").env_remove(secpkg_test_provider::ENV_VAR).env_remove("RUST_BACKTRACE");
    command.envs(env.iter().copied());
    let dir = tempdir(test);
    let stdout = std::fs::File::create(dir.join("stdout")).unwrap();
    let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
    let mut child = command.stdin(Stdio::null()).stdout(stdout).stderr(stderr).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let read = |name| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let (stdout, stderr) = (read("stdout"), read("stderr"));
    let _ = std::fs::remove_dir_all(&dir);
    let last_line = |text: &str| text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("").to_owned();
    let Some(status) = status else {
        return Outcome::Crashed(format!("hung for {timeout:?}"));
    };
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Outcome::Crashed(format!("signal {signal}: {}", last_line(&stderr)));
    }
    if status.success() && stdout.contains(wanted) {
        return Outcome::Ok;
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let panic = lines.iter().position(|line| line.contains("panicked")).map(|at| lines[at..].iter().take(2));
    let why = panic.map(|lines| lines.copied().collect::<Vec<_>>().join(" ")).unwrap_or_else(|| last_line(&stderr));
    Outcome::Wrong(format!("{status}: {why}"))
}

/// The runs that were not right, each as `run N: outcome`, out of `runs` calls of `one`.
pub fn failures(runs: usize, mut one: impl FnMut() -> Outcome) -> Vec<String> {
    (0..runs)
        .filter_map(|run| match one() {
            Outcome::Ok => None,
            failure => Some(format!("run {run}: {failure:?}")),
        })
        .collect()
}

/// `default`, or the count the environment variable `var` gives (for longer runs by hand).
pub fn runs(var: &str, default: usize) -> usize {
    match std::env::var(var) {
        Ok(value) => value.parse().unwrap_or_else(|_| panic!("{var}={value:?} is not a count")),
        Err(_) => default,
    }
}

fn tempdir(test: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "secpkg-{test}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
