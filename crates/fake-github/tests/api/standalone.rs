//! What a client in another process relies on: seeding from a directory, the
//! read-only admin route, and the `fake-github` binary that serves both.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_github::{FakeGitHub, ADMIN_STATE_PATH};

use crate::common::{raw, raw_get, seeded, OWNER, REPO};

/// A fresh directory under the system's temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("fake-github-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `mode path` of every entry of the tree of `reference`, through the API.
fn tree_modes(fake: &FakeGitHub, reference: &str) -> Vec<String> {
    let tree = fake.commit(OWNER, REPO, reference).expect("commit").tree;
    let answer = raw_get(
        fake,
        &format!("/repos/{OWNER}/{REPO}/git/trees/{tree}?recursive=1"),
    );
    assert_eq!(answer.status, 200);
    let json = answer.json();
    let mut entries: Vec<String> = json["tree"]
        .as_array()
        .expect("tree")
        .iter()
        .filter(|e| e["type"] != "tree")
        .map(|e| {
            format!(
                "{} {}",
                e["mode"].as_str().unwrap_or("?"),
                e["path"].as_str().unwrap_or("?")
            )
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn commit_dir_keeps_executables_and_symlinks_and_skips_git() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("commit-dir");
    dir.write("README.md", "hello\n");
    let script = dir.write("bin/run.sh", "#!/bin/sh\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink("README.md", dir.0.join("link")).expect("symlink");
    dir.write(".git/HEAD", "ref: refs/heads/main\n");

    let fake = FakeGitHub::start();
    fake.create_repo(OWNER, REPO, "main");
    let sha = fake
        .commit_dir(OWNER, REPO, "main", &dir.0, "import\n", None)
        .expect("commit_dir");
    assert_eq!(
        tree_modes(&fake, &sha),
        ["100644 README.md", "100755 bin/run.sh", "120000 link"]
    );
    assert_eq!(
        fake.file_at(OWNER, REPO, "main", "link").as_deref(),
        Some(&b"README.md"[..])
    );
    assert!(fake
        .commit_dir(
            OWNER,
            REPO,
            "main",
            Path::new("/nonexistent/dir"),
            "x\n",
            None
        )
        .is_err_and(|e| e.contains("/nonexistent/dir")));
}

#[test]
fn the_admin_route_answers_only_once_enabled_and_is_never_logged() {
    let (fake, head) = seeded();
    assert_eq!(raw(&fake, "GET", ADMIN_STATE_PATH, &[], None).status, 401);
    assert_eq!(raw_get(&fake, ADMIN_STATE_PATH).status, 404);
    assert_eq!(fake.violations().len(), 1, "a path GitHub does not have");
    fake.reset_log();

    fake.set_admin_route(true);
    let answer = raw(&fake, "GET", ADMIN_STATE_PATH, &[], None);
    assert_eq!(answer.status, 200, "no credentials needed");
    assert!(answer
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json")));
    let state = answer.json();
    assert_eq!(state["repositories"][0]["full_name"], "octo/charts");
    assert_eq!(state["repositories"][0]["refs"]["refs/heads/main"], head);
    assert_eq!(state["repositories"][0]["pulls"], serde_json::json!([]));
    assert_eq!(state["violations"], serde_json::json!([]));
    assert_eq!(fake.request_count(), 0, "the admin route is not GitHub's");

    let _ = raw_get(&fake, "/repos/octo/charts/branches");
    let state = raw(&fake, "GET", ADMIN_STATE_PATH, &[], None).json();
    assert_eq!(state["requests"][0]["path"], "/repos/octo/charts/branches");
    assert_eq!(state["requests"][0]["status"], 404);
    assert_eq!(state["violations"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        raw(&fake, "POST", ADMIN_STATE_PATH, &[], None).status,
        401,
        "read-only: any other method is a request to GitHub's API"
    );
}

/// Kills the child on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_seeds_a_tag_and_a_pull_request_and_reports_them() {
    let dir = Scratch::new("binary");
    dir.write(
        "seed/helm/charts/web/Chart.yaml",
        "name: web\nversion: 1.0.0\n",
    );
    dir.write(
        "change/helm/charts/web/Chart.yaml",
        "name: web\nversion: 1.1.0\n",
    );
    let info = dir.0.join("info.json");
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_fake-github"))
            .arg("--seed")
            .arg(dir.0.join("seed"))
            .args([
                "--repo",
                "octo/charts",
                "--tag",
                "v1.0.0-web",
                "--token",
                "t0k",
            ])
            .arg("--pull")
            .arg(format!("feature={}", dir.0.join("change").display()))
            .arg("--info")
            .arg(&info)
            .stdout(Stdio::null())
            .spawn()
            .expect("start fake-github"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !info.exists() {
        assert!(
            server.0.try_wait().expect("wait").is_none(),
            "fake-github exited"
        );
        assert!(Instant::now() < deadline, "no --info file");
        std::thread::sleep(Duration::from_millis(20));
    }
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&info).expect("read info")).expect("json");
    let seed = info["seed"].as_str().expect("seed").to_string();
    assert_eq!(info["repository"], "octo/charts");
    assert_eq!(info["pull"]["number"], 1);
    assert_eq!(info["pull"]["base"]["sha"], seed.as_str());

    let url = info["state"].as_str().expect("state url");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches(ADMIN_STATE_PATH)
        .to_string();
    let get = |path: &str, token: Option<&str>| -> (u16, serde_json::Value) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or_default())
    };
    assert_eq!(get("/repos/octo/charts/pulls/1", Some("wrong")).0, 401);
    let (status, pull) = get("/repos/octo/charts/pulls/1", Some("t0k"));
    assert_eq!(status, 200);
    assert_eq!(pull["head"]["sha"], info["pull"]["head"]["sha"]);
    let (status, state) = get(ADMIN_STATE_PATH, None);
    assert_eq!(status, 200);
    let refs = &state["repositories"][0]["refs"];
    assert_eq!(refs["refs/heads/main"], seed.as_str());
    assert_eq!(refs["refs/tags/v1.0.0-web"], info["tags"]["v1.0.0-web"]);
    assert_eq!(state["repositories"][0]["pulls"][0]["head_ref"], "feature");
    assert_eq!(state["violations"], serde_json::json!([]));
}
