//! Where probes run: in this process, or each in a child process.

use super::{Probe, ProbeOutcome, Target, run_probe};
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

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
    /// What one probe's child reads on its standard input (the handshake's password), wiped
    /// when the runner is dropped.
    input: Option<(Probe, Zeroizing<Vec<u8>>)>,
}

impl<F: Fn(&Target, Probe) -> Command> ChildProcess<F> {
    /// How long a probe may take by default before it is killed and its checks fail.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A runner spawning `command(target, probe)` for each probe.
    pub fn new(command: F) -> Self {
        ChildProcess { command, timeout: Self::DEFAULT_TIMEOUT, input: None }
    }

    /// Gives `probe`'s child `input` on its standard input (the others' stays empty): how
    /// `secpkg conformance --handshake` hands the [`Probe::Handshake`] child its password,
    /// which an argument or the environment would show to other processes. Wiped on drop.
    pub fn stdin_for(mut self, probe: Probe, input: &[u8]) -> Self {
        self.input = Some((probe, Zeroizing::new(input.to_vec())));
        self
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
        let input = match &self.input {
            Some((for_probe, input)) if *for_probe == probe => input.as_slice(),
            _ => &[],
        };
        let finished = match run_child_with_input(&mut command, input, self.timeout) {
            Ok(finished) => finished,
            Err(error) => return ProbeOutcome::failed(probe, &format!("process {error}")),
        };
        let stdout = String::from_utf8_lossy(&finished.stdout);
        let stderr = String::from_utf8_lossy(&finished.stderr);
        let status = finished.status;
        // The last line holding an outcome; text before it on the line (something the provider
        // or a test harness wrote without a newline) is skipped.
        let answer = stdout.lines().rev().find_map(|line| {
            let start = line.find("{\"probe\"")?;
            ProbeOutcome::from_json_line(line[start..].trim_end()).ok()
        });
        match answer {
            Some(mut outcome) if status.success() => {
                // The probe survived, but what the provider wrote (a panic it caught, a
                // warning) is the provider author's to see.
                outcome.stderr = stderr_notes(&stderr);
                outcome
            }
            Some(_) => ProbeOutcome::failed(
                probe,
                &format!("process printed its result, then {}{}", describe(status), crash_note(&stderr)),
            ),
            None if status.success() => {
                ProbeOutcome::failed(probe, &format!("process printed no result{}", crash_note(&stderr)))
            }
            None => ProbeOutcome::failed(probe, &format!("process {}{}", describe(status), crash_note(&stderr))),
        }
    }
}

/// A child process that [`run_child`] saw to its end.
#[derive(Debug)]
#[non_exhaustive]
pub struct Finished {
    /// How it ended.
    pub status: ExitStatus,
    /// Everything it wrote to its standard output.
    pub stdout: Vec<u8>,
    /// Everything it wrote to its standard error.
    pub stderr: Vec<u8>,
}

impl Finished {
    /// `None` when the process exited with a status of its own; else how it died, with the
    /// panic that led there when its stderr holds one: `crashed: killed by signal 6 (SIGABRT),
    /// after it panicked at FILE:LINE:COL: MESSAGE`.
    pub fn crash(&self) -> Option<String> {
        let crashed = describe(self.status);
        crashed.starts_with("crashed: ").then(|| crashed + &crash_note(&String::from_utf8_lossy(&self.stderr)))
    }
}

/// Why [`run_child`] has no [`Finished`] process to give.
#[derive(Debug)]
#[non_exhaustive]
pub enum ChildError {
    /// The process could not be started, after `attempts` tries.
    NotStarted {
        /// How many starts were tried.
        attempts: u32,
        /// Why the last failed.
        error: std::io::Error,
    },
    /// It took longer than the timeout and was killed, or could not be waited for: why, with the
    /// panic (or last line) its stderr held.
    Ended(String),
}

