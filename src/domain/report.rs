//! Delivery figures from the history of each environment's bill of materials: deployment
//! frequency, lead time for changes, change failure rate and time to restore (the DORA
//! measures, <https://dora.dev/guides/dora-metrics-four-keys/>), per environment and per chart.
//!
//! Definitions, as `docs/report.md` states them:
//! - a **deployment** is a change of `releases/<env>.yaml` on the default branch in the window;
//! - a **rollback** is a deployment whose commit says so (the `Release-Action-Rollback:`
//!   trailer, or a merge of a `release-action/rollback/<env>` branch);
//! - **lead time** of a pin is the time from its release tag to the deployment that pinned it
//!   (rollbacks excluded); median and 90th percentile (nearest rank);
//! - **change failure rate** is rollbacks ÷ deployments;
//! - **time to restore** is, for each chart a rollback takes back, the time from the deployment
//!   that introduced the withdrawn version to the rollback; median.
//!
//! Times are Unix seconds; the median of an even count is the lower of the two middle values'
//! mean, rounded down.

use std::collections::BTreeMap;

use serde::Serialize;

/// Seconds in a week.
pub const WEEK: i64 = 7 * 86_400;

/// One change of an environment's bill of materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The commit.
    pub sha: String,
    /// When it reached the default branch (Unix seconds).
    pub at: i64,
    /// Who made it.
    pub author: String,
    /// Its pull request, when the commit names one.
    pub pr: Option<u64>,
    /// The full commit message.
    pub message: String,
    /// The chart pins after the change.
    pub charts: BTreeMap<String, String>,
}

/// An environment's history: the pins before the window, then every change in it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvHistory {
    /// The environment.
    pub env: String,
    /// The chart pins just before the window (empty if the file did not exist).
    pub baseline: BTreeMap<String, String>,
    /// The changes in the window, oldest first.
    pub changes: Vec<Change>,
}

/// When a chart version was tagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTime {
    /// The chart.
    pub chart: String,
    /// The version.
    pub version: String,
    /// The tag's date (the tagger's for an annotated tag, else the commit's).
    pub at: i64,
}

/// A median and a 90th percentile, in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Stats {
    /// How many samples.
    pub count: usize,
    /// The median, when there is a sample.
    pub median_seconds: Option<i64>,
    /// The 90th percentile (nearest rank), when there is a sample.
    pub p90_seconds: Option<i64>,
}

/// One pin a deployment changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    /// The chart.
    pub chart: String,
    /// The version before (`None`: new).
    pub from: Option<String>,
    /// The version after (`None`: removed).
    pub to: Option<String>,
    /// Release tag → this deployment, when the tag is known (not for rollbacks).
    pub lead_time_seconds: Option<i64>,
}

/// One deployment, for the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// The commit.
    pub sha: String,
    /// When (Unix seconds).
    pub at: i64,
    /// Who.
    pub author: String,
    /// The pull request, when known.
    pub pr: Option<u64>,
    /// Whether it was a rollback.
    pub rollback: bool,
    /// Whether release-action made it (its branch or trailers), rather than a hand edit.
    pub by_release_action: bool,
    /// The chart pins it changed.
    pub pins: Vec<Pin>,
}

/// Figures for one chart in one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartFigures {
    /// The chart.
    pub chart: String,
    /// Deployments that changed its pin.
    pub deployments: usize,
    /// Of which rollbacks.
    pub rollbacks: usize,
    /// Rollbacks ÷ deployments.
    pub change_failure_rate: Option<f64>,
    /// Lead time for changes.
    pub lead_time: Stats,
    /// Time to restore.
    pub time_to_restore: Stats,
}

