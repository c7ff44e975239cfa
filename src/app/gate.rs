//! `gate`: hold a rollout to its service-level objectives, measured by Prometheus, or probe a
//! health endpoint (`--http URL --expect 200`).
//!
//! Every input and the configuration are checked before anything is sent, and every problem is
//! reported at once (exit 2). Then the gate evaluates each objective at the start and every
//! `interval` until `duration` has passed, printing one line per evaluation; it stops as soon
//! as the violations exceed `max-violations` (exit 1) and passes at the end otherwise. A query
//! Prometheus refuses stops the gate with Prometheus's error (exit 2); a Prometheus that cannot
//! be reached after the retries stops it too (exit 3). The credentials come from the
//! environment (`prometheus-token`, `prometheus-password`), never from the command line, and
//! are masked on a runner before anything else is printed.

mod render;

use std::collections::BTreeSet;
use std::time::Duration;

use super::connect::block_on;
use super::workspace::load_config;
use super::{Outcome, RepoRequest, RunEnv, Stop};
use crate::adapters::http::{HttpClient, HttpError};
use crate::adapters::prometheus::{Auth, Prometheus, PrometheusError};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::probe::{
    check_url, parse_expect, parse_retries, Answer, Probe, ProbePlan, DEFAULT_INTERVAL,
    DEFAULT_RETRIES,
};
use crate::domain::slo::verdict::{violations_by_measure, Next, Reading, Window};
use crate::domain::slo::{
    check_query, parse_gate_duration, parse_latency, parse_max_violations, parse_percent,
    parse_slo_duration, plan_gate, render_duration, Check, CustomQuery, GatePlan, Layer, Measure,
    QueryOrigin, Selector, SloSpec,
};

/// Retries of a Prometheus query that got no answer (or a 5xx) before the gate gives up.
pub const DEFAULT_QUERY_RETRIES: u32 = 3;
/// How long one request may take.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variables the credentials are read from: the inputs, then plain variables
/// for local runs. The runner masks every one of them that is set.
pub const SECRET_VARS: [&str; 4] = [
    "INPUT_PROMETHEUS-TOKEN",
    "PROMETHEUS_TOKEN",
    "INPUT_PROMETHEUS-PASSWORD",
    "PROMETHEUS_PASSWORD",
];

/// What `gate` was asked, as the command line or the inputs give it: text, checked here.
#[derive(Debug, Clone, Default)]
pub struct GateRequest {
    /// The Prometheus server (`--prometheus-url`).
    pub prometheus_url: Option<String>,
    /// The user of basic authentication; its password comes from the environment.
    pub prometheus_username: Option<String>,
    /// The environment whose `slo.environments` override applies.
    pub env: Option<String>,
    /// Label matchers added to every default query.
    pub selector: Option<String>,
    /// The error-rate objective (`1%`, `off`).
    pub error_rate: Option<String>,
    /// The p95 objective (`1000ms`, `off`).
    pub p95: Option<String>,
    /// The p99 objective (`2000ms`, `off`).
    pub p99: Option<String>,
    /// A query instead of the default error-rate one.
    pub error_rate_query: Option<String>,
    /// A query instead of the default p95 one.
    pub p95_query: Option<String>,
    /// A query instead of the default p99 one.
    pub p99_query: Option<String>,
    /// How long the gate watches.
    pub duration: Option<String>,
    /// Time between evaluations (or probe attempts).
    pub interval: Option<String>,
    /// The range of `rate()` in the default queries.
    pub window: Option<String>,
    /// Violations tolerated.
    pub max_violations: Option<String>,
    /// Retries of a failed request.
    pub retries: Option<String>,
    /// A URL to probe instead of asking Prometheus.
    pub http: Option<String>,
    /// The statuses the probe expects.
    pub expect: Option<String>,
}

