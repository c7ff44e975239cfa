//! `check`: the pull-request gate. It judges the change, not the history.
//!
//! On a pull request (or with `--base`), the charts the change touches (as chart-testing
//! selects them) and the repository-wide files it touches (bills of materials, the root
//! changelog) are judged twice: at the head and at the base. A finding that already existed at
//! the base is listed once as pre-existing and never fails the gate; new findings do. Each
//! chart with changed files beyond `bump-exempt` and `.helmignore`d ones must carry a higher
//! version than on the base, and a changelog section for it. `--all`, or a plain `check`
//! without a base, judges the whole repository.
//!
//! The base is read from local git when the checkout has it, else through the GitHub API
//! (`base.rs`); the same code judges both sides (`judge.rs`), and the fingerprints that
//! tell a pre-existing finding from a new one are in `domain::baseline`.

mod base;
mod judge;

use std::collections::BTreeMap;

use self::base::Base;
use self::judge::{judge, paths_read, Change, Judged, Row, Scope};
use super::workspace::Workspace;
use super::{stop_on_errors, Outcome, RunEnv, Stop};
use crate::app::RepoRequest;
use crate::domain::baseline;
use crate::domain::changelog;
use crate::domain::config::{ChangelogMode, VersionBump};
use crate::domain::diagnostic::{Diagnostic, Severity};
use crate::report::md_cell;

/// What `check` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// Compare with this git revision (default: the pull request's base, if any).
    pub base: Option<String>,
    /// Judge the whole repository, not only what the change touches.
    pub all: bool,
}

/// Runs `check`.
pub fn run_check(common: &RepoRequest, req: &CheckRequest, env: &RunEnv) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    let base = Base::resolve(ws.repo.root(), req.base.as_deref(), env)?;
    if ws.components.is_empty() && ws.bad_chart_dirs.is_empty() {
        // A change that removes the last charts is judged (there is nothing left to judge);
        // anywhere else no charts means a wrong `charts-dir`, never a pass.
        let removed_charts = base.as_ref().is_some_and(|b| {
            b.changed
                .iter()
                .any(|p| p.ends_with("/Chart.yaml") && !ws.repo.exists(p))
        });
        if !removed_charts {
            return Err(no_charts(&ws));
        }
    }
    let change = base
        .as_ref()
        .map(|b| Change::new(&ws, &b.changed))
        .transpose()?;
    let scope = match (&change, req.all) {
        (Some(ch), false) => Scope::Changed(ch),
        _ => Scope::All,
    };
    let mut head = judge(&ws, scope, base.is_some())?;
    let mut out = Outcome::default();
    let mut preexisting = Vec::new();
    out.diagnostics = std::mem::take(&mut head.findings);
    if let (Some(b), Some(ch)) = (&base, &change) {
        let (_dir, repo) = b.materialize(&paths_read(&ws, scope)?, &ws.repo)?;
        let base_ws = Workspace::with_config(repo, ws.config.clone(), "")?;
        let at_base = judge(&base_ws, scope, true)?;
        // `--all` is an audit: the history counts too; only the bump check needs the base.
        if !req.all {
            let head_prints =
                baseline::fingerprints(&out.diagnostics, |f| head.texts.get(f).map(String::as_str));
            let base_prints = baseline::fingerprints(&at_base.findings, |f| {
                at_base.texts.get(f).map(String::as_str)
            });
            let findings = std::mem::take(&mut out.diagnostics);
            let (new, old) = baseline::split(findings, &head_prints, &base_prints);
            out.diagnostics = new;
            preexisting = old;
        }
        let bumps = bump_findings(&ws, ch, &head, &at_base)?;
        out.diagnostics.extend(ws.config.rules.apply(bumps));
    }
    let notices = baseline::notices(&preexisting);
    out.summary = render_summary(
        &head.rows,
        base.as_ref().map(|b| b.label.as_str()),
        &out.diagnostics,
        &preexisting,
    );
    out.diagnostics.extend(notices);
    let charts: Vec<&str> = head
        .rows
        .iter()
        .filter(|r| r.chart_dir.is_some())
        .map(|r| r.name.as_str())
        .collect();
    out.summary.push_str("\n### Environments\n");
    // The summary's table comes from the BOMs just checked when they were judged.
    let mut boms = head.boms;
    let deployed: Vec<(String, BTreeMap<String, String>)> = match scope {
        Scope::All => ws
            .config
            .environments
            .iter()
            .map(|e| (e.clone(), boms.remove(&ws.bom_path(e)).unwrap_or_default()))
            .collect(),
        Scope::Changed(_) => ws.deployed(),
    };
    out.summary
        .push_str(&ws.render_environments(&charts, &deployed));
    let count = |s: Severity| out.diagnostics.iter().filter(|d| d.severity == s).count();
    let judged = match scope {
        Scope::All => format!("{} component(s)", ws.components.len()),
        Scope::Changed(_) => format!(
            "{} of {} component(s) changed",
            head.rows.len(),
            ws.components.len()
        ),
    };
    // The verdict is check's data, so it goes to stdout (the other commands keep stdout for
    // plans and notes and log to stderr). Under Actions stdout is the workflow-command channel:
    // the line starts with `check:` and holds no control characters, so it can never be read
    // as `::command` or `##[command]`.
    let verdict = format!(
        "check: {judged}, {} error(s), {} warning(s){}{}",
        count(Severity::Error),
        count(Severity::Warning),
        if preexisting.is_empty() {
            String::new()
        } else {
            format!(", {} pre-existing finding(s) not judged", preexisting.len())
        },
        base.as_ref()
            .map(|b| format!(", compared with {}", b.label))
            .unwrap_or_default()
    );
    out.stdout = verdict.replace(char::is_control, " ") + "\n";
    stop_on_errors(out)
}

