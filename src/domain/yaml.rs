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
//!   collections are the caller's business (see `bom.rs`).

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess,
};
use tree_sitter::Node;
use yaml_serde::Value;
use yamlpath::{Component, Document, Route};

pub use crate::domain::diagnostic::line_of;

/// The largest YAML document the parser accepts, in bytes (the largest `values.yaml` of the
/// corpus is about 200 KiB).
pub const MAX_YAML_BYTES: usize = 2 * 1024 * 1024;

/// Deepest `[`/`{` nesting looked at before the document is refused. The deserializer refuses
/// anything deeper than 128 levels anyway; this guard only makes the refusal fast, because
/// libyaml spends several microseconds per open flow level.
const MAX_FLOW_DEPTH: usize = 512;

/// Nodes that alias expansion may add on top of two per source byte before the document is
/// refused as an alias bomb.
const NODE_BUDGET_BASE: usize = 10_000;

/// Bytes of scalar text that alias expansion may add on top of the document's own size before
/// the document is refused as an alias bomb. Without aliases a document's scalars hold at most
/// as many bytes as its source, so this is what aliases may repeat: 4 MiB, about twenty times
/// the largest `values.yaml` of the corpus, while a node budget alone let one 100 KB string
/// aliased 4 000 times expand to 400 MB.
const ALIAS_BYTE_BUDGET: usize = 4 * 1024 * 1024;

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

/// Parses one YAML document into a value, refusing alias bombs and oversized input.
///
/// An empty document (or one holding only comments) is `Value::Null`; a leading byte-order mark
/// is ignored. Several documents, a syntax error, duplicate keys (reported at the second one),
/// nesting deeper than 128 levels, more than [`MAX_YAML_BYTES`] bytes, and alias expansion
/// beyond a budget (10 000 nodes plus two per source byte, and 4 MiB of scalar text beyond the
/// document's size) are refused with the 1-based line of
/// the problem where it is known (line 1 otherwise).
///
/// ```
/// use release_action::domain::yaml::parse_yaml;
/// assert!(parse_yaml("version: 1.2.3\n").is_ok());
/// let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
///             c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
///             e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
/// assert!(parse_yaml(bomb).is_err());
/// ```
pub fn parse_yaml(text: &str) -> Result<Value, YamlError> {
    // HACK: libyaml-rs counts a leading byte-order mark as a column, so the second top-level key
    // of `\u{feff}a: 1\nb: 2` reads as a new document. The mark carries no content: drop it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError {
            line: 1,
            message: format!(
                "the document is {} bytes; the limit is {MAX_YAML_BYTES} bytes",
                text.len()
            ),
        });
    }
    if let Some(offset) = flow_too_deep(text) {
        return Err(YamlError {
            line: line_of(text, offset),
            message: format!("flow collections are nested more than {MAX_FLOW_DEPTH} levels deep"),
        });
    }
    // NOTE: yaml_serde caps alias jumps at 100 per event, which still lets a large document
    // expand quadratically. Count the expanded nodes first, with a budget, without building
    // anything. Expansion needs an anchor (`&a`) and an alias (`*a`), so documents that
    // cannot hold both skip this pass (a `*` or `&` in a comment or a path is no token).
    if may_hold_token(text, b'*') && may_hold_token(text, b'&') {
        let budget = NODE_BUDGET_BASE.saturating_add(text.len().saturating_mul(2));
        let counter = Cell::new(0usize);
        let bytes = Cell::new(0usize);
        let seed = NodeCounter {
            count: &counter,
            budget,
            bytes: &bytes,
            byte_budget: ALIAS_BYTE_BUDGET.saturating_add(text.len()),
        };
        let de = yaml_serde::Deserializer::from_str(text);
        if let Err(e) = seed.deserialize(de) {
            return Err(yaml_error(&e, text));
        }
    }
    yaml_serde::from_str::<Value>(text).map_err(|e| yaml_error(&e, text))
}

/// Whether `text` may hold an anchor (`indicator` `&`) or an alias (`*`): an `indicator` where
/// a token can start, that is at the start of the text, after a blank, a line break (libyaml
/// also breaks lines at NEL, LS and PS, and skips a byte-order mark at a line start) or a flow
/// indicator `[`, `{`, `,`, `:`, and not in a comment.
///
/// Conservative: `true` whenever unsure. A `#` after a blank starts a comment outside quoted
/// and block scalars; the rest of its line is skipped only when the line has no quote (so the
/// `#` cannot sit in a quoted scalar that closes on that line, with tokens after it) and no
/// line break other than `\n` (so the comment runs to the end of the line).
fn may_hold_token(text: &str, indicator: u8) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(indicator, bytes).any(|i| {
        let token_start = match i.checked_sub(1).and_then(|p| bytes.get(p)) {
            None => true,
            Some(b) => matches!(
                b,
                b' ' | b'\t'
                    | b'\n'
                    | b'\r'
                    | b'['
                    | b'{'
                    | b','
                    | b':'
                    | 0x85
                    | 0xA8
                    | 0xA9
                    | 0xBF
            ),
        };
        token_start && !in_comment(bytes, i)
    })
}

