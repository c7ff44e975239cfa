//! `promote` through the GitHub API: read the base branch head, commit the plan with the Git
//! Data API on `release-action/promote/<chart>-<to>`, and open or update the pull request.
//!
//! Safety rules:
//! - Files are read from the base branch head, never from a possibly stale checkout: one
//!   recursive tree listing gives every blob id, local files with the same id are the base's
//!   bytes, and only the others are fetched.
//! - The branch is only ever moved by a fast-forward (`force: false`), so a writer racing us
//!   makes the update fail instead of being overwritten. A new commit on an existing branch has
//!   two parents, the base head and the previous branch head: the update is a fast-forward,
//!   nothing is lost, and the pull request's diff (against the merge base, the base head) shows
//!   exactly the promotion.
//! - A branch holding any commit without our `Release-Action-Plan:` trailer is never touched.
//! - A re-run whose plan (base commit, chart, environments, version) is already on the branch
//!   and whose pull request is up to date makes no write at all.

use std::collections::BTreeMap;

use serde_json::Value;

use super::connect::{api_failure, default_branch};
use super::promote::{outcome_for, plan_promotion, render_plan_text, PromotePlan, PromoteRequest};
use super::publish::{
    base_head, branch_state, open_or_update_pull, read_at, write_commit, PullSpec, Written,
    PLAN_TRAILER,
};
use super::workspace::Workspace;
use super::{Outcome, RunEnv, Stop};
use crate::adapters::fs::{MAX_CHANGELOG, MAX_SMALL_FILE};
use crate::adapters::github::{blob_sha, encode, encode_path, GitHub};

/// How many times a race with another writer is retried before giving up cleanly.
const MAX_ROUNDS: usize = 3;

