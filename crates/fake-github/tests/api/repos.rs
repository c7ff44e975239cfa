//! Repository, contents, commit history and comparison round trips.

use fake_github::time::macros::datetime;
use octocrab::params::repos::Commitish;

use crate::common::{octo, raw, raw_get, seeded, status_of, OWNER, REPO};

#[tokio::test]
async fn repository_metadata_parses_with_the_default_branch() {
    let (fake, _) = seeded();
    let repo = octo(&fake).repos(OWNER, REPO).get().await.expect("repo");
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    assert_eq!(repo.full_name.as_deref(), Some("octo/charts"));
    let missing = octo(&fake)
        .repos(OWNER, "nope")
        .get()
        .await
        .expect_err("missing");
    assert_eq!(status_of(&missing), 404);
    fake.assert_clean();
}

#[tokio::test]
async fn file_contents_come_as_base64_json_or_raw_bytes_at_any_ref() {
    let (fake, head) = seeded();
    let first = fake.commits_on(OWNER, REPO, "main")[1].sha.clone();
    let octo = octo(&fake);
    let repo = octo.repos(OWNER, REPO);

    let items = repo
        .get_content()
        .path("releases/staging.yaml")
        .send()
        .await
        .expect("file");
    let file = &items.items[0];
    assert_eq!(file.r#type, "file");
    assert_eq!(
        file.decoded_content().as_deref(),
        Some("environment: staging\ncharts:\n  frontend: 1.2.3\n")
    );
    let old = repo
        .get_content()
        .path("releases/staging.yaml")
        .r#ref(first.clone())
        .send()
        .await
        .expect("old file");
    assert!(old.items[0]
        .decoded_content()
        .unwrap_or_default()
        .contains("1.2.2"));

    let raw_file = octo
        .repos(OWNER, REPO)
        .raw_file(Commitish(head.clone()), "helm/charts/frontend/Chart.yaml")
        .await
        .expect("raw");
    assert_eq!(raw_file.status(), 200);
    let bytes = octo.body_to_string(raw_file).await.expect("body");
    assert_eq!(bytes, "apiVersion: v2\nname: frontend\nversion: 1.2.3\n");

    let raw_new = raw(
        &fake,
        "GET",
        "/repos/octo/charts/contents/run.sh?ref=main",
        &[
            ("Authorization", "Bearer t"),
            ("Accept", "application/vnd.github.raw"),
        ],
        None,
    );
    assert_eq!(
        (raw_new.status, raw_new.body.as_slice()),
        (200, &b"#!/bin/sh\necho hi\n"[..])
    );
    assert!(raw_new
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/vnd.github.raw"));

    let missing = repo
        .get_content()
        .path("nope.yaml")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(status_of(&missing), 404);
    let bad_ref = repo
        .get_content()
        .path("README.md")
        .r#ref("no-such-branch")
        .send()
        .await
        .expect_err("bad ref");
    assert_eq!(status_of(&bad_ref), 404);
    fake.assert_clean();
}

#[tokio::test]
async fn directories_list_their_entries_and_symlinks_to_files_are_followed() {
    let (fake, _) = seeded();
    let octo = octo(&fake);
    let root = octo
        .repos(OWNER, REPO)
        .get_content()
        .send()
        .await
        .expect("root");
    let mut names: Vec<(String, String)> = root
        .items
        .iter()
        .map(|i| (i.name.clone(), i.r#type.clone()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("README.md".to_string(), "file".to_string()),
            ("docs-link".to_string(), "symlink".to_string()),
            ("helm".to_string(), "dir".to_string()),
            ("releases".to_string(), "dir".to_string()),
            ("run.sh".to_string(), "file".to_string()),
        ]
    );
    let charts = octo
        .repos(OWNER, REPO)
        .get_content()
        .path("helm/charts")
        .send()
        .await
        .expect("dir");
    assert_eq!(charts.items.len(), 1);
    assert_eq!(charts.items[0].path, "helm/charts/frontend");
    let link = octo
        .repos(OWNER, REPO)
        .get_content()
        .path("docs-link")
        .send()
        .await
        .expect("symlink");
    assert_eq!(link.items[0].decoded_content().as_deref(), Some("hello\n"));
    fake.assert_clean();
}

#[tokio::test]
async fn history_filters_by_path_and_pages_newest_first() {
    let (fake, head) = seeded();
    let later = fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("README.md", "hello again\n")],
        "touch readme\n",
        Some(datetime!(2024-01-03 10:00 UTC)),
    );
    let octo = octo(&fake);
    let page = octo
        .repos(OWNER, REPO)
        .list_commits()
        .path("releases/staging.yaml")
        .per_page(1)
        .send()
        .await
        .expect("commits");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].sha, head);
    let date = page.items[0]
        .commit
        .committer
        .as_ref()
        .and_then(|c| c.date)
        .expect("date");
    assert_eq!(date.to_rfc3339(), "2024-01-02T10:00:00+00:00");
    assert!(page.next.is_some(), "the file changed in two commits");
    let rest: Vec<_> = octo.all_pages(page).await.expect("all pages");
    assert_eq!(rest.len(), 2);

    let all = octo
        .repos(OWNER, REPO)
        .list_commits()
        .sha("main")
        .send()
        .await
        .expect("all");
    let messages: Vec<&str> = all
        .items
        .iter()
        .map(|c| c.commit.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "touch readme\n",
            "pin frontend 1.2.3 in staging\n",
            "initial commit\n"
        ]
    );
    assert_eq!(all.items[0].sha, later);
    let bad = octo
        .repos(OWNER, REPO)
        .list_commits()
        .sha("no-such-branch")
        .send()
        .await
        .expect_err("unknown start");
    assert_eq!(status_of(&bad), 404);
    fake.assert_clean();
}

