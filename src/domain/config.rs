//! The optional configuration file `.github/release-action.yml`: every key, its default, and
//! the checks that make a malformed configuration a usage error (exit 2) before anything runs.
//!
//! The schema for editors is `docs/config.schema.json`; `docs/configuration.md` documents it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::name::check_name;
use super::rules::RuleLevels;
use super::slo::SloConfig;
use super::tag::TagFormat;

/// Where the configuration is looked for when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = ".github/release-action.yml";

/// A component declared in the configuration rather than found as a chart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeclaredComponent {
    /// Repository-relative changelog path.
    pub changelog: Option<String>,
    /// Repository-relative version files that must all agree.
    pub version_files: Vec<String>,
}

/// Where a repository keeps its changelogs (`changelog:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChangelogMode {
    /// Each chart's `CHANGELOG.md`, falling back to the root one.
    #[default]
    PerChart,
    /// One root `CHANGELOG.md` for every chart.
    Root,
    /// No changelogs: no rule asks for one.
    None,
}

impl ChangelogMode {
    /// The spelling in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PerChart => "per-chart",
            Self::Root => "root",
            Self::None => "none",
        }
    }
}

/// When a changed chart must carry a higher version (`version-bump:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VersionBump {
    /// Every change to a chart bumps its version, as chart-testing requires.
    #[default]
    EveryChange,
    /// A change may leave the version alone when it records itself under `[Unreleased]`; the
    /// release that cuts `[Unreleased]` (such as `promote`) bumps the version.
    AtRelease,
}

impl VersionBump {
    /// The spelling in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EveryChange => "every-change",
            Self::AtRelease => "at-release",
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where charts live; `None` means `helm/charts`, falling back to `charts`.
    pub charts_dir: Option<String>,
    /// How tags are spelled.
    pub tag_format: TagFormat,
    /// The promotion path, in order.
    pub environments: Vec<String>,
    /// Environments whose promotion pull requests are drafts.
    pub protected: Vec<String>,
    /// Minimum time a version sits in an environment before it moves on.
    pub soak: BTreeMap<String, Duration>,
    /// Reviewers requested per target environment.
    pub reviewers: BTreeMap<String, Vec<String>>,
    /// Labels put on every pull request.
    pub labels: Vec<String>,
    /// Where the bills of materials live.
    pub releases_dir: String,
    /// Components that are not charts.
    pub components: BTreeMap<String, DeclaredComponent>,
    /// Whether lightweight tags are refused.
    pub require_annotated_tags: bool,
    /// The only component whose releases may become "Latest".
    pub latest_component: Option<String>,
    /// Chart files whose change alone needs no version bump.
    pub bump_exempt: Vec<String>,
    /// Branches a released commit must be on; `None` means the default branch.
    pub release_branches: Option<Vec<String>>,
    /// Where changelogs live, if anywhere.
    pub changelog: ChangelogMode,
    /// The level of each rule the repository chose.
    pub rules: RuleLevels,
    /// When a changed chart must carry a higher version.
    pub version_bump: VersionBump,
    /// The objectives of `gate`.
    pub slo: SloConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            charts_dir: None,
            tag_format: TagFormat::default(),
            environments: vec!["dev".into(), "staging".into(), "prod".into()],
            protected: vec!["prod".into()],
            soak: BTreeMap::new(),
            reviewers: BTreeMap::new(),
            labels: vec!["release".into()],
            releases_dir: "releases".into(),
            components: BTreeMap::new(),
            require_annotated_tags: false,
            latest_component: None,
            bump_exempt: vec!["CHANGELOG.md".into(), "README.md".into()],
            release_branches: None,
            changelog: ChangelogMode::PerChart,
            rules: RuleLevels::default(),
            version_bump: VersionBump::EveryChange,
            slo: SloConfig::default(),
        }
    }
}

