//! A small HTTP client for the gate (Prometheus queries and smoke probes): hyper with rustls,
//! the stack octocrab already brings, so the binary stays static and gains no crate.
//!
//! Certificates are the system's (`SSL_CERT_FILE` in the image). Redirects are not followed: a
//! probe reports the status it got, and Prometheus's API does not redirect. Bodies are read up
//! to [`MAX_BODY`]; a request that has no complete answer within its timeout has failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

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
    pub body: Bytes,
    /// How long the answer took.
    pub elapsed: Duration,
}

/// The client: one connection pool for the whole run.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    user_agent: HeaderValue,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client that trusts the system's certificates. Without any (an image without a CA
    /// bundle), `http://` still works and `https://` fails at the handshake, naming why.
    pub fn new() -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = match hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(Arc::clone(&provider))
        {
            Ok(builder) => builder.https_or_http().enable_http1().build(),
            Err(_) => {
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| format!("cannot set up TLS: {e}"))?
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(config)
                    .https_or_http()
                    .enable_http1()
                    .build()
            }
        };
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let user_agent =
            HeaderValue::from_static(concat!("release-action/", env!("CARGO_PKG_VERSION")));
        Ok(Self { client, user_agent })
    }

    /// Sends `GET url` with `headers` and reads the answer, within `timeout`.
    pub async fn get(
        &self,
        url: &str,
        headers: &[(HeaderName, HeaderValue)],
        timeout: Duration,
    ) -> Result<HttpAnswer, HttpError> {
        let mut request = Request::get(url)
            .header(http::header::USER_AGENT, self.user_agent.clone())
            .body(Empty::<Bytes>::new())
            .map_err(|e| HttpError::Transport(format!("cannot build the request: {e}")))?;
        for (name, value) in headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let started = Instant::now();
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| HttpError::Transport(chain(&e)))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| HttpError::Transport(format!("reading the answer: {e}")))?
                .to_bytes();
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

/// An error's causes, `: `-separated: hyper's own message ("client error (Connect)") says
/// little when there are causes; they say what happened ("tcp connect error: Connection
/// refused (os error 111)").
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
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