#[tokio::test]
async fn comparisons_report_ahead_behind_identical_and_diverged_with_files() {
    let (fake, head) = seeded();
    fake.create_branch(OWNER, REPO, "feature", "main");
    let feature = fake.commit_files(
        OWNER,
        REPO,
        "feature",
        &[(
            "helm/charts/frontend/Chart.yaml",
            "apiVersion: v2\nname: frontend\nversion: 1.3.0\n",
        )],
        "bump frontend\n",
        None,
    );
    let octo = octo(&fake);
    let repo = octo.repos(OWNER, REPO);
    let ahead = repo
        .compare_commits("main", "feature")
        .send()
        .await
        .expect("compare");
    assert_eq!(
        (ahead.ahead_by, ahead.behind_by, ahead.total_commits),
        (1, 0, 1)
    );
    assert_eq!(ahead.commits[0].sha, feature);
    assert_eq!(ahead.merge_base_commit.sha, head);
    let files = ahead.files.clone().expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, "helm/charts/frontend/Chart.yaml");
    assert_eq!((files[0].additions, files[0].deletions), (1, 1));
    let status =
        |c: &octocrab::models::commits::CommitComparison| format!("{:?}", c.status).to_lowercase();
    assert_eq!(status(&ahead), "ahead");
    let behind = repo
        .compare_commits("feature", "main")
        .send()
        .await
        .expect("behind");
    assert_eq!(status(&behind), "behind");
    let same = repo
        .compare_commits("main", head.clone())
        .send()
        .await
        .expect("identical");
    assert_eq!(status(&same), "identical");
    fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("README.md", "changed\n")],
        "main moves\n",
        None,
    );
    let diverged = repo
        .compare_commits("main", "feature")
        .send()
        .await
        .expect("diverged");
    assert_eq!(status(&diverged), "diverged");
    assert_eq!((diverged.ahead_by, diverged.behind_by), (1, 1));
    let missing = raw_get(&fake, "/repos/octo/charts/compare/main...nope");
    assert_eq!(missing.status, 404);
    fake.assert_clean();
}
