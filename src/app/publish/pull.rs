//! The pull request a publication opens, or brings up to date, without duplicating it.

use crate::adapters::github::{GitHub, PullRequest};
use crate::app::connect::api_failure;
use crate::app::Stop;

/// A pull request to open or update.
#[derive(Debug, Clone)]
pub struct PullSpec {
    /// Head branch.
    pub branch: String,
    /// Base branch.
    pub base: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Draft on creation.
    pub draft: bool,
    /// Labels to have.
    pub labels: Vec<String>,
    /// Reviewers to request on creation (`login` or `org/team`).
    pub reviewers: Vec<String>,
}

/// Opens the pull request, or brings the open one up to date (no write when it already is).
///
/// A new pull request gets its reviewers, then its labels: the labels come last and mark it
/// as finished, so a re-run after a failure in between (labels still missing) requests the
/// reviewers again, while a re-run of a finished one makes no write (and never re-requests a
/// review someone already gave).
pub async fn open_or_update_pull(
    gh: &GitHub,
    spec: &PullSpec,
    new_branch: bool,
) -> Result<PullRequest, Stop> {
    let find = || async {
        gh.open_pull(&spec.branch, &spec.base)
            .await
            .map_err(api_failure)
    };
    let existing = if new_branch { None } else { find().await? };
    if let Some(pr) = existing {
        let same = pr.title.as_deref() == Some(spec.title.as_str())
            && pr.body.as_deref().unwrap_or_default() == spec.body;
        let pr = if same {
            pr
        } else {
            gh.update_pull(pr.number, &spec.title, &spec.body)
                .await
                .map_err(api_failure)?
        };
        if !missing_labels(&pr, &spec.labels).is_empty() {
            finish_pull(gh, &pr, spec).await?;
        }
        return Ok(pr);
    }
    let created = gh
        .create_pull(
            &spec.title,
            &spec.branch,
            &spec.base,
            &spec.body,
            spec.draft,
        )
        .await;
    let pr = match created {
        Ok(pr) => pr,
        // Opened meanwhile: a retried request whose first answer was lost (so this run opened
        // it and must finish it), or a parallel run.
        Err(e) if e.status() == Some(422) && e.message().contains("already exists") => {
            match find().await? {
                Some(pr) => pr,
                None => return Err(api_failure(e)),
            }
        }
        Err(e) => return Err(api_failure(e)),
    };
    finish_pull(gh, &pr, spec).await?;
    Ok(pr)
}

/// Requests the reviewers, then adds the missing labels (the mark of a finished pull request).
async fn finish_pull(gh: &GitHub, pr: &PullRequest, spec: &PullSpec) -> Result<(), Stop> {
    if !spec.reviewers.is_empty() {
        let (teams, users): (Vec<String>, Vec<String>) = spec
            .reviewers
            .iter()
            .map(|r| r.trim_start_matches('@').to_owned())
            .partition(|r| r.contains('/'));
        let teams: Vec<String> = teams
            .iter()
            .filter_map(|t| t.split('/').nth(1).map(str::to_owned))
            .collect();
        gh.request_reviewers(pr.number, &users, &teams)
            .await
            .map_err(api_failure)?;
    }
    let missing = missing_labels(pr, &spec.labels);
    if missing.is_empty() {
        return Ok(());
    }
    gh.add_labels(pr.number, &missing)
        .await
        .map_err(api_failure)
}

/// The labels of `wanted` the pull request does not carry yet.
fn missing_labels<'a>(pr: &PullRequest, wanted: &'a [String]) -> Vec<&'a String> {
    let have: Vec<&str> = pr
        .labels
        .iter()
        .flatten()
        .map(|l| l.name.as_str())
        .collect();
    wanted
        .iter()
        .filter(|l| !have.contains(&l.as_str()))
        .collect()
}