/// A change of only exempt files may still add a release section to the changelog: then the
/// changelog announces a version that the chart does not carry, and the bump is missing.
fn announced_without_bump(
    ws: &Workspace,
    c: &crate::app::workspace::Component,
    head: &Judged,
    at_base: &Judged,
) -> Option<Diagnostic> {
    if ws.config.changelog == ChangelogMode::None {
        return None;
    }
    let path = c.chart_path()?;
    let now = head.charts.get(&path)?;
    let version = semver::Version::parse(&now.version).ok()?;
    let log = changelog::parse(head.texts.get(&c.changelog)?);
    let before = at_base.texts.get(&c.changelog).map(|t| changelog::parse(t));
    let announced = log.releases().find_map(|s| {
        let v = s.heading.version()?;
        let parsed = semver::Version::parse(v).ok()?;
        let new = before.as_ref().is_none_or(|b| b.section(v).is_none());
        (new && parsed.cmp_precedence(&version) == std::cmp::Ordering::Greater).then_some(parsed)
    })?;
    Some(
        Diagnostic::error(
            "check/version-not-bumped",
            format!(
                "`{}`'s changelog `{}` gains a section for {announced}, but its version is still {version}",
                c.name, c.changelog
            ),
        )
        .in_file(&path)
        .at_line(now.version_line)
        .with_help(format!("bump `version` in `{path}` to {announced}, or remove the section until the release")),
    )
}

/// No charts and no declared components: a wrong `charts-dir`, never a pass.
fn no_charts(ws: &Workspace) -> Stop {
    let looked = match &ws.config.charts_dir {
        Some(d) => format!("`{d}`"),
        None => "`helm/charts` and `charts`".to_owned(),
    };
    Stop::UsageHelp {
        message: format!("no charts found: looked for `*/Chart.yaml` in {looked}, and the configuration declares no component"),
        help: vec!["set `charts-dir` in `.github/release-action.yml` to the directory that holds the charts".into()],
    }
}

