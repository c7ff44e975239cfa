//! Safe YAML reading and byte-exact scalar edits, shared by the chart, values and BOM modules.
//!
//! Meaning comes from `yaml_serde` (libyaml, YAML 1.2 core schema); byte positions come from
//! `yamlpath` (tree-sitter-yaml). Every edit is checked by parsing the result again: the new
//! document must equal the old one with only the intended change, or the edit is refused.
//! See: <https://yaml.org/spec/1.2.2/>
//!
//! Limits of the editors (each is refused with an [`EditError`], never written wrongly):
//! - one document per file: a second `---` document is refused;
//! - the edited value must be a single-line plain, single-quoted or double-quoted scalar: block
//!   scalars (`|`, `>`), multi-line scalars, tagged (`!!str`), anchored (`&a`) and aliased
//!   (`*a`) values are refused;
//! - keys are matched by their text: a key path through an alias or a merge key (`<<`) is not
//!   followed;
//! - scalars inside flow mappings (`{ tag: v1 }`) can be replaced; structural edits of flow
//!   collections are the mapping editor's (`insert`), which the BOM edits use.
//!
//! Duplicate keys are refused, except where [`parse_yaml_last_key_wins`] is asked to keep the
//! last of a key repeated at the top level, as Helm does when it reads a `Chart.yaml`.
//!
//! The work is split by concern: [`parse_yaml`] reads a document within hard limits (`read`),
//! [`Locator`] answers byte-span questions about it (`locate`), the scalar editor renders and
//! replaces single values (`scalar`), and the mapping editor adds and removes entries of block
//! and flow mappings (`insert`). This module holds their shared vocabulary: errors, key paths,
//! value lookups and line helpers.

use yaml_serde::Value;

pub use crate::domain::diagnostic::line_of;

pub(crate) mod insert;
mod locate;
mod read;
mod scalar;

pub use locate::{Locator, MAX_LOCATED_LINES};
pub use read::{parse_yaml, parse_yaml_last_key_wins, MAX_YAML_BYTES};
pub use scalar::{
    plain_is_safe, render_scalar, replace_scalar, replace_scalar_read_by, scalar_span, verify_edit,
};

/// A YAML document that could not be read, with the 1-based line of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    /// 1-based line of the problem (1 when the parser gives no position).
    pub line: usize,
    /// What is wrong, lowercase.
    pub message: String,
}

/// Why a format-preserving edit was not made. Nothing is ever written when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The YAML document could not be read (syntax error, several documents, alias bomb, ...).
    #[error("the document is not valid YAML: {0}")]
    Yaml(#[from] YamlError),
    /// A non-YAML file (JSON, TOML, ...) could not be read.
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The key to edit does not exist.
    #[error("`{path}` is not set")]
    Missing {
        /// Dotted key path, e.g. `charts.frontend`.
        path: String,
    },
    /// The key exists but has no value (`version:`).
    #[error("`{path}` has no value")]
    Empty {
        /// Dotted key path.
        path: String,
    },
    /// The value is written in a form the editor does not change in place.
    #[error("cannot edit `{path}` in place: {reason}")]
    Unsupported {
        /// Dotted key path.
        path: String,
        /// Which limit was hit.
        reason: String,
    },
    /// The requested new value is not acceptable.
    #[error("invalid value for `{path}`: {reason}")]
    InvalidValue {
        /// Dotted key path.
        path: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The edited document did not re-read as the original with only the intended change.
    #[error("editing `{path}` would change more than its value ({detail}); nothing was written")]
    Verification {
        /// Dotted key path.
        path: String,
        /// What differed.
        detail: String,
    },
}

/// One step of a key path: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSeg<'a> {
    /// A mapping key, matched by its (unquoted) text.
    Key(&'a str),
    /// A 0-based sequence index.
    Index(usize),
}

/// How a scalar is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// `1.2.3`
    Plain,
    /// `'1.2.3'`
    SingleQuoted,
    /// `"1.2.3"`
    DoubleQuoted,
}

