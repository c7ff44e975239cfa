//! Nothing from a repository is a workflow command: notes, diffs, PR bodies, verdicts and
//! messages that carry a repository's text reach the runner's command channel (stdout and
//! stderr) so that the runner executes none of it, and stay byte for byte what they are off
//! a runner.

use crate::common::{Ran, Sandbox};
use crate::runner::assert_only_our_commands;

/// Lines the runner would execute if they reached it as they are.
const PLANTED: [&str; 6] = [
    "::add-mask::x",
    "::set-output name=a::b",
    "##[error]x",
    "  ::warning::x",
    "::stop-commands::x",
    "::endgroup::",
];

fn planted(indent: &str) -> String {
    PLANTED
        .iter()
        .map(|line| format!("{indent}{line}\n"))
        .collect()
}

/// The demo with workflow commands in changelog sections and headings, in values (a block
/// scalar, a file name) and in a bill of materials.
fn hostile_demo() -> Sandbox {
    let s = Sandbox::demo();
    let log = s.read("helm/charts/frontend/CHANGELOG.md");
    let log = log
        .replace(
            "## [Unreleased]\n\n",
            &format!("## [Unreleased]\n\n{}\n", planted("")),
        )
        .replace(
            "- The readiness probe path now honours `basePath`.\n",
            &format!(
                "- The readiness probe path now honours `basePath`.\n{}\r::set-output name=cr::x\n\n### ::warning::heading\n\n- x\n",
                planted("")
            ),
        )
        .replace(
            "- The default replica count is 2.\n",
            &format!("- The default replica count is 2.\n{}", planted("")),
        );
    s.write("helm/charts/frontend/CHANGELOG.md", log);
    let values = s.read("helm/charts/frontend/values.yaml");
    s.write(
        "helm/charts/frontend/values.yaml",
        format!(
            "{values}notes: |\n{}sidecar:\n  image: \"::warning::x\"\n  tag: \"latest\n::add-mask::x\"\n",
            planted("  ")
        ),
    );
    s.write("helm/charts/frontend/values-\n::add-mask::x.yaml", "a: 1\n");
    let bom = s.read("releases/staging.yaml");
    s.write(
        "releases/staging.yaml",
        format!(
            "{}\nexperiment:\n  note: |\n{}",
            bom.trim_end(),
            planted("    ")
        ),
    );
    s
}

#[track_caller]
fn judge(what: &str, ran: &Ran) {
    assert_only_our_commands(what, &ran.stdout, &ran.stderr, None);
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn no_command_in_a_repository_reaches_the_runner() {
    let s = hostile_demo();
    let before = s.snapshot();
    let runs: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "notes",
            vec![("command", "notes"), ("tag", "v1.1.0-frontend")],
        ),
        (
            "validate-tag",
            vec![("command", "validate-tag"), ("tag", "v1.1.0-frontend")],
        ),
        (
            "validate-tag of a hostile tag",
            vec![
                ("command", "validate-tag"),
                ("tag", "v1.0.0-a\n::add-mask::x"),
            ],
        ),
        ("check", vec![("command", "check"), ("all", "true")]),
        (
            "promote",
            vec![
                ("command", "promote"),
                ("chart", "frontend"),
                ("to", "dev"),
                ("bump", "minor"),
                ("dry-run", "true"),
            ],
        ),
        (
            "promote to staging",
            vec![
                ("command", "promote"),
                ("chart", "frontend"),
                ("to", "staging"),
                ("dry-run", "true"),
            ],
        ),
        (
            "bom",
            vec![
                ("command", "bom"),
                ("env", "staging"),
                ("component", "app"),
                ("image", "ghcr.io/example/shop-app"),
                ("tag", "v2.4.2"),
                ("digest", DIGEST),
                ("dry-run", "true"),
            ],
        ),
        (
            "bom of a hostile tag",
            vec![
                ("command", "bom"),
                ("env", "staging"),
                ("component", "app"),
                ("image", "ghcr.io/example/shop-app"),
                ("tag", "v2\n::add-mask::x"),
                ("digest", DIGEST),
                ("dry-run", "true"),
            ],
        ),
        (
            "snapshot",
            vec![
                ("command", "snapshot"),
                ("id", "canary-5"),
                ("env", "staging"),
                ("param", "note=::set-output name=a::b"),
                ("dry-run", "true"),
            ],
        ),
        ("init", vec![("command", "init"), ("dry-run", "true")]),
    ];
    for (what, inputs) in runs {
        let ran = s.action(&inputs, &[]);
        assert!(ran.code >= 0 && ran.code <= 2, "{what}: {ran:?}");
        judge(what, &ran);
    }
    assert_eq!(s.snapshot(), before, "dry runs write nothing");
}