/// Whether byte `i` of `bytes` lies in a comment, as [`may_hold_token`] tells it.
fn in_comment(bytes: &[u8], i: usize) -> bool {
    let start = memchr::memrchr(b'\n', bytes.get(..i).unwrap_or_default()).map_or(0, |n| n + 1);
    let end =
        memchr::memchr(b'\n', bytes.get(i..).unwrap_or_default()).map_or(bytes.len(), |n| i + n);
    let line = bytes.get(start..end).unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let plain = !line
        .iter()
        .any(|b| matches!(b, b'"' | b'\'' | b'\r' | 0x85 | 0xA8 | 0xA9));
    plain
        && line
            .iter()
            .enumerate()
            .take(i - start)
            .any(|(k, &b)| b == b'#' && (k == 0 || matches!(line.get(k - 1), Some(b' ' | b'\t'))))
}

/// Offset where `[`/`{` nesting first exceeds [`MAX_FLOW_DEPTH`], skipping quoted scalars and
/// comments, in one linear pass.
///
/// Lexical and conservative: a quote opens a quoted scalar only where a scalar can start (after
/// indentation, `- `, `? `, `: `, `[`, `{`, `,` in a flow collection, a tag or an anchor, and
/// after the quoted key of a flow pair, each with optional blanks), never inside a plain scalar
/// such as `a:"b`. A quote left open at the end of the text is read as plain text instead, and
/// from then on quotes of that kind are not skipped, so no byte is looked at more than twice.
/// Where the scan errs it counts brackets that are not flow collections, which can only make it
/// refuse a document with more than [`MAX_FLOW_DEPTH`] brackets inside one scalar.
/// See: <https://yaml.org/spec/1.2.2/#731-double-quoted-style>
fn flow_too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let blank_or_end = |i: usize| matches!(bytes.get(i), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
    let mut depth = 0usize;
    let mut i = 0;
    // A scalar may begin at the next byte that is not a blank.
    let mut at_start = true;
    // The last token was a quoted scalar, so a `:` right after it is a flow pair's indicator.
    let mut after_quoted = false;
    // Quotes of a kind once seen unclosed at the end of the text: no longer skipped.
    let mut open_single = true;
    let mut open_double = true;
    while let Some(&b) = bytes.get(i) {
        let quoted = after_quoted;
        after_quoted = false;
        match b {
            b'\n' => at_start = true,
            b' ' | b'\t' | b'\r' => {}
            b'\'' | b'"' if at_start && (if b == b'"' { open_double } else { open_single }) => {
                let mut j = i + 1;
                let mut closed = false;
                while let Some(&c) = bytes.get(j) {
                    if c == b'\\' && b == b'"' {
                        j += 1;
                    } else if c == b {
                        // `''` inside a single-quoted scalar is an escaped quote.
                        if b == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                            j += 1;
                        } else {
                            closed = true;
                            break;
                        }
                    }
                    j += 1;
                }
                at_start = false;
                if closed {
                    i = j;
                    after_quoted = true;
                } else if b == b'"' {
                    open_double = false;
                } else {
                    open_single = false;
                }
            }
            b'#' if i == 0 || matches!(bytes.get(i - 1), Some(b' ' | b'\t' | b'\n' | b'\r')) => {
                while !matches!(bytes.get(i), None | Some(b'\n')) {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' => {
                // Counted even inside a plain scalar (conservative), but only a real flow
                // collection lets a quoted scalar start after it.
                at_start = at_start || depth > 0;
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                at_start = false;
            }
            b',' => at_start = depth > 0,
            b'-' | b'?' | b':' => {
                at_start = blank_or_end(i + 1) || (b == b':' && quoted && depth > 0);
            }
            // A tag or an anchor before a scalar: skip its name, a scalar may follow.
            b'!' | b'&' if at_start => {
                while !blank_or_end(i + 1)
                    && !matches!(bytes.get(i + 1), Some(b'[' | b']' | b'{' | b'}' | b','))
                {
                    i += 1;
                }
            }
            _ => at_start = false,
        }
        i += 1;
    }
    None
}

fn yaml_error(e: &yaml_serde::Error, text: &str) -> YamlError {
    let location = e.location();
    let mut line = location.as_ref().map_or(1, |l| l.line().max(1));
    let mut message = e.to_string();
    // The parser appends its own position; ours is in `line`.
    if let Some(idx) = message.find(" at line ") {
        message.truncate(idx);
    }
    if message.contains("refusing a possible alias bomb") {
        // Drop the path prefix (`b[9][10011]: `) the deserializer adds: it names an expansion,
        // not a place in the file.
        if let Some(idx) = message.find("anchors and aliases") {
            message.drain(..idx);
        }
    }
    // NOTE: for a duplicate key the parser points at the start of the mapping; point at the
    // second occurrence instead when it can be found among the mapping's own lines.
    if let (Some(key), Some(loc)) = (duplicate_key(&message), location) {
        if let Some(second) = second_key_line(text, key, loc.line(), loc.column().saturating_sub(1))
        {
            line = second;
        }
    }
    YamlError { line, message }
}

fn duplicate_key(message: &str) -> Option<&str> {
    const MARK: &str = "duplicate entry with key \"";
    let at = message.find(MARK)?;
    message.get(at + MARK.len()..)?.strip_suffix('"')
}

