//! The rule catalogue: every finding's id, what it guards, its default level, and whether a
//! repository may change that level (`rules:` in the configuration).
//!
//! `docs/rules.md` explains each rule with an example and its fix; a test keeps that page, this
//! table and the ids the code emits in step.

use std::collections::BTreeMap;

use super::diagnostic::{Diagnostic, Severity};

/// The level a repository gives a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The finding fails the gate.
    Error,
    /// The finding is reported and the gate still passes.
    Warning,
    /// The rule does not run.
    Off,
}

impl Level {
    /// Parses `error`, `warning` or `off`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Self::Error),
            "warning" => Some(Self::Warning),
            "off" => Some(Self::Off),
            _ => None,
        }
    }

    /// The spelling in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Off => "off",
        }
    }
}

/// The levels' spellings.
const LEVELS: [&str; 3] = ["error", "warning", "off"];

/// One rule of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The id findings carry, `area/what`.
    pub id: &'static str,
    /// The level when the configuration says nothing.
    pub default: Level,
    /// Whether `rules:` may change its level. Rules that guard the release path itself (tags,
    /// promotions, hostile files, the tool's own edits) may not.
    pub configurable: bool,
    /// What it protects against, in one line.
    pub summary: &'static str,
}

const fn rule(id: &'static str, default: Level, summary: &'static str) -> Rule {
    Rule {
        id,
        default,
        configurable: true,
        summary,
    }
}

const fn fixed(id: &'static str, summary: &'static str) -> Rule {
    Rule {
        id,
        default: Level::Error,
        configurable: false,
        summary,
    }
}

use Level::{Error as E, Warning as W};