#[test]
fn the_notes_are_framed_on_a_runner_and_left_alone_off_it() {
    let s = hostile_demo();
    let local = s.cli(&["notes", "--tag", "v1.1.0-frontend"]);
    local.expect_code(0);
    let section = format!(
        "### Added\n\n- Configurable `resources` for the nginx sidecar.\n\n### Changed\n\n- The default replica count is 2.\n{}",
        planted("")
    );
    assert_eq!(
        local.stdout, section,
        "off a runner the bytes are the section's"
    );
    let ran = s.action(&[("command", "notes"), ("tag", "v1.1.0-frontend")], &[]);
    ran.expect_code(0);
    let token = ran
        .stdout
        .strip_prefix("::stop-commands::")
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("framed:\n{}", ran.stdout));
    assert_eq!(
        ran.stdout,
        format!("::stop-commands::{token}\n{section}::{token}::\n")
    );
    assert_eq!(ran.output("release-notes").trim_end(), section.trim_end());
    let again = s.action(&[("command", "notes"), ("tag", "v1.1.0-frontend")], &[]);
    assert!(!again.stdout.contains(token), "a fresh token per run");
    // Notes without anything a runner could read as a command are not framed.
    let plain = s.action(&[("command", "notes"), ("tag", "v1.0.0-frontend")], &[]);
    assert_eq!(
        plain.stdout,
        "### Added\n\n- First stable release of the frontend chart.\n"
    );
}

#[test]
fn notes_redirected_to_a_file_stay_byte_for_byte_on_a_runner() {
    let s = hostile_demo();
    let file = s.runner.path().join("notes.md");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("release-action"))
        .args(["notes", "--tag", "v1.1.0-frontend"])
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .current_dir(s.repo())
        .stdout(std::fs::File::create(&file).expect("create"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let local = s.cli(&["notes", "--tag", "v1.1.0-frontend"]);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), local.stdout);
}

#[test]
fn messages_on_stderr_quote_lines_that_read_as_commands_on_a_runner() {
    let s = Sandbox::demo();
    let ran = s.action(
        &[
            ("command", "validate-tag"),
            ("tag", "v1.0.0-a\n::add-mask::x"),
        ],
        &[],
    );
    ran.expect_code(2);
    judge("hostile tag", &ran);
    let ran = s.action(
        &[
            ("command", "check"),
            ("config", "nope\n::add-mask::x\n  ##[error]x.yml"),
        ],
        &[],
    );
    ran.expect_code(2);
    judge("hostile config path", &ran);
    assert_eq!(
        ran.stderr,
        "error: the configuration file `nope\n| ::add-mask::x\n|   ##[error]x.yml` does not exist\n"
    );
    let local = s.cli(&["check", "--config", "nope\n::add-mask::x\n  ##[error]x.yml"]);
    local.expect_code(2);
    assert_eq!(
        local.stderr,
        "error: the configuration file `nope\n::add-mask::x\n  ##[error]x.yml` does not exist\n",
        "off a runner stderr is left alone"
    );
}
