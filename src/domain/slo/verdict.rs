//! Judging a window of evaluations: each reading against its objective, the violations so far,
//! and the verdict. Fail closed: a query that returns nothing (no series) or `NaN` (no
//! requests in the window) is a violation, never a pass.
//!
//! A measure meets its objective when it is at most the threshold. Each objective missed at an
//! evaluation counts one violation; the gate fails as soon as the violations exceed
//! `max-violations`, and passes when the window ends without that.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{GatePlan, Measure, Unit};

/// What one query answered, converted to its measure's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// One number.
    Value(f64),
    /// No series matched: nothing to judge.
    NoData,
    /// `NaN`: the series exist but hold no requests in the window (0 / 0).
    NotANumber,
}

impl Reading {
    /// A query's raw answer (a ratio, or seconds) in `unit`; `None` is an empty answer.
    pub fn from_answer(raw: Option<f64>, unit: Unit) -> Self {
        match raw {
            None => Self::NoData,
            Some(v) if v.is_nan() => Self::NotANumber,
            Some(v) => Self::Value(v * unit.scale()),
        }
    }

    /// The number, when there is one.
    pub fn value(self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(v),
            Self::NoData | Self::NotANumber => None,
        }
    }

    /// The reading for people: `0.42 %`, `no data`, `no requests (NaN)`.
    pub fn show(self, unit: Unit) -> String {
        match self {
            Self::Value(v) => unit.show(v),
            Self::NoData => "no data".into(),
            Self::NotANumber => "no requests (NaN)".into(),
        }
    }
}

/// One measure at one evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    /// The measure.
    pub measure: Measure,
    /// What Prometheus answered.
    pub reading: Reading,
    /// Whether the objective was met.
    pub met: bool,
}

/// One evaluation: when, and every measure against its objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// 1-based number.
    pub number: usize,
    /// When it was scheduled, from the start of the gate.
    pub offset: Duration,
    /// The evaluation time Prometheus reported, in seconds since the Unix epoch.
    pub at: Option<f64>,
    /// Each check's result, in plan order.
    pub judged: Vec<Judged>,
    /// Violations so far, this evaluation's included.
    pub violations: u32,
}

impl Evaluation {
    /// The measures that missed their objective.
    pub fn missed(&self) -> impl Iterator<Item = &Judged> {
        self.judged.iter().filter(|j| !j.met)
    }
}

/// Per-measure figures over the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureStats {
    /// Violations of this measure.
    pub violations: u32,
    /// Evaluations at which its query returned nothing or `NaN`.
    pub no_data: u32,
    /// The last reading.
    pub last: Option<Reading>,
    /// The highest value read.
    pub worst: Option<f64>,
}

/// The evaluations of one gate run, judged as they arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The plan being run.
    pub plan: GatePlan,
    /// The evaluations so far.
    pub evaluations: Vec<Evaluation>,
    violations: u32,
}

/// Whether the gate goes on after an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait for the next evaluation.
    Continue,
    /// Violations exceed `max-violations`: the gate has failed.
    Failed,
    /// The window is over and the objectives held.
    Passed,
}

impl Window {
    /// An empty window for `plan`.
    pub fn new(plan: GatePlan) -> Self {
        Self {
            plan,
            evaluations: Vec::new(),
            violations: 0,
        }
    }

    /// Judges the next evaluation: `readings` are the checks' answers in plan order.
    ///
    /// ```
    /// use std::time::Duration;
    /// use release_action::domain::slo::{plan_gate, verdict::{Next, Reading, Window}};
    /// let mut w = Window::new(plan_gate(&[]).expect("plan"));
    /// let healthy = [Reading::Value(0.2), Reading::Value(120.0), Reading::Value(300.0)];
    /// assert_eq!(w.record(Duration::ZERO, None, &healthy), Next::Continue);
    /// let burst = [Reading::Value(7.5), Reading::NoData, Reading::Value(300.0)];
    /// assert_eq!(w.record(Duration::from_secs(30), None, &burst), Next::Continue);
    /// assert_eq!(w.violations(), 2);
    /// assert_eq!(w.record(Duration::from_secs(60), None, &burst), Next::Failed);
    /// ```
    pub fn record(&mut self, offset: Duration, at: Option<f64>, readings: &[Reading]) -> Next {
        let judged: Vec<Judged> = self
            .plan
            .checks
            .iter()
            .zip(readings)
            .map(|(check, &reading)| Judged {
                measure: check.measure,
                reading,
                met: reading
                    .value()
                    .is_some_and(|v| v <= check.threshold.value()),
            })
            .collect();
        let missed = judged.iter().filter(|j| !j.met).count();
        self.violations = self
            .violations
            .saturating_add(u32::try_from(missed).unwrap_or(u32::MAX));
        self.evaluations.push(Evaluation {
            number: self.evaluations.len() + 1,
            offset,
            at,
            judged,
            violations: self.violations,
        });
        if self.failed() {
            Next::Failed
        } else if self.evaluations.len() >= self.plan.evaluations() {
            Next::Passed
        } else {
            Next::Continue
        }
    }

