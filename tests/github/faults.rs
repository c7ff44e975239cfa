//! GitHub failing under `release` and `promote`: transient answers are retried within the
//! budget without duplicating anything; permanent refusals stop with exit 3 and say what to
//! change; a re-run after a failure part-way finishes the work.

use fake_github::{Fault, FaultRule};

use crate::common::{ago, Ran, World, DAY, OWNER, REPO};
use crate::promote::{commits_ahead, only_pull, promote};

const TAG: &str = "v1.1.0-frontend";
const PROD_BRANCH: &str = "release-action/promote/backend-prod";

fn release_world() -> World {
    let w = World::demo();
    w.fake
        .create_annotated_tag(OWNER, REPO, TAG, "main", TAG, Some(ago(DAY)));
    w
}

fn release(w: &World) -> Ran {
    w.action("release").input("tag", TAG).run()
}

/// The release exists exactly once.
#[track_caller]
fn one_release(w: &World) {
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1, "{releases:#?}");
    assert_eq!(releases[0].tag_name, TAG);
    assert!(!releases[0].draft);
}

/// The promotion into prod is complete, exactly once.
#[track_caller]
fn one_prod_promotion(w: &World) {
    let pr = only_pull(w, PROD_BRANCH);
    assert!(pr.draft);
    assert_eq!(pr.labels, ["release"]);
    assert_eq!(pr.reviewers, ["octocat"]);
    assert_eq!(commits_ahead(w, PROD_BRANCH).len(), 1, "one commit");
    assert!(w
        .remote(PROD_BRANCH, "releases/prod.yaml")
        .expect("prod")
        .contains("  backend: 0.4.2\n"));
}

/// Runs `case` for every item at once, each against its own fake: the cases mostly sleep
/// through retry-after and backoff, so running them side by side keeps the suite fast.
fn each_at_once<T: Sync>(items: &[T], case: impl Fn(&T) + Sync) {
    std::thread::scope(|scope| {
        for item in items {
            let case = &case;
            scope.spawn(move || case(item));
        }
    });
}

#[track_caller]
fn faulted(ran: &Ran) -> usize {
    ran.requests.iter().filter(|r| r.fault.is_some()).count()
}

