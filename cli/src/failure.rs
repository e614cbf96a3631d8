//! Why a subcommand could not do its job, and the exit status and message that follow.

use crate::text;
use std::io::{self, Write};
use std::process::ExitCode;

/// The longest name, in characters, that an error message repeats whole.
const MESSAGE_NAME_CHARS: usize = 200;

/// A failure: exit status 1 for a missing package (or none left by a filter), 2 for everything
/// else.
#[derive(Debug)]
pub enum Failure {
    /// No package has this name: status 1.
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// No package has the name, but several have it in another letter case: status 1 and this
    /// message.
    Ambiguous(String),
    /// A filter (`list --require`) left no package: status 1 and this message.
    NoMatch(String),
    /// A usage, provider or input error: status 2 and this message.
    Error(String),
    /// Writing the results failed: quietly status 0 when the reader went away (a closed pipe,
    /// as in `secpkg list | head -1`), else status 2.
    Output(io::Error),
}

impl Failure {
    /// A usage or input error (status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Error(message.into())
    }

    /// The message `report` would print, for a report of the command's own (`handshake`'s JSON).
    pub fn message(self) -> String {
        match self {
            Failure::NotFound { name } => not_found_message(&name),
            Failure::Ambiguous(message) | Failure::NoMatch(message) | Failure::Error(message) => message,
            Failure::Output(error) => error.to_string(),
        }
    }

    /// The exit status, after writing the message (one line) to stderr.
    pub fn report(self) -> ExitCode {
        let (status, message) = match self {
            Failure::NotFound { name } => (1, not_found_message(&name)),
            Failure::Ambiguous(message) | Failure::NoMatch(message) => (1, message),
            Failure::Error(message) => (2, message),
            Failure::Output(error) if error.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
            Failure::Output(error) => (2, format!("cannot write the output: {error}")),
        };
        let _ = writeln!(io::stderr().lock(), "secpkg: {}", text::clean(&message));
        ExitCode::from(status)
    }
}

/// The library's message, with a long name shortened so the line stays readable.
pub fn not_found_message(name: &str) -> String {
    format!("no security package named {}", text::quote_elided(name, MESSAGE_NAME_CHARS))
}

impl From<secpkg::Error> for Failure {
    fn from(error: secpkg::Error) -> Self {
        match error {
            secpkg::Error::NotFound { name } => Failure::NotFound { name },
            // Still no package of that exact name, so still status 1, with the candidates named.
            secpkg::Error::Ambiguous { name, candidates } => {
                let candidates: Vec<String> =
                    candidates.iter().map(|c| text::quote_elided(c, MESSAGE_NAME_CHARS)).collect();
                Failure::Ambiguous(format!(
                    "{}; ignoring case, several packages match: {}",
                    not_found_message(&name),
                    candidates.join(", ")
                ))
            }
            secpkg::Error::InvalidName { name, reason } => Failure::Error(format!(
                "invalid package name {}: {reason}",
                text::quote_elided(&name, MESSAGE_NAME_CHARS)
            )),
            error => {
                // The error's line, then each underlying error's, as error reporters print them.
                let mut line = error.to_string();
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    line = format!("{line}: {cause}");
                    source = cause.source();
                }
                Failure::Error(line)
            }
        }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

impl From<serde_json::Error> for Failure {
    /// Only serialization to the output fails here: its errors are the output's.
    fn from(error: serde_json::Error) -> Self {
        Failure::Output(error.into())
    }
}
