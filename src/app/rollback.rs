//! `rollback`: put an environment (or one chart in it) back to an archived bill of materials,
//! as a ready pull request on `release-action/rollback/<env>` labelled `rollback`.
//!
//! Safety rules, enforced here:
//! - what is restored comes from an archive byte for byte: the whole file, or with `--chart`
//!   only that chart's pin (the rest of the current file is kept);
//! - the file replaced is archived like every change, under a name that records the chart
//!   versions withdrawn (`<stamp>-rollback-<chart>@<version>….yaml`); `promote` reads those
//!   names and refuses the withdrawn versions (see `crate::domain::rollback`);
//! - after a rollback merged, running it again finds that the last change was a rollback and
//!   does nothing; going further back needs an explicit `--to`.
//!
//! Soak time does not apply and the pull request is never a draft, even into a protected
//! environment: a rollback is the fast way back.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use super::connect::{block_on, connect, wants_api, OFFLINE_WRITE};
use super::publish::{
    self, history_name, render_diffs, Draft, FileChange, Publication, Publisher, PullSpec, Reading,
};
use super::workspace::{fs_stop, Workspace};
use super::{Outcome, RepoRequest, RunEnv, Stop};
use crate::adapters::fs::{MAX_CHANGELOG, MAX_SMALL_FILE};
use crate::domain::bom;
use crate::domain::changelog;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::Name;
use crate::domain::promotion::known_environment;
use crate::domain::rollback::{
    archive_what, choose, entry_changes, withdrawn_by, Archived, Choice, EntryChange, Kind,
    Refusal, Target,
};
use crate::report::md_cell;

/// The label every rollback pull request carries.
pub const ROLLBACK_LABEL: &str = "rollback";

/// The commit trailer that carries `--reason`.
pub const REASON_TRAILER: &str = "Rollback-Reason:";

/// The commit trailer that records the environment and the versions withdrawn.
pub const ROLLBACK_TRAILER: &str = "Release-Action-Rollback:";

/// The longest `--reason` accepted.
const MAX_REASON: usize = 1000;

