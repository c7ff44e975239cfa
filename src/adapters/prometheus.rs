//! Prometheus's HTTP API: instant queries (`GET /api/v1/query`), with bearer or basic
//! authentication, bounded retries and errors that say what to change.
//!
//! Transport failures, timeouts, 5xx, 408 and 429 are retried with exponential backoff (1 s,
//! 2 s, 4 s, … capped by the caller, who passes the gate's interval); anything else is final. A
//! query Prometheus refuses (400 `bad_data`, 422 `execution`) carries Prometheus's own error
//! text. Credentials go only into the `Authorization` header of requests to the server's own
//! host, and never into a message.
//! See: <https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries>
//! See: <https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview>

use std::time::Duration;

use http::{HeaderValue, StatusCode};
use serde_json::Value;

use base64::Engine as _;

use super::http::{HttpClient, HttpError};

/// Credentials for Prometheus (or the proxy in front of it).
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic <base64(username:password)>`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Bearer(***)"),
            Self::Basic { username, .. } => write!(f, "Basic({username}:***)"),
        }
    }
}

/// A query that did not give a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrometheusError {
    /// Prometheus refused the query: its syntax, or its execution.
    #[error("Prometheus refused the query ({status} {error_type}): {error}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Prometheus's `errorType` (`bad_data`, `execution`, …).
        error_type: String,
        /// Prometheus's `error`.
        error: String,
    },
    /// No answer, or only transient failures, after every attempt.
    #[error("could not reach Prometheus at `{url}` after {attempts} attempt(s): {detail}")]
    Unreachable {
        /// The API base URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        detail: String,
    },
    /// An answer that is final and not a result: 401, 403, 404, a redirect.
    #[error("Prometheus at `{url}` answered {status} to the query: {body}{hint}")]
    Status {
        /// The API base URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
        /// A remedy, starting with a newline, or empty.
        hint: String,
    },
    /// A 200 that is not Prometheus's API format.
    #[error("the answer from `{url}` is not Prometheus's query API: {detail}")]
    Unexpected {
        /// The API base URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The query gives something other than one number.
    #[error("the query returns {what}; an objective needs one number (aggregate it, e.g. with `sum(…)` or `max(…)`)")]
    NotOneNumber {
        /// What it returned: `3 series`, `a range vector`, `a string`.
        what: String,
    },
}

impl PrometheusError {
    /// Whether the failure is the server's or the network's (exit 3) rather than the query's or
    /// the configuration's (exit 2).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}

/// What an instant query gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The value; `None` when the result is empty (no series).
    pub value: Option<f64>,
}

/// The client for one Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    http: HttpClient,
    base: String,
    auth: Option<HeaderValue>,
    attempts: u32,
    max_backoff: Duration,
    timeout: Duration,
}

impl Prometheus {
    /// A client for the server at `base` (the URL its web UI has, e.g.
    /// `https://prometheus.example.com` or `http://127.0.0.1:9090/prometheus`), sending `auth`
    /// to that host only, making at most `retries + 1` attempts per query, waiting at most
    /// `max_backoff` between two, and giving each attempt `timeout`. Nothing is sent until
    /// [`Prometheus::query`]; build it inside the runtime that drives the queries.
    pub fn new(
        base: &str,
        auth: Option<&Auth>,
        retries: u32,
        max_backoff: Duration,
        timeout: Duration,
    ) -> Result<Self, String> {
        let base = base.trim().trim_end_matches('/').to_owned();
        format!("{base}/api/v1/query")
            .parse::<http::Uri>()
            .map_err(|e| format!("`{}` is not a URL: {e}", base.escape_debug()))?;
        let auth = auth
            .map(|a| {
                let value = match a {
                    Auth::Bearer(token) => format!("Bearer {}", token.trim()),
                    Auth::Basic { username, password } => format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{username}:{password}"))
                    ),
                };
                let mut value = HeaderValue::from_str(&value)
                    .map_err(|_| "the credentials hold characters a header cannot carry")?;
                value.set_sensitive(true);
                Ok::<_, String>(value)
            })
            .transpose()?;
        Ok(Self {
            http: HttpClient::new(timeout)?,
            base,
            auth,
            attempts: retries.saturating_add(1),
            max_backoff,
            timeout,
        })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Evaluates `promql` now and returns its one number (or that it has none).
    pub async fn query(&self, promql: &str) -> Result<Sample, PrometheusError> {
        let url = format!("{}/api/v1/query?query={}", self.base, encode(promql));
        let mut headers = vec![(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        )];
        if let Some(auth) = &self.auth {
            headers.push((http::header::AUTHORIZATION, auth.clone()));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.http.get(&url, &headers, self.timeout).await {
                Ok(answer) if !retryable(answer.status) => {
                    return read(&self.base, answer.status, &answer.body)
                }
                Ok(answer) => format!(
                    "it answered {}{}",
                    answer.status,
                    excerpt(&answer.body)
                        .map(|b| format!(": {b}"))
                        .unwrap_or_default()
                ),
                Err(HttpError::Timeout(t)) => {
                    format!("no answer within {}s", t.as_secs_f64())
                }
                Err(HttpError::Transport(e)) => e,
            };
            if attempt >= self.attempts {
                return Err(PrometheusError::Unreachable {
                    url: self.base.clone(),
                    attempts: attempt,
                    detail: failure,
                });
            }
            tokio::time::sleep(backoff(attempt, self.max_backoff)).await;
        }
    }
}

