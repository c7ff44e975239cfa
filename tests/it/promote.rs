//! `promote --dry-run` and `promote --local`: the whole policy and byte-exact edits.

use crate::common::Sandbox;

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--bump",
        "auto",
        "--dry-run",
    ]);
    ran.expect_code(0);
    assert_eq!(s.snapshot(), before, "dry run wrote files");
    assert!(
        ran.stdout.contains(
            "--- a/helm/charts/frontend/Chart.yaml\n+++ b/helm/charts/frontend/Chart.yaml\n"
        ),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("-version: 1.1.0\n+version: 1.2.0\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("+## [1.2.0] - 2026-11-18\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("-  frontend: 1.1.0\n+  frontend: 1.2.0\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("+++ b/releases/history/dev/20261118T"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(
            "# pull request: Promote frontend 1.2.0 to dev (release-action/promote/frontend-dev)"
        ),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.output("version"), "1.2.0");
    assert_eq!(ran.output("previous-version"), "1.1.0");
    assert_eq!(ran.output("branch"), "release-action/promote/frontend-dev");
    assert_eq!(ran.output("draft"), "false");
}

#[test]
fn bump_auto_reads_breaking_in_any_letter_case_as_major() {
    let s = Sandbox::demo();
    let log = s.read("helm/charts/frontend/CHANGELOG.md").replacen(
        "- The readiness probe path now honours `basePath`.",
        "- **Breaking:** the readiness probe path now honours `basePath`.",
        1,
    );
    s.write("helm/charts/frontend/CHANGELOG.md", log);
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--bump",
        "auto",
        "--dry-run",
    ]);
    ran.expect_code(0);
    assert_eq!(ran.output("version"), "2.0.0");
}

#[test]
fn local_promotion_into_dev_edits_only_the_lines_it_must() {
    let s = Sandbox::demo();
    let chart_before = s.read("helm/charts/frontend/Chart.yaml");
    let bom_before = s.read("releases/dev.yaml");
    let ran = s.cli(&[
        "promote", "--chart", "frontend", "--to", "dev", "--bump", "minor", "--local",
    ]);
    ran.expect_code(0);
    assert_eq!(
        s.read("helm/charts/frontend/Chart.yaml"),
        chart_before.replace("version: 1.1.0\n", "version: 1.2.0\n")
    );
    assert_eq!(
        s.read("releases/dev.yaml"),
        bom_before.replace("frontend: 1.1.0", "frontend: 1.2.0")
    );
    let log = s.read("helm/charts/frontend/CHANGELOG.md");
    assert!(
        log.contains(
            "## [Unreleased]\n\n## [1.2.0] - 2026-11-18\n\n### Added\n\n- A `podDisruptionBudget`"
        ),
        "{log}"
    );
    assert!(log.contains("[Unreleased]: https://github.com/example/shop/compare/v1.2.0-frontend...HEAD\n[1.2.0]: https://github.com/example/shop/compare/v1.1.0-frontend...v1.2.0-frontend\n"), "{log}");
    let history: Vec<_> = std::fs::read_dir(s.path("releases/history/dev"))
        .expect("history")
        .flatten()
        .collect();
    assert_eq!(history.len(), 1);
    let name = history[0].file_name().into_string().expect("utf8");
    assert_eq!(name, "20261118T110640Z-promote-frontend-1.2.0.yaml");
    assert_eq!(
        std::fs::read_to_string(history[0].path()).expect("read"),
        bom_before,
        "archive is byte for byte"
    );
}

#[test]
fn promotion_to_staging_moves_what_dev_runs_and_is_idempotent() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "promote", "--chart", "frontend", "--to", "staging", "--local",
    ]);
    ran.expect_code(0);
    assert!(s
        .read("releases/staging.yaml")
        .contains("  frontend: 1.1.0\n"));
    assert!(
        s.read("helm/charts/frontend/Chart.yaml")
            .contains("version: 1.1.0\n"),
        "no chart bump past dev"
    );
    let after_first = s.snapshot();
    let again = s.cli(&[
        "promote", "--chart", "frontend", "--to", "staging", "--local",
    ]);
    again.expect_code(0);
    assert!(again.stderr.contains("nothing to do"), "{}", again.stderr);
    assert_eq!(s.snapshot(), after_first, "a re-run changes nothing");
}

#[test]
fn prod_pull_requests_are_drafts_and_show_every_environment() {
    let s = Sandbox::demo();
    let ran = s.cli(&["promote", "--chart", "backend", "--to", "prod", "--dry-run"]);
    ran.expect_code(0);
    assert_eq!(ran.output("draft"), "true");
    assert_eq!(ran.output("previous-version"), "0.4.1");
    assert!(
        ran.summary
            .contains("| `prod` | 0.4.1 | 0.4.2 **(changes)** |"),
        "{}",
        ran.summary
    );
    assert!(ran.summary.contains("```mermaid"), "{}", ran.summary);
    assert!(
        ran.summary
            .contains("#### 0.4.2\n\n##### Fixed\n\n- Database migrations wait"),
        "{}",
        ran.summary
    );
}

