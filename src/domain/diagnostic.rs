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

/// The column and text of a finding's line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// 1-based column (in characters) where the offending text starts, when known.
    pub column: Option<usize>,
    /// The text of the offending line.
    pub source: Option<String>,
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
    /// Where on the line, and the line's text, for the snippet under the location (boxed: most
    /// findings never need it, and findings travel in `Result`s).
    pub snippet: Option<Box<Snippet>>,
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
            snippet: None,
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

    /// Sets the 1-based column where the offending text starts.
    #[must_use]
    pub fn at_column(mut self, column: usize) -> Self {
        self.snippet.get_or_insert_default().column = Some(column);
        self
    }

    /// Takes the offending line's text from `text`, the file the finding is about (no change
    /// without a line, or when the line is not in `text`).
    pub fn attach_source(&mut self, text: &str) {
        if self.source().is_some() {
            return;
        }
        let Some(line) = self.line.and_then(|l| l.checked_sub(1)) else {
            return;
        };
        if let Some(t) = text.lines().nth(line) {
            self.snippet.get_or_insert_default().source = Some(t.trim_end_matches('\r').to_owned());
        }
    }

    /// The offending line's text, when attached.
    pub fn source(&self) -> Option<&str> {
        self.snippet.as_ref()?.source.as_deref()
    }

    /// The column the marker starts at: the one set, else the line's first non-blank character.
    pub fn marker_column(&self) -> Option<usize> {
        self.snippet.as_ref().and_then(|s| s.column).or_else(|| {
            let source = self.source()?;
            Some(source.chars().take_while(|c| c.is_whitespace()).count() + 1)
        })
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
