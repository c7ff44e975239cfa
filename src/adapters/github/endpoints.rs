//! Every GitHub endpoint the action calls, as a method returning typed values: octocrab's
//! models where they describe the answer, small structs of our own where they do not. Paths,
//! query strings and request bodies are built here and nowhere else.

use std::collections::BTreeMap;

use http::Method;
use octocrab::models::commits::CommitComparison;
use octocrab::models::pulls::PullRequest;
use octocrab::models::repos::{DiffEntry, Object, Ref, Release, RepoCommit};
use octocrab::models::Repository;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{encode, encode_path, GitHub, GitHubError, Response};

/// A commit's tree: its own id and every blob in it (path → blob id).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The tree's id, the base of a new tree.
    pub sha: String,
    /// Every blob, by path.
    pub blobs: BTreeMap<String, String>,
}

/// What a tag reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    /// The object id.
    pub sha: String,
    /// Whether it is an annotated tag object (not a commit: a lightweight tag).
    pub annotated: bool,
}

/// A commit as a history listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSummary {
    /// The commit id.
    pub sha: String,
    /// The full message.
    pub message: String,
    /// The author's login, else their name.
    pub author: String,
    /// The committer's date (Unix seconds).
    pub at: i64,
}

/// A release to create.
#[derive(Debug, Clone)]
pub struct NewRelease<'a> {
    /// The tag.
    pub tag: &'a str,
    /// The title.
    pub name: &'a str,
    /// The notes.
    pub body: &'a str,
    /// Created as a draft.
    pub draft: bool,
    /// Marked as a prerelease.
    pub prerelease: bool,
    /// Whether it may become "Latest".
    pub latest: bool,
}

/// A call a writing command makes, for dry runs to show.
#[derive(Debug, Clone)]
pub enum Call {
    /// A tree of `files` on the base tree.
    CreateTree { files: usize },
    /// The commit.
    CreateCommit { title: String },
    /// Creating or fast-forwarding the branch.
    MoveBranch { branch: String },
    /// Opening the pull request.
    CreatePull {
        branch: String,
        base: String,
        draft: bool,
    },
    /// Labelling it.
    AddLabels,
    /// Requesting reviews.
    RequestReviewers,
}

#[derive(Deserialize)]
struct Created {
    sha: String,
}

#[derive(Deserialize)]
struct TreeAnswer {
    sha: String,
    #[serde(default)]
    truncated: bool,
    tree: Vec<TreeEntry>,
}

#[derive(Deserialize)]
struct TreeEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

