//! Checks a changelog against Keep a Changelog 1.1.0
//! (<https://keepachangelog.com/en/1.1.0/>) and SemVer 2.0.0
//! (<https://semver.org/spec/v2.0.0.html>), reporting every finding.
//!
//! Errors (the gate fails): `changelog/invalid-version`,
//! `changelog/duplicate-version`, `changelog/missing-date`,
//! `changelog/invalid-date`, `changelog/unsorted-releases`,
//! `changelog/unreleased-not-first`, `changelog/duplicate-unreleased`.
//!
//! Warnings: `changelog/no-sections`, `changelog/unknown-change-type`,
//! `changelog/missing-link`, `changelog/orphan-link`,
//! `changelog/empty-release`, `changelog/heading-level`,
//! `changelog/nbsp-heading`, `changelog/unrecognized-heading`.

use std::collections::{HashMap, HashSet};

use super::title::{date_problem, normalize_label, normalize_version, parse_title, TitleKind};
use super::{change_type, parse, Heading, Section};
use crate::domain::diagnostic::Diagnostic;

/// The identity of a release for duplicates: its version without build metadata, or the text
/// as written when it is no SemVer version.
fn release_key(version: &str) -> String {
    match semver::Version::parse(version) {
        Ok(mut v) => {
            v.build = semver::BuildMetadata::EMPTY;
            v.to_string()
        }
        Err(_) => version.to_owned(),
    }
}

/// Every finding about `text`, each located in `path` and at a line where
/// possible, sorted by line.
///
/// ```
/// use release_action::domain::changelog::validate;
/// let text = "# Changelog\n\n## Unreleased\n\n## 1.0.0\n\n- First\n";
/// let found = validate(text, "CHANGELOG.md");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].code, "changelog/missing-date");
/// assert_eq!(found[0].file.as_deref(), Some("CHANGELOG.md"));
/// assert_eq!(found[0].line, Some(5));
/// ```
pub fn validate(text: &str, path: &str) -> Vec<Diagnostic> {
    let log = parse(text);
    let style = super::HeadingStyle::of(&log);
    let mut out: Vec<Diagnostic> = Vec::new();

    if log.sections.is_empty() {
        out.push(
            Diagnostic::warning(
                "changelog/no-sections",
                "no `[Unreleased]` or release section found",
            )
            .with_help("add `## [Unreleased]` below the title and list changes under it"),
        );
    }

    let mut seen_release = false;
    let mut unreleased_line: Option<usize> = None;
    let mut versions: HashMap<String, (usize, &str)> = HashMap::new();
    let mut previous: Option<(semver::Version, &str)> = None;

    for section in &log.sections {
        check_heading_shape(section, &mut out);
        check_change_types(section, &mut out);
        match &section.heading {
            Heading::Unreleased => {
                if let Some(first) = unreleased_line {
                    out.push(
                        Diagnostic::error(
                            "changelog/duplicate-unreleased",
                            format!("second `[Unreleased]` section (the first is on line {first})"),
                        )
                        .at_line(section.line)
                        .with_help("merge the two `[Unreleased]` sections into one"),
                    );
                } else {
                    unreleased_line = Some(section.line);
                }
                if seen_release {
                    out.push(
                        Diagnostic::error(
                            "changelog/unreleased-not-first",
                            "`[Unreleased]` comes after a release",
                        )
                        .at_line(section.line)
                        .with_help("move the `## [Unreleased]` section above all releases"),
                    );
                }
            }
            Heading::Release { version, date, .. } => {
                seen_release = true;
                // NOTE: build metadata has no precedence (SemVer 2 §10): `1.0.0+a` and
                // `1.0.0+b` are the same release, so they share a key.
                // See: <https://semver.org/spec/v2.0.0.html#spec-item-10>
                let key = release_key(version);
                if let Some((first, first_raw)) = versions.get(&key) {
                    let message = if first_raw == version {
                        format!("release `{version}` appears twice (first on line {first})")
                    } else {
                        format!(
                            "release `{version}` is release `{first_raw}` again (line {first}): they differ only in build metadata, which has no precedence"
                        )
                    };
                    out.push(
                        Diagnostic::error("changelog/duplicate-version", message)
                            .at_line(section.line)
                            .with_help("merge the two sections or correct the version of one"),
                    );
                } else {
                    versions.insert(key, (section.line, version.as_str()));
                }
                match semver::Version::parse(version) {
                    Ok(parsed) => {
                        if let Some((prev, prev_raw)) = &previous {
                            if parsed.cmp_precedence(prev) == std::cmp::Ordering::Greater {
                                out.push(
                                    Diagnostic::error(
                                        "changelog/unsorted-releases",
                                        format!(
                                            "release `{version}` is listed below the older release `{prev_raw}`"
                                        ),
                                    )
                                    .at_line(section.line)
                                    .with_help("list releases newest first, by SemVer precedence"),
                                );
                            }
                        }
                        previous = Some((parsed, version));
                    }
                    Err(err) => out.push(
                        Diagnostic::error(
                            "changelog/invalid-version",
                            format!("`{version}` is not a SemVer 2 version: {err}"),
                        )
                        .at_line(section.line)
                        .with_help(
                            "write `MAJOR.MINOR.PATCH` without leading zeros, e.g. `1.4.0` or `1.4.0-rc.1`",
                        ),
                    ),
                }
                check_date(section, version, date.as_deref(), &style, &mut out);
                let empty = text
                    .get(section.content_range.clone())
                    .is_none_or(|c| c.trim().is_empty());
                if empty {
                    out.push(
                        Diagnostic::warning(
                            "changelog/empty-release",
                            format!("release `{version}` has no entries"),
                        )
                        .at_line(section.line)
                        .with_help("list the release's changes under `### Added`, `### Fixed`, …"),
                    );
                }
            }
        }
    }

    check_links(&log, &mut out);
    check_other_headings(&log, &mut out);

    out.sort_by_key(|d| d.line.unwrap_or(0));
    out.into_iter().map(|d| d.in_file(path)).collect()
}

