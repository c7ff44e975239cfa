//! `fake-github`: a stateful fake of GitHub's REST API for release-action's
//! end-to-end tests.
//!
//! [`FakeGitHub::start`] binds `127.0.0.1` on a random port and serves, on a
//! thread with its own tokio runtime, the 32 operations of
//! `shared/github-api/openapi-subset.json`, at the root and under `/api/v3`
//! (GitHub Enterprise Server style). Point the real octocrab client (or the
//! release-action binary, through `GITHUB_API_URL`) at [`FakeGitHub::url`].
//!
//! The fake keeps real git objects (ids are the ids git computes), refs,
//! pull requests, labels, comments and releases, so a second run of the tool
//! sees what the first one left. Every request is checked against the
//! OpenAPI contract; anything GitHub would reject is recorded as a
//! [`Violation`] and answered with the status GitHub gives. Tests inject
//! faults ([`FaultRule`]) and inspect the state and the request log.
//!
//! For a client in another process, the `fake-github` binary
//! (`src/bin/fake-github.rs`) seeds a repository from a directory, serves it
//! and answers its state at [`ADMIN_STATE_PATH`].
//!
//! ```no_run
//! use fake_github::{FakeGitHub, FaultRule, Fault};
//!
//! let fake = FakeGitHub::start();
//! fake.create_repo("octo", "charts", "main");
//! let base = fake.commit_files("octo", "charts", "main",
//!     &[("helm/charts/frontend/Chart.yaml", "name: frontend\nversion: 1.0.0\n")],
//!     "initial commit\n", None);
//! fake.inject(FaultRule::operation("pulls/create", Fault::Status(502)));
//! // ... run the tool with GITHUB_API_URL = fake.url() ...
//! assert_eq!(fake.branch_sha("octo", "charts", "main").as_deref(), Some(base.as_str()));
//! fake.assert_clean();
//! ```
//!
//! Follows GitHub's REST API as described by `openapi-subset.json` and the
//! notes in `shared/github-api/README.md`. See: <https://docs.github.com/rest>.

#![recursion_limit = "512"]

mod api;
mod faults;
mod git;
mod render;
mod schema;
mod server;
mod spec;
mod state;
mod types;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use time::{OffsetDateTime, UtcOffset};
use tokio::sync::oneshot;

pub use faults::{Fault, FaultRule, Matcher};
pub use git::{blob_id, Mode};
pub use spec::{DEFAULT_SPEC_PATH, SPEC_ENV};
pub use time;
pub use types::{
    CommitInfo, DispatchInfo, FileChange, Person, PullInfo, PullSeed, ReleaseInfo, ReleaseSeed,
    RequestRecord, Violation,
};

use crate::git::Signature;
use crate::server::Shared;
use crate::state::{now, Pull, Release, Repo, State};

/// A running fake GitHub server; it shuts down when dropped.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGitHub")
            .field("addr", &self.addr)
            .finish()
    }
}

fn to_signature(name: &str, email: &str, date: Option<OffsetDateTime>) -> Signature {
    let date = date.unwrap_or_else(OffsetDateTime::now_utc);
    Signature {
        name: name.to_string(),
        email: email.to_string(),
        time: date.unix_timestamp(),
        offset_minutes: i32::from(date.offset().whole_minutes()),
    }
}

fn to_person(sig: &Signature) -> Person {
    let offset = UtcOffset::from_whole_seconds(sig.offset_minutes.saturating_mul(60))
        .unwrap_or(UtcOffset::UTC);
    let date = OffsetDateTime::from_unix_timestamp(sig.time)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    Person {
        name: sig.name.clone(),
        email: sig.email.clone(),
        date,
    }
}

/// The read-only admin route, outside GitHub's path space: `GET` answers
/// [`FakeGitHub::state_json`] once [`FakeGitHub::set_admin_route`] enabled it.
/// It is neither logged nor checked against the contract.
pub const ADMIN_STATE_PATH: &str = "/_fake/state";

const SEED_NAME: &str = "Release Tester";
const SEED_EMAIL: &str = "release-tester@example.com";

