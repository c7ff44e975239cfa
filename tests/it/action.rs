//! The container-action front door: `INPUT_*`, annotations, masking, strict booleans.

use crate::common::Sandbox;

#[test]
fn inputs_drive_the_same_command_as_flags() {
    let s = Sandbox::demo();
    let ran = s.action(
        &[
            ("command", "promote"),
            ("chart", "frontend"),
            ("to", "staging"),
            ("dry-run", "true"),
            ("local", "false"),
            ("draft", "false"),
        ],
        &[],
    );
    ran.expect_code(0);
    assert_eq!(
        ran.output("branch"),
        "release-action/promote/frontend-staging"
    );
    assert!(ran.stdout.contains("+  frontend: 1.1.0"), "{}", ran.stdout);
}

#[test]
fn booleans_other_than_true_or_false_are_refused() {
    let s = Sandbox::demo();
    let ran = s.action(
        &[
            ("command", "promote"),
            ("chart", "frontend"),
            ("to", "staging"),
            ("dry-run", "yes"),
        ],
        &[],
    );
    ran.expect_code(2);
    assert!(ran.stdout.contains("::error title=release-action usage::input `dry-run` is `yes`; it must be `true` or `false`"), "{}", ran.stdout);
    assert!(ran.summary.contains("usage error"), "{}", ran.summary);
}

#[test]
fn an_unknown_command_lists_the_known_ones() {
    let s = Sandbox::demo();
    let ran = s.action(&[("command", "deploy")], &[]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains(
            "unknown command `deploy`; expected one of: validate-tag, release, check, notes, promote, bom, snapshot"
        ),
        "{}",
        ran.stderr
    );
    s.action(&[], &[]).expect_code(2);
}

#[test]
fn the_token_is_masked_and_never_printed() {
    let s = Sandbox::demo();
    let token = "ghs_secretsecretsecret0123456789";
    let ran = s.action(&[("command", "check"), ("github-token", token)], &[]);
    ran.expect_code(0);
    assert_eq!(ran.stdout.matches(token).count(), 1, "{}", ran.stdout);
    assert!(
        ran.stdout.starts_with(&format!("::add-mask::{token}\n")),
        "{}",
        ran.stdout
    );
    assert!(!ran.stderr.contains(token));
    assert!(!ran.summary.contains(token));
}

#[test]
fn annotations_escape_messages() {
    let s = Sandbox::demo();
    s.write(
        "helm/charts/backend/values.yaml",
        "image:\n  repository: r\n  tag: latest\n",
    );
    let ran = s.action(&[("command", "check")], &[]);
    ran.expect_code(1);
    let line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::error file=helm/charts/backend/values.yaml"))
        .expect("annotation");
    assert!(!line.contains('\n'));
    assert!(line.contains(",line=3,title="), "{line}");
}

#[test]
fn malformed_configuration_is_a_usage_error_with_file_and_line() {
    let s = Sandbox::demo();
    s.write(
        ".github/release-action.yml",
        "environments: [dev, staging, prod]\nprotected: [prod]\nsoak: { staging: soon }\n",
    );
    let ran = s.cli(&["check"]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("error: .github/release-action.yml"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("`soak.staging` is `soon`"),
        "{}",
        ran.stderr
    );
    s.write(".github/release-action.yml", "environments: [dev\n");
    let ran = s.cli(&["check"]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("error: .github/release-action.yml:"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_unquoted_tag_format_is_a_usage_error_with_a_hint_to_quote_it() {
    let s = Sandbox::demo();
    let config = s.read(".github/release-action.yml").replace(
        "tag-format: \"v{version}-{component}\"",
        "tag-format: {component}-{version}",
    );
    s.write(".github/release-action.yml", config);
    let ran = s.cli(&["check"]);
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("error: .github/release-action.yml:3: `tag-format` is not quoted, so YAML reads `{component}-{version}` as a mapping rather than a pattern\n  = help: write it quoted: tag-format: \"{component}-{version}\"\n"),
        "{}",
        ran.stderr
    );
}

#[test]
fn relative_paths_in_the_configuration_may_start_with_dot_slash() {
    let s = Sandbox::demo();
    let config = s
        .read(".github/release-action.yml")
        .replace("charts-dir: helm/charts", "charts-dir: ./helm/charts/")
        .replace("releases-dir: releases", "releases-dir: ./releases");
    s.write(".github/release-action.yml", config);
    let ran = s.cli(&["check", "--all"]);
    ran.expect_code(0);
    assert!(
        ran.summary.contains("| frontend | 1.1.0 |"),
        "{}",
        ran.summary
    );
}

#[test]
fn help_and_version_exit_zero_and_unknown_flags_exit_two() {
    let s = Sandbox::demo();
    let ran = s.cli(&["--version"]);
    ran.expect_code(0);
    assert!(ran.stdout.starts_with("release-action "), "{}", ran.stdout);
    s.cli(&["--help"]).expect_code(0);
    s.cli(&["check", "--nope"]).expect_code(2);
    s.cli(&[]).expect_code(2);
}

#[test]
fn every_flag_of_every_command_is_an_input_of_action_yml() {
    use clap::CommandFactory;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"))
        .expect("action.yml");
    let action: yaml_serde::Value = yaml_serde::from_str(&text).expect("yaml");
    let inputs = &action["inputs"];
    let cli = release_action::cli::Cli::command();
    let mut missing = Vec::new();
    for sub in cli.get_subcommands() {
        for arg in sub.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if inputs.get(long).is_none() {
                missing.push(format!("{} --{long}", sub.get_name()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags that are no input of action.yml: {missing:?}"
    );
    let command = inputs["command"]["description"].as_str().expect("text");
    for sub in cli.get_subcommands().map(clap::Command::get_name) {
        if sub != "action" {
            assert!(
                command.contains(&format!("`{sub}`")),
                "the `command` input does not list `{sub}`"
            );
        }
    }
}
