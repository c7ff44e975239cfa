//! `rollback` through the API: the previous (or a named) archive restored byte for byte on
//! `release-action/rollback/<env>`, a ready pull request labelled `rollback` whatever the
//! environment, a record of the withdrawn versions that promotion honours afterwards.

use crate::common::{Ran, World, OWNER, REPO};
use crate::promote::{commits_ahead, only_pull};

const STAMP: &str = "20261118T110640Z";
const STAGING: &str = "releases/staging.yaml";
const PROMOTED: &str = "releases/history/staging/20261110T090000Z-promote-frontend-1.1.0.yaml";

/// The demo's staging BOM, as it was before frontend 1.1.0 was promoted.
fn demo_staging(w: &World) -> String {
    w.remote("main", STAGING).expect("staging")
}

/// History on `main` (and in the checkout): frontend 1.1.0 was promoted into staging, and the
/// previous BOM archived.
fn promoted_into_staging(w: &World) -> String {
    let before = demo_staging(w);
    let after = before.replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n");
    w.commit_both(
        &[(PROMOTED, before.as_str()), (STAGING, after.as_str())],
        "Promote frontend 1.1.0 to staging\n",
    );
    before
}

fn rollback(w: &World, inputs: &[(&str, &str)]) -> Ran {
    let mut run = w
        .action("rollback")
        .input("reason", "checkout errors above 5% after the release");
    for (k, v) in inputs {
        run = run.input(k, v);
    }
    run.run()
}

/// What a merge of `branch` leaves on `main`: its files for `paths`.
fn merge(w: &World, branch: &str) {
    let ahead = commits_ahead(w, branch);
    assert!(!ahead.is_empty(), "nothing to merge on {branch}");
    let main = w.fake.files_at(OWNER, REPO, "main");
    let files: Vec<(String, String)> = w
        .fake
        .files_at(OWNER, REPO, branch)
        .into_iter()
        .filter(|(p, b)| main.get(p) != Some(b))
        .map(|(p, b)| (p, String::from_utf8(b).expect("utf-8")))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    w.commit_both(&refs, &format!("Merge {branch}\n"));
}

#[test]
fn rollback_of_an_environment_restores_the_previous_bom_as_a_ready_pull_request() {
    let w = World::demo();
    let before = promoted_into_staging(&w);
    let running = w.remote("main", STAGING).expect("staging");
    let branch = "release-action/rollback/staging";
    let ran = rollback(&w, &[("env", "staging")]);
    ran.expect_code(0).expect_at_most(9);

    assert_eq!(
        w.remote(branch, STAGING).as_deref(),
        Some(before.as_str()),
        "the archive, byte for byte"
    );
    let record = format!("releases/history/staging/{STAMP}-rollback-frontend@1.1.0.yaml");
    assert_eq!(
        w.remote(branch, &record).as_deref(),
        Some(running.as_str()),
        "the replaced file is archived under a name that records what was withdrawn"
    );
    let ahead = commits_ahead(&w, branch);
    assert_eq!(ahead.len(), 1, "{ahead:#?}");
    let message = &ahead[0].message;
    assert!(
        message.contains(
            "\nRollback-Reason: checkout errors above 5% after the release\nRelease-Action-Rollback: staging frontend@1.1.0\nRelease-Action-Plan: "
        ),
        "{message}"
    );

    let pr = only_pull(&w, branch);
    assert!(!pr.draft);
    assert_eq!(pr.labels, ["rollback", "release"]);
    assert_eq!(
        pr.title,
        "Roll back staging to 20261110T090000Z-promote-frontend-1.1.0.yaml"
    );
    let body = pr.body.clone().unwrap_or_default();
    for part in [
        &format!("Rolls back `staging` to `{PROMOTED}`."),
        "**Reason:** checkout errors above 5% after the release",
        "| chart `frontend` | `1.1.0` | `1.0.0` |",
        "Withdrawn: `frontend` 1.1.0.",
        "### Changes withdrawn\n\n#### frontend 1.1.0\n",
        "- Configurable `resources` for the nginx sidecar.",
    ] {
        assert!(body.contains(part), "missing {part:?} in\n{body}");
    }
    assert!(!body.contains("#### frontend 1.0.0"), "{body}");
    assert_eq!(ran.output("branch"), branch);
    assert_eq!(ran.output("draft"), "false");
    assert_eq!(ran.output("pr-number"), pr.number.to_string());
    w.assert_clean();
}

