//! `release`: creates or updates the GitHub release of a tag, never duplicates it, and refuses
//! tags that are lightweight or point outside the release branch.

use fake_github::ReleaseSeed;

use crate::common::{ago, World, DAY, OWNER, REPO};

const SKELETON_NOTES: &str = "### Fixed\n\n- Checkout no longer double-submits on slow networks.";
const FRONTEND_NOTES: &str = "### Added\n\n- Configurable `resources` for the nginx sidecar.\n\n### Changed\n\n- The default replica count is 2.";

fn annotated(w: &World, tag: &str, target: &str) {
    w.fake
        .create_annotated_tag(OWNER, REPO, tag, target, tag, Some(ago(DAY)));
}

#[track_caller]
fn notes_match(body: Option<&str>, expected: &str) {
    let body = body.unwrap_or_default();
    assert_eq!(body.trim(), expected, "release body");
}

#[test]
fn releasing_the_latest_component_creates_a_latest_release_from_its_changelog() {
    let w = World::demo();
    annotated(&w, "v2.4.1-walking-skeleton", "main");
    let ran = w
        .action("release")
        .env("GITHUB_REF", "refs/tags/v2.4.1-walking-skeleton")
        .run();
    ran.expect_code(0);
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1, "{releases:?}");
    let r = &releases[0];
    assert_eq!(r.tag_name, "v2.4.1-walking-skeleton");
    assert_eq!(r.name.as_deref(), Some("walking-skeleton v2.4.1"));
    notes_match(r.body.as_deref(), SKELETON_NOTES);
    assert!(!r.draft && !r.prerelease);
    assert!(r.latest, "the latest-component becomes Latest");
    assert_eq!(ran.output("release-id"), r.id.to_string());
    assert_eq!(ran.output("release-url"), r.html_url);
    assert_eq!(ran.output("component"), "walking-skeleton");
    assert_eq!(ran.output("version"), "2.4.1");
    assert!(ran.summary.contains(&r.html_url), "{}", ran.summary);
    assert_eq!(
        ran.operations(),
        [
            "git/get-ref",
            "repos/compare-commits-with-basehead",
            "repos/list-releases",
            "repos/create-release"
        ]
    );
    w.assert_clean();
}

#[test]
fn a_frontend_release_never_becomes_latest() {
    let w = World::demo();
    let skeleton = w.fake.create_release(OWNER, REPO, {
        let mut s = ReleaseSeed::new("v2.4.1-walking-skeleton");
        s.name = Some("walking-skeleton v2.4.1".into());
        s
    });
    annotated(&w, "v1.1.0-frontend", "main");
    let ran = w.action("release").input("tag", "v1.1.0-frontend").run();
    ran.expect_code(0);
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 2);
    let frontend = releases
        .iter()
        .find(|r| r.tag_name == "v1.1.0-frontend")
        .expect("frontend release");
    assert_eq!(frontend.name.as_deref(), Some("frontend v1.1.0"));
    notes_match(frontend.body.as_deref(), FRONTEND_NOTES);
    assert!(
        !frontend.latest,
        "a frontend release must not become Latest"
    );
    let latest: Vec<u64> = releases.iter().filter(|r| r.latest).map(|r| r.id).collect();
    assert_eq!(latest, [skeleton]);
    let create = ran
        .requests
        .iter()
        .find(|r| r.operation_id.as_deref() == Some("repos/create-release"))
        .and_then(|r| r.body.clone())
        .expect("create body");
    assert_eq!(create["make_latest"], "false");
    w.assert_clean();
}

#[test]
fn rerunning_a_release_with_the_same_notes_writes_nothing() {
    let w = World::demo();
    annotated(&w, "v1.1.0-frontend", "main");
    let first = w.action("release").input("tag", "v1.1.0-frontend").run();
    first.expect_code(0);
    let again = w.action("release").input("tag", "v1.1.0-frontend").run();
    again.expect_code(0).expect_at_most(3);
    assert_eq!(again.writes(), 0, "{:#?}", again.request_lines());
    assert_eq!(w.fake.releases(OWNER, REPO).len(), 1);
    assert_eq!(again.output("release-id"), first.output("release-id"));
    assert_eq!(again.output("release-url"), first.output("release-url"));
    w.assert_clean();
}

