//! Every use of release-action in `workflows-examples/` runs here with the inputs and the event
//! payload that workflow gives it: `with:` values are resolved from a table of the workflow's
//! expressions, `action.yml` defaults fill the rest as the runner does, and commands that write
//! to GitHub run against the fake GitHub seeded with the demo repository.

use std::collections::BTreeMap;
use std::path::Path;

use fake_github::time::OffsetDateTime;
use fake_github::FakeGitHub;
use serde_json::json;

use crate::common::{Ran, Sandbox, DEMO};

pub(crate) const OWNER: &str = "octo";
pub(crate) const REPO: &str = "shop";
pub(crate) const TOKEN: &str = "ghs_workflowtoken000000000000000000000";

fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: yaml_serde::Value = yaml_serde::from_str(&text).expect("yaml");
    serde_json::to_value(value).expect("json")
}

/// The `with:` maps of every release-action step in a workflow, in order.
fn release_action_steps(file: &str) -> Vec<BTreeMap<String, String>> {
    let wf = yaml(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("workflows-examples")
            .join(file),
    );
    let mut steps = Vec::new();
    for job in wf["jobs"].as_object().expect("jobs").values() {
        for step in job["steps"].as_array().into_iter().flatten() {
            let uses = step["uses"].as_str().unwrap_or_default();
            if uses.starts_with("release-action/release-action@") {
                let with = step["with"].as_object().cloned().unwrap_or_default();
                steps.push(
                    with.into_iter()
                        .map(|(k, v)| {
                            (
                                k,
                                v.as_str()
                                    .map(str::to_owned)
                                    .unwrap_or_else(|| v.to_string()),
                            )
                        })
                        .collect(),
                );
            }
        }
    }
    steps
}

/// Resolves `${{ … }}` through `table`; an expression the table does not know fails the test,
/// so a changed workflow cannot go untested.
fn resolve(with: &BTreeMap<String, String>, table: &[(&str, &str)]) -> Vec<(String, String)> {
    let action = yaml(&Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"));
    let mut inputs: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in action["inputs"].as_object().expect("inputs") {
        if let Some(default) = spec["default"].as_str() {
            inputs.insert(name.clone(), default.to_owned());
        }
    }
    for (k, v) in with {
        assert!(
            action["inputs"].get(k).is_some(),
            "`with: {k}` is not an input declared in action.yml"
        );
        inputs.insert(k.clone(), v.clone());
    }
    let table: BTreeMap<&str, &str> = table
        .iter()
        .copied()
        .chain([("github.token", TOKEN)])
        .collect();
    inputs
        .into_iter()
        .map(|(k, v)| {
            let resolved = match v
                .trim()
                .strip_prefix("${{")
                .and_then(|x| x.strip_suffix("}}"))
            {
                Some(expr) => (*table
                    .get(expr.trim())
                    .unwrap_or_else(|| panic!("no value for `{}` (input `{k}`)", expr.trim())))
                .to_owned(),
                None => v,
            };
            (k, resolved)
        })
        .collect()
}

/// A fake GitHub holding the demo repository on `main`.
pub(crate) fn fake_with_demo() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.create_repo(OWNER, REPO, "main");
    let long_ago = OffsetDateTime::now_utc() - fake_github::time::Duration::days(30);
    fake.commit_dir(
        OWNER,
        REPO,
        "main",
        Path::new(DEMO),
        "demo\n",
        Some(long_ago),
    )
    .expect("seed the demo");
    fake
}

