//! The promotion policy: which chart version may move into which environment, and why not.
//!
//! The environments form one path (`dev → staging → prod` by default). A promotion moves one
//! step forward along it, never skipping and never backwards; the new version must be above
//! what the target runs and, past the first environment, must be exactly what the source
//! environment runs; a version must soak in the source environment for the configured time.
//! The decision is a value with its reasons, so `--dry-run` can show it and tests can table it.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::Duration;

use semver::Version;

use super::diagnostic::Diagnostic;
use super::version::{next_version, Bump};

/// How the user chose the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChoice {
    /// `--version X`.
    Exact(Version),
    /// `--bump patch|minor|major`.
    Bump(Bump),
    /// `--bump auto`: from the `[Unreleased]` change types.
    Auto,
    /// Neither: the source environment's version, or Chart.yaml's for the first environment.
    Default,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRequest {
    /// The chart.
    pub chart: String,
    /// `--from`, when given.
    pub from: Option<String>,
    /// `--to`.
    pub to: String,
    /// The version choice.
    pub version: VersionChoice,
}

/// What the repository says, gathered by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromotionFacts {
    /// Chart.yaml `version` on the base.
    pub chart_version: Option<Version>,
    /// Where that version is written: Chart.yaml's path and its `version:` line.
    pub chart_version_at: Option<(String, usize)>,
    /// The chart's version in each environment's bill of materials, where pinned.
    pub deployed: BTreeMap<String, Version>,
    /// The level `--bump auto` infers, if `[Unreleased]` has entries.
    pub auto_bump: Option<Bump>,
    /// The chart's changelog, when it has no `[Unreleased]` heading at all.
    pub no_unreleased_in: Option<String>,
    /// Minimum soak in the source environment, if configured.
    pub soak_required: Option<Duration>,
    /// Time since the source environment's bill of materials last changed, if known.
    pub soak_elapsed: Option<Duration>,
    /// Versions of the chart that a rollback withdrew, per environment (see
    /// [`super::rollback::withdrawn_versions`]).
    pub withdrawn: BTreeMap<String, Vec<Version>>,
}

/// The decision: what moves where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionPlan {
    /// The chart.
    pub chart: String,
    /// The source environment (`None` into the first environment).
    pub from: Option<String>,
    /// The target environment.
    pub to: String,
    /// What the target ran before.
    pub previous: Option<Version>,
    /// What the target will run.
    pub version: Version,
    /// Whether Chart.yaml (and the changelog) must be bumped to `version`.
    pub bump_chart: bool,
    /// True when the target already runs `version`: nothing to do.
    pub already_done: bool,
    /// Warnings about the request that did not stop it (e.g. a bump that has no say).
    pub warnings: Vec<Diagnostic>,
}

/// Why the request cannot even be evaluated: bad input (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// An environment that is not configured.
    #[error("unknown environment `{name}`; the promotion path is {path}")]
    UnknownEnvironment {
        /// The name given.
        name: String,
        /// The configured path, `dev → staging → prod`.
        path: String,
    },
}

/// Where `name` is on the promotion path, or why it is not on it.
pub fn known_environment(environments: &[String], name: &str) -> Result<usize, UsageError> {
    environments
        .iter()
        .position(|e| e == name)
        .ok_or_else(|| UsageError::UnknownEnvironment {
            name: name.escape_debug().to_string(),
            path: environments.join(" → "),
        })
}

