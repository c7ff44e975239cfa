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

use std::collections::BTreeMap;

use semver::Version;
use yaml_serde::{Mapping, Value};

use crate::domain::chart::{is_valid_name, parse_strict_semver};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::values::{is_floating_tag, is_valid_digest, is_valid_repository, is_valid_tag};
use crate::domain::yaml::{
    self, line_end, line_ending, line_start, render_scalar, EditError, Locator, PathSeg,
    ScalarStyle,
};

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

const KNOWN_KEYS: &[&str] = &["environment", "charts", "images", "experiment"];

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

/// Checks a BOM: the parse problems of [`parse_bom`], plus names (`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`),
/// an `environment` that matches the file name, strict SemVer chart versions, floating or
/// missing image tags (a floating tag beside a valid digest is a warning), malformed digests,
/// and unknown top-level keys (warnings).
pub fn validate_bom(text: &str, path: &str) -> Vec<Diagnostic> {
    check_bom(text, path).1
}

/// [`validate_bom`], also handing back the BOM when it could be read, for callers that need
/// both (one parse instead of two).
pub fn check_bom(text: &str, path: &str) -> (Option<Bom>, Vec<Diagnostic>) {
    let Parsed { bom, keys, locator } = match read_bom(text, path) {
        Ok(parsed) => parsed,
        Err(problems) => return (None, problems),
    };
    let loc = locator.as_ref();
    let mut out = Vec::new();

    for key in keys.iter().map(String::as_str) {
        if !KNOWN_KEYS.contains(&key) {
            out.push(
                Diagnostic::warning("bom/unknown-key", format!("unknown key `{key}`"))
                    .in_file(path)
                    .at_line(line_at(loc, &[PathSeg::Key(key)]))
                    .with_help("a BOM holds `environment`, `charts`, `images` and `experiment`"),
            );
        }
    }
    if let Some(env) = bom.environment.as_deref() {
        let line = line_at(loc, &[PathSeg::Key("environment")]);
        let stem = path
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".yaml").or_else(|| f.strip_suffix(".yml")));
        if !is_valid_name(env) {
            out.push(
                diag(
                    "bom/invalid-environment",
                    path,
                    line,
                    format!("environment `{env}` is not a valid name"),
                )
                .with_help("names use lowercase letters, digits and inner dashes"),
            );
        } else if let Some(stem) = stem.filter(|s| *s != env) {
            out.push(
                diag(
                    "bom/environment-mismatch",
                    path,
                    line,
                    format!("`environment: {env}` in the BOM of `{stem}`"),
                )
                .with_help(format!("set `environment: {stem}`")),
            );
        }
    }
    for (name, version) in &bom.charts {
        let line = bom.chart_lines.get(name).copied().unwrap_or(1);
        if !is_valid_name(name) {
            out.push(
                diag(
                    "bom/invalid-name",
                    path,
                    line,
                    format!("chart name `{name}` is not a valid name"),
                )
                .with_help("names use lowercase letters, digits and inner dashes"),
            );
        }
        if let Err((reason, help)) = parse_strict_semver(version) {
            out.push(
                diag(
                    "bom/invalid-chart-version",
                    path,
                    line,
                    format!("chart `{name}` version `{version}` is not SemVer 2: {reason}"),
                )
                .with_help(help),
            );
        }
    }
    for (name, pin) in &bom.images {
        let line = bom.image_lines.get(name).copied().unwrap_or(1);
        // The line of the entry's `tag:` or `digest:`, asked only for a finding (a span query
        // per entry would make large BOMs quadratic); the entry's line when it has none.
        let field_line = |field: &str| {
            loc.and_then(|l| {
                l.line_of(&[
                    PathSeg::Key("images"),
                    PathSeg::Key(name),
                    PathSeg::Key(field),
                ])
            })
            .unwrap_or(line)
        };
        if !is_valid_name(name) {
            out.push(
                diag(
                    "bom/invalid-name",
                    path,
                    line,
                    format!("component name `{name}` is not a valid name"),
                )
                .with_help("names use lowercase letters, digits and inner dashes"),
            );
        }
        if pin.image.trim().is_empty() {
            out.push(
                diag(
                    "bom/missing-image",
                    path,
                    line,
                    format!("image entry `{name}` has no `image`"),
                )
                .with_help("set `image: <repository>`"),
            );
        }
        let digest_ok = match pin.digest.as_deref() {
            Some(d) if !is_valid_digest(d) => {
                out.push(
                    diag(
                        "bom/invalid-digest",
                        path,
                        field_line("digest"),
                        format!("image `{name}` has a malformed digest `{d}`"),
                    )
                    .with_help("a digest is `sha256:` followed by 64 lowercase hex digits"),
                );
                false
            }
            Some(_) => true,
            None => false,
        };
        if pin.tag.trim().is_empty() {
            if !digest_ok {
                out.push(
                    diag(
                        "bom/missing-tag",
                        path,
                        field_line("tag"),
                        format!("image `{name}` has neither a tag nor a digest"),
                    )
                    .with_help("pin a released tag and its digest"),
                );
            }
        } else if is_floating_tag(&pin.tag) {
            let message = format!("image `{name}` uses the floating tag `{}`", pin.tag);
            let d = if digest_ok {
                Diagnostic::warning(
                    "bom/floating-tag",
                    format!("{message} (pinned by its digest)"),
                )
            } else {
                Diagnostic::error("bom/floating-tag", message)
            };
            out.push(
                d.in_file(path)
                    .at_line(field_line("tag"))
                    .with_help("pin a released tag such as `v1.2.3`"),
            );
        }
    }
    (Some(bom), out)
}

