//! `check`: the pull-request gate. Every changelog, chart, values file and bill of materials is
//! checked, then each chart changed against the base must carry a higher version and a
//! changelog section for it.
//!
//! The base comparison uses the local git history when it has the base (`--base`, or the pull
//! request's base commit when it was fetched). On a `pull_request` event whose base commit is
//! not in the checkout (a shallow clone, or a checkout without `.git`), it asks GitHub instead:
//! the changed files from `GET /pulls/{n}/files` and the base `Chart.yaml` through the contents
//! API at the base commit. Both paths give the same findings.
//! See: <https://docs.github.com/rest/pulls/pulls#list-pull-requests-files>

use std::collections::BTreeSet;

use super::connect::api_failure;
use super::workspace::{Component, Workspace};
use super::{gate, Outcome, RunEnv, Stop};
use crate::adapters::github::GitHub;
use crate::adapters::localgit;
use crate::cli::CommonArgs;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::helmignore::HelmIgnore;
use crate::domain::{bom, changelog, chart, values, version_file};
use crate::report::md_cell;

/// Runs `check`.
pub fn run_check(common: &CommonArgs, base: Option<&str>, env: &RunEnv) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    let mut out = Outcome::default();
    let mut rows = Vec::new();

    for dir in &ws.bad_chart_dirs {
        out.diagnostics.push(
            Diagnostic::error("chart/bad-name", format!("chart directory `{dir}` is not a valid component name"))
                .in_file(format!("{dir}/Chart.yaml"))
                .with_help("chart names use lowercase letters, digits and inner hyphens, at most 63 characters"),
        );
    }

    let mut changelogs = BTreeSet::new();
    for c in &ws.components {
        let version = check_component(&ws, c, &mut out)?;
        changelogs.insert(c.changelog.clone());
        rows.push((
            c.name.clone(),
            version,
            c.changelog.clone(),
            c.chart_dir.clone(),
        ));
    }
    for path in &changelogs {
        match ws.read_changelog(path)? {
            Some(text) => out.diagnostics.extend(changelog::validate(&text, path)),
            None => out.diagnostics.push(
                Diagnostic::error("changelog/missing", format!("`{path}` does not exist"))
                    .in_file(path)
                    .with_help("start one from https://keepachangelog.com/en/1.1.0/ with a `## [Unreleased]` section"),
            ),
        }
    }
    let releases_dir = ws.config.releases_dir.clone();
    let mut charts_by_bom = std::collections::BTreeMap::new();
    for file in ws
        .repo
        .list_files(&releases_dir)
        .map_err(super::workspace::fs_stop)?
    {
        if !(file.ends_with(".yaml") || file.ends_with(".yml")) {
            continue;
        }
        let path = format!("{releases_dir}/{file}");
        if let Some(text) = ws.read_small(&path)? {
            let (parsed, findings) = bom::check_bom(&text, &path);
            out.diagnostics.extend(findings);
            if let Some(parsed) = parsed {
                charts_by_bom.insert(path, parsed.charts);
            }
        }
    }

    let compared = match (base, pull_request(env)) {
        (Some(base), _) => Some(compare_with_base(&ws, base, &mut out)?),
        (None, Some(pr)) => Some(compare_with_pull_request(&ws, &pr, env, &mut out)?),
        (None, None) => None,
    };

    out.summary = render_summary(&rows, compared.as_deref(), &out.diagnostics);
    let charts: Vec<&str> = ws
        .components
        .iter()
        .filter(|c| c.chart_dir.is_some())
        .map(|c| c.name.as_str())
        .collect();
    out.summary.push_str("\n### Environments\n");
    // The summary's table comes from the BOMs just checked: no second read.
    let deployed: Vec<_> = ws
        .config
        .environments
        .iter()
        .map(|e| {
            (
                e.clone(),
                charts_by_bom.remove(&ws.bom_path(e)).unwrap_or_default(),
            )
        })
        .collect();
    out.summary
        .push_str(&ws.render_environments(&charts, &deployed));
    let errors = out.diagnostics.iter().filter(|d| d.is_error()).count();
    out.log.push(format!(
        "check: {} component(s), {errors} error(s), {} warning(s){}",
        ws.components.len(),
        out.diagnostics.len() - errors,
        compared
            .as_deref()
            .map(|b| format!(", compared with {b}"))
            .unwrap_or_default()
    ));
    gate(out)
}

