//! `check`, the pull-request gate.

use crate::common::Sandbox;

#[test]
fn the_demo_repository_passes() {
    let s = Sandbox::demo();
    let ran = s.cli(&["check"]);
    ran.expect_code(0);
    assert!(
        ran.summary.contains("release-action check: passed"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("| frontend | 1.1.0 |"),
        "{}",
        ran.summary
    );
}

#[test]
fn the_verdict_line_goes_to_stdout() {
    let s = Sandbox::demo();
    let ran = s.cli(&["check", "--all"]);
    ran.expect_code(0);
    assert!(
        ran.stdout.starts_with("check: 4 component(s), 0 error(s)"),
        "{}",
        ran.stdout
    );
    assert!(!ran.stderr.contains("check: "), "{}", ran.stderr);
    // Under Actions it follows the annotations on stdout and is no workflow command.
    s.write(
        "helm/charts/backend/values.yaml",
        "image:\n  repository: a\n  tag: latest\n",
    );
    let ran = s.action(&[("command", "check"), ("all", "true")], &[]);
    ran.expect_code(1);
    let last = ran.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("check: 4 component(s), 1 error(s)"),
        "{}",
        ran.stdout
    );
}

#[test]
fn reports_every_problem_before_failing() {
    let s = Sandbox::demo();
    s.write(
        "helm/charts/backend/values.yaml",
        "image:\n  repository: ghcr.io/example/shop-backend\n  tag: latest\n",
    );
    let chart = s
        .read("helm/charts/data-platform/Chart.yaml")
        .replace("version: 1.0.1", "version: 1.0.01");
    s.write("helm/charts/data-platform/Chart.yaml", chart);
    let log = s
        .read("CHANGELOG.md")
        .replace("## [2.4.0] - 2026-09-25", "## [2.4.0] - 2026-13-45");
    s.write("CHANGELOG.md", log);
    let ran = s.action(&[("command", "check")], &[]);
    ran.expect_code(1);
    for needle in [
        "file=helm/charts/backend/values.yaml,line=3",
        "file=helm/charts/data-platform/Chart.yaml,line=4",
        "file=CHANGELOG.md,line=13",
    ] {
        assert!(ran.stdout.contains(needle), "{needle}\n{}", ran.stdout);
    }
    assert!(ran.summary.contains("❌"), "{}", ran.summary);
}

#[test]
fn a_floating_image_tag_in_a_bill_of_materials_fails() {
    let s = Sandbox::demo();
    let bom = s.read("releases/staging.yaml").replace("tag: v2.4.1, digest: \"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"", "tag: latest");
    s.write("releases/staging.yaml", bom);
    let ran = s.cli(&["check"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("releases/staging.yaml:8"),
        "{}",
        ran.stderr
    );
}

#[test]
fn image_findings_sit_on_the_tag_and_digest_lines() {
    let s = Sandbox::demo();
    s.write(
        "helm/charts/backend/values.yaml",
        concat!(
            "image:\n",
            "  repository: ghcr.io/example/shop-backend\n",
            "  tag: v0.9.0\n",
            "  digest: sha256:abc\n",
            "upgradeJob:\n",
            "  image:\n",
            "    busybox:\n",
            "      registry: docker.io\n",
            "      repository: busybox\n",
            "      tag: latest\n",
        ),
    );
    s.write(
        "releases/staging.yaml",
        concat!(
            "environment: staging\n",
            "charts:\n",
            "  backend: 0.4.2\n",
            "images:\n",
            "  app:\n",
            "    image: ghcr.io/example/shop-app\n",
            "    tag: main\n",
        ),
    );
    let ran = s.action(&[("command", "check"), ("all", "true")], &[]);
    ran.expect_code(1);
    for needle in [
        "::error file=helm/charts/backend/values.yaml,line=4,title=values/invalid-digest::",
        "::error file=helm/charts/backend/values.yaml,line=10,title=values/floating-tag::image `docker.io/busybox` uses the floating tag `latest`",
        "::error file=releases/staging.yaml,line=7,title=bom/floating-tag::",
    ] {
        assert!(ran.stdout.contains(needle), "{needle}\n{}", ran.stdout);
    }
}

#[test]
fn a_changed_chart_must_bump_its_version_against_the_base() {
    let s = Sandbox::demo();
    s.git_init();
    s.git(&["checkout", "-q", "-b", "feature"]);
    s.write(
        "helm/charts/frontend/templates/pdb.yaml",
        "kind: PodDisruptionBudget\n",
    );
    s.git(&["add", "-A"]);
    s.git(&["commit", "-q", "-m", "add pdb"]);
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    assert!(
        ran.stderr
            .contains("help: bump `version` in `helm/charts/frontend/Chart.yaml` (e.g. to 1.1.1)"),
        "{}",
        ran.stderr
    );

    // Bumping without a changelog section is still not enough.
    let chart = s
        .read("helm/charts/frontend/Chart.yaml")
        .replace("version: 1.1.0", "version: 1.2.0");
    s.write("helm/charts/frontend/Chart.yaml", chart);
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains(
            "`frontend` is now 1.2.0 but `helm/charts/frontend/CHANGELOG.md` has no section for it"
        ),
        "{}",
        ran.stderr
    );

    let log = s.read("helm/charts/frontend/CHANGELOG.md").replace(
        "## [1.1.0] - 2026-10-02",
        "## [1.2.0] - 2026-11-01\n\n### Added\n\n- A PDB.\n\n## [1.1.0] - 2026-10-02",
    );
    s.write("helm/charts/frontend/CHANGELOG.md", log);
    s.cli(&["check", "--base", "main"]).expect_code(0);
}

#[test]
fn exempt_and_helmignored_files_need_no_bump() {
    let s = Sandbox::demo();
    s.git_init();
    s.write("helm/charts/frontend/README.md", "# frontend\n");
    s.write(
        "helm/charts/frontend/CHANGELOG.md",
        s.read("helm/charts/frontend/CHANGELOG.md") + "\n",
    );
    s.write(
        "helm/charts/frontend/ci/test-values.yaml",
        "replicaCount: 1\n",
    );
    s.write("helm/charts/frontend/values.yaml.bak", "old\n");
    let ran = s.cli(&["check", "--base", "main"]);
    ran.expect_code(0);
}

#[test]
fn the_base_comes_from_the_pull_request_event() {
    let s = Sandbox::demo();
    s.git_init();
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(s.repo())
        .output()
        .expect("git");
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    s.write("helm/charts/backend/templates/svc.yaml", "kind: Service\n");
    let event = s.runner.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request":{{"number":7,"base":{{"sha":"{sha}","ref":"main"}}}}}}"#),
    )
    .expect("event");
    let ran = s.action(
        &[("command", "check")],
        &[
            ("GITHUB_EVENT_PATH", event.to_str().expect("utf8")),
            ("GITHUB_EVENT_NAME", "pull_request"),
        ],
    );
    ran.expect_code(1);
    assert!(
        ran.stdout.contains("title=check/version-not-bumped"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_base_that_is_not_in_the_repository_is_a_usage_error() {
    let s = Sandbox::demo();
    s.git_init();
    let ran = s.cli(&["check", "--base", "origin/nope"]);
    ran.expect_code(2);
    assert!(ran.stderr.contains("fetch it first"), "{}", ran.stderr);
    s.cli(&["check", "--base", "--output=/tmp/x"])
        .expect_code(2);
}
