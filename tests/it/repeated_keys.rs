//! A Chart.yaml that Helm loads although it writes a key twice (the published
//! `stable/aws-cluster-autoscaler`, `deprecated: true` on lines 2 and 9): `check` warns and
//! passes, and `promote` bumps it changing only the version's characters.

use crate::common::Sandbox;

const CHART: &str = include_str!("../fixtures/chart/aws-cluster-autoscaler/Chart.yaml");
const VALUES: &str = include_str!("../fixtures/chart/aws-cluster-autoscaler/values.yaml");
const DIR: &str = "helm/charts/aws-cluster-autoscaler";

/// The demo repository with the chart added, with a changelog that has something to release.
fn sandbox() -> Sandbox {
    let s = Sandbox::demo();
    s.write(&format!("{DIR}/Chart.yaml"), CHART);
    s.write(&format!("{DIR}/values.yaml"), VALUES);
    s.write(
        &format!("{DIR}/CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- The scale-down delay is honoured.\n\n## [0.3.4] - 2026-09-01\n\n### Added\n\n- The first release.\n\n[Unreleased]: https://github.com/example/shop/compare/v0.3.4-aws-cluster-autoscaler...HEAD\n[0.3.4]: https://github.com/example/shop/releases/tag/v0.3.4-aws-cluster-autoscaler\n",
    );
    s
}

#[test]
fn check_warns_about_a_repeated_key_helm_loads_and_passes() {
    assert_eq!(CHART.matches("deprecated: true\n").count(), 2);
    let s = sandbox();
    let ran = s.cli(&["check", "--all"]);
    ran.expect_code(0);
    insta::assert_snapshot!(ran.stderr_redacted(), @r"
    warning[chart/duplicate-key]: `deprecated` is set twice, on lines 2 and 9
     --> helm/charts/aws-cluster-autoscaler/Chart.yaml:9:1
      |
    9 | deprecated: true
      | ^^^^^^^^^^^^^^^^
      = help: remove all but one `deprecated:` line; Helm and `check` read the last one, on line 9
    ");
    assert!(
        ran.stdout.starts_with("check: 5 component(s), 0 error(s)"),
        "{}",
        ran.stdout
    );
}

#[test]
fn promote_bumps_a_chart_with_a_repeated_key_byte_exactly() {
    let s = sandbox();
    let ran = s.cli(&[
        "promote",
        "--chart",
        "aws-cluster-autoscaler",
        "--to",
        "dev",
        "--bump",
        "patch",
        "--local",
    ]);
    ran.expect_code(0);
    assert_eq!(ran.output("version"), "0.3.5");
    assert_eq!(
        s.read(&format!("{DIR}/Chart.yaml")),
        CHART.replacen("version: 0.3.4\n", "version: 0.3.5\n", 1)
    );
    assert!(
        s.read("releases/dev.yaml")
            .contains("  aws-cluster-autoscaler: 0.3.5\n"),
        "{}",
        s.read("releases/dev.yaml")
    );
}