/// Figures for one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvFigures {
    /// The environment.
    pub environment: String,
    /// Deployments in the window.
    pub deployments: usize,
    /// Deployments per week.
    pub deployments_per_week: f64,
    /// Of which rollbacks.
    pub rollbacks: usize,
    /// Rollbacks ÷ deployments.
    pub change_failure_rate: Option<f64>,
    /// Lead time for changes, every chart.
    pub lead_time: Stats,
    /// Time to restore, every chart.
    pub time_to_restore: Stats,
    /// Deployments per week of the window, oldest first.
    pub weekly: Vec<usize>,
    /// Per chart.
    pub charts: Vec<ChartFigures>,
    /// Every deployment, oldest first.
    pub list: Vec<Deployment>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Start of the window (Unix seconds).
    pub since: i64,
    /// End of the window (Unix seconds).
    pub until: i64,
    /// Per environment, in the configured order.
    pub environments: Vec<EnvFigures>,
}

/// Whether a commit message says the change is a rollback.
pub fn is_rollback(message: &str) -> bool {
    message
        .lines()
        .any(|l| l.starts_with("Release-Action-Rollback:"))
        || message.contains("release-action/rollback/")
}

/// Whether release-action made a change: its commit carries the plan trailer, or merges one
/// of its `release-action/<command>/…` branches.
pub fn is_by_release_action(message: &str) -> bool {
    message
        .lines()
        .any(|l| l.starts_with("Release-Action-Plan:") || l.starts_with("Release-Action-Rollback:"))
        || message.contains("release-action/")
}

/// The pull request a commit message names: `Merge pull request #12 from …` or a squash
/// title ending `(#12)`.
///
/// ```
/// use release_action::domain::report::pull_number;
/// assert_eq!(pull_number("Merge pull request #12 from o/release-action/rollback/prod"), Some(12));
/// assert_eq!(pull_number("Promote web 1.2.0 to prod (#7)\n\nbody"), Some(7));
/// assert_eq!(pull_number("Edit by hand"), None);
/// ```
pub fn pull_number(message: &str) -> Option<u64> {
    let first = message.lines().next().unwrap_or_default();
    if let Some(rest) = first.strip_prefix("Merge pull request #") {
        return rest.split_whitespace().next()?.parse().ok();
    }
    let inner = first.trim_end().strip_suffix(')')?;
    let (_, number) = inner.rsplit_once("(#")?;
    number.parse().ok()
}

/// The median (lower-mean for an even count) and 90th percentile (nearest rank) of `samples`.
///
/// ```
/// use release_action::domain::report::stats;
/// let s = stats(vec![10, 40, 20, 30]);
/// assert_eq!((s.count, s.median_seconds, s.p90_seconds), (4, Some(25), Some(40)));
/// ```
pub fn stats(mut samples: Vec<i64>) -> Stats {
    samples.sort_unstable();
    let n = samples.len();
    if n == 0 {
        return Stats::default();
    }
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]).div_euclid(2)
    };
    // Nearest rank: the smallest value with at least 90% of the samples at or below it.
    let rank = (n * 90).div_ceil(100).max(1);
    Stats {
        count: n,
        median_seconds: Some(median),
        p90_seconds: Some(samples[rank - 1]),
    }
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The report over `[since, until]` from each environment's history and the tag dates.
pub fn compute(histories: &[EnvHistory], tags: &[TagTime], since: i64, until: i64) -> Report {
    let tag_at: BTreeMap<(&str, &str), i64> = tags
        .iter()
        .map(|t| ((t.chart.as_str(), t.version.as_str()), t.at))
        .collect();
    let span = (until - since).max(1);
    let weeks = usize::try_from((span + WEEK - 1) / WEEK).unwrap_or(1);
    let environments = histories
        .iter()
        .map(|h| env_figures(h, &tag_at, since, until, weeks))
        .collect();
    Report {
        since,
        until,
        environments,
    }
}

