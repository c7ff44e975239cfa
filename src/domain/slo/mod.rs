//! The SLO gate's model: the measures it watches (error rate, p95 and p99 latency), their
//! objectives as a repository writes them (`slo:` in the configuration, per-environment
//! overrides, inputs), the PromQL that measures each one, and the plan of a gate run.
//!
//! Layers: defaults, then `slo:`, then `slo.environments.<env>`, then the inputs; the last one
//! that sets a key wins. Values are checked when they are read, so a malformed objective stops
//! the command before Prometheus is asked anything.
//!
//! The default queries follow the conventions of the Prometheus client libraries: a counter
//! `http_requests_total` with the status code in `code`, and a histogram
//! `http_request_duration_seconds`. A query answers in base units, as Prometheus does: the error
//! rate as a ratio (`0.01` is 1 %), latencies in seconds.
//! See: <https://prometheus.io/docs/practices/naming/#base-units>
//! See: <https://prometheus.io/docs/practices/histograms/#quantiles>

pub mod read;
pub mod selector;
pub mod verdict;

use std::collections::BTreeMap;
use std::time::Duration;

pub use selector::Selector;

/// A measure the gate watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Share of requests answered with a 5xx status.
    ErrorRate,
    /// 95th percentile of request latency.
    P95,
    /// 99th percentile of request latency.
    P99,
}

impl Measure {
    /// Every measure, in the order they are shown.
    pub const ALL: [Self; 3] = [Self::ErrorRate, Self::P95, Self::P99];

    /// The key in `slo:`, the input and the step output: `error-rate`, `p95`, `p99`.
    pub fn key(self) -> &'static str {
        match self {
            Self::ErrorRate => "error-rate",
            Self::P95 => "p95",
            Self::P99 => "p99",
        }
    }

    /// The name people read: `error rate`, `p95 latency`, `p99 latency`.
    pub fn label(self) -> &'static str {
        match self {
            Self::ErrorRate => "error rate",
            Self::P95 => "p95 latency",
            Self::P99 => "p99 latency",
        }
    }

    /// The unit objectives and readings are shown in.
    pub fn unit(self) -> Unit {
        match self {
            Self::ErrorRate => Unit::Percent,
            Self::P95 | Self::P99 => Unit::Millis,
        }
    }

    /// The objective when nothing sets one.
    pub fn default_objective(self) -> Objective {
        Objective::AtMost(Threshold(match self {
            Self::ErrorRate => 1_000,
            Self::P95 => 1_000_000,
            Self::P99 => 2_000_000,
        }))
    }
}

/// How a measure is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A percentage; queries answer a ratio.
    Percent,
    /// Milliseconds; queries answer seconds.
    Millis,
}

impl Unit {
    /// What a query's answer (a ratio, or seconds) is multiplied by to be shown in this unit.
    pub fn scale(self) -> f64 {
        match self {
            Self::Percent => 100.0,
            Self::Millis => 1000.0,
        }
    }

    /// The unit's symbol: `%` or `ms`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Percent => "%",
            Self::Millis => "ms",
        }
    }

    /// `value` (already in this unit) for people: `0.42 %`, `97.5 ms`, `+Inf ms`.
    pub fn show(self, value: f64) -> String {
        format!("{} {}", self.number(value), self.symbol())
    }

    /// `value` (already in this unit) as a plain number: three decimals for percentages, one
    /// for milliseconds, trailing zeros dropped (`0.42`, `97.5`, `2425`).
    pub fn number(self, value: f64) -> String {
        let decimals = match self {
            Self::Percent => 3,
            Self::Millis => 1,
        };
        plain_number(value, decimals)
    }
}

/// `value` rounded to `decimals`, without trailing zeros; `NaN`, `+Inf` and `-Inf` as
/// Prometheus writes them.
pub fn plain_number(value: f64, decimals: usize) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    if text == "-0" {
        "0".into()
    } else {
        text
    }
}

/// A threshold in thousandths of its measure's unit: `1%` is 1 000, `1000ms` is 1 000 000.
/// Fixed-point, so that a configuration compares equal to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold(pub u64);

