//! `Cargo.toml` and `pyproject.toml`: the version is a literal string at one of a few key paths
//! (`[package] version`, `[project] version`, …).
//!
//! `toml_edit` reads the document (TOML 1.1) and gives the byte span of each value; only the
//! characters inside the quotes of the version string are ever replaced, so every other byte,
//! comments and formatting included, is kept.
//! See: <https://toml.io/en/v1.1.0>

use toml_edit::{Document, Item, Table, Value};

use crate::domain::diagnostic::{line_of, Diagnostic};

use super::{finding, Slot};

/// What a target key path holds.
enum Found {
    /// Nothing: the key, or a table on the way to it, is missing.
    Absent,
    /// A one-line literal or basic string without escapes.
    Literal(Slot),
    /// Something else (`version.workspace = true`, a number, a multi-line or escaped string,
    /// …), at this byte offset.
    Other(usize),
}

/// The byte offset where `key` is written, when the parser recorded it.
fn key_start(key: &toml_edit::Key) -> Option<usize> {
    key.span().map(|s| s.start)
}

/// Whether the key is written without escapes: an escaped key (`"ver\u0073ion"`) never names
/// the version.
fn plain_key(text: &str, key: &toml_edit::Key) -> bool {
    key.span()
        .and_then(|s| text.get(s))
        .is_some_and(|raw| !raw.contains('\\'))
}

/// Whether a string, as written with its quotes, is a one-line literal (`'…'`) or basic (`"…"`)
/// string without escapes: the only kind whose characters are the version itself.
fn one_line_without_escapes(raw: &str) -> bool {
    let multi_line = raw.starts_with("\"\"\"") || raw.starts_with("'''");
    let escaped = raw.starts_with('"') && raw.contains('\\');
    raw.len() >= 2 && !multi_line && !escaped
}

/// Looks `path` up through tables (`[a.b]` headers and dotted keys, not inline tables or arrays
/// of tables, which never hold the package version).
fn find(text: &str, root: &Table, path: &[&str]) -> Found {
    let Some((last, tables)) = path.split_last() else {
        return Found::Absent;
    };
    let mut table = root;
    for name in tables {
        match table.get_key_value(name) {
            Some((key, Item::Table(t))) if plain_key(text, key) => table = t,
            _ => return Found::Absent,
        }
    }
    let Some((key, item)) = table.get_key_value(last) else {
        return Found::Absent;
    };
    if !plain_key(text, key) {
        return Found::Absent;
    }
    let at = key_start(key).or_else(|| item.span().map(|s| s.start));
    match item {
        Item::Value(Value::String(s)) => s
            .span()
            .filter(|span| text.get(span.clone()).is_some_and(one_line_without_escapes))
            .map_or(Found::Other(at.unwrap_or(0)), |span| {
                Found::Literal(Slot {
                    start: span.start + 1,
                    end: span.end - 1,
                })
            }),
        Item::Value(_) => Found::Other(at.unwrap_or(0)),
        // `version.workspace = true` or `[package.version]`: reported at its last entry.
        Item::Table(t) => last_entry(t).map_or(Found::Absent, Found::Other),
        Item::None | Item::ArrayOfTables(_) => Found::Absent,
    }
}

/// Byte offset of the key of the last entry written under `table`, at any depth through tables
/// (arrays of tables excepted); `None` when it has none.
fn last_entry(table: &Table) -> Option<usize> {
    let mut last = None;
    let mut stack = vec![table];
    while let Some(t) = stack.pop() {
        for (name, item) in t.iter() {
            match item {
                Item::Table(inner) => stack.push(inner),
                Item::Value(_) => last = last.max(t.key(name).and_then(key_start)),
                Item::None | Item::ArrayOfTables(_) => {}
            }
        }
    }
    last
}

/// Whether `[project] dynamic` lists `"version"`.
fn dynamic_version(text: &str, root: &Table) -> bool {
    let Some(Item::Table(project)) = root.get("project") else {
        return false;
    };
    project
        .get("dynamic")
        .and_then(Item::span)
        .and_then(|span| text.get(span))
        .is_some_and(|s| s.contains("\"version\"") || s.contains("'version'"))
}

/// The version strings at `targets`, in file order. `where_` names the tables in messages.
pub(super) fn locate(
    text: &str,
    targets: &[&[&str]],
    where_: &str,
) -> Result<Vec<Slot>, Diagnostic> {
    let doc = Document::parse(text).map_err(|e| {
        finding(
            "version-file/invalid-toml",
            e.span().map_or(1, |s| line_of(text, s.start)),
            format!("the file is not valid TOML: {}", e.message()),
            "fix the TOML syntax at the reported line",
        )
    })?;
    let root = doc.as_table();
    let mut found = Vec::new();
    let mut not_literal: Option<usize> = None;
    for target in targets {
        match find(text, root, target) {
            Found::Absent => {}
            Found::Literal(slot) => found.push(slot),
            Found::Other(at) => not_literal = not_literal.max(Some(at)),
        }
    }
    found.sort_by_key(|s| s.start);
    if found.is_empty() {
        let (message, help) = if dynamic_version(text, root) {
            (
                "the version is declared `dynamic`, so the file does not hold it".to_string(),
                "declare the version file that the build backend reads instead",
            )
        } else if not_literal.is_some() {
            (
                format!("the version in {where_} is not a literal string"),
                "write `version = \"1.2.3\"` here, or declare the file it is inherited from",
            )
        } else {
            (
                format!("no `version` in {where_}"),
                "add `version = \"1.2.3\"`",
            )
        };
        return Err(finding(
            "version-file/missing-version",
            not_literal.map_or(1, |p| line_of(text, p)),
            message,
            help,
        ));
    }
    Ok(found)
}
