//! `report`: the delivery figures of every environment over `--since`, read from the history of
//! `releases/<env>.yaml` and the release tags: through the API in a workflow (commits that
//! changed the file in the window, the file at each, the tags of the versions they pinned), or
//! from local git with `--local`. What it asks grows with the deployments in the window, never
//! with the repository's history.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use super::connect::{api_failure, block_on, connect};
use super::workspace::Workspace;
use super::{Outcome, RepoRequest, RunEnv, Stop};
use crate::adapters::fs::MAX_SMALL_FILE;
use crate::adapters::github::GitHub;
use crate::adapters::localgit;
use crate::domain::bom;
use crate::domain::report::{
    compute, is_rollback, pull_number, render_markdown, Change, EnvHistory, TagTime,
};

/// The remedy without a token.
const OFFLINE_REPORT: &str = "or run with `--local` to read the local git history (fetch it first: `fetch-depth: 0` and the tags)";

/// At most this many changes of one environment are read (a window of 90 days rarely has more
/// than a few dozen).
const MAX_CHANGES: usize = 500;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// A Markdown summary with Mermaid charts.
    #[default]
    Markdown,
    /// The figures as JSON (`docs/report.schema.json`).
    Json,
}

/// What `report` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    /// `--since`: the window, in days back from now (default 90).
    pub since_days: Option<u32>,
    /// `--format`.
    pub format: ReportFormat,
    /// `--local`: read local git instead of the API.
    pub local: bool,
}

/// Runs `report`.
pub fn run_report(
    common: &RepoRequest,
    req: &ReportRequest,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    let until = env.now;
    let since = until - i64::from(req.since_days.unwrap_or(90)) * 86_400;
    let (histories, tags) = if req.local {
        from_git(&ws, since, until)?
    } else {
        let gh = connect(env, OFFLINE_REPORT)?;
        block_on(from_api(&gh, &ws, since, until))?
    };
    let report = compute(&histories, &tags, since, until);
    let date = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(|d| d.date().to_string())
            .unwrap_or_default()
    };
    let markdown = render_markdown(&report, date);
    let mut out = Outcome {
        summary: markdown.clone(),
        ..Outcome::default()
    };
    out.stdout = match req.format {
        ReportFormat::Markdown => markdown,
        ReportFormat::Json => {
            let mut json = serde_json::to_string_pretty(&report)
                .map_err(|e| Stop::Failure(anyhow::anyhow!("cannot render the report: {e}")))?;
            json.push('\n');
            json
        }
    };
    let deployments: usize = report.environments.iter().map(|e| e.deployments).sum();
    out.log.push(format!(
        "{deployments} deployment(s) in {} environment(s) since {}",
        report.environments.len(),
        date(since)
    ));
    Ok(out)
}

