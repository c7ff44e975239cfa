//! Nothing from a repository is a workflow command, through the API too: `release` (whose
//! notes go to GitHub and the outputs) and `promote`, `bom` and `snapshot` dry runs with a token
//! (whose plans list every API call with the pull request's body) leave the runner nothing to
//! execute but the action's own annotations and the token's mask.

#[path = "../support/runner.rs"]
mod runner;

use crate::common::{ago, World, DAY, OWNER, REPO, TOKEN};

const PLANTED: &str = "::add-mask::x\n::set-output name=a::b\n##[error]x\n  ::warning::x\n::stop-commands::x\n::endgroup::\n";

/// The demo on `main` with workflow commands in frontend's released and unreleased sections
/// and in the staging bill of materials.
fn hostile_world() -> World {
    let w = World::demo();
    let log = w
        .read("helm/charts/frontend/CHANGELOG.md")
        .replace(
            "## [Unreleased]\n\n",
            &format!("## [Unreleased]\n\n{PLANTED}\n"),
        )
        .replace(
            "- The default replica count is 2.\n",
            &format!("- The default replica count is 2.\n{PLANTED}"),
        );
    let bom = format!(
        "{}\nexperiment:\n  note: |\n{}",
        w.read("releases/staging.yaml").trim_end(),
        PLANTED
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    w.commit_both(
        &[
            ("helm/charts/frontend/CHANGELOG.md", &log),
            ("releases/staging.yaml", &bom),
        ],
        "Plant workflow commands\n",
    );
    w
}

#[test]
fn release_and_dry_runs_through_the_api_execute_no_command_from_the_repository() {
    let w = hostile_world();
    w.fake.create_annotated_tag(
        OWNER,
        REPO,
        "v1.1.0-frontend",
        "main",
        "v1.1.0-frontend",
        Some(ago(DAY)),
    );
    let ran = w.action("release").input("tag", "v1.1.0-frontend").run();
    ran.expect_code(0);
    runner::assert_only_our_commands("release", &ran.stdout, &ran.stderr, Some(TOKEN));
    let releases = w.fake.releases(OWNER, REPO);
    assert!(
        releases[0]
            .body
            .as_deref()
            .unwrap_or_default()
            .ends_with(PLANTED.trim_end()),
        "the release body keeps the section as written: {releases:?}"
    );
    let ran = w
        .action("validate-tag")
        .input("tag", "v1.1.0-frontend")
        .run();
    ran.expect_code(0);
    runner::assert_only_our_commands("validate-tag", &ran.stdout, &ran.stderr, Some(TOKEN));
    for (what, run) in [
        (
            "promote into dev",
            w.action("promote")
                .input("chart", "frontend")
                .input("to", "dev")
                .input("bump", "minor"),
        ),
        (
            "promote into staging",
            w.action("promote")
                .input("chart", "frontend")
                .input("to", "staging"),
        ),
        (
            "bom",
            w.action("bom")
                .input("env", "staging")
                .input("component", "app")
                .input("image", "ghcr.io/example/shop-app")
                .input("tag", "v2.4.2")
                .input(
                    "digest",
                    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                ),
        ),
        (
            "snapshot",
            w.action("snapshot")
                .input("id", "canary-5")
                .input("env", "staging")
                .input("param", "note=::set-output name=a::b"),
        ),
    ] {
        let ran = run.input("dry-run", "true").run();
        ran.expect_code(0);
        assert_eq!(ran.writes(), 0, "{what}");
        assert!(
            ran.stdout.contains("::stop-commands::"),
            "{what}: {}",
            ran.stdout
        );
        runner::assert_only_our_commands(what, &ran.stdout, &ran.stderr, Some(TOKEN));
    }
    w.assert_clean();
}
