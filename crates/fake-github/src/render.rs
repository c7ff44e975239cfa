//! JSON bodies in the shapes GitHub returns: users, repositories, refs, git
//! commits, trees, tags, commits, comparisons, diff entries, contents, pull
//! requests, labels, comments, releases and assets.
//!
//! Field sets follow the schemas of `openapi-subset.json` (every required
//! field present) and the recorded bodies in `shared/github-api/fixtures/`.
//! See: <https://docs.github.com/rest>.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::git::{CommitObject, Leaf, Mode, Signature, TagObject};
use crate::state::{Asset, Comment, Label, Pull, Release, Repo};

/// Base addresses for the links in a response.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    /// API root as the client addressed it (with `/api/v3` for GHES-style requests).
    pub(crate) api: String,
    /// Web root.
    pub(crate) html: String,
}

/// RFC 3339 UTC timestamp with second precision, as GitHub writes them.
pub(crate) fn timestamp(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

fn node_id(kind: &str, id: u64) -> String {
    let raw = format!("fake:{kind}:{id}");
    format!(
        "{kind}_{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw)
    )
}

/// A stable numeric id for a login.
pub(crate) fn user_id(login: &str) -> u64 {
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in login.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    10_000_000 + h % 90_000_000
}

/// A `simple-user`.
pub(crate) fn user(ctx: &Ctx, login: &str) -> Value {
    let id = user_id(login);
    let api = format!("{}/users/{login}", ctx.api);
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("U", id),
        "avatar_url": format!("{}/avatars/u/{id}?v=4", ctx.html),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("{}/{login}", ctx.html),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": if login.ends_with("[bot]") { "Bot" } else { "User" },
        "user_view_type": "public",
        "site_admin": false
    })
}

fn repo_api(ctx: &Ctx, repo: &Repo) -> String {
    format!("{}/repos/{}/{}", ctx.api, repo.owner, repo.name)
}

fn repo_html(ctx: &Ctx, repo: &Repo) -> String {
    format!("{}/{}/{}", ctx.html, repo.owner, repo.name)
}

