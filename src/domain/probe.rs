//! Smoke probes: `gate --http URL --expect 200`, the health check a deploy runs with `curl` in
//! a loop. The probe asks the URL up to `retries + 1` times, `interval` apart, and passes at the
//! first answer whose status is expected; an answer with another status, a timeout or a
//! connection that fails is a failed attempt. No I/O here: the use case sends the requests.

use std::time::Duration;

/// Default number of retries after a failed attempt (`curl --retry 10`).
pub const DEFAULT_RETRIES: u32 = 10;
/// Default time between attempts (`curl --retry-delay 3`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3);
/// Most retries accepted.
pub const MAX_RETRIES: u32 = 1000;

/// What a probe run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbePlan {
    /// The URL asked.
    pub url: String,
    /// The statuses that pass.
    pub expect: Vec<u16>,
    /// Attempts at most: the first and the retries.
    pub attempts: u32,
    /// Time between attempts.
    pub interval: Duration,
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP status.
    Status(u16),
    /// No answer: why (connection refused, timeout, TLS).
    Failed(String),
}

/// One attempt, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1-based number.
    pub number: u32,
    /// When it was scheduled, from the start.
    pub offset: Duration,
    /// What it got.
    pub answer: Answer,
    /// How long the answer took.
    pub elapsed: Duration,
    /// Whether the status was expected.
    pub ok: bool,
}

/// The attempts of one probe run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The plan being run.
    pub plan: ProbePlan,
    /// The attempts so far.
    pub attempts: Vec<Attempt>,
}

impl Probe {
    /// A probe that has asked nothing yet.
    pub fn new(plan: ProbePlan) -> Self {
        Self {
            plan,
            attempts: Vec::new(),
        }
    }

    /// Judges the next attempt; returns whether the probe is over (passed, or out of attempts).
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_action::domain::probe::{Answer, Probe, ProbePlan};
    /// let plan = ProbePlan { url: "http://web/healthz".into(), expect: vec![200], attempts: 3, interval: Duration::from_secs(1) };
    /// let mut p = Probe::new(plan);
    /// assert!(!p.record(Duration::ZERO, Answer::Status(503), Duration::from_millis(4)));
    /// assert!(p.record(Duration::from_secs(1), Answer::Status(200), Duration::from_millis(3)));
    /// assert!(p.passed());
    /// ```
    pub fn record(&mut self, offset: Duration, answer: Answer, elapsed: Duration) -> bool {
        let ok = matches!(answer, Answer::Status(s) if self.plan.expect.contains(&s));
        self.attempts.push(Attempt {
            number: u32::try_from(self.attempts.len()).unwrap_or(u32::MAX) + 1,
            offset,
            answer,
            elapsed,
            ok,
        });
        ok || self.attempts.len() >= self.plan.attempts as usize
    }

    /// Whether an attempt got an expected status.
    pub fn passed(&self) -> bool {
        self.attempts.iter().any(|a| a.ok)
    }

    /// Attempts that failed.
    pub fn failures(&self) -> u32 {
        u32::try_from(self.attempts.iter().filter(|a| !a.ok).count()).unwrap_or(u32::MAX)
    }

    /// The last status received, if any.
    pub fn last_status(&self) -> Option<u16> {
        self.attempts.iter().rev().find_map(|a| match a.answer {
            Answer::Status(s) => Some(s),
            Answer::Failed(_) => None,
        })
    }

    /// The expected statuses for people: `200` or `200 or 204`.
    pub fn expected(&self) -> String {
        let codes: Vec<String> = self.plan.expect.iter().map(u16::to_string).collect();
        codes.join(" or ")
    }
}

/// Parses `--expect`: one status or several separated by commas (`200`, `200,204`).
pub fn parse_expect(text: &str) -> Result<Vec<u16>, String> {
    let mut codes = Vec::new();
    for part in text.split(',').map(str::trim) {
        let code = part
            .parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .ok_or_else(|| {
                format!(
                    "`{}` is not an HTTP status from 100 to 599",
                    part.escape_debug()
                )
            })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Parses `--retries`: a whole number from 0.
pub fn parse_retries(text: &str) -> Result<u32, String> {
    let text = text.trim();
    text.parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_RETRIES)
        .ok_or_else(|| {
            format!(
                "`{}` is not a whole number from 0 to {MAX_RETRIES}",
                text.escape_debug()
            )
        })
}

/// The parts of an `http://` or `https://` URL that the gate checks before it asks anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// Whether it is `https`.
    pub https: bool,
    /// The host (and port), as written.
    pub authority: String,
    /// The path and query, `/` when empty.
    pub path_and_query: String,
}

