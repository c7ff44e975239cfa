//! Connecting to GitHub from the runner's environment: token, repository, API URL, runtime.

use std::sync::OnceLock;
use std::time::Duration;

use super::{RunEnv, Stop};
use crate::adapters::github::GitHub;

/// The token from the `github-token` input, else `GITHUB_TOKEN`.
pub fn token(env: &RunEnv) -> Option<&str> {
    env.var("INPUT_GITHUB-TOKEN")
        .or_else(|| env.var("GITHUB_TOKEN"))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The remedy without a token for the commands that write files: they can stay local.
pub const OFFLINE_WRITE: &str =
    "or run with `--local` (edit the working tree) or `--dry-run` (print the plan)";

/// The remedy without a token for `release`, which exists to write to GitHub.
pub const OFFLINE_RELEASE: &str =
    "`release` creates the GitHub release, so it needs one; `validate-tag` runs the same checks of the tag without a token";

/// A client for `GITHUB_REPOSITORY` at `GITHUB_API_URL`. Without a token it stops with a usage
/// error whose help line is `no_token_help`, the way on that fits the command (none when empty:
/// callers that checked for a token first).
pub fn connect(env: &RunEnv, no_token_help: &str) -> Result<GitHub, Stop> {
    let token = token(env).ok_or_else(|| {
        Stop::UsageHelp {
            message: "no GitHub token: pass `github-token` (default `${{ github.token }}`) or set `GITHUB_TOKEN`".into(),
            help: Some(no_token_help)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .into_iter()
                .collect(),
        }
    })?;
    let repo = env.var("GITHUB_REPOSITORY").ok_or_else(|| {
        Stop::Usage(
            "`GITHUB_REPOSITORY` is not set; it names the repository as `owner/repo`".into(),
        )
    })?;
    let valid_repo = repo.split_once('/').is_some_and(|(o, r)| {
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && s != "."
                && s != ".."
        };
        ok(o) && ok(r)
    });
    if !valid_repo {
        return Err(Stop::Usage(format!(
            "`GITHUB_REPOSITORY` is `{}`, not `owner/repo`",
            repo.escape_debug()
        )));
    }
    let api = env
        .var("GITHUB_API_URL")
        .unwrap_or("https://api.github.com");
    if !(api.starts_with("https://") || api.starts_with("http://")) {
        return Err(Stop::Usage(format!(
            "`GITHUB_API_URL` is `{}`, not an http(s) URL",
            api.escape_debug()
        )));
    }
    let budget = env
        .var("RELEASE_ACTION_RETRY_BUDGET_SECS")
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    // NOTE: octocrab's client spawns its HTTP service onto the current tokio runtime when it
    // is built, so it must be built inside the runtime that later drives its requests.
    let _entered = runtime()?.enter();
    let read_timeout = env
        .var("RELEASE_ACTION_HTTP_TIMEOUT_SECS")
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    GitHub::new(api, repo, token, budget, read_timeout).map_err(Stop::Usage)
}

/// The process's single-threaded runtime, shared by the client and the use cases.
fn runtime() -> Result<&'static tokio::runtime::Runtime, Stop> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Stop::Failure(anyhow::anyhow!("cannot start the async runtime: {e}")))
}

/// Runs an async use case on the process's single-threaded runtime.
pub fn block_on<T>(future: impl std::future::Future<Output = Result<T, Stop>>) -> Result<T, Stop> {
    runtime()?.block_on(future)
}

/// The default branch: from the event payload when it says, else from the API.
pub async fn default_branch(gh: &GitHub, env: &RunEnv) -> Result<String, Stop> {
    if let Some(b) = env.event().and_then(|e| e.default_branch) {
        return Ok(b);
    }
    gh.default_branch().await.map_err(api_failure)
}

/// A GitHub failure: exit 3, with GitHub's message and the remedy.
pub fn api_failure(e: crate::adapters::github::GitHubError) -> Stop {
    Stop::Failure(anyhow::Error::new(e))
}

/// Whether a writing command goes through the API: always, unless `--local`; a dry run only
/// when it can (a token and `GITHUB_REPOSITORY`), else it plans from the working tree.
pub fn wants_api(env: &RunEnv, local: bool, dry_run: bool) -> bool {
    !local && (!dry_run || (token(env).is_some() && env.var("GITHUB_REPOSITORY").is_some()))
}
