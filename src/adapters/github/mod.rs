//! The GitHub REST API through octocrab, at `GITHUB_API_URL`, with the retries and error
//! messages a release tool needs.
//!
//! Every call goes through [`GitHub::send`], which retries transient failures (transport errors,
//! 5xx, 429, secondary rate limits) with exponential backoff that honours `retry-after` and
//! `x-ratelimit-reset`, within a bounded total time, and turns the failures that are the
//! workflow's configuration (missing permissions, pull-request creation disabled) into messages
//! that say what to change. Writes go through the Git Data API, so no `git` binary is needed.
//! See: <https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api>

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;

mod endpoints;
pub use endpoints::{Call, CommitSummary, NewRelease, TagRef, Tree};
pub use octocrab::models::commits::{CommitComparison, GithubCommitStatus};
pub use octocrab::models::pulls::PullRequest;
pub use octocrab::models::repos::{DiffEntry, Release};
use serde_json::Value;

/// How long, in total, a single logical call may keep retrying.
const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(120);
/// How long one answer may take before the request counts as failed (and is retried).
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per call, the first included.
const MAX_ATTEMPTS: u32 = 6;

/// A GitHub failure, with what the user needs to act on it.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// An HTTP error response.
    #[error("GitHub answered {status} to {method} {path}: {message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// Request method.
        method: String,
        /// Request path.
        path: String,
        /// GitHub's message (and errors), from the body.
        message: String,
        /// What to do about it, when the answer says.
        hint: Option<String>,
    },
    /// The transport failed (connection refused, reset, timeout) after retries.
    #[error("could not reach GitHub at {base} for {method} {path}: {detail}")]
    Transport {
        /// API base URL.
        base: String,
        /// Request method.
        method: String,
        /// Request path.
        path: String,
        /// What failed.
        detail: String,
    },
    /// Rate limited for longer than the retry budget allows.
    #[error("GitHub rate limit: {method} {path} must wait {wait_secs}s, more than the remaining retry budget; re-run the job later")]
    RateLimited {
        /// Request method.
        method: String,
        /// Request path.
        path: String,
        /// How long GitHub asked to wait.
        wait_secs: u64,
    },
    /// A response that could not be understood.
    #[error("unexpected answer from GitHub to {method} {path}: {detail}")]
    Unexpected {
        /// Request method.
        method: String,
        /// Request path.
        path: String,
        /// What was wrong.
        detail: String,
    },
}

impl GitHubError {
    /// The HTTP status, for HTTP errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What to do about it, when known.
    pub fn help(&self) -> Option<&str> {
        match self {
            Self::Http { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// GitHub's message, for HTTP errors.
    pub fn message(&self) -> &str {
        match self {
            Self::Http { message, .. } => message,
            _ => "",
        }
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: StatusCode,
    /// Parsed JSON body (`Null` when empty or not JSON).
    pub json: Value,
    /// Raw body bytes.
    pub bytes: Vec<u8>,
    /// The `Link` header, for pagination.
    pub link: Option<String>,
}

/// The client for one repository.
pub struct GitHub {
    octo: Octocrab,
    base: String,
    /// `owner/repo`.
    pub repo: String,
    budget: Duration,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("base", &self.base)
            .field("repo", &self.repo)
            .finish()
    }
}

impl GitHub {
    /// A client for `owner/repo` at `api_url` (e.g. `https://api.github.com` or
    /// `https://ghe.example.com/api/v3`) authenticated with `token`.
    pub fn new(
        api_url: &str,
        repo: &str,
        token: &str,
        budget: Option<Duration>,
        read_timeout: Option<Duration>,
    ) -> Result<Self, String> {
        let base = api_url.trim_end_matches('/').to_owned();
        let octo = Octocrab::builder()
            .base_uri(base.as_str())
            .map_err(|e| format!("`GITHUB_API_URL` is `{base}`, which is not a URL: {e}"))?
            .personal_token(token.to_owned())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT)))
            .build()
            .map_err(|e| format!("cannot build the GitHub client: {e}"))?;
        Ok(Self {
            octo,
            base,
            repo: repo.to_owned(),
            budget: budget.unwrap_or(DEFAULT_RETRY_BUDGET),
        })
    }