    /// Violations so far.
    pub fn violations(&self) -> u32 {
        self.violations
    }

    /// Whether the violations exceed what the plan tolerates.
    pub fn failed(&self) -> bool {
        self.violations > self.plan.max_violations
    }

    /// Figures of `measure` over the evaluations so far.
    pub fn stats(&self, measure: Measure) -> MeasureStats {
        let mut stats = MeasureStats {
            violations: 0,
            no_data: 0,
            last: None,
            worst: None,
        };
        for j in self
            .evaluations
            .iter()
            .flat_map(|e| e.judged.iter())
            .filter(|j| j.measure == measure)
        {
            stats.violations += u32::from(!j.met);
            stats.no_data += u32::from(j.reading.value().is_none());
            stats.last = Some(j.reading);
            if let Some(v) = j.reading.value() {
                stats.worst = Some(stats.worst.map_or(v, |w: f64| w.max(v)));
            }
        }
        stats
    }

    /// The series of `measure` for a chart over the window.
    pub fn chart(&self, measure: Measure) -> Option<Chart> {
        let check = self.plan.checks.iter().find(|c| c.measure == measure)?;
        let unit = measure.unit();
        let mut points = Vec::new();
        for e in &self.evaluations {
            let Some(j) = e.judged.iter().find(|j| j.measure == measure) else {
                continue;
            };
            let value = j.reading.value().filter(|v| v.is_finite());
            let note = match j.reading {
                Reading::NoData => " no data",
                Reading::NotANumber => " NaN",
                Reading::Value(_) if value.is_none() => " +Inf",
                Reading::Value(_) => "",
            };
            points.push(ChartPoint {
                label: format!("{}s{note}", e.offset.as_secs()),
                value,
            });
        }
        let threshold = check.threshold.value();
        let highest = points
            .iter()
            .filter_map(|p| p.value)
            .fold(threshold, f64::max);
        Some(Chart {
            title: format!("{} ({})", measure.label(), unit.symbol()),
            unit,
            points,
            threshold,
            y_max: nice_ceiling(highest * 1.1),
        })
    }
}

/// The data of one measure's chart: a point per evaluation, and the threshold as a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// `error rate (%)`.
    pub title: String,
    /// The unit of the values.
    pub unit: Unit,
    /// One point per evaluation.
    pub points: Vec<ChartPoint>,
    /// The objective, in the unit.
    pub threshold: f64,
    /// The top of the y axis: above every value and the threshold.
    pub y_max: f64,
}

/// One evaluation on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// The x-axis label: seconds from the start (`30s`), and why there is no value
    /// (`30s no data`).
    pub label: String,
    /// The value; `None` when the query gave no number (drawn at 0 and labelled so).
    pub value: Option<f64>,
}