#[test]
fn a_changed_changelog_section_updates_the_release_in_place() {
    let w = World::demo();
    let skeleton = w
        .fake
        .create_release(OWNER, REPO, ReleaseSeed::new("v2.4.1-walking-skeleton"));
    annotated(&w, "v1.1.0-frontend", "main");
    let first = w.action("release").input("tag", "v1.1.0-frontend").run();
    first.expect_code(0);
    let log = w.read("helm/charts/frontend/CHANGELOG.md");
    w.write_local(
        "helm/charts/frontend/CHANGELOG.md",
        log.replace(
            "- The default replica count is 2.",
            "- The default replica count is 2.\n- Probes use the named port.",
        ),
    );
    let again = w.action("release").input("tag", "v1.1.0-frontend").run();
    again.expect_code(0);
    let releases: Vec<_> = w
        .fake
        .releases(OWNER, REPO)
        .into_iter()
        .filter(|r| r.id != skeleton)
        .collect();
    assert_eq!(releases.len(), 1, "never a second release");
    assert_eq!(releases[0].id.to_string(), first.output("release-id"));
    assert!(!releases[0].latest, "an update does not make it Latest");
    assert!(releases[0]
        .body
        .as_deref()
        .unwrap_or_default()
        .contains("- Probes use the named port."));
    let writes: Vec<String> = again
        .requests
        .iter()
        .filter(|r| r.write)
        .map(|r| format!("{} {}", r.method, r.operation_id.as_deref().unwrap_or("?")))
        .collect();
    assert_eq!(writes, ["PATCH repos/update-release"]);
    w.assert_clean();
}

#[test]
fn an_existing_draft_release_is_found_and_published_not_duplicated() {
    let w = World::demo();
    annotated(&w, "v1.1.0-frontend", "main");
    let draft = w.fake.create_release(OWNER, REPO, {
        let mut s = ReleaseSeed::new("v1.1.0-frontend");
        s.draft = true;
        s.name = Some("frontend v1.1.0 (draft)".into());
        s.body = Some("work in progress".into());
        s
    });
    let ran = w.action("release").input("tag", "v1.1.0-frontend").run();
    ran.expect_code(0);
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1, "{releases:?}");
    let r = &releases[0];
    assert_eq!(r.id, draft);
    assert!(!r.draft, "published");
    assert!(!r.latest, "a frontend release must not become Latest");
    assert_eq!(r.name.as_deref(), Some("frontend v1.1.0"));
    notes_match(r.body.as_deref(), FRONTEND_NOTES);
    assert_eq!(ran.output("release-id"), draft.to_string());
    assert!(!ran.operations().contains(&"repos/create-release"));
    w.assert_clean();
}

#[test]
fn a_prerelease_version_makes_a_prerelease_that_is_not_latest() {
    let w = World::demo();
    let chart = w
        .read("helm/charts/backend/Chart.yaml")
        .replace("version: \"0.4.2\"", "version: \"0.5.0-rc.1\"");
    let log = w.read("helm/charts/backend/CHANGELOG.md").replace(
        "## [Unreleased]\n",
        "## [Unreleased]\n\n## [0.5.0-rc.1] - 2026-11-17\n\n### Added\n\n- Read replicas.\n",
    );
    w.commit_both(
        &[
            ("helm/charts/backend/Chart.yaml", &chart),
            ("helm/charts/backend/CHANGELOG.md", &log),
        ],
        "backend 0.5.0-rc.1\n",
    );
    annotated(&w, "v0.5.0-rc.1-backend", "main");
    let ran = w
        .action("release")
        .env("GITHUB_REF", "refs/tags/v0.5.0-rc.1-backend")
        .run();
    ran.expect_code(0);
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1);
    assert!(releases[0].prerelease);
    assert!(!releases[0].latest);
    assert_eq!(releases[0].name.as_deref(), Some("backend v0.5.0-rc.1"));
    notes_match(releases[0].body.as_deref(), "### Added\n\n- Read replicas.");
    assert_eq!(ran.output("is-prerelease"), "true");
    assert_eq!(ran.output("prerelease"), "rc.1");
    w.assert_clean();
}

