//! `Cargo.toml` and `pyproject.toml`: the version is a literal string at one of a few key paths
//! (`[package] version`, `[project] version`, …).

use crate::domain::diagnostic::{line_of, Diagnostic};

use super::{finding, Slot};

struct Toml<'t> {
    text: &'t str,
    pos: usize,
}

/// A value found at a key, as far as version lookup cares.
enum TomlValue {
    /// A one-line basic or literal string; the range inside the quotes.
    Str(usize, usize),
    /// Anything else (inline table, array, number, multi-line string, ...).
    Other,
}

impl Toml<'_> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }
    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }
    fn at(&self, s: &str) -> bool {
        self.bytes()
            .get(self.pos..)
            .is_some_and(|b| b.starts_with(s.as_bytes()))
    }
    fn err(&self, message: &str) -> Diagnostic {
        finding(
            "version-file/invalid-toml",
            line_of(self.text, self.pos),
            format!("the file is not valid TOML: {message}"),
            "fix the TOML syntax at the reported line",
        )
    }
    fn skip_blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }
    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.pos += 1;
            }
        }
    }
    /// Blank space, comments and newlines (inside arrays).
    fn skip_space(&mut self) {
        loop {
            self.skip_blank();
            self.skip_comment();
            match self.peek() {
                Some(b'\n' | b'\r') => self.pos += 1,
                _ => return,
            }
        }
    }
    /// Expects the end of a line: blanks, an optional comment, then a newline or the end.
    fn end_of_line(&mut self) -> Result<(), Diagnostic> {
        self.skip_blank();
        self.skip_comment();
        if self.at("\r\n") {
            self.pos += 2;
            return Ok(());
        }
        match self.peek() {
            None => Ok(()),
            Some(b'\n') => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.err("expected the end of the line")),
        }
    }
    /// A one-line basic (`"…"`) or literal (`'…'`) string; returns the decoded text for keys
    /// and the range inside the quotes.
    fn one_line_string(&mut self) -> Result<(String, usize, usize), Diagnostic> {
        let quote = self.peek().ok_or_else(|| self.err("expected a string"))?;
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(self.err("unterminated string")),
                Some(b) if b == quote => break,
                Some(b'\\') if quote == b'"' => self.pos += 2,
                Some(_) => self.pos += 1,
            }
        }
        let end = self.pos;
        self.pos += 1;
        let raw = self.text.get(start..end).unwrap_or_default();
        Ok((raw.to_string(), start, end))
    }
    fn multi_line_string(&mut self, delim: &str) -> Result<(), Diagnostic> {
        self.pos += delim.len();
        loop {
            if self.at(delim) {
                self.pos += delim.len();
                // Up to two more quote characters may close the string (`""""`).
                let q = delim.as_bytes().first().copied();
                for _ in 0..2 {
                    if self.peek() == q {
                        self.pos += 1;
                    }
                }
                return Ok(());
            }
            match self.peek() {
                None => return Err(self.err("unterminated multi-line string")),
                Some(b'\\') if delim == "\"\"\"" => self.pos += 2,
                Some(_) => self.pos += 1,
            }
        }
    }
    /// A dotted key: `a`, `"a b".c`, `'x'`. Stops before `=` or `]`.
    fn key(&mut self) -> Result<Vec<String>, Diagnostic> {
        let mut parts = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                Some(b'"' | b'\'') => {
                    let (raw, _, _) = self.one_line_string()?;
                    if raw.contains('\\') {
                        // Escaped keys never name the version; keep them distinct.
                        parts.push(format!("\u{0}{raw}"));
                    } else {
                        parts.push(raw);
                    }
                }
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                    let start = self.pos;
                    while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        self.pos += 1;
                    }
                    parts.push(
                        self.text
                            .get(start..self.pos)
                            .unwrap_or_default()
                            .to_string(),
                    );
                }
                _ => return Err(self.err("expected a key")),
            }
            self.skip_blank();
            if self.peek() == Some(b'.') {
                self.pos += 1;
            } else {
                return Ok(parts);
            }
        }
    }
    /// Any value, without recursion; strings and nested arrays/inline tables are skipped.
    fn value(&mut self) -> Result<TomlValue, Diagnostic> {
        self.skip_blank();
        if self.at("\"\"\"") {
            self.multi_line_string("\"\"\"")?;
            return Ok(TomlValue::Other);
        }
        if self.at("'''") {
            self.multi_line_string("'''")?;
            return Ok(TomlValue::Other);
        }
        match self.peek() {
            Some(b'"' | b'\'') => {
                let quote = self.peek();
                let (raw, start, end) = self.one_line_string()?;
                if quote == Some(b'"') && raw.contains('\\') {
                    return Ok(TomlValue::Other);
                }
                Ok(TomlValue::Str(start, end))
            }
            Some(b'[' | b'{') => {
                let mut depth = 0usize;
                loop {
                    self.skip_space();
                    if self.at("\"\"\"") {
                        self.multi_line_string("\"\"\"")?;
                        continue;
                    }
                    if self.at("'''") {
                        self.multi_line_string("'''")?;
                        continue;
                    }
                    match self.peek() {
                        None => return Err(self.err("unterminated array or inline table")),
                        Some(b'[' | b'{') => {
                            depth += 1;
                            self.pos += 1;
                        }
                        Some(b']' | b'}') => {
                            depth = depth.saturating_sub(1);
                            self.pos += 1;
                            if depth == 0 {
                                return Ok(TomlValue::Other);
                            }
                        }
                        Some(b'"' | b'\'') => {
                            self.one_line_string()?;
                        }
                        Some(_) => self.pos += 1,
                    }
                }
            }
            Some(_) => {
                let start = self.pos;
                while matches!(self.peek(), Some(b) if !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'#'))
                {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(self.err("expected a value"));
                }
                Ok(TomlValue::Other)
            }
            None => Err(self.err("expected a value")),
        }
    }
}