/// Where a single-line scalar value sits in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarSpan {
    /// Byte offset of the scalar's first byte (the opening quote when quoted).
    pub start: usize,
    /// Byte offset just past the scalar (past the closing quote when quoted).
    pub end: usize,
    /// Quoting of the scalar.
    pub style: ScalarStyle,
    /// 1-based line of the scalar.
    pub line: usize,
    /// Whether the scalar sits inside a flow collection (`{ ... }` or `[ ... ]`).
    pub in_flow: bool,
}

impl ScalarSpan {
    /// Byte range of the characters inside the quotes (the whole scalar when plain).
    pub fn content(&self) -> std::ops::Range<usize> {
        match self.style {
            ScalarStyle::Plain => self.start..self.end,
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                self.start.saturating_add(1)..self.end.saturating_sub(1).max(self.start)
            }
        }
    }
}

/// Splits a dotted key path (`charts.frontend`) into keys. Keys containing dots cannot be
/// addressed this way; build the slice by hand for those.
pub fn key_path(dotted: &str) -> Vec<PathSeg<'_>> {
    dotted.split('.').map(PathSeg::Key).collect()
}

/// Renders a path for messages: `charts.frontend`, `images[0].tag`.
pub fn render_path(path: &[PathSeg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}
/// Looks a path up in a parsed value.
pub fn value_at<'v>(value: &'v Value, path: &[PathSeg<'_>]) -> Option<&'v Value> {
    let mut cur = value;
    for seg in path {
        cur = match (seg, cur) {
            (PathSeg::Key(k), Value::Mapping(m)) => m.get(*k)?,
            (PathSeg::Index(i), Value::Sequence(s)) => s.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Looks a path up in a parsed value, mutably.
pub fn value_at_mut<'v>(value: &'v mut Value, path: &[PathSeg<'_>]) -> Option<&'v mut Value> {
    let mut cur = value;
    for seg in path {
        cur = match (seg, cur) {
            (PathSeg::Key(k), Value::Mapping(m)) => m.get_mut(*k)?,
            (PathSeg::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The text of a scalar value the way a reader of the file sees it: strings as they are,
/// numbers and booleans in their YAML spelling. `None` for null, collections and tagged values.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
/// The line ending the document uses: `"\r\n"` when its first line ends that way, else `"\n"`.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |i| i + 1)
}

/// Byte offset just past the end of the line holding `offset` (past its `\n`, or the end of
/// the text on the last line).
pub fn line_end(text: &str, offset: usize) -> usize {
    let start = offset.min(text.len());
    text.as_bytes()
        .get(start..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
        .map_or(text.len(), |i| start + i + 1)
}
/// The [`EditError::Unsupported`] of `path`, for a limit of the editors.
pub(crate) fn unsupported(path: &[PathSeg<'_>], reason: &str) -> EditError {
    EditError::Unsupported {
        path: render_path(path),
        reason: reason.to_string(),
    }
}

/// Fills in the path of an error raised before the path was known.
pub fn with_path(e: EditError, path: &[PathSeg<'_>]) -> EditError {
    match e {
        EditError::Unsupported { path: p, reason } if p.is_empty() => EditError::Unsupported {
            path: render_path(path),
            reason,
        },
        other => other,
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_helpers_follow_the_text() {
        assert_eq!(line_ending("a\r\nb\n"), "\r\n");
        assert_eq!(line_ending("a\nb\r\n"), "\n");
        assert_eq!(line_ending("a"), "\n");
        assert_eq!(line_start("ab\ncd", 4), 3);
        assert_eq!(line_end("ab\ncd", 1), 3);
        assert_eq!(line_end("ab\ncd", 4), 5);
        assert_eq!(line_of("a\nb\nc", 4), 3);
        assert_eq!(line_of("a", 100), 1);
    }
}
