//! Property tests of the changelog module: arbitrary text never makes it
//! panic, and on generated Keep a Changelog files every release's notes come
//! back byte for byte and cutting a release moves `[Unreleased]` intact.

use proptest::prelude::*;
use release_action::domain::changelog::{self, CutError, Heading};

/// Every public operation on `text`; none may panic, and every span it
/// reports must lie on character boundaries of `text`.
fn exercise(text: &str) {
    let log = changelog::parse(text);
    for s in &log.sections {
        assert!(text.get(s.heading_range.clone()).is_some());
        assert!(text.get(s.body_range.clone()).is_some());
        assert!(text.get(s.content_range.clone()).is_some());
        for sub in &s.subsections {
            assert!(text.get(sub.body_range.clone()).is_some());
        }
    }
    for l in &log.links {
        assert!(text.get(l.range.clone()).is_some());
        assert_eq!(text.get(l.url_range.clone()), Some(l.url.as_str()));
    }
    let _ = changelog::validate(text, "CHANGELOG.md");
    let _ = changelog::unreleased_bump(text);
    for v in ["1.0.0", "v1.0.0", "Unreleased", "", "0.1"] {
        let _ = changelog::extract(text, v);
        let _ = changelog::has_dated_nonempty_section(text, v);
    }
    let upto = semver::Version::new(9, 9, 9);
    let _ = changelog::sections_between(text, None, &upto);
    if let Ok(out) = changelog::cut_release(text, &semver::Version::new(99, 0, 0), "2024-02-29") {
        let after = changelog::parse(&out);
        assert!(after.section("99.0.0").is_some(), "{text:?} -> {out:?}");
    }
}

/// Markdown-flavoured noise: the characters the scanner and title parser
/// care about, plus multi-byte ones.
fn markdownish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("#".to_owned()),
            Just("## ".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just(": ".to_owned()),
            Just("```".to_owned()),
            Just("~~~".to_owned()),
            Just("<!--".to_owned()),
            Just("-->".to_owned()),
            Just("<details>".to_owned()),
            Just("---".to_owned()),
            Just("===".to_owned()),
            Just("- ".to_owned()),
            Just("    ".to_owned()),
            Just("\t".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\u{a0}".to_owned()),
            Just("\u{feff}".to_owned()),
            Just("\u{2013}".to_owned()),
            Just("\u{e9}".to_owned()),
            Just("Unreleased".to_owned()),
            Just("YANKED".to_owned()),
            Just("1.0.0".to_owned()),
            Just("v1.0.0".to_owned()),
            Just("2024-01-02".to_owned()),
            Just("https://g/o/r/compare/v1.0.0...HEAD".to_owned()),
            Just("### Added".to_owned()),
            "[a-z0-9 .]{0,6}",
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

/// A block of release notes: every variant is content of the section it is
/// in, whatever headings it mentions.
fn block() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        proptest::collection::vec(
            "[a-z]{1,8}( [a-z]{1,8}){0,4}".prop_map(|s| format!("- {s}")),
            1..4
        ),
        Just(vec![
            "```md".to_owned(),
            "## [9.9.9] - 2020-01-01".to_owned(),
            "```".to_owned()
        ]),
        Just(vec![
            "~~~~".to_owned(),
            "```".to_owned(),
            "# 8.8.8".to_owned(),
            "~~~~".to_owned()
        ]),
        // Text follows the comment: a comment right before the bottom link
        // block is taken as part of that block (`<!-- RELEASE LINKS -->`).
        Just(vec![
            "<!--".to_owned(),
            "## [7.7.7] - 2020-01-01".to_owned(),
            "-->".to_owned(),
            "After the comment.".to_owned()
        ]),
        Just(vec!["    ## [6.6.6] indented code".to_owned()]),
        Just(vec!["> ## [5.5.5] quoted".to_owned()]),
        Just(vec!["---".to_owned()]),
        Just(vec!["#### Details".to_owned(), "- nested".to_owned()]),
        Just(vec!["- BREAKING: renamed `x`".to_owned()]),
        Just(vec![
            "Plain paragraph with [a link](https://example.com) \u{e9}.".to_owned()
        ]),
        // Text follows: a release's own link definitions at the very end of
        // the file would join the bottom link block.
        Just(vec![
            "[#12]: https://g/o/r/pull/12".to_owned(),
            "Thanks to all.".to_owned()
        ]),
    ]
}