/// Runs `gate`; `progress` receives each line as it happens.
pub fn run_gate(
    common: &RepoRequest,
    req: &GateRequest,
    env: &RunEnv,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, Stop> {
    if let Some(url) = &req.http {
        return run_probe(req, url, env, progress);
    }
    let mut problems = Vec::new();
    let url = match &req.prometheus_url {
        None => {
            problems.push(
                "`--prometheus-url` is required (input `prometheus-url`), or `--http URL` for a smoke probe"
                    .to_owned(),
            );
            None
        }
        Some(u) => match check_url(u) {
            Ok(parsed) if parsed.path_and_query.contains('?') => {
                problems.push(format!(
                    "`--prometheus-url`: `{}` has a query string; give the address of Prometheus's web UI",
                    u.escape_debug()
                ));
                None
            }
            Ok(_) => Some(u.trim().to_owned()),
            Err(e) => {
                problems.push(format!("`--prometheus-url`: {e}"));
                None
            }
        },
    };
    let inputs = input_spec(req, &mut problems);
    let auth = auth(req, env, &mut problems);
    let retries = number(
        "retries",
        req.retries.as_deref(),
        DEFAULT_QUERY_RETRIES,
        parse_retries,
        &mut problems,
    );
    let (_, config, config_path) = load_config(common, env)?;
    let mut layers = vec![(&config.slo.base, Layer::Config)];
    if let Some(name) = &req.env {
        if !config.environments.iter().any(|e| e == name) {
            problems.push(format!(
                "`--env`: `{}` is not an environment of `{config_path}`; known: {}",
                name.escape_debug(),
                config.environments.join(", ")
            ));
        } else if let Some(spec) = config.slo.environments.get(name) {
            layers.push((spec, Layer::Environment(name.clone())));
        }
    }
    layers.push((&inputs, Layer::Inputs));
    // NOTE: a refused input leaves its default in place, so the plan is judged only when every
    // value was read; otherwise its complaints would be about values nobody wrote.
    let plan = match plan_gate(&layers) {
        _ if !problems.is_empty() => None,
        Ok(plan) => Some(plan),
        Err(e) if config.slo.is_empty() => {
            problems.push(e);
            None
        }
        Err(e) => {
            problems.push(format!("{e} (with `slo:` of `{config_path}`)"));
            None
        }
    };
    let (Some(url), Some(plan), true) = (url, plan, problems.is_empty()) else {
        return Err(Stop::Usage(problems.join("\n")));
    };
    if !plan.selector.is_empty() && plan.checks.iter().all(|c| c.origin != QueryOrigin::Default) {
        progress(&format!(
            "gate: the selector `{}` applies only to the default queries, and every query is your own",
            plan.selector
        ));
    }
    let timeout = request_timeout(env);
    let window = block_on(async {
        let prometheus = Prometheus::new(&url, auth.as_ref(), retries, plan.interval, timeout)
            .map_err(|e| Stop::Usage(format!("`--prometheus-url`: {e}")))?;
        watch(&prometheus, plan, env, progress, &config_path).await
    })?;
    finish(window, &url, progress)
}

/// Evaluates the plan until it passes or fails.
async fn watch(
    prometheus: &Prometheus,
    plan: GatePlan,
    env: &RunEnv,
    progress: &mut dyn FnMut(&str),
    config_path: &str,
) -> Result<Window, Stop> {
    for line in render::header(&plan, prometheus.url()) {
        progress(&line);
    }
    let start = tokio::time::Instant::now();
    let mut window = Window::new(plan.clone());
    let mut announced = BTreeSet::new();
    for k in 0u32.. {
        let offset = plan.interval.saturating_mul(k);
        tokio::time::sleep_until(start + offset).await;
        let mut readings = Vec::with_capacity(plan.checks.len());
        for check in &plan.checks {
            let sample = prometheus.query(&check.query).await.map_err(|e| {
                query_stop(e, check, window.evaluations.len() + 1, &plan, config_path)
            })?;
            readings.push(Reading::from_answer(sample.value, check.measure.unit()));
        }
        let at = env.now as f64 + offset.as_secs_f64();
        let next = window.record(offset, Some(at), &readings);
        if let Some(evaluation) = window.evaluations.last() {
            progress(&render::evaluation_line(&window, evaluation));
            for j in evaluation
                .judged
                .iter()
                .filter(|j| j.reading.value().is_none())
            {
                if !announced.insert(j.measure) {
                    continue;
                }
                if let Some(check) = plan.checks.iter().find(|c| c.measure == j.measure) {
                    progress(&format!(
                        "  the {} query gave {}: {}",
                        j.measure.label(),
                        j.reading.show(j.measure.unit()),
                        check.query
                    ));
                }
            }
        }
        if next != Next::Continue {
            break;
        }
    }
    Ok(window)
}

/// The outcome of a finished window: outputs, summary, findings, and exit 1 when it failed.
fn finish(window: Window, url: &str, progress: &mut dyn FnMut(&str)) -> Result<Outcome, Stop> {
    let failed = window.failed();
    progress(&render::final_line(&window));
    let mut outcome = Outcome::default();
    outcome.output("passed", (!failed).to_string());
    outcome.output("violations", window.violations().to_string());
    for check in &window.plan.checks {
        let last = window
            .stats(check.measure)
            .last
            .and_then(Reading::value)
            .map(|v| check.measure.unit().number(v))
            .unwrap_or_default();
        outcome.output(check.measure.key(), last);
    }
    outcome.summary = render::summary(&window, url.trim_end_matches('/'));
    if failed {
        let counts: Vec<String> = violations_by_measure(&window.evaluations)
            .into_iter()
            .map(|(m, n)| format!("{} {n}", m.label()))
            .collect();
        outcome.diagnostics.push(
            Diagnostic::error(
                "gate/objectives-missed",
                format!(
                    "the objectives were not met: {} violations in {} of {} evaluations, more than the {} allowed ({})",
                    window.violations(),
                    window.evaluations.len(),
                    window.plan.evaluations(),
                    window.plan.max_violations,
                    counts.join(", ")
                ),
            )
            .with_help("every evaluation is in the job summary"),
        );
    }
    for check in &window.plan.checks {
        let stats = window.stats(check.measure);
        if stats.no_data == 0 {
            continue;
        }
        let message = format!(
            "the {} query gave no number at {} of {} evaluations: `{}`",
            check.measure.label(),
            stats.no_data,
            window.evaluations.len(),
            check.query
        );
        let d = if failed {
            Diagnostic::error("gate/no-data", message)
        } else {
            Diagnostic::warning("gate/no-data", message)
        };
        let help = if check.origin == QueryOrigin::Default {
            format!(
                "no data counts as a violation: check that Prometheus scrapes the release and that the selector `{}` matches its series",
                window.plan.selector
            )
        } else {
            "no data counts as a violation: check that the query matches series of the release"
                .to_owned()
        };
        outcome.diagnostics.push(d.with_help(help));
    }
    if failed {
        Err(Stop::Findings(Box::new(outcome)))
    } else {
        Ok(outcome)
    }
}

/// A failed query: exit 3 when Prometheus cannot be reached, exit 2 when it refuses the query
/// or is not what `prometheus-url` should name.
fn query_stop(
    e: PrometheusError,
    check: &Check,
    evaluation: usize,
    plan: &GatePlan,
    config_path: &str,
) -> Stop {
    let origin = match &check.origin {
        QueryOrigin::Default => "the default query".to_owned(),
        QueryOrigin::Config { key, line: Some(l) } => format!("`{key}` at `{config_path}:{l}`"),
        QueryOrigin::Config { key, line: None } => format!("`{key}` in `{config_path}`"),
        QueryOrigin::Input(name) => format!("input `{name}` (`--{name}`)"),
    };
    let at = format!(
        "evaluation {evaluation} of {}, the {} query",
        plan.evaluations(),
        check.measure.label()
    );
    if e.is_unreachable() {
        return Stop::Failure(anyhow::anyhow!("{e} ({at})"));
    }
    Stop::Usage(format!(
        "{e}\n  --> {origin}, at {at}\n  = query: {}",
        check.query
    ))
}

/// The inputs as one layer of settings; each refused value is a problem naming its input.
fn input_spec(req: &GateRequest, problems: &mut Vec<String>) -> SloSpec {
    let mut spec = SloSpec::default();
    let mut note = |name: &str, e: String| problems.push(format!("`--{name}`: {e}"));
    for (measure, value) in [
        (Measure::ErrorRate, &req.error_rate),
        (Measure::P95, &req.p95),
        (Measure::P99, &req.p99),
    ] {
        let Some(text) = value else { continue };
        let parsed = if measure == Measure::ErrorRate {
            parse_percent(text)
        } else {
            parse_latency(text)
        };
        match parsed {
            Ok(o) => {
                spec.objectives.insert(measure, o);
            }
            Err(e) => note(measure.key(), e),
        }
    }
    for (measure, value) in [
        (Measure::ErrorRate, &req.error_rate_query),
        (Measure::P95, &req.p95_query),
        (Measure::P99, &req.p99_query),
    ] {
        let Some(text) = value else { continue };
        match check_query(text) {
            Ok(promql) => {
                spec.queries
                    .insert(measure, CustomQuery { promql, line: None });
            }
            Err(e) => note(&format!("{}-query", measure.key()), e),
        }
    }
    for (name, value, slot) in [
        ("duration", &req.duration, &mut spec.duration),
        ("interval", &req.interval, &mut spec.interval),
        ("window", &req.window, &mut spec.window),
    ] {
        if let Some(text) = value {
            match parse_slo_duration(name, text) {
                Ok(d) => *slot = Some(d),
                Err(e) => note(name, e),
            }
        }
    }
    if let Some(text) = &req.max_violations {
        match parse_max_violations(text) {
            Ok(n) => spec.max_violations = Some(n),
            Err(e) => note("max-violations", e),
        }
    }
    if let Some(text) = &req.selector {
        match Selector::parse(text) {
            Ok(s) => spec.selector = Some(s),
            Err(e) => note("selector", e),
        }
    }
    spec
}

/// The credentials: a bearer token, or a user name with its password.
fn auth(req: &GateRequest, env: &RunEnv, problems: &mut Vec<String>) -> Option<Auth> {
    let secret = |names: [&str; 2]| names.iter().find_map(|n| env.var(n)).map(str::trim);
    let token = secret(["INPUT_PROMETHEUS-TOKEN", "PROMETHEUS_TOKEN"]);
    let password = secret(["INPUT_PROMETHEUS-PASSWORD", "PROMETHEUS_PASSWORD"]);
    let username = req.prometheus_username.as_deref().map(str::trim);
    match (token, username, password) {
        (Some(_), Some(_), _) => {
            problems.push(
                "give either `prometheus-token` or `prometheus-username` with `prometheus-password`, not both"
                    .into(),
            );
            None
        }
        (Some(t), None, _) => Some(Auth::Bearer(t.to_owned())),
        (None, Some(u), Some(p)) => {
            if u.contains(':') {
                problems.push("`--prometheus-username` cannot contain `:`".into());
            }
            Some(Auth::Basic {
                username: u.to_owned(),
                password: p.to_owned(),
            })
        }
        (None, Some(_), None) => {
            problems.push(
                "`--prometheus-username` needs a password: input `prometheus-password`, or `PROMETHEUS_PASSWORD` locally"
                    .into(),
            );
            None
        }
        (None, None, Some(_)) => {
            problems.push(
                "`prometheus-password` needs `prometheus-username` (`--prometheus-username`)"
                    .into(),
            );
            None
        }
        (None, None, None) => None,
    }
}

/// Parses an optional input, or gives `default`; a refused value is a problem naming it.
fn number<T>(
    name: &str,
    value: Option<&str>,
    default: T,
    parse: impl Fn(&str) -> Result<T, String>,
    problems: &mut Vec<String>,
) -> T {
    match value.map(&parse) {
        None => default,
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            problems.push(format!("`--{name}`: {e}"));
            default
        }
    }
}

