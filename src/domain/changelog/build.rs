//! Building the model: one forward pass over the scanner's events (headings, link definitions,
//! comments, other content) that opens and closes sections and subsections and finds the
//! bottom link block.

use std::ops::Range;

use super::scan::{self, Event, Scanner};
use super::title::{self, normalize_version, parse_title, Title, TitleKind};
use super::{Changelog, Heading, LinkDef, OtherHeading, Section, Subsection};

/// Builds the model in one pass. With `only`, builds just the first section
/// matching `only` and stops once it is complete (no other sections, links
/// or headings are kept): the fast path of [`extract`].
pub(super) fn build(text: &str, only: Option<&str>) -> Changelog {
    let mut builder = Builder {
        text,
        only,
        log: Changelog {
            sections: Vec::new(),
            links: Vec::new(),
            other_headings: Vec::new(),
            bom: text.starts_with('\u{feff}'),
            line_ending: line_ending(text),
            bottom_links: None,
        },
        first_level: None,
        open: None,
        subs_open: Vec::new(),
        tail: None,
    };
    for event in Scanner::new(text) {
        match event {
            Event::Heading(h) => {
                if builder.heading(&h) {
                    return builder.log;
                }
            }
            Event::Def(d) => {
                let tail = builder.tail.get_or_insert(Tail {
                    start: d.start,
                    versioned: false,
                });
                tail.versioned |= title::is_version_label(d.label);
                if builder.only.is_none() {
                    builder.log.links.push(LinkDef {
                        label: d.label.to_owned(),
                        url: d.url.to_owned(),
                        line: d.line,
                        range: d.start..d.end,
                        url_range: d.url_start..d.url_start + d.url.len(),
                    });
                }
            }
            Event::Comment { start } => {
                builder.tail.get_or_insert(Tail {
                    start,
                    versioned: false,
                });
            }
            Event::Content => builder.tail = None,
        }
    }
    builder.finish();
    builder.log
}

/// `"\r\n"` when the first line ends with CRLF, else `"\n"`.
fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// The section whose body is being read.
struct Open {
    /// Index in `sections`, when the section is kept.
    index: Option<usize>,
    level: u8,
}

/// The current run of link definitions and comments (the candidate bottom
/// link block).
struct Tail {
    start: usize,
    /// It defines a version or `Unreleased` link.
    versioned: bool,
}

struct Builder<'a> {
    text: &'a str,
    only: Option<&'a str>,
    log: Changelog,
    /// Level of the file's first section heading.
    first_level: Option<u8>,
    open: Option<Open>,
    /// Indices of the open section's subsections that are still open.
    subs_open: Vec<usize>,
    tail: Option<Tail>,
}

