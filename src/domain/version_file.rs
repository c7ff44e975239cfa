//! Version files: where a component's version is written besides `Chart.yaml`, and the
//! byte-exact edit of it.
//!
//! Recognised by file name, as `product.md` lists them: `Chart.yaml` (`version`, Helm),
//! `package.json` (top-level `"version"`, npm), `Cargo.toml` (`[package] version` and
//! `[workspace.package] version`, Cargo), `pyproject.toml` (`[project] version`, PEP 621, or
//! `[tool.poetry] version`), `*.py` (a module-level `__version__ = "…"`), and a plain `VERSION`
//! file. JSON and TOML are located with small scanners written for this purpose (no TOML
//! dependency); every edit changes only the characters of the version string and is verified by
//! reading the result again (and, for JSON, by comparing it with `serde_json`).

use semver::Version;

use crate::domain::diagnostic::{line_of, Diagnostic};
use crate::domain::yaml::EditError;

/// The kinds of version file release-action can read and bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionFileKind {
    /// Helm `Chart.yaml`: top-level `version`.
    Chart,
    /// npm `package.json`: top-level `"version"`.
    PackageJson,
    /// Cargo `Cargo.toml`: `[package] version` and/or `[workspace.package] version`.
    CargoToml,
    /// Python `pyproject.toml`: `[project] version` and/or `[tool.poetry] version`.
    PyProject,
    /// A Python module with `__version__ = "…"` at the start of a line.
    PythonModule,
    /// A file holding only the version (`VERSION`).
    PlainVersion,
}

/// The kind of version file at `path`, by its file name; `None` when it is not one.
///
/// ```
/// use release_action::domain::version_file::{kind_for_path, VersionFileKind};
/// assert_eq!(kind_for_path("frontend/package.json"), Some(VersionFileKind::PackageJson));
/// assert_eq!(kind_for_path("src/app/_version.py"), Some(VersionFileKind::PythonModule));
/// assert_eq!(kind_for_path("README.md"), None);
/// ```
pub fn kind_for_path(path: &str) -> Option<VersionFileKind> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match name {
        "Chart.yaml" => Some(VersionFileKind::Chart),
        "package.json" => Some(VersionFileKind::PackageJson),
        "Cargo.toml" => Some(VersionFileKind::CargoToml),
        "pyproject.toml" => Some(VersionFileKind::PyProject),
        "VERSION" => Some(VersionFileKind::PlainVersion),
        _ if name.len() > 3 && name.ends_with(".py") => Some(VersionFileKind::PythonModule),
        _ => None,
    }
}

/// One place a version is written: the byte range of its characters (inside any quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    start: usize,
    end: usize,
}

fn finding(code: &'static str, line: usize, message: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::error(code, message)
        .at_line(line)
        .with_help(help)
}

/// Reads the version of a version file: its text as written and its 1-based line.
///
/// The diagnostic has no file set; the caller adds it with [`Diagnostic::in_file`]. A
/// `Cargo.toml` or `pyproject.toml` that writes the version in both of its places must write
/// the same one.
///
/// ```
/// use release_action::domain::version_file::{read_version, VersionFileKind};
/// let text = "[package]\nname = \"x\"\nversion = \"0.4.1\"\n";
/// assert_eq!(read_version(VersionFileKind::CargoToml, text).unwrap(), ("0.4.1".to_string(), 3));
/// ```
pub fn read_version(kind: VersionFileKind, text: &str) -> Result<(String, usize), Diagnostic> {
    if kind == VersionFileKind::Chart {
        return crate::domain::chart::parse_chart(text, "Chart.yaml")
            .map(|c| (c.version, c.version_line))
            .map_err(|d| {
                d.into_iter().next().map_or_else(
                    || {
                        Diagnostic::error(
                            "version-file/unreadable",
                            "the chart file cannot be read",
                        )
                    },
                    |mut d| {
                        d.file = None;
                        d
                    },
                )
            });
    }
    let slots = locate(kind, text)?;
    let first = slots.first().copied().ok_or_else(|| {
        finding(
            "version-file/missing-version",
            1,
            "no version found",
            "write the version in the file",
        )
    })?;
    let value = text.get(first.start..first.end).unwrap_or_default();
    for slot in slots.iter().skip(1) {
        let other = text.get(slot.start..slot.end).unwrap_or_default();
        if other != value {
            return Err(finding(
                "version-file/disagreeing-versions",
                line_of(text, slot.start),
                format!("the file writes two versions, `{value}` and `{other}`"),
                "make both versions equal",
            ));
        }
    }
    Ok((value.to_string(), line_of(text, first.start)))
}

