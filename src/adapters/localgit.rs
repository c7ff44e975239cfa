//! Read-only access to the local git history, for `check --base` outside a pull request.
//!
//! The `git` program is run directly (never through a shell) with fixed arguments; a revision
//! from the user is checked first so that it can never be taken for an option. Commands that
//! write to GitHub never need git: they go through the API.

use std::path::Path;
use std::process::Command;

/// Why the base comparison could not run.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The revision is not a plausible git revision: bad input (exit 2).
    #[error("`{0}` is not a valid git revision")]
    BadRevision(String),
    /// git is missing or failed.
    #[error("git {args} failed: {message}")]
    Failed {
        /// The arguments, for the message.
        args: String,
        /// git's stderr.
        message: String,
    },
    /// The revision does not exist in this repository.
    #[error("the base `{0}` is not in this repository; fetch it first (e.g. `git fetch origin {0}`, or `fetch-depth: 0` in actions/checkout)")]
    UnknownRevision(String),
}

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotepath=off"])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        // Only this directory's own repository: never one found further up.
        .env("GIT_CEILING_DIRECTORIES", root.parent().unwrap_or(root))
        .output()
        .map_err(|e| GitError::Failed {
            args: args.join(" "),
            message: e.to_string(),
        })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed {
            args: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Checks that `rev` cannot be mistaken for an option or carry control characters.
pub fn check_revision(rev: &str) -> Result<(), GitError> {
    let bad = rev.is_empty()
        || rev.len() > 255
        || rev.starts_with('-')
        || rev
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == ':');
    if bad {
        Err(GitError::BadRevision(rev.escape_debug().to_string()))
    } else {
        Ok(())
    }
}

/// The merge base of `base` and `HEAD`: where the change under review starts.
pub fn merge_base(root: &Path, base: &str) -> Result<String, GitError> {
    check_revision(base)?;
    let spec = format!("{base}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &spec])
        .map_err(|_| GitError::UnknownRevision(base.to_owned()))?;
    let out = git(root, &["merge-base", base, "HEAD"])?;
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

/// Files changed between `rev` and the working tree, plus untracked files.
pub fn changed_files(root: &Path, rev: &str) -> Result<Vec<String>, GitError> {
    check_revision(rev)?;
    let mut files = split_z(&git(root, &["diff", "--name-only", "-z", rev, "--"])?);
    files.extend(split_z(&git(
        root,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?));
    files.sort();
    files.dedup();
    Ok(files)
}

/// The content of `path` at `rev`, or `None` if it did not exist there.
pub fn show(root: &Path, rev: &str, path: &str) -> Result<Option<String>, GitError> {
    check_revision(rev)?;
    match git(root, &["show", &format!("{rev}:{path}")]) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(_) => Ok(None),
    }
}

fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_that_look_like_options_are_refused() {
        for bad in ["--output=/tmp/x", "-p", "a b", "main\n", "", "HEAD:secret"] {
            assert!(check_revision(bad).is_err(), "{bad:?}");
        }
        for ok in ["main", "origin/main", "HEAD~1", "abc123"] {
            assert!(check_revision(ok).is_ok(), "{ok}");
        }
    }
}