pub(crate) fn run_step(
    s: &Sandbox,
    inputs: &[(String, String)],
    event: serde_json::Value,
    env: &[(&str, &str)],
    fake: Option<&FakeGitHub>,
) -> Ran {
    let event_path = s.runner.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).expect("event");
    let inputs: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let url = fake
        .map(FakeGitHub::url)
        .unwrap_or_else(|| "http://127.0.0.1:9".into());
    let mut vars = vec![
        (
            "GITHUB_EVENT_PATH",
            event_path.to_str().expect("utf8").to_owned(),
        ),
        ("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}")),
        ("GITHUB_API_URL", url),
        (
            "SOURCE_DATE_EPOCH",
            OffsetDateTime::now_utc().unix_timestamp().to_string(),
        ),
    ];
    vars.extend(env.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.action(&inputs, &vars)
}

fn push_event() -> serde_json::Value {
    json!({ "repository": { "default_branch": "main", "full_name": format!("{OWNER}/{REPO}") } })
}

#[test]
fn release_tag_validates_then_releases() {
    let mut steps = release_action_steps("release-tag.yml");
    assert_eq!(steps.len(), 2, "validate-tag and release");
    // Jobs come back in name order; run them in the order `needs:` gives.
    steps.sort_by_key(|with| with.get("command").map(|c| c != "validate-tag"));
    let s = Sandbox::demo();
    let fake = fake_with_demo();
    let head = fake.branch_sha(OWNER, REPO, "main").expect("main");
    fake.create_annotated_tag(
        OWNER,
        REPO,
        "v1.1.0-frontend",
        &head,
        "frontend v1.1.0\n",
        None,
    );
    let env = [("GITHUB_REF", "refs/tags/v1.1.0-frontend")];
    let validate = run_step(
        &s,
        &resolve(&steps[0], &[]),
        push_event(),
        &env,
        Some(&fake),
    );
    validate.expect_code(0);
    assert_eq!(validate.output("component"), "frontend");
    let release = run_step(
        &s,
        &resolve(&steps[1], &[]),
        push_event(),
        &env,
        Some(&fake),
    );
    release.expect_code(0);
    let releases = fake.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0].name.as_deref(), Some("frontend v1.1.0"));
    assert!(!release.output("release-url").is_empty());
    fake.assert_clean();
}

#[test]
fn pr_check_gates_the_pull_request() {
    let steps = release_action_steps("pr-check.yml");
    assert_eq!(steps.len(), 1);
    let s = Sandbox::demo();
    let ran = run_step(
        &s,
        &resolve(&steps[0], &[]),
        json!({ "pull_request": { "number": 3 } }),
        &[("GITHUB_EVENT_NAME", "pull_request")],
        None,
    );
    ran.expect_code(0);
    assert!(
        ran.summary.contains("release-action check: passed"),
        "{}",
        ran.summary
    );
}

/// The one step of `steps` whose command is `command`.
fn step<'a>(steps: &'a [BTreeMap<String, String>], command: &str) -> &'a BTreeMap<String, String> {
    let mut found = steps
        .iter()
        .filter(|w| w.get("command").map(String::as_str) == Some(command));
    let one = found
        .next()
        .unwrap_or_else(|| panic!("no `{command}` step"));
    assert!(found.next().is_none(), "two `{command}` steps");
    one
}

#[test]
fn chart_promotion_opens_the_pull_request() {
    let steps = release_action_steps("chart-promotion.yml");
    assert_eq!(steps.len(), 2, "the SLO gate and the promotion");
    let steps = [step(&steps, "promote").clone()];
    let s = Sandbox::demo();
    let fake = fake_with_demo();
    let table = [
        ("steps.app-token.outputs.token || github.token", TOKEN),
        ("inputs.chart", "frontend"),
        ("inputs.target", "staging"),
        ("inputs.source", ""),
        ("inputs.version", ""),
        ("inputs.version == '' && inputs.bump || ''", "auto"),
        ("inputs.dry-run", "false"),
    ];
    let ran = run_step(
        &s,
        &resolve(&steps[0], &table),
        json!({ "inputs": {}, "repository": { "default_branch": "main" } }),
        &[],
        Some(&fake),
    );
    ran.expect_code(0);
    let pulls = fake.pulls(OWNER, REPO);
    assert_eq!(pulls.len(), 1);
    assert_eq!(
        ran.output("branch"),
        "release-action/promote/frontend-staging"
    );
    let bom = fake
        .file_at(
            OWNER,
            REPO,
            "release-action/promote/frontend-staging",
            "releases/staging.yaml",
        )
        .expect("bom");
    assert!(String::from_utf8_lossy(&bom).contains("  frontend: 1.1.0\n"));
    fake.assert_clean();
}