/// Every kind of transient answer, each paired with one of `ops` in turn, so every operation
/// and every kind is covered without sleeping through the whole matrix.
fn transient_cases(ops: &[&'static str]) -> Vec<(&'static str, Fault, usize)> {
    let kinds = [
        (Fault::Status(500), 1),
        (Fault::Status(502), 2),
        (Fault::Status(503), 1),
        (
            Fault::RateLimited {
                retry_after_secs: 1,
            },
            1,
        ),
        (
            Fault::SecondaryRateLimit {
                retry_after_secs: 1,
            },
            1,
        ),
        (Fault::PrimaryRateLimit { reset_in_secs: 1 }, 1),
    ];
    let n = ops.len().max(kinds.len());
    (0..n)
        .map(|i| {
            let (fault, times) = kinds[i % kinds.len()].clone();
            (ops[i % ops.len()], fault, times)
        })
        .collect()
}

const RELEASE_OPS: [&str; 4] = [
    "git/get-ref",
    "repos/compare-commits-with-basehead",
    "repos/list-releases",
    "repos/create-release",
];

const PROMOTE_OPS: [&str; 9] = [
    "git/get-ref",
    "git/get-tree",
    "repos/list-commits",
    "git/create-tree",
    "git/create-commit",
    "git/create-ref",
    "pulls/create",
    "issues/add-labels",
    "pulls/request-reviewers",
];

#[test]
fn release_retries_transient_failures_without_duplicating_the_release() {
    each_at_once(&transient_cases(&RELEASE_OPS), |(op, fault, times)| {
        let w = release_world();
        w.fake
            .inject(FaultRule::operation(*op, fault.clone()).times(*times));
        let ran = release(&w);
        assert_eq!(
            ran.code, 0,
            "{op} {fault:?}:\n{}\n{}",
            ran.stdout, ran.stderr
        );
        assert_eq!(faulted(&ran), *times, "{op} {fault:?}");
        one_release(&w);
        assert_eq!(
            ran.output("release-id"),
            w.fake.releases(OWNER, REPO)[0].id.to_string()
        );
        w.assert_clean();
    });
}

fn promote_survives(cases: &[(&'static str, Fault, usize)]) {
    each_at_once(cases, |(op, fault, times)| {
        let w = World::demo();
        w.fake
            .inject(FaultRule::operation(*op, fault.clone()).times(*times));
        let ran = promote(&w, "backend", "prod");
        assert_eq!(
            ran.code, 0,
            "{op} {fault:?}:\n{}\n{}",
            ran.stdout, ran.stderr
        );
        assert_eq!(faulted(&ran), *times, "{op} {fault:?}");
        one_prod_promotion(&w);
        w.assert_clean();
    });
}

#[test]
fn promote_retries_transient_failures_while_reading_committing_and_opening_the_pull_request() {
    promote_survives(&transient_cases(&PROMOTE_OPS));
}

#[test]
fn promote_retries_a_failed_branch_update_on_a_rerun() {
    let w = World::demo();
    promote(&w, "backend", "prod").expect_code(0);
    w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("docs/runbook.md", "# Runbook\n")],
        "Add a runbook\n",
        Some(ago(DAY)),
    );
    w.fake
        .inject(FaultRule::operation("git/update-ref", Fault::Status(502)).times(2));
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(0);
    assert_eq!(faulted(&ran), 2);
    let pr = only_pull(&w, PROD_BRANCH);
    assert_eq!(pr.reviewers, ["octocat"]);
    assert_eq!(
        w.remote(PROD_BRANCH, "docs/runbook.md").as_deref(),
        Some("# Runbook\n")
    );
    w.assert_clean();
}

#[test]
fn a_retry_after_longer_than_the_budget_fails_with_exit_3_and_says_why() {
    let slow = [
        Fault::RateLimited {
            retry_after_secs: 600,
        },
        Fault::SecondaryRateLimit {
            retry_after_secs: 600,
        },
        Fault::PrimaryRateLimit {
            reset_in_secs: 3_600,
        },
    ];
    for fault in slow {
        let w = release_world();
        w.fake
            .inject(FaultRule::operation("repos/create-release", fault.clone()));
        let ran = release(&w);
        ran.expect_code(3);
        assert!(
            ran.stderr.contains("rate limit") && ran.stderr.contains("re-run"),
            "{fault:?}: {}",
            ran.stderr
        );
        assert!(
            ran.stdout.contains("::error title=release-action::"),
            "{}",
            ran.stdout
        );
        assert!(w.fake.releases(OWNER, REPO).is_empty());
        w.assert_clean();

        let w = World::demo();
        w.fake
            .inject(FaultRule::operation("pulls/create", fault.clone()));
        let ran = promote(&w, "backend", "prod");
        ran.expect_code(3);
        assert!(
            ran.stderr.contains("rate limit"),
            "{fault:?}: {}",
            ran.stderr
        );
        assert!(w.fake.pulls(OWNER, REPO).is_empty());
        w.assert_clean();
    }
}

#[test]
fn a_token_without_contents_write_fails_release_with_exit_3_naming_the_permission() {
    let w = release_world();
    w.fake.inject(FaultRule::operation(
        "repos/create-release",
        Fault::not_accessible(),
    ));
    let ran = release(&w);
    ran.expect_code(3);
    assert!(
        ran.stderr
            .contains("Resource not accessible by integration"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("`contents: write`"), "{}", ran.stderr);
    assert!(w.fake.releases(OWNER, REPO).is_empty());
    assert_eq!(faulted(&ran), 1, "a refusal is not retried");
    w.assert_clean();
}

#[test]
fn a_token_without_write_permissions_fails_promote_with_exit_3_naming_them() {
    for (op, permission) in [
        ("git/create-tree", "`contents: write`"),
        ("git/create-ref", "`contents: write`"),
        ("pulls/create", "`pull-requests: write`"),
        ("issues/add-labels", "`pull-requests: write`"),
    ] {
        let w = World::demo();
        w.fake
            .inject(FaultRule::operation(op, Fault::not_accessible()));
        let ran = promote(&w, "backend", "prod");
        ran.expect_code(3);
        assert!(ran.stderr.contains(permission), "{op}: {}", ran.stderr);
        assert_eq!(faulted(&ran), 1, "{op}: a refusal is not retried");
        w.assert_clean();
    }
}

#[test]
fn actions_not_allowed_to_open_pull_requests_fails_with_exit_3_naming_the_setting_and_a_rerun_finishes(
) {
    let w = World::demo();
    w.fake.inject(FaultRule::operation(
        "pulls/create",
        Fault::actions_cannot_create_pulls(),
    ));
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(3);
    assert!(
        ran.stderr
            .contains("Allow GitHub Actions to create and approve pull requests"),
        "{}",
        ran.stderr
    );
    assert!(w.fake.pulls(OWNER, REPO).is_empty());
    assert!(w.fake.branch_sha(OWNER, REPO, PROD_BRANCH).is_some());
    w.assert_clean();

    // The setting is fixed; the re-run opens the pull request on the branch already there.
    let again = promote(&w, "backend", "prod");
    again.expect_code(0);
    one_prod_promotion(&w);
    assert!(!again.operations().contains(&"git/create-commit"));
    w.assert_clean();
}

#[test]
fn a_release_rerun_after_a_failed_create_finishes_the_work() {
    let w = release_world();
    w.fake
        .inject(FaultRule::operation("repos/create-release", Fault::Status(500)).times(10));
    let ran = w
        .action("release")
        .input("tag", TAG)
        .env("RELEASE_ACTION_RETRY_BUDGET_SECS", "3")
        .run();
    ran.expect_code(3);
    assert!(
        ran.stderr.contains("GitHub answered 500") && !ran.stderr.contains("rate limit"),
        "a server error is reported as such: {}",
        ran.stderr
    );
    w.fake.clear_faults();
    release(&w).expect_code(0);
    one_release(&w);
    w.assert_clean();
}

#[test]
fn a_branch_update_racing_another_writer_fails_cleanly_instead_of_clobbering() {
    let w = World::demo();
    promote(&w, "backend", "prod").expect_code(0);
    w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("docs/runbook.md", "# Runbook\n")],
        "Add a runbook\n",
        Some(ago(DAY)),
    );
    // Someone pushes to the promotion branch just before our fast-forward.
    w.fake.inject(FaultRule::operation(
        "git/update-ref",
        Fault::move_branch(PROD_BRANCH, "releases/prod.yaml", "hand edit\n"),
    ));
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=publish/foreign-commits"),
        "{}",
        ran.stdout
    );
    assert_eq!(
        w.remote(PROD_BRANCH, "releases/prod.yaml").as_deref(),
        Some("hand edit\n"),
        "the other writer's commit survives"
    );
    w.assert_clean();
}

