//! Releases (drafts, latest, tags), asset uploads and repository dispatches.

use fake_github::ReleaseSeed;
use octocrab::repos::releases::MakeLatest;
use serde_json::json;

use crate::common::{octo, raw, seeded, status_of, OWNER, REPO, TOKEN};

#[tokio::test]
async fn publishing_a_release_creates_its_tag_and_makes_it_latest() {
    let (fake, head) = seeded();
    let octo = octo(&fake);
    let repo = octo.repos(OWNER, REPO);
    let releases = repo.releases();
    let created = releases
        .create("v1.2.3-frontend")
        .name("frontend v1.2.3")
        .body("### Fixed\n- a bug\n")
        .send()
        .await
        .expect("create");
    assert!(!created.draft);
    assert_eq!(
        fake.ref_sha(OWNER, REPO, "refs/tags/v1.2.3-frontend")
            .as_deref(),
        Some(head.as_str())
    );
    let by_tag = releases
        .get_by_tag("v1.2.3-frontend")
        .await
        .expect("by tag");
    assert_eq!(by_tag.id, created.id);
    assert_eq!(by_tag.body.as_deref(), Some("### Fixed\n- a bug\n"));
    let latest = releases.get_latest().await.expect("latest");
    assert_eq!(latest.id, created.id);
    let location = fake
        .requests()
        .into_iter()
        .find(|r| r.operation_id.as_deref() == Some("repos/create-release"))
        .map(|r| r.status);
    assert_eq!(location, Some(201));

    let duplicate = releases
        .create("v1.2.3-frontend")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(status_of(&duplicate), 422);
    match &duplicate {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(
                source.errors.as_ref().map(|e| e[0]["code"].clone()),
                Some(json!("already_exists"))
            );
        }
        other => panic!("unexpected {other}"),
    }

    let updated = releases
        .update(created.id.0)
        .body("### Fixed\n- a bug\n- another\n")
        .send()
        .await
        .expect("update");
    assert_eq!(
        updated.body.as_deref(),
        Some("### Fixed\n- a bug\n- another\n")
    );
    assert_eq!(fake.releases(OWNER, REPO).len(), 1);
    fake.assert_clean();
}

#[tokio::test]
async fn drafts_are_listed_but_invisible_to_get_by_tag_and_latest() {
    let (fake, _) = seeded();
    let octo = octo(&fake);
    let repo = octo.repos(OWNER, REPO);
    let releases = repo.releases();
    let draft = releases
        .create("v2.0.0-frontend")
        .draft(true)
        .send()
        .await
        .expect("draft");
    assert!(draft.draft);
    assert!(draft.html_url.as_str().contains("untagged-"));
    assert_eq!(
        fake.ref_sha(OWNER, REPO, "refs/tags/v2.0.0-frontend"),
        None,
        "drafts create no tag"
    );
    let hidden = releases
        .get_by_tag("v2.0.0-frontend")
        .await
        .expect_err("draft is hidden");
    assert_eq!(status_of(&hidden), 404);
    let none = releases.get_latest().await.expect_err("no latest");
    assert_eq!(status_of(&none), 404);
    let listed = releases.list().send().await.expect("list");
    assert_eq!(listed.items.len(), 1);

    releases
        .update(draft.id.0)
        .draft(false)
        .send()
        .await
        .expect("publish");
    assert!(fake
        .ref_sha(OWNER, REPO, "refs/tags/v2.0.0-frontend")
        .is_some());
    let visible = releases
        .get_by_tag("v2.0.0-frontend")
        .await
        .expect("published");
    assert!(visible.published_at.is_some());
    assert!(fake.releases(OWNER, REPO)[0].latest);
    fake.assert_clean();
}

#[tokio::test]
async fn make_latest_false_and_prereleases_leave_the_latest_release_alone() {
    let (fake, _) = seeded();
    let first = fake.create_release(OWNER, REPO, ReleaseSeed::new("v1.0.0-app"));
    let octo = octo(&fake);
    let repo = octo.repos(OWNER, REPO);
    let releases = repo.releases();
    releases
        .create("v1.1.0-frontend")
        .make_latest(MakeLatest::False)
        .send()
        .await
        .expect("not latest");
    releases
        .create("v1.2.0-rc.1-app")
        .prerelease(true)
        .send()
        .await
        .expect("prerelease");
    let latest = releases.get_latest().await.expect("latest");
    assert_eq!(latest.id.0, first);
    let newest = releases
        .create("v1.2.0-app")
        .make_latest(MakeLatest::True)
        .send()
        .await
        .expect("latest");
    assert_eq!(releases.get_latest().await.expect("latest").id, newest.id);
    let flags: Vec<(String, bool)> = fake
        .releases(OWNER, REPO)
        .into_iter()
        .map(|r| (r.tag_name, r.latest))
        .collect();
    assert_eq!(
        flags,
        [
            ("v1.2.0-app".to_string(), true),
            ("v1.2.0-rc.1-app".to_string(), false),
            ("v1.1.0-frontend".to_string(), false),
            ("v1.0.0-app".to_string(), false),
        ]
    );
    fake.assert_clean();
}

#[tokio::test]
async fn releases_need_a_resolvable_target_for_a_new_tag() {
    let (fake, _) = seeded();
    let octo = octo(&fake);
    let bad = octo
        .repos(OWNER, REPO)
        .releases()
        .create("v9.9.9-x")
        .target_commitish("no-such-branch")
        .send()
        .await
        .expect_err("bad target");
    assert_eq!(status_of(&bad), 422);
    assert!(fake.releases(OWNER, REPO).is_empty());
    fake.assert_clean();
}

#[tokio::test]
async fn assets_upload_once_per_name_and_dispatches_are_recorded() {
    let (fake, _) = seeded();
    let id = fake.create_release(OWNER, REPO, ReleaseSeed::new("v1.0.0-app"));
    let path = format!("/repos/octo/charts/releases/{id}/assets?name=chart.tgz&label=Chart");
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/gzip"),
    ];
    let first = raw(&fake, "POST", &path, &headers, Some(b"tgz bytes"));
    assert_eq!(first.status, 201);
    assert_eq!(first.json()["name"], "chart.tgz");
    assert_eq!(first.json()["size"], 9);
    let second = raw(&fake, "POST", &path, &headers, Some(b"tgz bytes"));
    assert_eq!(second.status, 422);
    assert_eq!(second.json()["errors"][0]["code"], "already_exists");
    assert_eq!(fake.releases(OWNER, REPO)[0].assets, ["chart.tgz"]);

    let octo = octo(&fake);
    octo.repos(OWNER, REPO)
        .dispatches()
        .create("bom-pin")
        .client_payload(
            json!({ "env": "dev", "component": "app", "image": "ghcr.io/o/app", "tag": "v1.2.3" }),
        )
        .send()
        .await
        .expect("dispatch");
    let dispatches = fake.dispatches(OWNER, REPO);
    assert_eq!(dispatches.len(), 1);
    assert_eq!(dispatches[0].event_type, "bom-pin");
    assert_eq!(dispatches[0].client_payload["env"], "dev");
    let status = fake
        .requests()
        .into_iter()
        .find(|r| r.operation_id.as_deref() == Some("repos/create-dispatch-event"))
        .map(|r| r.status);
    assert_eq!(status, Some(204));
    fake.assert_clean();
}
