//! `promote` through the API: a commit on `release-action/promote/<chart>-<to>` made with the
//! Git Data API from the base branch's content, and a pull request (draft into protected
//! environments) with labels, reviewers and a body a release manager can decide on.

use fake_github::{Fault, FaultRule};

use crate::common::{ago, Ran, World, DAY, OWNER, REPO};

const STAMP: &str = "20261118T110640Z";

pub fn promote(w: &World, chart: &str, to: &str) -> Ran {
    w.action("promote")
        .input("chart", chart)
        .input("to", to)
        .run()
}

/// The single pull request of `branch`, asserting there is exactly one.
#[track_caller]
pub fn only_pull(w: &World, branch: &str) -> fake_github::PullInfo {
    let pulls: Vec<_> = w
        .fake
        .pulls(OWNER, REPO)
        .into_iter()
        .filter(|p| p.head_ref == branch)
        .collect();
    assert_eq!(pulls.len(), 1, "pull requests of {branch}: {pulls:#?}");
    pulls.into_iter().next().expect("one pull request")
}

/// Commits on `branch` that `main` lacks, newest first.
pub fn commits_ahead(w: &World, branch: &str) -> Vec<fake_github::CommitInfo> {
    let on_main: Vec<String> = w
        .fake
        .commits_on(OWNER, REPO, "main")
        .into_iter()
        .map(|c| c.sha)
        .collect();
    w.fake
        .commits_on(OWNER, REPO, branch)
        .into_iter()
        .filter(|c| !on_main.contains(&c.sha))
        .collect()
}

#[test]
fn promote_into_staging_opens_a_ready_pull_request_with_the_pinned_bom() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-staging";
    let ran = promote(&w, "frontend", "staging");
    ran.expect_code(0).expect_at_most(8);

    let staging_before = w.remote("main", "releases/staging.yaml").expect("staging");
    assert_eq!(
        w.remote(branch, "releases/staging.yaml").as_deref(),
        Some(
            staging_before
                .replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n")
                .as_str()
        )
    );
    let archive = format!("releases/history/staging/{STAMP}-promote-frontend-1.1.0.yaml");
    assert_eq!(
        w.fake.file_at(OWNER, REPO, branch, &archive),
        w.fake.file_at(OWNER, REPO, "main", "releases/staging.yaml"),
        "the archive is the base's previous BOM, byte for byte"
    );
    for untouched in [
        "helm/charts/frontend/Chart.yaml",
        "helm/charts/frontend/CHANGELOG.md",
        "releases/dev.yaml",
        "releases/prod.yaml",
    ] {
        assert_eq!(
            w.remote(branch, untouched),
            w.remote("main", untouched),
            "{untouched} changes only on promotion into the first environment"
        );
    }
    let ahead = commits_ahead(&w, branch);
    assert_eq!(ahead.len(), 1, "one commit: {ahead:#?}");
    assert_eq!(ahead[0].parents, std::slice::from_ref(&w.seed));

    let pr = only_pull(&w, branch);
    assert_eq!(pr.base_ref, "main");
    assert_eq!(pr.state, "open");
    assert!(!pr.draft, "staging is not protected: ready for review");
    assert_eq!(pr.title, "Promote frontend 1.1.0 to staging");
    assert_eq!(pr.labels, ["release"]);
    assert!(pr.reviewers.is_empty(), "{:?}", pr.reviewers);
    let body = pr.body.clone().unwrap_or_default();
    for row in [
        "| `dev` | 1.1.0 | 1.1.0 |",
        "| `staging` | 1.0.0 | 1.1.0 **(changes)** |",
        "| `prod` | 1.0.0 | 1.0.0 |",
    ] {
        assert!(body.contains(row), "missing {row:?} in\n{body}");
    }
    assert!(body.contains("```mermaid\nflowchart LR\n"), "{body}");
    assert!(body.contains("e0 -- promote --> e1"), "{body}");
    assert!(body.contains("#### 1.1.0"), "{body}");
    assert!(
        body.contains("- Configurable `resources` for the nginx sidecar."),
        "{body}"
    );
    assert!(
        !body.contains("#### 1.0.0"),
        "only sections above 1.0.0: {body}"
    );
    assert!(
        body.contains("Code changes: [v1.0.0-frontend...v1.1.0-frontend](https://github.com/octo/shop/compare/v1.0.0-frontend...v1.1.0-frontend)"),
        "{body}"
    );

    assert_eq!(ran.output("pr-number"), pr.number.to_string());
    assert_eq!(ran.output("pr-url"), pr.html_url);
    assert_eq!(ran.output("branch"), branch);
    assert_eq!(ran.output("draft"), "false");
    assert_eq!(ran.output("version"), "1.1.0");
    assert_eq!(ran.output("previous-version"), "1.0.0");
    assert!(ran.summary.contains(&pr.html_url), "{}", ran.summary);
    // Nothing in the checkout changes without `--local`.
    assert_eq!(
        w.read("releases/staging.yaml"),
        std::fs::read_to_string(format!("{}/releases/staging.yaml", crate::common::DEMO))
            .expect("demo")
    );
    w.assert_clean();
}

