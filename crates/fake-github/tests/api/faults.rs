//! Every fault kind, seen through octocrab (without retries unless stated).

use std::time::{Duration, Instant};

use fake_github::{Fault, FaultRule};
use octocrab::params::repos::Reference;
use octocrab::Octocrab;

use crate::common::{message_of, octo, raw_get, seeded, status_of, OWNER, REPO, TOKEN};

fn header<'a>(err: &'a octocrab::Error, name: &str) -> Option<&'a str> {
    match err {
        octocrab::Error::GitHub { source, .. } => source.headers.as_ref()?.get(name)?.to_str().ok(),
        _ => None,
    }
}

#[tokio::test]
async fn a_server_error_hits_only_as_many_requests_as_asked() {
    let (fake, _) = seeded();
    fake.inject(FaultRule::operation("repos/get", Fault::Status(502)).times(2));
    let octo = octo(&fake);
    for _ in 0..2 {
        let err = octo.repos(OWNER, REPO).get().await.expect_err("502");
        assert_eq!(status_of(&err), 502);
    }
    assert_eq!(fake.pending_faults(), 0);
    octo.repos(OWNER, REPO).get().await.expect("healthy again");
    let faults: Vec<Option<String>> = fake.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [Some("status 502".into()), Some("status 502".into()), None]
    );
    fake.assert_clean();
}

#[tokio::test]
async fn octocrab_default_retries_ride_out_transient_5xx() {
    let (fake, _) = seeded();
    fake.inject(FaultRule::route("GET", "/repos/octo/charts", Fault::Status(500)).times(2));
    let octo = match Octocrab::builder()
        .base_uri(fake.url())
        .and_then(|b| b.personal_token(TOKEN.to_string()).build())
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    octo.repos(OWNER, REPO)
        .get()
        .await
        .expect("third try succeeds");
    let statuses: Vec<u16> = fake.requests().into_iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200]);
    fake.assert_clean();
}

#[tokio::test]
async fn rate_limit_faults_carry_the_headers_clients_must_honour() {
    let (fake, _) = seeded();
    let octo = octo(&fake);
    fake.inject(FaultRule::operation(
        "repos/get",
        Fault::RateLimited {
            retry_after_secs: 7,
        },
    ));
    let err = octo.repos(OWNER, REPO).get().await.expect_err("429");
    assert_eq!(status_of(&err), 429);
    assert_eq!(header(&err, "retry-after"), Some("7"));

    fake.inject(FaultRule::operation(
        "repos/get",
        Fault::SecondaryRateLimit {
            retry_after_secs: 3,
        },
    ));
    let err = octo.repos(OWNER, REPO).get().await.expect_err("secondary");
    assert_eq!(status_of(&err), 403);
    assert_eq!(header(&err, "retry-after"), Some("3"));
    assert!(message_of(&err).contains("secondary rate limit"));

    fake.inject(FaultRule::operation(
        "repos/get",
        Fault::PrimaryRateLimit { reset_in_secs: 120 },
    ));
    let err = octo.repos(OWNER, REPO).get().await.expect_err("primary");
    assert_eq!(status_of(&err), 403);
    assert_eq!(header(&err, "x-ratelimit-remaining"), Some("0"));
    let reset: i64 = header(&err, "x-ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    let now = fake_github::time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (now + 115..=now + 125).contains(&reset),
        "reset {reset} vs now {now}"
    );
    assert!(message_of(&err).contains("API rate limit exceeded"));
    fake.assert_clean();
}

#[tokio::test]
async fn forbidden_faults_answer_with_the_given_message() {
    let (fake, _) = seeded();
    fake.create_branch(OWNER, REPO, "feature", "main");
    fake.commit_files(OWNER, REPO, "feature", &[("x", "y")], "x\n", None);
    fake.inject(FaultRule::operation(
        "pulls/create",
        Fault::actions_cannot_create_pulls(),
    ));
    let octo = octo(&fake);
    let err = octo
        .pulls(OWNER, REPO)
        .create("t", "feature", "main")
        .send()
        .await
        .expect_err("forbidden");
    assert_eq!(status_of(&err), 403);
    assert_eq!(
        message_of(&err),
        "GitHub Actions is not permitted to create or approve pull requests."
    );
    assert!(fake.pulls(OWNER, REPO).is_empty(), "nothing was created");
    fake.inject(FaultRule::any(Fault::not_accessible()));
    let err = octo.repos(OWNER, REPO).get().await.expect_err("forbidden");
    assert_eq!(message_of(&err), "Resource not accessible by integration");
    fake.assert_clean();
}

#[tokio::test]
async fn slow_faults_delay_the_answer_but_still_handle_the_request() {
    let (fake, _) = seeded();
    fake.inject(FaultRule::operation(
        "repos/get",
        Fault::Slow(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    octo(&fake)
        .repos(OWNER, REPO)
        .get()
        .await
        .expect("slow but fine");
    assert!(started.elapsed() >= Duration::from_millis(300));
    fake.assert_clean();
}

#[tokio::test]
async fn a_branch_moved_by_another_writer_makes_the_update_fail_as_not_fast_forward() {
    let (fake, head) = seeded();
    let octo = octo(&fake);
    let git = octo.repos(OWNER, REPO).git();
    // The tool builds its commit on the head it read...
    let tree = fake.commit(OWNER, REPO, &head).expect("head").tree;
    let mine = octo
        .repos(OWNER, REPO)
        .create_git_commit_object("mine\n", tree)
        .parents(vec![head.clone()])
        .send()
        .await
        .expect("commit");
    // ...but someone else pushes to main just before the ref update.
    fake.inject(FaultRule::operation(
        "git/update-ref",
        Fault::move_branch(
            "main",
            "releases/staging.yaml",
            "environment: staging\ncharts:\n  frontend: 9.9.9\n",
        ),
    ));
    let err = git
        .update_ref(&Reference::Branch("main".into()), mine.sha.clone())
        .send()
        .await
        .expect_err("race lost");
    assert_eq!(
        (status_of(&err), message_of(&err).as_str()),
        (422, "Update is not a fast forward")
    );
    let log = fake.commits_on(OWNER, REPO, "main");
    assert_eq!(log[0].message, "concurrent change\n");
    assert_eq!(log[0].parents, vec![head]);
    assert!(
        String::from_utf8_lossy(
            &fake
                .file_at(OWNER, REPO, "main", "releases/staging.yaml")
                .unwrap_or_default()
        )
        .contains("9.9.9"),
        "the other writer's change is kept"
    );
    fake.assert_clean();
}

#[test]
fn route_matchers_select_by_method_and_path_substring() {
    let (fake, _) = seeded();
    fake.inject(FaultRule::route(
        "GET",
        "/contents/releases/",
        Fault::Status(503),
    ));
    assert_eq!(
        raw_get(&fake, "/repos/octo/charts/contents/README.md").status,
        200
    );
    assert_eq!(
        raw_get(&fake, "/repos/octo/charts/contents/releases/staging.yaml").status,
        503
    );
    assert_eq!(
        raw_get(&fake, "/repos/octo/charts/contents/releases/staging.yaml").status,
        200
    );
    fake.inject(FaultRule::any(Fault::Status(500)).times(5));
    assert_eq!(fake.pending_faults(), 5);
    fake.clear_faults();
    assert_eq!(fake.pending_faults(), 0);
    fake.assert_clean();
}
