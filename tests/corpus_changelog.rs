//! The changelog module over every real changelog of the corpus
//! (`../shared/corpus/changelogs`, or `$RELEASE_ACTION_CORPUS/changelogs`):
//! parsing and validating never panic, release notes agree with the
//! `parse-changelog` crate (the oracle) except for the listed, explained
//! disagreements, and cutting a release changes only the lines it must.

// The counts are the point of this test: it prints them for CI logs.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use release_action::domain::changelog::{self, CutError, Heading};

/// The corpus root: `$RELEASE_ACTION_CORPUS`, else `../shared/corpus` beside
/// the crate.
fn corpus_root() -> PathBuf {
    std::env::var_os("RELEASE_ACTION_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Every changelog of the corpus as (file name, text), sorted by name.
fn changelogs() -> Vec<(String, String)> {
    let dir = corpus_root().join("changelogs");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus at `{}`: {e}", dir.display()));
    let mut files: Vec<(String, String)> = entries
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("file name")
                .to_owned();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
            (name, text)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 100,
        "expected the whole corpus, found {} files",
        files.len()
    );
    files
}

// The reasons of the table below, each naming who is right.
const BOTTOM_LINKS: &str =
    "ours: the bottom block of version link definitions belongs to the file, \
     not to the oldest release (parse-changelog appends it to that release's notes)";
const NESTED_RELEASE: &str = "ours: a deeper `### 1.2.1` heading is a release of its own \
     (release-please, DataDog); parse-changelog folds it into the release above";
const NBSP_HEADING: &str =
    "ours (lenient): `##` + non-breaking space + `0.7.0` was meant as a heading; \
     CommonMark reads it as text, so parse-changelog folds 0.7.0 and 0.5.0 into 0.8.0";
const THEMATIC_BREAK: &str = "ours: a `---` after a blank line is a thematic break inside the notes; \
     parse-changelog takes it for the underline of an empty Setext heading and ends the notes there";

/// Where our notes differ from parse-changelog's, and who is right:
/// `(file, version, reason)`. See `docs/changelog-oracle.md`.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "DataDog__helm-charts__charts__datadog__CHANGELOG.md",
        "2.0.1",
        NESTED_RELEASE,
    ),
    (
        "DataDog__helm-charts__charts__private-action-runner__CHANGELOG.md",
        "0.11.0",
        NESTED_RELEASE,
    ),
    (
        "DataDog__helm-charts__charts__synthetics-private-location__CHANGELOG.md",
        "0.15.3",
        NESTED_RELEASE,
    ),
    (
        "JetBrains__intellij-platform-plugin-template__CHANGELOG.md",
        "0.0.1",
        BOTTOM_LINKS,
    ),
    ("Textualize__rich__CHANGELOG.md", "0.3.0", BOTTOM_LINKS),
    (
        "ffurrer2__extract-release-notes__CHANGELOG.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "3.2.6",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "3.2.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "3.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.34.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.30.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.29.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.26.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.25.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.21.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.20.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.19.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.16.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.15.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.13.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.12.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.11.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.10.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.9.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.6.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.5.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.2.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "2.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "1.4.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "1.3.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please-action__CHANGELOG.md",
        "1.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.18.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.17.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.16.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.12.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.11.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.9.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.8.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.5.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.4.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.3.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.2.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "13.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "12.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "12.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.24.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.21.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.17.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.15.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.14.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.13.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.9.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.5.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.3.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.2.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "11.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "10.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "8.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "7.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "6.9.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "6.6.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "6.5.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "6.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "5.8.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "5.7.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "5.6.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "5.3.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "5.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "4.2.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "4.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "3.3.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "3.2.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "3.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.13.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.11.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.8.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.7.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.6.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.5.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.4.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.3.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.1.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "2.0.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "1.6.0",
        NESTED_RELEASE,
    ),
    (
        "googleapis__release-please__CHANGELOG.md",
        "1.5.0",
        NESTED_RELEASE,
    ),
    (
        "helm__charts__stable__datadog__CHANGELOG.md",
        "2.0.1",
        NESTED_RELEASE,
    ),
    (
        "helm__charts__stable__prometheus-cloudwatch-exporter__CHANGELOG.md",
        "0.8.0",
        NBSP_HEADING,
    ),
    (
        "k8s-at-home__charts__charts__common__CHANGELOG@94315f07b2ef.md",
        "1.7.0",
        BOTTOM_LINKS,
    ),
    (
        "k8s-at-home__charts__charts__home-assistant__CHANGELOG@94315f07b2ef.md",
        "2.7.0",
        BOTTOM_LINKS,
    ),
    (
        "kubernetes-sigs__external-dns__charts__external-dns__CHANGELOG.md",
        "1.8.0",
        BOTTOM_LINKS,
    ),
    (
        "mindsers__changelog-reader-action__.github__fixtures__changelog-pep440.md",
        "0.0.1",
        BOTTOM_LINKS,
    ),
    (
        "mindsers__changelog-reader-action__.github__fixtures__changelog-prereleased.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "mindsers__changelog-reader-action__.github__fixtures__changelog-unreleased.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "mindsers__changelog-reader-action__.github__fixtures__changelog-yanked.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "mindsers__changelog-reader-action__CHANGELOG.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "olivierlacan__keep-a-changelog__CHANGELOG.md",
        "0.0.1",
        BOTTOM_LINKS,
    ),
    (
        "open-telemetry__opentelemetry-go__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "prometheus-community__helm-charts__charts__prometheus-cloudwatch-exporter__CHANGELOG.md",
        "0.8.0",
        NBSP_HEADING,
    ),
    (
        "softprops__action-gh-release__CHANGELOG.md",
        "0.1.2",
        THEMATIC_BREAK,
    ),
    (
        "softprops__action-gh-release__CHANGELOG.md",
        "0.1.1",
        THEMATIC_BREAK,
    ),
    (
        "stevehipwell__helm-charts__charts__k8s-resources__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__kube-proxy__CHANGELOG.md",
        "0.0.1",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__nexus3__CHANGELOG.md",
        "3.0.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__node-config__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__overprovisioner__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__plantuml__CHANGELOG.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__snapshot-controller__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__thanos__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__tigera-operator__CHANGELOG.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "stevehipwell__helm-charts__charts__vertical-pod-autoscaler__CHANGELOG.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "taiki-e__create-gh-release-action__CHANGELOG.md",
        "1.0.0",
        BOTTOM_LINKS,
    ),
    (
        "taiki-e__parse-changelog__CHANGELOG.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "thephpleague__commonmark__CHANGELOG-0.x.md",
        "0.1.0",
        BOTTOM_LINKS,
    ),
    (
        "thephpleague__commonmark__CHANGELOG-1.x.md",
        "1.0.0-beta1",
        BOTTOM_LINKS,
    ),
    (
        "thephpleague__commonmark__CHANGELOG.md",
        "2.0.0-beta1",
        BOTTOM_LINKS,
    ),
];

