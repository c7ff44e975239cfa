//! Helm `Chart.yaml`: the chart model, its validation, and the byte-exact version bump.
//!
//! Follows the Helm chart file reference (<https://helm.sh/docs/topics/charts/#the-chartyaml-file>)
//! and SemVer 2.0.0 (<https://semver.org/spec/v2.0.0.html>) for `version`. Reading uses
//! [`crate::domain::yaml::parse_yaml_last_key_wins`] (alias bombs refused): like Helm's loader,
//! it keeps the last of a top-level key written twice, which is a warning, except for `version`
//! and `name`, which must be unambiguous. The bump rewrites only the characters of the
//! top-level `version` scalar (see [`set_chart_version`]).

use std::cell::OnceCell;

use semver::Version;
use yaml_serde::{Mapping, Value};

use crate::domain::diagnostic::Diagnostic;
use crate::domain::yaml::{self, EditError, Locator, PathSeg};

/// A chart name as Helm recommends it and as component names must be written.
const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";

/// What release-action reads from a `Chart.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// `apiVersion` (`v1` or `v2` when valid); `None` when absent.
    pub api_version: Option<String>,
    /// `name`.
    pub name: String,
    /// 1-based line of `name`.
    pub name_line: usize,
    /// `version` as written (a number such as `1.0` is kept in its source spelling).
    pub version: String,
    /// 1-based line of the `version` value.
    pub version_line: usize,
    /// `appVersion`, as text.
    pub app_version: Option<String>,
    /// 1-based line of `appVersion`.
    pub app_version_line: Option<usize>,
    /// `type` (`application` or `library`).
    pub chart_type: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `kubeVersion` constraint.
    pub kube_version: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `dependencies` (Helm 3; Helm 2 charts keep them in `requirements.yaml`).
    pub dependencies: Vec<ChartDependency>,
}

/// One entry of `dependencies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartDependency {
    /// `name`.
    pub name: String,
    /// `version` constraint, as text.
    pub version: Option<String>,
    /// `repository` URL or alias.
    pub repository: Option<String>,
}

/// The top-level keys that may not be repeated: they say which chart and version this is.
const IDENTITY_KEYS: [&str; 2] = ["name", "version"];

/// `twice, on lines 2 and 9`, `3 times, on lines 2, 5 and 9`.
fn on_lines(at: &[(usize, Option<(usize, usize)>)]) -> String {
    let lines: Vec<String> = at.iter().map(|(line, _)| line.to_string()).collect();
    let times = match lines.len() {
        2 => "twice".to_string(),
        n => format!("{n} times"),
    };
    let list = match lines.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => lines.join(""),
    };
    format!("{times}, on lines {list}")
}

fn diag(code: &'static str, path: &str, line: usize, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, message).in_file(path).at_line(line)
}

/// Whether `line` starts with the top-level `key` followed by `:`.
fn starts_with_key(line: &str, key: &str) -> bool {
    let line = line.trim_start_matches('\u{feff}');
    let rest = line
        .strip_prefix(key)
        .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
        .or_else(|| line.strip_prefix(&format!("'{key}'")));
    rest.is_some_and(|r| r.trim_start_matches([' ', '\t']).starts_with(':'))
}

/// Line of a top-level key when the span locator is unavailable: the first line that starts
/// with the key followed by `:`.
fn fallback_line(text: &str, key: &str) -> Option<usize> {
    fallback_lines(text, key).first().copied()
}

/// Every line that starts with the top-level `key` followed by `:`, for when the span locator
/// is unavailable.
fn fallback_lines(text: &str, key: &str) -> Vec<usize> {
    text.split('\n')
        .enumerate()
        .filter(|(_, line)| starts_with_key(line, key))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Lines of a chart's keys, from a span locator built on first use (reading a chart's name
/// needs none).
struct Lines<'t> {
    text: &'t str,
    locator: OnceCell<Option<Locator>>,
    /// The top-level keys written more than once; Helm, and so the chart, take the last.
    repeated: Vec<String>,
}

impl Lines<'_> {
    fn locator(&self) -> Option<&Locator> {
        self.locator
            .get_or_init(|| Locator::new(self.text).ok())
            .as_ref()
    }

    fn is_repeated(&self, key: &str) -> bool {
        self.repeated.iter().any(|k| k == key)
    }

    /// Where the top-level `key` is written: the line of each occurrence and the span of its
    /// value, in source order.
    fn occurrences(&self, key: &str) -> Vec<(usize, Option<(usize, usize)>)> {
        let found = self
            .locator()
            .map(|l| l.top_level_occurrences(key))
            .unwrap_or_default();
        if found.is_empty() {
            fallback_lines(self.text, key)
                .into_iter()
                .map(|line| (line, None))
                .collect()
        } else {
            found
        }
    }

    /// 1-based line of the top-level `key`: of its last occurrence, the one Helm reads.
    fn key(&self, key: &str) -> usize {
        if self.is_repeated(key) {
            if let Some((line, _)) = self.occurrences(key).last() {
                return *line;
            }
        }
        self.locator()
            .and_then(|l| l.line_of(&[PathSeg::Key(key)]))
            .or_else(|| fallback_line(self.text, key))
            .unwrap_or(1)
    }

    /// Source spelling of a plain scalar, for numbers whose parsed form lost digits (`1.10`).
    fn raw_scalar(&self, key: &str) -> Option<String> {
        if self.is_repeated(key) {
            let (start, end) = self.occurrences(key).last()?.1?;
            return self
                .text
                .get(start..end)
                .filter(|raw| !raw.contains(['\n', '\r']))
                .map(str::to_string);
        }
        let locator = self.locator()?;
        let span = locator.scalar_span(&[PathSeg::Key(key)]).ok()?;
        self.text.get(span.content()).map(str::to_string)
    }
}