/// `promote` as a workflow run on the base branch starts it: `GITHUB_REF` and `GITHUB_SHA` say
/// where the run started.
fn promote_from_main(w: &World, chart: &str, to: &str, started_at: &str) -> Ran {
    w.action("promote")
        .input("chart", chart)
        .input("to", to)
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_SHA", started_at)
        .run()
}

#[test]
fn a_protected_promotion_makes_only_the_requests_it_needs() {
    let w = World::demo();
    let head = w.fake.branch_sha(OWNER, REPO, "main").expect("main");
    let ran = promote_from_main(&w, "backend", "prod", &head);
    ran.expect_code(0);
    // The base tree, the soak commit, the branch, then tree, commit, ref, pull request,
    // reviewers and labels: 9, the base ref being the run's own `GITHUB_SHA`.
    assert_eq!(
        ran.operations(),
        [
            "git/get-tree",
            "repos/list-commits",
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
    let pr = only_pull(&w, "release-action/promote/backend-prod");
    assert!(pr.draft);
    assert_eq!(pr.labels, ["release"]);
    assert_eq!(pr.reviewers, ["octocat"]);
    w.assert_clean();
}

#[test]
fn a_run_whose_base_moved_since_it_started_builds_on_the_new_head() {
    let w = World::demo();
    let started = w.fake.branch_sha(OWNER, REPO, "main").expect("main");
    let moved = w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("docs/runbook.md", "# Runbook\n")],
        "Add a runbook\n",
        Some(ago(DAY)),
    );
    let branch = "release-action/promote/backend-prod";
    let ran = promote_from_main(&w, "backend", "prod", &started);
    ran.expect_code(0);
    // The pull request said the base had moved; the branch was rebuilt on the new head,
    // fast-forward, and still holds exactly the promotion.
    let commits = commits_ahead(&w, branch);
    assert!(!commits.is_empty(), "{:#?}", ran.request_lines());
    assert_eq!(
        w.remote(branch, "docs/runbook.md").as_deref(),
        Some("# Runbook\n"),
        "the branch contains {moved}"
    );
    let pr = only_pull(&w, branch);
    assert!(pr.draft);
    assert_eq!(
        w.remote(branch, "releases/prod.yaml"),
        w.remote("main", "releases/prod.yaml")
            .map(|t| t.replace("  backend: 0.4.1\n", "  backend: 0.4.2\n"))
    );
    // Running again from the same start changes nothing.
    let again = promote_from_main(&w, "backend", "prod", &started);
    again.expect_code(0);
    assert_eq!(again.writes(), 0, "{:#?}", again.request_lines());
    w.assert_clean();
}

