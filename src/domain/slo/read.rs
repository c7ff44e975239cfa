//! Reading the `slo:` block of the configuration into [`SloConfig`]: every key, its type, and a
//! message naming the key path when a value is refused (the caller turns the path into a line).
//!
//! ```yaml
//! slo:
//!   error-rate: 1%
//!   p95: 1000ms
//!   p99: 2000ms
//!   duration: 10m
//!   interval: 30s
//!   max-violations: 3
//!   selector: '{app="web"}'
//!   environments:
//!     prod: { error-rate: 0.5%, max-violations: 1 }
//! ```

use yaml_serde::Value;

use super::{
    check_query, parse_latency, parse_max_violations, parse_percent, parse_slo_duration,
    CustomQuery, Measure, Selector, SloConfig, SloSpec,
};

/// A refused value: the key path (`["slo", "environments", "prod", "p95"]`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloError {
    /// The keys from the top of the configuration to the offending one.
    pub path: Vec<String>,
    /// What is wrong, naming the key.
    pub message: String,
}

const SPEC_KEYS: [&str; 9] = [
    "error-rate",
    "p95",
    "p99",
    "duration",
    "interval",
    "window",
    "max-violations",
    "selector",
    "queries",
];

/// Reads `slo:`. `line_of` gives the 1-based line of a key path, for queries whose line is
/// kept to name them later.
pub fn read_slo(
    value: &Value,
    line_of: &dyn Fn(&[&str]) -> Option<usize>,
) -> Result<SloConfig, SloError> {
    let root = vec!["slo".to_owned()];
    let map = mapping(value, &root)?;
    let mut config = SloConfig::default();
    for (key, v) in map {
        let key = key_text(key, &root)?;
        let path = child(&root, &key);
        if key == "environments" {
            for (env, spec) in mapping(v, &path)? {
                let env = key_text(env, &path)?;
                let env_path = child(&path, &env);
                let spec = read_spec(spec, &env_path, line_of)?;
                config.environments.insert(env, spec);
            }
        } else if SPEC_KEYS.contains(&key.as_str()) {
            read_key(&mut config.base, &key, v, &path, line_of)?;
        } else {
            return Err(unknown(&path, &key, true));
        }
    }
    Ok(config)
}

fn read_spec(
    value: &Value,
    path: &[String],
    line_of: &dyn Fn(&[&str]) -> Option<usize>,
) -> Result<SloSpec, SloError> {
    let mut spec = SloSpec::default();
    for (key, v) in mapping(value, path)? {
        let key = key_text(key, path)?;
        let key_path = child(path, &key);
        if !SPEC_KEYS.contains(&key.as_str()) {
            return Err(unknown(&key_path, &key, false));
        }
        read_key(&mut spec, &key, v, &key_path, line_of)?;
    }
    Ok(spec)
}

fn read_key(
    spec: &mut SloSpec,
    key: &str,
    value: &Value,
    path: &[String],
    line_of: &dyn Fn(&[&str]) -> Option<usize>,
) -> Result<(), SloError> {
    // `slo.p95 must be …` for a value of the wrong kind; `slo.p95: <why>` for a refused one.
    let fail = |message: String| SloError {
        path: path.to_vec(),
        message: format!("`{}` {message}", path.join(".")),
    };
    let bad = |why: String| SloError {
        path: path.to_vec(),
        message: format!("`{}`: {why}", path.join(".")),
    };
    match key {
        "error-rate" | "p95" | "p99" => {
            let measure = Measure::ALL
                .into_iter()
                .find(|m| m.key() == key)
                .unwrap_or(Measure::ErrorRate);
            let text = scalar(value).ok_or_else(|| fail("must be a value such as `1%`".into()))?;
            let parsed = if measure == Measure::ErrorRate {
                parse_percent(&text)
            } else {
                parse_latency(&text)
            };
            let objective = parsed.map_err(bad)?;
            spec.objectives.insert(measure, objective);
        }
        "duration" | "interval" | "window" => {
            let text =
                scalar(value).ok_or_else(|| fail("must be a duration such as `30s`".into()))?;
            let d = parse_slo_duration(key, &text).map_err(bad)?;
            match key {
                "duration" => spec.duration = Some(d),
                "interval" => spec.interval = Some(d),
                _ => spec.window = Some(d),
            }
        }
        "max-violations" => {
            let text = match value {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => return Err(fail("must be a whole number such as `3`".into())),
            };
            spec.max_violations = Some(parse_max_violations(&text).map_err(bad)?);
        }
        "selector" => {
            let Value::String(text) = value else {
                return Err(fail(
                    "must be a quoted string such as `'{app=\"web\"}'`".into(),
                ));
            };
            spec.selector = Some(Selector::parse(text).map_err(bad)?);
        }
        _ => {
            for (q, text) in mapping(value, path)? {
                let q = key_text(q, path)?;
                let q_path = child(path, &q);
                let measure = Measure::ALL
                    .into_iter()
                    .find(|m| m.key() == q)
                    .ok_or_else(|| SloError {
                        path: q_path.clone(),
                        message: format!(
                            "`{}` is not a measure; `queries` takes `error-rate`, `p95` and `p99`",
                            q_path.join(".")
                        ),
                    })?;
                let Value::String(promql) = text else {
                    return Err(SloError {
                        path: q_path.clone(),
                        message: format!("`{}` must be a PromQL string", q_path.join(".")),
                    });
                };
                let promql = check_query(promql).map_err(|e| SloError {
                    path: q_path.clone(),
                    message: format!("`{}`: {e}", q_path.join(".")),
                })?;
                let refs: Vec<&str> = q_path.iter().map(String::as_str).collect();
                spec.queries.insert(
                    measure,
                    CustomQuery {
                        promql,
                        line: line_of(&refs),
                    },
                );
            }
        }
    }
    Ok(())
}

