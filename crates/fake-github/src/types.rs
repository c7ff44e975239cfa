//! The plain values a test gives the fake (seeds, file changes) and gets back
//! from it (commits, pull requests, releases, the request log, violations).
//!
//! Field meanings follow GitHub's REST API objects of the same name.
//! See: <https://docs.github.com/rest>.

use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;

/// One change to a file in a seeded commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileChange {
    /// Create or overwrite a regular file (mode `100644`).
    Write {
        /// Repository-relative path, `/`-separated.
        path: String,
        /// The new bytes.
        content: Vec<u8>,
    },
    /// Create or overwrite an executable file (mode `100755`).
    Executable {
        /// Repository-relative path.
        path: String,
        /// The new bytes.
        content: Vec<u8>,
    },
    /// Create or overwrite a symbolic link (mode `120000`).
    Symlink {
        /// Repository-relative path of the link.
        path: String,
        /// What the link points at, as stored in the link's blob.
        target: String,
    },
    /// Remove a file, or a directory with everything under it.
    Delete {
        /// Repository-relative path.
        path: String,
    },
}

impl FileChange {
    /// Writes a regular file.
    pub fn write(path: impl Into<String>, content: impl AsRef<[u8]>) -> Self {
        FileChange::Write {
            path: path.into(),
            content: content.as_ref().to_vec(),
        }
    }

    /// Writes an executable file.
    pub fn executable(path: impl Into<String>, content: impl AsRef<[u8]>) -> Self {
        FileChange::Executable {
            path: path.into(),
            content: content.as_ref().to_vec(),
        }
    }

    /// Writes a symbolic link.
    pub fn symlink(path: impl Into<String>, target: impl Into<String>) -> Self {
        FileChange::Symlink {
            path: path.into(),
            target: target.into(),
        }
    }

    /// Deletes a file or directory.
    pub fn delete(path: impl Into<String>) -> Self {
        FileChange::Delete { path: path.into() }
    }

    /// The path the change touches.
    pub fn path(&self) -> &str {
        match self {
            FileChange::Write { path, .. }
            | FileChange::Executable { path, .. }
            | FileChange::Symlink { path, .. }
            | FileChange::Delete { path } => path,
        }
    }
}

/// A name, e-mail and date of a commit's author or committer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// When, with the offset it was recorded with.
    pub date: OffsetDateTime,
}

/// A commit as the fake stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit id.
    pub sha: String,
    /// The root tree id.
    pub tree: String,
    /// Parent commit ids, first parent first.
    pub parents: Vec<String>,
    /// The full message.
    pub message: String,
    /// Who wrote it.
    pub author: Person,
    /// Who committed it (its date is what history order and soak times use).
    pub committer: Person,
}

/// A pull request as the fake stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullInfo {
    /// The pull request number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body, if any.
    pub body: Option<String>,
    /// Whether it was opened as a draft.
    pub draft: bool,
    /// `open` or `closed`.
    pub state: String,
    /// The head branch name.
    pub head_ref: String,
    /// The head commit (the branch head while the branch exists).
    pub head_sha: String,
    /// The base branch name.
    pub base_ref: String,
    /// `base.sha`: the base branch head when the pull request was opened or its head branch
    /// was last pushed to (it lags behind a base branch that moves on its own, as on GitHub).
    pub base_sha: String,
    /// Label names, in the order they were added.
    pub labels: Vec<String>,
    /// Requested reviewers' logins.
    pub reviewers: Vec<String>,
    /// Requested team slugs.
    pub team_reviewers: Vec<String>,
    /// Issue comment bodies, oldest first.
    pub comments: Vec<String>,
    /// The web address.
    pub html_url: String,
}

/// A release as the fake stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// The release id.
    pub id: u64,
    /// The tag.
    pub tag_name: String,
    /// The branch or commit the tag is (to be) created from.
    pub target_commitish: String,
    /// Title, if any.
    pub name: Option<String>,
    /// Body, if any.
    pub body: Option<String>,
    /// Draft (invisible to get-by-tag and latest).
    pub draft: bool,
    /// Pre-release.
    pub prerelease: bool,
    /// Whether it is the repository's "Latest" release right now.
    pub latest: bool,
    /// The web address.
    pub html_url: String,
    /// Names of uploaded assets.
    pub assets: Vec<String>,
}

/// What a test seeds a release with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseSeed {
    /// The tag (created on `target_commitish` when missing and not a draft).
    pub tag_name: String,
    /// Branch or commit; the default branch when `None`.
    pub target_commitish: Option<String>,
    /// Title.
    pub name: Option<String>,
    /// Body.
    pub body: Option<String>,
    /// Draft.
    pub draft: bool,
    /// Pre-release.
    pub prerelease: bool,
    /// `"true"`, `"false"` or `"legacy"`; `"true"` when `None`.
    pub make_latest: Option<String>,
}

impl ReleaseSeed {
    /// A published, non-prerelease release of `tag_name`.
    pub fn new(tag_name: impl Into<String>) -> Self {
        ReleaseSeed {
            tag_name: tag_name.into(),
            ..ReleaseSeed::default()
        }
    }
}

/// What a test seeds a pull request with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullSeed {
    /// Head branch (in the same repository).
    pub head: String,
    /// Base branch.
    pub base: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: Option<String>,
    /// Draft.
    pub draft: bool,
}

impl PullSeed {
    /// An open, non-draft pull request of `head` into `base`.
    pub fn new(head: impl Into<String>, base: impl Into<String>, title: impl Into<String>) -> Self {
        PullSeed {
            head: head.into(),
            base: base.into(),
            title: title.into(),
            ..PullSeed::default()
        }
    }
}

/// A `repository_dispatch` event the fake received.
#[derive(Clone, Debug, PartialEq)]
pub struct DispatchInfo {
    /// `event_type`.
    pub event_type: String,
    /// `client_payload` (`null` when absent).
    pub client_payload: Value,
}

/// One request the fake answered.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path as sent (with any `/api/v3` prefix), without the query.
    pub path: String,
    /// Raw query string (empty when none).
    pub query: String,
    /// The matched operation, if any.
    pub operation_id: Option<String>,
    /// Status answered.
    pub status: u16,
    /// Whether the method changes state (POST, PATCH, PUT, DELETE).
    pub write: bool,
    /// The injected fault that shaped the answer, if any.
    pub fault: Option<String>,
    /// The JSON body sent, if it parsed.
    pub body: Option<Value>,
}

/// A request GitHub would reject (or, for warnings, silently ignore in part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// HTTP method.
    pub method: String,
    /// Path as sent, with the query.
    pub path: String,
    /// The matched operation, if any.
    pub operation_id: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(op) = &self.operation_id {
            write!(f, " ({op})")?;
        }
        write!(f, ": {}", self.reason)
    }
}
