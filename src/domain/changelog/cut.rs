//! Cutting a release: the entries under `[Unreleased]` move into a new dated
//! section right below a now-empty `[Unreleased]`, and the compare links
//! follow, as Keep a Changelog 1.1.0 (<https://keepachangelog.com/en/1.1.0/>)
//! lays them out.
//!
//! Limits of this format-preserving edit: only the inserted heading, the
//! inserted link definition and the rewritten `[Unreleased]` link change; every
//! other byte (BOM, CRLF, no final newline, trailing spaces) is kept. The new
//! heading copies the style of the newest release heading (heading level of
//! `[Unreleased]`; brackets, `v` prefix, `Version` prefix, dash or parentheses
//! around the date, inline compare link). Links are only rewritten when the
//! old version can be found in them; the new tag name is the old one with its
//! version replaced (`v1.0.0-frontend` → `v1.1.0-frontend`).

use std::ops::Range;

use super::title::{date_problem, normalize_version};
use super::{parse, Changelog, Heading, LinkDef, Section};
use crate::domain::diagnostic::Diagnostic;

/// Why [`cut_release`] could not cut the release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CutError {
    /// There is no `[Unreleased]` heading to take the entries from.
    #[error("the changelog has no `## [Unreleased]` section")]
    NoUnreleased,
    /// `[Unreleased]` exists but lists nothing.
    #[error("`[Unreleased]` on line {line} has no entries to release")]
    EmptyUnreleased {
        /// 1-based line of the `[Unreleased]` heading.
        line: usize,
    },
    /// The version already has a section.
    #[error("the changelog already has a section for `{version}` on line {line}")]
    VersionExists {
        /// The version asked for.
        version: String,
        /// 1-based line of the existing heading.
        line: usize,
    },
    /// The date is not `YYYY-MM-DD`.
    #[error("the release date `{date}` is {problem}")]
    InvalidDate {
        /// The date given.
        date: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}

impl CutError {
    /// The same problem as a finding about the changelog (no file set).
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            CutError::NoUnreleased => {
                Diagnostic::error("changelog/no-unreleased", self.to_string())
                    .with_help("add a `## [Unreleased]` section listing the changes to release")
            }
            CutError::EmptyUnreleased { line } => {
                Diagnostic::error("changelog/empty-unreleased", self.to_string())
                    .at_line(*line)
                    .with_help("list the changes under `## [Unreleased]` before releasing")
            }
            CutError::VersionExists { line, .. } => {
                Diagnostic::error("changelog/duplicate-version", self.to_string())
                    .at_line(*line)
                    .with_help("pick a version above the newest release")
            }
            CutError::InvalidDate { .. } => {
                Diagnostic::error("changelog/invalid-date", self.to_string())
                    .with_help("dates use ISO 8601, e.g. `2025-03-01`")
            }
        }
    }
}

