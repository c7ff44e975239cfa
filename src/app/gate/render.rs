//! What `gate` shows: a line per evaluation (or probe attempt) while it runs, and the job
//! summary at the end: the objectives, a table of every evaluation, and a Mermaid `xychart-beta`
//! per measure with its threshold.
//! See: <https://mermaid.js.org/syntax/xyChart.html>

use crate::domain::probe::{Answer, Attempt, Probe};
use crate::domain::slo::verdict::{Chart, Evaluation, Window};
use crate::domain::slo::{plain_number, render_duration, GatePlan, QueryOrigin};
use crate::report::md_cell;

/// The lines printed before the first evaluation: what is watched, how, and each query.
pub(super) fn header(plan: &GatePlan, url: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "gate: watching `{url}` for {}, every {} ({} evaluations); more than {} violation(s) fail it",
        render_duration(plan.duration),
        render_duration(plan.interval),
        plan.evaluations(),
        plan.max_violations
    )];
    for c in &plan.checks {
        lines.push(format!(
            "gate: {} at most {}: {}",
            c.measure.label(),
            c.measure.unit().show(c.threshold.value()),
            c.query
        ));
    }
    lines
}

/// `evaluation 3/21 at +60s (12:01:00 UTC): error rate 0.42 % ok; p95 latency 1500 ms > 1000 ms
/// missed; 1 violation, 3 allowed`.
pub(super) fn evaluation_line(window: &Window, e: &Evaluation) -> String {
    let parts: Vec<String> = e
        .judged
        .iter()
        .filter_map(|j| {
            let check = window.plan.checks.iter().find(|c| c.measure == j.measure)?;
            let unit = j.measure.unit();
            let reading = j.reading.show(unit);
            Some(if j.met {
                format!("{} {reading} ok", j.measure.label())
            } else if j.reading.value().is_some() {
                format!(
                    "{} {reading}, over {}: missed",
                    j.measure.label(),
                    unit.show(check.threshold.value())
                )
            } else {
                format!("{} {reading}: missed", j.measure.label())
            })
        })
        .collect();
    format!(
        "evaluation {}/{} at +{}s{}: {}; {} violation(s), {} allowed",
        e.number,
        window.plan.evaluations(),
        e.offset.as_secs(),
        e.at.map(|t| format!(" ({} UTC)", clock(t)))
            .unwrap_or_default(),
        parts.join("; "),
        e.violations,
        window.plan.max_violations
    )
}

/// The last line: the verdict.
pub(super) fn final_line(window: &Window) -> String {
    let planned = window.plan.evaluations();
    if window.failed() {
        format!(
            "gate: failed at evaluation {} of {planned}: {} violations, more than the {} allowed",
            window.evaluations.len(),
            window.violations(),
            window.plan.max_violations
        )
    } else {
        format!(
            "gate: passed: {} evaluations, {} violation(s), {} allowed",
            window.evaluations.len(),
            window.violations(),
            window.plan.max_violations
        )
    }
}