/// A `full-repository` (also a valid `repository`).
pub(crate) fn repository(ctx: &Ctx, repo: &Repo) -> Value {
    let api = repo_api(ctx, repo);
    let html = repo_html(ctx, repo);
    let full = repo.full_name();
    let open_issues = repo.pulls.iter().filter(|p| p.open).count();
    let host = ctx
        .html
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    json!({
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": full,
        "private": true,
        "owner": user(ctx, &repo.owner),
        "html_url": html,
        "description": null,
        "fork": false,
        "url": api,
        "forks_url": format!("{api}/forks"),
        "keys_url": format!("{api}/keys{{/key_id}}"),
        "collaborators_url": format!("{api}/collaborators{{/collaborator}}"),
        "teams_url": format!("{api}/teams"),
        "hooks_url": format!("{api}/hooks"),
        "issue_events_url": format!("{api}/issues/events{{/number}}"),
        "events_url": format!("{api}/events"),
        "assignees_url": format!("{api}/assignees{{/user}}"),
        "branches_url": format!("{api}/branches{{/branch}}"),
        "tags_url": format!("{api}/tags"),
        "blobs_url": format!("{api}/git/blobs{{/sha}}"),
        "git_tags_url": format!("{api}/git/tags{{/sha}}"),
        "git_refs_url": format!("{api}/git/refs{{/sha}}"),
        "trees_url": format!("{api}/git/trees{{/sha}}"),
        "statuses_url": format!("{api}/statuses/{{sha}}"),
        "languages_url": format!("{api}/languages"),
        "stargazers_url": format!("{api}/stargazers"),
        "contributors_url": format!("{api}/contributors"),
        "subscribers_url": format!("{api}/subscribers"),
        "subscription_url": format!("{api}/subscription"),
        "commits_url": format!("{api}/commits{{/sha}}"),
        "git_commits_url": format!("{api}/git/commits{{/sha}}"),
        "comments_url": format!("{api}/comments{{/number}}"),
        "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
        "contents_url": format!("{api}/contents/{{+path}}"),
        "compare_url": format!("{api}/compare/{{base}}...{{head}}"),
        "merges_url": format!("{api}/merges"),
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "downloads_url": format!("{api}/downloads"),
        "issues_url": format!("{api}/issues{{/number}}"),
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "milestones_url": format!("{api}/milestones{{/number}}"),
        "notifications_url": format!("{api}/notifications{{?since,all,participating}}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "releases_url": format!("{api}/releases{{/id}}"),
        "deployments_url": format!("{api}/deployments"),
        "created_at": timestamp(repo.created_at),
        "updated_at": timestamp(repo.pushed_at),
        "pushed_at": timestamp(repo.pushed_at),
        "git_url": format!("git://{host}/{full}.git"),
        "ssh_url": format!("git@{host}:{full}.git"),
        "clone_url": format!("{html}.git"),
        "svn_url": html,
        "homepage": null,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "has_issues": true,
        "has_projects": true,
        "has_downloads": true,
        "has_wiki": true,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": false,
        "disabled": false,
        "open_issues_count": open_issues,
        "license": null,
        "allow_forking": true,
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": [],
        "visibility": "private",
        "forks": 0,
        "open_issues": open_issues,
        "watchers": 0,
        "default_branch": repo.default_branch,
        "permissions": { "admin": false, "maintain": false, "push": true, "triage": true, "pull": true },
        "allow_squash_merge": true,
        "allow_merge_commit": true,
        "allow_rebase_merge": true,
        "allow_auto_merge": false,
        "delete_branch_on_merge": false,
        "allow_update_branch": false,
        "temp_clone_token": "",
        "network_count": 0,
        "subscribers_count": 0
    })
}

/// A `git-ref`.
pub(crate) fn git_ref(ctx: &Ctx, repo: &Repo, full: &str, sha: &str) -> Value {
    let api = repo_api(ctx, repo);
    let kind = repo.objects.kind(sha).unwrap_or("commit");
    let short = full.strip_prefix("refs/").unwrap_or(full);
    json!({
        "ref": full,
        "node_id": node_id("REF", crate::render::user_id(&format!("{}:{full}", repo.id))),
        "url": format!("{api}/git/refs/{short}"),
        "object": { "sha": sha, "type": kind, "url": format!("{api}/git/{kind}s/{sha}") }
    })
}

fn signature(sig: &Signature) -> Value {
    json!({ "name": sig.name, "email": sig.email, "date": timestamp(sig.time) })
}

fn verification() -> Value {
    json!({ "verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null })
}

/// A `git-commit`.
pub(crate) fn git_commit(ctx: &Ctx, repo: &Repo, sha: &str, c: &CommitObject) -> Value {
    let api = repo_api(ctx, repo);
    let html = repo_html(ctx, repo);
    json!({
        "sha": sha,
        "node_id": node_id("C", crate::render::user_id(sha)),
        "url": format!("{api}/git/commits/{sha}"),
        "html_url": format!("{html}/commit/{sha}"),
        "author": signature(&c.author),
        "committer": signature(&c.committer),
        "message": c.message,
        "tree": { "sha": c.tree, "url": format!("{api}/git/trees/{}", c.tree) },
        "parents": c.parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{api}/git/commits/{p}"),
            "html_url": format!("{html}/commit/{p}")
        })).collect::<Vec<_>>(),
        "verification": verification()
    })
}

/// A `commit` (the repos API form used by list-commits and compare).
pub(crate) fn commit(ctx: &Ctx, repo: &Repo, sha: &str, c: &CommitObject) -> Value {
    let api = repo_api(ctx, repo);
    let html = repo_html(ctx, repo);
    json!({
        "url": format!("{api}/commits/{sha}"),
        "sha": sha,
        "node_id": node_id("C", crate::render::user_id(sha)),
        "html_url": format!("{html}/commit/{sha}"),
        "comments_url": format!("{api}/commits/{sha}/comments"),
        "commit": {
            "url": format!("{api}/git/commits/{sha}"),
            "author": signature(&c.author),
            "committer": signature(&c.committer),
            "message": c.message,
            "comment_count": 0,
            "tree": { "sha": c.tree, "url": format!("{api}/git/trees/{}", c.tree) },
            "verification": verification()
        },
        "author": null,
        "committer": null,
        "parents": c.parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{api}/commits/{p}"),
            "html_url": format!("{html}/commit/{p}")
        })).collect::<Vec<_>>()
    })
}

