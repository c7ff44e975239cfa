//! Structural edits of mappings that keep every other byte: a new entry in a block or flow
//! mapping, a new top-level section holding one entry, and a scalar field added to or removed
//! from a mapping. The caller verifies the result by reading it again (see `verify_edit`).
//!
//! Limits (each refused with an [`EditError`]): entries must be one per line and evenly
//! indented in a block mapping; a flow mapping must hold only entries; the document itself must
//! be a block mapping for a new section; a field can be removed only when it starts its own line
//! (block style) or has a neighbour (flow style).

use yaml_serde::{Mapping, Value};

use super::{
    line_end, line_ending, line_start, render_scalar, unsupported, with_path, EditError, Locator,
    PathSeg, ScalarStyle,
};

/// Rendered text of a new mapping entry, in both styles.
pub(crate) struct NewEntry {
    /// `key: value` for a flow mapping, or the first line of a block entry.
    pub(crate) flow: String,
    /// Lines of a block entry after the key line, each `(extra indent, text)`; empty for a
    /// scalar entry written on the key line.
    pub(crate) block_tail: Vec<String>,
    /// The key line of a block entry (`key: value` or `key:`).
    pub(crate) block_head: String,
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
pub(crate) fn insert_into_mapping(
    text: &str,
    map_path: &[PathSeg<'_>],
    map: Option<&Mapping>,
    key: &str,
    entry: &NewEntry,
    default_indent: &str,
) -> Result<String, EditError> {
    let locator = Locator::new(text).map_err(|e| with_path(e, map_path))?;
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

/// Adds a missing top-level section (such as `charts:`) holding `entry`, placed before the first
/// of `before` keys that exists (and the comments directly above it), else at the end. The
/// entry is indented like the entries of the first `indent_hint` section that has some.
pub(crate) fn insert_section(
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
        Some(Locator::new(text).map_err(|e| with_path(e, &path))?)
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

/// Adds the scalar `field: value` to the mapping at `entry_path` (which holds `entry`), after
/// its last field, in the mapping's own style: inside the braces of a flow mapping, or on a new
/// line indented like the other fields of a block mapping. `style` is the quoting of the new
/// value (double quotes when plain would read back differently).
pub(crate) fn add_field(
    text: &str,
    entry_path: &[PathSeg<'_>],
    entry: &Mapping,
    field: &str,
    value: &str,
    style: ScalarStyle,
) -> Result<String, EditError> {
    let locator = Locator::new(text).map_err(|e| with_path(e, entry_path))?;
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

/// Removes `field` from the mapping at `entry_path` (which holds `entry`): its pair and one
/// separating comma in a flow mapping, or its whole line in a block mapping.
pub(crate) fn remove_field(
    text: &str,
    entry_path: &[PathSeg<'_>],
    entry: &Mapping,
    field: &str,
) -> Result<String, EditError> {
    let locator = Locator::new(text).map_err(|e| with_path(e, entry_path))?;
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
