//! Repository contents: `repos/get-content`, files, directories, symlinks and submodules, as
//! JSON or raw bytes.

use serde_json::{json, Value};

use crate::git::Mode;
use crate::render;
use crate::state::Repo;

use super::{error, Body, Reply, Req};

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

pub(super) fn get_content(repo: &Repo, req: &mut Req<'_>) -> Reply {
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

#[cfg(test)]
mod tests {
    use super::*;

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