/// Change-type groups: (index into `TYPES`, blocks of lines).
type Groups = Vec<(usize, Vec<Vec<String>>)>;

const TYPES: [&str; 7] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
    "Other",
];

/// Change-type groups: `### Type` followed by blocks.
fn groups() -> impl Strategy<Value = Groups> {
    proptest::collection::vec(
        (0..TYPES.len(), proptest::collection::vec(block(), 1..3)),
        0..3,
    )
}

#[derive(Debug, Clone)]
struct Spec {
    bom: bool,
    crlf: bool,
    final_newline: bool,
    bracketed: bool,
    v_prefix: bool,
    parens: bool,
    links: bool,
    tag_format: usize,
    unreleased: Groups,
    releases: Vec<(semver::Version, Groups)>,
}

const TAG_FORMATS: [&str; 4] = ["v{}", "v{}-frontend", "frontend-{}", "frontend/v{}"];

fn tag(format: usize, version: &str) -> String {
    TAG_FORMATS[format % TAG_FORMATS.len()].replace("{}", version)
}

fn spec() -> impl Strategy<Value = Spec> {
    let versions =
        proptest::collection::btree_set((0u64..4, 0u64..12, 0u64..12, any::<bool>()), 0..6);
    (
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (any::<bool>(), any::<bool>(), 0..TAG_FORMATS.len()),
        groups(),
        versions,
        proptest::collection::vec(groups(), 6),
    )
        .prop_map(
            |(
                (bom, crlf, final_newline, bracketed, v_prefix),
                (parens, links, tag_format),
                unreleased,
                versions,
                bodies,
            )| {
                let mut versions: Vec<semver::Version> = versions
                    .into_iter()
                    .map(|(major, minor, patch, pre)| {
                        let mut v = semver::Version::new(major, minor, patch);
                        if pre {
                            v.pre = semver::Prerelease::new("rc.1")
                                .unwrap_or(semver::Prerelease::EMPTY);
                        }
                        v
                    })
                    .collect();
                versions.sort();
                versions.dedup();
                versions.reverse();
                let releases = versions.into_iter().zip(bodies).collect();
                Spec {
                    bom,
                    crlf,
                    final_newline,
                    bracketed,
                    v_prefix,
                    parens,
                    links,
                    tag_format,
                    unreleased,
                    releases,
                }
            },
        )
}

/// The body text of a list of groups, lines joined with `eol`.
fn body(groups: &[(usize, Vec<Vec<String>>)], eol: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (ty, blocks) in groups {
        parts.push(format!("### {}", TYPES[*ty]));
        for b in blocks {
            parts.push(b.join(eol));
        }
    }
    parts.join(&format!("{eol}{eol}"))
}

/// Renders the spec; also returns the expected notes of each release.
fn render(spec: &Spec) -> (String, Vec<(String, String)>) {
    let eol = if spec.crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    if spec.bom {
        out.push('\u{feff}');
    }
    out.push_str(&format!(
        "# Changelog{eol}{eol}All notable changes.{eol}{eol}"
    ));
    let unreleased = if spec.bracketed {
        "[Unreleased]"
    } else {
        "Unreleased"
    };
    out.push_str(&format!("## {unreleased}{eol}{eol}"));
    let u = body(&spec.unreleased, eol);
    if !u.is_empty() {
        out.push_str(&format!("{u}{eol}{eol}"));
    }
    let mut expected = Vec::new();
    for (version, groups) in &spec.releases {
        let v = if spec.v_prefix {
            format!("v{version}")
        } else {
            version.to_string()
        };
        let name = if spec.bracketed { format!("[{v}]") } else { v };
        let date = if spec.parens {
            " (2024-01-02)".to_owned()
        } else {
            " - 2024-01-02".to_owned()
        };
        out.push_str(&format!("## {name}{date}{eol}{eol}"));
        let b = body(groups, eol);
        if !b.is_empty() {
            out.push_str(&format!("{b}{eol}{eol}"));
        }
        expected.push((version.to_string(), b));
    }
    if spec.links && spec.bracketed {
        let latest = spec
            .releases
            .first()
            .map_or("0.0.0".to_owned(), |(v, _)| v.to_string());
        out.push_str(&format!(
            "[Unreleased]: https://g/o/r/compare/{}...HEAD{eol}",
            tag(spec.tag_format, &latest)
        ));
        for (i, (version, _)) in spec.releases.iter().enumerate() {
            let label = if spec.v_prefix {
                format!("v{version}")
            } else {
                version.to_string()
            };
            let url = match spec.releases.get(i + 1) {
                Some((prev, _)) => format!(
                    "https://g/o/r/compare/{}...{}",
                    tag(spec.tag_format, &prev.to_string()),
                    tag(spec.tag_format, &version.to_string())
                ),
                None => format!(
                    "https://g/o/r/releases/tag/{}",
                    tag(spec.tag_format, &version.to_string())
                ),
            };
            out.push_str(&format!("[{label}]: {url}{eol}"));
        }
    }
    if !spec.final_newline {
        while out.ends_with('\n') || out.ends_with('\r') {
            out.pop();
        }
    }
    (out, expected)
}