/// Moves the `[Unreleased]` entries into a new `## [version] - date` section
/// right below `[Unreleased]`, and updates the compare links in the file's
/// style: `[Unreleased]: …/compare/v1.0.0...HEAD` becomes
/// `…/compare/v1.1.0...HEAD`, and `[1.1.0]: …/compare/v1.0.0...v1.1.0` is
/// added above `[1.0.0]`'s definition. A file without version links gets
/// none. Inserted lines use the file's line ending.
///
/// ```
/// use release_action::domain::changelog::cut_release;
/// let text = concat!(
///     "## [Unreleased]\n\n### Added\n- New\n\n",
///     "## [1.0.0] - 2024-01-01\n\n- First\n\n",
///     "[Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD\n",
///     "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n",
/// );
/// let out = cut_release(text, &semver::Version::new(1, 1, 0), "2024-02-01").unwrap();
/// assert_eq!(out, concat!(
///     "## [Unreleased]\n\n",
///     "## [1.1.0] - 2024-02-01\n\n### Added\n- New\n\n",
///     "## [1.0.0] - 2024-01-01\n\n- First\n\n",
///     "[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n",
///     "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n",
///     "[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n",
/// ));
/// ```
///
/// # Errors
///
/// [`CutError`] when there is no `[Unreleased]` section, it is empty, the
/// version already has a section, or the date is not `YYYY-MM-DD`.
pub fn cut_release(text: &str, version: &semver::Version, date: &str) -> Result<String, CutError> {
    if let Some(problem) = date_problem(date) {
        return Err(CutError::InvalidDate {
            date: date.to_owned(),
            problem,
        });
    }
    let log = parse(text);
    let new = version.to_string();
    let unreleased = log.unreleased().ok_or(CutError::NoUnreleased)?;
    if let Some(existing) = log
        .releases()
        .find(|s| s.heading.version() == Some(new.as_str()))
    {
        return Err(CutError::VersionExists {
            version: new,
            line: existing.line,
        });
    }
    let content = text.get(unreleased.content_range.clone()).unwrap_or("");
    if content.trim().is_empty() {
        return Err(CutError::EmptyUnreleased {
            line: unreleased.line,
        });
    }

    let latest = log.releases().next();
    // The newest release's version, as tags spell it: a heading that lists
    // several module versions (`1.45.0/0.67.0`) is tagged by its first.
    let old: Option<String> = latest.and_then(|s| s.heading.version()).map(|v| {
        if semver::Version::parse(v).is_ok() {
            v.to_owned()
        } else {
            find_version(v).unwrap_or(v).to_owned()
        }
    });
    let eol = log.line_ending;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();

    let v_prefix = match latest.map(|s| &s.heading) {
        Some(Heading::Release { raw_version, .. }) if raw_version.starts_with(['v', 'V']) => {
            raw_version.get(..1).unwrap_or("")
        }
        _ => "",
    };
    let label = format!("{v_prefix}{new}");

    // The new heading, in the style of the newest release.
    let heading_link = latest.zip(old.as_deref()).and_then(|(s, old)| {
        s.link
            .as_deref()
            .and_then(|url| next_release_url(url, old, &new))
    });
    let heading = new_heading(unreleased, latest, &label, heading_link.as_deref(), date);
    let at = unreleased.content_range.start;
    let lead = if at == unreleased.heading_range.end {
        eol
    } else {
        ""
    };
    edits.push((at..at, format!("{lead}{heading}{eol}{eol}")));

    // An inline compare link on the `[Unreleased]` heading itself.
    if let (Some(url), Some(old)) = (&unreleased.link, &old) {
        if let Some(updated) = replace_version(url, old, &new) {
            let range = unreleased.heading_range.clone();
            if let Some(pos) = text.get(range.clone()).and_then(|h| h.find(url.as_str())) {
                let start = range.start + pos;
                edits.push((start..start + url.len(), updated));
            }
        }
    }

    link_edits(
        text,
        &log,
        unreleased,
        latest,
        old.as_deref(),
        &new,
        &label,
        &mut edits,
    );

    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut pos = 0;
    for (range, replacement) in edits {
        if range.start < pos {
            continue;
        }
        out.push_str(text.get(pos..range.start).unwrap_or(""));
        out.push_str(&replacement);
        pos = range.end;
    }
    out.push_str(text.get(pos..).unwrap_or(""));
    Ok(out)
}

fn new_heading(
    unreleased: &Section,
    latest: Option<&Section>,
    label: &str,
    link: Option<&str>,
    date: &str,
) -> String {
    let hashes = "#".repeat(usize::from(unreleased.level.clamp(1, 6)));
    let style = latest.unwrap_or(unreleased);
    let prefix = latest
        .and_then(|s| s.prefix.as_deref())
        .map(|p| format!("{p} "))
        .unwrap_or_default();
    let bracketed = style.label.is_some() || link.is_some();
    let name = if bracketed {
        format!("[{label}]")
    } else {
        label.to_owned()
    };
    let link = link.map(|u| format!("({u})")).unwrap_or_default();
    let latest_dated = matches!(
        latest.map(|s| &s.heading),
        Some(Heading::Release { date: Some(_), .. })
    );
    let date_part = match latest {
        Some(s) if s.date_in_parens => format!(" ({date})"),
        Some(s) if s.dash.is_some() => format!(" {} {date}", s.dash.unwrap_or('-')),
        Some(_) if latest_dated => format!(" {date}"),
        _ => format!(" - {date}"),
    };
    format!("{hashes} {prefix}{name}{link}{date_part}")
}

