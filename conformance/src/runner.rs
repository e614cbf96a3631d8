//! Where probes run: in this process, or each in a child process.

use super::{Probe, ProbeOutcome, Target, run_probe};
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Runs one [`Probe`] against a [`Target`] and returns what it found.
///
/// [`check`](super::check) calls it once per probe. A runner that cannot get an answer (the
/// probe crashed, hung, or printed nothing) returns [`ProbeOutcome::failed`].
pub trait ProbeRunner {
    /// Runs `probe` against `target`.
    fn run(&self, target: &Target, probe: Probe) -> ProbeOutcome;
}

/// Runs each probe in the calling process ([`run_probe`]): for embedders and tests. A provider
/// that crashes takes the caller with it; use [`ChildProcess`] to survive one.
#[derive(Clone, Copy, Debug, Default)]
pub struct InProcess;

impl ProbeRunner for InProcess {
    fn run(&self, target: &Target, probe: Probe) -> ProbeOutcome {
        run_probe(target, probe)
    }
}

/// How many times [`ChildProcess`] tries to start a probe process.
const SPAWN_ATTEMPTS: u32 = 3;

/// Runs each probe in a child process, so that a provider that crashes or hangs fails that
/// probe's checks instead of ending the checker.
///
/// The closure gives the command for a probe; the child must call [`run_probe`] on the same
/// target and print [`ProbeOutcome::to_json_line`] as a line of its standard output (other
/// lines are ignored), then exit 0. `secpkg conformance` uses
/// `secpkg __conformance-probe PROBE [--provider PATH]`:
///
/// ```no_run
/// use secpkg_conformance::{self as conformance, ChildProcess, Target};
/// use std::process::Command;
///
/// let runner = ChildProcess::new(|target: &Target, probe: conformance::Probe| {
///     let mut command = Command::new("secpkg");
///     command.args(["__conformance-probe", probe.name()]);
///     if let Some(path) = target.library_path() {
///         command.arg("--provider").arg(path);
///     }
///     command
/// });
/// let report = conformance::check(&Target::system(), &runner);
/// ```
pub struct ChildProcess<F> {
    command: F,
    timeout: Duration,
}

impl<F: Fn(&Target, Probe) -> Command> ChildProcess<F> {
    /// How long a probe may take by default before it is killed and its checks fail.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A runner spawning `command(target, probe)` for each probe.
    pub fn new(command: F) -> Self {
        ChildProcess { command, timeout: Self::DEFAULT_TIMEOUT }
    }

    /// Sets how long a probe may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl<F> std::fmt::Debug for ChildProcess<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildProcess").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl<F: Fn(&Target, Probe) -> Command> ProbeRunner for ChildProcess<F> {
    fn run(&self, target: &Target, probe: Probe) -> ProbeOutcome {
        let mut command = (self.command)(target, probe);
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // Starting a process can fail for a moment for reasons that say nothing about the
        // provider (Wine's CreateProcess, with many processes starting, once answered
        // ERROR_INTERNAL_ERROR in CI), so a failed start is tried again, a few times.
        let mut attempt = 1;
        let mut child = loop {
            match command.spawn() {
                Ok(child) => break child,
                Err(_) if attempt < SPAWN_ATTEMPTS => {
                    std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                    attempt += 1;
                }
                Err(error) => {
                    let why = format!("process could not be started ({attempt} attempts): {error}");
                    return ProbeOutcome::failed(probe, &why);
                }
            }
        };
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = wait(&mut child, self.timeout);
        let stdout = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        let status = match status {
            Ok(status) => status,
            Err(why) => return ProbeOutcome::failed(probe, &format!("process {why}{}", stderr_tail(&stderr))),
        };
        // The last line holding an outcome; text before it on the line (something the provider
        // or a test harness wrote without a newline) is skipped.
        let answer = stdout.lines().rev().find_map(|line| {
            let start = line.find("{\"probe\"")?;
            ProbeOutcome::from_json_line(line[start..].trim_end()).ok()
        });
        match answer {
            Some(outcome) if status.success() => outcome,
            Some(_) => ProbeOutcome::failed(
                probe,
                &format!("process printed its result, then {}{}", describe(status), stderr_tail(&stderr)),
            ),
            None if status.success() => {
                ProbeOutcome::failed(probe, &format!("process printed no result{}", stderr_tail(&stderr)))
            }
            None => ProbeOutcome::failed(probe, &format!("process {}{}", describe(status), stderr_tail(&stderr))),
        }
    }
}

/// Reads a pipe to its end on another thread, so a chatty child cannot block on a full pipe.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Waits for `child`, killing it after `timeout`.
fn wait(child: &mut Child, timeout: Duration) -> Result<ExitStatus, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s and was killed", timeout.as_secs_f32()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(error) => return Err(format!("could not be waited for: {error}")),
        }
    }
}

/// `crashed: killed by signal 6 (SIGABRT)`, `exited with status 3`, …
fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                4 => " (SIGILL)",
                5 => " (SIGTRAP)",
                6 => " (SIGABRT)",
                8 => " (SIGFPE)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                _ => "",
            };
            return format!("crashed: killed by signal {signal}{name}");
        }
    }
    match status.code() {
        // NTSTATUS crash codes, e.g. 0xC0000005 (access violation), 0xC0000409 (fail fast).
        Some(code) if cfg!(windows) && (code as u32) >= 0xC000_0000 => {
            format!("crashed: exited with status {:#010x}", code as u32)
        }
        Some(code) => format!("exited with status {code}"),
        None => format!("ended abnormally ({status})"),
    }
}

/// `; stderr: LAST LINE` when the child wrote to its standard error, with control characters
/// escaped so that each check stays on one line.
fn stderr_tail(stderr: &str) -> String {
    let Some(line) = stderr.lines().rev().map(str::trim).find(|l| !l.is_empty()) else {
        return String::new();
    };
    let mut out = String::from("; stderr: ");
    for (i, c) in line.chars().enumerate() {
        if i == 300 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