/// Text of a scalar, with numbers in their source spelling.
fn scalar_string(value: &Value, lines: &Lines<'_>, key: &str) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) => lines.raw_scalar(key).or_else(|| yaml::scalar_text(value)),
        Value::Bool(_) => yaml::scalar_text(value),
        _ => None,
    }
}

/// Reads a `Chart.yaml`. `path` is the repository-relative path used in diagnostics.
///
/// Fails (with every problem found) when the file is not valid YAML, is empty, is not a mapping,
/// lacks a usable `name` or `version`, or writes either of them twice at the top level (any other
/// top-level key written twice is read from its last occurrence, as Helm reads it); everything else, including a missing `apiVersion` or
/// a non-SemVer version, is left to [`validate_chart`].
///
/// ```
/// use release_action::domain::chart::parse_chart;
/// let chart = parse_chart("apiVersion: v2\nname: web\nversion: 1.2.3\n", "charts/web/Chart.yaml").unwrap();
/// assert_eq!((chart.name.as_str(), chart.version.as_str(), chart.version_line), ("web", "1.2.3", 3));
/// ```
pub fn parse_chart(text: &str, path: &str) -> Result<Chart, Vec<Diagnostic>> {
    read_chart(text, path)
        .map(|(chart, _, _)| chart)
        .map_err(|(problems, _)| problems)
}

/// Why [`read_chart`] failed, with the mapping when the YAML was one (so that validation can
/// still report every other problem of the file).
type ReadError<'t> = (Vec<Diagnostic>, Option<Box<(Mapping, Lines<'t>)>>);

/// The `name` of a `Chart.yaml` that [`parse_chart`] reads, without locating any line: `Some`
/// exactly when [`parse_chart`] succeeds.
///
/// ```
/// use release_action::domain::chart::chart_name;
/// assert_eq!(chart_name("name: web\nversion: 1.2.3\n", "Chart.yaml").as_deref(), Some("web"));
/// assert_eq!(chart_name("name: web\n", "Chart.yaml"), None);
/// ```
pub fn chart_name(text: &str, path: &str) -> Option<String> {
    read_name_and_version(text, path).ok().map(|read| read.name)
}

/// What [`read_name_and_version`] reads.
struct NameAndVersion<'t> {
    name: String,
    version: String,
    map: Mapping,
    lines: Lines<'t>,
}