impl Threshold {
    /// The threshold in its unit (`1.0` for `1%`).
    pub fn value(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

/// What a repository asks of one measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Not watched (`off`).
    Off,
    /// At most this much, at every evaluation.
    AtMost(Threshold),
}

/// A query a repository wrote instead of the default one, with its line in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomQuery {
    /// The PromQL, as written.
    pub promql: String,
    /// 1-based line in the configuration file, when it came from there.
    pub line: Option<usize>,
}

/// One layer of settings, as one place (the `slo:` block, an environment's override, the
/// inputs) writes them: every key optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SloSpec {
    /// Objectives set here.
    pub objectives: BTreeMap<Measure, Objective>,
    /// Queries set here.
    pub queries: BTreeMap<Measure, CustomQuery>,
    /// How long the gate watches.
    pub duration: Option<Duration>,
    /// Time between evaluations.
    pub interval: Option<Duration>,
    /// The range of `rate()` in the default queries.
    pub window: Option<Duration>,
    /// Violations tolerated before the gate fails.
    pub max_violations: Option<u32>,
    /// Label matchers added to every default query.
    pub selector: Option<Selector>,
}

impl SloSpec {
    /// Whether the layer sets nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The `slo:` block of the configuration: settings for every environment, and overrides for
/// some.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SloConfig {
    /// The keys directly under `slo:`.
    pub base: SloSpec,
    /// `slo.environments.<env>`.
    pub environments: BTreeMap<String, SloSpec>,
}

impl SloConfig {
    /// Whether the configuration has no `slo:` settings.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.environments.is_empty()
    }
}

/// Where a layer of settings came from, for messages that say where to fix a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// `slo:` in the configuration file.
    Config,
    /// `slo.environments.<env>` in the configuration file.
    Environment(String),
    /// Inputs (command-line flags).
    Inputs,
}

/// Where a check's query came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryOrigin {
    /// Built from the default template, the selector and the window.
    Default,
    /// Written under this key of the configuration (`slo.queries.p95`), on this line.
    Config {
        /// The dotted key.
        key: String,
        /// 1-based line, when known.
        line: Option<usize>,
    },
    /// Given as this input (`p95-query`).
    Input(String),
}

/// One objective the gate evaluates: its measure, its threshold and the query that measures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The measure.
    pub measure: Measure,
    /// The most it may be.
    pub threshold: Threshold,
    /// The PromQL sent to Prometheus.
    pub query: String,
    /// Where the query came from.
    pub origin: QueryOrigin,
}

/// What a gate run does: the checks, how long, how often, and how many misses it tolerates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatePlan {
    /// The objectives that are not `off`, in [`Measure::ALL`] order.
    pub checks: Vec<Check>,
    /// How long the gate watches.
    pub duration: Duration,
    /// Time between evaluations.
    pub interval: Duration,
    /// The range of `rate()` in the default queries.
    pub window: Duration,
    /// Violations tolerated; one more fails the gate.
    pub max_violations: u32,
    /// The label matchers of the default queries.
    pub selector: Selector,
}

/// Default time the gate watches.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(600);
/// Default time between evaluations.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// Default range of `rate()`: four scrapes at Prometheus's usual 30 s scrape interval.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(120);
/// Default number of violations tolerated.
pub const DEFAULT_MAX_VIOLATIONS: u32 = 3;
/// Longest gate: a GitHub-hosted job runs for at most six hours.
pub const MAX_DURATION: Duration = Duration::from_secs(6 * 3600);
/// Most violations that may be tolerated.
pub const MAX_MAX_VIOLATIONS: u32 = 10_000;

impl GatePlan {
    /// How many evaluations a full run makes: one at the start and one after each interval
    /// that fits in the duration.
    ///
    /// ```
    /// use release_action::domain::slo::{plan_gate, SloSpec};
    /// let plan = plan_gate(&[]).expect("the defaults are a plan");
    /// assert_eq!(plan.evaluations(), 21); // 10 minutes, every 30 seconds
    /// ```
    pub fn evaluations(&self) -> usize {
        let interval = self.interval.as_secs().max(1);
        usize::try_from(self.duration.as_secs() / interval)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    }
}