#[test]
fn parsing_and_validating_never_panic_and_notes_agree_with_parse_changelog() {
    let files = changelogs();
    let mut compared = 0usize;
    let mut agreed = 0usize;
    let mut disagreements: Vec<(String, String)> = Vec::new();
    let mut unexplained: Vec<String> = Vec::new();
    for (name, text) in &files {
        let log = changelog::parse(text);
        let _ = changelog::validate(text, name);
        let _ = changelog::unreleased_bump(text);
        for section in &log.sections {
            assert!(
                text.get(section.content_range.clone()).is_some(),
                "{name}: {section:?}"
            );
        }

        let mut seen = std::collections::HashSet::new();
        for release in parse_changelog::parse_iter(text) {
            if release.version == "Unreleased" || !seen.insert(release.version) {
                continue;
            }
            compared += 1;
            let ours = changelog::extract(text, release.version).map(str::trim);
            if ours == Some(release.notes.trim()) {
                agreed += 1;
                continue;
            }
            disagreements.push((name.clone(), release.version.to_owned()));
            let known = KNOWN_DISAGREEMENTS
                .iter()
                .any(|(f, v, _)| *f == name && *v == release.version);
            if !known {
                unexplained.push(format!(
                    "{name} {}\n--- parse-changelog:\n{}\n--- ours:\n{}\n",
                    release.version,
                    excerpt(release.notes),
                    ours.map_or("(none)".to_owned(), excerpt),
                ));
            }
        }
    }
    eprintln!(
        "changelog corpus: {} files parsed, {compared} released versions compared with parse-changelog, \
         {agreed} agreements, {} disagreements ({} explained)",
        files.len(),
        disagreements.len(),
        disagreements.len() - unexplained.len(),
    );
    let stale: Vec<_> = KNOWN_DISAGREEMENTS
        .iter()
        .filter(|(f, v, _)| !disagreements.iter().any(|(df, dv)| df == f && dv == v))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreements with parse-changelog:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "known disagreements that no longer occur: {stale:?}"
    );
}

