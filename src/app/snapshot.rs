//! `snapshot`: freeze an environment's bill of materials plus experiment parameters as
//! `releases/history/snapshots/<id>.yaml`, a file `helm -f` can deploy. An existing id is never
//! overwritten.

use std::collections::BTreeMap;

use serde_json::Value;

use super::connect::{api_failure, block_on, connect, default_branch, wants_api, OFFLINE_WRITE};
use super::promote::{render_diffs, FileChange};
use super::publish::{
    base_head, branch_state, open_or_update_pull, read_at, write_commit, PullSpec, Written,
    PLAN_TRAILER,
};
use super::workspace::{fs_stop, Workspace};
use super::{Outcome, RunEnv, Stop};
use crate::adapters::fs::MAX_SMALL_FILE;
use crate::adapters::github::blob_sha;
use crate::app::RepoRequest;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::check_name;
use crate::domain::yaml::parse_yaml;

/// `snapshot` arguments.
#[derive(Debug, Clone, Default)]
pub struct SnapshotRequest {
    /// `--id`.
    pub id: String,
    /// `--env`.
    pub env: String,
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
    let ws = Workspace::load(common, env)?;
    check_name(&req.id).map_err(|e| Stop::Usage(format!("`--id`: {e}")))?;
    check_name(&req.env).map_err(|e| Stop::Usage(format!("`--env`: {e}")))?;
    if !ws.config.environments.contains(&req.env) {
        return Err(Stop::Usage(format!(
            "unknown environment `{}`; known: {}",
            req.env,
            ws.config.environments.join(", ")
        )));
    }
    let mut params = BTreeMap::new();
    for p in &req.params {
        let (k, v) = parse_param(p).map_err(Stop::Usage)?;
        params.insert(k, v);
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
        return block_on(snapshot_via_api(
            &ws, req, &params, &path, &bom_path, env, &gh, out,
        ));
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

#[allow(clippy::too_many_arguments)]
async fn snapshot_via_api(
    ws: &Workspace,
    req: &SnapshotRequest,
    params: &BTreeMap<String, yaml_serde::Value>,
    path: &str,
    bom_path: &str,
    env: &RunEnv,
    gh: &crate::adapters::github::GitHub,
    mut out: Outcome,
) -> Result<Outcome, Stop> {
    let base_branch = default_branch(gh, env).await?;
    let branch = format!("release-action/snapshot/{}", req.id);
    for _ in 0..3 {
        let base_sha = base_head(gh, &base_branch).await?;
        let (tree_sha, blobs) = gh.tree(&base_sha).await.map_err(api_failure)?;
        let blobs: BTreeMap<String, String> = blobs.into_iter().map(|(p, s, _)| (p, s)).collect();
        if blobs.contains_key(path) {
            return Err(exists(path));
        }
        let files = read_at(
            gh,
            &ws.repo,
            &base_sha,
            &blobs,
            &[bom_path.to_owned()],
            |_| MAX_SMALL_FILE,
        )
        .await?;
        let bom_text = files.get(bom_path).ok_or_else(|| missing_bom(bom_path))?;
        let content = render_snapshot(bom_text, bom_path, &req.id, &req.env, params, &env.today())?;
        if req.dry_run {
            out.stdout = render_diffs(&[FileChange {
                path: path.to_owned(),
                before: None,
                after: content,
                why: format!("snapshot `{}`", req.id),
            }]);
            return Ok(out);
        }
        let state = branch_state(gh, &base_sha, &branch).await?;
        let mut created = false;
        if state.head.is_none() {
            // The id is the plan: one snapshot per id, whatever the day it was taken.
            let digest = blob_sha(format!("snapshot {} {}", req.id, req.env).as_bytes());
            let message = format!(
                "Snapshot {} of {}\n\n{PLAN_TRAILER} {digest}\n",
                req.id, req.env
            );
            match write_commit(
                gh,
                &branch,
                None,
                std::slice::from_ref(&base_sha),
                &tree_sha,
                &[(path.to_owned(), content)],
                &message,
            )
            .await?
            {
                Written::Done => created = true,
                Written::Raced => continue,
            }
        }
        let spec = PullSpec {
            branch: branch.clone(),
            base: base_branch.clone(),
            title: format!("Snapshot {} of {}", req.id, req.env),
            body: format!("Adds `{path}`: the `{}` bill of materials with {} experiment parameter(s), deployable with `helm -f {path}`.\n", req.env, params.len()),
            draft: false,
            labels: ws.config.labels.clone(),
            reviewers: Vec::new(),
        };
        let pr = open_or_update_pull(gh, &spec, created).await?;
        out.output(
            "pr-number",
            pr.get("number")
                .and_then(Value::as_u64)
                .unwrap_or_default()
                .to_string(),
        );
        out.output(
            "pr-url",
            pr.get("html_url")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        return Ok(out);
    }
    Err(Stop::Failure(anyhow::anyhow!(
        "branch `{branch}` kept moving; nothing was overwritten, re-run the job"
    )))
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