fn env_figures(
    h: &EnvHistory,
    tag_at: &BTreeMap<(&str, &str), i64>,
    since: i64,
    until: i64,
    weeks: usize,
) -> EnvFigures {
    let mut list = Vec::new();
    let mut before = h.baseline.clone();
    // When each chart's current version arrived (for time to restore).
    let mut arrived: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut lead_all = Vec::new();
    let mut ttr_all = Vec::new();
    let mut per_chart: BTreeMap<String, (usize, usize, Vec<i64>, Vec<i64>)> = BTreeMap::new();
    let mut weekly = vec![0usize; weeks];
    for c in h.changes.iter().filter(|c| c.at >= since && c.at <= until) {
        let rollback = is_rollback(&c.message);
        let mut names: Vec<&String> = before.keys().chain(c.charts.keys()).collect();
        names.sort();
        names.dedup();
        let mut pins = Vec::new();
        for name in names {
            let (from, to) = (before.get(name).cloned(), c.charts.get(name).cloned());
            if from == to {
                continue;
            }
            let entry = per_chart.entry(name.clone()).or_default();
            entry.0 += 1;
            let mut lead = None;
            if rollback {
                entry.1 += 1;
                if let (Some(w), Some((v, at))) = (&from, arrived.get(name)) {
                    if v == w {
                        ttr_all.push(c.at - at);
                        entry.3.push(c.at - at);
                    }
                }
            } else if let Some(v) = &to {
                lead = tag_at
                    .get(&(name.as_str(), v.as_str()))
                    .filter(|t| **t <= c.at)
                    .map(|t| c.at - t);
                if let Some(l) = lead {
                    lead_all.push(l);
                    entry.2.push(l);
                }
            }
            match &to {
                Some(v) => {
                    arrived.insert(name.clone(), (v.clone(), c.at));
                }
                None => {
                    arrived.remove(name);
                }
            }
            pins.push(Pin {
                chart: name.clone(),
                from,
                to,
                lead_time_seconds: lead,
            });
        }
        let week = usize::try_from((c.at - since) / WEEK).unwrap_or(0);
        if let Some(slot) = weekly.get_mut(week.min(weeks - 1)) {
            *slot += 1;
        }
        list.push(Deployment {
            sha: c.sha.clone(),
            at: c.at,
            author: c.author.clone(),
            pr: c.pr,
            rollback,
            by_release_action: is_by_release_action(&c.message),
            pins,
        });
        before = c.charts.clone();
    }
    let deployments = list.len();
    let rollbacks = list.iter().filter(|d| d.rollback).count();
    let days = ((until - since).max(1)) as f64 / 86_400.0;
    EnvFigures {
        environment: h.env.clone(),
        deployments,
        deployments_per_week: (deployments as f64 * 7.0 / days * 100.0).round() / 100.0,
        rollbacks,
        change_failure_rate: rate(rollbacks, deployments),
        lead_time: stats(lead_all),
        time_to_restore: stats(ttr_all),
        weekly,
        charts: per_chart
            .into_iter()
            .map(|(chart, (d, r, lead, ttr))| ChartFigures {
                chart,
                deployments: d,
                rollbacks: r,
                change_failure_rate: rate(r, d),
                lead_time: stats(lead),
                time_to_restore: stats(ttr),
            })
            .collect(),
        list,
    }
}

/// `3d 4h`, `5h 10m`, `12m`, `—` for none.
pub fn human(seconds: Option<i64>) -> String {
    match seconds {
        None => "—".to_owned(),
        Some(s) => super::promotion::human(std::time::Duration::from_secs(
            u64::try_from(s.max(0)).unwrap_or(0),
        )),
    }
}

