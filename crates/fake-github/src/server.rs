//! The HTTP/1.1 side of the fake: accepting connections on loopback, turning
//! each request into a checked operation (authentication, contract check,
//! injected faults, handler), adding the headers GitHub sends on every
//! response, and logging what happened.
//!
//! Built on hyper 1 (`http1` server connections) over a tokio runtime of its
//! own. Answers follow GitHub's REST conventions: `401` without credentials,
//! `404` for unknown routes, `x-ratelimit-*` on every answer.
//! See: <https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api>.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

use crate::api::{self, error, Body, Reply, Req};
use crate::faults::Fault;
use crate::git::Signature;
use crate::render::Ctx;
use crate::spec::{parse_query, Lookup, Spec};
use crate::state::{now, State};
use crate::types::{FileChange, RequestRecord, Violation};

const RATE_LIMIT: u64 = 5000;
const SECONDARY_MESSAGE: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

/// What the server threads share with the test's handle.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) spec: Arc<Spec>,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    /// The bound address.
    pub(crate) addr: std::net::SocketAddr,
}

impl Shared {
    /// Locks the state, recovering it if a panicking test thread poisoned the lock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Accepts connections until `shutdown` fires, then lets open connections
/// finish their current request (for at most a second).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                let mut stop = stop_rx.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| respond(shared.clone(), req));
                    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
        }
    }
    let _ = stop_tx.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), drain).await;
    connections.abort_all();
}

async fn respond(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    if parts.method == hyper::Method::GET
        && parts.uri.path() == crate::ADMIN_STATE_PATH
        && shared.lock().admin
    {
        let state = crate::FakeGitHub::view(shared.clone()).state_json();
        return Ok(admin_answer(&state));
    }
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Ok(process(&shared, parts, bytes).await)
}

/// The answer of the admin route: the state as JSON, never logged or checked
/// against the contract (it is not part of GitHub's API).
fn admin_answer(state: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(state.to_string())));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Everything about one request that the log and the violations need.
struct Seen {
    method: String,
    path: String,
    query: String,
    operation_id: Option<String>,
    body: Option<Value>,
    fault: Option<String>,
}

impl Seen {
    fn violation(&self, reason: String) -> Violation {
        let path = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        Violation {
            method: self.method.clone(),
            path,
            operation_id: self.operation_id.clone(),
            reason,
        }
    }
}

fn bearer(header: &str) -> &str {
    let h = header.trim();
    for prefix in ["Bearer ", "bearer ", "token ", "Token "] {
        if let Some(rest) = h.strip_prefix(prefix) {
            return rest.trim();
        }
    }
    h
}

fn fault_reply(fault: &Fault) -> Reply {
    let docs = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";
    match fault {
        Fault::Status(status) => {
            let message = match status {
                500 => "Server Error",
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Timeout",
                _ => "Error",
            };
            error(*status, message, "https://docs.github.com/rest")
        }
        Fault::RateLimited { retry_after_secs } => {
            let mut r = error(429, SECONDARY_MESSAGE, docs);
            r.headers
                .push(("retry-after".into(), retry_after_secs.to_string()));
            r
        }
        Fault::SecondaryRateLimit { retry_after_secs } => {
            let mut r = error(403, SECONDARY_MESSAGE, docs);
            r.headers
                .push(("retry-after".into(), retry_after_secs.to_string()));
            r
        }
        Fault::PrimaryRateLimit { reset_in_secs } => {
            let mut r = error(
                403,
                "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.",
                docs,
            );
            r.headers.push(("x-ratelimit-remaining".into(), "0".into()));
            r.headers.push((
                "x-ratelimit-reset".into(),
                (now() + i64::try_from(*reset_in_secs).unwrap_or(i64::MAX / 2)).to_string(),
            ));
            r
        }
        Fault::Forbidden { message } => error(403, message, "https://docs.github.com/rest"),
        // Slow and MoveBranch shape the request, not the answer.
        Fault::LostAnswer(status) => fault_reply(&Fault::Status(*status)),
        Fault::Slow(_) | Fault::MoveBranch { .. } => {
            error(500, "Server Error", "https://docs.github.com/rest")
        }
    }
}

