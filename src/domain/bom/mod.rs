//! The per-environment bill of materials `releases/<env>.yaml`: its model, its checks, and the
//! byte-exact edits that pin a chart version or an image.
//!
//! The format is the one in `product.md`:
//!
//! ```yaml
//! environment: staging
//! charts:
//!   data-platform: 1.0.1
//! images:
//!   app: { image: ghcr.io/org/app, tag: v1.2.3, digest: "sha256:<64 hex>" }
//! experiment: {}
//! ```
//!
//! Chart versions follow SemVer 2.0.0; image digests are `sha256:` content digests. Edits keep
//! every byte they do not need to change (comments, quoting, line endings, indentation, flow or
//! block style, entry order) and are verified by parsing the result again.
//!
//! Reading is here; the checks are in `check` and the edits in `edit`.

use std::collections::BTreeMap;

use yaml_serde::Value;

use crate::domain::diagnostic::Diagnostic;
use crate::domain::yaml::{self, Locator, PathSeg};

mod check;
mod edit;

pub use check::{check_bom, validate_bom};
pub use edit::{pin_chart, pin_image};

/// An image pinned in a BOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePin {
    /// Repository, e.g. `ghcr.io/org/app`.
    pub image: String,
    /// Tag, e.g. `v1.2.3` (empty when the file has none).
    pub tag: String,
    /// Content digest `sha256:<64 hex>`, when pinned by digest too.
    pub digest: Option<String>,
}

/// A parsed `releases/<env>.yaml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bom {
    /// `environment`.
    pub environment: Option<String>,
    /// Chart name → version, as written.
    pub charts: BTreeMap<String, String>,
    /// Chart name → 1-based line of its entry.
    pub chart_lines: BTreeMap<String, usize>,
    /// Component → pinned image.
    pub images: BTreeMap<String, ImagePin>,
    /// Component → 1-based line of its entry.
    pub image_lines: BTreeMap<String, usize>,
    /// `experiment`: free-form parameters, kept as parsed.
    pub experiment: Option<Value>,
}

/// The version of `chart` in a BOM, if it is pinned there.
///
/// ```
/// use release_action::domain::bom::{chart_version, parse_bom};
/// let bom = parse_bom("charts:\n  web: 1.0.1\n", "releases/dev.yaml").unwrap();
/// assert_eq!(chart_version(&bom, "web"), Some("1.0.1"));
/// assert_eq!(chart_version(&bom, "api"), None);
/// ```
pub fn chart_version<'b>(bom: &'b Bom, chart: &str) -> Option<&'b str> {
    bom.charts.get(chart).map(String::as_str)
}

fn diag(code: &'static str, path: &str, line: usize, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, message).in_file(path).at_line(line)
}

fn line_at(locator: Option<&Locator>, path: &[PathSeg<'_>]) -> usize {
    locator.and_then(|l| l.line_of(path)).unwrap_or(1)
}

/// Lines of the keys of a top-level block mapping (`charts:` followed by indented `key: value`
/// lines), found in one pass over the text.
///
/// NOTE: a span query per key costs a walk over the mapping, which made a 1,000-chart BOM
/// quadratic. This scan serves the common block style in linear time; keys it does not find
/// (flow style, quoted oddities) fall back to the span query.
fn block_key_lines(text: &str, section: &str) -> std::collections::HashMap<String, usize> {
    let mut lines = std::collections::HashMap::new();
    let mut inside = false;
    let mut child_indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}');
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        if indent == 0 {
            inside = body
                .strip_prefix(section)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'));
            child_indent = None;
            continue;
        }
        if !inside {
            continue;
        }
        let expected = *child_indent.get_or_insert(indent);
        if indent != expected {
            continue;
        }
        if let Some((key, _)) = body.split_once(':') {
            let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
            lines.entry(key.to_owned()).or_insert(i + 1);
        }
    }
    lines
}

/// Text of a scalar entry, with numbers in their source spelling (`1.10` stays `1.10`).
fn entry_text(
    value: &Value,
    locator: Option<&Locator>,
    text: &str,
    path: &[PathSeg<'_>],
) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) => locator
            .and_then(|l| l.scalar_span(path).ok())
            .and_then(|s| text.get(s.content()).map(str::to_string))
            .or_else(|| yaml::scalar_text(value)),
        Value::Bool(_) => yaml::scalar_text(value),
        _ => None,
    }
}

