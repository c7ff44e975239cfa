//! What the BOM says is what Helm deploys. Helm itself (v4, through the `helm-python-sdk` wheel
//! and `tests/helm/render.py`) renders every chart of `examples/demo` the ways the examples
//! deploy it:
//!
//! - as the Argo CD Applications of `examples/argocd/` do: the value files each Application
//!   names (`spec.source.helm.valueFiles`, read from the YAML, so the example cannot drift from
//!   what is tested), relative to its chart path;
//! - as `workflows-examples/deploy-helm-kind.yml` does: `-f releases/<env>.yaml`, `-f` its kind
//!   overrides, and `--set-string image.repository=… image.tag=<tag>@<digest>` for an image
//!   pinned under the chart's own name (the test checks that the workflow still does so);
//! - with a snapshot after them, and a snapshot alone (`docs/snapshots.md`).
//!
//! Every image reference in the manifests must be exactly a `repository:tag@digest` the
//! environment's BOM pins, every pin must be deployed, and a snapshot's experiment parameters
//! must reach the manifests. Then the real binary promotes, pins and snapshots, and the
//! rendered images follow. `docs/bom-propagation.md` gives the counts.
//!
//! Python with `helm_python` is found at `RELEASE_ACTION_HELM_PYTHON`, else in `.ci/.venv`
//! (which `.ci/lint` creates). Without it the tests fail: they never pass unchecked.

#![allow(clippy::print_stdout)]

#[path = "support/files.rs"]
#[allow(dead_code)]
mod files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use release_action::domain::bom::parse_bom;
use serde::Deserialize;
use serde_json::{json, Value};

const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "prod"];

/// Each demo chart and the BOM entry (`images.<entry>`) its values.yaml names for its image.
const IMAGE_OF: [(&str, &str); 3] = [
    ("backend", "backend"),
    ("data-platform", "stream-processor"),
    ("frontend", "app"),
];

/// What `deploy-helm-kind.yml` writes as its overrides file (the `printf` of its install step).
const KIND_OVERRIDES: &str = "# a kind cluster has no service mesh and no Prometheus operator
istio: {enabled: false}
prometheus: {enabled: false}
serviceMonitor: {enabled: false}
metrics: {serviceMonitor: {enabled: false}}
";

/// The only lint finding allowed at warning level: the frontend's library dependency `common`
/// is not vendored (Argo CD and the kind workflow fetch it; it renders no manifest).
const ALLOWED_WARNING: &str = "chart directory is missing these dependencies: common";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> PathBuf {
    manifest().join("examples/demo")
}

