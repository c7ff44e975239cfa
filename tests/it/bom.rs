//! `bom --local` / `--dry-run`: pins, refusals, the archive, and the dispatch payload.

use crate::common::Sandbox;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn pins_an_image_in_place_and_archives_the_previous_file() {
    let s = Sandbox::demo();
    let before = s.read("releases/staging.yaml");
    let ran = s.cli(&[
        "bom",
        "--env",
        "staging",
        "--component",
        "app",
        "--image",
        "ghcr.io/example/shop-app",
        "--tag",
        "v2.5.0",
        "--digest",
        DIGEST,
        "--local",
    ]);
    ran.expect_code(0);
    let after = s.read("releases/staging.yaml");
    let expected = before.replace(
        "tag: v2.4.1, digest: \"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"",
        &format!("tag: v2.5.0, digest: \"{DIGEST}\""),
    );
    assert_eq!(after, expected);
    let archive = s.read("releases/history/staging/20261118T110640Z-bom-app-v2.5.0.yaml");
    assert_eq!(archive, before);
    assert_eq!(ran.output("branch"), "release-action/bom/staging");
}

#[test]
fn a_new_component_is_added_and_a_rerun_changes_nothing() {
    let s = Sandbox::demo();
    let args = [
        "bom",
        "--env",
        "dev",
        "--component",
        "worker",
        "--image",
        "ghcr.io/example/worker",
        "--tag",
        "1.0.0",
        "--digest",
        DIGEST,
        "--local",
    ];
    s.cli(&args).expect_code(0);
    let bom = s.read("releases/dev.yaml");
    assert!(bom.contains("worker"), "{bom}");
    assert!(bom.contains("ghcr.io/example/shop-app"), "{bom}");
    let snapshot = s.snapshot();
    let again = s.cli(&args);
    again.expect_code(0);
    assert!(again.stderr.contains("nothing to do"), "{}", again.stderr);
    assert_eq!(s.snapshot(), snapshot);
}

#[test]
fn floating_tags_and_malformed_digests_are_refused() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    for tag in ["latest", "main", "head", "canary"] {
        let ran = s.cli(&[
            "bom",
            "--env",
            "dev",
            "--component",
            "app",
            "--image",
            "ghcr.io/example/shop-app",
            "--tag",
            tag,
            "--local",
        ]);
        ran.expect_code(2);
        assert!(ran.stderr.contains("floating tag"), "{tag}: {}", ran.stderr);
    }
    for digest in [
        "sha256:abc",
        "md5:0123",
        &DIGEST.to_uppercase(),
        &DIGEST[..70],
    ] {
        let ran = s.cli(&[
            "bom",
            "--env",
            "dev",
            "--component",
            "app",
            "--image",
            "ghcr.io/example/shop-app",
            "--tag",
            "v1",
            "--digest",
            digest,
            "--local",
        ]);
        ran.expect_code(2);
    }
    s.cli(&[
        "bom",
        "--env",
        "qa",
        "--component",
        "app",
        "--image",
        "ghcr.io/x/y",
        "--tag",
        "v1",
        "--local",
    ])
    .expect_code(2);
    s.cli(&[
        "bom",
        "--env",
        "dev",
        "--component",
        "../x",
        "--image",
        "ghcr.io/x/y",
        "--tag",
        "v1",
        "--local",
    ])
    .expect_code(2);
    s.cli(&[
        "bom",
        "--env",
        "dev",
        "--component",
        "app",
        "--image",
        "ghcr.io/x/y;rm",
        "--tag",
        "v1",
        "--local",
    ])
    .expect_code(2);
    assert_eq!(s.snapshot(), before);
}

#[test]
fn reads_the_pin_from_a_repository_dispatch_payload() {
    let s = Sandbox::demo();
    let event = s.runner.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"action":"release","client_payload":{{"env":"dev","component":"app","image":"ghcr.io/example/shop-app","tag":"v2.6.0","digest":"{DIGEST}"}}}}"#),
    )
    .expect("event");
    let ran = s.action(
        &[("command", "bom"), ("local", "true")],
        &[
            ("GITHUB_EVENT_PATH", event.to_str().expect("utf8")),
            ("GITHUB_EVENT_NAME", "repository_dispatch"),
        ],
    );
    ran.expect_code(0);
    assert!(
        s.read("releases/dev.yaml").contains("tag: v2.6.0"),
        "{}",
        s.read("releases/dev.yaml")
    );
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let s = Sandbox::demo();
    let before = s.snapshot();
    let ran = s.cli(&[
        "bom",
        "--env",
        "prod",
        "--component",
        "app",
        "--image",
        "ghcr.io/example/shop-app",
        "--tag",
        "v2.4.1",
        "--digest",
        DIGEST,
        "--dry-run",
    ]);
    ran.expect_code(0);
    assert!(
        ran.stdout.contains("+++ b/releases/prod.yaml"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("+++ b/releases/history/prod/"),
        "{}",
        ran.stdout
    );
    assert_eq!(s.snapshot(), before);
}

