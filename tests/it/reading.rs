//! What users read, as reviewed snapshots: the help, a dry-run plan, the job summaries of
//! `check` and `promote`, and the pull request body a promotion writes. A change of wording is
//! a diff under `tests/it/snapshots/`, reviewed like code.

use crate::common::Sandbox;

#[test]
fn the_help_says_what_each_command_does() {
    let s = Sandbox::demo();
    let ran = s.cli(&["--help"]);
    ran.expect_code(0);
    insta::assert_snapshot!("help", ran.stdout);
    for command in [
        "validate-tag",
        "check",
        "release",
        "promote",
        "bom",
        "snapshot",
        "rollback",
        "report",
        "gate",
        "notes",
        "init",
    ] {
        let ran = s.cli(&[command, "--help"]);
        ran.expect_code(0);
        insta::assert_snapshot!(format!("help-{command}"), ran.stdout);
    }
}

#[test]
fn a_dry_run_prints_the_plan_and_the_pull_request() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "frontend",
        "--to",
        "staging",
        "--dry-run",
    ]);
    ran.expect_code(0);
    insta::assert_snapshot!("promote-dry-run-stdout", ran.stdout);
    insta::assert_snapshot!("promote-dry-run-summary", ran.summary);
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
    ran.expect_code(0);
    insta::assert_snapshot!("promote-bump-dry-run-stdout", ran.stdout);
}

#[test]
fn the_check_summary_lists_every_chart_and_finding() {
    let s = Sandbox::demo();
    let ran = s.cli(&["check", "--all"]);
    ran.expect_code(0);
    insta::assert_snapshot!("check-all-summary", ran.summary);
    // A failing check: the summary and the terminal say the same, with the snippet.
    let chart = s
        .read("helm/charts/frontend/Chart.yaml")
        .replace("version: 1.1.0", "version: 1.1");
    s.write("helm/charts/frontend/Chart.yaml", chart);
    let ran = s.cli(&["check", "--all"]);
    ran.expect_code(1);
    insta::assert_snapshot!("check-failing-summary", ran.summary);
    insta::assert_snapshot!("check-failing-stderr", ran.stderr_redacted());
}