/// Checks one component's chart, values and version files; returns its version.
fn check_component(
    ws: &Workspace,
    c: &Component,
    out: &mut Outcome,
) -> Result<Option<String>, Stop> {
    let mut version = None;
    if let (Some(dir), Some(path)) = (&c.chart_dir, c.chart_path()) {
        if let Some(text) = ws.read_small(&path)? {
            out.diagnostics
                .extend(chart::validate_chart(&text, &path, &c.name));
            let parsed = chart::parse_chart(&text, &path).ok();
            version = parsed.as_ref().map(|p| p.version.clone());
            let values_path = format!("{dir}/values.yaml");
            if let Some(values) = ws.read_small(&values_path)? {
                let app_version = parsed.as_ref().and_then(|p| p.app_version.as_deref());
                out.diagnostics
                    .extend(values::validate_values(&values, &values_path, app_version));
            }
        }
    }
    // Declared version files must all agree.
    let mut seen: Option<(String, String)> = None;
    for path in c
        .version_files
        .iter()
        .filter(|p| !p.ends_with("Chart.yaml") || c.chart_dir.is_none())
    {
        let Some(kind) = version_file::kind_for_path(path) else {
            out.diagnostics.push(
                Diagnostic::error("version-file/unknown", format!("`{path}` is not a recognised version file"))
                    .with_help("version files are Chart.yaml, package.json, Cargo.toml, pyproject.toml, *.py and VERSION"),
            );
            continue;
        };
        let Some(text) = ws.read_small(path)? else {
            out.diagnostics.push(
                Diagnostic::error(
                    "version-file/missing",
                    format!("`{path}`, declared for `{}`, does not exist", c.name),
                )
                .in_file(path),
            );
            continue;
        };
        match version_file::read_version(kind, &text) {
            Ok((v, line)) => {
                if let Some((first_path, first)) = &seen {
                    if first != &v {
                        out.diagnostics.push(
                            Diagnostic::error(
                                "version-file/disagree",
                                format!("`{path}` says {v} but `{first_path}` says {first}"),
                            )
                            .in_file(path)
                            .at_line(line)
                            .with_help(format!(
                                "every version file of `{}` must carry the same version",
                                c.name
                            )),
                        );
                    }
                } else {
                    seen = Some((path.clone(), v.clone()));
                    version = version.or(Some(v));
                }
            }
            Err(d) => out.diagnostics.push(d.in_file(path.clone())),
        }
    }
    Ok(version)
}

/// The pull request a `pull_request` event payload describes.
#[derive(Debug, Clone)]
struct PullRequestEvent {
    /// `pull_request.base.sha`.
    base_sha: String,
    /// `pull_request.number` (or the event's `number`).
    number: Option<u64>,
}

/// The pull request from the event payload, when running on `pull_request`.
fn pull_request(env: &RunEnv) -> Option<PullRequestEvent> {
    let event =
        crate::adapters::actions::read_event(std::path::Path::new(env.var("GITHUB_EVENT_PATH")?))?;
    let base_sha = event
        .pointer("/pull_request/base/sha")
        .and_then(serde_json::Value::as_str)?
        .to_owned();
    let number = event
        .pointer("/pull_request/number")
        .or_else(|| event.get("number"))
        .and_then(serde_json::Value::as_u64);
    Some(PullRequestEvent { base_sha, number })
}

/// Whether a changed file (relative to the chart directory) needs no version bump.
fn is_exempt(ws: &Workspace, ignore: &HelmIgnore, rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    ws.config
        .bump_exempt
        .iter()
        .any(|e| e == rel || (!e.contains('/') && e == base))
        || ignore.is_ignored(rel)
}

/// The base comparison through local git; returns the base it compared with.
fn compare_with_base(ws: &Workspace, base: &str, out: &mut Outcome) -> Result<String, Stop> {
    let root = ws.repo.root();
    let merge_base = localgit::merge_base(root, base).map_err(local_git_stop)?;
    compare_locally(ws, &merge_base, out)?;
    Ok(merge_base)
}

fn local_git_stop(e: localgit::GitError) -> Stop {
    match e {
        localgit::GitError::BadRevision(_) | localgit::GitError::UnknownRevision(_) => {
            Stop::Usage(e.to_string())
        }
        other => Stop::Failure(other.into()),
    }
}