#[test]
fn the_path_is_enforced() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--from",
        "dev",
        "--to",
        "prod",
        "--dry-run",
    ]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains(
            "cannot promote `frontend` from `dev` to `prod`: that is skipping an environment"
        ),
        "{}",
        ran.stderr
    );
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--from",
        "prod",
        "--to",
        "staging",
        "--dry-run",
    ]);
    ran.expect_code(1);
    assert!(ran.stderr.contains("backwards"), "{}", ran.stderr);
    let ran = s.cli(&["promote", "--chart", "frontend", "--to", "qa", "--dry-run"]);
    ran.expect_code(2);
    assert!(
        ran.stderr
            .contains("unknown environment `qa`; the promotion path is dev → staging → prod"),
        "{}",
        ran.stderr
    );
    // A bump past the first environment has no say: the source's version moves, with a warning.
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "staging",
        "--bump",
        "patch",
        "--dry-run",
    ]);
    ran.expect_code(0);
    insta::assert_snapshot!(ran.stderr_redacted());
    assert_eq!(ran.output("version"), "1.1.0");
}

#[test]
fn the_version_must_increase_and_come_from_the_source() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--version",
        "1.0.5",
        "--dry-run",
    ]);
    ran.expect_code(1);
    assert!(
        ran.stderr
            .contains("`dev` already runs `frontend` 1.1.0; 1.0.5 is not higher"),
        "{}",
        ran.stderr
    );
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "staging",
        "--version",
        "1.2.0",
        "--dry-run",
    ]);
    ran.expect_code(1);
    assert!(
        ran.stderr
            .contains("`dev` runs `frontend` 1.1.0, not 1.2.0"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_exact_version_below_the_chart_is_refused_on_its_version_line() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--version",
        "1.0.5",
        "--dry-run",
    ]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
}

#[test]
fn an_exact_version_needs_its_changelog_section_unless_the_promotion_cuts_it() {
    let s = Sandbox::demo();
    let chart = s
        .read("helm/charts/frontend/Chart.yaml")
        .replace("version: 1.1.0", "version: 1.1.5");
    s.write("helm/charts/frontend/Chart.yaml", chart);
    let promote = |version: &str| {
        s.cli(&[
            "promote",
            "--chart",
            "frontend",
            "--to",
            "dev",
            "--version",
            version,
            "--dry-run",
        ])
    };
    let ran = promote("1.1.5");
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    // Above Chart.yaml the promotion bumps the chart and cuts `[Unreleased]` into it.
    promote("1.2.0").expect_code(0);
    // A repository without changelogs asks for none.
    let config = s.read(".github/release-action.yml") + "changelog: none\n";
    s.write(".github/release-action.yml", config);
    promote("1.1.5").expect_code(0);
}

#[test]
fn a_chart_not_yet_in_the_bill_of_materials_is_added() {
    let s = Sandbox::demo();
    let bom = s
        .read("releases/dev.yaml")
        .replace("  frontend: 1.1.0\n", "");
    s.write("releases/dev.yaml", &bom);
    s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--version",
        "1.1.0",
        "--local",
    ])
    .expect_code(0);
    let after = s.read("releases/dev.yaml");
    assert_eq!(
        after,
        bom.replace(
            "  data-platform: 1.0.1\n",
            "  data-platform: 1.0.1\n  frontend: 1.1.0\n"
        )
    );
}

#[test]
fn an_empty_unreleased_section_cannot_be_released() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "promote", "--chart", "backend", "--to", "dev", "--bump", "patch", "--local",
    ]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    let ran = s.cli(&[
        "promote",
        "--chart",
        "backend",
        "--to",
        "dev",
        "--bump",
        "auto",
        "--dry-run",
    ]);
    ran.expect_code(1);
}

#[test]
fn a_changelog_without_an_unreleased_heading_says_so() {
    let s = Sandbox::demo();
    let log = s.read("helm/charts/frontend/CHANGELOG.md");
    let start = log.find("## [Unreleased]").expect("unreleased");
    let end = log.find("## [1.1.0]").expect("1.1.0");
    s.write(
        "helm/charts/frontend/CHANGELOG.md",
        format!("{}{}", &log[..start], &log[end..]),
    );
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--bump",
        "minor",
        "--dry-run",
    ]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "dev",
        "--bump",
        "auto",
        "--dry-run",
    ]);
    ran.expect_code(1);
    assert!(
        ran.stderr
            .contains("`helm/charts/frontend/CHANGELOG.md` has no `## [Unreleased]` section"),
        "{}",
        ran.stderr
    );
}

#[test]
fn promote_without_local_or_dry_run_and_without_a_token_is_a_usage_error() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    let ran = s.cli(&["promote", "--chart", "frontend", "--to", "staging"]);
    ran.expect_code(2);
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_version_that_differs_only_in_build_metadata_is_not_an_increase() {
    let s = Sandbox::demo();
    let chart = s
        .read("helm/charts/backend/Chart.yaml")
        .replace("version: 0.4.2", "version: 0.4.2+build.2");
    s.write("helm/charts/backend/Chart.yaml", chart);
    let dev = s
        .read("releases/dev.yaml")
        .replace("backend: 0.4.2", "backend: 0.4.2+build.1");
    s.write("releases/dev.yaml", dev);
    let before = s.snapshot();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "backend",
        "--to",
        "dev",
        "--version",
        "0.4.2+build.2",
        "--local",
    ]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    assert_eq!(s.snapshot(), before);
}