fn mapping<'v>(value: &'v Value, path: &[String]) -> Result<Vec<(&'v Value, &'v Value)>, SloError> {
    match value {
        Value::Mapping(m) => Ok(m.iter().collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(SloError {
            path: path.to_vec(),
            message: format!("`{}` must be a mapping", path.join(".")),
        }),
    }
}

fn key_text(key: &Value, path: &[String]) -> Result<String, SloError> {
    match key {
        Value::String(s) => Ok(s.clone()),
        _ => Err(SloError {
            path: path.to_vec(),
            message: format!("`{}` has a key that is not text", path.join(".")),
        }),
    }
}

/// A scalar as text: strings as they are, numbers as written, `false` as `off`.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(false) => Some("off".into()),
        _ => None,
    }
}

fn child(path: &[String], key: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(key.to_owned());
    p
}

fn unknown(path: &[String], key: &str, top: bool) -> SloError {
    let mut known: Vec<&str> = SPEC_KEYS.to_vec();
    if top {
        known.push("environments");
    }
    let hint = crate::domain::name::did_you_mean(key, known.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    SloError {
        path: path.to_vec(),
        message: format!(
            "`{}` is not a key of `slo`; known: {}{hint}",
            path.join("."),
            known.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::{Objective, Threshold};
    use std::time::Duration;

    fn read(text: &str) -> Result<SloConfig, SloError> {
        let v: Value = yaml_serde::from_str(text).expect("yaml");
        read_slo(&v["slo"], &|p| Some(p.len()))
    }

    #[test]
    fn reads_every_key_and_the_overrides() {
        let c = read(
            "slo:\n  error-rate: 1%\n  p95: 1000ms\n  p99: off\n  duration: 10m\n  interval: 30s\n  window: 5m\n  max-violations: 3\n  selector: '{app=\"web\"}'\n  queries:\n    p95: my_p95\n  environments:\n    prod: { error-rate: 0.5%, max-violations: 1 }\n",
        )
        .expect("valid");
        assert_eq!(
            c.base.objectives.get(&Measure::ErrorRate),
            Some(&Objective::AtMost(Threshold(1_000)))
        );
        assert_eq!(c.base.objectives.get(&Measure::P99), Some(&Objective::Off));
        assert_eq!(c.base.duration, Some(Duration::from_secs(600)));
        assert_eq!(c.base.window, Some(Duration::from_secs(300)));
        assert_eq!(c.base.max_violations, Some(3));
        assert_eq!(
            c.base.selector.as_ref().map(ToString::to_string).as_deref(),
            Some("{app=\"web\"}")
        );
        assert_eq!(c.base.queries[&Measure::P95].promql, "my_p95");
        assert_eq!(c.base.queries[&Measure::P95].line, Some(3));
        assert_eq!(c.environments["prod"].max_violations, Some(1));
    }

    #[test]
    fn refusals_name_the_key_path() {
        let cases = [
            ("slo: 3\n", "slo", "must be a mapping"),
            (
                "slo: { error-rate: 1 }\n",
                "slo.error-rate",
                "not a percentage",
            ),
            ("slo: { p95: 1000 }\n", "slo.p95", "not a latency"),
            ("slo: { p99: [1] }\n", "slo.p99", "must be a value"),
            (
                "slo: { duration: soon }\n",
                "slo.duration",
                "not a duration",
            ),
            (
                "slo: { max-violations: -1 }\n",
                "slo.max-violations",
                "whole number",
            ),
            (
                "slo: { max-violations: [3] }\n",
                "slo.max-violations",
                "whole number",
            ),
            (
                "slo: { selector: 'app=web' }\n",
                "slo.selector",
                "where a quoted value",
            ),
            (
                "slo: { error_rate: 1% }\n",
                "slo.error_rate",
                "did you mean `error-rate`?",
            ),
            (
                "slo: { queries: { p50: x } }\n",
                "slo.queries.p50",
                "not a measure",
            ),
            (
                "slo: { queries: { p95: ' ' } }\n",
                "slo.queries.p95",
                "empty",
            ),
            (
                "slo: { environments: { prod: { environments: {} } } }\n",
                "slo.environments.prod.environments",
                "not a key",
            ),
        ];
        for (text, path, needle) in cases {
            let e = read(text).expect_err(text);
            assert_eq!(e.path.join("."), path, "{text}");
            assert!(e.message.contains(needle), "{text}: {}", e.message);
            assert!(e.message.contains(&format!("`{path}`")), "{}", e.message);
        }
    }
}
