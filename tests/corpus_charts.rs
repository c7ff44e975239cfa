//! Runs the chart, version-bump and values code over every `Chart.yaml` and `values.yaml` of the
//! real-data corpus (`../shared/corpus`, or `RELEASE_ACTION_CORPUS`), and prints the counts.
//!
//! Every chart whose version is strict SemVer must bump byte-exactly: the only changed line is
//! the top-level `version` line, and the only changed bytes are the version characters.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use release_action::domain::chart::{
    parse_chart, parse_strict_semver, set_chart_version, validate_chart,
};
use release_action::domain::values::{find_images, validate_values};
use release_action::domain::version_file::{read_version, set_version, VersionFileKind};
use release_action::domain::yaml::{parse_yaml, Locator, PathSeg};
use semver::Version;

fn corpus() -> PathBuf {
    std::env::var_os("RELEASE_ACTION_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    )
}

fn files_named(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_named(&path, name, out);
        } else if path.file_name().and_then(|n| n.to_str()) == Some(name) {
            out.push(path);
        }
    }
}

/// `local_path` → `path_in_repo`, from `MANIFEST.tsv`.
fn manifest(root: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(((*cols.get(1)?).to_string(), (*cols.get(3)?).to_string()))
        })
        .collect()
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The chart's directory name in its own repository (the corpus flattens paths).
fn dir_name(manifest: &HashMap<String, String>, local: &str) -> String {
    let original = manifest.get(local).map_or(local, String::as_str);
    original.rsplit('/').nth(1).unwrap_or_default().to_string()
}

fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Checks one bump; returns a reason when it is not byte-exact.
fn check_bump(old: &str, new: &str, line: usize, next: &Version) -> Result<(), String> {
    let locator = Locator::new(old).map_err(|e| e.to_string())?;
    let span = locator
        .scalar_span(&[PathSeg::Key("version")])
        .map_err(|e| e.to_string())?;
    let content = span.content();
    let expected = format!(
        "{}{}{}",
        old.get(..content.start).unwrap_or_default(),
        next,
        old.get(content.end..).unwrap_or_default()
    );
    if new != expected {
        return Err("bytes outside the version scalar changed".into());
    }
    let (a, b) = (split_lines(old), split_lines(new));
    if a.len() != b.len() {
        return Err(format!("line count changed {} -> {}", a.len(), b.len()));
    }
    let changed: Vec<usize> = a
        .iter()
        .zip(&b)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, _)| i + 1)
        .collect();
    if changed != [line] {
        return Err(format!(
            "changed lines {changed:?}, expected only line {line}"
        ));
    }
    let reread =
        parse_chart(new, "Chart.yaml").map_err(|d| format!("bumped file does not parse: {d:?}"))?;
    if reread.version != next.to_string() || reread.version_line != line {
        return Err(format!(
            "bumped file reads version `{}` at line {}",
            reread.version, reread.version_line
        ));
    }
    Ok(())
}

fn next_patch(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch + 1)
}

#[derive(Default)]
struct Counts {
    total: usize,
    bumped_exact: usize,
    bumped_prefixed: usize,
    bump_failures: Vec<(String, String)>,
    refused: BTreeMap<String, Vec<String>>,
    invalid_semver: Vec<(String, String)>,
    quoted: usize,
    crlf: usize,
    bom: usize,
    doc_start: usize,
    comment_on_version_line: usize,
    nested_version_keys: usize,
    validate_codes: BTreeMap<&'static str, usize>,
}

