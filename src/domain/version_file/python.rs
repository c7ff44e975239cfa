//! A Python module: the version is the string literal of a module-level `__version__ = "…"`.

use crate::domain::diagnostic::{line_of, Diagnostic};

use super::{finding, Slot};

pub(super) fn locate(text: &str) -> Result<Slot, Diagnostic> {
    let mut found: Vec<Slot> = Vec::new();
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_offset = offset;
        offset += raw_line.len();
        let line = raw_line.trim_start_matches('\u{feff}');
        let bom = raw_line.len() - line.len();
        let Some(rest) = line.strip_prefix("__version__") else {
            continue;
        };
        let after_name = line_offset + bom + "__version__".len();
        let ws = |s: &str| s.len() - s.trim_start_matches([' ', '\t']).len();
        let mut pos = ws(rest);
        let mut tail = rest.get(pos..).unwrap_or_default();
        // Optional annotation: `__version__: str = "1.0.0"`.
        if let Some(ann) = tail.strip_prefix(':') {
            let Some(eq) = ann.find('=') else { continue };
            pos += 1 + eq;
            tail = rest.get(pos..).unwrap_or_default();
        }
        let Some(value) = tail.strip_prefix('=') else {
            continue; // `__version__ == x`, `__version__.foo`: not an assignment
        };
        if value.starts_with('=') {
            continue;
        }
        pos += 1 + ws(value);
        let value = rest.get(pos..).unwrap_or_default();
        let line_no = line_of(text, line_offset);
        let quote = match value.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => {
                return Err(finding(
                    "version-file/not-a-literal",
                    line_no,
                    "`__version__` is not assigned a string literal",
                    "write `__version__ = \"1.2.3\"`",
                ))
            }
        };
        let inner = value.get(1..).unwrap_or_default();
        let close = inner.find(quote).unwrap_or(usize::MAX);
        let content = inner.get(..close).unwrap_or("\n");
        let after = inner
            .get(close.saturating_add(1)..)
            .unwrap_or_default()
            .trim();
        if inner.starts_with([quote, quote])
            || content.contains(['\\', '\n', '\r'])
            || !(after.is_empty() || after.starts_with('#'))
        {
            return Err(finding(
                "version-file/not-a-literal",
                line_no,
                "`__version__` is not a simple one-line string literal",
                "write `__version__ = \"1.2.3\"`",
            ));
        }
        let start = after_name + pos + 1;
        found.push(Slot {
            start,
            end: start + content.len(),
        });
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(finding(
            "version-file/missing-version",
            1,
            "no module-level `__version__ = \"…\"` line",
            "add `__version__ = \"1.2.3\"` at the start of a line",
        )),
        [_, second, ..] => Err(finding(
            "version-file/ambiguous-version",
            line_of(text, second.start),
            "`__version__` is assigned more than once",
            "keep a single module-level `__version__` assignment",
        )),
    }
}