mod through_github {
    use super::DIGEST;
    use crate::common::Sandbox;
    use crate::workflows::{fake_with_demo, run_step, OWNER, REPO, TOKEN};
    use serde_json::json;

    fn pin(
        s: &Sandbox,
        fake: &fake_github::FakeGitHub,
        component: &str,
        tag: &str,
    ) -> crate::common::Ran {
        let inputs: Vec<(String, String)> = [
            ("command", "bom"),
            ("github-token", TOKEN),
            ("env", "dev"),
            ("component", component),
            ("image", &format!("ghcr.io/example/{component}")),
            ("tag", tag),
            ("digest", DIGEST),
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

    fn branch_bom(fake: &fake_github::FakeGitHub) -> String {
        String::from_utf8(
            fake.file_at(OWNER, REPO, "release-action/bom/dev", "releases/dev.yaml")
                .expect("bom"),
        )
        .expect("utf8")
    }

    #[test]
    fn two_producers_in_a_row_gather_in_one_pull_request() {
        let s = Sandbox::demo();
        let fake = fake_with_demo();
        let main_bom = fake
            .file_at(OWNER, REPO, "main", "releases/dev.yaml")
            .expect("bom");
        let first = pin(&s, &fake, "app", "v2.5.0");
        first.expect_code(0);
        let second = pin(&s, &fake, "worker", "v1.0.0");
        second.expect_code(0);
        assert_eq!(
            first.output("pr-number"),
            second.output("pr-number"),
            "the same pull request"
        );
        assert_eq!(fake.pulls(OWNER, REPO).len(), 1);
        let bom = branch_bom(&fake);
        assert!(bom.contains("ghcr.io/example/app, tag: v2.5.0"), "{bom}");
        assert!(bom.contains("ghcr.io/example/worker"), "{bom}");
        // The archive is the base's file, byte for byte.
        let files = fake.files_at(OWNER, REPO, "release-action/bom/dev");
        let archives: Vec<_> = files
            .iter()
            .filter(|(p, _)| p.starts_with("releases/history/dev/"))
            .collect();
        assert!(!archives.is_empty());
        assert_eq!(archives[0].1, &main_bom);
        // The same pin again: nothing to write.
        fake.reset_log();
        pin(&s, &fake, "worker", "v1.0.0").expect_code(0);
        assert_eq!(fake.write_count(), 0, "{:#?}", fake.requests());
        fake.assert_clean();
    }

    #[test]
    fn a_moved_base_replays_every_pin_on_the_new_head() {
        let s = Sandbox::demo();
        let fake = fake_with_demo();
        pin(&s, &fake, "app", "v2.5.0").expect_code(0);
        // Someone merges a promotion into dev meanwhile.
        let main_bom = String::from_utf8(
            fake.file_at(OWNER, REPO, "main", "releases/dev.yaml")
                .expect("bom"),
        )
        .expect("utf8");
        let promoted = main_bom.replace("frontend: 1.1.0", "frontend: 1.2.0");
        fake.commit_files(
            OWNER,
            REPO,
            "main",
            &[("releases/dev.yaml", promoted.as_bytes())],
            "promote frontend\n",
            None,
        );
        pin(&s, &fake, "worker", "v1.0.0").expect_code(0);
        let bom = branch_bom(&fake);
        assert!(
            bom.contains("frontend: 1.2.0"),
            "the base's change is kept: {bom}"
        );
        assert!(
            bom.contains("ghcr.io/example/app, tag: v2.5.0"),
            "the first pin is kept: {bom}"
        );
        assert!(bom.contains("ghcr.io/example/worker"), "{bom}");
        assert_eq!(fake.pulls(OWNER, REPO).len(), 1);
        fake.assert_clean();
    }

    #[test]
    fn floating_tags_never_reach_github() {
        let s = Sandbox::demo();
        let fake = fake_with_demo();
        fake.reset_log();
        pin(&s, &fake, "app", "latest").expect_code(2);
        assert_eq!(fake.request_count(), 0);
    }
}