/// Checks a URL a person gave: `http` or `https`, a host, an optional port, no credentials
/// (they belong in the inputs meant for them, which are masked), no fragment, no spaces or
/// control characters. A URL with credentials is named with them replaced by `***`.
///
/// ```
/// use release_action::domain::probe::check_url;
/// assert!(check_url("https://prometheus.example.com/prom").is_ok());
/// let e = check_url("https://me:hunter2@prometheus.example.com").expect_err("credentials");
/// assert!(!e.contains("hunter2"), "{e}");
/// assert!(check_url("ftp://x").is_err());
/// ```
pub fn check_url(text: &str) -> Result<HttpUrl, String> {
    let text = text.trim();
    let (https, rest) = if let Some(r) = strip_prefix_ignore_case(text, "https://") {
        (true, r)
    } else if let Some(r) = strip_prefix_ignore_case(text, "http://") {
        (false, r)
    } else {
        return Err(format!(
            "`{}` is not an `http://` or `https://` URL",
            redact(text).escape_debug()
        ));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(format!(
            "`{}` holds credentials; give them in the inputs meant for them, which are masked",
            redact(text).escape_debug()
        ));
    }
    if text.len() > 8192 || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "`{}` holds spaces or control characters, or is longer than 8 KiB",
            text.escape_debug()
        ));
    }
    if tail.contains('#') {
        return Err(format!(
            "`{}` has a fragment (`#…`), which is never sent",
            text.escape_debug()
        ));
    }
    // `[::1]:9090` or `host:9090`; a port, when present, follows the host's last character.
    let host_end = if authority.starts_with('[') {
        authority.find(']').map_or(authority.len(), |i| i + 1)
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (host, port) = authority.split_at(host_end);
    let port = match port {
        "" => None,
        p => Some(p.strip_prefix(':').unwrap_or("invalid")),
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[') && host.ends_with(']')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if !host_ok || !port_ok {
        return Err(format!(
            "`{}` does not name a host (and port) such as `prometheus.example.com:9090`",
            text.escape_debug()
        ));
    }
    let path_and_query = if tail.is_empty() {
        "/".to_owned()
    } else if tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_owned()
    };
    Ok(HttpUrl {
        https,
        authority: authority.to_owned(),
        path_and_query,
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `text` with any `user:password@` of its authority replaced by `***@`.
pub fn redact(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[scheme_end..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..scheme_end], &rest[at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(attempts: u32) -> ProbePlan {
        ProbePlan {
            url: "http://web/healthz".into(),
            expect: vec![200, 204],
            attempts,
            interval: Duration::from_secs(1),
        }
    }

    #[test]
    fn a_probe_passes_at_the_first_expected_status() {
        let mut p = Probe::new(plan(5));
        let ms = Duration::from_millis(1);
        assert!(!p.record(
            Duration::ZERO,
            Answer::Failed("connection refused".into()),
            ms
        ));
        assert!(!p.record(Duration::from_secs(1), Answer::Status(503), ms));
        assert!(p.record(Duration::from_secs(2), Answer::Status(204), ms));
        assert!(p.passed());
        assert_eq!(p.failures(), 2);
        assert_eq!(p.last_status(), Some(204));
        assert_eq!(p.expected(), "200 or 204");
    }

    #[test]
    fn a_probe_fails_when_the_attempts_run_out() {
        let mut p = Probe::new(plan(2));
        let ms = Duration::from_millis(1);
        assert!(!p.record(Duration::ZERO, Answer::Status(500), ms));
        assert!(p.record(Duration::from_secs(1), Answer::Status(302), ms));
        assert!(!p.passed());
        assert_eq!(p.failures(), 2);
    }

    #[test]
    fn expected_statuses_are_http_codes() {
        assert_eq!(parse_expect("200"), Ok(vec![200]));
        assert_eq!(parse_expect("200, 204,200"), Ok(vec![200, 204]));
        for bad in ["", "ok", "99", "600", "200,"] {
            assert!(parse_expect(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_retries("3"), Ok(3));
        assert!(parse_retries("-1").is_err());
    }

    #[test]
    fn urls_are_checked_before_anything_is_asked() {
        let ok = check_url("http://127.0.0.1:9090").expect("valid");
        assert_eq!(
            (ok.https, ok.authority.as_str(), ok.path_and_query.as_str()),
            (false, "127.0.0.1:9090", "/")
        );
        let q = check_url("HTTPS://web.example/health?full=1").expect("valid");
        assert!(q.https);
        assert_eq!(q.path_and_query, "/health?full=1");
        assert_eq!(
            check_url("http://[::1]:8080/x").map(|u| u.authority),
            Ok("[::1]:8080".to_owned())
        );
        for bad in [
            "prometheus:9090",
            "http://",
            "http://:9090",
            "http://host:99999",
            "http://host:0",
            "http://ho st",
            "http://host/a#b",
            "http://a\u{0}b",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_in_a_url_are_never_repeated() {
        assert_eq!(
            redact("https://u:secret@h.example/x@y"),
            "https://***@h.example/x@y"
        );
        assert_eq!(redact("https://h.example/x"), "https://h.example/x");
        let e = check_url("http://user:s3cr3t@host").expect_err("credentials");
        assert!(
            e.contains("http://***@host") && !e.contains("s3cr3t"),
            "{e}"
        );
    }
}
