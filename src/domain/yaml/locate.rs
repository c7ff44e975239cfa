//! Byte-span queries over one document: where a key, a value or a single-line scalar sits, from
//! one walk of the tree-sitter-yaml syntax tree, with `yamlpath` answering what the index does
//! not hold.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt;

use tree_sitter::Node;
use yamlpath::{Component, Document, Route};

use super::{line_of, render_path, EditError, PathSeg, ScalarSpan, ScalarStyle};

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
        with_top_node(text, |top| Self::build_from(text, top))
    }

    fn build_from(text: &str, top: Node<'_>) -> Option<Self> {
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

/// Calls `f` with the top-level node of `text`'s one document, when tree-sitter reads the text
/// without a syntax error.
fn with_top_node<R>(text: &str, f: impl for<'t> FnOnce(Node<'t>) -> Option<R>) -> Option<R> {
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
    f(top)
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
    /// Builds the span index of `text`. Call it only on text that [`parse_yaml`](super::parse_yaml) accepted.
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

    /// Every occurrence of `key` in the top-level mapping, in source order: the 1-based line of
    /// the key and the byte span of its value (`None` when the key has no value or an alias
    /// for one). The other span queries answer for the first occurrence only, as `yamlpath`
    /// does; this is for documents read with
    /// [`parse_yaml_last_key_wins`](super::parse_yaml_last_key_wins), where the last one
    /// counts. Empty when the top level is no mapping or tree-sitter cannot read the text.
    pub fn top_level_occurrences(&self, key: &str) -> Vec<(usize, Option<(usize, usize)>)> {
        let text = self.text();
        with_top_node(text, |top| match SpanIndex::children(text, &top) {
            IndexChildrenOf::Map(list) => Some(
                list.iter()
                    .filter(|(name, _)| name == key)
                    .filter_map(|(_, node)| {
                        let entry = SpanIndex::entry(node, true);
                        let (key_start, _) = entry.key?;
                        let line = self.line_starts.partition_point(|&s| s <= key_start);
                        Some((line, entry.exact.flatten()))
                    })
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
