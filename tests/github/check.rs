//! `check` on a `pull_request` event whose base commit is not in the checkout: the changed
//! files come from `GET /pulls/{n}/files` and the base `Chart.yaml` from the contents API, with
//! the same findings as the local git comparison.

use fake_github::PullSeed;

use crate::common::{ago, Ran, World, DAY, OWNER, REPO};

const FEATURE: &str = "feature";

/// Commits `files` on a feature branch of the fake and in the checkout, and opens its pull
/// request; returns its number.
fn open_pull_request(w: &World, files: &[(&str, &str)]) -> u64 {
    w.fake.create_branch(OWNER, REPO, FEATURE, "main");
    w.fake.commit_files(
        OWNER,
        REPO,
        FEATURE,
        files,
        "the change under review\n",
        Some(ago(DAY)),
    );
    for (path, content) in files {
        w.write_local(path, content);
    }
    w.fake.open_pull(
        OWNER,
        REPO,
        PullSeed::new(FEATURE, "main", "The change under review"),
    )
}

fn pull_request_event(w: &World, number: u64) -> serde_json::Value {
    serde_json::json!({
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "base": { "ref": "main", "sha": w.seed },
            "head": { "ref": FEATURE, "sha": w.fake.branch_sha(OWNER, REPO, FEATURE) }
        },
        "repository": { "default_branch": "main", "full_name": "octo/shop" }
    })
}

fn check(w: &World, number: u64) -> Ran {
    w.action("check")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .event(Some(pull_request_event(w, number)))
        .run()
}

/// The `title=` of every error annotation.
fn error_codes(ran: &Ran) -> Vec<String> {
    ran.stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .filter_map(|l| l.split("title=").nth(1))
        .filter_map(|rest| rest.split("::").next())
        .map(str::to_owned)
        .collect()
}

fn bumped_chart(w: &World, version: &str) -> String {
    w.read("helm/charts/frontend/Chart.yaml")
        .replace("version: 1.1.0\n", &format!("version: {version}\n"))
}

fn changelog_with(w: &World, version: &str) -> String {
    w.read("helm/charts/frontend/CHANGELOG.md").replace(
        "## [1.1.0] - 2026-10-02",
        &format!("## [{version}] - 2026-11-17\n\n### Added\n\n- A PDB.\n\n## [1.1.0] - 2026-10-02"),
    )
}

#[test]
fn a_changed_chart_without_a_version_bump_fails_through_the_api() {
    let w = World::demo();
    let n = open_pull_request(
        &w,
        &[(
            "helm/charts/frontend/templates/pdb.yaml",
            "kind: PodDisruptionBudget\n",
        )],
    );
    let ran = check(&w, n);
    ran.expect_code(1);
    assert_eq!(error_codes(&ran), ["check/version-not-bumped"]);
    assert!(
        ran.stdout.contains(
            "::error file=helm/charts/frontend/Chart.yaml,line=6,title=check/version-not-bumped::`frontend` changed (`templates/pdb.yaml`) but its version 1.1.0 is not higher than 1.1.0 on the base"
        ),
        "{}",
        ran.stdout
    );
    // Chart.yaml did not change, so its base copy is the head's: no contents request.
    assert_eq!(
        ran.operations(),
        ["pulls/list-files"],
        "{:#?}",
        ran.request_lines()
    );
    assert!(ran.summary.contains(&w.seed), "{}", ran.summary);
    w.assert_clean();
}

#[test]
fn a_bump_needs_a_changelog_section_and_then_passes() {
    // (what, bump Chart.yaml, add a changelog section, expected findings)
    let cases: [(&str, bool, bool, &[&str]); 3] = [
        (
            "bump only",
            true,
            false,
            &["check/missing-changelog-section"],
        ),
        ("section only", false, true, &["check/version-not-bumped"]),
        ("bump and section", true, true, &[]),
    ];
    for (what, bump, section, expected) in cases {
        let w = World::demo();
        let chart = bumped_chart(&w, "1.2.0");
        let log = changelog_with(&w, "1.2.0");
        let mut files = vec![(
            "helm/charts/frontend/templates/pdb.yaml",
            "kind: PodDisruptionBudget\n",
        )];
        if bump {
            files.push(("helm/charts/frontend/Chart.yaml", chart.as_str()));
        }
        if section {
            files.push(("helm/charts/frontend/CHANGELOG.md", log.as_str()));
        }
        let n = open_pull_request(&w, &files);
        let ran = check(&w, n);
        assert_eq!(error_codes(&ran), expected, "{what}: {}", ran.stdout);
        assert_eq!(ran.code, i32::from(!expected.is_empty()), "{what}");
        w.assert_clean();
    }
}