/// Compares with the merge base `merge_base`, which local git has.
fn compare_locally(ws: &Workspace, merge_base: &str, out: &mut Outcome) -> Result<(), Stop> {
    let root = ws.repo.root();
    let changed = localgit::changed_files(root, merge_base).map_err(|e| Stop::Failure(e.into()))?;
    for bump in charts_to_check(ws, &changed)? {
        let old = localgit::show(root, merge_base, &bump.chart_path)
            .map_err(|e| Stop::Failure(e.into()))?;
        bump_findings(ws, &bump, old.as_deref(), out)?;
    }
    Ok(())
}

/// The pull request's comparison: local git when the checkout has the base commit, else the
/// GitHub API when a token and the repository are known.
fn compare_with_pull_request(
    ws: &Workspace,
    pr: &PullRequestEvent,
    env: &RunEnv,
    out: &mut Outcome,
) -> Result<String, Stop> {
    let root = ws.repo.root();
    // NOTE: without its own `.git`, git would search the parent directories for a repository.
    let local = if root.join(".git").exists() {
        localgit::merge_base(root, &pr.base_sha)
    } else {
        Err(localgit::GitError::UnknownRevision(pr.base_sha.clone()))
    };
    let api = super::connect::token(env).is_some() && env.var("GITHUB_REPOSITORY").is_some();
    match (local, pr.number) {
        (Ok(merge_base), _) => {
            compare_locally(ws, &merge_base, out)?;
            Ok(merge_base)
        }
        (Err(_), Some(number)) if api => {
            let gh = super::connect::connect(env)?;
            super::connect::block_on(compare_through_api(ws, &gh, &pr.base_sha, number, out))?;
            Ok(pr.base_sha.clone())
        }
        (Err(e), _) => Err(local_git_stop(e)),
    }
}

/// Largest number of files `GET /pulls/{n}/files` lists (GitHub stops at 3000).
const MAX_PULL_FILE_PAGES: usize = 30;

/// Compares through the API: the pull request's changed files, the base's `Chart.yaml`s.
async fn compare_through_api(
    ws: &Workspace,
    gh: &GitHub,
    base_sha: &str,
    number: u64,
    out: &mut Outcome,
) -> Result<(), Stop> {
    let files = gh
        .get_all(
            &gh.repo_path(&format!("/pulls/{number}/files?per_page=100")),
            MAX_PULL_FILE_PAGES,
        )
        .await
        .map_err(api_failure)?;
    let mut changed: Vec<String> = files
        .iter()
        .flat_map(|f| {
            // A rename changes both the old and the new path.
            ["filename", "previous_filename"]
                .into_iter()
                .filter_map(|k| f.get(k).and_then(serde_json::Value::as_str))
                .map(str::to_owned)
        })
        .collect();
    changed.sort();
    changed.dedup();
    for bump in charts_to_check(ws, &changed)? {
        let old = gh
            .file_bytes(&bump.chart_path, base_sha)
            .await
            .map_err(api_failure)?
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        bump_findings(ws, &bump, old.as_deref(), out)?;
    }
    Ok(())
}

/// A chart whose change needs a version bump, with its version in the checkout.
struct ChartBump<'w> {
    component: &'w Component,
    chart_path: String,
    /// Changed files (relative to the chart directory) that need the bump.
    files: Vec<String>,
    /// The `version` line in the checkout's `Chart.yaml`.
    version_line: usize,
    /// The version in the checkout's `Chart.yaml`.
    version: semver::Version,
}

/// The charts that `changed` (repository paths) touches beyond exempt and ignored files.
fn charts_to_check<'w>(ws: &'w Workspace, changed: &[String]) -> Result<Vec<ChartBump<'w>>, Stop> {
    let mut bumps = Vec::new();
    for c in &ws.components {
        let (Some(dir), Some(chart_path)) = (&c.chart_dir, c.chart_path()) else {
            continue;
        };
        let prefix = format!("{dir}/");
        let ignore = ws
            .read_small(&format!("{dir}/.helmignore"))?
            .map(|t| HelmIgnore::parse(&t))
            .unwrap_or_default();
        let files: Vec<String> = changed
            .iter()
            .filter_map(|f| f.strip_prefix(&prefix))
            .filter(|rel| !is_exempt(ws, &ignore, rel))
            .map(str::to_owned)
            .collect();
        if files.is_empty() {
            continue;
        }
        let Some(text) = ws.read_small(&chart_path)? else {
            continue;
        };
        let Ok(now) = chart::parse_chart(&text, &chart_path) else {
            continue;
        };
        let Ok(version) = semver::Version::parse(&now.version) else {
            continue;
        };
        bumps.push(ChartBump {
            component: c,
            chart_path,
            files,
            version_line: now.version_line,
            version,
        });
    }
    Ok(bumps)
}

