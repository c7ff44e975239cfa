//! Shared helpers: an octocrab client for a fake, a seeded repository, and a
//! blocking raw HTTP/1.1 client for requests octocrab cannot express.

use std::io::{Read, Write};
use std::net::TcpStream;

use fake_github::time::macros::datetime;
use fake_github::{FakeGitHub, FileChange};
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;

pub(crate) const OWNER: &str = "octo";
pub(crate) const REPO: &str = "charts";
pub(crate) const TOKEN: &str = "ghs_fake_token";

/// An octocrab client for `base` that never retries (so faults stay visible).
pub(crate) fn octo_at(base: &str) -> Octocrab {
    match Octocrab::builder().base_uri(base).and_then(|b| {
        b.personal_token(TOKEN.to_string())
            .add_retry_config(RetryConfig::None)
            .build()
    }) {
        Ok(o) => o,
        Err(e) => panic!("cannot build octocrab: {e}"),
    }
}

/// An octocrab client for the fake's root.
pub(crate) fn octo(fake: &FakeGitHub) -> Octocrab {
    octo_at(&fake.url())
}

/// A fake with `octo/charts` holding two commits on `main`; returns the head.
pub(crate) fn seeded() -> (FakeGitHub, String) {
    let fake = FakeGitHub::start();
    fake.create_repo(OWNER, REPO, "main");
    fake.commit_changes(
        OWNER,
        REPO,
        "main",
        &[
            FileChange::write("README.md", "hello\n"),
            FileChange::write(
                "helm/charts/frontend/Chart.yaml",
                "apiVersion: v2\nname: frontend\nversion: 1.2.3\n",
            ),
            FileChange::write(
                "releases/staging.yaml",
                "environment: staging\ncharts:\n  frontend: 1.2.2\n",
            ),
            FileChange::executable("run.sh", "#!/bin/sh\necho hi\n"),
            FileChange::symlink("docs-link", "README.md"),
        ],
        "initial commit\n",
        Some(datetime!(2024-01-01 10:00 UTC)),
    );
    let head = fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[(
            "releases/staging.yaml",
            "environment: staging\ncharts:\n  frontend: 1.2.3\n",
        )],
        "pin frontend 1.2.3 in staging\n",
        Some(datetime!(2024-01-02 10:00 UTC)),
    );
    (fake, head)
}

/// A raw HTTP answer.
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Raw {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends one request over a fresh connection and reads the whole answer.
pub(crate) fn raw(
    fake: &FakeGitHub,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Raw {
    let mut stream = match TcpStream::connect(fake.addr()) {
        Ok(s) => s,
        Err(e) => panic!("cannot connect: {e}"),
    };
    let body = body.unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        fake.addr(),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    if let Err(e) = stream.write_all(&bytes) {
        panic!("cannot send: {e}");
    }
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        panic!("cannot read: {e}");
    }
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let body = answer.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw {
        status,
        headers,
        body,
    }
}

/// `raw` with the token and a JSON body.
pub(crate) fn raw_json(
    fake: &FakeGitHub,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> Raw {
    let text = body.to_string();
    raw(
        fake,
        method,
        path,
        &[
            ("Authorization", "Bearer ghs_fake_token"),
            ("Content-Type", "application/json"),
        ],
        Some(text.as_bytes()),
    )
}

/// `raw` GET with the token.
pub(crate) fn raw_get(fake: &FakeGitHub, path: &str) -> Raw {
    raw(
        fake,
        "GET",
        path,
        &[("Authorization", "Bearer ghs_fake_token")],
        None,
    )
}

/// The status of an octocrab error (0 when it is not a GitHub error).
pub(crate) fn status_of(err: &octocrab::Error) -> u16 {
    match err {
        octocrab::Error::GitHub { source, .. } => source.status_code.as_u16(),
        _ => 0,
    }
}

/// The message of an octocrab GitHub error.
pub(crate) fn message_of(err: &octocrab::Error) -> String {
    match err {
        octocrab::Error::GitHub { source, .. } => source.message.clone(),
        other => other.to_string(),
    }
}
