//! The findings of one side of a change (the head's working tree, or the base laid out on
//! disk), limited to what the change touches: the same code judges both sides, so that their
//! findings can be compared.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::app::workspace::{Component, Workspace};
use crate::app::Stop;
use crate::domain::config::ChangelogMode;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::helmignore::HelmIgnore;
use crate::domain::{bom, changelog, chart, values, version_file};

/// What the change touches, as chart-testing selects charts.
#[derive(Debug, Default)]
pub(super) struct Change {
    /// Chart directories with changed files (files `.helmignore` excludes left out), each with
    /// the changed files (relative to the directory) that need a version bump.
    pub charts: BTreeMap<String, Vec<String>>,
    /// Declared (non-chart) components whose version files or changelog changed.
    pub declared: BTreeSet<String>,
    /// Every changed path.
    pub paths: BTreeSet<String>,
}

impl Change {
    /// Sorts `changed` (repository paths) into the charts and components they belong to.
    pub fn new(ws: &Workspace, changed: &[String]) -> Result<Self, Stop> {
        let mut change = Self {
            paths: changed.iter().cloned().collect(),
            ..Self::default()
        };
        for c in &ws.components {
            let Some(dir) = &c.chart_dir else {
                let touched = c.version_files.iter().any(|f| change.paths.contains(f))
                    || change.paths.contains(&c.changelog);
                if touched {
                    change.declared.insert(c.name.clone());
                }
                continue;
            };
            let prefix = format!("{dir}/");
            let rel: Vec<&str> = changed
                .iter()
                .filter_map(|f| f.strip_prefix(&prefix))
                .collect();
            if rel.is_empty() {
                continue;
            }
            let ignore = ws
                .read_small(&format!("{dir}/.helmignore"))?
                .map(|t| HelmIgnore::parse(&t))
                .unwrap_or_default();
            let packaged: Vec<&str> = rel.into_iter().filter(|r| !ignore.is_ignored(r)).collect();
            if packaged.is_empty() {
                continue;
            }
            let bump = packaged
                .iter()
                .filter(|r| !is_exempt(&ws.config.bump_exempt, r))
                .map(|r| (*r).to_owned())
                .collect();
            change.charts.insert(dir.clone(), bump);
        }
        Ok(change)
    }

    fn touches_dir(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.paths
            .range(prefix.clone()..)
            .next()
            .is_some_and(|p| p.starts_with(&prefix))
    }
}

/// Whether a changed file (relative to its chart directory) needs no version bump.
fn is_exempt(exempt: &[String], rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    exempt
        .iter()
        .any(|e| e == rel || (!e.contains('/') && e == base))
}

/// Which part of the repository is judged.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope<'c> {
    /// Everything (no base, or `--all`).
    All,
    /// What the change touches.
    Changed(&'c Change),
}

impl Scope<'_> {
    fn component(&self, c: &Component) -> bool {
        match self {
            Scope::All => true,
            Scope::Changed(ch) => match &c.chart_dir {
                Some(dir) => ch.charts.contains_key(dir),
                None => ch.declared.contains(&c.name),
            },
        }
    }

    fn path(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Changed(ch) => ch.paths.contains(path),
        }
    }

    fn dir(&self, dir: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Changed(ch) => ch.touches_dir(dir),
        }
    }
}

/// One judged component, for the summary table.
pub(super) struct Row {
    pub name: String,
    pub version: Option<String>,
    pub changelog: Option<String>,
    pub chart_dir: Option<String>,
}

/// The findings of one side.
#[derive(Default)]
pub(super) struct Judged {
    /// The findings, with the repository's rule levels applied.
    pub findings: Vec<Diagnostic>,
    /// The judged components.
    pub rows: Vec<Row>,
    /// The charts each judged bill of materials pins, by path.
    pub boms: BTreeMap<String, BTreeMap<String, String>>,
    /// Every judged chart that parses, by its `Chart.yaml` path.
    pub charts: HashMap<String, chart::Chart>,
    /// The text of every file read, when asked to keep them (for fingerprints).
    pub texts: HashMap<String, String>,
    keep_texts: bool,
}

impl Judged {
    fn read(
        &mut self,
        ws: &Workspace,
        path: &str,
        changelog: bool,
    ) -> Result<Option<String>, Stop> {
        let text = if changelog {
            ws.read_changelog(path)?
        } else {
            ws.read_small(path)?
        };
        if let (true, Some(t)) = (self.keep_texts, &text) {
            self.texts.insert(path.to_owned(), t.clone());
        }
        Ok(text)
    }
}

/// The paths whose base copies `judge` reads for `scope`.
pub(super) fn paths_read(ws: &Workspace, scope: Scope<'_>) -> Result<Vec<String>, Stop> {
    let mut paths = BTreeSet::new();
    for c in ws.components.iter().filter(|c| scope.component(c)) {
        if let Some(dir) = &c.chart_dir {
            for f in ["Chart.yaml", "values.yaml", "CHANGELOG.md", ".helmignore"] {
                paths.insert(format!("{dir}/{f}"));
            }
        }
        paths.insert(c.changelog.clone());
        paths.extend(c.version_files.iter().cloned());
    }
    paths.insert("CHANGELOG.md".to_owned());
    for bom in bom_files(ws, scope)? {
        paths.insert(bom);
    }
    Ok(paths.into_iter().collect())
}

