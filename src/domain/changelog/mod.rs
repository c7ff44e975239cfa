//! The changelog: a [Keep a Changelog 1.1.0](https://keepachangelog.com/en/1.1.0/)
//! model of `CHANGELOG.md` with line numbers and byte spans, and the operations
//! release-action needs on it: read a release's notes ([`extract`],
//! [`sections_between`]), check the file ([`validate`],
//! [`has_dated_nonempty_section`]), infer the next bump ([`unreleased_bump`]) and
//! move `[Unreleased]` into a dated release ([`cut_release`]).
//!
//! Parsing is CommonMark-aware (<https://spec.commonmark.org/0.31.2/>): a
//! `## [1.2.3]` inside a fenced or indented code block, an HTML comment or an
//! HTML block is not a heading, and Setext (`===`/`---`) headings are read as
//! headings. It is lenient about the headings found in real files (brackets or
//! not, `v` prefixes, inline compare links, dates in parentheses, en/em dashes,
//! `[YANKED]`, `<small>`), never fails and never panics; [`validate`] says what
//! does not follow the format. Versions follow SemVer 2.0.0
//! (<https://semver.org/spec/v2.0.0.html>).
//!
//! Sections: every heading, at any level, whose text starts with a version or
//! `Unreleased` opens a section. Its body runs to the next such heading or to
//! the next other heading at the same or a higher level (fewer `#`); for a
//! section deeper than the first section of the file (release-please writes
//! patch releases as `### [1.2.1]` among `## [1.3.0]`, with `### Bug Fixes`
//! inside), only to a heading at a higher level. Deeper headings inside
//! (`### Added`) are its subsections. A block of link reference definitions at
//! the end of the file that defines a version or `Unreleased` link belongs to
//! the file, not to the last section.
//!
//! Edits keep the file's bytes (a UTF-8 BOM, CRLF line endings, a missing final
//! newline) everywhere outside the lines they must change.
//!
//! Everything is a single forward pass over the text: linear time, no
//! per-query line counting.

use std::ops::Range;

use crate::domain::diagnostic::Diagnostic;

mod build;
mod cut;
mod scan;
mod style;
#[cfg(test)]
mod tests;
mod title;
mod validate;

pub use cut::{cut_release, CutError};
pub use style::{first_section_line, HeadingStyle};
pub use validate::validate;

use build::build;
use title::{normalize_label, normalize_version};

/// The six change types of Keep a Changelog, in its order.
pub const CHANGE_TYPES: [&str; 6] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// A parsed changelog: sections in file order, link reference definitions, and
/// the byte-level facts edits must keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changelog {
    /// `[Unreleased]` and release sections, in file order.
    pub sections: Vec<Section>,
    /// Link reference definitions (`[1.2.3]: https://…`), in file order.
    pub links: Vec<LinkDef>,
    /// Headings outside any section (a title, `## Older releases`, …).
    pub other_headings: Vec<OtherHeading>,
    /// The text starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// The file's line ending: `"\r\n"` when its first line ends so, else `"\n"`.
    pub line_ending: &'static str,
    /// Byte range of the block of link reference definitions that ends the
    /// file, when it defines a version or `Unreleased` link.
    pub bottom_links: Option<Range<usize>>,
}

/// What a section heading announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heading {
    /// `## [Unreleased]`.
    Unreleased,
    /// `## [1.2.3] - 2024-01-02`.
    Release {
        /// The version without a leading `v`, e.g. `1.2.3`.
        version: String,
        /// The version as written, e.g. `v1.2.3`.
        raw_version: String,
        /// The date as written, when one follows the version.
        date: Option<String>,
        /// The heading is marked `[YANKED]`.
        yanked: bool,
    },
}

impl Heading {
    /// The version without a leading `v`, or `None` for `[Unreleased]`.
    pub fn version(&self) -> Option<&str> {
        match self {
            Heading::Unreleased => None,
            Heading::Release { version, .. } => Some(version),
        }
    }
}