#[test]
fn exempt_and_helmignored_files_need_no_bump_through_the_api() {
    let w = World::demo();
    let log = w.read("helm/charts/frontend/CHANGELOG.md") + "\n";
    let n = open_pull_request(
        &w,
        &[
            ("helm/charts/frontend/README.md", "# frontend\n"),
            ("helm/charts/frontend/CHANGELOG.md", log.as_str()),
            (
                "helm/charts/frontend/ci/test-values.yaml",
                "replicaCount: 1\n",
            ),
            ("helm/charts/frontend/values.yaml.bak", "old\n"),
        ],
    );
    let ran = check(&w, n);
    ran.expect_code(0);
    // No chart needs its base version; the changed changelog is read at the base so that
    // its findings can be told apart from those the base already had.
    assert_eq!(
        ran.operations(),
        ["pulls/list-files", "repos/get-content"],
        "{:#?}",
        ran.request_lines()
    );
    assert!(
        ran.requests[1].query.contains(&w.seed),
        "contents at the base sha"
    );
    w.assert_clean();
}

#[test]
fn every_page_of_changed_files_is_read() {
    let w = World::demo();
    let docs: Vec<(String, String)> = (0..130)
        .map(|i| (format!("docs/page-{i:03}.md"), format!("page {i}\n")))
        .collect();
    let mut files: Vec<(&str, &str)> = docs.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    // Sorted after `docs/`, so on the second page.
    files.push(("helm/charts/backend/templates/svc.yaml", "kind: Service\n"));
    let n = open_pull_request(&w, &files);
    // Through a GitHub Enterprise Server root: the `next` links carry `/api/v3` too.
    let ran = w
        .action("check")
        .event(Some(pull_request_event(&w, n)))
        .ghes()
        .run();
    ran.expect_code(1);
    assert!(ran.requests.iter().all(|r| r.path.starts_with("/api/v3/")));
    assert!(
        ran.stdout
            .contains("file=helm/charts/backend/Chart.yaml,line=4,title=check/version-not-bumped"),
        "{}",
        ran.stdout
    );
    let pages = ran
        .operations()
        .iter()
        .filter(|o| **o == "pulls/list-files")
        .count();
    assert_eq!(pages, 2, "{:#?}", ran.request_lines());
    w.assert_clean();
}