impl GitHub {
    /// `/repos/{owner}/{repo}` + `rest`.
    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}{rest}", self.repo)
    }

    /// One request whose answer is `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, GitHubError> {
        let r = self.send(method.clone(), path, body, None).await?;
        typed(&r, &method, path)
    }

    /// A GET whose 404 means "there is none".
    async fn find<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, GitHubError> {
        match self.send(Method::GET, path, None, None).await {
            Ok(r) => typed(&r, &Method::GET, path).map(Some),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every page of a list (following `Link: rel="next"`), up to `max_pages`.
    async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        max_pages: usize,
    ) -> Result<Vec<T>, GitHubError> {
        let mut items = Vec::new();
        for page in self.pages(path, max_pages).await? {
            items.extend(typed::<Vec<T>>(&page, &Method::GET, path)?);
        }
        Ok(items)
    }

    /// The repository's default branch.
    pub async fn default_branch(&self) -> Result<String, GitHubError> {
        let path = self.repo_path("");
        let repo: Repository = self.call(Method::GET, &path, None).await?;
        repo.default_branch.ok_or_else(|| GitHubError::Unexpected {
            method: "GET".into(),
            path,
            detail: "the repository names no default branch".into(),
        })
    }

    /// The sha a branch points at; `None` if it does not exist.
    pub async fn branch_sha(&self, branch: &str) -> Result<Option<String>, GitHubError> {
        let path = self.repo_path(&format!("/git/ref/heads/{}", encode_path(branch)));
        Ok(self.find::<Ref>(&path).await?.and_then(|r| match r.object {
            Object::Commit { sha, .. } => Some(sha),
            _ => None,
        }))
    }

    /// What a tag points at; `None` if it does not exist.
    pub async fn tag_ref(&self, tag: &str) -> Result<Option<TagRef>, GitHubError> {
        let path = self.repo_path(&format!("/git/ref/tags/{}", encode_path(tag)));
        Ok(self.find::<Ref>(&path).await?.and_then(|r| match r.object {
            Object::Commit { sha, .. } => Some(TagRef {
                sha,
                annotated: false,
            }),
            Object::Tag { sha, .. } => Some(TagRef {
                sha,
                annotated: true,
            }),
            _ => None,
        }))
    }

    /// `base...head`; `None` when either does not exist.
    pub async fn compare(
        &self,
        base: &str,
        head: &str,
    ) -> Result<Option<CommitComparison>, GitHubError> {
        let path = self.repo_path(&format!(
            "/compare/{}...{}",
            encode_path(base),
            encode_path(head)
        ));
        self.find(&path).await
    }

    /// Every blob in a commit's tree.
    pub async fn tree(&self, commit_or_tree: &str) -> Result<Tree, GitHubError> {
        let path = self.repo_path(&format!(
            "/git/trees/{}?recursive=1",
            encode(commit_or_tree)
        ));
        let answer: TreeAnswer = self.call(Method::GET, &path, None).await?;
        if answer.truncated {
            return Err(GitHubError::Unexpected {
                method: "GET".into(),
                path,
                detail: "the repository tree is too large to list at once".into(),
            });
        }
        Ok(Tree {
            sha: answer.sha,
            blobs: answer
                .tree
                .into_iter()
                .filter(|e| e.kind == "blob")
                .map(|e| (e.path, e.sha))
                .collect(),
        })
    }

    /// A file's bytes at a ref, through the contents API; `None` if absent.
    pub async fn file_bytes(
        &self,
        path: &str,
        reference: &str,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        let p = self.repo_path(&format!(
            "/contents/{}?ref={}",
            encode_path(path),
            encode(reference)
        ));
        let raw = Some("application/vnd.github.raw+json");
        match self.send(Method::GET, &p, None, raw).await {
            Ok(r) => Ok(Some(r.bytes)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// When the newest commit at `at` that touched `path` was committed; `None` if none did.
    pub async fn last_change(
        &self,
        at: &str,
        path: &str,
    ) -> Result<Option<time::OffsetDateTime>, GitHubError> {
        let p = self.repo_path(&format!(
            "/commits?sha={}&path={}&per_page=1",
            encode(at),
            encode(path)
        ));
        let commits: Vec<RepoCommit> = self.call(Method::GET, &p, None).await?;
        Ok(commits
            .first()
            .and_then(|c| c.commit.committer.as_ref())
            .and_then(|who| who.date)
            .and_then(|d| time::OffsetDateTime::from_unix_timestamp(d.timestamp()).ok()))
    }

    /// The commits of the default branch that changed `path`, newest first, committed within
    /// `[since, until]` (RFC 3339, either open), up to `max_pages` pages of 100.
    pub async fn commits_touching(
        &self,
        path: &str,
        since: Option<&str>,
        until: Option<&str>,
        max_pages: usize,
    ) -> Result<Vec<CommitSummary>, GitHubError> {
        let mut query = format!("/commits?path={}&per_page=100", encode(path));
        if let Some(s) = since {
            query.push_str(&format!("&since={}", encode(s)));
        }
        if let Some(u) = until {
            query.push_str(&format!("&until={}", encode(u)));
        }
        let commits: Vec<RepoCommit> = self.list(&self.repo_path(&query), max_pages).await?;
        Ok(commits
            .into_iter()
            .map(|c| CommitSummary {
                author: c
                    .author
                    .as_ref()
                    .map(|a| a.login.clone())
                    .or_else(|| c.commit.author.as_ref().map(|a| a.name.clone()))
                    .unwrap_or_default(),
                at: c
                    .commit
                    .committer
                    .as_ref()
                    .and_then(|who| who.date)
                    .map(|d| d.timestamp())
                    .unwrap_or_default(),
                message: c.commit.message,
                sha: c.sha,
            })
            .collect())
    }

    /// When a tag was made: the tagger's date of an annotated tag object, or the committer's
    /// date of the commit a lightweight tag names.
    pub async fn tag_date(&self, tag: &TagRef) -> Result<Option<i64>, GitHubError> {
        #[derive(Deserialize)]
        struct Who {
            date: String,
        }
        #[derive(Deserialize)]
        struct Dated {
            #[serde(alias = "committer")]
            tagger: Option<Who>,
        }
        let path = if tag.annotated {
            self.repo_path(&format!("/git/tags/{}", encode(&tag.sha)))
        } else {
            self.repo_path(&format!("/git/commits/{}", encode(&tag.sha)))
        };
        let dated: Option<Dated> = self.find(&path).await?;
        Ok(dated
            .and_then(|d| d.tagger)
            .and_then(|w| {
                time::OffsetDateTime::parse(&w.date, &time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .map(|t| t.unix_timestamp()))
    }

    /// Creates a tree on `base_tree` with inline file contents.
    pub async fn create_tree(
        &self,
        base_tree: &str,
        files: &[(String, String)],
    ) -> Result<String, GitHubError> {
        let tree: Vec<Value> = files
            .iter()
            .map(|(path, content)| json!({ "path": path, "mode": "100644", "type": "blob", "content": content }))
            .collect();
        let body = json!({ "base_tree": base_tree, "tree": tree });
        let created: Created = self
            .call(Method::POST, &self.repo_path("/git/trees"), Some(&body))
            .await?;
        Ok(created.sha)
    }

    /// Creates a commit with `parents` (one for a plain commit, two to keep a branch's history).
    pub async fn create_commit(
        &self,
        message: &str,
        tree: &str,
        parents: &[String],
    ) -> Result<String, GitHubError> {
        let body = json!({ "message": message, "tree": tree, "parents": parents });
        let created: Created = self
            .call(Method::POST, &self.repo_path("/git/commits"), Some(&body))
            .await?;
        Ok(created.sha)
    }

    /// Creates `refs/heads/<branch>` at `sha`.
    pub async fn create_branch(&self, branch: &str, sha: &str) -> Result<(), GitHubError> {
        let body = json!({ "ref": format!("refs/heads/{branch}"), "sha": sha });
        let _: Ref = self
            .call(Method::POST, &self.repo_path("/git/refs"), Some(&body))
            .await?;
        Ok(())
    }

    /// Moves a branch; with `force: false` GitHub refuses anything but a fast-forward.
    pub async fn update_branch(
        &self,
        branch: &str,
        sha: &str,
        force: bool,
    ) -> Result<(), GitHubError> {
        let path = self.repo_path(&format!("/git/refs/heads/{}", encode_path(branch)));
        let body = json!({ "sha": sha, "force": force });
        let _: Ref = self.call(Method::PATCH, &path, Some(&body)).await?;
        Ok(())
    }

    /// The open pull request from `branch` (in this repository) into `base`, if any.
    pub async fn open_pull(
        &self,
        branch: &str,
        base: &str,
    ) -> Result<Option<PullRequest>, GitHubError> {
        let owner = self.repo.split('/').next().unwrap_or_default();
        let path = self.repo_path(&format!(
            "/pulls?head={}&base={}&state=open",
            encode(&format!("{owner}:{branch}")),
            encode(base)
        ));
        Ok(self.list::<PullRequest>(&path, 5).await?.into_iter().next())
    }

    /// Opens a pull request; maintainers of forks may not push to our branch.
    pub async fn create_pull(
        &self,
        title: &str,
        branch: &str,
        base: &str,
        body: &str,
        draft: bool,
    ) -> Result<PullRequest, GitHubError> {
        let create = json!({ "title": title, "head": branch, "base": base, "body": body, "draft": draft, "maintainer_can_modify": false });
        self.call(Method::POST, &self.repo_path("/pulls"), Some(&create))
            .await
    }

    /// Sets a pull request's title and body.
    pub async fn update_pull(
        &self,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<PullRequest, GitHubError> {
        let path = self.repo_path(&format!("/pulls/{number}"));
        let patch = json!({ "title": title, "body": body });
        self.call(Method::PATCH, &path, Some(&patch)).await
    }

    /// Requests reviews from users and teams (team slugs, without the organisation).
    pub async fn request_reviewers(
        &self,
        number: u64,
        users: &[String],
        teams: &[String],
    ) -> Result<(), GitHubError> {
        let path = self.repo_path(&format!("/pulls/{number}/requested_reviewers"));
        let body = json!({ "reviewers": users, "team_reviewers": teams });
        self.send(Method::POST, &path, Some(&body), None)
            .await
            .map(|_| ())
    }

    /// Adds labels to an issue or pull request.
    pub async fn add_labels(&self, number: u64, labels: &[&String]) -> Result<(), GitHubError> {
        let path = self.repo_path(&format!("/issues/{number}/labels"));
        let body = json!({ "labels": labels });
        self.send(Method::POST, &path, Some(&body), None)
            .await
            .map(|_| ())
    }

    /// The files a pull request changes, up to `max_pages` pages of 100.
    pub async fn pull_files(
        &self,
        number: u64,
        max_pages: usize,
    ) -> Result<Vec<DiffEntry>, GitHubError> {
        let path = self.repo_path(&format!("/pulls/{number}/files?per_page=100"));
        self.list(&path, max_pages).await
    }

    /// Every release, drafts included, up to `max_pages` pages of 100.
    pub async fn releases(&self, max_pages: usize) -> Result<Vec<Release>, GitHubError> {
        self.list(&self.repo_path("/releases?per_page=100"), max_pages)
            .await
    }

    /// Creates a release.
    pub async fn create_release(&self, new: &NewRelease<'_>) -> Result<Release, GitHubError> {
        let body = json!({
            "tag_name": new.tag,
            "name": new.name,
            "body": new.body,
            "draft": new.draft,
            "prerelease": new.prerelease,
            "make_latest": if new.latest { "true" } else { "false" },
        });
        self.call(Method::POST, &self.repo_path("/releases"), Some(&body))
            .await
    }

    /// Sets a release's title, notes and prerelease flag; `publish` also takes it out of draft
    /// (and says whether it may become "Latest").
    pub async fn update_release(
        &self,
        id: u64,
        name: &str,
        body: &str,
        prerelease: bool,
        publish: Option<bool>,
    ) -> Result<Release, GitHubError> {
        let mut patch = json!({ "name": name, "body": body, "prerelease": prerelease });
        if let Some(latest) = publish {
            patch["draft"] = json!(false);
            patch["make_latest"] = json!(if latest { "true" } else { "false" });
        }
        let path = self.repo_path(&format!("/releases/{id}"));
        self.call(Method::PATCH, &path, Some(&patch)).await
    }

    /// The requests `calls` make, one line each, for a dry run to show.
    pub fn describe(&self, calls: &[Call]) -> String {
        let r = |p: &str| self.repo_path(p);
        let mut lines = vec!["# API calls a real run makes:".to_owned()];
        for call in calls {
            lines.push(match call {
                Call::CreateTree { files } => format!(
                    "POST {}  (tree: {files} file(s) on the base tree)",
                    r("/git/trees")
                ),
                Call::CreateCommit { title } => {
                    format!("POST {}  (commit \"{title}\")", r("/git/commits"))
                }
                Call::MoveBranch { branch } => format!(
                    "POST {} or PATCH {}  (fast-forward only)",
                    r("/git/refs"),
                    r(&format!("/git/refs/heads/{}", encode_path(branch)))
                ),
                Call::CreatePull {
                    branch,
                    base,
                    draft,
                } => format!(
                    "POST {}  ({}{branch} → {base})",
                    r("/pulls"),
                    if *draft { "draft, " } else { "" }
                ),
                Call::AddLabels => format!("POST {}  (labels)", r("/issues/{number}/labels")),
                Call::RequestReviewers => format!(
                    "POST {}  (reviewers)",
                    r("/pulls/{number}/requested_reviewers")
                ),
            });
        }
        lines.join("\n") + "\n"
    }
}

/// The answer as `T`, or a failure that says the answer was not what GitHub documents.
fn typed<T: DeserializeOwned>(r: &Response, method: &Method, path: &str) -> Result<T, GitHubError> {
    serde_json::from_slice(&r.bytes).map_err(|e| GitHubError::Unexpected {
        method: method.to_string(),
        path: path.to_owned(),
        detail: format!("the answer does not have the documented shape: {e}"),
    })
}