impl FakeGitHub {
    /// Starts a fake on a random loopback port, checking requests against the
    /// contract at `FAKE_GITHUB_OPENAPI` or [`DEFAULT_SPEC_PATH`].
    ///
    /// # Panics
    /// When the contract cannot be read or the port cannot be bound (a test
    /// cannot go on without its fake).
    pub fn start() -> FakeGitHub {
        match FakeGitHub::try_start() {
            Ok(fake) => fake,
            Err(e) => panic!("fake-github: {e}"),
        }
    }

    /// Like [`FakeGitHub::start`], returning the reason instead of panicking.
    pub fn try_start() -> Result<FakeGitHub, String> {
        FakeGitHub::try_start_with_spec(&spec::default_path())
    }

    /// Starts a fake that checks requests against the OpenAPI file at `path`.
    pub fn try_start_with_spec(path: &Path) -> Result<FakeGitHub, String> {
        let spec = spec::load_cached(path)?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("cannot bind loopback: {e}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("cannot make the listener non-blocking: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("no local address: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot build the fake's runtime: {e}"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new()),
            spec,
            base: format!("http://{addr}"),
            addr,
        });
        let (tx, rx) = oneshot::channel();
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fake-github-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                        server::serve(listener, for_thread, rx).await;
                    }
                });
            })
            .map_err(|e| format!("cannot spawn the fake's thread: {e}"))?;
        Ok(FakeGitHub {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// A handle on a running fake's state that does not own the server (its
    /// drop stops nothing): what the admin route answers from.
    pub(crate) fn view(shared: Arc<Shared>) -> FakeGitHub {
        let addr = shared.addr;
        FakeGitHub {
            shared,
            addr,
            shutdown: None,
            thread: None,
        }
    }

    /// `http://127.0.0.1:PORT`: the API root to give octocrab or `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        self.shared.base.clone()
    }

    /// `http://127.0.0.1:PORT/api/v3`: the same API, GitHub Enterprise Server style.
    pub fn url_ghes(&self) -> String {
        format!("{}/api/v3", self.shared.base)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    // -----------------------------------------------------------------------
    // Configuration
    // -----------------------------------------------------------------------

    /// Accept only this token (`None`: any `Authorization` header is accepted).
    pub fn set_token(&self, token: Option<&str>) {
        self.shared.lock().token = token.map(str::to_string);
    }

    /// Whether requests without `Authorization` get `401` (default `true`).
    pub fn set_require_auth(&self, required: bool) {
        self.shared.lock().require_auth = required;
    }

    /// The login the token belongs to (default `github-actions[bot]`): it
    /// authors pull requests, releases, comments and default commits.
    pub fn set_viewer(&self, login: &str) {
        self.shared.lock().viewer = login.to_string();
    }

    /// Whether `GET` [`ADMIN_STATE_PATH`] answers [`FakeGitHub::state_json`]
    /// (default `false`: like any path GitHub does not have, it is a `404`
    /// and a violation). For a client in another process, such as a check
    /// that runs the tool in a container against the standalone binary.
    pub fn set_admin_route(&self, enabled: bool) {
        self.shared.lock().admin = enabled;
    }

    /// Restricts requested reviewers to these logins (default: anyone).
    pub fn set_collaborators(&self, owner: &str, repo: &str, logins: &[&str]) {
        self.with_repo(owner, repo, |r| {
            r.collaborators = Some(logins.iter().map(|s| s.to_string()).collect());
        });
    }

    // -----------------------------------------------------------------------
    // Seeding
    // -----------------------------------------------------------------------

    fn with_repo<T>(&self, owner: &str, repo: &str, f: impl FnOnce(&mut Repo) -> T) -> T {
        let mut st = self.shared.lock();
        match st.repo_mut(owner, repo) {
            Some(r) => f(r),
            None => panic!("fake-github: no repository {owner}/{repo}; call create_repo first"),
        }
    }

    fn read_repo<T>(&self, owner: &str, repo: &str, f: impl FnOnce(&Repo) -> T) -> Option<T> {
        let st = self.shared.lock();
        st.repo(owner, repo).map(f)
    }

    /// Creates an empty repository (no commits yet; the first commit on
    /// `default_branch` creates it).
    ///
    /// # Panics
    /// When the repository already exists.
    pub fn create_repo(&self, owner: &str, repo: &str, default_branch: &str) {
        let mut st = self.shared.lock();
        if st.repo(owner, repo).is_some() {
            panic!("fake-github: repository {owner}/{repo} already exists");
        }
        let id = st.id();
        st.repos.insert(
            (owner.to_ascii_lowercase(), repo.to_ascii_lowercase()),
            Repo::new(id, owner, repo, default_branch),
        );
    }

    /// Changes the default branch.
    pub fn set_default_branch(&self, owner: &str, repo: &str, branch: &str) {
        self.with_repo(owner, repo, |r| r.default_branch = branch.to_string());
    }

    /// Commits files (regular, mode `100644`) on top of `branch` and advances
    /// it; a missing branch starts with a root commit. `date` sets both the
    /// author and committer date (now when `None`). Returns the commit id.
    pub fn commit_files<P: AsRef<str>, C: AsRef<[u8]>>(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        files: &[(P, C)],
        message: &str,
        date: Option<OffsetDateTime>,
    ) -> String {
        let changes: Vec<FileChange> = files
            .iter()
            .map(|(p, c)| FileChange::write(p.as_ref(), c.as_ref()))
            .collect();
        self.commit_changes(owner, repo, branch, &changes, message, date)
    }

    /// Commits any mix of writes, executables, symlinks and deletions on top
    /// of `branch`; returns the commit id.
    pub fn commit_changes(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        changes: &[FileChange],
        message: &str,
        date: Option<OffsetDateTime>,
    ) -> String {
        let sig = to_signature(SEED_NAME, SEED_EMAIL, date);
        self.with_repo(owner, repo, |r| {
            r.commit_changes(branch, changes, message, sig.clone(), sig)
        })
    }

    /// Commits every file under `dir` (`.git` excluded) on top of `branch`, as
    /// [`FakeGitHub::commit_changes`] does: executable files keep their mode and
    /// symlinks stay symlinks. Returns the commit id.
    ///
    /// # Errors
    /// When `dir` cannot be read or holds a name that is not UTF-8.
    pub fn commit_dir(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        dir: &Path,
        message: &str,
        date: Option<OffsetDateTime>,
    ) -> Result<String, String> {
        let mut changes = Vec::new();
        changes_under(dir, "", &mut changes)?;
        Ok(self.commit_changes(owner, repo, branch, &changes, message, date))
    }

    /// Creates (or moves) `branch` to what `from` (branch, tag or sha) points at.
    ///
    /// # Panics
    /// When `from` does not resolve to a commit.
    pub fn create_branch(&self, owner: &str, repo: &str, branch: &str, from: &str) -> String {
        self.with_repo(owner, repo, |r| {
            let Some(sha) = r.resolve_commit(from) else {
                panic!("fake-github: {from} is not a commit in {owner}/{repo}");
            };
            r.set_ref(&format!("refs/heads/{branch}"), Some(sha.clone()));
            sha
        })
    }

    /// Deletes a branch (closing its open pull requests, as GitHub does).
    pub fn delete_branch(&self, owner: &str, repo: &str, branch: &str) {
        self.with_repo(owner, repo, |r| {
            let closing: Vec<u64> = r
                .pulls
                .iter()
                .filter(|p| p.open && p.head_ref == branch)
                .map(|p| p.number)
                .collect();
            for number in closing {
                r.snapshot_pull(number);
            }
            r.set_ref(&format!("refs/heads/{branch}"), None);
        });
    }

    /// Points the full ref `full_ref` (`refs/heads/x`, `refs/tags/y`) at `sha`, no questions asked.
    pub fn set_ref(&self, owner: &str, repo: &str, full_ref: &str, sha: &str) {
        self.with_repo(owner, repo, |r| r.set_ref(full_ref, Some(sha.to_string())));
    }

    /// Creates a lightweight tag on `target` (branch, tag or sha); returns the commit id.
    ///
    /// # Panics
    /// When `target` does not resolve to a commit.
    pub fn create_lightweight_tag(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        target: &str,
    ) -> String {
        self.with_repo(owner, repo, |r| {
            let Some(sha) = r.resolve_commit(target) else {
                panic!("fake-github: {target} is not a commit in {owner}/{repo}");
            };
            r.set_ref(&format!("refs/tags/{tag}"), Some(sha.clone()));
            sha
        })
    }

    /// Creates an annotated tag object on `target` and its ref; returns the
    /// tag object's id (what `refs/tags/<tag>` points at).
    ///
    /// # Panics
    /// When `target` does not resolve to a commit.
    pub fn create_annotated_tag(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        target: &str,
        message: &str,
        date: Option<OffsetDateTime>,
    ) -> String {
        let sig = to_signature(SEED_NAME, SEED_EMAIL, date);
        self.with_repo(owner, repo, |r| {
            let Some(commit) = r.resolve_commit(target) else {
                panic!("fake-github: {target} is not a commit in {owner}/{repo}");
            };
            let sha = r.put_tag(tag, &commit, message, sig);
            r.set_ref(&format!("refs/tags/{tag}"), Some(sha.clone()));
            sha
        })
    }

    /// Creates a release as the API would (tag created when published and
    /// missing, `make_latest` applied); returns its id.
    ///
    /// # Panics
    /// When the tag is missing and `target_commitish` does not resolve, or a
    /// release of the tag already exists.
    pub fn create_release(&self, owner: &str, repo: &str, seed: ReleaseSeed) -> u64 {
        let mut st = self.shared.lock();
        let id = st.id();
        let viewer = st.viewer.clone();
        let Some(r) = st.repo_mut(owner, repo) else {
            panic!("fake-github: no repository {owner}/{repo}");
        };
        if r.releases.iter().any(|x| x.tag_name == seed.tag_name) {
            panic!("fake-github: a release of {} already exists", seed.tag_name);
        }
        let target = seed
            .target_commitish
            .clone()
            .unwrap_or_else(|| r.default_branch.clone());
        if !seed.draft && r.ensure_release_tag(&seed.tag_name, &target).is_err() {
            panic!(
                "fake-github: cannot create tag {} on {target}",
                seed.tag_name
            );
        }
        let t = now();
        r.releases.push(Release {
            id,
            tag_name: seed.tag_name,
            target_commitish: target,
            name: seed.name,
            body: seed.body,
            draft: seed.draft,
            prerelease: seed.prerelease,
            created_at: t,
            published_at: (!seed.draft).then_some(t),
            updated_at: t,
            author: viewer,
            assets: Vec::new(),
            not_latest: false,
        });
        r.apply_make_latest(id, Some(seed.make_latest.as_deref().unwrap_or("true")));
        id
    }

    /// Opens a pull request as someone else would; returns its number.
    ///
    /// # Panics
    /// When either branch does not exist.
    pub fn open_pull(&self, owner: &str, repo: &str, seed: PullSeed) -> u64 {
        let mut st = self.shared.lock();
        let id = st.id();
        let viewer = st.viewer.clone();
        let Some(r) = st.repo_mut(owner, repo) else {
            panic!("fake-github: no repository {owner}/{repo}");
        };
        let (Some(head_sha), Some(base_sha)) = (r.branch(&seed.head), r.branch(&seed.base)) else {
            panic!(
                "fake-github: branches {} and {} must exist",
                seed.head, seed.base
            );
        };
        let number = r.next_number;
        r.next_number += 1;
        let t = now();
        r.pulls.push(Pull {
            number,
            id,
            title: seed.title,
            body: seed.body,
            draft: seed.draft,
            open: true,
            head_ref: seed.head,
            base_ref: seed.base,
            head_sha,
            base_sha,
            labels: Vec::new(),
            reviewers: Vec::new(),
            teams: Vec::new(),
            user: viewer,
            maintainer_can_modify: false,
            created_at: t,
            updated_at: t,
            closed_at: None,
        });
        number
    }

    /// Defines a label in the repository.
    pub fn create_label(&self, owner: &str, repo: &str, name: &str, color: &str) {
        let mut st = self.shared.lock();
        let id = st.id();
        if let Some(r) = st.repo_mut(owner, repo) {
            if r.label(name).is_none() {
                r.labels.push(state::Label {
                    id,
                    name: name.to_string(),
                    color: color.to_string(),
                    description: None,
                });
            }
        }
    }

    // -----------------------------------------------------------------------
    // Inspection
    // -----------------------------------------------------------------------

    /// The bytes of `path` at `reference` (branch, tag or sha), if it is a file
    /// (for a symlink: the link target).
    pub fn file_at(&self, owner: &str, repo: &str, reference: &str, path: &str) -> Option<Vec<u8>> {
        self.read_repo(owner, repo, |r| {
            let commit = r.resolve_commit(reference)?;
            let tree = r.objects.commit(&commit)?.tree.clone();
            let (mode, sha) = r.objects.entry_at(&tree, path.trim_matches('/'))?;
            if mode == Mode::Tree || mode == Mode::Submodule {
                return None;
            }
            r.objects.blob(&sha).map(<[u8]>::to_vec)
        })
        .flatten()
    }

    /// Every file at `reference`, path to bytes.
    pub fn files_at(&self, owner: &str, repo: &str, reference: &str) -> BTreeMap<String, Vec<u8>> {
        self.read_repo(owner, repo, |r| {
            let commit = r.resolve_commit(reference);
            r.files_of(commit.as_deref())
                .into_iter()
                .filter_map(|(p, (_, sha))| r.objects.blob(&sha).map(|b| (p, b.to_vec())))
                .collect()
        })
        .unwrap_or_default()
    }

    /// The head commit of a branch.
    pub fn branch_sha(&self, owner: &str, repo: &str, branch: &str) -> Option<String> {
        self.read_repo(owner, repo, |r| r.branch(branch)).flatten()
    }

    /// What a full ref (`refs/tags/v1`) points at (a tag object for annotated tags).
    pub fn ref_sha(&self, owner: &str, repo: &str, full_ref: &str) -> Option<String> {
        self.read_repo(owner, repo, |r| r.refs.get(full_ref).cloned())
            .flatten()
    }

    /// Every ref, `(full name, object id)`, sorted by name.
    pub fn refs(&self, owner: &str, repo: &str) -> Vec<(String, String)> {
        self.read_repo(owner, repo, |r| {
            r.refs.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        })
        .unwrap_or_default()
    }

    /// Branch names, sorted.
    pub fn branches(&self, owner: &str, repo: &str) -> Vec<String> {
        self.refs(owner, repo)
            .into_iter()
            .filter_map(|(name, _)| name.strip_prefix("refs/heads/").map(str::to_string))
            .collect()
    }

    /// A commit.
    pub fn commit(&self, owner: &str, repo: &str, sha: &str) -> Option<CommitInfo> {
        self.read_repo(owner, repo, |r| {
            let c = r.objects.commit(sha)?;
            Some(CommitInfo {
                sha: sha.to_string(),
                tree: c.tree.clone(),
                parents: c.parents.clone(),
                message: c.message.clone(),
                author: to_person(&c.author),
                committer: to_person(&c.committer),
            })
        })
        .flatten()
    }

    /// The history of `reference` (branch, tag or sha), newest first, as `git log` lists it.
    pub fn commits_on(&self, owner: &str, repo: &str, reference: &str) -> Vec<CommitInfo> {
        let shas = self
            .read_repo(owner, repo, |r| {
                r.resolve_commit(reference)
                    .map(|head| r.objects.log(&head))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        shas.iter()
            .filter_map(|s| self.commit(owner, repo, s))
            .collect()
    }

    /// Every pull request, by number.
    pub fn pulls(&self, owner: &str, repo: &str) -> Vec<PullInfo> {
        let base = self.shared.base.clone();
        self.read_repo(owner, repo, |r| {
            r.pulls
                .iter()
                .map(|p| {
                    let (head_sha, base_sha) = r.pull_shas(p);
                    PullInfo {
                        number: p.number,
                        title: p.title.clone(),
                        body: p.body.clone(),
                        draft: p.draft,
                        state: if p.open { "open" } else { "closed" }.to_string(),
                        head_ref: p.head_ref.clone(),
                        head_sha,
                        base_ref: p.base_ref.clone(),
                        base_sha,
                        labels: p.labels.clone(),
                        reviewers: p.reviewers.clone(),
                        team_reviewers: p.teams.clone(),
                        comments: r
                            .comments
                            .iter()
                            .filter(|c| c.number == p.number)
                            .map(|c| c.body.clone())
                            .collect(),
                        html_url: format!("{base}/{}/{}/pull/{}", r.owner, r.name, p.number),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
    }

    /// One pull request.
    pub fn pull(&self, owner: &str, repo: &str, number: u64) -> Option<PullInfo> {
        self.pulls(owner, repo)
            .into_iter()
            .find(|p| p.number == number)
    }

    /// Label names on a pull request.
    pub fn labels_on(&self, owner: &str, repo: &str, number: u64) -> Vec<String> {
        self.pull(owner, repo, number)
            .map(|p| p.labels)
            .unwrap_or_default()
    }

    /// Requested reviewers of a pull request.
    pub fn reviewers_on(&self, owner: &str, repo: &str, number: u64) -> Vec<String> {
        self.pull(owner, repo, number)
            .map(|p| p.reviewers)
            .unwrap_or_default()
    }

    /// Comment bodies on a pull request, oldest first.
    pub fn comments_on(&self, owner: &str, repo: &str, number: u64) -> Vec<String> {
        self.pull(owner, repo, number)
            .map(|p| p.comments)
            .unwrap_or_default()
    }

    /// Every release, newest first (drafts included).
    pub fn releases(&self, owner: &str, repo: &str) -> Vec<ReleaseInfo> {
        let base = self.shared.base.clone();
        self.read_repo(owner, repo, |r| {
            let latest = r.latest_release_id();
            let mut list: Vec<ReleaseInfo> = r
                .releases
                .iter()
                .map(|x| ReleaseInfo {
                    id: x.id,
                    tag_name: x.tag_name.clone(),
                    target_commitish: x.target_commitish.clone(),
                    name: x.name.clone(),
                    body: x.body.clone(),
                    draft: x.draft,
                    prerelease: x.prerelease,
                    latest: latest == Some(x.id),
                    html_url: render::release_html_url(&base, r, x),
                    assets: x.assets.iter().map(|a| a.name.clone()).collect(),
                })
                .collect();
            list.reverse();
            list
        })
        .unwrap_or_default()
    }

    /// `repository_dispatch` events received, oldest first.
    pub fn dispatches(&self, owner: &str, repo: &str) -> Vec<DispatchInfo> {
        self.read_repo(owner, repo, |r| {
            r.dispatches
                .iter()
                .map(|d| DispatchInfo {
                    event_type: d.event_type.clone(),
                    client_payload: d.client_payload.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
    }

    /// Everything a client in another process needs to judge a run, as JSON:
    /// per repository its branches, releases and pull requests; the request
    /// log; the violations, warnings and response violations. What
    /// [`ADMIN_STATE_PATH`] serves.
    pub fn state_json(&self) -> serde_json::Value {
        use serde_json::json;
        let names: Vec<(String, String, String)> = self
            .shared
            .lock()
            .repos
            .values()
            .map(|r| (r.owner.clone(), r.name.clone(), r.default_branch.clone()))
            .collect();
        let repositories: Vec<serde_json::Value> = names
            .iter()
            .map(|(owner, name, default_branch)| {
                let releases: Vec<serde_json::Value> = self
                    .releases(owner, name)
                    .into_iter()
                    .map(|r| {
                        json!({
                            "id": r.id,
                            "tag_name": r.tag_name,
                            "target_commitish": r.target_commitish,
                            "name": r.name,
                            "body": r.body,
                            "draft": r.draft,
                            "prerelease": r.prerelease,
                            "latest": r.latest,
                            "html_url": r.html_url,
                        })
                    })
                    .collect();
                let pulls: Vec<serde_json::Value> = self
                    .pulls(owner, name)
                    .into_iter()
                    .map(|p| {
                        json!({
                            "number": p.number,
                            "title": p.title,
                            "body": p.body,
                            "state": p.state,
                            "draft": p.draft,
                            "head_ref": p.head_ref,
                            "head_sha": p.head_sha,
                            "base_ref": p.base_ref,
                            "base_sha": p.base_sha,
                            "labels": p.labels,
                            "reviewers": p.reviewers,
                            "html_url": p.html_url,
                        })
                    })
                    .collect();
                json!({
                    "full_name": format!("{owner}/{name}"),
                    "default_branch": default_branch,
                    "refs": self.refs(owner, name).into_iter().collect::<BTreeMap<_, _>>(),
                    "releases": releases,
                    "pulls": pulls,
                })
            })
            .collect();
        let requests: Vec<serde_json::Value> = self
            .requests()
            .into_iter()
            .map(|r| {
                json!({
                    "method": r.method,
                    "path": r.path,
                    "query": r.query,
                    "operation_id": r.operation_id,
                    "status": r.status,
                    "write": r.write,
                    "fault": r.fault,
                })
            })
            .collect();
        let lines = |list: Vec<Violation>| -> Vec<String> {
            list.iter().map(ToString::to_string).collect()
        };
        json!({
            "repositories": repositories,
            "requests": requests,
            "violations": lines(self.violations()),
            "warnings": lines(self.warnings()),
            "response_violations": lines(self.response_violations()),
        })
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.clone()
    }

    /// How many requests were answered.
    pub fn request_count(&self) -> usize {
        self.shared.lock().log.len()
    }

    /// How many requests used a writing method (POST, PATCH, PUT, DELETE),
    /// whatever their answer.
    pub fn write_count(&self) -> usize {
        self.shared.lock().log.iter().filter(|r| r.write).count()
    }

    /// Requests GitHub would have rejected (empty in a passing test).
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// Requests GitHub would accept but partly ignore (undocumented query
    /// parameters or body properties, a `head` filter without `owner:`).
    pub fn warnings(&self) -> Vec<Violation> {
        self.shared.lock().warnings.clone()
    }

    /// Answers of the fake itself that break the documented response schema
    /// (a bug in the fake; empty unless something is wrong here).
    pub fn response_violations(&self) -> Vec<Violation> {
        self.shared.lock().response_violations.clone()
    }

    /// Panics listing every violation and every response violation, if any.
    pub fn assert_clean(&self) {
        let st = self.shared.lock();
        let mut lines: Vec<String> = st
            .violations
            .iter()
            .map(|v| format!("violation: {v}"))
            .collect();
        lines.extend(
            st.response_violations
                .iter()
                .map(|v| format!("fake bug: {v}")),
        );
        drop(st);
        if !lines.is_empty() {
            panic!(
                "fake-github saw requests GitHub would reject:\n  {}",
                lines.join("\n  ")
            );
        }
    }

    /// Clears the request log, violations and warnings (state is kept).
    pub fn reset_log(&self) {
        let mut st = self.shared.lock();
        st.log.clear();
        st.violations.clear();
        st.warnings.clear();
        st.response_violations.clear();
    }

    // -----------------------------------------------------------------------
    // Faults
    // -----------------------------------------------------------------------

    /// Adds a fault rule; rules are tried in the order they were added.
    pub fn inject(&self, rule: FaultRule) {
        if rule.times > 0 {
            self.shared.lock().faults.push(rule);
        }
    }

    /// Removes every pending fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// How many fault applications are still pending, summed over the rules.
    pub fn pending_faults(&self) -> usize {
        self.shared.lock().faults.iter().map(|r| r.times).sum()
    }

    /// Every operation id of the contract the fake checks against.
    pub fn operation_ids(&self) -> Vec<String> {
        self.shared.spec.operation_ids()
    }
}

/// The files under `dir` as changes at `prefix` (`.git` excluded), sorted by path.
fn changes_under(dir: &Path, prefix: &str, out: &mut Vec<FileChange>) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let read_dir =
        |d: &Path| std::fs::read_dir(d).map_err(|e| format!("cannot read `{}`: {e}", d.display()));
    let mut entries: Vec<std::fs::DirEntry> = read_dir(dir)?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(format!("`{}` is not a UTF-8 name", path.display()));
        };
        if prefix.is_empty() && name == ".git" {
            continue;
        }
        let rel = format!("{prefix}{name}");
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read `{}`: {e}", p.display()));
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path)
                .map_err(|e| format!("cannot read the link `{}`: {e}", path.display()))?;
            out.push(FileChange::symlink(rel, target.to_string_lossy()));
        } else if meta.is_dir() {
            changes_under(&path, &format!("{rel}/"), out)?;
        } else if meta.permissions().mode() & 0o111 != 0 {
            out.push(FileChange::executable(rel, read(&path)?));
        } else {
            out.push(FileChange::write(rel, read(&path)?));
        }
    }
    Ok(())
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