#[test]
fn bom_propagation_pins_from_the_dispatch_payload() {
    let steps = release_action_steps("bom-propagation.yml");
    assert_eq!(steps.len(), 1);
    let s = Sandbox::demo();
    let fake = fake_with_demo();
    // On repository_dispatch the `inputs` context is empty: the payload carries the pin.
    let table = [
        ("steps.app-token.outputs.token || github.token", TOKEN),
        ("inputs.env", ""),
        ("inputs.component", ""),
        ("inputs.image", ""),
        ("inputs.tag", ""),
        ("inputs.digest", ""),
    ];
    let digest = format!("sha256:{}", "ab".repeat(32));
    let event = json!({
        "action": "release-action-bom",
        "client_payload": { "env": "dev", "component": "app", "image": "ghcr.io/example/shop-app", "tag": "v2.5.0", "digest": digest },
        "repository": { "default_branch": "main" }
    });
    let ran = run_step(
        &s,
        &resolve(&steps[0], &table),
        event,
        &[("GITHUB_EVENT_NAME", "repository_dispatch")],
        Some(&fake),
    );
    ran.expect_code(0);
    let bom = fake
        .file_at(OWNER, REPO, "release-action/bom/dev", "releases/dev.yaml")
        .expect("bom");
    assert!(
        String::from_utf8_lossy(&bom).contains("tag: v2.5.0"),
        "{}",
        String::from_utf8_lossy(&bom)
    );
    assert_eq!(fake.pulls(OWNER, REPO).len(), 1);
    fake.assert_clean();
}

#[test]
fn snapshot_opens_a_pull_request_with_the_file() {
    let steps = release_action_steps("snapshot.yml");
    assert_eq!(steps.len(), 1);
    let s = Sandbox::demo();
    let fake = fake_with_demo();
    let table = [
        ("steps.app-token.outputs.token || github.token", TOKEN),
        ("inputs.id", "canary-weights-1"),
        ("inputs.env", "staging"),
        ("steps.params.outputs.lines", "weight=5\nenabled=true\n"),
        ("inputs.dry-run", "false"),
    ];
    let ran = run_step(
        &s,
        &resolve(&steps[0], &table),
        json!({ "inputs": {}, "repository": { "default_branch": "main" } }),
        &[],
        Some(&fake),
    );
    ran.expect_code(0);
    let file = fake
        .file_at(
            OWNER,
            REPO,
            "release-action/snapshot/canary-weights-1",
            "releases/history/snapshots/canary-weights-1.yaml",
        )
        .expect("snapshot");
    let text = String::from_utf8_lossy(&file);
    assert!(
        text.contains("  \"weight\": 5\n") && text.contains("  \"enabled\": true\n"),
        "{text}"
    );
    assert_eq!(fake.pulls(OWNER, REPO).len(), 1);
    fake.assert_clean();
}