/// Decides a promotion. `Err(Ok(_))` is bad usage; `Err(Err(findings))` is a refusal.
pub fn decide(
    environments: &[String],
    request: &PromotionRequest,
    facts: &PromotionFacts,
) -> Result<PromotionPlan, Result<UsageError, Vec<Diagnostic>>> {
    let path = environments.join(" → ");
    let index = |name: &str| known_environment(environments, name);
    let to_index = index(&request.to).map_err(Ok)?;
    let from_index = request.from.as_deref().map(index).transpose().map_err(Ok)?;
    let first = environments.first().cloned().unwrap_or_default();
    let chart = &request.chart;

    // The path: exactly one step forward.
    let expected_from = to_index.checked_sub(1);
    if let Some(fi) = from_index {
        if Some(fi) != expected_from {
            let what = if fi >= to_index {
                "backwards"
            } else {
                "skipping an environment"
            };
            let mut d = Diagnostic::error(
                "promotion/path",
                format!(
                    "cannot promote `{chart}` from `{}` to `{}`: that is {what}",
                    environments[fi], request.to
                ),
            )
            .with_help(format!("the promotion path is {path}, one step at a time"));
            if let Some(e) = expected_from {
                d = d.with_help(format!(
                    "promote into `{}` from `{}`",
                    request.to, environments[e]
                ));
            } else {
                d = d.with_help(format!(
                    "`{}` is the first environment; omit `--from`",
                    request.to
                ));
            }
            return Err(Err(vec![d]));
        }
    }
    let from = expected_from.map(|i| environments[i].clone());
    let previous = facts.deployed.get(&request.to).cloned();
    let mut findings = Vec::new();

    // Past the first environment the version is the source's: a bump has no say, and one
    // promotion form (version or bump) serves every target, so it is ignored with a warning.
    let mut warnings = Vec::new();
    let choice = match (&from, &request.version) {
        (Some(src), VersionChoice::Bump(_) | VersionChoice::Auto) => {
            let level = match &request.version {
                VersionChoice::Bump(b) => b.as_str(),
                _ => "auto",
            };
            warnings.push(
                Diagnostic::warning(
                    "promotion/bump-ignored",
                    format!(
                        "`--bump {level}` is ignored: `{}` takes the version `{src}` runs",
                        request.to
                    ),
                )
                .with_help(format!("bumps apply only to promotions into `{first}`")),
            );
            &VersionChoice::Default
        }
        (_, choice) => choice,
    };
    let version = match (&from, choice) {
        (Some(src), choice) => {
            let Some(running) = facts.deployed.get(src) else {
                return Err(Err(vec![Diagnostic::error(
                    "promotion/source-missing",
                    format!("`{src}` does not run `{chart}` yet, so there is nothing to promote into `{}`", request.to),
                )
                .with_help(format!("promote `{chart}` into `{src}` first"))]));
            };
            if let VersionChoice::Exact(v) = choice {
                if v != running {
                    findings.push(
                        Diagnostic::error(
                            "promotion/not-in-source",
                            format!("`{src}` runs `{chart}` {running}, not {v}: only what `{src}` runs can move to `{}`", request.to),
                        )
                        .with_help(format!("promote {running}, or first promote {v} into `{src}`")),
                    );
                }
            }
            running.clone()
        }
        (None, VersionChoice::Exact(v)) => {
            // Into the first environment the version is a release of the chart: never one
            // below what Chart.yaml already says (going back is `rollback`'s job).
            if let Some(current) = facts
                .chart_version
                .as_ref()
                .filter(|c| v.cmp_precedence(c) == Ordering::Less)
            {
                let mut d = Diagnostic::error(
                    "chart/version",
                    format!("`--version {v}` is below `{chart}`'s chart version {current}"),
                )
                .with_help(format!("promote {current} or a higher version"))
                .with_help("to go back to an earlier version, use `rollback`");
                if let Some((path, line)) = &facts.chart_version_at {
                    d = d.in_file(path.clone()).at_line(*line);
                }
                findings.push(d);
            }
            v.clone()
        }
        (None, VersionChoice::Bump(level)) => bump_from(facts, *level),
        (None, VersionChoice::Auto) => match facts.auto_bump {
            Some(level) => bump_from(facts, level),
            None if facts.no_unreleased_in.is_some() => {
                let path = facts.no_unreleased_in.as_deref().unwrap_or_default();
                return Err(Err(vec![Diagnostic::error(
                    "promotion/auto-bump-empty",
                    format!("`--bump auto` reads `[Unreleased]`, but `{path}` has no `## [Unreleased]` section"),
                )
                .in_file(path)
                .with_help("add a `## [Unreleased]` section listing the changes (`### Added`, `### Fixed`, …), or pass `--bump patch|minor|major`")]));
            }
            None => {
                return Err(Err(vec![Diagnostic::error(
                    "promotion/auto-bump-empty",
                    format!("`--bump auto` found no entries under `[Unreleased]` in the changelog of `{chart}`"),
                )
                .with_help("add entries under `## [Unreleased]` (`### Added`, `### Fixed`, …) or pass `--bump patch|minor|major`")]))
            }
        },
        (None, VersionChoice::Default) => match &facts.chart_version {
            Some(v) => v.clone(),
            None => {
                return Err(Err(vec![Diagnostic::error(
                    "promotion/no-version",
                    format!("`{chart}` has no valid version in Chart.yaml"),
                )]))
            }
        },
    };

    let already_done = previous.as_ref() == Some(&version);
    if let Some(prev) = &previous {
        // NOTE: SemVer precedence, not `Ord`: build metadata has no precedence, so `1.0.0+b`
        // is the same release as `1.0.0+a`, not a newer one.
        // See: <https://semver.org/spec/v2.0.0.html#spec-item-10>
        if !already_done && version.cmp_precedence(prev) != Ordering::Greater {
            let mut d = Diagnostic::error(
                "promotion/not-an-increase",
                format!(
                    "`{}` already runs `{chart}` {prev}; {version} is not higher",
                    request.to
                ),
            );
            if version.cmp_precedence(prev) == Ordering::Equal {
                d = d.with_help(format!(
                    "{version} and {prev} differ only in build metadata, which has no precedence in SemVer 2: they are the same release"
                ));
            }
            findings.push(d.with_help(
                "a promotion must raise the version; choose a higher `--version` or a `--bump`",
            ));
        }
    }

    // A rolled-back version never comes back without a new release: the environment that
    // withdrew it takes only a higher one, and no environment takes it again.
    if !already_done {
        if let Some(d) = withdrawn_finding(chart, &request.to, &version, &facts.withdrawn) {
            findings.push(d);
        }
    }

    if let (Some(src), Some(required), false) = (&from, facts.soak_required, already_done) {
        match facts.soak_elapsed {
            Some(elapsed) if elapsed < required => findings.push(
                Diagnostic::error(
                    "promotion/soak",
                    format!(
                        "{version} has been in `{src}` for {}, less than the {} soak time",
                        human(elapsed),
                        human(required)
                    ),
                )
                .with_help(format!(
                    "promote after {} more",
                    human(required.saturating_sub(elapsed))
                )),
            ),
            _ => {}
        }
    }
    if !findings.is_empty() {
        return Err(Err(findings));
    }
    let bump_chart = facts.chart_version.as_ref().is_none_or(|c| &version > c);
    Ok(PromotionPlan {
        chart: chart.clone(),
        from,
        to: request.to.clone(),
        previous,
        version,
        bump_chart: bump_chart && !already_done,
        already_done,
        warnings,
    })
}

