//! Hostile names and malformed files: exit 2 or 1 with a message naming the file, and nothing
//! written.

use crate::common::Sandbox;

#[test]
fn hostile_tags_and_names_are_usage_errors() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    for tag in [
        "v1.0.0-../../etc",
        "v1.0.0-$(reboot)",
        "v1.0.0-a;b",
        "v1.0.0-Frontend",
        &format!("v1.0.0-{}", "a".repeat(64)),
    ] {
        let ran = s.cli(&["validate-tag", "--tag", tag]);
        ran.expect_code(2);
        assert!(
            ran.stderr.starts_with("error: tag `"),
            "{tag}: {}",
            ran.stderr
        );
    }
    let ran = s.action(
        &[("command", "validate-tag"), ("tag", "v1.0.0-front\nend")],
        &[],
    );
    ran.expect_code(2);
    for chart in ["../etc", "a/b", "x\ny", "UPPER"] {
        s.cli(&["promote", "--chart", chart, "--to", "dev", "--local"])
            .expect_code(2);
    }
    s.cli(&[
        "promote", "--chart", "frontend", "--to", "../prod", "--local",
    ])
    .expect_code(2);
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_symlink_out_of_the_repository_is_refused() {
    let s = Sandbox::demo();
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("staging.yaml"),
        "environment: staging\ncharts:\n  frontend: 1.0.0\n",
    )
    .expect("write");
    std::fs::remove_file(s.path("releases/staging.yaml")).expect("rm");
    std::os::unix::fs::symlink(
        outside.path().join("staging.yaml"),
        s.path("releases/staging.yaml"),
    )
    .expect("symlink");
    let before = s.snapshot();
    let ran = s.cli(&[
        "promote", "--chart", "frontend", "--to", "staging", "--local",
    ]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
    assert_eq!(s.snapshot(), before);
    assert_eq!(
        std::fs::read_to_string(outside.path().join("staging.yaml")).expect("read"),
        "environment: staging\ncharts:\n  frontend: 1.0.0\n"
    );
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly() {
    let s = Sandbox::demo();
    let mut bomb = String::from("apiVersion: v2\nname: backend\nversion: 0.4.2\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let mut prev = 'a';
    for c in 'b'..='j' {
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = c;
    }
    s.write("helm/charts/backend/Chart.yaml", &bomb);
    let before = s.snapshot();
    let ran = s.cli(&["check"]);
    ran.expect_code(1);
    assert!(
        ran.stderr.contains("helm/charts/backend/Chart.yaml"),
        "{}",
        ran.stderr
    );
    let ran = s.cli(&["promote", "--chart", "backend", "--to", "prod", "--local"]);
    ran.expect_code(1);
    assert_eq!(s.snapshot(), before);
}

#[test]
fn invalid_utf8_names_the_file_and_line() {
    let s = Sandbox::demo();
    s.write(
        "helm/charts/frontend/CHANGELOG.md",
        b"# Changelog\n\n## [1.1.0] - 2026-10-02\n\xff\xfe\n".as_slice(),
    );
    let ran = s.cli(&["notes", "--component", "frontend", "--version", "1.1.0"]);
    ran.expect_code(1);
    insta::assert_snapshot!(ran.stderr_redacted());
}

#[test]
fn oversized_files_are_refused() {
    let s = Sandbox::demo();
    let mut values = String::from("image:\n  repository: r\n  tag: v1\n");
    while values.len() <= 4 * 1024 * 1024 {
        values.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    s.write("helm/charts/backend/values.yaml", &values);
    let ran = s.cli(&["check"]);
    ran.expect_code(1);
    assert!(
        ran.stderr
            .contains("`helm/charts/backend/values.yaml` is 4194"),
        "{}",
        ran.stderr
    );
    let ran = s.cli(&[
        "validate-tag",
        "--tag",
        &format!("v1.0.0-{}", "a".repeat(300)),
    ]);
    ran.expect_code(2);
}

#[test]
fn an_empty_or_garbage_chart_is_a_finding_not_a_crash() {
    let s = Sandbox::demo();
    for garbage in [
        "",
        "\0\0\0",
        "version: [1, 2",
        "- a\n- b\n",
        "version: 1.0.0\nversion: 2.0.0\n",
    ] {
        s.write("helm/charts/backend/Chart.yaml", garbage);
        let ran = s.cli(&["check"]);
        ran.expect_code(1);
        assert!(
            ran.stderr.contains("helm/charts/backend/Chart.yaml"),
            "{garbage:?}: {}",
            ran.stderr
        );
        let ran = s.cli(&["promote", "--chart", "backend", "--to", "prod", "--local"]);
        assert_eq!(ran.code, 1, "{garbage:?}: {}", ran.stderr);
    }
}

#[test]
fn typed_paths_may_be_absolute_or_outside_but_repository_symlinks_still_may_not_lead_out() {
    let s = Sandbox::demo();
    let outside = tempfile::tempdir().expect("tempdir");
    let config = outside.path().join("release-action.yml");
    std::fs::write(&config, s.read(".github/release-action.yml")).expect("write");
    std::fs::write(outside.path().join("CHANGELOG.md"), s.read("CHANGELOG.md")).expect("write");
    std::fs::remove_file(s.path(".github/release-action.yml")).expect("rm");
    let config = config.to_str().expect("utf8");

    // `--config` and `notes --changelog` as a person types them: absolute, or `..` out.
    s.cli(&[
        "validate-tag",
        "--tag",
        "v1.1.0-frontend",
        "--config",
        config,
    ])
    .expect_code(0);
    let repo = s.repo().to_str().expect("utf8");
    let elsewhere = outside.path().to_str().expect("utf8");
    let ran = s.cli(&[
        "notes",
        "--repo",
        repo,
        "--changelog",
        &format!("{elsewhere}/CHANGELOG.md"),
        "--version",
        "2.4.0",
    ]);
    ran.expect_code(0);
    assert_eq!(ran.stdout, "### Added\n\n- Order history page.\n");
    // The Action's `config` input is typed by the workflow author: absolute works, and a
    // relative one is read from the workspace.
    s.action(
        &[
            ("command", "validate-tag"),
            ("tag", "v1.1.0-frontend"),
            ("config", config),
        ],
        &[],
    )
    .expect_code(0);
    s.write("ci/release.yml", std::fs::read(config).expect("read"));
    s.action(
        &[
            ("command", "validate-tag"),
            ("tag", "v1.1.0-frontend"),
            ("config", "ci/release.yml"),
        ],
        &[],
    )
    .expect_code(0);

    // What the repository holds keeps its rules: a symlink in it that leads out is refused,
    // whether the path is the default one or typed.
    std::os::unix::fs::symlink(config, s.path(".github/release-action.yml")).expect("symlink");
    let ran = s.cli(&["validate-tag", "--tag", "v1.1.0-frontend"]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("leads outside the repository"),
        "{}",
        ran.stderr
    );
    let ran = s.cli(&[
        "validate-tag",
        "--tag",
        "v1.1.0-frontend",
        "--config",
        ".github/release-action.yml",
    ]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("leads outside the repository"),
        "{}",
        ran.stderr
    );
}