/// Sets the version of a version file, changing only the characters of the version (every
/// place it is written, for `Cargo.toml` and `pyproject.toml`). Quotes, comments, line endings,
/// a byte-order mark and all other bytes are kept. The result is read again and must give
/// exactly `version`; a `package.json` must also compare equal, as JSON, to the original with
/// only `version` changed.
///
/// Refused: a file without a literal version (`version.workspace = true`, `dynamic =
/// ["version"]`, `__version__ = get_version()`), two differing versions in one file, a version
/// string with escapes, several `__version__` lines, and malformed JSON.
///
/// ```
/// use release_action::domain::version_file::{set_version, VersionFileKind};
/// let text = "{\r\n  \"name\": \"web\",\r\n  \"version\": \"1.0.0\"\r\n}\r\n";
/// let out = set_version(VersionFileKind::PackageJson, text, &semver::Version::new(1, 1, 0)).unwrap();
/// assert_eq!(out, "{\r\n  \"name\": \"web\",\r\n  \"version\": \"1.1.0\"\r\n}\r\n");
/// ```
pub fn set_version(
    kind: VersionFileKind,
    text: &str,
    version: &Version,
) -> Result<String, EditError> {
    let new = version.to_string();
    if kind == VersionFileKind::Chart {
        return crate::domain::chart::set_chart_version(text, version);
    }
    let path = version_path(kind);
    let slots = locate(kind, text).map_err(|d| EditError::Malformed {
        line: d.line.unwrap_or(1),
        message: d.message,
    })?;
    if slots.is_empty() {
        return Err(EditError::Missing { path: path.into() });
    }
    // Agreement is a precondition: never "fix" a file by overwriting two different versions.
    read_version(kind, text).map_err(|d| EditError::Unsupported {
        path: path.into(),
        reason: d.message,
    })?;
    let mut out = String::with_capacity(text.len() + new.len());
    let mut cursor = 0;
    for slot in &slots {
        out.push_str(text.get(cursor..slot.start).unwrap_or_default());
        out.push_str(&new);
        cursor = slot.end;
    }
    out.push_str(text.get(cursor..).unwrap_or_default());
    verify(kind, text, &out, &slots, &new, path)?;
    Ok(out)
}

fn version_path(kind: VersionFileKind) -> &'static str {
    match kind {
        VersionFileKind::Chart => "version",
        VersionFileKind::PackageJson => "version",
        VersionFileKind::CargoToml => "package.version",
        VersionFileKind::PyProject => "project.version",
        VersionFileKind::PythonModule => "__version__",
        VersionFileKind::PlainVersion => "VERSION",
    }
}

fn verify(
    kind: VersionFileKind,
    old: &str,
    new_text: &str,
    old_slots: &[Slot],
    new: &str,
    path: &str,
) -> Result<(), EditError> {
    let fail = |detail: &str| EditError::Verification {
        path: path.to_string(),
        detail: detail.to_string(),
    };
    let new_slots = locate(kind, new_text).map_err(|_| fail("the result cannot be read again"))?;
    if new_slots.len() != old_slots.len()
        || new_slots
            .iter()
            .any(|s| new_text.get(s.start..s.end) != Some(new))
    {
        return Err(fail(
            "the result does not hold the new version in the same places",
        ));
    }
    // Every byte outside the version characters is unchanged.
    let mut prev_old = 0;
    let mut prev_new = 0;
    for (o, n) in old_slots.iter().zip(&new_slots) {
        if old.get(prev_old..o.start) != new_text.get(prev_new..n.start) {
            return Err(fail("bytes outside the version changed"));
        }
        prev_old = o.end;
        prev_new = n.end;
    }
    if old.get(prev_old..) != new_text.get(prev_new..) {
        return Err(fail("bytes outside the version changed"));
    }
    if kind == VersionFileKind::PackageJson {
        let body =
            |t: &str| serde_json::from_str::<serde_json::Value>(t.trim_start_matches('\u{feff}'));
        let mut expected = body(old).map_err(|_| fail("the original is not JSON"))?;
        if let Some(obj) = expected.as_object_mut() {
            obj.insert("version".into(), serde_json::Value::String(new.to_string()));
        }
        let got = body(new_text).map_err(|_| fail("the result is not JSON"))?;
        if got != expected {
            return Err(fail("the result reads differently as JSON"));
        }
    }
    Ok(())
}

fn locate(kind: VersionFileKind, text: &str) -> Result<Vec<Slot>, Diagnostic> {
    match kind {
        VersionFileKind::Chart => Ok(Vec::new()),
        VersionFileKind::PackageJson => locate_json(text).map(|s| vec![s]),
        VersionFileKind::CargoToml => locate_toml(
            text,
            &[
                &["package", "version"],
                &["workspace", "package", "version"],
            ],
            "`[package]` or `[workspace.package]`",
        ),
        VersionFileKind::PyProject => locate_toml(
            text,
            &[&["project", "version"], &["tool", "poetry", "version"]],
            "`[project]` or `[tool.poetry]`",
        ),
        VersionFileKind::PythonModule => locate_python(text).map(|s| vec![s]),
        VersionFileKind::PlainVersion => locate_plain(text).map(|s| vec![s]),
    }
}