/// A configuration problem, with the line when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// Remedies, one per help line.
    pub help: Vec<String>,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
            help: Vec::new(),
        }
    }

    fn at(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            ..Self::new(message)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    charts_dir: Option<String>,
    tag_format: Option<String>,
    environments: Option<Vec<String>>,
    protected: Option<Vec<String>>,
    soak: Option<BTreeMap<String, String>>,
    reviewers: Option<BTreeMap<String, Vec<String>>>,
    labels: Option<Vec<String>>,
    releases_dir: Option<String>,
    components: Option<BTreeMap<String, RawComponent>>,
    require_annotated_tags: Option<bool>,
    latest_component: Option<String>,
    bump_exempt: Option<Vec<String>>,
    release_branches: Option<Vec<String>>,
    changelog: Option<String>,
    rules: Option<BTreeMap<String, String>>,
    version_bump: Option<String>,
    slo: Option<yaml_serde::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawComponent {
    changelog: Option<String>,
    version_files: Option<Vec<String>>,
}

/// Parses and validates the configuration file's text.
pub fn parse_config(text: &str) -> Result<Config, ConfigError> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    if let Some(e) = unquoted_tag_format(text) {
        return Err(e);
    }
    let raw: RawConfig = yaml_serde::from_str(text)
        .map_err(|e| ConfigError::at(e.location().map(|l| l.line()), e.to_string()))?;
    let mut config = Config::default();
    if let Some(mode) = raw.changelog {
        config.changelog = match mode.as_str() {
            "per-chart" => ChangelogMode::PerChart,
            "root" => ChangelogMode::Root,
            "none" => ChangelogMode::None,
            other => {
                return Err(ConfigError::at(
                    key_line(text, "changelog", false),
                    format!(
                        "`changelog` is `{}`; write `per-chart`, `root` or `none`",
                        other.escape_debug()
                    ),
                ))
            }
        };
    }
    if let Some(policy) = raw.version_bump {
        config.version_bump = match policy.as_str() {
            "every-change" => VersionBump::EveryChange,
            "at-release" => VersionBump::AtRelease,
            other => {
                return Err(ConfigError::at(
                    key_line(text, "version-bump", false),
                    format!(
                        "`version-bump` is `{}`; write `every-change` or `at-release`",
                        other.escape_debug()
                    ),
                ))
            }
        };
    }
    if let Some(rules) = &raw.rules {
        config.rules = RuleLevels::parse(rules.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| {
                let id = match &e {
                    super::rules::RuleError::Unknown { id, .. }
                    | super::rules::RuleError::BadLevel { id, .. } => id.clone(),
                    super::rules::RuleError::Fixed(id) => id.clone(),
                };
                ConfigError::at(
                    key_line(text, &id, true).or_else(|| key_line(text, "rules", false)),
                    format!("{e} (the rules are listed in docs/rules.md)"),
                )
            })?;
    }
    if let Some(dir) = raw.charts_dir {
        config.charts_dir = Some(check_rel_path("charts-dir", &dir)?);
    }
    if let Some(format) = raw.tag_format {
        config.tag_format =
            TagFormat::parse(&format).map_err(|e| ConfigError::new(e.to_string()))?;
    }
    if let Some(envs) = raw.environments {
        if envs.is_empty() {
            return Err(ConfigError::new(
                "`environments` must list at least one environment",
            ));
        }
        config.environments = envs;
    }
    for (i, env) in config.environments.iter().enumerate() {
        check_name(env)
            .map_err(|e| ConfigError::new(format!("environment `{}`: {e}", env.escape_debug())))?;
        if config.environments[..i].contains(env) {
            return Err(ConfigError::new(format!(
                "environment `{env}` is listed twice in `environments`"
            )));
        }
    }
    if let Some(protected) = raw.protected {
        config.protected = protected;
    } else {
        config.protected.retain(|p| config.environments.contains(p));
    }
    let known_env = |key: &str, env: &str| {
        if config.environments.iter().any(|e| e == env) {
            Ok(())
        } else {
            Err(ConfigError::new(format!(
                "`{key}` names environment `{}`, which is not in `environments` ({})",
                env.escape_debug(),
                config.environments.join(", ")
            )))
        }
    };
    for env in &config.protected {
        known_env("protected", env)?;
    }
    if let Some(value) = &raw.slo {
        config.slo = read_slo_block(text, value)?;
        for env in config.slo.environments.keys() {
            known_env("slo.environments", env).map_err(|e| ConfigError {
                line: slo_line(text, &["slo", "environments", env]),
                ..e
            })?;
        }
    }
    for (env, value) in raw.soak.unwrap_or_default() {
        known_env("soak", &env)?;
        let duration = parse_duration(&value).ok_or_else(|| {
            ConfigError::new(format!(
                "`soak.{env}` is `{}`; write a duration like `24h`, `90m`, `2d` or `30s`",
                value.escape_debug()
            ))
        })?;
        config.soak.insert(env, duration);
    }
    for (env, people) in raw.reviewers.unwrap_or_default() {
        known_env("reviewers", &env)?;
        for login in &people {
            check_login(login)?;
        }
        config.reviewers.insert(env, people);
    }
    if let Some(labels) = raw.labels {
        for label in &labels {
            if label.trim().is_empty()
                || label.chars().count() > 50
                || label.chars().any(char::is_control)
            {
                return Err(ConfigError::new(format!(
                    "label `{}` must be 1 to 50 printable characters",
                    label.escape_debug()
                )));
            }
        }
        config.labels = labels;
    }
    if let Some(dir) = raw.releases_dir {
        config.releases_dir = check_rel_path("releases-dir", &dir)?;
    }
    for (name, component) in raw.components.unwrap_or_default() {
        check_name(&name)
            .map_err(|e| ConfigError::new(format!("component `{}`: {e}", name.escape_debug())))?;
        let changelog = component
            .changelog
            .map(|p| check_rel_path(&format!("components.{name}.changelog"), &p))
            .transpose()?;
        let version_files = component
            .version_files
            .unwrap_or_default()
            .iter()
            .map(|p| check_rel_path(&format!("components.{name}.version-files"), p))
            .collect::<Result<Vec<_>, _>>()?;
        config.components.insert(
            name,
            DeclaredComponent {
                changelog,
                version_files,
            },
        );
    }
    if let Some(v) = raw.require_annotated_tags {
        config.require_annotated_tags = v;
    }
    if let Some(latest) = raw.latest_component {
        check_name(&latest).map_err(|e| ConfigError::new(format!("`latest-component`: {e}")))?;
        config.latest_component = Some(latest);
    }
    if let Some(exempt) = raw.bump_exempt {
        config.bump_exempt = exempt
            .iter()
            .map(|p| check_rel_path("bump-exempt", p))
            .collect::<Result<_, _>>()?;
    }
    if let Some(branches) = raw.release_branches {
        for b in &branches {
            if b.is_empty()
                || b.contains("..")
                || b.chars()
                    .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
            {
                return Err(ConfigError::new(format!(
                    "`release-branches`: `{}` is not a branch name",
                    b.escape_debug()
                )));
            }
        }
        config.release_branches = Some(branches);
    }
    Ok(config)
}

