//! Chart.yaml as Helm reads it: Helm itself (v4, through the `helm-python-sdk` wheel, which
//! ships it as a library and works offline) loads and lints every chart of
//! `../shared/corpus/charts/`, and `check`'s chart findings must agree: where Helm's loader
//! refuses a chart or `helm lint` reports an error in its Chart.yaml (what chart-testing runs),
//! `check` reports an error; where Helm takes it, `check` reports none, and the version bump
//! `promote` makes changes only the characters of the version. The disagreements are exactly
//! the ones `docs/helm-parity.md` lists, each with its reason, and the counts it records are the
//! ones found.
//!
//! Python with `helm_python` is found at `RELEASE_ACTION_HELM_PYTHON`, else in `.ci/.venv`
//! (which `.ci/lint` creates), else a venv under `target/` is made and the wheel installed from
//! PyPI once.

#![allow(clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use release_action::domain::chart::{parse_chart, set_chart_version, validate_chart};
use release_action::domain::values::validate_values;

const WHEEL: &str = "helm-python-sdk==0.2.2";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    std::env::var_os("RELEASE_ACTION_CORPUS")
        .map_or_else(|| manifest().join("../shared/corpus"), PathBuf::from)
}

fn has_helm(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import helm_python"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Python that can `import helm_python`, installing the wheel into `target/` if need be.
fn helm_python() -> PathBuf {
    if let Some(p) = std::env::var_os("RELEASE_ACTION_HELM_PYTHON") {
        return PathBuf::from(p);
    }
    let ci = manifest().join(".ci/.venv/bin/python");
    if has_helm(&ci) {
        return ci;
    }
    let venv = manifest().join("target/helm-venv");
    let python = venv.join("bin/python");
    if !has_helm(&python) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(made.success(), "create {}", venv.display());
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                WHEEL,
            ])
            .status()
            .expect("pip install");
        assert!(installed.success(), "pip install {WHEEL}");
    }
    python
}

fn chart_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.join("Chart.yaml").is_file() {
                out.push(p.clone());
            }
            chart_dirs(&p, out);
        }
    }
}

/// Helm's verdict per chart directory: `None` when it loads, else its error.
fn helm_verdicts(dirs: &[PathBuf]) -> BTreeMap<PathBuf, Option<String>> {
    let out = Command::new(helm_python())
        .arg(manifest().join("tests/helm/oracle.py"))
        .args(dirs)
        .output()
        .expect("run the Helm oracle");
    assert!(
        out.status.success(),
        "oracle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oracle json");
    dirs.iter()
        .map(|d| {
            let v = &json[d.to_string_lossy().as_ref()];
            let lint: Vec<String> = v["lint"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|e| e.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let verdict = if v["loads"] != true {
                Some(format!(
                    "load: {}",
                    v["error"].as_str().unwrap_or("refused")
                ))
            } else if !lint.is_empty() {
                Some(format!("lint: {}", lint.join("; ")))
            } else {
                None
            };
            (d.clone(), verdict)
        })
        .collect()
}

/// The chart metadata Helm's loader reads from the chart in `dir`.
fn helm_metadata(dir: &Path) -> serde_json::Value {
    let out = Command::new(helm_python())
        .arg(manifest().join("tests/helm/oracle.py"))
        .arg(dir)
        .output()
        .expect("run the Helm oracle");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oracle json");
    json[dir.to_string_lossy().as_ref()]["metadata"].clone()
}

/// `check`'s errors for the chart in `dir`: its Chart.yaml, and its values.yaml.
fn our_errors(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).unwrap_or_default();
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let mut errors: Vec<String> = validate_chart(&text, "Chart.yaml", name)
        .into_iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    if let Ok(values) = std::fs::read_to_string(dir.join("values.yaml")) {
        errors.extend(
            validate_values(&values, "values.yaml", None)
                .into_iter()
                .filter(|d| {
                    d.is_error() && matches!(d.code, "values/invalid-yaml" | "values/not-a-mapping")
                })
                .map(|d| format!("{}: {}", d.code, d.message)),
        );
    }
    errors
}

/// The corpus charts `docs/helm-parity.md` lists as disagreeing (first column, relative to
/// `corpus/charts/`).
fn documented() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(manifest().join("docs/helm-parity.md")).expect("doc");
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(c, _)| c.to_owned())
        .filter(|c| c.contains("__"))
        .collect()
}

