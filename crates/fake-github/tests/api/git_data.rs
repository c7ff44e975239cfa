//! Git Data API round trips: object ids equal real git's, refs behave as on
//! GitHub (201/422/204), trees are built with inline content, base trees and
//! deletions, annotated tags resolve through their tag object.
//!
//! The expected ids were computed once with git 2.47 (`git write-tree`,
//! `git commit-tree`, `git mktag`) from the same content.

use fake_github::time::macros::datetime;
use fake_github::{blob_id, FakeGitHub, FileChange};
use octocrab::models::repos::CommitAuthor;
use octocrab::models::repos::Object;
use octocrab::params::repos::Reference;
use serde_json::json;

use crate::common::{message_of, octo, raw_json, seeded, status_of, OWNER, REPO};

const GIT_TREE: &str = "c837d10521bc2694f95c6666677457d9633242e2";
const GIT_COMMIT_ADA: &str = "0ee93350e113e75c0b85334a4c4eba62d373dfd5";
const GIT_COMMIT_OFFSETS: &str = "bc1f7c302889c7fd1d9685df2b39c9c5c115a4dd";
const GIT_SEED_COMMIT: &str = "4a91c263841566cfbb94464bc90448096446392f";
const GIT_SEED_TAG: &str = "3793783cd06b50a6cdb156b46d1afb0af528122c";
const GIT_TREE_AFTER_EDITS: &str = "caeaf62366d825b0b7e8d17307cd156a465cf500";

fn git_like_files() -> Vec<FileChange> {
    vec![
        FileChange::write("README.md", "hello\n"),
        FileChange::write("a.txt", "x"),
        FileChange::write("a/b.txt", "y"),
        FileChange::write("empty", ""),
        FileChange::write(
            "helm/charts/frontend/Chart.yaml",
            "apiVersion: v2\nname: frontend\nversion: 1.2.3\n",
        ),
        FileChange::symlink("link", "README.md"),
        FileChange::executable("run.sh", "#!/bin/sh\necho hi\n"),
    ]
}

fn git_like_repo() -> (FakeGitHub, String) {
    let fake = FakeGitHub::start();
    fake.create_repo(OWNER, REPO, "main");
    let sha = fake.commit_changes(
        OWNER,
        REPO,
        "main",
        &git_like_files(),
        "initial commit\n",
        Some(datetime!(2023-11-14 22:13:20 UTC)),
    );
    (fake, sha)
}

#[test]
fn seeded_trees_commits_and_tags_have_the_ids_real_git_computes() {
    let (fake, sha) = git_like_repo();
    assert_eq!(sha, GIT_SEED_COMMIT);
    let commit = fake.commit(OWNER, REPO, &sha).expect("commit exists");
    assert_eq!(commit.tree, GIT_TREE);
    assert!(commit.parents.is_empty());
    let tag = fake.create_annotated_tag(
        OWNER,
        REPO,
        "v1.2.3-frontend",
        "main",
        "release frontend 1.2.3\n",
        Some(datetime!(2023-11-14 22:15:00 UTC)),
    );
    assert_eq!(tag, GIT_SEED_TAG);
    assert_eq!(
        blob_id(b"hello\n"),
        "ce013625030ba8dba906f756967f9e9ca394464a"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn commits_created_through_the_api_have_real_git_ids_including_utc_offsets() {
    let (fake, _) = git_like_repo();
    let first = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/commits",
        &json!({
            "message": "initial commit\n",
            "tree": GIT_TREE,
            "parents": [],
            "author": { "name": "Ada Lovelace", "email": "ada@example.com", "date": "2023-11-14T22:13:20Z" },
            "committer": { "name": "Ada Lovelace", "email": "ada@example.com", "date": "2023-11-14T22:13:20Z" }
        }),
    );
    assert_eq!(first.status, 201);
    assert_eq!(first.json()["sha"], GIT_COMMIT_ADA);
    assert!(first
        .header("location")
        .unwrap_or_default()
        .ends_with(GIT_COMMIT_ADA));
    let second = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/commits",
        &json!({
            "message": "second\n",
            "tree": GIT_TREE,
            "parents": [GIT_COMMIT_ADA],
            "author": { "name": "Ada Lovelace", "email": "ada@example.com", "date": "2023-11-15T01:13:20+02:00" },
            "committer": { "name": "Bot", "email": "bot@example.com", "date": "2023-11-14T22:43:20-01:30" }
        }),
    );
    assert_eq!(second.json()["sha"], GIT_COMMIT_OFFSETS);

    // octocrab reads it back.
    let got = octo(&fake)
        .repos(OWNER, REPO)
        .get_commit(GIT_COMMIT_OFFSETS)
        .await
        .expect("get commit");
    assert_eq!(got.message, "second\n");
    assert_eq!(got.parents.len(), 1);
    assert_eq!(got.tree.sha, GIT_TREE);
    assert_eq!(got.committer.name, "Bot");
    fake.assert_clean();
}