/// Why `version` may not go to `to` after a rollback, if it may not.
fn withdrawn_finding(
    chart: &str,
    to: &str,
    version: &Version,
    withdrawn: &BTreeMap<String, Vec<Version>>,
) -> Option<Diagnostic> {
    let help = |above: &Version| {
        format!("release a version above {above} (into the first environment: `--bump patch` or a higher `--version`) and promote that")
    };
    if let Some((env, _)) = withdrawn.iter().find(|(_, vs)| {
        vs.iter()
            .any(|w| w.cmp_precedence(version) == Ordering::Equal)
    }) {
        return Some(
            Diagnostic::error(
                "promotion/rolled-back",
                format!(
                    "`{chart}` {version} was rolled back in `{env}`; it cannot be promoted again"
                ),
            )
            .with_help(help(version)),
        );
    }
    let highest = withdrawn
        .get(to)?
        .iter()
        .max_by(|a, b| a.cmp_precedence(b))?;
    (version.cmp_precedence(highest) != Ordering::Greater).then(|| {
        Diagnostic::error(
            "promotion/rolled-back",
            format!("`{to}` rolled back `{chart}` {highest}; the next version it takes must be above it, and {version} is not"),
        )
        .with_help(help(highest))
    })
}

fn bump_from(facts: &PromotionFacts, level: Bump) -> Version {
    // Bump from the highest version the chart has reached, so a bump never goes backwards.
    let base = facts
        .chart_version
        .iter()
        .chain(facts.deployed.values())
        .max()
        .cloned()
        .unwrap_or_else(|| Version::new(0, 0, 0));
    next_version(&base, level)
}