/// A `git-tree`; `entries` are `(path, mode, sha, size)`.
pub(crate) fn git_tree(
    ctx: &Ctx,
    repo: &Repo,
    sha: &str,
    entries: &[(String, Mode, String, Option<usize>)],
) -> Value {
    let api = repo_api(ctx, repo);
    let tree: Vec<Value> = entries
        .iter()
        .map(|(path, mode, esha, size)| {
            let kind = mode.object_type();
            let mut v = json!({ "path": path, "mode": mode.api(), "type": kind, "sha": esha });
            if let Some(obj) = v.as_object_mut() {
                if let Some(size) = size {
                    obj.insert("size".into(), json!(size));
                }
                if *mode != Mode::Submodule {
                    obj.insert("url".into(), json!(format!("{api}/git/{kind}s/{esha}")));
                }
            }
            v
        })
        .collect();
    json!({ "sha": sha, "url": format!("{api}/git/trees/{sha}"), "tree": tree, "truncated": false })
}

/// A `git-tag`.
pub(crate) fn git_tag(ctx: &Ctx, repo: &Repo, sha: &str, t: &TagObject) -> Value {
    let api = repo_api(ctx, repo);
    let tagger = t
        .tagger
        .as_ref()
        .map(signature)
        .unwrap_or_else(|| json!({ "name": "", "email": "", "date": timestamp(0) }));
    json!({
        "node_id": node_id("TAG", crate::render::user_id(sha)),
        "tag": t.tag,
        "sha": sha,
        "url": format!("{api}/git/tags/{sha}"),
        "message": t.message,
        "tagger": tagger,
        "object": { "sha": t.object, "type": t.kind, "url": format!("{api}/git/{}s/{}", t.kind, t.object) },
        "verification": verification()
    })
}

/// A `label`.
pub(crate) fn label(ctx: &Ctx, repo: &Repo, l: &Label) -> Value {
    let name_enc =
        percent_encoding::utf8_percent_encode(&l.name, percent_encoding::NON_ALPHANUMERIC);
    json!({
        "id": l.id,
        "node_id": node_id("LA", l.id),
        "url": format!("{}/labels/{name_enc}", repo_api(ctx, repo)),
        "name": l.name,
        "color": l.color,
        "default": false,
        "description": l.description
    })
}

/// An `issue-comment`.
pub(crate) fn comment(ctx: &Ctx, repo: &Repo, c: &Comment) -> Value {
    let api = repo_api(ctx, repo);
    json!({
        "id": c.id,
        "node_id": node_id("IC", c.id),
        "url": format!("{api}/issues/comments/{}", c.id),
        "html_url": format!("{}/pull/{}#issuecomment-{}", repo_html(ctx, repo), c.number, c.id),
        "body": c.body,
        "user": user(ctx, &c.user),
        "created_at": timestamp(c.created_at),
        "updated_at": timestamp(c.created_at),
        "issue_url": format!("{api}/issues/{}", c.number),
        "author_association": "CONTRIBUTOR"
    })
}

fn team(ctx: &Ctx, repo: &Repo, slug: &str) -> Value {
    let id = user_id(&format!("team:{slug}"));
    let org = format!("{}/orgs/{}/teams/{slug}", ctx.api, repo.owner);
    json!({
        "id": id,
        "node_id": node_id("T", id),
        "url": org,
        "members_url": format!("{org}/members{{/member}}"),
        "name": slug,
        "description": null,
        "permission": "push",
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "html_url": format!("{}/orgs/{}/teams/{slug}", ctx.html, repo.owner),
        "repositories_url": format!("{org}/repos"),
        "slug": slug,
        "parent": null,
        "type": "organization"
    })
}