/// Rewrites `[Unreleased]: …/compare/<old>...HEAD` and adds the new version's
/// definition above the previous version's (or below `[Unreleased]`'s).
#[allow(clippy::too_many_arguments)]
fn link_edits(
    text: &str,
    log: &Changelog,
    unreleased: &Section,
    latest: Option<&Section>,
    old: Option<&str>,
    new: &str,
    label: &str,
    edits: &mut Vec<(Range<usize>, String)>,
) {
    let unreleased_def = unreleased
        .reference
        .as_deref()
        .and_then(|r| log.link(r))
        .or_else(|| log.link("Unreleased"));
    let previous_def = latest.and_then(|s| previous_def(log, s));
    if unreleased_def.is_none() && previous_def.is_none() {
        return;
    }
    let mut new_url: Option<String> = None;
    if let Some(def) = unreleased_def {
        let compare = split_compare(&def.url);
        let old_here: Option<String> = old.map(str::to_owned).or_else(|| {
            compare
                .and_then(|(_, a, _, _)| find_version(a))
                .map(str::to_owned)
        });
        if let Some(old_here) = old_here {
            match compare {
                Some((base, a, sep, b)) => {
                    if let Some(a2) = replace_version(a, &old_here, new) {
                        edits.push((def.url_range.clone(), format!("{base}{a2}{sep}{b}")));
                        new_url = Some(format!("{base}{a}{sep}{a2}"));
                    }
                }
                None => {
                    if let Some(updated) = replace_version(&def.url, &old_here, new) {
                        edits.push((def.url_range.clone(), updated));
                    }
                }
            }
        }
    }
    if new_url.is_none() {
        if let (Some(def), Some(old)) = (previous_def, old) {
            new_url = next_release_url(&def.url, old, new);
        }
    }
    let Some(url) = new_url else { return };
    let line = format!("[{label}]: {url}");
    let eol = log.line_ending;
    if let Some(def) = previous_def {
        let at = def.range.start;
        edits.push((at..at, format!("{line}{eol}")));
    } else if let Some(def) = unreleased_def {
        let at = def.range.end;
        let ends_line = text.get(..at).is_some_and(|t| t.ends_with('\n'));
        let insert = if ends_line {
            format!("{line}{eol}")
        } else {
            format!("{eol}{line}")
        };
        edits.push((at..at, insert));
    }
}

/// The link definition of the release `section`, looked up by its reference,
/// its bracketed label, or its version with or without `v`.
fn previous_def<'a>(log: &'a Changelog, section: &Section) -> Option<&'a LinkDef> {
    let version = section.heading.version()?;
    let raw = match &section.heading {
        Heading::Release { raw_version, .. } => raw_version.as_str(),
        Heading::Unreleased => version,
    };
    let v = format!("v{version}");
    let found = [
        section.reference.as_deref(),
        section.label.as_deref(),
        Some(raw),
        Some(version),
        Some(v.as_str()),
    ]
    .into_iter()
    .flatten()
    .find_map(|l| log.link(l));
    found
}

/// The URL for the release after the one `url` links to: a compare link
/// `…/compare/A...B` becomes `…/compare/B...B'`; any other link gets its
/// version replaced.
fn next_release_url(url: &str, old: &str, new: &str) -> Option<String> {
    if let Some((base, _, sep, b)) = split_compare(url) {
        if let Some(b2) = replace_version(b, old, new) {
            return Some(format!("{base}{b}{sep}{b2}"));
        }
    }
    replace_version(url, old, new)
}

