//! Inferring a repository's conventions from what it already does, for `init`: the tag format
//! from its tags, the order of its environments, how its changelogs are kept, and the rule
//! levels that match its current practice. Every inference carries its evidence, in words a
//! maintainer can check.

use std::collections::{BTreeMap, BTreeSet};

use super::changelog;
use super::config::VersionBump;
use super::name::check_name;
use super::rules::Level;

/// A setting and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred<T> {
    /// The value.
    pub value: T,
    /// The evidence, one line.
    pub evidence: String,
}

/// The tag formats tried, most specific first (a tie goes to the earlier one).
/// `{component}-{version}` is chart-releaser's default.
pub const TAG_FORMATS: [&str; 7] = [
    "{component}-helm-chart-{version}",
    "{component}/v{version}",
    "{component}/{version}",
    "{component}-v{version}",
    "v{version}-{component}",
    "{component}@{version}",
    "{component}-{version}",
];

/// Splits `tag` by `template` into a component and a version, trying every place the
/// separator occurs; with `known` non-empty the component must be one of them.
fn split_tag<'t>(template: &str, tag: &'t str, known: &BTreeSet<&str>) -> Option<&'t str> {
    let v = template.find("{version}")?;
    let c = template.find("{component}")?;
    let (first, second) = if v < c {
        ((v, "{version}".len()), (c, "{component}".len()))
    } else {
        ((c, "{component}".len()), (v, "{version}".len()))
    };
    let prefix = &template[..first.0];
    let middle = &template[first.0 + first.1..second.0];
    let suffix = &template[second.0 + second.1..];
    let inner = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
    for (i, _) in inner.match_indices(middle) {
        let (a, b) = (&inner[..i], &inner[i + middle.len()..]);
        let (component, version) = if v < c { (b, a) } else { (a, b) };
        let fits = semver::Version::parse(version).is_ok()
            && check_name(component).is_ok()
            && (known.is_empty() || known.contains(component));
        if fits {
            return Some(component);
        }
    }
    None
}

/// The tag format most of `tags` follow, with the count as evidence; `None` when no tag
/// follows any of [`TAG_FORMATS`]. With `known` component names, a tag only counts when it
/// names one of them.
///
/// ```
/// use release_action::domain::infer::infer_tag_format;
/// let tags = ["web-1.0.0", "web-1.1.0", "api-0.3.0", "nightly"];
/// let got = infer_tag_format(&tags, &["web", "api"]).unwrap();
/// assert_eq!(got.value, "{component}-{version}");
/// assert_eq!(got.evidence, "3 of 4 tags match `{component}-{version}` (e.g. `web-1.0.0`)");
/// ```
pub fn infer_tag_format(tags: &[&str], known: &[&str]) -> Option<Inferred<String>> {
    let known: BTreeSet<&str> = known.iter().copied().collect();
    let mut best: Option<(usize, &str, &str)> = None;
    for format in TAG_FORMATS {
        let matching: Vec<&str> = tags
            .iter()
            .copied()
            .filter(|t| split_tag(format, t, &known).is_some())
            .collect();
        if matching.len() > best.map_or(0, |b| b.0) {
            best = Some((matching.len(), format, matching[0]));
        }
    }
    let (n, format, example) = best?;
    Some(Inferred {
        value: format.to_owned(),
        evidence: format!(
            "{n} of {} tags match `{format}` (e.g. `{example}`)",
            tags.len()
        ),
    })
}

/// Environment names in promotion order: the usual names in their usual order, any others
/// after them alphabetically.
///
/// ```
/// use release_action::domain::infer::order_environments;
/// let got = order_environments(vec!["prod".into(), "dev".into(), "staging".into(), "qa".into()]);
/// assert_eq!(got, ["dev", "qa", "staging", "prod"]);
/// ```
pub fn order_environments(mut names: Vec<String>) -> Vec<String> {
    const USUAL: [&str; 12] = [
        "local",
        "dev",
        "development",
        "test",
        "testing",
        "qa",
        "uat",
        "staging",
        "stage",
        "preprod",
        "prod",
        "production",
    ];
    names.sort_by_key(|n| {
        (
            USUAL.iter().position(|u| u == n).unwrap_or(USUAL.len()),
            n.clone(),
        )
    });
    names.dedup();
    names
}

/// How many of each changelog's newest release sections speak for its current practice.
const RECENT_RELEASES: usize = 20;

/// Rules about how a release heading or section is written: a repository's own convention may
/// differ from Keep a Changelog's, and `init` turns them off when most recent releases do.
const CONVENTION_RULES: [&str; 9] = [
    "changelog/missing-date",
    "changelog/heading-level",
    "changelog/missing-link",
    "changelog/unknown-change-type",
    "changelog/empty-release",
    "changelog/nbsp-heading",
    "changelog/unrecognized-heading",
    "changelog/orphan-link",
    "changelog/invalid-date",
];