#[test]
fn promote_into_prod_opens_a_draft_with_labels_and_reviewers() {
    let w = World::demo();
    let branch = "release-action/promote/backend-prod";
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(0);
    ran.expect_at_most(10);

    let pr = only_pull(&w, branch);
    assert!(pr.draft, "prod is protected: a draft");
    assert_eq!(pr.title, "Promote backend 0.4.2 to prod");
    assert_eq!(pr.labels, ["release"]);
    assert_eq!(pr.reviewers, ["octocat"]);
    let body = pr.body.clone().unwrap_or_default();
    insta::assert_snapshot!("promote-prod-pull-request-body", body);
    assert!(
        body.contains("| `prod` | 0.4.1 | 0.4.2 **(changes)** |"),
        "{body}"
    );
    assert!(body.contains("e1 -- promote --> e2"), "{body}");
    assert!(body.contains("#### 0.4.2"), "{body}");
    assert!(body.contains("draft"), "{body}");
    assert_eq!(ran.output("draft"), "true");
    assert_eq!(ran.output("branch"), branch);
    assert_eq!(ran.output("pr-number"), pr.number.to_string());

    let prod_before = w.remote("main", "releases/prod.yaml").expect("prod");
    assert_eq!(
        w.remote(branch, "releases/prod.yaml").as_deref(),
        Some(
            prod_before
                .replace("  backend: 0.4.1\n", "  backend: 0.4.2\n")
                .as_str()
        )
    );
    let archive = format!("releases/history/prod/{STAMP}-promote-backend-0.4.2.yaml");
    assert_eq!(
        w.remote(branch, &archive).as_deref(),
        Some(prod_before.as_str())
    );
    assert_eq!(
        w.remote(branch, "helm/charts/backend/Chart.yaml"),
        w.remote("main", "helm/charts/backend/Chart.yaml")
    );
    let draft_sent = ran
        .requests
        .iter()
        .find(|r| r.operation_id.as_deref() == Some("pulls/create"))
        .and_then(|r| r.body.clone())
        .expect("create body");
    assert_eq!(draft_sent["draft"], true);
    w.assert_clean();
}

#[test]
fn promote_into_the_first_environment_bumps_the_chart_and_cuts_the_changelog() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-dev";
    let ran = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "dev")
        .input("bump", "auto")
        .run();
    ran.expect_code(0);
    let chart = w
        .remote(branch, "helm/charts/frontend/Chart.yaml")
        .expect("chart");
    assert_eq!(
        chart,
        w.remote("main", "helm/charts/frontend/Chart.yaml")
            .expect("chart")
            .replace("version: 1.1.0\n", "version: 1.2.0\n"),
        "only the chart's own version line changes"
    );
    let log = w
        .remote(branch, "helm/charts/frontend/CHANGELOG.md")
        .expect("log");
    assert!(
        log.contains("## [Unreleased]\n\n## [1.2.0] - 2026-11-18\n\n### Added\n"),
        "{log}"
    );
    assert!(w
        .remote(branch, "releases/dev.yaml")
        .expect("dev")
        .contains("  frontend: 1.2.0\n"));
    let pr = only_pull(&w, branch);
    assert!(!pr.draft);
    assert!(pr.body.unwrap_or_default().contains("#### 1.2.0"));
    assert_eq!(ran.output("version"), "1.2.0");
    w.assert_clean();
}

#[test]
fn rerunning_a_promotion_makes_no_write() {
    let w = World::demo();
    let branch = "release-action/promote/backend-prod";
    let first = promote(&w, "backend", "prod");
    first.expect_code(0);
    let head = w.fake.branch_sha(OWNER, REPO, branch);
    let writes = w.fake.write_count();
    let again = promote(&w, "backend", "prod");
    again.expect_code(0).expect_at_most(6);
    assert_eq!(
        w.fake.write_count(),
        writes,
        "a re-run writes nothing:\n{}",
        again.request_lines().join("\n")
    );
    assert_eq!(w.fake.branch_sha(OWNER, REPO, branch), head);
    let pr = only_pull(&w, branch);
    assert_eq!(again.output("pr-number"), pr.number.to_string());
    assert_eq!(again.output("pr-url"), first.output("pr-url"));
    w.assert_clean();
}