impl std::fmt::Display for ChildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChildError::NotStarted { attempts, error } => {
                write!(f, "could not be started ({attempts} attempts): {error}")
            }
            ChildError::Ended(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ChildError {}

/// Runs `command` as [`ChildProcess`] runs a probe: standard input empty, standard output and
/// error collected, a failed start tried again (a few times), the process killed after
/// `timeout`. `secpkg list` and `secpkg show` run themselves this way, so that a provider that
/// crashes ends the child, not the command. The error says why there is no [`Finished`]
/// (`could not be started (3 attempts): …`, `timed out after 60 s and was killed, …`).
pub fn run_child(command: &mut Command, timeout: Duration) -> Result<Finished, ChildError> {
    run_child_with_input(command, &[], timeout)
}

/// [`run_child`] with `input` on the child's standard input (empty: none at all).
fn run_child_with_input(command: &mut Command, input: &[u8], timeout: Duration) -> Result<Finished, ChildError> {
    let stdin = if input.is_empty() { Stdio::null() } else { Stdio::piped() };
    command.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
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
            Err(error) => return Err(ChildError::NotStarted { attempts: attempt, error }),
        }
    };
    if let Some(mut pipe) = child.stdin.take() {
        // A child that exits without reading it closes the pipe: its exit status says why.
        let _ = pipe.write_all(input);
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait(&mut child, timeout);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Ok(status) => Ok(Finished { status, stdout, stderr }),
        Err(why) => Err(ChildError::Ended(format!("{why}{}", crash_note(&String::from_utf8_lossy(&stderr))))),
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

/// The longest note, in characters, kept from a probe's stderr.
const NOTE_CHARS: usize = 300;

/// The most notes kept from one probe's stderr.
const MAX_NOTES: usize = 4;

/// What a probe's stderr says, for the report: each Rust panic as `panicked at FILE:LINE:COL:
/// MESSAGE` (the message on one line), or, when there is none, its last non-empty line.
///
/// The last line alone would lose a panic: after the message the hook prints `note: run with
/// RUST_BACKTRACE=1 …`, and a panic that reaches a C entry point adds core's own `panic in a
/// function that cannot unwind`, which says where it was stopped, not where it happened.
pub(crate) fn stderr_notes(stderr: &str) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().map(str::trim_end).collect();
    // Each distinct panic, and how many times it happened.
    let mut panics: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(panic) = panic_header(lines[i]) else {
            i += 1;
            continue;
        };
        let (location, inline_message) = panic;
        // Since Rust 1.73 the message follows on its own lines, up to the note or the next panic.
        let mut message: Vec<&str> = inline_message.into_iter().collect();
        i += 1;
        while i < lines.len()
            && panic_header(lines[i]).is_none()
            && !lines[i].starts_with("note: ")
            && !lines[i].starts_with("stack backtrace:")
        {
            if !lines[i].trim().is_empty() {
                message.push(lines[i].trim());
            }
            i += 1;
        }
        let message = message.join(" ");
        if message.starts_with("panic in a function that cannot unwind") {
            continue;
        }
        let note = escape(&format!("panicked at {location}: {message}"));
        match panics.iter_mut().find(|(seen, _)| *seen == note) {
            Some((_, times)) => *times += 1,
            None => panics.push((note, 1)),
        }
    }
    let mut notes: Vec<String> = panics
        .iter()
        .take(MAX_NOTES)
        .map(|(note, times)| if *times == 1 { note.clone() } else { format!("{note} ({times} times)") })
        .collect();
    if panics.len() > MAX_NOTES {
        notes.push(format!("and {} other panics", panics.len() - MAX_NOTES));
    }
    if notes.is_empty() {
        notes.extend(lines.iter().rev().map(|l| l.trim()).find(|l| !l.is_empty()).map(escape));
    }
    notes
}

/// `thread 'main' panicked at src/lib.rs:3:5:` gives the location (and, in the form before
/// Rust 1.73, `panicked at 'MESSAGE', src/lib.rs:3:5`, the message too).
fn panic_header(line: &str) -> Option<(&str, Option<&str>)> {
    // `thread 'NAME' panicked at`, with ` (ID)` after the name since Rust 1.88.
    let rest = line.strip_prefix("thread '")?;
    let (_, rest) = rest.split_once(" panicked at ")?;
    if let Some(old) = rest.strip_prefix('\'') {
        let (message, location) = old.rsplit_once("', ")?;
        return Some((location, Some(message)));
    }
    Some((rest.strip_suffix(':').unwrap_or(rest), None))
}

/// `, after a panic at FILE:LINE:COL: MESSAGE` or `, stderr: LAST LINE` for a probe that gave no
/// answer, empty when its stderr was.
fn crash_note(stderr: &str) -> String {
    let notes = stderr_notes(stderr);
    match notes.first() {
        Some(first) if first.starts_with("panicked at ") => {
            format!(", after it {}", notes.join(", then "))
        }
        Some(line) => format!(", stderr: {line}"),
        None => String::new(),
    }
}

/// `text` on one line of at most [`NOTE_CHARS`] characters, control characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == NOTE_CHARS {
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

#[cfg(test)]
mod tests {
    use super::stderr_notes;

    #[test]
    fn panics_are_kept_with_their_location_not_the_backtrace_note() {
        let aborted = "thread 'main' (7) panicked at src/lib.rs:10:5:\nno package named \"x\"\n\
                       note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
                       thread 'main' panicked at library/core/src/panicking.rs:225:5:\n\
                       panic in a function that cannot unwind\nstack backtrace:\n   0: x\n\
                       thread caused non-unwinding panic. aborting.\n";
        assert_eq!(stderr_notes(aborted), ["panicked at src/lib.rs:10:5: no package named \"x\""]);
        let old = "thread 'main' panicked at 'boom', src/a.rs:1:2\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(stderr_notes(old), ["panicked at src/a.rs:1:2: boom"]);
        let twice = format!("{old}{old}thread 'x' panicked at b.rs:1:1:\nother\n");
        assert_eq!(stderr_notes(&twice), ["panicked at src/a.rs:1:2: boom (2 times)", "panicked at b.rs:1:1: other"]);
        assert_eq!(stderr_notes("a warning\n\nlast\tline\n  \n"), ["last\\tline"]);
        assert!(stderr_notes("").is_empty());
    }
}