/// Reads a final answer from the server at `base`: its one number, or why there is none.
fn read(base: &str, status: StatusCode, body: &[u8]) -> Result<Sample, PrometheusError> {
    let unexpected = |detail: String| PrometheusError::Unexpected {
        url: base.to_owned(),
        detail,
    };
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let shown = || excerpt(body).map(|b| format!(": {b}")).unwrap_or_default();
    if status.is_success() {
        let Some(json) = &json else {
            return Err(unexpected(format!(
                "it answered {status} with a body that is not JSON{}",
                shown()
            )));
        };
        if field("status").as_deref() != Some("success") {
            return Err(unexpected(format!("`status` is not `success`{}", shown())));
        }
        return parse_result(&json["data"]).map_err(|e| match e {
            Shape::Bad(detail) => unexpected(detail),
            Shape::NotOne(what) => PrometheusError::NotOneNumber { what },
        });
    }
    if let (Some("error"), Some(error)) = (field("status").as_deref(), field("error")) {
        if matches!(status.as_u16(), 400 | 422) {
            return Err(PrometheusError::Refused {
                status: status.as_u16(),
                error_type: field("errorType").unwrap_or_default(),
                error,
            });
        }
    }
    let hint = match status.as_u16() {
        401 | 403 => "\n  = help: check `prometheus-token`, or `prometheus-username` and `prometheus-password`",
        404 => "\n  = help: `prometheus-url` is the address of Prometheus's web UI; the query API is under it at `/api/v1/query`",
        300..=399 => "\n  = help: give the address the redirect points to as `prometheus-url`",
        _ => "",
    };
    Err(PrometheusError::Status {
        url: base.to_owned(),
        status: status.as_u16(),
        body: excerpt(body).unwrap_or_else(|| "(empty)".into()),
        hint: hint.into(),
    })
}

/// Why a `data` object is not one number.
enum Shape {
    /// Not the API's format.
    Bad(String),
    /// A valid result that is not one number.
    NotOne(String),
}

/// Reads `data` of a successful instant query: a vector of at most one sample, or a scalar.
fn parse_result(data: &Value) -> Result<Sample, Shape> {
    let sample = |pair: &Value| -> Result<Sample, Shape> {
        let text = pair
            .get(1)
            .and_then(Value::as_str)
            .ok_or_else(|| Shape::Bad(format!("a sample is `{pair}`, not `[time, \"value\"]`")))?;
        let value = parse_value(text)
            .ok_or_else(|| Shape::Bad(format!("`{}` is not a number", text.escape_debug())))?;
        Ok(Sample { value: Some(value) })
    };
    let result = &data["result"];
    match data["resultType"].as_str() {
        Some("vector") => {
            let series = result
                .as_array()
                .ok_or_else(|| Shape::Bad("`result` of a vector is not a list".into()))?;
            match series.as_slice() {
                [] => Ok(Sample { value: None }),
                [one] => sample(&one["value"]),
                many => Err(Shape::NotOne(format!("{} series", many.len()))),
            }
        }
        Some("scalar") => sample(result),
        Some("matrix") => Err(Shape::NotOne("a range vector".into())),
        Some("string") => Err(Shape::NotOne("a string".into())),
        other => Err(Shape::Bad(format!(
            "`resultType` is {}",
            other.map_or("missing".to_owned(), |t| format!("`{t}`"))
        ))),
    }
}