fn check_date(
    section: &Section,
    version: &str,
    date: Option<&str>,
    style: &super::HeadingStyle,
    out: &mut Vec<Diagnostic>,
) {
    match date {
        None => out.push(
            // NOTE: the hint keeps the file's own style (of its newest release) and the
            // heading's own brackets, so following it creates no other finding.
            Diagnostic::error(
                "changelog/missing-date",
                format!("release `{version}` has no date"),
            )
            .at_line(section.line)
            .with_help(format!(
                "write the heading as `{}`, with the date in ISO 8601 (e.g. `2025-03-01`)",
                super::HeadingStyle {
                    level: section.level,
                    bracketed: section.label.is_some(),
                    links: section.label.is_some(),
                    v_prefix: section
                        .title
                        .trim_start_matches(['[', ' '])
                        .starts_with('v'),
                    ..style.clone()
                }
                .render(version, "YYYY-MM-DD", true)
            )),
        ),
        Some(date) => {
            if let Some(problem) = date_problem(date) {
                out.push(
                    Diagnostic::error(
                        "changelog/invalid-date",
                        format!("the date `{date}` of release `{version}` is {problem}"),
                    )
                    .at_line(section.line)
                    .with_help("dates use ISO 8601, e.g. `2025-03-01`"),
                );
            }
        }
    }
}

fn check_heading_shape(section: &Section, out: &mut Vec<Diagnostic>) {
    let what = match &section.heading {
        Heading::Unreleased => "`[Unreleased]`".to_owned(),
        Heading::Release { version, .. } => format!("release `{version}`"),
    };
    if section.nbsp {
        out.push(
            Diagnostic::warning(
                "changelog/nbsp-heading",
                format!("the heading of {what} has a non-breaking space after `#`"),
            )
            .at_line(section.line)
            .with_help("use a normal space; Markdown shows this line as text, not as a heading"),
        );
    }
    if section.level != 2 {
        let hashes = "#".repeat(usize::from(section.level));
        out.push(
            Diagnostic::warning(
                "changelog/heading-level",
                format!("{what} has a level {} heading (`{hashes}`)", section.level),
            )
            .at_line(section.line)
            .with_help("Keep a Changelog uses `##` for `[Unreleased]` and release headings"),
        );
    }
}

fn check_change_types(section: &Section, out: &mut Vec<Diagnostic>) {
    for sub in &section.subsections {
        if sub.level != section.level.saturating_add(1) || change_type(&sub.title).is_some() {
            continue;
        }
        out.push(
            Diagnostic::warning(
                "changelog/unknown-change-type",
                format!("unknown change type `{}`", sub.title),
            )
            .at_line(sub.line)
            .with_help(
                "group changes under `### Added`, `### Changed`, `### Deprecated`, `### Removed`, `### Fixed` or `### Security`",
            ),
        );
    }
}

fn check_links(log: &super::Changelog, out: &mut Vec<Diagnostic>) {
    let mut defined: HashSet<String> = HashSet::with_capacity(log.links.len());
    for def in &log.links {
        defined.insert(normalize_label(&def.label));
    }
    for section in &log.sections {
        let Some(label) = &section.label else {
            continue;
        };
        if section.link.is_some() {
            continue;
        }
        let target = section.reference.as_deref().unwrap_or(label);
        if !defined.contains(&normalize_label(target)) {
            out.push(
                Diagnostic::warning(
                    "changelog/missing-link",
                    format!("heading `[{label}]` has no link reference definition"),
                )
                .at_line(section.line)
                .with_help(format!(
                    "add `[{target}]: <compare or release URL>` at the end of the file, or remove the brackets"
                )),
            );
        }
    }
    let versions: HashSet<&str> = log.releases().filter_map(|s| s.heading.version()).collect();
    let has_unreleased = log.unreleased().is_some();
    for def in &log.links {
        let label = def.label.trim();
        let exists = if label.eq_ignore_ascii_case("unreleased") {
            has_unreleased
        } else {
            match parse_title(label).map(|t| t.kind) {
                Some(TitleKind::Version { normalized, .. }) => {
                    versions.contains(normalize_version(normalized))
                }
                _ => continue,
            }
        };
        if !exists {
            out.push(
                Diagnostic::warning(
                    "changelog/orphan-link",
                    format!("link `[{label}]` points to no section"),
                )
                .at_line(def.line)
                .with_help(format!(
                    "remove the definition or add the `## [{label}]` section"
                )),
            );
        }
    }
}

/// Headings at the release level, after the first section, that announce no
/// release: usually a version the parser could not read.
fn check_other_headings(log: &super::Changelog, out: &mut Vec<Diagnostic>) {
    let Some(first) = log.sections.first() else {
        return;
    };
    for h in &log.other_headings {
        if h.level == first.level && h.line > first.line {
            out.push(
                Diagnostic::warning(
                    "changelog/unrecognized-heading",
                    format!("heading `{}` is neither `[Unreleased]` nor a release", h.title),
                )
                .at_line(h.line)
                .with_help(format!(
                    "release headings read `{} [1.2.3] - YYYY-MM-DD`; use a deeper heading for other text",
                    "#".repeat(usize::from(first.level))
                )),
            );
        }
    }
}