/// One `[Unreleased]` or release section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// What the heading announces.
    pub heading: Heading,
    /// 1-based line of the heading.
    pub line: usize,
    /// Heading level, 1 to 6 (`##` is 2).
    pub level: u8,
    /// The heading text as written, without the `#` marks.
    pub title: String,
    /// Text of the heading's leading `[...]` (`1.2.3`, `v1.2.3`, `Unreleased`),
    /// when bracketed.
    pub label: Option<String>,
    /// Inline link target of the heading: `## [1.2.3](url)`.
    pub link: Option<String>,
    /// Reference label of the heading: `## [1.2.3][ref]`.
    pub reference: Option<String>,
    /// Word before the version: `Version`, `Release`.
    pub prefix: Option<String>,
    /// The date is written in parentheses.
    pub date_in_parens: bool,
    /// The dash written between version and date.
    pub dash: Option<char>,
    /// An underlined (Setext) heading.
    pub setext: bool,
    /// `##` is followed by a non-breaking space (text, not a heading, in
    /// CommonMark).
    pub nbsp: bool,
    /// Bytes of the heading line(s), line ending included.
    pub heading_range: Range<usize>,
    /// Bytes from the end of the heading to the start of the next section
    /// (or the bottom link block, or the end of the file).
    pub body_range: Range<usize>,
    /// `body_range` without its leading and trailing blank lines and without
    /// the final line ending: what [`extract`] returns.
    pub content_range: Range<usize>,
    /// Deeper headings inside the body (`### Added`).
    pub subsections: Vec<Subsection>,
}

/// A heading inside a section, such as `### Added`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subsection {
    /// The heading text.
    pub title: String,
    /// Heading level.
    pub level: u8,
    /// 1-based line of the heading.
    pub line: usize,
    /// Bytes of the heading line(s), line ending included.
    pub heading_range: Range<usize>,
    /// Bytes from the end of the heading to the next heading at the same or a
    /// higher level, or the end of the section.
    pub body_range: Range<usize>,
}

/// A heading that belongs to no section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherHeading {
    /// The heading text.
    pub title: String,
    /// Heading level.
    pub level: u8,
    /// 1-based line.
    pub line: usize,
}

/// A link reference definition, `[label]: url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkDef {
    /// The label as written, without brackets.
    pub label: String,
    /// The destination.
    pub url: String,
    /// 1-based line.
    pub line: usize,
    /// Bytes of the whole line, line ending included.
    pub range: Range<usize>,
    /// Bytes of the destination.
    pub url_range: Range<usize>,
}

/// How far the next version moves, inferred from `[Unreleased]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BumpLevel {
    /// `Fixed`, `Security`, or entries without a change type.
    Patch,
    /// `Added`, `Changed`, `Deprecated`.
    Minor,
    /// `Removed`, or any line containing `BREAKING`.
    Major,
}

impl Changelog {
    /// The `[Unreleased]` section, if any (the first one).
    pub fn unreleased(&self) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.heading == Heading::Unreleased)
    }

    /// The first section whose version is `version` (a leading `v` is
    /// ignored on both sides); `Unreleased` (any case) finds `[Unreleased]`.
    pub fn section(&self, version: &str) -> Option<&Section> {
        self.sections.iter().find(|s| matches_query(s, version))
    }

    /// Release sections (not `[Unreleased]`), in file order.
    pub fn releases(&self) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(|s| s.heading != Heading::Unreleased)
    }

    /// The first link reference definition whose label matches `label`
    /// (CommonMark matching: case-insensitive, whitespace collapsed).
    pub fn link(&self, label: &str) -> Option<&LinkDef> {
        let wanted = normalize_label(label);
        self.links
            .iter()
            .find(|l| normalize_label(&l.label) == wanted)
    }
}

/// Whether `section` is the one `query` asks for.
fn matches_query(section: &Section, query: &str) -> bool {
    let query = query.trim();
    match &section.heading {
        Heading::Unreleased => query.eq_ignore_ascii_case("unreleased"),
        Heading::Release { version, .. } => version == normalize_version(query),
    }
}

/// Parses a changelog. Never fails: text that is not a changelog gives a
/// [`Changelog`] without sections.
///
/// ```
/// use release_action::domain::changelog::{parse, Heading};
/// let log = parse("# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-02\n\n- First\n");
/// assert_eq!(log.sections.len(), 2);
/// assert_eq!(log.sections[1].line, 5);
/// assert_eq!(log.sections[1].heading.version(), Some("1.0.0"));
/// ```
pub fn parse(text: &str) -> Changelog {
    build(text, None)
}

/// The notes of `version`: its section body exactly as in the file, without
/// the blank lines around it. `"1.2.0"` and `"v1.2.0"` both find headings
/// `[1.2.0]`, `1.2.0`, `[v1.2.0]` and `v1.2.0`; `"Unreleased"` finds
/// `[Unreleased]`. The first section wins if a version appears twice.
///
/// ```
/// use release_action::domain::changelog::extract;
/// let text = "## [1.1.0] - 2024-02-01\n\n### Fixed\n- A bug\n\n## [1.0.0] - 2024-01-01\n\n- First\n";
/// assert_eq!(extract(text, "v1.1.0"), Some("### Fixed\n- A bug"));
/// assert_eq!(extract(text, "1.0.0"), Some("- First"));
/// assert_eq!(extract(text, "0.9.0"), None);
/// ```
pub fn extract<'a>(text: &'a str, version: &str) -> Option<&'a str> {
    let log = build(text, Some(version));
    let section = log.section(version)?;
    text.get(section.content_range.clone())
}

