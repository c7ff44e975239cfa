//! The operations the fake serves, one handler per operation of
//! `openapi-subset.json`, with GitHub's status codes, error bodies and
//! pagination.
//!
//! Each handler receives a request that already passed the contract check
//! (operation, parameters, body schema); it enforces GitHub's semantic rules
//! on top (fast-forward-only ref updates, one open pull request per head and
//! base, drafts hidden from get-by-tag, …) and records any request GitHub
//! would reject for its form as a violation.
//! See: <https://docs.github.com/rest> and `shared/github-api/README.md`.

use std::collections::BTreeMap;

use base64::Engine as _;
use percent_encoding::{AsciiSet, CONTROLS};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use crate::git::{self, CommitObject, Leaf, Mode, Object, Signature};
use crate::render::{self, Ctx};
use crate::spec::Route;
use crate::state::{now, set_path, Asset, Comment, Dispatch, Label, Pull, Release, Repo, State};

/// Characters escaped in paths placed in URLs (`/` is kept).
pub(crate) const PATH_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The body of a reply.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Json(Value),
    Raw(Vec<u8>, String),
    Empty,
}

/// A reply before the server adds its common headers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    fn created(body: Value, location: String) -> Reply {
        Reply {
            status: 201,
            headers: vec![("location".into(), location)],
            body: Body::Json(body),
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }
}

/// GitHub's `basic-error` body.
pub(crate) fn error(status: u16, message: &str, docs: &str) -> Reply {
    Reply::json(
        status,
        json!({ "message": message, "documentation_url": docs, "status": status.to_string() }),
    )
}

/// A request that passed the contract check.
pub(crate) struct Req<'a> {
    pub(crate) ctx: Ctx,
    pub(crate) route: &'a Route,
    pub(crate) params: &'a BTreeMap<String, String>,
    pub(crate) query: &'a [(String, String)],
    pub(crate) body: Option<&'a Value>,
    pub(crate) raw_body: &'a [u8],
    pub(crate) accept: &'a str,
    pub(crate) content_type: Option<&'a str>,
    /// Absolute URL of the requested path, for `Link` headers.
    pub(crate) link_base: String,
    /// Requests GitHub would reject for their form, found by the handler.
    pub(crate) violations: Vec<String>,
    /// Requests GitHub would accept but partly ignore, found by the handler.
    pub(crate) warnings: Vec<String>,
}

impl Req<'_> {
    fn param(&self, name: &str) -> &str {
        self.params
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn body_str(&self, name: &str) -> Option<&str> {
        self.body.and_then(|b| b.get(name)).and_then(Value::as_str)
    }

    fn body_bool(&self, name: &str) -> Option<bool> {
        self.body.and_then(|b| b.get(name)).and_then(Value::as_bool)
    }

    fn docs(&self) -> &str {
        &self.route.docs_url
    }

    fn not_found(&self) -> Reply {
        error(404, "Not Found", self.docs())
    }

    fn unprocessable(&self, message: &str) -> Reply {
        error(422, message, self.docs())
    }

    fn conflict(&self, message: &str) -> Reply {
        error(409, message, self.docs())
    }

    fn validation_failed(&self, errors: Vec<Value>) -> Reply {
        Reply::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": errors,
                "documentation_url": self.docs(),
                "status": "422"
            }),
        )
    }

    /// Records a violation and answers 422 with GitHub's "Invalid request" body.
    fn invalid(&mut self, reason: String) -> Reply {
        let reply = self.unprocessable(&format!("Invalid request.\n\n{reason}"));
        self.violations.push(reason);
        reply
    }

    /// One page of `items` with GitHub's `Link` header.
    fn paginate(&self, items: Vec<Value>) -> Reply {
        let per_page = self
            .query("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page = self
            .query("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let slice: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let mut reply = Reply::json(200, Value::Array(slice));
        let mut links = Vec::new();
        if page > 1 {
            links.push((self.page_url(page.min(last + 1) - 1), "prev"));
        }
        if page < last {
            links.push((self.page_url(page + 1), "next"));
            links.push((self.page_url(last), "last"));
        }
        if page > 1 {
            links.push((self.page_url(1), "first"));
        }
        if !links.is_empty() {
            let value = links
                .iter()
                .map(|(url, rel)| format!("<{url}>; rel=\"{rel}\""))
                .collect::<Vec<_>>()
                .join(", ");
            reply.headers.push(("link".into(), value));
        }
        reply
    }

    fn page_url(&self, page: usize) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let mut pairs: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        pairs.push(format!("page={page}"));
        format!("{}?{}", self.link_base, pairs.join("&"))
    }
}

