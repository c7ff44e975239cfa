//! Replays every real merged change of `../shared/corpus/replay/` through the gate the way its
//! README shows: the base and the head committed in a fresh git repository, `init` writing the
//! configuration, then `check --base HEAD~1`. The changes that fail must be exactly the ones
//! `docs/replay.md` lists as true problems, and at least 95% must pass.
//!
//! Then, on every case, three defects are planted in the head (the version bump reverted, the
//! new changelog section removed, an image tag set to `latest`), and each must be caught:
//! exit 1 and an error annotation on the mutated file's offending line.

#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    std::env::var_os("RELEASE_ACTION_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    )
}

fn git(repo: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=replay",
            "-c",
            "user.email=replay@example.invalid",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for e in entries.flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&e.path(), &target);
        } else {
            // A plain copy gives the file a new mtime, so git sees every change.
            std::fs::write(&target, std::fs::read(e.path()).expect("read")).expect("write");
        }
    }
}

/// Lays out one side of a case in `repo` and commits it, as the README's `side` does.
fn side(case: &Path, meta: &serde_json::Value, repo: &Path, which: &str) {
    for e in std::fs::read_dir(repo).expect("read repo").flatten() {
        if e.file_name() != ".git" {
            let p = e.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p).expect("rm");
            } else {
                std::fs::remove_file(&p).expect("rm");
            }
        }
    }
    copy_tree(&case.join(which), repo);
    if let Some(map) = meta["placeholders"][which].as_object() {
        for (path, blob) in map {
            let p = repo.join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, format!("blob {}\n", blob.as_str().unwrap_or(""))).expect("write");
        }
    }
    git(repo, &["add", "-A", "-f", "."]);
    git(repo, &["commit", "-q", "--allow-empty", "-m", which]);
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The real binary with a clean environment (plus `GITHUB_ACTIONS=true` for annotations).
fn run(repo: &Path, args: &[&str], actions: bool) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_release-action"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg(args[0])
        .arg("--repo")
        .arg(repo)
        .args(&args[1..]);
    if actions {
        cmd.env("GITHUB_ACTIONS", "true");
    }
    let out = cmd.output().expect("run release-action");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The cases `docs/replay.md` lists as failing for a true problem (its table's first column).
fn documented_failures() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/replay.md"))
        .expect("docs/replay.md");
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(case, _)| case.to_owned())
        .filter(|c| c.contains("__"))
        .collect()
}

/// An error annotation on `file` (at `line`, when given).
fn annotated(r: &Run, file: &str, line: Option<usize>) -> bool {
    r.stdout.lines().any(|l| {
        l.starts_with("::error ")
            && l.contains(&format!("file={file},"))
            && line.is_none_or(|n| l.contains(&format!(",line={n},")))
    })
}

/// The 1-based line of the first top-level `version:` key.
fn version_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.starts_with("version:"))
        .map(|i| i + 1)
}

/// The 1-based line of the first image `tag:` with a pinned value whose mapping also names a
/// `repository:` (within the three lines before it), so that the mutation hits an image.
fn image_tag_line(text: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len()).find_map(|i| {
        let l = lines[i];
        let t = l.trim_start();
        let value = t.strip_prefix("tag:")?.trim();
        let indent = l.len() - t.len();
        let pinned = !value.is_empty()
            && !value.starts_with(['#', '{', '[', '&', '*', '|', '>'])
            && value
                .trim_matches(['"', '\''])
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && !value
                .trim_matches(['"', '\''])
                .eq_ignore_ascii_case("latest");
        let sibling = lines[i.saturating_sub(3)..i].iter().any(|p| {
            let pt = p.trim_start();
            p.len() - pt.len() == indent && pt.starts_with("repository:")
        });
        (pinned && sibling).then_some(i + 1)
    })
}

fn set_line(text: &str, line: usize, new: &str) -> String {
    let ending = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out: Vec<String> = text.split(ending).map(str::to_owned).collect();
    out[line - 1] = new.to_owned();
    out.join(ending)
}

