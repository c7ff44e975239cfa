//! Reading a heading's text: is it `[Unreleased]` or a release, and with which
//! version, link, date and `[YANKED]` marker.
//!
//! Lenient on purpose, to read the headings found in real changelogs:
//! `[1.2.3] - 2024-01-02`, `1.2.3 (2024-01-02)`, `[v1.2.3] – 2024-01-02`,
//! `[1.2.3](https://…/compare/v1.2.2...v1.2.3) - 2024-01-02`,
//! `<small>1.2.3 (2024-01-02)</small>`, `Version 1.2.3`, `1.2.3 [YANKED]`.
//! Validation, not parsing, decides whether the version and date are strict.

/// What a heading announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TitleKind<'a> {
    /// `Unreleased`, any case.
    Unreleased,
    /// A version, `raw` as written (`v1.2.3`), `normalized` without the `v`.
    Version { raw: &'a str, normalized: &'a str },
}

/// Everything read from a heading's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Title<'a> {
    pub(crate) kind: TitleKind<'a>,
    /// Text inside the leading `[...]`, when the version is bracketed.
    pub(crate) label: Option<&'a str>,
    /// Inline link target: `[1.2.3](url)`.
    pub(crate) link: Option<&'a str>,
    /// Reference label: `[1.2.3][ref]`.
    pub(crate) reference: Option<&'a str>,
    /// A word before the version: `Version`, `Release`.
    pub(crate) prefix: Option<&'a str>,
    /// Text after the version (and its brackets and link).
    suffix: &'a str,
    /// Text inside the brackets after the version: `[1.2.3 2024-01-02]`.
    inner_suffix: &'a str,
}

/// Date, `[YANKED]` and separator style read from the text after the version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Suffix {
    /// The date as written, when the text after the version starts with one.
    pub(crate) date: Option<String>,
    /// `[YANKED]` or `(YANKED)` follows.
    pub(crate) yanked: bool,
    /// The date is in parentheses: `1.2.3 (2024-01-02)`.
    pub(crate) date_in_parens: bool,
    /// The dash between version and date: `-`, `–` or `—`.
    pub(crate) dash: Option<char>,
}

