//! `rollback --local` and `--dry-run`: the archive restored in the working tree, the replaced
//! file archived under a name that records what was withdrawn, and promotion honouring it.

use crate::common::Sandbox;

const STAGING: &str = "releases/staging.yaml";
const PROMOTED: &str = "releases/history/staging/20261110T090000Z-promote-frontend-1.1.0.yaml";
const RECORD: &str = "releases/history/staging/20261118T110640Z-rollback-frontend@1.1.0.yaml";

/// The demo after frontend 1.1.0 reached staging, the previous BOM archived.
fn promoted() -> (Sandbox, String, String) {
    let s = Sandbox::demo();
    let before = s.read(STAGING);
    let after = before.replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n");
    s.write(PROMOTED, &before);
    s.write(STAGING, &after);
    (s, before, after)
}

#[test]
fn a_local_rollback_restores_the_archive_and_records_the_withdrawn_version() {
    let (s, before, after) = promoted();
    let ran = s.cli(&[
        "rollback", "--env", "staging", "--reason", "errors", "--local",
    ]);
    ran.expect_code(0);
    assert_eq!(s.read(STAGING), before, "byte for byte");
    assert_eq!(s.read(RECORD), after, "the replaced file, archived");
    // Again: the last change was the rollback, so nothing more happens.
    let files = s.snapshot();
    let again = s.cli(&[
        "rollback", "--env", "staging", "--reason", "errors", "--local",
    ]);
    again.expect_code(0);
    assert!(again.stderr.contains("nothing to do"), "{}", again.stderr);
    assert_eq!(s.snapshot(), files);
    // dev still runs 1.1.0: promotion refuses to bring it back.
    let promote = s.cli(&[
        "promote", "--chart", "frontend", "--to", "staging", "--local",
    ]);
    promote.expect_code(1);
    assert!(
        promote
            .stderr
            .contains("`frontend` 1.1.0 was rolled back in `staging`; it cannot be promoted again"),
        "{}",
        promote.stderr
    );
    assert_eq!(s.snapshot(), files);
}

#[test]
fn a_dry_run_rollback_prints_the_plan_and_writes_nothing() {
    let (s, _, _) = promoted();
    let files = s.snapshot();
    let ran = s.cli(&[
        "rollback",
        "--env",
        "staging",
        "--chart",
        "frontend",
        "--to",
        "1.0.0",
        "--reason",
        "errors",
        "--dry-run",
    ]);
    ran.expect_code(0);
    assert_eq!(s.snapshot(), files);
    for part in [
        &format!("+++ b/{RECORD}"),
        "-  frontend: 1.1.0\n+  frontend: 1.0.0\n",
        "# pull request: Roll back frontend to 1.0.0 in staging (release-action/rollback/staging), labelled `rollback`",
    ] {
        assert!(ran.stdout.contains(part), "missing {part:?} in\n{}", ran.stdout);
    }
}

#[test]
fn a_rollback_without_history_says_so_and_writes_nothing() {
    let s = Sandbox::demo();
    let files = s.snapshot();
    let ran = s.cli(&["rollback", "--env", "prod", "--reason", "errors", "--local"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    assert_eq!(s.snapshot(), files);
}