// 256 cases each by default; `PROPTEST_CASES` raises it.
proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn markdown_like_noise_never_panics(text in markdownish()) {
        exercise(&text);
    }

    #[test]
    fn generated_changelogs_give_back_every_release_and_cut_cleanly(spec in spec()) {
        let (text, expected) = render(&spec);
        exercise(&text);

        let log = changelog::parse(&text);
        prop_assert_eq!(log.bom, spec.bom);
        prop_assert_eq!(log.sections.len(), spec.releases.len() + 1);
        for (version, notes) in &expected {
            prop_assert_eq!(changelog::extract(&text, version), Some(notes.as_str()), "{}", version);
        }
        let errors_before: Vec<_> = changelog::validate(&text, "C.md").into_iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors_before.is_empty(), "{:?}", errors_before);

        let unreleased = changelog::extract(&text, "Unreleased").map(str::to_owned);
        let newest = spec.releases.first().map(|(v, _)| v.clone());
        let next = newest.map_or(semver::Version::new(0, 1, 0), |v| semver::Version::new(v.major + 1, 0, 0));
        let result = changelog::cut_release(&text, &next, "2024-03-01");
        let Some(unreleased) = unreleased.filter(|u| !u.trim().is_empty()) else {
            prop_assert!(matches!(result, Err(CutError::EmptyUnreleased { .. })), "{:?}", result);
            return Ok(());
        };
        let out = match result {
            Ok(out) => out,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let next_str = next.to_string();
        prop_assert_eq!(changelog::extract(&out, &next_str), Some(unreleased.as_str()));
        prop_assert_eq!(changelog::extract(&out, "Unreleased"), Some(""));
        let after = changelog::parse(&out);
        prop_assert_eq!(&after.sections[0].heading, &Heading::Unreleased);
        prop_assert_eq!(after.sections[1].heading.version(), Some(next_str.as_str()));
        prop_assert_eq!(after.sections.len(), log.sections.len() + 1);
        prop_assert_eq!(after.bom, spec.bom);
        for (version, notes) in &expected {
            prop_assert_eq!(changelog::extract(&out, version), Some(notes.as_str()));
        }
        let errors_after: Vec<_> = changelog::validate(&out, "C.md").into_iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors_after.is_empty(), "{:?}", errors_after);
        if spec.crlf {
            prop_assert!(!out.replace("\r\n", "").contains('\n'), "a bare LF was inserted");
        }
        if spec.links && spec.bracketed && !spec.releases.is_empty() {
            let label = if spec.v_prefix { format!("v{next}") } else { next_str.clone() };
            let new_tag = tag(spec.tag_format, &next_str);
            let unreleased_def = after.link("Unreleased").map(|l| l.url.clone());
            prop_assert_eq!(unreleased_def, Some(format!("https://g/o/r/compare/{new_tag}...HEAD")));
            let old_tag = tag(spec.tag_format, &spec.releases[0].0.to_string());
            let new_def = after.link(&label).map(|l| l.url.clone());
            prop_assert_eq!(new_def, Some(format!("https://g/o/r/compare/{old_tag}...{new_tag}")));
            let warnings: Vec<_> = changelog::validate(&out, "C.md").into_iter().filter(|d| d.code.contains("link")).collect();
            prop_assert!(warnings.is_empty(), "{:?}", warnings);
        }
    }
}
