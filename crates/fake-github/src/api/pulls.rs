//! Pull requests: list, create (one open per head and base), get, update, changed files, and
//! review requests.

use serde_json::{json, Value};

use crate::render;
use crate::state::{now, Pull, Repo};

use super::{Body, Reply, Req};

fn find_pull<'r>(repo: &'r Repo, req: &Req<'_>) -> Option<&'r Pull> {
    let number: u64 = req.param("pull_number").parse().ok()?;
    repo.pulls.iter().find(|p| p.number == number)
}

pub(super) fn list_pulls(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let state = req.query("state").unwrap_or("open").to_string();
    let mut head_filter: Option<(String, String)> = None;
    if let Some(head) = req.query("head") {
        match head.split_once(':') {
            Some((owner, branch)) => head_filter = Some((owner.to_string(), branch.to_string())),
            None => {
                // NOTE: GitHub ignores a `head` filter without `owner:`, so the
                // list silently covers every branch; the fake does the same.
                req.warnings.push(format!(
                    "head filter {head:?} lacks the `owner:` prefix; GitHub ignores it and lists every pull request"
                ));
            }
        }
    }
    let base = req.query("base").map(str::to_string);
    let sort = req.query("sort").unwrap_or("created").to_string();
    let default_dir = if sort == "created" { "desc" } else { "asc" };
    let direction = req.query("direction").unwrap_or(default_dir).to_string();
    let mut pulls: Vec<&Pull> = repo
        .pulls
        .iter()
        .filter(|p| match state.as_str() {
            "open" => p.open,
            "closed" => !p.open,
            _ => true,
        })
        .filter(|p| match &head_filter {
            Some((owner, branch)) => {
                owner.eq_ignore_ascii_case(&repo.owner) && &p.head_ref == branch
            }
            None => true,
        })
        .filter(|p| base.as_ref().is_none_or(|b| &p.base_ref == b))
        .collect();
    pulls.sort_by_key(|p| match sort.as_str() {
        "updated" => (p.updated_at, p.number),
        _ => (p.created_at, p.number),
    });
    if direction == "desc" {
        pulls.reverse();
    }
    let items = pulls
        .into_iter()
        .map(|p| render::pull(&req.ctx, repo, p, false))
        .collect();
    req.paginate(items)
}

pub(super) fn create_pull(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
    let head_raw = req.body_str("head").unwrap_or_default().to_string();
    let base = req.body_str("base").unwrap_or_default().to_string();
    let field_error = |field: &str, code: &str| json!({ "resource": "PullRequest", "field": field, "code": code });
    let head = match head_raw.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => branch.to_string(),
        Some(_) => return req.validation_failed(vec![field_error("head", "invalid")]),
        None => head_raw.clone(),
    };
    let title = req.body_str("title").map(str::to_string);
    if req.body.and_then(|b| b.get("issue")).is_some() {
        return req.validation_failed(vec![field_error("issue", "invalid")]);
    }
    let Some(title) = title else {
        return req.validation_failed(vec![field_error("title", "missing_field")]);
    };
    let Some(base_sha) = repo.branch(&base) else {
        return req.validation_failed(vec![field_error("base", "invalid")]);
    };
    let Some(head_sha) = repo.branch(&head) else {
        return req.validation_failed(vec![field_error("head", "invalid")]);
    };
    if repo
        .pulls
        .iter()
        .any(|p| p.open && p.head_ref == head && p.base_ref == base)
    {
        return req.validation_failed(vec![json!({
            "resource": "PullRequest",
            "code": "custom",
            "message": format!("A pull request already exists for {}:{head}.", repo.owner)
        })]);
    }
    if repo.objects.is_ancestor(&head_sha, &base_sha) {
        return req.validation_failed(vec![json!({
            "resource": "PullRequest",
            "code": "custom",
            "message": format!("No commits between {base} and {head}")
        })]);
    }
    let t = now();
    let number = repo.next_number;
    repo.next_number += 1;
    repo.pulls.push(Pull {
        number,
        id,
        title,
        body: req.body_str("body").map(str::to_string),
        draft: req.body_bool("draft").unwrap_or(false),
        open: true,
        head_ref: head,
        base_ref: base,
        head_sha,
        base_sha,
        labels: Vec::new(),
        reviewers: Vec::new(),
        teams: Vec::new(),
        user: viewer.to_string(),
        maintainer_can_modify: req.body_bool("maintainer_can_modify").unwrap_or(false),
        created_at: t,
        updated_at: t,
        closed_at: None,
    });
    let Some(pull) = repo.pulls.last() else {
        return req.not_found();
    };
    let body = render::pull(&req.ctx, repo, pull, true);
    Reply::created_at_its_url(body)
}

