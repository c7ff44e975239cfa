//! What a client in another process relies on: seeding from a directory.

use std::path::{Path, PathBuf};

use fake_github::FakeGitHub;

use crate::common::{raw_get, OWNER, REPO};

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
