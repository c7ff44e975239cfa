//! `gate` end to end: the real binary, run as the container action, against a real Prometheus
//! scraping a service whose traffic each test sets (`tests/support/prometheus.rs`).
//!
//! Windows are seconds long (scrapes every second, evaluations every second, `rate()` over five
//! seconds), and every test serves its own `app`, so the tests run side by side on one server.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{Ran, Sandbox};
use crate::prometheus::{self, Traffic, BASIC_PASSWORD, BASIC_USER, PROXY_TOKEN};
use crate::runner::assert_only_our_commands;

/// The services of these tests (and of the workflow examples' tests), all served from the
/// first use on, so that their data builds up in Prometheus while other tests run.
fn apps() -> Vec<(&'static str, &'static str, Traffic)> {
    vec![
        ("healthy", "", Traffic::healthy()),
        ("burst", "", Traffic::healthy()),
        // Every request between 1 and 2.5 s: p95 is 2425 ms, p99 2485 ms.
        (
            "slow",
            "",
            Traffic::latency([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
        ),
        // 96 % of requests under 100 ms, 4 % between 2.5 and 5 s: p95 99.5 ms, p99 4375 ms.
        (
            "tail",
            "",
            Traffic::latency([0.0, 0.96, 0.0, 0.0, 0.0, 0.0, 0.04, 0.0]),
        ),
        ("proxied", "", Traffic::healthy()),
        ("configured", "", Traffic::healthy()),
        // The releases of the workflow examples, labelled as a ServiceMonitor labels a
        // Service's series.
        (
            "canary-good",
            r#"namespace="staging",service="frontend-canary""#,
            Traffic::healthy(),
        ),
        (
            "canary-bad",
            r#"namespace="staging",service="backend-canary""#,
            Traffic::failing(0.2),
        ),
        (
            "staging-frontend",
            r#"namespace="staging",service="frontend""#,
            Traffic::healthy(),
        ),
    ]
}

/// The shared exporter and Prometheus, serving every one of [`apps`].
pub(crate) fn started() -> &'static prometheus::Shared {
    static SERVED: OnceLock<()> = OnceLock::new();
    let shared = prometheus::shared();
    SERVED.get_or_init(|| {
        for (name, labels, traffic) in apps() {
            shared.exporter.serve_labelled(name, labels, traffic);
        }
    });
    shared
}

/// The shared Prometheus, once it has scraped `app` (one of [`apps`]) four times.
pub(crate) fn serving(app: &str) -> &'static prometheus::Shared {
    assert!(
        apps().iter().any(|(name, _, _)| *name == app),
        "`{app}` is not served"
    );
    let shared = started();
    shared.prometheus.wait_for_app(app, 4);
    shared
}

/// Inputs every SLO test gives: quick evaluations over a short window.
fn quick<'a>(url: &'a str, app: &'a str) -> Vec<(String, String)> {
    [
        ("command", "gate"),
        ("prometheus-url", url),
        ("duration", "5s"),
        ("interval", "1s"),
        ("window", "5s"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("selector".to_owned(), format!("{{app=\"{app}\"}}"))])
    .collect()
}

fn with(mut inputs: Vec<(String, String)>, more: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in more {
        inputs.retain(|(name, _)| name != k);
        inputs.push(((*k).to_owned(), (*v).to_owned()));
    }
    inputs
}

fn gate(s: &Sandbox, inputs: &[(String, String)], env: &[(&str, &str)]) -> Ran {
    let inputs: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    s.action(&inputs, env)
}

/// The summary with the ports of this run's servers taken out.
fn stable(text: &str) -> String {
    regex::Regex::new(r"127\.0\.0\.1:\d+")
        .expect("regex")
        .replace_all(text, "127.0.0.1:[port]")
        .into_owned()
}

