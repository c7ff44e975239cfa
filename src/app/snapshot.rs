//! `snapshot`: freeze an environment's bill of materials plus experiment parameters as
//! `releases/history/snapshots/<id>.yaml`, a file `helm -f` can deploy. An existing id is never
//! overwritten.

use std::collections::BTreeMap;

use super::connect::{block_on, connect, wants_api, OFFLINE_WRITE};
use super::publish::{
    self, render_diffs, Draft, FileChange, Publication, Publisher, PullSpec, Reading,
};
use super::workspace::{fs_stop, Workspace};
use super::{Outcome, RunEnv, Stop};
use crate::adapters::fs::MAX_SMALL_FILE;
use crate::app::RepoRequest;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::Name;
use crate::domain::yaml::parse_yaml;

/// `snapshot` arguments.
#[derive(Debug, Clone)]
pub struct SnapshotRequest {
    /// `--id`.
    pub id: Name,
    /// `--env`.
    pub env: Name,
    /// `--param key=value`, in order.
    pub params: Vec<String>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--local`.
    pub local: bool,
}

/// Parses `key=value` into a typed YAML value: booleans, integers, floats, else a string.
pub fn parse_param(text: &str) -> Result<(String, yaml_serde::Value), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`--param {}` must be `key=value`", text.escape_debug()))?;
    let key = key.trim();
    let key_ok = !key.is_empty()
        && key.len() <= 100
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !key_ok {
        return Err(format!(
            "parameter name `{}` may contain only letters, digits, `_`, `.` and `-`",
            key.escape_debug()
        ));
    }
    let value = value.trim();
    if value.len() > 1024 || value.chars().any(char::is_control) {
        return Err(format!(
            "the value of `{key}` must be one line of at most 1024 characters"
        ));
    }
    let typed = match value {
        "true" => yaml_serde::Value::Bool(true),
        "false" => yaml_serde::Value::Bool(false),
        v => {
            if let Ok(i) = v.parse::<i64>() {
                yaml_serde::Value::Number(i.into())
            } else if let Some(f) = v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && v.chars().any(|c| c.is_ascii_digit()))
            {
                yaml_serde::Value::Number(f.into())
            } else {
                yaml_serde::Value::String(v.to_owned())
            }
        }
    };
    Ok((key.to_owned(), typed))
}

/// The snapshot file: the BOM's content with `experiment` set to the parameters.
pub fn render_snapshot(
    bom_text: &str,
    bom_path: &str,
    id: &str,
    env_name: &str,
    params: &BTreeMap<String, yaml_serde::Value>,
    date: &str,
) -> Result<String, Stop> {
    let mut doc = parse_yaml(bom_text).map_err(|e| {
        Stop::findings(vec![Diagnostic::error("bom/yaml", e.message.clone())
            .in_file(bom_path)
            .at_line(e.line)])
    })?;
    let yaml_serde::Value::Mapping(map) = &mut doc else {
        return Err(Stop::findings(vec![Diagnostic::error(
            "bom/shape",
            format!("`{bom_path}` is not a mapping"),
        )
        .in_file(bom_path)]));
    };
    let mut experiment = match map.remove("experiment") {
        Some(yaml_serde::Value::Mapping(m)) => m,
        _ => yaml_serde::Mapping::new(),
    };
    for (k, v) in params {
        experiment.insert(yaml_serde::Value::String(k.clone()), v.clone());
    }
    map.insert(
        yaml_serde::Value::String("snapshot".into()),
        yaml_serde::Value::String(id.to_owned()),
    );
    let mut body = yaml_serde::to_string(&doc)
        .map_err(|e| Stop::Failure(anyhow::anyhow!("cannot write the snapshot: {e}")))?;
    // NOTE: Helm reads values as YAML 1.1, where `on`, `off`, `yes` and `no` are booleans. The
    // experiment is written in JSON flow style, which both YAML versions read the same way, so a
    // parameter keeps the type it was given.
    body.push_str("experiment:");
    if experiment.is_empty() {
        body.push_str(" {}\n");
    } else {
        body.push('\n');
        for (k, v) in &experiment {
            let key =
                serde_json::to_string(&k).map_err(|e| Stop::Failure(anyhow::anyhow!("{e}")))?;
            let value =
                serde_json::to_string(&v).map_err(|e| Stop::Failure(anyhow::anyhow!("{e}")))?;
            body.push_str(&format!("  {key}: {value}\n"));
        }
    }
    Ok(format!(
        "# Snapshot `{id}` of `{env_name}` taken {date} from `{bom_path}`.\n# Deploy with: helm upgrade --install … -f releases/history/snapshots/{id}.yaml\n{body}"
    ))
}

/// Runs `snapshot`.
pub fn run_snapshot(
    common: &RepoRequest,
    req: &SnapshotRequest,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let mut params = BTreeMap::new();
    for p in &req.params {
        let (k, v) = parse_param(p).map_err(Stop::Usage)?;
        params.insert(k, v);
    }
    let ws = Workspace::load(common, env)?;
    if !ws.config.environments.iter().any(|e| req.env == *e) {
        return Err(Stop::Usage(format!(
            "unknown environment `{}`; known: {}",
            req.env,
            ws.config.environments.join(", ")
        )));
    }
    let path = format!(
        "{}/history/snapshots/{}.yaml",
        ws.config.releases_dir, req.id
    );
    let bom_path = ws.bom_path(&req.env);
    let mut out = Outcome::default();
    out.output("branch", format!("release-action/snapshot/{}", req.id));
    let use_api = wants_api(env, req.local, req.dry_run);
    if use_api {
        let gh = connect(env, OFFLINE_WRITE)?;
        let job = SnapshotJob {
            ws: &ws,
            req,
            params: &params,
            path: &path,
            bom_path: &bom_path,
            env,
            out,
        };
        return block_on(publish::apply(&gh, &ws.repo, env, &job, req.dry_run));
    }
    if ws.read_small(&path)?.is_some() {
        return Err(exists(&path));
    }
    let bom_text = ws
        .read_small(&bom_path)?
        .ok_or_else(|| missing_bom(&bom_path))?;
    let change = FileChange {
        path: path.clone(),
        before: None,
        after: render_snapshot(
            &bom_text,
            &bom_path,
            &req.id,
            &req.env,
            &params,
            &env.today(),
        )?,
        why: format!("snapshot `{}` of `{}`", req.id, req.env),
    };
    if req.dry_run {
        out.stdout = render_diffs(std::slice::from_ref(&change));
    } else {
        ws.repo
            .write_atomic(&change.path, change.after.as_bytes())
            .map_err(fs_stop)?;
        out.log.push(format!("wrote {path}"));
    }
    out.summary = format!(
        "## Snapshot `{}` of `{}`\n\n`{path}`: {} parameter(s)\n",
        req.id,
        req.env,
        params.len()
    );
    Ok(out)
}

fn exists(path: &str) -> Stop {
    Stop::findings(vec![Diagnostic::error(
        "snapshot/exists",
        format!("snapshot `{path}` already exists; snapshots are never overwritten"),
    )
    .in_file(path)
    .with_help("choose a new `--id`")])
}

fn missing_bom(path: &str) -> Stop {
    Stop::findings(vec![Diagnostic::error(
        "bom/missing",
        format!("`{path}` does not exist, so there is nothing to snapshot"),
    )
    .in_file(path)])
}

/// A snapshot, planned on what the engine read. The id is the plan: one snapshot per id,
/// whatever the day it was taken.
struct SnapshotJob<'a> {
    ws: &'a Workspace,
    req: &'a SnapshotRequest,
    params: &'a BTreeMap<String, yaml_serde::Value>,
    path: &'a str,
    bom_path: &'a str,
    env: &'a RunEnv,
    out: Outcome,
}

impl Publisher for SnapshotJob<'_> {
    fn branch(&self) -> String {
        format!("release-action/snapshot/{}", self.req.id)
    }

    fn wanted(&self) -> Vec<(String, u64)> {
        vec![(self.bom_path.to_owned(), MAX_SMALL_FILE)]
    }

    fn plan(&self, reading: &Reading) -> Result<Draft, Stop> {
        let (req, path) = (self.req, self.path);
        if reading.paths.contains(path) {
            return Err(exists(path));
        }
        let bom_text = reading
            .files
            .get(self.bom_path)
            .ok_or_else(|| missing_bom(self.bom_path))?;
        let content = render_snapshot(
            bom_text,
            self.bom_path,
            &req.id,
            &req.env,
            self.params,
            &self.env.today(),
        )?;
        let changes = vec![FileChange {
            path: path.to_owned(),
            before: None,
            after: content,
            why: format!("snapshot `{}`", req.id),
        }];
        let pull = PullSpec {
            branch: self.branch(),
            base: reading.base_branch.clone(),
            title: format!("Snapshot {} of {}", req.id, req.env),
            body: format!("Adds `{path}`: the `{}` bill of materials with {} experiment parameter(s), deployable with `helm -f {path}`.\n", req.env, self.params.len()),
            draft: false,
            labels: self.ws.config.labels.clone(),
            reviewers: Vec::new(),
        };
        Ok(Draft::Publish(Box::new(Publication {
            outcome: self.out.clone(),
            preview: render_diffs(&changes),
            changes,
            message: format!("Snapshot {} of {}\n", req.id, req.env),
            plan_id: format!("snapshot {} {}", req.id, req.env),
            pull,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_typed() {
        let cases = [
            ("weight=5", "5"),
            ("ratio=0.25", "0.25"),
            ("enabled=true", "true"),
            ("mode=canary", "canary"),
            ("flag=off", "off"),
            ("version=1.2.3", "1.2.3"),
        ];
        for (input, yaml) in cases {
            let (_, v) = parse_param(input).expect(input);
            assert_eq!(
                yaml_serde::to_string(&v).expect("yaml").trim(),
                yaml,
                "{input}"
            );
        }
        for bad in ["novalue", "=x", "a b=1", "k=line\nbreak"] {
            assert!(parse_param(bad).is_err(), "{bad}");
        }
    }
}