/// Combines layers of settings (lowest precedence first) with the defaults into a plan.
///
/// Refused, with a message naming the key: every objective `off`, an interval under one second
/// or longer than the duration, a duration over six hours.
pub fn plan_gate(layers: &[(&SloSpec, Layer)]) -> Result<GatePlan, String> {
    let last = |get: &dyn Fn(&SloSpec) -> Option<Duration>| {
        layers.iter().rev().find_map(|(spec, _)| get(spec))
    };
    let duration = last(&|s| s.duration).unwrap_or(DEFAULT_DURATION);
    let interval = last(&|s| s.interval).unwrap_or(DEFAULT_INTERVAL);
    let window = last(&|s| s.window).unwrap_or(DEFAULT_WINDOW);
    let max_violations = layers
        .iter()
        .rev()
        .find_map(|(s, _)| s.max_violations)
        .unwrap_or(DEFAULT_MAX_VIOLATIONS);
    let selector = layers
        .iter()
        .rev()
        .find_map(|(s, _)| s.selector.clone())
        .unwrap_or_default();
    if interval < Duration::from_secs(1) {
        return Err("`interval` must be at least `1s`".into());
    }
    if duration > MAX_DURATION {
        return Err(format!(
            "`duration` is {}; a gate watches for at most `6h`, the longest a GitHub job runs",
            render_duration(duration)
        ));
    }
    if !duration.is_zero() && interval > duration {
        return Err(format!(
            "`interval` ({}) is longer than `duration` ({}); the gate would evaluate only once",
            render_duration(interval),
            render_duration(duration)
        ));
    }
    if window < Duration::from_secs(1) {
        return Err("`window` must be at least `1s`".into());
    }
    if max_violations > MAX_MAX_VIOLATIONS {
        return Err(format!(
            "`max-violations` is {max_violations}; at most {MAX_MAX_VIOLATIONS} may be tolerated"
        ));
    }
    let mut checks = Vec::new();
    for measure in Measure::ALL {
        let objective = layers
            .iter()
            .rev()
            .find_map(|(s, _)| s.objectives.get(&measure).copied())
            .unwrap_or_else(|| measure.default_objective());
        let Objective::AtMost(threshold) = objective else {
            continue;
        };
        let custom = layers
            .iter()
            .rev()
            .find_map(|(s, layer)| s.queries.get(&measure).map(|q| (q, layer)));
        let (query, origin) = match custom {
            None => (
                default_query(measure, &selector, window),
                QueryOrigin::Default,
            ),
            Some((q, layer)) => (
                q.promql.clone(),
                match layer {
                    Layer::Config => QueryOrigin::Config {
                        key: format!("slo.queries.{}", measure.key()),
                        line: q.line,
                    },
                    Layer::Environment(env) => QueryOrigin::Config {
                        key: format!("slo.environments.{env}.queries.{}", measure.key()),
                        line: q.line,
                    },
                    Layer::Inputs => QueryOrigin::Input(format!("{}-query", measure.key())),
                },
            ),
        };
        checks.push(Check {
            measure,
            threshold,
            query,
            origin,
        });
    }
    if checks.is_empty() {
        return Err(
            "every objective is `off`; set at least one of `error-rate`, `p95` and `p99`".into(),
        );
    }
    Ok(GatePlan {
        checks,
        duration,
        interval,
        window,
        max_violations,
        selector,
    })
}