/// The report as a Markdown job summary: a table per environment, Mermaid charts of
/// deployments per week and lead time per deployment, and the list of deployments.
pub fn render_markdown(r: &Report, date: impl Fn(i64) -> String) -> String {
    let mut md = format!(
        "## Delivery report, {} → {}\n\n",
        date(r.since),
        date(r.until)
    );
    md.push_str("| environment | deployments | per week | lead time (median) | lead time (p90) | change failure rate | time to restore (median) |\n|---|---|---|---|---|---|---|\n");
    let pct = |x: Option<f64>| {
        x.map(|v| format!("{:.0}%", v * 100.0))
            .unwrap_or_else(|| "—".into())
    };
    for e in &r.environments {
        md.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            e.environment,
            e.deployments,
            e.deployments_per_week,
            human(e.lead_time.median_seconds),
            human(e.lead_time.p90_seconds),
            pct(e.change_failure_rate),
            human(e.time_to_restore.median_seconds)
        ));
    }
    for e in &r.environments {
        md.push_str(&format!("\n### `{}`\n\n", e.environment));
        if e.deployments == 0 {
            md.push_str("No deployments in the window.\n");
            continue;
        }
        let weeks: Vec<String> = (1..=e.weekly.len()).map(|i| format!("\"w{i}\"")).collect();
        let counts: Vec<String> = e.weekly.iter().map(ToString::to_string).collect();
        md.push_str(&format!(
            "```mermaid\nxychart-beta\n  title \"{} deployments per week\"\n  x-axis [{}]\n  y-axis \"deployments\"\n  bar [{}]\n```\n\n",
            e.environment,
            weeks.join(", "),
            counts.join(", ")
        ));
        let leads: Vec<(String, i64)> = e
            .list
            .iter()
            .flat_map(|d| {
                d.pins.iter().filter_map(|p| {
                    Some((
                        format!("{} {}", p.chart, p.to.as_deref()?),
                        p.lead_time_seconds?,
                    ))
                })
            })
            .collect();
        if !leads.is_empty() {
            let labels: Vec<String> = leads.iter().map(|(l, _)| format!("\"{l}\"")).collect();
            let hours: Vec<String> = leads
                .iter()
                .map(|(_, s)| format!("{:.1}", *s as f64 / 3600.0))
                .collect();
            md.push_str(&format!(
                "```mermaid\nxychart-beta\n  title \"{} lead time per release (hours)\"\n  x-axis [{}]\n  y-axis \"hours\"\n  bar [{}]\n```\n\n",
                e.environment,
                labels.join(", "),
                hours.join(", ")
            ));
        }
        md.push_str("| chart | deployments | rollbacks | lead time (median) | lead time (p90) | time to restore (median) |\n|---|---|---|---|---|---|\n");
        for c in &e.charts {
            md.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                c.chart,
                c.deployments,
                c.rollbacks,
                human(c.lead_time.median_seconds),
                human(c.lead_time.p90_seconds),
                human(c.time_to_restore.median_seconds)
            ));
        }
        md.push_str(
            "\n| when | change | pull request | author | commit |\n|---|---|---|---|---|\n",
        );
        for d in &e.list {
            let pins: Vec<String> = d
                .pins
                .iter()
                .map(|p| {
                    format!(
                        "`{}` {} → {}",
                        p.chart,
                        p.from.as_deref().unwrap_or("—"),
                        p.to.as_deref().unwrap_or("—")
                    )
                })
                .collect();
            let what = if pins.is_empty() {
                "images or other entries".to_owned()
            } else {
                pins.join(", ")
            };
            md.push_str(&format!(
                "| {} | {}{} | {} | {} | `{}` |\n",
                date(d.at),
                if d.rollback { "**rollback** " } else { "" },
                if d.by_release_action {
                    what
                } else {
                    format!("{what} (by hand)")
                },
                d.pr.map(|n| format!("#{n}")).unwrap_or_else(|| "—".into()),
                cell(&d.author),
                d.sha.chars().take(12).collect::<String>()
            ));
        }
    }
    md
}

