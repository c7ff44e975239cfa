//! Everything the fake remembers between requests: repositories with their
//! git objects and refs, pull requests, labels, comments, releases and
//! dispatches, plus the request log, violations and pending faults.
//!
//! Semantics follow GitHub's: issue and pull request numbers share one
//! sequence per repository; deleting a head branch closes its open pull
//! requests; a release's tag is created when it is published; "Latest" is
//! explicit (`make_latest`) and otherwise the newest published full release.
//! See: <https://docs.github.com/rest/releases/releases#create-a-release>.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

use crate::faults::FaultRule;
use crate::git::{CommitObject, Leaf, Mode, Object, ObjectStore, Signature, TagObject};
use crate::types::{FileChange, RequestRecord, Violation};

/// Seconds since the epoch, now.
pub(crate) fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A label defined in a repository.
#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) color: String,
    pub(crate) description: Option<String>,
}

/// A pull request.
#[derive(Clone, Debug)]
pub(crate) struct Pull {
    pub(crate) number: u64,
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) body: Option<String>,
    pub(crate) draft: bool,
    pub(crate) open: bool,
    pub(crate) head_ref: String,
    pub(crate) base_ref: String,
    /// Last known head commit (kept when the branch goes away).
    pub(crate) head_sha: String,
    /// `base.sha`: the base branch head when the pull request was opened, refreshed only when
    /// its head branch is pushed to ("synchronize") or its base is changed, so it lags behind
    /// a base branch that moves on its own, as on GitHub.
    /// See: <https://github.com/github/docs/issues/431>.
    pub(crate) base_sha: String,
    pub(crate) labels: Vec<String>,
    pub(crate) reviewers: Vec<String>,
    pub(crate) teams: Vec<String>,
    pub(crate) user: String,
    pub(crate) maintainer_can_modify: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) closed_at: Option<i64>,
}

/// An issue comment.
#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub(crate) id: u64,
    pub(crate) number: u64,
    pub(crate) body: String,
    pub(crate) user: String,
    pub(crate) created_at: i64,
}

/// A release asset.
#[derive(Clone, Debug)]
pub(crate) struct Asset {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) content_type: String,
    pub(crate) size: usize,
    pub(crate) digest: String,
    pub(crate) uploader: String,
    pub(crate) created_at: i64,
}

/// A release.
#[derive(Clone, Debug)]
pub(crate) struct Release {
    pub(crate) id: u64,
    pub(crate) tag_name: String,
    pub(crate) target_commitish: String,
    pub(crate) name: Option<String>,
    pub(crate) body: Option<String>,
    pub(crate) draft: bool,
    pub(crate) prerelease: bool,
    pub(crate) created_at: i64,
    pub(crate) published_at: Option<i64>,
    pub(crate) updated_at: i64,
    pub(crate) author: String,
    pub(crate) assets: Vec<Asset>,
    /// Set by `make_latest: "false"`: never chosen as the fallback latest.
    pub(crate) not_latest: bool,
}

/// A received `repository_dispatch`.
#[derive(Clone, Debug)]
pub(crate) struct Dispatch {
    pub(crate) event_type: String,
    pub(crate) client_payload: Value,
}

/// One repository.
#[derive(Clone, Debug)]
pub(crate) struct Repo {
    pub(crate) id: u64,
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) default_branch: String,
    pub(crate) objects: ObjectStore,
    /// Full ref name (`refs/heads/main`) to object id.
    pub(crate) refs: BTreeMap<String, String>,
    pub(crate) pulls: Vec<Pull>,
    pub(crate) next_number: u64,
    pub(crate) labels: Vec<Label>,
    pub(crate) comments: Vec<Comment>,
    pub(crate) releases: Vec<Release>,
    pub(crate) latest_release: Option<u64>,
    pub(crate) dispatches: Vec<Dispatch>,
    pub(crate) collaborators: Option<Vec<String>>,
    pub(crate) created_at: i64,
    pub(crate) pushed_at: i64,
}