#[test]
fn a_lost_answer_to_a_write_is_retried_without_duplicating_it() {
    let ops = [
        "repos/create-release",
        "git/create-tree",
        "git/create-commit",
        "git/create-ref",
        "pulls/create",
        "issues/add-labels",
        "pulls/request-reviewers",
    ];
    each_at_once(&ops, |op| {
        if *op == "repos/create-release" {
            let w = release_world();
            w.fake
                .inject(FaultRule::operation(*op, Fault::LostAnswer(502)));
            let ran = release(&w);
            ran.expect_code(0);
            assert_eq!(faulted(&ran), 1);
            one_release(&w);
            assert_eq!(
                ran.output("release-id"),
                w.fake.releases(OWNER, REPO)[0].id.to_string()
            );
            w.assert_clean();
            return;
        }
        let w = World::demo();
        w.fake
            .inject(FaultRule::operation(*op, Fault::LostAnswer(502)));
        let ran = promote(&w, "backend", "prod");
        assert_eq!(ran.code, 0, "{op}:\n{}\n{}", ran.stdout, ran.stderr);
        assert_eq!(faulted(&ran), 1, "{op}");
        one_prod_promotion(&w);
        assert_eq!(
            ran.output("pr-number"),
            only_pull(&w, PROD_BRANCH).number.to_string(),
            "{op}"
        );
        w.assert_clean();
    });
}

#[test]
fn a_lost_answer_to_a_branch_update_is_retried_without_losing_anything() {
    let w = World::demo();
    promote(&w, "backend", "prod").expect_code(0);
    w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("docs/runbook.md", "# Runbook\n")],
        "Add a runbook\n",
        Some(ago(DAY)),
    );
    w.fake.inject(FaultRule::operation(
        "git/update-ref",
        Fault::LostAnswer(504),
    ));
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(0);
    assert_eq!(faulted(&ran), 1);
    only_pull(&w, PROD_BRANCH);
    assert_eq!(
        w.remote(PROD_BRANCH, "docs/runbook.md").as_deref(),
        Some("# Runbook\n")
    );
    w.assert_clean();
}

#[test]
fn an_unreachable_api_fails_with_exit_3_naming_it() {
    let w = release_world();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let ran = w
        .action("release")
        .input("tag", TAG)
        .env("GITHUB_API_URL", &url)
        .env("RELEASE_ACTION_RETRY_BUDGET_SECS", "2")
        .run();
    ran.expect_code(3);
    assert!(
        ran.stderr
            .contains(&format!("could not reach GitHub at {url}")),
        "{}",
        ran.stderr
    );
    w.assert_clean();
}

#[test]
fn a_slow_answer_within_the_timeout_is_simply_awaited() {
    let w = release_world();
    w.fake.inject(
        FaultRule::operation(
            "repos/list-releases",
            Fault::Slow(std::time::Duration::from_millis(1500)),
        )
        .times(1),
    );
    let ran = release(&w);
    ran.expect_code(0);
    one_release(&w);
    w.assert_clean();
}

#[test]
fn an_answer_slower_than_the_timeout_is_retried() {
    let w = release_world();
    w.fake.inject(
        FaultRule::operation(
            "git/get-ref",
            Fault::Slow(std::time::Duration::from_secs(4)),
        )
        .times(1),
    );
    let ran = w
        .action("release")
        .input("tag", TAG)
        .env("RELEASE_ACTION_HTTP_TIMEOUT_SECS", "1")
        .run();
    // The fake logs a request when it answers; the abandoned slow one never is, so success with
    // the fault spent means the read timed out and was sent again (a 4 s wait would also pass,
    // but the 1 s timeout makes the client give up first).
    ran.expect_code(0);
    assert_eq!(w.fake.pending_faults(), 0);
    one_release(&w);
    w.assert_clean();
}