#[test]
fn a_promotion_rerun_after_main_moved_updates_the_same_branch_and_pull_request() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-staging";
    promote(&w, "frontend", "staging").expect_code(0);
    let first_head = w.fake.branch_sha(OWNER, REPO, branch).expect("branch");
    let other = w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("docs/runbook.md", "# Runbook\n")],
        "Add a runbook\n",
        Some(ago(DAY)),
    );
    // An hour later: a new archive name, which must replace the first run's, not add to it.
    let again = w
        .action("promote")
        .input("chart", "frontend")
        .input("to", "staging")
        .env(
            "SOURCE_DATE_EPOCH",
            &(crate::common::NOW + 3_600).to_string(),
        )
        .run();
    again.expect_code(0);
    let archives: Vec<String> = w
        .fake
        .files_at(OWNER, REPO, branch)
        .into_keys()
        .filter(|p| p.starts_with("releases/history/staging/"))
        .collect();
    assert_eq!(
        archives,
        ["releases/history/staging/20261118T120640Z-promote-frontend-1.1.0.yaml"]
    );
    let head = w.fake.branch_sha(OWNER, REPO, branch).expect("branch");
    let log: Vec<String> = w
        .fake
        .commits_on(OWNER, REPO, branch)
        .into_iter()
        .map(|c| c.sha)
        .collect();
    assert!(log.contains(&first_head), "fast-forward: nothing dropped");
    assert!(
        log.contains(&other),
        "the branch includes main's new commit"
    );
    assert_ne!(head, first_head);
    assert_eq!(
        w.remote(branch, "docs/runbook.md").as_deref(),
        Some("# Runbook\n")
    );
    only_pull(&w, branch);
    w.assert_clean();
}

#[test]
fn a_foreign_commit_on_the_branch_is_never_overwritten() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-staging";
    promote(&w, "frontend", "staging").expect_code(0);
    let foreign = w.fake.commit_files(
        OWNER,
        REPO,
        branch,
        &[(
            "releases/staging.yaml",
            "environment: staging\ncharts: {}\n",
        )],
        "hand edit\n",
        Some(ago(DAY / 2)),
    );
    let writes = w.fake.write_count();
    let ran = promote(&w, "frontend", "staging");
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=publish/foreign-commits"),
        "{}",
        ran.stdout
    );
    assert_eq!(w.fake.write_count(), writes, "nothing written");
    assert_eq!(
        w.fake.branch_sha(OWNER, REPO, branch).as_deref(),
        Some(foreign.as_str()),
        "branch untouched"
    );
    w.assert_clean();
}

#[test]
fn a_branch_someone_else_created_is_never_taken_over() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-staging";
    w.fake.create_branch(OWNER, REPO, branch, "main");
    let foreign = w.fake.commit_files(
        OWNER,
        REPO,
        branch,
        &[("notes.txt", "mine\n")],
        "my own work\n",
        Some(ago(DAY / 2)),
    );
    let ran = promote(&w, "frontend", "staging");
    ran.expect_code(1);
    assert_eq!(ran.writes(), 0);
    assert_eq!(
        w.fake.branch_sha(OWNER, REPO, branch).as_deref(),
        Some(foreign.as_str())
    );
    assert!(w.fake.pulls(OWNER, REPO).is_empty());
    w.assert_clean();
}