#[test]
fn a_lightweight_tag_is_refused_when_annotated_tags_are_required() {
    let w = World::demo();
    w.fake
        .create_lightweight_tag(OWNER, REPO, "v1.1.0-frontend", "main");
    let ran = w.action("release").input("tag", "v1.1.0-frontend").run();
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("::error ") && ran.stdout.contains("title=tag/lightweight"),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.writes(), 0);
    assert!(w.fake.releases(OWNER, REPO).is_empty());
    w.assert_clean();
}

#[test]
fn a_tag_on_a_commit_outside_main_is_refused() {
    let w = World::demo();
    w.fake.create_branch(OWNER, REPO, "side", "main");
    w.fake.commit_files(
        OWNER,
        REPO,
        "side",
        &[("README.md", "unreviewed\n")],
        "an unreviewed change\n",
        Some(ago(DAY)),
    );
    annotated(&w, "v1.1.0-frontend", "side");
    let ran = w.action("release").input("tag", "v1.1.0-frontend").run();
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=tag/not-on-release-branch"),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.writes(), 0);
    assert!(w.fake.releases(OWNER, REPO).is_empty());
    w.assert_clean();
}

#[test]
fn a_tag_missing_on_github_is_a_finding() {
    let w = World::demo();
    let ran = w.action("release").input("tag", "v1.1.0-frontend").run();
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=tag/not-on-github"),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.writes(), 0);
    w.assert_clean();
}

#[test]
fn release_works_against_a_github_enterprise_server_api_root() {
    let w = World::demo();
    annotated(&w, "v1.1.0-frontend", "main");
    let ran = w
        .action("release")
        .input("tag", "v1.1.0-frontend")
        .ghes()
        .token_input()
        .run();
    ran.expect_code(0);
    assert!(ran.requests.iter().all(|r| r.path.starts_with("/api/v3/")));
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1);
    assert_eq!(ran.output("release-id"), releases[0].id.to_string());
    w.assert_clean();
}

#[test]
fn without_the_default_branch_in_the_event_it_is_asked_from_github() {
    let w = World::demo();
    annotated(&w, "v1.1.0-frontend", "main");
    let ran = w
        .action("release")
        .input("tag", "v1.1.0-frontend")
        .event(None)
        .run();
    ran.expect_code(0);
    assert!(ran.operations().contains(&"repos/get"));
    ran.expect_at_most(5);
    assert_eq!(w.fake.releases(OWNER, REPO).len(), 1);
    w.assert_clean();
}

#[test]
fn a_draft_release_stays_one_release_until_it_is_published() {
    let w = World::demo();
    annotated(&w, "v1.1.0-frontend", "main");
    let draft = w
        .action("release")
        .input("tag", "v1.1.0-frontend")
        .input("draft", "true")
        .run();
    draft.expect_code(0);
    assert_eq!(draft.output("draft"), "true");
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1);
    assert!(releases[0].draft);

    let again = w
        .action("release")
        .input("tag", "v1.1.0-frontend")
        .input("draft", "true")
        .run();
    again.expect_code(0);
    assert_eq!(again.writes(), 0, "the draft is found by listing releases");

    let published = w.action("release").input("tag", "v1.1.0-frontend").run();
    published.expect_code(0);
    assert_eq!(published.output("draft"), "false");
    let releases = w.fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1);
    assert!(!releases[0].draft);
    assert!(!releases[0].latest);
    assert_eq!(published.output("release-id"), draft.output("release-id"));
    w.assert_clean();
}

#[test]
fn validate_tag_with_a_token_also_checks_github() {
    let w = World::demo();
    w.fake
        .create_lightweight_tag(OWNER, REPO, "v1.1.0-frontend", "main");
    let ran = w
        .action("validate-tag")
        .input("tag", "v1.1.0-frontend")
        .run();
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=tag/lightweight"),
        "{}",
        ran.stdout
    );
    assert_eq!(ran.writes(), 0);
    w.assert_clean();
}
