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
//!
//! The handlers live with their resource (`contents`, `git_data`, `repos`,
//! `pulls`, `issues`, `releases`); the request and reply types they share and
//! the dispatch by operation id are here.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, CONTROLS};
use serde_json::{json, Value};

use crate::render::{self, Ctx};
use crate::spec::Route;
use crate::state::{now, State};

mod contents;
mod git_data;
mod issues;
mod pulls;
mod releases;
mod repos;

use contents::get_content;
use git_data::{
    create_blob, create_commit, create_ref, create_tree, delete_ref, get_commit, get_ref, get_tag,
    get_tree, list_matching_refs, update_ref,
};
use issues::{add_labels, create_comment, create_label, get_label};
use pulls::{create_pull, get_pull, list_pulls, pull_files, request_reviewers, update_pull};
use releases::{
    create_release, latest_release, list_releases, release_by_tag, update_release, upload_asset,
};
use repos::{compare, dispatch, list_commits};

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

    /// 201 with the new resource's own `url` as its `Location`.
    fn created_at_its_url(body: Value) -> Reply {
        let location = body
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Self::created(body, location)
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