#[test]
fn the_base_moving_mid_run_loses_no_commit_and_opens_one_pull_request() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-staging";
    w.fake.inject(FaultRule::operation(
        "git/create-commit",
        Fault::move_branch("main", "docs/other-writer.md", "pushed meanwhile\n"),
    ));
    let ran = promote(&w, "frontend", "staging");
    ran.expect_code(0);
    assert_eq!(w.fake.pending_faults(), 0, "the fault fired");
    let main_log = w.fake.commits_on(OWNER, REPO, "main");
    assert_eq!(main_log.len(), 2, "main has the other writer's commit");
    let other = main_log[0].sha.clone();
    assert_eq!(
        w.remote("main", "docs/other-writer.md").as_deref(),
        Some("pushed meanwhile\n")
    );
    let branch_log: Vec<String> = w
        .fake
        .commits_on(OWNER, REPO, branch)
        .into_iter()
        .map(|c| c.sha)
        .collect();
    assert!(branch_log.contains(&other), "{branch_log:?}");
    let pr = only_pull(&w, branch);
    assert_eq!(ran.output("pr-number"), pr.number.to_string());
    assert!(w
        .remote(branch, "releases/staging.yaml")
        .expect("staging")
        .contains("  frontend: 1.1.0\n"));
    // The pull request's diff against main is exactly the promotion.
    let main_files = w.fake.files_at(OWNER, REPO, "main");
    let branch_files = w.fake.files_at(OWNER, REPO, branch);
    let changed: Vec<&String> = branch_files
        .iter()
        .filter(|(p, c)| main_files.get(*p) != Some(*c))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        changed,
        [
            &format!("releases/history/staging/{STAMP}-promote-frontend-1.1.0.yaml"),
            &"releases/staging.yaml".to_owned()
        ]
    );
    assert!(main_files.keys().all(|p| branch_files.contains_key(p)));
    w.assert_clean();
}

#[test]
fn a_soak_time_not_yet_served_refuses_the_promotion() {
    let w = World::demo();
    let staging = w
        .remote("main", "releases/staging.yaml")
        .expect("staging")
        .replace("# Desired state", "# The desired state");
    w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("releases/staging.yaml", staging.as_str())],
        "touch staging\n",
        Some(ago(3_600)),
    );
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=promotion/soak"),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.writes(), 0);
    assert!(w.fake.pulls(OWNER, REPO).is_empty());
    w.assert_clean();
}

#[test]
fn a_stale_checkout_never_overwrites_newer_commits_on_main() {
    let w = World::demo();
    let newer = w
        .remote("main", "releases/staging.yaml")
        .expect("staging")
        .replace(
            "tag: v2.4.1, digest: \"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"",
            "tag: v2.4.2, digest: \"sha256:3c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"",
        );
    assert!(newer.contains("v2.4.2"));
    w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("releases/staging.yaml", newer.as_str())],
        "pin app v2.4.2 in staging\n",
        Some(ago(2 * DAY)),
    );
    let ran = promote(&w, "frontend", "staging");
    ran.expect_code(0);
    let branch = "release-action/promote/frontend-staging";
    assert_eq!(
        w.remote(branch, "releases/staging.yaml").as_deref(),
        Some(
            newer
                .replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n")
                .as_str()
        ),
        "built from main's content, not the checkout's"
    );
    assert_eq!(
        w.remote(
            branch,
            &format!("releases/history/staging/{STAMP}-promote-frontend-1.1.0.yaml")
        )
        .as_deref(),
        Some(newer.as_str())
    );
    assert!(
        w.read("releases/staging.yaml").contains("v2.4.1"),
        "checkout untouched"
    );
    w.assert_clean();
}

