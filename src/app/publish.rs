//! Publishing a change as a pull request through the Git Data API, safely: the machinery
//! `promote`, `bom` and `snapshot` share.
//!
//! - Branches are only ever moved by a fast-forward (`force: false`): a writer racing us makes
//!   the update fail (422) instead of being overwritten, and the caller looks again.
//! - A branch holding any commit without our [`PLAN_TRAILER`] is never touched.
//! - Reading files: one recursive tree listing gives every blob id; a local file with the same
//!   id is that commit's bytes, so only the others are fetched.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::connect::api_failure;
use super::{RunEnv, Stop};
use crate::adapters::fs::RepoDir;
use crate::adapters::github::{blob_sha, encode, GitHub};
use crate::domain::diagnostic::Diagnostic;

/// The commit-message trailer that marks our commits and records the plan they carry.
pub const PLAN_TRAILER: &str = "Release-Action-Plan:";

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

/// Looks at `branch` against `base_sha`; refuses (exit 1) if it holds a commit not made by us.
pub async fn branch_state(gh: &GitHub, base_sha: &str, branch: &str) -> Result<BranchState, Stop> {
    let Some(head) = gh.branch_sha(branch).await.map_err(api_failure)? else {
        return Ok(BranchState {
            head: None,
            ahead: Vec::new(),
            behind_by: 0,
        });
    };
    let cmp = gh
        .get(&gh.repo_path(&format!("/compare/{base_sha}...{head}")))
        .await
        .map_err(api_failure)?;
    let commits = cmp
        .get("commits")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut ahead = Vec::new();
    let mut foreign = Vec::new();
    for c in &commits {
        let message = c
            .pointer("/commit/message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !message.contains(PLAN_TRAILER) {
            foreign.push(
                c.get("sha")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(12)
                    .collect::<String>(),
            );
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
    let behind_by = cmp.get("behind_by").and_then(Value::as_u64).unwrap_or(0);
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

/// Reads `paths` as they are in the tree listing `blobs` (path → blob id) at `commit`.
pub async fn read_at(
    gh: &GitHub,
    repo: &RepoDir,
    commit: &str,
    blobs: &BTreeMap<String, String>,
    paths: &[String],
    limit_for: impl Fn(&str) -> u64,
) -> Result<BTreeMap<String, String>, Stop> {
    let mut files = BTreeMap::new();
    for path in paths {
        let Some(sha) = blobs.get(path) else { continue };
        let limit = limit_for(path);
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

/// A pull request to open or update.
#[derive(Debug, Clone)]
pub struct PullSpec {
    /// Head branch.
    pub branch: String,
    /// Base branch.
    pub base: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Draft on creation.
    pub draft: bool,
    /// Labels to have.
    pub labels: Vec<String>,
    /// Reviewers to request on creation (`login` or `org/team`).
    pub reviewers: Vec<String>,
}

/// Opens the pull request, or brings the open one up to date (no write when it already is).
///
/// A new pull request gets its reviewers, then its labels: the labels come last and mark it
/// as finished, so a re-run after a failure in between (labels still missing) requests the
/// reviewers again, while a re-run of a finished one makes no write (and never re-requests a
/// review someone already gave).
pub async fn open_or_update_pull(
    gh: &GitHub,
    spec: &PullSpec,
    new_branch: bool,
) -> Result<Value, Stop> {
    let owner = gh.repo.split('/').next().unwrap_or_default().to_owned();
    let find = || async {
        let path = gh.repo_path(&format!(
            "/pulls?head={}&base={}&state=open",
            encode(&format!("{owner}:{}", spec.branch)),
            encode(&spec.base)
        ));
        gh.get_all(&path, 5)
            .await
            .map(|prs| prs.into_iter().next())
            .map_err(api_failure)
    };
    let existing = if new_branch { None } else { find().await? };
    if let Some(pr) = existing {
        let number = pr.get("number").and_then(Value::as_u64).unwrap_or_default();
        let same = pr.get("title").and_then(Value::as_str) == Some(spec.title.as_str())
            && pr.get("body").and_then(Value::as_str).unwrap_or_default() == spec.body;
        let pr = if same {
            pr
        } else {
            gh.patch(
                &gh.repo_path(&format!("/pulls/{number}")),
                &json!({ "title": spec.title, "body": spec.body }),
            )
            .await
            .map_err(api_failure)?
        };
        if !missing_labels(&pr, &spec.labels).is_empty() {
            finish_pull(gh, &pr, spec).await?;
        }
        return Ok(pr);
    }
    let create = json!({ "title": spec.title, "head": spec.branch, "base": spec.base, "body": spec.body, "draft": spec.draft, "maintainer_can_modify": false });
    let pr = match gh.post(&gh.repo_path("/pulls"), &create).await {
        Ok(pr) => pr,
        // Opened meanwhile: a retried request whose first answer was lost (so this run opened
        // it and must finish it), or a parallel run.
        Err(e) if e.status() == Some(422) && e.message().contains("already exists") => {
            match find().await? {
                Some(pr) => pr,
                None => return Err(api_failure(e)),
            }
        }
        Err(e) => return Err(api_failure(e)),
    };
    finish_pull(gh, &pr, spec).await?;
    Ok(pr)
}

/// Requests the reviewers, then adds the missing labels (the mark of a finished pull request).
async fn finish_pull(gh: &GitHub, pr: &Value, spec: &PullSpec) -> Result<(), Stop> {
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or_default();
    if !spec.reviewers.is_empty() {
        let (teams, users): (Vec<String>, Vec<String>) = spec
            .reviewers
            .iter()
            .map(|r| r.trim_start_matches('@').to_owned())
            .partition(|r| r.contains('/'));
        let teams: Vec<String> = teams
            .iter()
            .filter_map(|t| t.split('/').nth(1).map(str::to_owned))
            .collect();
        gh.post(
            &gh.repo_path(&format!("/pulls/{number}/requested_reviewers")),
            &json!({ "reviewers": users, "team_reviewers": teams }),
        )
        .await
        .map_err(api_failure)?;
    }
    let missing = missing_labels(pr, &spec.labels);
    if missing.is_empty() {
        return Ok(());
    }
    gh.post(
        &gh.repo_path(&format!("/issues/{number}/labels")),
        &json!({ "labels": missing }),
    )
    .await
    .map_err(api_failure)
    .map(|_| ())
}

/// The labels of `wanted` the pull request does not carry yet.
fn missing_labels<'a>(pr: &Value, wanted: &'a [String]) -> Vec<&'a String> {
    let have: Vec<&str> = pr
        .get("labels")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .filter_map(|l| l.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    wanted
        .iter()
        .filter(|l| !have.contains(&l.as_str()))
        .collect()
}

/// A history file name: `<UTC stamp>-<what>.yaml`.
pub fn history_name(env: &RunEnv, what: &str) -> String {
    let t = env.timestamp();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{what}.yaml",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