impl Config {
    /// The environment before `env` on the promotion path, if any.
    pub fn previous_environment(&self, env: &str) -> Option<&str> {
        let i = self.environments.iter().position(|e| e == env)?;
        i.checked_sub(1)
            .and_then(|p| self.environments.get(p))
            .map(String::as_str)
    }

    /// Whether promotion pull requests into `env` are drafts.
    pub fn is_protected(&self, env: &str) -> bool {
        self.protected.iter().any(|p| p == env)
    }
}

/// Reads `slo:`, naming the line of a refused value.
fn read_slo_block(text: &str, value: &yaml_serde::Value) -> Result<SloConfig, ConfigError> {
    let line_of = |path: &[&str]| slo_line(text, path);
    super::slo::read::read_slo(value, &line_of).map_err(|e| {
        let path: Vec<&str> = e.path.iter().map(String::as_str).collect();
        let line = (1..=path.len())
            .rev()
            .find_map(|n| slo_line(text, path.get(..n).unwrap_or_default()));
        ConfigError::at(line, e.message)
    })
}

/// The 1-based line of the key at `path` (`["slo", "environments", "prod"]`).
fn slo_line(text: &str, path: &[&str]) -> Option<usize> {
    let segs: Vec<super::yaml::PathSeg<'_>> =
        path.iter().map(|k| super::yaml::PathSeg::Key(k)).collect();
    super::yaml::Locator::new(text).ok()?.line_of(&segs)
}

/// An unquoted `tag-format: {component}-{version}`: YAML reads the braces as a flow mapping,
/// so the value is not the pattern the user wrote. Found in the text, before YAML has its say.
fn unquoted_tag_format(text: &str) -> Option<ConfigError> {
    text.lines().enumerate().find_map(|(i, line)| {
        let value = line
            .trim_start_matches('\u{feff}')
            .strip_prefix("tag-format:")?
            .trim();
        if !value.starts_with('{') {
            return None;
        }
        // Drop a trailing comment: `{component}-{version}  # chart-releaser`.
        let pattern = value.split_once(" #").map_or(value, |(v, _)| v).trim_end();
        let quoted = pattern.replace('\\', "\\\\").replace('"', "\\\"");
        Some(ConfigError {
            line: Some(i + 1),
            message: format!(
                "`tag-format` is not quoted, so YAML reads `{}` as a mapping rather than a pattern",
                pattern.escape_debug()
            ),
            help: vec![format!("write it quoted: tag-format: \"{quoted}\"")],
        })
    })
}