fn parse_signature(v: Option<&Value>, fallback: &Signature) -> Signature {
    let Some(v) = v else {
        return fallback.clone();
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (time, offset) = text("date")
        .and_then(|d| time::OffsetDateTime::parse(&d, &Rfc3339).ok())
        .map(|d| (d.unix_timestamp(), i32::from(d.offset().whole_minutes())))
        .unwrap_or((fallback.time, fallback.offset_minutes));
    Signature {
        name: text("name").unwrap_or_else(|| fallback.name.clone()),
        email: text("email").unwrap_or_else(|| fallback.email.clone()),
        time,
        offset_minutes: offset,
    }
}

/// Whether `name` is a ref name GitHub accepts in create-ref (`git check-ref-format` rules).
fn valid_ref_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("refs/") else {
        return false;
    };
    if !rest.contains('/')
        || name.ends_with('/')
        || name.ends_with('.')
        || name.contains("..")
        || name.contains("//")
        || name.contains("@{")
    {
        return false;
    }
    if name.chars().any(|c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return false;
    }
    name.split('/')
        .all(|part| !part.is_empty() && !part.starts_with('.') && !part.ends_with(".lock"))
}

/// Whether a tree path is well formed (no empty, `.` or `..` components).
fn valid_tree_path(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != ".." && p != ".git")
}

fn next_id(ids: &mut u64) -> u64 {
    *ids += 1;
    *ids
}

/// Dispatches a checked request to its handler.
pub(crate) fn handle(state: &mut State, req: &mut Req<'_>) -> Reply {
    let key = (
        req.param("owner").to_ascii_lowercase(),
        req.param("repo").to_ascii_lowercase(),
    );
    let viewer = state.viewer.clone();
    let viewer_sig = state.viewer_signature(now());
    let ids = &mut state.next_id;
    let Some(repo) = state.repos.get_mut(&key) else {
        return req.not_found();
    };
    let op = req.route.operation_id.clone();
    match op.as_str() {
        "repos/get" => Reply::json(200, render::repository(&req.ctx, repo)),
        "repos/get-content" => get_content(repo, req),
        "git/get-ref" => get_ref(repo, req),
        "git/list-matching-refs" => list_matching_refs(repo, req),
        "git/create-ref" => create_ref(repo, req),
        "git/update-ref" => update_ref(repo, req),
        "git/delete-ref" => delete_ref(repo, req),
        "git/get-commit" => get_commit(repo, req),
        "git/create-commit" => create_commit(repo, req, &viewer_sig),
        "git/get-tree" => get_tree(repo, req),
        "git/create-tree" => create_tree(repo, req),
        "git/create-blob" => create_blob(repo, req),
        "git/get-tag" => get_tag(repo, req),
        "repos/list-commits" => list_commits(repo, req),
        "repos/compare-commits-with-basehead" => compare(repo, req),
        "pulls/list" => list_pulls(repo, req),
        "pulls/create" => create_pull(repo, req, next_id(ids), &viewer),
        "pulls/get" => get_pull(repo, req),
        "pulls/update" => update_pull(repo, req),
        "pulls/list-files" => pull_files(repo, req),
        "pulls/request-reviewers" => request_reviewers(repo, req),
        "issues/add-labels" => add_labels(repo, req, ids),
        "issues/create-comment" => create_comment(repo, req, next_id(ids), &viewer),
        "issues/get-label" => get_label(repo, req),
        "issues/create-label" => create_label(repo, req, next_id(ids)),
        "repos/list-releases" => list_releases(repo, req),
        "repos/create-release" => create_release(repo, req, next_id(ids), &viewer),
        "repos/get-release-by-tag" => release_by_tag(repo, req),
        "repos/get-latest-release" => latest_release(repo, req),
        "repos/update-release" => update_release(repo, req),
        "repos/upload-release-asset" => upload_asset(repo, req, next_id(ids), &viewer),
        "repos/create-dispatch-event" => dispatch(repo, req),
        other => error(
            501,
            &format!("the fake does not implement {other}"),
            req.docs(),
        ),
    }
}