#[test]
fn a_healthy_release_passes_with_every_evaluation_in_the_summary() {
    let shared = serving("healthy");
    let s = Sandbox::empty();
    let started = Instant::now();
    let ran = gate(
        &s,
        &with(
            quick(&shared.prometheus.url, "healthy"),
            &[("duration", "3s")],
        ),
        &[],
    );
    ran.expect_code(0);
    assert!(started.elapsed() >= Duration::from_secs(3), "it watched");
    assert_eq!(ran.output("passed"), "true");
    assert_eq!(ran.output("violations"), "0");
    assert_eq!(ran.output("error-rate"), "0");
    assert_eq!(ran.output("p95"), "97.5");
    assert_eq!(ran.output("p99"), "99.5");
    let lines: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("evaluation "))
        .collect();
    assert_eq!(lines.len(), 4, "{}", ran.stderr);
    assert_eq!(
        lines[3],
        "evaluation 4/4 at +3s (11:06:43 UTC): error rate 0 % ok; p95 latency 97.5 ms ok; p99 latency 99.5 ms ok; 0 violation(s), 3 allowed"
    );
    assert_only_our_commands("healthy gate", &ran.stdout, &ran.stderr, None);
    insta::assert_snapshot!(stable(&ran.summary));
}

#[test]
fn an_error_burst_fails_fast_once_the_violations_exceed_the_allowance() {
    let shared = serving("burst");
    let s = Sandbox::empty();
    let output = s.runner.path().join("output");
    let summary = s.runner.path().join("summary");
    let inputs = with(
        quick(&shared.prometheus.url, "burst"),
        &[
            ("duration", "60s"),
            ("max-violations", "2"),
            ("window", "3s"),
        ],
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_release-action"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", s.repo())
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .current_dir(s.repo())
        .arg("action")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &inputs {
        cmd.env(format!("INPUT_{}", k.to_uppercase()), v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start the gate");
    let stdout = child.stdout.take().expect("stdout");
    let stdout = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let line = line.expect("utf-8");
        if line.starts_with("evaluation 2/") {
            // Two healthy evaluations seen as they happened; now the release starts failing.
            shared.exporter.serve("burst", Traffic::failing(0.3));
        }
        lines.push(line);
    }
    let status = child.wait().expect("wait");
    let stdout = stdout.join().expect("stdout thread");
    let elapsed = started.elapsed();
    assert_eq!(status.code(), Some(1), "{}", lines.join("\n"));
    assert!(
        elapsed < Duration::from_secs(20),
        "it stopped at the third violation, long before the 60s window ended ({elapsed:?})"
    );
    let evaluations: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("evaluation "))
        .collect();
    assert!(evaluations[0].contains("error rate 0 % ok"), "{lines:#?}");
    assert!(evaluations[1].contains("error rate 0 % ok"), "{lines:#?}");
    let last = evaluations.last().expect("evaluations");
    assert!(
        last.contains("error rate")
            && last.contains("over 1 %: missed")
            && last.ends_with("3 violation(s), 2 allowed"),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("gate: failed at evaluation ")
                && l.ends_with("3 violations, more than the 2 allowed")),
        "{lines:#?}"
    );
    let outputs =
        crate::common::parse_outputs(&std::fs::read_to_string(&output).unwrap_or_default());
    assert_eq!(outputs["passed"], "false");
    assert_eq!(outputs["violations"], "3");
    let rate: f64 = outputs["error-rate"].parse().expect("a number");
    assert!(rate > 1.0 && rate <= 30.0, "{rate}");
    assert!(
        stdout.contains(
            "::error title=gate/objectives-missed::the objectives were not met: 3 violations in "
        ),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        summary.starts_with("## release-action gate: failed\n"),
        "{summary}"
    );
    assert!(summary.contains("stopped early"), "{summary}");
    assert!(summary.contains("| error rate | 1 % |"), "{summary}");
    assert!(summary.contains("❌"), "{summary}");
    assert_only_our_commands("burst", &stdout, &lines.join("\n"), None);
}