/// The counts `docs/helm-parity.md` records for the corpus: (charts, agree).
fn documented_counts() -> (usize, usize) {
    let doc = std::fs::read_to_string(manifest().join("docs/helm-parity.md")).expect("doc");
    let row = doc
        .lines()
        .find_map(|l| l.strip_prefix("| `../shared/corpus/charts/` |"))
        .expect("a corpus row in the agreement table");
    let cells: Vec<usize> = row
        .split('|')
        .take(2)
        .map(|c| c.trim().parse().expect("a count"))
        .collect();
    (cells[0], cells[1])
}

/// Why bumping the chart in `dir` to the next patch version does not change exactly the
/// characters of its version, if it does not.
fn bump_problem(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).unwrap_or_default();
    let chart = parse_chart(&text, "Chart.yaml").ok()?;
    let current = semver::Version::parse(chart.version.trim_start_matches('v')).ok()?;
    let next = semver::Version::new(current.major, current.minor, current.patch + 1);
    let out = match set_chart_version(&text, &next) {
        Ok(out) => out,
        Err(e) => return Some(format!("refused: {e}")),
    };
    let before: Vec<&str> = text.split('\n').collect();
    let after: Vec<&str> = out.split('\n').collect();
    let changed: Vec<usize> = (0..before.len().max(after.len()))
        .filter(|&i| before.get(i) != after.get(i))
        .collect();
    let line = chart.version_line - 1;
    let expected = before
        .get(line)
        .map(|l| l.replacen(&chart.version, &next.to_string(), 1));
    (changed != [line] || after.get(line).copied() != expected.as_deref())
        .then(|| format!("changed lines {changed:?}, version on line {}", line + 1))
}

#[test]
fn check_agrees_with_helm_on_every_corpus_chart() {
    let root = corpus().join("charts");
    let mut dirs = Vec::new();
    chart_dirs(&root, &mut dirs);
    assert!(dirs.len() > 500, "charts in {}", root.display());
    let helm = helm_verdicts(&dirs);
    let mut agree = 0;
    let mut disagree = BTreeMap::new();
    let mut unbumpable = Vec::new();
    for (dir, verdict) in &helm {
        let ours = our_errors(dir);
        let rel = dir
            .strip_prefix(&root)
            .unwrap_or(dir)
            .to_string_lossy()
            .into_owned();
        if verdict.is_some() != ours.is_empty() {
            agree += 1;
        } else {
            disagree.insert(rel.clone(), (verdict.clone(), ours.clone()));
        }
        // Where both take the chart, `promote` can bump it.
        if verdict.is_none() && ours.is_empty() {
            if let Some(problem) = bump_problem(dir) {
                unbumpable.push(format!("{rel}: {problem}"));
            }
        }
    }
    let refused = helm.values().filter(|v| v.is_some()).count();
    println!(
        "helm parity: {agree} of {} corpus charts agree ({refused} refused by Helm's loader or lint); {} disagree",
        helm.len(),
        disagree.len()
    );
    let found: BTreeSet<String> = disagree.keys().cloned().collect();
    assert_eq!(
        found,
        documented(),
        "disagreements must be exactly those docs/helm-parity.md explains:\n{disagree:#?}"
    );
    assert_eq!(
        (helm.len(), agree),
        documented_counts(),
        "docs/helm-parity.md records the corpus charts and how many agree"
    );
    assert!(
        unbumpable.is_empty(),
        "charts Helm and `check` take must bump byte-exactly:\n{}",
        unbumpable.join("\n")
    );
}

