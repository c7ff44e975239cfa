//! Harness: a copy of the demo repository, the real binary with a scrubbed environment, and
//! the runner files (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`) it writes.

#[path = "../support/files.rs"]
mod files;
pub use files::{copy_dir, files_under, parse_outputs};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo");

/// A throw-away copy of a repository plus the runner's files.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub runner: tempfile::TempDir,
}

/// What one run left behind.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
    pub summary: String,
    /// The repository the run worked on, to take out of text that is snapshotted.
    pub repo: PathBuf,
}

impl Sandbox {
    /// A copy of `examples/demo`.
    pub fn demo() -> Self {
        let s = Self::empty();
        copy_dir(Path::new(DEMO), s.repo());
        s
    }

    /// An empty repository.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
            runner: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn repo(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.repo().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// Every file under the repository with its bytes, to prove nothing was written.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        files_under(self.repo())
    }

    /// The binary with a clean environment: only PATH and what the test adds.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("release-action").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SOURCE_DATE_EPOCH", "1795000000")
            .current_dir(self.repo());
        cmd
    }

    /// Runs the CLI with `args` (locally: no `GITHUB_ACTIONS`), with runner files set.
    pub fn cli(&self, args: &[&str]) -> Ran {
        let mut cmd = self.command();
        cmd.args(args);
        self.run(cmd)
    }

    /// Runs as the container action: `action` with `INPUT_*` and the runner variables.
    pub fn action(&self, inputs: &[(&str, &str)], extra_env: &[(&str, &str)]) -> Ran {
        let mut cmd = self.command();
        cmd.arg("action")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.repo());
        for (name, value) in inputs {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        self.run(cmd)
    }

    pub fn run(&self, mut cmd: Command) -> Ran {
        let output_file = self.runner.path().join("output");
        let summary_file = self.runner.path().join("summary");
        let _ = std::fs::remove_file(&output_file);
        let _ = std::fs::remove_file(&summary_file);
        cmd.env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file);
        let out = cmd.output().expect("run binary");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&std::fs::read_to_string(&output_file).unwrap_or_default()),
            summary: std::fs::read_to_string(&summary_file).unwrap_or_default(),
            repo: self.repo().to_owned(),
        }
    }

    /// Makes the sandbox a git repository with one commit of its current files.
    pub fn git_init(&self) {
        self.git(&["init", "-q", "-b", "main"]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "initial"]);
    }

    pub fn git(&self, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(self.repo())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.runner.path())
            .status()
            .expect("git");
        assert!(status.success(), "git {args:?}");
    }
}

impl Ran {
    /// Stderr with the sandbox's path as `[repo]`, for snapshots.
    pub fn stderr_redacted(&self) -> String {
        let text = self
            .stderr
            .replace(&self.repo.display().to_string(), "[repo]");
        // Other temporary directories (a symlink's target, say): `/tmp/.tmpAbC123/x` → `[tmp]/x`.
        let tmp = format!(
            "{}/.tmp",
            std::env::temp_dir()
                .display()
                .to_string()
                .trim_end_matches('/')
        );
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find(&tmp) {
            out.push_str(&rest[..i]);
            out.push_str("[tmp]");
            rest = &rest[i + tmp.len()..];
            rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        }
        out.push_str(rest);
        out
    }

    /// Panics with everything the run printed unless the exit code matches.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no output {name}: {:?}", self.outputs))
    }
}