#[tokio::test]
async fn the_git_data_commit_flow_advances_a_branch_with_octocrab() {
    let (fake, head) = git_like_repo();
    let octo = octo(&fake);
    let repo = octo.repos(OWNER, REPO);
    let blob = repo
        .create_blob(base64_of(b"new\n"))
        .encoding("base64")
        .send()
        .await
        .expect("blob");
    assert_eq!(blob.sha, blob_id(b"new\n"));
    let tree = repo
        .create_tree(vec![
            octocrab::models::git::CreateTreeEntry::new("new/file.txt", "100644", "blob")
                .with_sha(blob.sha.clone()),
            octocrab::models::git::CreateTreeEntry::new("README.md", "100644", "blob")
                .with_content("hello world\n"),
        ])
        .base_tree(GIT_TREE)
        .send()
        .await
        .expect("tree");
    // Deleting needs `sha: null`, which octocrab's entry type cannot send.
    let deleted = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/trees",
        &json!({ "base_tree": tree.sha, "tree": [{ "path": "a.txt", "mode": "100644", "type": "blob", "sha": null }] }),
    );
    assert_eq!(deleted.status, 201);
    let final_tree = deleted.json()["sha"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(final_tree, GIT_TREE_AFTER_EDITS);
    let author = CommitAuthor {
        name: "release-action".into(),
        email: Some("release-action@example.com".into()),
        date: None,
    };
    let commit = repo
        .create_git_commit_object("promote frontend\n", final_tree.clone())
        .parents(vec![head.clone()])
        .author(author)
        .send()
        .await
        .expect("commit");
    let updated = repo
        .git()
        .update_ref(&Reference::Branch("main".into()), commit.sha.clone())
        .send()
        .await
        .expect("fast-forward");
    assert!(matches!(updated.object, Object::Commit { ref sha, .. } if *sha == commit.sha));
    assert_eq!(
        fake.branch_sha(OWNER, REPO, "main").as_deref(),
        Some(commit.sha.as_str())
    );
    assert_eq!(
        fake.file_at(OWNER, REPO, "main", "README.md").as_deref(),
        Some(&b"hello world\n"[..])
    );
    assert_eq!(
        fake.file_at(OWNER, REPO, "main", "new/file.txt").as_deref(),
        Some(&b"new\n"[..])
    );
    assert_eq!(fake.file_at(OWNER, REPO, "main", "a.txt"), None);
    let log = fake.commits_on(OWNER, REPO, "main");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].message, "promote frontend\n");
    assert_eq!(log[0].parents, vec![head]);
    fake.assert_clean();
}

fn base64_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn refs_are_created_listed_fast_forwarded_and_deleted_like_on_github() {
    let (fake, head) = seeded();
    let octo = octo(&fake);
    let git = octo.repos(OWNER, REPO).git();
    let branch = Reference::Branch("release-action/promote/frontend-prod".into());
    let first = fake.commits_on(OWNER, REPO, "main")[1].sha.clone();

    let created = git
        .create_ref(&branch, first.clone())
        .await
        .expect("create");
    assert_eq!(
        created.ref_field,
        "refs/heads/release-action/promote/frontend-prod"
    );
    let again = git
        .create_ref(&branch, first.clone())
        .await
        .expect_err("duplicate");
    assert_eq!(
        (status_of(&again), message_of(&again).as_str()),
        (422, "Reference already exists")
    );

    let got = git.get_ref(&branch).await.expect("get");
    assert!(matches!(got.object, Object::Commit { ref sha, .. } if *sha == first));
    let matching = git
        .list_matching_refs("refs/heads/release-action/")
        .await
        .expect("matching");
    assert_eq!(matching.len(), 1);

    git.update_ref(&branch, head.clone())
        .send()
        .await
        .expect("fast-forward");
    let backwards = git
        .update_ref(&branch, first.clone())
        .send()
        .await
        .expect_err("not ff");
    assert_eq!(
        (status_of(&backwards), message_of(&backwards).as_str()),
        (422, "Update is not a fast forward")
    );
    git.update_ref(&branch, first.clone())
        .force(true)
        .send()
        .await
        .expect("forced");
    assert_eq!(
        fake.branch_sha(OWNER, REPO, "release-action/promote/frontend-prod")
            .as_deref(),
        Some(first.as_str())
    );

    let missing_object = git
        .create_ref(&Reference::Branch("x".into()), "0".repeat(40))
        .await
        .expect_err("missing object");
    assert_eq!(message_of(&missing_object), "Object does not exist");

    git.delete_ref(&branch).await.expect("delete");
    let gone = git.delete_ref(&branch).await.expect_err("already gone");
    assert_eq!(
        (status_of(&gone), message_of(&gone).as_str()),
        (422, "Reference does not exist")
    );
    let missing = git.get_ref(&branch).await.expect_err("missing");
    assert_eq!(status_of(&missing), 404);

    let deletes = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation_id.as_deref() == Some("git/delete-ref"))
        .map(|r| r.status)
        .collect::<Vec<_>>();
    assert_eq!(deletes, vec![204, 422]);
    fake.assert_clean();
}