#[test]
fn rollback_opens_a_ready_pull_request_labelled_rollback() {
    let steps = release_action_steps("rollback.yml");
    assert_eq!(steps.len(), 1);
    let s = Sandbox::demo();
    let fake = fake_with_demo();
    let archive = "releases/history/prod/20261110T090000Z-promote-backend-0.4.1.yaml";
    let older = s
        .read("releases/prod.yaml")
        .replace("  backend: 0.4.1\n", "  backend: 0.4.0\n");
    s.write(archive, &older);
    fake.commit_files(
        OWNER,
        REPO,
        "main",
        &[(archive, older.as_str())],
        "archive\n",
        None,
    );
    let table = [
        ("steps.app-token.outputs.token || github.token", TOKEN),
        ("inputs.env", "prod"),
        ("inputs.reason", "latency doubled"),
        ("inputs.chart", ""),
        ("inputs.to", ""),
        ("inputs.dry-run", "false"),
    ];
    let ran = run_step(
        &s,
        &resolve(&steps[0], &table),
        json!({ "inputs": {}, "repository": { "default_branch": "main" } }),
        &[],
        Some(&fake),
    );
    ran.expect_code(0);
    assert_eq!(ran.output("branch"), "release-action/rollback/prod");
    let pulls = fake.pulls(OWNER, REPO);
    assert_eq!(pulls.len(), 1);
    assert!(!pulls[0].draft);
    assert_eq!(pulls[0].labels, ["rollback", "release"]);
    let bom = fake
        .file_at(
            OWNER,
            REPO,
            "release-action/rollback/prod",
            "releases/prod.yaml",
        )
        .expect("bom");
    assert_eq!(String::from_utf8_lossy(&bom), older);
    fake.assert_clean();
}

#[test]
fn report_writes_the_delivery_summary() {
    let steps = release_action_steps("report.yml");
    assert_eq!(steps.len(), 1);
    let s = Sandbox::demo();
    let fake = fake_with_demo();
    let table = [("inputs.since || '90d'", "90d")];
    let ran = run_step(
        &s,
        &resolve(&steps[0], &table),
        json!({ "repository": { "default_branch": "main" } }),
        &[],
        Some(&fake),
    );
    ran.expect_code(0);
    assert!(
        ran.summary.contains("## Delivery report"),
        "{}",
        ran.summary
    );
    assert!(ran.summary.contains("| `staging` | 1 |"), "{}", ran.summary);
    assert!(ran.summary.contains("xychart-beta"), "{}", ran.summary);
    fake.assert_clean();
}

/// The demo repository with objectives quick enough for a test: evaluations every second over
/// a five-second window.
fn demo_with_quick_objectives(extra: &str) -> Sandbox {
    let s = Sandbox::demo();
    let config = s.read(".github/release-action.yml");
    s.write(
        ".github/release-action.yml",
        format!("{config}slo:\n  duration: 2s\n  interval: 1s\n  window: 5s\n{extra}"),
    );
    s
}

fn workflow_text(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("workflows-examples")
            .join(file),
    )
    .expect("workflow")
}

