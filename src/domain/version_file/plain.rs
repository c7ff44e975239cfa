//! A plain `VERSION` file: the version is its only word.

use crate::domain::diagnostic::{line_of, Diagnostic};

use super::{finding, Slot};

pub(super) fn locate(text: &str) -> Result<Slot, Diagnostic> {
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = text.get(body_start..).unwrap_or_default();
    let trimmed_start = body.len() - body.trim_start().len();
    let content = body.trim();
    if content.is_empty() {
        return Err(finding(
            "version-file/missing-version",
            1,
            "the `VERSION` file is empty",
            "write the version, e.g. `1.2.3`, on the first line",
        ));
    }
    let start = body_start + trimmed_start;
    if content.contains(['\n', '\r']) || content.chars().any(char::is_whitespace) {
        return Err(finding(
            "version-file/malformed",
            line_of(text, start),
            "the `VERSION` file holds more than one word",
            "keep only the version in it",
        ));
    }
    Ok(Slot {
        start,
        end: start + content.len(),
    })
}
