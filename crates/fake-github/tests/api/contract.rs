//! The contract check, authentication, common headers, pagination, the GHES
//! prefix and the server's lifecycle.

use std::net::TcpStream;

use fake_github::{FakeGitHub, PullSeed};
use serde_json::json;

use crate::common::{octo, octo_at, raw, raw_get, raw_json, seeded, status_of, OWNER, REPO};

#[tokio::test]
async fn a_body_that_breaks_the_schema_is_a_violation_answered_with_422() {
    let (fake, _) = seeded();
    let octo = octo(&fake);
    let answer = octo
        ._post(
            "/repos/octo/charts/git/refs",
            Some(&json!({ "ref": "refs/heads/x", "sha": 12 })),
        )
        .await
        .expect("transport");
    assert_eq!(answer.status(), 422);
    let violations = fake.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(
        violations[0].operation_id.as_deref(),
        Some("git/create-ref")
    );
    assert!(
        violations[0].reason.contains("body.sha"),
        "{}",
        violations[0].reason
    );
    assert_eq!(
        fake.branch_sha(OWNER, REPO, "x"),
        None,
        "nothing was written"
    );

    let missing = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/releases",
        &json!({ "name": "no tag" }),
    );
    assert_eq!(missing.status, 422);
    assert!(missing.json()["message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Invalid request"));
    let null_body = raw_json(
        &fake,
        "PATCH",
        "/repos/octo/charts/pulls/1",
        &json!({ "body": null }),
    );
    assert_eq!(null_body.status, 422, "null is not a string for GitHub");
    let bad_enum = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/releases",
        &json!({ "tag_name": "v1", "make_latest": true }),
    );
    assert_eq!(
        bad_enum.status, 422,
        "make_latest is a string enum, not a boolean"
    );
    let not_json = raw(
        &fake,
        "POST",
        "/repos/octo/charts/git/blobs",
        &[
            ("Authorization", "Bearer t"),
            ("Content-Type", "application/json"),
        ],
        Some(b"{not json"),
    );
    assert_eq!(not_json.status, 400);
    assert_eq!(fake.violations().len(), 5);
    assert!(fake.response_violations().is_empty());
}

#[test]
fn unknown_routes_and_mistyped_parameters_are_violations() {
    let (fake, _) = seeded();
    let cases = [
        ("/repos/octo/charts/branches", 404),
        ("/repos/octo/charts/releases/123", 404),
        ("/repos/octo/charts/git/refs/", 404),
        ("/repos/octo/charts/pulls/abc", 404),
        ("/repos/octo/charts/pulls?state=merged", 422),
        ("/repos/octo/charts/pulls?per_page=many", 422),
    ];
    for (path, status) in cases {
        assert_eq!(raw_get(&fake, path).status, status, "{path}");
    }
    assert_eq!(
        fake.violations().len(),
        cases.len(),
        "{:#?}",
        fake.violations()
    );
    let undocumented = raw_get(&fake, "/repos/octo/charts/releases?per_page=5&flavour=x");
    assert_eq!(
        undocumented.status, 200,
        "GitHub ignores unknown parameters"
    );
    assert_eq!(fake.violations().len(), cases.len());
    assert_eq!(fake.warnings().len(), 1);
}

#[test]
fn requests_without_credentials_get_401_and_every_answer_carries_rate_limit_headers() {
    let (fake, _) = seeded();
    let anonymous = raw(&fake, "GET", "/repos/octo/charts", &[], None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["message"], "Requires authentication");
    fake.set_token(Some("right"));
    let wrong = raw(
        &fake,
        "GET",
        "/repos/octo/charts",
        &[("Authorization", "Bearer wrong")],
        None,
    );
    assert_eq!(
        (wrong.status, wrong.json()["message"].as_str()),
        (401, Some("Bad credentials"))
    );
    let right = raw(
        &fake,
        "GET",
        "/repos/octo/charts",
        &[("Authorization", "token right")],
        None,
    );
    assert_eq!(right.status, 200);
    for answer in [&anonymous, &wrong, &right] {
        for header in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-used",
            "x-ratelimit-resource",
        ] {
            assert!(answer.header(header).is_some(), "{header} missing");
        }
    }
    assert!(fake.violations().is_empty());
    fake.set_require_auth(false);
    assert_eq!(
        raw(&fake, "GET", "/repos/octo/charts", &[], None).status,
        200
    );
}