// ---------------------------------------------------------------------------------------------
// VERSION

fn locate_plain(text: &str) -> Result<Slot, Diagnostic> {
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

// ---------------------------------------------------------------------------------------------
// *.py

fn locate_python(text: &str) -> Result<Slot, Diagnostic> {
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

// ---------------------------------------------------------------------------------------------
// package.json

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

fn locate_json(text: &str) -> Result<Slot, Diagnostic> {
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

// ---------------------------------------------------------------------------------------------
// Cargo.toml, pyproject.toml

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

fn locate_toml(text: &str, targets: &[&[&str]], where_: &str) -> Result<Vec<Slot>, Diagnostic> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use VersionFileKind::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn kind_for_path_goes_by_file_name() {
        let cases: &[(&str, Option<VersionFileKind>)] = &[
            ("helm/charts/web/Chart.yaml", Some(Chart)),
            ("package.json", Some(PackageJson)),
            ("frontend/package.json", Some(PackageJson)),
            ("Cargo.toml", Some(CargoToml)),
            ("py/pyproject.toml", Some(PyProject)),
            ("src/pkg/__init__.py", Some(PythonModule)),
            ("VERSION", Some(PlainVersion)),
            ("win\\VERSION", Some(PlainVersion)),
            ("Chart.yml", None),
            ("package-lock.json", None),
            (".py", None),
            ("VERSION.txt", None),
            ("", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind_for_path(path), *want, "{path:?}");
        }
    }

    #[test]
    fn read_version_finds_the_version_and_its_line() {
        let cases: &[(VersionFileKind, &str, &str, usize)] = &[
            (Chart, "name: a\nversion: 1.2.3\n", "1.2.3", 2),
            (PackageJson, "{\"name\": \"a\", \"version\": \"1.2.3\"}", "1.2.3", 1),
            (PackageJson, "\u{feff}{\n  \"dependencies\": {\"version\": \"9\"},\n  \"version\": \"1.2.3\"\n}\n", "1.2.3", 3),
            (PackageJson, "{\"scripts\": {\"a\": \"x\\\"}\"}, \"version\": \"2.0.0\"}", "2.0.0", 1),
            (CargoToml, "[package]\nname = \"a\"\nversion = \"0.1.0\"\n", "0.1.0", 3),
            (CargoToml, "[workspace.package]\nversion = '0.2.0'\n[package]\nversion.workspace = true\n", "0.2.0", 2),
            (CargoToml, "[dependencies]\nserde = { version = \"1\" }\n[package]\nversion = \"3.0.0\" # c\n", "3.0.0", 4),
            (CargoToml, "[package]\ndescription = \"\"\"\n[dependencies]\nversion = \"9\"\n\"\"\"\nversion = \"1.0.0\"\n", "1.0.0", 6),
            (CargoToml, "[package]\nkeywords = [\n  \"version = 2\", # c\n]\n\"version\" = \"1.0.0\"\r\n", "1.0.0", 5),
            (PyProject, "[project]\nname = \"a\"\nversion = \"0.3.0\"\n", "0.3.0", 3),
            (PyProject, "[tool.poetry]\nversion = \"0.4.0\"\n[tool.black]\nversion = 1\n", "0.4.0", 2),
            (PythonModule, "\"\"\"doc\"\"\"\n__version__ = \"1.0.0\"\n", "1.0.0", 2),
            (PythonModule, "__version__: str = '1.0.0'  # managed\n", "1.0.0", 1),
            (PythonModule, "def f():\n    __version__ = \"9\"\n__version__ = \"1.0.0\"\n", "1.0.0", 3),
            (PlainVersion, "1.2.3\n", "1.2.3", 1),
            (PlainVersion, "\u{feff}\n  v1.2.3 \r\n", "v1.2.3", 2),
        ];
        for (kind, text, want, line) in cases {
            assert_eq!(
                read_version(*kind, text).map_err(|d| d.message),
                Ok(((*want).to_string(), *line)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn read_version_refuses_files_without_a_literal_version() {
        let cases: &[(VersionFileKind, &str, &str)] = &[
            (Chart, "", "chart/empty"),
            (
                PackageJson,
                "{\"name\": \"a\"}",
                "version-file/missing-version",
            ),
            (
                PackageJson,
                "{\"version\": 1}",
                "version-file/not-a-literal",
            ),
            (
                PackageJson,
                "{\"version\": \"1.0.0\", \"version\": \"2.0.0\"}",
                "version-file/ambiguous-version",
            ),
            (
                PackageJson,
                "{\"version\": \"1.0.\\u0030\"}",
                "version-file/not-a-literal",
            ),
            (PackageJson, "{\"version\": ", "version-file/invalid-json"),
            (PackageJson, "[1]", "version-file/invalid-json"),
            (
                CargoToml,
                "[package]\nversion.workspace = true\n",
                "version-file/missing-version",
            ),
            (
                CargoToml,
                "[package]\nname = \"a\"\n",
                "version-file/missing-version",
            ),
            (
                CargoToml,
                "[package]\nversion = \"1.0.0\"\n[workspace.package]\nversion = \"2.0.0\"\n",
                "version-file/disagreeing-versions",
            ),
            (
                CargoToml,
                "[package\nversion = \"1\"\n",
                "version-file/invalid-toml",
            ),
            (
                CargoToml,
                "[package]\nversion = \"\"\"\n1.0.0\"\"\"\n",
                "version-file/missing-version",
            ),
            (
                PyProject,
                "[project]\ndynamic = [\"version\"]\n",
                "version-file/missing-version",
            ),
            (PythonModule, "import x\n", "version-file/missing-version"),
            (
                PythonModule,
                "__version__ = get()\n",
                "version-file/not-a-literal",
            ),
            (
                PythonModule,
                "__version__ = \"1\"\n__version__ = \"2\"\n",
                "version-file/ambiguous-version",
            ),
            (
                PythonModule,
                "__version__ = \"\"\"1.0.0\"\"\"\n",
                "version-file/not-a-literal",
            ),
            (
                PythonModule,
                "__version__ = \"1.0.0\" + x\n",
                "version-file/not-a-literal",
            ),
            (PlainVersion, "\n\n", "version-file/missing-version"),
            (PlainVersion, "1.0.0\n2.0.0\n", "version-file/malformed"),
        ];
        for (kind, text, code) in cases {
            assert_eq!(
                read_version(*kind, text).map_err(|d| d.code),
                Err(*code),
                "{text:?}"
            );
        }
    }

    #[test]
    fn set_version_changes_only_the_version_characters() {
        let cases: &[(VersionFileKind, &str, &str)] = &[
            (
                Chart,
                "name: a\nversion: \"1.0.0\"\n",
                "name: a\nversion: \"2.0.0\"\n",
            ),
            (
                PackageJson,
                "{\n  \"version\": \"1.0.0\",\n  \"x\": {\"version\": \"1.0.0\"}\n}",
                "{\n  \"version\": \"2.0.0\",\n  \"x\": {\"version\": \"1.0.0\"}\n}",
            ),
            (
                PackageJson,
                "\u{feff}{\"version\":\"1.0.0\"}\r\n",
                "\u{feff}{\"version\":\"2.0.0\"}\r\n",
            ),
            (
                CargoToml,
                "[package]\r\nversion = \"1.0.0\" # x\r\n[dependencies]\r\nversion = \"1\"\r\n",
                "[package]\r\nversion = \"2.0.0\" # x\r\n[dependencies]\r\nversion = \"1\"\r\n",
            ),
            (
                CargoToml,
                "[workspace.package]\nversion = '1.0.0'\n[package]\nversion = \"1.0.0\"\n",
                "[workspace.package]\nversion = '2.0.0'\n[package]\nversion = \"2.0.0\"\n",
            ),
            (
                PyProject,
                "[project]\nversion=\"1.0.0\"\n",
                "[project]\nversion=\"2.0.0\"\n",
            ),
            (
                PythonModule,
                "__version__ = '1.0.0'\n",
                "__version__ = '2.0.0'\n",
            ),
            (PlainVersion, "1.0.0", "2.0.0"),
            (
                PlainVersion,
                "\u{feff}1.0.0\r\n\r\n",
                "\u{feff}2.0.0\r\n\r\n",
            ),
        ];
        for (kind, text, want) in cases {
            assert_eq!(
                set_version(*kind, text, &v("2.0.0")).as_deref(),
                Ok(*want),
                "{text:?}"
            );
        }
    }

    #[test]
    fn set_version_refuses_when_reading_fails() {
        let cases: &[(VersionFileKind, &str)] = &[
            (CargoToml, "[package]\nversion.workspace = true\n"),
            (
                CargoToml,
                "[package]\nversion = \"1.0.0\"\n[workspace.package]\nversion = \"2.0.0\"\n",
            ),
            (PackageJson, "{}"),
            (PythonModule, ""),
            (PlainVersion, ""),
            (Chart, ""),
        ];
        for (kind, text) in cases {
            assert!(set_version(*kind, text, &v("2.0.0")).is_err(), "{text:?}");
        }
    }
}