/// Text safe in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const D: i64 = 86_400;

    fn change(sha: &str, at: i64, message: &str, charts: &[(&str, &str)]) -> Change {
        Change {
            sha: sha.into(),
            at,
            author: "octocat".into(),
            pr: pull_number(message),
            message: message.into(),
            charts: charts
                .iter()
                .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn medians_and_percentiles_follow_the_stated_definitions() {
        let cases: &[(&[i64], Option<i64>, Option<i64>)] = &[
            (&[], None, None),
            (&[5], Some(5), Some(5)),
            (&[1, 2], Some(1), Some(2)),
            (&[3, 1, 2], Some(2), Some(3)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], Some(5), Some(9)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], Some(6), Some(10)),
        ];
        for (samples, median, p90) in cases {
            let s = stats(samples.to_vec());
            assert_eq!(
                (s.median_seconds, s.p90_seconds),
                (*median, *p90),
                "{samples:?}"
            );
        }
    }

    #[test]
    fn a_scripted_history_gives_exactly_the_expected_figures() {
        let since = 0;
        let until = 28 * D;
        let staging = EnvHistory {
            env: "staging".into(),
            baseline: [("web".to_owned(), "1.0.0".to_owned())].into(),
            changes: vec![
                change(
                    "a",
                    2 * D,
                    "Promote web 1.1.0 to staging (#1)",
                    &[("web", "1.1.0")],
                ),
                change(
                    "b",
                    9 * D,
                    "Promote api 2.0.0 to staging (#2)",
                    &[("web", "1.1.0"), ("api", "2.0.0")],
                ),
                change(
                    "c",
                    9 * D + 6 * H,
                    "Merge pull request #3 from o/release-action/rollback/staging",
                    &[("web", "1.0.0"), ("api", "2.0.0")],
                ),
                change(
                    "d",
                    20 * D,
                    "hand edit",
                    &[("web", "1.1.1"), ("api", "2.0.0")],
                ),
            ],
        };
        let tags = [
            TagTime {
                chart: "web".into(),
                version: "1.1.0".into(),
                at: D,
            },
            TagTime {
                chart: "api".into(),
                version: "2.0.0".into(),
                at: 8 * D,
            },
            TagTime {
                chart: "web".into(),
                version: "1.1.1".into(),
                at: 19 * D + 12 * H,
            },
        ];
        let r = compute(&[staging], &tags, since, until);
        let e = &r.environments[0];
        assert_eq!(e.deployments, 4);
        assert_eq!(e.deployments_per_week, 1.0);
        assert_eq!(e.rollbacks, 1);
        assert_eq!(e.change_failure_rate, Some(0.25));
        assert_eq!(e.weekly, [1, 2, 1, 0]);
        // Lead times: 1d, 1d, 12h.
        assert_eq!(e.lead_time.median_seconds, Some(D));
        assert_eq!(e.lead_time.p90_seconds, Some(D));
        assert_eq!(e.lead_time.count, 3);
        // web 1.1.0 arrived at day 2, rolled back at day 9 + 6h.
        assert_eq!(e.time_to_restore.median_seconds, Some(7 * D + 6 * H));
        let web = e.charts.iter().find(|c| c.chart == "web").expect("web");
        assert_eq!((web.deployments, web.rollbacks), (3, 1));
        assert_eq!(web.lead_time.median_seconds, Some(18 * H));
        assert_eq!(e.list[2].pr, Some(3));
        assert!(e.list[2].rollback);
        assert_eq!(e.list[2].pins[0].from.as_deref(), Some("1.1.0"));
        let md = render_markdown(&r, |t| format!("day {}", t / D));
        assert!(
            md.contains("| `staging` | 4 | 1 | 1d 0h | 1d 0h | 25% | 7d 6h |"),
            "{md}"
        );
        assert!(md.contains("xychart-beta"), "{md}");
        assert!(md.contains("bar [1, 2, 1, 0]"), "{md}");
        assert!(
            md.contains("| day 9 | **rollback** `web` 1.1.0 → 1.0.0 | #3 | octocat | `c` |"),
            "{md}"
        );
    }

    #[test]
    fn rollbacks_are_recognised_by_trailer_or_branch() {
        assert!(is_rollback(
            "Roll back\n\nRelease-Action-Rollback: prod web@1.1.0\n"
        ));
        assert!(is_rollback(
            "Merge pull request #4 from o/release-action/rollback/prod"
        ));
        assert!(!is_rollback("Promote web 1.2.0 to prod"));
        assert!(is_by_release_action(
            "Promote web\n\nRelease-Action-Plan: 1234\n"
        ));
        assert!(is_by_release_action(
            "Merge pull request #9 from o/release-action/promote/web-prod"
        ));
        assert!(!is_by_release_action("Bump web by hand"));
    }
}