/// The findings for one changed chart, given its `Chart.yaml` on the base (`None`: new chart).
fn bump_findings(
    ws: &Workspace,
    bump: &ChartBump<'_>,
    base_chart: Option<&str>,
    out: &mut Outcome,
) -> Result<(), Stop> {
    let (c, chart_path, new) = (bump.component, &bump.chart_path, &bump.version);
    let old = base_chart
        .and_then(|t| chart::parse_chart(t, chart_path).ok())
        .and_then(|c| semver::Version::parse(&c.version).ok());
    if let Some(old) = &old {
        if new <= old {
            let files: Vec<&str> = bump.files.iter().map(String::as_str).collect();
            out.diagnostics.push(
                Diagnostic::error(
                    "check/version-not-bumped",
                    format!(
                        "`{}` changed ({}) but its version {new} is not higher than {old} on the base",
                        c.name,
                        summarize_files(&files)
                    ),
                )
                .in_file(chart_path)
                .at_line(bump.version_line)
                .with_help(format!("bump `version` in `{chart_path}` (e.g. to {}) and add a changelog section for it", crate::domain::version::next_version(old, crate::domain::version::Bump::Patch)))
                .with_help(format!("changes only to {} need no bump", ws.config.bump_exempt.join(", "))),
            );
            return Ok(());
        }
    }
    if let Some(log) = ws.read_changelog(&c.changelog)? {
        if changelog::extract(&log, &new.to_string()).is_none() {
            out.diagnostics.push(
                Diagnostic::error(
                    "check/missing-changelog-section",
                    format!(
                        "`{}` is now {new} but `{}` has no section for it",
                        c.name, c.changelog
                    ),
                )
                .in_file(&c.changelog)
                .with_help(format!("add `## [{new}] - YYYY-MM-DD` with the changes")),
            );
        }
    }
    Ok(())
}

fn summarize_files(files: &[&str]) -> String {
    let shown: Vec<String> = files.iter().take(3).map(|f| format!("`{f}`")).collect();
    if files.len() > 3 {
        format!("{} and {} more", shown.join(", "), files.len() - 3)
    } else {
        shown.join(", ")
    }
}

fn render_summary(
    rows: &[(String, Option<String>, String, Option<String>)],
    base: Option<&str>,
    diagnostics: &[Diagnostic],
) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut md = format!(
        "## release-action check: {}\n\n",
        if errors == 0 {
            "passed ✅".to_owned()
        } else {
            format!("{errors} error(s) ❌")
        }
    );
    if let Some(b) = base {
        md.push_str(&format!("Compared with base `{}`.\n\n", md_cell(b)));
    }
    md.push_str("| component | version | changelog | findings |\n|---|---|---|---|\n");
    // Findings per file, so each row is a lookup rather than a pass over every finding.
    let mut per_file: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in diagnostics {
        if let Some(f) = d.file.as_deref() {
            *per_file.entry(f).or_default() += 1;
        }
    }
    for (name, version, changelog, chart_dir) in rows {
        let mut n = per_file.get(changelog.as_str()).copied().unwrap_or(0);
        if let Some(dir) = chart_dir {
            let prefix = format!("{dir}/");
            n += per_file
                .range(prefix.as_str()..)
                .take_while(|(f, _)| f.starts_with(&prefix))
                .filter(|(f, _)| **f != changelog.as_str())
                .map(|(_, k)| k)
                .sum::<usize>();
        }
        md.push_str(&format!(
            "| {name} | {} | `{}` | {n} |\n",
            version
                .as_deref()
                .map(md_cell)
                .unwrap_or_else(|| "—".into()),
            md_cell(changelog)
        ));
    }
    md
}