/// The cases of Helm's own loader and lint tests that a Chart.yaml or values.yaml can show:
/// (name, Chart.yaml, values.yaml).
const HELM_CASES: &[(&str, &str, Option<&str>)] = &[
    ("ok", "apiVersion: v2\nname: ok\nversion: 1.0.0\n", None),
    ("duplicate-dependencies", "apiVersion: v2\nname: duplicate-dependencies\nversion: 1.0.0\ndependencies:\n  - name: a\n    version: 1.0.0\n    repository: https://example.com/charts\n  - name: a\n    version: 1.0.0\n    repository: https://example.com/charts\n", None),
    ("alias-tells-apart", "apiVersion: v2\nname: alias-tells-apart\nversion: 1.0.0\ndependencies:\n  - name: a\n    version: 1.0.0\n    repository: https://example.com/charts\n  - name: a\n    alias: b\n    version: 1.0.0\n    repository: https://example.com/charts\n", None),
    ("v1-with-type", "apiVersion: v1\nname: v1-with-type\nversion: 1.0.0\ntype: application\n", None),
    ("v1-with-dependencies", "apiVersion: v1\nname: v1-with-dependencies\nversion: 1.0.0\ndependencies:\n  - name: a\n    version: 1.0.0\n    repository: https://example.com/charts\n", None),
    ("values-a-list", "apiVersion: v2\nname: values-a-list\nversion: 1.0.0\n", Some("- a\n- b\n")),
    ("values-a-string", "apiVersion: v2\nname: values-a-string\nversion: 1.0.0\n", Some("just text\n")),
    ("values-empty", "apiVersion: v2\nname: values-empty\nversion: 1.0.0\n", Some("")),
    ("missing-name", "apiVersion: v2\nversion: 1.0.0\n", None),
    ("missing-version", "apiVersion: v2\nname: missing-version\n", None),
    ("missing-api-version", "name: missing-api-version\nversion: 1.0.0\n", None),
    ("api-version-v3", "apiVersion: v3\nname: api-version-v3\nversion: 1.0.0\n", None),
    ("bad-type", "apiVersion: v2\nname: bad-type\nversion: 1.0.0\ntype: plugin\n", None),
    ("numeric-app-version", "apiVersion: v2\nname: numeric-app-version\nversion: 1.0.0\nappVersion: 1.10\n", None),
    ("duplicate-key", "apiVersion: v2\nname: duplicate-key\ndescription: first\nversion: 1.0.0\ndescription: second\nappVersion: \"1.0\"\nappVersion: \"2.0\"\n", None),
    ("maintainer-a-string", "apiVersion: v2\nname: maintainer-a-string\nversion: 1.0.0\nmaintainers:\n  - octocat\n", None),
    ("dependency-without-version", "apiVersion: v2\nname: dependency-without-version\nversion: 1.0.0\ndependencies:\n  - name: a\n    repository: https://example.com/charts\n", None),
];

#[test]
fn check_agrees_with_helm_on_its_own_lint_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut dirs = Vec::new();
    for (name, chart, values) in HELM_CASES {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("Chart.yaml"), chart).expect("write");
        if let Some(v) = values {
            std::fs::write(d.join("values.yaml"), v).expect("write");
        }
        dirs.push(d);
    }
    let helm = helm_verdicts(&dirs);
    let mut disagree = Vec::new();
    for (d, verdict) in &helm {
        let ours = our_errors(d);
        if verdict.is_some() == ours.is_empty() {
            disagree.push(format!("{}: helm {verdict:?}, ours {ours:?}", d.display()));
        }
    }
    println!(
        "helm parity: {} of {} of Helm's own cases agree",
        helm.len() - disagree.len(),
        helm.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    // A repeated key Helm's loader takes is a warning that names both lines, and `check` reads
    // the value Helm reads: the last one.
    let d = dir.path().join("duplicate-key");
    let text = std::fs::read_to_string(d.join("Chart.yaml")).expect("read");
    let found: Vec<(&str, String)> = validate_chart(&text, "Chart.yaml", "duplicate-key")
        .into_iter()
        .map(|d| (d.code, d.message))
        .collect();
    assert_eq!(
        found,
        [
            (
                "chart/duplicate-key",
                "`description` is set twice, on lines 3 and 5".to_string()
            ),
            (
                "chart/duplicate-key",
                "`appVersion` is set twice, on lines 6 and 7".to_string()
            ),
        ]
    );
    let ours = parse_chart(&text, "Chart.yaml").expect("parses");
    let helm = helm_metadata(&d);
    assert_eq!(
        (
            helm["description"].as_str(),
            helm["appVersion"].as_str(),
            helm["version"].as_str()
        ),
        (
            ours.description.as_deref(),
            ours.app_version.as_deref(),
            Some(ours.version.as_str())
        )
    );
    assert_eq!(ours.description.as_deref(), Some("second"));
    // Every problem of a file is reported, also when its name is missing.
    let all = our_errors(&dir.path().join("missing-name"));
    assert_eq!(all.len(), 1, "{all:?}");
    let d = dir.path().join("noname-and-more");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(
        d.join("Chart.yaml"),
        "apiVersion: v2\nversion: 1.0.0\ntype: plugin\nappVersion: 1.10\n",
    )
    .expect("write");
    let codes: Vec<String> = our_errors(&d)
        .iter()
        .map(|e| e.split(':').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        codes,
        [
            "chart/missing-name",
            "chart/invalid-type",
            "chart/unquoted-app-version"
        ]
    );
}