/// Reads a BOM. `path` is the repository-relative path used in diagnostics. An empty file is an
/// empty BOM. Fails, with every problem found, on invalid YAML and on entries of the wrong
/// shape; value checks (SemVer, floating tags, digests) are [`validate_bom`]'s.
pub fn parse_bom(text: &str, path: &str) -> Result<Bom, Vec<Diagnostic>> {
    read_bom(text, path).map(|parsed| parsed.bom)
}

/// A parsed BOM with what its checks need again: the top-level keys and the span locator, so
/// [`check_bom`] neither re-parses the YAML nor rebuilds the syntax tree.
struct Parsed {
    bom: Bom,
    keys: Vec<String>,
    locator: Option<Locator>,
}

fn read_bom(text: &str, path: &str) -> Result<Parsed, Vec<Diagnostic>> {
    let doc = yaml::parse_yaml(text).map_err(|e| {
        vec![diag(
            "bom/invalid-yaml",
            path,
            e.line,
            format!("`{path}` is not valid YAML: {}", e.message),
        )
        .with_help("fix the YAML syntax at the reported line")]
    })?;
    let map = match doc {
        Value::Null => {
            return Ok(Parsed {
                bom: Bom::default(),
                keys: Vec::new(),
                locator: None,
            })
        }
        Value::Mapping(m) => m,
        _ => {
            return Err(vec![diag(
                "bom/not-a-mapping",
                path,
                1,
                format!("`{path}` is not a mapping"),
            )
            .with_help(
                "write `environment:`, `charts:`, `images:` and `experiment:` keys",
            )])
        }
    };
    let locator = Locator::new(text).ok();
    let loc = locator.as_ref();
    let chart_lines = block_key_lines(text, "charts");
    let image_lines = block_key_lines(text, "images");
    let mut problems = Vec::new();
    let mut bom = Bom::default();

    match map.get("environment") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => bom.environment = Some(s.clone()),
        Some(_) => problems.push(
            diag(
                "bom/invalid-environment",
                path,
                line_at(loc, &[PathSeg::Key("environment")]),
                "`environment` must be a name",
            )
            .with_help("write `environment: staging`"),
        ),
    }

    match map.get("charts") {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(charts)) => {
            for (k, v) in charts {
                let Some(name) = k.as_str() else {
                    problems.push(
                        diag(
                            "bom/invalid-chart-entry",
                            path,
                            line_at(loc, &[PathSeg::Key("charts")]),
                            "a chart name is not text",
                        )
                        .with_help("chart names are words such as `frontend`"),
                    );
                    continue;
                };
                let p = [PathSeg::Key("charts"), PathSeg::Key(name)];
                let line = chart_lines
                    .get(name)
                    .copied()
                    .unwrap_or_else(|| line_at(loc, &p));
                match entry_text(v, loc, text, &p) {
                    Some(version) => {
                        bom.charts.insert(name.to_string(), version);
                        bom.chart_lines.insert(name.to_string(), line);
                    }
                    None => problems.push(
                        diag(
                            "bom/invalid-chart-entry",
                            path,
                            line,
                            format!("chart `{name}` has no version"),
                        )
                        .with_help(format!("write `{name}: 1.2.3` under `charts:`")),
                    ),
                }
            }
        }
        Some(_) => problems.push(
            diag(
                "bom/invalid-charts",
                path,
                line_at(loc, &[PathSeg::Key("charts")]),
                "`charts` must map chart names to versions",
            )
            .with_help("write `charts:` followed by `  <chart>: <version>` lines"),
        ),
    }

    match map.get("images") {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(images)) => {
            for (k, v) in images {
                let Some(name) = k.as_str() else {
                    problems.push(
                        diag("bom/invalid-image-entry", path, line_at(loc, &[PathSeg::Key("images")]), "a component name is not text")
                            .with_help("component names are words such as `app`"),
                    );
                    continue;
                };
                let p = [PathSeg::Key("images"), PathSeg::Key(name)];
                let line = image_lines.get(name).copied().unwrap_or_else(|| line_at(loc, &p));
                match image_pin(v, loc, text, name) {
                    Some(pin) => {
                        bom.images.insert(name.to_string(), pin);
                        bom.image_lines.insert(name.to_string(), line);
                    }
                    None => problems.push(
                        diag("bom/invalid-image-entry", path, line, format!("image entry `{name}` is not `{{ image, tag, digest }}`"))
                            .with_help(format!("write `{name}: {{ image: ghcr.io/org/{name}, tag: v1.2.3, digest: \"sha256:…\" }}`")),
                    ),
                }
            }
        }
        Some(_) => problems.push(
            diag("bom/invalid-images", path, line_at(loc, &[PathSeg::Key("images")]), "`images` must map components to images")
                .with_help("write `images:` followed by `  <component>: { image: …, tag: …, digest: … }` lines"),
        ),
    }
    bom.experiment = map.get("experiment").cloned();
    if problems.is_empty() {
        let keys = map
            .keys()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        Ok(Parsed { bom, keys, locator })
    } else {
        Err(problems)
    }
}

