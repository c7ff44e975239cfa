//! Unit tests of the changelog module, as tables: one line per edge case.

use super::*;

/// The first section of `text`, described as `(version or "Unreleased", date, yanked)`.
fn first(text: &str) -> Option<(String, Option<String>, bool)> {
    let log = parse(text);
    let s = log.sections.first()?;
    Some(match &s.heading {
        Heading::Unreleased => ("Unreleased".to_owned(), None, false),
        Heading::Release {
            version,
            date,
            yanked,
            ..
        } => (version.clone(), date.clone(), *yanked),
    })
}

fn release(
    version: &str,
    date: Option<&str>,
    yanked: bool,
) -> Option<(String, Option<String>, bool)> {
    Some((version.to_owned(), date.map(str::to_owned), yanked))
}

#[test]
fn heading_variants_found_in_the_wild_are_read() {
    let cases = [
        (
            "## [1.2.3] - 2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "## 1.2.3 (2024-01-02)",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "## [v1.2.3] - 2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        ("## v1.2.3", release("1.2.3", None, false)),
        (
            "## [1.2.3] - 2024-01-02 [YANKED]",
            release("1.2.3", Some("2024-01-02"), true),
        ),
        (
            "# 0.3.0 (YANKED) (March 1, 2020)",
            release("0.3.0", Some("March 1, 2020"), true),
        ),
        (
            "## [1.2.3](https://g/o/r/compare/v1.2.2...v1.2.3) - 2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "## [1.2.3](https://g/o/r/compare/v1.2.2...v1.2.3) (2024-01-02)",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "## [1.2.3] \u{2013} 2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "## [1.2.3] \u{2014} 2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "## 1.2.3\u{a0}-\u{a0}2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        ("##\u{a0}1.2.3", release("1.2.3", None, false)),
        (
            "## <small>1.2.3 (2024-01-02)</small>",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        (
            "# Version 0.31.0 (2026-02-23)",
            release("0.31.0", Some("2026-02-23"), false),
        ),
        (
            "### 0.5.0 / 2019-07-08",
            release("0.5.0", Some("2019-07-08"), false),
        ),
        (
            "## [1.2.3][ref] 2024-01-02",
            release("1.2.3", Some("2024-01-02"), false),
        ),
        ("## 1.2.3 ##", release("1.2.3", None, false)),
        ("## v6.0.0:", release("6.0.0", None, false)),
        (
            "## 1.0.0-rc.1+build.5 - 2024-01-02",
            release("1.0.0-rc.1+build.5", Some("2024-01-02"), false),
        ),
        (
            "## [1.2.3] - 2020/09/24",
            release("1.2.3", Some("2020/09/24"), false),
        ),
        (
            "## 2.15.1 (deprecated \u{2013} do not use)",
            release("2.15.1", None, false),
        ),
        (
            "## [Unreleased]",
            Some(("Unreleased".to_owned(), None, false)),
        ),
        (
            "## Unreleased",
            Some(("Unreleased".to_owned(), None, false)),
        ),
        (
            "## [UNRELEASED]",
            Some(("Unreleased".to_owned(), None, false)),
        ),
        (
            "## [Unreleased](https://g/o/r/compare/v1.0.0...HEAD)",
            Some(("Unreleased".to_owned(), None, false)),
        ),
        (
            "Unreleased\n----------",
            Some(("Unreleased".to_owned(), None, false)),
        ),
        ("1.2.3\n=====", release("1.2.3", None, false)),
        ("## Added", None),
        ("## Unreleasedstuff", None),
        ("## 2020-12-06 - Release v0.8.0", None),
        ("##1.2.3", None),
        ("####### 1.2.3", None),
        ("    ## [1.2.3]", None),
        ("\t## [1.2.3]", None),
        ("> ## [1.2.3]", None),
        ("- ## [1.2.3]", None),
        ("## [", None),
        ("## <", None),
        ("", None),
    ];
    for (text, want) in cases {
        assert_eq!(first(text), want, "{text:?}");
    }
}

#[test]
fn raw_version_label_and_link_are_kept() {
    let log = parse("## [v1.2.3](https://g/o/r/releases/tag/v1.2.3) - 2024-01-02\n");
    let s = &log.sections[0];
    assert_eq!(
        s.heading,
        Heading::Release {
            version: "1.2.3".to_owned(),
            raw_version: "v1.2.3".to_owned(),
            date: Some("2024-01-02".to_owned()),
            yanked: false,
        }
    );
    assert_eq!(s.label.as_deref(), Some("v1.2.3"));
    assert_eq!(s.link.as_deref(), Some("https://g/o/r/releases/tag/v1.2.3"));
    assert_eq!(s.level, 2);
}

#[test]
fn code_blocks_comments_and_html_blocks_hide_headings() {
    let cases: [(&str, &[&str]); 12] = [
        ("```\n## [1.0.0]\n```\n## [2.0.0]\n", &["2.0.0"]),
        ("~~~\n## [1.0.0]\n~~~\n## [2.0.0]\n", &["2.0.0"]),
        ("````\n```\n## [1.0.0]\n````\n## [2.0.0]\n", &["2.0.0"]),
        ("```rust\n## [1.0.0]\n~~~\n## [2.0.0]\n", &[]),
        ("   ```\n## [1.0.0]\n   ```\n## [2.0.0]\n", &["2.0.0"]),
        ("```a`b\n## [1.0.0]\n", &["1.0.0"]),
        ("```\n## [1.0.0]\n```   \n## [2.0.0]\n", &["2.0.0"]),
        ("    ## [1.0.0]\n## [2.0.0]\n", &["2.0.0"]),
        ("<!--\n## [1.0.0]\n-->\n## [2.0.0]\n", &["2.0.0"]),
        ("<!-- one line -->\n## [2.0.0]\n", &["2.0.0"]),
        ("<details>\n## [1.0.0]\n\n## [2.0.0]\n", &["2.0.0"]),
        ("<pre>\n## [1.0.0]\n</pre>\n## [2.0.0]\n", &["2.0.0"]),
    ];
    for (text, want) in cases {
        let log = parse(text);
        let got: Vec<&str> = log.releases().filter_map(|s| s.heading.version()).collect();
        assert_eq!(got, want, "{text:?}");
    }
}

#[test]
fn fenced_headings_stay_in_the_notes() {
    let text = "## [2.0.0] - 2024-01-02\n\n```md\n## [1.0.0] - 2020-01-01\n```\n\n## [1.9.0] - 2023-01-01\n";
    assert_eq!(
        extract(text, "2.0.0"),
        Some("```md\n## [1.0.0] - 2020-01-01\n```")
    );
    assert_eq!(extract(text, "1.0.0"), None);
}

#[test]
fn setext_headings_and_thematic_breaks_are_told_apart() {
    let cases = [
        // A title underlined with `=` does not confuse the releases below it.
        (
            "Changelog\n=========\n\n## [1.0.0] - 2024-01-01\n- a\n",
            "1.0.0",
            Some("- a"),
        ),
        // A release written as a Setext heading.
        (
            "1.0.0\n-----\n\n- a\n\n0.9.0\n-----\n- b\n",
            "1.0.0",
            Some("- a"),
        ),
        // `---` after a list item is a thematic break, not a heading.
        (
            "## [1.0.0]\n- item\n---\n- more\n",
            "1.0.0",
            Some("- item\n---\n- more"),
        ),
        // `---` after a blank line is a thematic break too.
        (
            "## [1.0.0]\n- item\n\n---\n\n## [0.9.0]\n",
            "1.0.0",
            Some("- item\n\n---"),
        ),
        // `===` after a list item is text.
        ("## [1.0.0]\n- item\n===\n", "1.0.0", Some("- item\n===")),
        // A paragraph underlined with `---` is a heading at the release level: it ends the notes.
        (
            "## [1.0.0]\ntext\n\nNotes\n---\nmore\n",
            "1.0.0",
            Some("text"),
        ),
    ];
    for (text, version, want) in cases {
        assert_eq!(extract(text, version), want, "{text:?}");
    }
}

#[test]
fn extraction_matches_versions_with_and_without_v() {
    let text = "## [v1.2.0] - 2024-01-02\n- a\n## 1.1.0\n- b\n## [1.0.0]\n- c\n## v0.9.0\n- d\n";
    let cases = [
        ("1.2.0", Some("- a")),
        ("v1.2.0", Some("- a")),
        ("V1.1.0", Some("- b")),
        ("1.0.0", Some("- c")),
        ("v1.0.0", Some("- c")),
        (" 0.9.0 ", Some("- d")),
        ("0.9", None),
        ("1.2", None),
        ("", None),
        ("v", None),
    ];
    for (query, want) in cases {
        assert_eq!(extract(text, query), want, "{query:?}");
    }
}

#[test]
fn extraction_keeps_bytes_and_drops_surrounding_blank_lines() {
    let cases = [
        (
            "## 1.0.0\n\n\n- a  \n\n- b\n\n\n## 0.9.0\n",
            Some("- a  \n\n- b"),
        ),
        (
            "## 1.0.0\r\n\r\n- a\r\n- b\r\n\r\n## 0.9.0\r\n",
            Some("- a\r\n- b"),
        ),
        ("## 1.0.0\n  indented\n", Some("  indented")),
        ("## 1.0.0\n- a", Some("- a")),
        ("## 1.0.0\n \t \n", Some("")),
        ("## 1.0.0", Some("")),
        (
            "## 1.0.0\n### Added\n- a\n#### Detail\n- b\n## 0.9.0\n",
            Some("### Added\n- a\n#### Detail\n- b"),
        ),
        ("# 1.0.0\n## Fixes\n- a\n# 0.9.0\n", Some("## Fixes\n- a")),
    ];
    for (text, want) in cases {
        assert_eq!(extract(text, "1.0.0"), want, "{text:?}");
    }
}

#[test]
fn a_heading_at_the_release_level_ends_the_notes_and_a_higher_one_too() {
    let cases = [
        ("## 1.0.0\n- a\n## Older releases\n- x\n", Some("- a")),
        ("## 1.0.0\n- a\n# Appendix\n- x\n", Some("- a")),
        // release-please: a patch release one level deeper, with its own `###` groups.
        ("## [1.1.0] (2024-02-01)\n### Features\n- f\n### [1.0.1] (2024-01-15)\n### Bug Fixes\n- b\n## [1.0.0] (2024-01-01)\n", Some("### Bug Fixes\n- b")),
    ];
    for (text, want) in cases {
        let version = if text.contains("[1.0.1]") {
            "1.0.1"
        } else {
            "1.0.0"
        };
        assert_eq!(extract(text, version), want, "{text:?}");
    }
    let text = "## [1.1.0] (2024-02-01)\n### Features\n- f\n### [1.0.1] (2024-01-15)\n- b\n";
    assert_eq!(extract(text, "1.1.0"), Some("### Features\n- f"));
}

#[test]
fn the_bottom_link_block_belongs_to_the_file() {
    let text = "## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n\n- a\n\n<!-- links -->\n[Unreleased]: https://g/o/r/compare/v1.0.0...HEAD\n\n[1.0.0]: https://g/o/r/releases/tag/v1.0.0\n";
    let log = parse(text);
    assert_eq!(extract(text, "1.0.0"), Some("- a"));
    let bottom = log.bottom_links.clone().unwrap_or_default();
    assert!(text[bottom].starts_with("<!-- links -->"));
    assert_eq!(log.links.len(), 2);
    assert_eq!(log.links[1].line, 10);
    // Per-release link definitions that name no version stay with their release.
    let text = "# 0.1.0\n\n- a ([#12])\n\n[#12]: https://g/o/r/pull/12\n";
    assert_eq!(
        extract(text, "0.1.0"),
        Some("- a ([#12])\n\n[#12]: https://g/o/r/pull/12")
    );
    assert_eq!(parse(text).bottom_links, None);
}

#[test]
fn line_numbers_are_one_based_and_count_every_line() {
    let text = "# Changelog\n\nIntro\n\n## [Unreleased]\n### Added\n- x\n\n## [1.0.0] - 2024-01-01\n\nText\nsection\n---\n\n[1.0.0]: https://g\n";
    let log = parse(text);
    let lines: Vec<usize> = log.sections.iter().map(|s| s.line).collect();
    assert_eq!(lines, [5, 9]);
    assert_eq!(log.sections[0].subsections[0].line, 6);
    assert_eq!(log.links[0].line, 15);
    // `Text section` underlined with `---` is a Setext heading on line 11.
    let others: Vec<usize> = log.other_headings.iter().map(|h| h.line).collect();
    assert_eq!(others, [1, 11]);
}

#[test]
fn crlf_and_bom_are_detected_and_kept() {
    let text =
        "\u{feff}## [Unreleased]\r\n\r\n### Fixed\r\n- x\r\n\r\n## [1.0.0] - 2024-01-01\r\n- a\r\n";
    let log = parse(text);
    assert!(log.bom);
    assert_eq!(log.line_ending, "\r\n");
    assert_eq!(log.sections[0].line, 1);
    assert_eq!(log.sections[0].heading, Heading::Unreleased);
    assert_eq!(extract(text, "1.0.0"), Some("- a"));
    assert_eq!(extract(text, "unreleased"), Some("### Fixed\r\n- x"));
    let out = cut_release(text, &semver::Version::new(1, 1, 0), "2024-02-01");
    assert_eq!(
        out.as_deref(),
        Ok("\u{feff}## [Unreleased]\r\n\r\n## [1.1.0] - 2024-02-01\r\n\r\n### Fixed\r\n- x\r\n\r\n## [1.0.0] - 2024-01-01\r\n- a\r\n")
    );
    let plain = parse("## 1.0.0\n");
    assert!(!plain.bom);
    assert_eq!(plain.line_ending, "\n");
}

/// The codes `validate` reports for `text`, in order.
fn codes(text: &str) -> Vec<&'static str> {
    validate(text, "charts/a/CHANGELOG.md")
        .into_iter()
        .map(|d| d.code)
        .collect()
}

const GOOD: &str = "# Changelog\n\n## [Unreleased]\n\n### Added\n- x\n\n## [1.1.0] - 2024-02-29\n\n### Fixed\n- y\n\n## [1.0.0] - 2024-01-01\n\n### Added\n- z\n\n[Unreleased]: https://g/o/r/compare/v1.1.0...HEAD\n[1.1.0]: https://g/o/r/compare/v1.0.0...v1.1.0\n[1.0.0]: https://g/o/r/releases/tag/v1.0.0\n";

#[test]
fn build_metadata_has_no_precedence_in_order_or_duplicates() {
    let codes = |text: &str| -> Vec<&'static str> {
        validate(text, "CHANGELOG.md")
            .iter()
            .map(|d| d.code)
            .collect()
    };
    let cases: [(&str, &[&str]); 6] = [
        // Same release twice, whatever the build metadata says.
        (
            "## 1.0.0+b - 2024-01-02\n- a\n## 1.0.0+a - 2024-01-01\n- b\n",
            &["changelog/duplicate-version"],
        ),
        (
            "## 1.0.0+a - 2024-01-02\n- a\n## 1.0.0+b - 2024-01-01\n- b\n",
            &["changelog/duplicate-version"],
        ),
        (
            "## 1.0.0 - 2024-01-02\n- a\n## 1.0.0+build.7 - 2024-01-01\n- b\n",
            &["changelog/duplicate-version"],
        ),
        // Never unsorted because of build metadata alone.
        (
            "## 1.1.0+a - 2024-01-02\n- a\n## 1.0.0+z - 2024-01-01\n- b\n",
            &[],
        ),
        (
            "## 1.0.0+z - 2024-01-02\n- a\n## 1.1.0+a - 2024-01-01\n- b\n",
            &["changelog/unsorted-releases"],
        ),
        (
            "## 1.0.0-rc.1+b - 2024-01-02\n- a\n## 1.0.0-rc.1+a - 2024-01-01\n- b\n",
            &["changelog/duplicate-version"],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(codes(text), want, "{text}");
    }
    let found = validate(
        "## 1.0.0+b - 2024-01-02\n- a\n## 1.0.0+a - 2024-01-01\n- b\n",
        "CHANGELOG.md",
    );
    assert_eq!(
        found[0].message,
        "release `1.0.0+a` is release `1.0.0+b` again (line 1): they differ only in build metadata, which has no precedence"
    );
}

#[test]
fn validation_reports_each_problem_with_its_code() {
    let cases: [(&str, &[&str]); 19] = [
        (GOOD, &[]),
        ("## 1.0.0 - 2024-01-01\n- a\n", &[]),
        ("## 1.0.0\n- a\n", &["changelog/missing-date"]),
        ("## 1.0.0 - 2024-02-30\n- a\n", &["changelog/invalid-date"]),
        ("## 1.0.0 - 2020-12-1\n- a\n", &["changelog/invalid-date"]),
        (
            "## 1.0.0 (March 1, 2020)\n- a\n",
            &["changelog/invalid-date"],
        ),
        (
            "## 1.02.0 - 2024-01-01\n- a\n",
            &["changelog/invalid-version"],
        ),
        ("## 1.0 - 2024-01-01\n- a\n", &["changelog/invalid-version"]),
        (
            "## 1.0.0 - 2024-01-01\n- a\n## 1.0.0 - 2024-01-01\n- b\n",
            &["changelog/duplicate-version"],
        ),
        (
            "## 1.0.0 - 2024-01-01\n- a\n## 1.1.0 - 2024-01-01\n- b\n",
            &["changelog/unsorted-releases"],
        ),
        (
            "## 1.0.0 - 2024-01-01\n- a\n## Unreleased\n",
            &["changelog/unreleased-not-first"],
        ),
        (
            "## Unreleased\n## Unreleased\n",
            &["changelog/duplicate-unreleased"],
        ),
        (
            "## 1.0.0 - 2024-01-01\n### Bug Fixes\n- a\n",
            &["changelog/unknown-change-type"],
        ),
        (
            "## [1.0.0] - 2024-01-01\n- a\n",
            &["changelog/missing-link"],
        ),
        (
            "## 1.0.0 - 2024-01-01\n- a\n\n[0.9.0]: https://g\n",
            &["changelog/orphan-link"],
        ),
        ("## 1.0.0 - 2024-01-01\n", &["changelog/empty-release"]),
        ("# 1.0.0 - 2024-01-01\n- a\n", &["changelog/heading-level"]),
        (
            "## 1.0.0 - 2024-01-01\n- a\n## Older\n- b\n",
            &["changelog/unrecognized-heading"],
        ),
        ("# Changelog\n\nNothing yet.\n", &["changelog/no-sections"]),
    ];
    for (text, want) in cases {
        assert_eq!(codes(text), want, "{text:?}");
    }
    assert_eq!(
        codes("##\u{a0}1.0.0 - 2024-01-01\n- a\n"),
        ["changelog/nbsp-heading"]
    );
}

#[test]
fn every_finding_names_file_line_and_remedy() {
    let text = "## [Unreleased]\n## [1.0.0]\n### Misc\n- a\n## [1.0.0] - 2024-13-01\n\n[0.1.0]: https://g\n";
    let found = validate(text, "charts/a/CHANGELOG.md");
    assert!(found.len() >= 5, "{found:?}");
    for d in &found {
        assert_eq!(d.file.as_deref(), Some("charts/a/CHANGELOG.md"));
        assert!(d.line.is_some(), "{d:?}");
        assert!(!d.help.is_empty(), "{d:?}");
        assert!(!d.message.ends_with('.'), "{d:?}");
        let first = d.message.chars().next().unwrap_or('x');
        assert!(first.is_lowercase() || first == '`', "{d:?}");
    }
    let lines: Vec<Option<usize>> = found.iter().map(|d| d.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn dated_nonempty_section_check_says_what_is_missing() {
    let cases = [
        (GOOD, "1.1.0", None),
        (GOOD, "v1.0.0", None),
        (GOOD, "2.0.0", Some("changelog/missing-section")),
        (GOOD, "Unreleased", Some("changelog/missing-section")),
        ("## 1.0.0\n- a\n", "1.0.0", Some("changelog/missing-date")),
        (
            "## 1.0.0 - 2024-1-1\n- a\n",
            "1.0.0",
            Some("changelog/invalid-date"),
        ),
        (
            "## 1.0.0 - 2024-01-01\n\n## 0.9.0 - 2023-01-01\n- a\n",
            "1.0.0",
            Some("changelog/empty-section"),
        ),
    ];
    for (text, version, want) in cases {
        let got = has_dated_nonempty_section(text, version)
            .err()
            .map(|d| d.code);
        assert_eq!(got, want, "{version} in {text:?}");
    }
    let err = has_dated_nonempty_section("## 1.0.0\n- a\n", "1.0.0").err();
    assert_eq!(err.and_then(|d| d.line), Some(1));
}

#[test]
fn bump_is_inferred_from_unreleased_change_types() {
    let cases = [
        ("## [Unreleased]\n### Fixed\n- a\n", Some(BumpLevel::Patch)),
        (
            "## [Unreleased]\n### Security\n- a\n",
            Some(BumpLevel::Patch),
        ),
        (
            "## [Unreleased]\n### Added\n- a\n### Fixed\n- b\n",
            Some(BumpLevel::Minor),
        ),
        (
            "## [Unreleased]\n### Changed\n- a\n",
            Some(BumpLevel::Minor),
        ),
        (
            "## [Unreleased]\n### Deprecated\n- a\n",
            Some(BumpLevel::Minor),
        ),
        (
            "## [Unreleased]\n### Removed\n- a\n### Added\n- b\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### Fixed\n- BREAKING: renamed `x`\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### \u{26a0} BREAKING CHANGES\n- a\n",
            Some(BumpLevel::Major),
        ),
        // A line marked breaking, in any letter case, is major.
        (
            "## [Unreleased]\n### Fixed\n- **Breaking:** the port moved\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### Changed\n- breaking change: values renamed\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### Fixed\n- BREAKING CHANGE drop v1\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### Fixed\n- [breaking] drop v1\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### Breaking changes\n- drop v1\n",
            Some(BumpLevel::Major),
        ),
        (
            "## [Unreleased]\n### Breaking\n- drop v1\n",
            Some(BumpLevel::Major),
        ),
        // Mentions that mark nothing.
        (
            "## [Unreleased]\n### Fixed\n- a non-breaking fix\n",
            Some(BumpLevel::Patch),
        ),
        (
            "## [Unreleased]\n### Fixed\n- this is not a breaking change\n",
            Some(BumpLevel::Patch),
        ),
        (
            "## [Unreleased]\n### Fixed\n- no breaking changes\n",
            Some(BumpLevel::Patch),
        ),
        (
            "## [Unreleased]\n### Fixed\n- stop breaking the build on retries\n",
            Some(BumpLevel::Patch),
        ),
        (
            "## [Unreleased]\n### Fixed\n- unbreaking spaces\n",
            Some(BumpLevel::Patch),
        ),
        ("## [Unreleased]\n### added\n- a\n", Some(BumpLevel::Minor)),
        (
            "## [Unreleased]\n### [Added]\n- a\n",
            Some(BumpLevel::Minor),
        ),
        ("## [Unreleased]\n- a plain entry\n", Some(BumpLevel::Patch)),
        (
            "## [Unreleased]\n- a plain entry\n### Added\n- b\n",
            Some(BumpLevel::Minor),
        ),
        ("## [Unreleased]\n### Misc\n- a\n", Some(BumpLevel::Patch)),
        // A change type with nothing under it does not count.
        (
            "## [Unreleased]\n### Removed\n\n### Fixed\n- a\n",
            Some(BumpLevel::Patch),
        ),
        ("## [Unreleased]\n### Added\n### Fixed\n", None),
        (
            "## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Removed\n- a\n",
            None,
        ),
        ("## [1.0.0] - 2024-01-01\n### Removed\n- a\n", None),
        ("", None),
    ];
    for (text, want) in cases {
        assert_eq!(unreleased_bump(text), want, "{text:?}");
    }
}

#[test]
fn sections_between_lists_newest_first_within_the_range() {
    let text = "## [Unreleased]\n- u\n## 2.0.0\n- d\n## 1.10.0\n- c\n## 1.9.0\n- b\n## 1.9.0\n- dup\n## 1.0.0-rc.1\n- a\n## 1.x\n- junk\n";
    let v = |s: &str| semver::Version::parse(s).unwrap_or_else(|_| semver::Version::new(0, 0, 0));
    let names = |got: Vec<(String, &str)>| {
        got.into_iter()
            .map(|(v, n)| format!("{v}:{n}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(sections_between(text, Some(&v("1.9.0")), &v("2.0.0"))),
        ["2.0.0:- d", "1.10.0:- c"]
    );
    assert_eq!(
        names(sections_between(text, None, &v("1.9.0"))),
        ["1.9.0:- b", "1.0.0-rc.1:- a"]
    );
    assert_eq!(
        names(sections_between(text, Some(&v("2.0.0")), &v("3.0.0"))),
        Vec::<String>::new()
    );
    // Out-of-order files are still listed newest first.
    let text = "## 1.0.0\n- a\n## 1.2.0\n- c\n## 1.1.0\n- b\n";
    assert_eq!(
        names(sections_between(text, None, &v("9.0.0"))),
        ["1.2.0:- c", "1.1.0:- b", "1.0.0:- a"]
    );
}

fn cut(text: &str, version: &str) -> Result<String, CutError> {
    let version = semver::Version::parse(version).unwrap_or_else(|_| semver::Version::new(0, 0, 0));
    cut_release(text, &version, "2024-06-01")
}

#[test]
fn cutting_updates_compare_links_in_the_files_style() {
    let cases = [
        // Keep a Changelog's own layout.
        (
            "## [Unreleased]\n\n### Added\n- n\n\n## [1.0.0] - 2024-01-01\n- a\n\n[Unreleased]: https://g/o/r/compare/v1.0.0...HEAD\n[1.0.0]: https://g/o/r/compare/v0.9.0...v1.0.0\n",
            "1.1.0",
            "## [Unreleased]\n\n## [1.1.0] - 2024-06-01\n\n### Added\n- n\n\n## [1.0.0] - 2024-01-01\n- a\n\n[Unreleased]: https://g/o/r/compare/v1.1.0...HEAD\n[1.1.0]: https://g/o/r/compare/v1.0.0...v1.1.0\n[1.0.0]: https://g/o/r/compare/v0.9.0...v1.0.0\n",
        ),
        // Monorepo tag with the component after the version.
        (
            "## [Unreleased]\n- n\n## [1.0.0] - 2024-01-01\n- a\n[unreleased]: https://g/o/r/compare/v1.0.0-frontend...HEAD\n[1.0.0]: https://g/o/r/releases/tag/v1.0.0-frontend\n",
            "1.1.0",
            "## [Unreleased]\n\n## [1.1.0] - 2024-06-01\n\n- n\n## [1.0.0] - 2024-01-01\n- a\n[unreleased]: https://g/o/r/compare/v1.1.0-frontend...HEAD\n[1.1.0]: https://g/o/r/compare/v1.0.0-frontend...v1.1.0-frontend\n[1.0.0]: https://g/o/r/releases/tag/v1.0.0-frontend\n",
        ),
        // Monorepo tag with the component first, two-dot range.
        (
            "## [Unreleased]\n- n\n## [1.0.0] - 2024-01-01\n- a\n[Unreleased]: https://g/o/r/compare/frontend-1.0.0..HEAD\n",
            "2.0.0",
            "## [Unreleased]\n\n## [2.0.0] - 2024-06-01\n\n- n\n## [1.0.0] - 2024-01-01\n- a\n[Unreleased]: https://g/o/r/compare/frontend-2.0.0..HEAD\n[2.0.0]: https://g/o/r/compare/frontend-1.0.0..frontend-2.0.0\n",
        ),
        // `[vX]` labels and release-tag links (no compare link on `[Unreleased]`).
        (
            "## [UNRELEASED]\n- n\n\n## [v0.1.0] - 2023-05-09\n- a\n\n<!--\nRELEASE LINKS\n-->\n[UNRELEASED]: https://g/o/r/tree/main/charts/x\n[v0.1.0]: https://g/o/r/releases/tag/x-0.1.0\n",
            "0.2.0",
            "## [UNRELEASED]\n\n## [v0.2.0] - 2024-06-01\n\n- n\n\n## [v0.1.0] - 2023-05-09\n- a\n\n<!--\nRELEASE LINKS\n-->\n[UNRELEASED]: https://g/o/r/tree/main/charts/x\n[v0.2.0]: https://g/o/r/releases/tag/x-0.2.0\n[v0.1.0]: https://g/o/r/releases/tag/x-0.1.0\n",
        ),
        // Only an `[Unreleased]` definition: the new one goes below it; no final newline kept.
        (
            "## [Unreleased]\n- n\n## [1.0.0] - 2024-01-01\n- a\n\n[Unreleased]: https://g/o/r/compare/1.0.0...HEAD",
            "1.0.1",
            "## [Unreleased]\n\n## [1.0.1] - 2024-06-01\n\n- n\n## [1.0.0] - 2024-01-01\n- a\n\n[Unreleased]: https://g/o/r/compare/1.0.1...HEAD\n[1.0.1]: https://g/o/r/compare/1.0.0...1.0.1",
        ),
        // No link references at all: none are added, and no brackets either.
        (
            "# Changelog\n\n## Unreleased\n\n- n\n\n## 1.0.0 (2024-01-01)\n\n- a\n",
            "1.1.0",
            "# Changelog\n\n## Unreleased\n\n## 1.1.0 (2024-06-01)\n\n- n\n\n## 1.0.0 (2024-01-01)\n\n- a\n",
        ),
        // Inline compare links in headings (release-plz style).
        (
            "## [Unreleased]\n\n### Fixed\n- n\n\n## [0.3.1](https://g/o/r/compare/v0.3.0...v0.3.1) - 2024-01-01\n- a\n",
            "0.3.2",
            "## [Unreleased]\n\n## [0.3.2](https://g/o/r/compare/v0.3.1...v0.3.2) - 2024-06-01\n\n### Fixed\n- n\n\n## [0.3.1](https://g/o/r/compare/v0.3.0...v0.3.1) - 2024-01-01\n- a\n",
        ),
        // An inline link on `[Unreleased]` itself moves on.
        (
            "## [Unreleased](https://g/o/r/compare/v1.0.0...HEAD)\n- n\n## [1.0.0] - 2024-01-01\n",
            "1.0.1",
            "## [Unreleased](https://g/o/r/compare/v1.0.1...HEAD)\n\n## [1.0.1] - 2024-06-01\n\n- n\n## [1.0.0] - 2024-01-01\n",
        ),
        // First release: the tag is found in the `[Unreleased]` link.
        (
            "## [Unreleased]\n- n\n\n[Unreleased]: https://g/o/r/compare/v0.0.0...HEAD\n",
            "0.1.0",
            "## [Unreleased]\n\n## [0.1.0] - 2024-06-01\n\n- n\n\n[Unreleased]: https://g/o/r/compare/v0.1.0...HEAD\n[0.1.0]: https://g/o/r/compare/v0.0.0...v0.1.0\n",
        ),
        // Level-1 headings, `v` prefix, en dash, prerelease version.
        (
            "# Unreleased\n- n\n# v1.0.0 \u{2013} 2024-01-01\n- a\n",
            "2.0.0-rc.1",
            "# Unreleased\n\n# v2.0.0-rc.1 \u{2013} 2024-06-01\n\n- n\n# v1.0.0 \u{2013} 2024-01-01\n- a\n",
        ),
    ];
    for (text, version, want) in cases {
        assert_eq!(cut(text, version).as_deref(), Ok(want), "{text:?}");
    }
}

#[test]
fn cutting_refuses_what_it_cannot_do() {
    let cases = [
        (
            "## [1.0.0] - 2024-01-01\n- a\n",
            "1.1.0",
            CutError::NoUnreleased,
        ),
        ("", "1.1.0", CutError::NoUnreleased),
        (
            "```\n## [Unreleased]\n```\n",
            "1.1.0",
            CutError::NoUnreleased,
        ),
        (
            "## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n- a\n",
            "1.1.0",
            CutError::EmptyUnreleased { line: 1 },
        ),
        (
            "## [Unreleased]\n- n\n## [v1.0.0] - 2024-01-01\n- a\n",
            "1.0.0",
            CutError::VersionExists {
                version: "1.0.0".to_owned(),
                line: 3,
            },
        ),
    ];
    for (text, version, want) in cases {
        assert_eq!(cut(text, version), Err(want), "{text:?}");
    }
    let bad_date = cut_release(
        "## [Unreleased]\n- n\n",
        &semver::Version::new(1, 0, 0),
        "2024-6-1",
    );
    assert!(matches!(bad_date, Err(CutError::InvalidDate { .. })));
    for err in [
        CutError::NoUnreleased,
        CutError::EmptyUnreleased { line: 3 },
    ] {
        let d = err.diagnostic();
        assert!(d.is_error() && !d.help.is_empty(), "{d:?}");
    }
}

#[test]
fn hostile_inputs_do_not_panic() {
    let inputs = [
        "\u{feff}",
        "\u{feff}\u{feff}## 1.0.0",
        "#",
        "## [",
        "## [](",
        "## [1.0.0](",
        "## [1.0.0][",
        "[",
        "[]:",
        "[a]: <",
        "[a]:\n",
        "<!--",
        "<",
        "<\u{e9}",
        "```",
        "~~~~\n",
        "\r\r\r\n\r",
        "## 1.0.0\n```\n",
        "## \u{e9}1.0.0",
        "##\u{a0}",
        "## 1.0.0 (\u{e9}",
        "## v\u{e9}",
        "1\n=",
        "- a\n---",
        "## 1.0.0 [yanked",
        "## 9999999999999999999999.0.0 - 2024-01-01",
        "## 1.0.0 - 9999-99-99",
    ];
    for text in inputs {
        let log = parse(text);
        let _ = validate(text, "x");
        let _ = extract(text, "1.0.0");
        let _ = unreleased_bump(text);
        let _ = has_dated_nonempty_section(text, "1.0.0");
        let _ = cut_release(text, &semver::Version::new(2, 0, 0), "2024-01-01");
        let _ = sections_between(text, None, &semver::Version::new(2, 0, 0));
        for s in &log.sections {
            assert!(text.get(s.content_range.clone()).is_some(), "{text:?}");
            assert!(text.get(s.heading_range.clone()).is_some(), "{text:?}");
        }
    }
}
