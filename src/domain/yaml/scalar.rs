//! Scalar editing: rendering a string as a YAML scalar that reads back unchanged, and replacing
//! one single-line scalar in place, verified by reading the result again.

use yaml_serde::Value;

use super::{
    parse_yaml, render_path, value_at, value_at_mut, with_path, EditError, Locator, PathSeg,
    ScalarSpan, ScalarStyle, YamlError,
};

/// Whether `s` may be written as a plain scalar and still read back as the same string, by
/// libyaml and by YAML 1.1 readers such as Helm's (so `yes`, `1.10`, `0x1F` and `~` are quoted).
pub fn plain_is_safe(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '.' || first == '/' || first == '_') {
        return false;
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '_' | '-' | '/' | '+' | '@')
            || (c == ':' && !in_flow)
    };
    if !s.chars().all(allowed) || s.ends_with(':') {
        return false;
    }
    if looks_like_yaml11_special(s) {
        return false;
    }
    // The authority: the parser must read it back as this very string.
    matches!(parse_yaml(&format!("k: {s}\n")), Ok(Value::Mapping(m)) if m.get("k") == Some(&Value::String(s.to_string())))
}

fn looks_like_yaml11_special(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan",
    ];
    let lower = s.to_ascii_lowercase();
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    // Numbers in any YAML 1.1 spelling: digits with at most one dot, `_` separators, exponents,
    // hex/octal/binary prefixes and sexagesimal `1:30`.
    let body = s.trim_start_matches(['+', '-']);
    if body.is_empty() {
        return false;
    }
    if body.starts_with("0x") || body.starts_with("0o") || body.starts_with("0b") {
        return true;
    }
    let dots = body.matches('.').count();
    let numeric = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '_' | 'e' | 'E' | '+' | '-' | ':'));
    numeric
        && dots <= 1
        && body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
}

