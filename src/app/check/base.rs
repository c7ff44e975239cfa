//! The base a change is judged against: which files the change touches, and the base's copy
//! of the files `check` reads, from local git when the checkout has the base commit, or from the
//! GitHub API on a pull request whose base is not in the checkout.
//!
//! Nothing here fails open: a base that cannot be read stops the command with what to do;
//! it never turns into "no base" or a skipped bump check.
//! See: <https://docs.github.com/rest/pulls/pulls#list-pull-requests-files>

use std::path::{Path, PathBuf};

use crate::adapters::fs::RepoDir;
use crate::adapters::github::{DiffEntry, GitHub};
use crate::adapters::localgit::{self, GitError};
use crate::app::connect::{api_failure, block_on};
use crate::app::{RunEnv, Stop};

/// Most files GitHub's comparison of two commits lists.
/// See: <https://docs.github.com/rest/commits/commits#compare-two-commits>
const MAX_COMPARE_FILES: usize = 300;

/// Whether the GitHub API can be asked: a token and the repository are known.
fn api_ready(env: &RunEnv) -> bool {
    crate::app::connect::token(env).is_some() && env.var("GITHUB_REPOSITORY").is_some()
}

/// Largest number of pages `GET /pulls/{n}/files` gives (GitHub stops at 3000 files).
const MAX_PULL_FILE_PAGES: usize = 30;

/// Where the base's files come from.
enum Source {
    /// Local git at a commit.
    Git { root: PathBuf, rev: String },
    /// The contents API at a commit.
    Api { gh: Box<GitHub>, sha: String },
}

/// The base of the change under review.
pub(super) struct Base {
    /// The commit compared with, for the summary.
    pub label: String,
    /// Every repository path the change touches, sorted.
    pub changed: Vec<String>,
    source: Source,
}

/// The pull request a `pull_request` event payload describes.
struct PullRequestEvent {
    base_sha: String,
    number: Option<u64>,
}

fn pull_request(env: &RunEnv) -> Option<PullRequestEvent> {
    let event = env.event()?;
    Some(PullRequestEvent {
        base_sha: event.pull_base_sha?,
        number: event.pull_number,
    })
}

fn git_stop(e: GitError) -> Stop {
    match e {
        GitError::BadRevision(_) | GitError::UnknownRevision(_) | GitError::NotARepository(_) => {
            Stop::Usage(e.to_string())
        }
        other => Stop::Failure(
            anyhow::Error::new(other)
                .context("cannot read the base of the change, so the change cannot be judged"),
        ),
    }
}

impl Base {
    /// The base: `--base REV` from local git, else the pull request's base (local git when the
    /// checkout has it, else the API), else none (a plain `check` judges everything).
    pub fn resolve(root: &Path, base: Option<&str>, env: &RunEnv) -> Result<Option<Self>, Stop> {
        if let Some(rev) = base {
            // With a token on a runner, GitHub compares (the image has no git); else local git.
            return match (api_ready(env), env.var("GITHUB_SHA")) {
                (true, Some(head)) => Self::from_compare(rev, head, env).map(Some),
                _ => Self::from_git(root, rev).map(Some),
            };
        }
        let Some(pr) = pull_request(env) else {
            return Ok(None);
        };
        // NOTE: without its own `.git`, git would search the parent directories.
        let local = if root.join(".git").exists() {
            Self::from_git(root, &pr.base_sha)
        } else {
            Err(Stop::Usage(
                GitError::UnknownRevision(pr.base_sha.clone()).to_string(),
            ))
        };
        let api =
            crate::app::connect::token(env).is_some() && env.var("GITHUB_REPOSITORY").is_some();
        match (local, pr.number) {
            (Ok(b), _) => Ok(Some(b)),
            (Err(_), Some(number)) if api => {
                let gh = crate::app::connect::connect(env, "")?;
                let changed = block_on(async {
                    let files = gh
                        .pull_files(number, MAX_PULL_FILE_PAGES)
                        .await
                        .map_err(api_failure)?;
                    Ok(changed_paths(&files))
                })?;
                Ok(Some(Self {
                    label: pr.base_sha.clone(),
                    changed: sorted(changed),
                    source: Source::Api {
                        gh: Box::new(gh),
                        sha: pr.base_sha,
                    },
                }))
            }
            (Err(e), _) => Err(e),
        }
    }