/// Removes the section of `version` (its heading and body, up to the next heading of the same
/// or a higher level).
fn remove_section(text: &str, version: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_heading = |l: &str| l.starts_with('#') && l.trim_start_matches('#').starts_with(' ');
    let level = |l: &str| l.len() - l.trim_start_matches('#').len();
    let start = lines.iter().position(|l| {
        is_heading(l) && {
            let title = l
                .trim_start_matches('#')
                .trim()
                .trim_start_matches('[')
                .trim_start_matches('v');
            title.starts_with(version)
                && !title[version.len()..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
        }
    })?;
    let lvl = level(lines[start]);
    let end = (start + 1..lines.len())
        .find(|&i| is_heading(lines[i]) && level(lines[i]) <= lvl)
        .unwrap_or(lines.len());
    Some(lines[..start].concat() + &lines[end..].concat())
}

#[derive(Default)]
struct Tally {
    cases: usize,
    passed: usize,
    failed: Vec<(String, String)>,
    init_refused: Vec<String>,
    planted: [usize; 3],
    caught: [usize; 3],
    missed: Vec<String>,
}

fn replay_case(case: &Path, t: &mut Tally) {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).expect("case.json"))
            .expect("json");
    let id = meta["id"].as_str().unwrap_or_default().to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    side(case, &meta, repo, "base");
    side(case, &meta, repo, "head");
    let init = run(repo, &["init"], false);
    match init.code {
        0 => {}
        // Nothing to infer from: the change removes the only charts the case holds.
        2 if init.stderr.contains("no charts found") => t.init_refused.push(id.clone()),
        c => panic!("{id}: init exited {c}: {}", init.stderr),
    }
    t.cases += 1;
    let checked = run(repo, &["check", "--base", "HEAD~1"], false);
    match checked.code {
        0 => t.passed += 1,
        1 => t.failed.push((id.clone(), checked.stderr.clone())),
        c => panic!("{id}: check exited {c}: {}", checked.stderr),
    }

    let charts = meta["charts"].as_array().cloned().unwrap_or_default();
    let mut plant = |kind: usize, file: String, line: Option<usize>, mutated: String| {
        let path = repo.join(&file);
        let original = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, &mutated).expect("write");
        let r = run(repo, &["check", "--base", "HEAD~1"], true);
        std::fs::write(&path, original).expect("restore");
        t.planted[kind] += 1;
        if r.code == 1 && annotated(&r, &file, line) {
            t.caught[kind] += 1;
        } else {
            t.missed.push(format!(
                "{id}: defect {kind} in {file}:{line:?} → exit {}\n{}",
                r.code, r.stdout
            ));
        }
    };
    for c in &charts {
        let dir = c["dir"].as_str().unwrap_or_default();
        let chart_file = format!("{dir}/Chart.yaml");
        let (Some(base_v), Some(head_v)) = (c["base_version"].as_str(), c["head_version"].as_str())
        else {
            continue;
        };
        if c["bump"] == "up" {
            // 1. The version bump reverted.
            let text = std::fs::read_to_string(repo.join(&chart_file)).expect("chart");
            if let Some(line) = version_line(&text) {
                let old = text.lines().nth(line - 1).unwrap_or_default();
                let mutated = set_line(&text, line, &old.replacen(head_v, base_v, 1));
                plant(0, chart_file.clone(), Some(line), mutated);
            }
        }
        if c["section_added"] == true {
            // 2. The new changelog section removed.
            let log = c["changelog"].as_str().unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(repo.join(&log)).expect("changelog");
            if let Some(mutated) = remove_section(&text, head_v) {
                plant(1, log, None, mutated);
            }
        }
        // 3. An image tag set to `latest`.
        let values = format!("{dir}/values.yaml");
        if let Ok(text) = std::fs::read_to_string(repo.join(&values)) {
            if let Some(line) = image_tag_line(&text) {
                let old = text.split('\n').nth(line - 1).unwrap_or_default();
                let indent = &old[..old.len() - old.trim_start().len()];
                let mutated = set_line(&text, line, &format!("{indent}tag: latest"));
                plant(2, values, Some(line), mutated);
            }
        }
    }
}

