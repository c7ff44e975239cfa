//! Use cases: each command builds a request, asks the domain, and returns an [`Outcome`] (or a
//! plan that an adapter carries out). Nothing here prints; `main` renders the outcome.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::domain::diagnostic::Diagnostic;

pub mod bom;
pub mod check;
pub mod connect;
pub mod gate;
pub mod init;
pub mod notes;
pub mod promote;
pub mod publish;
pub mod release;
pub mod report;
pub mod rollback;
pub mod snapshot;
pub mod tags;
pub mod validate_tag;
pub mod workspace;

pub use check::run_check;
pub use notes::run_notes;
pub use promote::run_promote;
pub use release::run_release;
pub use validate_tag::run_validate_tag;

/// Where a command works: the repository and its configuration file, as a person (or the
/// workflow's `repo` and `config` inputs) named them. The command line builds it; the use
/// cases never see clap's types.
#[derive(Debug, Clone, Default)]
pub struct RepoRequest {
    /// The repository (default: `GITHUB_WORKSPACE`, else the current directory).
    pub repo: Option<PathBuf>,
    /// The configuration file (default: `.github/release-action.yml` in the repository).
    pub config: Option<String>,
}

/// How far `promote --bump` moves the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BumpRequest {
    /// x.y.Z
    Patch,
    /// x.Y.0
    Minor,
    /// X.0.0
    Major,
    /// From the `[Unreleased]` change types.
    Auto,
}

/// The process environment a command sees, captured once so the use cases stay testable.
#[derive(Debug, Clone, Default)]
pub struct RunEnv {
    /// Environment variables.
    pub vars: BTreeMap<String, String>,
    /// The working directory.
    pub cwd: PathBuf,
    /// Now, as seconds since the Unix epoch (`SOURCE_DATE_EPOCH` overrides it for reproducible runs).
    pub now: i64,
}

impl RunEnv {
    /// A variable, if set and not empty.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The workflow's event payload, when `GITHUB_EVENT_PATH` names a readable one.
    pub fn event(&self) -> Option<crate::adapters::actions::Event> {
        crate::adapters::actions::read_event(std::path::Path::new(self.var("GITHUB_EVENT_PATH")?))
    }

    /// Whether we run on a GitHub Actions runner.
    pub fn on_actions(&self) -> bool {
        self.var("GITHUB_ACTIONS") == Some("true")
    }

    /// Today's UTC date, `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        self.timestamp().date().to_string()
    }

    /// Now as a UTC timestamp.
    pub fn timestamp(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(self.now)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

/// What a command found and produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Step outputs, in order.
    pub outputs: Vec<(String, String)>,
    /// Markdown for the job summary.
    pub summary: String,
    /// Data for stdout (notes, plans).
    pub stdout: String,
    /// Progress lines for stderr.
    pub log: Vec<String>,
}

impl Outcome {
    /// Adds an output.
    pub fn output(&mut self, name: &str, value: impl Into<String>) {
        self.outputs.push((name.to_owned(), value.into()));
    }
}

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum Stop {
    /// Bad arguments, inputs or configuration: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Bad arguments, inputs or configuration, with what to do about it: exit 2.
    #[error("{message}")]
    UsageHelp {
        /// What is wrong.
        message: String,
        /// Remedies, one line each.
        help: Vec<String>,
    },
    /// Our own inconsistency, such as an edit that did not read back as intended: exit 3,
    /// asking for a report.
    #[error("{0}")]
    Bug(String),
    /// The gate said no: exit 1. The outcome carries the findings and whatever was learned.
    #[error("{} finding(s)", .0.diagnostics.len())]
    Findings(Box<Outcome>),
    /// GitHub or I/O failed: exit 3.
    #[error(transparent)]
    Failure(#[from] anyhow::Error),
}

impl Stop {
    /// Findings without any other outcome.
    pub fn findings(diagnostics: Vec<Diagnostic>) -> Self {
        Self::Findings(Box::new(Outcome {
            diagnostics,
            ..Outcome::default()
        }))
    }
}

/// An edit the domain refused: our own bug when the edit did not read back as intended (exit
/// 3), else `finding`, about the user's file.
pub(crate) fn edit_refused(e: &crate::domain::yaml::EditError, finding: Diagnostic) -> Stop {
    match e {
        crate::domain::yaml::EditError::Verification { .. } => Stop::Bug(match &finding.file {
            Some(file) => format!("{file}: {}", finding.message),
            None => finding.message,
        }),
        _ => Stop::findings(vec![finding]),
    }
}

/// Stops with the outcome if it has any error finding.
pub(crate) fn stop_on_errors(outcome: Outcome) -> Result<Outcome, Stop> {
    if crate::domain::diagnostic::has_errors(&outcome.diagnostics) {
        Err(Stop::Findings(Box::new(outcome)))
    } else {
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::yaml::EditError;

    #[test]
    fn an_edit_that_does_not_read_back_is_our_bug_not_a_finding() {
        let finding =
            Diagnostic::error("chart/edit", "cannot set the version").in_file("Chart.yaml");
        let bug = EditError::Verification {
            path: "version".into(),
            detail: "a comment moved".into(),
        };
        assert!(
            matches!(edit_refused(&bug, finding.clone()), Stop::Bug(m) if m == "Chart.yaml: cannot set the version")
        );
        let refused = EditError::Unsupported {
            path: "version".into(),
            reason: "a block scalar".into(),
        };
        assert!(matches!(edit_refused(&refused, finding), Stop::Findings(_)));
    }
}