/// `1d 2h`, `3h 5m`, `45m`, `10s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs() -> Vec<String> {
        ["dev", "staging", "prod"].map(String::from).to_vec()
    }
    fn v(s: &str) -> Version {
        s.parse().expect("version")
    }
    fn facts(chart: &str, deployed: &[(&str, &str)]) -> PromotionFacts {
        PromotionFacts {
            chart_version: Some(v(chart)),
            deployed: deployed
                .iter()
                .map(|(e, x)| ((*e).to_owned(), v(x)))
                .collect(),
            ..PromotionFacts::default()
        }
    }
    fn req(from: Option<&str>, to: &str, version: VersionChoice) -> PromotionRequest {
        PromotionRequest {
            chart: "frontend".into(),
            from: from.map(String::from),
            to: to.into(),
            version,
        }
    }
    fn codes(r: Result<PromotionPlan, Result<UsageError, Vec<Diagnostic>>>) -> Vec<&'static str> {
        match r {
            Err(Err(d)) => d.iter().map(|d| d.code).collect(),
            other => panic!("expected findings, got {other:?}"),
        }
    }

    #[test]
    fn a_rolled_back_version_is_refused_until_a_higher_release() {
        let mut f = facts("1.1.0", &[("dev", "1.1.0"), ("staging", "1.0.0")]);
        f.withdrawn.insert("staging".into(), vec![v("1.1.0")]);
        let into_staging = req(None, "staging", VersionChoice::Default);
        assert_eq!(
            codes(decide(&envs(), &into_staging, &f)),
            ["promotion/rolled-back"]
        );
        let into_dev = req(None, "dev", VersionChoice::Exact(v("1.1.0")));
        let mut g = facts("1.1.0", &[("dev", "1.0.0")]);
        g.withdrawn = f.withdrawn.clone();
        assert_eq!(
            codes(decide(&envs(), &into_dev, &g)),
            ["promotion/rolled-back"]
        );
        let newer = req(None, "dev", VersionChoice::Exact(v("1.1.1")));
        assert!(decide(&envs(), &newer, &g).is_ok());
        let mut h = facts("1.1.1", &[("dev", "1.0.5"), ("staging", "1.0.0")]);
        h.withdrawn = f.withdrawn.clone();
        assert_eq!(
            codes(decide(&envs(), &into_staging, &h)),
            ["promotion/rolled-back"]
        );
        let mut k = facts("1.1.1", &[("dev", "1.1.1"), ("staging", "1.0.0")]);
        k.withdrawn = f.withdrawn;
        assert!(decide(&envs(), &into_staging, &k).is_ok());
    }

    #[test]
    fn build_metadata_alone_is_not_an_increase() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("1.0.0+a", "1.0.0+b", Some("promotion/not-an-increase")),
            ("1.0.0+b", "1.0.0+a", Some("promotion/not-an-increase")),
            ("1.0.0", "1.0.0+build.1", Some("promotion/not-an-increase")),
            (
                "1.0.0-rc.1+a",
                "1.0.0-rc.1+b",
                Some("promotion/not-an-increase"),
            ),
            ("1.0.0+z", "1.0.1+a", None),
            ("1.0.0-rc.1+z", "1.0.0+a", None),
            ("1.0.0+a", "1.0.0+a", None),
        ];
        for (running, version, want) in cases {
            let f = facts(version, &[("dev", running)]);
            let r = decide(
                &envs(),
                &req(None, "dev", VersionChoice::Exact(v(version))),
                &f,
            );
            match (r, want) {
                (Ok(_), None) => {}
                (Err(Err(d)), Some(code)) => assert_eq!(d[0].code, *code, "{running} → {version}"),
                (other, _) => panic!("{running} → {version}: {other:?}"),
            }
        }
        let f = facts("1.0.0+b", &[("dev", "1.0.0+a")]);
        let d = decide(
            &envs(),
            &req(None, "dev", VersionChoice::Exact(v("1.0.0+b"))),
            &f,
        )
        .expect_err("refused")
        .expect_err("findings");
        assert_eq!(
            d[0].help[0],
            "1.0.0+b and 1.0.0+a differ only in build metadata, which has no precedence in SemVer 2: they are the same release"
        );
    }

    #[test]
    fn an_exact_chart_version_equal_in_precedence_is_not_below_the_chart() {
        let f = facts("1.3.0+b", &[("dev", "1.2.0")]);
        assert!(decide(
            &envs(),
            &req(None, "dev", VersionChoice::Exact(v("1.3.0+a"))),
            &f
        )
        .is_ok());
    }

    #[test]
    fn into_the_first_environment_bumps_the_chart() {
        let f = facts("1.2.0", &[("dev", "1.2.0")]);
        let plan = decide(
            &envs(),
            &req(None, "dev", VersionChoice::Bump(Bump::Minor)),
            &f,
        )
        .expect("ok");
        assert_eq!(
            (plan.version, plan.bump_chart, plan.from),
            (v("1.3.0"), true, None)
        );
        let mut f = f;
        f.auto_bump = Some(Bump::Patch);
        let plan = decide(&envs(), &req(None, "dev", VersionChoice::Auto), &f).expect("ok");
        assert_eq!(plan.version, v("1.2.1"));
    }

    #[test]
    fn an_exact_version_below_the_chart_is_refused_where_chart_yaml_says_it() {
        let mut f = facts("1.3.0", &[("dev", "1.2.0")]);
        f.chart_version_at = Some(("charts/frontend/Chart.yaml".into(), 4));
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("dev", "1.2.5", Some("chart/version")),
            ("dev", "1.3.0-rc.1", Some("chart/version")),
            ("dev", "1.3.0", None),
            ("dev", "1.4.0", None),
        ];
        for (to, version, want) in cases {
            let r = decide(
                &envs(),
                &req(None, to, VersionChoice::Exact(v(version))),
                &f,
            );
            match (r, want) {
                (Ok(_), None) => {}
                (Err(Err(d)), Some(code)) => {
                    assert_eq!(d[0].code, *code, "{version}");
                    assert_eq!(
                        (d[0].file.as_deref(), d[0].line),
                        (Some("charts/frontend/Chart.yaml"), Some(4))
                    );
                }
                (other, _) => panic!("{version}: {other:?}"),
            }
        }
        // Past the first environment the source's version moves, whatever Chart.yaml says.
        let f = facts("1.5.0", &[("dev", "1.3.0"), ("staging", "1.2.0")]);
        assert!(decide(
            &envs(),
            &req(None, "staging", VersionChoice::Exact(v("1.3.0"))),
            &f
        )
        .is_ok());
    }

    #[test]
    fn bump_auto_says_when_there_is_no_unreleased_section() {
        let mut f = facts("1.3.0", &[("dev", "1.2.0")]);
        let messages =
            |f: &PromotionFacts| match decide(&envs(), &req(None, "dev", VersionChoice::Auto), f) {
                Err(Err(d)) => (d[0].code, d[0].message.clone()),
                other => panic!("{other:?}"),
            };
        let (code, message) = messages(&f);
        assert_eq!(code, "promotion/auto-bump-empty");
        assert!(
            message.contains("found no entries under `[Unreleased]`"),
            "{message}"
        );
        f.no_unreleased_in = Some("CHANGELOG.md".into());
        let (code, message) = messages(&f);
        assert_eq!(code, "promotion/auto-bump-empty");
        assert!(
            message.ends_with("`CHANGELOG.md` has no `## [Unreleased]` section"),
            "{message}"
        );
    }

    #[test]
    fn past_the_first_environment_the_source_version_moves() {
        let f = facts("1.3.0", &[("dev", "1.3.0"), ("staging", "1.2.0")]);
        let plan = decide(&envs(), &req(None, "staging", VersionChoice::Default), &f).expect("ok");
        assert_eq!(plan.from.as_deref(), Some("dev"));
        assert_eq!(
            (plan.previous, plan.version, plan.bump_chart),
            (Some(v("1.2.0")), v("1.3.0"), false)
        );
        let wrong = decide(
            &envs(),
            &req(None, "staging", VersionChoice::Exact(v("1.4.0"))),
            &f,
        );
        assert_eq!(codes(wrong), ["promotion/not-in-source"]);
    }

    #[test]
    fn the_path_is_one_step_forward() {
        let f = facts("1.3.0", &[("dev", "1.3.0"), ("staging", "1.3.0")]);
        assert_eq!(
            codes(decide(
                &envs(),
                &req(Some("dev"), "prod", VersionChoice::Default),
                &f
            )),
            ["promotion/path"]
        );
        assert_eq!(
            codes(decide(
                &envs(),
                &req(Some("prod"), "staging", VersionChoice::Default),
                &f
            )),
            ["promotion/path"]
        );
        assert_eq!(
            codes(decide(
                &envs(),
                &req(Some("dev"), "dev", VersionChoice::Default),
                &f
            )),
            ["promotion/path"]
        );
        assert!(matches!(
            decide(&envs(), &req(None, "qa", VersionChoice::Default), &f),
            Err(Ok(UsageError::UnknownEnvironment { .. }))
        ));
        let plan = decide(
            &envs(),
            &req(None, "prod", VersionChoice::Bump(Bump::Patch)),
            &f,
        )
        .expect("a bump past the first environment is ignored");
        assert_eq!(plan.version, v("1.3.0"));
        assert_eq!(
            plan.warnings.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["promotion/bump-ignored"]
        );
    }

    #[test]
    fn the_version_must_increase() {
        let f = facts("1.3.0", &[("dev", "1.3.0"), ("staging", "1.4.0")]);
        assert_eq!(
            codes(decide(
                &envs(),
                &req(None, "staging", VersionChoice::Default),
                &f
            )),
            ["promotion/not-an-increase"]
        );
        let f = facts("1.3.0", &[("dev", "1.3.0")]);
        assert_eq!(
            codes(decide(
                &envs(),
                &req(None, "prod", VersionChoice::Default),
                &f
            )),
            ["promotion/source-missing"]
        );
    }

    #[test]
    fn the_same_version_again_is_nothing_to_do() {
        let f = facts("1.3.0", &[("dev", "1.3.0"), ("staging", "1.3.0")]);
        let plan = decide(&envs(), &req(None, "staging", VersionChoice::Default), &f).expect("ok");
        assert!(plan.already_done && !plan.bump_chart);
    }

    #[test]
    fn soak_time_holds_a_version_back() {
        let mut f = facts("1.3.0", &[("dev", "1.3.0"), ("staging", "1.3.0")]);
        f.soak_required = Some(Duration::from_secs(86_400));
        f.soak_elapsed = Some(Duration::from_secs(3_600));
        let r = decide(&envs(), &req(None, "prod", VersionChoice::Default), &f);
        assert_eq!(codes(r), ["promotion/soak"]);
        f.soak_elapsed = Some(Duration::from_secs(90_000));
        assert!(decide(&envs(), &req(None, "prod", VersionChoice::Default), &f).is_ok());
    }

    #[test]
    fn human_durations_read_naturally() {
        assert_eq!(human(Duration::from_secs(86_400 + 7_200)), "1d 2h");
        assert_eq!(human(Duration::from_secs(3_900)), "1h 5m");
        assert_eq!(human(Duration::from_secs(42)), "42s");
    }
}