#[test]
fn created_resources_carry_a_location_header() {
    let (fake, head) = seeded();
    let answer = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/refs",
        &json!({ "ref": "refs/heads/b", "sha": head }),
    );
    assert_eq!(answer.status, 201);
    assert_eq!(
        answer.header("location").map(str::to_string),
        Some(format!("{}/repos/octo/charts/git/refs/heads/b", fake.url()))
    );
    let label = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/labels",
        &json!({ "name": "release", "color": "0e8a16" }),
    );
    assert_eq!(label.status, 201);
    assert!(label.header("location").is_some());
    let bad_color = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/labels",
        &json!({ "name": "x", "color": "#ffffff" }),
    );
    assert_eq!(bad_color.status, 422);
    assert_eq!(bad_color.json()["errors"][0]["field"], "color");
    fake.reset_log();
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn lists_paginate_with_link_headers_that_octocrab_follows() {
    let (fake, _) = seeded();
    for i in 0..5 {
        let branch = format!("b{i}");
        fake.create_branch(OWNER, REPO, &branch, "main");
        fake.commit_files(OWNER, REPO, &branch, &[(format!("f{i}"), "x")], "x\n", None);
        fake.open_pull(
            OWNER,
            REPO,
            PullSeed::new(branch, "main", format!("pull {i}")),
        );
    }
    let first = raw_get(&fake, "/repos/octo/charts/pulls?per_page=2");
    let link = first.header("link").unwrap_or_default().to_string();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    let middle = raw_get(&fake, "/repos/octo/charts/pulls?per_page=2&page=2");
    let link = middle.header("link").unwrap_or_default().to_string();
    for rel in ["prev", "next", "last", "first"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{link}");
    }
    let last = raw_get(&fake, "/repos/octo/charts/pulls?per_page=2&page=3");
    assert_eq!(last.json().as_array().map(Vec::len), Some(1));

    let octo = octo(&fake);
    let page = octo
        .pulls(OWNER, REPO)
        .list()
        .per_page(2)
        .send()
        .await
        .expect("page");
    assert_eq!(page.items.len(), 2);
    let all = octo.all_pages(page).await.expect("all");
    let mut numbers: Vec<u64> = all.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [5, 4, 3, 2, 1], "newest first by default");
    numbers.sort();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    fake.assert_clean();
}

#[tokio::test]
async fn the_same_api_is_served_under_the_ghes_prefix() {
    let (fake, head) = seeded();
    for i in 0..3 {
        let branch = format!("b{i}");
        fake.create_branch(OWNER, REPO, &branch, "main");
        fake.commit_files(OWNER, REPO, &branch, &[(format!("f{i}"), "x")], "x\n", None);
        fake.open_pull(
            OWNER,
            REPO,
            PullSeed::new(branch, "main", format!("pull {i}")),
        );
    }
    let octo = octo_at(&fake.url_ghes());
    let repo = octo.repos(OWNER, REPO).get().await.expect("repo");
    assert!(
        repo.url.as_str().contains("/api/v3/repos/octo/charts"),
        "{}",
        repo.url
    );
    let page = octo
        .pulls(OWNER, REPO)
        .list()
        .per_page(1)
        .send()
        .await
        .expect("page");
    assert!(page
        .next
        .as_ref()
        .is_some_and(|u| u.to_string().contains("/api/v3/")));
    assert_eq!(octo.all_pages(page).await.expect("all").len(), 3);
    let branch = octo
        .repos(OWNER, REPO)
        .get_ref(&octocrab::params::repos::Reference::Branch("main".into()))
        .await
        .expect("ref");
    assert!(
        matches!(branch.object, octocrab::models::repos::Object::Commit { ref sha, .. } if *sha == head)
    );
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.path.starts_with("/api/v3/")));
    let unknown = octo.repos(OWNER, "missing").get().await.expect_err("404");
    assert_eq!(status_of(&unknown), 404);
    fake.assert_clean();
}

#[test]
fn dropping_the_fake_closes_its_port_and_sync_tests_need_no_runtime() {
    let (fake, _) = seeded();
    let addr = fake.addr();
    assert_eq!(raw_get(&fake, "/repos/octo/charts").status, 200);
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.write_count(), 0);
    drop(fake);
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port is closed after drop"
    );
}

#[tokio::test]
async fn dropping_the_fake_inside_an_async_test_is_fine() {
    let fake = FakeGitHub::start();
    fake.create_repo(OWNER, REPO, "main");
    let octo = octo(&fake);
    let empty = octo
        .repos(OWNER, REPO)
        .get_content()
        .path("x")
        .send()
        .await
        .expect_err("empty repo");
    assert_eq!(status_of(&empty), 404);
    drop(fake);
}

