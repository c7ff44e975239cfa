//! Throughput benchmarks, run side by side with a peer in the same process:
//!
//! - `notes`: extracting one version's section from a generated changelog of more than 10 MB,
//!   ours against the `parse-changelog` crate (the same job: find one release's notes).
//! - `check`: the whole pull-request gate on generated repositories of 100 and 1,000 charts,
//!   to show growth is linear.
//! - `check-base`: a 1,000-chart git repository where one chart changed, judged with
//!   `--base` (only the changed chart, at the head and at the base) against `--all`.
//! - `check-bitnami`: `check --all` on a repository shaped like bitnami/charts: 117 charts
//!   with changelogs of about 74 KB and values files of about 70 KB each.
//!
//! Run with `cargo bench --bench throughput`; the figures in the issue notes come from here.
//! With `THROUGHPUT_KEEP_REPO=<dir>` set, the bitnami-shaped repository is also written to
//! `<dir>` (which must not exist) and kept, to profile the binary on it
//! (`release-action check --all --repo <dir>`).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use release_action::app::check::CheckRequest;
use release_action::app::RepoRequest;
use release_action::app::{run_check, RunEnv};
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
        let common = RepoRequest {
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

/// Runs git in `dir`, with an identity of its own and no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

/// [`repo_with_charts`] committed to git, then one chart changed in the working tree as a
/// pull request would change it: a new template, a new image tag, a version bump and a
/// changelog section for it.
fn git_repo_with_one_change(n: usize) -> tempfile::TempDir {
    let dir = repo_with_charts(n);
    let root = dir.path();
    git(root, &["init", "--quiet", "--initial-branch=main"]);
    git(root, &["add", "--all"]);
    git(root, &["commit", "--quiet", "--message", "base"]);
    let i = n / 2;
    let minor = i + 1;
    let name = format!("chart-{i:04}");
    let d = root.join("helm/charts").join(&name);
    std::fs::create_dir_all(d.join("templates")).expect("mkdir");
    std::fs::write(
        d.join("templates/configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: {{ .Values.replicaCount | quote }}\n",
    )
    .expect("template");
    std::fs::write(d.join("Chart.yaml"), format!("apiVersion: v2\nname: {name}\ndescription: chart {i}\nversion: 1.{minor}.1\nappVersion: \"2.0.{i}\"\n")).expect("chart");
    std::fs::write(
        d.join("values.yaml"),
        format!(
            "image:\n  repository: ghcr.io/example/{name}\n  tag: v2.0.{i}-r1\nreplicaCount: 3\n"
        ),
    )
    .expect("values");
    std::fs::write(
        d.join("CHANGELOG.md"),
        format!("# Changelog\n\n## [Unreleased]\n\n## [1.{minor}.1] - 2024-06-01\n\n### Changed\n\n- Three replicas, and a config map.\n\n## [1.{minor}.0] - 2024-05-01\n\n### Added\n\n- Thing {i}.\n\n## [1.0.0] - 2024-01-01\n\n### Added\n\n- First.\n"),
    )
    .expect("changelog");
    dir
}

/// `check --base HEAD` (one changed chart of 1,000) against `check --all` on the same
/// repository.
fn check_base(c: &mut Criterion) {
    let n = 1000;
    let dir = git_repo_with_one_change(n);
    let common = RepoRequest {
        repo: Some(dir.path().to_path_buf()),
        config: None,
    };
    let env = RunEnv::default();
    let base = CheckRequest {
        base: Some("HEAD".to_owned()),
        all: false,
    };
    let all = CheckRequest {
        base: None,
        all: true,
    };
    for req in [&base, &all] {
        let outcome = run_check(&common, req, &env);
        assert!(outcome.is_ok(), "the change passes: {req:?}");
    }
    let mut group = c.benchmark_group("check-base");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("one-of-1000-changed", |b| {
        b.iter(|| black_box(run_check(&common, &base, &env).is_ok()))
    });
    group.bench_function("all-1000", |b| {
        b.iter(|| black_box(run_check(&common, &all, &env).is_ok()))
    });
    group.finish();
}

/// A changelog in the style of bitnami/charts, of at least `min_bytes`: newest first, headings
/// `## 1.2.3 (2024-01-02)` (patch releases in `<small>`), each with `### Changed`-style
/// subsections of linked bullets. Returns the text and the newest version.
fn bitnami_changelog(chart: &str, min_bytes: usize) -> (String, String) {
    let mut sections = Vec::new();
    let mut size = 0;
    let (mut major, mut minor, mut patch) = (1u32, 0u32, 0u32);
    let mut day = 0u32;
    while size < min_bytes {
        let k = sections.len();
        let version = format!("{major}.{minor}.{patch}");
        let date = format!(
            "{}-{:02}-{:02}",
            2018 + day / 336,
            1 + (day / 28) % 12,
            1 + day % 28
        );
        let mut s = if patch == 0 {
            format!("## {version} ({date})\n\n")
        } else {
            format!("## <small>{version} ({date})</small>\n\n")
        };
        let kinds: &[&str] = match k % 5 {
            0 => &["Added", "Changed"],
            1 | 3 => &["Changed"],
            2 => &["Changed", "Fixed"],
            _ => &["Fixed", "Security"],
        };
        for kind in kinds {
            let _ = write!(s, "### {kind}\n\n");
            for b in 0..(1 + k % 3) {
                let pr = 20000 + k * 7 + b;
                let _ = writeln!(
                    s,
                    "* [bitnami/{chart}] Release {version} updating components versions (#{pr}) ([{k:07x}](https://github.com/bitnami/charts/commit/{k:07x}{b:033x})), closes [#{pr}](https://github.com/bitnami/charts/issues/{pr})"
                );
            }
            s.push('\n');
        }
        size += s.len();
        sections.push(s);
        day += 3;
        match k % 10 {
            9 => (major, minor, patch) = (major + 1, 0, 0),
            4 => (minor, patch) = (minor + 1, 0),
            _ => patch += 1,
        }
    }
    // The last section pushed carries the newest version; the loop bumped past it.
    let newest = sections
        .last()
        .and_then(|s| {
            s.split([' ', '>'])
                .find(|w| w.starts_with(char::is_numeric))
        })
        .map(str::to_owned)
        .unwrap_or_default();
    let mut text = String::from("# Changelog\n\n");
    for s in sections.iter().rev() {
        text.push_str(s);
    }
    (text, newest)
}

/// An image map in block style (`image:` with its keys below) or in flow style.
fn bitnami_image(out: &mut String, indent: &str, key: &str, repo: &str, k: usize, flow: bool) {
    let tag = format!("1.{}.{}-debian-12-r{}", k % 30, k % 7, k % 40);
    if flow {
        let _ = writeln!(
            out,
            "{indent}{key}: {{registry: docker.io, repository: bitnami/{repo}, tag: {tag}, digest: \"\"}}"
        );
        return;
    }
    let _ = write!(
        out,
        "{indent}## Bitnami {repo} image\n{indent}## ref: https://hub.docker.com/r/bitnami/{repo}/tags/\n\
         {indent}## @param {key}.registry [default: REGISTRY_NAME] {repo} image registry\n\
         {indent}## @param {key}.repository [default: REPOSITORY_NAME/{repo}] {repo} image repository\n\
         {indent}## @skip {key}.tag {repo} image tag (immutable tags are recommended)\n\
         {indent}## @param {key}.digest {repo} image digest in the way sha256:aa.... Please note this parameter, if set, will override the tag\n\
         {indent}## @param {key}.pullPolicy {repo} image pull policy\n\
         {indent}##\n\
         {indent}{key}:\n\
         {indent}  registry: docker.io\n\
         {indent}  repository: bitnami/{repo}\n\
         {indent}  tag: {tag}\n\
         {indent}  digest: \"\"\n\
         {indent}  ## Specify a imagePullPolicy\n\
         {indent}  ## ref: https://kubernetes.io/docs/concepts/containers/images/#pre-pulled-images\n\
         {indent}  ##\n\
         {indent}  pullPolicy: IfNotPresent\n\
         {indent}  ## Optionally specify an array of imagePullSecrets.\n\
         {indent}  ## e.g:\n\
         {indent}  ## pullSecrets:\n\
         {indent}  ##   - myRegistryKeySecretName\n\
         {indent}  ##\n\
         {indent}  pullSecrets: []\n\
         {indent}  debug: false\n"
    );
}

/// A values file in the style of bitnami/charts, of at least `min_bytes`: `## @param`
/// comments (some with a `*`, as real ones have), deeply nested mappings, and image maps
/// (block and flow style) for the main container and for each of its helpers.
fn bitnami_values(chart: &str, min_bytes: usize) -> String {
    let mut out = String::from(
        "# Copyright Broadcom, Inc. All Rights Reserved.\n# SPDX-License-Identifier: APACHE-2.0\n\n\
         ## @section Global parameters\n## @param global.imageRegistry Global Docker image registry\n\
         ## @param global.imagePullSecrets Global Docker registry secret names as an array\n##\n\
         global:\n  imageRegistry: \"\"\n  ## E.g.\n  ## imagePullSecrets:\n  ##   - myRegistryKeySecretName\n  ##\n\
         \x20 imagePullSecrets: []\n  defaultStorageClass: \"\"\n  security:\n    allowInsecureImages: false\n\
         \x20 compatibility:\n    openshift:\n      adaptSecurityContext: auto\n\
         kubeVersion: \"\"\nnameOverride: \"\"\nfullnameOverride: \"\"\ncommonLabels: {}\ncommonAnnotations: {}\n\
         clusterDomain: cluster.local\nextraDeploy: []\n\n",
    );
    bitnami_image(&mut out, "", "image", chart, 0, false);
    let mut k = 1;
    while out.len() < min_bytes {
        let part = format!("component{k}");
        let _ = write!(
            out,
            "\n## @section {part} parameters\n\n{part}:\n  ## @param {part}.enabled Enable {part}\n  ##\n  enabled: {}\n",
            k % 2 == 0
        );
        bitnami_image(
            &mut out,
            "  ",
            "image",
            &format!("{chart}-{part}"),
            k,
            false,
        );
        let _ = write!(
            out,
            "  ## @param {part}.replicaCount Number of {part} replicas to deploy\n  ##\n  replicaCount: 1\n\
             \x20 ## @param {part}.containerPorts.http {part} HTTP container port\n  ##\n\
             \x20 containerPorts:\n    http: 8080\n    https: 8443\n    metrics: 9090\n\
             \x20 ## Configure extra options for {part} containers' liveness and readiness probes\n\
             \x20 ## ref: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-probes/#configure-probes\n\
             \x20 ## @param {part}.livenessProbe.enabled Enable livenessProbe on {part} containers\n\
             \x20 ## @param {part}.livenessProbe.initialDelaySeconds Initial delay seconds for livenessProbe\n\
             \x20 ##\n\
             \x20 livenessProbe:\n    enabled: true\n    initialDelaySeconds: 30\n    periodSeconds: 10\n    timeoutSeconds: 5\n    failureThreshold: 6\n    successThreshold: 1\n\
             \x20 readinessProbe:\n    enabled: true\n    initialDelaySeconds: 5\n    periodSeconds: 5\n    timeoutSeconds: 3\n    failureThreshold: 3\n    successThreshold: 1\n\
             \x20 customLivenessProbe: {{}}\n  customReadinessProbe: {{}}\n\
             \x20 ## @param {part}.resourcesPreset Set container resources according to one common preset (allowed values: none, nano, micro, small, medium, large, xlarge, 2xlarge)\n\
             \x20 ##\n  resourcesPreset: \"nano\"\n  resources: {{}}\n\
             \x20 podSecurityContext:\n    enabled: true\n    fsGroupChangePolicy: Always\n    sysctls: []\n    supplementalGroups: []\n    fsGroup: 1001\n\
             \x20 containerSecurityContext:\n    enabled: true\n    seLinuxOptions: {{}}\n    runAsUser: 1001\n    runAsGroup: 1001\n    runAsNonRoot: true\n    privileged: false\n    readOnlyRootFilesystem: true\n    allowPrivilegeEscalation: false\n    capabilities:\n      drop: [\"ALL\"]\n    seccompProfile:\n      type: \"RuntimeDefault\"\n\
             \x20 command: []\n  args: []\n  extraEnvVars:\n    - name: LOG_LEVEL\n      value: info\n    - name: {part}_MODE\n      value: \"standalone\"\n\
             \x20 affinity: {{}}\n  nodeSelector: {{}}\n  tolerations: []\n\
             \x20 podAntiAffinityPreset: soft\n  nodeAffinityPreset:\n    type: \"\"\n    key: \"\"\n    values: []\n\
             \x20 service:\n    type: ClusterIP\n    ports:\n      http: 80\n      https: 443\n    nodePorts:\n      http: \"\"\n      https: \"\"\n    annotations: {{}}\n\
             \x20 ingress:\n    enabled: false\n    ## NOTE: You may need to set this to '/*' in order to use this with ALB ingress controllers\n\
             \x20   path: /\n    pathType: ImplementationSpecific\n    hostname: {part}.local\n    extraHosts: []\n\
             \x20 metrics:\n    enabled: false\n"
        );
        bitnami_image(
            &mut out,
            "    ",
            "image",
            &format!("{part}-exporter"),
            k + 1,
            k % 2 == 0,
        );
        let _ = write!(
            out,
            "    serviceMonitor:\n      enabled: false\n      namespace: \"\"\n      interval: 30s\n      scrapeTimeout: \"\"\n      labels: {{}}\n\
             \x20 sidecars: []\n  initContainers: []\n"
        );
        bitnami_image(&mut out, "  ", "waitImage", "os-shell", k + 2, true);
        k += 1;
    }
    out.push_str("\nvolumePermissions:\n  enabled: false\n");
    bitnami_image(&mut out, "  ", "image", "os-shell", k, false);
    out
}

/// A repository shaped like bitnami/charts: `n` charts under `charts/`, each with a changelog
/// of about `changelog_bytes` and a values file of about `values_bytes`, and the three BOMs.
fn bitnami_repo(root: &Path, n: usize, changelog_bytes: usize, values_bytes: usize) {
    let mut boms = String::from("charts:\n");
    for i in 0..n {
        let name = format!("app{i:03}");
        let d = root.join("charts").join(&name);
        std::fs::create_dir_all(&d).expect("mkdir");
        let (log, version) = bitnami_changelog(&name, changelog_bytes);
        std::fs::write(d.join("CHANGELOG.md"), log).expect("changelog");
        std::fs::write(
            d.join("Chart.yaml"),
            format!(
                "# Copyright Broadcom, Inc. All Rights Reserved.\n# SPDX-License-Identifier: APACHE-2.0\n\n\
                 annotations:\n  images: |\n    - name: {name}\n      image: docker.io/bitnami/{name}:1.0.0-debian-12-r0\n  licenses: Apache-2.0\n\
                 apiVersion: v2\nappVersion: 1.0.{i}\n\
                 dependencies:\n- name: common\n  repository: oci://registry-1.docker.io/bitnamicharts\n  tags:\n  - bitnami-common\n  version: 2.x.x\n\
                 description: {name} is an application packaged by Bitnami.\nhome: https://bitnami.com\n\
                 keywords:\n- {name}\nmaintainers:\n- name: Broadcom, Inc. All Rights Reserved.\n  url: https://github.com/bitnami/charts\n\
                 name: {name}\nsources:\n- https://github.com/bitnami/charts/tree/main/bitnami/{name}\nversion: {version}\n"
            ),
        )
        .expect("chart");
        std::fs::write(d.join("values.yaml"), bitnami_values(&name, values_bytes)).expect("values");
        let _ = writeln!(boms, "  {name}: {version}");
    }
    std::fs::create_dir_all(root.join("releases")).expect("mkdir");
    for env in ["dev", "staging", "prod"] {
        std::fs::write(
            root.join(format!("releases/{env}.yaml")),
            format!("environment: {env}\n{boms}"),
        )
        .expect("bom");
    }
}

/// `check --all` on a repository shaped like bitnami/charts (8.6 MB of changelogs, 8.2 MB of
/// values).
fn check_bitnami(c: &mut Criterion) {
    let (charts, changelog_bytes, values_bytes) = (117, 74 * 1024, 70 * 1024);
    if let Some(keep) = std::env::var_os("THROUGHPUT_KEEP_REPO") {
        let keep = Path::new(&keep);
        assert!(
            !keep.exists(),
            "THROUGHPUT_KEEP_REPO must name a new directory"
        );
        bitnami_repo(keep, charts, changelog_bytes, values_bytes);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    bitnami_repo(dir.path(), charts, changelog_bytes, values_bytes);
    let common = RepoRequest {
        repo: Some(dir.path().to_path_buf()),
        config: None,
    };
    let env = RunEnv::default();
    let all = CheckRequest {
        base: None,
        all: true,
    };
    assert!(
        run_check(&common, &all, &env).is_ok(),
        "generated repository passes"
    );
    let mut group = c.benchmark_group("check-bitnami");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("all-117", |b| {
        b.iter(|| black_box(run_check(&common, &all, &env).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, notes, check, check_base, check_bitnami);
criterion_main!(benches);
