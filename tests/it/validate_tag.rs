//! `validate-tag` on the demo repository.

use crate::common::Sandbox;

#[test]
fn accepts_a_tag_that_matches_chart_and_changelog() {
    let s = Sandbox::demo();
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"]);
    ran.expect_code(0);
    assert_eq!(ran.output("component"), "frontend");
    assert_eq!(ran.output("version"), "1.1.0");
    assert_eq!(ran.output("major"), "1");
    assert_eq!(ran.output("minor"), "1");
    assert_eq!(ran.output("patch"), "0");
    assert_eq!(ran.output("prerelease"), "");
    assert_eq!(ran.output("is-prerelease"), "false");
    assert_eq!(ran.output("chart-path"), "helm/charts/frontend");
    assert_eq!(
        ran.output("changelog-path"),
        "helm/charts/frontend/CHANGELOG.md"
    );
    assert_eq!(
        ran.output("release-notes"),
        "### Added\n\n- Configurable `resources` for the nginx sidecar.\n\n### Changed\n\n- The default replica count is 2."
    );
    assert!(
        ran.summary.contains("## Tag `v1.1.0-frontend`"),
        "{}",
        ran.summary
    );
}

#[test]
fn reads_the_tag_from_github_ref_under_actions() {
    let s = Sandbox::demo();
    let ran = s.action(
        &[("command", "validate-tag")],
        &[("GITHUB_REF", "refs/tags/v0.4.2-backend")],
    );
    ran.expect_code(0);
    assert_eq!(ran.output("component"), "backend");
}

#[test]
fn a_declared_component_checks_every_version_file() {
    let s = Sandbox::demo();
    s.cli(&["validate-tag", "--tag", "v2.4.1-walking-skeleton"])
        .expect_code(0);
    s.write("VERSION", "2.4.0\n");
    let ran = s.cli(&["validate-tag", "--tag", "v2.4.1-walking-skeleton"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
}

#[test]
fn rejects_a_tag_that_differs_from_the_chart_version() {
    let s = Sandbox::demo();
    let ran = s.action(
        &[("command", "validate-tag"), ("tag", "v1.2.0-frontend")],
        &[],
    );
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("::error file=helm/charts/frontend/Chart.yaml,line=6,title=tag/version-mismatch::tag `v1.2.0-frontend` is version 1.2.0, but `helm/charts/frontend/Chart.yaml` says `1.1.0`"),
        "{}",
        ran.stdout
    );
    // The changelog has no dated 1.2.0 section either: both problems are reported.
    assert!(
        ran.stdout
            .contains("file=helm/charts/frontend/CHANGELOG.md"),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.output("version"), "1.2.0");
    assert!(
        ran.summary.contains("Findings: 2 error(s)"),
        "{}",
        ran.summary
    );
}

#[test]
fn unknown_components_get_a_suggestion() {
    let s = Sandbox::demo();
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontnd"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("unknown component `frontnd`"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("known: backend, data-platform, frontend, walking-skeleton"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("did you mean `frontend`?"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_undated_or_missing_changelog_section_fails() {
    let s = Sandbox::demo();
    let log = s
        .read("helm/charts/backend/CHANGELOG.md")
        .replace("## [0.4.2] - 2026-10-20", "## [0.4.2]");
    s.write("helm/charts/backend/CHANGELOG.md", log);
    let ran = s.cli(&["validate-tag", "--tag", "v0.4.2-backend"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("helm/charts/backend/CHANGELOG.md:"),
        "{}",
        ran.stderr
    );
}

#[test]
fn prerelease_versions_are_reported_as_such() {
    let s = Sandbox::demo();
    let chart = s
        .read("helm/charts/data-platform/Chart.yaml")
        .replace("version: 1.0.1", "version: 1.1.0-rc.1");
    s.write("helm/charts/data-platform/Chart.yaml", chart);
    let log = s.read("helm/charts/data-platform/CHANGELOG.md").replace(
        "## [Unreleased]\n",
        "## [Unreleased]\n\n## [1.1.0-rc.1] - 2026-11-01\n\n### Changed\n\n- Release candidate.\n",
    );
    s.write("helm/charts/data-platform/CHANGELOG.md", log);
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-rc.1-data-platform"]);
    ran.expect_code(0);
    assert_eq!(ran.output("component"), "data-platform");
    assert_eq!(ran.output("prerelease"), "rc.1");
    assert_eq!(ran.output("is-prerelease"), "true");
}

#[test]
fn a_missing_tag_is_a_usage_error() {
    let s = Sandbox::demo();
    let ran = s.cli(&["validate-tag"]);
    ran.expect_code(2);
    assert!(ran.stderr.contains("no tag given"), "{}", ran.stderr);
    let ran = s.action(
        &[("command", "validate-tag")],
        &[("GITHUB_REF", "refs/heads/main")],
    );
    ran.expect_code(2);
    assert!(
        ran.stdout
            .contains("::error title=release-action usage::`GITHUB_REF` is `refs/heads/main`"),
        "{}",
        ran.stdout
    );
}

#[test]
fn without_a_token_annotation_is_checked_in_the_local_repository_or_flagged() {
    let s = Sandbox::demo();
    // Not a git repository: a warning says the check could not run.
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"]);
    ran.expect_code(0);
    insta::assert_snapshot!(ran.stderr_redacted());
    assert!(
        ran.stderr
            .contains("= help: pass `github-token` (or set `GITHUB_TOKEN`)"),
        "{}",
        ran.stderr
    );
    s.git_init();
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"]);
    assert!(
        ran.stderr
            .contains("the local repository has no tag `v1.1.0-frontend`"),
        "{}",
        ran.stderr
    );
    s.git(&["tag", "v1.1.0-frontend"]);
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("error[tag/lightweight]: tag `v1.1.0-frontend` is a lightweight tag; this repository requires annotated tags"),
        "{}",
        ran.stderr
    );
    s.git(&["tag", "-d", "v1.1.0-frontend"]);
    s.git(&["tag", "-a", "v1.1.0-frontend", "-m", "frontend v1.1.0"]);
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"]);
    ran.expect_code(0);
    assert!(!ran.stderr.contains("warning"), "{}", ran.stderr);
}

#[test]
fn a_tag_that_reads_as_two_components_is_refused_with_both_readings() {
    let s = Sandbox::demo();
    let chart = s
        .read("helm/charts/frontend/Chart.yaml")
        .replace("version: 1.1.0", "version: 1.0.0-beta");
    s.write("helm/charts/frontend/Chart.yaml", chart);
    s.write(
        "helm/charts/beta-frontend/Chart.yaml",
        "apiVersion: v2\nname: beta-frontend\nversion: 1.0.0\n",
    );
    s.write(
        "helm/charts/beta-frontend/CHANGELOG.md",
        "# Changelog\n\n## [1.0.0] - 2026-10-02\n\n### Added\n\n- The beta frontend.\n",
    );
    let ran = s.cli(&["validate-tag", "--tag", "v1.0.0-beta-frontend"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    let ran = s.action(
        &[("command", "validate-tag"), ("tag", "v1.0.0-beta-frontend")],
        &[],
    );
    ran.expect_code(1);
    assert!(
        ran.stdout
            .starts_with("::error title=tag/ambiguous::tag `v1.0.0-beta-frontend` is ambiguous"),
        "{}",
        ran.stdout
    );
    // Another separator takes the ambiguity away.
    s.write(
        ".github/release-action.yml",
        "tag-format: \"{component}/v{version}\"\n",
    );
    s.cli(&["validate-tag", "--tag", "beta-frontend/v1.0.0"])
        .expect_code(0);
}