/// The first and last lines of a long note, for failure messages.
fn excerpt(notes: &str) -> String {
    let lines: Vec<&str> = notes.lines().collect();
    if lines.len() <= 12 {
        return notes.to_owned();
    }
    format!(
        "{}\n[… {} lines …]\n{}",
        lines[..5].join("\n"),
        lines.len() - 10,
        lines[lines.len() - 5..].join("\n")
    )
}

/// A version above every release of the changelog.
fn next_version(log: &changelog::Changelog) -> semver::Version {
    let newest = log
        .releases()
        .filter_map(|s| s.heading.version())
        .filter_map(|v| semver::Version::parse(v).ok())
        .max();
    match newest {
        Some(v) => semver::Version::new(v.major + 1000, 0, 0),
        None => semver::Version::new(1000, 0, 0),
    }
}

#[test]
fn cutting_a_release_moves_unreleased_and_changes_only_the_lines_it_must() {
    let mut cut = 0usize;
    let mut empty = 0usize;
    for (name, text) in changelogs() {
        let log = changelog::parse(&text);
        let Some(unreleased) = log.unreleased() else {
            assert_eq!(
                changelog::cut_release(&text, &semver::Version::new(1, 0, 0), "2099-01-31"),
                Err(CutError::NoUnreleased),
                "{name}"
            );
            continue;
        };
        let version = next_version(&log);
        let mut text = text.clone();
        if text[unreleased.content_range.clone()].trim().is_empty() {
            let result = changelog::cut_release(&text, &version, "2099-01-31");
            assert!(
                matches!(result, Err(CutError::EmptyUnreleased { .. })),
                "{name}: {result:?}"
            );
            empty += 1;
            // Seed an entry under the heading and cut that.
            let at = unreleased.heading_range.end;
            let eol = log.line_ending;
            let lead = if text[..at].ends_with('\n') { "" } else { eol };
            text.insert_str(at, &format!("{lead}- Seeded entry{eol}"));
        }
        let log = changelog::parse(&text);
        let Some(unreleased) = log.unreleased() else {
            panic!("{name}: [Unreleased] lost by seeding");
        };
        let before = text[unreleased.content_range.clone()].to_owned();
        let out = changelog::cut_release(&text, &version, "2099-01-31")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        cut += 1;

        let after = changelog::parse(&out);
        let version_str = version.to_string();
        let position = after
            .sections
            .iter()
            .position(|s| s.heading.version() == Some(version_str.as_str()))
            .unwrap_or_else(|| panic!("{name}: no section for {version_str} after the cut"));
        let unreleased_at = after
            .sections
            .iter()
            .position(|s| s.heading == Heading::Unreleased)
            .expect("[Unreleased] is kept");
        assert_eq!(
            position,
            unreleased_at + 1,
            "{name}: new section right below [Unreleased]"
        );
        assert_eq!(
            changelog::extract(&out, &version_str),
            Some(before.as_str()),
            "{name}: the new section holds the former [Unreleased] entries"
        );
        assert_eq!(
            changelog::extract(&out, "Unreleased"),
            Some(""),
            "{name}: [Unreleased] is empty"
        );
        assert_eq!(after.sections.len(), log.sections.len() + 1, "{name}");
        assert_only_expected_lines_changed(&name, &text, &out, log.line_ending);
    }
    eprintln!(
        "changelog corpus: cut a release in {cut} files ({empty} had an empty [Unreleased], seeded with one entry)"
    );
    assert!(cut > 0);
}

/// Every original line survives in order, except `[Unreleased]` link lines,
/// and every inserted line ends with the file's line ending.
fn assert_only_expected_lines_changed(name: &str, old: &str, new: &str, eol: &str) {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut removed = Vec::new();
    let mut inserted = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_owned()),
            similar::ChangeTag::Insert => inserted.push(change.value().to_owned()),
            similar::ChangeTag::Equal => {}
        }
    }
    for line in &removed {
        assert!(
            line.to_ascii_lowercase().contains("unreleased"),
            "{name}: a line other than an [Unreleased] link changed: {line:?}"
        );
    }
    assert!(removed.len() <= 2, "{name}: removed {removed:?}");
    assert!(inserted.len() <= 6, "{name}: inserted {inserted:?}");
    for line in &inserted {
        let is_last_line = new.ends_with(line.as_str()) && !line.ends_with('\n');
        let right_ending = line.ends_with(eol) && (eol == "\r\n" || !line.ends_with("\r\n"));
        assert!(
            right_ending || is_last_line,
            "{name}: inserted line {line:?} does not end with the file's line ending"
        );
    }
}
