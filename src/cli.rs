//! The two front doors: command-line flags (clap) and Action inputs (`INPUT_*`).
//!
//! Every flag `--foo-bar` is the input `foo-bar`. The `action` subcommand, the container's
//! entry point, reads `INPUT_COMMAND` and turns the inputs that command accepts into the same
//! argument list a user would type, so both doors build identical requests.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::adapters::actions::{input_var, parse_bool};
use crate::domain::name::Name;

/// Gated, reviewable Helm chart releases and promotions.
#[derive(Debug, Parser)]
#[command(name = "release-action", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: CliCommand,
}

/// Options every command takes.
#[derive(Debug, Clone, Args, Default)]
pub struct CommonArgs {
    /// The repository to work on (default: `GITHUB_WORKSPACE`, else the current directory).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The configuration file, relative to the repository (default: `.github/release-action.yml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
}

impl CliCommand {
    /// The options every command takes (none for `action`, which stands for another command).
    pub fn common(&self) -> Option<&CommonArgs> {
        match self {
            Self::ValidateTag { common, .. }
            | Self::Release { common, .. }
            | Self::Init { common, .. }
            | Self::Check { common, .. }
            | Self::Notes { common, .. }
            | Self::Promote { common, .. }
            | Self::Bom { common, .. }
            | Self::Snapshot { common, .. }
            | Self::Rollback { common, .. }
            | Self::Report { common, .. }
            | Self::Gate { common, .. } => Some(common),
            Self::Action => None,
        }
    }
}

impl CommonArgs {
    /// The use cases' view of these options.
    pub fn request(&self) -> crate::app::RepoRequest {
        crate::app::RepoRequest {
            repo: self.repo.clone(),
            config: self.config.clone(),
        }
    }
}

impl From<CliBump> for crate::app::BumpRequest {
    fn from(b: CliBump) -> Self {
        match b {
            CliBump::Patch => Self::Patch,
            CliBump::Minor => Self::Minor,
            CliBump::Major => Self::Major,
            CliBump::Auto => Self::Auto,
        }
    }
}