/// Renders `s` as a YAML scalar in the given style, falling back to double quotes when the style
/// cannot hold it (a plain scalar that would read back differently, a single-quoted one with a
/// line break).
pub fn render_scalar(s: &str, style: ScalarStyle, in_flow: bool) -> String {
    match style {
        ScalarStyle::Plain if plain_is_safe(s, in_flow) => s.to_string(),
        ScalarStyle::SingleQuoted if !s.chars().any(char::is_control) => {
            format!("'{}'", s.replace('\'', "''"))
        }
        _ => double_quoted(s),
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks an edit: `edited` must parse, and equal `expected` (the original value with the
/// intended change applied).
pub fn verify_edit(edited: &str, expected: &Value, path: &[PathSeg<'_>]) -> Result<(), EditError> {
    verify_edit_read_by(edited, expected, path, parse_yaml)
}

/// [`verify_edit`], reading `edited` with `read`.
fn verify_edit_read_by(
    edited: &str,
    expected: &Value,
    path: &[PathSeg<'_>],
    read: impl Fn(&str) -> Result<Value, YamlError>,
) -> Result<(), EditError> {
    let reparsed = read(edited).map_err(|e| EditError::Verification {
        path: render_path(path),
        detail: format!("the result does not parse: {e}"),
    })?;
    if &reparsed == expected {
        Ok(())
    } else {
        Err(EditError::Verification {
            path: render_path(path),
            detail: "the result reads differently from the intended document".into(),
        })
    }
}

/// Locates the single-line scalar value at `path` in `text` (see [`Locator::scalar_span`]).
///
/// ```
/// use release_action::domain::yaml::{key_path, scalar_span, ScalarStyle};
/// let text = "charts:\n  frontend: '1.2.3' # pinned\n";
/// let span = scalar_span(text, &key_path("charts.frontend")).unwrap();
/// assert_eq!((&text[span.content()], span.style, span.line), ("1.2.3", ScalarStyle::SingleQuoted, 2));
/// ```
pub fn scalar_span(text: &str, path: &[PathSeg<'_>]) -> Result<ScalarSpan, EditError> {
    parse_yaml(text)?;
    Locator::new(text)
        .map_err(|e| with_path(e, path))?
        .scalar_span(path)
}

/// Replaces the single-line scalar value at `path` with the string `new`, changing only the
/// characters inside the scalar: quoting style, comments, line endings, byte-order mark,
/// indentation and key order are kept. A plain scalar whose new value would read back as
/// something else (`1.10`, `yes`) is written double-quoted instead.
///
/// The result is parsed again and must equal the original document with only this value
/// changed to the string `new`, otherwise [`EditError::Verification`] is returned.
///
/// Limits: see the module documentation (block, multi-line, tagged, anchored and aliased
/// values, and multi-document files, are refused).
///
/// ```
/// use release_action::domain::yaml::{key_path, replace_scalar};
/// let text = "name: app\nversion: \"1.2.3\" # managed\n";
/// let out = replace_scalar(text, &key_path("version"), "1.2.4").unwrap();
/// assert_eq!(out, "name: app\nversion: \"1.2.4\" # managed\n");
/// ```
pub fn replace_scalar(text: &str, path: &[PathSeg<'_>], new: &str) -> Result<String, EditError> {
    replace_scalar_read_by(text, path, new, parse_yaml)
}

/// [`replace_scalar`] for a document that `read` reads instead of [`parse_yaml`]: the original
/// and the edited text are both read with it, and must read alike but for the value at `path`.
/// `path` must have one occurrence in the document: the span queries find the first.
pub fn replace_scalar_read_by(
    text: &str,
    path: &[PathSeg<'_>],
    new: &str,
    read: impl Fn(&str) -> Result<Value, YamlError>,
) -> Result<String, EditError> {
    let original = read(text)?;
    let p = || render_path(path);
    match value_at(&original, path) {
        None => return Err(EditError::Missing { path: p() }),
        Some(Value::Null) => {}
        Some(Value::String(_) | Value::Number(_) | Value::Bool(_)) => {}
        Some(Value::Mapping(_) | Value::Sequence(_)) => {
            return Err(EditError::Unsupported {
                path: p(),
                reason: "the value is a collection, not a scalar".into(),
            })
        }
        Some(Value::Tagged(_)) => {
            return Err(EditError::Unsupported {
                path: p(),
                reason: "tagged values are not edited".into(),
            })
        }
    }
    let locator = Locator::new(text).map_err(|e| with_path(e, path))?;
    let span = locator.scalar_span(path)?;
    let rendered = render_scalar(new, span.style, span.in_flow);
    let mut out = String::with_capacity(text.len() + rendered.len());
    out.push_str(text.get(..span.start).unwrap_or_default());
    // Keep the quotes when the style survived: replace only inside them.
    out.push_str(&rendered);
    out.push_str(text.get(span.end..).unwrap_or_default());
    let mut expected = original;
    if let Some(slot) = value_at_mut(&mut expected, path) {
        *slot = Value::String(new.to_string());
    }
    verify_edit_read_by(&out, &expected, path, read)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::yaml::key_path;

    fn replace(text: &str, path: &str, new: &str) -> Result<String, EditError> {
        replace_scalar(text, &key_path(path), new)
    }

    #[test]
    fn replace_scalar_keeps_everything_but_the_value() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("version: 1.0.0\n", "version", "1.0.1", "version: 1.0.1\n"),
            (
                "version: \"1.0.0\"\n",
                "version",
                "1.0.1",
                "version: \"1.0.1\"\n",
            ),
            (
                "version: '1.0.0'\n",
                "version",
                "1.0.1",
                "version: '1.0.1'\n",
            ),
            (
                "version: 1.0.0   # keep\n",
                "version",
                "2.0.0",
                "version: 2.0.0   # keep\n",
            ),
            (
                "a: 1\r\nversion: 1.0.0\r\n",
                "version",
                "1.1.0",
                "a: 1\r\nversion: 1.1.0\r\n",
            ),
            (
                "\u{feff}version: 1.0.0\n",
                "version",
                "1.1.0",
                "\u{feff}version: 1.1.0\n",
            ),
            (
                "---\nversion: 1.0.0",
                "version",
                "1.1.0",
                "---\nversion: 1.1.0",
            ),
            (
                "version:   1.0.0\n",
                "version",
                "10.20.30",
                "version:   10.20.30\n",
            ),
            (
                "charts:\n  web: 1.0.0\n  api: 2.0.0\n",
                "charts.api",
                "2.0.1",
                "charts:\n  web: 1.0.0\n  api: 2.0.1\n",
            ),
            (
                "i:\n  app: { image: a, tag: v1 }\n",
                "i.app.tag",
                "v2",
                "i:\n  app: { image: a, tag: v2 }\n",
            ),
            ("version: 1.0\n", "version", "1.0.1", "version: 1.0.1\n"),
            ("tag: v1\n", "tag", "1.10", "tag: \"1.10\"\n"),
            ("tag: v1\n", "tag", "yes", "tag: \"yes\"\n"),
            ("tag: 'v1'\n", "tag", "it's", "tag: 'it''s'\n"),
            (
                "\"version\": 1.0.0\n",
                "version",
                "1.0.1",
                "\"version\": 1.0.1\n",
            ),
            (
                "? version\n: 1.0.0\n",
                "version",
                "1.0.1",
                "? version\n: 1.0.1\n",
            ),
        ];
        for (text, path, new, want) in cases {
            assert_eq!(replace(text, path, new).as_deref(), Ok(*want), "{text:?}");
        }
    }

    #[test]
    fn replace_scalar_refuses_what_it_cannot_edit_in_place() {
        let cases: &[(&str, &str)] = &[
            ("version: |\n  1.0.0\n", "version"),
            ("version: >-\n  1.0.0\n", "version"),
            ("version: !!str 1.0.0\n", "version"),
            ("x: &v 1.0.0\nversion: *v\n", "version"),
            ("version: &v 1.0.0\nx: *v\n", "version"),
            ("version:\n", "version"),
            ("name: a\n", "version"),
            ("version: \"1.0.0\n  \"\n", "version"),
            ("version: [1]\n", "version"),
            ("version: 1.0.0\n---\nversion: 2.0.0\n", "version"),
            ("version: 1.0.0\n\tbad: tab\n", "version"),
            ("", "version"),
            ("- a\n", "version"),
        ];
        for (text, path) in cases {
            assert!(replace(text, path, "9.9.9").is_err(), "{text:?}");
        }
    }

    #[test]
    fn plain_is_safe_quotes_values_that_would_read_back_differently() {
        let cases: &[(&str, bool, bool)] = &[
            ("1.2.3", false, true),
            ("v1.2.3", false, true),
            ("1.2.3-rc.1+build.5", false, true),
            ("ghcr.io/org/app", false, true),
            ("sha256:abc", false, true),
            ("sha256:abc", true, false),
            ("1.10", false, false),
            ("1", false, false),
            ("1_000", false, false),
            ("0x1F", false, false),
            ("yes", false, false),
            ("Off", false, false),
            ("null", false, false),
            ("~", false, false),
            ("", false, false),
            ("a b", false, false),
            ("-x", false, false),
            ("#x", false, false),
            ("1:30", false, false),
            ("latest", false, true),
        ];
        for (s, flow, want) in cases {
            assert_eq!(plain_is_safe(s, *flow), *want, "{s:?} flow={flow}");
        }
    }

    #[test]
    fn render_scalar_escapes_double_quotes() {
        assert_eq!(
            render_scalar("a\"b\\c", ScalarStyle::DoubleQuoted, false),
            "\"a\\\"b\\\\c\""
        );
        assert_eq!(
            render_scalar("a\nb", ScalarStyle::SingleQuoted, false),
            "\"a\\nb\""
        );
    }
}
