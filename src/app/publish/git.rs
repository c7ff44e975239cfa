//! Branches and commits through the Git Data API, safely.
//!
//! - Branches are only ever moved by a fast-forward (`force: false`): a writer racing us makes
//!   the update fail (422) instead of being overwritten, and the engine looks again.
//! - A branch holding any commit without our [`PLAN_TRAILER`] is never touched.
//! - Reading files: one recursive tree listing gives every blob id; a local file with the same
//!   id is that commit's bytes, so only the others are fetched.

use std::collections::BTreeMap;

use super::PLAN_TRAILER;
use crate::adapters::fs::RepoDir;
use crate::adapters::github::{blob_sha, GitHub};
use crate::app::connect::api_failure;
use crate::app::Stop;
use crate::domain::diagnostic::Diagnostic;

/// The sha the base branch points at (a failure if it does not exist).
pub async fn base_head(gh: &GitHub, base_branch: &str) -> Result<String, Stop> {
    gh.branch_sha(base_branch)
        .await
        .map_err(api_failure)?
        .ok_or_else(|| {
            Stop::Failure(anyhow::anyhow!(
                "the base branch `{base_branch}` does not exist on GitHub"
            ))
        })
}

/// What an existing branch holds relative to the base.
#[derive(Debug, Clone)]
pub struct BranchState {
    /// The branch head, `None` when the branch does not exist.
    pub head: Option<String>,
    /// Commit messages on the branch and not on the base, oldest first.
    pub ahead: Vec<String>,
    /// How many base commits the branch lacks.
    pub behind_by: u64,
}

impl BranchState {
    /// Whether the branch head carries the plan `digest`.
    pub fn head_has_plan(&self, digest: &str) -> bool {
        self.ahead
            .last()
            .is_some_and(|m| m.contains(&format!("{PLAN_TRAILER} {digest}")))
    }
}

/// Where `branch` points, `None` when it does not exist.
pub async fn branch_head(gh: &GitHub, branch: &str) -> Result<Option<String>, Stop> {
    gh.branch_sha(branch).await.map_err(api_failure)
}

/// Looks at `branch` (at `head`, from [`branch_head`]) against `base_sha`; refuses (exit 1) if
/// it holds a commit not made by us.
pub async fn branch_state(
    gh: &GitHub,
    base_sha: &str,
    branch: &str,
    head: Option<String>,
) -> Result<BranchState, Stop> {
    let Some(head) = head else {
        return Ok(BranchState {
            head: None,
            ahead: Vec::new(),
            behind_by: 0,
        });
    };
    let cmp = gh
        .compare(base_sha, &head)
        .await
        .map_err(api_failure)?
        .ok_or_else(|| {
            Stop::Failure(anyhow::anyhow!(
                "GitHub cannot compare `{branch}` with the base it was read at; re-run the job"
            ))
        })?;
    let mut ahead = Vec::new();
    let mut foreign = Vec::new();
    for c in &cmp.commits {
        let message = c.commit.message.clone();
        if !message.contains(PLAN_TRAILER) {
            foreign.push(c.sha.chars().take(12).collect::<String>());
        }
        ahead.push(message);
    }
    if !foreign.is_empty() {
        return Err(Stop::findings(vec![Diagnostic::error(
            "publish/foreign-commits",
            format!("branch `{branch}` holds commits release-action did not make ({}); it is never overwritten", foreign.join(", ")),
        )
        .with_help(format!("merge or close its pull request, or delete the branch `{branch}`, then re-run"))]));
    }
    let behind_by = u64::try_from(cmp.behind_by).unwrap_or(0);
    Ok(BranchState {
        head: Some(head),
        ahead,
        behind_by,
    })
}

/// Whether a branch update lost a race (the branch was created or moved by someone else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The branch now points at our commit.
    Done,
    /// Someone else moved it first; look again.
    Raced,
}

/// Commits `files` on `base_tree` with `parents` and moves `branch` to it by fast-forward.
pub async fn write_commit(
    gh: &GitHub,
    branch: &str,
    head: Option<&str>,
    parents: &[String],
    base_tree: &str,
    files: &[(String, String)],
    message: &str,
) -> Result<Written, Stop> {
    let tree = gh
        .create_tree(base_tree, files)
        .await
        .map_err(api_failure)?;
    let sha = gh
        .create_commit(message, &tree, parents)
        .await
        .map_err(api_failure)?;
    let moved = match head {
        None => gh.create_branch(branch, &sha).await,
        Some(_) => gh.update_branch(branch, &sha, false).await,
    };
    match moved {
        Ok(()) => Ok(Written::Done),
        Err(e) if e.status() == Some(422) => Ok(Written::Raced),
        Err(e) => Err(api_failure(e)),
    }
}

/// Reads `paths` (each with its size limit) as they are in the tree listing `blobs` (path →
/// blob id) at `commit`.
pub async fn read_at(
    gh: &GitHub,
    repo: &RepoDir,
    commit: &str,
    blobs: &BTreeMap<String, String>,
    paths: &[(String, u64)],
) -> Result<BTreeMap<String, String>, Stop> {
    let mut files = BTreeMap::new();
    for (path, limit) in paths {
        let Some(sha) = blobs.get(path) else { continue };
        let limit = *limit;
        let local = repo
            .read(path, limit)
            .ok()
            .flatten()
            .filter(|t| &blob_sha(t.as_bytes()) == sha);
        let text = match local {
            Some(t) => t,
            None => {
                let bytes = gh
                    .file_bytes(path, commit)
                    .await
                    .map_err(api_failure)?
                    .unwrap_or_default();
                if bytes.len() as u64 > limit {
                    return Err(Stop::findings(vec![Diagnostic::error(
                        "file/refused",
                        format!(
                            "`{path}` is {} bytes on GitHub; files over {limit} bytes are refused",
                            bytes.len()
                        ),
                    )
                    .in_file(path)]));
                }
                String::from_utf8(bytes).map_err(|_| {
                    Stop::findings(vec![Diagnostic::error(
                        "file/refused",
                        format!("`{path}` on GitHub is not valid UTF-8"),
                    )
                    .in_file(path)])
                })?
            }
        };
        files.insert(path.clone(), text);
    }
    Ok(files)
}
