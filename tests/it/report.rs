//! `report --local` on a scripted git history: the same figures as through the API.

use crate::common::Sandbox;

const NOW: i64 = 1_795_000_000;
const DAY: i64 = 86_400;

/// git with the commit and tag dates set to `days` before now.
fn git_at(s: &Sandbox, days: i64, args: &[&str]) {
    let date = format!("@{} +0000", NOW - days * DAY);
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .current_dir(s.repo())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", s.runner.path())
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

fn commit(s: &Sandbox, days: i64, path: &str, text: &str, message: &str) {
    s.write(path, text);
    git_at(s, days, &["add", "-A"]);
    git_at(s, days, &["commit", "-q", "-m", message]);
}

#[test]
fn the_local_report_on_a_scripted_history_gives_exactly_the_expected_figures() {
    let s = Sandbox::demo();
    let staging = s.read("releases/staging.yaml");
    let prod = s.read("releases/prod.yaml");
    git_at(&s, 10, &["init", "-q", "-b", "main"]);
    git_at(&s, 10, &["add", "-A"]);
    git_at(&s, 10, &["commit", "-q", "-m", "Import the demo shop"]);
    git_at(
        &s,
        8,
        &["tag", "-a", "v1.1.0-frontend", "-m", "frontend 1.1.0"],
    );
    git_at(
        &s,
        9,
        &["tag", "-a", "v0.4.2-backend", "-m", "backend 0.4.2"],
    );
    let promoted = staging.replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n");
    commit(
        &s,
        7,
        "releases/staging.yaml",
        &promoted,
        "Promote frontend 1.1.0 to staging (#1)",
    );
    commit(
        &s,
        6,
        "releases/staging.yaml",
        &staging,
        "Roll back staging (#2)\n\nRollback-Reason: errors\nRelease-Action-Rollback: staging frontend@1.1.0",
    );
    git_at(&s, 6, &["tag", "v1.1.1-frontend"]);
    let fixed = staging.replace("  frontend: 1.0.0\n", "  frontend: 1.1.1\n");
    commit(
        &s,
        3,
        "releases/staging.yaml",
        &fixed,
        "Promote frontend 1.1.1 to staging (#3)",
    );
    let prod_after = prod.replace("  backend: 0.4.1\n", "  backend: 0.4.2\n");
    commit(
        &s,
        2,
        "releases/prod.yaml",
        &prod_after,
        "Promote backend 0.4.2 to prod (#4)",
    );

    let ran = s.cli(&["report", "--local", "--since", "9d", "--format", "json"]);
    ran.expect_code(0);
    let r: serde_json::Value = serde_json::from_str(&ran.stdout).expect("json");
    let env = |name: &str| {
        r["environments"]
            .as_array()
            .expect("environments")
            .iter()
            .find(|e| e["environment"] == name)
            .cloned()
            .expect(name)
    };
    let staging = env("staging");
    assert_eq!(staging["deployments"], 3);
    assert_eq!(staging["rollbacks"], 1);
    assert_eq!(staging["lead_time"]["median_seconds"], 2 * DAY);
    assert_eq!(staging["lead_time"]["p90_seconds"], 3 * DAY);
    assert_eq!(staging["time_to_restore"]["median_seconds"], DAY);
    assert_eq!(staging["weekly"], serde_json::json!([3, 0]));
    assert_eq!(staging["list"][2]["author"], "Test");
    assert_eq!(env("prod")["lead_time"]["median_seconds"], 7 * DAY);
    assert_eq!(env("dev")["deployments"], 0);

    // Every field is one the JSON Schema requires, and nothing else.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .expect("schema"),
    )
    .expect("schema json");
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    let required = |def: &str| {
        let mut k: Vec<String> = schema["$defs"][def]["required"]
            .as_array()
            .expect("required")
            .iter()
            .map(|x| x.as_str().expect("str").to_owned())
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&staging), required("environment"));
    assert_eq!(keys(&staging["charts"][0]), required("chart"));
    assert_eq!(keys(&staging["list"][0]), required("deployment"));
    assert_eq!(keys(&staging["list"][0]["pins"][0]), required("pin"));
    assert_eq!(keys(&staging["lead_time"]), required("stats"));

    let md = s.cli(&["report", "--local", "--since", "9d"]);
    md.expect_code(0);
    assert!(
        md.stdout
            .contains("| `staging` | 3 | 2.33 | 2d 0h | 3d 0h | 33% | 1d 0h |"),
        "{}",
        md.stdout
    );
    assert_eq!(
        md.stdout,
        md.summary.trim_end_matches('\n').to_owned() + "\n"
    );
}
