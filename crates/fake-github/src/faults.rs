//! Faults a test injects into the fake: server errors, the three kinds of
//! rate limiting, slowness, permission refusals, and another writer moving a
//! branch just before a request is handled.
//!
//! Rate-limit answers follow GitHub's documented behaviour: a primary limit is
//! `403`/`429` with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`; a
//! secondary limit is `403`/`429` whose message names the secondary limit,
//! usually with `retry-after`.
//! See: <https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api>.

use std::time::Duration;

/// Which requests a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// Requests of this operation (e.g. `git/update-ref`).
    Operation(String),
    /// Requests with this method whose path contains `path_contains`.
    Route {
        /// HTTP method, upper case (e.g. `PATCH`).
        method: String,
        /// A substring of the request path (without the query).
        path_contains: String,
    },
    /// Every request.
    Any,
}

impl Matcher {
    pub(crate) fn matches(&self, method: &str, path: &str, operation_id: Option<&str>) -> bool {
        match self {
            Matcher::Operation(op) => operation_id == Some(op.as_str()),
            Matcher::Route {
                method: m,
                path_contains,
            } => m.eq_ignore_ascii_case(method) && path.contains(path_contains.as_str()),
            Matcher::Any => true,
        }
    }
}

/// What happens to a matched request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (e.g. 500, 502, 503) and GitHub's error body.
    Status(u16),
    /// `429` with `retry-after`.
    RateLimited {
        /// Seconds in `retry-after`.
        retry_after_secs: u64,
    },
    /// `403` with the secondary-rate-limit message and `retry-after`.
    SecondaryRateLimit {
        /// Seconds in `retry-after`.
        retry_after_secs: u64,
    },
    /// `403` with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this far ahead.
    PrimaryRateLimit {
        /// Seconds until `x-ratelimit-reset`.
        reset_in_secs: u64,
    },
    /// Wait this long, then handle the request normally.
    Slow(Duration),
    /// `403` with this message (e.g. `Resource not accessible by integration`).
    Forbidden {
        /// The `message` of the body.
        message: String,
    },
    /// The request is handled (a write takes effect), but the answer is lost
    /// on the way back and the client gets this status instead (e.g. a `502`
    /// or `504` from a proxy after the backend committed), so a retry meets
    /// what the first attempt created.
    LostAnswer(u16),
    /// Just before the request is handled, another writer commits `files` on
    /// top of `branch` of the request's repository (advancing it), then the
    /// request is handled normally.
    MoveBranch {
        /// The branch to advance.
        branch: String,
        /// Files the other writer writes.
        files: Vec<(String, Vec<u8>)>,
    },
}

impl Fault {
    /// Another writer commits one file on `branch`.
    pub fn move_branch(
        branch: impl Into<String>,
        path: impl Into<String>,
        content: impl AsRef<[u8]>,
    ) -> Self {
        Fault::MoveBranch {
            branch: branch.into(),
            files: vec![(path.into(), content.as_ref().to_vec())],
        }
    }

    /// `403 Resource not accessible by integration`.
    pub fn not_accessible() -> Self {
        Fault::Forbidden {
            message: "Resource not accessible by integration".into(),
        }
    }

    /// `403 GitHub Actions is not permitted to create or approve pull requests.`
    pub fn actions_cannot_create_pulls() -> Self {
        Fault::Forbidden {
            message: "GitHub Actions is not permitted to create or approve pull requests.".into(),
        }
    }

    /// A short label for the request log.
    pub(crate) fn label(&self) -> String {
        match self {
            Fault::Status(s) => format!("status {s}"),
            Fault::RateLimited { retry_after_secs } => {
                format!("429 retry-after {retry_after_secs}")
            }
            Fault::SecondaryRateLimit { retry_after_secs } => {
                format!("secondary rate limit retry-after {retry_after_secs}")
            }
            Fault::PrimaryRateLimit { reset_in_secs } => {
                format!("primary rate limit reset in {reset_in_secs}s")
            }
            Fault::LostAnswer(s) => format!("handled, answer lost as status {s}"),
            Fault::Slow(d) => format!("slow {}ms", d.as_millis()),
            Fault::Forbidden { message } => format!("forbidden: {message}"),
            Fault::MoveBranch { branch, .. } => format!("moved branch {branch}"),
        }
    }
}

/// A fault and the requests it applies to, for at most `times` requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Which requests.
    pub matcher: Matcher,
    /// How many matching requests it applies to before it is used up.
    pub times: usize,
    /// What happens.
    pub fault: Fault,
}

impl FaultRule {
    /// Applies `fault` once to the next request of `operation_id`.
    pub fn operation(operation_id: impl Into<String>, fault: Fault) -> Self {
        FaultRule {
            matcher: Matcher::Operation(operation_id.into()),
            times: 1,
            fault,
        }
    }

    /// Applies `fault` once to the next `method` request whose path contains `path_contains`.
    pub fn route(
        method: impl Into<String>,
        path_contains: impl Into<String>,
        fault: Fault,
    ) -> Self {
        FaultRule {
            matcher: Matcher::Route {
                method: method.into().to_ascii_uppercase(),
                path_contains: path_contains.into(),
            },
            times: 1,
            fault,
        }
    }

    /// Applies `fault` once to the next request, whatever it is.
    pub fn any(fault: Fault) -> Self {
        FaultRule {
            matcher: Matcher::Any,
            times: 1,
            fault,
        }
    }

    /// Applies to `n` matching requests instead of one.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }
}