#[test]
fn a_slow_p95_fails_while_the_p99_objective_holds() {
    let shared = serving("slow");
    let s = Sandbox::empty();
    let ran = gate(
        &s,
        &with(
            quick(&shared.prometheus.url, "slow"),
            &[("duration", "5s"), ("max-violations", "0"), ("p99", "3s")],
        ),
        &[],
    );
    ran.expect_code(1);
    assert_eq!(ran.output("passed"), "false");
    assert_eq!(ran.output("violations"), "1");
    assert_eq!(ran.output("p95"), "2425");
    assert_eq!(ran.output("p99"), "2485");
    assert!(
        ran.stderr
            .contains("p95 latency 2425 ms, over 1000 ms: missed; p99 latency 2485 ms ok"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stdout
            .contains("::error title=gate/objectives-missed::"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_slow_tail_fails_the_p99_objective_while_p95_holds() {
    let shared = serving("tail");
    let s = Sandbox::empty();
    let ran = gate(
        &s,
        &with(
            quick(&shared.prometheus.url, "tail"),
            &[("duration", "5s"), ("max-violations", "1")],
        ),
        &[],
    );
    ran.expect_code(1);
    assert_eq!(ran.output("violations"), "2");
    assert_eq!(ran.output("p95"), "99.5");
    assert_eq!(ran.output("p99"), "4375");
    assert!(
        ran.stderr
            .contains("p95 latency 99.5 ms ok; p99 latency 4375 ms, over 2000 ms: missed"),
        "{}",
        ran.stderr
    );
}

#[test]
fn no_data_is_a_violation_that_names_the_query() {
    let shared = started();
    let s = Sandbox::empty();
    let ran = gate(
        &s,
        &with(
            quick(&shared.prometheus.url, "not-deployed"),
            &[("duration", "10s"), ("max-violations", "2"), ("p99", "off")],
        ),
        &[],
    );
    ran.expect_code(1);
    assert_eq!(ran.output("violations"), "4");
    assert_eq!(ran.output("error-rate"), "");
    assert!(
        ran.stderr.contains("evaluation 1/11 at +0s (11:06:40 UTC): error rate no data: missed; p95 latency no data: missed; 2 violation(s), 2 allowed\n  the error rate query gave no data: (sum(rate(http_requests_total{code=~\"5..\",app=\"not-deployed\"}[5s])) or vector(0)) / sum(rate(http_requests_total{app=\"not-deployed\"}[5s]))\n  the p95 latency query gave no data: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app=\"not-deployed\"}[5s])))\n"),
        "{}",
        ran.stderr
    );
    let annotations: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error title=gate/no-data::"))
        .collect();
    assert_eq!(annotations.len(), 2, "{}", ran.stdout);
    insta::assert_snapshot!(annotations[1], @"::error title=gate/no-data::the p95 latency query gave no number at 2 of 2 evaluations: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app=\"not-deployed\"}[5s])))`%0Ahelp: no data counts as a violation: check that Prometheus scrapes the release and that the selector `{app=\"not-deployed\"}` matches its series");
    assert_only_our_commands("no data", &ran.stdout, &ran.stderr, None);
}

#[test]
fn an_unreachable_prometheus_exits_3_after_the_retries() {
    let s = Sandbox::empty();
    let url = format!("http://127.0.0.1:{}", prometheus::free_port());
    let started = Instant::now();
    let ran = gate(&s, &with(quick(&url, "any"), &[("retries", "2")]), &[]);
    ran.expect_code(3);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(10),
        "two retries a second apart ({elapsed:?})"
    );
    assert!(
        ran.stderr.contains(&format!("error: could not reach Prometheus at `{url}` after 3 attempt(s): tcp connect error: Connection refused (os error 111) (evaluation 1 of 6, the error rate query)")),
        "{}",
        ran.stderr
    );
    assert!(ran
        .stdout
        .contains("::error title=release-action::could not reach Prometheus"));
    assert!(ran.outputs.is_empty());
}

#[test]
fn a_malformed_query_exits_2_with_prometheus_s_error_and_where_the_query_came_from() {
    let shared = started();
    let s = Sandbox::empty();
    let ran = gate(
        &s,
        &with(
            quick(&shared.prometheus.url, "any"),
            &[(
                "p95-query",
                "sum(rate(http_request_duration_seconds_bucket[1m])",
            )],
        ),
        &[],
    );
    ran.expect_code(2);
    insta::assert_snapshot!(ran.stderr.lines().skip(4).collect::<Vec<_>>().join("\n"), @r#"
    error: Prometheus refused the query (400 bad_data): invalid parameter "query": 1:51: parse error: unclosed left parenthesis
      --> input `p95-query` (`--p95-query`), at evaluation 1 of 6, the p95 latency query
      = query: sum(rate(http_request_duration_seconds_bucket[1m])
    "#);
    s.write(
        ".github/release-action.yml",
        "slo:\n  p95: 1500ms\n  queries:\n    p99: max(http_request_duration_seconds_bucket) by\n",
    );
    let ran = gate(&s, &quick(&shared.prometheus.url, "any"), &[]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("error: Prometheus refused the query (400 bad_data): invalid parameter \"query\": 1:45: parse error: unexpected end of input in grouping opts")
            && ran.stderr.contains("\n  --> `slo.queries.p99` at `.github/release-action.yml:4`, at evaluation 1 of 6, the p99 latency query\n"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("gate: p95 latency at most 1500 ms: "),
        "{}",
        ran.stderr
    );
}

#[test]
fn inputs_and_configuration_are_checked_before_anything_is_sent() {
    let s = Sandbox::empty();
    let nothing = format!("http://127.0.0.1:{}", prometheus::free_port());
    let ran = gate(
        &s,
        &with(
            quick(&nothing, "web"),
            &[
                ("p95", "fast"),
                ("error-rate", "0.01"),
                ("selector", "{app=\"web\"} or vector(1)"),
                ("max-violations", "-1"),
                ("interval", "0s"),
            ],
        ),
        &[("INPUT_PROMETHEUS-PASSWORD", "hunter2")],
    );
    ran.expect_code(2);
    insta::assert_snapshot!(ran.stderr, @r"
    error: `--error-rate`: `0.01` is not a percentage; write one such as `1%` or `0.5%`, or `off`
    `--p95`: `fast` is not a latency; write one such as `1000ms` or `1.5s`, or `off`
    `--interval`: `0s` is shorter than `1s`
    `--max-violations`: `-1` is not a whole number from 0 to 10000
    `--selector`: the selector opens `{` but does not end with `}`
    `prometheus-password` needs `prometheus-username` (`--prometheus-username`)
    ");
    let ran = gate(
        &s,
        &with(
            quick("https://ci:hunter2@prometheus.example.com", "web"),
            &[],
        ),
        &[],
    );
    ran.expect_code(2);
    assert!(!ran.stderr.contains("hunter2") && !ran.stdout.contains("hunter2"));
    assert!(
        ran.stderr
            .contains("`https://***@prometheus.example.com` holds credentials"),
        "{}",
        ran.stderr
    );
    s.write(
        ".github/release-action.yml",
        "environments: [dev, prod]\nslo:\n  environments:\n    prod:\n      p99: 2 seconds\n",
    );
    let ran = gate(&s, &quick(&nothing, "web"), &[]);
    ran.expect_code(2);
    insta::assert_snapshot!(ran.stderr, @r"
    error: .github/release-action.yml:5: `slo.environments.prod.p99`: `2 seconds` is not a latency; write one such as `1000ms` or `1.5s`, or `off`
      = help: every key is described in docs/configuration.md
    ");
}

#[test]
fn a_probe_passes_once_the_service_answers() {
    let shared = started();
    let url = shared.exporter.probe("warming", &[503, 503, 200]);
    let s = Sandbox::empty();
    let ran = gate(
        &s,
        &[
            ("command".into(), "gate".into()),
            ("http".into(), url.clone()),
            ("expect".into(), "200".into()),
            ("retries".into(), "5".into()),
            ("interval".into(), "1".into()),
        ],
        &[],
    );
    ran.expect_code(0);
    assert_eq!(shared.exporter.probed("warming"), 3);
    assert_eq!(ran.output("passed"), "true");
    assert_eq!(ran.output("violations"), "2");
    assert_eq!(ran.output("status"), "200");
    let ms = regex::Regex::new(r"\d+ ms").expect("regex");
    insta::assert_snapshot!(ms.replace_all(&stable(&ran.summary), "[t] ms"));
}

#[test]
fn a_probe_fails_when_the_service_never_answers_as_expected() {
    let shared = started();
    let url = shared.exporter.probe("broken", &[500]);
    let s = Sandbox::empty();
    let probe = |url: &str, retries: &str| {
        gate(
            &s,
            &[
                ("command".into(), "gate".into()),
                ("http".into(), url.to_owned()),
                ("retries".into(), retries.into()),
                ("interval".into(), "1s".into()),
            ],
            &[],
        )
    };
    let ran = probe(&url, "2");
    ran.expect_code(1);
    assert_eq!(ran.output("passed"), "false");
    assert_eq!(ran.output("violations"), "3");
    assert_eq!(ran.output("status"), "500");
    assert!(
        ran.stdout.contains(&format!("::error title=gate/probe-failed::`{url}` did not answer 200 in 3 attempts; the last answer was 500")),
        "{}",
        ran.stdout
    );
    let closed = format!("http://127.0.0.1:{}/healthz", prometheus::free_port());
    let ran = probe(&closed, "0");
    ran.expect_code(1);
    assert_eq!(ran.output("status"), "");
    assert!(
        ran.stderr.contains("attempt 1/1 at +0s: no answer (tcp connect error: Connection refused (os error 111)); expected 200"),
        "{}",
        ran.stderr
    );
}

#[test]
fn basic_auth_reaches_a_protected_prometheus_and_the_password_is_masked() {
    let protected = prometheus::Prometheus::start(None, true);
    let s = Sandbox::empty();
    let inputs = with(
        quick(&protected.url, "any"),
        &[
            ("duration", "1s"),
            ("error-rate-query", "vector(0.002)"),
            ("p95-query", "vector(0.25)"),
            ("p99", "off"),
            ("prometheus-username", BASIC_USER),
        ],
    );
    let ran = gate(
        &s,
        &inputs,
        &[("INPUT_PROMETHEUS-PASSWORD", BASIC_PASSWORD)],
    );
    ran.expect_code(0);
    assert_eq!(ran.output("error-rate"), "0.2");
    assert_eq!(ran.output("p95"), "250");
    assert!(
        ran.stdout
            .starts_with(&format!("::add-mask::{BASIC_PASSWORD}\n")),
        "{}",
        ran.stdout
    );
    assert_only_our_commands("basic auth", &ran.stdout, &ran.stderr, Some(BASIC_PASSWORD));
    assert!(!ran.stderr.contains(BASIC_PASSWORD) && !ran.summary.contains(BASIC_PASSWORD));
    let ran = gate(&s, &inputs, &[("INPUT_PROMETHEUS-PASSWORD", "wrong")]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("answered 401 to the query: Unauthorized\n  = help: check `prometheus-token`, or `prometheus-username` and `prometheus-password`"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_bearer_token_goes_to_the_proxy_in_front_of_prometheus_and_is_masked() {
    let shared = serving("proxied");
    let s = Sandbox::empty();
    let proxy = format!("{}/proxy/", shared.exporter.url);
    let inputs = with(quick(&proxy, "proxied"), &[("duration", "1s")]);
    let ran = gate(&s, &inputs, &[("INPUT_PROMETHEUS-TOKEN", PROXY_TOKEN)]);
    ran.expect_code(0);
    assert_eq!(ran.output("p95"), "97.5");
    assert!(
        ran.stdout
            .starts_with(&format!("::add-mask::{PROXY_TOKEN}\n")),
        "{}",
        ran.stdout
    );
    assert_only_our_commands("bearer", &ran.stdout, &ran.stderr, Some(PROXY_TOKEN));
    assert!(!ran.stderr.contains(PROXY_TOKEN) && !ran.summary.contains(PROXY_TOKEN));
    let ran = gate(&s, &inputs, &[]);
    ran.expect_code(2);
    assert!(
        ran.stderr
            .contains("answered 401 to the query: missing or wrong bearer token"),
        "{}",
        ran.stderr
    );
}

#[test]
fn objectives_come_from_the_configuration_with_the_environment_s_override() {
    let shared = serving("configured");
    let s = Sandbox::empty();
    s.write(
        ".github/release-action.yml",
        "environments: [staging, prod]\nslo:\n  p95: 50ms\n  duration: 2s\n  interval: 1s\n  window: 5s\n  max-violations: 5\n  selector: '{app=\"configured\"}'\n  environments:\n    prod:\n      max-violations: 0\n",
    );
    let base = [
        ("command".to_owned(), "gate".to_owned()),
        ("prometheus-url".to_owned(), shared.prometheus.url.clone()),
    ];
    let staging = gate(&s, &with(base.to_vec(), &[("env", "staging")]), &[]);
    staging.expect_code(0);
    assert_eq!(staging.output("violations"), "3");
    let prod = gate(&s, &with(base.to_vec(), &[("env", "prod")]), &[]);
    prod.expect_code(1);
    assert_eq!(prod.output("violations"), "1");
    assert!(
        prod.stderr.contains("more than 0 violation(s) fail it"),
        "{}",
        prod.stderr
    );
}