/// The 1-based line where `key:` first starts a line (after indentation, when `nested`), plain
/// or quoted; also inside a one-line flow mapping `{ key: … }` when `nested`.
fn key_line(text: &str, key: &str, nested: bool) -> Option<usize> {
    let forms = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ];
    text.lines()
        .position(|l| {
            let t = if nested { l.trim_start() } else { l };
            forms.iter().any(|f| {
                t.starts_with(f.as_str())
                    || (nested && (l.contains(&format!("{{ {f}")) || l.contains(&format!(", {f}"))))
            })
        })
        .map(|i| i + 1)
}

/// A relative path inside the repository: no absolute paths, no `..`, `/` separators. A
/// leading `./` and trailing `/` are dropped (`./helm/charts/` is `helm/charts`).
fn check_rel_path(key: &str, path: &str) -> Result<String, ConfigError> {
    let mut trimmed = path.trim_end_matches('/');
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest.trim_start_matches('/');
    }
    let bad = trimmed.is_empty()
        || trimmed.starts_with('/')
        || trimmed.contains('\\')
        || trimmed.chars().any(char::is_control)
        || trimmed
            .split('/')
            .any(|seg| seg.is_empty() || seg == ".." || seg == ".");
    if bad {
        return Err(ConfigError::new(format!(
            "`{key}` is `{}`; it must be a relative path inside the repository, without `..`",
            path.escape_debug()
        )));
    }
    Ok(trimmed.to_owned())
}

fn check_login(login: &str) -> Result<(), ConfigError> {
    let body = login.strip_prefix('@').unwrap_or(login);
    let ok = !body.is_empty()
        && body.len() <= 100
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "reviewer `{}` is not a GitHub login or `org/team`",
            login.escape_debug()
        )))
    }
}

/// Parses `30s`, `90m`, `24h`, `2d`, `1w` (one number and one unit).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = text.split_at(split);
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(secs).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCT_EXAMPLE: &str = r#"charts-dir: helm/charts
tag-format: "v{version}-{component}"
environments: [dev, staging, prod]
protected: [prod]
soak: { staging: 24h }
reviewers: { prod: [octocat], staging: [] }
labels: [release]
releases-dir: releases
components:
  walking-skeleton: { changelog: CHANGELOG.md, version-files: [frontend/package.json] }
