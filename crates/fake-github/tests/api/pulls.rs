//! Pull requests, their files, labels, reviewers and comments.

use fake_github::{FakeGitHub, PullSeed};
use octocrab::params::State;
use serde_json::json;

use crate::common::{message_of, octo, raw_json, seeded, status_of, OWNER, REPO};

fn with_branch(branch: &str) -> (FakeGitHub, String) {
    let (fake, _) = seeded();
    fake.create_branch(OWNER, REPO, branch, "main");
    let sha = fake.commit_files(
        OWNER,
        REPO,
        branch,
        &[(
            "releases/prod.yaml",
            "environment: prod\ncharts:\n  frontend: 1.2.3\n",
        )],
        "promote frontend 1.2.3 to prod\n",
        None,
    );
    (fake, sha)
}

#[tokio::test]
async fn a_pull_request_is_created_once_and_found_by_its_head() {
    let branch = "release-action/promote/frontend-prod";
    let (fake, head) = with_branch(branch);
    let octo = octo(&fake);
    let pulls = octo.pulls(OWNER, REPO);
    let pr = pulls
        .create("Promote frontend 1.2.3 to prod", branch, "main")
        .body("| env | before | after |")
        .draft(true)
        .send()
        .await
        .expect("create");
    assert_eq!(pr.number, 1);
    assert_eq!(pr.draft, Some(true));
    assert_eq!(pr.head.sha, head);
    assert_eq!(pr.head.ref_field, branch);
    assert_eq!(pr.base.ref_field, "main");
    assert!(pr
        .html_url
        .as_ref()
        .is_some_and(|u| u.as_str().ends_with("/octo/charts/pull/1")));
    let created = fake
        .requests()
        .into_iter()
        .find(|r| r.operation_id.as_deref() == Some("pulls/create"))
        .expect("logged");
    assert_eq!(created.status, 201);

    let again = pulls
        .create("Promote frontend 1.2.3 to prod", branch, "main")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(status_of(&again), 422);
    let errors = match &again {
        octocrab::Error::GitHub { source, .. } => source.errors.clone().unwrap_or_default(),
        _ => Vec::new(),
    };
    assert_eq!(errors[0]["code"], "custom");
    assert_eq!(
        errors[0]["message"],
        format!("A pull request already exists for octo:{branch}.")
    );

    let found = pulls
        .list()
        .head(format!("octo:{branch}"))
        .base("main")
        .state(State::Open)
        .send()
        .await
        .expect("list");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].number, 1);
    let other = pulls
        .list()
        .head("octo:other")
        .send()
        .await
        .expect("list other");
    assert!(other.items.is_empty());

    let got = pulls.get(1).await.expect("get");
    assert_eq!(got.title.as_deref(), Some("Promote frontend 1.2.3 to prod"));
    assert_eq!(
        (got.commits, got.changed_files, got.additions),
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(fake.pulls(OWNER, REPO).len(), 1);
    fake.assert_clean();
}

#[tokio::test]
async fn pull_requests_need_existing_branches_and_new_commits() {
    let (fake, _) = with_branch("feature");
    let octo = octo(&fake);
    let pulls = octo.pulls(OWNER, REPO);
    let no_head = pulls
        .create("t", "missing", "main")
        .send()
        .await
        .expect_err("no head");
    assert_eq!(status_of(&no_head), 422);
    let no_base = pulls
        .create("t", "feature", "missing")
        .send()
        .await
        .expect_err("no base");
    assert_eq!(status_of(&no_base), 422);
    fake.create_branch(OWNER, REPO, "empty", "main");
    let nothing = pulls
        .create("t", "empty", "main")
        .send()
        .await
        .expect_err("no commits");
    assert_eq!(status_of(&nothing), 422);
    let missing_title = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/pulls",
        &json!({ "head": "feature", "base": "main" }),
    );
    assert_eq!(missing_title.status, 422);
    assert_eq!(missing_title.json()["errors"][0]["code"], "missing_field");
    assert!(fake.pulls(OWNER, REPO).is_empty());
    fake.assert_clean();
}