/// Line counts and patch text of one changed text file.
fn diff_stats(old: &[u8], new: &[u8]) -> (usize, usize, Option<String>) {
    let (Ok(old), Ok(new)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return (0, 0, None);
    };
    let diff = similar::TextDiff::from_lines(old, new);
    let mut additions = 0;
    let mut deletions = 0;
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => additions += 1,
            similar::ChangeTag::Delete => deletions += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let mut patch = String::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        patch.push_str(&hunk.to_string());
    }
    (
        additions,
        deletions,
        Some(patch.trim_end_matches('\n').to_string()),
    )
}

/// `diff-entry`s between two flattened trees (GitHub's compare and pull files).
pub(crate) fn diff_entries(
    ctx: &Ctx,
    repo: &Repo,
    old: &BTreeMap<String, Leaf>,
    new: &BTreeMap<String, Leaf>,
    head_sha: &str,
) -> Vec<Value> {
    let api = repo_api(ctx, repo);
    let html = repo_html(ctx, repo);
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for path in paths {
        let before = old.get(path);
        let after = new.get(path);
        let (status, sha) = match (before, after) {
            (None, Some(a)) => ("added", a.1.clone()),
            (Some(b), None) => ("removed", b.1.clone()),
            (Some(b), Some(a)) if b == a => continue,
            (Some(_), Some(a)) => ("modified", a.1.clone()),
            (None, None) => continue,
        };
        let bytes = |leaf: Option<&Leaf>| {
            leaf.and_then(|l| repo.objects.blob(&l.1))
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
        };
        let (additions, deletions, patch) = diff_stats(&bytes(before), &bytes(after));
        let enc = percent_encoding::utf8_percent_encode(path, crate::api::PATH_SET).to_string();
        let mut v = json!({
            "sha": sha,
            "filename": path,
            "status": status,
            "additions": additions,
            "deletions": deletions,
            "changes": additions + deletions,
            "blob_url": format!("{html}/blob/{head_sha}/{enc}"),
            "raw_url": format!("{html}/raw/{head_sha}/{enc}"),
            "contents_url": format!("{api}/contents/{enc}?ref={head_sha}")
        });
        if let (Some(patch), Some(obj)) = (patch, v.as_object_mut()) {
            obj.insert("patch".into(), json!(patch));
        }
        out.push(v);
    }
    out
}

/// One entry of a contents listing, or the object for a file (`content` set).
pub(crate) fn content_entry(
    ctx: &Ctx,
    repo: &Repo,
    path: &str,
    leaf: &Leaf,
    reference: &str,
    content: Option<&[u8]>,
) -> Value {
    let api = repo_api(ctx, repo);
    let html = repo_html(ctx, repo);
    let (mode, sha) = leaf;
    let name = path.rsplit('/').next().unwrap_or(path);
    let enc = percent_encoding::utf8_percent_encode(path, crate::api::PATH_SET).to_string();
    let ref_enc =
        percent_encoding::utf8_percent_encode(reference, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let kind = match mode {
        Mode::Tree => "dir",
        Mode::Symlink => "symlink",
        Mode::Submodule => "submodule",
        Mode::File | Mode::Executable => "file",
    };
    let size = match mode {
        Mode::Tree | Mode::Submodule => 0,
        _ => repo.objects.blob(sha).map_or(0, <[u8]>::len),
    };
    let self_url = format!("{api}/contents/{enc}?ref={ref_enc}");
    let git_url = match mode {
        Mode::Tree => Some(format!("{api}/git/trees/{sha}")),
        Mode::Submodule => None,
        _ => Some(format!("{api}/git/blobs/{sha}")),
    };
    let html_url = match mode {
        Mode::Tree => format!("{html}/tree/{reference}/{enc}"),
        _ => format!("{html}/blob/{reference}/{enc}"),
    };
    let download_url = match mode {
        Mode::File | Mode::Executable | Mode::Symlink => {
            Some(format!("{html}/raw/{reference}/{enc}"))
        }
        _ => None,
    };
    let mut v = json!({
        "type": kind,
        "size": size,
        "name": name,
        "path": path,
        "sha": sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": download_url,
        "_links": { "self": self_url, "git": git_url, "html": html_url }
    });
    if let (Some(bytes), Some(obj)) = (content, v.as_object_mut()) {
        // NOTE: GitHub omits the content of files over 1 MB from this form
        // (encoding "none"); the raw media type still serves them.
        // See: https://docs.github.com/rest/repos/contents#get-repository-content
        if bytes.len() > 1024 * 1024 {
            obj.insert("content".into(), json!(""));
            obj.insert("encoding".into(), json!("none"));
        } else {
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            let wrapped: Vec<String> = b64
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            let mut text = wrapped.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            obj.insert("content".into(), json!(text));
            obj.insert("encoding".into(), json!("base64"));
        }
    }
    v
}

fn branch_side(ctx: &Ctx, repo: &Repo, branch: &str, sha: &str) -> Value {
    json!({
        "label": format!("{}:{branch}", repo.owner),
        "ref": branch,
        "sha": sha,
        "user": user(ctx, &repo.owner),
        "repo": repository(ctx, repo)
    })
}

/// Diff statistics of a pull request: `(commits, additions, deletions, changed_files)`.
pub(crate) fn pull_stats(repo: &Repo, head: &str, base: &str) -> (usize, usize, usize, usize) {
    let head_anc = repo.objects.ancestors(head);
    let base_anc = repo.objects.ancestors(base);
    let commits = head_anc.difference(&base_anc).count();
    let merge_base = repo.objects.merge_base(base, head);
    let old = repo.files_of(merge_base.as_deref());
    let new = repo.files_of(Some(head));
    let mut additions = 0;
    let mut deletions = 0;
    let mut changed = 0;
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let (b, a) = (old.get(path), new.get(path));
        if b == a {
            continue;
        }
        changed += 1;
        let bytes = |leaf: Option<&Leaf>| {
            leaf.and_then(|l| repo.objects.blob(&l.1))
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
        };
        let (add, del, _) = diff_stats(&bytes(b), &bytes(a));
        additions += add;
        deletions += del;
    }
    (commits, additions, deletions, changed)
}