/// Each changed chart must carry a higher version than on the base, and a changelog section
/// for it. Precedence is SemVer's: build metadata does not count.
fn bump_findings(
    ws: &Workspace,
    change: &Change,
    head: &Judged,
    at_base: &Judged,
) -> Result<Vec<Diagnostic>, Stop> {
    let mut out = Vec::new();
    for (dir, files) in &change.charts {
        let Some(c) = ws
            .components
            .iter()
            .find(|c| c.chart_dir.as_deref() == Some(dir))
        else {
            continue;
        };
        if files.is_empty() {
            out.extend(announced_without_bump(ws, c, head, at_base));
            continue;
        }
        let path = format!("{dir}/Chart.yaml");
        // A head Chart.yaml that cannot be read or parsed is already a finding of its own.
        let Some(now) = head.charts.get(&path) else {
            continue;
        };
        let Ok(new) = semver::Version::parse(&now.version) else {
            continue;
        };
        if !at_base.texts.contains_key(&path) {
            continue; // a new chart: nothing to be higher than
        }
        let old = at_base
            .charts
            .get(&path)
            .and_then(|c| semver::Version::parse(&c.version).ok());
        let Some(old) = old else {
            out.push(
                Diagnostic::warning(
                    "check/version-not-bumped",
                    format!("`{}`: the base's `{path}` has no valid version, so the bump cannot be compared", c.name),
                )
                .in_file(&path)
                .at_line(now.version_line),
            );
            continue;
        };
        if new.cmp_precedence(&old) != std::cmp::Ordering::Greater {
            let recorded = ws.config.version_bump == VersionBump::AtRelease
                && ws.config.changelog != ChangelogMode::None
                && match (
                    at_base.texts.get(&c.changelog),
                    head.texts.get(&c.changelog),
                ) {
                    (Some(b), Some(h)) => changelog::unreleased_gained(b, h),
                    (None, Some(h)) => changelog::unreleased_gained("", h),
                    _ => false,
                };
            if recorded {
                continue; // the release that cuts `[Unreleased]` bumps the version
            }
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            out.push(
                Diagnostic::error(
                    "check/version-not-bumped",
                    format!(
                        "`{}` changed ({}) but its version {new} is not higher than {old} on the base",
                        c.name,
                        summarize_files(&files)
                    ),
                )
                .in_file(&path)
                .at_line(now.version_line)
                .with_help(format!("bump `version` in `{path}` (e.g. to {}) and add a changelog section for it", crate::domain::version::next_version(&old, crate::domain::version::Bump::Patch)))
                .with_help(format!("changes only to {} need no bump", ws.config.bump_exempt.join(", "))),
            );
            continue;
        }
        if ws.config.changelog == ChangelogMode::None {
            continue;
        }
        if let Some(log) = head.texts.get(&c.changelog) {
            if changelog::extract(log, &new.to_string()).is_none() {
                let parsed = changelog::parse(log);
                let style = changelog::HeadingStyle::of(&parsed);
                let version = new.to_string();
                let mut help = format!(
                    "add `{}` with the changes",
                    style.render(&version, "YYYY-MM-DD", false)
                );
                if let Some(link) = style.link_hint(&version) {
                    help.push_str(&format!(", {link}"));
                }
                out.push(
                    Diagnostic::error(
                        "check/missing-changelog-section",
                        format!(
                            "`{}` is now {new} but `{}` has no section for it",
                            c.name, c.changelog
                        ),
                    )
                    .in_file(&c.changelog)
                    .at_line(changelog::first_section_line(&parsed).unwrap_or(1))
                    .with_help(help),
                );
            }
        }
    }
    Ok(out)
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
    rows: &[Row],
    base: Option<&str>,
    diagnostics: &[Diagnostic],
    preexisting: &[Diagnostic],
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
        md.push_str(&format!(
            "Compared with base `{}`: the {} component(s) the change touches are judged.\n\n",
            md_cell(b),
            rows.len()
        ));
    }
    md.push_str("| component | version | changelog | findings |\n|---|---|---|---|\n");
    // Findings per file, so each row is a lookup rather than a pass over every finding.
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    for d in diagnostics {
        if let Some(f) = d.file.as_deref() {
            *per_file.entry(f).or_default() += 1;
        }
    }
    for row in rows {
        let changelog = row.changelog.as_deref().unwrap_or("");
        let mut n = per_file.get(changelog).copied().unwrap_or(0);
        if let Some(dir) = &row.chart_dir {
            let prefix = format!("{dir}/");
            n += per_file
                .range(prefix.as_str()..)
                .take_while(|(f, _)| f.starts_with(&prefix))
                .filter(|(f, _)| **f != changelog)
                .map(|(_, k)| k)
                .sum::<usize>();
        }
        md.push_str(&format!(
            "| {} | {} | {} | {n} |\n",
            md_cell(&row.name),
            row.version
                .as_deref()
                .map(md_cell)
                .unwrap_or_else(|| "—".into()),
            row.changelog
                .as_deref()
                .map(|c| format!("`{}`", md_cell(c)))
                .unwrap_or_else(|| "none".into())
        ));
    }
    if !preexisting.is_empty() {
        let mut groups: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for d in preexisting {
            *groups
                .entry((d.file.as_deref().unwrap_or(""), d.code))
                .or_default() += 1;
        }
        md.push_str(&format!(
            "\n### Pre-existing: {} finding(s) that the base already had\n\nThey are not judged: this change did not introduce them.\n\n| file | rule | count |\n|---|---|---|\n",
            preexisting.len()
        ));
        for ((file, code), n) in groups {
            md.push_str(&format!("| `{}` | `{code}` | {n} |\n", md_cell(file)));
        }
    }
    md
}
