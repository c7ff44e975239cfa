//! Findings about the user's files: what is wrong, where, and what to do about it.
//!
//! A finding is a value, not an error: validators return `Vec<Diagnostic>` so
//! that every problem is reported before the command fails.

use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Information, such as a finding that already existed before the change under review.
    Notice,
    /// Reported, but the gate still passes.
    Warning,
    /// The gate fails (exit 1).
    Error,
}

/// One finding, located in a repository file where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Stable machine-readable code, `area/what`, e.g. `changelog/missing-date`.
    pub code: &'static str,
    /// Repository-relative path of the file, with `/` separators.
    pub file: Option<String>,
    /// 1-based line number.
    pub line: Option<usize>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// Remedies, each one line.
    pub help: Vec<String>,
}

impl Diagnostic {
    /// An error finding with no location yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            file: None,
            line: None,
            message: message.into(),
            help: Vec::new(),
        }
    }

    /// A warning finding with no location yet.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// A notice with no location yet.
    pub fn notice(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Notice,
            ..Self::error(code, message)
        }
    }

    /// Sets the file.
    #[must_use]
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the 1-based line.
    #[must_use]
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds a remedy line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Whether this finding fails the gate.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

/// 1-based line number of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// True when any finding is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