/// A `pull-request-simple`, or with `full` a `pull-request`.
pub(crate) fn pull(ctx: &Ctx, repo: &Repo, p: &Pull, full: bool) -> Value {
    let api = repo_api(ctx, repo);
    let html = repo_html(ctx, repo);
    let url = format!("{api}/pulls/{}", p.number);
    let html_url = format!("{html}/pull/{}", p.number);
    let issue_url = format!("{api}/issues/{}", p.number);
    let (head_sha, base_sha) = repo.pull_shas(p);
    // NOTE: the pull request schemas type a label's description as a plain
    // string (the label endpoints allow null), so an absent one is "" here.
    let labels: Vec<Value> = p
        .labels
        .iter()
        .filter_map(|name| repo.label(name))
        .map(|l| {
            let mut v = label(ctx, repo, l);
            if let Some(obj) = v.as_object_mut() {
                if obj.get("description").is_some_and(Value::is_null) {
                    obj.insert("description".into(), json!(""));
                }
            }
            v
        })
        .collect();
    let mut v = json!({
        "url": url,
        "id": p.id,
        "node_id": node_id("PR", p.id),
        "html_url": html_url,
        "diff_url": format!("{html_url}.diff"),
        "patch_url": format!("{html_url}.patch"),
        "issue_url": issue_url,
        "commits_url": format!("{url}/commits"),
        "review_comments_url": format!("{url}/comments"),
        "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
        "comments_url": format!("{issue_url}/comments"),
        "statuses_url": format!("{api}/statuses/{head_sha}"),
        "number": p.number,
        "state": if p.open { "open" } else { "closed" },
        "locked": false,
        "title": p.title,
        "user": user(ctx, &p.user),
        "body": p.body,
        "labels": labels,
        "milestone": null,
        "active_lock_reason": null,
        "created_at": timestamp(p.created_at),
        "updated_at": timestamp(p.updated_at),
        "closed_at": p.closed_at.map(timestamp),
        "merged_at": null,
        "merge_commit_sha": null,
        "assignee": null,
        "assignees": [],
        "requested_reviewers": p.reviewers.iter().map(|r| user(ctx, r)).collect::<Vec<_>>(),
        "requested_teams": p.teams.iter().map(|t| team(ctx, repo, t)).collect::<Vec<_>>(),
        "head": branch_side(ctx, repo, &p.head_ref, &head_sha),
        "base": branch_side(ctx, repo, &p.base_ref, &base_sha),
        "_links": {
            "self": { "href": url },
            "html": { "href": html_url },
            "issue": { "href": issue_url },
            "comments": { "href": format!("{issue_url}/comments") },
            "review_comments": { "href": format!("{url}/comments") },
            "review_comment": { "href": format!("{api}/pulls/comments{{/number}}") },
            "commits": { "href": format!("{url}/commits") },
            "statuses": { "href": format!("{api}/statuses/{head_sha}") }
        },
        "author_association": "CONTRIBUTOR",
        "auto_merge": null,
        "draft": p.draft
    });
    if full {
        let (commits, additions, deletions, changed) = pull_stats(repo, &head_sha, &base_sha);
        let comments = repo
            .comments
            .iter()
            .filter(|c| c.number == p.number)
            .count();
        if let Some(obj) = v.as_object_mut() {
            for (k, val) in [
                ("merged", json!(false)),
                ("mergeable", Value::Null),
                ("rebaseable", Value::Null),
                ("mergeable_state", json!("unknown")),
                ("merged_by", Value::Null),
                ("comments", json!(comments)),
                ("review_comments", json!(0)),
                ("maintainer_can_modify", json!(p.maintainer_can_modify)),
                ("commits", json!(commits)),
                ("additions", json!(additions)),
                ("deletions", json!(deletions)),
                ("changed_files", json!(changed)),
            ] {
                obj.insert(k.to_string(), val);
            }
        }
    }
    v
}