impl Title<'_> {
    /// Reads the date, `[YANKED]` marker and separators after the version.
    pub(crate) fn suffix(&self) -> Suffix {
        let joined;
        let suffix = if self.inner_suffix.is_empty() {
            self.suffix
        } else {
            joined = format!("{} {}", self.inner_suffix, self.suffix);
            joined.as_str()
        };
        let yanked = find_ignore_case(suffix, "yanked").is_some();
        let (date, date_in_parens, dash) = if yanked {
            read_date(&remove_yanked(suffix))
        } else {
            read_date(suffix)
        };
        Suffix {
            date,
            yanked,
            date_in_parens,
            dash,
        }
    }
}

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle`.
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Reads a heading's text; `None` when it announces neither a release nor
/// `Unreleased`.
pub(crate) fn parse_title(title: &str) -> Option<Title<'_>> {
    let mut s = title.trim();
    // Fast rejection of `Added`, `Fixed`, …: a release title starts with one
    // of these.
    match s.as_bytes().first() {
        Some(b'[' | b'<' | b'0'..=b'9' | b'v' | b'V' | b'u' | b'U' | b'r' | b'R') => {}
        _ => return None,
    }
    // Leading inline HTML such as `<small>`.
    while let Some(rest) = s.strip_prefix('<') {
        let first = rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '/') {
            break;
        }
        let gt = rest.find('>')?;
        s = rest.get(gt + 1..)?.trim_start();
    }
    let bracketed = s.starts_with('[');
    let inner = if bracketed { s.get(1..)? } else { s };

    let mut prefix = None;
    let mut v = inner;
    for word in ["version", "release"] {
        if starts_with_ignore_case(v, word)
            && v.get(word.len()..)
                .is_some_and(|r| r.starts_with(char::is_whitespace))
        {
            prefix = v.get(..word.len());
            v = v.get(word.len()..)?.trim_start();
            break;
        }
    }

    let (kind, token_end) = if prefix.is_none()
        && starts_with_ignore_case(v, "unreleased")
        && !v
            .as_bytes()
            .get(10)
            .is_some_and(|b| b.is_ascii_alphanumeric())
    {
        (TitleKind::Unreleased, 10)
    } else {
        let has_v = matches!(v.as_bytes().first(), Some(b'v' | b'V'))
            && v.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
        let from = usize::from(has_v);
        let len = v
            .as_bytes()
            .get(from..)?
            .iter()
            .take_while(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'/' | b'_')
            })
            .count();
        let token = v.get(from..from + len)?;
        if !looks_like_version(token) {
            return None;
        }
        (
            TitleKind::Version {
                raw: v.get(..from + len)?,
                normalized: token,
            },
            from + len,
        )
    };

    // Offset of the token's end inside `s`.
    let token_end_in_s = s.len() - v.len() + token_end;
    let mut label = None;
    let mut link = None;
    let mut reference = None;
    let mut inner_suffix = "";
    let mut suffix = s.get(token_end_in_s..)?;
    if bracketed {
        if let Some(close) = s.find(']') {
            label = s.get(1..close);
            if close > token_end_in_s {
                inner_suffix = s.get(token_end_in_s..close)?;
            }
            let mut rest = s.get(close + 1..)?;
            if let Some(r) = rest.strip_prefix('(') {
                if let Some(end) = r.find(')') {
                    link = Some(r.get(..end)?.trim());
                    rest = r.get(end + 1..)?;
                }
            } else if let Some(r) = rest.strip_prefix('[') {
                if let Some(end) = r.find(']') {
                    reference = r.get(..end);
                    rest = r.get(end + 1..)?;
                }
            }
            suffix = rest;
        }
    }
    Some(Title {
        kind,
        label,
        link,
        reference,
        prefix,
        suffix,
        inner_suffix,
    })
}

/// Whether a link label names a version (`1.2.3`, `v1.2.3`) or `Unreleased`.
pub(crate) fn is_version_label(label: &str) -> bool {
    let label = label.trim_matches(|c: char| c.is_ascii_whitespace());
    let version = match label.as_bytes().first() {
        Some(b'v' | b'V') => label.get(1..).unwrap_or(""),
        _ => label,
    };
    looks_like_version(version) || label.eq_ignore_ascii_case("unreleased")
}

/// `1.2`, `1.2.3`, `1.2.3-rc.1`: digits, a dot, a digit, then anything.
fn looks_like_version(token: &str) -> bool {
    let bytes = token.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0
        && bytes.get(digits) == Some(&b'.')
        && bytes.get(digits + 1).is_some_and(u8::is_ascii_digit)
}

fn remove_yanked(suffix: &str) -> String {
    for marker in ["[yanked]", "(yanked)", "yanked"] {
        if let Some(at) = find_ignore_case(suffix, marker) {
            let mut out = String::with_capacity(suffix.len());
            out.push_str(suffix.get(..at).unwrap_or(""));
            out.push_str(suffix.get(at + marker.len()..).unwrap_or(""));
            return out;
        }
    }
    suffix.to_owned()
}

/// The date at the start of the text after the version, if it starts with one
/// (digits or a month name); also whether it is in parentheses and the dash
/// before it.
fn read_date(suffix: &str) -> (Option<String>, bool, Option<char>) {
    let mut parens = false;
    let mut dash = None;
    let mut rest = suffix;
    // Trailing inline HTML (`</small>`) is not part of the date.
    if let Some(lt) = rest.find("</") {
        rest = rest.get(..lt).unwrap_or(rest);
    }
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() || matches!(c, '/' | ':' | ',' | '|' | '·' | '(') {
            parens |= c == '(';
        } else if matches!(c, '-' | '–' | '—') {
            dash.get_or_insert(c);
        } else {
            break;
        }
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    let starts_date = rest.as_bytes().first().is_some_and(u8::is_ascii_digit)
        || MONTHS.iter().any(|m| starts_with_ignore_case(rest, m));
    if !starts_date {
        return (None, parens, dash);
    }
    let date = if parens {
        rest.get(..rest.find(')').unwrap_or(rest.len()))
            .unwrap_or(rest)
    } else if rest.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'/'))
            .count();
        rest.get(..len).unwrap_or(rest)
    } else {
        rest.get(..rest.find([')', ']', '[', '(']).unwrap_or(rest.len()))
            .unwrap_or(rest)
    };
    let date = date.trim();
    if date.is_empty() {
        return (None, parens, dash);
    }
    (Some(date.to_owned()), parens, dash)
}

/// Why a date is not a valid `YYYY-MM-DD` calendar date, or `None` if it is.
pub(crate) fn date_problem(date: &str) -> Option<&'static str> {
    let b = date.as_bytes();
    let shape_ok = b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Some("not in the ISO 8601 form `YYYY-MM-DD`");
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b.get(r)
            .unwrap_or(&[])
            .iter()
            .fold(0, |n, d| n * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    if !(1..=12).contains(&month) {
        return Some("not a real calendar date (no such month)");
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day == 0 || day > days {
        return Some("not a real calendar date (no such day in that month)");
    }
    None
}

/// Normalizes a version query or label: trimmed, one leading `v` dropped.
pub(crate) fn normalize_version(version: &str) -> &str {
    let v = version.trim();
    match v.as_bytes() {
        [b'v' | b'V', d, ..] if d.is_ascii_digit() => v.get(1..).unwrap_or(v),
        _ => v,
    }
}

/// A link label normalized for matching (CommonMark: case-fold, collapse
/// whitespace).
pub(crate) fn normalize_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