/// 1-based line of the second `key:` written at `indent` columns in the block mapping that
/// starts on line `from`.
fn second_key_line(text: &str, key: &str, from: usize, indent: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, raw) in text.split('\n').enumerate().skip(from.saturating_sub(1)) {
        let line = raw.trim_start_matches('\u{feff}');
        let content = line.trim_start_matches(' ');
        let col = line.len() - content.len();
        if content.trim().is_empty() || content.starts_with('#') {
            continue;
        }
        if col < indent && i + 1 > from {
            return None;
        }
        if col != indent {
            continue;
        }
        let content = content.strip_prefix("- ").unwrap_or(content);
        let rest = content
            .strip_prefix(key)
            .or_else(|| content.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| content.strip_prefix(&format!("'{key}'")));
        if rest.is_some_and(|r| r.trim_start_matches([' ', '\t']).starts_with(':')) {
            seen += 1;
            if seen == 2 {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Counts nodes and scalar bytes as aliases are expanded and stops once a budget is spent.
#[derive(Clone, Copy)]
struct NodeCounter<'a> {
    count: &'a Cell<usize>,
    budget: usize,
    /// Bytes of scalar text (keys and values) seen so far, aliased ones each time they are used.
    bytes: &'a Cell<usize>,
    byte_budget: usize,
}

impl NodeCounter<'_> {
    fn tick<E: de::Error>(&self) -> Result<(), E> {
        let n = self.count.get().saturating_add(1);
        self.count.set(n);
        if n > self.budget {
            return Err(E::custom(format!(
                "anchors and aliases expand to more than {} nodes; refusing a possible alias bomb",
                self.budget
            )));
        }
        Ok(())
    }

    fn text<E: de::Error>(&self, len: usize) -> Result<(), E> {
        self.tick()?;
        let n = self.bytes.get().saturating_add(len);
        self.bytes.set(n);
        if n > self.byte_budget {
            return Err(E::custom(format!(
                "anchors and aliases expand to more than {} bytes of text; refusing a possible alias bomb",
                self.byte_budget
            )));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for NodeCounter<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for NodeCounter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.tick()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.tick()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.tick()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.tick()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.tick()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.tick()
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.text(s.len())
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<(), E> {
        self.text(b.len())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.tick()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.tick()?;
        self.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.tick()?;
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.tick()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.tick()?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged node (`!tag value`): count the tag, then the value.
        self.tick()?;
        let (_tag, contents) = data.variant::<de::IgnoredAny>()?;
        contents.newtype_variant_seed(self)
    }
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

/// The most lines tree-sitter-yaml reads correctly: its scanner keeps line numbers in 16 bits.
/// See: <https://github.com/tree-sitter-grammars/tree-sitter-yaml/blob/master/src/scanner.c>
pub const MAX_LOCATED_LINES: usize = 32_768;

/// Byte-span queries over one document. Build it once and ask many questions.
///
/// Every key path that does not pass through an alias is indexed in one walk of the syntax tree
/// the first time a question is asked, so each answer costs a few hash lookups instead of a scan
/// of each mapping on the way (which made a question per entry quadratic). Paths the index does
/// not hold (through aliases, or absent) are answered by `yamlpath`, so the answers are the same.
pub struct Locator {
    doc: Document,
    /// Byte offset of every line start, for line numbers in O(log n).
    line_starts: Vec<usize>,
    index: OnceCell<Option<SpanIndex>>,
}

/// What the span queries answer for one node reached by a key path.
struct IndexEntry {
    /// The value span; `Some(None)` for a key without a value; `None`: ask `yamlpath`.
    exact: Option<Option<(usize, usize)>>,
    /// The key span; `None`: ask `yamlpath`.
    key: Option<(usize, usize)>,
    children: IndexChildren,
}

enum IndexChildren {
    Leaf,
    Map(HashMap<String, usize>),
    Seq(Vec<usize>),
}

/// All key paths of a document that do not pass through an alias, as `yamlpath` resolves them.
struct SpanIndex {
    entries: Vec<IndexEntry>,
}

fn first_named_non_anchor<'t>(node: &Node<'t>) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .find(|n| n.kind() != "anchor");
    found
}

fn span_of(node: &Node<'_>) -> (usize, usize) {
    (node.start_byte(), node.end_byte())
}

fn is_pair(node: &Node<'_>) -> bool {
    matches!(node.kind(), "block_mapping_pair" | "flow_pair")
}

impl SpanIndex {
    /// Walks the tree once. Mirrors `yamlpath`'s `query_node` (exact and key-only modes) for
    /// every path without an alias; anything it is unsure of is left to `yamlpath`.
    fn build(text: &str) -> Option<Self> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_yaml::LANGUAGE.into())
            .ok()?;
        let tree = parser.parse(text, None)?;
        let root = tree.root_node();
        if root.has_error() {
            return None;
        }
        let mut cursor = root.walk();
        let document = root
            .named_children(&mut cursor)
            .find(|c| c.kind() == "document")?;
        let top = document
            .named_children(&mut cursor)
            .find(|c| matches!(c.kind(), "block_node" | "flow_node"))?;
        let mut entries = vec![Self::entry(&top, false)];
        let mut stack = vec![(top, 0usize)];
        while let Some((node, at)) = stack.pop() {
            let children = match Self::children(text, &node) {
                IndexChildrenOf::Leaf => continue,
                IndexChildrenOf::Map(list) => {
                    let mut map = HashMap::with_capacity(list.len());
                    for (key, child) in list {
                        // The first of equal keys wins, as in yamlpath.
                        if map.contains_key(&key) {
                            continue;
                        }
                        let idx = entries.len();
                        entries.push(Self::entry(&child, true));
                        stack.push((child, idx));
                        map.insert(key, idx);
                    }
                    IndexChildren::Map(map)
                }
                IndexChildrenOf::Seq(list) => {
                    let mut seq = Vec::with_capacity(list.len());
                    for child in list {
                        let idx = entries.len();
                        entries.push(Self::entry(&child, false));
                        stack.push((child, idx));
                        seq.push(idx);
                    }
                    IndexChildren::Seq(seq)
                }
            };
            if let Some(e) = entries.get_mut(at) {
                e.children = children;
            }
        }
        Some(Self { entries })
    }

    /// The answers for `node`, the node one descent step reached.
    fn entry(node: &Node<'_>, by_key: bool) -> IndexEntry {
        let exact = match node.child(0) {
            Some(c) if c.kind() == "alias" => None,
            Some(c) if c.kind() == "anchor" => {
                let target = first_named_non_anchor(node).unwrap_or(*node);
                Some((!is_pair(&target)).then(|| span_of(&target)))
            }
            _ => Some((!is_pair(node)).then(|| span_of(node))),
        };
        let key = if by_key {
            let parent = if is_pair(node) {
                Some(*node)
            } else if node.kind() == "block_scalar" {
                node.parent().and_then(|p| p.parent())
            } else {
                node.parent()
            };
            parent.and_then(|p| {
                if p.kind() == "flow_mapping" {
                    let mut cursor = p.walk();
                    let first = p
                        .named_children(&mut cursor)
                        .find(|n| n.kind() == "flow_node");
                    first.map(|n| span_of(&n))
                } else {
                    p.child_by_field_name("key").map(|n| span_of(&n))
                }
            })
        } else {
            None
        };
        IndexEntry {
            exact,
            key,
            children: IndexChildren::Leaf,
        }
    }

    /// The nodes one descent step below `node` reaches, in the form of [`IndexChildren`] but
    /// holding nodes; `Leaf` when `yamlpath` would not descend or might answer differently.
    fn children<'t>(text: &str, node: &Node<'t>) -> IndexChildrenOf<'t> {
        let Some(content) = first_named_non_anchor(node) else {
            return IndexChildrenOf::Leaf;
        };
        let mut cursor = content.walk();
        match content.kind() {
            "block_mapping" | "flow_mapping" => {
                let mut list: Vec<(String, Node<'t>)> = Vec::new();
                for child in content.named_children(&mut cursor) {
                    let key = if is_pair(&child) {
                        match child.child_by_field_name("key") {
                            Some(k) => k,
                            // yamlpath fails on every key from here on: leave them to it.
                            None => break,
                        }
                    } else if child.kind() == "flow_node" {
                        child
                    } else {
                        continue;
                    };
                    let Some(name) = key_text(text, &key) else {
                        break;
                    };
                    let target = child.child_by_field_name("value").unwrap_or(child);
                    list.push((name, target));
                }
                IndexChildrenOf::Map(list)
            }
            "block_sequence" | "flow_sequence" => {
                let mut list = Vec::new();
                for child in content.named_children(&mut cursor) {
                    let item = match child.kind() {
                        "block_sequence_item" => {
                            let mut c = child.walk();
                            let inner = child
                                .named_children(&mut c)
                                .find(|n| matches!(n.kind(), "block_node" | "flow_node"));
                            match inner {
                                Some(n) => n,
                                // yamlpath fails on the whole sequence.
                                None => return IndexChildrenOf::Leaf,
                            }
                        }
                        "flow_node" => child,
                        "flow_pair" => child.child_by_field_name("value").unwrap_or(child),
                        _ => continue,
                    };
                    list.push(item);
                }
                IndexChildrenOf::Seq(list)
            }
            _ => IndexChildrenOf::Leaf,
        }
    }

    fn get(&self, path: &[PathSeg<'_>]) -> Option<&IndexEntry> {
        let mut at = self.entries.first()?;
        for seg in path {
            let next = match (seg, &at.children) {
                (PathSeg::Key(k), IndexChildren::Map(m)) => *m.get(*k)?,
                (PathSeg::Index(i), IndexChildren::Seq(s)) => *s.get(*i)?,
                _ => return None,
            };
            at = self.entries.get(next)?;
        }
        Some(at)
    }
}