#[test]
fn the_api_and_local_git_give_the_same_findings() {
    let w = World::demo();
    git(&w, &["init", "-q", "-b", "main"]);
    git(&w, &["add", "-A"]);
    git(&w, &["commit", "-q", "-m", "base"]);
    git(&w, &["checkout", "-q", "-b", FEATURE]);
    let chart = w
        .read("helm/charts/backend/Chart.yaml")
        .replace("version: \"0.4.2\"", "version: \"0.4.3\"");
    let n = open_pull_request(
        &w,
        &[
            (
                "helm/charts/frontend/templates/pdb.yaml",
                "kind: PodDisruptionBudget\n",
            ),
            ("helm/charts/backend/Chart.yaml", chart.as_str()),
            ("helm/charts/data-platform/README.md", "# data\n"),
        ],
    );
    git(&w, &["add", "-A"]);
    git(&w, &["commit", "-q", "-m", "change"]);
    // The event's base sha is the fake's, which the local clone does not have: API.
    let api = check(&w, n);
    api.expect_code(1);
    assert!(api.operations().contains(&"pulls/list-files"));
    let local = w.action("check").input("base", "main").event(None).run();
    local.expect_code(1);
    assert!(local.requests.is_empty());
    assert_eq!(
        error_codes(&api),
        [
            "check/missing-changelog-section",
            "check/version-not-bumped"
        ],
        "backend bumped without a section, frontend changed without a bump"
    );
    let annotations = |r: &Ran| -> Vec<String> {
        r.stdout
            .lines()
            .filter(|l| l.starts_with("::error"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(annotations(&api), annotations(&local));
    w.assert_clean();
}

#[test]
fn a_base_the_checkout_has_is_compared_locally_without_the_api() {
    let w = World::demo();
    git(&w, &["init", "-q", "-b", "main"]);
    git(&w, &["add", "-A"]);
    git(&w, &["commit", "-q", "-m", "base"]);
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(w.checkout.path())
        .output()
        .expect("git");
    let local_sha = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    w.write_local("helm/charts/backend/templates/svc.yaml", "kind: Service\n");
    let ran = w
        .action("check")
        .event(Some(serde_json::json!({
            "number": 7,
            "pull_request": { "number": 7, "base": { "ref": "main", "sha": local_sha } }
        })))
        .run();
    ran.expect_code(1);
    assert!(ran.requests.is_empty(), "{:#?}", ran.request_lines());
    assert_eq!(error_codes(&ran), ["check/version-not-bumped"]);
    w.assert_clean();
}

#[test]
fn without_a_token_a_base_missing_locally_is_a_usage_error() {
    let w = World::demo();
    let n = open_pull_request(
        &w,
        &[(
            "helm/charts/frontend/templates/pdb.yaml",
            "kind: PodDisruptionBudget\n",
        )],
    );
    let ran = w
        .action("check")
        .event(Some(pull_request_event(&w, n)))
        .no_token()
        .run();
    ran.expect_code(2);
    assert!(ran.stderr.contains("fetch it first"), "{}", ran.stderr);
    assert!(ran.requests.is_empty());
    w.assert_clean();
}

fn git(w: &World, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(w.checkout.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", w.runner.path())
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn findings_the_base_already_had_do_not_fail_through_the_api() {
    let w = World::demo();
    // The base already has an undated release (committed on main before the pull request).
    let undated = w
        .read("helm/charts/frontend/CHANGELOG.md")
        .replace("## [1.0.0] - 2026-09-14", "## [1.0.0]");
    w.fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("helm/charts/frontend/CHANGELOG.md", undated.as_str())],
        "history\n",
        Some(ago(2 * DAY)),
    );
    w.write_local("helm/charts/frontend/CHANGELOG.md", &undated);
    let base = w.fake.branch_sha(OWNER, REPO, "main");
    let chart = bumped_chart(&w, "1.2.0");
    let log = changelog_with(&w, "1.2.0");
    let n = open_pull_request(
        &w,
        &[
            ("helm/charts/frontend/Chart.yaml", chart.as_str()),
            ("helm/charts/frontend/CHANGELOG.md", log.as_str()),
        ],
    );
    let ran = w
        .action("check")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .event(Some(serde_json::json!({
            "action": "synchronize",
            "number": n,
            "pull_request": {
                "number": n,
                "base": { "ref": "main", "sha": base },
                "head": { "ref": FEATURE, "sha": w.fake.branch_sha(OWNER, REPO, FEATURE) }
            },
            "repository": { "default_branch": "main", "full_name": "octo/shop" }
        })))
        .run();
    ran.expect_code(0);
    assert!(
        ran.stdout.contains("::notice file=helm/charts/frontend/CHANGELOG.md,")
            && ran.stdout.contains("title=changelog/missing-date::1 finding of `changelog/missing-date` already existed before this change"),
        "{}",
        ran.stdout
    );
    // The two changed files are read at the base; nothing else.
    assert_eq!(
        ran.operations(),
        ["pulls/list-files", "repos/get-content", "repos/get-content"],
        "{:#?}",
        ran.request_lines()
    );
    w.assert_clean();
}

#[test]
fn a_base_ref_is_compared_through_the_api_when_there_is_a_token() {
    // `check --base main` on a push (no pull request), in a checkout without `.git`, as the
    // container runs it: GitHub names the merge base and the changed files.
    let w = World::demo();
    w.fake.create_branch(OWNER, REPO, FEATURE, "main");
    let files = [(
        "helm/charts/frontend/templates/pdb.yaml",
        "kind: PodDisruptionBudget\n",
    )];
    w.fake
        .commit_files(OWNER, REPO, FEATURE, &files, "a change\n", Some(ago(DAY)));
    for (path, content) in files {
        w.write_local(path, content);
    }
    let head = w
        .fake
        .branch_sha(OWNER, REPO, FEATURE)
        .expect("feature branch");
    let ran = w
        .action("check")
        .input("base", "main")
        .env("GITHUB_SHA", &head)
        .run();
    ran.expect_code(1);
    assert_eq!(
        error_codes(&ran),
        ["check/version-not-bumped"],
        "{}",
        ran.stdout
    );
    assert_eq!(
        ran.operations(),
        ["repos/compare-commits-with-basehead"],
        "{:#?}",
        ran.request_lines()
    );
    assert!(
        ran.summary.contains(&w.seed),
        "the merge base: {}",
        ran.summary
    );
    w.assert_clean();
}