/// The subcommands; each is also the action's `command` input.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Check a release tag against its chart version and changelog.
    ValidateTag {
        #[command(flatten)]
        common: CommonArgs,
        /// The tag (default: from `GITHUB_REF`).
        #[arg(long)]
        tag: Option<String>,
    },
    /// Validate the tag, then create or update its GitHub release from the changelog.
    Release {
        #[command(flatten)]
        common: CommonArgs,
        /// The tag (default: from `GITHUB_REF`).
        #[arg(long)]
        tag: Option<String>,
        /// Create the release as a draft.
        #[arg(long)]
        draft: bool,
    },
    /// The pull-request gate: changelogs, charts, image tags, and version bumps against a base.
    Check {
        #[command(flatten)]
        common: CommonArgs,
        /// Judge the change against this git revision (default: the pull request's base).
        #[arg(long)]
        base: Option<String>,
        /// Judge the whole repository, not only what the change touches (a scheduled audit).
        #[arg(long)]
        all: bool,
    },
    /// Print a version's changelog section to stdout.
    Notes {
        #[command(flatten)]
        common: CommonArgs,
        /// A release tag, e.g. `v1.2.0-frontend`.
        #[arg(long, conflicts_with_all = ["component", "changelog"])]
        tag: Option<String>,
        /// The component whose changelog to read (with `--version`).
        #[arg(long, requires = "version", conflicts_with = "changelog")]
        component: Option<Name>,
        /// A changelog file (with `--version`).
        #[arg(long, requires = "version")]
        changelog: Option<String>,
        /// The version whose notes to print.
        #[arg(long)]
        version: Option<String>,
    },
    /// Promote a chart one step along the environments.
    Promote {
        #[command(flatten)]
        common: CommonArgs,
        /// The chart to promote.
        #[arg(long)]
        chart: Name,
        /// The source environment (default: the one before `--to`).
        #[arg(long)]
        from: Option<Name>,
        /// The target environment.
        #[arg(long)]
        to: Name,
        /// The exact version to promote (SemVer 2).
        #[arg(long, conflicts_with = "bump")]
        version: Option<semver::Version>,
        /// Bump the chart version (into the first environment only).
        #[arg(long, value_enum)]
        bump: Option<CliBump>,
        /// Print the plan (diffs and API calls) and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply the changes to the working tree; nothing goes to GitHub.
        #[arg(long)]
        local: bool,
    },
    /// Pin a producer's image in an environment's bill of materials.
    Bom {
        #[command(flatten)]
        common: CommonArgs,
        /// The environment (default: `env` in the dispatch `client_payload`).
        #[arg(long)]
        env: Option<Name>,
        /// The component whose image is pinned.
        #[arg(long)]
        component: Option<Name>,
        /// The image repository, e.g. `ghcr.io/org/app`.
        #[arg(long)]
        image: Option<String>,
        /// The image tag (never a floating one such as `latest`).
        #[arg(long)]
        tag: Option<String>,
        /// The image digest, `sha256:<64 hex>`.
        #[arg(long)]
        digest: Option<String>,
        /// Print the plan and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply the change to the working tree; nothing goes to GitHub.
        #[arg(long)]
        local: bool,
    },
    /// Snapshot an environment's bill of materials with experiment parameters.
    Snapshot {
        #[command(flatten)]
        common: CommonArgs,
        /// The snapshot id (file name).
        #[arg(long)]
        id: Name,
        /// The environment to snapshot.
        #[arg(long)]
        env: Name,
        /// An experiment parameter `key=value` (repeatable; one per line as an input).
        #[arg(long, action = clap::ArgAction::Append)]
        param: Vec<String>,
        /// Print the plan and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply the change to the working tree; nothing goes to GitHub.
        #[arg(long)]
        local: bool,
    },
    /// Roll an environment (or one chart in it) back to an archived bill of materials.
    Rollback {
        #[command(flatten)]
        common: CommonArgs,
        /// The environment to roll back.
        #[arg(long)]
        env: Name,
        /// Only this chart's pin (default: every entry of the bill of materials).
        #[arg(long)]
        chart: Option<Name>,
        /// An archive (`releases/history/<env>/<file>` or its file name), or with `--chart` a
        /// version it ran (default: the state before the last change).
        #[arg(long, value_parser = parse_rollback_to)]
        to: Option<crate::domain::rollback::Target>,
        /// Why: goes into the pull request and a commit trailer.
        #[arg(long)]
        reason: String,
        /// Print the plan (diffs and API calls) and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply the changes to the working tree; nothing goes to GitHub.
        #[arg(long)]
        local: bool,
    },
    /// Delivery figures of every environment: deployments, lead time, failures, restores.
    Report {
        #[command(flatten)]
        common: CommonArgs,
        /// The window, in days back from now: `90` or `90d`.
        #[arg(long, value_parser = parse_days)]
        since: Option<u32>,
        /// `markdown` (with Mermaid charts) or `json`.
        #[arg(long, value_enum, default_value = "markdown")]
        format: CliFormat,
        /// Read the local git history instead of the GitHub API.
        #[arg(long)]
        local: bool,
    },
    /// Hold a rollout to its objectives measured by Prometheus, or probe a URL (`--http`).
    Gate {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        gate: Box<GateArgs>,
    },
    /// Write `.github/release-action.yml` inferred from the repository, with the evidence.
    Init {
        #[command(flatten)]
        common: CommonArgs,
        /// Print the files instead of writing them.
        #[arg(long)]
        dry_run: bool,
        /// Also write the pull-request gate and release-tag workflows.
        #[arg(long)]
        workflows: bool,
    },
    /// Run as a GitHub Action: read `INPUT_COMMAND` and the other `INPUT_*` variables.
    Action,
}

