//! Repository-level history and events: listing commits, comparing two commits, and
//! repository dispatch events.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use crate::git::Signature;
use crate::render;
use crate::state::{Dispatch, Repo};

use super::{error, Reply, Req};

fn matches_person(sig: &Signature, who: &str) -> bool {
    sig.email.eq_ignore_ascii_case(who) || sig.name.eq_ignore_ascii_case(who)
}

pub(super) fn list_commits(repo: &Repo, req: &mut Req<'_>) -> Reply {
    if repo.is_empty() {
        return req.conflict("Git Repository is empty.");
    }
    let start = req.query("sha").unwrap_or(&repo.default_branch).to_string();
    let Some(head) = repo.resolve_commit(&start) else {
        return error(
            404,
            &format!("No commit found for SHA: {start}"),
            req.docs(),
        );
    };
    let path = req.query("path").map(|p| p.trim_matches('/').to_string());
    let parse_time = |k: &str| {
        req.query(k)
            .and_then(|v| time::OffsetDateTime::parse(v, &Rfc3339).ok())
            .map(|t| t.unix_timestamp())
    };
    let (since, until) = (parse_time("since"), parse_time("until"));
    let author = req.query("author").map(str::to_string);
    let committer = req.query("committer").map(str::to_string);
    let mut items = Vec::new();
    for sha in repo.objects.log(&head) {
        let Some(c) = repo.objects.commit(&sha) else {
            continue;
        };
        if let Some(path) = path.as_deref().filter(|p| !p.is_empty()) {
            // History simplification: keep a commit only when the path differs
            // from every parent (a root commit counts when the path exists).
            let mine = repo.objects.entry_at(&c.tree, path);
            let touched = if c.parents.is_empty() {
                mine.is_some()
            } else {
                c.parents.iter().all(|p| {
                    let theirs = repo
                        .objects
                        .commit(p)
                        .and_then(|pc| repo.objects.entry_at(&pc.tree, path));
                    theirs != mine
                })
            };
            if !touched {
                continue;
            }
        }
        if since.is_some_and(|s| c.committer.time < s)
            || until.is_some_and(|u| c.committer.time > u)
        {
            continue;
        }
        if author
            .as_deref()
            .is_some_and(|a| !matches_person(&c.author, a))
        {
            continue;
        }
        if committer
            .as_deref()
            .is_some_and(|a| !matches_person(&c.committer, a))
        {
            continue;
        }
        items.push(render::commit(&req.ctx, repo, &sha, c));
    }
    req.paginate(items)
}

pub(super) fn compare(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let basehead = req.param("basehead").to_string();
    let Some((base_name, head_name)) = basehead.split_once("...") else {
        return req.not_found();
    };
    let strip_owner = |s: &str| -> String {
        match s.split_once(':') {
            Some((owner, rest)) if owner.eq_ignore_ascii_case(&repo.owner) => rest.to_string(),
            _ => s.to_string(),
        }
    };
    let (Some(base), Some(head)) = (
        repo.resolve_commit(&strip_owner(base_name)),
        repo.resolve_commit(&strip_owner(head_name)),
    ) else {
        return req.not_found();
    };
    let head_anc = repo.objects.ancestors(&head);
    let base_anc = repo.objects.ancestors(&base);
    let ahead: Vec<String> = repo
        .objects
        .log(&head)
        .into_iter()
        .filter(|c| !base_anc.contains(c))
        .rev()
        .collect();
    let behind_by = base_anc.difference(&head_anc).count();
    let status = match (ahead.len(), behind_by) {
        (0, 0) => "identical",
        (_, 0) => "ahead",
        (0, _) => "behind",
        _ => "diverged",
    };
    let merge_base = repo
        .objects
        .merge_base(&base, &head)
        .unwrap_or_else(|| base.clone());
    let commit_json = |sha: &str| {
        repo.objects
            .commit(sha)
            .map(|c| render::commit(&req.ctx, repo, sha, c))
            .unwrap_or(Value::Null)
    };
    let mut commits: Vec<Value> = ahead.iter().map(|s| commit_json(s)).collect();
    if req.query("per_page").is_some() || req.query("page").is_some() {
        let per_page = req
            .query("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page = req
            .query("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        commits = commits
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
    } else {
        commits.truncate(250);
    }
    let files = render::diff_entries(
        &req.ctx,
        repo,
        &repo.files_of(Some(&merge_base)),
        &repo.files_of(Some(&head)),
        &head,
    );
    let api = format!("{}/repos/{}/{}", req.ctx.api, repo.owner, repo.name);
    let html = format!("{}/{}/{}", req.ctx.html, repo.owner, repo.name);
    Reply::json(
        200,
        json!({
            "url": format!("{api}/compare/{basehead}"),
            "html_url": format!("{html}/compare/{basehead}"),
            "permalink_url": format!("{html}/compare/{}:{base}...{}:{head}", repo.owner, repo.owner),
            "diff_url": format!("{html}/compare/{basehead}.diff"),
            "patch_url": format!("{html}/compare/{basehead}.patch"),
            "base_commit": commit_json(&base),
            "merge_base_commit": commit_json(&merge_base),
            "status": status,
            "ahead_by": ahead.len(),
            "behind_by": behind_by,
            "total_commits": ahead.len(),
            "commits": commits,
            "files": files
        }),
    )
}
pub(super) fn dispatch(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    repo.dispatches.push(Dispatch {
        event_type: req.body_str("event_type").unwrap_or_default().to_string(),
        client_payload: req
            .body
            .and_then(|b| b.get("client_payload"))
            .cloned()
            .unwrap_or(Value::Null),
    });
    Reply::no_content()
}