    /// Sends one logical request, retrying transient failures.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        accept: Option<&str>,
    ) -> Result<Response, GitHubError> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.send_once(&method, path, body, accept).await;
            let wait = match &result {
                Err(_) => Some(backoff(attempt)),
                Ok((status, headers, bytes)) => retry_wait(*status, headers, bytes, attempt),
            };
            let within_budget = |w: &Duration| started.elapsed() + *w <= self.budget;
            let retry = wait.filter(|w| attempt < MAX_ATTEMPTS && within_budget(w));
            match (result, retry) {
                (_, Some(wait)) => tokio::time::sleep(wait).await,
                (Ok((status, headers, bytes)), None) => {
                    // Only a rate limit is reported as one; a server error that outlived the
                    // budget is reported as GitHub's own answer.
                    let rate_limited = matches!(status.as_u16(), 403 | 429);
                    if let Some(wait) = wait.filter(|w| rate_limited && !within_budget(w)) {
                        return Err(GitHubError::RateLimited {
                            method: method.to_string(),
                            path: path.to_owned(),
                            wait_secs: wait.as_secs().max(1),
                        });
                    }
                    return finish(&method, path, status, &headers, bytes);
                }
                (Err(detail), None) => {
                    return Err(GitHubError::Transport {
                        base: self.base.clone(),
                        method: method.to_string(),
                        path: path.to_owned(),
                        detail,
                    })
                }
            }
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
        accept: Option<&str>,
    ) -> Result<(StatusCode, http::HeaderMap, Vec<u8>), String> {
        let uri = format!("{}{path}", self.base);
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(uri.as_str());
        builder = builder
            .header(
                http::header::ACCEPT,
                accept.unwrap_or("application/vnd.github+json"),
            )
            .header("x-github-api-version", "2022-11-28");
        let request = self
            .octo
            .build_request(builder, body)
            .map_err(|e| e.to_string())?;
        let response = self
            .octo
            .execute(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes()
            .to_vec();
        Ok((status, headers, bytes))
    }

    /// Every page of a list (following `Link: rel="next"`), up to `max_pages`.
    async fn pages(&self, path: &str, max_pages: usize) -> Result<Vec<Response>, GitHubError> {
        let mut pages = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(p) = next.take() {
            let r = self.send(Method::GET, &p, None, None).await?;
            next = r
                .link
                .as_deref()
                .and_then(next_link)
                .and_then(|url| url.strip_prefix(&self.base).map(str::to_owned));
            pages.push(r);
            if pages.len() >= max_pages {
                break;
            }
        }
        Ok(pages)
    }
}

/// Exponential backoff: 1s, 2s, 4s, 8s, … capped at 30s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// How long to wait before retrying this answer, or `None` if it is final.
fn retry_wait(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    attempt: u32,
) -> Option<Duration> {
    let retry_after = header(headers, "retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let reset = || {
        let reset: i64 = header(headers, "x-ratelimit-reset")?.trim().parse().ok()?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Some(Duration::from_secs(
            u64::try_from(reset - now).unwrap_or(0) + 1,
        ))
    };
    let exhausted = header(headers, "x-ratelimit-remaining").map(str::trim) == Some("0");
    match status.as_u16() {
        500..=599 => Some(retry_after.unwrap_or_else(|| backoff(attempt))),
        429 => Some(
            retry_after
                .or_else(|| exhausted.then(reset).flatten())
                .unwrap_or_else(|| backoff(attempt)),
        ),
        403 => {
            let text = String::from_utf8_lossy(body).to_lowercase();
            if retry_after.is_some() || text.contains("secondary rate limit") {
                Some(retry_after.unwrap_or_else(|| Duration::from_secs(60)))
            } else if exhausted {
                Some(reset().unwrap_or_else(|| backoff(attempt)))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn finish(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &http::HeaderMap,
    bytes: Vec<u8>,
) -> Result<Response, GitHubError> {
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(Response {
            status,
            json,
            bytes,
            link: header(headers, "link").map(str::to_owned),
        });
    }
    let mut message = json
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(300).collect());
    if let Some(errors) = json.get("errors").and_then(Value::as_array) {
        let details: Vec<String> = errors
            .iter()
            .map(|e| {
                e.get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| e.to_string())
            })
            .collect();
        if !details.is_empty() {
            message = format!("{message} ({})", details.join("; "));
        }
    }
    if let Some(docs) = json.get("documentation_url").and_then(Value::as_str) {
        message = format!("{message} (see {docs})");
    }
    let hint = permission_hint(status.as_u16(), method, path, &message);
    Err(GitHubError::Http {
        status: status.as_u16(),
        method: method.to_string(),
        path: path.to_owned(),
        message,
        hint,
    })
}

/// What a 401/403/404 most likely means for the workflow, and how to fix it.
fn permission_hint(status: u16, method: &Method, path: &str, message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    if lower.contains("not permitted to create or approve pull requests") {
        return Some("allow it in the repository (or organisation) settings: Settings → Actions → General → Workflow permissions → \"Allow GitHub Actions to create and approve pull requests\"; or pass a GitHub App or personal token as `github-token`".into());
    }
    let needs = if path.contains("/pulls") || path.contains("/issues/") || path.contains("/labels")
    {
        "`pull-requests: write`"
    } else {
        "`contents: write`"
    };
    Some(match status {
        401 => "the token is missing or expired; pass `github-token` (default `${{ github.token }}`)".into(),
        403 if lower.contains("resource not accessible") || lower.contains("permission") => format!(
            "the workflow's token needs {needs}; add `permissions: {{ contents: write, pull-requests: write }}` to the job"
        ),
        404 if *method != Method::GET => format!(
            "GitHub answers 404 when the token may not write here; the job needs {needs} (and `contents: write` for branches and releases)"
        ),
        _ => return None,
    })
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
    })
}