fn image_pin(value: &Value, loc: Option<&Locator>, text: &str, name: &str) -> Option<ImagePin> {
    let m = value.as_mapping()?;
    let field = |key: &str| -> Option<String> {
        let v = m.get(key)?;
        entry_text(
            v,
            loc,
            text,
            &[
                PathSeg::Key("images"),
                PathSeg::Key(name),
                PathSeg::Key(key),
            ],
        )
    };
    let image = match m.get("image") {
        Some(Value::String(s)) => s.clone(),
        _ => return None,
    };
    let tag = match m.get("tag") {
        None | Some(Value::Null) => String::new(),
        Some(_) => field("tag")?,
    };
    let digest = match m.get("digest") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    Some(ImagePin { image, tag, digest })
}

#[cfg(test)]
mod tests {
    use yaml_serde::Mapping;

    use super::*;

    pub(super) const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    pub(super) fn digest() -> String {
        format!("sha256:{HEX}")
    }

    pub(super) fn pin(tag: &str, digest: Option<&str>) -> ImagePin {
        ImagePin {
            image: "ghcr.io/org/app".into(),
            tag: tag.into(),
            digest: digest.map(str::to_string),
        }
    }

    #[test]
    fn parse_bom_reads_the_product_format() {
        let text = format!(
            "environment: staging\ncharts:\n  data-platform: 1.0.1\n  web: \"2.0.0\"\nimages:\n  app: {{ image: ghcr.io/org/app, tag: v1.2.3, digest: \"{}\" }}\nexperiment: {{}}\n",
            digest()
        );
        let bom = parse_bom(&text, "releases/staging.yaml").unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(bom.environment.as_deref(), Some("staging"));
        assert_eq!(chart_version(&bom, "data-platform"), Some("1.0.1"));
        assert_eq!(chart_version(&bom, "web"), Some("2.0.0"));
        assert_eq!(bom.chart_lines.get("web"), Some(&4));
        assert_eq!(bom.images.get("app"), Some(&pin("v1.2.3", Some(&digest()))));
        assert_eq!(bom.image_lines.get("app"), Some(&6));
        assert_eq!(bom.experiment, Some(Value::Mapping(Mapping::new())));
        assert_eq!(validate_bom(&text, "releases/staging.yaml"), Vec::new());
    }

    #[test]
    fn parse_bom_accepts_empty_files_and_keeps_numeric_spellings() {
        assert_eq!(parse_bom("", "releases/dev.yaml"), Ok(Bom::default()));
        let bom = parse_bom("charts:\n  web: 1.10\n", "releases/dev.yaml")
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(chart_version(&bom, "web"), Some("1.10"));
    }

    #[test]
    fn parse_bom_refuses_entries_of_the_wrong_shape() {
        let cases: &[(&str, &str, usize)] = &[
            ("charts: [a]\n", "bom/invalid-charts", 1),
            ("charts:\n  web: [1]\n", "bom/invalid-chart-entry", 2),
            ("images: x\n", "bom/invalid-images", 1),
            (
                "images:\n  app: ghcr.io/org/app:v1\n",
                "bom/invalid-image-entry",
                2,
            ),
            (
                "images:\n  app: { tag: v1 }\n",
                "bom/invalid-image-entry",
                2,
            ),
            ("environment: [a]\n", "bom/invalid-environment", 1),
            ("- a\n", "bom/not-a-mapping", 1),
            ("charts: {\n", "bom/invalid-yaml", 2),
        ];
        for (text, code, line) in cases {
            let got = parse_bom(text, "releases/dev.yaml")
                .err()
                .unwrap_or_default();
            assert_eq!(
                got.first().map(|d| (d.code, d.line)),
                Some((*code, Some(*line))),
                "{text:?}"
            );
        }
    }
}
