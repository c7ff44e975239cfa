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

use serde_json::{json, Value};

use super::connect::{api_failure, default_branch};
use super::promote::{outcome_for, plan_promotion, render_plan_text, PromotePlan, PromoteRequest};
use super::workspace::Workspace;
use super::{Outcome, RunEnv, Stop};
use crate::adapters::fs::{MAX_CHANGELOG, MAX_SMALL_FILE};
use crate::adapters::github::{blob_sha, encode, encode_path, GitHub};
use crate::domain::diagnostic::Diagnostic;

/// The commit-message trailer that marks our commits and records the plan they carry.
pub const PLAN_TRAILER: &str = "Release-Action-Plan:";

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
    for _round in 0..MAX_ROUNDS {
        let base_sha = gh
            .branch_sha(&base_branch)
            .await
            .map_err(api_failure)?
            .ok_or_else(|| {
                Stop::Failure(anyhow::anyhow!(
                    "the base branch `{base_branch}` does not exist on GitHub"
                ))
            })?;
        if last_base.as_deref() == Some(base_sha.as_str()) {
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
        let committed = commit_plan(gh, &plan, &base_sha, &base_tree, &digest).await?;
        let pr = open_or_update_pull(ws, gh, &plan, &base_branch, committed.created_branch).await?;
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
        // The base moved while we worked: rebuild on the new head (next round).
        let pr_base = pr
            .pointer("/base/sha")
            .and_then(Value::as_str)
            .unwrap_or(&base_sha);
        if pr_base == base_sha {
            return Ok(out);
        }
        out.log.push(format!(
            "`{base_branch}` moved to {pr_base} while promoting; rebuilding on it"
        ));
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
    let mut files = BTreeMap::new();
    for path in wanted {
        let Some(sha) = tree.get(&path) else { continue };
        let limit = if path.ends_with(".md") {
            MAX_CHANGELOG
        } else {
            MAX_SMALL_FILE
        };
        // The local file is the base's when its blob id matches: no request needed.
        let local = ws
            .repo
            .read(&path, limit)
            .ok()
            .flatten()
            .filter(|t| &blob_sha(t.as_bytes()) == sha);
        let text = match local {
            Some(t) => t,
            None => {
                let bytes = gh
                    .file_bytes(&path, base_sha)
                    .await
                    .map_err(api_failure)?
                    .unwrap_or_default();
                if bytes.len() as u64 > limit {
                    return Err(Stop::findings(vec![Diagnostic::error("file/refused", format!("`{path}` is {} bytes on the base branch; files over {limit} bytes are refused", bytes.len())).in_file(&path)]));
                }
                String::from_utf8(bytes).map_err(|_| {
                    Stop::findings(vec![Diagnostic::error(
                        "file/refused",
                        format!("`{path}` on the base branch is not valid UTF-8"),
                    )
                    .in_file(&path)])
                })?
            }
        };
        files.insert(path, text);
    }
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

struct Committed {
    created_branch: bool,
}

/// Puts the plan on the branch: creates it, fast-forwards it, or finds it already there.
async fn commit_plan(
    gh: &GitHub,
    plan: &PromotePlan,
    base_sha: &str,
    base_tree: &str,
    digest: &str,
) -> Result<Committed, Stop> {
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
    for _ in 0..MAX_ROUNDS {
        let head = gh.branch_sha(branch).await.map_err(api_failure)?;
        let parents = match &head {
            None => vec![base_sha.to_owned()],
            Some(head) => {
                let cmp = gh
                    .get(&gh.repo_path(&format!("/compare/{base_sha}...{head}")))
                    .await
                    .map_err(api_failure)?;
                let ahead = cmp
                    .get("commits")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let foreign: Vec<String> = ahead
                    .iter()
                    .filter(|c| {
                        !c.pointer("/commit/message")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .contains(PLAN_TRAILER)
                    })
                    .filter_map(|c| {
                        c.get("sha")
                            .and_then(Value::as_str)
                            .map(|s| s.chars().take(12).collect())
                    })
                    .collect();
                if !foreign.is_empty() {
                    return Err(Stop::findings(vec![Diagnostic::error(
                        "promotion/foreign-commits",
                        format!("branch `{branch}` holds commits release-action did not make ({}); it is never overwritten", foreign.join(", ")),
                    )
                    .with_help(format!("merge or close its pull request, or delete the branch `{branch}`, then re-run"))]));
                }
                let behind = cmp.get("behind_by").and_then(Value::as_u64).unwrap_or(1);
                let head_has_plan = ahead
                    .last()
                    .and_then(|c| c.pointer("/commit/message").and_then(Value::as_str))
                    .is_some_and(|m| m.contains(&format!("{PLAN_TRAILER} {digest}")));
                if behind == 0 && head_has_plan {
                    return Ok(Committed {
                        created_branch: false,
                    });
                }
                vec![base_sha.to_owned(), head.clone()]
            }
        };
        let files: Vec<(String, String)> = plan
            .changes
            .iter()
            .map(|c| (c.path.clone(), c.after.clone()))
            .collect();
        let tree = gh
            .create_tree(base_tree, &files)
            .await
            .map_err(api_failure)?;
        let body = json!({ "message": message, "tree": tree, "parents": parents });
        let commit = gh
            .post(&gh.repo_path("/git/commits"), &body)
            .await
            .map_err(api_failure)?;
        let sha = commit
            .get("sha")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let moved = match &head {
            None => gh.create_branch(branch, &sha).await,
            Some(_) => gh.update_branch(branch, &sha, false).await,
        };
        match moved {
            Ok(()) => {
                return Ok(Committed {
                    created_branch: head.is_none(),
                })
            }
            // Someone created or moved the branch meanwhile: look again (and refuse if foreign).
            Err(e) if e.status() == Some(422) => continue,
            Err(e) => return Err(api_failure(e)),
        }
    }
    Err(Stop::Failure(anyhow::anyhow!(
        "branch `{branch}` kept moving while promoting; nothing was overwritten, re-run the job"
    )))
}

/// Opens the pull request, or brings the open one up to date.
async fn open_or_update_pull(
    ws: &Workspace,
    gh: &GitHub,
    plan: &PromotePlan,
    base_branch: &str,
    new_branch: bool,
) -> Result<Value, Stop> {
    let owner = gh.repo.split('/').next().unwrap_or_default().to_owned();
    let find = || async {
        let path = gh.repo_path(&format!(
            "/pulls?head={}&base={}&state=open",
            encode(&format!("{owner}:{}", plan.branch)),
            encode(base_branch)
        ));
        gh.get_all(&path, 5)
            .await
            .map(|prs| prs.into_iter().next())
            .map_err(api_failure)
    };
    let existing = if new_branch { None } else { find().await? };
    let pr = match existing {
        Some(pr) => {
            let number = pr.get("number").and_then(Value::as_u64).unwrap_or_default();
            let same = pr.get("title").and_then(Value::as_str) == Some(plan.title.as_str())
                && pr.get("body").and_then(Value::as_str).unwrap_or_default() == plan.body;
            let pr = if same {
                pr
            } else {
                gh.patch(
                    &gh.repo_path(&format!("/pulls/{number}")),
                    &json!({ "title": plan.title, "body": plan.body }),
                )
                .await
                .map_err(api_failure)?
            };
            add_missing_labels(ws, gh, &pr).await?;
            return Ok(pr);
        }
        None => {
            let create = json!({ "title": plan.title, "head": plan.branch, "base": base_branch, "body": plan.body, "draft": plan.draft, "maintainer_can_modify": false });
            match gh.post(&gh.repo_path("/pulls"), &create).await {
                Ok(pr) => pr,
                Err(e) if e.status() == Some(422) && e.message().contains("already exists") => {
                    return match find().await? {
                        Some(pr) => Ok(pr),
                        None => Err(api_failure(e)),
                    }
                }
                Err(e) => return Err(api_failure(e)),
            }
        }
    };
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or_default();
    add_missing_labels(ws, gh, &pr).await?;
    let reviewers = ws
        .config
        .reviewers
        .get(&plan.decision.to)
        .cloned()
        .unwrap_or_default();
    if !reviewers.is_empty() {
        let (teams, users): (Vec<String>, Vec<String>) = reviewers
            .into_iter()
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
    Ok(pr)
}

async fn add_missing_labels(ws: &Workspace, gh: &GitHub, pr: &Value) -> Result<(), Stop> {
    let have: Vec<&str> = pr
        .get("labels")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .filter_map(|l| l.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&String> = ws
        .config
        .labels
        .iter()
        .filter(|l| !have.contains(&l.as_str()))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or_default();
    gh.post(
        &gh.repo_path(&format!("/issues/{number}/labels")),
        &json!({ "labels": missing }),
    )
    .await
    .map_err(api_failure)
    .map(|_| ())
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
