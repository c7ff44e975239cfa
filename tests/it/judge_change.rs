//! `check` judges the change, not the history: findings the base already had are listed as
//! pre-existing notices and never fail the gate; new findings do. Rule levels, changelog
//! modes, charts known by name, and a base that cannot be read.

use crate::common::Sandbox;

const LOG: &str = "helm/charts/frontend/CHANGELOG.md";
const CHART: &str = "helm/charts/frontend/Chart.yaml";

/// The demo with an undated old release in frontend's changelog, committed as the base.
fn with_undated_history() -> Sandbox {
    let s = Sandbox::demo();
    let log = s.read(LOG).replace("## [1.0.0] - 2026-09-14", "## [1.0.0]");
    assert_ne!(log, s.read(LOG), "the demo changelog has a 1.0.0 release");
    s.write(LOG, log);
    s.git_init();
    s
}

/// Bumps frontend to 1.2.0 with a dated section and a change to its templates.
fn release_frontend(s: &Sandbox, section: &str) {
    s.write(
        "helm/charts/frontend/templates/pdb.yaml",
        "kind: PodDisruptionBudget\n",
    );
    s.write(
        CHART,
        s.read(CHART).replace("version: 1.1.0", "version: 1.2.0"),
    );
    let log = s.read(LOG).replacen(
        "## [1.1.0]",
        &format!("{section}\n\n### Added\n\n- A PDB.\n\n## [1.1.0]"),
        1,
    );
    s.write(LOG, log);
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in\n{text}"))
        + 1
}