pub(super) fn get_pull(repo: &Repo, req: &mut Req<'_>) -> Reply {
    match find_pull(repo, req) {
        Some(p) => Reply::json(200, render::pull(&req.ctx, repo, p, true)),
        None => req.not_found(),
    }
}

pub(super) fn update_pull(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let Some(number) = find_pull(repo, req).map(|p| p.number) else {
        return req.not_found();
    };
    if let Some(base) = req.body_str("base") {
        if repo.branch(base).is_none() {
            return req.validation_failed(vec![
                json!({ "resource": "PullRequest", "field": "base", "code": "invalid" }),
            ]);
        }
    }
    let new_state = req.body_str("state").map(str::to_string);
    if new_state.as_deref() == Some("closed") {
        repo.snapshot_pull(number);
    }
    if new_state.as_deref() == Some("open") {
        let Some(p) = repo.pulls.iter().find(|p| p.number == number) else {
            return req.not_found();
        };
        if !p.open {
            if repo.branch(&p.head_ref).is_none() {
                return req
                    .unprocessable("state cannot be changed. The head branch has been deleted.");
            }
            if repo
                .pulls
                .iter()
                .any(|o| o.open && o.head_ref == p.head_ref && o.base_ref == p.base_ref)
            {
                return req.validation_failed(vec![json!({
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": format!("A pull request already exists for {}:{}.", repo.owner, p.head_ref)
                })]);
            }
        }
    }
    let t = now();
    let (title, body, base, mcm) = (
        req.body_str("title").map(str::to_string),
        req.body_str("body").map(str::to_string),
        req.body_str("base").map(str::to_string),
        req.body_bool("maintainer_can_modify"),
    );
    let new_base_sha = base.as_deref().and_then(|b| repo.branch(b));
    let Some(p) = repo.pulls.iter_mut().find(|p| p.number == number) else {
        return req.not_found();
    };
    if let Some(sha) = new_base_sha {
        p.base_sha = sha;
    }
    if let Some(title) = title {
        p.title = title;
    }
    if let Some(body) = body {
        p.body = Some(body);
    }
    if let Some(base) = base {
        p.base_ref = base;
    }
    if let Some(m) = mcm {
        p.maintainer_can_modify = m;
    }
    match new_state.as_deref() {
        Some("closed") if p.open => {
            p.open = false;
            p.closed_at = Some(t);
        }
        Some("open") if !p.open => {
            p.open = true;
            p.closed_at = None;
        }
        _ => {}
    }
    p.updated_at = t;
    let Some(p) = repo.pulls.iter().find(|p| p.number == number) else {
        return req.not_found();
    };
    Reply::json(200, render::pull(&req.ctx, repo, p, true))
}

pub(super) fn pull_files(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let Some(p) = find_pull(repo, req) else {
        return req.not_found();
    };
    let (head, base) = repo.pull_shas(p);
    let merge_base = repo.objects.merge_base(&base, &head);
    let files = render::diff_entries(
        &req.ctx,
        repo,
        &repo.files_of(merge_base.as_deref()),
        &repo.files_of(Some(&head)),
        &head,
    );
    req.paginate(files)
}

pub(super) fn request_reviewers(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let Some(number) = find_pull(repo, req).map(|p| p.number) else {
        return req.not_found();
    };
    let list = |key: &str| -> Vec<String> {
        req.body
            .and_then(|b| b.get(key))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (reviewers, teams) = (list("reviewers"), list("team_reviewers"));
    let author = repo
        .pulls
        .iter()
        .find(|p| p.number == number)
        .map(|p| p.user.clone())
        .unwrap_or_default();
    if reviewers.iter().any(|r| r.eq_ignore_ascii_case(&author)) {
        return req.unprocessable("Review cannot be requested from pull request author.");
    }
    if let Some(allowed) = &repo.collaborators {
        if reviewers
            .iter()
            .any(|r| !allowed.iter().any(|a| a.eq_ignore_ascii_case(r)))
        {
            return req.unprocessable(&format!(
                "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {} repository.",
                repo.full_name()
            ));
        }
    }
    let Some(p) = repo.pulls.iter_mut().find(|p| p.number == number) else {
        return req.not_found();
    };
    for r in reviewers {
        if !p.reviewers.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
            p.reviewers.push(r);
        }
    }
    for t in teams {
        if !p.teams.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
            p.teams.push(t);
        }
    }
    p.updated_at = now();
    let Some(p) = repo.pulls.iter().find(|p| p.number == number) else {
        return req.not_found();
    };
    let body = render::pull(&req.ctx, repo, p, false);
    Reply {
        status: 201,
        headers: Vec::new(),
        body: Body::Json(body),
    }
}