/// A sample value as Prometheus writes it: a decimal, `NaN`, `+Inf` or `-Inf`.
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok().filter(|v: &f64| v.is_finite()),
    }
}

fn retryable(status: StatusCode) -> bool {
    status.is_server_error() || matches!(status.as_u16(), 408 | 429)
}

/// 1 s, 2 s, 4 s, … after the first, second, third attempt, at most `cap`.
fn backoff(attempt: u32, cap: Duration) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6)).min(cap)
}

/// The start of a body, on one line, for a message; `None` when empty.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return None;
    }
    let mut cut: String = one_line.chars().take(300).collect();
    if cut.len() < one_line.len() {
        cut.push('…');
    }
    Some(cut)
}

/// Percent-encodes a query parameter: everything but the unreserved characters of RFC 3986.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instant_results_are_one_number_or_none() {
        let ok = |v: Value| parse_result(&v).ok();
        assert_eq!(
            ok(json!({"resultType": "vector", "result": []})),
            Some(Sample { value: None })
        );
        assert_eq!(
            ok(
                json!({"resultType": "vector", "result": [{"metric": {}, "value": [1700000000.5, "0.25"]}]})
            ),
            Some(Sample { value: Some(0.25) })
        );
        assert_eq!(
            ok(json!({"resultType": "scalar", "result": [17.0, "+Inf"]})).and_then(|s| s.value),
            Some(f64::INFINITY)
        );
        assert!(ok(
            json!({"resultType": "vector", "result": [{"metric": {}, "value": [1, "NaN"]}]})
        )
        .and_then(|s| s.value)
        .is_some_and(f64::is_nan));
        let two =
            json!({"resultType": "vector", "result": [{"value": [1, "1"]}, {"value": [1, "2"]}]});
        assert!(matches!(parse_result(&two), Err(Shape::NotOne(w)) if w == "2 series"));
        assert!(matches!(
            parse_result(&json!({"resultType": "matrix", "result": []})),
            Err(Shape::NotOne(_))
        ));
        assert!(matches!(
            parse_result(&json!({"resultType": "vector", "result": [{"value": [1, "x"]}]})),
            Err(Shape::Bad(_))
        ));
    }

    #[test]
    fn query_text_is_percent_encoded() {
        assert_eq!(
            encode(r#"sum(rate(x{a="b c"}[1m])) / 2"#),
            "sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B1m%5D%29%29%20%2F%202"
        );
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(5);
        let waits: Vec<u64> = (1..=5).map(|a| backoff(a, cap).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        assert_eq!(
            backoff(1, Duration::from_millis(300)),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn refusals_keep_prometheus_s_error_text() {
        let base = "http://127.0.0.1:9";
        let body = br#"{"status":"error","errorType":"bad_data","error":"1:16: parse error: unclosed left parenthesis"}"#;
        assert_eq!(
            read(base, StatusCode::BAD_REQUEST, body),
            Err(PrometheusError::Refused {
                status: 400,
                error_type: "bad_data".into(),
                error: "1:16: parse error: unclosed left parenthesis".into()
            })
        );
        let e = read(base, StatusCode::UNAUTHORIZED, b"Unauthorized\n").expect_err("401");
        assert!(
            e.to_string()
                .contains("answered 401 to the query: Unauthorized"),
            "{e}"
        );
        let e = read(base, StatusCode::OK, b"<html>login</html>").expect_err("html");
        assert!(matches!(e, PrometheusError::Unexpected { .. }), "{e}");
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let auth = Auth::Basic {
            username: "ci".into(),
            password: "hunter2".into(),
        };
        assert_eq!(format!("{auth:?}"), "Basic(ci:***)");
        assert_eq!(format!("{:?}", Auth::Bearer("t0ken".into())), "Bearer(***)");
    }
}
