//! A real Prometheus for the gate's tests, and the service it scrapes.
//!
//! [`Exporter`] is a small HTTP server in the test process: `/metrics` serves, per `app` label,
//! the counter `http_requests_total{code}` and the histogram `http_request_duration_seconds`,
//! grown at each scrape from the traffic the test set ([`Traffic`]) and the time since the last
//! scrape; `/probe/<name>` answers a scripted sequence of statuses; `/proxy/…` forwards to
//! Prometheus only when the request carries the bearer token [`PROXY_TOKEN`], as an
//! authenticating proxy in front of Prometheus does.
//!
//! [`Prometheus`] runs Debian's `prometheus` binary (or `$PROMETHEUS`) on a free loopback port
//! with its own configuration and data directory, scraping the exporter every second. It runs
//! under a `sh` watchdog that reads the test process's end of a pipe: when the test process
//! exits, however it exits, the pipe closes and the watchdog stops Prometheus and removes its
//! directory, so no server outlives the tests. [`shared`] is one exporter and one Prometheus for
//! the whole test binary (Prometheus's first scrape comes about five seconds after it starts,
//! so tests share it); each test serves its own `app` so that tests never see each other's data.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Upper bounds of the latency histogram's buckets, in seconds (then `+Inf`).
pub const BUCKETS: [f64; 7] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The token the exporter's `/proxy/` demands.
pub const PROXY_TOKEN: &str = "prom-bearer-0123456789abcdef";

/// A user and password the basic-auth Prometheus accepts, and the bcrypt hash it is given.
pub const BASIC_USER: &str = "gate";
/// The password of [`BASIC_USER`].
pub const BASIC_PASSWORD: &str = "gate-s3cret";
const BASIC_HASH: &str = "$2b$04$YmXibFnhz6jdx2kG/1oZBu7SenMOo.1CLrbxzOb9hXF1Co80.ltaa";

/// What an app serves, per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traffic {
    /// Requests per second.
    pub rps: f64,
    /// Share of them answered 500.
    pub error_share: f64,
    /// Share of requests per latency bucket: `BUCKETS` then `+Inf`; sums to 1.
    pub latency: [f64; 8],
}