/// Runs `promote` against GitHub (`dry_run`: read through the API, write nothing).
pub async fn promote_via_api(
    ws: &Workspace,
    req: &PromoteRequest,
    env: &RunEnv,
    gh: &GitHub,
) -> Result<Outcome, Stop> {
    let base_branch = default_branch(gh, env).await?;
    let mut last_base = None;
    let mut finished: Option<Outcome> = None;
    for _round in 0..MAX_ROUNDS {
        let base_sha = base_head(gh, &base_branch).await?;
        if last_base.as_deref() == Some(base_sha.as_str()) {
            // The base did not move after all: the pull request's `base.sha` lags behind the
            // branch on GitHub (it is refreshed asynchronously), and the work is on the head.
            if let Some(out) = finished.take() {
                return Ok(out);
            }
            break;
        }
        last_base = Some(base_sha.clone());
        let (plan, base_tree) = plan_from_base(ws, req, env, gh, &base_sha).await?;
        let mut out = outcome_for(&plan);
        if plan.decision.already_done {
            out.log.push(format!(
                "`{}` already runs `{}` {}: nothing to do",
                plan.decision.to, plan.decision.chart, plan.decision.version
            ));
            return Ok(out);
        }
        if req.dry_run {
            out.stdout = render_plan_text(&plan, true);
            out.stdout
                .push_str(&render_api_calls(gh, &plan, &base_branch));
            out.log.push("dry run: nothing was written".into());
            return Ok(out);
        }
        let digest = plan_digest(&base_sha, &plan);
        let created = commit_plan(gh, &plan, &base_sha, &base_tree, &digest).await?;
        let spec = PullSpec {
            branch: plan.branch.clone(),
            base: base_branch.clone(),
            title: plan.title.clone(),
            body: plan.body.clone(),
            draft: plan.draft,
            labels: ws.config.labels.clone(),
            reviewers: ws
                .config
                .reviewers
                .get(&plan.decision.to)
                .cloned()
                .unwrap_or_default(),
        };
        let pr = open_or_update_pull(gh, &spec, created).await?;
        let number = pr.get("number").and_then(Value::as_u64).unwrap_or_default();
        let url = pr
            .get("html_url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        out.output("pr-number", number.to_string());
        out.output("pr-url", &url);
        out.summary
            .push_str(&format!("\nPull request: [#{number}]({url})\n"));
        // NOTE: `base.sha` differing from the head we built on is only a hint that the base
        // moved while we worked; the next round reads the branch itself and rebuilds on it,
        // or finds it unchanged and stops.
        // See: <https://github.com/github/docs/issues/431>
        let pr_base = pr
            .pointer("/base/sha")
            .and_then(Value::as_str)
            .unwrap_or(&base_sha)
            .to_owned();
        if pr_base == base_sha {
            return Ok(out);
        }
        out.log.push(format!(
            "the pull request's base is {pr_base}, not {base_sha}; checking whether `{base_branch}` moved"
        ));
        finished = Some(out);
    }
    Err(Stop::Failure(anyhow::anyhow!(
        "`{base_branch}` kept moving while promoting; nothing was lost, re-run the job"
    )))
}

/// Reads what the plan needs from the base commit, then plans.
async fn plan_from_base(
    ws: &Workspace,
    req: &PromoteRequest,
    env: &RunEnv,
    gh: &GitHub,
    base_sha: &str,
) -> Result<(PromotePlan, String), Stop> {
    let (root_tree, blobs) = gh.tree(base_sha).await.map_err(api_failure)?;
    let tree: BTreeMap<String, String> = blobs
        .into_iter()
        .map(|(path, sha, _)| (path, sha))
        .collect();
    let mut wanted: Vec<String> = ws
        .config
        .environments
        .iter()
        .map(|e| ws.bom_path(e))
        .collect();
    if let Some(c) = ws.component(&req.chart) {
        wanted.extend(c.chart_path());
        wanted.push(c.changelog.clone());
    }
    let limit = |p: &str| {
        if p.ends_with(".md") {
            MAX_CHANGELOG
        } else {
            MAX_SMALL_FILE
        }
    };
    let files = read_at(gh, &ws.repo, base_sha, &tree, &wanted, limit).await?;
    let soak = soak_elapsed(ws, req, env, gh, base_sha).await?;
    let read = |p: &str| Ok(files.get(p).cloned());
    plan_promotion(ws, req, env, read, read, soak).map(|plan| (plan, root_tree))
}

/// Time since the source environment's bill of materials last changed, when soak applies.
async fn soak_elapsed(
    ws: &Workspace,
    req: &PromoteRequest,
    env: &RunEnv,
    gh: &GitHub,
    base_sha: &str,
) -> Result<Option<std::time::Duration>, Stop> {
    let from = req
        .from
        .clone()
        .or_else(|| ws.config.previous_environment(&req.to).map(str::to_owned));
    let Some(from) = from else { return Ok(None) };
    if !ws.config.soak.contains_key(&from) {
        return Ok(None);
    }
    let path = gh.repo_path(&format!(
        "/commits?sha={base_sha}&path={}&per_page=1",
        encode(&ws.bom_path(&from))
    ));
    let commits = gh.get(&path).await.map_err(api_failure)?;
    let date = commits
        .pointer("/0/commit/committer/date")
        .and_then(Value::as_str)
        .and_then(|d| {
            time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok()
        });
    Ok(date.map(|d| {
        let secs = (env.now - d.unix_timestamp()).max(0);
        std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    }))
}

/// A stable id of what the commit carries: same base, chart, path and version → same id.
fn plan_digest(base_sha: &str, plan: &PromotePlan) -> String {
    let d = &plan.decision;
    let text = format!(
        "{base_sha}\n{}\n{}\n{}\n{}",
        d.chart,
        d.from.as_deref().unwrap_or("-"),
        d.to,
        d.version
    );
    blob_sha(text.as_bytes())
}

/// Puts the plan on the branch: creates it, fast-forwards it, or finds it already there.
/// Returns whether the branch was created by this call.
async fn commit_plan(
    gh: &GitHub,
    plan: &PromotePlan,
    base_sha: &str,
    base_tree: &str,
    digest: &str,
) -> Result<bool, Stop> {
    let branch = &plan.branch;
    let message = format!(
        "{}\n\n{}\n\n{PLAN_TRAILER} {digest}\n",
        plan.title,
        plan.changes
            .iter()
            .map(|c| format!("- {}: {}", c.path, c.why))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let files: Vec<(String, String)> = plan
        .changes
        .iter()
        .map(|c| (c.path.clone(), c.after.clone()))
        .collect();
    for _ in 0..MAX_ROUNDS {
        let state = branch_state(gh, base_sha, branch).await?;
        if state.behind_by == 0 && state.head_has_plan(digest) {
            return Ok(false);
        }
        // On an existing branch the new commit has two parents, the base head and the previous
        // branch head: the update is a fast-forward and the diff against the base is the plan.
        let parents: Vec<String> = std::iter::once(base_sha.to_owned())
            .chain(state.head.clone())
            .collect();
        match write_commit(
            gh,
            branch,
            state.head.as_deref(),
            &parents,
            base_tree,
            &files,
            &message,
        )
        .await?
        {
            Written::Done => return Ok(state.head.is_none()),
            Written::Raced => continue,
        }
    }
    Err(Stop::Failure(anyhow::anyhow!(
        "branch `{branch}` kept moving while promoting; nothing was overwritten, re-run the job"
    )))
}

/// The API calls a real run would make, for `--dry-run`.
fn render_api_calls(gh: &GitHub, plan: &PromotePlan, base_branch: &str) -> String {
    let r = |p: &str| gh.repo_path(p);
    let mut calls = vec![
        format!(
            "POST {}  (tree: {} file(s) on the base tree)",
            r("/git/trees"),
            plan.changes.len()
        ),
        format!("POST {}  (commit \"{}\")", r("/git/commits"), plan.title),
        format!(
            "POST {} or PATCH {}  (fast-forward only)",
            r("/git/refs"),
            r(&format!("/git/refs/heads/{}", encode_path(&plan.branch)))
        ),
        format!(
            "POST {}  ({}{} → {base_branch})",
            r("/pulls"),
            if plan.draft { "draft, " } else { "" },
            plan.branch
        ),
        format!("POST {}  (labels)", r("/issues/{number}/labels")),
        format!(
            "POST {}  (reviewers)",
            r("/pulls/{number}/requested_reviewers")
        ),
    ];
    calls.insert(0, "# API calls a real run makes:".into());
    calls.join("\n") + "\n"
}
