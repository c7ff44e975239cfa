//! `report` through the API on a scripted history: tags, promotions, one failure and its
//! rollback at known times give exactly the expected figures, and the requests grow with the
//! deployments in the window.

use crate::common::{ago, Ran, World, DAY, OWNER, REPO};

/// frontend 1.1.0 tagged 8 days ago and promoted into staging a day later, rolled back the day
/// after; 1.1.1 (a lightweight tag on the rollback) promoted 3 days later; backend 0.4.2 tagged
/// 9 days ago reaches prod 2 days ago.
fn scripted(w: &World) {
    let f = |path: &str| w.remote("main", path).expect(path);
    let staging = f("releases/staging.yaml");
    let prod = f("releases/prod.yaml");
    w.fake.create_annotated_tag(
        OWNER,
        REPO,
        "v1.1.0-frontend",
        &w.seed,
        "frontend 1.1.0",
        Some(ago(8 * DAY)),
    );
    w.fake.create_annotated_tag(
        OWNER,
        REPO,
        "v0.4.2-backend",
        &w.seed,
        "backend 0.4.2",
        Some(ago(9 * DAY)),
    );
    let on = |path: &str, text: String, message: &str, days: i64| {
        w.fake.commit_files(
            OWNER,
            REPO,
            "main",
            &[(path, text.as_str())],
            message,
            Some(ago(days * DAY)),
        )
    };
    on(
        "releases/staging.yaml",
        staging.replace("  frontend: 1.0.0\n", "  frontend: 1.1.0\n"),
        "Promote frontend 1.1.0 to staging (#1)\n",
        7,
    );
    let rollback = on(
        "releases/staging.yaml",
        staging.clone(),
        "Roll back staging (#2)\n\nRollback-Reason: errors\nRelease-Action-Rollback: staging frontend@1.1.0\n",
        6,
    );
    w.fake
        .create_lightweight_tag(OWNER, REPO, "v1.1.1-frontend", &rollback);
    on(
        "releases/staging.yaml",
        staging.replace("  frontend: 1.0.0\n", "  frontend: 1.1.1\n"),
        "Promote frontend 1.1.1 to staging (#3)\n",
        3,
    );
    on(
        "releases/prod.yaml",
        prod.replace("  backend: 0.4.1\n", "  backend: 0.4.2\n"),
        "Promote backend 0.4.2 to prod (#4)\n",
        2,
    );
}

fn report(w: &World) -> Ran {
    w.action("report")
        .input("since", "9d")
        .input("format", "json")
        .run()
}

#[test]
fn the_report_on_a_scripted_history_gives_exactly_the_expected_figures() {
    let w = World::demo();
    scripted(&w);
    let ran = report(&w);
    ran.expect_code(0);
    let json = ran
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::"))
        .collect::<Vec<_>>()
        .join("\n");
    let r: serde_json::Value = serde_json::from_str(&json).expect("json");
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
    assert_eq!(staging["deployments_per_week"], 2.33);
    assert!((staging["change_failure_rate"].as_f64().expect("rate") - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(staging["lead_time"]["median_seconds"], 2 * DAY);
    assert_eq!(staging["lead_time"]["p90_seconds"], 3 * DAY);
    assert_eq!(staging["time_to_restore"]["median_seconds"], DAY);
    assert_eq!(staging["weekly"], serde_json::json!([3, 0]));
    assert_eq!(staging["list"][1]["rollback"], true);
    assert_eq!(staging["list"][1]["pr"], 2);
    let prod = env("prod");
    assert_eq!(prod["deployments"], 1);
    assert_eq!(prod["lead_time"]["median_seconds"], 7 * DAY);
    assert_eq!(prod["change_failure_rate"], 0.0);
    let dev = env("dev");
    assert_eq!(dev["deployments"], 0);
    assert!(dev["change_failure_rate"].is_null());
    assert!(ran.summary.contains("xychart-beta"), "{}", ran.summary);
    assert!(
        ran.summary
            .contains("| `staging` | 3 | 2.33 | 2d 0h | 3d 0h | 33% | 1d 0h |"),
        "{}",
        ran.summary
    );

    // Per environment: the changes in the window, the last change before it, and the file at
    // each; per release pinned in the window: its tag and the tag's date. Never the history.
    let deployments = 4;
    let releases = 3;
    assert_eq!(
        ran.requests.len(),
        3 * 3 + deployments + 2 * releases,
        "{:#?}",
        ran.request_lines()
    );
    assert_eq!(ran.writes(), 0);
    w.assert_clean();
}