#[tokio::test]
async fn updating_closing_and_deleting_the_head_branch_change_state() {
    let (fake, _) = with_branch("feature");
    let octo = octo(&fake);
    let pulls = octo.pulls(OWNER, REPO);
    pulls
        .create("first title", "feature", "main")
        .send()
        .await
        .expect("create");
    let updated = pulls
        .update(1)
        .title("second title")
        .body("new body")
        .send()
        .await
        .expect("update");
    assert_eq!(updated.title.as_deref(), Some("second title"));
    assert_eq!(updated.body.as_deref(), Some("new body"));
    pulls
        .update(1)
        .state(octocrab::params::pulls::State::Closed)
        .send()
        .await
        .expect("close");
    assert!(pulls.list().send().await.expect("open").items.is_empty());
    let closed = pulls
        .list()
        .state(State::Closed)
        .send()
        .await
        .expect("closed");
    assert_eq!(closed.items.len(), 1);

    pulls
        .update(1)
        .state(octocrab::params::pulls::State::Open)
        .send()
        .await
        .expect("reopen");
    fake.delete_branch(OWNER, REPO, "feature");
    let info = fake.pull(OWNER, REPO, 1).expect("pull");
    assert_eq!(
        info.state, "closed",
        "deleting the head branch closes the pull request"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn labels_reviewers_and_comments_attach_to_the_pull_request() {
    let (fake, _) = with_branch("feature");
    fake.create_label(OWNER, REPO, "release", "0e8a16");
    let octo = octo(&fake);
    octo.pulls(OWNER, REPO)
        .create("t", "feature", "main")
        .send()
        .await
        .expect("create");
    let issues = octo.issues(OWNER, REPO);
    let labels = issues
        .add_labels(1, &["release".to_string(), "env:prod".to_string()])
        .await
        .expect("labels");
    let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["release", "env:prod"]);
    assert_eq!(
        labels[1].color, "ededed",
        "unknown labels are created on the fly"
    );
    issues
        .add_labels(1, &["RELEASE".to_string()])
        .await
        .expect("idempotent");
    assert_eq!(fake.labels_on(OWNER, REPO, 1), ["release", "env:prod"]);
    let label = issues.get_label("env:prod").await.expect("get label");
    assert_eq!(label.name, "env:prod");

    // GitHub (and the fake) answer with the pull request.
    let reviewers = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/pulls/1/requested_reviewers",
        &json!({ "reviewers": ["octocat"], "team_reviewers": ["release-managers"] }),
    );
    assert_eq!(reviewers.status, 201);
    assert_eq!(
        reviewers.json()["requested_reviewers"][0]["login"],
        "octocat"
    );
    assert_eq!(fake.reviewers_on(OWNER, REPO, 1), ["octocat"]);
    // octocrab 0.54 also reads that answer into its `Review` model.
    octo.pulls(OWNER, REPO)
        .request_reviews(1, vec!["hubot".to_string()], Vec::<String>::new())
        .await
        .expect("octocrab parses the pull request answer");
    assert_eq!(fake.reviewers_on(OWNER, REPO, 1), ["octocat", "hubot"]);
    let own = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/pulls/1/requested_reviewers",
        &json!({ "reviewers": ["github-actions[bot]"] }),
    );
    assert_eq!(own.status, 422);

    let comment = issues
        .create_comment(1, "Soak time: 26h")
        .await
        .expect("comment");
    assert_eq!(comment.body.as_deref(), Some("Soak time: 26h"));
    assert_eq!(fake.comments_on(OWNER, REPO, 1), ["Soak time: 26h"]);
    let nowhere = issues
        .create_comment(99, "x")
        .await
        .expect_err("no such issue");
    assert_eq!(status_of(&nowhere), 404);

    let created = issues
        .create_label("chart", "c5def5", "a chart change")
        .await
        .expect("label");
    assert_eq!(created.name, "chart");
    let dup = issues
        .create_label("chart", "c5def5", "again")
        .await
        .expect_err("duplicate");
    assert_eq!(status_of(&dup), 422);
    assert_eq!(message_of(&dup), "Validation Failed");
    fake.assert_clean();
}

#[tokio::test]
async fn pull_request_files_are_the_diff_from_the_merge_base() {
    let (fake, _) = with_branch("feature");
    fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[("README.md", "main moved on\n")],
        "unrelated\n",
        None,
    );
    let number = fake.open_pull(
        OWNER,
        REPO,
        PullSeed::new("feature", "main", "by someone else"),
    );
    let octo = octo(&fake);
    let files = octo
        .pulls(OWNER, REPO)
        .list_files(number)
        .await
        .expect("files");
    let names: Vec<(&str, String)> = files
        .items
        .iter()
        .map(|f| {
            (
                f.filename.as_str(),
                format!("{:?}", f.status).to_lowercase(),
            )
        })
        .collect();
    assert_eq!(names, [("releases/prod.yaml", "added".to_string())]);
    assert!(files.items[0]
        .patch
        .as_deref()
        .unwrap_or_default()
        .contains("+environment: prod"));
    fake.assert_clean();
}

#[tokio::test]
async fn a_head_filter_without_owner_is_ignored_as_on_github_and_warned_about() {
    let (fake, _) = with_branch("feature");
    fake.create_branch(OWNER, REPO, "other", "feature");
    fake.commit_files(OWNER, REPO, "other", &[("x", "y")], "x\n", None);
    fake.open_pull(OWNER, REPO, PullSeed::new("feature", "main", "a"));
    fake.open_pull(OWNER, REPO, PullSeed::new("other", "main", "b"));
    let octo = octo(&fake);
    let all = octo
        .pulls(OWNER, REPO)
        .list()
        .head("feature")
        .send()
        .await
        .expect("list");
    assert_eq!(all.items.len(), 2, "GitHub ignores `head` without `owner:`");
    assert!(fake.violations().is_empty());
    assert_eq!(fake.warnings().len(), 1);
    assert!(fake.warnings()[0].reason.contains("owner:"));
}