impl Repo {
    pub(crate) fn new(id: u64, owner: &str, name: &str, default_branch: &str) -> Self {
        let t = now();
        Repo {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            default_branch: default_branch.to_string(),
            objects: ObjectStore::default(),
            refs: BTreeMap::new(),
            pulls: Vec::new(),
            next_number: 1,
            labels: Vec::new(),
            comments: Vec::new(),
            releases: Vec::new(),
            latest_release: None,
            dispatches: Vec::new(),
            collaborators: None,
            created_at: t,
            pushed_at: t,
        }
    }

    /// `owner/name`.
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Whether the repository has no refs at all (GitHub's "empty repository").
    pub(crate) fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The head commit of a branch.
    pub(crate) fn branch(&self, name: &str) -> Option<String> {
        self.refs.get(&format!("refs/heads/{name}")).cloned()
    }

    /// Resolves a commit-ish name to an object id (not peeled): a full or
    /// abbreviated id, a branch, a tag, or `refs/…`, `heads/…`, `tags/…`.
    pub(crate) fn resolve(&self, name: &str) -> Option<String> {
        if name.is_empty() {
            return None;
        }
        let candidates = [
            name.to_string(),
            format!("refs/{name}"),
            format!("refs/heads/{name}"),
            format!("refs/tags/{name}"),
        ];
        for candidate in candidates {
            if candidate.starts_with("refs/") {
                if let Some(sha) = self.refs.get(&candidate) {
                    return Some(sha.clone());
                }
            }
        }
        self.objects.expand(name)
    }

    /// Resolves a commit-ish name to a commit id.
    pub(crate) fn resolve_commit(&self, name: &str) -> Option<String> {
        self.objects.peel_to_commit(&self.resolve(name)?)
    }

    /// The id of a blob, storing it.
    pub(crate) fn put_blob(&mut self, bytes: Vec<u8>) -> String {
        self.objects.put(Object::Blob(bytes))
    }

    /// The flattened files of a commit (empty when there is none).
    pub(crate) fn files_of(&self, commit: Option<&str>) -> BTreeMap<String, Leaf> {
        commit
            .and_then(|c| self.objects.commit(c))
            .map(|c| self.objects.flatten(&c.tree))
            .unwrap_or_default()
    }

    /// Applies file changes on top of a commit's tree and returns the new tree id.
    pub(crate) fn tree_with_changes(
        &mut self,
        base: Option<&str>,
        changes: &[FileChange],
    ) -> String {
        let mut flat = self.files_of(base);
        for change in changes {
            let path = change.path().trim_matches('/').to_string();
            let leaf = match change {
                FileChange::Write { content, .. } => {
                    Some((Mode::File, self.put_blob(content.clone())))
                }
                FileChange::Executable { content, .. } => {
                    Some((Mode::Executable, self.put_blob(content.clone())))
                }
                FileChange::Symlink { target, .. } => {
                    Some((Mode::Symlink, self.put_blob(target.clone().into_bytes())))
                }
                FileChange::Delete { .. } => None,
            };
            set_path(&mut flat, &path, leaf);
        }
        self.objects.build_tree(&flat)
    }

    /// Commits `changes` on top of `branch` (creating it as a root commit when
    /// it does not exist) and advances the branch; returns the commit id.
    pub(crate) fn commit_changes(
        &mut self,
        branch: &str,
        changes: &[FileChange],
        message: &str,
        author: Signature,
        committer: Signature,
    ) -> String {
        let parent = self.branch(branch);
        let tree = self.tree_with_changes(parent.as_deref(), changes);
        let sha = self.objects.put(Object::Commit(CommitObject {
            tree,
            parents: parent.into_iter().collect(),
            author,
            committer,
            message: message.to_string(),
            gpgsig: None,
        }));
        self.refs
            .insert(format!("refs/heads/{branch}"), sha.clone());
        self.pushed_at = now();
        sha
    }

    /// Creates an annotated tag object; returns its id.
    pub(crate) fn put_tag(
        &mut self,
        name: &str,
        target: &str,
        message: &str,
        tagger: Signature,
    ) -> String {
        let kind = self.objects.kind(target).unwrap_or("commit").to_string();
        self.objects.put(Object::Tag(TagObject {
            object: target.to_string(),
            kind,
            tag: name.to_string(),
            tagger: Some(tagger),
            message: message.to_string(),
        }))
    }

    /// Sets or deletes a ref, with the side effects GitHub has (deleting a
    /// head branch closes its open pull requests).
    pub(crate) fn set_ref(&mut self, full: &str, sha: Option<String>) {
        match sha {
            Some(sha) => {
                self.refs.insert(full.to_string(), sha);
                if let Some(branch) = full.strip_prefix("refs/heads/") {
                    // A push to a pull request's head branch refreshes its `base.sha`.
                    let refs = &self.refs;
                    for pull in self
                        .pulls
                        .iter_mut()
                        .filter(|p| p.open && p.head_ref == branch)
                    {
                        if let Some(base) = refs.get(&format!("refs/heads/{}", pull.base_ref)) {
                            pull.base_sha = base.clone();
                        }
                    }
                }
            }
            None => {
                self.refs.remove(full);
                if let Some(branch) = full.strip_prefix("refs/heads/") {
                    let t = now();
                    for pull in self
                        .pulls
                        .iter_mut()
                        .filter(|p| p.open && p.head_ref == branch)
                    {
                        pull.open = false;
                        pull.closed_at = Some(t);
                        pull.updated_at = t;
                    }
                }
            }
        }
        self.pushed_at = now();
    }

    /// Current head commit and `base.sha` of a pull request.
    pub(crate) fn pull_shas(&self, pull: &Pull) -> (String, String) {
        if !pull.open {
            return (pull.head_sha.clone(), pull.base_sha.clone());
        }
        (
            self.branch(&pull.head_ref)
                .unwrap_or_else(|| pull.head_sha.clone()),
            pull.base_sha.clone(),
        )
    }

    /// Records the current branch heads in every open pull request (called
    /// before a pull request closes so it keeps its last shas).
    pub(crate) fn snapshot_pull(&mut self, number: u64) {
        let shas = self
            .pulls
            .iter()
            .find(|p| p.number == number)
            .map(|p| self.pull_shas(p));
        if let (Some((head, base)), Some(pull)) =
            (shas, self.pulls.iter_mut().find(|p| p.number == number))
        {
            pull.head_sha = head;
            pull.base_sha = base;
        }
    }

    /// The label with this name (case-insensitive).
    pub(crate) fn label(&self, name: &str) -> Option<&Label> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    /// The id of the "Latest" release.
    pub(crate) fn latest_release_id(&self) -> Option<u64> {
        let eligible = |r: &&Release| !r.draft && !r.prerelease;
        if let Some(id) = self.latest_release {
            if self.releases.iter().filter(eligible).any(|r| r.id == id) {
                return Some(id);
            }
        }
        self.releases
            .iter()
            .filter(eligible)
            .filter(|r| !r.not_latest)
            .max_by_key(|r| (r.published_at.unwrap_or(r.created_at), r.id))
            .map(|r| r.id)
    }

    /// Applies a `make_latest` value to release `id` (`None` keeps the current choice).
    pub(crate) fn apply_make_latest(&mut self, id: u64, make_latest: Option<&str>) {
        let Some(release) = self.releases.iter_mut().find(|r| r.id == id) else {
            return;
        };
        match make_latest {
            Some("true") => {
                release.not_latest = false;
                if !release.draft && !release.prerelease {
                    self.latest_release = Some(id);
                }
            }
            Some("false") => {
                release.not_latest = true;
                if self.latest_release == Some(id) {
                    self.latest_release = None;
                }
            }
            Some("legacy") => {
                release.not_latest = false;
                self.latest_release = None;
            }
            _ => {}
        }
    }

    /// Creates the lightweight tag of a published release when it is missing.
    pub(crate) fn ensure_release_tag(
        &mut self,
        tag: &str,
        target_commitish: &str,
    ) -> Result<(), ()> {
        let full = format!("refs/tags/{tag}");
        if self.refs.contains_key(&full) {
            return Ok(());
        }
        let sha = self.resolve_commit(target_commitish).ok_or(())?;
        self.set_ref(&full, Some(sha));
        Ok(())
    }
}

/// Sets (`Some`) or removes (`None`) the leaf at `path` in a flat tree map,
/// replacing whatever file or directory stood in its way.
pub(crate) fn set_path(flat: &mut BTreeMap<String, Leaf>, path: &str, leaf: Option<Leaf>) {
    let dir_prefix = format!("{path}/");
    flat.retain(|p, _| p != path && !p.starts_with(&dir_prefix));
    if let Some(leaf) = leaf {
        // A file standing where a parent directory must go is replaced.
        let mut parent = path;
        while let Some((up, _)) = parent.rsplit_once('/') {
            flat.remove(up);
            parent = up;
        }
        flat.insert(path.to_string(), leaf);
    }
}

/// The whole fake's state.
#[derive(Debug)]
pub(crate) struct State {
    /// Keyed by lower-cased `(owner, name)`: GitHub names are case-insensitive.
    pub(crate) repos: BTreeMap<(String, String), Repo>,
    pub(crate) next_id: u64,
    pub(crate) log: Vec<RequestRecord>,
    pub(crate) violations: Vec<Violation>,
    pub(crate) warnings: Vec<Violation>,
    pub(crate) response_violations: Vec<Violation>,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) rate_used: u64,
    pub(crate) rate_reset: i64,
    pub(crate) token: Option<String>,
    pub(crate) require_auth: bool,
    pub(crate) viewer: String,
    /// Whether [`crate::ADMIN_STATE_PATH`] answers (default `false`).
    pub(crate) admin: bool,
}

