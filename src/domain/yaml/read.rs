//! Hardened reading: one YAML document parsed within limits on size, flow nesting and alias
//! expansion, with errors reported at 1-based lines.
//! See: <https://yaml.org/spec/1.2.2/>

use std::cell::Cell;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess,
};
use serde::Deserialize;
use yaml_serde::{Mapping, Value};

use super::{line_of, YamlError};

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
    let text = within_limits(text)?;
    yaml_serde::from_str::<Value>(text).map_err(|e| yaml_error(&e, text))
}

/// Parses one YAML document like [`parse_yaml`], except that a key written more than once in
/// the top-level mapping is not refused: its last value is kept, the way Helm reads a
/// `Chart.yaml`. The repeated keys come back too, once each, in the order of their first
/// repetition. A key repeated in a nested mapping is still refused, as is everything else
/// [`parse_yaml`] refuses.
///
/// NOTE: Helm reads `Chart.yaml` with `sigs.k8s.io/yaml`, which decodes with go-yaml v2 in its
/// non-strict mode, where a later key overwrites an earlier one; `helm lint` only warns
/// ("key already set in map").
/// See: <https://github.com/kubernetes-sigs/yaml/blob/master/yaml.go>
///
/// ```
/// use release_action::domain::yaml::parse_yaml_last_key_wins;
/// let (value, repeated) = parse_yaml_last_key_wins("a: 1\nb: 2\na: 3\n").unwrap();
/// assert_eq!((value["a"].as_u64(), repeated.len()), (Some(3), 1));
/// assert!(parse_yaml_last_key_wins("m:\n  a: 1\n  a: 2\n").is_err());
/// ```
pub fn parse_yaml_last_key_wins(text: &str) -> Result<(Value, Vec<Value>), YamlError> {
    let text = within_limits(text)?;
    LastKeyWins
        .deserialize(yaml_serde::Deserializer::from_str(text))
        .map_err(|e| yaml_error(&e, text))
}

/// The checks [`parse_yaml`] makes before building anything: size, flow nesting and alias
/// expansion. Hands back the text without its byte-order mark.
fn within_limits(text: &str) -> Result<&str, YamlError> {
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
    Ok(text)
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

/// Reads a document's top-level node as a [`Value`], letting a later key of a top-level mapping
/// overwrite an earlier one and noting the keys that did; every node below is read as
/// [`Value`] reads it (duplicate keys refused).
struct LastKeyWins;

impl<'de> DeserializeSeed<'de> for LastKeyWins {
    type Value = (Value, Vec<Value>);
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for LastKeyWins {
    type Value = (Value, Vec<Value>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut mapping = Mapping::new();
        let mut repeated: Vec<Value> = Vec::new();
        while let Some(key) = map.next_key::<Value>()? {
            let value = map.next_value::<Value>()?;
            if mapping.insert(key.clone(), value).is_some() && !repeated.contains(&key) {
                repeated.push(key);
            }
        }
        Ok((Value::Mapping(mapping), repeated))
    }
    // Anything but a mapping is read exactly as `Value` reads it.
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok((Value::Bool(b), Vec::new()))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Self::Value, E> {
        Ok((Value::Number(i.into()), Vec::new()))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Self::Value, E> {
        Ok((Value::Number(u.into()), Vec::new()))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        Ok((Value::Number(f.into()), Vec::new()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok((Value::String(s.to_owned()), Vec::new()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok((Value::String(s), Vec::new()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, Vec::new()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, Vec::new()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok((Value::deserialize(d)?, Vec::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok((value, Vec::new()))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::EnumAccessDeserializer::new(data))?;
        Ok((value, Vec::new()))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

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
    fn parse_yaml_last_key_wins_keeps_the_last_top_level_value_and_names_the_key() {
        let read = parse_yaml_last_key_wins("a: 1\nb: 2\na: 3\nb: [4]\na: 5\nc: 6\n");
        let want = parse_yaml("a: 5\nb: [4]\nc: 6\n")
            .map(|v| (v, vec![Value::from("a"), Value::from("b")]));
        assert_eq!(read, want);
        let read =
            parse_yaml_last_key_wins("{a: 1, \"a\": 2}").map(|(v, r)| (v["a"].as_u64(), r.len()));
        assert_eq!(read, Ok((Some(2), 1)));
        // Without a repeated top-level key it reads what `parse_yaml` reads.
        for text in [
            "",
            "# c\n",
            "\u{feff}a: 1\nb: 2\n",
            "- a\n- b: 1\n",
            "just text\n",
            "1.10\n",
            "-3\n",
            "true\n",
            "!tag {a: 1}\n",
            "a: &x {b: 1}\nc: *x\n",
            "a: {b: [1, {c: d}]}\n",
        ] {
            assert_eq!(
                parse_yaml_last_key_wins(text),
                parse_yaml(text).map(|v| (v, Vec::new())),
                "{text:?}"
            );
        }
        // A key repeated below the top level, several documents, bombs: refused as before.
        for text in [
            "x: 1\nm:\n  a: 1\n  b:\n    a: 2\n  a: 3\n".to_string(),
            "- {a: 1, a: 2}\n".to_string(),
            "a: 1\n---\na: 2\n".to_string(),
            "a: 1\nb: [\n".to_string(),
            billion_laughs(10, 10),
            format!("a: {}", "[".repeat(600)),
        ] {
            assert_eq!(
                parse_yaml_last_key_wins(&text).map(|(v, _)| v),
                parse_yaml(&text),
                "{}",
                text.get(..20).unwrap_or_default()
            );
            assert!(parse_yaml(&text).is_err());
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
}