/// The default PromQL of `measure`, with `selector` added to every vector selector and
/// `window` as the range of `rate()`.
///
/// ```
/// use std::time::Duration;
/// use release_action::domain::slo::{default_query, Measure, Selector};
/// let canary = Selector::parse(r#"{app="web",track="canary"}"#).expect("valid");
/// assert_eq!(
///     default_query(Measure::P95, &canary, Duration::from_secs(120)),
///     r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{app="web",track="canary"}[2m])))"#
/// );
/// ```
pub fn default_query(measure: Measure, selector: &Selector, window: Duration) -> String {
    let range = render_duration(window);
    match measure {
        Measure::ErrorRate => format!(
            // NOTE: `or vector(0)`: client libraries create the 5xx series at the first error,
            // so a healthy release has none; a missing numerator means no errors, a missing
            // denominator means no data.
            "(sum(rate({errors}[{range}])) or vector(0)) / sum(rate({all}[{range}]))",
            errors = selector.vector("http_requests_total", &[r#"code=~"5..""#]),
            all = selector.vector("http_requests_total", &[]),
        ),
        Measure::P95 | Measure::P99 => format!(
            "histogram_quantile({q}, sum by (le) (rate({buckets}[{range}])))",
            q = if measure == Measure::P95 {
                "0.95"
            } else {
                "0.99"
            },
            buckets = selector.vector("http_request_duration_seconds_bucket", &[]),
        ),
    }
}

/// A duration the way PromQL and the configuration write it: `2m`, `90s`, `1h`.
pub fn render_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        "0s".into()
    } else if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Parses an error-rate objective: a percentage such as `1%` or `0.5%` (at most three
/// decimals, above 0 and at most 100), or `off`.
pub fn parse_percent(text: &str) -> Result<Objective, String> {
    let text = text.trim();
    if is_off(text) {
        return Ok(Objective::Off);
    }
    let hint = || {
        format!(
            "`{}` is not a percentage; write one such as `1%` or `0.5%`, or `off`",
            text.escape_debug()
        )
    };
    let number = text.strip_suffix('%').ok_or_else(hint)?.trim_end();
    let thousandths = parse_fixed(number).ok_or_else(hint)?;
    if thousandths == 0 || thousandths > 100_000 {
        return Err(format!(
            "`{}` is not between 0 % and 100 %; an error-rate objective is above 0 and at most `100%`",
            text.escape_debug()
        ));
    }
    Ok(Objective::AtMost(Threshold(thousandths)))
}

/// Parses a latency objective: milliseconds or seconds such as `1000ms`, `250ms` or `1.5s`
/// (at most three decimals, above 0 and at most one hour), or `off`.
pub fn parse_latency(text: &str) -> Result<Objective, String> {
    let text = text.trim();
    if is_off(text) {
        return Ok(Objective::Off);
    }
    let hint = || {
        format!(
            "`{}` is not a latency; write one such as `1000ms` or `1.5s`, or `off`",
            text.escape_debug()
        )
    };
    let (number, per_unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000)
    } else {
        return Err(hint());
    };
    let thousandths = parse_fixed(number.trim_end())
        .and_then(|t| t.checked_mul(per_unit))
        .ok_or_else(hint)?;
    if thousandths == 0 || thousandths > 3_600_000_000 {
        return Err(format!(
            "`{}` is not above 0 and at most an hour",
            text.escape_debug()
        ));
    }
    Ok(Objective::AtMost(Threshold(thousandths)))
}

/// Parses a gate duration: one number and one unit (`30s`, `10m`, `1h`), or a number of
/// seconds (`30`).
pub fn parse_gate_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("`{text}` is too long a duration"));
    }
    super::config::parse_duration(text).ok_or_else(|| {
        format!(
            "`{}` is not a duration; write one such as `30s`, `10m` or `1h`",
            text.escape_debug()
        )
    })
}

/// Parses the duration under `key` (`duration`, `interval`, `window`) with that key's bounds:
/// `interval` and `window` at least one second, `duration` at most six hours.
pub fn parse_slo_duration(key: &str, text: &str) -> Result<Duration, String> {
    let d = parse_gate_duration(text)?;
    match key {
        "duration" if d > MAX_DURATION => Err(format!(
            "`{}` is longer than `6h`, the longest a GitHub job runs",
            text.trim().escape_debug()
        )),
        "interval" | "window" if d < Duration::from_secs(1) => Err(format!(
            "`{}` is shorter than `1s`",
            text.trim().escape_debug()
        )),
        _ => Ok(d),
    }
}

/// Parses `max-violations`: a whole number from 0.
pub fn parse_max_violations(text: &str) -> Result<u32, String> {
    let text = text.trim();
    text.parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_MAX_VIOLATIONS)
        .ok_or_else(|| {
            format!(
                "`{}` is not a whole number from 0 to {MAX_MAX_VIOLATIONS}",
                text.escape_debug()
            )
        })
}