/// `https://host/o/r/compare/A...B` → (`https://host/o/r/compare/`, A, `...`, B).
fn split_compare(url: &str) -> Option<(&str, &str, &str, &str)> {
    let idx = url.rfind("/compare/")? + "/compare/".len();
    let base = url.get(..idx)?;
    let spec = url.get(idx..)?;
    let (at, sep) = match spec.find("...") {
        Some(i) => (i, "..."),
        None => (spec.find("..")?, ".."),
    };
    let a = spec.get(..at)?;
    let b = spec.get(at + sep.len()..)?;
    if a.is_empty() || b.is_empty() {
        return None;
    }
    Some((base, a, sep, b))
}

/// `s` with its first whole occurrence of version `old` replaced by `new`
/// (`v11.0.0` does not contain `1.0.0`; `v1.0.0-frontend` does).
fn replace_version(s: &str, old: &str, new: &str) -> Option<String> {
    let old = normalize_version(old);
    if old.is_empty() {
        return None;
    }
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = s.get(from..).and_then(|t| t.find(old)).map(|i| i + from) {
        let end = i + old.len();
        let before_ok = i == 0
            || !bytes
                .get(i - 1)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'.');
        let after_ok = match bytes.get(end) {
            None => true,
            Some(b) if b.is_ascii_digit() => false,
            Some(b'.') => !bytes.get(end + 1).is_some_and(u8::is_ascii_digit),
            Some(_) => true,
        };
        if before_ok && after_ok {
            let mut out = String::with_capacity(s.len() + new.len());
            out.push_str(s.get(..i)?);
            out.push_str(new);
            out.push_str(s.get(end..)?);
            return Some(out);
        }
        from = i + 1;
    }
    None
}

/// The first `X.Y.Z` in `s`.
fn find_version(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i).is_some_and(u8::is_ascii_digit)
            && (i == 0 || !bytes.get(i - 1).is_some_and(u8::is_ascii_digit))
        {
            let mut j = i;
            let mut parts = 0;
            loop {
                let digits = bytes
                    .get(j..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if digits == 0 {
                    break;
                }
                j += digits;
                parts += 1;
                if parts < 3 && bytes.get(j) == Some(&b'.') {
                    j += 1;
                } else {
                    break;
                }
            }
            if parts == 3 {
                return s.get(i..j);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{find_version, replace_version, split_compare};

    #[test]
    fn replace_version_only_replaces_whole_versions() {
        let cases = [
            ("v1.0.0", "1.0.0", "1.1.0", Some("v1.1.0")),
            ("v1.0.0-frontend", "1.0.0", "1.1.0", Some("v1.1.0-frontend")),
            ("frontend-1.0.0", "1.0.0", "1.1.0", Some("frontend-1.1.0")),
            ("frontend/v1.0.0", "1.0.0", "2.0.0", Some("frontend/v2.0.0")),
            ("v11.0.0", "1.0.0", "1.1.0", None),
            ("v1.0.0.1", "1.0.0", "1.1.0", None),
            ("v1.0.01", "1.0.0", "1.1.0", None),
            ("a-1.0.0-b-1.0.0", "1.0.0", "1.1.0", Some("a-1.1.0-b-1.0.0")),
            ("HEAD", "1.0.0", "1.1.0", None),
            ("x", "", "1.1.0", None),
        ];
        for (s, old, new, want) in cases {
            assert_eq!(replace_version(s, old, new).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn split_compare_reads_two_and_three_dot_ranges() {
        assert_eq!(
            split_compare("https://g/o/r/compare/v1...HEAD"),
            Some(("https://g/o/r/compare/", "v1", "...", "HEAD"))
        );
        assert_eq!(
            split_compare("https://g/o/r/-/compare/v1..v2"),
            Some(("https://g/o/r/-/compare/", "v1", "..", "v2"))
        );
        assert_eq!(split_compare("https://g/o/r/releases/tag/v1"), None);
        assert_eq!(split_compare("https://g/o/r/compare/...HEAD"), None);
    }

    #[test]
    fn find_version_finds_the_first_three_part_version() {
        assert_eq!(find_version("v0.1.0-x"), Some("0.1.0"));
        assert_eq!(find_version("release-2024.1"), None);
        assert_eq!(find_version("a1.2b3.4.5"), Some("3.4.5"));
        assert_eq!(find_version(""), None);
    }
}