/// The changelog rules that the repository's recent releases do not follow, each `off` with
/// its evidence. `changelogs` are `(path, text)`. Rules that catch mistakes rather than a
/// style (duplicate or unsorted versions) are never turned off: their findings are true
/// problems.
pub fn infer_changelog_rules(changelogs: &[(&str, &str)]) -> Vec<(&'static str, Inferred<Level>)> {
    let mut recent = 0usize;
    let mut hits: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (path, text) in changelogs {
        let log = changelog::parse(text);
        let lines: BTreeSet<usize> = log
            .releases()
            .take(RECENT_RELEASES)
            .map(|s| s.line)
            .collect();
        // A finding belongs to a recent release when it sits on or below its heading and
        // above the next older one.
        let last = log
            .releases()
            .nth(RECENT_RELEASES)
            .map_or(usize::MAX, |s| s.line);
        let first = lines.iter().next().copied().unwrap_or(usize::MAX);
        recent += lines.len();
        for d in changelog::validate(text, path) {
            let Some(rule) = CONVENTION_RULES.iter().find(|r| **r == d.code) else {
                continue;
            };
            if d.line.is_some_and(|l| l >= first && l < last) {
                *hits.entry(rule).or_default() += 1;
            }
        }
    }
    let mut out: Vec<(&'static str, Inferred<Level>)> = hits
        .into_iter()
        .filter(|(_, n)| recent > 0 && n * 2 >= recent)
        .map(|(rule, n)| {
            (
                rule,
                Inferred {
                    value: Level::Off,
                    evidence: format!(
                        "{n} finding(s) in the {recent} most recent release section(s) of {} changelog(s): the repository's own convention",
                        changelogs.len()
                    ),
                },
            )
        })
        .collect();
    out.sort_by_key(|(r, _)| *r);
    out
}

/// When versions are bumped: `at-release` when most changelogs collect changes under a
/// non-empty `[Unreleased]` section (a release bumps later), else `every-change`.
///
/// ```
/// use release_action::domain::infer::infer_version_bump;
/// use release_action::domain::config::VersionBump;
/// let kept = "## [Unreleased]\n\n- a fix\n\n## [1.0.0] - 2024-01-01\n\n- first\n";
/// assert_eq!(infer_version_bump(&[("CHANGELOG.md", kept)]).value, VersionBump::AtRelease);
/// let each = "## 1.0.1\n\n- a fix\n";
/// assert_eq!(infer_version_bump(&[("CHANGELOG.md", each)]).value, VersionBump::EveryChange);
/// ```
pub fn infer_version_bump(changelogs: &[(&str, &str)]) -> Inferred<VersionBump> {
    let collecting = changelogs
        .iter()
        .filter(|(_, text)| {
            changelog::extract(text, "Unreleased").is_some_and(|s| {
                s.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with(['-', '*', '+']) && l.len() > 2
                })
            })
        })
        .count();
    let total = changelogs.len();
    if total > 0 && collecting * 2 > total {
        Inferred {
            value: VersionBump::AtRelease,
            evidence: format!(
                "{collecting} of {total} changelog(s) collect changes under `[Unreleased]` until a release bumps the version"
            ),
        }
    } else {
        Inferred {
            value: VersionBump::EveryChange,
            evidence: if total == 0 {
                "no changelogs: every change to a chart bumps its version".to_owned()
            } else {
                format!(
                    "{collecting} of {total} changelog(s) keep entries under `[Unreleased]`: every change to a chart bumps its version"
                )
            },
        }
    }
}

/// The heading style most changelogs use, in words (`## 1.2.0`, undated).
pub fn describe_heading_style(changelogs: &[(&str, &str)]) -> Option<String> {
    let mut styles: BTreeMap<String, usize> = BTreeMap::new();
    for (_, text) in changelogs {
        let log = changelog::parse(text);
        if log.releases().next().is_none() {
            continue;
        }
        let style = changelog::HeadingStyle::of(&log);
        *styles
            .entry(style.render("1.2.0", "YYYY-MM-DD", false))
            .or_default() += 1;
    }
    let total: usize = styles.values().sum();
    let (example, n) = styles.into_iter().max_by_key(|(_, n)| *n)?;
    Some(format!(
        "{n} of {total} changelog(s) write release headings as `{example}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_formats_are_told_apart() {
        let cases: &[(&[&str], &[&str], Option<&str>)] = &[
            (
                &["nginx/15.0.0", "redis/1.2.3"],
                &[],
                Some("{component}/{version}"),
            ),
            (&["web/v1.0.0"], &[], Some("{component}/v{version}")),
            (
                &["v1.0.0-web", "v1.1.0-rc.1-web"],
                &["web"],
                Some("v{version}-{component}"),
            ),
            (
                &["axum-v0.7.0", "axum-macros-v0.4.0"],
                &[],
                Some("{component}-v{version}"),
            ),
            (
                &["grafana-helm-chart-1.0.0"],
                &["grafana"],
                Some("{component}-helm-chart-{version}"),
            ),
            (
                &["datadog-3.1.0", "datadog-operator-0.4.1"],
                &[],
                Some("{component}-{version}"),
            ),
            (&["v1.0.0", "stable"], &[], None),
            (&[], &[], None),
        ];
        for (tags, known, want) in cases {
            let got = infer_tag_format(tags, known).map(|i| i.value);
            assert_eq!(got.as_deref(), *want, "{tags:?}");
        }
    }

    #[test]
    fn undated_release_headings_are_a_convention() {
        let undated = "# Changelog\n\n## 1.2.0\n\n* b\n\n## 1.1.0\n\n* a\n";
        let got = infer_changelog_rules(&[("a/CHANGELOG.md", undated)]);
        let ids: Vec<&str> = got.iter().map(|(r, _)| *r).collect();
        assert!(ids.contains(&"changelog/missing-date"), "{ids:?}");
        let kac = "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2024-02-01\n\n### Added\n\n- a\n\n[Unreleased]: https://x/compare/v1.1.0...HEAD\n[1.1.0]: https://x/releases/v1.1.0\n";
        assert_eq!(infer_changelog_rules(&[("CHANGELOG.md", kac)]), vec![]);
    }

    #[test]
    fn mistakes_are_never_inferred_as_conventions() {
        let unsorted = "## 1.0.0 - 2024-01-01\n\n- a\n\n## 1.1.0 - 2024-02-01\n\n- b\n";
        let got = infer_changelog_rules(&[("CHANGELOG.md", unsorted)]);
        assert!(got.iter().all(|(r, _)| *r != "changelog/unsorted-releases"));
    }
}