/// The bills of materials in scope.
fn bom_files(ws: &Workspace, scope: Scope<'_>) -> Result<Vec<String>, Stop> {
    let dir = &ws.config.releases_dir;
    Ok(ws
        .repo
        .list_files(dir)
        .map_err(crate::app::workspace::fs_stop)?
        .into_iter()
        .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml"))
        .map(|f| format!("{dir}/{f}"))
        .filter(|p| scope.path(p))
        .collect())
}

/// Judges `ws` within `scope`. `keep_texts` keeps every file read, for fingerprints.
pub(super) fn judge(ws: &Workspace, scope: Scope<'_>, keep_texts: bool) -> Result<Judged, Stop> {
    let mut j = Judged {
        keep_texts,
        ..Judged::default()
    };
    for dir in ws.bad_chart_dirs.iter().filter(|d| scope.dir(d)) {
        j.findings.push(
            Diagnostic::error("chart/bad-name", format!("chart `{dir}` has no valid name, and its directory is no valid name either"))
                .in_file(format!("{dir}/Chart.yaml"))
                .with_help("chart names use lowercase letters, digits and inner hyphens, at most 63 characters"),
        );
    }
    for (name, first, second) in &ws.duplicates {
        if scope.dir(first) || scope.dir(second) {
            j.findings.push(
                Diagnostic::error(
                    "chart/duplicate-name",
                    format!("charts `{first}` and `{second}` are both named `{name}`"),
                )
                .in_file(format!("{second}/Chart.yaml"))
                .with_help("a chart is known by its `name:`; give each chart its own name"),
            );
        }
    }
    let mode = ws.config.changelog;
    let mut changelogs = BTreeSet::new();
    for c in ws.components.iter().filter(|c| scope.component(c)) {
        let version = check_component(ws, c, &mut j)?;
        let changelog = (mode != ChangelogMode::None).then(|| c.changelog.clone());
        if let Some(path) = &changelog {
            if ws.repo.exists(path) {
                changelogs.insert(path.clone());
            } else {
                j.findings.push(missing_changelog(ws, c));
            }
        }
        j.rows.push(Row {
            name: c.name.clone(),
            version,
            changelog,
            chart_dir: c.chart_dir.clone(),
        });
    }
    if mode != ChangelogMode::None && scope.path("CHANGELOG.md") && ws.repo.exists("CHANGELOG.md") {
        changelogs.insert("CHANGELOG.md".to_owned());
    }
    for path in &changelogs {
        if let Some(text) = j.read(ws, path, true)? {
            j.findings.extend(changelog::validate(&text, path));
        }
    }
    for path in bom_files(ws, scope)? {
        if let Some(text) = j.read(ws, &path, false)? {
            let (parsed, findings) = bom::check_bom(&text, &path);
            j.findings.extend(findings);
            if let Some(parsed) = parsed {
                j.boms.insert(path, parsed.charts);
            }
        }
    }
    j.findings = ws.config.rules.apply(std::mem::take(&mut j.findings));
    Ok(j)
}

/// A component without its changelog: one finding per component, naming every path looked at.
fn missing_changelog(ws: &Workspace, c: &Component) -> Diagnostic {
    let mut looked = Vec::new();
    if let Some(dir) = &c.chart_dir {
        if ws.config.changelog == ChangelogMode::PerChart {
            looked.push(format!("`{dir}/CHANGELOG.md`"));
        }
    }
    if !looked.contains(&format!("`{}`", c.changelog)) {
        looked.push(format!("`{}`", c.changelog));
    }
    let d = Diagnostic::error(
        "changelog/missing",
        format!(
            "`{}` has no changelog: looked at {}",
            c.name,
            looked.join(" and ")
        ),
    )
    .with_help(
        "start one from https://keepachangelog.com/en/1.1.0/ with a `## [Unreleased]` section",
    )
    .with_help(
        "a repository without changelogs says so with `changelog: none` in its configuration",
    );
    match c.chart_path() {
        Some(p) => d.in_file(p).at_line(1),
        None => d,
    }
}

/// Checks one component's chart, values and version files; returns its version.
fn check_component(ws: &Workspace, c: &Component, j: &mut Judged) -> Result<Option<String>, Stop> {
    let mut version = None;
    if let (Some(dir), Some(path)) = (&c.chart_dir, c.chart_path()) {
        if let Some(text) = j.read(ws, &path, false)? {
            let dir_name = dir.rsplit('/').next().unwrap_or(dir);
            let (parsed, findings) = chart::check_chart(&text, &path, dir_name);
            j.findings.extend(findings);
            version = parsed.as_ref().map(|p| p.version.clone());
            let values_path = format!("{dir}/values.yaml");
            if let Some(values) = j.read(ws, &values_path, false)? {
                let app_version = parsed.as_ref().and_then(|p| p.app_version.as_deref());
                j.findings
                    .extend(values::validate_values(&values, &values_path, app_version));
            }
            if let Some(chart) = parsed {
                j.charts.insert(path, chart);
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
            j.findings.push(
                Diagnostic::error("version-file/unknown", format!("`{path}` is not a recognised version file"))
                    .with_help("version files are Chart.yaml, package.json, Cargo.toml, pyproject.toml, *.py and VERSION"),
            );
            continue;
        };
        let Some(text) = j.read(ws, path, false)? else {
            j.findings.push(
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
                        j.findings.push(
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
            Err(d) => j.findings.push(d.in_file(path.clone())),
        }
    }
    Ok(version)
}