// ---------------------------------------------------------------------------------------------
// Editing

/// Rendered text of a new mapping entry, in both styles.
struct NewEntry {
    /// `key: value` for a flow mapping, or the first line of a block entry.
    flow: String,
    /// Lines of a block entry after the key line, each `(extra indent, text)`; empty for a
    /// scalar entry written on the key line.
    block_tail: Vec<String>,
    /// The key line of a block entry (`key: value` or `key:`).
    block_head: String,
}

/// Line layout of the document, for inserted lines.
struct Layout<'t> {
    text: &'t str,
    eol: &'static str,
}

impl Layout<'_> {
    fn indent_of(&self, offset: usize) -> Option<String> {
        let start = line_start(self.text, offset);
        let lead = self.text.get(start..offset)?;
        let lead = lead.trim_start_matches('\u{feff}');
        lead.chars().all(|c| c == ' ').then(|| lead.to_string())
    }

    /// Moves an insertion point at a line start up over comment-only lines directly above it,
    /// so an entry never separates a comment from the line it describes.
    fn above_comments(&self, mut pos: usize, floor: usize) -> usize {
        while pos > floor {
            let prev = line_start(self.text, pos.saturating_sub(1));
            if prev < floor {
                break;
            }
            let line = self.text.get(prev..pos).unwrap_or_default().trim();
            if line.starts_with('#') {
                pos = prev;
            } else {
                break;
            }
        }
        pos
    }

    /// Never insert before a byte-order mark.
    fn after_bom(&self, pos: usize) -> usize {
        if pos == 0 && self.text.starts_with('\u{feff}') {
            3
        } else {
            pos
        }
    }
}