// ---------------------------------------------------------------------------
// Contents
// ---------------------------------------------------------------------------

fn wants_raw(accept: &str) -> bool {
    accept.contains("application/vnd.github.raw")
        || accept.contains("application/vnd.github.v3.raw")
}

/// Resolves a symlink's target relative to the link's directory.
fn resolve_link(link_path: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link_path.split('/').collect();
    parts.pop();
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn get_content(repo: &Repo, req: &mut Req<'_>) -> Reply {
    if repo.is_empty() {
        return error(404, "This repository is empty.", req.docs());
    }
    let reference = req
        .query("ref")
        .map(str::to_string)
        .unwrap_or_else(|| repo.default_branch.clone());
    let Some(commit) = repo.resolve_commit(&reference) else {
        return error(
            404,
            &format!("No commit found for the ref {reference}"),
            req.docs(),
        );
    };
    let Some(tree) = repo.objects.commit(&commit).map(|c| c.tree.clone()) else {
        return req.not_found();
    };
    let path = req.param("path").trim_matches('/').to_string();
    let Some(leaf) = repo.objects.entry_at(&tree, &path) else {
        return req.not_found();
    };
    let raw = wants_raw(req.accept);
    let raw_type = if req.accept.contains("v3.raw") {
        "application/vnd.github.v3.raw; charset=utf-8"
    } else {
        "application/vnd.github.raw; charset=utf-8"
    };
    match leaf.0 {
        Mode::Tree => {
            let entries: Vec<Value> = repo
                .objects
                .tree(&leaf.1)
                .unwrap_or(&[])
                .iter()
                .map(|e| {
                    let child = if path.is_empty() {
                        e.name.clone()
                    } else {
                        format!("{path}/{}", e.name)
                    };
                    render::content_entry(
                        &req.ctx,
                        repo,
                        &child,
                        &(e.mode, e.sha.clone()),
                        &reference,
                        None,
                    )
                })
                .collect();
            Reply::json(200, Value::Array(entries))
        }
        Mode::File | Mode::Executable => {
            let bytes = repo.objects.blob(&leaf.1).unwrap_or_default();
            if raw {
                Reply {
                    status: 200,
                    headers: vec![("etag".into(), format!("\"{}\"", leaf.1))],
                    body: Body::Raw(bytes.to_vec(), raw_type.to_string()),
                }
            } else {
                Reply::json(
                    200,
                    render::content_entry(&req.ctx, repo, &path, &leaf, &reference, Some(bytes)),
                )
            }
        }
        Mode::Symlink => {
            let target = String::from_utf8_lossy(repo.objects.blob(&leaf.1).unwrap_or_default())
                .into_owned();
            // NOTE: GitHub answers a symlink to a regular file in the repository
            // with that file; any other symlink is described, not followed.
            let followed = resolve_link(&path, &target).and_then(|t| {
                repo.objects
                    .entry_at(&tree, &t)
                    .filter(|l| matches!(l.0, Mode::File | Mode::Executable))
                    .map(|l| (t, l))
            });
            match followed {
                Some((tpath, tleaf)) => {
                    let bytes = repo.objects.blob(&tleaf.1).unwrap_or_default();
                    if raw {
                        Reply {
                            status: 200,
                            headers: Vec::new(),
                            body: Body::Raw(bytes.to_vec(), raw_type.to_string()),
                        }
                    } else {
                        Reply::json(
                            200,
                            render::content_entry(
                                &req.ctx,
                                repo,
                                &tpath,
                                &tleaf,
                                &reference,
                                Some(bytes),
                            ),
                        )
                    }
                }
                None => {
                    let mut v =
                        render::content_entry(&req.ctx, repo, &path, &leaf, &reference, None);
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("target".into(), json!(target));
                    }
                    Reply::json(200, v)
                }
            }
        }
        Mode::Submodule => {
            let mut v = render::content_entry(&req.ctx, repo, &path, &leaf, &reference, None);
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "submodule_git_url".into(),
                    json!(format!("{}/{}/{}.git", req.ctx.html, repo.owner, path)),
                );
            }
            Reply::json(200, v)
        }
    }
}