/// `gate`'s options. Values are text here and checked by the use case, which names the flag
/// (and so the input) of each refused value. Credentials are not options: a bearer token or a
/// password on a command line is visible to every process on the machine, so they come from
/// the environment (`prometheus-token`, `prometheus-password`).
#[derive(Debug, Clone, Args, Default)]
pub struct GateArgs {
    /// Prometheus, the address its web UI has (e.g. `https://prometheus.example.com`).
    #[arg(long, value_name = "URL", conflicts_with = "http")]
    pub prometheus_url: Option<String>,
    /// The user for basic authentication; the password is `PROMETHEUS_PASSWORD` (input
    /// `prometheus-password`). A bearer token is `PROMETHEUS_TOKEN` (input `prometheus-token`).
    #[arg(long, value_name = "USER")]
    pub prometheus_username: Option<String>,
    /// The environment whose `slo.environments` override applies.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Label matchers added to every default query, e.g. `{app="web",track="canary"}`.
    #[arg(long, value_name = "MATCHERS")]
    pub selector: Option<String>,
    /// Highest error rate (5xx share), e.g. `1%`; `off` to not watch it.
    #[arg(long, value_name = "PERCENT")]
    pub error_rate: Option<String>,
    /// Highest p95 latency, e.g. `1000ms`; `off` to not watch it.
    #[arg(long, value_name = "LATENCY")]
    pub p95: Option<String>,
    /// Highest p99 latency, e.g. `2000ms`; `off` to not watch it.
    #[arg(long, value_name = "LATENCY")]
    pub p99: Option<String>,
    /// PromQL for the error rate instead of the default (a ratio: 0.01 is 1 %).
    #[arg(long, value_name = "PROMQL")]
    pub error_rate_query: Option<String>,
    /// PromQL for the p95 latency instead of the default (in seconds).
    #[arg(long, value_name = "PROMQL")]
    pub p95_query: Option<String>,
    /// PromQL for the p99 latency instead of the default (in seconds).
    #[arg(long, value_name = "PROMQL")]
    pub p99_query: Option<String>,
    /// How long the gate watches, e.g. `10m` (default `10m`).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Time between evaluations, or between probe attempts (default `30s`; probes `3s`).
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// The range of `rate()` in the default queries (default `2m`).
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Violations tolerated before the gate fails (default 3).
    #[arg(long, value_name = "N")]
    pub max_violations: Option<String>,
    /// Retries of a failed request (default 3 for Prometheus, 10 for probes).
    #[arg(long, value_name = "N")]
    pub retries: Option<String>,
    /// Probe this URL instead of asking Prometheus.
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
    /// The statuses the probe expects, e.g. `200` or `200,204` (default `200`).
    #[arg(long, value_name = "STATUS", requires = "http")]
    pub expect: Option<String>,
}

impl GateArgs {
    /// The use case's view of these options.
    pub fn request(&self) -> crate::app::gate::GateRequest {
        crate::app::gate::GateRequest {
            prometheus_url: self.prometheus_url.clone(),
            prometheus_username: self.prometheus_username.clone(),
            env: self.env.clone(),
            selector: self.selector.clone(),
            error_rate: self.error_rate.clone(),
            p95: self.p95.clone(),
            p99: self.p99.clone(),
            error_rate_query: self.error_rate_query.clone(),
            p95_query: self.p95_query.clone(),
            p99_query: self.p99_query.clone(),
            duration: self.duration.clone(),
            interval: self.interval.clone(),
            window: self.window.clone(),
            max_violations: self.max_violations.clone(),
            retries: self.retries.clone(),
            http: self.http.clone(),
            expect: self.expect.clone(),
        }
    }
}

/// `--bump` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliBump {
    /// x.y.Z
    Patch,
    /// x.Y.0
    Minor,
    /// X.0.0
    Major,
    /// From the `[Unreleased]` change types.
    Auto,
}

/// `report --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliFormat {
    /// A Markdown summary with Mermaid charts.
    Markdown,
    /// JSON, as `docs/report.schema.json` describes it.
    Json,
}

