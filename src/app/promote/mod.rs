//! `promote`: move a chart one step along the environments, as a plan of file edits that is
//! printed (`--dry-run`), applied to the working tree (`--local`), or committed through the API.

use std::collections::BTreeMap;

use semver::Version;

mod via_api;

use super::connect::{block_on, connect, OFFLINE_WRITE};
use super::publish::{self, FileChange};
use super::workspace::{fs_stop, Workspace};
use super::{edit_refused, Outcome, RunEnv, Stop};
use super::{BumpRequest, RepoRequest};
use crate::domain::changelog::{self, BumpLevel};
use crate::domain::config::ChangelogMode;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::Name;
use crate::domain::promotion::{
    decide, known_environment, PromotionFacts, PromotionPlan, PromotionRequest, VersionChoice,
};
use crate::domain::version::Bump;
use crate::domain::{bom, chart, rollback};
use crate::report::{md_cell, render_mermaid};
use via_api::PromoteJob;

/// What `promote` was asked to do.
#[derive(Debug, Clone)]
pub struct PromoteRequest {
    /// `--chart`.
    pub chart: Name,
    /// `--from`.
    pub from: Option<Name>,
    /// `--to`.
    pub to: Name,
    /// `--version`.
    pub version: Option<Version>,
    /// `--bump`.
    pub bump: Option<BumpRequest>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--local`.
    pub local: bool,
}

/// The full plan: the decision, the file edits and the pull request to open.
#[derive(Debug, Clone)]
pub struct PromotePlan {
    /// The policy's decision.
    pub decision: PromotionPlan,
    /// File edits, in commit order.
    pub changes: Vec<FileChange>,
    /// Each environment's version before and after.
    pub environments: Vec<(String, Option<Version>, Option<Version>)>,
    /// Changelog sections between the target's old version and the new one, newest first.
    pub sections: Vec<(String, String)>,
    /// The pull request branch.
    pub branch: String,
    /// The pull request title.
    pub title: String,
    /// The pull request body.
    pub body: String,
    /// Whether the pull request is a draft.
    pub draft: bool,
    /// The chart's paths.
    pub chart_path: String,
    /// The changelog path.
    pub changelog_path: String,
    /// `(label, url)` of the GitHub compare view between the target's old and new version.
    pub compare: Option<(String, String)>,
}

/// Runs `promote`: through the API, or on the working tree with `--local` / `--dry-run`.
pub fn run_promote(
    common: &RepoRequest,
    req: &PromoteRequest,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    check_request(&ws, req)?;
    // Through the API unless told to stay local; a dry run uses the API only when it can.
    let use_api = super::connect::wants_api(env, req.local, req.dry_run);
    if use_api {
        let gh = connect(env, OFFLINE_WRITE)?;
        let job = PromoteJob { ws: &ws, req, env };
        return block_on(publish::apply(&gh, &ws.repo, env, &job, req.dry_run));
    }
    let plan = plan_promotion(
        &ws,
        req,
        env,
        |path| ws.read_small(path),
        |path| ws.read_changelog(path),
        None,
        &local_history(&ws)?,
    )?;
    let mut out = outcome_for(&plan);
    if plan.decision.already_done {
        out.log.push(format!(
            "`{}` already runs `{}` {}: nothing to do",
            plan.decision.to, plan.decision.chart, plan.decision.version
        ));
        return Ok(out);
    }
    if req.dry_run {
        out.stdout = render_plan_text(&plan, false);
        out.log.push("dry run: nothing was written".into());
    } else {
        for change in &plan.changes {
            ws.repo
                .write_atomic(&change.path, change.after.as_bytes())
                .map_err(fs_stop)?;
            out.log
                .push(format!("wrote {} ({})", change.path, change.why));
        }
    }
    Ok(out)
}

/// Refuses a request the configuration cannot satisfy (an environment it does not name, a chart
/// the workspace does not have) before anything is read from GitHub.
fn check_request(ws: &Workspace, req: &PromoteRequest) -> Result<(), Stop> {
    for name in std::iter::once(&req.to).chain(&req.from) {
        known_environment(&ws.config.environments, name).map_err(|e| Stop::Usage(e.to_string()))?;
    }
    if ws
        .component(&req.chart)
        .is_none_or(|c| c.chart_dir.is_none())
    {
        return Err(Stop::findings(vec![
            ws.unknown_component(&req.chart, "promotion/unknown-chart")
        ]));
    }
    Ok(())
}

/// The environment the chart comes from: `--from`, else the one before `--to` (none when `--to`
/// is the first).
fn source_environment(ws: &Workspace, req: &PromoteRequest) -> Option<String> {
    match &req.from {
        Some(from) => Some(from.to_string()),
        None => ws.config.previous_environment(&req.to).map(str::to_owned),
    }
}

/// Every archive path under `<releases-dir>/history/<env>/` in the working tree.
fn local_history(ws: &Workspace) -> Result<Vec<String>, Stop> {
    let dir = format!("{}/history", ws.config.releases_dir);
    let mut paths = Vec::new();
    for env in &ws.config.environments {
        let sub = format!("{dir}/{env}");
        for name in ws.repo.list_files(&sub).map_err(fs_stop)? {
            paths.push(format!("{sub}/{name}"));
        }
    }
    Ok(paths)
}

/// The branch a promotion's pull request comes from.
fn branch_name(req: &PromoteRequest) -> String {
    format!("release-action/promote/{}-{}", req.chart, req.to)
}

/// Maps a `--bump` choice and `--version` to the policy's version choice.
fn version_choice(req: &PromoteRequest) -> Result<VersionChoice, Stop> {
    Ok(match (&req.version, req.bump) {
        (Some(v), _) => VersionChoice::Exact(v.clone()),
        (None, Some(BumpRequest::Patch)) => VersionChoice::Bump(Bump::Patch),
        (None, Some(BumpRequest::Minor)) => VersionChoice::Bump(Bump::Minor),
        (None, Some(BumpRequest::Major)) => VersionChoice::Bump(Bump::Major),
        (None, Some(BumpRequest::Auto)) => VersionChoice::Auto,
        (None, None) => VersionChoice::Default,
    })
}

/// The soak facts the API knows (time since the source BOM last changed); `None` offline.
pub type SoakElapsed = Option<std::time::Duration>;

/// Builds the plan from files read through `read_small` and `read_changelog` (the working
/// tree, or the base branch through the API); `history` lists the paths under
/// `<releases-dir>/history/`, whose rollback records withdraw versions.
pub fn plan_promotion(
    ws: &Workspace,
    req: &PromoteRequest,
    env: &RunEnv,
    read_small: impl Fn(&str) -> Result<Option<String>, Stop>,
    read_changelog: impl Fn(&str) -> Result<Option<String>, Stop>,
    soak_elapsed: SoakElapsed,
    history: &[String],
) -> Result<PromotePlan, Stop> {
    let choice = version_choice(req)?;
    let component = ws
        .component(&req.chart)
        .filter(|c| c.chart_dir.is_some())
        .cloned()
        .ok_or_else(|| {
            Stop::findings(vec![
                ws.unknown_component(&req.chart, "promotion/unknown-chart")
            ])
        })?;
    let chart_path = component.chart_path().unwrap_or_default();
    let chart_text = read_small(&chart_path)?.ok_or_else(|| {
        Stop::findings(vec![Diagnostic::error(
            "chart/missing",
            format!("`{chart_path}` does not exist"),
        )
        .in_file(&chart_path)])
    })?;
    let parsed = chart::parse_chart(&chart_text, &chart_path).map_err(Stop::findings)?;
    let chart_version = Version::parse(&parsed.version).map_err(|e| {
        Stop::findings(vec![Diagnostic::error(
            "chart/version",
            format!("`version: {}` is not SemVer 2: {e}", parsed.version),
        )
        .in_file(&chart_path)
        .at_line(parsed.version_line)])
    })?;

    let mut boms = BTreeMap::new();
    let mut deployed = BTreeMap::new();
    for e in &ws.config.environments {
        let path = ws.bom_path(e);
        if let Some(text) = read_small(&path)? {
            let parsed = bom::parse_bom(&text, &path).map_err(Stop::findings)?;
            if let Some(v) = bom::chart_version(&parsed, &req.chart) {
                let v = Version::parse(v).map_err(|err| {
                    Stop::findings(vec![Diagnostic::error(
                        "bom/version",
                        format!(
                            "`{}` pins `{}` to `{v}`, which is not SemVer 2: {err}",
                            path, req.chart
                        ),
                    )
                    .in_file(&path)])
                })?;
                deployed.insert(e.clone(), v);
            }
            boms.insert(e.clone(), text);
        }
    }
    let changelog_path = component.changelog.clone();
    let log_text = read_changelog(&changelog_path)?;
    let auto_bump = log_text
        .as_deref()
        .and_then(changelog::unreleased_bump)
        .map(|b| match b {
            BumpLevel::Patch => Bump::Patch,
            BumpLevel::Minor => Bump::Minor,
            BumpLevel::Major => Bump::Major,
        });
    let from_env = source_environment(ws, req);
    let facts = PromotionFacts {
        chart_version: Some(chart_version.clone()),
        chart_version_at: Some((chart_path.clone(), parsed.version_line)),
        no_unreleased_in: log_text
            .as_deref()
            .filter(|t| changelog::parse(t).unreleased().is_none())
            .map(|_| changelog_path.clone()),
        deployed: deployed.clone(),
        auto_bump,
        soak_required: from_env
            .as_ref()
            .and_then(|f| ws.config.soak.get(f).copied()),
        soak_elapsed,
        withdrawn: rollback::withdrawn_versions(
            history.iter().map(String::as_str),
            &ws.config.releases_dir,
            &req.chart,
        ),
    };
    let exact = matches!(choice, VersionChoice::Exact(_));
    let request = PromotionRequest {
        chart: req.chart.to_string(),
        from: req.from.as_ref().map(Name::to_string),
        to: req.to.to_string(),
        version: choice,
    };
    let decision = decide(&ws.config.environments, &request, &facts).map_err(|e| match e {
        Ok(usage) => Stop::Usage(usage.to_string()),
        Err(findings) => Stop::findings(findings),
    })?;
    // A version asked for by name must have its changelog section, unless this promotion cuts
    // `[Unreleased]` into it (it bumps the chart) or the repository keeps no changelogs.
    if exact
        && !decision.bump_chart
        && !decision.already_done
        && ws.config.changelog != ChangelogMode::None
    {
        let version = decision.version.to_string();
        let found = log_text
            .as_deref()
            .is_some_and(|t| changelog::extract(t, &version).is_some());
        if !found {
            let (message, line) = match log_text.as_deref() {
                Some(t) => (
                    format!("`{changelog_path}` has no section for {version}"),
                    changelog::first_section_line(&changelog::parse(t)).unwrap_or(1),
                ),
                None => (
                    format!(
                        "`{changelog_path}` does not exist, so {version} has no changelog section"
                    ),
                    1,
                ),
            };
            return Err(Stop::findings(vec![Diagnostic::error(
                "promotion/no-changelog-section",
                message,
            )
            .in_file(&changelog_path)
            .at_line(line)
            .with_help(format!(
                "add a `## [{version}] - YYYY-MM-DD` section with its changes, or promote a version that has one"
            ))
            .with_help("a repository without changelogs says `changelog: none` in its configuration")]));
        }
    }

    let mut changes = Vec::new();
    let version = decision.version.clone();
    let mut new_log = log_text.clone();
    if decision.bump_chart && !decision.already_done {
        let after = chart::set_chart_version(&chart_text, &version).map_err(|e| {
            edit_refused(
                &e,
                Diagnostic::error(
                    "chart/edit",
                    format!("cannot set the version in `{chart_path}`: {e}"),
                )
                .in_file(&chart_path),
            )
        })?;
        changes.push(FileChange {
            path: chart_path.clone(),
            before: Some(chart_text.clone()),
            after,
            why: format!("bump `version` {chart_version} → {version}"),
        });
        let text = log_text.clone().ok_or_else(|| {
            Stop::findings(vec![Diagnostic::error(
                "changelog/missing",
                format!("`{changelog_path}` does not exist"),
            )
            .in_file(&changelog_path)
            .with_help(format!(
                "add a changelog with an `## [Unreleased]` section describing {version}"
            ))])
        })?;
        if changelog::extract(&text, &version.to_string()).is_none() {
            let parsed_log = changelog::parse(&text);
            let unreleased_empty = parsed_log.unreleased().is_none_or(|s| {
                text.get(s.body_range.clone())
                    .is_none_or(|b| b.trim().is_empty())
            });
            if unreleased_empty {
                let d = match parsed_log.unreleased() {
                    Some(section) => Diagnostic::error(
                        "promotion/empty-unreleased",
                        format!("`{changelog_path}` has nothing under `[Unreleased]` to release as {version}"),
                    )
                    .at_line(section.line)
                    .with_help("describe the changes under `## [Unreleased]` (`### Added`, `### Fixed`, …) first"),
                    None => Diagnostic::error(
                        "promotion/empty-unreleased",
                        format!("`{changelog_path}` has no `## [Unreleased]` section to release as {version}"),
                    )
                    .at_line(changelog::first_section_line(&parsed_log).unwrap_or(1))
                    .with_help("add a `## [Unreleased]` section above the releases and describe the changes under it (`### Added`, `### Fixed`, …)"),
                };
                return Err(Stop::findings(vec![d.in_file(&changelog_path)]));
            }
            let cut = changelog::cut_release(&text, &version, &env.today()).map_err(|e| {
                Stop::findings(vec![Diagnostic::error(
                    "changelog/cut",
                    format!("cannot cut release {version} in `{changelog_path}`: {e}"),
                )
                .in_file(&changelog_path)])
            })?;
            changes.push(FileChange {
                path: changelog_path.clone(),
                before: Some(text),
                after: cut.clone(),
                why: format!("move `[Unreleased]` into `[{version}] - {}`", env.today()),
            });
            new_log = Some(cut);
        }
    }
    let bom_path = ws.bom_path(&req.to);
    let bom_before = boms.get(req.to.as_str()).cloned();
    if !decision.already_done {
        let base = bom_before
            .clone()
            .unwrap_or_else(|| format!("environment: {}\ncharts: {{}}\n", req.to));
        let pinned = bom::pin_chart(&base, &req.chart, &version).map_err(|e| {
            edit_refused(
                &e,
                Diagnostic::error(
                    "bom/edit",
                    format!("cannot pin `{}` in `{bom_path}`: {e}", req.chart),
                )
                .in_file(&bom_path),
            )
        })?;
        if let Some(before) = &bom_before {
            let archive = format!(
                "{}/history/{}/{}",
                ws.config.releases_dir,
                req.to,
                publish::history_name(env, &format!("promote-{}-{version}", req.chart))
            );
            changes.push(FileChange {
                path: archive,
                before: None,
                after: before.clone(),
                why: format!("archive the previous `{bom_path}`"),
            });
        }
        changes.push(FileChange {
            path: bom_path.clone(),
            before: bom_before,
            after: pinned,
            why: format!("pin `{}` {} in `{}`", req.chart, version, req.to),
        });
    }

    let environments = ws
        .config
        .environments
        .iter()
        .map(|e| {
            let before = deployed.get(e).cloned();
            let after = if req.to == *e {
                Some(version.clone())
            } else {
                before.clone()
            };
            (e.clone(), before, after)
        })
        .collect();
    let sections = new_log
        .as_deref()
        .map(|t| {
            changelog::sections_between(t, decision.previous.as_ref(), &version)
                .into_iter()
                .map(|(v, s)| (v, s.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let draft = ws.config.is_protected(&req.to);
    let branch = branch_name(req);
    let title = format!("Promote {} {} to {}", req.chart, version, req.to);
    let mut plan = PromotePlan {
        decision,
        changes,
        environments,
        sections,
        branch,
        title,
        body: String::new(),
        draft,
        chart_path,
        changelog_path,
        compare: None,
    };
    plan.compare = compare_link(ws, env, &plan);
    plan.body = render_pr_body(&plan, &ws.config.environments);
    Ok(plan)
}

/// Outputs and summary for a plan.
pub fn outcome_for(plan: &PromotePlan) -> Outcome {
    let mut out = Outcome {
        diagnostics: plan.decision.warnings.clone(),
        ..Outcome::default()
    };
    let d = &plan.decision;
    out.output("component", &d.chart);
    out.output("version", d.version.to_string());
    out.output(
        "previous-version",
        d.previous
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    out.output(
        "chart-path",
        plan.chart_path.trim_end_matches("/Chart.yaml"),
    );
    out.output("changelog-path", &plan.changelog_path);
    out.output("branch", &plan.branch);
    out.output("draft", plan.draft.to_string());
    out.summary = format!("## {}\n\n{}", md_cell(&plan.title), plan.body);
    out
}

/// The pull request body: what a release manager needs to decide.
pub fn render_pr_body(plan: &PromotePlan, envs: &[String]) -> String {
    let d = &plan.decision;
    let mut md = String::new();
    let from = d
        .from
        .as_deref()
        .map(|f| format!(" from `{f}`"))
        .unwrap_or_default();
    md.push_str(&format!(
        "Promotes **{}** {}{from} to `{}`{}.\n\n",
        d.chart,
        d.version,
        d.to,
        if plan.draft { " (a protected environment: this pull request is a draft until a release manager marks it ready)" } else { "" }
    ));
    md.push_str("### Environments\n\n| environment | before | after |\n|---|---|---|\n");
    for (e, before, after) in &plan.environments {
        let b = before
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| "—".into());
        let a = after
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| "—".into());
        let mark = if before != after {
            " **(changes)**"
        } else {
            ""
        };
        md.push_str(&format!("| `{e}` | {b} | {a}{mark} |\n"));
    }
    md.push('\n');
    let diagram: Vec<(String, Option<String>)> = plan
        .environments
        .iter()
        .map(|(e, _, a)| (e.clone(), a.as_ref().map(ToString::to_string)))
        .collect();
    let step = d.from.as_deref().map(|f| (f, d.to.as_str()));
    let _ = envs;
    md.push_str(&render_mermaid(&diagram, step));
    md.push_str("\n### What the merge deploys\n\n");
    md.push_str(&format!(
        "Merging sets `{}` to `{}` in the `{}` bill of materials; the deployment workflow rolls it out.\n\n",
        d.chart, d.version, d.to
    ));
    if let Some((label, url)) = &plan.compare {
        md.push_str(&format!("Code changes: [{}]({url})\n\n", md_cell(label)));
    }
    md.push_str("### Files\n\n");
    for c in &plan.changes {
        md.push_str(&format!("- `{}`: {}\n", md_cell(&c.path), md_cell(&c.why)));
    }
    if !plan.sections.is_empty() {
        let since = d
            .previous
            .as_ref()
            .map(|p| format!(" since {p}"))
            .unwrap_or_default();
        md.push_str(&format!("\n### Changelog{since}\n"));
        for (v, body) in &plan.sections {
            md.push_str(&format!(
                "\n#### {v}\n\n{}\n",
                demote_headings(body.trim_end())
            ));
        }
    }
    md
}

/// The plan as text: every file's unified diff, then the pull request.
pub fn render_plan_text(plan: &PromotePlan, api: bool) -> String {
    let mut text = publish::render_diffs(&plan.changes);
    text.push_str(&format!(
        "# pull request{}: {} ({})\n",
        if plan.draft { " (draft)" } else { "" },
        plan.title,
        plan.branch
    ));
    if !api {
        text.push_str("# with --local the files above are written to the working tree; without it, they are committed on the branch through the GitHub API\n");
    }
    text
}

/// Pushes a changelog section's ATX headings below the `####` version heading that holds it
/// (`### Fixed` becomes `##### Fixed`), leaving fenced code alone, so the PR body's outline stays
/// a tree.
fn demote_headings(section: &str) -> String {
    let mut fence: Option<&str> = None;
    let mut out = String::with_capacity(section.len() + 32);
    for line in section.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            _ => {}
        }
        let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
        let is_heading = fence.is_none()
            && marker.is_none()
            && (1..=6).contains(&hashes)
            && line.len() - trimmed.len() <= 3
            && trimmed[hashes..].starts_with([' ', '\t', '\n', '\r']);
        if is_heading {
            let level = (hashes + 2).min(6);
            out.push_str(&"#".repeat(level));
            out.push_str(&trimmed[hashes..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The compare view from the tag of what the target runs to the new version's tag (or to the
/// promotion branch when the version is not tagged yet, as on a bump into the first
/// environment). Needs `GITHUB_REPOSITORY`; `GITHUB_SERVER_URL` defaults to github.com.
fn compare_link(ws: &Workspace, env: &RunEnv, plan: &PromotePlan) -> Option<(String, String)> {
    let repo = env.var("GITHUB_REPOSITORY")?;
    let previous = plan.decision.previous.as_ref()?;
    let server = env
        .var("GITHUB_SERVER_URL")
        .unwrap_or("https://github.com")
        .trim_end_matches('/');
    let format = &ws.config.tag_format;
    let from = format.render(&plan.decision.chart, previous);
    let to = if plan.decision.bump_chart {
        plan.branch.clone()
    } else {
        format.render(&plan.decision.chart, &plan.decision.version)
    };
    let enc = crate::adapters::github::encode_path;
    Some((
        format!("{from}...{to}"),
        format!("{server}/{repo}/compare/{}...{}", enc(&from), enc(&to)),
    ))
}

#[cfg(test)]
mod tests {
    use super::demote_headings;

    #[test]
    fn section_headings_nest_under_the_version_heading() {
        let cases = [
            ("### Fixed\n\n- a\n", "##### Fixed\n\n- a\n"),
            ("#### Deep\n", "###### Deep\n"),
            (
                "```\n### not a heading\n```\n",
                "```\n### not a heading\n```\n",
            ),
            ("#hashtag\n", "#hashtag\n"),
        ];
        for (input, want) in cases {
            assert_eq!(demote_headings(input), want, "{input:?}");
        }
    }
}