require-annotated-tags: true
latest-component: walking-skeleton
bump-exempt: [CHANGELOG.md, README.md]
release-branches: [main]
"#;

    #[test]
    fn parses_the_contract_example() {
        let c = parse_config(PRODUCT_EXAMPLE).expect("valid");
        assert_eq!(c.charts_dir.as_deref(), Some("helm/charts"));
        assert_eq!(c.soak.get("staging"), Some(&Duration::from_secs(86_400)));
        assert_eq!(c.reviewers.get("prod"), Some(&vec!["octocat".to_owned()]));
        assert!(c.require_annotated_tags);
        assert_eq!(
            c.components["walking-skeleton"].version_files,
            vec!["frontend/package.json"]
        );
        assert_eq!(c.previous_environment("prod"), Some("staging"));
        assert_eq!(c.previous_environment("dev"), None);
        assert!(c.is_protected("prod") && !c.is_protected("staging"));
    }

    #[test]
    fn an_empty_file_is_the_default_configuration() {
        assert_eq!(parse_config(""), Ok(Config::default()));
        assert_eq!(parse_config("# nothing\n"), Ok(Config::default()));
    }

    #[test]
    fn malformed_configurations_are_refused_with_a_line() {
        let cases = [
            ("unknown-key: 1\n", "unknown field"),
            ("environments: []\n", "at least one"),
            ("environments: [dev, dev]\n", "twice"),
            ("environments: [Dev]\n", "lowercase"),
            ("protected: [qa]\n", "not in `environments`"),
            ("soak: { staging: soon }\n", "duration"),
            ("charts-dir: ../outside\n", "inside the repository"),
            ("charts-dir: /etc\n", "inside the repository"),
            ("tag-format: \"v{version}\"\n", "exactly once"),
            ("components: { \"../x\": {} }\n", "component"),
            ("reviewers: { prod: [\"a b\"] }\n", "login"),
            ("labels: 3\n", "invalid type"),
            ("\tbad: [\n", ""),
        ];
        for (text, needle) in cases {
            let err = parse_config(text).expect_err(text);
            assert!(err.message.contains(needle), "{text}: {}", err.message);
        }
        assert_eq!(
            parse_config("\n\nlabels: 3\n").expect_err("type").line,
            Some(3)
        );
    }

    #[test]
    fn an_unquoted_tag_format_gets_a_hint_to_quote_it() {
        let cases: &[(&str, Option<(usize, &str)>)] = &[
            (
                "tag-format: {component}-{version}\n",
                Some((1, "write it quoted: tag-format: \"{component}-{version}\"")),
            ),
            (
                "labels: [x]\ntag-format: {component}/v{version}  # per chart\n",
                Some((2, "write it quoted: tag-format: \"{component}/v{version}\"")),
            ),
            (
                "tag-format: {version}\n",
                Some((1, "write it quoted: tag-format: \"{version}\"")),
            ),
            ("tag-format: \"{component}-{version}\"\n", None),
            ("tag-format: '{component}-{version}'\n", None),
            ("tag-format: v{version}-{component}\n", None),
            ("# tag-format: {component}-{version}\n", None),
        ];
        for (text, want) in cases {
            let got = parse_config(text).err().filter(|e| !e.help.is_empty());
            assert_eq!(
                got.as_ref()
                    .map(|e| (e.line.unwrap_or(0), e.help[0].as_str())),
                *want,
                "{text}"
            );
        }
    }

    #[test]
    fn relative_paths_may_start_with_dot_slash() {
        let cases: &[(&str, Option<&str>)] = &[
            ("charts", Some("charts")),
            ("./charts", Some("charts")),
            ("./helm/charts/", Some("helm/charts")),
            ("././charts", Some("charts")),
            (".//charts", Some("charts")),
            ("helm/charts/", Some("helm/charts")),
            ("./", None),
            (".", None),
            ("./../charts", None),
            ("helm/./charts", None),
            ("/charts", None),
        ];
        for (path, want) in cases {
            assert_eq!(
                check_rel_path("charts-dir", path).ok().as_deref(),
                *want,
                "{path}"
            );
        }
        let c = parse_config(
            "charts-dir: ./charts\nreleases-dir: ./releases/\nbump-exempt: [./README.md]\ncomponents:\n  app: { changelog: ./CHANGELOG.md, version-files: [./VERSION] }\n",
        )
        .expect("valid");
        assert_eq!(c.charts_dir.as_deref(), Some("charts"));
        assert_eq!(c.releases_dir, "releases");
        assert_eq!(c.bump_exempt, ["README.md"]);
        assert_eq!(
            c.components["app"].changelog.as_deref(),
            Some("CHANGELOG.md")
        );
        assert_eq!(c.components["app"].version_files, ["VERSION"]);
    }

    #[test]
    fn slo_values_are_refused_at_their_line() {
        let text = "environments: [dev, prod]\nslo:\n  p95: 1000ms\n  environments:\n    prod:\n      p99: fast\n";
        let e = parse_config(text).expect_err("p99");
        assert_eq!(e.line, Some(6));
        assert!(
            e.message
                .contains("`slo.environments.prod.p99`: `fast` is not a latency"),
            "{}",
            e.message
        );
        let e = parse_config("environments: [dev]\nslo:\n  environments:\n    qa: {}\n")
            .expect_err("qa");
        assert_eq!(e.line, Some(4));
        assert!(e.message.contains("not in `environments`"), "{}", e.message);
        let e = parse_config("slo: { p95: 1000ms, selector: '{app=web}' }\n").expect_err("sel");
        assert_eq!(e.line, Some(1));
        let c = parse_config("slo:\n  queries:\n    p99: my_p99\n").expect("valid");
        assert_eq!(
            c.slo.base.queries[&crate::domain::slo::Measure::P99].line,
            Some(3)
        );
    }

    #[test]
    fn durations_have_one_number_and_one_unit() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("90m"), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("1.5h"), None);
        assert_eq!(parse_duration("99999999999999999999w"), None);
    }
}