/// What [`encode`] keeps as it is: the unreserved characters of RFC 3986.
/// See: <https://www.rfc-editor.org/rfc/rfc3986#section-2.3>
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What [`encode_path`] keeps as it is: the unreserved characters and `/`.
const UNRESERVED_AND_SLASH: &percent_encoding::AsciiSet = &UNRESERVED.remove(b'/');

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Percent-encodes a path, keeping `/`.
pub fn encode_path(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED_AND_SLASH).to_string()
}

/// The git blob id of `bytes`: sha1 of `blob <len>\0<bytes>`, as git computes it.
pub fn blob_sha(bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_sha(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(blob_sha(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    #[test]
    fn transient_answers_are_retried_and_others_are_final() {
        let h = http::HeaderMap::new();
        assert_eq!(
            retry_wait(StatusCode::BAD_GATEWAY, &h, b"", 1),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            retry_wait(StatusCode::BAD_GATEWAY, &h, b"", 3),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            retry_wait(StatusCode::UNPROCESSABLE_ENTITY, &h, b"", 1),
            None
        );
        assert_eq!(
            retry_wait(
                StatusCode::FORBIDDEN,
                &h,
                b"{\"message\":\"Resource not accessible by integration\"}",
                1
            ),
            None
        );
        let secondary = br#"{"message":"You have exceeded a secondary rate limit."}"#;
        let mut ra = http::HeaderMap::new();
        ra.insert("retry-after", http::HeaderValue::from_static("7"));
        assert_eq!(
            retry_wait(StatusCode::FORBIDDEN, &ra, secondary, 1),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_wait(StatusCode::TOO_MANY_REQUESTS, &ra, b"", 1),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn pagination_follows_the_next_link() {
        let link = r#"<https://api.github.com/repos/o/r/pulls?page=2>; rel="next", <https://api.github.com/repos/o/r/pulls?page=5>; rel="last""#;
        assert_eq!(
            next_link(link),
            Some("https://api.github.com/repos/o/r/pulls?page=2")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
    }

    #[test]
    fn permission_failures_name_the_permission() {
        let h = permission_hint(
            403,
            &Method::POST,
            "/repos/o/r/pulls",
            "Resource not accessible by integration",
        );
        assert!(
            h.as_deref()
                .is_some_and(|h| h.contains("pull-requests: write")),
            "{h:?}"
        );
        let h = permission_hint(
            403,
            &Method::POST,
            "/repos/o/r/pulls",
            "GitHub Actions is not permitted to create or approve pull requests.",
        );
        assert!(
            h.as_deref().is_some_and(
                |h| h.contains("Allow GitHub Actions to create and approve pull requests")
            ),
            "{h:?}"
        );
        assert!(
            permission_hint(404, &Method::POST, "/repos/o/r/git/refs", "Not Found")
                .is_some_and(|h| h.contains("contents: write"))
        );
    }
}