#[test]
fn canary_progressive_gates_every_traffic_step_on_the_canary_s_series() {
    let steps = release_action_steps("canary-progressive.yml");
    assert_eq!(steps.len(), 6, "one gate per traffic step");
    assert!(steps.iter().all(|w| w == &steps[0]), "{steps:#?}");
    assert_eq!(steps[0]["command"], "gate");
    let text = workflow_text("canary-progressive.yml");
    let mut at = 0;
    for weight in [5, 10, 25, 50, 75, 100] {
        let shift = text[at..]
            .find(&format!(
                "- name: {weight} % of the traffic, then helm test"
            ))
            .map(|i| i + at)
            .unwrap_or_else(|| panic!("no {weight} % step"));
        let gate = text[shift..]
            .find(&format!("- name: SLO gate at {weight} %"))
            .map(|i| i + shift)
            .unwrap_or_else(|| panic!("no gate after the {weight} % step"));
        at = gate;
    }
    let rollback = text
        .find("- name: Back to 0 % on failure")
        .expect("rollback");
    assert!(rollback > at && text[rollback..].contains("if: failure()"));
    // The selector the resolve step writes, as its shell writes it.
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("echo \"selector="))
        .expect("the selector line");
    let out = tempfile::NamedTempFile::new().expect("tempfile");
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(line)
        .env("NAMESPACE", "staging")
        .env("CHART", "frontend")
        .env("GITHUB_OUTPUT", out.path())
        .status()
        .expect("bash");
    assert!(status.success());
    let written = std::fs::read_to_string(out.path()).expect("output");
    let selector = written
        .trim_end()
        .strip_prefix("selector=")
        .expect("selector=");
    assert_eq!(
        selector,
        r#"{namespace="staging",service="frontend-canary"}"#
    );

    let shared = crate::gate::serving("canary-good");
    crate::gate::serving("canary-bad");
    let s = demo_with_quick_objectives("  max-violations: 1\n");
    let run = |selector: &str| {
        let table = [
            ("vars.PROMETHEUS_URL", shared.prometheus.url.as_str()),
            ("secrets.PROMETHEUS_TOKEN", ""),
            ("inputs.environment", "staging"),
            ("steps.resolve.outputs.selector", selector),
            ("inputs.watch", "2s"),
        ];
        run_step(
            &s,
            &resolve(&steps[0], &table),
            json!({ "inputs": {} }),
            &[],
            None,
        )
    };
    let good = run(selector);
    good.expect_code(0);
    assert_eq!(good.output("passed"), "true");
    assert!(
        good.summary.contains("## release-action gate: passed"),
        "{}",
        good.summary
    );
    let bad = run(r#"{namespace="staging",service="backend-canary"}"#);
    bad.expect_code(1);
    assert_eq!(bad.output("passed"), "false");
    assert_eq!(bad.output("violations"), "2");
    assert_eq!(bad.output("error-rate"), "20");
    assert!(
        bad.stdout
            .contains("::error title=gate/objectives-missed::"),
        "{}",
        bad.stdout
    );
}

#[test]
fn chart_promotion_promotes_into_prod_only_after_a_passing_gate_on_the_source() {
    let wf = yaml(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("workflows-examples")
            .join("chart-promotion.yml"),
    );
    assert_eq!(
        wf["jobs"]["slo-gate"]["if"],
        "inputs.target == 'prod' && vars.PROMETHEUS_URL != ''"
    );
    assert_eq!(wf["jobs"]["promote"]["needs"], "slo-gate");
    assert_eq!(
        wf["jobs"]["promote"]["if"],
        "${{ !failure() && !cancelled() }}"
    );
    let steps = release_action_steps("chart-promotion.yml");
    let gate = step(&steps, "gate");
    // `format()` as GitHub evaluates it: `{{` is `{`, `{0}` the first argument.
    let expr = gate["selector"]
        .trim()
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .expect("an expression")
        .trim()
        .to_owned();
    let pattern = expr
        .strip_prefix("format('")
        .and_then(|e| e.split_once("',"))
        .map(|(p, _)| p)
        .expect("format('…', …)");
    let selector = pattern
        .replace("{{", "\u{1}")
        .replace("}}", "\u{2}")
        .replace("{0}", "staging")
        .replace("{1}", "frontend")
        .replace('\u{1}', "{")
        .replace('\u{2}', "}");
    assert_eq!(selector, r#"{namespace="staging",service="frontend"}"#);

    let shared = crate::gate::serving("staging-frontend");
    let s = demo_with_quick_objectives("  environments:\n    staging: { max-violations: 0 }\n");
    let table = [
        ("vars.PROMETHEUS_URL", shared.prometheus.url.as_str()),
        ("secrets.PROMETHEUS_TOKEN", ""),
        ("inputs.source || 'staging'", "staging"),
        (expr.as_str(), selector.as_str()),
    ];
    let ran = run_step(
        &s,
        &resolve(gate, &table),
        json!({ "inputs": {} }),
        &[],
        None,
    );
    ran.expect_code(0);
    assert_eq!(ran.output("passed"), "true");
    assert!(
        ran.stderr
            .contains("(3 evaluations); more than 0 violation(s) fail it"),
        "the staging override applies: {}",
        ran.stderr
    );
}