#[test]
fn a_rollback_rerun_writes_nothing_before_or_after_the_merge() {
    let w = World::demo();
    promoted_into_staging(&w);
    let branch = "release-action/rollback/staging";
    rollback(&w, &[("env", "staging")]).expect_code(0);
    let head = w.fake.branch_sha(OWNER, REPO, branch);
    let again = rollback(&w, &[("env", "staging")]);
    again.expect_code(0);
    assert_eq!(again.writes(), 0, "{:#?}", again.request_lines());
    assert_eq!(w.fake.branch_sha(OWNER, REPO, branch), head);
    only_pull(&w, branch);

    merge(&w, branch);
    let after = rollback(&w, &[("env", "staging")]);
    after.expect_code(0);
    assert_eq!(after.writes(), 0, "{:#?}", after.request_lines());
    assert!(
        after.stderr.contains("was a rollback") && after.stderr.contains("nothing to do"),
        "{}",
        after.stderr
    );
    // Naming the archive the environment already matches: nothing to do either.
    let named = rollback(&w, &[("env", "staging"), ("to", PROMOTED)]);
    named.expect_code(0);
    assert_eq!(named.writes(), 0, "{:#?}", named.request_lines());
    assert!(named.stderr.contains("nothing to do"), "{}", named.stderr);
    w.assert_clean();
}

#[test]
fn rollback_of_one_chart_from_a_named_archive_changes_only_its_pin() {
    let w = World::demo();
    let before = promoted_into_staging(&w);
    // Later, an image pin and backend moved too.
    let now = w
        .remote("main", STAGING)
        .expect("staging")
        .replace("  backend: 0.4.2\n", "  backend: 0.4.3\n")
        .replace("tag: v0.9.0,", "tag: v0.9.1,");
    let later = "releases/history/staging/20261111T090000Z-promote-backend-0.4.3.yaml";
    let running = w.remote("main", STAGING).expect("staging");
    w.commit_both(
        &[(later, running.as_str()), (STAGING, now.as_str())],
        "Promote backend 0.4.3 to staging\n",
    );
    let branch = "release-action/rollback/staging";
    let ran = rollback(
        &w,
        &[("env", "staging"), ("chart", "frontend"), ("to", PROMOTED)],
    );
    ran.expect_code(0).expect_at_most(9);
    assert_eq!(
        w.remote(branch, STAGING).as_deref(),
        Some(
            now.replace("  frontend: 1.1.0\n", "  frontend: 1.0.0\n")
                .as_str()
        ),
        "only frontend's pin changes"
    );
    assert!(before.contains("  frontend: 1.0.0\n"));
    let pr = only_pull(&w, branch);
    assert_eq!(pr.title, "Roll back frontend to 1.0.0 in staging");
    let body = pr.body.unwrap_or_default();
    assert!(
        body.contains("| chart `frontend` | `1.1.0` | `1.0.0` |"),
        "{body}"
    );
    assert!(!body.contains("backend"), "{body}");
    assert_eq!(ran.output("version"), "1.0.0");
    assert_eq!(ran.output("previous-version"), "1.1.0");
    w.assert_clean();
}

#[test]
fn rollback_of_one_chart_to_a_version_and_by_default_finds_its_previous_pin() {
    for to in [Some("1.0.0"), None] {
        let w = World::demo();
        promoted_into_staging(&w);
        // A later change of another chart: the chart's previous pin is further back.
        let running = w.remote("main", STAGING).expect("staging");
        let now = running.replace("  backend: 0.4.2\n", "  backend: 0.4.3\n");
        w.commit_both(
            &[
                (
                    "releases/history/staging/20261111T090000Z-promote-backend-0.4.3.yaml",
                    running.as_str(),
                ),
                (STAGING, now.as_str()),
            ],
            "Promote backend 0.4.3 to staging\n",
        );
        let mut inputs = vec![("env", "staging"), ("chart", "frontend")];
        inputs.extend(to.map(|v| ("to", v)));
        let ran = rollback(&w, &inputs);
        ran.expect_code(0);
        assert_eq!(
            w.remote("release-action/rollback/staging", STAGING)
                .as_deref(),
            Some(
                now.replace("  frontend: 1.1.0\n", "  frontend: 1.0.0\n")
                    .as_str()
            ),
            "--to {to:?}"
        );
        w.assert_clean();
    }
}

#[test]
fn after_a_rollback_the_withdrawn_version_cannot_come_back_and_a_new_release_can() {
    let w = World::demo();
    promoted_into_staging(&w);
    let branch = "release-action/rollback/staging";
    rollback(&w, &[("env", "staging")]).expect_code(0);
    merge(&w, branch);

    // dev still runs 1.1.0: promoting it onward into staging is refused.
    let again = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "staging")
        .run();
    again.expect_code(1);
    assert!(
        again
            .stdout
            .contains("`frontend` 1.1.0 was rolled back in `staging`; it cannot be promoted again"),
        "{}",
        again.stdout
    );
    assert_eq!(again.writes(), 0);

    // A new release into dev, then into staging: allowed.
    let dev = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "dev")
        .input("bump", "patch")
        .run();
    dev.expect_code(0);
    assert_eq!(dev.output("version"), "1.1.1");
    merge(&w, "release-action/promote/frontend-dev");
    let onward = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "staging")
        .run();
    onward.expect_code(0);
    assert_eq!(onward.output("version"), "1.1.1");
    assert_eq!(onward.output("previous-version"), "1.0.0");
    w.assert_clean();
}