#[test]
fn every_corpus_chart_parses_validates_and_bumps_byte_exactly() {
    let root = corpus();
    let mut charts = Vec::new();
    files_named(&root.join("charts"), "Chart.yaml", &mut charts);
    assert!(
        charts.len() >= 600,
        "expected the whole corpus under {}, found {} charts",
        root.display(),
        charts.len()
    );
    let manifest = manifest(&root);
    let mut c = Counts::default();

    for path in &charts {
        let local = rel(&root, path);
        let Ok(text) = std::fs::read_to_string(path) else {
            c.refused.entry("not UTF-8".into()).or_default().push(local);
            continue;
        };
        c.total += 1;
        c.crlf += usize::from(text.contains("\r\n"));
        c.bom += usize::from(text.starts_with('\u{feff}'));
        c.doc_start += usize::from(text.starts_with("---") || text.contains("\n---"));
        for d in validate_chart(&text, &local, &dir_name(&manifest, &local)) {
            *c.validate_codes.entry(d.code).or_default() += 1;
        }
        // The version-file reader for `Chart.yaml` must agree with the chart reader.
        let via_version_file = read_version(VersionFileKind::Chart, &text).ok();

        let chart = match parse_chart(&text, &local) {
            Ok(chart) => chart,
            Err(diags) => {
                let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
                c.refused
                    .entry(format!("parse_chart: {}", codes.join(", ")))
                    .or_default()
                    .push(local);
                assert!(via_version_file.is_none());
                continue;
            }
        };
        assert_eq!(
            via_version_file,
            Some((chart.version.clone(), chart.version_line)),
            "{local}"
        );
        let version_line_text = text
            .split('\n')
            .nth(chart.version_line - 1)
            .unwrap_or_default();
        c.comment_on_version_line += usize::from(version_line_text.contains('#'));
        c.quoted +=
            usize::from(version_line_text.contains("\"") || version_line_text.contains('\''));
        c.nested_version_keys += usize::from(text.matches("version:").count() > 1);

        let (parsed, prefixed) = match parse_strict_semver(&chart.version) {
            Ok(v) => (v, false),
            Err((reason, _)) => match chart.version.strip_prefix('v').map(Version::parse) {
                Some(Ok(v)) => (v, true),
                _ => {
                    c.invalid_semver
                        .push((local, format!("`{}`: {reason}", chart.version)));
                    continue;
                }
            },
        };
        let next = next_patch(&parsed);
        let result = set_chart_version(&text, &next)
            .map_err(|e| e.to_string())
            .and_then(|new| check_bump(&text, &new, chart.version_line, &next).map(|()| new));
        match result {
            Ok(new) => {
                if prefixed {
                    c.bumped_prefixed += 1;
                } else {
                    c.bumped_exact += 1;
                }
                // The version-file editor gives the same bytes, and validation finds nothing new.
                assert_eq!(
                    set_version(VersionFileKind::Chart, &text, &next).as_deref(),
                    Ok(new.as_str()),
                    "{local}"
                );
                let before: Vec<&str> = validate_chart(&text, &local, &dir_name(&manifest, &local))
                    .iter()
                    .map(|d| d.code)
                    .filter(|c| *c != "chart/invalid-version")
                    .collect();
                let after: Vec<&str> = validate_chart(&new, &local, &dir_name(&manifest, &local))
                    .iter()
                    .map(|d| d.code)
                    .collect();
                assert_eq!(before, after, "{local}");
            }
            Err(reason) => c.bump_failures.push((local, reason)),
        }
    }

    println!("corpus: {}", root.display());
    println!("Chart.yaml files read:              {}", c.total);
    println!("  strict SemVer, bumped byte-exact:  {}", c.bumped_exact);
    println!("  `v`-prefixed, bumped (v dropped):  {}", c.bumped_prefixed);
    println!(
        "  not SemVer (not bumped):           {}",
        c.invalid_semver.len()
    );
    for (path, why) in &c.invalid_semver {
        println!("    {path}: {why}");
    }
    let refused: usize = c.refused.values().map(Vec::len).sum();
    println!("  refused by parse_chart:            {refused}");
    for (reason, paths) in &c.refused {
        println!("    {reason}: {}", paths.len());
        for p in paths {
            println!("      {p}");
        }
    }
    println!(
        "  bump failures:                     {}",
        c.bump_failures.len()
    );
    for (path, why) in &c.bump_failures {
        println!("    {path}: {why}");
    }
    println!(
        "  features: quoted version {}, comment on version line {}, CRLF {}, BOM {}, `---` {}, several `version:` keys {}",
        c.quoted, c.comment_on_version_line, c.crlf, c.bom, c.doc_start, c.nested_version_keys
    );
    println!("validate_chart findings by code:");
    for (code, n) in &c.validate_codes {
        println!("  {code}: {n}");
    }
    assert!(
        c.bump_failures.is_empty(),
        "charts with a SemVer version that did not bump byte-exactly: {:?}",
        c.bump_failures
    );
    assert_eq!(
        c.total,
        c.bumped_exact + c.bumped_prefixed + c.invalid_semver.len() + refused
    );
}

#[test]
fn every_corpus_values_file_is_scanned_without_panicking() {
    let root = corpus();
    let mut files = Vec::new();
    files_named(&root.join("charts"), "values.yaml", &mut files);
    assert!(
        files.len() >= 150,
        "expected the corpus values files under {}",
        root.display()
    );
    let mut codes: BTreeMap<(&'static str, bool), usize> = BTreeMap::new();
    let (mut images, mut with_findings, mut unparsed, mut app_version_saves) = (0, 0, 0, 0);
    for path in &files {
        let local = rel(&root, path);
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let app_version = path
            .parent()
            .and_then(|dir| std::fs::read_to_string(dir.join("Chart.yaml")).ok())
            .and_then(|chart| parse_chart(&chart, "Chart.yaml").ok())
            .and_then(|chart| chart.app_version);
        match parse_yaml(&text) {
            Ok(doc) => images += find_images(&doc).len(),
            Err(_) => unparsed += 1,
        }
        let found = validate_values(&text, &local, app_version.as_deref());
        let without_app = validate_values(&text, &local, None);
        app_version_saves += without_app.len().saturating_sub(found.len());
        with_findings += usize::from(!found.is_empty());
        for d in &found {
            assert_eq!(d.file.as_deref(), Some(local.as_str()));
            assert!(
                d.line
                    .is_some_and(|l| l >= 1 && l <= text.split('\n').count()),
                "{local}: {d:?}"
            );
            *codes.entry((d.code, d.is_error())).or_default() += 1;
        }
    }
    println!("values.yaml files scanned:   {}", files.len());
    println!("  not parseable:             {unparsed}");
    println!("  image declarations found:  {images}");
    println!("  files with findings:       {with_findings}");
    println!("  findings avoided by appVersion defaulting: {app_version_saves}");
    for ((code, error), n) in &codes {
        println!(
            "  {code} ({}): {n}",
            if *error { "error" } else { "warning" }
        );
    }
}