/// A Python that can `import helm_python`; fails the test when there is none.
fn helm_python() -> PathBuf {
    let python = std::env::var_os("RELEASE_ACTION_HELM_PYTHON")
        .map_or_else(|| manifest().join(".ci/.venv/bin/python"), PathBuf::from);
    let ok = Command::new(&python)
        .args(["-c", "import helm_python"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{}` cannot import helm_python (the `helm-python-sdk` wheel): run `.ci/lint`, which \
         installs it into `.ci/.venv`, or set RELEASE_ACTION_HELM_PYTHON to a Python that has it",
        python.display()
    );
    python
}

/// One render: a chart directory, value files in `-f` order, `--set-string` expressions.
#[derive(Debug, Clone)]
struct Job {
    id: String,
    env: String,
    chart: String,
    dir: PathBuf,
    values: Vec<PathBuf>,
    set_string: Vec<String>,
    release: String,
    namespace: String,
}

/// A Deployment as rendered.
#[derive(Debug, Clone, PartialEq)]
struct Deployment {
    name: String,
    replicas: i64,
    chart_label: String,
    annotations: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
}

/// What Helm made of one job.
#[derive(Debug, Clone)]
struct Rendered {
    job: Job,
    images: Vec<String>,
    deployments: Vec<Deployment>,
    lint: Vec<String>,
}

/// Renders every job in one run of the oracle; any failure to render fails the test.
fn render(jobs: &[Job]) -> Vec<Rendered> {
    render_outcomes(jobs)
        .into_iter()
        .zip(jobs)
        .map(|(r, job)| r.unwrap_or_else(|e| panic!("{}: Helm refused to render it: {e}", job.id)))
        .collect()
}

/// Renders every job in one run of the oracle: what Helm rendered, or the error it gave.
fn render_outcomes(jobs: &[Job]) -> Vec<Result<Rendered, String>> {
    let input: Vec<Value> = jobs
        .iter()
        .map(|j| {
            json!({
                "id": j.id,
                "chart": j.dir,
                "values": j.values,
                "set_string": j.set_string,
                "release": j.release,
                "namespace": j.namespace,
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let stdin = dir.path().join("jobs.json");
    std::fs::write(&stdin, serde_json::to_vec(&input).expect("json")).expect("write jobs");
    let out = Command::new(helm_python())
        .arg(manifest().join("tests/helm/render.py"))
        .stdin(std::fs::File::open(&stdin).expect("open jobs"))
        .output()
        .expect("run the Helm oracle");
    assert!(
        out.status.success(),
        "oracle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("oracle json");
    jobs.iter()
        .map(|job| {
            let r = &report[job.id.as_str()];
            if let Some(error) = r["error"].as_str() {
                return Err(error.to_owned());
            }
            let mut docs = Vec::new();
            for (template, text) in r["manifests"].as_object().expect("manifests") {
                for doc in yaml_serde::Deserializer::from_str(text.as_str().expect("text")) {
                    let v = Value::deserialize(doc)
                        .unwrap_or_else(|e| panic!("{}: {template} is not YAML: {e}", job.id));
                    if !v.is_null() {
                        docs.push(v);
                    }
                }
            }
            let mut images = Vec::new();
            for doc in &docs {
                collect_images(doc, &mut images);
            }
            images.sort();
            Ok(Rendered {
                job: job.clone(),
                images,
                deployments: docs.iter().filter_map(deployment).collect(),
                lint: r["lint"]
                    .as_array()
                    .expect("lint")
                    .iter()
                    .map(|m| {
                        let text = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
                        format!("{} {}: {}", m["severity"], text("path"), text("error"))
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Every `image:` string anywhere in a manifest (containers, init containers, anything else).
fn collect_images(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("image", Value::String(s)) => out.push(s.clone()),
                    _ => collect_images(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_images(v, out)),
        _ => {}
    }
}

fn strings(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn deployment(doc: &Value) -> Option<Deployment> {
    if doc["kind"] != "Deployment" {
        return None;
    }
    let pod = &doc["spec"]["template"];
    let mut env = BTreeMap::new();
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        for e in c["env"].as_array().into_iter().flatten() {
            env.insert(
                e["name"].as_str().unwrap_or_default().to_owned(),
                e["value"].as_str().unwrap_or_default().to_owned(),
            );
        }
    }
    Some(Deployment {
        name: doc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        replicas: doc["spec"]["replicas"].as_i64().unwrap_or(-1),
        chart_label: doc["metadata"]["labels"]["helm.sh/chart"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        annotations: strings(&pod["metadata"]["annotations"]),
        env,
    })
}

/// `repository:tag@digest` of every image `releases/<env>.yaml` under `repo` pins, by entry.
fn pins(repo: &Path, env: &str) -> BTreeMap<String, String> {
    let rel = format!("releases/{env}.yaml");
    let text = std::fs::read_to_string(repo.join(&rel)).expect("read the BOM");
    let bom = parse_bom(&text, &rel).unwrap_or_else(|d| panic!("{rel}: {d:?}"));
    bom.images
        .into_iter()
        .map(|(entry, pin)| {
            let digest = pin
                .digest
                .unwrap_or_else(|| panic!("{rel}: `{entry}` has no digest"));
            (entry, format!("{}:{}@{digest}", pin.image, pin.tag))
        })
        .collect()
}

fn chart_versions(repo: &Path, env: &str) -> BTreeMap<String, String> {
    let rel = format!("releases/{env}.yaml");
    let text = std::fs::read_to_string(repo.join(&rel)).expect("read the BOM");
    parse_bom(&text, &rel).expect("bom").charts
}

fn entry_of(chart: &str) -> &'static str {
    IMAGE_OF
        .iter()
        .find(|(c, _)| *c == chart)
        .map(|(_, e)| *e)
        .unwrap_or_else(|| panic!("no BOM entry known for chart `{chart}`"))
}

/// An Argo CD Application of `examples/argocd/`, as far as rendering goes.
#[derive(Debug, Clone)]
struct Application {
    name: String,
    env: String,
    path: String,
    value_files: Vec<String>,
    release: String,
    namespace: String,
    /// `(prune, selfHeal)` of `syncPolicy.automated`; `None` when syncs are manual.
    automated: Option<(bool, bool)>,
}

fn applications() -> Vec<Application> {
    let dir = manifest().join("examples/argocd");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/argocd")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut apps = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let stem = file.file_stem().and_then(|s| s.to_str()).expect("stem");
        for doc in yaml_serde::Deserializer::from_str(&text) {
            let v = Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("{}: not YAML: {e}", file.display()));
            if v.is_null() {
                continue;
            }
            let at = file.display();
            assert_eq!(v["apiVersion"], "argoproj.io/v1alpha1", "{at}");
            assert_eq!(v["kind"], "Application", "{at}");
            let src = &v["spec"]["source"];
            let name = v["metadata"]["name"].as_str().expect("name").to_owned();
            let env = v["metadata"]["labels"]["release-action/environment"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: `{name}` has no environment label"))
                .to_owned();
            assert_eq!(
                env, stem,
                "{at}: `{name}` sits in another environment's file"
            );
            let automated = &v["spec"]["syncPolicy"]["automated"];
            apps.push(Application {
                value_files: src["helm"]["valueFiles"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{at}: `{name}` names no valueFiles"))
                    .iter()
                    .map(|f| f.as_str().expect("value file").to_owned())
                    .collect(),
                path: src["path"].as_str().expect("path").to_owned(),
                release: src["helm"]["releaseName"]
                    .as_str()
                    .map_or_else(|| name.clone(), str::to_owned),
                namespace: v["spec"]["destination"]["namespace"]
                    .as_str()
                    .expect("namespace")
                    .to_owned(),
                automated: automated
                    .is_object()
                    .then(|| (automated["prune"] == true, automated["selfHeal"] == true)),
                name,
                env,
            });
        }
    }
    apps
}

/// `rel` joined to `base` without leaving `root`, as Argo CD resolves a value file against the
/// chart path (it refuses one outside the repository).
fn inside(root: &Path, base: &str, rel: &str) -> PathBuf {
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(base).join(rel).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::ParentDir => {
                assert!(
                    parts.pop().is_some(),
                    "`{rel}` (from `{base}`) leaves the repository"
                );
            }
            Component::CurDir => {}
            _ => panic!("`{rel}` (from `{base}`) is not a relative path"),
        }
    }
    root.join(parts.join("/"))
}

/// The chart of an Application: the last segment of its path.
fn chart_of(app: &Application) -> String {
    app.path.rsplit('/').next().expect("chart").to_owned()
}

/// A job rendering `app` from the repository at `repo`, with `extra` value files after its own.
fn argo_job(repo: &Path, app: &Application, tag: &str, extra: &[&str]) -> Job {
    let mut values: Vec<PathBuf> = app
        .value_files
        .iter()
        .map(|f| inside(repo, &app.path, f))
        .collect();
    values.extend(extra.iter().map(|f| repo.join(f)));
    Job {
        id: format!("{tag}/{}", app.name),
        env: app.env.clone(),
        chart: chart_of(app),
        dir: repo.join(&app.path),
        values,
        set_string: Vec::new(),
        release: app.release.clone(),
        namespace: app.namespace.clone(),
    }
}

/// The parts of `deploy-helm-kind.yml` that [`kind_jobs`] mirrors, so the two cannot drift apart
/// unnoticed: the overrides it writes, its `-f` order and its `--set-string` of the image.
fn assert_kind_workflow_unchanged() {
    let workflow =
        std::fs::read_to_string(manifest().join("workflows-examples/deploy-helm-kind.yml"))
            .expect("read deploy-helm-kind.yml");
    let mut expected: Vec<String> = KIND_OVERRIDES.lines().map(|l| format!("'{l}'")).collect();
    expected.push(r#"values=(-f "${BOM}" -f "${overrides}")"#.to_owned());
    expected.push(r#"--set-string "image.repository=${repository}""#.to_owned());
    expected.push(r#"--set-string "image.tag=${image_tag}${digest:+@${digest}}""#.to_owned());
    expected.push(r#"repository=$(jq -r --arg c "${chart}" '.images[$c].image // ""'"#.to_owned());
    for line in expected {
        assert!(
            workflow.contains(&line),
            "deploy-helm-kind.yml no longer has `{line}`: update kind_jobs to install as it does"
        );
    }
}

/// Jobs as `deploy-helm-kind.yml` installs each chart the BOM of `env` pins.
fn kind_jobs(repo: &Path, overrides: &Path, env: &str) -> Vec<Job> {
    let rel = format!("releases/{env}.yaml");
    let text = std::fs::read_to_string(repo.join(&rel)).expect("bom");
    let bom = parse_bom(&text, &rel).expect("bom");
    bom.charts
        .keys()
        .map(|chart| {
            let set_string = match bom.images.get(chart) {
                Some(pin) => vec![
                    format!("image.repository={}", pin.image),
                    format!(
                        "image.tag={}{}",
                        pin.tag,
                        pin.digest
                            .as_deref()
                            .map(|d| format!("@{d}"))
                            .unwrap_or_default()
                    ),
                ],
                None => Vec::new(),
            };
            Job {
                id: format!("kind/{env}-{chart}"),
                env: env.to_owned(),
                chart: chart.clone(),
                dir: repo.join("helm/charts").join(chart),
                values: vec![repo.join(&rel), overrides.to_path_buf()],
                set_string,
                release: chart.clone(),
                namespace: "release-action-e2e".to_owned(),
            }
        })
        .collect()
}

/// Every rendered image is the pin of its chart's entry, and every pin of the environment is
/// deployed by some chart. Returns the number of image references checked.
fn assert_pinned(repo: &Path, rendered: &[Rendered]) -> usize {
    let mut checked = 0;
    let mut deployed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in rendered {
        let pins = pins(repo, &r.job.env);
        let want = pins
            .get(entry_of(&r.job.chart))
            .unwrap_or_else(|| panic!("{}: the BOM pins no `{}`", r.job.id, r.job.chart));
        assert!(!r.images.is_empty(), "{}: no image rendered", r.job.id);
        for image in &r.images {
            assert_eq!(
                image, want,
                "{}: rendered image is not the one `releases/{}.yaml` pins",
                r.job.id, r.job.env
            );
            checked += 1;
            deployed
                .entry(r.job.env.as_str())
                .or_default()
                .insert(image.as_str());
        }
    }
    for (env, images) in &deployed {
        let pins = pins(repo, env);
        let pinned: BTreeSet<&str> = pins.values().map(String::as_str).collect();
        assert_eq!(
            images, &pinned,
            "`{env}`: a pinned image is deployed by no chart"
        );
    }
    checked
}

fn assert_lint_clean(rendered: &[Rendered]) {
    for r in rendered {
        let bad: Vec<&String> = r
            .lint
            .iter()
            .filter(|m| !(m.starts_with("2 ") && m.ends_with(ALLOWED_WARNING)))
            .collect();
        assert!(bad.is_empty(), "{}: helm lint: {bad:#?}", r.job.id);
    }
}

#[test]
fn the_argo_cd_applications_deploy_exactly_the_pinned_images() {
    let started = Instant::now();
    let apps = applications();
    let mut charts: Vec<String> = std::fs::read_dir(demo().join("helm/charts"))
        .expect("charts")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    charts.sort();
    assert_eq!(
        charts,
        IMAGE_OF.map(|(c, _)| c.to_owned()),
        "every demo chart names its BOM entry here"
    );
    // One Application per environment and chart; automated syncs except in prod.
    for env in ENVIRONMENTS {
        let mine: Vec<&Application> = apps.iter().filter(|a| a.env == env).collect();
        let mut got: Vec<String> = mine.iter().map(|a| chart_of(a)).collect();
        got.sort();
        assert_eq!(got, charts, "`{env}`: one Application per chart");
        for app in mine {
            let want = (env != "prod").then_some((true, true));
            assert_eq!(app.automated, want, "`{}`: sync policy", app.name);
            assert_eq!(app.path, format!("helm/charts/{}", chart_of(app)));
            assert_eq!(
                app.value_files.first().map(String::as_str),
                Some("values.yaml")
            );
            assert_eq!(
                inside(&demo(), &app.path, app.value_files.last().expect("bom")),
                demo().join(format!("releases/{env}.yaml")),
                "`{}`: the BOM comes last, so it wins",
                app.name
            );
        }
    }
    assert_eq!(apps.len(), ENVIRONMENTS.len() * charts.len());

    assert_kind_workflow_unchanged();
    let overrides = tempfile::NamedTempFile::new().expect("tempfile");
    std::fs::write(overrides.path(), KIND_OVERRIDES).expect("write overrides");
    let mut jobs: Vec<Job> = apps
        .iter()
        .map(|a| argo_job(&demo(), a, "argo", &[]))
        .collect();
    for env in ENVIRONMENTS {
        jobs.extend(kind_jobs(&demo(), overrides.path(), env));
    }
    let rendered = render(&jobs);
    assert_lint_clean(&rendered);
    let (argo, kind): (Vec<Rendered>, Vec<Rendered>) = rendered
        .iter()
        .cloned()
        .partition(|r| r.job.id.starts_with("argo/"));
    let checked = assert_pinned(&demo(), &argo) + assert_pinned(&demo(), &kind);
    // Both ways of deploying give the same images per environment and chart.
    let by_key = |rs: &[Rendered]| -> BTreeMap<(String, String), Vec<String>> {
        rs.iter()
            .map(|r| ((r.job.env.clone(), r.job.chart.clone()), r.images.clone()))
            .collect()
    };
    assert_eq!(by_key(&argo), by_key(&kind));
    // dev runs the chart directories themselves (a promotion into dev bumps Chart.yaml).
    let dev = chart_versions(&demo(), "dev");
    for r in argo.iter().filter(|r| r.job.env == "dev") {
        for d in &r.deployments {
            assert_eq!(
                d.chart_label,
                format!("{}-{}", r.job.chart, dev[&r.job.chart]),
                "{}",
                r.job.id
            );
        }
    }
    // The BOMs carry no experiment: nothing experimental is rendered.
    for r in &rendered {
        for d in &r.deployments {
            assert!(d.env.is_empty(), "{}: {:?}", r.job.id, d.env);
            assert!(!d.annotations.contains_key("release-action/snapshot"));
        }
    }
    println!(
        "helm render: {} Argo CD Applications and {} kind installs ({} charts x {} environments \
         each), {checked} image references checked against the BOMs, in {:.1?}",
        argo.len(),
        kind.len(),
        charts.len(),
        ENVIRONMENTS.len(),
        started.elapsed()
    );
}

/// Runs the real binary in `repo` with `args`, locally.
fn release_action(repo: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_release-action"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .current_dir(repo)
        .args(args)
        .output()
        .expect("run release-action");
    assert!(
        out.status.success(),
        "release-action {}: {}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rendered_images_follow_promote_pin_and_snapshot() {
    let started = Instant::now();
    let repo = tempfile::tempdir().expect("tempdir");
    files::copy_dir(&demo(), repo.path());
    let root = repo.path();
    let staging: Vec<Application> = applications()
        .into_iter()
        .filter(|a| a.env == "staging")
        .collect();
    let before = render(
        &staging
            .iter()
            .map(|a| argo_job(root, a, "before", &[]))
            .collect::<Vec<_>>(),
    );
    let checked_before = assert_pinned(root, &before);
    let old_app = pins(root, "staging")["app"].clone();

    const DIGEST: &str = "sha256:15d9806f73eb06175ffca929bf8723a711cea16c4390a24502bc86e9be9aab6b";
    release_action(
        root,
        &[
            "promote", "--chart", "frontend", "--to", "staging", "--local",
        ],
    );
    release_action(
        root,
        &[
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
        ],
    );
    release_action(
        root,
        &[
            "snapshot",
            "--id",
            "canary-5",
            "--env",
            "staging",
            "--param",
            "frontend-replicas=3",
            "--param",
            "canary-weight=10",
            "--param",
            "cache=off",
            "--local",
        ],
    );
    let new_app = format!("ghcr.io/example/shop-app:v2.5.0@{DIGEST}");
    assert_eq!(pins(root, "staging")["app"], new_app);
    assert_eq!(chart_versions(root, "staging")["frontend"], "1.1.0");

    let snapshot = "releases/history/snapshots/canary-5.yaml";
    let mut jobs = Vec::new();
    for app in &staging {
        jobs.push(argo_job(root, app, "after", &[]));
        jobs.push(argo_job(root, app, "with-snapshot", &[snapshot]));
        let mut alone = argo_job(root, app, "snapshot-alone", &[]);
        alone.values = vec![root.join(snapshot)];
        jobs.push(alone);
    }
    let after = render(&jobs);
    assert_lint_clean(&after);
    let checked = checked_before + assert_pinned(root, &after);
    for r in &after {
        if r.job.chart == "frontend" {
            assert_eq!(r.images, std::slice::from_ref(&new_app), "{}", r.job.id);
            assert_ne!(old_app, new_app);
            // The promotion moved staging to the chart the Applications render.
            for d in &r.deployments {
                assert_eq!(d.chart_label, "frontend-1.1.0", "{}", r.job.id);
            }
        } else {
            let was = before
                .iter()
                .find(|b| b.job.chart == r.job.chart)
                .expect("rendered before");
            assert_eq!(r.images, was.images, "{}: an unchanged pin moved", r.job.id);
        }
        let with_experiment = !r.job.id.starts_with("after/");
        for d in &r.deployments {
            let default = if r.job.chart == "data-platform" { 1 } else { 2 };
            if !with_experiment {
                assert!(d.env.is_empty(), "{}: {:?}", r.job.id, d.env);
                assert!(!d.annotations.contains_key("release-action/snapshot"));
                assert!(!d.annotations.contains_key("release-action/experiment"));
                assert_eq!(d.replicas, default, "{}", r.job.id);
                continue;
            }
            // Every parameter reaches every pod, `off` as the string it was given.
            let want: BTreeMap<String, String> = [
                ("EXPERIMENT_CACHE", "off"),
                ("EXPERIMENT_CANARY_WEIGHT", "10"),
                ("EXPERIMENT_FRONTEND_REPLICAS", "3"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            assert_eq!(d.env, want, "{}", r.job.id);
            assert_eq!(
                d.annotations
                    .get("release-action/snapshot")
                    .map(String::as_str),
                Some("canary-5"),
                "{}",
                r.job.id
            );
            let experiment: Value = serde_json::from_str(
                d.annotations
                    .get("release-action/experiment")
                    .expect("experiment annotation"),
            )
            .expect("json");
            assert_eq!(
                experiment,
                json!({"cache": "off", "canary-weight": 10, "frontend-replicas": 3})
            );
            let replicas = if r.job.chart == "frontend" {
                3
            } else {
                default
            };
            assert_eq!(d.replicas, replicas, "{}: {}", r.job.id, d.name);
        }
    }
    println!(
        "helm render: staging rendered {} times after promote, bom and snapshot; {checked} image \
         references checked, in {:.1?}",
        before.len() + after.len(),
        started.elapsed()
    );
}

#[test]
fn a_bom_that_does_not_pin_a_chart_s_image_fails_the_render() {
    let repo = tempfile::tempdir().expect("tempdir");
    files::copy_dir(&demo(), repo.path());
    let root = repo.path();
    let bom = std::fs::read_to_string(root.join("releases/dev.yaml")).expect("bom");
    let without: String = bom
        .lines()
        .filter(|l| !l.starts_with("  backend: {"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, bom);
    std::fs::write(root.join("releases/dev.yaml"), without).expect("write");
    let jobs: Vec<Job> = applications()
        .iter()
        .filter(|a| a.env == "dev")
        .map(|a| argo_job(root, a, "unpinned", &[]))
        .collect();
    let mut others = Vec::new();
    for (job, outcome) in jobs.iter().zip(render_outcomes(&jobs)) {
        match (job.chart.as_str(), outcome) {
            ("backend", Err(e)) => assert!(
                e.contains("the BOM of `dev` pins no image `images.backend`"),
                "{e}"
            ),
            ("backend", Ok(r)) => panic!("rendered without a pin: {:?}", r.images),
            (_, outcome) => others.push(outcome.unwrap_or_else(|e| panic!("{}: {e}", job.id))),
        }
    }
    // The other charts still deploy exactly their pins.
    assert_eq!(others.len(), 2);
    assert_pinned(root, &others);
}