pub(super) fn locate(
    text: &str,
    targets: &[&[&str]],
    where_: &str,
) -> Result<Vec<Slot>, Diagnostic> {
    let mut scan = Toml {
        text,
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
    };
    let mut table: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut not_literal: Option<usize> = None;
    let mut dynamic = false;
    loop {
        scan.skip_blank();
        scan.skip_comment();
        match scan.peek() {
            None => break,
            Some(b'\n') => {
                scan.pos += 1;
                continue;
            }
            Some(b'\r') if scan.at("\r\n") => {
                scan.pos += 2;
                continue;
            }
            Some(b'[') => {
                let array = scan.at("[[");
                scan.pos += if array { 2 } else { 1 };
                table = scan.key()?;
                let close = if array { "]]" } else { "]" };
                if !scan.at(close) {
                    return Err(scan.err("expected `]` after the table name"));
                }
                scan.pos += close.len();
                scan.end_of_line()?;
                if array {
                    // Array-of-tables entries never hold the package version.
                    table.insert(0, "\u{0}[[".into());
                }
            }
            Some(_) => {
                let line = scan.pos;
                let key = scan.key()?;
                scan.skip_blank();
                if scan.peek() != Some(b'=') {
                    return Err(scan.err("expected `=` after the key"));
                }
                scan.pos += 1;
                let full: Vec<&str> = table.iter().chain(&key).map(String::as_str).collect();
                let value = scan.value()?;
                let is_target = targets.contains(&full.as_slice());
                match value {
                    TomlValue::Str(start, end) if is_target => found.push(Slot { start, end }),
                    _ if is_target => not_literal = Some(line),
                    _ => {}
                }
                // `version.workspace = true` or `dynamic = ["version"]`.
                if targets
                    .iter()
                    .any(|t| full.len() > t.len() && full.get(..t.len()) == Some(*t))
                {
                    not_literal = Some(line);
                }
                if full.last() == Some(&"dynamic")
                    && full.first() == Some(&"project")
                    && text
                        .get(line..scan.pos)
                        .is_some_and(|s| s.contains("\"version\"") || s.contains("'version'"))
                {
                    dynamic = true;
                }
                scan.end_of_line()?;
            }
        }
    }
    if found.is_empty() {
        let (message, help) = if dynamic {
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