/// The replay cases, unpacked into a temporary directory (kept alive by the first element).
fn unpack() -> (tempfile::TempDir, Vec<PathBuf>) {
    let archive = corpus().join("replay/cases.tar.xz");
    if !archive.exists() {
        panic!("the replay corpus is missing: {}", archive.display());
    }
    let unpacked = tempfile::tempdir().expect("tempdir");
    let status = Command::new("tar")
        .arg("-xJf")
        .arg(&archive)
        .arg("-C")
        .arg(unpacked.path())
        .status()
        .expect("run tar (with xz)");
    assert!(status.success(), "unpack {}", archive.display());
    let root = unpacked.path().join("replay-cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 120, "cases in {}", root.display());
    (unpacked, cases)
}

/// Rules about a repository's style, which `init` must have fitted to it: none of them may
/// fail the audit. (Warnings may remain where old releases differ from the current practice,
/// e.g. `### All Changes` in nexus3's oldest sections: those are deviations from the style the
/// file follows today.)
const CONVENTION_RULES: [&str; 5] = [
    "changelog/missing-date",
    "changelog/heading-level",
    "changelog/missing-link",
    "changelog/unknown-change-type",
    "chart/name-mismatch",
];

#[test]
fn after_init_an_audit_of_each_repositorys_newest_change_reports_no_convention() {
    let (_dir, cases) = unpack();
    // The newest case of each repository that holds a chart to infer from.
    let mut newest: std::collections::BTreeMap<String, (u64, PathBuf)> = Default::default();
    for c in &cases {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(c.join("case.json")).expect("case"))
                .expect("json");
        let has_head_chart = meta["charts"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|x| x["head_version"].is_string()));
        let (repo, index) = (
            meta["repo"].as_str().unwrap_or_default().to_owned(),
            meta["first_parent_index"].as_u64().unwrap_or(u64::MAX),
        );
        if has_head_chart && newest.get(&repo).is_none_or(|(i, _)| index < *i) {
            newest.insert(repo, (index, c.clone()));
        }
    }
    assert_eq!(newest.len(), 3, "{newest:?}");
    for (repo, (_, case)) in newest {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).expect("case"))
                .expect("json");
        let dir = tempfile::tempdir().expect("tempdir");
        git(dir.path(), &["init", "-q"]);
        side(&case, &meta, dir.path(), "head");
        run(dir.path(), &["init"], false);
        let audit = run(dir.path(), &["check", "--all"], true);
        let conventions: Vec<&str> = audit
            .stdout
            .lines()
            .filter(|l| l.starts_with("::error"))
            .filter(|l| {
                CONVENTION_RULES
                    .iter()
                    .any(|r| l.contains(&format!("title={r}::")))
            })
            .collect();
        println!(
            "{repo}: check --all after init: exit {}, {} annotation(s)",
            audit.code,
            audit
                .stdout
                .lines()
                .filter(|l| l.starts_with("::error") || l.starts_with("::warning"))
                .count()
        );
        assert!(
            conventions.is_empty(),
            "{repo}:\n{}",
            conventions.join("\n")
        );
    }
}

#[test]
fn real_merged_changes_pass_and_planted_defects_are_caught() {
    let (_unpacked, cases) = unpack();

    // Two workers: the machines this runs on have two cores.
    let halves: Vec<Vec<PathBuf>> = vec![
        cases.iter().step_by(2).cloned().collect(),
        cases.iter().skip(1).step_by(2).cloned().collect(),
    ];
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = halves
            .iter()
            .map(|half| {
                s.spawn(move || {
                    let mut t = Tally::default();
                    for c in half {
                        replay_case(c, &mut t);
                    }
                    t
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let mut t = Tally::default();
    for x in tallies {
        t.cases += x.cases;
        t.passed += x.passed;
        t.failed.extend(x.failed);
        t.init_refused.extend(x.init_refused);
        for k in 0..3 {
            t.planted[k] += x.planted[k];
            t.caught[k] += x.caught[k];
        }
        t.missed.extend(x.missed);
    }
    t.failed.sort();
    t.init_refused.sort();
    println!(
        "replay: {} of {} real changes pass ({} failing, documented in docs/replay.md); init found nothing to infer in {:?}",
        t.passed,
        t.cases,
        t.failed.len(),
        t.init_refused
    );
    for (k, what) in [
        "version bump reverted",
        "new changelog section removed",
        "image tag set to `latest`",
    ]
    .iter()
    .enumerate()
    {
        println!(
            "planted: {what}: {} of {} caught",
            t.caught[k], t.planted[k]
        );
    }
    let failing: BTreeSet<String> = t.failed.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        failing,
        documented_failures(),
        "the failing cases must be exactly those docs/replay.md explains:\n{}",
        t.failed
            .iter()
            .map(|(id, e)| format!("--- {id}\n{e}"))
            .collect::<String>()
    );
    assert!(
        t.passed * 100 >= t.cases * 95,
        "{} of {} pass",
        t.passed,
        t.cases
    );
    assert!(
        t.missed.is_empty(),
        "planted defects missed:\n{}",
        t.missed.join("\n")
    );
    assert!(t.planted.iter().all(|&n| n > 0), "{:?}", t.planted);
}