#[test]
fn every_operation_of_the_contract_answers_within_its_documented_schema() {
    let (fake, head) = seeded();
    let tag = fake.create_annotated_tag(OWNER, REPO, "v0.1.0-app", "main", "app 0.1.0\n", None);
    let tree = fake
        .commit(OWNER, REPO, &head)
        .map(|c| c.tree)
        .unwrap_or_default();
    let post = |path: &str, body: serde_json::Value| raw_json(&fake, "POST", path, &body).json();
    let patch = |path: &str, body: serde_json::Value| raw_json(&fake, "PATCH", path, &body).json();
    let get = |path: &str| raw_get(&fake, path).json();
    let base = "/repos/octo/charts";

    get(base);
    get(&format!("{base}/contents/README.md?ref=main"));
    get(&format!("{base}/git/ref/heads/main"));
    get(&format!("{base}/git/matching-refs/heads/"));
    post(
        &format!("{base}/git/refs"),
        json!({ "ref": "refs/heads/cov", "sha": head }),
    );
    let blob = post(
        &format!("{base}/git/blobs"),
        json!({ "content": "new", "encoding": "utf-8" }),
    );
    let new_tree = post(
        &format!("{base}/git/trees"),
        json!({ "base_tree": tree, "tree": [{ "path": "new.txt", "mode": "100644", "type": "blob", "sha": blob["sha"] }] }),
    );
    let commit = post(
        &format!("{base}/git/commits"),
        json!({ "message": "cov\n", "tree": new_tree["sha"], "parents": [head] }),
    );
    let commit_sha = commit["sha"].as_str().unwrap_or_default().to_string();
    patch(
        &format!("{base}/git/refs/heads/cov"),
        json!({ "sha": commit_sha, "force": false }),
    );
    get(&format!("{base}/git/commits/{commit_sha}"));
    get(&format!("{base}/git/trees/{commit_sha}?recursive=1"));
    get(&format!("{base}/git/tags/{tag}"));
    get(&format!(
        "{base}/commits?sha=main&path=README.md&per_page=1&page=1"
    ));
    get(&format!("{base}/compare/main...cov"));
    post(
        &format!("{base}/pulls"),
        json!({ "title": "t", "head": "octo:cov", "base": "main", "body": "b", "draft": false }),
    );
    get(&format!("{base}/pulls?state=all&head=octo:cov&base=main&sort=created&direction=desc&per_page=10&page=1"));
    get(&format!("{base}/pulls/1"));
    patch(
        &format!("{base}/pulls/1"),
        json!({ "title": "t2", "body": "b2" }),
    );
    get(&format!("{base}/pulls/1/files"));
    post(
        &format!("{base}/pulls/1/requested_reviewers"),
        json!({ "reviewers": ["octocat"], "team_reviewers": ["ops"] }),
    );
    post(
        &format!("{base}/issues/1/labels"),
        json!({ "labels": ["release"] }),
    );
    post(
        &format!("{base}/issues/1/comments"),
        json!({ "body": "hi" }),
    );
    post(
        &format!("{base}/labels"),
        json!({ "name": "chart", "color": "c5def5", "description": "d" }),
    );
    get(&format!("{base}/labels/release"));
    let release = post(
        &format!("{base}/releases"),
        json!({ "tag_name": "v1.0.0-app", "target_commitish": "main", "name": "app v1.0.0", "body": "notes",
                "draft": false, "prerelease": false, "make_latest": "true" }),
    );
    let id = release["id"].as_u64().unwrap_or_default();
    get(&format!("{base}/releases?per_page=5"));
    get(&format!("{base}/releases/tags/v1.0.0-app"));
    get(&format!("{base}/releases/latest"));
    patch(
        &format!("{base}/releases/{id}"),
        json!({ "body": "more notes", "make_latest": "legacy" }),
    );
    raw(
        &fake,
        "POST",
        &format!("{base}/releases/{id}/assets?name=chart.tgz&label=chart"),
        &[
            ("Authorization", "Bearer t"),
            ("Content-Type", "application/gzip"),
        ],
        Some(b"bytes"),
    );
    post(
        &format!("{base}/dispatches"),
        json!({ "event_type": "bom", "client_payload": { "env": "dev" } }),
    );
    raw(
        &fake,
        "DELETE",
        &format!("{base}/git/refs/heads/cov"),
        &[("Authorization", "Bearer t")],
        None,
    );

    let mut answered: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| (200..300).contains(&r.status))
        .filter_map(|r| r.operation_id)
        .collect();
    answered.sort();
    answered.dedup();
    let mut all = fake.operation_ids();
    all.sort();
    assert_eq!(answered, all, "every operation answered with a 2xx");
    assert!(fake.warnings().is_empty(), "{:#?}", fake.warnings());
    fake.assert_clean();
}
