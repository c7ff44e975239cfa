//! The token: required for anything that talks to GitHub, masked, never printed.

use crate::common::{World, OWNER, REPO, TOKEN};

#[test]
fn release_without_a_token_is_a_usage_error() {
    let w = World::demo();
    let ran = w
        .action("release")
        .input("tag", "v1.1.0-frontend")
        .no_token()
        .run();
    ran.expect_code(2);
    assert!(ran.stderr.contains("no GitHub token"), "{}", ran.stderr);
    assert!(ran.stderr.contains("`github-token`"), "{}", ran.stderr);
    // `release` takes neither `--local` nor `--dry-run`: the help names what fits.
    assert!(
        !ran.stderr.contains("--local") && !ran.stderr.contains("--dry-run"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("= help: `release` creates the GitHub release, so it needs one; `validate-tag` runs the same checks of the tag without a token"),
        "{}",
        ran.stderr
    );
    assert_eq!(w.fake.request_count(), 0);
    w.assert_clean();
}

#[test]
fn promote_without_a_token_is_a_usage_error_unless_local_or_dry_run() {
    let w = World::demo();
    let ran = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "staging")
        .no_token()
        .run();
    ran.expect_code(2);
    assert!(ran.stderr.contains("no GitHub token"), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("= help: or run with `--local` (edit the working tree) or `--dry-run`"),
        "{}",
        ran.stderr
    );
    let dry = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "staging")
        .input("dry-run", "true")
        .no_token()
        .run();
    dry.expect_code(0);
    assert_eq!(
        w.fake.request_count(),
        0,
        "a dry run without a token stays local"
    );
    w.assert_clean();
}

#[test]
fn the_token_is_masked_and_never_printed() {
    for input in [false, true] {
        let w = World::demo();
        w.fake
            .create_annotated_tag(OWNER, REPO, "v1.1.0-frontend", "main", "t", None);
        let mut run = w.action("release").input("tag", "v1.1.0-frontend");
        if input {
            run = run.token_input();
        }
        // A refusal makes the tool print GitHub's answer: the token must not be in it.
        w.fake.inject(fake_github::FaultRule::operation(
            "repos/create-release",
            fake_github::Fault::not_accessible(),
        ));
        let ran = run.run();
        ran.expect_code(3);
        let first = ran.stdout.lines().next().unwrap_or_default();
        assert_eq!(first, format!("::add-mask::{TOKEN}"));
        assert_eq!(ran.stdout.matches(TOKEN).count(), 1, "{}", ran.stdout);
        assert!(!ran.stderr.contains(TOKEN), "{}", ran.stderr);
        assert!(!ran.summary.contains(TOKEN));
        assert!(ran.outputs.values().all(|v| !v.contains(TOKEN)));
        w.assert_clean();
    }
}
