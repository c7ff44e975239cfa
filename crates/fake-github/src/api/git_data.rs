//! The Git Data API: refs (get, list, create, fast-forward-only update, delete) and the
//! objects they point at (commits, trees, blobs, annotated tags).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use crate::git::{self, CommitObject, Leaf, Mode, Object, Signature};
use crate::render;
use crate::state::{set_path, Repo};

use super::{Reply, Req};

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

pub(super) fn get_ref(repo: &Repo, req: &mut Req<'_>) -> Reply {
    if repo.is_empty() {
        return req.conflict("Git Repository is empty.");
    }
    let full = format!("refs/{}", req.param("ref"));
    match repo.refs.get(&full) {
        Some(sha) => Reply::json(200, render::git_ref(&req.ctx, repo, &full, sha)),
        None => req.not_found(),
    }
}

pub(super) fn list_matching_refs(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

pub(super) fn create_ref(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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
    Reply::created_at_its_url(body)
}

pub(super) fn update_ref(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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

pub(super) fn delete_ref(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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
pub(super) fn get_commit(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let sha = repo
        .objects
        .expand(req.param("commit_sha"))
        .unwrap_or_default();
    match repo.objects.commit(&sha) {
        Some(c) => Reply::json(200, render::git_commit(&req.ctx, repo, &sha, c)),
        None => req.not_found(),
    }
}

pub(super) fn create_commit(repo: &mut Repo, req: &mut Req<'_>, viewer: &Signature) -> Reply {
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
    Reply::created_at_its_url(body)
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

pub(super) fn get_tree(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

pub(super) fn create_tree(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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
    Reply::created_at_its_url(body)
}

pub(super) fn create_blob(repo: &mut Repo, req: &mut Req<'_>) -> Reply {
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

pub(super) fn get_tag(repo: &Repo, req: &mut Req<'_>) -> Reply {
    let sha = req.param("tag_sha");
    match repo.objects.tag(sha) {
        Some(t) => Reply::json(200, render::git_tag(&req.ctx, repo, sha, t)),
        None => req.not_found(),
    }
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
}
