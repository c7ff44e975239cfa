//! `snapshot --local`: the BOM plus typed experiment parameters, never overwritten.

use crate::common::Sandbox;

#[test]
fn writes_the_bom_with_typed_experiment_parameters() {
    let s = Sandbox::demo();
    let ran = s.cli(&[
        "snapshot",
        "--id",
        "canary-5",
        "--env",
        "staging",
        "--param",
        "weight=5",
        "--param",
        "enabled=true",
        "--param",
        "mode=canary",
        "--param",
        "ratio=0.5",
        "--local",
    ]);
    ran.expect_code(0);
    let text = s.read("releases/history/snapshots/canary-5.yaml");
    assert!(
        text.starts_with("# Snapshot `canary-5` of `staging`"),
        "{text}"
    );
    let doc: serde_json::Value = {
        let v: yaml_serde::Value = yaml_serde::from_str(&text).expect("valid YAML for helm -f");
        serde_json::to_value(v).expect("json")
    };
    assert_eq!(doc["experiment"]["weight"], 5);
    assert_eq!(doc["experiment"]["enabled"], true);
    assert_eq!(doc["experiment"]["mode"], "canary");
    assert_eq!(doc["experiment"]["ratio"], 0.5);
    assert_eq!(doc["charts"]["frontend"], "1.0.0");
    assert_eq!(doc["environment"], "staging");
}

#[test]
fn an_existing_id_is_never_overwritten() {
    let s = Sandbox::demo();
    s.cli(&["snapshot", "--id", "exp-1", "--env", "dev", "--local"])
        .expect_code(0);
    let first = s.read("releases/history/snapshots/exp-1.yaml");
    let ran = s.cli(&[
        "snapshot", "--id", "exp-1", "--env", "dev", "--param", "x=1", "--local",
    ]);
    ran.expect_code(1);
    assert!(ran.stderr.contains("never overwritten"), "{}", ran.stderr);
    assert_eq!(s.read("releases/history/snapshots/exp-1.yaml"), first);
}

#[test]
fn bad_ids_and_parameters_are_usage_errors() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    s.cli(&["snapshot", "--id", "../x", "--env", "dev", "--local"])
        .expect_code(2);
    s.cli(&["snapshot", "--id", "ok", "--env", "qa", "--local"])
        .expect_code(2);
    s.cli(&[
        "snapshot", "--id", "ok", "--env", "dev", "--param", "novalue", "--local",
    ])
    .expect_code(2);
    let ran = s.action(
        &[
            ("command", "snapshot"),
            ("id", "from-inputs"),
            ("env", "dev"),
            ("param", "a=1\nb=two\n"),
            ("local", "true"),
        ],
        &[],
    );
    ran.expect_code(0);
    let text = s.read("releases/history/snapshots/from-inputs.yaml");
    assert!(
        text.contains("  \"a\": 1\n") && text.contains("  \"b\": \"two\"\n"),
        "{text}"
    );
    std::fs::remove_file(s.path("releases/history/snapshots/from-inputs.yaml")).expect("rm");
    std::fs::remove_dir(s.path("releases/history/snapshots")).expect("rmdir");
    assert_eq!(s.snapshot(), before);
}

mod through_github {
    use crate::common::Sandbox;
    use crate::workflows::{fake_with_demo, run_step, OWNER, REPO, TOKEN};
    use serde_json::json;

    fn snapshot(s: &Sandbox, fake: &fake_github::FakeGitHub, id: &str) -> crate::common::Ran {
        let inputs: Vec<(String, String)> = [
            ("command", "snapshot"),
            ("github-token", TOKEN),
            ("id", id),
            ("env", "prod"),
            ("param", "weight=10"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        run_step(
            s,
            &inputs,
            json!({ "repository": { "default_branch": "main" } }),
            &[],
            Some(fake),
        )
    }

    #[test]
    fn a_rerun_writes_nothing_and_an_existing_id_is_refused() {
        let s = Sandbox::demo();
        let fake = fake_with_demo();
        snapshot(&s, &fake, "exp-7").expect_code(0);
        fake.reset_log();
        snapshot(&s, &fake, "exp-7").expect_code(0);
        assert_eq!(fake.write_count(), 0, "{:#?}", fake.requests());
        assert_eq!(fake.pulls(OWNER, REPO).len(), 1);
        // Once merged, the id is taken for good.
        fake.commit_files(
            OWNER,
            REPO,
            "main",
            &[(
                "releases/history/snapshots/exp-8.yaml",
                b"taken: true\n".as_slice(),
            )],
            "merged\n",
            None,
        );
        let ran = snapshot(&s, &fake, "exp-8");
        ran.expect_code(1);
        assert!(ran.stdout.contains("never overwritten"), "{}", ran.stdout);
        fake.assert_clean();
    }
}
