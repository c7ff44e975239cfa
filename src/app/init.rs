//! `init`: writes `.github/release-action.yml` for an existing repository, each setting
//! inferred from what the repository already does (its charts directory, tags, changelogs,
//! environments) and printed with its evidence, so that `check --all` right after it reports
//! only true problems.
//!
//! It works offline on a checkout, with or without git history: tags are read from the
//! repository's own `.git` (loose and packed refs), never by running git. An existing file is
//! never overwritten: `init` shows what it would change and exits 1.

use super::workspace::{fs_stop, repo_root};
use super::{Outcome, RunEnv, Stop};
use crate::adapters::fs::{RepoDir, MAX_CHANGELOG, MAX_SMALL_FILE};
use crate::app::RepoRequest;
use crate::domain::config::{parse_config, ChangelogMode, VersionBump, DEFAULT_CONFIG_PATH};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::infer::{self, Inferred};
use crate::domain::name::check_name;
use crate::domain::rules::Level;
use crate::domain::{chart, tag::TagFormat};

/// What `init` is asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct InitRequest {
    /// Print the file instead of writing it.
    pub dry_run: bool,
    /// Also write the pull-request gate and release-tag workflows.
    pub workflows: bool,
}

/// Directories never searched for charts.
const SKIPPED: [&str; 5] = [".git", "node_modules", "target", "vendor", ".github"];

/// How deep charts directories are looked for (`deploy/helm/charts` is 3).
const MAX_DEPTH: usize = 3;

/// Most tags read from `.git` (bitnami/charts has about 31,000).
const MAX_TAGS: usize = 100_000;

/// A chart found while looking.
struct FoundChart {
    dir: String,
    name: Option<String>,
}

/// Every directory up to [`MAX_DEPTH`] that holds charts (`<dir>/<chart>/Chart.yaml`), with
/// its charts.
fn chart_dirs(repo: &RepoDir) -> Result<Vec<(String, Vec<FoundChart>)>, Stop> {
    let mut found = Vec::new();
    let mut queue = vec![(String::new(), 0usize)];
    while let Some((dir, depth)) = queue.pop() {
        let subdirs = if dir.is_empty() {
            repo.list_dirs(".")
        } else {
            repo.list_dirs(&dir)
        }
        .map_err(fs_stop)?;
        let mut charts = Vec::new();
        for sub in &subdirs {
            if SKIPPED.contains(&sub.as_str()) {
                continue;
            }
            let path = if dir.is_empty() {
                sub.clone()
            } else {
                format!("{dir}/{sub}")
            };
            let chart_path = format!("{path}/Chart.yaml");
            if repo.exists(&chart_path) {
                let name = repo
                    .read(&chart_path, MAX_SMALL_FILE)
                    .ok()
                    .flatten()
                    .and_then(|t| chart::parse_chart(&t, &chart_path).ok())
                    .map(|c| c.name);
                charts.push(FoundChart { dir: path, name });
            } else if depth < MAX_DEPTH {
                queue.push((path, depth + 1));
            }
        }
        if !charts.is_empty() && !dir.is_empty() {
            found.push((dir, charts));
        }
    }
    found.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    Ok(found)
}

/// The tag names of the repository's own `.git`: loose refs under `refs/tags` and packed ones.
fn local_tags(repo: &RepoDir) -> Vec<String> {
    let mut tags = Vec::new();
    if let Ok(Some(packed)) = repo.read(".git/packed-refs", 64 * 1024 * 1024) {
        for line in packed.lines() {
            if let Some((_, name)) = line.split_once(' ') {
                if let Some(tag) = name.strip_prefix("refs/tags/") {
                    tags.push(tag.to_owned());
                }
            }
        }
    }
    let mut queue = vec![String::new()];
    while let Some(prefix) = queue.pop() {
        let dir = format!(".git/refs/tags{prefix}");
        for sub in repo.list_dirs(&dir).unwrap_or_default() {
            queue.push(format!("{prefix}/{sub}"));
        }
        for file in repo.list_files(&dir).unwrap_or_default() {
            tags.push(
                format!("{prefix}/{file}")
                    .trim_start_matches('/')
                    .to_owned(),
            );
        }
        if tags.len() > MAX_TAGS {
            break;
        }
    }
    tags.sort();
    tags.dedup();
    tags
}

/// The inferred configuration, as lines of evidence and the file's text.
struct Plan {
    evidence: Vec<String>,
    text: String,
}

