//! npm `package.json`: the version is the top-level `"version"` string. `serde_json` judges
//! validity and the value; a small scanner finds the bytes.

use crate::domain::diagnostic::{line_of, Diagnostic};

use super::{finding, Slot};

struct Json<'t> {
    text: &'t str,
    pos: usize,
}

impl Json<'_> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }
    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }
    fn err(&self, message: &str) -> Diagnostic {
        finding(
            "version-file/invalid-json",
            line_of(self.text, self.pos),
            format!("`package.json` is not valid JSON: {message}"),
            "fix the JSON syntax at the reported line",
        )
    }
    /// Scans a string starting at `"`; returns the range inside the quotes.
    fn string(&mut self) -> Result<(usize, usize), Diagnostic> {
        if self.peek() != Some(b'"') {
            return Err(self.err("expected a string"));
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok((start, end));
                }
                Some(b'\\') => self.pos += 2,
                Some(_) => self.pos += 1,
            }
        }
    }
    /// Skips any value without recursion (nesting is counted).
    fn skip_value(&mut self) -> Result<(), Diagnostic> {
        let mut depth = 0usize;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.err("unexpected end of file")),
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.pos += 1;
                    continue;
                }
                Some(b'}' | b']') if depth > 0 => {
                    depth -= 1;
                    self.pos += 1;
                }
                Some(b',' | b':') if depth > 0 => {
                    self.pos += 1;
                    continue;
                }
                Some(_) => {
                    let start = self.pos;
                    while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
                    {
                        self.pos += 1;
                    }
                    if self.pos == start {
                        return Err(self.err("unexpected character"));
                    }
                }
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }
}

pub(super) fn locate(text: &str) -> Result<Slot, Diagnostic> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    // serde_json is the judge of validity and of the value; the scanner only finds the bytes.
    let parsed: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        finding(
            "version-file/invalid-json",
            e.line().max(1),
            format!("`package.json` is not valid JSON: {e}"),
            "fix the JSON syntax at the reported line",
        )
    })?;
    let mut scan = Json {
        text,
        pos: text.len() - body.len(),
    };
    scan.skip_ws();
    if scan.peek() != Some(b'{') {
        return Err(scan.err("the top level is not an object"));
    }
    scan.pos += 1;
    let mut found: Vec<(usize, usize)> = Vec::new();
    loop {
        scan.skip_ws();
        match scan.peek() {
            Some(b'}') => break,
            Some(b',') => {
                scan.pos += 1;
                continue;
            }
            _ => {}
        }
        let key = scan.string()?;
        scan.skip_ws();
        if scan.peek() != Some(b':') {
            return Err(scan.err("expected `:`"));
        }
        scan.pos += 1;
        scan.skip_ws();
        let is_version = text.get(key.0..key.1) == Some("version");
        if is_version && scan.peek() == Some(b'"') {
            found.push(scan.string()?);
        } else {
            if is_version {
                return Err(finding(
                    "version-file/not-a-literal",
                    line_of(text, scan.pos),
                    "`version` in `package.json` is not a string",
                    "write `\"version\": \"1.2.3\"`",
                ));
            }
            scan.skip_value()?;
        }
    }
    let (start, end) = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(finding(
                "version-file/missing-version",
                1,
                "`package.json` has no top-level `version`",
                "add `\"version\": \"1.2.3\"`",
            ))
        }
        [_, second, ..] => {
            return Err(finding(
                "version-file/ambiguous-version",
                line_of(text, second.0),
                "`package.json` has more than one top-level `version`",
                "keep a single `version` key",
            ))
        }
    };
    let raw = text.get(start..end).unwrap_or_default();
    if raw.contains('\\') || parsed.get("version").and_then(|v| v.as_str()) != Some(raw) {
        return Err(finding(
            "version-file/not-a-literal",
            line_of(text, start),
            "the `version` string of `package.json` uses escapes",
            "write the version without backslash escapes",
        ));
    }
    Ok(Slot { start, end })
}
