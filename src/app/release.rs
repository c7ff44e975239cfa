//! `release`: validate the tag, then create (or update) its GitHub release from the changelog.
//!
//! A release is never deleted and re-created: GitHub's immutable releases reserve a deleted
//! release's tag for good. Drafts are found by listing releases, because
//! `GET /releases/tags/{tag}` does not return drafts.

use serde_json::{json, Value};

use super::connect::{api_failure, block_on, connect, default_branch, OFFLINE_RELEASE};
use super::validate_tag::{tag_input, validate, ValidTag};
use super::workspace::Workspace;
use super::{gate, Outcome, RunEnv, Stop};
use crate::adapters::github::{encode_path, GitHub};
use crate::app::RepoRequest;
use crate::domain::diagnostic::Diagnostic;
use crate::report::md_cell;

/// Runs `release`.
pub fn run_release(
    common: &RepoRequest,
    tag: Option<&str>,
    draft: bool,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    let tag = tag_input(tag, env)?;
    let (mut out, valid) = validate(&ws, &tag)?;
    let Some(valid) = valid else { return gate(out) };
    let gh = connect(env, OFFLINE_RELEASE)?;
    block_on(async {
        let findings = verify_tag_on_github(&ws, &gh, &valid, env).await?;
        if !findings.is_empty() {
            out.diagnostics.extend(findings);
            return gate(out);
        }
        let release = upsert_release(&ws, &gh, &valid, draft, &mut out).await?;
        let id = release
            .get("id")
            .and_then(Value::as_u64)
            .unwrap_or_default();
        let url = release
            .get("html_url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        out.output("release-id", id.to_string());
        out.output("release-url", &url);
        out.output(
            "draft",
            release
                .get("draft")
                .and_then(Value::as_bool)
                .unwrap_or(draft)
                .to_string(),
        );
        out.summary.push_str(&format!(
            "\nRelease: [{}]({url})\n",
            md_cell(&release_name(&valid))
        ));
        Ok(out)
    })
}

fn release_name(valid: &ValidTag) -> String {
    format!("{} v{}", valid.component.name, valid.tag.version)
}

/// The tag must exist, be annotated when required, and point at a commit on a release branch.
pub(crate) async fn verify_tag_on_github(
    ws: &Workspace,
    gh: &GitHub,
    valid: &ValidTag,
    env: &RunEnv,
) -> Result<Vec<Diagnostic>, Stop> {
    let tag = &valid.tag.tag;
    let mut findings = Vec::new();
    let Some(reference) = gh
        .get_opt(&gh.repo_path(&format!("/git/ref/tags/{}", encode_path(tag))))
        .await
        .map_err(api_failure)?
    else {
        return Ok(vec![Diagnostic::error(
            "tag/not-on-github",
            format!("tag `{tag}` does not exist on GitHub"),
        )
        .with_help(format!("push it first: `git push origin {tag}`"))]);
    };
    let kind = reference
        .pointer("/object/type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if ws.config.require_annotated_tags && kind != "tag" {
        findings.push(
            Diagnostic::error("tag/lightweight", format!("tag `{tag}` is a lightweight tag; this repository requires annotated tags"))
                .with_help(format!("re-create it: `git tag -d {tag} && git tag -a {tag} -m \"{}\" && git push --force origin {tag}`", release_name(valid))),
        );
    }
    let branches = match &ws.config.release_branches {
        Some(b) => b.clone(),
        None => vec![default_branch(gh, env).await?],
    };
    let mut contained = false;
    for branch in &branches {
        let path = gh.repo_path(&format!(
            "/compare/{}...{}",
            encode_path(branch),
            encode_path(tag)
        ));
        if let Some(cmp) = gh.get_opt(&path).await.map_err(api_failure)? {
            // `behind` or `identical`: the tagged commit is already in the branch.
            let status = cmp
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if status == "behind" || status == "identical" {
                contained = true;
                break;
            }
        }
    }
    if !contained {
        findings.push(
            Diagnostic::error(
                "tag/not-on-release-branch",
                format!("tag `{tag}` points at a commit that no release branch contains ({})", branches.join(", ")),
            )
            .with_help("an unreviewed commit cannot be released: merge the change into a release branch and tag the merge commit"),
        );
    }
    Ok(findings)
}

/// Whether this component's releases may become "Latest".
fn make_latest(ws: &Workspace, component: &str) -> bool {
    match &ws.config.latest_component {
        Some(latest) => latest == component,
        None => ws.components.len() == 1,
    }
}

/// Creates the release, or brings an existing one up to date; never duplicates.
async fn upsert_release(
    ws: &Workspace,
    gh: &GitHub,
    valid: &ValidTag,
    draft: bool,
    out: &mut Outcome,
) -> Result<Value, Stop> {
    let tag = &valid.tag.tag;
    let name = release_name(valid);
    let prerelease = !valid.tag.version.pre.is_empty();
    let latest = if make_latest(ws, &valid.component.name) && !prerelease {
        "true"
    } else {
        "false"
    };
    let body = valid.notes.clone();
    for attempt in 0..2 {
        if let Some(existing) = find_release(gh, tag).await? {
            let id = existing
                .get("id")
                .and_then(Value::as_u64)
                .unwrap_or_default();
            let same = existing
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or_default()
                == body
                && existing.get("name").and_then(Value::as_str) == Some(name.as_str())
                && existing.get("prerelease").and_then(Value::as_bool) == Some(prerelease)
                && (draft || existing.get("draft").and_then(Value::as_bool) == Some(false));
            if same {
                out.log.push(format!("release `{name}` is up to date"));
                return Ok(existing);
            }
            let mut patch = json!({ "name": name, "body": body, "prerelease": prerelease });
            if !draft && existing.get("draft").and_then(Value::as_bool) == Some(true) {
                patch["draft"] = json!(false);
                patch["make_latest"] = json!(latest);
            }
            let updated = gh
                .patch(&gh.repo_path(&format!("/releases/{id}")), &patch)
                .await
                .map_err(api_failure)?;
            out.log.push(format!("updated release `{name}`"));
            return Ok(updated);
        }
        let create = json!({
            "tag_name": tag,
            "name": name,
            "body": body,
            "draft": draft,
            "prerelease": prerelease,
            "make_latest": latest,
        });
        match gh.post(&gh.repo_path("/releases"), &create).await {
            Ok(created) => {
                out.log.push(format!("created release `{name}`"));
                return Ok(created);
            }
            // Created meanwhile (a retried request that had gone through, or a parallel run).
            Err(e) if e.status() == Some(422) && attempt == 0 => continue,
            Err(e) => return Err(api_failure(e)),
        }
    }
    Err(Stop::Failure(anyhow::anyhow!(
        "release `{name}` could neither be created nor found"
    )))
}

/// The release for `tag`, drafts included.
async fn find_release(gh: &GitHub, tag: &str) -> Result<Option<Value>, Stop> {
    let releases = gh
        .get_all(&gh.repo_path("/releases?per_page=100"), 20)
        .await
        .map_err(api_failure)?;
    Ok(releases
        .into_iter()
        .find(|r| r.get("tag_name").and_then(Value::as_str) == Some(tag)))
}