/// [`parse_chart`], also handing back the parsed mapping and the line index for validation.
fn read_chart<'t>(text: &'t str, path: &str) -> Result<(Chart, Mapping, Lines<'t>), ReadError<'t>> {
    let NameAndVersion {
        name,
        version,
        map,
        lines,
    } = read_name_and_version(text, path)?;
    let text_of = |key: &str| map.get(key).and_then(|v| scalar_string(v, &lines, key));
    let version_line = lines
        .locator()
        .and_then(|l| l.value_span(&[PathSeg::Key("version")]).ok().flatten())
        .map_or_else(
            || lines.key("version"),
            |(start, _)| yaml::line_of(text, start),
        );
    let dependencies = match map.get("dependencies") {
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|item| {
                let m = item.as_mapping()?;
                Some(ChartDependency {
                    name: m.get("name").and_then(yaml::scalar_text)?,
                    version: m.get("version").and_then(yaml::scalar_text),
                    repository: m.get("repository").and_then(yaml::scalar_text),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let chart = Chart {
        api_version: text_of("apiVersion"),
        name,
        name_line: lines.key("name"),
        version,
        version_line,
        app_version: text_of("appVersion"),
        app_version_line: map
            .contains_key("appVersion")
            .then(|| lines.key("appVersion")),
        chart_type: text_of("type"),
        description: text_of("description"),
        kube_version: text_of("kubeVersion"),
        deprecated: matches!(map.get("deprecated"), Some(Value::Bool(true))),
        dependencies,
    };
    Ok((chart, map, lines))
}

/// The YAML of a `Chart.yaml` with its usable `name` and `version`, or every problem with them.
fn read_name_and_version<'t>(
    text: &'t str,
    path: &str,
) -> Result<NameAndVersion<'t>, ReadError<'t>> {
    // NOTE: Helm's loader lets a later top-level key overwrite an earlier one (`helm lint`
    // warns), and real charts repeat keys: read them the same way.
    let (value, repeated) = yaml::parse_yaml_last_key_wins(text).map_err(|e| {
        (
            vec![diag(
                "chart/invalid-yaml",
                path,
                e.line,
                format!("`{path}` is not valid YAML: {}", e.message),
            )
            .with_help("fix the YAML syntax at the reported line")],
            None,
        )
    })?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => {
            return Err((
                vec![diag("chart/empty", path, 1, format!("`{path}` is empty"))
                    .with_help("a chart needs at least `apiVersion`, `name` and `version`")],
                None,
            ))
        }
        _ => {
            return Err((
                vec![diag(
                    "chart/not-a-mapping",
                    path,
                    1,
                    format!("`{path}` is not a mapping of keys to values"),
                )
                .with_help("write the chart metadata as `key: value` lines")],
                None,
            ))
        }
    };
    let lines = Lines {
        text,
        locator: OnceCell::new(),
        repeated: repeated.iter().filter_map(yaml::scalar_text).collect(),
    };
    let mut problems = Vec::new();
    // The chart's identity must not be ambiguous: which `version` a bump changes, which `name`
    // tags and environments know it by.
    for key in IDENTITY_KEYS {
        if lines.is_repeated(key) {
            let at = lines.occurrences(key);
            problems.push(
                diag(
                    "chart/invalid-yaml",
                    path,
                    lines.key(key),
                    format!(
                        "`{path}` is not valid YAML: `{key}` is set {}",
                        on_lines(&at)
                    ),
                )
                .with_help(format!(
                    "keep one `{key}:` line: Helm reads the last one, and a bump or a tag could not tell which one is meant"
                )),
            );
        }
    }

    let name = match map.get("name") {
        None | Some(Value::Null) => {
            problems.push(
                diag(
                    "chart/missing-name",
                    path,
                    lines.key("name"),
                    "the chart has no `name`",
                )
                .with_help("add `name: <chart directory name>`"),
            );
            None
        }
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            problems.push(
                diag(
                    "chart/invalid-name",
                    path,
                    lines.key("name"),
                    "`name` must be a non-empty string",
                )
                .with_help("write the chart name as plain text, e.g. `name: frontend`"),
            );
            None
        }
    };
    let version = match map.get("version") {
        None | Some(Value::Null) => {
            let line = if map.contains_key("version") {
                lines.key("version")
            } else {
                1
            };
            problems.push(
                diag(
                    "chart/missing-version",
                    path,
                    line,
                    "the chart has no `version`",
                )
                .with_help("add `version: 0.1.0` (SemVer 2)"),
            );
            None
        }
        Some(v @ (Value::String(_) | Value::Number(_))) => scalar_string(v, &lines, "version"),
        Some(_) => {
            problems.push(
                diag(
                    "chart/invalid-version",
                    path,
                    lines.key("version"),
                    "`version` must be a SemVer 2 string",
                )
                .with_help("write it as `version: 1.2.3`"),
            );
            None
        }
    };
    let (Some(name), Some(version), true) = (name, version, problems.is_empty()) else {
        return Err((problems, Some(Box::new((map, lines)))));
    };
    Ok(NameAndVersion {
        name,
        version,
        map,
        lines,
    })
}

/// Checks a version string against SemVer 2.0.0 strictly: no leading `v`, no leading zeros,
/// no surrounding spaces. Returns the parsed version or the reason and a remedy.
pub fn parse_strict_semver(version: &str) -> Result<Version, (String, String)> {
    if let Some(rest) = version.strip_prefix(['v', 'V']) {
        let help = if Version::parse(rest).is_ok() {
            format!("remove the leading `v`: `{rest}`")
        } else {
            "write it as MAJOR.MINOR.PATCH, e.g. `1.2.3`".to_string()
        };
        return Err(("a leading `v` is not part of SemVer".to_string(), help));
    }
    Version::parse(version).map_err(|e| {
        (
            e.to_string(),
            "write it as MAJOR.MINOR.PATCH with optional `-prerelease` and `+build`, e.g. `1.2.3-rc.1`"
                .to_string(),
        )
    })
}

/// Whether `name` is a valid chart or component name (see [`crate::domain::name::check_name`]).
pub fn is_valid_name(name: &str) -> bool {
    crate::domain::name::check_name(name).is_ok()
}

/// Validates a `Chart.yaml` the way the `check` gate does: `apiVersion` present and `v1` or
/// `v2`; `name` present, equal to `dir_name` and a valid name ([`NAME_PATTERN`]); `version`
/// strict SemVer 2; `type` `application` or `library`; a quoted `appVersion` (`1.10` would
/// read as `1.1`, and `helm lint` refuses numbers); `maintainers` a list of mappings;
/// dependencies named once; no `type` or `dependencies` in an `apiVersion: v1` chart. Every
/// problem of the file is reported, also when `name` or `version` is missing. Every finding
/// carries `path` and a line.
pub fn validate_chart(text: &str, path: &str, dir_name: &str) -> Vec<Diagnostic> {
    check_chart(text, path, dir_name).1
}

/// [`validate_chart`] and [`parse_chart`] in one read: the chart when it parses, and every
/// finding.
pub fn check_chart(text: &str, path: &str, dir_name: &str) -> (Option<Chart>, Vec<Diagnostic>) {
    let (chart, map, lines) = match read_chart(text, path) {
        Ok(read) => read,
        // Without a usable name or version, every other problem of the file is still reported.
        Err((mut problems, Some(read))) => {
            let (map, lines) = *read;
            problems.extend(field_findings(&map, &lines, path));
            problems.sort_by_key(|d| d.line);
            return (None, problems);
        }
        Err((problems, None)) => return (None, problems),
    };
    let mut out = field_findings(&map, &lines, path);
    if chart.name != dir_name {
        // NOTE: Helm and chart-releaser know a chart by its `name:`; the directory is free.
        out.push(
            Diagnostic::warning(
                "chart/name-mismatch",
                format!(
                    "chart name `{}` differs from its directory `{dir_name}`",
                    chart.name
                ),
            )
            .in_file(path)
            .at_line(chart.name_line)
            .with_help(format!(
                "the chart is known by its `name:`; rename the directory to `{}` to keep them alike",
                chart.name
            )),
        );
    }
    if !is_valid_name(&chart.name) {
        out.push(
            diag(
                "chart/invalid-name",
                path,
                chart.name_line,
                format!("chart name `{}` is not a valid name", chart.name),
            )
            .with_help(format!(
                "names use lowercase letters, digits and inner dashes (`{NAME_PATTERN}`)"
            )),
        );
    }
    if let Err((reason, help)) = parse_strict_semver(&chart.version) {
        out.push(
            diag(
                "chart/invalid-version",
                path,
                chart.version_line,
                format!("version `{}` is not SemVer 2: {reason}", chart.version),
            )
            .with_help(help),
        );
    }
    (Some(chart), out)
}

/// The findings that need only the mapping: `apiVersion`, `type`, `appVersion`, `maintainers`
/// and `dependencies`, as Helm's loader and `helm lint` judge them.
/// See: <https://helm.sh/docs/topics/charts/#the-chartyaml-file>
fn field_findings(map: &Mapping, lines: &Lines<'_>, path: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for key in &lines.repeated {
        if IDENTITY_KEYS.contains(&key.as_str()) {
            continue;
        }
        let at = lines.occurrences(key);
        let last = at.last().map_or(1, |(line, _)| *line);
        out.push(
            Diagnostic::warning(
                "chart/duplicate-key",
                format!("`{key}` is set {}", on_lines(&at)),
            )
            .in_file(path)
            .at_line(last)
            .with_help(format!(
                "remove all but one `{key}:` line; Helm and `check` read the last one, on line {last}"
            )),
        );
    }
    let text_of = |key: &str| map.get(key).and_then(|v| scalar_string(v, lines, key));
    let api_version = text_of("apiVersion");
    match api_version.as_deref() {
        None => out.push(
            diag(
                "chart/missing-api-version",
                path,
                1,
                "the chart has no `apiVersion`",
            )
            .with_help("add `apiVersion: v2` (Helm 3), or `apiVersion: v1` for Helm 2 charts"),
        ),
        Some("v1" | "v2") => {}
        Some(other) => out.push(
            diag(
                "chart/unsupported-api-version",
                path,
                lines.key("apiVersion"),
                format!("unsupported `apiVersion` `{other}`"),
            )
            .with_help("use `apiVersion: v2` (Helm 3) or `apiVersion: v1`"),
        ),
    }
    if api_version.as_deref() == Some("v1") {
        for key in ["type", "dependencies"] {
            if map.contains_key(key) {
                out.push(
                    diag(
                        "chart/v1-field",
                        path,
                        lines.key(key),
                        format!("`{key}` is not valid in a chart with `apiVersion: v1`"),
                    )
                    .with_help(format!(
                        "use `apiVersion: v2` (Helm 3), where `{key}` is valid"
                    ))
                    .with_help("for `apiVersion: v1`, dependencies belong in `requirements.yaml`"),
                );
            }
        }
    }
    if let Some(kind) = text_of("type") {
        if kind != "application" && kind != "library" {
            out.push(
                diag(
                    "chart/invalid-type",
                    path,
                    lines.key("type"),
                    format!("unknown chart `type` `{kind}`"),
                )
                .with_help("use `type: application` or `type: library`"),
            );
        }
    }
    if let Some(Value::Number(n)) = map.get("appVersion") {
        let raw = text_of("appVersion").unwrap_or_else(|| n.to_string());
        // NOTE: `helm lint` refuses a numeric `appVersion`, and `1.10` would read as `1.1`.
        out.push(
            diag(
                "chart/unquoted-app-version",
                path,
                lines.key("appVersion"),
                format!("`appVersion` `{raw}` is read as a number, not as text"),
            )
            .with_help(format!("quote it: `appVersion: \"{raw}\"`")),
        );
    }
    match map.get("maintainers") {
        None | Some(Value::Null) => {}
        Some(Value::Sequence(items)) if items.iter().all(Value::is_mapping) => {}
        Some(_) => out.push(
            diag(
                "chart/invalid-maintainers",
                path,
                lines.key("maintainers"),
                "`maintainers` must be a list of mappings with a `name`",
            )
            .with_help(
                "write each maintainer as `- name: octocat` (with optional `email` and `url`)",
            ),
        ),
    }
    if let Some(Value::Sequence(deps)) = map.get("dependencies") {
        let mut seen = std::collections::BTreeSet::new();
        for dep in deps.iter().filter_map(Value::as_mapping) {
            let name = dep
                .get("alias")
                .or_else(|| dep.get("name"))
                .and_then(yaml::scalar_text);
            if let Some(name) = name {
                if !seen.insert(name.clone()) {
                    out.push(
                        diag(
                            "chart/duplicate-dependency",
                            path,
                            lines.key("dependencies"),
                            format!("more than one dependency is named `{name}`"),
                        )
                        .with_help(
                            "give each dependency its own `name`, or an `alias` to tell them apart",
                        ),
                    );
                }
            }
        }
    }
    out
}

/// Sets the top-level `version` of a `Chart.yaml` to `version`, changing only the characters of
/// that scalar: `version:` keys under `dependencies`, comments (also on the version line),
/// quoting, CRLF line endings, a byte-order mark, a `---` document start, indentation and key
/// order are all kept. The result is parsed again and must equal the original with only
/// `version` changed.
///
/// A top-level key other than `version` and `name` may be written more than once: the file is
/// read as Helm reads it (the last one counts, see [`yaml::parse_yaml_last_key_wins`]), and the
/// edited file must read back with the same keys repeated and only `version` changed.
///
/// Refused with an [`EditError`]: an empty file or one without a top-level `version`, a
/// `version` or `name` written more than once at the top level, an empty `version:`, a version
/// written as a block scalar, across lines, with a tag, anchor or alias, several YAML
/// documents, and any file that is not valid YAML (tabs used for indentation, a key repeated in
/// a nested mapping, ...).
///
/// ```
/// use release_action::domain::chart::set_chart_version;
/// let text = "name: web\nversion: '1.2.3' # bumped by CI\ndependencies:\n  - name: db\n    version: 1.0.0\n";
/// let out = set_chart_version(text, &semver::Version::new(1, 3, 0)).unwrap();
/// assert_eq!(out, "name: web\nversion: '1.3.0' # bumped by CI\ndependencies:\n  - name: db\n    version: 1.0.0\n");
/// ```
pub fn set_chart_version(text: &str, version: &Version) -> Result<String, EditError> {
    let path = [PathSeg::Key("version")];
    let (_, repeated) = yaml::parse_yaml_last_key_wins(text)?;
    for key in IDENTITY_KEYS {
        if repeated.iter().any(|k| k.as_str() == Some(key)) {
            return Err(EditError::Unsupported {
                path: "version".into(),
                reason: format!(
                    "`{key}` is set more than once at the top level, so which chart or version is meant is ambiguous"
                ),
            });
        }
    }
    // The edited text must read the same but for `version`, with the same keys repeated.
    let read = |t: &str| {
        let (value, again) = yaml::parse_yaml_last_key_wins(t)?;
        if again == repeated {
            Ok(value)
        } else {
            Err(yaml::YamlError {
                line: 1,
                message: "other top-level keys are repeated".into(),
            })
        }
    };
    yaml::replace_scalar_read_by(text, &path, &version.to_string(), read)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASIC: &str = "apiVersion: v2\nname: web\nversion: 1.2.3\n";

    fn codes(text: &str, dir: &str) -> Vec<&'static str> {
        validate_chart(text, "charts/web/Chart.yaml", dir)
            .iter()
            .map(|d| d.code)
            .collect()
    }

    fn bump(text: &str) -> Result<String, EditError> {
        set_chart_version(text, &Version::new(9, 8, 7))
    }

    #[test]
    fn parse_chart_reads_fields_and_lines() {
        let text = "# c\napiVersion: v2\nname: web\ntype: application\nappVersion: \"2.0\"\nversion: 1.2.3\ndependencies:\n  - name: db\n    version: ~1.0\n    repository: oci://x\n";
        let chart = parse_chart(text, "Chart.yaml").unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(chart.api_version.as_deref(), Some("v2"));
        assert_eq!(chart.name_line, 3);
        assert_eq!(chart.version, "1.2.3");
        assert_eq!(chart.version_line, 6);
        assert_eq!(chart.app_version.as_deref(), Some("2.0"));
        assert_eq!(chart.app_version_line, Some(5));
        assert_eq!(chart.chart_type.as_deref(), Some("application"));
        assert_eq!(chart.dependencies.len(), 1);
        assert_eq!(chart.dependencies[0].version.as_deref(), Some("~1.0"));
    }

    #[test]
    fn parse_chart_keeps_the_source_spelling_of_numeric_versions() {
        let chart = parse_chart("name: a\nversion: 1.10\nappVersion: 1.10\n", "Chart.yaml")
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(chart.version, "1.10");
        assert_eq!(chart.app_version.as_deref(), Some("1.10"));
    }

    #[test]
    fn parse_chart_refuses_unusable_files_with_a_code_and_line() {
        let cases: &[(&str, &str, usize)] = &[
            ("", "chart/empty", 1),
            ("# nothing\n", "chart/empty", 1),
            ("- a\n", "chart/not-a-mapping", 1),
            ("name: a\nversion: [1\n", "chart/invalid-yaml", 3),
            ("name: a\n\tversion: 1.0.0\n", "chart/invalid-yaml", 2),
            (
                "name: a\nversion: 1.0.0\nversion: 1.0.1\n",
                "chart/invalid-yaml",
                3,
            ),
            (
                "name: a\nname: b\nversion: 1.0.0\n",
                "chart/invalid-yaml",
                2,
            ),
            (
                "name: a\nversion: 1.0.0\nannotations:\n  x: 1\n  x: 2\n",
                "chart/invalid-yaml",
                5,
            ),
            ("name: a\n", "chart/missing-version", 1),
            ("name: a\nversion:\n", "chart/missing-version", 2),
            ("version: 1.0.0\n", "chart/missing-name", 1),
            ("name: {a: 1}\nversion: 1.0.0\n", "chart/invalid-name", 1),
            ("name: a\nversion: true\n", "chart/invalid-version", 2),
            (
                "name: a\nversion: 1.0.0\n---\nname: b\n",
                "chart/invalid-yaml",
                1,
            ),
        ];
        for (text, code, line) in cases {
            let err = parse_chart(text, "Chart.yaml").err().unwrap_or_default();
            let first = err.first().map(|d| (d.code, d.line));
            assert_eq!(first, Some((*code, Some(*line))), "{text:?}");
        }
    }

    /// `stable/aws-cluster-autoscaler` of the Helm charts repository, as published.
    const AWS_CLUSTER_AUTOSCALER: &str = "apiVersion: v1\ndeprecated: true\ndescription: DEPRECATED Scales worker nodes within autoscaling groups.\nicon: https://github.com/kubernetes/kubernetes/blob/master/logo/logo.png\nname: aws-cluster-autoscaler\nversion: 0.3.4\nsources:\n  - https://github.com/kubernetes/contrib/tree/master/cluster-autoscaler/cloudprovider/aws\ndeprecated: true\nengine: gotpl\n";

    fn findings(text: &str) -> Vec<(&'static str, bool, Option<usize>, String)> {
        validate_chart(text, "Chart.yaml", "web")
            .into_iter()
            .map(|d| (d.code, d.is_error(), d.line, d.message))
            .collect()
    }

    #[test]
    fn a_repeated_top_level_key_is_a_warning_naming_every_line() {
        let d = validate_chart(
            AWS_CLUSTER_AUTOSCALER,
            "Chart.yaml",
            "aws-cluster-autoscaler",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].code, d[0].is_error(), d[0].line, d[0].message.as_str()),
            (
                "chart/duplicate-key",
                false,
                Some(9),
                "`deprecated` is set twice, on lines 2 and 9"
            )
        );
        assert_eq!(
            d[0].help,
            ["remove all but one `deprecated:` line; Helm and `check` read the last one, on line 9"]
        );
        let thrice = "apiVersion: v2\nname: web\nicon: a\nversion: 1.0.0\nicon: b\n\"icon\": c\n";
        assert_eq!(
            findings(thrice),
            [(
                "chart/duplicate-key",
                false,
                Some(6),
                "`icon` is set 3 times, on lines 3, 5 and 6".to_string()
            )]
        );
    }

    #[test]
    fn a_repeated_key_is_read_as_helm_reads_it_the_last_one() {
        let base = "apiVersion: v2\nname: web\nversion: 1.0.0\n";
        let chart = parse_chart(
            &format!("{base}description: first\ndescription: second\n"),
            "Chart.yaml",
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(chart.description.as_deref(), Some("second"));
        type Found = [(&'static str, Option<usize>)];
        let cases: &[(&str, &Found)] = &[
            (
                "type: plugin\ntype: application\n",
                &[("chart/duplicate-key", Some(5))],
            ),
            (
                "type: application\ntype: plugin\n",
                &[
                    ("chart/duplicate-key", Some(5)),
                    ("chart/invalid-type", Some(5)),
                ],
            ),
            (
                "appVersion: \"1.0\"\nappVersion: 1.10\n",
                &[
                    ("chart/duplicate-key", Some(5)),
                    ("chart/unquoted-app-version", Some(5)),
                ],
            ),
            (
                "appVersion: 1.10\nappVersion: \"1.0\"\n",
                &[("chart/duplicate-key", Some(5))],
            ),
        ];
        for (tail, want) in cases {
            let text = format!("{base}{tail}");
            let got: Vec<(&str, Option<usize>)> =
                findings(&text).iter().map(|f| (f.0, f.2)).collect();
            assert_eq!(got, *want, "{text:?}");
        }
        // The numeric `appVersion` is spelled as the last line writes it.
        let text = format!("{base}appVersion: \"1.0\"\nappVersion: 1.10\n");
        assert!(findings(&text)
            .iter()
            .any(|f| f.3 == "`appVersion` `1.10` is read as a number, not as text"));
    }

    #[test]
    fn a_repeated_version_or_name_stays_an_error_with_every_other_problem() {
        let text = "apiVersion: v2\nname: web\nversion: 1.0.0\ntype: plugin\nversion: 1.0.1\n";
        assert_eq!(
            findings(text),
            [
                (
                    "chart/invalid-type",
                    true,
                    Some(4),
                    "unknown chart `type` `plugin`".to_string()
                ),
                (
                    "chart/invalid-yaml",
                    true,
                    Some(5),
                    "`Chart.yaml` is not valid YAML: `version` is set twice, on lines 3 and 5"
                        .to_string()
                ),
            ]
        );
        let text = "apiVersion: v2\nname: web\nname: api\nversion: 1.0.0\nicon: a\nicon: b\n";
        let got: Vec<(&str, bool, Option<usize>)> =
            findings(text).iter().map(|f| (f.0, f.1, f.2)).collect();
        assert_eq!(
            got,
            [
                ("chart/invalid-yaml", true, Some(3)),
                ("chart/duplicate-key", false, Some(6))
            ]
        );
        assert!(parse_chart(text, "Chart.yaml").is_err());
        assert_eq!(chart_name(text, "Chart.yaml"), None);
    }

    #[test]
    fn validate_chart_accepts_a_valid_chart() {
        assert_eq!(codes(BASIC, "web"), Vec::<&str>::new());
        assert_eq!(
            codes(
                "apiVersion: v1\nname: web\nversion: 1.2.3-rc.1+b.5\n",
                "web"
            ),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn validate_chart_reports_each_problem() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "name: web\nversion: 1.2.3\n",
                "web",
                &["chart/missing-api-version"],
            ),
            (
                "apiVersion: v3\nname: web\nversion: 1.2.3\n",
                "web",
                &["chart/unsupported-api-version"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: 1.2.3\n",
                "api",
                &["chart/name-mismatch"],
            ),
            (
                "apiVersion: v2\nname: Web_1\nversion: 1.2.3\n",
                "Web_1",
                &["chart/invalid-name"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: v1.2.3\n",
                "web",
                &["chart/invalid-version"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: 01.2.3\n",
                "web",
                &["chart/invalid-version"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: 1.2.3-rc.01\n",
                "web",
                &["chart/invalid-version"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: 1.2\n",
                "web",
                &["chart/invalid-version"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: 1.2.3\ntype: app\n",
                "web",
                &["chart/invalid-type"],
            ),
            (
                "apiVersion: v2\nname: web\nversion: 1.2.3\nappVersion: 1.10\n",
                "web",
                &["chart/unquoted-app-version"],
            ),
            (
                "name: x\nversion: v1\n",
                "web",
                &[
                    "chart/missing-api-version",
                    "chart/name-mismatch",
                    "chart/invalid-version",
                ],
            ),
        ];
        for (text, dir, want) in cases {
            assert_eq!(codes(text, dir), *want, "{text:?}");
        }
    }

    #[test]
    fn validate_chart_names_file_line_and_help() {
        let d = validate_chart(
            "apiVersion: v2\nname: web\n\nversion: v1.2.3\n",
            "charts/web/Chart.yaml",
            "web",
        );
        let first = d
            .first()
            .cloned()
            .unwrap_or_else(|| Diagnostic::error("none", ""));
        assert_eq!(first.file.as_deref(), Some("charts/web/Chart.yaml"));
        assert_eq!(first.line, Some(4));
        assert_eq!(
            first.help,
            vec!["remove the leading `v`: `1.2.3`".to_string()]
        );
    }

    #[test]
    fn set_chart_version_changes_only_the_top_level_version() {
        let cases: &[(&str, &str)] = &[
            (BASIC, "apiVersion: v2\nname: web\nversion: 9.8.7\n"),
            ("version: \"1.0.0\"\n", "version: \"9.8.7\"\n"),
            ("version: '1.0.0'\n", "version: '9.8.7'\n"),
            ("version: 0.1.0 # overridden by the release process\n", "version: 9.8.7 # overridden by the release process\n"),
            ("apiVersion: v2\r\nversion: 1.0.0\r\nname: a\r\n", "apiVersion: v2\r\nversion: 9.8.7\r\nname: a\r\n"),
            ("\u{feff}version: 1.0.0\n", "\u{feff}version: 9.8.7\n"),
            ("---\nversion: 1.0.0\n", "---\nversion: 9.8.7\n"),
            ("version: 1.0.0", "version: 9.8.7"),
            ("version: v0.6.7\n", "version: 9.8.7\n"),
            ("version: 1.0\n", "version: 9.8.7\n"),
            (
                "dependencies:\n  - name: db\n    version: 1.0.0\nversion: 2.0.0\n",
                "dependencies:\n  - name: db\n    version: 1.0.0\nversion: 9.8.7\n",
            ),
            (
                "name: a\ndependencies:\n- name: db\n  version: \"1.0.0\"\nversion: \"2.0.0\"   # x\n",
                "name: a\ndependencies:\n- name: db\n  version: \"1.0.0\"\nversion: \"9.8.7\"   # x\n",
            ),
            ("annotations:\n  version: 1.0.0\nversion: 2.0.0\n", "annotations:\n  version: 1.0.0\nversion: 9.8.7\n"),
            ("description: \"a\ttab\"\nversion: 1.0.0\n", "description: \"a\ttab\"\nversion: 9.8.7\n"),
            ("version:\n  1.0.0\n", "version:\n  9.8.7\n"),
            (
                "\u{feff}apiVersion: v2\r\nname: a # n\r\nversion: \"1.0.0\" # v\r\n",
                "\u{feff}apiVersion: v2\r\nname: a # n\r\nversion: \"9.8.7\" # v\r\n",
            ),
            ("{name: a, version: 1.0.0}\n", "{name: a, version: 9.8.7}\n"),
            ("base: &b {x: 1}\nother: *b\nversion: 1.0.0\n", "base: &b {x: 1}\nother: *b\nversion: 9.8.7\n"),
        ];
        for (text, want) in cases {
            assert_eq!(bump(text).as_deref(), Ok(*want), "{text:?}");
        }
    }

    #[test]
    fn set_chart_version_bumps_a_chart_with_a_repeated_key_byte_exactly() {
        let out = set_chart_version(AWS_CLUSTER_AUTOSCALER, &Version::new(0, 3, 5));
        assert_eq!(
            out.as_deref(),
            Ok(AWS_CLUSTER_AUTOSCALER
                .replace("version: 0.3.4", "version: 0.3.5")
                .as_str())
        );
        let cases: &[(&str, &str)] = &[
            (
                "a: 1\r\nversion: '1.0.0' # v\r\na: 2\r\n",
                "a: 1\r\nversion: '9.8.7' # v\r\na: 2\r\n",
            ),
            (
                "\u{feff}a: [1]\nversion: \"1.0.0\"\na: {b: 2}\n",
                "\u{feff}a: [1]\nversion: \"9.8.7\"\na: {b: 2}\n",
            ),
            (
                "{a: 1, version: 1.0.0, a: 2}\n",
                "{a: 1, version: 9.8.7, a: 2}\n",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(bump(text).as_deref(), Ok(*want), "{text:?}");
        }
    }

    #[test]
    fn set_chart_version_refuses_a_repeated_version_or_name() {
        for (text, key) in [
            ("name: a\nversion: 1.0.0\nversion: 1.0.0\n", "version"),
            ("version: 1.0.0\nname: a\nname: a\n", "name"),
        ] {
            assert_eq!(
                bump(text),
                Err(EditError::Unsupported {
                    path: "version".into(),
                    reason: format!(
                        "`{key}` is set more than once at the top level, so which chart or version is meant is ambiguous"
                    ),
                }),
                "{text:?}"
            );
        }
        // A key repeated below the top level is refused as before.
        assert!(bump("version: 1.0.0\nannotations:\n  a: 1\n  a: 2\n").is_err());
        assert!(bump("version: 1.0.0\ndependencies:\n  - name: a\n    name: b\n").is_err());
    }

    #[test]
    fn set_chart_version_refuses_what_it_cannot_edit_safely() {
        let cases: &[&str] = &[
            "",
            "name: a\n",
            "name: a\nversion:\n",
            "dependencies:\n  - name: db\n    version: 1.0.0\n",
            "version: |\n  1.0.0\n",
            "version: !!str 1.0.0\n",
            "v: &v 1.0.0\nversion: *v\n",
            "version: 1.0.0\n---\nversion: 1.0.0\n",
            "version: 1.0.0\n\tname: a\n",
            "version: [1]\n",
            "- version: 1.0.0\n",
        ];
        for text in cases {
            assert!(bump(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn strict_semver_rejects_prefixes_and_leading_zeros() {
        let cases: &[(&str, bool)] = &[
            ("1.2.3", true),
            ("0.0.0", true),
            ("1.2.3-rc.1", true),
            ("1.2.3+build.01", true),
            ("v1.2.3", false),
            ("V1.2.3", false),
            ("01.2.3", false),
            ("1.02.3", false),
            ("1.2.3-01", false),
            ("1.2", false),
            (" 1.2.3", false),
            ("", false),
        ];
        for (v, ok) in cases {
            assert_eq!(parse_strict_semver(v).is_ok(), *ok, "{v:?}");
        }
    }

    #[test]
    fn is_valid_name_follows_the_name_pattern() {
        for (name, ok) in [
            ("web", true),
            ("a", true),
            ("data-platform", true),
            ("a1", true),
            ("-a", false),
            ("a-", false),
            ("A", false),
            ("a_b", false),
            ("", false),
            ("../x", false),
        ] {
            assert_eq!(is_valid_name(name), ok, "{name:?}");
        }
    }
}