/// Every rule, sorted by id.
pub const RULES: &[Rule] = &[
    fixed(
        "bom/edit",
        "an edit of a BOM did not re-parse to what was intended (a tool bug)",
    ),
    rule(
        "bom/environment-mismatch",
        E,
        "a BOM's `environment:` names another environment than its file",
    ),
    rule(
        "bom/floating-tag",
        E,
        "a BOM pins an image by a tag that moves (`latest`, `main`, empty)",
    ),
    rule(
        "bom/invalid-chart-entry",
        E,
        "a `charts:` entry is not `name: version`",
    ),
    rule(
        "bom/invalid-chart-version",
        E,
        "a pinned chart version is not SemVer 2",
    ),
    rule("bom/invalid-charts", E, "`charts:` is not a mapping"),
    rule(
        "bom/invalid-digest",
        E,
        "an image digest is not `sha256:` and 64 hex digits",
    ),
    rule(
        "bom/invalid-environment",
        E,
        "`environment:` is not a valid name",
    ),
    rule(
        "bom/invalid-image-entry",
        E,
        "an `images:` entry is not a mapping of image, tag and digest",
    ),
    rule("bom/invalid-images", E, "`images:` is not a mapping"),
    rule(
        "bom/invalid-name",
        E,
        "a chart or image name in a BOM is not a valid component name",
    ),
    rule("bom/invalid-yaml", E, "a BOM is not valid YAML"),
    fixed("bom/missing", "the environment named has no BOM"),
    rule(
        "bom/missing-image",
        E,
        "an image entry's `image:` repository is empty",
    ),
    rule(
        "bom/missing-tag",
        E,
        "an image entry has neither a `tag:` nor a digest",
    ),
    rule("bom/not-a-mapping", E, "a BOM is not a mapping"),
    fixed(
        "bom/shape",
        "a BOM cannot be snapshotted: it is not the shape release-action writes",
    ),
    rule(
        "bom/unknown-key",
        W,
        "a BOM has a key release-action does not know (a typo?)",
    ),
    fixed(
        "bom/version",
        "a BOM pins the chart being promoted to a version that is not SemVer 2",
    ),
    fixed("bom/yaml", "a BOM to snapshot is not valid YAML"),
    fixed(
        "changelog/cut",
        "cutting a release did not re-parse to what was intended (a tool bug)",
    ),
    rule(
        "changelog/duplicate-unreleased",
        E,
        "a changelog has two `[Unreleased]` headings",
    ),
    rule(
        "changelog/duplicate-version",
        E,
        "a changelog has two sections for one version",
    ),
    rule(
        "changelog/empty-release",
        W,
        "a released section lists no change",
    ),
    fixed(
        "changelog/empty-section",
        "the changelog section for a tagged version lists no change",
    ),
    fixed(
        "changelog/empty-unreleased",
        "a release cut found nothing under `[Unreleased]`",
    ),
    rule(
        "changelog/heading-level",
        W,
        "a release heading is not at level 2 (`##`)",
    ),
    rule(
        "changelog/invalid-date",
        E,
        "a release date is not an ISO 8601 `YYYY-MM-DD` date",
    ),
    rule(
        "changelog/invalid-version",
        E,
        "a release heading's version is not SemVer 2",
    ),
    rule(
        "changelog/missing",
        E,
        "a component has no changelog where it should",
    ),
    rule("changelog/missing-date", E, "a release heading has no date"),
    rule(
        "changelog/missing-link",
        W,
        "a bracketed heading has no link reference definition",
    ),
    fixed(
        "changelog/missing-section",
        "the changelog has no section for the tagged version",
    ),
    rule(
        "changelog/nbsp-heading",
        W,
        "a heading contains a non-breaking space",
    ),
    fixed(
        "changelog/no-section",
        "`notes` found no section for the version asked for",
    ),
    rule(
        "changelog/no-sections",
        W,
        "a changelog has no release sections at all",
    ),
    rule(
        "changelog/no-unreleased",
        W,
        "a changelog has no `[Unreleased]` section",
    ),
    rule(
        "changelog/orphan-link",
        W,
        "a link reference definition names no heading",
    ),
    rule(
        "changelog/unknown-change-type",
        W,
        "a change-type heading is not one of Keep a Changelog's",
    ),
    rule(
        "changelog/unrecognized-heading",
        W,
        "a level-2 heading is neither a release nor `[Unreleased]`",
    ),
    rule(
        "changelog/unreleased-not-first",
        E,
        "`[Unreleased]` is not the first section",
    ),
    rule(
        "changelog/unsorted-releases",
        E,
        "releases are not in descending version order",
    ),
    rule(
        "chart/bad-name",
        E,
        "a chart directory's name is not a valid component name",
    ),
    rule(
        "chart/duplicate-dependency",
        E,
        "two dependencies of a chart have the same name or alias",
    ),
    rule(
        "chart/duplicate-key",
        W,
        "a top-level key of Chart.yaml other than `version` and `name` is written more than once",
    ),
    rule(
        "chart/duplicate-name",
        E,
        "two charts have the same `name:`",
    ),
    fixed(
        "chart/edit",
        "an edit of Chart.yaml did not re-parse to what was intended (a tool bug)",
    ),
    rule("chart/empty", E, "Chart.yaml is empty"),
    rule(
        "chart/invalid-maintainers",
        E,
        "`maintainers` is not a list of mappings, so Helm cannot load the chart",
    ),
    rule(
        "chart/invalid-name",
        E,
        "Chart.yaml's `name` is not a valid chart name",
    ),
    rule(
        "chart/invalid-type",
        E,
        "Chart.yaml's `type` is neither `application` nor `library`",
    ),
    rule(
        "chart/invalid-version",
        E,
        "Chart.yaml's `version` is not SemVer 2",
    ),
    rule("chart/invalid-yaml", E, "Chart.yaml is not valid YAML"),
    fixed(
        "chart/missing",
        "the chart being promoted has no Chart.yaml",
    ),
    rule(
        "chart/missing-api-version",
        E,
        "Chart.yaml has no `apiVersion`",
    ),
    rule("chart/missing-name", E, "Chart.yaml has no `name`"),
    rule("chart/missing-version", E, "Chart.yaml has no `version`"),
    rule(
        "chart/name-mismatch",
        W,
        "a chart's directory is named otherwise than its `name:`",
    ),
    rule("chart/not-a-mapping", E, "Chart.yaml is not a mapping"),
    rule(
        "chart/unquoted-app-version",
        E,
        "`appVersion` is a YAML number, which loses digits and `helm lint` refuses",
    ),
    rule(
        "chart/unsupported-api-version",
        E,
        "Chart.yaml's `apiVersion` is neither `v1` nor `v2`",
    ),
    rule(
        "chart/v1-field",
        E,
        "an `apiVersion: v1` chart has `type` or `dependencies`, which `helm lint` refuses",
    ),
    fixed(
        "chart/version",
        "the Chart.yaml of the chart being promoted has no SemVer 2 version",
    ),
    rule(
        "check/missing-changelog-section",
        E,
        "a chart's new version has no changelog section",
    ),
    rule(
        "check/version-not-bumped",
        E,
        "a changed chart does not carry a higher version than the base",
    ),
    fixed(
        "file/refused",
        "a file is hostile or malformed: a symlink out of the repository, too large, not UTF-8",
    ),
    fixed(
        "gate/no-data",
        "an SLO query returned nothing (or NaN) at an evaluation: counted as a violation",
    ),
    fixed(
        "gate/objectives-missed",
        "a release missed its objectives more often than `max-violations` allows",
    ),
    fixed(
        "gate/probe-failed",
        "a probed URL never answered an expected status within its retries",
    ),
    fixed(
        "init/exists",
        "`init` found a configuration or workflow file and does not overwrite it",
    ),
    fixed(
        "notes/unknown-component",
        "`notes` was asked for a component that does not exist",
    ),
    fixed(
        "promotion/auto-bump-empty",
        "`--bump auto` found no change type to infer a level from",
    ),
    Rule {
        id: "promotion/bump-ignored",
        default: W,
        configurable: false,
        summary: "`--bump` past the first environment is ignored",
    },
    fixed(
        "promotion/empty-unreleased",
        "a promotion would cut a release with nothing under `[Unreleased]`",
    ),
    fixed(
        "promotion/no-changelog-section",
        "a promotion's version has no changelog section and the promotion does not cut one",
    ),
    fixed(
        "promotion/no-version",
        "a promotion into the first environment has no version to take",
    ),
    fixed(
        "promotion/not-an-increase",
        "a promotion's version is not above the target's",
    ),
    fixed(
        "promotion/not-in-source",
        "a promotion's version is not what the source environment runs",
    ),
    fixed(
        "promotion/path",
        "a promotion skips an environment or goes backwards",
    ),
    fixed(
        "promotion/rolled-back",
        "a promotion brings back a version that a rollback withdrew",
    ),
    fixed(
        "promotion/soak",
        "a version has not soaked long enough in the source environment",
    ),
    fixed(
        "promotion/source-missing",
        "the source environment has no version of the chart",
    ),
    fixed(
        "promotion/unknown-chart",
        "a promotion names a chart that does not exist",
    ),
    fixed(
        "publish/foreign-commits",
        "the action's branch holds commits it did not make",
    ),
    fixed(
        "rollback/never-pinned",
        "a rollback names a version the environment never ran",
    ),
    fixed(
        "rollback/no-history",
        "a rollback into an environment that has no archive to go back to",
    ),
    fixed(
        "rollback/not-in-archive",
        "a rollback of one chart names an archive that does not pin it",
    ),
    fixed(
        "rollback/unknown-archive",
        "a rollback names an archive that does not exist",
    ),
    fixed(
        "rollback/unknown-chart",
        "a rollback names a chart that does not exist",
    ),
    fixed(
        "snapshot/exists",
        "a snapshot id is taken; snapshots are never overwritten",
    ),
    fixed("tag/ambiguous", "a tag reads as releases of two components"),
    Rule {
        id: "tag/annotation-unchecked",
        default: W,
        configurable: false,
        summary: "without a token or a local tag, whether a tag is annotated could not be checked",
    },
    fixed(
        "tag/grammar",
        "a tag does not follow the configured `tag-format`",
    ),
    fixed(
        "tag/lightweight",
        "a tag is lightweight where annotated tags are required",
    ),
    fixed(
        "tag/missing-version-file",
        "a component's declared version file does not exist",
    ),
    fixed(
        "tag/no-version-file",
        "a component has no version file to compare the tag with",
    ),
    fixed("tag/not-on-github", "the tag does not exist on GitHub"),
    fixed(
        "tag/not-on-release-branch",
        "the tagged commit is on no release branch",
    ),
    fixed(
        "tag/unknown-component",
        "a tag names a component that does not exist",
    ),
    fixed(
        "tag/unknown-version-file",
        "a declared version file is of no known kind",
    ),
    fixed("tag/version", "a tag's version is not SemVer 2"),
    fixed(
        "tag/version-mismatch",
        "a tag's version differs from the component's version",
    ),
    rule(
        "values/floating-tag",
        E,
        "values.yaml sets an image tag that moves (`latest`, `main`, empty)",
    ),
    rule(
        "values/invalid-digest",
        E,
        "an image digest in values.yaml is not `sha256:` and 64 hex digits",
    ),
    rule("values/invalid-yaml", E, "values.yaml is not valid YAML"),
    rule(
        "values/missing-tag",
        E,
        "an image in values.yaml has no tag and the chart no `appVersion`",
    ),
    rule(
        "values/not-a-mapping",
        E,
        "values.yaml is not a mapping, so Helm cannot load the chart",
    ),
    rule(
        "values/untagged-image",
        W,
        "an image reference in values.yaml carries no tag",
    ),
    rule(
        "version-file/ambiguous-version",
        E,
        "a version file has more than one version",
    ),
    rule(
        "version-file/disagree",
        E,
        "a component's version files carry different versions",
    ),
    fixed(
        "version-file/disagreeing-versions",
        "a version file carries two different versions",
    ),
    rule(
        "version-file/invalid-json",
        E,
        "package.json is not valid JSON",
    ),
    rule(
        "version-file/invalid-toml",
        E,
        "Cargo.toml or pyproject.toml is not valid TOML",
    ),
    rule(
        "version-file/malformed",
        E,
        "a version file's version cannot be read",
    ),
    rule(
        "version-file/missing",
        E,
        "a declared version file does not exist",
    ),
    rule(
        "version-file/missing-version",
        E,
        "a version file has no version",
    ),
    rule(
        "version-file/not-a-literal",
        E,
        "a version is computed, not written as a literal",
    ),
    rule(
        "version-file/unknown",
        E,
        "a declared version file is of no known kind",
    ),
    fixed(
        "version-file/unreadable",
        "a version file cannot be read as its format",
    ),
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Levels a repository chose, by rule id; checked against the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleLevels {
    levels: BTreeMap<&'static str, Level>,
}

/// Why a `rules:` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// No rule has this id.
    #[error("unknown rule `{id}`{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    Unknown {
        /// The id given.
        id: String,
        /// The closest known id.
        suggestion: Option<&'static str>,
    },
    /// The level is not `error`, `warning` or `off`.
    #[error("rule `{id}`: level `{level}` is not `error`, `warning` or `off`{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    BadLevel {
        /// The rule.
        id: String,
        /// The level given.
        level: String,
        /// The closest level.
        suggestion: Option<&'static str>,
    },
    /// The rule guards the release path and keeps its level.
    #[error("rule `{0}` cannot be configured: it guards the release path itself")]
    Fixed(String),
}