fn plan(repo: &RepoDir) -> Result<Plan, Stop> {
    let mut evidence = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new(); // (comment, `key: value` lines)
    let dirs = chart_dirs(repo)?;
    let Some((charts_dir, charts)) = dirs.first() else {
        return Err(Stop::UsageHelp {
            message: "no charts found: no directory up to 3 levels deep holds `<chart>/Chart.yaml`"
                .into(),
            help: vec![
                "run `init` in the repository that holds the charts, or pass `--repo DIR`".into(),
            ],
        });
    };
    let e = format!(
        "{} chart(s) under `{charts_dir}` (e.g. `{}`)",
        charts.len(),
        charts[0].dir
    );
    evidence.push(format!("charts-dir `{charts_dir}`: {e}"));
    keys.push((e, format!("charts-dir: {charts_dir}")));

    let names: Vec<&str> = charts
        .iter()
        .filter_map(|c| c.name.as_deref())
        .filter(|n| check_name(n).is_ok())
        .collect();
    let tags = local_tags(repo);
    let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    match infer::infer_tag_format(&tag_refs, &names) {
        Some(Inferred { value, evidence: e }) if TagFormat::parse(&value).is_ok() => {
            evidence.push(format!("tag-format `{value}`: {e}"));
            keys.push((e, format!("tag-format: \"{value}\"")));
        }
        _ if tags.is_empty() => evidence.push(
            "tag-format: no tags in the local git; the default `v{version}-{component}` is kept".into(),
        ),
        _ => evidence.push(format!(
            "tag-format: none of {} tag(s) names a chart in a known format; the default `v{{version}}-{{component}}` is kept",
            tags.len()
        )),
    }

    // Changelogs: next to each chart, else one at the root, else none.
    let own: Vec<String> = charts
        .iter()
        .map(|c| format!("{}/CHANGELOG.md", c.dir))
        .filter(|p| repo.exists(p))
        .collect();
    let root = repo.exists("CHANGELOG.md");
    let (mode, e) = if !own.is_empty() {
        (
            ChangelogMode::PerChart,
            format!(
                "{} of {} chart(s) keep a `CHANGELOG.md` beside `Chart.yaml`",
                own.len(),
                charts.len()
            ),
        )
    } else if root {
        (
            ChangelogMode::Root,
            "no chart keeps its own changelog; the root `CHANGELOG.md` serves them all".to_owned(),
        )
    } else {
        (
            ChangelogMode::None,
            "no `CHANGELOG.md` beside any chart nor at the root: no rule asks for one".to_owned(),
        )
    };
    evidence.push(format!("changelog `{}`: {e}", mode.as_str()));
    keys.push((e, format!("changelog: {}", mode.as_str())));
    let paths: Vec<String> = match mode {
        ChangelogMode::PerChart => own,
        ChangelogMode::Root => vec!["CHANGELOG.md".to_owned()],
        ChangelogMode::None => Vec::new(),
    };
    let mut texts = Vec::new();
    for p in &paths {
        if let Some(t) = repo.read(p, MAX_CHANGELOG).map_err(fs_stop)? {
            texts.push((p.clone(), t));
        }
    }
    let logs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    if mode != ChangelogMode::None {
        if let Some(style) = infer::describe_heading_style(&logs) {
            evidence.push(format!("heading style: {style}"));
        }
        let bump = infer::infer_version_bump(&logs);
        evidence.push(format!(
            "version-bump `{}`: {}",
            bump.value.as_str(),
            bump.evidence
        ));
        if bump.value != VersionBump::EveryChange {
            keys.push((
                bump.evidence,
                format!("version-bump: {}", bump.value.as_str()),
            ));
        }
    }

    // Environments: the bills of materials that exist.
    let envs: Vec<String> = repo
        .list_files("releases")
        .map_err(fs_stop)?
        .into_iter()
        .filter_map(|f| f.strip_suffix(".yaml").map(str::to_owned))
        .filter(|n| check_name(n).is_ok())
        .collect();
    if !envs.is_empty() {
        let envs = infer::order_environments(envs);
        let e = format!(
            "bills of materials {}",
            envs.iter()
                .map(|e| format!("`releases/{e}.yaml`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        evidence.push(format!("environments [{}]: {e}", envs.join(", ")));
        let protected = envs.last().cloned().unwrap_or_default();
        keys.push((e, format!("environments: [{}]", envs.join(", "))));
        keys.push((
            format!("promotion pull requests into `{protected}`, the last environment, are drafts"),
            format!("protected: [{protected}]"),
        ));
    } else {
        evidence.push(
            "environments: no `releases/*.yaml`; the defaults (dev, staging, prod) are kept".into(),
        );
    }

    // Rule levels that match the repository's current practice.
    let mut rules: Vec<(&'static str, Inferred<Level>)> = infer::infer_changelog_rules(&logs);
    let mismatched = charts
        .iter()
        .filter(|c| {
            c.name
                .as_deref()
                .is_some_and(|n| !c.dir.ends_with(&format!("/{n}")))
        })
        .count();
    if mismatched * 2 > charts.len() {
        rules.push((
            "chart/name-mismatch",
            Inferred {
                value: Level::Off,
                evidence: format!(
                    "{mismatched} of {} chart directories are named otherwise than their chart",
                    charts.len()
                ),
            },
        ));
    }
    if !rules.is_empty() {
        let mut block = String::from("rules:");
        for (id, r) in &rules {
            evidence.push(format!("rule `{id}: {}`: {}", r.value.as_str(), r.evidence));
            block.push_str(&format!(
                "\n  # {}\n  {id}: {}",
                r.evidence,
                r.value.as_str()
            ));
        }
        keys.push((
            "rule levels that match the repository's current practice (docs/rules.md)".into(),
            block,
        ));
    }

    let mut text = String::from(
        "# release-action configuration, inferred by `release-action init` from what this\n# repository already does. Every key is described in docs/configuration.md.\n",
    );
    for (comment, body) in keys {
        text.push_str(&format!("\n# {comment}\n{body}\n"));
    }
    // The file must be one the commands accept.
    parse_config(&text).map_err(|e| {
        Stop::Failure(anyhow::anyhow!(
            "internal error: the inferred configuration does not parse ({e}); please report it"
        ))
    })?;
    Ok(Plan { evidence, text })
}

/// The workflows `--workflows` writes: the pull-request gate, and the release-tag workflow with
/// its tag pattern fitted to the inferred `tag-format`.
fn workflows(text: &str) -> Vec<(&'static str, String)> {
    let format = parse_config(text)
        .map(|c| c.tag_format.template().to_owned())
        .unwrap_or_else(|_| TagFormat::default().template().to_owned());
    let pattern = format
        .replace("{version}", "*.*.*")
        .replace("{component}", "*");
    let release = include_str!("../../workflows-examples/release-tag.yml")
        .replace("      - 'v*.*.*-*'", &format!("      - '{pattern}'"));
    vec![
        (
            ".github/workflows/pr-check.yml",
            include_str!("../../workflows-examples/pr-check.yml").to_owned(),
        ),
        (".github/workflows/release-tag.yml", release),
    ]
}

/// Runs `init`.
pub fn run_init(common: &RepoRequest, req: InitRequest, env: &RunEnv) -> Result<Outcome, Stop> {
    let root = repo_root(common, env);
    let repo = RepoDir::open(&root).map_err(|e| {
        Stop::Usage(format!(
            "`--repo {}` is not a readable directory: {e}",
            root.display()
        ))
    })?;
    let path = common
        .config
        .clone()
        .unwrap_or_else(|| DEFAULT_CONFIG_PATH.to_owned());
    let plan = plan(&repo)?;
    let mut out = Outcome::default();
    out.log
        .extend(plan.evidence.iter().map(|e| format!("init: {e}")));
    let mut files = vec![(path.clone(), plan.text.clone())];
    if req.workflows {
        files.extend(
            workflows(&plan.text)
                .into_iter()
                .map(|(p, t)| (p.to_owned(), t)),
        );
    }
    if req.dry_run {
        for (p, t) in &files {
            out.stdout.push_str(&format!("# {p}\n{t}"));
        }
        out.log.push(format!(
            "init: dry run: {} file(s) not written",
            files.len()
        ));
        return Ok(out);
    }
    // Never overwrite: an existing file is compared, not replaced.
    let mut refused = Vec::new();
    for (p, t) in &files {
        if let Some(existing) = repo.read(p, MAX_SMALL_FILE).map_err(fs_stop)? {
            if &existing != t {
                let diff = similar::TextDiff::from_lines(existing.as_str(), t.as_str())
                    .unified_diff()
                    .header(&format!("a/{p}"), &format!("b/{p}"))
                    .to_string();
                out.stdout.push_str(&diff);
                refused.push(
                    Diagnostic::error("init/exists", format!("`{p}` exists; `init` never overwrites it"))
                        .in_file(p.clone())
                        .with_help("the diff on stdout shows what `init` would change; apply what you agree with by hand, or remove the file and run `init` again"),
                );
            }
        }
    }
    if !refused.is_empty() {
        out.diagnostics = refused;
        return Err(Stop::Findings(Box::new(out)));
    }
    let mut written = 0;
    for (p, t) in &files {
        if repo.exists(p) {
            continue; // identical: nothing to do
        }
        repo.write_atomic(p, t.as_bytes())
            .map_err(|e| Stop::Failure(anyhow::Error::new(e)))?;
        written += 1;
        out.log.push(format!("init: wrote `{p}`"));
    }
    if written == 0 {
        out.log
            .push("init: nothing to do: the files already say this".into());
    }
    let mut summary = String::from("## release-action init\n\n| setting | evidence |\n|---|---|\n");
    for e in &plan.evidence {
        let (k, v) = e.split_once(": ").unwrap_or((e.as_str(), ""));
        summary.push_str(&format!(
            "| {} | {} |\n",
            crate::report::md_cell(k),
            crate::report::md_cell(v)
        ));
    }
    out.summary = summary;
    Ok(out)
}