/// Whether `head` records changes under `[Unreleased]` that `base` did not have there: a line
/// of the head's `[Unreleased]` section that is not in the base's.
///
/// ```
/// use release_action::domain::changelog::unreleased_gained;
/// let base = "## [Unreleased]\n\n- a\n\n## [1.0.0] - 2024-01-01\n";
/// assert!(unreleased_gained(base, "## [Unreleased]\n\n- a\n- b\n\n## [1.0.0] - 2024-01-01\n"));
/// assert!(!unreleased_gained(base, base));
/// assert!(!unreleased_gained(base, "## [1.0.0] - 2024-01-01\n"));
/// ```
pub fn unreleased_gained(base: &str, head: &str) -> bool {
    let Some(now) = extract(head, "Unreleased") else {
        return false;
    };
    let before: std::collections::HashSet<&str> = extract(base, "Unreleased")
        .map(|t| t.lines().map(str::trim).collect())
        .unwrap_or_default();
    now.lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with('#') && !before.contains(l))
}

/// Released sections with `after < version <= upto`, newest first, as
/// `(version, notes)`: what a promotion pull request shows. Sections whose
/// version is not SemVer are left out; a repeated version counts once.
///
/// ```
/// use release_action::domain::changelog::sections_between;
/// let text = "## 1.2.0\n- c\n## 1.1.0\n- b\n## 1.0.0\n- a\n";
/// let from = semver::Version::new(1, 0, 0);
/// let to = semver::Version::new(1, 2, 0);
/// let got = sections_between(text, Some(&from), &to);
/// assert_eq!(got, vec![("1.2.0".to_owned(), "- c"), ("1.1.0".to_owned(), "- b")]);
/// ```
pub fn sections_between<'a>(
    text: &'a str,
    after: Option<&semver::Version>,
    upto: &semver::Version,
) -> Vec<(String, &'a str)> {
    let log = parse(text);
    let mut found: Vec<(semver::Version, String, &'a str)> = Vec::new();
    for section in log.releases() {
        let Some(version) = section.heading.version() else {
            continue;
        };
        let Ok(parsed) = semver::Version::parse(version) else {
            continue;
        };
        let in_range = after.is_none_or(|a| &parsed > a) && &parsed <= upto;
        if !in_range || found.iter().any(|(v, _, _)| v == &parsed) {
            continue;
        }
        let notes = text.get(section.content_range.clone()).unwrap_or("");
        found.push((parsed, version.to_owned(), notes));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, v, notes)| (v, notes)).collect()
}

/// The bump `[Unreleased]` asks for: `Removed` or a line marked breaking in
/// any letter case (`BREAKING CHANGE`, `**Breaking:**`) → major; `Added`, `Changed`, `Deprecated` → minor; `Fixed`,
/// `Security`, or entries under no known type → patch. `None` when there is
/// no `[Unreleased]` section or it has no entries (a change-type heading with
/// nothing under it does not count).
///
/// ```
/// use release_action::domain::changelog::{unreleased_bump, BumpLevel};
/// let text = "## [Unreleased]\n### Fixed\n- x\n### Added\n- y\n## [1.0.0] - 2024-01-01\n";
/// assert_eq!(unreleased_bump(text), Some(BumpLevel::Minor));
/// ```
pub fn unreleased_bump(text: &str) -> Option<BumpLevel> {
    let log = build(text, Some("Unreleased"));
    let section = log.unreleased()?;
    let content = text.get(section.content_range.clone())?;
    if content.lines().any(marks_breaking) {
        return Some(BumpLevel::Major);
    }
    let mut level: Option<BumpLevel> = None;
    if has_untyped_entries(text, section) {
        level = Some(BumpLevel::Patch);
    }
    for sub in &section.subsections {
        let has_entries = text
            .get(sub.body_range.clone())
            .is_some_and(|b| !b.trim().is_empty());
        if !has_entries {
            continue;
        }
        let name = sub
            .title
            .trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace());
        let this = match change_type(name) {
            Some("Removed") => BumpLevel::Major,
            Some("Added" | "Changed" | "Deprecated") => BumpLevel::Minor,
            _ => BumpLevel::Patch,
        };
        level = level.max(Some(this));
    }
    level
}