impl Builder<'_> {
    /// Handles a heading; `true` when the section asked for is complete.
    fn heading(&mut self, h: &scan::RawHeading<'_>) -> bool {
        self.tail = None;
        let title = parse_title(h.title);
        if let Some(open) = &self.open {
            let release_level = self.first_level.unwrap_or(h.level);
            let closes = title.is_some()
                || h.level < open.level
                || (h.level == open.level && open.level <= release_level);
            if closes {
                let kept = open.index.is_some();
                self.close(h.start);
                if kept && self.only.is_some() {
                    return true;
                }
            }
        }
        match title {
            Some(title) => {
                self.first_level.get_or_insert(h.level);
                // With `only`, just the first matching section is kept.
                let keep = match self.only {
                    None => true,
                    Some(q) => self.log.sections.is_empty() && title_matches(&title, q),
                };
                let index = if keep {
                    self.push_section(h, &title);
                    Some(self.log.sections.len() - 1)
                } else {
                    None
                };
                self.open = Some(Open {
                    index,
                    level: h.level,
                });
                self.subs_open.clear();
            }
            None => self.other_heading(h),
        }
        false
    }

    fn push_section(&mut self, h: &scan::RawHeading<'_>, title: &Title<'_>) {
        let suffix = title.suffix();
        let heading = match title.kind {
            TitleKind::Unreleased => Heading::Unreleased,
            TitleKind::Version { raw, normalized } => Heading::Release {
                version: normalized.to_owned(),
                raw_version: raw.to_owned(),
                date: suffix.date,
                yanked: suffix.yanked,
            },
        };
        self.log.sections.push(Section {
            heading,
            line: h.line,
            level: h.level,
            title: h.title.to_owned(),
            label: title.label.map(str::to_owned),
            link: title.link.map(str::to_owned),
            reference: title.reference.map(str::to_owned),
            prefix: title.prefix.map(str::to_owned),
            date_in_parens: suffix.date_in_parens,
            dash: suffix.dash,
            setext: h.setext,
            nbsp: h.nbsp,
            heading_range: h.start..h.end,
            body_range: h.end..h.end,
            content_range: h.end..h.end,
            subsections: Vec::new(),
        });
    }

    /// A heading that opens no section: a subsection of the open section, or
    /// a heading outside any section.
    fn other_heading(&mut self, h: &scan::RawHeading<'_>) {
        let Some(open) = &self.open else {
            if self.only.is_none() {
                self.log.other_headings.push(OtherHeading {
                    title: h.title.to_owned(),
                    level: h.level,
                    line: h.line,
                });
            }
            return;
        };
        let Some(section) = open.index.and_then(|i| self.log.sections.get_mut(i)) else {
            return;
        };
        while let Some(&last) = self.subs_open.last() {
            match section.subsections.get_mut(last) {
                Some(sub) if sub.level >= h.level => {
                    sub.body_range.end = h.start;
                    self.subs_open.pop();
                }
                _ => break,
            }
        }
        section.subsections.push(Subsection {
            title: h.title.to_owned(),
            level: h.level,
            line: h.line,
            heading_range: h.start..h.end,
            body_range: h.end..h.end,
        });
        self.subs_open.push(section.subsections.len() - 1);
    }

    /// Ends the open section (and its subsections) at byte `end`.
    fn close(&mut self, end: usize) {
        let text = self.text;
        let Some(open) = self.open.take() else { return };
        if let Some(section) = open.index.and_then(|i| self.log.sections.get_mut(i)) {
            section.body_range.end = end.max(section.body_range.start);
            section.content_range = trim_blank_lines(text, section.body_range.clone());
            for i in self.subs_open.drain(..) {
                if let Some(sub) = section.subsections.get_mut(i) {
                    sub.body_range.end = end.max(sub.body_range.start);
                }
            }
        }
    }

    fn finish(&mut self) {
        let len = self.text.len();
        let mut end = len;
        if let Some(tail) = &self.tail {
            if tail.versioned {
                self.log.bottom_links = Some(tail.start..len);
                end = tail.start;
            }
        }
        self.close(end);
    }
}

/// Whether a heading's title is the section `query` asks for.
fn title_matches(title: &Title<'_>, query: &str) -> bool {
    match title.kind {
        TitleKind::Unreleased => query.trim().eq_ignore_ascii_case("unreleased"),
        TitleKind::Version { normalized, .. } => normalized == normalize_version(query),
    }
}

/// `range` without leading and trailing blank lines and without the last
/// line's line ending.
fn trim_blank_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(body) = text.get(range.clone()) else {
        return range.start..range.start;
    };
    let mut s = 0;
    while s < body.len() {
        let rest = body.get(s..).unwrap_or("");
        let line_end = rest.find('\n').map_or(body.len(), |i| s + i);
        if scan::is_blank(body.get(s..line_end).unwrap_or("")) {
            s = (line_end + 1).min(body.len());
        } else {
            break;
        }
    }
    let mut e = body.len();
    while e > s {
        let mut le = e;
        if body.as_bytes().get(le - 1) == Some(&b'\n') {
            le -= 1;
            if le > s && body.as_bytes().get(le - 1) == Some(&b'\r') {
                le -= 1;
            }
        }
        let ls = body
            .get(s..le)
            .and_then(|t| t.rfind('\n'))
            .map_or(s, |i| s + i + 1);
        if scan::is_blank(body.get(ls..le).unwrap_or("")) {
            if ls >= e {
                e = s;
                break;
            }
            e = ls;
        } else {
            e = le;
            break;
        }
    }
    range.start + s..range.start + e.max(s)
}
