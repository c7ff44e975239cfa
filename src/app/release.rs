//! `release`: validate the tag, then create (or update) its GitHub release from the changelog.
//!
//! A release is never deleted and re-created: GitHub's immutable releases reserve a deleted
//! release's tag for good. Drafts are found by listing releases, because
//! `GET /releases/tags/{tag}` does not return drafts.

use super::connect::{api_failure, block_on, connect, OFFLINE_RELEASE};
use super::tags::{release_name, tag_input, validate, verify_tag_on_github, ValidTag};
use super::workspace::Workspace;
use super::{stop_on_errors, Outcome, RunEnv, Stop};
use crate::adapters::github::{GitHub, NewRelease, Release};
use crate::app::RepoRequest;
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
    let Some(valid) = valid else {
        return stop_on_errors(out);
    };
    let gh = connect(env, OFFLINE_RELEASE)?;
    block_on(async {
        let findings = verify_tag_on_github(&ws, &gh, &valid, env).await?;
        if !findings.is_empty() {
            out.diagnostics.extend(findings);
            return stop_on_errors(out);
        }
        let release = upsert_release(&ws, &gh, &valid, draft, &mut out).await?;
        let url = release.html_url.to_string();
        out.output("release-id", release.id.0.to_string());
        out.output("release-url", &url);
        out.output("draft", release.draft.to_string());
        out.summary.push_str(&format!(
            "\nRelease: [{}]({url})\n",
            md_cell(&release_name(&valid))
        ));
        Ok(out)
    })
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
) -> Result<Release, Stop> {
    let tag = &valid.tag.tag;
    let name = release_name(valid);
    let prerelease = !valid.tag.version.pre.is_empty();
    let latest = make_latest(ws, &valid.component.name) && !prerelease;
    let body = valid.notes.clone();
    for attempt in 0..2 {
        if let Some(existing) = find_release(gh, tag).await? {
            let same = existing.body.as_deref().unwrap_or_default() == body
                && existing.name.as_deref() == Some(name.as_str())
                && existing.prerelease == prerelease
                && (draft || !existing.draft);
            if same {
                out.log.push(format!("release `{name}` is up to date"));
                return Ok(existing);
            }
            let publish = (!draft && existing.draft).then_some(latest);
            let updated = gh
                .update_release(existing.id.0, &name, &body, prerelease, publish)
                .await
                .map_err(api_failure)?;
            out.log.push(format!("updated release `{name}`"));
            return Ok(updated);
        }
        let create = NewRelease {
            tag,
            name: &name,
            body: &body,
            draft,
            prerelease,
            latest,
        };
        match gh.create_release(&create).await {
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
async fn find_release(gh: &GitHub, tag: &str) -> Result<Option<Release>, Stop> {
    let releases = gh.releases(20).await.map_err(api_failure)?;
    Ok(releases.into_iter().find(|r| r.tag_name == tag))
}