#[tokio::test]
async fn annotated_tags_resolve_through_their_tag_object() {
    let (fake, head) = seeded();
    let tag_sha = fake.create_annotated_tag(
        OWNER,
        REPO,
        "v1.2.3-frontend",
        "main",
        "frontend 1.2.3\n",
        None,
    );
    let light = fake.create_lightweight_tag(OWNER, REPO, "v1.2.3-light", "main");
    assert_eq!(light, head);
    let octo = octo(&fake);
    let git = octo.repos(OWNER, REPO).git();
    let annotated = git
        .get_ref(&Reference::Tag("v1.2.3-frontend".into()))
        .await
        .expect("ref");
    match annotated.object {
        Object::Tag { sha, .. } => assert_eq!(sha, tag_sha),
        other => panic!("expected a tag object, got {other:?}"),
    }
    let tag = git.get_tag(tag_sha.clone()).await.expect("tag");
    assert_eq!(tag.tag, "v1.2.3-frontend");
    assert_eq!(tag.message, "frontend 1.2.3\n");
    let object = tag.object.expect("object");
    assert_eq!(
        (object.sha.as_str(), object.r#type.as_str()),
        (head.as_str(), "commit")
    );
    assert!(tag.tagger.is_some());
    let lightweight = git
        .get_ref(&Reference::Tag("v1.2.3-light".into()))
        .await
        .expect("light ref");
    assert!(matches!(lightweight.object, Object::Commit { .. }));
    let not_a_tag = git.get_tag(head).await.expect_err("a commit is not a tag");
    assert_eq!(status_of(&not_a_tag), 404);
    fake.assert_clean();
}

#[tokio::test]
async fn trees_list_flat_or_recursive_by_sha_or_branch() {
    let (fake, _) = git_like_repo();
    let octo = octo(&fake);
    let git = octo.repos(OWNER, REPO).git();
    let top = git.get_tree(GIT_TREE).send().await.expect("tree");
    let names: Vec<&str> = top.tree.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        names,
        ["README.md", "a.txt", "a", "empty", "helm", "link", "run.sh"]
    );
    let modes: Vec<&str> = top.tree.iter().map(|e| e.mode.as_str()).collect();
    assert_eq!(
        modes,
        ["100644", "100644", "040000", "100644", "040000", "120000", "100755"]
    );
    let deep = git
        .get_tree("main")
        .recursive(true)
        .send()
        .await
        .expect("recursive");
    let paths: Vec<&str> = deep.tree.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "a.txt",
            "a",
            "a/b.txt",
            "empty",
            "helm",
            "helm/charts",
            "helm/charts/frontend",
            "helm/charts/frontend/Chart.yaml",
            "link",
            "run.sh"
        ]
    );
    let chart = deep
        .tree
        .iter()
        .find(|e| e.path.ends_with("Chart.yaml"))
        .expect("chart");
    assert_eq!(chart.sha, "96270373b2d145f786ab3668ac12ad89ba9845bb");
    assert_eq!(chart.size, Some(45));
    assert!(!deep.truncated);
    let missing = git
        .get_tree("f".repeat(40))
        .send()
        .await
        .expect_err("missing");
    assert_eq!(status_of(&missing), 404);
    fake.assert_clean();
}

#[tokio::test]
async fn malformed_tree_entries_are_violations() {
    let (fake, _) = git_like_repo();
    let both = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/trees",
        &json!({ "tree": [{ "path": "x", "mode": "100644", "type": "blob", "sha": blob_id(b"x"), "content": "x" }] }),
    );
    assert_eq!(both.status, 422);
    let traversal = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/trees",
        &json!({ "tree": [{ "path": "../x", "mode": "100644", "type": "blob", "content": "x" }] }),
    );
    assert_eq!(traversal.status, 422);
    let bad_mode = raw_json(
        &fake,
        "POST",
        "/repos/octo/charts/git/trees",
        &json!({ "tree": [{ "path": "x", "mode": "100645", "type": "blob", "content": "x" }] }),
    );
    assert_eq!(bad_mode.status, 422);
    let violations = fake.violations();
    assert_eq!(violations.len(), 3, "{violations:#?}");
    assert!(violations[0].reason.contains("both `sha` and `content`"));
    assert!(violations[1].reason.contains("malformed path"));
    assert!(violations[2].reason.contains("100645"));
    assert!(fake.response_violations().is_empty());
}