/// The job summary of a gate run.
pub(super) fn summary(window: &Window, url: &str) -> String {
    let plan = &window.plan;
    let mut md = format!(
        "## release-action gate: {}\n\n",
        if window.failed() { "failed" } else { "passed" }
    );
    md.push_str(&format!(
        "Prometheus {}{} · {} of {} evaluations, every {} over {} · {} violation(s), at most {} allowed",
        code(url),
        if plan.selector.is_empty() {
            String::new()
        } else {
            format!(" · selector {}", code(&plan.selector.to_string()))
        },
        window.evaluations.len(),
        plan.evaluations(),
        render_duration(plan.interval),
        render_duration(plan.duration),
        window.violations(),
        plan.max_violations
    ));
    if window.failed() {
        md.push_str(" · stopped early: the violations exceeded the allowance");
    }
    md.push_str("\n\n| objective | at most | last | worst | violations |\n|---|---|---|---|---|\n");
    for c in &plan.checks {
        let unit = c.measure.unit();
        let stats = window.stats(c.measure);
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.measure.label(),
            unit.show(c.threshold.value()),
            stats.last.map_or("—".into(), |r| r.show(unit)),
            stats.worst.map_or("—".into(), |w| unit.show(w)),
            stats.violations
        ));
    }
    md.push_str("\n### Evaluations\n\n| # | at | time (UTC) |");
    for c in &plan.checks {
        md.push_str(&format!(" {} |", c.measure.label()));
    }
    md.push_str(" violations |\n|---|---|---|");
    md.push_str(&"---|".repeat(plan.checks.len()));
    md.push_str("---|\n");
    for e in &window.evaluations {
        md.push_str(&format!(
            "| {} | +{}s | {} |",
            e.number,
            e.offset.as_secs(),
            e.at.map(clock).unwrap_or_default()
        ));
        for j in &e.judged {
            let shown = j.reading.show(j.measure.unit());
            if j.met {
                md.push_str(&format!(" {shown} |"));
            } else {
                md.push_str(&format!(" ❌ {shown} |"));
            }
        }
        md.push_str(&format!(" {} |\n", e.violations));
    }
    for c in &plan.checks {
        if let Some(chart) = window.chart(c.measure) {
            md.push_str(&format!("\n### {}\n\n", chart.title));
            md.push_str(&render_chart(&chart));
        }
    }
    md.push_str("\n<details><summary>Queries</summary>\n\n");
    for c in &plan.checks {
        let origin = match &c.origin {
            QueryOrigin::Default => "default".to_owned(),
            QueryOrigin::Config { key, .. } => format!("`{key}`"),
            QueryOrigin::Input(name) => format!("input `{name}`"),
        };
        md.push_str(&format!(
            "- {} ({origin}): {}\n",
            c.measure.label(),
            code(&c.query)
        ));
    }
    md.push_str("\n</details>\n");
    md
}

/// A measure over the window as a Mermaid `xychart-beta`: the readings, then the threshold as a
/// flat line. A reading without a number is drawn at 0, and its x label says why.
fn render_chart(chart: &Chart) -> String {
    let labels: Vec<String> = chart
        .points
        .iter()
        .map(|p| format!("\"{}\"", p.label.replace('"', "'")))
        .collect();
    let values: Vec<String> = chart
        .points
        .iter()
        .map(|p| plain_number(p.value.unwrap_or(0.0), 3))
        .collect();
    let threshold = plain_number(chart.threshold, 3);
    let flat: Vec<&str> = chart.points.iter().map(|_| threshold.as_str()).collect();
    format!(
        "```mermaid\nxychart-beta\n    title \"{title}, at most {limit}\"\n    x-axis \"seconds from the start\" [{labels}]\n    y-axis \"{unit}\" 0 --> {top}\n    line [{values}]\n    line [{flat}]\n```\n",
        title = chart.title,
        limit = chart.unit.show(chart.threshold),
        labels = labels.join(", "),
        unit = chart.unit.symbol(),
        top = plain_number(chart.y_max, 3),
        values = values.join(", "),
        flat = flat.join(", "),
    )
}

/// `attempt 2/11 at +3s: 503 in 4 ms; expected 200`.
pub(super) fn attempt_line(probe: &Probe, a: &Attempt) -> String {
    let got = match &a.answer {
        Answer::Status(s) => format!("{s} in {} ms", a.elapsed.as_millis()),
        Answer::Failed(e) => format!("no answer ({e})"),
    };
    format!(
        "attempt {}/{} at +{}s: {got}{}",
        a.number,
        probe.plan.attempts,
        a.offset.as_secs(),
        if a.ok {
            " ok".to_owned()
        } else {
            format!("; expected {}", probe.expected())
        }
    )
}

/// The last line of a probe: the verdict.
pub(super) fn probe_final_line(probe: &Probe) -> String {
    if probe.passed() {
        format!(
            "gate: passed: `{}` answered {} at attempt {}",
            probe.plan.url,
            probe
                .last_status()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            probe.attempts.len()
        )
    } else {
        format!(
            "gate: failed: `{}` did not answer {} in {} attempts",
            probe.plan.url,
            probe.expected(),
            probe.attempts.len()
        )
    }
}