impl Traffic {
    /// 50 requests a second, no errors, every one between 50 and 100 ms.
    pub fn healthy() -> Self {
        Self {
            rps: 50.0,
            error_share: 0.0,
            latency: [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    }

    /// Healthy latency, with `share` of the requests failing.
    pub fn failing(share: f64) -> Self {
        Self {
            error_share: share,
            ..Self::healthy()
        }
    }

    /// Requests spread over the buckets as given.
    pub fn latency(latency: [f64; 8]) -> Self {
        Self {
            latency,
            ..Self::healthy()
        }
    }
}

#[derive(Debug)]
struct App {
    /// The labels of its series, `app="<name>"` first.
    labels: String,
    traffic: Traffic,
    last: Instant,
    ok: f64,
    errors: f64,
    buckets: [f64; 8],
    sum: f64,
}

#[derive(Debug, Default)]
struct State {
    apps: BTreeMap<String, App>,
    probes: BTreeMap<String, (Vec<u16>, usize)>,
    prometheus: Option<String>,
}

/// The service Prometheus scrapes, and the probes' target.
#[derive(Debug, Clone)]
pub struct Exporter {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Exporter {
    /// Starts serving on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the exporter");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            state,
        }
    }

    /// Serves `app`'s metrics with `traffic` from now on (its counters keep what they hold).
    pub fn serve(&self, app: &str, traffic: Traffic) {
        self.serve_labelled(app, "", traffic);
    }

    /// Serves `app`'s metrics with `traffic`, its series also labelled `extra`
    /// (`namespace="staging",service="web"`), as Kubernetes service discovery labels them.
    pub fn serve_labelled(&self, app: &str, extra: &str, traffic: Traffic) {
        let mut state = self.state.lock().expect("exporter state");
        let now = Instant::now();
        let labels = if extra.is_empty() {
            format!("app=\"{app}\"")
        } else {
            format!("app=\"{app}\",{extra}")
        };
        let entry = state.apps.entry(app.to_owned()).or_insert(App {
            labels,
            traffic,
            last: now,
            ok: 0.0,
            errors: 0.0,
            buckets: [0.0; 8],
            sum: 0.0,
        });
        advance(entry, now);
        entry.traffic = traffic;
    }

    /// `/probe/<name>` answers `statuses` in turn, then the last one forever.
    pub fn probe(&self, name: &str, statuses: &[u16]) -> String {
        self.state
            .lock()
            .expect("exporter state")
            .probes
            .insert(name.to_owned(), (statuses.to_vec(), 0));
        format!("{}/probe/{name}", self.url)
    }

    /// How many times `/probe/<name>` was asked.
    pub fn probed(&self, name: &str) -> usize {
        self.state
            .lock()
            .expect("exporter state")
            .probes
            .get(name)
            .map_or(0, |p| p.1)
    }

    /// Makes `/proxy/` forward to `prometheus`.
    fn proxy_to(&self, prometheus: &str) {
        self.state.lock().expect("exporter state").prometheus = Some(prometheus.to_owned());
    }
}

/// Grows `app`'s counters by its traffic over the time since the last update.
fn advance(app: &mut App, now: Instant) {
    let dt = now.duration_since(app.last).as_secs_f64();
    app.last = now;
    let n = app.traffic.rps * dt;
    app.errors += n * app.traffic.error_share;
    app.ok += n * (1.0 - app.traffic.error_share);
    for (i, share) in app.traffic.latency.iter().enumerate() {
        app.buckets[i] += n * share;
        let mid = match i {
            0 => BUCKETS[0] / 2.0,
            7 => BUCKETS[6] * 2.0,
            _ => (BUCKETS[i - 1] + BUCKETS[i]) / 2.0,
        };
        app.sum += n * share * mid;
    }
}

/// The text exposition format of every app, as a client library writes it: the 5xx series
/// exists only once an error happened.
fn render_metrics(state: &mut State) -> String {
    let now = Instant::now();
    let mut out = String::from(
        "# HELP http_requests_total Requests by status code.\n# TYPE http_requests_total counter\n",
    );
    for app in state.apps.values_mut() {
        advance(app, now);
        let labels = &app.labels;
        out.push_str(&format!(
            "http_requests_total{{{labels},code=\"200\"}} {}\n",
            app.ok
        ));
        if app.errors > 0.0 {
            out.push_str(&format!(
                "http_requests_total{{{labels},code=\"500\"}} {}\n",
                app.errors
            ));
        }
    }
    out.push_str("# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n");
    for app in state.apps.values() {
        let labels = &app.labels;
        let mut cumulative = 0.0;
        for (i, count) in app.buckets.iter().enumerate() {
            cumulative += count;
            let le = BUCKETS.get(i).map_or("+Inf".to_owned(), |b| b.to_string());
            out.push_str(&format!(
                "http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}\n"
            ));
        }
        out.push_str(&format!(
            "http_request_duration_seconds_sum{{{labels}}} {}\nhttp_request_duration_seconds_count{{{labels}}} {cumulative}\n",
            app.sum
        ));
    }
    out
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some((path, headers)) = read_request(&mut stream) else {
        return;
    };
    let (status, content_type, body) = if path == "/metrics" {
        let text = render_metrics(&mut state.lock().expect("exporter state"));
        (200, "text/plain; version=0.0.4", text)
    } else if let Some(name) = path.strip_prefix("/probe/") {
        let mut s = state.lock().expect("exporter state");
        match s.probes.get_mut(name) {
            Some((statuses, asked)) => {
                let status = statuses[(*asked).min(statuses.len() - 1)];
                *asked += 1;
                (status, "text/plain", format!("{status}\n"))
            }
            None => (404, "text/plain", "no such probe\n".to_owned()),
        }
    } else if let Some(rest) = path.strip_prefix("/proxy") {
        let target = state.lock().expect("exporter state").prometheus.clone();
        let authorized = headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("authorization") && *v == format!("Bearer {PROXY_TOKEN}")
        });
        match (target, authorized) {
            (Some(base), true) => {
                let (status, body) = http_get(&format!("{base}{rest}"), None);
                (status, "application/json", body)
            }
            _ => (
                401,
                "text/plain",
                "missing or wrong bearer token\n".to_owned(),
            ),
        }
    } else {
        (404, "text/plain", "not found\n".to_owned())
    };
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The request target and headers of one HTTP/1.x request.
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<(String, String)>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut byte).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some((path, headers))
}

