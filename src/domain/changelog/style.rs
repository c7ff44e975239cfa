//! The heading style a changelog already uses, so that what release-action suggests or writes
//! reads like the rest of the file: heading level, brackets, a `v` before the version, and
//! whether (and how) releases are dated.

use super::{Changelog, Heading};

/// How a changelog writes its release headings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadingStyle {
    /// Heading level (`##` is 2).
    pub level: u8,
    /// `## [1.2.0]` rather than `## 1.2.0`.
    pub bracketed: bool,
    /// `v1.2.0` rather than `1.2.0`.
    pub v_prefix: bool,
    /// Releases carry a date.
    pub dated: bool,
    /// The date is in parentheses: `## 1.2.0 (2025-03-01)`.
    pub date_in_parens: bool,
    /// The file defines link references for its headings.
    pub links: bool,
}

impl Default for HeadingStyle {
    /// Keep a Changelog's own: `## [1.2.0] - 2025-03-01`.
    fn default() -> Self {
        Self {
            level: 2,
            bracketed: true,
            v_prefix: false,
            dated: true,
            date_in_parens: false,
            links: true,
        }
    }
}

impl HeadingStyle {
    /// The style of the newest release heading of `log`; Keep a Changelog's when it has none.
    pub fn of(log: &Changelog) -> Self {
        let Some(s) = log.releases().next() else {
            return Self::default();
        };
        let Heading::Release {
            raw_version, date, ..
        } = &s.heading
        else {
            return Self::default();
        };
        Self {
            level: s.level,
            bracketed: s.label.is_some(),
            v_prefix: raw_version.starts_with('v'),
            dated: date.is_some(),
            date_in_parens: s.date_in_parens,
            links: !log.links.is_empty(),
        }
    }

    /// The heading for `version` in this style, with `date` where the style dates releases
    /// (or always, with `force_date`).
    ///
    /// ```
    /// use release_action::domain::changelog::{parse, HeadingStyle};
    /// let log = parse("# Changelog\n\n## 3.1.0\n\n- x\n");
    /// assert_eq!(HeadingStyle::of(&log).render("3.2.0", "YYYY-MM-DD", false), "## 3.2.0");
    /// assert_eq!(HeadingStyle::of(&log).render("3.2.0", "YYYY-MM-DD", true), "## 3.2.0 - YYYY-MM-DD");
    /// assert_eq!(HeadingStyle::default().render("1.0.0", "2025-03-01", false), "## [1.0.0] - 2025-03-01");
    /// ```
    pub fn render(&self, version: &str, date: &str, force_date: bool) -> String {
        let hashes = "#".repeat(usize::from(self.level.clamp(1, 6)));
        let v = if self.v_prefix {
            format!("v{version}")
        } else {
            version.to_owned()
        };
        // NOTE: brackets without a link reference are themselves a finding
        // (`changelog/missing-link`), so a file without link references gets plain versions.
        let v = if self.bracketed && self.links {
            format!("[{v}]")
        } else {
            v
        };
        let mut heading = format!("{hashes} {v}");
        if self.dated || force_date {
            if self.date_in_parens {
                heading.push_str(&format!(" ({date})"));
            } else {
                heading.push_str(&format!(" - {date}"));
            }
        }
        heading
    }

    /// What else following [`render`](Self::render) takes: a link reference, when the file
    /// keeps them.
    pub fn link_hint(&self, version: &str) -> Option<String> {
        (self.bracketed && self.links).then(|| {
            let v = if self.v_prefix {
                format!("v{version}")
            } else {
                version.to_owned()
            };
            format!("and a link reference `[{v}]: <compare URL>` with the others")
        })
    }
}

/// The 1-based line of the first section, where a missing one belongs.
pub fn first_section_line(log: &Changelog) -> Option<usize> {
    log.sections.first().map(|s| s.line)
}