/// What `rollback` was asked to do.
#[derive(Debug, Clone)]
pub struct RollbackRequest {
    /// `--env`.
    pub env: Name,
    /// `--chart`: only this chart's pin.
    pub chart: Option<Name>,
    /// `--to`.
    pub to: Target,
    /// `--reason`.
    pub reason: String,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--local`.
    pub local: bool,
}

/// Runs `rollback`: through the API, or on the working tree with `--local` / `--dry-run`.
pub fn run_rollback(
    common: &RepoRequest,
    req: &RollbackRequest,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    let reason = check_request(&ws, req)?;
    let job = RollbackJob {
        ws: &ws,
        req,
        env,
        reason,
    };
    if wants_api(env, req.local, req.dry_run) {
        let gh = connect(env, OFFLINE_WRITE)?;
        return block_on(publish::apply(&gh, &ws.repo, env, &job, req.dry_run));
    }
    let dir = job.history_dir();
    let names = ws.repo.list_files(&dir).map_err(fs_stop)?;
    let mut files = BTreeMap::new();
    let mut wanted = job.wanted();
    wanted.extend(job.needed(&names));
    for (path, limit) in wanted {
        if let Some(text) = ws.repo.read(&path, limit).map_err(fs_stop)? {
            files.insert(path, text);
        }
    }
    let plan = match job.plan_on(&names, &files)? {
        Planned::Nothing(out) => return Ok(out),
        Planned::Plan(plan) => plan,
    };
    let mut out = plan.outcome.clone();
    if req.dry_run {
        out.stdout = plan.preview(false);
        out.log.push("dry run: nothing was written".into());
    } else {
        for c in &plan.changes {
            ws.repo
                .write_atomic(&c.path, c.after.as_bytes())
                .map_err(fs_stop)?;
            out.log.push(format!("wrote {} ({})", c.path, c.why));
        }
    }
    Ok(out)
}

/// Refuses what the configuration cannot satisfy before anything is read from GitHub, and
/// returns the reason on one line.
fn check_request(ws: &Workspace, req: &RollbackRequest) -> Result<String, Stop> {
    known_environment(&ws.config.environments, &req.env).map_err(|e| Stop::Usage(e.to_string()))?;
    if let Target::Version(v) = &req.to {
        if req.chart.is_none() {
            return Err(Stop::Usage(
                Refusal::VersionWithoutChart { version: v.clone() }.to_string(),
            ));
        }
    }
    if let Some(chart) = &req.chart {
        if ws.component(chart).is_none_or(|c| c.chart_dir.is_none()) {
            return Err(Stop::findings(vec![
                ws.unknown_component(chart, "rollback/unknown-chart")
            ]));
        }
    }
    archive_name(ws, req)?;
    let reason = req.reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() {
        return Err(Stop::Usage(
            "`--reason` is required: say why, for the pull request and the commit".into(),
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(Stop::Usage(format!(
            "`--reason` is longer than {MAX_REASON} characters; link to the incident instead"
        )));
    }
    Ok(reason)
}

/// The archive name `--to` gives, if it gives one: a bare name, or the path of an archive of
/// the environment (anything else is bad usage).
fn archive_name(ws: &Workspace, req: &RollbackRequest) -> Result<Option<String>, Stop> {
    let Target::Archive(given) = &req.to else {
        return Ok(None);
    };
    if !given.contains('/') {
        return Ok(Some(given.clone()));
    }
    let prefix = format!("{}/history/{}/", ws.config.releases_dir, req.env);
    match given.strip_prefix(&prefix) {
        Some(name) if !name.contains('/') => Ok(Some(name.to_owned())),
        _ => Err(Stop::Usage(format!(
            "`--to {}` is not an archive of `{}`: archives are `{prefix}<file>`",
            given.escape_debug(),
            req.env
        ))),
    }
}

/// A rollback, planned on what was read (through the API or from the working tree).
struct RollbackJob<'a> {
    ws: &'a Workspace,
    req: &'a RollbackRequest,
    env: &'a RunEnv,
    reason: String,
}

/// The plan, or why there is nothing to do.
enum Planned {
    Nothing(Outcome),
    Plan(Box<RollbackPlan>),
}

/// What a rollback changes and says.
#[derive(Debug, Clone)]
struct RollbackPlan {
    outcome: Outcome,
    changes: Vec<FileChange>,
    /// The archive restored from, `releases/history/<env>/<file>`.
    source: String,
    withdrawn: Vec<(String, Version)>,
    title: String,
    body: String,
    branch: String,
}

impl RollbackPlan {
    /// The plan as text: every diff, then the pull request.
    fn preview(&self, api: bool) -> String {
        let mut text = render_diffs(&self.changes);
        text.push_str(&format!(
            "# pull request: {} ({}), labelled `{ROLLBACK_LABEL}`\n",
            self.title, self.branch
        ));
        if !api {
            text.push_str("# with --local the files above are written to the working tree; without it, they are committed on the branch through the GitHub API\n");
        }
        text
    }
}

impl RollbackJob<'_> {
    fn history_dir(&self) -> String {
        format!("{}/history/{}", self.ws.config.releases_dir, self.req.env)
    }

    /// The archive name `--to` gives, if it gives one.
    fn named_archive(&self) -> Result<Option<String>, Stop> {
        archive_name(self.ws, self.req)
    }

    /// The archives the plan reads, among `names` (the files of the history directory).
    fn needed(&self, names: &[String]) -> Vec<(String, u64)> {
        let dir = self.history_dir();
        let archives: Vec<&String> = names.iter().filter(|n| n.ends_with(".yaml")).collect();
        let pick: Vec<&String> = match (&self.req.to, &self.req.chart) {
            (Target::Archive(_), _) => match self.named_archive() {
                Ok(Some(name)) => archives.into_iter().filter(|n| **n == name).collect(),
                _ => Vec::new(),
            },
            // The newest archive is the state before the last change.
            (Target::Previous, None) => archives.into_iter().max().into_iter().collect(),
            _ => archives,
        };
        pick.into_iter()
            .map(|n| (format!("{dir}/{n}"), MAX_SMALL_FILE))
            .collect()
    }

    fn changelog_of(&self, chart: &str) -> Option<String> {
        self.ws.component(chart).map(|c| c.changelog.clone())
    }

    /// The plan on `names` (the history directory's files) and `files` (path → text).
    fn plan_on(&self, names: &[String], files: &BTreeMap<String, String>) -> Result<Planned, Stop> {
        let (ws, req) = (self.ws, self.req);
        let env_name = req.env.as_str();
        let chart = req.chart.as_deref();
        let bom_path = ws.bom_path(env_name);
        let dir = self.history_dir();
        let mut out = Outcome::default();
        out.output("branch", self.branch());
        out.output("draft", "false");
        let Some(current_text) = files.get(&bom_path) else {
            return Err(Stop::findings(vec![Diagnostic::error(
                "rollback/no-history",
                format!("`{bom_path}` does not exist: `{env_name}` runs nothing to roll back"),
            )
            .in_file(&bom_path)]));
        };
        let current = bom::parse_bom(current_text, &bom_path).map_err(Stop::findings)?;
        let archive_names: Vec<String> = names
            .iter()
            .filter(|n| n.ends_with(".yaml"))
            .cloned()
            .collect();
        let mut archives = Vec::new();
        let mut unreadable = BTreeMap::new();
        for name in &archive_names {
            let path = format!("{dir}/{name}");
            let Some(text) = files.get(&path) else {
                continue;
            };
            match bom::parse_bom(text, &path) {
                Ok(parsed) => archives.push(Archived {
                    name: name.clone(),
                    bom: parsed,
                }),
                Err(findings) => {
                    unreadable.insert(name.clone(), findings);
                }
            }
        }
        let target = match self.named_archive()? {
            Some(name) => {
                if let Some(findings) = unreadable.remove(&name) {
                    return Err(Stop::findings(findings));
                }
                Target::Archive(name)
            }
            None => req.to.clone(),
        };
        let choice = choose(env_name, &archives, &current, chart, &target)
            .map_err(|r| refusal(&r, &dir, &archive_names))?;
        let source_name = match choice {
            Choice::Restore(name) => name,
            Choice::AlreadyRolledBack(record) => {
                out.log.push(format!(
                    "the last change of {} in `{env_name}` was a rollback (its archive is `{dir}/{record}`): nothing to do",
                    chart.map(|c| format!("`{c}`")).unwrap_or_else(|| "the bill of materials".into())
                ));
                out.log
                    .push("to go further back, name an archive or a version with `--to`".into());
                return Ok(Planned::Nothing(out));
            }
        };
        let source = format!("{dir}/{source_name}");
        let source_text = files.get(&source).cloned().unwrap_or_default();
        let restored = archives
            .iter()
            .find(|a| a.name == source_name)
            .map(|a| a.bom.clone())
            .unwrap_or_default();
        let entries = entry_changes(&current, &restored, chart);
        let after = match chart {
            None => source_text.clone(),
            Some(c) => {
                let Some(version) = restored.charts.get(c) else {
                    return Err(Stop::findings(vec![Diagnostic::error(
                        "rollback/not-in-archive",
                        format!("`{source}` does not pin `{c}`; a rollback of one chart restores its pin and never removes it"),
                    )
                    .in_file(&source)
                    .with_help("roll back the whole environment (without `--chart`) to remove it")]));
                };
                let version = Version::parse(version).map_err(|e| {
                    Stop::findings(vec![Diagnostic::error(
                        "bom/version",
                        format!("`{source}` pins `{c}` to `{version}`, which is not SemVer 2: {e}"),
                    )
                    .in_file(&source)])
                })?;
                bom::pin_chart(current_text, c, &version).map_err(|e| {
                    Stop::findings(vec![Diagnostic::error(
                        "bom/edit",
                        format!("cannot pin `{c}` in `{bom_path}`: {e}"),
                    )
                    .in_file(&bom_path)])
                })?
            }
        };
        if let Some(c) = chart {
            out.output("component", c);
            out.output(
                "version",
                restored.charts.get(c).cloned().unwrap_or_default(),
            );
            out.output(
                "previous-version",
                current.charts.get(c).cloned().unwrap_or_default(),
            );
        }
        if after == *current_text {
            out.log.push(format!(
                "`{env_name}` already runs what `{source}` holds{}: nothing to do",
                chart.map(|c| format!(" for `{c}`")).unwrap_or_default()
            ));
            return Ok(Planned::Nothing(out));
        }
        let withdrawn = withdrawn_by(&entries);
        let archive = format!(
            "{dir}/{}",
            history_name(self.env, &archive_what(&withdrawn))
        );
        let changes = vec![
            FileChange {
                path: archive,
                before: None,
                after: current_text.clone(),
                why: format!("archive the previous `{bom_path}`"),
            },
            FileChange {
                path: bom_path.clone(),
                before: Some(current_text.clone()),
                after,
                why: match chart {
                    Some(c) => format!("restore the pin of `{c}` from `{source}`"),
                    None => format!("restore `{source}`"),
                },
            },
        ];
        let sections = self.withdrawn_sections(&entries, files);
        let title = match (chart, chart.and_then(|c| restored.charts.get(c))) {
            (Some(c), Some(v)) => format!("Roll back {c} to {v} in {env_name}"),
            _ => format!("Roll back {env_name} to {source_name}"),
        };
        let body = render_body(&BodyParts {
            env: env_name,
            chart,
            source: &source,
            reason: &self.reason,
            entries: &entries,
            sections: &sections,
            withdrawn: &withdrawn,
            changes: &changes,
            protected: ws.config.is_protected(env_name),
        });
        out.summary = format!("## {}\n\n{body}", md_cell(&title));
        Ok(Planned::Plan(Box::new(RollbackPlan {
            outcome: out,
            changes,
            source,
            withdrawn,
            title,
            body,
            branch: self.branch(),
        })))
    }

    /// The changelog sections each chart that goes down takes back, newest first.
    fn withdrawn_sections(
        &self,
        entries: &[EntryChange],
        files: &BTreeMap<String, String>,
    ) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        for e in entries.iter().filter(|e| e.kind == Kind::Chart) {
            let parse = |v: Option<&String>| v.and_then(|v| Version::parse(v).ok());
            let (Some(before), after) = (parse(e.before.as_ref()), parse(e.after.as_ref())) else {
                continue;
            };
            if after.as_ref().is_some_and(|a| a >= &before) {
                continue;
            }
            let Some(log) = self.changelog_of(&e.name).and_then(|p| files.get(&p)) else {
                continue;
            };
            let sections: Vec<(String, String)> =
                changelog::sections_between(log, after.as_ref(), &before)
                    .into_iter()
                    .map(|(v, s)| (v, s.trim_end().to_owned()))
                    .collect();
            if !sections.is_empty() {
                out.push((e.name.clone(), sections));
            }
        }
        out
    }
}

/// A refusal as a finding that lists what exists.
fn refusal(r: &Refusal, dir: &str, names: &[String]) -> Stop {
    let listing = |names: &[String]| {
        if names.is_empty() {
            format!("`{dir}/` holds no archive")
        } else {
            let mut sorted = names.to_vec();
            sorted.sort();
            format!("archives in `{dir}/`: {}", sorted.join(", "))
        }
    };
    let (code, help) = match r {
        Refusal::NoHistory { .. } => (
            "rollback/no-history",
            "every promotion, pin and rollback archives the file it replaces; a rollback needs at least one".to_owned(),
        ),
        Refusal::UnknownArchive { .. } => ("rollback/unknown-archive", listing(names)),
        Refusal::NeverPinned { pinned, .. } => (
            "rollback/never-pinned",
            format!("versions it pinned: {}", if pinned.is_empty() { "none".to_owned() } else { pinned.join(", ") }),
        ),
        Refusal::NoEarlierPin { .. } => ("rollback/never-pinned", listing(names)),
        Refusal::VersionWithoutChart { .. } => return Stop::Usage(r.to_string()),
    };
    Stop::findings(vec![Diagnostic::error(code, r.to_string()).with_help(help)])
}

struct BodyParts<'a> {
    env: &'a str,
    chart: Option<&'a str>,
    source: &'a str,
    reason: &'a str,
    entries: &'a [EntryChange],
    sections: &'a [(String, Vec<(String, String)>)],
    withdrawn: &'a [(String, Version)],
    changes: &'a [FileChange],
    protected: bool,
}

/// The pull request body: why, what changes entry by entry, what is taken back, from where.
fn render_body(p: &BodyParts<'_>) -> String {
    let mut md = String::new();
    let only = p
        .chart
        .map(|c| format!(" (only `{c}`)"))
        .unwrap_or_default();
    md.push_str(&format!(
        "Rolls back `{}` to `{}`{only}.\n\n**Reason:** {}\n\n",
        p.env,
        md_cell(p.source),
        md_cell(p.reason)
    ));
    md.push_str("A rollback ignores soak time and is never a draft");
    if p.protected {
        md.push_str(&format!(", even though `{}` is protected", p.env));
    }
    md.push_str(": it can merge as soon as it is approved.\n\n");
    md.push_str("### Entries\n\n| entry | before | after |\n|---|---|---|\n");
    if p.entries.is_empty() {
        md.push_str("| (no pin changes) | | |\n");
    }
    for e in p.entries {
        let kind = match e.kind {
            Kind::Chart => "chart",
            Kind::Image => "image",
        };
        let cell = |v: &Option<String>| {
            v.as_deref()
                .map(|v| format!("`{}`", md_cell(v)))
                .unwrap_or_else(|| "—".into())
        };
        md.push_str(&format!(
            "| {kind} `{}` | {} | {} |\n",
            e.name,
            cell(&e.before),
            cell(&e.after)
        ));
    }
    if !p.withdrawn.is_empty() {
        let list: Vec<String> = p
            .withdrawn
            .iter()
            .map(|(c, v)| format!("`{c}` {v}"))
            .collect();
        md.push_str(&format!(
            "\nWithdrawn: {}. After the merge `promote` refuses these versions, and the next version of each into `{}` must be above it: a fix is a new release.\n",
            list.join(", "),
            p.env
        ));
    }
    if !p.sections.is_empty() {
        md.push_str("\n### Changes withdrawn\n");
        for (chart, sections) in p.sections {
            for (v, body) in sections {
                md.push_str(&format!("\n#### {chart} {v}\n\n{body}\n"));
            }
        }
    }
    md.push_str("\n### Files\n\n");
    for c in p.changes {
        md.push_str(&format!("- `{}`: {}\n", md_cell(&c.path), md_cell(&c.why)));
    }
    md
}

impl Publisher for RollbackJob<'_> {
    fn branch(&self) -> String {
        format!("release-action/rollback/{}", self.req.env)
    }

    fn wanted(&self) -> Vec<(String, u64)> {
        let ws = self.ws;
        let mut wanted = vec![(ws.bom_path(&self.req.env), MAX_SMALL_FILE)];
        let logs: BTreeSet<String> = ws
            .components
            .iter()
            .filter(|c| c.chart_dir.is_some())
            .filter(|c| self.req.chart.as_deref().is_none_or(|x| x == c.name))
            .map(|c| c.changelog.clone())
            .collect();
        wanted.extend(logs.into_iter().map(|p| (p, MAX_CHANGELOG)));
        wanted
    }

    fn wanted_in(&self, paths: &BTreeSet<String>) -> Vec<(String, u64)> {
        self.needed(&self.names_in(paths))
    }

    fn plan(&self, reading: &Reading) -> Result<Draft, Stop> {
        let names = self.names_in(&reading.paths);
        let plan = match self.plan_on(&names, &reading.files)? {
            Planned::Nothing(out) => return Ok(Draft::Nothing(out)),
            Planned::Plan(plan) => *plan,
        };
        let withdrawn: Vec<String> = plan
            .withdrawn
            .iter()
            .map(|(c, v)| format!("{c}@{v}"))
            .collect();
        let record = format!(
            "{ROLLBACK_TRAILER} {} {}",
            self.req.env,
            if withdrawn.is_empty() {
                "-".to_owned()
            } else {
                withdrawn.join(" ")
            }
        );
        let message = format!(
            "{}\n\n{}\n\n{REASON_TRAILER} {}\n{record}",
            plan.title,
            plan.changes
                .iter()
                .map(|c| format!("- {}: {}", c.path, c.why))
                .collect::<Vec<_>>()
                .join("\n"),
            self.reason
        );
        // Same base, environment, chart and archive: the same plan.
        let plan_id = format!(
            "{}\nrollback\n{}\n{}\n{}",
            reading.base_sha,
            self.req.env,
            self.req.chart.as_deref().unwrap_or("-"),
            plan.source
        );
        let mut labels = vec![ROLLBACK_LABEL.to_owned()];
        labels.extend(
            self.ws
                .config
                .labels
                .iter()
                .filter(|l| *l != ROLLBACK_LABEL)
                .cloned(),
        );
        let pull = PullSpec {
            branch: plan.branch.clone(),
            base: reading.base_branch.clone(),
            title: plan.title.clone(),
            body: plan.body.clone(),
            draft: false,
            labels,
            reviewers: self
                .ws
                .config
                .reviewers
                .get(self.req.env.as_str())
                .cloned()
                .unwrap_or_default(),
        };
        Ok(Draft::Publish(Box::new(Publication {
            preview: plan.preview(true),
            outcome: plan.outcome,
            changes: plan.changes,
            message,
            plan_id,
            pull,
        })))
    }
}

impl RollbackJob<'_> {
    /// The file names directly in the environment's history directory of a tree.
    fn names_in(&self, paths: &BTreeSet<String>) -> Vec<String> {
        let prefix = format!("{}/", self.history_dir());
        paths
            .iter()
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter(|n| !n.contains('/'))
            .map(str::to_owned)
            .collect()
    }
}