/// `GET url` over plain HTTP: the status and the body (`0` and the error when nothing answers).
pub fn http_get(url: &str, authorization: Option<&str>) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = match TcpStream::connect(authority) {
        Ok(s) => s,
        Err(e) => return (0, e.to_string()),
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    if write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\n{auth}Connection: close\r\n\r\n"
    )
    .is_err()
    {
        return (0, "write failed".into());
    }
    let mut response = Vec::new();
    if stream.read_to_end(&mut response).is_err() && response.is_empty() {
        return (0, "read failed".into());
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

/// Percent-encodes a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A Prometheus server of the test process.
#[derive(Debug)]
pub struct Prometheus {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    watchdog: Child,
    dir: PathBuf,
}

/// Where the `prometheus` binary is: `$PROMETHEUS`, else on `PATH`, else Debian's path. Panics
/// with what to install when there is none: these tests never pass without a real server.
pub fn prometheus_binary() -> PathBuf {
    let binary = std::env::var_os("PROMETHEUS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("prometheus"))
                    .find(|p| p.is_file())
            })
        })
        .unwrap_or_else(|| PathBuf::from("/usr/bin/prometheus"));
    assert!(
        binary.is_file(),
        "the gate's tests need a real Prometheus, and there is none at `{}`: run \
         `apt-get install -y --no-install-recommends prometheus` (Debian's package, as .ci/run \
         does), or set PROMETHEUS to the server's binary",
        binary.display()
    );
    binary
}

impl Prometheus {
    /// Starts a server scraping `exporter` (when given) every second, behind basic
    /// authentication (when `basic_auth`), and waits until it is ready.
    pub fn start(exporter: Option<&Exporter>, basic_auth: bool) -> Self {
        let binary = prometheus_binary();
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            let dir = tempfile::Builder::new()
                .prefix("gate-prometheus-")
                .tempdir()
                .expect("tempdir")
                .keep();
            let scrape = exporter.map_or(String::new(), |e| {
                format!(
                    "scrape_configs:\n  - job_name: service\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
                    e.port
                )
            });
            std::fs::write(
                dir.join("prometheus.yml"),
                format!("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n{scrape}"),
            )
            .expect("write the configuration");
            let mut args = vec![
                format!("--config.file={}", dir.join("prometheus.yml").display()),
                format!("--storage.tsdb.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--log.level=warn".to_owned(),
            ];
            if basic_auth {
                std::fs::write(
                    dir.join("web.yml"),
                    format!("basic_auth_users:\n  {BASIC_USER}: '{BASIC_HASH}'\n"),
                )
                .expect("write the web configuration");
                args.push(format!(
                    "--web.config.file={}",
                    dir.join("web.yml").display()
                ));
            }
            // NOTE: the watchdog stops Prometheus when the pipe on its stdin closes, which the
            // kernel does when this process exits: statics are never dropped.
            let script = r#"bin="$1"; shift; "$bin" "$@" >"$DIR/prometheus.log" 2>&1 & pid=$!
cat >/dev/null
kill "$pid" 2>/dev/null
wait "$pid"
rm -rf "$DIR""#;
            let watchdog = Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg("watchdog")
                .arg(&binary)
                .args(&args)
                .env("DIR", &dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start sh");
            let server = Self {
                url: format!("http://127.0.0.1:{port}"),
                watchdog,
                dir,
            };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let auth = basic_auth.then(|| basic_header(BASIC_USER, BASIC_PASSWORD));
                if http_get(&format!("{}/-/ready", server.url), auth.as_deref()).0 == 200 {
                    if let Some(e) = exporter {
                        e.proxy_to(&server.url);
                    }
                    return server;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            last_log = server.log();
            drop(server);
            if !last_log.contains("address already in use") {
                break;
            }
        }
        panic!("prometheus did not become ready; its log:\n{last_log}");
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// The number `query` gives now, or `None` when it has none.
    pub fn value(&self, query: &str) -> Option<f64> {
        let (status, body) = http_get(
            &format!("{}/api/v1/query?query={}", self.url, encode(query)),
            None,
        );
        assert_eq!(status, 200, "{query}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        json["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|v| v.parse().ok())
    }

    /// Waits until Prometheus holds at least `samples` scrapes of `app`, so that a `rate()`
    /// over a few seconds has data.
    pub fn wait_for_app(&self, app: &str, samples: usize) {
        let query =
            format!("count_over_time(http_requests_total{{app=\"{app}\",code=\"200\"}}[1m])");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.value(&query).is_some_and(|n| n >= samples as f64) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "Prometheus never scraped `{app}` {samples} times; its log:\n{}",
            self.log()
        );
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        drop(self.watchdog.stdin.take());
        let _ = self.watchdog.wait();
    }
}

/// `Basic base64(user:password)`.
pub fn basic_header(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// A loopback port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One exporter and one Prometheus scraping it, for the whole test binary.
pub struct Shared {
    /// The exporter.
    pub exporter: Exporter,
    /// The server.
    pub prometheus: Prometheus,
}

/// The shared exporter and Prometheus, started on first use.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let exporter = Exporter::start();
        let prometheus = Prometheus::start(Some(&exporter), false);
        Shared {
            exporter,
            prometheus,
        }
    })
}
