//! `notes`: the section on stdout and nothing else.

use crate::common::Sandbox;

#[test]
fn prints_exactly_the_section_for_a_tag() {
    let s = Sandbox::demo();
    let ran = s.cli(&["notes", "--tag", "v0.4.1-backend"]);
    ran.expect_code(0);
    assert_eq!(
        ran.stdout,
        "### Security\n\n- The API image runs as a non-root user.\n"
    );
    assert_eq!(ran.stderr, "");
}

#[test]
fn takes_a_component_or_a_changelog_with_a_version() {
    let s = Sandbox::demo();
    let by_component = s.cli(&[
        "notes",
        "--component",
        "data-platform",
        "--version",
        "1.0.0",
    ]);
    by_component.expect_code(0);
    assert_eq!(
        by_component.stdout,
        "### Added\n\n- Topics, schemas and the stream processor deployment.\n"
    );
    let by_file = s.cli(&["notes", "--changelog", "CHANGELOG.md", "--version", "2.4.0"]);
    by_file.expect_code(0);
    assert_eq!(by_file.stdout, "### Added\n\n- Order history page.\n");
}

#[test]
fn a_missing_version_names_the_file_and_the_latest_versions() {
    let s = Sandbox::demo();
    let ran = s.cli(&["notes", "--component", "backend", "--version", "9.9.9"]);
    ran.expect_code(1);
    assert_eq!(ran.stdout, "");
    insta::assert_snapshot!(ran.stderr_redacted());
    assert!(
        ran.stderr
            .contains("latest versions there: 0.4.2, 0.4.1, 0.4.0"),
        "{}",
        ran.stderr
    );
}

#[test]
fn keeps_crlf_line_endings_of_the_file() {
    let s = Sandbox::demo();
    let crlf = s.read("CHANGELOG.md").replace('\n', "\r\n");
    s.write("CHANGELOG.md", crlf);
    let ran = s.cli(&["notes", "--changelog", "CHANGELOG.md", "--version", "2.4.1"]);
    ran.expect_code(0);
    assert_eq!(
        ran.stdout,
        "### Fixed\r\n\r\n- Checkout no longer double-submits on slow networks.\n"
    );
}