/// The job summary of a probe.
pub(super) fn probe_summary(probe: &Probe) -> String {
    let mut md = format!(
        "## release-action gate: {}\n\n{} expected {} · {} of at most {} attempts, every {}\n\n| # | at | answer | time | |\n|---|---|---|---|---|\n",
        if probe.passed() { "passed" } else { "failed" },
        code(&probe.plan.url),
        probe.expected(),
        probe.attempts.len(),
        probe.plan.attempts,
        render_duration(probe.plan.interval)
    );
    for a in &probe.attempts {
        let answer = match &a.answer {
            Answer::Status(s) => s.to_string(),
            Answer::Failed(e) => format!("no answer: {}", md_cell(e)),
        };
        md.push_str(&format!(
            "| {} | +{}s | {answer} | {} ms | {} |\n",
            a.number,
            a.offset.as_secs(),
            a.elapsed.as_millis(),
            if a.ok { "✅" } else { "❌" }
        ));
    }
    md
}

/// `HH:MM:SS` of a Unix time, in UTC (days are 86 400 seconds long in Unix time).
fn clock(at: f64) -> String {
    let secs = (at.floor() as i64).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `text` as inline code that no backtick inside it can end, safe in a table cell.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    let cell = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    format!("{fence}{pad}{cell}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::domain::probe::ProbePlan;
    use crate::domain::slo::verdict::Reading;
    use crate::domain::slo::{plan_gate, Layer, Selector, SloSpec};

    fn window() -> Window {
        let spec = SloSpec {
            duration: Some(Duration::from_secs(4)),
            interval: Some(Duration::from_secs(1)),
            max_violations: Some(2),
            selector: Some(Selector::parse(r#"{app="web"}"#).expect("selector")),
            ..SloSpec::default()
        };
        let mut w = Window::new(plan_gate(&[(&spec, Layer::Inputs)]).expect("plan"));
        let at = 1_795_000_000.0;
        let rows = [
            [
                Reading::Value(0.0),
                Reading::Value(97.5),
                Reading::Value(99.5),
            ],
            [
                Reading::Value(0.4),
                Reading::Value(97.5),
                Reading::Value(4375.0),
            ],
            [Reading::Value(6.25), Reading::NoData, Reading::NotANumber],
        ];
        for (i, row) in rows.iter().enumerate() {
            let offset = Duration::from_secs(i as u64);
            w.record(offset, Some(at + offset.as_secs_f64()), row);
        }
        w
    }

    #[test]
    fn evaluation_lines_say_each_measure_against_its_objective() {
        let w = window();
        insta::assert_snapshot!(evaluation_line(&w, &w.evaluations[1]), @"evaluation 2/5 at +1s (11:06:41 UTC): error rate 0.4 % ok; p95 latency 97.5 ms ok; p99 latency 4375 ms, over 2000 ms: missed; 1 violation(s), 2 allowed");
        insta::assert_snapshot!(evaluation_line(&w, &w.evaluations[2]), @"evaluation 3/5 at +2s (11:06:42 UTC): error rate 6.25 %, over 1 %: missed; p95 latency no data: missed; p99 latency no requests (NaN): missed; 4 violation(s), 2 allowed");
        insta::assert_snapshot!(final_line(&w), @"gate: failed at evaluation 3 of 5: 4 violations, more than the 2 allowed");
    }

    #[test]
    fn the_summary_shows_every_evaluation_and_a_chart_per_measure() {
        let w = window();
        insta::assert_snapshot!(summary(&w, "http://prometheus:9090"));
    }

    #[test]
    fn probe_reports_every_attempt() {
        let mut p = Probe::new(ProbePlan {
            url: "http://web:8080/healthz".into(),
            expect: vec![200],
            attempts: 3,
            interval: Duration::from_secs(2),
        });
        p.record(
            Duration::ZERO,
            Answer::Failed("tcp connect error: Connection refused (os error 111)".into()),
            Duration::from_millis(1),
        );
        p.record(
            Duration::from_secs(2),
            Answer::Status(503),
            Duration::from_millis(12),
        );
        p.record(
            Duration::from_secs(4),
            Answer::Status(200),
            Duration::from_millis(7),
        );
        insta::assert_snapshot!(attempt_line(&p, &p.attempts[1]), @"attempt 2/3 at +2s: 503 in 12 ms; expected 200");
        insta::assert_snapshot!(probe_final_line(&p), @"gate: passed: `http://web:8080/healthz` answered 200 at attempt 3");
        insta::assert_snapshot!(probe_summary(&p));
    }

    #[test]
    fn inline_code_survives_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x{p=~`a.*`}"), "``x{p=~`a.*`}``");
        assert_eq!(code("`q`"), "`` `q` ``");
    }
}