impl From<CliFormat> for crate::app::report::ReportFormat {
    fn from(f: CliFormat) -> Self {
        match f {
            CliFormat::Markdown => Self::Markdown,
            CliFormat::Json => Self::Json,
        }
    }
}

/// `report --since`: a number of days, `90` or `90d`, from 1 to 3650.
fn parse_days(text: &str) -> Result<u32, String> {
    text.trim_end_matches('d')
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=3650).contains(d))
        .ok_or_else(|| {
            format!(
                "`{}` is not a number of days such as `90d`",
                text.escape_debug()
            )
        })
}

/// `rollback --to`: a SemVer version, or an archive's file name or path.
fn parse_rollback_to(text: &str) -> Result<crate::domain::rollback::Target, String> {
    use crate::domain::rollback::Target;
    if let Ok(v) = semver::Version::parse(text) {
        return Ok(Target::Version(v));
    }
    let name_ok = text.len() <= 255
        && text.ends_with(".yaml")
        && !text.starts_with('/')
        && text
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@+-/".contains(&b));
    if name_ok {
        Ok(Target::Archive(text.to_owned()))
    } else {
        Err(format!(
            "`{}` is neither a version (SemVer 2) nor an archive such as `releases/history/prod/20260101T000000Z-promote-web-1.2.0.yaml`",
            text.escape_debug()
        ))
    }
}

/// Builds the argument list the `action` subcommand stands for, from `INPUT_*` variables.
///
/// `lookup` reads an environment variable. Inputs a command does not take are ignored (the
/// action's defaults set some for every command); an unknown `command` is an error.
pub fn action_argv(lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let input = |name: &str| {
        lookup(&input_var(name))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let command =
        input("command").ok_or("input `command` is required; set `with: { command: … }`")?;
    let cli = Cli::command();
    let sub = cli
        .get_subcommands()
        .find(|s| s.get_name() == command && command != "action")
        .ok_or_else(|| {
            let known: Vec<&str> = cli
                .get_subcommands()
                .map(clap::Command::get_name)
                .filter(|n| *n != "action" && *n != "help")
                .collect();
            format!(
                "unknown command `{}`; expected one of: {}",
                command.escape_debug(),
                known.join(", ")
            )
        })?;
    let mut argv = vec!["release-action".to_owned(), command.clone()];
    for arg in sub.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let Some(value) = input(long) else { continue };
        if matches!(arg.get_action(), clap::ArgAction::SetTrue) {
            if parse_bool(long, &value)? {
                argv.push(format!("--{long}"));
            }
        } else if matches!(arg.get_action(), clap::ArgAction::Append) {
            for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
                argv.push(format!("--{long}={line}"));
            }
        } else {
            argv.push(format!("--{long}={value}"));
        }
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn argv(vars: &[(&str, &str)]) -> Result<Vec<String>, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        action_argv(|k| map.get(k).cloned())
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn inputs_become_the_same_flags_a_user_types() {
        let a = argv(&[
            ("INPUT_COMMAND", "promote"),
            ("INPUT_CHART", "frontend"),
            ("INPUT_TO", "staging"),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_LOCAL", "false"),
            ("INPUT_TAG", "ignored-by-promote"),
            ("INPUT_VERSION", ""),
        ])
        .expect("argv");
        assert_eq!(
            a,
            [
                "release-action",
                "promote",
                "--chart=frontend",
                "--to=staging",
                "--dry-run"
            ]
        );
        assert!(Cli::try_parse_from(&a).is_ok());
    }

    #[test]
    fn bad_inputs_are_usage_errors() {
        assert!(argv(&[])
            .expect_err("missing")
            .contains("`command` is required"));
        assert!(argv(&[("INPUT_COMMAND", "deploy")])
            .expect_err("unknown")
            .contains("unknown command `deploy`"));
        assert!(argv(&[("INPUT_COMMAND", "action")]).is_err());
        let e = argv(&[("INPUT_COMMAND", "promote"), ("INPUT_DRY-RUN", "yes")]).expect_err("bool");
        assert!(e.contains("`dry-run`"), "{e}");
    }
}
