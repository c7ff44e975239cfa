//! The publishing engine: how `promote`, `bom` and `snapshot` (and every later writing command)
//! turn a plan into a pull request. A command describes its work as a [`Publisher`]: the branch,
//! the files it reads, and a plan on what was read. [`apply`] owns everything else: reading the
//! base (or the branch) through the API, the race and retry policy, dry runs and the API calls
//! they stand for, never touching a branch with foreign commits, the commit, the pull request,
//! and the outputs.
//!
//! A re-run whose plan is already on the branch and whose pull request is up to date makes no
//! write. A new commit on an existing branch has two parents, the base head and the previous
//! branch head: the update is a fast-forward, nothing is lost, and the pull request's diff
//! (against the merge base, the base head) shows exactly the plan.

mod git;
mod pull;

use std::collections::{BTreeMap, BTreeSet};

pub use git::{base_head, branch_head, branch_state, read_at, write_commit, BranchState, Written};
pub use pull::{open_or_update_pull, PullSpec};

use super::connect::{api_failure, default_branch};
use super::{Outcome, RunEnv, Stop};
use crate::adapters::fs::RepoDir;
use crate::adapters::github::{blob_sha, Call, GitHub};

/// The commit-message trailer that marks our commits and records the plan they carry.
pub const PLAN_TRAILER: &str = "Release-Action-Plan:";

/// How many times the engine looks again after losing a race with another writer (the base or
/// the branch moved under it) before giving up cleanly, nothing overwritten.
pub const MAX_ROUNDS: usize = 3;

/// One file a plan changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Repository-relative path.
    pub path: String,
    /// The current bytes, `None` for a new file.
    pub before: Option<String>,
    /// The new bytes.
    pub after: String,
    /// Why, for the plan and the pull request.
    pub why: String,
}

/// What the engine read for a plan.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The base branch (the repository's default branch), which the pull request targets.
    pub base_branch: String,
    /// The base branch head the plan builds on.
    pub base_sha: String,
    /// The branch, when the publisher builds on it ([`Publisher::builds_on_branch`]).
    pub branch: Option<BranchState>,
    /// Whether the files were read at the branch head (the branch is up to date with the base)
    /// rather than at the base.
    pub on_branch: bool,
    /// Every path in the tree that was read.
    pub paths: BTreeSet<String>,
    /// The wanted files that exist there.
    pub files: BTreeMap<String, String>,
    /// When [`Publisher::last_change_of`] last changed at the base, if it ever did.
    pub last_change: Option<time::OffsetDateTime>,
}

/// A plan ready to publish.
#[derive(Debug, Clone)]
pub struct Publication {
    /// Outputs, summary and log so far; the engine adds the pull request's.
    pub outcome: Outcome,
    /// The edits, in commit order (none: nothing to commit, the pull request is still ensured).
    pub changes: Vec<FileChange>,
    /// The commit message, without the plan trailer.
    pub message: String,
    /// What identifies the plan: a branch whose head carries the same id needs no new commit.
    pub plan_id: String,
    /// The pull request.
    pub pull: PullSpec,
    /// What a dry run prints before the API calls.
    pub preview: String,
}

/// A publisher's answer to what was read.
#[derive(Debug)]
pub enum Draft {
    /// Nothing to publish; the outcome says why.
    Nothing(Outcome),
    /// Publish this.
    Publish(Box<Publication>),
}

/// A writing command, as the engine sees it.
pub trait Publisher {
    /// The branch the pull request comes from.
    fn branch(&self) -> String;
    /// The files the plan reads, each with its size limit.
    fn wanted(&self) -> Vec<(String, u64)>;
    /// More files to read, chosen from the paths of the tree that was read (the archives of
    /// an environment), each with its size limit.
    fn wanted_in(&self, _paths: &BTreeSet<String>) -> Vec<(String, u64)> {
        Vec::new()
    }
    /// A path whose last change the plan needs (the soak time of an environment).
    fn last_change_of(&self) -> Option<String> {
        None
    }
    /// Whether commits gather on the branch while the base stays put (instead of every plan
    /// being rebuilt on the base).
    fn builds_on_branch(&self) -> bool {
        false
    }
    /// The plan on what was read.
    fn plan(&self, reading: &Reading) -> Result<Draft, Stop>;
}

