//! Harness: a fake GitHub seeded with the demo repository on `main`, a checkout of it, and the
//! real binary run as the container action against the fake (`GITHUB_API_URL`).

// NOTE: shared with tests/it, which also lists a checkout's files (`files_under`); the fake
// seeds this binary's repositories from a directory itself (`FakeGitHub::commit_dir`).
#[allow(dead_code)]
#[path = "../support/files.rs"]
mod files;
pub use files::{copy_dir, parse_outputs};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use fake_github::time::OffsetDateTime;
use fake_github::{FakeGitHub, RequestRecord};

pub const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo");
pub const OWNER: &str = "octo";
pub const REPO: &str = "shop";
pub const TOKEN: &str = "ghs_e2eSecretToken0123456789";
/// The tool's "now": 2026-11-18T11:06:40Z.
pub const NOW: i64 = 1_795_000_000;
pub const DAY: i64 = 86_400;

/// A date `secs_ago` seconds before [`NOW`].
pub fn ago(secs_ago: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW - secs_ago).expect("date")
}

/// The fake, seeded with the demo repository, plus a checkout of it and the runner's files.
pub struct World {
    pub fake: FakeGitHub,
    pub checkout: tempfile::TempDir,
    pub runner: tempfile::TempDir,
    /// The seed commit on `main`.
    pub seed: String,
}

/// What one run left behind.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
    pub summary: String,
    /// Requests the fake answered during this run.
    pub requests: Vec<RequestRecord>,
}

impl World {
    /// The demo repository committed on `main` ten days ago, and a checkout of it.
    pub fn demo() -> Self {
        let fake = FakeGitHub::start();
        fake.create_repo(OWNER, REPO, "main");
        let seed = fake
            .commit_dir(
                OWNER,
                REPO,
                "main",
                Path::new(DEMO),
                "Import the demo shop\n",
                Some(ago(10 * DAY)),
            )
            .expect("seed the demo");
        let checkout = tempfile::tempdir().expect("tempdir");
        copy_dir(Path::new(DEMO), checkout.path());
        World {
            fake,
            checkout,
            runner: tempfile::tempdir().expect("tempdir"),
            seed,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.checkout.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Writes a file in the checkout only.
    pub fn write_local(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// Commits files on `main` of the fake and writes them in the checkout too.
    pub fn commit_both(&self, files: &[(&str, &str)], message: &str) -> String {
        for (p, c) in files {
            self.write_local(p, c);
        }
        self.fake
            .commit_files(OWNER, REPO, "main", files, message, Some(ago(5 * DAY)))
    }

    /// A file on a branch (or sha) of the fake, as text.
    pub fn remote(&self, reference: &str, path: &str) -> Option<String> {
        self.fake
            .file_at(OWNER, REPO, reference, path)
            .map(|b| String::from_utf8(b).expect("utf-8"))
    }

    /// No request GitHub would reject, and none it would silently ignore in part.
    #[track_caller]
    pub fn assert_clean(&self) {
        self.fake.assert_clean();
        let warnings = self.fake.warnings();
        assert!(
            warnings.is_empty(),
            "requests GitHub would partly ignore:\n{}",
            warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// The action, with the runner variables and a token; add inputs and variables, then run.
    pub fn action(&self, command: &str) -> Run<'_> {
        Run {
            world: self,
            inputs: vec![("COMMAND".into(), command.into())],
            env: Vec::new(),
            token: Some(TOKEN.into()),
            api: self.fake.url(),
            event: Some(serde_json::json!({
                "repository": { "default_branch": "main", "full_name": "octo/shop" }
            })),
        }
    }
}

/// One run being prepared.
pub struct Run<'w> {
    world: &'w World,
    inputs: Vec<(String, String)>,
    env: Vec<(String, String)>,
    token: Option<String>,
    api: String,
    event: Option<serde_json::Value>,
}

impl Run<'_> {
    /// An input (`dry-run` → `INPUT_DRY-RUN`).
    pub fn input(mut self, name: &str, value: &str) -> Self {
        self.inputs.push((name.to_uppercase(), value.into()));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// No token at all.
    pub fn no_token(mut self) -> Self {
        self.token = None;
        self
    }

    /// The token through the `github-token` input instead of `GITHUB_TOKEN`.
    pub fn token_input(mut self) -> Self {
        if let Some(t) = self.token.take() {
            self.inputs.push(("GITHUB-TOKEN".into(), t));
        }
        self
    }

    /// GitHub Enterprise Server style API root (`/api/v3`).
    pub fn ghes(mut self) -> Self {
        self.api = self.world.fake.url_ghes();
        self
    }

    /// The event payload (`None`: no `GITHUB_EVENT_PATH`).
    pub fn event(mut self, event: Option<serde_json::Value>) -> Self {
        self.event = event;
        self
    }

    pub fn run(self) -> Ran {
        let w = self.world;
        let output_file = w.runner.path().join("output");
        let summary_file = w.runner.path().join("summary");
        let event_file = w.runner.path().join("event.json");
        let _ = std::fs::remove_file(&output_file);
        let _ = std::fs::remove_file(&summary_file);
        let mut cmd = Command::cargo_bin("release-action").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SOURCE_DATE_EPOCH", NOW.to_string())
            .env("RELEASE_ACTION_RETRY_BUDGET_SECS", "8")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", w.checkout.path())
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_API_URL", &self.api)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .current_dir(w.checkout.path())
            .arg("action");
        if let Some(event) = &self.event {
            std::fs::write(&event_file, event.to_string()).expect("event");
            cmd.env("GITHUB_EVENT_PATH", &event_file);
        }
        if let Some(t) = &self.token {
            cmd.env("GITHUB_TOKEN", t);
        }
        for (k, v) in &self.inputs {
            cmd.env(format!("INPUT_{k}"), v);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let before = w.fake.request_count();
        let out = cmd.output().expect("run binary");
        let requests = w.fake.requests().split_off(before);
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&std::fs::read_to_string(&output_file).unwrap_or_default()),
            summary: std::fs::read_to_string(&summary_file).unwrap_or_default(),
            requests,
        }
    }
}

impl Ran {
    /// Panics with everything the run printed unless the exit code matches.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}\n--- requests\n{}",
            self.stdout,
            self.stderr,
            self.request_lines().join("\n")
        );
        self
    }

    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no output {name}: {:?}", self.outputs))
    }

    /// `METHOD operation [status]` per request, for messages and counts.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests
            .iter()
            .map(|r| {
                format!(
                    "{} {}?{} ({}) -> {}{}",
                    r.method,
                    r.path,
                    r.query,
                    r.operation_id.as_deref().unwrap_or("?"),
                    r.status,
                    r.fault
                        .as_deref()
                        .map(|f| format!(" [{f}]"))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    /// The operation ids of this run's requests, in order.
    pub fn operations(&self) -> Vec<&str> {
        self.requests
            .iter()
            .map(|r| r.operation_id.as_deref().unwrap_or("?"))
            .collect()
    }

    /// How many of this run's requests wrote.
    pub fn writes(&self) -> usize {
        self.requests.iter().filter(|r| r.write).count()
    }

    /// Asserts the run made at most `max` requests, listing them otherwise.
    #[track_caller]
    pub fn expect_at_most(&self, max: usize) -> &Self {
        assert!(
            self.requests.len() <= max,
            "{} requests, expected at most {max}:\n{}",
            self.requests.len(),
            self.request_lines().join("\n")
        );
        self
    }
}
