//! Issues as pull requests see them: labels (added, looked up, created) and comments.

use serde_json::{json, Value};

use crate::render;
use crate::state::{now, Comment, Label, Repo};

use super::{next_id, Reply, Req};

fn issue_number(repo: &Repo, req: &Req<'_>) -> Option<u64> {
    let number: u64 = req.param("issue_number").parse().ok()?;
    repo.pulls
        .iter()
        .any(|p| p.number == number)
        .then_some(number)
}

pub(super) fn add_labels(repo: &mut Repo, req: &mut Req<'_>, ids: &mut u64) -> Reply {
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

pub(super) fn create_comment(repo: &mut Repo, req: &mut Req<'_>, id: u64, viewer: &str) -> Reply {
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
    Reply::created_at_its_url(body)
}

pub(super) fn get_label(repo: &Repo, req: &mut Req<'_>) -> Reply {
    match repo.label(req.param("name")) {
        Some(l) => Reply::json(200, render::label(&req.ctx, repo, l)),
        None => req.not_found(),
    }
}

pub(super) fn create_label(repo: &mut Repo, req: &mut Req<'_>, id: u64) -> Reply {
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
    Reply::created_at_its_url(body)
}
