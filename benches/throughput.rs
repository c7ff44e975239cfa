//! Throughput benchmarks, run side by side with a peer in the same process:
//!
//! - `notes`: extracting one version's section from a generated changelog of more than 10 MB,
//!   ours against the `parse-changelog` crate (the same job: find one release's notes).
//! - `check`: the whole pull-request gate on generated repositories of 100 and 1,000 charts,
//!   to show growth is linear.
//!
//! Run with `cargo bench --bench throughput`; the figures in the issue notes come from here.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use release_action::app::{run_check, RunEnv};
use release_action::cli::CommonArgs;
use release_action::domain::changelog;

/// A Keep a Changelog file of at least `min_bytes`, newest release first.
fn big_changelog(min_bytes: usize) -> (String, String) {
    let mut body = String::from("# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n");
    let mut releases = Vec::new();
    let mut n: u64 = 0;
    let mut size = body.len();
    while size < min_bytes {
        let mut s = String::new();
        let _ = write!(
            s,
            "## [{}.{}.{}] - 2024-{:02}-{:02}\n\n### Added\n\n",
            n / 100,
            (n / 10) % 10,
            n % 10,
            1 + n % 12,
            1 + n % 28
        );
        for i in 0..12 {
            let _ = writeln!(s, "- Feature {i} of release {n}, with `code`, a [link](https://example.com/{n}/{i}) and some words to fill the line.");
        }
        s.push_str("\n### Fixed\n\n");
        for i in 0..8 {
            let _ = writeln!(s, "- Bug {i} fixed in release {n}: the parser no longer trips on `## [x]` inside fences.");
        }
        s.push('\n');
        size += s.len();
        releases.push(s);
        n += 1;
    }
    // Newest first: the highest number goes on top.
    for r in releases.iter().rev() {
        body.push_str(r);
    }
    // Look up release 1 (`0.0.1`), next to the bottom: the worst case for a scan from the top.
    let target = "0.0.1".to_owned();
    (body, target)
}

fn notes(c: &mut Criterion) {
    let (text, version) = big_changelog(10 * 1024 * 1024);
    assert!(changelog::extract(&text, &version).is_some());
    let mut group = c.benchmark_group("notes-10MB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("release-action", |b| {
        b.iter(|| black_box(changelog::extract(black_box(&text), &version)).map(str::len))
    });
    group.bench_function("parse-changelog", |b| {
        b.iter(|| {
            let parsed = parse_changelog::parse(black_box(&text)).expect("parse");
            black_box(parsed.get(version.as_str()).map(|r| r.notes.len()))
        })
    });
    group.finish();
}

/// A repository with `n` charts, each with a changelog and values, plus the three BOMs.
fn repo_with_charts(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut boms = String::from("charts:\n");
    for i in 0..n {
        let name = format!("chart-{i:04}");
        let minor = i + 1;
        let d = root.join("helm/charts").join(&name);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("Chart.yaml"), format!("apiVersion: v2\nname: {name}\ndescription: chart {i}\nversion: 1.{minor}.0\nappVersion: \"2.0.{i}\"\n")).expect("chart");
        std::fs::write(
            d.join("values.yaml"),
            format!(
                "image:\n  repository: ghcr.io/example/{name}\n  tag: v2.0.{i}\nreplicaCount: 2\n"
            ),
        )
        .expect("values");
        std::fs::write(
            d.join("CHANGELOG.md"),
            format!("# Changelog\n\n## [Unreleased]\n\n## [1.{minor}.0] - 2024-05-01\n\n### Added\n\n- Thing {i}.\n\n## [1.0.0] - 2024-01-01\n\n### Added\n\n- First.\n"),
        )
        .expect("changelog");
        let _ = writeln!(boms, "  {name}: 1.{minor}.0");
    }
    std::fs::create_dir_all(root.join("releases")).expect("mkdir");
    for env in ["dev", "staging", "prod"] {
        std::fs::write(
            root.join(format!("releases/{env}.yaml")),
            format!("environment: {env}\n{boms}"),
        )
        .expect("bom");
    }
    dir
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for n in [100usize, 1000] {
        let dir = repo_with_charts(n);
        let common = CommonArgs {
            repo: Some(dir.path().to_path_buf()),
            config: None,
        };
        let env = RunEnv::default();
        assert!(
            run_check(
                &common,
                &release_action::app::check::CheckRequest::default(),
                &env
            )
            .is_ok(),
            "generated repository passes"
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                black_box(
                    run_check(
                        &common,
                        &release_action::app::check::CheckRequest::default(),
                        &env,
                    )
                    .is_ok(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, notes, check);
criterion_main!(benches);