#[test]
fn a_dry_run_with_a_token_reads_through_the_api_and_writes_nothing() {
    let w = World::demo();
    let ran = w
        .action("promote")
        .input("chart", "backend")
        .input("to", "prod")
        .input("dry-run", "true")
        .run();
    ran.expect_code(0);
    assert_eq!(ran.writes(), 0);
    assert!(ran.stdout.contains("+  backend: 0.4.2"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("POST /repos/octo/shop/pulls"),
        "{}",
        ran.stdout
    );
    // The plan, the pull request and the calls a real run makes, as the reviewer reads them
    // (without the runner's framing, whose token is random, and the token's mask).
    let plan: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::"))
        .collect();
    insta::assert_snapshot!("promote-prod-dry-run-through-the-api", plan.join("\n"));
    assert!(w.fake.branches(OWNER, REPO) == ["main"]);
    w.assert_clean();
}

#[test]
fn another_writer_editing_the_same_bom_mid_run_keeps_their_edit() {
    let w = World::demo();
    let branch = "release-action/promote/frontend-staging";
    let theirs = w
        .remote("main", "releases/staging.yaml")
        .expect("staging")
        .replace(
            "tag: v2.4.1,",
            "tag: v2.4.1, # pinned by the image pipeline\n       ",
        );
    w.fake.inject(FaultRule::operation(
        "pulls/create",
        Fault::move_branch("main", "releases/staging.yaml", theirs.as_bytes()),
    ));
    let ran = promote(&w, "frontend", "staging");
    ran.expect_code(0);
    assert_eq!(w.fake.pending_faults(), 0, "the fault fired");
    assert_eq!(
        w.remote("main", "releases/staging.yaml").as_deref(),
        Some(theirs.as_str())
    );
    assert_eq!(
        w.remote(branch, "releases/staging.yaml").as_deref(),
        Some(
            theirs
                .replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n")
                .as_str()
        ),
        "the pin is applied to the other writer's file"
    );
    assert_eq!(
        w.remote(
            branch,
            &format!("releases/history/staging/{STAMP}-promote-frontend-1.1.0.yaml")
        )
        .as_deref(),
        Some(theirs.as_str()),
        "the archive is what main held when the pull request was finished"
    );
    let main_head = w.fake.branch_sha(OWNER, REPO, "main").expect("main");
    assert!(w
        .fake
        .commits_on(OWNER, REPO, branch)
        .iter()
        .any(|c| c.sha == main_head));
    only_pull(&w, branch);
    w.assert_clean();
}

#[test]
fn a_rerun_after_the_reviewers_were_refused_finishes_the_pull_request() {
    let w = World::demo();
    let branch = "release-action/promote/backend-prod";
    w.fake.set_collaborators(OWNER, REPO, &["hubot"]);
    let ran = promote(&w, "backend", "prod");
    ran.expect_code(3);
    assert!(
        ran.stderr
            .contains("Reviews may only be requested from collaborators"),
        "{}",
        ran.stderr
    );
    assert!(only_pull(&w, branch).labels.is_empty(), "not finished yet");

    // The reviewer is given access; the re-run finishes the same pull request.
    w.fake.set_collaborators(OWNER, REPO, &["hubot", "octocat"]);
    promote(&w, "backend", "prod").expect_code(0);
    let pr = only_pull(&w, branch);
    assert_eq!(pr.reviewers, ["octocat"]);
    assert_eq!(pr.labels, ["release"]);

    // Finished: a further re-run writes nothing.
    let again = promote(&w, "backend", "prod");
    again.expect_code(0);
    assert_eq!(again.writes(), 0, "{:#?}", again.request_lines());
    w.assert_clean();
}

#[test]
fn names_and_environments_are_refused_before_github_is_asked_anything() {
    let w = World::demo();
    for (chart, to, says) in [
        ("../etc", "prod", "--chart"),
        ("backend", "Prod", "--to"),
        ("backend", "nowhere", "unknown environment `nowhere`"),
    ] {
        let ran = promote(&w, chart, to);
        ran.expect_code(2);
        assert!(ran.stderr.contains(says), "{chart} {to}: {}", ran.stderr);
        assert!(ran.requests.is_empty(), "{:#?}", ran.request_lines());
    }
    let ran = w
        .action("promote")
        .input("chart", "backend")
        .input("to", "prod")
        .input("version", "1.x")
        .run();
    ran.expect_code(2);
    assert!(ran.stderr.contains("--version"), "{}", ran.stderr);
    assert!(ran.requests.is_empty(), "{:#?}", ran.request_lines());
    let ran = promote(&w, "no-such-chart", "prod");
    ran.expect_code(1);
    assert!(ran.requests.is_empty(), "{:#?}", ran.request_lines());
    w.assert_clean();
}
