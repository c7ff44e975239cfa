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
    #[error("the base `{0}` is not in this repository; fetch it first (e.g. `{fetch}`, or `fetch-depth: 0` in actions/checkout)", fetch = fetch_hint(.0))]
    UnknownRevision(String),
    /// No `git` program could be started.
    #[error("cannot run `git` ({0}); on a pull request with a token the base is read through the GitHub API instead, or install git")]
    Unavailable(String),
    /// The directory is not a git repository.
    #[error("`{0}` is not a git repository, so the base cannot be read; check out with git, or run without `--base`")]
    NotARepository(String),
}

/// The `git fetch` that brings `rev`: a remote-tracking name is fetched from its remote.
fn fetch_hint(rev: &str) -> String {
    match rev.split_once('/') {
        Some((remote, branch)) if remote == "origin" || remote == "upstream" => {
            format!("git fetch {remote} {branch}")
        }
        _ => format!("git fetch origin {rev}"),
    }
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
        .map_err(|e| GitError::Unavailable(e.to_string()))?;
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
    if !root.join(".git").exists() {
        return Err(GitError::NotARepository(root.display().to_string()));
    }
    let spec = format!("{base}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &spec]).map_err(|e| match e {
        GitError::Failed { .. } => GitError::UnknownRevision(base.to_owned()),
        other => other,
    })?;
    let out = git(root, &["merge-base", base, "HEAD"])?;
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

/// The type of the object a tag ref names, as the local repository knows it: `tag` for an
/// annotated tag, `commit` for a lightweight one. `Ok(None)` when the tag is not in the local
/// repository.
pub fn tag_object_type(root: &Path, tag: &str) -> Result<Option<String>, GitError> {
    let rev = format!("refs/tags/{tag}");
    check_revision(&rev)?;
    if !root.join(".git").exists() {
        return Err(GitError::NotARepository(root.display().to_string()));
    }
    if git(root, &["rev-parse", "--verify", "--quiet", &rev]).is_err() {
        return Ok(None);
    }
    let out = git(root, &["cat-file", "-t", &rev])?;
    Ok(Some(String::from_utf8_lossy(&out).trim().to_owned()))
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

/// The files at `rev` under each of `dirs` (repository paths, recursively).
pub fn list_files(root: &Path, rev: &str, dirs: &[&str]) -> Result<Vec<String>, GitError> {
    check_revision(rev)?;
    let mut args = vec!["ls-tree", "-r", "--name-only", "-z", rev, "--"];
    args.extend(dirs.iter().copied());
    Ok(split_z(&git(root, &args)?))
}

/// The contents of `paths` at `rev`, each `None` when the path did not exist there. One `git
/// cat-file --batch` reads them all; any failure is an error, never a missing file.
pub fn read_files(
    root: &Path,
    rev: &str,
    paths: &[String],
) -> Result<Vec<Option<Vec<u8>>>, GitError> {
    use std::io::Write as _;
    check_revision(rev)?;
    let failed = |message: String| GitError::Failed {
        args: "cat-file --batch".to_owned(),
        message,
    };
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CEILING_DIRECTORIES", root.parent().unwrap_or(root))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| GitError::Unavailable(e.to_string()))?;
    let mut input = String::new();
    for p in paths {
        if p.contains('\n') {
            return Err(failed(format!(
                "path `{}` holds a newline",
                p.escape_debug()
            )));
        }
        input.push_str(&format!("{rev}:{p}\n"));
    }
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failed("no stdin".into()))?;
    // NOTE: written from a thread so that a large answer cannot block the writer.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    writer
        .join()
        .map_err(|_| failed("writer thread".into()))?
        .map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        return Err(failed(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    let mut rest = out.stdout.as_slice();
    let mut files = Vec::with_capacity(paths.len());
    for _ in paths {
        let nl = memchr::memchr(b'\n', rest).ok_or_else(|| failed("truncated answer".into()))?;
        let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
        rest = &rest[nl + 1..];
        if header.ends_with(" missing") {
            files.push(None);
            continue;
        }
        let mut parts = header.split(' ');
        let (Some(_), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(failed(format!("unexpected answer `{header}`")));
        };
        let size: usize = size
            .parse()
            .map_err(|_| failed(format!("unexpected answer `{header}`")))?;
        if rest.len() < size + 1 {
            return Err(failed("truncated answer".into()));
        }
        // A directory at that path is no file there.
        files.push((kind == "blob").then(|| rest[..size].to_vec()));
        rest = &rest[size + 1..];
    }
    Ok(files)
}

/// A commit that changed a path: id, committer date (Unix seconds), author name, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCommit {
    /// The commit id.
    pub sha: String,
    /// The committer date.
    pub at: i64,
    /// The author's name.
    pub author: String,
    /// The full message.
    pub message: String,
}

/// The commits of `HEAD` that changed `path`, newest first, committed at or after `since`
/// (`None`: all) and at or before `until` (`None`: now), at most `max`.
pub fn log_path(
    root: &Path,
    path: &str,
    since: Option<i64>,
    until: Option<i64>,
    max: usize,
) -> Result<Vec<LoggedCommit>, GitError> {
    if !root.join(".git").exists() {
        return Err(GitError::NotARepository(root.display().to_string()));
    }
    let mut args = vec![
        "log".to_owned(),
        format!("--max-count={max}"),
        "--format=%H%x00%ct%x00%an%x00%B%x1e".to_owned(),
    ];
    if let Some(s) = since {
        args.push(format!("--since=@{s}"));
    }
    if let Some(u) = until {
        args.push(format!("--until=@{u}"));
    }
    args.extend(["HEAD".to_owned(), "--".to_owned(), path.to_owned()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = git(root, &refs)?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .split('\x1e')
        .filter_map(|record| {
            let mut parts = record.trim_start_matches('\n').splitn(4, '\0');
            let sha = parts.next()?.to_owned();
            let at = parts.next()?.parse().ok()?;
            let author = parts.next()?.to_owned();
            let message = parts.next().unwrap_or_default().to_owned();
            (sha.len() >= 40).then_some(LoggedCommit {
                sha,
                at,
                author,
                message,
            })
        })
        .collect())
}

/// Every tag with its date: the tagger's for an annotated tag, the commit's for a lightweight
/// one.
pub fn tag_dates(root: &Path) -> Result<Vec<(String, i64)>, GitError> {
    if !root.join(".git").exists() {
        return Err(GitError::NotARepository(root.display().to_string()));
    }
    let out = git(
        root,
        &[
            "for-each-ref",
            "--format=%(refname:strip=2)%00%(creatordate:unix)",
            "refs/tags",
        ],
    )?;
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| {
            let (name, at) = l.split_once('\0')?;
            Some((name.to_owned(), at.trim().parse().ok()?))
        })
        .collect())
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

    #[test]
    fn the_fetch_hint_names_the_remote_branch() {
        assert_eq!(fetch_hint("origin/main"), "git fetch origin main");
        assert_eq!(fetch_hint("main"), "git fetch origin main");
        assert_eq!(fetch_hint("abc123"), "git fetch origin abc123");
    }
}