fn splice(text: &str, at: usize, insert: &str) -> String {
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(text.get(..at).unwrap_or(text));
    out.push_str(insert);
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

fn replace_range(text: &str, start: usize, end: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(text.get(..start).unwrap_or(text));
    out.push_str(with);
    out.push_str(text.get(end..).unwrap_or_default());
    out
}

fn unsupported(path: &[PathSeg<'_>], reason: &str) -> EditError {
    EditError::Unsupported {
        path: yaml::render_path(path),
        reason: reason.to_string(),
    }
}

/// A key of a mapping with the byte span of the key text.
type KeySpan = (String, (usize, usize));

/// String keys of a mapping in source order, with the byte span of each key.
fn keys_in_source_order(
    locator: &Locator,
    map_path: &[PathSeg<'_>],
    map: &Mapping,
) -> Result<Vec<KeySpan>, EditError> {
    let mut keys = Vec::new();
    for k in map.keys() {
        let Some(k) = k.as_str() else {
            return Err(unsupported(map_path, "a key is not text"));
        };
        let mut p = map_path.to_vec();
        p.push(PathSeg::Key(k));
        keys.push((k.to_string(), locator.key_span(&p)?));
    }
    keys.sort_by_key(|(_, span)| span.0);
    Ok(keys)
}

/// End of the last value (or key) among the entries of a mapping, in bytes.
fn entries_end(locator: &Locator, map_path: &[PathSeg<'_>], keys: &[KeySpan]) -> usize {
    keys.iter()
        .map(|(k, key_span)| {
            let mut p = map_path.to_vec();
            p.push(PathSeg::Key(k));
            match locator.value_span(&p) {
                Ok(Some((_, end))) => end.max(key_span.1),
                _ => key_span.1,
            }
        })
        .max()
        .unwrap_or(0)
}

/// Inserts `entry` under the mapping at `map_path` (whose key exists and holds a mapping or
/// null). Keeps the existing indentation and line endings, and sorted order when the existing
/// keys are sorted.
fn insert_into_mapping(
    text: &str,
    map_path: &[PathSeg<'_>],
    map: Option<&Mapping>,
    key: &str,
    entry: &NewEntry,
    default_indent: &str,
) -> Result<String, EditError> {
    let locator = Locator::new(text).map_err(|e| yaml::with_path(e, map_path))?;
    let layout = Layout {
        text,
        eol: line_ending(text),
    };
    let (_, key_end) = locator.key_span(map_path)?;
    let parent_indent = layout
        .indent_of(locator.key_span(map_path)?.0)
        .ok_or_else(|| unsupported(map_path, "the key is not at the start of its line"))?;
    let value_span = locator.value_span(map_path)?;
    let keys = match map {
        Some(m) => keys_in_source_order(&locator, map_path, m)?,
        None => Vec::new(),
    };
    let sorted = keys.windows(2).all(|w| matches!(w, [a, b] if a.0 <= b.0));
    let successor = if sorted {
        keys.iter().find(|(k, _)| k.as_str() > key)
    } else {
        None
    };

    match value_span {
        // `{ ... }`: a flow mapping.
        Some((start, end)) if text.as_bytes().get(start) == Some(&b'{') => {
            if keys.is_empty() {
                let inner = text
                    .get(start + 1..end.saturating_sub(1))
                    .unwrap_or_default();
                if !inner.trim().is_empty() {
                    return Err(unsupported(
                        map_path,
                        "the flow mapping holds something other than entries",
                    ));
                }
                return Ok(replace_range(
                    text,
                    start,
                    end,
                    &format!("{{ {} }}", entry.flow),
                ));
            }
            if let Some((_, (succ_start, _))) = successor {
                Ok(splice(text, *succ_start, &format!("{}, ", entry.flow)))
            } else {
                let end_of_last = entries_end(&locator, map_path, &keys);
                Ok(splice(text, end_of_last, &format!(", {}", entry.flow)))
            }
        }
        // A block mapping with entries.
        Some(_) if !keys.is_empty() => {
            let first_key_start = keys.first().map_or(0, |(_, s)| s.0);
            let indent = layout
                .indent_of(first_key_start)
                .ok_or_else(|| unsupported(map_path, "the entries are not one per line"))?;
            for (_, span) in &keys {
                if layout.indent_of(span.0).as_deref() != Some(indent.as_str()) {
                    return Err(unsupported(map_path, "the entries are not evenly indented"));
                }
            }
            let block = render_block(entry, &indent, layout.eol);
            if let Some((_, (succ_start, _))) = successor {
                let at =
                    layout.above_comments(line_start(text, *succ_start), line_end(text, key_end));
                Ok(splice(text, at, &block))
            } else {
                let at = line_end(text, entries_end(&locator, map_path, &keys));
                let lead = if at == text.len() && !text.ends_with('\n') {
                    layout.eol
                } else {
                    ""
                };
                Ok(splice(text, at, &format!("{lead}{block}")))
            }
        }
        // `key:` with nothing after it, or `key: ~` / `key: null`.
        other => {
            let indent = format!("{parent_indent}{default_indent}");
            let block = render_block(entry, &indent, layout.eol);
            let (text, key_line_end) = match other {
                Some((start, end)) => {
                    // Drop the null scalar and the blanks before it; keep a trailing comment.
                    let colon = text
                        .get(key_end..start)
                        .and_then(|s| s.find(':'))
                        .map_or(start, |i| key_end + i + 1);
                    let cut = replace_range(text, colon, end, "");
                    let eol_at = line_end(&cut, colon);
                    (cut, eol_at)
                }
                None => (text.to_string(), line_end(text, key_end)),
            };
            let lead = if key_line_end == text.len() && !text.ends_with('\n') {
                layout.eol
            } else {
                ""
            };
            Ok(splice(&text, key_line_end, &format!("{lead}{block}")))
        }
    }
}

fn render_block(entry: &NewEntry, indent: &str, eol: &str) -> String {
    let mut out = format!("{indent}{}{eol}", entry.block_head);
    for line in &entry.block_tail {
        out.push_str(&format!("{indent}  {line}{eol}"));
    }
    out
}

/// Adds a missing top-level section (`charts:` or `images:`) holding `entry`, placed before the
/// first of `before` keys that exists (and the comments directly above it), else at the end.
fn insert_section(
    text: &str,
    doc: &Mapping,
    section: &str,
    entry: &NewEntry,
    before: &[&str],
    indent_hint: &[&str],
) -> Result<String, EditError> {
    let path = [PathSeg::Key(section)];
    let layout = Layout {
        text,
        eol: line_ending(text),
    };
    let locator = if doc.is_empty() {
        None
    } else {
        Some(Locator::new(text).map_err(|e| yaml::with_path(e, &path))?)
    };
    let mut top_indent = String::new();
    let mut child_indent = "  ".to_string();
    if let Some(locator) = &locator {
        if let Ok(Some((start, _))) = locator.value_span(&[]) {
            if text.as_bytes().get(start) == Some(&b'{') {
                return Err(unsupported(&path, "the document is a flow mapping"));
            }
        }
        if let Some(first) = doc.keys().filter_map(Value::as_str).next() {
            let span = locator.key_span(&[PathSeg::Key(first)])?;
            top_indent = layout.indent_of(span.0).ok_or_else(|| {
                unsupported(
                    &path,
                    "the top-level keys are not at the start of their lines",
                )
            })?;
        }
        // Borrow the child indentation of a sibling block section.
        for hint in indent_hint {
            let Some(Value::Mapping(m)) = doc.get(*hint) else {
                continue;
            };
            let Some(k) = m.keys().filter_map(Value::as_str).next() else {
                continue;
            };
            if let Ok((start, _)) = locator.key_span(&[PathSeg::Key(hint), PathSeg::Key(k)]) {
                if let Some(ind) = layout.indent_of(start) {
                    if let Some(extra) = ind
                        .strip_prefix(top_indent.as_str())
                        .filter(|e| !e.is_empty())
                    {
                        child_indent = extra.to_string();
                        break;
                    }
                }
            }
        }
    }
    let mut block = format!("{top_indent}{section}:{}", layout.eol);
    block.push_str(&render_block(
        entry,
        &format!("{top_indent}{child_indent}"),
        layout.eol,
    ));
    let next = locator.as_ref().and_then(|locator| {
        before
            .iter()
            .filter(|k| doc.contains_key(**k))
            .filter_map(|k| locator.key_span(&[PathSeg::Key(k)]).ok())
            .map(|(start, _)| start)
            .min()
    });
    match next {
        Some(start) => {
            let at = layout.after_bom(layout.above_comments(line_start(text, start), 0));
            Ok(splice(text, at, &block))
        }
        None => {
            let lead = if text.is_empty() || text.ends_with('\n') || text == "\u{feff}" {
                ""
            } else {
                layout.eol
            };
            Ok(format!("{text}{lead}{block}"))
        }
    }
}

fn scalar_entry(key: &str, value: &str) -> NewEntry {
    NewEntry {
        flow: format!("{key}: {}", render_scalar(value, ScalarStyle::Plain, true)),
        block_head: format!("{key}: {}", render_scalar(value, ScalarStyle::Plain, false)),
        block_tail: Vec::new(),
    }
}

fn image_fields(pin: &ImagePin, in_flow: bool) -> Vec<String> {
    let mut fields = vec![
        format!(
            "image: {}",
            render_scalar(&pin.image, ScalarStyle::Plain, in_flow)
        ),
        format!(
            "tag: {}",
            render_scalar(&pin.tag, ScalarStyle::Plain, in_flow)
        ),
    ];
    if let Some(d) = &pin.digest {
        fields.push(format!(
            "digest: {}",
            render_scalar(d, ScalarStyle::DoubleQuoted, in_flow)
        ));
    }
    fields
}

fn doc_mapping(original: &Value, path: &[PathSeg<'_>]) -> Result<Mapping, EditError> {
    match original {
        Value::Mapping(m) => Ok(m.clone()),
        Value::Null => Ok(Mapping::new()),
        _ => Err(unsupported(path, "the document is not a mapping")),
    }
}

/// Pins `chart` at `version` in a BOM and returns the new text.
///
/// An existing entry has only its version characters replaced (quoting and comments kept). A
/// new entry is added under `charts:` with the indentation and line endings already used, in
/// sorted position when the existing entries are sorted (else last), above any comment lines
/// directly preceding its successor; a flow mapping `charts: { … }` gets the entry inside the
/// braces. A missing `charts:` section is created before `images:`/`experiment:` or at the end.
/// Pinning the version already pinned returns the text unchanged.
///
/// Refused: an invalid chart name, a document that is not a mapping or not valid YAML, a
/// `charts` value that is not a mapping, entries not one per line, and any result that does not
/// re-read as the original with only this pin changed.
///
/// ```
/// use release_action::domain::bom::pin_chart;
/// let text = "environment: staging\ncharts:\n  api: 2.0.0\n  web: 1.0.0\n";
/// let out = pin_chart(text, "data", &semver::Version::new(1, 0, 1)).unwrap();
/// assert_eq!(out, "environment: staging\ncharts:\n  api: 2.0.0\n  data: 1.0.1\n  web: 1.0.0\n");
/// ```
pub fn pin_chart(text: &str, chart: &str, version: &Version) -> Result<String, EditError> {
    let path = [PathSeg::Key("charts"), PathSeg::Key(chart)];
    if !is_valid_name(chart) {
        return Err(EditError::InvalidValue {
            path: yaml::render_path(&path),
            reason: format!("`{chart}` is not a valid chart name"),
        });
    }
    let new = version.to_string();
    let original = yaml::parse_yaml(text)?;
    let doc = doc_mapping(&original, &path)?;
    let entry = scalar_entry(chart, &new);
    let out = match doc.get("charts") {
        Some(Value::Mapping(charts)) if charts.contains_key(chart) => {
            if yaml::scalar_text(charts.get(chart).unwrap_or(&Value::Null)).as_deref()
                == Some(new.as_str())
                && matches!(charts.get(chart), Some(Value::String(_)))
            {
                return Ok(text.to_string());
            }
            return yaml::replace_scalar(text, &path, &new);
        }
        Some(Value::Mapping(charts)) => {
            insert_into_mapping(text, &path[..1], Some(charts), chart, &entry, "  ")?
        }
        Some(Value::Null) => insert_into_mapping(text, &path[..1], None, chart, &entry, "  ")?,
        Some(_) => return Err(unsupported(&path[..1], "`charts` is not a mapping")),
        None => insert_section(
            text,
            &doc,
            "charts",
            &entry,
            &["images", "experiment"],
            &["images"],
        )?,
    };
    let mut expected = doc;
    let charts = expected
        .entry(Value::String("charts".into()))
        .or_insert(Value::Mapping(Mapping::new()));
    if !charts.is_mapping() {
        *charts = Value::Mapping(Mapping::new());
    }
    if let Value::Mapping(m) = charts {
        m.insert(Value::String(chart.into()), Value::String(new));
    }
    yaml::verify_edit(&out, &Value::Mapping(expected), &path)?;
    Ok(out)
}

fn check_pin(component: &str, pin: &ImagePin, path: &[PathSeg<'_>]) -> Result<(), EditError> {
    let invalid = |reason: String| EditError::InvalidValue {
        path: yaml::render_path(path),
        reason,
    };
    if !is_valid_name(component) {
        return Err(invalid(format!(
            "`{component}` is not a valid component name"
        )));
    }
    if !is_valid_repository(&pin.image) {
        return Err(invalid(format!(
            "`{}` is not an image repository",
            pin.image
        )));
    }
    if is_floating_tag(&pin.tag) {
        return Err(invalid(format!("`{}` is a floating or empty tag", pin.tag)));
    }
    if !is_valid_tag(&pin.tag) {
        return Err(invalid(format!("`{}` is not a valid image tag", pin.tag)));
    }
    if let Some(d) = &pin.digest {
        if !is_valid_digest(d) {
            return Err(invalid(format!(
                "`{d}` is not a `sha256:` digest of 64 lowercase hex digits"
            )));
        }
    }
    Ok(())
}

/// Pins `pin` for `component` under `images:` and returns the new text.
///
/// An existing entry, flow (`app: { image: …, tag: …, digest: "…" }`) or block style, is edited
/// in place: `image`, `tag` and `digest` values are replaced keeping their quoting, a missing
/// field is added in the entry's own style (a new digest is double-quoted), a digest the pin no
/// longer has is removed, and other keys of the entry are kept. A new entry is added like
/// [`pin_chart`] adds one, in flow style unless the existing entries are block style; a missing
/// `images:` section is created before `experiment:` or at the end.
///
/// Refused: invalid component names, empty or floating tags, malformed digests, entries that
/// are not mappings, and any result that does not re-read as the original with only this pin
/// changed.
///
/// ```
/// use release_action::domain::bom::{pin_image, ImagePin};
/// let text = "images:\n  app: { image: ghcr.io/org/app, tag: v1.2.3 } # prod\n";
/// let pin = ImagePin { image: "ghcr.io/org/app".into(), tag: "v1.3.0".into(), digest: None };
/// assert_eq!(pin_image(text, "app", &pin).unwrap(), "images:\n  app: { image: ghcr.io/org/app, tag: v1.3.0 } # prod\n");
/// ```
pub fn pin_image(text: &str, component: &str, pin: &ImagePin) -> Result<String, EditError> {
    let path = [PathSeg::Key("images"), PathSeg::Key(component)];
    check_pin(component, pin, &path)?;
    let original = yaml::parse_yaml(text)?;
    let doc = doc_mapping(&original, &path)?;
    let images = doc.get("images");
    let existing_block_style = |m: &Mapping| -> Result<bool, EditError> {
        let locator = Locator::new(text).map_err(|e| yaml::with_path(e, &path))?;
        for k in m.keys().filter_map(Value::as_str) {
            if let Ok(Some((start, _))) =
                locator.value_span(&[PathSeg::Key("images"), PathSeg::Key(k)])
            {
                if text.as_bytes().get(start) != Some(&b'{')
                    && m.get(k).is_some_and(Value::is_mapping)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    };
    let new_entry = |block: bool| -> NewEntry {
        let flow = format!("{component}: {{ {} }}", image_fields(pin, true).join(", "));
        if block {
            NewEntry {
                flow,
                block_head: format!("{component}:"),
                block_tail: image_fields(pin, false),
            }
        } else {
            NewEntry {
                flow: flow.clone(),
                block_head: flow,
                block_tail: Vec::new(),
            }
        }
    };
    let out = match images {
        Some(Value::Mapping(m)) if m.contains_key(component) => {
            edit_image_entry(text, component, pin, &path)?
        }
        Some(Value::Mapping(m)) => {
            let entry = new_entry(existing_block_style(m)?);
            insert_into_mapping(text, &path[..1], Some(m), component, &entry, "  ")?
        }
        Some(Value::Null) => {
            insert_into_mapping(text, &path[..1], None, component, &new_entry(false), "  ")?
        }
        Some(_) => return Err(unsupported(&path[..1], "`images` is not a mapping")),
        None => insert_section(
            text,
            &doc,
            "images",
            &new_entry(false),
            &["experiment"],
            &["charts"],
        )?,
    };
    let mut expected = doc;
    let slot = expected
        .entry(Value::String("images".into()))
        .or_insert(Value::Mapping(Mapping::new()));
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    if let Value::Mapping(m) = slot {
        let entry = m
            .entry(Value::String(component.into()))
            .or_insert(Value::Mapping(Mapping::new()));
        if let Value::Mapping(e) = entry {
            e.insert("image".into(), Value::String(pin.image.clone()));
            e.insert("tag".into(), Value::String(pin.tag.clone()));
            match &pin.digest {
                Some(d) => {
                    e.insert("digest".into(), Value::String(d.clone()));
                }
                None => {
                    e.shift_remove("digest");
                }
            }
        }
    }
    yaml::verify_edit(&out, &Value::Mapping(expected), &path)?;
    Ok(out)
}

/// Edits an existing `images.<component>` mapping field by field.
fn edit_image_entry(
    text: &str,
    component: &str,
    pin: &ImagePin,
    path: &[PathSeg<'_>],
) -> Result<String, EditError> {
    let mut current = text.to_string();
    let wanted: [(&str, Option<&str>); 3] = [
        ("image", Some(pin.image.as_str())),
        ("tag", Some(pin.tag.as_str())),
        ("digest", pin.digest.as_deref()),
    ];
    for (field, value) in wanted {
        let doc = yaml::parse_yaml(&current)?;
        let entry_path = [PathSeg::Key("images"), PathSeg::Key(component)];
        let Some(Value::Mapping(entry)) = yaml::value_at(&doc, &entry_path) else {
            return Err(unsupported(
                path,
                "the entry is not a mapping of `image`, `tag` and `digest`",
            ));
        };
        let field_path = [
            PathSeg::Key("images"),
            PathSeg::Key(component),
            PathSeg::Key(field),
        ];
        match (entry.get(field), value) {
            (Some(Value::String(old)), Some(new)) if old == new => {}
            (Some(Value::Null) | None, None) => {
                if entry.contains_key(field) {
                    current = remove_field(&current, &entry_path, entry, field)?;
                }
            }
            (Some(_), Some(new)) => current = yaml::replace_scalar(&current, &field_path, new)?,
            (None, Some(new)) => current = add_field(&current, &entry_path, entry, field, new)?,
            (Some(_), None) => current = remove_field(&current, &entry_path, entry, field)?,
        }
    }
    Ok(current)
}

fn add_field(
    text: &str,
    entry_path: &[PathSeg<'_>],
    entry: &Mapping,
    field: &str,
    value: &str,
) -> Result<String, EditError> {
    let locator = Locator::new(text).map_err(|e| yaml::with_path(e, entry_path))?;
    let style = if field == "digest" {
        ScalarStyle::DoubleQuoted
    } else {
        ScalarStyle::Plain
    };
    let keys = keys_in_source_order(&locator, entry_path, entry)?;
    let end = entries_end(&locator, entry_path, &keys);
    let (start, _) = locator
        .value_span(entry_path)?
        .ok_or_else(|| unsupported(entry_path, "the entry has no value"))?;
    if text.as_bytes().get(start) == Some(&b'{') {
        let rendered = format!("{field}: {}", render_scalar(value, style, true));
        if keys.is_empty() {
            let (s, e) = locator.value_span(entry_path)?.unwrap_or((start, start));
            return Ok(replace_range(text, s, e, &format!("{{ {rendered} }}")));
        }
        return Ok(splice(text, end, &format!(", {rendered}")));
    }
    let layout = Layout {
        text,
        eol: line_ending(text),
    };
    let first = keys
        .first()
        .map(|(_, s)| s.0)
        .ok_or_else(|| unsupported(entry_path, "the entry is empty"))?;
    let indent = layout
        .indent_of(first)
        .ok_or_else(|| unsupported(entry_path, "the entry's keys are not one per line"))?;
    let at = line_end(text, end);
    let lead = if at == text.len() && !text.ends_with('\n') {
        layout.eol
    } else {
        ""
    };
    let line = format!(
        "{lead}{indent}{field}: {}{}",
        render_scalar(value, style, false),
        layout.eol
    );
    Ok(splice(text, at, &line))
}

fn remove_field(
    text: &str,
    entry_path: &[PathSeg<'_>],
    entry: &Mapping,
    field: &str,
) -> Result<String, EditError> {
    let locator = Locator::new(text).map_err(|e| yaml::with_path(e, entry_path))?;
    let keys = keys_in_source_order(&locator, entry_path, entry)?;
    let idx = keys
        .iter()
        .position(|(k, _)| k == field)
        .ok_or_else(|| unsupported(entry_path, "the field to remove was not found"))?;
    let mut field_path = entry_path.to_vec();
    field_path.push(PathSeg::Key(field));
    let key_start = keys.get(idx).map_or(0, |(_, s)| s.0);
    let value_end = match locator.value_span(&field_path)? {
        Some((_, end)) => end,
        None => keys.get(idx).map_or(0, |(_, s)| s.1),
    };
    let (start, _) = locator
        .value_span(entry_path)?
        .ok_or_else(|| unsupported(entry_path, "the entry has no value"))?;
    if text.as_bytes().get(start) == Some(&b'{') {
        // `, digest: "…"` after the previous pair, or `digest: "…", ` before the next one.
        if idx > 0 {
            let prev = keys.get(..idx).unwrap_or_default();
            let prev_end = entries_end(&locator, entry_path, prev);
            return Ok(replace_range(text, prev_end, value_end, ""));
        }
        let next_start = keys.get(1).map(|(_, s)| s.0);
        return match next_start {
            Some(next) => Ok(replace_range(text, key_start, next, "")),
            None => Err(unsupported(
                entry_path,
                "removing the only field would empty the entry",
            )),
        };
    }
    let layout = Layout {
        text,
        eol: line_ending(text),
    };
    if layout.indent_of(key_start).is_none() {
        return Err(unsupported(
            entry_path,
            "the field does not start its own line",
        ));
    }
    Ok(replace_range(
        text,
        line_start(text, key_start),
        line_end(text, value_end),
        "",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn digest() -> String {
        format!("sha256:{HEX}")
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn pin(tag: &str, digest: Option<&str>) -> ImagePin {
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

    #[test]
    fn validate_bom_flags_floating_tags_bad_digests_and_versions() {
        let d = digest();
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("environment: dev\ncharts:\n  web: 1.0.0\n".into(), vec![]),
            (
                "environment: prod\n".into(),
                vec!["bom/environment-mismatch"],
            ),
            (
                "charts:\n  web: v1.0.0\n".into(),
                vec!["bom/invalid-chart-version"],
            ),
            (
                "charts:\n  web: 1.0\n".into(),
                vec!["bom/invalid-chart-version"],
            ),
            ("charts:\n  Web: 1.0.0\n".into(), vec!["bom/invalid-name"]),
            (
                "images:\n  app: { image: a, tag: latest }\n".into(),
                vec!["bom/floating-tag"],
            ),
            (
                "images:\n  app: { image: a, tag: \"\" }\n".into(),
                vec!["bom/missing-tag"],
            ),
            (
                "images:\n  app: { image: a }\n".into(),
                vec!["bom/missing-tag"],
            ),
            (
                format!("images:\n  app: {{ image: a, digest: \"{d}\" }}\n"),
                vec![],
            ),
            (
                "images:\n  app: { image: a, tag: v1, digest: \"sha256:abc\" }\n".into(),
                vec!["bom/invalid-digest"],
            ),
            (
                format!("images:\n  app: {{ image: a, tag: latest, digest: \"{d}\" }}\n"),
                vec!["bom/floating-tag"],
            ),
            (
                "images:\n  app: { image: \"\", tag: v1 }\n".into(),
                vec!["bom/missing-image"],
            ),
            ("other: 1\n".into(), vec!["bom/unknown-key"]),
        ];
        for (text, want) in cases {
            let got: Vec<&str> = validate_bom(&text, "releases/dev.yaml")
                .iter()
                .map(|d| d.code)
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn image_findings_sit_on_the_tag_or_digest_line() {
        let d = digest();
        let cases: Vec<(String, Vec<(&str, usize)>)> = vec![
            (
                "images:\n  app:\n    image: a\n    tag: latest\n".into(),
                vec![("bom/floating-tag", 4)],
            ),
            (
                format!("images:\n  app:\n    image: a\n    digest: \"{d}\"\n    tag: main\n"),
                vec![("bom/floating-tag", 5)],
            ),
            (
                "images:\n  app:\n    image: a\n    tag: v1\n    digest: sha256:abc\n".into(),
                vec![("bom/invalid-digest", 5)],
            ),
            (
                "images:\n  app:\n    image: a\n    tag: \"\"\n".into(),
                vec![("bom/missing-tag", 4)],
            ),
            // A missing tag stays on the entry's line.
            (
                "images:\n  app:\n    image: a\n".into(),
                vec![("bom/missing-tag", 2)],
            ),
            // Flow entries sit on one line; a multi-line one points at its field.
            (
                "images:\n  web: { image: w, tag: v1 }\n  app: { image: a, tag: latest }\n".into(),
                vec![("bom/floating-tag", 3)],
            ),
            (
                "images:\n  app: {\n    image: a,\n    tag: dev\n  }\n".into(),
                vec![("bom/floating-tag", 4)],
            ),
        ];
        for (text, want) in cases {
            let got: Vec<(&str, usize)> = validate_bom(&text, "releases/dev.yaml")
                .iter()
                .map(|d| (d.code, d.line.unwrap_or(0)))
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn pin_chart_updates_adds_and_creates_entries() {
        let cases: &[(&str, &str, &str)] = &[
            // in place, quoting and comments kept
            ("charts:\n  web: 1.0.0 # x\n", "web", "charts:\n  web: 1.1.0 # x\n"),
            ("charts:\n  web: \"1.0.0\"\n", "web", "charts:\n  web: \"1.1.0\"\n"),
            // sorted insertion, middle / first / last
            ("charts:\n  api: 1.0.0\n  zed: 1.0.0\n", "web", "charts:\n  api: 1.0.0\n  web: 1.1.0\n  zed: 1.0.0\n"),
            ("charts:\n  x: 1.0.0\n", "web", "charts:\n  web: 1.1.0\n  x: 1.0.0\n"),
            ("charts:\n    a: 1.0.0\n", "web", "charts:\n    a: 1.0.0\n    web: 1.1.0\n"),
            // unsorted: appended
            ("charts:\n  z: 1.0.0\n  a: 1.0.0\n", "web", "charts:\n  z: 1.0.0\n  a: 1.0.0\n  web: 1.1.0\n"),
            // CRLF and no trailing newline
            ("charts:\r\n  a: 1.0.0\r\n", "web", "charts:\r\n  a: 1.0.0\r\n  web: 1.1.0\r\n"),
            ("charts:\n  a: 1.0.0", "web", "charts:\n  a: 1.0.0\n  web: 1.1.0\n"),
            // comments above the successor stay with it
            ("charts:\n  a: 1.0.0\n  # the z chart\n  z: 1.0.0\n", "web", "charts:\n  a: 1.0.0\n  web: 1.1.0\n  # the z chart\n  z: 1.0.0\n"),
            // flow mappings
            ("charts: {}\n", "web", "charts: { web: 1.1.0 }\n"),
            ("charts: {a: 1.0.0}\n", "web", "charts: {a: 1.0.0, web: 1.1.0}\n"),
            ("charts: { z: 1.0.0 }\n", "web", "charts: { web: 1.1.0, z: 1.0.0 }\n"),
            // empty or null section
            ("charts:\nimages: {}\n", "web", "charts:\n  web: 1.1.0\nimages: {}\n"),
            ("charts: ~ # none yet\n", "web", "charts: # none yet\n  web: 1.1.0\n"),
            ("charts:", "web", "charts:\n  web: 1.1.0\n"),
            // missing section
            ("", "web", "charts:\n  web: 1.1.0\n"),
            ("# staging\n", "web", "# staging\ncharts:\n  web: 1.1.0\n"),
            ("environment: dev", "web", "environment: dev\ncharts:\n  web: 1.1.0\n"),
            ("environment: dev\nimages:\n    app: {image: a, tag: v1}\n", "web", "environment: dev\ncharts:\n    web: 1.1.0\nimages:\n    app: {image: a, tag: v1}\n"),
            ("environment: dev\n\n# pinned images\nimages: {}\n", "web", "environment: dev\n\ncharts:\n  web: 1.1.0\n# pinned images\nimages: {}\n"),
            ("\u{feff}images: {}\r\n", "web", "\u{feff}charts:\r\n  web: 1.1.0\r\nimages: {}\r\n"),
            // already pinned: unchanged
            ("charts:\n  web: 1.1.0 # same\n", "web", "charts:\n  web: 1.1.0 # same\n"),
        ];
        for (text, chart, want) in cases {
            assert_eq!(
                pin_chart(text, chart, &v("1.1.0")).as_deref(),
                Ok(*want),
                "{text:?}"
            );
        }
    }

    #[test]
    fn pin_chart_refuses_bad_names_and_shapes() {
        let cases: &[(&str, &str)] = &[
            ("charts: {}\n", "../x"),
            ("charts: {}\n", "Web"),
            ("charts: [a]\n", "web"),
            ("- a\n", "web"),
            ("charts: {\n", "web"),
            ("{charts: {}}\n", "web2"),
            ("charts:\n  a: 1.0.0\n---\nb: 1\n", "web"),
        ];
        for (text, chart) in cases {
            assert!(
                pin_chart(text, chart, &v("1.0.0")).is_err(),
                "{text:?} {chart}"
            );
        }
    }

    #[test]
    fn pin_image_edits_flow_and_block_entries_in_place() {
        let d = digest();
        let other = format!("sha256:{}", "f".repeat(64));
        let cases: Vec<(String, ImagePin, String)> = vec![
            (
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.2.3, digest: \"{other}\" }}\n"),
                pin("v1.3.0", Some(&d)),
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.3.0, digest: \"{d}\" }}\n"),
            ),
            (
                "images:\n  app: { image: ghcr.io/org/app, tag: v1.2.3 }\n".into(),
                pin("v1.3.0", Some(&d)),
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.3.0, digest: \"{d}\" }}\n"),
            ),
            (
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.2.3, digest: \"{other}\" }}\n"),
                pin("v1.3.0", None),
                "images:\n  app: { image: ghcr.io/org/app, tag: v1.3.0 }\n".into(),
            ),
            (
                format!("images:\n  app: {{ digest: \"{other}\", image: ghcr.io/org/app, tag: v1 }}\n"),
                pin("v2", None),
                "images:\n  app: { image: ghcr.io/org/app, tag: v2 }\n".into(),
            ),
            (
                "images:\r\n  app:\r\n    image: ghcr.io/org/app # repo\r\n    tag: 'v1'\r\n".into(),
                pin("v2", Some(&d)),
                format!("images:\r\n  app:\r\n    image: ghcr.io/org/app # repo\r\n    tag: 'v2'\r\n    digest: \"{d}\"\r\n"),
            ),
            (
                format!("images:\n  app:\n    image: ghcr.io/org/app\n    digest: {other} # old\n    tag: v1\n"),
                pin("v2", None),
                "images:\n  app:\n    image: ghcr.io/org/app\n    tag: v2\n".into(),
            ),
            (
                "images: {app: {image: ghcr.io/org/app, tag: v1}}\n".into(),
                pin("v2", Some(&d)),
                format!("images: {{app: {{image: ghcr.io/org/app, tag: v2, digest: \"{d}\"}}}}\n"),
            ),
            (
                "images:\n  app: { image: ghcr.io/org/app, tag: v1, pullPolicy: Always }\n".into(),
                pin("1.10", None),
                "images:\n  app: { image: ghcr.io/org/app, tag: \"1.10\", pullPolicy: Always }\n".into(),
            ),
        ];
        for (text, p, want) in cases {
            assert_eq!(
                pin_image(&text, "app", &p).as_deref(),
                Ok(want.as_str()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn pin_image_adds_entries_in_the_existing_style() {
        let d = digest();
        let p = pin("v1", Some(&d));
        let cases: Vec<(String, String)> = vec![
            (
                "images:\n  web: { image: w, tag: v1 }\n".into(),
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }}\n  web: {{ image: w, tag: v1 }}\n"),
            ),
            (
                "images:\n  web:\n    image: w\n    tag: v1\n".into(),
                format!("images:\n  app:\n    image: ghcr.io/org/app\n    tag: v1\n    digest: \"{d}\"\n  web:\n    image: w\n    tag: v1\n"),
            ),
            (
                "environment: dev\nexperiment: {}\n".into(),
                format!("environment: dev\nimages:\n  app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }}\nexperiment: {{}}\n"),
            ),
            ("images: {}\n".into(), format!("images: {{ app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }} }}\n")),
            ("".into(), format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }}\n")),
        ];
        for (text, want) in cases {
            assert_eq!(
                pin_image(&text, "app", &p).as_deref(),
                Ok(want.as_str()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn pin_image_refuses_floating_tags_bad_digests_and_odd_entries() {
        let cases: Vec<(&str, ImagePin)> = vec![
            ("images: {}\n", pin("latest", None)),
            ("images: {}\n", pin("", None)),
            ("images: {}\n", pin("v1", Some("sha256:abc"))),
            (
                "images: {}\n",
                ImagePin {
                    image: "a b".into(),
                    tag: "v1".into(),
                    digest: None,
                },
            ),
            (
                "images: {}\n",
                ImagePin {
                    image: "ghcr.io/org/app:v1".into(),
                    tag: "v1".into(),
                    digest: None,
                },
            ),
            ("images: {}\n", pin("v1 # x", None)),
            ("images: {}\n", pin("-v1", None)),
            ("images:\n  app: ghcr.io/org/app:v1\n", pin("v2", None)),
            ("images: [a]\n", pin("v2", None)),
        ];
        for (text, p) in cases {
            assert!(pin_image(text, "app", &p).is_err(), "{text:?} {p:?}");
        }
        assert!(pin_image("images: {}\n", "App", &pin("v1", None)).is_err());
    }

    #[test]
    fn pinning_a_new_entry_among_thousands_locates_the_document_once() {
        // One span query per existing entry, each scanning the mapping, took seconds here.
        let mut charts = String::from("charts:\n");
        let mut images = String::from("images:\n");
        for i in 0..1_500 {
            charts.push_str(&format!("  c{i:05}: 1.0.0\n"));
            images.push_str(&format!(
                "  c{i:05}: {{ image: ghcr.io/o/c, tag: v1.0.0 }}\n"
            ));
        }
        let out = pin_chart(&charts, "c00749x", &v("2.0.0")).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.contains("  c00749: 1.0.0\n  c00749x: 2.0.0\n  c00750: 1.0.0\n"));
        let out = pin_image(&images, "zz", &pin("v2.0.0", None)).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.ends_with("tag: v1.0.0 }\n  zz: { image: ghcr.io/org/app, tag: v2.0.0 }\n"));
    }

    #[test]
    fn pinning_twice_changes_nothing_the_second_time() {
        let d = digest();
        let text =
            "environment: dev\ncharts:\n  api: 1.0.0\nimages:\n  web: { image: w, tag: v1 }\n";
        let once = pin_image(text, "app", &pin("v1", Some(&d)))
            .and_then(|t| pin_chart(&t, "web", &v("2.0.0")));
        let once = once.unwrap_or_else(|e| panic!("{e}"));
        let twice = pin_image(&once, "app", &pin("v1", Some(&d)))
            .and_then(|t| pin_chart(&t, "web", &v("2.0.0")));
        assert_eq!(twice.as_deref(), Ok(once.as_str()));
    }
}