impl State {
    pub(crate) fn new() -> Self {
        State {
            repos: BTreeMap::new(),
            next_id: 1_000,
            log: Vec::new(),
            violations: Vec::new(),
            warnings: Vec::new(),
            response_violations: Vec::new(),
            faults: Vec::new(),
            rate_used: 0,
            rate_reset: now() + 3600,
            token: None,
            require_auth: true,
            viewer: "github-actions[bot]".to_string(),
            admin: false,
        }
    }

    /// A fresh id for any object.
    pub(crate) fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos
            .get(&(owner.to_ascii_lowercase(), name.to_ascii_lowercase()))
    }

    pub(crate) fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut Repo> {
        self.repos
            .get_mut(&(owner.to_ascii_lowercase(), name.to_ascii_lowercase()))
    }

    /// The signature the authenticated user writes commits with, at `time`.
    pub(crate) fn viewer_signature(&self, time: i64) -> Signature {
        Signature {
            name: self.viewer.clone(),
            email: format!(
                "{}@users.noreply.github.com",
                self.viewer.trim_end_matches("[bot]")
            ),
            time,
            offset_minutes: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_a_path_replaces_what_stands_in_its_way() {
        let leaf = |s: &str| (Mode::File, s.to_string());
        let mut flat = BTreeMap::new();
        flat.insert("a".to_string(), leaf("1"));
        flat.insert("b/c".to_string(), leaf("2"));
        flat.insert("b/d/e".to_string(), leaf("3"));
        set_path(&mut flat, "a/x", Some(leaf("4")));
        set_path(&mut flat, "b/d", Some(leaf("5")));
        set_path(&mut flat, "b/c", None);
        let keys: Vec<&str> = flat.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a/x", "b/d"]);
    }

    #[test]
    fn names_resolve_through_branches_tags_and_abbreviated_ids() {
        let mut repo = Repo::new(1, "o", "r", "main");
        let sig = Signature {
            name: "n".into(),
            email: "e".into(),
            time: 1,
            offset_minutes: 0,
        };
        let sha = repo.commit_changes(
            "main",
            &[FileChange::write("f", "x")],
            "m",
            sig.clone(),
            sig.clone(),
        );
        let tag = repo.put_tag("v1", &sha, "msg\n", sig);
        repo.set_ref("refs/tags/v1", Some(tag.clone()));
        for name in [
            "main",
            "heads/main",
            "refs/heads/main",
            &sha,
            &sha[..7],
            "v1",
            "tags/v1",
        ] {
            assert_eq!(
                repo.resolve_commit(name).as_deref(),
                Some(sha.as_str()),
                "{name}"
            );
        }
        assert_eq!(repo.resolve("v1").as_deref(), Some(tag.as_str()));
        assert_eq!(repo.resolve("nope"), None);
    }
}
