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