/// The chart pins of a BOM text (nothing when it does not parse: a hand-made change that broke
/// the file still counts as a deployment).
fn charts_of(text: Option<&str>, path: &str) -> BTreeMap<String, String> {
    text.and_then(|t| bom::parse_bom(t, path).ok())
        .map(|b| b.charts)
        .unwrap_or_default()
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn from_api(
    gh: &GitHub,
    ws: &Workspace,
    since: i64,
    until: i64,
) -> Result<(Vec<EnvHistory>, Vec<TagTime>), Stop> {
    let pages = MAX_CHANGES.div_ceil(100);
    let mut histories = Vec::new();
    for env in &ws.config.environments {
        let path = ws.bom_path(env);
        let mut commits = gh
            .commits_touching(&path, Some(&rfc3339(since)), Some(&rfc3339(until)), pages)
            .await
            .map_err(api_failure)?;
        commits.reverse();
        let before = gh
            .commits_touching(&path, None, Some(&rfc3339(since - 1)), 1)
            .await
            .map_err(api_failure)?;
        let baseline = match before.first() {
            Some(c) => {
                let bytes = gh.file_bytes(&path, &c.sha).await.map_err(api_failure)?;
                charts_of(small_text(bytes).as_deref(), &path)
            }
            None => BTreeMap::new(),
        };
        let mut changes = Vec::new();
        for c in commits {
            let bytes = gh.file_bytes(&path, &c.sha).await.map_err(api_failure)?;
            let charts = charts_of(small_text(bytes).as_deref(), &path);
            changes.push(change(c.sha, c.at, c.author, c.message, charts));
        }
        histories.push(EnvHistory {
            env: env.clone(),
            baseline,
            changes,
        });
    }
    let mut tags = Vec::new();
    for (chart, version, tag) in new_pins(ws, &histories) {
        let Some(r) = gh.tag_ref(&tag).await.map_err(api_failure)? else {
            continue;
        };
        if let Some(at) = gh.tag_date(&r).await.map_err(api_failure)? {
            tags.push(TagTime { chart, version, at });
        }
    }
    Ok((histories, tags))
}

/// A BOM's bytes at one commit as text, when they are small enough and UTF-8.
fn small_text(bytes: Option<Vec<u8>>) -> Option<String> {
    bytes
        .filter(|b| b.len() as u64 <= MAX_SMALL_FILE)
        .and_then(|b| String::from_utf8(b).ok())
}

/// One change of a BOM: its commit and the pins it left.
fn change(
    sha: String,
    at: i64,
    author: String,
    message: String,
    charts: BTreeMap<String, String>,
) -> Change {
    Change {
        pr: pull_number(&message),
        sha,
        at,
        author,
        message,
        charts,
    }
}

/// The `(chart, version, tag)` each change in the window newly pinned: only those tags are
/// looked up, so the requests grow with the deployments.
fn new_pins(ws: &Workspace, histories: &[EnvHistory]) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for h in histories {
        let mut before = &h.baseline;
        for c in &h.changes {
            for (chart, v) in c.charts.iter().filter(|_| !is_rollback(&c.message)) {
                if before.get(chart) == Some(v) {
                    continue;
                }
                if let Ok(version) = Version::parse(v) {
                    let tag = ws.config.tag_format.render(chart, &version);
                    out.insert((chart.clone(), v.clone(), tag));
                }
            }
            before = &c.charts;
        }
    }
    out
}

fn from_git(
    ws: &Workspace,
    since: i64,
    until: i64,
) -> Result<(Vec<EnvHistory>, Vec<TagTime>), Stop> {
    let root = ws.repo.root().to_path_buf();
    let git = |e: localgit::GitError| Stop::Failure(anyhow::anyhow!("{e}"));
    let read = |sha: &str, path: &str| -> Result<Option<String>, Stop> {
        let files = localgit::read_files(&root, sha, &[path.to_owned()]).map_err(git)?;
        Ok(small_text(files.into_iter().next().flatten()))
    };
    let mut histories = Vec::new();
    for env in &ws.config.environments {
        let path = ws.bom_path(env);
        let mut commits =
            localgit::log_path(&root, &path, Some(since), Some(until), MAX_CHANGES).map_err(git)?;
        commits.reverse();
        let before = localgit::log_path(&root, &path, None, Some(since - 1), 1).map_err(git)?;
        let baseline = match before.first() {
            Some(c) => charts_of(read(&c.sha, &path)?.as_deref(), &path),
            None => BTreeMap::new(),
        };
        let mut changes = Vec::new();
        for c in commits {
            let charts = charts_of(read(&c.sha, &path)?.as_deref(), &path);
            changes.push(change(c.sha, c.at, c.author, c.message, charts));
        }
        histories.push(EnvHistory {
            env: env.clone(),
            baseline,
            changes,
        });
    }
    let dates: BTreeMap<String, i64> = localgit::tag_dates(&root)
        .map_err(git)?
        .into_iter()
        .collect();
    let tags = new_pins(ws, &histories)
        .into_iter()
        .filter_map(|(chart, version, tag)| {
            dates.get(&tag).map(|at| TagTime {
                chart,
                version,
                at: *at,
            })
        })
        .collect();
    Ok((histories, tags))
}