/// Publishes what `job` plans on the current base: reads, plans, and (unless `dry_run`) commits
/// and opens or updates the pull request, looking again when another writer moved the base or
/// the branch meanwhile.
pub async fn apply(
    gh: &GitHub,
    repo: &RepoDir,
    env: &RunEnv,
    job: &impl Publisher,
    dry_run: bool,
) -> Result<Outcome, Stop> {
    let base_branch = default_branch(gh, env).await?;
    let branch = job.branch();
    // A run triggered on the base branch knows its head without asking; when the base has moved
    // since, the pull request GitHub opens says so and the next round reads the branch itself.
    let mut known_head = env
        .var("GITHUB_SHA")
        .filter(|sha| sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .filter(|_| env.var("GITHUB_REF") == Some(format!("refs/heads/{base_branch}").as_str()))
        .map(str::to_owned);
    let mut last_base: Option<String> = None;
    let mut finished: Option<Outcome> = None;
    for _round in 0..MAX_ROUNDS {
        let (base_sha, guessed) = match known_head.take() {
            Some(sha) => (sha, true),
            None => (base_head(gh, &base_branch).await?, false),
        };
        if last_base.as_deref() == Some(base_sha.as_str()) {
            // The base did not move after all: the pull request's `base.sha` lags behind the
            // branch on GitHub (it is refreshed asynchronously), and the work is on the head.
            if let Some(out) = finished.take() {
                return Ok(out);
            }
            break;
        }
        last_base = Some(base_sha.clone());
        let mut state = None;
        if job.builds_on_branch() {
            let Some(s) = judged_branch(gh, &base_sha, &branch, guessed).await? else {
                last_base = None;
                continue;
            };
            state = Some(s);
        }
        let built_on = state
            .as_ref()
            .filter(|s| s.behind_by == 0)
            .and_then(|s| s.head.clone());
        let read_from = built_on.clone().unwrap_or_else(|| base_sha.clone());
        let tree = gh.tree(&read_from).await.map_err(api_failure)?;
        let paths: BTreeSet<String> = tree.blobs.keys().cloned().collect();
        let mut wanted = job.wanted();
        wanted.extend(job.wanted_in(&paths));
        let files = read_at(gh, repo, &read_from, &tree.blobs, &wanted).await?;
        let last_change = match job.last_change_of() {
            Some(path) => gh
                .last_change(&base_sha, &path)
                .await
                .map_err(api_failure)?,
            None => None,
        };
        let reading = Reading {
            base_branch: base_branch.clone(),
            base_sha: base_sha.clone(),
            branch: state.clone(),
            on_branch: built_on.is_some(),
            paths,
            files,
            last_change,
        };
        let publication = match job.plan(&reading)? {
            Draft::Nothing(out) => return Ok(out),
            Draft::Publish(p) => *p,
        };
        let mut out = publication.outcome;
        let pull = publication.pull;
        if dry_run {
            out.stdout = publication.preview;
            out.stdout.push_str(&gh.describe(&calls(
                &pull,
                &publication.message,
                publication.changes.len(),
            )));
            out.log.push("dry run: nothing was written".into());
            return Ok(out);
        }
        let state = match state.take() {
            Some(s) => s,
            None => match judged_branch(gh, &base_sha, &branch, guessed).await? {
                Some(s) => s,
                None => {
                    last_base = None;
                    continue;
                }
            },
        };
        let digest = blob_sha(publication.plan_id.as_bytes());
        let mut created = false;
        if !publication.changes.is_empty() && !state.head_has_plan(&digest) {
            // On the branch head: one parent. Otherwise the base head, and the previous branch
            // head if there is one, so the branch only ever moves forward.
            let parents: Vec<String> = match &built_on {
                Some(head) => vec![head.clone()],
                None => std::iter::once(base_sha.clone())
                    .chain(state.head.clone())
                    .collect(),
            };
            let files: Vec<(String, String)> = publication
                .changes
                .iter()
                .map(|c| (c.path.clone(), c.after.clone()))
                .collect();
            let message = format!("{}\n{PLAN_TRAILER} {digest}\n", publication.message);
            let moved = write_commit(
                gh,
                &branch,
                state.head.as_deref(),
                &parents,
                &tree.sha,
                &files,
                &message,
            )
            .await?;
            match moved {
                Written::Done => created = state.head.is_none(),
                // Someone moved the branch first: look at everything again.
                Written::Raced => {
                    last_base = None;
                    continue;
                }
            }
        }
        let pr = open_or_update_pull(gh, &pull, created).await?;
        let url = pr
            .html_url
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default();
        out.output("pr-number", pr.number.to_string());
        out.output("pr-url", &url);
        out.summary
            .push_str(&format!("\nPull request: [#{}]({url})\n", pr.number));
        // NOTE: `base.sha` differing from the head we built on is only a hint that the base
        // moved while we worked; the next round reads the branch itself and rebuilds on it,
        // or finds it unchanged and stops.
        // See: <https://github.com/github/docs/issues/431>
        if pr.base.sha == base_sha {
            return Ok(out);
        }
        out.log.push(format!(
            "the pull request's base is {}, not {base_sha}; checking whether `{base_branch}` moved",
            pr.base.sha
        ));
        finished = Some(out);
    }
    Err(Stop::Failure(anyhow::anyhow!(
        "`{base_branch}` or `{branch}` kept moving; nothing was overwritten, re-run the job"
    )))
}

/// The branch against the base, or `None` when the base was only the run's `GITHUB_SHA` and the
/// branch exists: an existing branch is judged against the base as it is now, not as it was
/// when the run started (a re-run keeps its first `GITHUB_SHA`).
async fn judged_branch(
    gh: &GitHub,
    base_sha: &str,
    branch: &str,
    guessed: bool,
) -> Result<Option<BranchState>, Stop> {
    let head = branch_head(gh, branch).await?;
    if guessed && head.is_some() {
        return Ok(None);
    }
    branch_state(gh, base_sha, branch, head).await.map(Some)
}

/// The calls a real run makes, for a dry run to show.
fn calls(pull: &PullSpec, message: &str, files: usize) -> Vec<Call> {
    let mut calls = vec![
        Call::CreateTree { files },
        Call::CreateCommit {
            title: message.lines().next().unwrap_or_default().to_owned(),
        },
        Call::MoveBranch {
            branch: pull.branch.clone(),
        },
        Call::CreatePull {
            branch: pull.branch.clone(),
            base: pull.base.clone(),
            draft: pull.draft,
        },
    ];
    if !pull.labels.is_empty() {
        calls.push(Call::AddLabels);
    }
    if !pull.reviewers.is_empty() {
        calls.push(Call::RequestReviewers);
    }
    calls
}

/// Every change as a unified diff, each under a `# why` line.
pub fn render_diffs(changes: &[FileChange]) -> String {
    let mut text = String::new();
    for c in changes {
        let before = c.before.as_deref().unwrap_or("");
        let from = if c.before.is_some() {
            format!("a/{}", c.path)
        } else {
            "/dev/null".to_owned()
        };
        let diff = similar::TextDiff::from_lines(before, c.after.as_str());
        text.push_str(&format!("# {}\n", c.why));
        text.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&from, &format!("b/{}", c.path))
                .to_string(),
        );
        if !c.after.ends_with('\n') && !c.after.is_empty() {
            text.push_str("\n\\ No newline at end of file\n");
        }
    }
    text
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