// ---------------------------------------------------------------------------
// Git refs
// ---------------------------------------------------------------------------

fn get_ref(repo: &Repo, req: &mut Req<'_>) -> Reply {
    if repo.is_empty() {
        return req.conflict("Git Repository is empty.");
    }
    let full = format!("refs/{}", req.param("ref"));
    match repo.refs.get(&full) {
        Some(sha) => Reply::json(200, render::git_ref(&req.ctx, repo, &full, sha)),
        None => req.not_found(),
    }
}

fn list_matching_refs(repo: &Repo, req: &mut Req<'_>) -> Reply {
    if repo.is_empty() {
        return req.conflict("Git Repository is empty.");
    }
    let prefix = format!("refs/{}", req.param("ref"));
    let refs: Vec<Value> = repo
        .refs
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .map(|(name, sha)| render::git_ref(&req.ctx, repo, name, sha))
        .collect();
    Reply::json(200, Value::Array(refs))
}

fn create_ref(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let full = req.body_str("ref").unwrap_or_default().to_string();
    let sha = req.body_str("sha").unwrap_or_default().to_string();
    if !valid_ref_name(&full) {
        return req.invalid(format!(
            "`{full}` is not a valid ref name: it must be a full name such as `refs/heads/<branch>`"
        ));
    }
    if !git::is_full_sha(&sha) || repo.objects.get(&sha).is_none() {
        return req.unprocessable("Object does not exist");
    }
    if repo.refs.contains_key(&full) {
        return req.unprocessable("Reference already exists");
    }
    repo.set_ref(&full, Some(sha.clone()));
    let body = render::git_ref(&req.ctx, repo, &full, &sha);
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

fn update_ref(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let full = format!("refs/{}", req.param("ref"));
    let sha = req.body_str("sha").unwrap_or_default().to_string();
    let force = req.body_bool("force").unwrap_or(false);
    let Some(old) = repo.refs.get(&full).cloned() else {
        return req.unprocessable("Reference does not exist");
    };
    if !git::is_full_sha(&sha) || repo.objects.get(&sha).is_none() {
        return req.unprocessable("Object does not exist");
    }
    if !force && old != sha && !repo.objects.is_ancestor(&old, &sha) {
        return req.unprocessable("Update is not a fast forward");
    }
    repo.set_ref(&full, Some(sha.clone()));
    Reply::json(200, render::git_ref(&req.ctx, repo, &full, &sha))
}

fn delete_ref(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let full = format!("refs/{}", req.param("ref"));
    if !repo.refs.contains_key(&full) {
        return req.unprocessable("Reference does not exist");
    }
    if let Some(branch) = full.strip_prefix("refs/heads/") {
        let closing: Vec<u64> = repo
            .pulls
            .iter()
            .filter(|p| p.open && p.head_ref == branch)
            .map(|p| p.number)
            .collect();
        for number in closing {
            repo.snapshot_pull(number);
        }
    }
    repo.set_ref(&full, None);
    Reply::no_content()
}

// ---------------------------------------------------------------------------
// Git objects
// ---------------------------------------------------------------------------

fn get_commit(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let sha = repo
        .objects
        .expand(req.param("commit_sha"))
        .unwrap_or_default();
    match repo.objects.commit(&sha) {
        Some(c) => Reply::json(200, render::git_commit(&req.ctx, repo, &sha, c)),
        None => req.not_found(),
    }
}

fn create_commit(repo: &mut Repo, req: &mut Req<'_>, viewer: &Signature) -> Reply {
    let tree = req.body_str("tree").unwrap_or_default().to_string();
    if repo.objects.tree(&tree).is_none() {
        return req.unprocessable("Tree SHA does not exist");
    }
    let parents: Vec<String> = req
        .body
        .and_then(|b| b.get("parents"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if parents.iter().any(|p| repo.objects.commit(p).is_none()) {
        return req.unprocessable("Parent SHA does not exist or is not a commit object");
    }
    let author = parse_signature(req.body.and_then(|b| b.get("author")), viewer);
    let committer = parse_signature(req.body.and_then(|b| b.get("committer")), &author);
    let commit = CommitObject {
        tree,
        parents,
        author,
        committer,
        message: req.body_str("message").unwrap_or_default().to_string(),
        gpgsig: req.body_str("signature").map(str::to_string),
    };
    let sha = repo.objects.put(Object::Commit(commit.clone()));
    let body = render::git_commit(&req.ctx, repo, &sha, &commit);
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

fn tree_listing(
    repo: &Repo,
    tree: &str,
    prefix: &str,
    recursive: bool,
    out: &mut Vec<(String, Mode, String, Option<usize>)>,
) {
    for entry in repo.objects.tree(tree).unwrap_or(&[]) {
        let path = format!("{prefix}{}", entry.name);
        let size = match entry.mode {
            Mode::Tree | Mode::Submodule => None,
            _ => Some(repo.objects.blob(&entry.sha).map_or(0, <[u8]>::len)),
        };
        out.push((path.clone(), entry.mode, entry.sha.clone(), size));
        if recursive && entry.mode == Mode::Tree && out.len() < 100_000 {
            tree_listing(repo, &entry.sha, &format!("{path}/"), true, out);
        }
    }
}

fn get_tree(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let wanted = req.param("tree_sha");
    let Some(tree) = repo
        .resolve(wanted)
        .and_then(|s| repo.objects.peel_to_tree(&s))
    else {
        return req.not_found();
    };
    // NOTE: any value of `recursive` (even `0` or `false`) turns recursion on.
    // See: https://docs.github.com/rest/git/trees#get-a-tree
    let recursive = req.query("recursive").is_some();
    let mut entries = Vec::new();
    tree_listing(repo, &tree, "", recursive, &mut entries);
    Reply::json(200, render::git_tree(&req.ctx, repo, &tree, &entries))
}

fn create_tree(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let mut flat: BTreeMap<String, Leaf> = BTreeMap::new();
    if let Some(base) = req.body_str("base_tree").map(str::to_string) {
        match repo.objects.tree(&base) {
            Some(_) => flat = repo.objects.flatten(&base),
            None => return req.unprocessable(&format!("base_tree {base} is not a valid tree oid")),
        }
    }
    let entries: Vec<Value> = req
        .body
        .and_then(|b| b.get("tree"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("tree[{i}]");
        let path = entry.get("path").and_then(Value::as_str);
        let mode = entry
            .get("mode")
            .and_then(Value::as_str)
            .and_then(Mode::from_api);
        let kind = entry.get("type").and_then(Value::as_str);
        let (Some(path), Some(mode), Some(kind)) = (path, mode, kind) else {
            return req.invalid(format!("{at} must have `path`, `mode` and `type`"));
        };
        if !valid_tree_path(path) {
            return req.invalid(format!(
                "{at}.path {path:?} contains a malformed path component"
            ));
        }
        if mode.object_type() != kind {
            return req.invalid(format!(
                "{at}: mode `{}` does not go with type `{kind}`",
                mode.api()
            ));
        }
        let has_content = entry.get("content").is_some();
        let sha = entry.get("sha");
        match (sha, has_content) {
            (Some(_), true) => {
                return req.invalid(format!("{at} must not have both `sha` and `content`"));
            }
            (None, false) => {
                return req.invalid(format!("{at} must have either `sha` or `content`"));
            }
            (Some(Value::Null), false) => {
                set_path(&mut flat, path, None);
            }
            (Some(sha), false) => {
                let sha = sha.as_str().unwrap_or_default().to_string();
                match mode {
                    Mode::Tree => {
                        if repo.objects.tree(&sha).is_none() {
                            return req
                                .unprocessable(&format!("tree.sha {sha} is not a valid tree"));
                        }
                        set_path(&mut flat, path, None);
                        for (sub, leaf) in repo.objects.flatten(&sha) {
                            flat.insert(format!("{path}/{sub}"), leaf);
                        }
                    }
                    Mode::Submodule => set_path(&mut flat, path, Some((mode, sha))),
                    _ => {
                        if repo.objects.blob(&sha).is_none() {
                            return req
                                .unprocessable(&format!("tree.sha {sha} is not a valid blob"));
                        }
                        set_path(&mut flat, path, Some((mode, sha)));
                    }
                }
            }
            (None, true) => {
                if kind != "blob" {
                    return req.invalid(format!("{at}: `content` is only allowed for blobs"));
                }
                let content = entry
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let blob = repo.put_blob(content.as_bytes().to_vec());
                set_path(&mut flat, path, Some((mode, blob)));
            }
        }
    }
    let sha = repo.objects.build_tree(&flat);
    let mut listing = Vec::new();
    tree_listing(repo, &sha, "", false, &mut listing);
    let body = render::git_tree(&req.ctx, repo, &sha, &listing);
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

fn create_blob(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
    let content = req.body_str("content").unwrap_or_default();
    let bytes = match req.body_str("encoding").unwrap_or("utf-8") {
        "utf-8" | "utf8" => content.as_bytes().to_vec(),
        "base64" => {
            let cleaned: String = content.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(cleaned) {
                Ok(b) => b,
                Err(_) => return req.invalid("content is not valid base64".to_string()),
            }
        }
        other => {
            return req.invalid(format!(
                "encoding {other:?} is not supported: use `utf-8` or `base64`"
            ));
        }
    };
    let sha = repo.put_blob(bytes);
    let url = format!(
        "{}/repos/{}/{}/git/blobs/{sha}",
        req.ctx.api, repo.owner, repo.name
    );
    Reply::created(json!({ "url": url, "sha": sha }), url)
}

fn get_tag(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let sha = req.param("tag_sha");
    match repo.objects.tag(sha) {
        Some(t) => Reply::json(200, render::git_tag(&req.ctx, repo, sha, t)),
        None => req.not_found(),
    }
}

// ---------------------------------------------------------------------------
// Commits and comparisons
// ---------------------------------------------------------------------------

fn matches_person(sig: &Signature, who: &str) -> bool {
    sig.email.eq_ignore_ascii_case(who) || sig.name.eq_ignore_ascii_case(who)
}

fn list_commits(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

fn compare(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

// ---------------------------------------------------------------------------
// Pull requests
// ---------------------------------------------------------------------------

fn find_pull<'r>(repo: &'r Repo, req: &Req<'_>) -> Option<&'r Pull> {
    let number: u64 = req.param("pull_number").parse().ok()?;
    repo.pulls.iter().find(|p| p.number == number)
}

fn list_pulls(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

fn create_pull(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
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
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

fn get_pull(repo: &Repo, req: &mut Req<'_>) -> Reply {
    match find_pull(repo, req) {
        Some(p) => Reply::json(200, render::pull(&req.ctx, repo, p, true)),
        None => req.not_found(),
    }
}

fn update_pull(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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

fn pull_files(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

fn request_reviewers(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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

// ---------------------------------------------------------------------------
// Issues: labels and comments
// ---------------------------------------------------------------------------

fn issue_number(repo: &Repo, req: &Req<'_>) -> Option<u64> {
    let number: u64 = req.param("issue_number").parse().ok()?;
    repo.pulls
        .iter()
        .any(|p| p.number == number)
        .then_some(number)
}

fn add_labels(repo: &mut Repo, req: &mut Req<'_>, ids: &mut u64) -> Reply {
    let Some(number) = issue_number(repo, req) else {
        return req.not_found();
    };
    let names: Vec<String> = req
        .body
        .and_then(|b| b.get("labels"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().or_else(|| v.get("name").and_then(Value::as_str)))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for name in &names {
        if repo.label(name).is_none() {
            repo.labels.push(Label {
                id: next_id(ids),
                name: name.clone(),
                color: "ededed".into(),
                description: None,
            });
        }
        let canonical = repo
            .label(name)
            .map(|l| l.name.clone())
            .unwrap_or_else(|| name.clone());
        if let Some(p) = repo.pulls.iter_mut().find(|p| p.number == number) {
            if !p.labels.iter().any(|l| l.eq_ignore_ascii_case(&canonical)) {
                p.labels.push(canonical);
            }
            p.updated_at = now();
        }
    }
    let labels: Vec<Value> = repo
        .pulls
        .iter()
        .find(|p| p.number == number)
        .map(|p| {
            p.labels
                .iter()
                .filter_map(|n| repo.label(n))
                .map(|l| render::label(&req.ctx, repo, l))
                .collect()
        })
        .unwrap_or_default();
    Reply::json(200, Value::Array(labels))
}

fn create_comment(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
    let Some(number) = issue_number(repo, req) else {
        return req.not_found();
    };
    let comment = Comment {
        id,
        number,
        body: req.body_str("body").unwrap_or_default().to_string(),
        user: viewer.to_string(),
        created_at: now(),
    };
    let body = render::comment(&req.ctx, repo, &comment);
    repo.comments.push(comment);
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

fn get_label(repo: &Repo, req: &mut Req<'_>) -> Reply {
    match repo.label(req.param("name")) {
        Some(l) => Reply::json(200, render::label(&req.ctx, repo, l)),
        None => req.not_found(),
    }
}

fn create_label(repo: &mut Repo, req: &mut Req<'_>, id: u64) -> Reply {
    let name = req.body_str("name").unwrap_or_default().to_string();
    let color = req.body_str("color").unwrap_or("ededed").to_string();
    if color.len() != 6 || !color.bytes().all(|b| b.is_ascii_hexdigit()) {
        req.violations.push(format!(
            "label color {color:?} is not six hex digits (without `#`)"
        ));
        return req.validation_failed(vec![
            json!({ "resource": "Label", "code": "invalid", "field": "color" }),
        ]);
    }
    if repo.label(&name).is_some() {
        return req.validation_failed(vec![
            json!({ "resource": "Label", "code": "already_exists", "field": "name" }),
        ]);
    }
    let label = Label {
        id,
        name,
        color: color.to_ascii_lowercase(),
        description: req.body_str("description").map(str::to_string),
    };
    let body = render::label(&req.ctx, repo, &label);
    repo.labels.push(label);
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

// ---------------------------------------------------------------------------
// Releases
// ---------------------------------------------------------------------------

fn list_releases(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

fn create_release(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
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
    let location = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Reply::created(body, location)
}

fn release_by_tag(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let tag = req.param("tag");
    // NOTE: drafts are invisible here, exactly as on GitHub.
    match repo.releases.iter().find(|r| !r.draft && r.tag_name == tag) {
        Some(r) => Reply::json(200, render::release(&req.ctx, repo, r)),
        None => req.not_found(),
    }
}

fn latest_release(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let found = repo
        .latest_release_id()
        .and_then(|id| repo.releases.iter().find(|r| r.id == id));
    match found {
        Some(r) => Reply::json(200, render::release(&req.ctx, repo, r)),
        None => req.not_found(),
    }
}

fn update_release(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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

fn upload_asset(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
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

fn dispatch(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names_follow_check_ref_format() {
        let cases = [
            ("refs/heads/main", true),
            ("refs/heads/release-action/promote/a-staging", true),
            ("refs/tags/v1.0.0-frontend", true),
            ("heads/main", false),
            ("refs/main", false),
            ("refs/heads/a..b", false),
            ("refs/heads/a b", false),
            ("refs/heads/x.lock", false),
            ("refs/heads/.hidden", false),
            ("refs/heads/", false),
        ];
        for (name, ok) in cases {
            assert_eq!(valid_ref_name(name), ok, "{name}");
        }
    }

    #[test]
    fn symlink_targets_resolve_relative_to_the_link() {
        assert_eq!(
            resolve_link("a/b/link", "../c.txt").as_deref(),
            Some("a/c.txt")
        );
        assert_eq!(resolve_link("link", "./x").as_deref(), Some("x"));
        assert_eq!(resolve_link("link", "../../etc/passwd"), None);
        assert_eq!(resolve_link("link", "/etc/passwd"), None);
    }
}