/// The timeout of one request: `RELEASE_ACTION_HTTP_TIMEOUT_SECS`, else 10 s.
fn request_timeout(env: &RunEnv) -> Duration {
    env.var("RELEASE_ACTION_HTTP_TIMEOUT_SECS")
        .and_then(|s| s.parse().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

/// `gate --http URL`: ask the URL until it answers an expected status or the attempts run out.
fn run_probe(
    req: &GateRequest,
    url: &str,
    env: &RunEnv,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, Stop> {
    let mut problems = Vec::new();
    if let Err(e) = check_url(url) {
        problems.push(format!("`--http`: {e}"));
    }
    let expect = number(
        "expect",
        req.expect.as_deref(),
        vec![200],
        parse_expect,
        &mut problems,
    );
    let retries = number(
        "retries",
        req.retries.as_deref(),
        DEFAULT_RETRIES,
        parse_retries,
        &mut problems,
    );
    let interval = number(
        "interval",
        req.interval.as_deref(),
        DEFAULT_INTERVAL,
        parse_gate_duration,
        &mut problems,
    );
    let slo_only = [
        ("prometheus-url", &req.prometheus_url),
        ("error-rate", &req.error_rate),
        ("p95", &req.p95),
        ("p99", &req.p99),
        ("selector", &req.selector),
        ("duration", &req.duration),
        ("window", &req.window),
        ("max-violations", &req.max_violations),
    ];
    for (name, value) in slo_only {
        if value.is_some() {
            problems.push(format!(
                "`--{name}` belongs to the SLO gate; a probe (`--http`) takes `--expect`, `--retries` and `--interval`"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Stop::Usage(problems.join("\n")));
    }
    let plan = ProbePlan {
        url: url.trim().to_owned(),
        expect,
        attempts: retries.saturating_add(1),
        interval,
    };
    let timeout = request_timeout(env);
    let mut probe = Probe::new(plan.clone());
    progress(&format!(
        "gate: probing `{}` until it answers {}, at most {} times, every {}",
        plan.url,
        probe.expected(),
        plan.attempts,
        render_duration(plan.interval)
    ));
    block_on(async {
        let http = HttpClient::new(timeout).map_err(|e| Stop::Failure(anyhow::anyhow!(e)))?;
        let start = tokio::time::Instant::now();
        for k in 0u32.. {
            let offset = plan.interval.saturating_mul(k);
            tokio::time::sleep_until(start + offset).await;
            let asked = tokio::time::Instant::now();
            let (answer, elapsed) = match http.get(&plan.url, &[], timeout).await {
                Ok(a) => (Answer::Status(a.status.as_u16()), a.elapsed),
                Err(HttpError::Timeout(t)) => (
                    Answer::Failed(format!("no answer within {}s", t.as_secs())),
                    t,
                ),
                Err(HttpError::Transport(e)) => (Answer::Failed(e), asked.elapsed()),
            };
            let done = probe.record(offset, answer, elapsed);
            if let Some(a) = probe.attempts.last() {
                progress(&render::attempt_line(&probe, a));
            }
            if done {
                break;
            }
        }
        Ok(())
    })?;
    let passed = probe.passed();
    progress(&render::probe_final_line(&probe));
    let mut outcome = Outcome::default();
    outcome.output("passed", passed.to_string());
    outcome.output("violations", probe.failures().to_string());
    outcome.output(
        "status",
        probe
            .last_status()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    outcome.summary = render::probe_summary(&probe);
    if passed {
        return Ok(outcome);
    }
    let last = match probe.attempts.last().map(|a| &a.answer) {
        Some(Answer::Status(s)) => format!("the last answer was {s}"),
        Some(Answer::Failed(e)) => format!("the last attempt failed: {e}"),
        None => "nothing was asked".into(),
    };
    outcome.diagnostics.push(
        Diagnostic::error(
            "gate/probe-failed",
            format!(
                "`{}` did not answer {} in {} attempts; {last}",
                probe.plan.url,
                probe.expected(),
                probe.attempts.len()
            ),
        )
        .with_help("raise `retries` or `interval` if the service needs longer to start"),
    );
    Err(Stop::Findings(Box::new(outcome)))
}