#[test]
fn a_finding_the_base_had_is_preexisting_even_when_it_moved() {
    let s = with_undated_history();
    let before = line_of(&s.read(LOG), "## [1.0.0]");
    release_frontend(&s, "## [1.2.0] - 2026-11-20");
    let after = line_of(&s.read(LOG), "## [1.0.0]");
    assert!(after > before, "the old finding moved down");
    let ran = s.action(&[("command", "check"), ("base", "main")], &[]);
    ran.expect_code(0);
    assert!(
        ran.stdout.contains(&format!(
            "::notice file={LOG},line={after},title=changelog/missing-date::1 finding of `changelog/missing-date` already existed before this change"
        )),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains("::error"), "{}", ran.stdout);
    assert!(
        ran.summary
            .contains("### Pre-existing: 1 finding(s) that the base already had"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary
            .contains(&format!("| `{LOG}` | `changelog/missing-date` | 1 |")),
        "{}",
        ran.summary
    );
}

#[test]
fn a_new_instance_of_a_rule_that_fires_elsewhere_is_new() {
    let s = with_undated_history();
    release_frontend(&s, "## [1.2.0]");
    let line = line_of(&s.read(LOG), "## [1.2.0]");
    let ran = s.action(&[("command", "check"), ("base", "main")], &[]);
    ran.expect_code(1);
    assert!(
        ran.stdout.contains(&format!(
            "::error file={LOG},line={line},title=changelog/missing-date::release `1.2.0` has no date"
        )),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("::notice"),
        "the old one stays a notice: {}",
        ran.stdout
    );
}

#[test]
fn all_judges_the_whole_history() {
    let s = with_undated_history();
    release_frontend(&s, "## [1.2.0] - 2026-11-20");
    let ran = s.cli(&["check", "--base", "main", "--all"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("release `1.0.0` has no date"),
        "{}",
        ran.stderr
    );
    // Without a base the same: everything is judged, as before.
    s.cli(&["check"]).expect_code(1);
}

#[test]
fn only_the_charts_a_change_touches_are_judged() {
    let s = Sandbox::demo();
    // A problem in backend, committed: the base has it.
    s.write(
        "helm/charts/backend/values.yaml",
        "image:\n  repository: ghcr.io/example/shop-backend\n  tag: latest\n",
    );
    s.git_init();
    release_frontend(&s, "## [1.2.0] - 2026-11-20");
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(0);
    let said = ran.stdout.clone() + &ran.stderr;
    assert!(
        said.contains("check: 1 of 4 component(s) changed, 0 error(s)"),
        "{said}"
    );
    assert!(
        ran.summary.contains("| frontend | 1.2.0 |"),
        "{}",
        ran.summary
    );
    assert!(!ran.summary.contains("| backend |"), "{}", ran.summary);
}

#[test]
fn a_changed_chart_without_a_bump_fails_and_helmignored_or_exempt_files_need_none() {
    let s = Sandbox::demo();
    s.write("helm/charts/frontend/.helmignore", "ci/\n");
    s.git_init();
    s.write(
        "helm/charts/frontend/ci/test-values.yaml",
        "replicaCount: 2\n",
    );
    s.write(
        "helm/charts/frontend/README.md",
        "# frontend\n\nNow documented.\n",
    );
    s.cli(&["check", "--base", "main"]).expect_code(0);
    s.write(
        "helm/charts/frontend/templates/pdb.yaml",
        "kind: PodDisruptionBudget\n",
    );
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
}

#[test]
fn build_metadata_alone_is_no_bump() {
    let s = Sandbox::demo();
    s.write(
        CHART,
        s.read(CHART).replace("version: 1.1.0", "version: 1.1.0+a"),
    );
    s.git_init();
    s.write(
        "helm/charts/frontend/templates/pdb.yaml",
        "kind: PodDisruptionBudget\n",
    );
    s.write(
        CHART,
        s.read(CHART)
            .replace("version: 1.1.0+a", "version: 1.1.0+b"),
    );
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("check/version-not-bumped")
            || ran.stderr.contains("is not higher than"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_section_announced_without_a_bump_fails() {
    let s = Sandbox::demo();
    s.git_init();
    let log = s.read(LOG).replacen(
        "## [1.1.0]",
        "## [1.2.0] - 2026-11-20\n\n### Added\n\n- A PDB.\n\n## [1.1.0]",
        1,
    );
    s.write(LOG, log);
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
}

#[test]
fn at_release_accepts_a_change_recorded_under_unreleased() {
    let s = Sandbox::demo();
    let config = s.read(".github/release-action.yml") + "version-bump: at-release\n";
    s.write(".github/release-action.yml", config);
    s.git_init();
    s.write(
        "helm/charts/frontend/templates/pdb.yaml",
        "kind: PodDisruptionBudget\n",
    );
    // Not recorded: the version must go up.
    s.cli(&["check", "--base", "main"]).expect_code(1);
    let log = s.read(LOG).replacen(
        "## [Unreleased]\n",
        "## [Unreleased]\n\n### Added\n\n- A PDB.\n",
        1,
    );
    assert_ne!(
        log,
        s.read(LOG),
        "frontend's changelog has `## [Unreleased]`"
    );
    s.write(LOG, log);
    s.cli(&["check", "--base", "main"]).expect_code(0);
}

#[test]
fn rule_levels_come_from_the_configuration() {
    // (level of changelog/missing-date, exit, what the undated release becomes)
    let cases = [
        ("off", 0, None),
        ("warning", 0, Some("warning")),
        ("error", 1, Some("error")),
    ];
    for (level, code, shown) in cases {
        let s = Sandbox::demo();
        let log = s.read(LOG).replace("## [1.0.0] - 2026-09-14", "## [1.0.0]");
        s.write(LOG, log);
        let config = s.read(".github/release-action.yml")
            + &format!("rules:\n  changelog/missing-date: {level}\n");
        s.write(".github/release-action.yml", config);
        let ran = s.action(&[("command", "check")], &[]);
        ran.expect_code(code);
        match shown {
            Some(kind) => assert!(
                ran.stdout.contains(&format!("::{kind} file={LOG}")),
                "{level}: {}",
                ran.stdout
            ),
            None => assert!(
                !ran.stdout.contains("missing-date"),
                "{level}: {}",
                ran.stdout
            ),
        }
    }
    // A warning rule can be made an error.
    let s = Sandbox::demo();
    let log = s.read(LOG).replace("### Added", "### Improvements");
    s.write(LOG, log);
    s.cli(&["check"]).expect_code(0);
    let config =
        s.read(".github/release-action.yml") + "rules: { changelog/unknown-change-type: error }\n";
    s.write(".github/release-action.yml", config);
    s.cli(&["check"]).expect_code(1);
}

#[test]
fn unknown_rules_and_levels_are_bad_configuration() {
    let cases = [
        (
            "rules:\n  changelog/missing-dates: off\n",
            "unknown rule `changelog/missing-dates`; did you mean `changelog/missing-date`?",
        ),
        (
            "rules:\n  changelog/missing-date: warn\n",
            "level `warn` is not `error`, `warning` or `off`; did you mean `warning`?",
        ),
        (
            "rules:\n  file/refused: off\n",
            "rule `file/refused` cannot be configured",
        ),
        (
            "changelog: sometimes\n",
            "write `per-chart`, `root` or `none`",
        ),
    ];
    for (extra, needle) in cases {
        let s = Sandbox::demo();
        let config = s.read(".github/release-action.yml");
        let line = config.lines().count() + 1 + usize::from(extra.starts_with("rules"));
        s.write(".github/release-action.yml", config + extra);
        let ran = s.cli(&["check"]);
        ran.expect_code(2);
        assert!(ran.stderr.contains(needle), "{extra}: {}", ran.stderr);
        assert!(
            ran.stderr
                .contains(&format!(".github/release-action.yml:{line}")),
            "{extra}: {}",
            ran.stderr
        );
    }
}

#[test]
fn a_repository_without_changelogs_says_so() {
    // Per chart, falling back to the root one: one finding per chart, naming each path.
    let s = Sandbox::demo();
    std::fs::remove_file(s.path(LOG)).expect("rm");
    std::fs::remove_file(s.path("CHANGELOG.md")).expect("rm");
    let ran = s.cli(&["check"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    let s = Sandbox::demo();
    for dir in ["frontend", "backend", "data-platform"] {
        let _ = std::fs::remove_file(s.path(&format!("helm/charts/{dir}/CHANGELOG.md")));
    }
    std::fs::remove_file(s.path("CHANGELOG.md")).expect("rm");
    let config = s
        .read(".github/release-action.yml")
        .replace("  walking-skeleton: { changelog: CHANGELOG.md, version-files: [app/package.json, VERSION] }\n", "  walking-skeleton: { version-files: [app/package.json, VERSION] }\n")
        + "changelog: none\n";
    s.write(".github/release-action.yml", config);
    let ran = s.cli(&["check"]);
    ran.expect_code(0);
    assert!(!ran.stderr.contains("changelog"), "{}", ran.stderr);
}

#[test]
fn a_chart_is_known_by_its_name() {
    let s = Sandbox::demo();
    std::fs::rename(s.path("helm/charts/frontend"), s.path("helm/charts/web")).expect("mv");
    let ran = s.cli(&["check"]);
    ran.expect_code(0);
    assert!(
        ran.stderr.contains("warning: helm/charts/web/Chart.yaml:2: chart name `frontend` differs from its directory `web`")
            || ran.stderr.contains("chart name `frontend` differs from its directory `web`"),
        "{}",
        ran.stderr
    );
    s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"])
        .expect_code(0);
    // Two charts with one name: an error naming both.
    crate::common::copy_dir(&s.path("helm/charts/web"), &s.path("helm/charts/web-copy"));
    let ran = s.cli(&["check"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains(
            "charts `helm/charts/web` and `helm/charts/web-copy` are both named `frontend`"
        ),
        "{}",
        ran.stderr
    );
}

#[test]
fn no_charts_found_is_bad_configuration() {
    let s = Sandbox::empty();
    s.write("README.md", "# nothing here\n");
    let ran = s.cli(&["check"]);
    ran.expect_code(2);
    assert!(
        ran.stderr
            .contains("no charts found: looked for `*/Chart.yaml` in `helm/charts` and `charts`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("`charts-dir`"), "{}", ran.stderr);
    s.write(".github/release-action.yml", "charts-dir: deploy\n");
    let ran = s.cli(&["check"]);
    ran.expect_code(2);
    assert!(ran.stderr.contains("in `deploy`"), "{}", ran.stderr);
}

#[test]
fn a_base_that_cannot_be_read_never_passes() {
    // Not a git repository.
    let s = Sandbox::demo();
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("is not a git repository"),
        "{}",
        ran.stderr
    );
    // An unknown base, with the fetch that brings it.
    s.git_init();
    let ran = s.cli(&["check", "--base", "origin/release"]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("`git fetch origin release`"),
        "{}",
        ran.stderr
    );
    // No git program at all.
    let mut cmd = s.command();
    cmd.env("PATH", "/nonexistent")
        .args(["check", "--base", "main"]);
    let ran = s.run(cmd);
    ran.expect_code(3);
    assert!(ran.stderr.contains("cannot run `git`"), "{}", ran.stderr);
}

#[test]
fn a_repository_without_changelogs_can_validate_its_tags() {
    let s = Sandbox::demo();
    std::fs::remove_file(s.path(LOG)).expect("rm");
    s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"])
        .expect_code(1);
    let config = s.read(".github/release-action.yml") + "changelog: none\n";
    s.write(".github/release-action.yml", config);
    let ran = s.action(
        &[("command", "validate-tag"), ("tag", "v1.1.0-frontend")],
        &[],
    );
    ran.expect_code(0);
    assert_eq!(ran.output("release-notes"), "");
}