impl RuleLevels {
    /// Builds the levels from `id → level` text.
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RuleError> {
        let mut levels = BTreeMap::new();
        for (id, level) in entries {
            let Some(rule) = find(id) else {
                return Err(RuleError::Unknown {
                    id: id.escape_debug().to_string(),
                    suggestion: super::name::did_you_mean(id, RULES.iter().map(|r| r.id)),
                });
            };
            let Some(parsed) = Level::parse(level) else {
                return Err(RuleError::BadLevel {
                    id: id.to_owned(),
                    level: level.escape_debug().to_string(),
                    suggestion: LEVELS
                        .into_iter()
                        .find(|l| !level.is_empty() && l.starts_with(level))
                        .or_else(|| super::name::did_you_mean(level, LEVELS)),
                });
            };
            if !rule.configurable {
                return Err(RuleError::Fixed(id.to_owned()));
            }
            levels.insert(rule.id, parsed);
        }
        Ok(Self { levels })
    }

    /// Sets one rule's level (for configurations built in code, such as `init`'s).
    pub fn set(&mut self, id: &'static str, level: Level) {
        self.levels.insert(id, level);
    }

    /// The level the repository chose for `id`, if it chose one.
    pub fn get(&self, id: &str) -> Option<Level> {
        self.levels.get(id).copied()
    }

