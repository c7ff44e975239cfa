//! Version files: where a component's version is written besides `Chart.yaml`, and the
//! byte-exact edit of it.
//!
//! Recognised by file name, as `product.md` lists them: `Chart.yaml` (`version`, Helm),
//! `package.json` (top-level `"version"`, npm), `Cargo.toml` (`[package] version` and
//! `[workspace.package] version`, Cargo), `pyproject.toml` (`[project] version`, PEP 621, or
//! `[tool.poetry] version`), `*.py` (a module-level `__version__ = "…"`), and a plain `VERSION`
//! file. JSON is located with a small scanner written for this purpose and TOML with the spans
//! of `toml_edit`; every edit changes only the characters of the version string and is verified
//! by reading the result again (and, for JSON, by comparing it with `serde_json`).
//!
//! This module reads and writes through one format module per kind (`plain`, `python`, `json`,
//! `toml`), each of which only finds the byte ranges of the version; the checks that the
//! versions agree and that the edit changed nothing else are here.

use semver::Version;

use crate::domain::diagnostic::{line_of, Diagnostic};
use crate::domain::yaml::EditError;

mod json;
mod plain;
mod python;
mod toml;

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
        VersionFileKind::PackageJson => json::locate(text).map(|s| vec![s]),
        VersionFileKind::CargoToml => toml::locate(
            text,
            &[
                &["package", "version"],
                &["workspace", "package", "version"],
            ],
            "`[package]` or `[workspace.package]`",
        ),
        VersionFileKind::PyProject => toml::locate(
            text,
            &[&["project", "version"], &["tool", "poetry", "version"]],
            "`[project]` or `[tool.poetry]`",
        ),
        VersionFileKind::PythonModule => python::locate(text).map(|s| vec![s]),
        VersionFileKind::PlainVersion => plain::locate(text).map(|s| vec![s]),
    }
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