/// Whether a line marks a breaking change, in any letter case: `BREAKING CHANGE`,
/// `**Breaking:**`, `breaking change`, `[breaking]`, a `### Breaking` heading. A word that
/// merely contains it (`non-breaking`, `unbreaking`) or a negation (`not breaking`, `no
/// breaking changes`, `isn't a breaking change`) does not.
fn marks_breaking(line: &str) -> bool {
    const WORD: &str = "breaking";
    // ASCII lowercasing keeps byte offsets, so `at` indexes both strings.
    let lower = line.to_ascii_lowercase();
    let negation =
        |w: &str| matches!(w, "not" | "no" | "non" | "without" | "never") || w.ends_with("n't");
    lower.match_indices(WORD).any(|(at, _)| {
        let before = lower.get(..at).unwrap_or_default();
        let after = lower.get(at + WORD.len()..).unwrap_or_default();
        let joined = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        if before
            .bytes()
            .next_back()
            .is_some_and(|b| joined(b) || b == b'-')
            || after.bytes().next().is_some_and(joined)
        {
            return false;
        }
        let words: Vec<&str> = before
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .rev()
            .take(2)
            .collect();
        let negated = match words.as_slice() {
            [w, ..] if negation(w) => true,
            ["a" | "any", w] => negation(w),
            _ => false,
        };
        if negated {
            return false;
        }
        if line.get(at..at + WORD.len()) == Some("BREAKING") {
            return true;
        }
        // What follows the word, past emphasis: a colon, a closing bracket, `change`, or
        // nothing (a heading or label of its own).
        let rest = after.trim_start_matches(['*', '_', ' ', '\t']);
        rest.is_empty()
            || rest.starts_with([':', ']', ')', '!'])
            || rest.starts_with("change")
            || rest.starts_with("-change")
    })
}

/// The canonical change type `name` denotes (case-insensitive), if any.
pub fn change_type(name: &str) -> Option<&'static str> {
    CHANGE_TYPES
        .iter()
        .copied()
        .find(|t| t.eq_ignore_ascii_case(name.trim()))
}

/// Whether the section has non-blank lines before its first subsection.
fn has_untyped_entries(text: &str, section: &Section) -> bool {
    let end = section
        .subsections
        .first()
        .map_or(section.content_range.end, |s| s.heading_range.start);
    let start = section.content_range.start.min(end);
    text.get(start..end).is_some_and(|t| !t.trim().is_empty())
}

/// `Ok` when `version` has a section with a valid ISO 8601 date and at least
/// one entry, as a release tag needs; otherwise the finding that says why (no
/// file set: the caller adds it with [`Diagnostic::in_file`]).
///
/// Codes: `changelog/missing-section`, `changelog/missing-date`,
/// `changelog/invalid-date`, `changelog/empty-section`.
pub fn has_dated_nonempty_section(text: &str, version: &str) -> Result<(), Diagnostic> {
    let log = build(text, Some(version));
    let wanted = normalize_version(version);
    let Some(section) = log
        .section(version)
        .filter(|s| s.heading != Heading::Unreleased)
    else {
        return Err(Diagnostic::error(
            "changelog/missing-section",
            format!("no changelog section for version `{wanted}`"),
        )
        .with_help(format!(
            "add a `## [{wanted}] - YYYY-MM-DD` section with the release's changes"
        )));
    };
    if let Heading::Release { date, .. } = &section.heading {
        match date {
            None => {
                return Err(Diagnostic::error(
                    "changelog/missing-date",
                    format!("release `{wanted}` has no date"),
                )
                .at_line(section.line)
                .with_help(format!(
                    "write the heading as `## [{wanted}] - YYYY-MM-DD` (ISO 8601, e.g. `2025-03-01`)"
                )));
            }
            Some(date) => {
                if let Some(problem) = title::date_problem(date) {
                    return Err(Diagnostic::error(
                        "changelog/invalid-date",
                        format!("the date `{date}` of release `{wanted}` is {problem}"),
                    )
                    .at_line(section.line)
                    .with_help("dates use ISO 8601, e.g. `2025-03-01`"));
                }
            }
        }
    }
    let empty = text
        .get(section.content_range.clone())
        .is_none_or(|c| c.trim().is_empty());
    if empty {
        return Err(Diagnostic::error(
            "changelog/empty-section",
            format!("release `{wanted}` has no entries"),
        )
        .at_line(section.line)
        .with_help("list the release's changes under `### Added`, `### Fixed`, …"));
    }
    Ok(())
}