/// [`IndexChildren`] before indexing: the nodes themselves.
enum IndexChildrenOf<'t> {
    Leaf,
    Map(Vec<(String, Node<'t>)>),
    Seq(Vec<Node<'t>>),
}

/// A key's text the way `yamlpath` compares it: the first non-anchor child's text, with the
/// quotes of a quoted scalar cut off (escapes are not decoded).
fn key_text(text: &str, key: &Node<'_>) -> Option<String> {
    let bytes = text.as_bytes();
    match first_named_non_anchor(key) {
        Some(scalar) => {
            let raw = scalar.utf8_text(bytes).ok()?;
            if matches!(scalar.kind(), "single_quote_scalar" | "double_quote_scalar") {
                let mut chars = raw.chars();
                chars.next();
                chars.next_back();
                Some(chars.as_str().to_string())
            } else {
                Some(raw.to_string())
            }
        }
        None => key.utf8_text(bytes).ok().map(str::to_string),
    }
}

impl fmt::Debug for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locator").finish_non_exhaustive()
    }
}

fn route<'a>(path: &'a [PathSeg<'a>]) -> Route<'a> {
    let comps: Vec<Component<'a>> = path
        .iter()
        .map(|seg| match seg {
            PathSeg::Key(k) => Component::Key((*k).into()),
            PathSeg::Index(i) => Component::Index(*i),
        })
        .collect();
    comps.into()
}

impl Locator {
    /// Builds the span index of `text`. Call it only on text that [`parse_yaml`] accepted.
    pub fn new(text: &str) -> Result<Self, EditError> {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        let lines = text.split_inclusive('\n').count();
        Document::new(text)
            .map(|doc| Self {
                doc,
                line_starts,
                index: OnceCell::new(),
            })
            .map_err(|e| EditError::Unsupported {
                path: String::new(),
                // NOTE: past this many lines tree-sitter-yaml's scanner miscounts lines and
                // reports a syntax error in valid YAML: say so rather than "not valid YAML".
                reason: if lines > MAX_LOCATED_LINES {
                    format!(
                        "the document has {lines} lines; documents of more than \
                         {MAX_LOCATED_LINES} lines cannot be edited in place (a limit of the \
                         tree-sitter-yaml span locator)"
                    )
                } else {
                    format!("the span locator could not read the document ({e})")
                },
            })
    }

    /// The index entry of `path`, when the index holds it.
    fn indexed(&self, path: &[PathSeg<'_>]) -> Option<&IndexEntry> {
        self.index
            .get_or_init(|| SpanIndex::build(self.text()))
            .as_ref()?
            .get(path)
    }

    fn text(&self) -> &str {
        self.doc.source()
    }

    /// Byte span of the value at `path`; `Ok(None)` when the key is present with no value.
    pub fn value_span(&self, path: &[PathSeg<'_>]) -> Result<Option<(usize, usize)>, EditError> {
        if let Some(exact) = self.indexed(path).and_then(|e| e.exact) {
            return match exact {
                Some(span) => Ok(Some(self.checked(span, path)?)),
                None => Ok(None),
            };
        }
        self.value_span_by_query(path)
    }

    fn value_span_by_query(
        &self,
        path: &[PathSeg<'_>],
    ) -> Result<Option<(usize, usize)>, EditError> {
        match self.doc.query_exact(&route(path)) {
            Ok(Some(f)) => Ok(Some(self.checked(f.location.byte_span, path)?)),
            Ok(None) => Ok(None),
            Err(_) => Err(EditError::Missing {
                path: render_path(path),
            }),
        }
    }

    /// Byte span of the last key of `path` (which must end with a key).
    pub fn key_span(&self, path: &[PathSeg<'_>]) -> Result<(usize, usize), EditError> {
        if !matches!(path.last(), Some(PathSeg::Key(_))) {
            return Err(EditError::Missing {
                path: render_path(path),
            });
        }
        if let Some(span) = self.indexed(path).and_then(|e| e.key) {
            return self.checked(span, path);
        }
        self.key_span_by_query(path)
    }

    fn key_span_by_query(&self, path: &[PathSeg<'_>]) -> Result<(usize, usize), EditError> {
        match self.doc.query_key_only(&route(path)) {
            Ok(f) => self.checked(f.location.byte_span, path),
            Err(_) => Err(EditError::Missing {
                path: render_path(path),
            }),
        }
    }

    fn checked(
        &self,
        span: (usize, usize),
        path: &[PathSeg<'_>],
    ) -> Result<(usize, usize), EditError> {
        let text = self.text();
        if span.0 <= span.1 && text.get(span.0..span.1).is_some() {
            Ok(span)
        } else {
            Err(EditError::Unsupported {
                path: render_path(path),
                reason: "the span locator returned an invalid range".into(),
            })
        }
    }

    /// 1-based line of the key (or, for a path ending in an index, of the item) at `path`.
    pub fn line_of(&self, path: &[PathSeg<'_>]) -> Option<usize> {
        let offset = match path.last() {
            Some(PathSeg::Key(_)) => self.key_span(path).ok()?.0,
            _ => self.value_span(path).ok()??.0,
        };
        Some(self.line_starts.partition_point(|&start| start <= offset))
    }

    /// Whether the value at `path` lies inside a flow collection, i.e. some ancestor is written
    /// `{ ... }` or `[ ... ]`.
    pub fn in_flow(&self, path: &[PathSeg<'_>]) -> bool {
        let text = self.text();
        (1..path.len()).any(|n| {
            let prefix = path.get(..n).unwrap_or_default();
            matches!(self.value_span(prefix), Ok(Some((s, _))) if matches!(text.as_bytes().get(s), Some(b'{' | b'[')))
        })
    }

    /// Locates the single-line scalar value of `path`, refusing values it cannot edit in place.
    pub fn scalar_span(&self, path: &[PathSeg<'_>]) -> Result<ScalarSpan, EditError> {
        let text = self.text();
        let p = || render_path(path);
        let unsupported = |reason: &str| EditError::Unsupported {
            path: p(),
            reason: reason.to_string(),
        };
        let (start, end) = self
            .value_span(path)?
            .ok_or_else(|| EditError::Empty { path: p() })?;
        // The value must sit right after its own key: this refuses aliases (whose span is the
        // anchor's target elsewhere), anchors and tags written before the value.
        if matches!(path.last(), Some(PathSeg::Key(_))) {
            let (_, key_end) = self.key_span(path)?;
            let between = text
                .get(key_end..start)
                .ok_or_else(|| unsupported("the value is not next to its key"))?;
            if !between_key_and_value_ok(between) {
                return Err(unsupported(
                    "the value is not written right after its key (anchor, alias, tag or comment in between)",
                ));
            }
        }
        let raw = text.get(start..end).unwrap_or_default();
        let style = match raw.as_bytes().first() {
            None => return Err(EditError::Empty { path: p() }),
            Some(b'"') => ScalarStyle::DoubleQuoted,
            Some(b'\'') => ScalarStyle::SingleQuoted,
            Some(b'|' | b'>') => {
                return Err(unsupported("block scalars (`|`, `>`) are not edited"))
            }
            Some(b'!') => return Err(unsupported("tagged values are not edited")),
            Some(b'&' | b'*') => {
                return Err(unsupported("anchored or aliased values are not edited"))
            }
            Some(b'{' | b'[') => {
                return Err(unsupported("the value is a collection, not a scalar"))
            }
            Some(_) => ScalarStyle::Plain,
        };
        if raw.contains(['\n', '\r']) {
            return Err(unsupported("multi-line values are not edited"));
        }
        if style != ScalarStyle::Plain && raw.len() < 2 {
            return Err(unsupported("the quoted value is not closed"));
        }
        Ok(ScalarSpan {
            start,
            end,
            style,
            line: line_of(text, start),
            in_flow: self.in_flow(path),
        })
    }
}

fn between_key_and_value_ok(between: &str) -> bool {
    // `key: value`, `"key": value`, `? key\n: value`; the key span may or may not include the
    // closing quote of a quoted key.
    let trimmed = between.trim_start_matches(['"', '\'']);
    let mut colon = false;
    for c in trimmed.chars() {
        match c {
            ':' if !colon => colon = true,
            ' ' | '\t' | '\r' | '\n' => {}
            _ => return false,
        }
    }
    colon
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
    let reparsed = parse_yaml(edited).map_err(|e| EditError::Verification {
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
    let original = parse_yaml(text)?;
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
    verify_edit(&out, &expected, path)?;
    Ok(out)
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
    use std::time::{Duration, Instant};

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
    fn parse_yaml_reports_one_based_lines() {
        let cases: &[(&str, usize)] = &[
            ("a: 1\nb: [\n", 3),
            ("a: 1\n\tb: 2\n", 2),
            ("a: 1\nb: 2\nc: 'x\n", 4),
            ("a: 1\nb: 2\na: 3\n", 3),
            ("x: 1\nm:\n  a: 1\n  b:\n    a: 2\n  a: 3\n", 6),
        ];
        for (text, line) in cases {
            assert_eq!(parse_yaml(text).map_err(|e| e.line), Err(*line), "{text:?}");
        }
    }

    #[test]
    fn parse_yaml_reads_documents_that_start_with_a_byte_order_mark() {
        assert!(parse_yaml("\u{feff}a: 1\nb: 2\n").is_ok());
        assert!(parse_yaml("\u{feff}a: 1\r\nb: 2\r\n").is_ok());
    }

    #[test]
    fn parse_yaml_refuses_several_documents_and_accepts_empty_ones() {
        assert!(parse_yaml("a: 1\n---\nb: 2\n").is_err());
        assert_eq!(parse_yaml(""), Ok(Value::Null));
        assert_eq!(parse_yaml("# only a comment\n"), Ok(Value::Null));
        assert!(parse_yaml("---\na: 1\n").is_ok());
    }

    fn billion_laughs(levels: usize, width: usize) -> String {
        let mut s = String::from("l0: &l0 [lol]\n");
        for i in 1..levels {
            let refs = vec![format!("*l{}", i - 1); width].join(", ");
            s.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        s
    }

    #[test]
    fn parse_yaml_refuses_alias_bombs_quickly() {
        let started = Instant::now();
        for (levels, width) in [(10, 10), (9, 9), (30, 2), (4, 1000)] {
            let err = parse_yaml(&billion_laughs(levels, width));
            assert!(err.is_err(), "levels {levels} width {width}");
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn parse_yaml_refuses_quadratic_alias_expansion_in_large_documents() {
        // One anchor of 20 000 items aliased 20 000 times: 4e8 nodes if expanded.
        let mut s = String::from("a: &a [");
        s.push_str(&vec!["x"; 20_000].join(","));
        s.push_str("]\nb: [");
        s.push_str(&vec!["*a"; 20_000].join(","));
        s.push_str("]\n");
        let started = Instant::now();
        assert!(parse_yaml(&s).is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn anchors_and_aliases_are_told_from_stars_and_ampersands_elsewhere() {
        for text in [
            "a: *b",
            "*a",
            "- *a",
            "a:\t*b",
            "[*a]",
            "{x: 1,*a : 2}",
            "{\"a\":*b}",
            "a: 1\r*b",
            "a: 1 # c\r*b",
            "a: 1 # c\u{2028}*b",
            "a: 1 # c\u{85}*b",
            "a: [x,\n\u{feff}*b]",
            "a: \"x # y\", b: *c",
            "a: [\"x\n  # y\", *b]",
            "a: ['x #', *b]",
            "a: 1 # c\nb: *d",
        ] {
            assert!(may_hold_token(text, b'*'), "{text:?}");
        }
        for text in [
            "a: /*",
            "a: x*y",
            "path: '/*'",
            "# *a",
            "  ## - path: /*",
            "a: 1 # *b",
            "a: 1\t# *b",
            "a: 1 # *b\r\nc: 2\r\n",
            "## AWS & OpenStack, Redis&reg;",
            "",
        ] {
            assert!(
                !may_hold_token(text, b'*') && !may_hold_token(text, b'&'),
                "{text:?}"
            );
        }
        assert!(may_hold_token("a: &a 1", b'&') && may_hold_token("[&a x]", b'&'));
    }

    #[test]
    fn parse_yaml_refuses_alias_bombs_whatever_the_comments_and_quotes_around_them() {
        // Every alias sits on a line with a `#` after a blank, inside a quoted scalar.
        let mut s = String::from("l0: &l0 [\"lol #\", x]\n");
        for i in 1..10 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            s.push_str(&format!("l{i}: &l{i} [\"a #\", {refs}]\n"));
        }
        assert!(parse_yaml(&s).is_err());
        let commented = format!("# *a &b\n{}", billion_laughs(10, 10));
        assert!(parse_yaml(&commented).is_err());
    }

    #[test]
    fn parse_yaml_refuses_aliases_that_repeat_large_text() {
        // 100 KB aliased 4 000 times (400 MB), and 1 MB aliased 10 000 times (10 GB).
        for (len, uses) in [(100_000, 4_000), (1_000_000, 10_000)] {
            let refs = vec!["*a"; uses].join(", ");
            let text = format!("a: &a \"{}\"\nb: [{refs}]\n", "x".repeat(len));
            let err = parse_yaml(&text).map(|_| ()).expect_err("refused");
            assert_eq!(
                err.message,
                format!(
                    "anchors and aliases expand to more than {} bytes of text; refusing a possible alias bomb",
                    ALIAS_BYTE_BUDGET + text.len()
                ),
                "{len} x {uses}"
            );
        }
        // A map aliased with its keys and values counts too.
        let big = "y".repeat(50_000);
        let refs = vec!["*m"; 200].join(", ");
        assert!(parse_yaml(&format!("m: &m {{k: {big}, {big}: v}}\nb: [{refs}]\n")).is_err());
        // Repeating up to 4 MiB of text is allowed.
        let refs = vec!["*a"; 30].join(", ");
        let text = format!("a: &a {}\nb: [{refs}]\n", "x".repeat(100_000));
        assert!(parse_yaml(&text).is_ok());
    }

    #[test]
    fn flow_depth_guard_opens_quotes_only_where_scalars_start() {
        let deep = "[".repeat(80_000);
        for text in [
            format!("x: a:\"{deep}"),
            format!("x: a:\"\ny: {deep}"),
            format!("x: a:'\ny: {deep}"),
            format!("x: b\"c\ny: {deep}"),
            format!("x: a, \"\ny: {deep}"),
            format!("x: [a]\"\ny: {deep}"),
            format!("x: |\n  \"\ny: {deep}"),
            format!("apiVersion: v2\nname: a:\"\nversion: {deep}"),
        ] {
            let err = parse_yaml(&text).map(|_| ()).expect_err("refused");
            assert_eq!(
                err.message,
                "flow collections are nested more than 512 levels deep",
                "{}",
                text.get(..24).unwrap_or_default()
            );
        }
        // Brackets inside quoted scalars that start where scalars start are not nesting.
        let inside = "[".repeat(600);
        for text in [
            format!("a: \"{inside}\"\n"),
            format!("a: '{inside}'\n"),
            format!("a: 'it''s {inside}'\n"),
            format!("a: \"\\\" {inside}\"\n"),
            format!("- \"{inside}\"\n"),
            format!("? \"{inside}\"\n: 1\n"),
            format!("a: [\"{inside}\", '{inside}']\n"),
            format!("{{\"k\":\"{inside}\"}}\n"),
            format!("a: !!str \"{inside}\"\n"),
            format!("a: &x '{inside}'\n"),
            format!("a:\n  \"{inside}\"\n"),
            format!("a: # \"\nb: \"{inside}\"\n"),
        ] {
            assert!(
                parse_yaml(&text).is_ok(),
                "{}",
                text.get(..12).unwrap_or_default()
            );
        }
        // Many quotes left open: one pass, refused at the nesting.
        let text = format!("{}y: {deep}", "- \"\n- '\n".repeat(50_000));
        assert!(parse_yaml(&text).is_err());
    }

    /// Every path the index holds, with owned keys.
    fn indexed_paths(index: &SpanIndex) -> Vec<Vec<(Option<String>, usize)>> {
        let mut out = vec![Vec::new()];
        let mut stack = vec![(0usize, Vec::new())];
        while let Some((at, path)) = stack.pop() {
            let Some(entry) = index.entries.get(at) else {
                continue;
            };
            let next: Vec<(Option<String>, usize, usize)> = match &entry.children {
                IndexChildren::Leaf => Vec::new(),
                IndexChildren::Map(m) => m.iter().map(|(k, &i)| (Some(k.clone()), 0, i)).collect(),
                IndexChildren::Seq(s) => s.iter().enumerate().map(|(n, &i)| (None, n, i)).collect(),
            };
            for (k, n, i) in next {
                let mut p: Vec<(Option<String>, usize)> = path.clone();
                p.push((k, n));
                out.push(p.clone());
                stack.push((i, p));
            }
        }
        out
    }

    #[test]
    fn span_index_answers_as_yamlpath_does() {
        let docs = [
            "a: 1\nb:\n  c: 'x'\n  d: \"y\" # c\n  e:\n  f: ~\n",
            "list:\n  - a\n  - b: 1\n    c: [1, {x: 2}, k: v]\n  - - nested\n",
            "m: { a: 1, b, 'c': \"q\", d: }\n",
            "base: &b {cpu: 1}\nx: *b\ny: &y\n  k: v\nz: &z 3\nw: !!str 4\n",
            "? complex\n: 1\n\"q\\\"k\": 2\n'it''s': 3\n",
            "a: |\n  text\nb: >-\n  folded\nc:\n  - \n  - x\n",
            "[1, [2, 3], {a: b}]\n",
            "# c\n---\nk: v\n",
            "a: 1\na2: {&an k: v}\n",
            "",
        ];
        for text in docs {
            let Ok(loc) = Locator::new(text) else {
                continue;
            };
            let Some(Some(index)) = loc
                .index
                .get_or_init(|| SpanIndex::build(text))
                .as_ref()
                .map(Some)
            else {
                continue;
            };
            for owned in indexed_paths(index) {
                let path: Vec<PathSeg<'_>> = owned
                    .iter()
                    .map(|(k, n)| match k {
                        Some(k) => PathSeg::Key(k.as_str()),
                        None => PathSeg::Index(*n),
                    })
                    .collect();
                let entry = index.get(&path);
                if let Some(exact) = entry.and_then(|e| e.exact) {
                    let slow = loc.value_span_by_query(&path).ok();
                    assert_eq!(Some(exact), slow, "value of {path:?} in {text:?}");
                }
                if let Some(key) = entry.and_then(|e| e.key) {
                    let slow = loc.key_span_by_query(&path).ok();
                    assert_eq!(Some(key), slow, "key of {path:?} in {text:?}");
                }
            }
        }
    }

    #[test]
    fn locator_answers_many_questions_about_a_long_mapping_quickly() {
        // 10 000 entries, asked about most: quadratic scans would take minutes.
        let mut text = String::from("charts:\n");
        for i in 0..10_000 {
            text.push_str(&format!("  c{i:05}: 1.0.{i}\n"));
        }
        let loc = Locator::new(&text).unwrap_or_else(|e| panic!("{e}"));
        for i in (0..10_000).step_by(3) {
            let key = format!("c{i:05}");
            let path = [PathSeg::Key("charts"), PathSeg::Key(&key)];
            let (start, end) = loc.key_span(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(text.get(start..end), Some(key.as_str()));
            let value = loc
                .value_span(&path)
                .ok()
                .flatten()
                .and_then(|(s, e)| text.get(s..e));
            assert_eq!(value, Some(format!("1.0.{i}").as_str()));
            assert_eq!(loc.line_of(&path), Some(i + 2));
        }
    }

    #[test]
    fn locator_names_the_line_limit_of_the_span_locator() {
        let entries = |n: usize| {
            let mut text = String::from("charts:\n");
            for i in 0..n {
                text.push_str(&format!("  c{i:05}: 1.0.0\n"));
            }
            text
        };
        let err = Locator::new(&entries(MAX_LOCATED_LINES))
            .map(|_| ())
            .expect_err("beyond the line limit");
        assert_eq!(
            err.to_string(),
            "cannot edit `` in place: the document has 32769 lines; documents of more than 32768 \
             lines cannot be edited in place (a limit of the tree-sitter-yaml span locator)"
        );
    }

    #[test]
    fn parse_yaml_accepts_modest_anchor_use() {
        let text = "base: &base {cpu: 1, memory: 2}\na: *base\nb: *base\nc: [*base, *base]\n";
        assert!(parse_yaml(text).is_ok());
    }

    #[test]
    fn parse_yaml_refuses_deep_nesting_and_oversized_input() {
        assert!(parse_yaml(&format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))).is_err());
        let started = Instant::now();
        assert!(parse_yaml(&"[".repeat(MAX_YAML_BYTES)).is_err());
        assert!(parse_yaml(&"{a: ".repeat(MAX_YAML_BYTES / 4)).is_err());
        assert!(parse_yaml(&format!("a: &a {}*a\n", "[".repeat(1000))).is_err());
        assert!(parse_yaml(&"- ".repeat(100_000)).is_err());
        assert!(started.elapsed() < Duration::from_secs(20));
        // Brackets inside quotes and comments are not nesting.
        let quoted = format!(
            "a: '{}'\nb: \"{}\" # {}\n",
            "[".repeat(600),
            "{".repeat(600),
            "[".repeat(600)
        );
        assert!(parse_yaml(&quoted).is_ok());
        assert!(parse_yaml(&"a".repeat(MAX_YAML_BYTES + 1)).is_err());
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