fn header(parts: &hyper::http::request::Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn process(
    shared: &Shared,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let mut seen = Seen {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: raw_path.clone(),
        query: raw_query.clone(),
        operation_id: None,
        body: serde_json::from_slice::<Value>(&body).ok(),
        fault: None,
    };
    // NOTE: GitHub Enterprise Server serves the same API under `/api/v3`.
    let (api_root, path) = match raw_path.strip_prefix("/api/v3") {
        Some(rest) if rest.starts_with('/') => {
            (format!("{}/api/v3", shared.base), rest.to_string())
        }
        _ => (shared.base.clone(), raw_path.clone()),
    };
    let ctx = Ctx {
        api: api_root.clone(),
        html: shared.base.clone(),
    };

    {
        let mut st = shared.lock();
        if st.require_auth {
            let denied = match header(&parts, "authorization") {
                None => Some("Requires authentication"),
                Some(given) => match &st.token {
                    Some(expected) if bearer(&given) != expected => Some("Bad credentials"),
                    _ => None,
                },
            };
            if let Some(message) = denied {
                let reply = error(401, message, "https://docs.github.com/rest");
                return finish(&mut st, &seen, reply);
            }
        }
    }

    let (route, params) = match shared.spec.lookup(&seen.method, &path) {
        Lookup::Found(route, params) => (route, params),
        other => {
            let reason = match other {
                Lookup::WrongMethod => format!(
                    "{} is not allowed on this path by openapi-subset.json",
                    seen.method
                ),
                _ => "no operation of openapi-subset.json has this path".to_string(),
            };
            let mut st = shared.lock();
            let v = seen.violation(reason);
            st.violations.push(v);
            let reply = error(404, "Not Found", "https://docs.github.com/rest");
            return finish(&mut st, &seen, reply);
        }
    };
    seen.operation_id = Some(route.operation_id.clone());
    let query = parse_query(&raw_query);
    let content_type = header(&parts, "content-type");
    let (findings, parsed) =
        shared
            .spec
            .check_request(route, &params, &query, content_type.as_deref(), &body);

    // Faults: taken in injection order, each used up after `times` matches.
    let fault = {
        let mut st = shared.lock();
        let index = st.faults.iter().position(|r| {
            r.times > 0
                && r.matcher
                    .matches(&seen.method, &raw_path, seen.operation_id.as_deref())
        });
        index.and_then(|i| {
            let rule = st.faults.get_mut(i)?;
            rule.times -= 1;
            let fault = rule.fault.clone();
            if rule.times == 0 {
                st.faults.remove(i);
            }
            Some(fault)
        })
    };
    if let Some(fault) = &fault {
        seen.fault = Some(fault.label());
        match fault {
            Fault::Slow(duration) => tokio::time::sleep(*duration).await,
            // Handled below; only the answer is replaced.
            Fault::LostAnswer(_) => {}
            Fault::MoveBranch { branch, files } => {
                let mut st = shared.lock();
                let owner = params.get("owner").cloned().unwrap_or_default();
                let repo_name = params.get("repo").cloned().unwrap_or_default();
                if let Some(repo) = st.repo_mut(&owner, &repo_name) {
                    if repo.branch(branch).is_some() {
                        let changes: Vec<FileChange> = files
                            .iter()
                            .map(|(p, c)| FileChange::write(p.clone(), c))
                            .collect();
                        let sig = Signature {
                            name: "Another Writer".into(),
                            email: "another-writer@example.com".into(),
                            time: now(),
                            offset_minutes: 0,
                        };
                        repo.commit_changes(
                            branch,
                            &changes,
                            "concurrent change\n",
                            sig.clone(),
                            sig,
                        );
                    }
                }
            }
            other => {
                let mut st = shared.lock();
                for (_, reason) in &findings.violations {
                    let v = seen.violation(reason.clone());
                    st.violations.push(v);
                }
                return finish(&mut st, &seen, fault_reply(other));
            }
        }
    }

    let mut st = shared.lock();
    for reason in &findings.warnings {
        let v = seen.violation(reason.clone());
        st.warnings.push(v);
    }
    if let Some((status, _)) = findings.violations.first() {
        let status = *status;
        let reasons: Vec<String> = findings.violations.iter().map(|(_, r)| r.clone()).collect();
        for reason in &reasons {
            let v = seen.violation(reason.clone());
            st.violations.push(v);
        }
        let reply = match status {
            404 => error(404, "Not Found", &route.docs_url),
            400 => error(400, "Problems parsing JSON", &route.docs_url),
            s => error(
                s,
                &format!("Invalid request.\n\n{}", reasons.join("\n")),
                &route.docs_url,
            ),
        };
        return finish(&mut st, &seen, reply);
    }

    let accept = header(&parts, "accept").unwrap_or_default();
    let link_base = format!("{api_root}{path}");
    let mut req = Req {
        ctx,
        route,
        params: &params,
        query: &query,
        body: parsed.as_ref(),
        raw_body: &body,
        accept: &accept,
        content_type: content_type.as_deref(),
        link_base,
        violations: Vec::new(),
        warnings: Vec::new(),
    };
    let mut reply = api::handle(&mut st, &mut req);
    for reason in req.violations {
        let v = seen.violation(reason);
        st.violations.push(v);
    }
    for reason in req.warnings {
        let v = seen.violation(reason);
        st.warnings.push(v);
    }
    if let Body::Json(value) = &reply.body {
        for problem in shared.spec.check_response(route, reply.status, value) {
            let v = seen.violation(format!(
                "the fake's own {} answer breaks the schema: {problem}",
                reply.status
            ));
            st.response_violations.push(v);
        }
    }
    if let Some(lost @ Fault::LostAnswer(_)) = &fault {
        reply = fault_reply(lost);
    }
    finish(&mut st, &seen, reply)
}

/// Adds the common headers, logs the request and builds the hyper response.
fn finish(st: &mut State, seen: &Seen, reply: Reply) -> Response<Full<Bytes>> {
    st.rate_used += 1;
    // NOTE: the window also rolls over when the budget would run out, so a
    // long test never sees `x-ratelimit-remaining: 0` unless it injects
    // `Fault::PrimaryRateLimit` (a client honouring it would wait an hour).
    if now() >= st.rate_reset || st.rate_used >= RATE_LIMIT {
        st.rate_reset = now() + 3600;
        st.rate_used = 1;
    }
    let write = matches!(seen.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE");
    st.log.push(RequestRecord {
        method: seen.method.clone(),
        path: seen.path.clone(),
        query: seen.query.clone(),
        operation_id: seen.operation_id.clone(),
        status: reply.status,
        write,
        fault: seen.fault.clone(),
        body: seen.body.clone(),
    });
    let request_number = st.log.len();
    let mut headers = reply.headers;
    let mut add = |name: &str, value: String| {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            headers.push((name.to_string(), value));
        }
    };
    add("x-ratelimit-limit", RATE_LIMIT.to_string());
    add(
        "x-ratelimit-remaining",
        RATE_LIMIT.saturating_sub(st.rate_used).to_string(),
    );
    add("x-ratelimit-reset", st.rate_reset.to_string());
    add("x-ratelimit-used", st.rate_used.to_string());
    add("x-ratelimit-resource", "core".into());
    add("x-github-request-id", format!("FAKE:{request_number:08X}"));
    add("x-github-api-version-selected", "2022-11-28".into());
    add("x-github-media-type", "github.v3; format=json".into());
    let (bytes, content_type) = match reply.body {
        Body::Json(v) => (
            Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
            Some("application/json; charset=utf-8".to_string()),
        ),
        Body::Raw(b, ct) => (Bytes::from(b), Some(ct)),
        Body::Empty => (Bytes::new(), None),
    };
    if let Some(ct) = content_type {
        add("content-type", ct);
    }
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(bytes)).unwrap_or_else(|_| {
        let mut fallback = Response::new(Full::new(Bytes::from(
            json!({"message": "the fake built an invalid response"}).to_string(),
        )));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