/// The web address of a release (drafts have no tag page yet).
pub(crate) fn release_html_url(html_root: &str, repo: &Repo, r: &Release) -> String {
    let html = format!("{html_root}/{}/{}", repo.owner, repo.name);
    if r.draft {
        format!(
            "{html}/releases/tag/untagged-{:x}",
            user_id(&format!("release:{}", r.id))
        )
    } else {
        format!("{html}/releases/tag/{}", r.tag_name)
    }
}

/// A `release-asset`.
pub(crate) fn asset(ctx: &Ctx, repo: &Repo, r: &Release, a: &Asset) -> Value {
    let api = repo_api(ctx, repo);
    json!({
        "url": format!("{api}/releases/assets/{}", a.id),
        "browser_download_url": format!("{}/releases/download/{}/{}", repo_html(ctx, repo), r.tag_name, a.name),
        "id": a.id,
        "node_id": node_id("RA", a.id),
        "name": a.name,
        "label": a.label,
        "state": "uploaded",
        "content_type": a.content_type,
        "size": a.size,
        "digest": a.digest,
        "download_count": 0,
        "created_at": timestamp(a.created_at),
        "updated_at": timestamp(a.created_at),
        "uploader": user(ctx, &a.uploader)
    })
}

/// A `release`.
pub(crate) fn release(ctx: &Ctx, repo: &Repo, r: &Release) -> Value {
    let api = repo_api(ctx, repo);
    json!({
        "url": format!("{api}/releases/{}", r.id),
        "html_url": release_html_url(&ctx.html, repo, r),
        "assets_url": format!("{api}/releases/{}/assets", r.id),
        "upload_url": format!("{api}/releases/{}/assets{{?name,label}}", r.id),
        "tarball_url": format!("{api}/tarball/{}", r.tag_name),
        "zipball_url": format!("{api}/zipball/{}", r.tag_name),
        "id": r.id,
        "node_id": node_id("RE", r.id),
        "tag_name": r.tag_name,
        "target_commitish": r.target_commitish,
        "name": r.name,
        "body": r.body,
        "draft": r.draft,
        "prerelease": r.prerelease,
        "immutable": false,
        "created_at": timestamp(r.created_at),
        "published_at": r.published_at.map(timestamp),
        "updated_at": timestamp(r.updated_at),
        "author": user(ctx, &r.author),
        "assets": r.assets.iter().map(|a| asset(ctx, repo, r, a)).collect::<Vec<_>>()
    })
}