/// Checks a custom query before it is sent: not empty, one line of printable text, at most
/// 16 KiB. Prometheus judges the rest, and its refusal stops the gate with its message.
pub fn check_query(text: &str) -> Result<String, String> {
    let q = text.trim();
    if q.is_empty() {
        return Err("the query is empty".into());
    }
    if q.len() > 16 * 1024 {
        return Err(format!("the query is {} bytes; at most 16 KiB", q.len()));
    }
    if q.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("the query holds control characters".into());
    }
    Ok(q.to_owned())
}

fn is_off(text: &str) -> bool {
    matches!(text, "off" | "Off" | "OFF")
}

/// `12`, `0.5`, `1.250` as thousandths; at most three decimals.
fn parse_fixed(text: &str) -> Option<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) || frac.len() > 3 || (text.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: u64 = format!("{frac:0<3}").parse().ok()?;
    whole.checked_mul(1000)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_most(t: u64) -> Result<Objective, String> {
        Ok(Objective::AtMost(Threshold(t)))
    }

    #[test]
    fn percentages_are_read_to_a_thousandth() {
        assert_eq!(parse_percent("1%"), at_most(1_000));
        assert_eq!(parse_percent("0.5%"), at_most(500));
        assert_eq!(parse_percent(".25 %"), at_most(250));
        assert_eq!(parse_percent("0.001%"), at_most(1));
        assert_eq!(parse_percent("100%"), at_most(100_000));
        assert_eq!(parse_percent("off"), Ok(Objective::Off));
        for bad in [
            "1", "0.01", "0%", "101%", "1.0001%", "1.%", "%", "-1%", "one%", "",
        ] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn latencies_are_milliseconds_or_seconds() {
        assert_eq!(parse_latency("1000ms"), at_most(1_000_000));
        assert_eq!(parse_latency("250 ms"), at_most(250_000));
        assert_eq!(parse_latency("1.5s"), at_most(1_500_000));
        assert_eq!(parse_latency("0.5ms"), at_most(500));
        assert_eq!(parse_latency("OFF"), Ok(Objective::Off));
        for bad in ["1000", "1m", "0ms", "2h", "1.5", "fast", "3601s"] {
            assert!(parse_latency(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_take_a_unit_or_are_seconds() {
        assert_eq!(parse_gate_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_gate_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_gate_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_gate_duration("1.5m").is_err());
        assert!(parse_gate_duration("soon").is_err());
        assert!(parse_gate_duration("").is_err());
        assert!(parse_slo_duration("interval", "0s").is_err());
        assert!(parse_slo_duration("window", "0").is_err());
        assert!(parse_slo_duration("duration", "0s").is_ok());
        assert!(parse_slo_duration("duration", "7h").is_err());
        assert_eq!(parse_slo_duration("duration", "6h"), Ok(MAX_DURATION));
    }

    #[test]
    fn max_violations_is_a_whole_number() {
        assert_eq!(parse_max_violations("0"), Ok(0));
        assert_eq!(parse_max_violations(" 3 "), Ok(3));
        for bad in ["-1", "1.5", "three", "10001", ""] {
            assert!(parse_max_violations(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_shown_without_trailing_zeros() {
        assert_eq!(Unit::Percent.show(0.42), "0.42 %");
        assert_eq!(Unit::Percent.show(2.000_000_000_000_000_4), "2 %");
        assert_eq!(Unit::Millis.show(97.500_000_000_000_01), "97.5 ms");
        assert_eq!(Unit::Millis.show(2425.0), "2425 ms");
        assert_eq!(Unit::Millis.show(f64::INFINITY), "+Inf ms");
        assert_eq!(Unit::Percent.number(-0.0), "0");
        assert_eq!(plain_number(f64::NAN, 2), "NaN");
    }

    #[test]
    fn the_defaults_are_the_common_objectives() {
        let plan = plan_gate(&[]).expect("plan");
        let thresholds: Vec<(Measure, u64)> = plan
            .checks
            .iter()
            .map(|c| (c.measure, c.threshold.0))
            .collect();
        assert_eq!(
            thresholds,
            [
                (Measure::ErrorRate, 1_000),
                (Measure::P95, 1_000_000),
                (Measure::P99, 2_000_000)
            ]
        );
        assert_eq!(plan.max_violations, 3);
        assert_eq!(plan.evaluations(), 21);
        assert!(plan.checks.iter().all(|c| c.origin == QueryOrigin::Default));
    }

    #[test]
    fn later_layers_win_key_by_key() {
        let mut config = SloSpec::default();
        config
            .objectives
            .insert(Measure::P95, Objective::AtMost(Threshold(500_000)));
        config.max_violations = Some(5);
        config.queries.insert(
            Measure::P99,
            CustomQuery {
                promql: "my_p99".into(),
                line: Some(7),
            },
        );
        let prod = SloSpec {
            max_violations: Some(1),
            objectives: BTreeMap::from([(Measure::ErrorRate, Objective::Off)]),
            ..SloSpec::default()
        };
        let inputs = SloSpec {
            interval: Some(Duration::from_secs(10)),
            ..SloSpec::default()
        };
        let plan = plan_gate(&[
            (&config, Layer::Config),
            (&prod, Layer::Environment("prod".into())),
            (&inputs, Layer::Inputs),
        ])
        .expect("plan");
        assert_eq!(plan.max_violations, 1);
        assert_eq!(plan.interval, Duration::from_secs(10));
        let measures: Vec<Measure> = plan.checks.iter().map(|c| c.measure).collect();
        assert_eq!(measures, [Measure::P95, Measure::P99]);
        assert_eq!(plan.checks[0].threshold, Threshold(500_000));
        assert_eq!(plan.checks[1].query, "my_p99");
        assert_eq!(
            plan.checks[1].origin,
            QueryOrigin::Config {
                key: "slo.queries.p99".into(),
                line: Some(7)
            }
        );
    }

    #[test]
    fn impossible_plans_are_refused() {
        let spec = |f: &dyn Fn(&mut SloSpec)| {
            let mut s = SloSpec::default();
            f(&mut s);
            s
        };
        let cases: Vec<(SloSpec, &str)> = vec![
            (
                spec(&|s| {
                    for m in Measure::ALL {
                        s.objectives.insert(m, Objective::Off);
                    }
                }),
                "every objective is `off`",
            ),
            (
                spec(&|s| s.interval = Some(Duration::ZERO)),
                "at least `1s`",
            ),
            (
                spec(&|s| s.duration = Some(Duration::from_secs(7 * 3600))),
                "at most `6h`",
            ),
            (
                spec(&|s| {
                    s.duration = Some(Duration::from_secs(10));
                    s.interval = Some(Duration::from_secs(30));
                }),
                "longer than `duration`",
            ),
        ];
        for (s, needle) in cases {
            let e = plan_gate(&[(&s, Layer::Inputs)]).expect_err(needle);
            assert!(e.contains(needle), "{e}");
        }
        let once = spec(&|s| s.duration = Some(Duration::ZERO));
        assert_eq!(
            plan_gate(&[(&once, Layer::Inputs)]).map(|p| p.evaluations()),
            Ok(1)
        );
    }

    #[test]
    fn default_queries_carry_the_selector_and_the_window() {
        let none = Selector::default();
        assert_eq!(
            default_query(Measure::ErrorRate, &none, Duration::from_secs(120)),
            r#"(sum(rate(http_requests_total{code=~"5.."}[2m])) or vector(0)) / sum(rate(http_requests_total[2m]))"#
        );
        let sel = Selector::parse(r#"app="web""#).expect("valid");
        assert_eq!(
            default_query(Measure::ErrorRate, &sel, Duration::from_secs(90)),
            r#"(sum(rate(http_requests_total{code=~"5..",app="web"}[90s])) or vector(0)) / sum(rate(http_requests_total{app="web"}[90s]))"#
        );
        assert_eq!(
            default_query(Measure::P99, &sel, Duration::from_secs(3600)),
            r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app="web"}[1h])))"#
        );
    }
}
