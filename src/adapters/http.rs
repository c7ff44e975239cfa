//! A small HTTP client for the gate (Prometheus queries and smoke probes).
//!
//! It sends its requests through octocrab's client (`Octocrab::execute`, with octocrab's own
//! retries turned off), which the binary already carries for GitHub: a second hyper and rustls
//! client stack would add about half a megabyte to an image with a size budget. Certificates
//! are the system's (`SSL_CERT_FILE` in the image). Redirects are followed, and an
//! `Authorization` header is dropped on a redirect to another host (tower-http's standard
//! policy). Bodies are read up to [`MAX_BODY`]; a request without a complete answer within its
//! timeout has failed.

use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;

/// Largest body read, in bytes: a Prometheus answer of one number is a few hundred.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// A request that got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No complete answer within the timeout.
    #[error("no answer within {}s", .0.as_secs_f64())]
    Timeout(Duration),
    /// The connection or the exchange failed: refused, reset, DNS, TLS, a body too large.
    #[error("{0}")]
    Transport(String),
}

/// An answer.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    /// The status.
    pub status: StatusCode,
    /// The body (up to [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
    /// How long the answer took.
    pub elapsed: Duration,
}

/// The client: one connection pool for the whole run.
#[derive(Clone)]
pub struct HttpClient {
    octo: Octocrab,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client whose connections open within `timeout`. Call it inside the async runtime
    /// that drives its requests: octocrab spawns its connection service onto the current
    /// runtime when it is built.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        let octo = Octocrab::builder()
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self { octo })
    }

    /// Sends `GET url` with `headers` and reads the answer, within `timeout`.
    pub async fn get(
        &self,
        url: &str,
        headers: &[(HeaderName, HeaderValue)],
        timeout: Duration,
    ) -> Result<HttpAnswer, HttpError> {
        let mut request = Request::get(url)
            .body(())
            .map_err(|e| HttpError::Transport(format!("cannot build the request: {e}")))?;
        for (name, value) in headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let started = Instant::now();
        let exchange = async {
            let response = self
                .octo
                .execute(request)
                .await
                .map_err(|e| HttpError::Transport(causes(&e)))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| HttpError::Transport(format!("reading the answer: {e}")))?
                .to_bytes()
                .to_vec();
            Ok(HttpAnswer {
                status,
                body,
                elapsed: started.elapsed(),
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(HttpError::Timeout(timeout)))
    }
}

/// What went wrong, from the innermost causes: the client's own messages ("Hyper error",
/// "client error (Connect)") say little; the causes say what happened ("tcp connect error:
/// Connection refused (os error 111)").
fn causes(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        let generic = text.starts_with("client error (");
        if !generic && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}