/// The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `x`.
fn nice_ceiling(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|c| *c >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Counts by measure of the violations in `evaluations`.
pub fn violations_by_measure(evaluations: &[Evaluation]) -> BTreeMap<Measure, u32> {
    let mut out = BTreeMap::new();
    for j in evaluations.iter().flat_map(|e| e.missed()) {
        *out.entry(j.measure).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::{plan_gate, Layer, Objective, SloSpec, Threshold};

    fn window(max: u32, duration: u64) -> Window {
        let spec = SloSpec {
            max_violations: Some(max),
            duration: Some(Duration::from_secs(duration)),
            interval: Some(Duration::from_secs(1)),
            ..SloSpec::default()
        };
        Window::new(plan_gate(&[(&spec, Layer::Inputs)]).expect("plan"))
    }

    const OK: [Reading; 3] = [
        Reading::Value(0.5),
        Reading::Value(900.0),
        Reading::Value(1900.0),
    ];

    #[test]
    fn a_healthy_window_passes_at_its_end() {
        let mut w = window(0, 2);
        assert_eq!(w.record(Duration::ZERO, None, &OK), Next::Continue);
        assert_eq!(w.record(Duration::from_secs(1), None, &OK), Next::Continue);
        assert_eq!(w.record(Duration::from_secs(2), None, &OK), Next::Passed);
        assert_eq!(w.violations(), 0);
    }

    #[test]
    fn the_threshold_itself_meets_the_objective() {
        let mut w = window(0, 0);
        let edge = [
            Reading::Value(1.0),
            Reading::Value(1000.0),
            Reading::Value(2000.0),
        ];
        assert_eq!(w.record(Duration::ZERO, None, &edge), Next::Passed);
    }

    #[test]
    fn no_data_and_nan_are_violations() {
        let mut w = window(1, 10);
        let empty = [Reading::NoData, Reading::NotANumber, Reading::Value(1.0)];
        assert_eq!(w.record(Duration::ZERO, None, &empty), Next::Failed);
        assert_eq!(w.violations(), 2);
        let stats = w.stats(Measure::ErrorRate);
        assert_eq!((stats.violations, stats.no_data), (1, 1));
        assert_eq!(stats.last, Some(Reading::NoData));
    }

    #[test]
    fn the_gate_fails_on_the_first_violation_past_the_allowance() {
        let mut w = window(3, 60);
        let slow = [
            Reading::Value(0.1),
            Reading::Value(1500.0),
            Reading::Value(100.0),
        ];
        for i in 0..3 {
            assert_eq!(
                w.record(Duration::from_secs(i), None, &slow),
                Next::Continue
            );
        }
        assert_eq!(w.record(Duration::from_secs(3), None, &slow), Next::Failed);
        assert_eq!(w.evaluations.len(), 4);
        assert_eq!(
            violations_by_measure(&w.evaluations),
            BTreeMap::from([(Measure::P95, 4)])
        );
    }

    #[test]
    fn stats_keep_the_worst_and_the_last_value() {
        let mut w = window(10, 10);
        for v in [0.2, 3.0, 0.4] {
            w.record(
                Duration::ZERO,
                None,
                &[Reading::Value(v), Reading::Value(1.0), Reading::Value(1.0)],
            );
        }
        let s = w.stats(Measure::ErrorRate);
        assert_eq!(s.worst, Some(3.0));
        assert_eq!(s.last, Some(Reading::Value(0.4)));
        assert_eq!(s.violations, 1);
    }

    #[test]
    fn charts_reach_above_the_values_and_the_threshold() {
        let mut w = window(10, 10);
        w.record(Duration::ZERO, None, &OK);
        w.record(
            Duration::from_secs(1),
            None,
            &[Reading::Value(3.2), Reading::NoData, Reading::Value(1.0)],
        );
        let c = w.chart(Measure::ErrorRate).expect("chart");
        assert_eq!(c.title, "error rate (%)");
        assert_eq!(c.threshold, 1.0);
        assert_eq!(c.y_max, 5.0);
        assert_eq!(
            c.points.iter().map(|p| p.value).collect::<Vec<_>>(),
            [Some(0.5), Some(3.2)]
        );
        let p95 = w.chart(Measure::P95).expect("chart");
        assert_eq!(p95.points[1].value, None);
        assert_eq!(p95.points[1].label, "1s no data");
        assert_eq!(p95.y_max, 2000.0);
    }

    #[test]
    fn nice_ceilings_are_round() {
        for (x, want) in [
            (0.0, 1.0),
            (1.1, 2.0),
            (2.2, 2.5),
            (4.4, 5.0),
            (1100.0, 2000.0),
            (0.011, 0.02),
            (5.0, 5.0),
        ] {
            assert_eq!(nice_ceiling(x), want, "{x}");
        }
    }

    #[test]
    fn an_objective_that_is_off_is_not_judged() {
        let mut spec = SloSpec::default();
        spec.objectives.insert(Measure::P99, Objective::Off);
        spec.objectives
            .insert(Measure::P95, Objective::AtMost(Threshold(100_000)));
        let mut w = Window::new(plan_gate(&[(&spec, Layer::Inputs)]).expect("plan"));
        w.record(
            Duration::ZERO,
            None,
            &[Reading::Value(0.0), Reading::Value(150.0)],
        );
        assert_eq!(w.violations(), 1);
        assert!(w.chart(Measure::P99).is_none());
    }
}
