//! Releases: list, create, get by tag (drafts hidden), latest, update, and asset uploads.

use serde_json::json;

use crate::git;
use crate::render;
use crate::state::{now, Asset, Release, Repo};

use super::{Body, Reply, Req};

pub(super) fn list_releases(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let mut releases: Vec<&Release> = repo.releases.iter().collect();
    releases.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    let items = releases
        .into_iter()
        .map(|r| render::release(&req.ctx, repo, r))
        .collect();
    req.paginate(items)
}

fn release_exists_error(req: &Req<'_>) -> Reply {
    req.validation_failed(vec![
        json!({ "resource": "Release", "code": "already_exists", "field": "tag_name" }),
    ])
}

pub(super) fn create_release(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
    let tag = req.body_str("tag_name").unwrap_or_default().to_string();
    if tag.is_empty() {
        return req.validation_failed(vec![
            json!({ "resource": "Release", "code": "missing_field", "field": "tag_name" }),
        ]);
    }
    if repo.releases.iter().any(|r| r.tag_name == tag) {
        return release_exists_error(req);
    }
    let target = req
        .body_str("target_commitish")
        .map(str::to_string)
        .unwrap_or_else(|| repo.default_branch.clone());
    let draft = req.body_bool("draft").unwrap_or(false);
    let tag_exists = repo.refs.contains_key(&format!("refs/tags/{tag}"));
    if !tag_exists && repo.resolve_commit(&target).is_none() {
        return req.validation_failed(vec![
            json!({ "resource": "Release", "code": "invalid", "field": "target_commitish" }),
        ]);
    }
    if !draft && repo.ensure_release_tag(&tag, &target).is_err() {
        return req.validation_failed(vec![
            json!({ "resource": "Release", "code": "invalid", "field": "target_commitish" }),
        ]);
    }
    let t = now();
    repo.releases.push(Release {
        id,
        tag_name: tag,
        target_commitish: target,
        name: req.body_str("name").map(str::to_string),
        body: req.body_str("body").map(str::to_string),
        draft,
        prerelease: req.body_bool("prerelease").unwrap_or(false),
        created_at: t,
        published_at: (!draft).then_some(t),
        updated_at: t,
        author: viewer.to_string(),
        assets: Vec::new(),
        not_latest: false,
    });
    let make_latest = req.body_str("make_latest").unwrap_or("true").to_string();
    repo.apply_make_latest(id, Some(&make_latest));
    let Some(r) = repo.releases.iter().find(|r| r.id == id) else {
        return req.not_found();
    };
    let body = render::release(&req.ctx, repo, r);
    Reply::created_at_its_url(body)
}

pub(super) fn release_by_tag(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let tag = req.param("tag");
    // NOTE: drafts are invisible here, exactly as on GitHub.
    match repo.releases.iter().find(|r| !r.draft && r.tag_name == tag) {
        Some(r) => Reply::json(200, render::release(&req.ctx, repo, r)),
        None => req.not_found(),
    }
}

pub(super) fn latest_release(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let found = repo
        .latest_release_id()
        .and_then(|id| repo.releases.iter().find(|r| r.id == id));
    match found {
        Some(r) => Reply::json(200, render::release(&req.ctx, repo, r)),
        None => req.not_found(),
    }
}

pub(super) fn update_release(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let Ok(id) = req.param("release_id").parse::<u64>() else {
        return req.not_found();
    };
    let Some(current) = repo.releases.iter().find(|r| r.id == id).cloned() else {
        return req.not_found();
    };
    let tag = req
        .body_str("tag_name")
        .map(str::to_string)
        .unwrap_or(current.tag_name.clone());
    if tag != current.tag_name
        && repo
            .releases
            .iter()
            .any(|r| r.id != id && r.tag_name == tag)
    {
        return release_exists_error(req);
    }
    let target = req
        .body_str("target_commitish")
        .map(str::to_string)
        .unwrap_or(current.target_commitish.clone());
    let draft = req.body_bool("draft").unwrap_or(current.draft);
    let publishing = current.draft && !draft;
    if !draft && repo.ensure_release_tag(&tag, &target).is_err() {
        return req.validation_failed(vec![
            json!({ "resource": "Release", "code": "invalid", "field": "target_commitish" }),
        ]);
    }
    let t = now();
    let (name, body, prerelease) = (
        req.body_str("name").map(str::to_string),
        req.body_str("body").map(str::to_string),
        req.body_bool("prerelease"),
    );
    let Some(r) = repo.releases.iter_mut().find(|r| r.id == id) else {
        return req.not_found();
    };
    r.tag_name = tag;
    r.target_commitish = target;
    r.draft = draft;
    if let Some(name) = name {
        r.name = Some(name);
    }
    if let Some(body) = body {
        r.body = Some(body);
    }
    if let Some(pre) = prerelease {
        r.prerelease = pre;
    }
    if publishing {
        r.published_at = Some(t);
    }
    r.updated_at = t;
    let make_latest = req
        .body_str("make_latest")
        .map(str::to_string)
        .or_else(|| publishing.then(|| "true".to_string()));
    repo.apply_make_latest(id, make_latest.as_deref());
    let Some(r) = repo.releases.iter().find(|r| r.id == id) else {
        return req.not_found();
    };
    Reply::json(200, render::release(&req.ctx, repo, r))
}

pub(super) fn upload_asset(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
    let Ok(release_id) = req.param("release_id").parse::<u64>() else {
        return req.not_found();
    };
    let name = req.query("name").unwrap_or_default().to_string();
    let label = req.query("label").map(str::to_string);
    let content_type = req
        .content_type
        .unwrap_or("application/octet-stream")
        .to_string();
    let size = req.raw_body.len();
    let Some(r) = repo.releases.iter_mut().find(|r| r.id == release_id) else {
        return req.not_found();
    };
    if r.assets.iter().any(|a| a.name == name) {
        return req.validation_failed(vec![
            json!({ "resource": "ReleaseAsset", "code": "already_exists", "field": "name" }),
        ]);
    }
    r.assets.push(Asset {
        id,
        name,
        label,
        content_type,
        size,
        digest: format!("sha1:{}", git::object_id("blob", req.raw_body)),
        uploader: viewer.to_string(),
        created_at: now(),
    });
    let Some(r) = repo.releases.iter().find(|r| r.id == release_id) else {
        return req.not_found();
    };
    let Some(a) = r.assets.last() else {
        return req.not_found();
    };
    Reply {
        status: 201,
        headers: Vec::new(),
        body: Body::Json(render::asset(&req.ctx, repo, r, a)),
    }
}