    /// Whether the rule runs at all.
    pub fn is_on(&self, id: &str) -> bool {
        self.get(id) != Some(Level::Off)
    }

    /// The chosen levels, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Level)> + '_ {
        self.levels.iter().map(|(k, v)| (*k, *v))
    }

    /// Applies the levels: findings of rules that are `off` go, the others take the chosen
    /// severity. Findings of rules the repository did not name keep their own.
    pub fn apply(&self, findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
        findings
            .into_iter()
            .filter_map(|mut d| {
                match self.get(d.code) {
                    Some(Level::Off) => return None,
                    Some(Level::Warning) => d.severity = Severity::Warning,
                    Some(Level::Error) => d.severity = Severity::Error,
                    None => {}
                }
                Some(d)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_sorted_and_unique() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }

    #[test]
    fn levels_are_checked_against_the_catalogue() {
        let ok = RuleLevels::parse([
            ("changelog/missing-date", "off"),
            ("changelog/missing-link", "warning"),
        ])
        .expect("valid");
        assert!(!ok.is_on("changelog/missing-date"));
        assert_eq!(ok.get("changelog/missing-link"), Some(Level::Warning));
        assert_eq!(ok.get("chart/empty"), None);

        let e = RuleLevels::parse([("changelog/missing-dates", "off")]).expect_err("typo");
        assert_eq!(
            e.to_string(),
            "unknown rule `changelog/missing-dates`; did you mean `changelog/missing-date`?"
        );
        let e = RuleLevels::parse([("changelog/missing-date", "warn")]).expect_err("level");
        assert_eq!(
            e.to_string(),
            "rule `changelog/missing-date`: level `warn` is not `error`, `warning` or `off`; did you mean `warning`?"
        );
        assert!(matches!(
            RuleLevels::parse([("file/refused", "off")]),
            Err(RuleError::Fixed(_))
        ));
    }

    #[test]
    fn applying_levels_drops_demotes_and_promotes() {
        let levels = RuleLevels::parse([
            ("changelog/missing-date", "off"),
            ("changelog/missing-link", "error"),
            ("chart/empty", "warning"),
        ])
        .expect("valid");
        let out = levels.apply(vec![
            Diagnostic::error("changelog/missing-date", "a"),
            Diagnostic::warning("changelog/missing-link", "b"),
            Diagnostic::error("chart/empty", "c"),
            Diagnostic::error("chart/missing-name", "d"),
        ]);
        let got: Vec<(&str, bool)> = out.iter().map(|d| (d.code, d.is_error())).collect();
        assert_eq!(
            got,
            [
                ("changelog/missing-link", true),
                ("chart/empty", false),
                ("chart/missing-name", true)
            ]
        );
    }
}