    /// `--base REV` through the API: `GET /compare/{REV}...{head}` names the merge base and the
    /// changed files. GitHub lists at most 300 files there; a longer list cannot be judged.
    fn from_compare(rev: &str, head: &str, env: &RunEnv) -> Result<Self, Stop> {
        localgit::check_revision(rev).map_err(git_stop)?;
        let gh = crate::app::connect::connect(env, "")?;
        let (merge_base, changed) = block_on(async {
            let cmp = gh
                .compare(rev, head)
                .await
                .map_err(api_failure)?
                .ok_or_else(|| {
                    Stop::Failure(anyhow::anyhow!(
                        "GitHub does not know `{rev}` or `{head}`, so the change cannot be judged; push them, or name a revision GitHub has"
                    ))
                })?;
            let merge_base = cmp.merge_base_commit.sha.clone();
            let files = cmp.files.unwrap_or_default();
            if files.len() >= MAX_COMPARE_FILES {
                return Err(Stop::Failure(anyhow::anyhow!(
                    "the change from `{rev}` touches {} or more files, more than GitHub's comparison lists, so it cannot be judged through the API; check out with `fetch-depth: 0` and run without a token, or judge a pull request",
                    MAX_COMPARE_FILES
                )));
            }
            Ok((merge_base, changed_paths(&files)))
        })?;
        Ok(Self {
            label: merge_base.clone(),
            changed: sorted(changed),
            source: Source::Api {
                gh: Box::new(gh),
                sha: merge_base,
            },
        })
    }

    fn from_git(root: &Path, rev: &str) -> Result<Self, Stop> {
        let merge_base = localgit::merge_base(root, rev).map_err(git_stop)?;
        let changed = localgit::changed_files(root, &merge_base).map_err(git_stop)?;
        Ok(Self {
            label: merge_base.clone(),
            changed: sorted(changed),
            source: Source::Git {
                root: root.to_owned(),
                rev: merge_base,
            },
        })
    }

    /// Lays the base's copy of `paths` out in a new temporary directory (a path missing at the
    /// base is missing there too), so that the base is judged by the same code as the head.
    /// Only the paths the change touched are read from the base; the others are the same on
    /// both sides and are copied from `head`.
    pub fn materialize(
        &self,
        paths: &[String],
        head: &RepoDir,
    ) -> Result<(tempfile::TempDir, RepoDir), Stop> {
        let (touched, same): (Vec<&String>, Vec<&String>) = paths
            .iter()
            .partition(|p| self.changed.binary_search(p).is_ok());
        let touched: Vec<String> = touched.into_iter().cloned().collect();
        let mut contents: Vec<Option<Vec<u8>>> = match &self.source {
            Source::Git { root, rev } => {
                localgit::read_files(root, rev, &touched).map_err(git_stop)?
            }
            Source::Api { gh, sha } => block_on(async {
                let mut out = Vec::with_capacity(touched.len());
                for p in &touched {
                    out.push(gh.file_bytes(p, sha).await.map_err(api_failure)?);
                }
                Ok(out)
            })?,
        };
        let mut all: Vec<String> = touched;
        for p in same {
            contents.push(
                head.read_bytes(p, crate::adapters::fs::MAX_CHANGELOG)
                    .map_err(crate::app::workspace::fs_stop)?,
            );
            all.push(p.clone());
        }
        let paths = all;
        let dir = tempfile::Builder::new()
            .prefix("release-action-base-")
            .tempdir()
            .map_err(|e| {
                Stop::Failure(anyhow::Error::new(e).context("create a directory for the base"))
            })?;
        let repo = RepoDir::open(dir.path()).map_err(|e| Stop::Failure(e.into()))?;
        for (path, bytes) in paths.iter().zip(contents) {
            if let Some(bytes) = bytes {
                repo.write_atomic(path, &bytes).map_err(|e| {
                    Stop::Failure(anyhow::Error::new(e).context("lay out the base"))
                })?;
            }
        }
        Ok((dir, repo))
    }
}

/// The paths GitHub's file entries name; a rename changes both the old and the new path.
fn changed_paths(files: &[DiffEntry]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| std::iter::once(f.filename.clone()).chain(f.previous_filename.clone()))
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}
