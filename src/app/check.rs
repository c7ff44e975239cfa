//! `check`: the pull-request gate. Every changelog, chart, values file and bill of materials is
//! checked, then each chart changed against the base must carry a higher version and a
//! changelog section for it.

use std::collections::BTreeSet;

use super::workspace::{Component, Workspace};
use super::{gate, Outcome, RunEnv, Stop};
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
        rows.push((c.name.clone(), version, c.changelog.clone()));
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
            out.diagnostics.extend(bom::validate_bom(&text, &path));
        }
    }

    let base = base.map(str::to_owned).or_else(|| pull_request_base(env));
    let mut compared = None;
    if let Some(base) = base {
        compared = Some(compare_with_base(&ws, &base, &mut out)?);
    }

    out.summary = render_summary(&rows, compared.as_deref(), &out.diagnostics);
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

/// The pull request's base sha from the event payload, when running on `pull_request`.
fn pull_request_base(env: &RunEnv) -> Option<String> {
    let event =
        crate::adapters::actions::read_event(std::path::Path::new(env.var("GITHUB_EVENT_PATH")?))?;
    event
        .pointer("/pull_request/base/sha")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
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
    let merge_base = localgit::merge_base(root, base).map_err(|e| match e {
        localgit::GitError::BadRevision(_) | localgit::GitError::UnknownRevision(_) => {
            Stop::Usage(e.to_string())
        }
        other => Stop::Failure(other.into()),
    })?;
    let changed =
        localgit::changed_files(root, &merge_base).map_err(|e| Stop::Failure(e.into()))?;
    for c in &ws.components {
        let (Some(dir), Some(chart_path)) = (&c.chart_dir, c.chart_path()) else {
            continue;
        };
        let prefix = format!("{dir}/");
        let ignore = ws
            .read_small(&format!("{dir}/.helmignore"))?
            .map(|t| HelmIgnore::parse(&t))
            .unwrap_or_default();
        let needs_bump: Vec<&str> = changed
            .iter()
            .filter_map(|f| f.strip_prefix(&prefix))
            .filter(|rel| !is_exempt(ws, &ignore, rel))
            .collect();
        if needs_bump.is_empty() {
            continue;
        }
        let Some(text) = ws.read_small(&chart_path)? else {
            continue;
        };
        let Ok(now) = chart::parse_chart(&text, &chart_path) else {
            continue;
        };
        let Ok(new) = semver::Version::parse(&now.version) else {
            continue;
        };
        let old = localgit::show(root, &merge_base, &chart_path)
            .map_err(|e| Stop::Failure(e.into()))?
            .and_then(|t| chart::parse_chart(&t, &chart_path).ok())
            .and_then(|c| semver::Version::parse(&c.version).ok());
        if let Some(old) = &old {
            if &new <= old {
                out.diagnostics.push(
                    Diagnostic::error(
                        "check/version-not-bumped",
                        format!(
                            "`{}` changed ({}) but its version {new} is not higher than {old} on the base",
                            c.name,
                            summarize_files(&needs_bump)
                        ),
                    )
                    .in_file(&chart_path)
                    .at_line(now.version_line)
                    .with_help(format!("bump `version` in `{chart_path}` (e.g. to {}) and add a changelog section for it", crate::domain::version::next_version(old, crate::domain::version::Bump::Patch)))
                    .with_help(format!("changes only to {} need no bump", ws.config.bump_exempt.join(", "))),
                );
                continue;
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
    }
    Ok(merge_base)
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
    rows: &[(String, Option<String>, String)],
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
    for (name, version, changelog) in rows {
        let n = diagnostics
            .iter()
            .filter(|d| {
                d.file
                    .as_deref()
                    .is_some_and(|f| f == changelog || f.contains(&format!("/{name}/")))
            })
            .count();
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
