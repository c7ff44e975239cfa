//! `init`: the configuration inferred from what a repository already does, with its evidence;
//! never overwriting; working offline with or without git history and tags.

use crate::common::Sandbox;

const CONFIG: &str = ".github/release-action.yml";

/// The demo without its configuration.
fn bare_demo() -> Sandbox {
    let s = Sandbox::demo();
    std::fs::remove_file(s.path(CONFIG)).expect("rm config");
    s
}

#[test]
fn init_writes_what_the_demo_does_and_check_all_then_passes() {
    let s = bare_demo();
    let ran = s.cli(&["init"]);
    ran.expect_code(0);
    insta::assert_snapshot!(s.read(CONFIG), @r"
    # release-action configuration, inferred by `release-action init` from what this
    # repository already does. Every key is described in docs/configuration.md.

    # 3 chart(s) under `helm/charts` (e.g. `helm/charts/backend`)
    charts-dir: helm/charts

    # 3 of 3 chart(s) keep a `CHANGELOG.md` beside `Chart.yaml`
    changelog: per-chart

    # 2 of 3 changelog(s) collect changes under `[Unreleased]` until a release bumps the version
    version-bump: at-release

    # bills of materials `releases/dev.yaml`, `releases/staging.yaml`, `releases/prod.yaml`
    environments: [dev, staging, prod]

    # promotion pull requests into `prod`, the last environment, are drafts
    protected: [prod]
    ");
    insta::assert_snapshot!(ran.stderr, @r"
    init: charts-dir `helm/charts`: 3 chart(s) under `helm/charts` (e.g. `helm/charts/backend`)
    init: tag-format: no tags in the local git; the default `v{version}-{component}` is kept
    init: changelog `per-chart`: 3 of 3 chart(s) keep a `CHANGELOG.md` beside `Chart.yaml`
    init: heading style: 3 of 3 changelog(s) write release headings as `## [1.2.0] - YYYY-MM-DD`
    init: version-bump `at-release`: 2 of 3 changelog(s) collect changes under `[Unreleased]` until a release bumps the version
    init: environments [dev, staging, prod]: bills of materials `releases/dev.yaml`, `releases/staging.yaml`, `releases/prod.yaml`
    init: wrote `.github/release-action.yml`
    ");
    let ran = s.cli(&["check", "--all"]);
    ran.expect_code(0);
    assert!(!ran.stderr.contains("warning:"), "{}", ran.stderr);
    // A second run finds the same file and writes nothing.
    let before = s.snapshot();
    s.cli(&["init"]).expect_code(0);
    assert_eq!(s.snapshot(), before);
}

#[test]
fn dry_run_prints_the_file_and_writes_nothing() {
    let s = bare_demo();
    let before = s.snapshot();
    let ran = s.cli(&["init", "--dry-run"]);
    ran.expect_code(0);
    assert!(
        ran.stdout
            .starts_with("# .github/release-action.yml\n# release-action configuration"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("charts-dir: helm/charts\n"),
        "{}",
        ran.stdout
    );
    assert_eq!(s.snapshot(), before);
}

#[test]
fn an_existing_configuration_is_never_overwritten() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    let ran = s.cli(&["init"]);
    ran.expect_code(1);
    assert!(
        ran.stdout
            .starts_with(&format!("--- a/{CONFIG}\n+++ b/{CONFIG}\n")),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("-soak: { staging: 24h }\n"),
        "{}",
        ran.stdout
    );
    insta::assert_snapshot!(ran.stderr_redacted());
    assert_eq!(s.snapshot(), before);
}

#[test]
fn the_tag_format_comes_from_the_tags_loose_or_packed() {
    let s = bare_demo();
    s.git_init();
    for tag in [
        "frontend-1.0.0",
        "frontend-1.1.0",
        "backend-2.4.0",
        "nightly",
    ] {
        s.git(&["tag", tag]);
    }
    let ran = s.cli(&["init", "--dry-run"]);
    ran.expect_code(0);
    assert!(
        ran.stdout
            .contains("tag-format: \"{component}-{version}\"\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr.contains("tag-format `{component}-{version}`: 3 of 4 tags match `{component}-{version}` (e.g. `backend-2.4.0`)"),
        "{}",
        ran.stderr
    );
    s.git(&["tag", "frontend/v1.2.0"]);
    s.git(&["tag", "frontend/v1.3.0"]);
    s.git(&["tag", "backend/v2.5.0"]);
    s.git(&["tag", "data-platform/v1.0.1"]);
    s.git(&["pack-refs", "--all"]);
    assert!(!s.path(".git/refs/tags/frontend-1.0.0").exists(), "packed");
    let ran = s.cli(&["init", "--dry-run"]);
    assert!(
        ran.stdout
            .contains("tag-format: \"{component}/v{version}\"\n"),
        "{}",
        ran.stdout
    );
}

#[test]
fn conventions_become_rule_levels() {
    let s = bare_demo();
    // Undated, unbracketed headings without `[Unreleased]`, as DataDog's charts write them.
    for chart in ["frontend", "backend", "data-platform"] {
        s.write(
            &format!("helm/charts/{chart}/CHANGELOG.md"),
            "# Changelog\n\n## 1.1.0\n\n* Second.\n\n## 1.0.0\n\n* First.\n",
        );
    }
    let ran = s.cli(&["init"]);
    ran.expect_code(0);
    let config = s.read(CONFIG);
    assert!(
        config.contains("  changelog/missing-date: off\n"),
        "{config}"
    );
    assert!(!config.contains("version-bump"), "{config}");
    assert!(
        ran.stderr.contains(
            "init: heading style: 3 of 3 changelog(s) write release headings as `## 1.2.0`"
        ),
        "{}",
        ran.stderr
    );
    // A repository without any changelog.
    let s = bare_demo();
    for chart in ["frontend", "backend", "data-platform"] {
        std::fs::remove_file(s.path(&format!("helm/charts/{chart}/CHANGELOG.md"))).expect("rm");
    }
    std::fs::remove_file(s.path("CHANGELOG.md")).expect("rm");
    s.cli(&["init"]).expect_code(0);
    assert!(
        s.read(CONFIG).contains("\nchangelog: none\n"),
        "{}",
        s.read(CONFIG)
    );
}

#[test]
fn workflows_are_written_fitted_to_the_tag_format() {
    let s = bare_demo();
    s.git_init();
    s.git(&["tag", "frontend-1.1.0"]);
    let ran = s.cli(&["init", "--workflows"]);
    ran.expect_code(0);
    let release = s.read(".github/workflows/release-tag.yml");
    assert!(release.contains("      - '*-*.*.*'\n"), "{release}");
    assert!(s
        .read(".github/workflows/pr-check.yml")
        .contains("command: check"));
    // Never overwritten either.
    s.write(".github/workflows/pr-check.yml", "name: mine\n");
    std::fs::remove_file(s.path(CONFIG)).expect("rm");
    let ran = s.cli(&["init", "--workflows"]);
    ran.expect_code(1);
    assert_eq!(s.read(".github/workflows/pr-check.yml"), "name: mine\n");
    assert!(
        !s.path(CONFIG).exists(),
        "nothing is written when any file is refused"
    );
}

#[test]
fn a_repository_without_charts_is_refused() {
    let s = Sandbox::empty();
    s.write("README.md", "# nothing\n");
    let ran = s.cli(&["init"]);
    ran.expect_code(2);
    assert!(ran.stderr.contains("no charts found"), "{}", ran.stderr);
}

#[test]
fn init_runs_as_the_action_too() {
    let s = bare_demo();
    let ran = s.action(&[("command", "init"), ("dry-run", "true")], &[]);
    ran.expect_code(0);
    assert!(
        ran.stdout.contains("charts-dir: helm/charts"),
        "{}",
        ran.stdout
    );
}