#[test]
fn a_rollback_into_a_protected_environment_is_a_ready_pull_request_within_the_promotion_budget() {
    let w = World::demo();
    let prod = w.remote("main", "releases/prod.yaml").expect("prod");
    let archive = "releases/history/prod/20261110T090000Z-promote-backend-0.4.1.yaml";
    let older = prod.replace("  backend: 0.4.1\n", "  backend: 0.4.0\n");
    w.commit_both(&[(archive, older.as_str())], "Archive\n");
    let head = w.fake.branch_sha(OWNER, REPO, "main").expect("main");
    let ran = w
        .action("rollback")
        .input("env", "prod")
        .input("reason", "latency")
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_SHA", &head)
        .run();
    ran.expect_code(0);
    // The base tree, the branch, then tree, commit, ref, pull request, reviewers and labels:
    // 8, one fewer than a protected promotion (no soak to look up).
    assert_eq!(
        ran.operations(),
        [
            "git/get-tree",
            "git/get-ref",
            "git/create-tree",
            "git/create-commit",
            "git/create-ref",
            "pulls/create",
            "pulls/request-reviewers",
            "issues/add-labels",
        ],
        "{:#?}",
        ran.request_lines()
    );
    let pr = only_pull(&w, "release-action/rollback/prod");
    assert!(!pr.draft, "a rollback is never a draft");
    assert_eq!(pr.labels, ["rollback", "release"]);
    assert_eq!(pr.reviewers, ["octocat"]);
    assert!(pr
        .body
        .unwrap_or_default()
        .contains("never a draft, even though `prod` is protected"),);
    assert_eq!(
        w.remote("release-action/rollback/prod", "releases/prod.yaml")
            .as_deref(),
        Some(older.as_str())
    );
    w.assert_clean();
}

#[test]
fn what_cannot_be_rolled_back_is_refused_with_what_exists() {
    let w = World::demo();
    let none = rollback(&w, &[("env", "staging")]);
    none.expect_code(1);
    assert!(
        none.stdout.contains("`staging` has no history yet"),
        "{}",
        none.stdout
    );
    promoted_into_staging(&w);
    let unknown = rollback(
        &w,
        &[("env", "staging"), ("to", "20260101T000000Z-nothing.yaml")],
    );
    unknown.expect_code(1);
    assert!(
        unknown
            .stdout
            .contains("`staging` has no archive `20260101T000000Z-nothing.yaml`")
            && unknown
                .stdout
                .contains("20261110T090000Z-promote-frontend-1.1.0.yaml"),
        "{}",
        unknown.stdout
    );
    let never = rollback(
        &w,
        &[("env", "staging"), ("chart", "frontend"), ("to", "0.9.0")],
    );
    never.expect_code(1);
    assert!(
        never
            .stdout
            .contains("`staging` never pinned `frontend` 0.9.0")
            && never.stdout.contains("versions it pinned: 1.0.0, 1.1.0"),
        "{}",
        never.stdout
    );
    for ran in [&none, &unknown, &never] {
        assert_eq!(ran.writes(), 0, "{:#?}", ran.request_lines());
    }
    w.assert_clean();
}

#[test]
fn bad_rollback_requests_are_refused_before_github_is_asked_anything() {
    let w = World::demo();
    for (inputs, says) in [
        (vec![("env", "Prod")], "--env"),
        (vec![("env", "nowhere")], "unknown environment `nowhere`"),
        (vec![("env", "prod"), ("to", "1.0.0")], "`--chart`"),
        (vec![("env", "prod"), ("to", "../../etc/passwd")], "--to"),
        (
            vec![("env", "prod"), ("to", "releases/history/dev/x.yaml")],
            "not an archive of `prod`",
        ),
    ] {
        let ran = rollback(&w, &inputs);
        ran.expect_code(2);
        assert!(ran.stderr.contains(says), "{inputs:?}: {}", ran.stderr);
        assert!(ran.requests.is_empty(), "{:#?}", ran.request_lines());
    }
    let no_reason = w.action("rollback").input("env", "prod").run();
    no_reason.expect_code(2);
    assert!(no_reason.requests.is_empty());
    let unknown = rollback(&w, &[("env", "prod"), ("chart", "nope")]);
    unknown.expect_code(1);
    assert!(
        unknown.requests.is_empty(),
        "{:#?}",
        unknown.request_lines()
    );
    w.assert_clean();
}

#[test]
fn a_dry_run_rollback_through_the_api_prints_the_plan_and_writes_nothing() {
    let w = World::demo();
    promoted_into_staging(&w);
    let ran = rollback(&w, &[("env", "staging"), ("dry-run", "true")]);
    ran.expect_code(0);
    assert_eq!(ran.writes(), 0, "{:#?}", ran.request_lines());
    for part in [
        "-  frontend: 1.1.0\n+  frontend: 1.0.0\n",
        "# pull request: Roll back staging to 20261110T090000Z-promote-frontend-1.1.0.yaml (release-action/rollback/staging), labelled `rollback`",
    ] {
        assert!(ran.stdout.contains(part), "missing {part:?} in\n{}", ran.stdout);
    }
    assert!(w
        .fake
        .branch_sha(OWNER, REPO, "release-action/rollback/staging")
        .is_none());
    w.assert_clean();
}
