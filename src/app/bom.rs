//! `bom`: pin a producer's image (repository, tag, digest) in an environment's bill of
//! materials, from inputs or a `repository_dispatch` payload, as a pull request on
//! `release-action/bom/<env>` that gathers the pins of every producer until it is merged.

use super::connect::{block_on, connect, wants_api, OFFLINE_WRITE};
use super::publish::{
    self, history_name, render_diffs, Draft, FileChange, Publication, Publisher, PullSpec, Reading,
};
use super::workspace::{fs_stop, Workspace};
use super::{edit_refused, Outcome, RunEnv, Stop};
use crate::adapters::fs::MAX_SMALL_FILE;
use crate::app::RepoRequest;
use crate::domain::bom::{self, ImagePin};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::{check_name, Name};
use crate::domain::values::{is_floating_tag, is_valid_digest};
use crate::report::md_cell;

/// The trailer that records a pin in our commits, so a rebuilt branch keeps every producer's pin.
const PIN_TRAILER: &str = "Release-Action-Pin:";

/// `bom` arguments; any may come from the dispatch payload instead.
#[derive(Debug, Clone, Default)]
pub struct BomRequest {
    /// `--env`.
    pub env: Option<Name>,
    /// `--component`.
    pub component: Option<Name>,
    /// `--image`.
    pub image: Option<String>,
    /// `--tag`.
    pub tag: Option<String>,
    /// `--digest`.
    pub digest: Option<String>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--local`.
    pub local: bool,
}

/// A checked pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// The environment.
    pub env: String,
    /// The component (key under `images:`).
    pub component: String,
    /// What to pin.
    pub image: ImagePin,
}

/// Fills missing arguments from `client_payload` and checks them (exit 2 on bad input), before
/// any file is read.
pub fn resolve_pin(req: &BomRequest, env: &RunEnv) -> Result<Pin, Stop> {
    let payload = env.event().map(|e| e.client_payload).unwrap_or_default();
    let field = |given: Option<&str>, key: &str| -> Option<String> {
        given
            .map(str::to_owned)
            .or_else(|| payload.get(key).cloned())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let need = |v: Option<String>, key: &str| {
        v.ok_or_else(|| Stop::Usage(format!("`--{key}` is required (input `{key}`, or `{key}` in the dispatch `client_payload`)")))
    };
    let env_name = need(field(req.env.as_deref(), "env"), "env")?;
    let component = need(field(req.component.as_deref(), "component"), "component")?;
    let image = need(field(req.image.as_deref(), "image"), "image")?;
    let tag = need(field(req.tag.as_deref(), "tag"), "tag")?;
    let digest = field(req.digest.as_deref(), "digest");
    check_name(&env_name).map_err(|e| Stop::Usage(format!("`--env`: {e}")))?;
    check_name(&component).map_err(|e| Stop::Usage(format!("`--component`: {e}")))?;
    let image_ok = image.len() <= 255
        && !image.contains("..")
        && image.split('/').all(|s| !s.is_empty())
        && image
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/:".contains(c));
    if !image_ok {
        return Err(Stop::Usage(format!(
            "`--image {}` is not an image repository such as `ghcr.io/org/app`",
            image.escape_debug()
        )));
    }
    let tag_ok = tag.len() <= 128
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !tag.starts_with(['.', '-']);
    if !tag_ok {
        return Err(Stop::Usage(format!(
            "`--tag {}` is not a valid image tag",
            tag.escape_debug()
        )));
    }
    if is_floating_tag(&tag) {
        return Err(Stop::Usage(format!(
            "`--tag {tag}` is a floating tag: it can point at a different image tomorrow; pin a released tag (e.g. `v1.2.3`) and its digest"
        )));
    }
    if let Some(d) = &digest {
        if !is_valid_digest(d) {
            return Err(Stop::Usage(format!(
                "`--digest {}` is not `sha256:` followed by 64 lowercase hex digits",
                d.escape_debug()
            )));
        }
    }
    Ok(Pin {
        env: env_name,
        component,
        image: ImagePin { image, tag, digest },
    })
}

/// Runs `bom`.
pub fn run_bom(common: &RepoRequest, req: &BomRequest, env: &RunEnv) -> Result<Outcome, Stop> {
    let pin = resolve_pin(req, env)?;
    let ws = Workspace::load(common, env)?;
    if !ws.config.environments.contains(&pin.env) {
        return Err(Stop::Usage(format!(
            "unknown environment `{}`; known: {}",
            pin.env,
            ws.config.environments.join(", ")
        )));
    }
    let use_api = wants_api(env, req.local, req.dry_run);
    if use_api {
        let gh = connect(env, OFFLINE_WRITE)?;
        let job = BomJob {
            ws: &ws,
            pin: &pin,
            env,
        };
        return block_on(publish::apply(&gh, &ws.repo, env, &job, req.dry_run));
    }
    let path = ws.bom_path(&pin.env);
    let before = ws.read_small(&path)?;
    let changes = plan_pin(&ws, &pin, before.as_deref(), env)?;
    let mut out = outcome(&pin, &ws);
    if changes.is_empty() {
        out.log.push(format!(
            "`{path}` already pins `{}` {}: nothing to do",
            pin.component, pin.image.tag
        ));
    } else if req.dry_run {
        out.stdout = render_diffs(&changes);
        out.log.push("dry run: nothing was written".into());
    } else {
        for c in &changes {
            ws.repo
                .write_atomic(&c.path, c.after.as_bytes())
                .map_err(fs_stop)?;
            out.log.push(format!("wrote {} ({})", c.path, c.why));
        }
    }
    Ok(out)
}

/// The edits for one pin on top of `before` (the current BOM text): the BOM and its archive.
fn plan_pin(
    ws: &Workspace,
    pin: &Pin,
    before: Option<&str>,
    env: &RunEnv,
) -> Result<Vec<FileChange>, Stop> {
    let path = ws.bom_path(&pin.env);
    let base = before
        .map(str::to_owned)
        .unwrap_or_else(|| format!("environment: {}\nimages: {{}}\n", pin.env));
    if let Some(text) = before {
        let parsed = bom::parse_bom(text, &path).map_err(Stop::findings)?;
        if parsed.images.get(&pin.component) == Some(&pin.image) {
            return Ok(Vec::new());
        }
    }
    let after = bom::pin_image(&base, &pin.component, &pin.image).map_err(|e| {
        edit_refused(
            &e,
            Diagnostic::error(
                "bom/edit",
                format!("cannot pin `{}` in `{path}`: {e}", pin.component),
            )
            .in_file(&path),
        )
    })?;
    let mut changes = Vec::new();
    if let Some(text) = before {
        changes.push(FileChange {
            path: format!(
                "{}/history/{}/{}",
                ws.config.releases_dir,
                pin.env,
                history_name(env, &format!("bom-{}-{}", pin.component, pin.image.tag))
            ),
            before: None,
            after: text.to_owned(),
            why: format!("archive the previous `{path}`"),
        });
    }
    changes.push(FileChange {
        path,
        before: before.map(str::to_owned),
        after,
        why: format!(
            "pin `{}` to `{}:{}`",
            pin.component, pin.image.image, pin.image.tag
        ),
    });
    Ok(changes)
}

fn outcome(pin: &Pin, ws: &Workspace) -> Outcome {
    let mut out = Outcome::default();
    out.output("component", &pin.component);
    out.output("branch", format!("release-action/bom/{}", pin.env));
    out.output("draft", ws.config.is_protected(&pin.env).to_string());
    out.summary =
        format!(
        "## Pin `{}` in `{}`\n\n| image | tag | digest |\n|---|---|---|\n| `{}` | `{}` | `{}` |\n",
        pin.component,
        pin.env,
        md_cell(&pin.image.image),
        md_cell(&pin.image.tag),
        pin.image.digest.as_deref().map(md_cell).unwrap_or_else(|| "—".into())
    );
    out
}

fn pin_line(pin: &Pin) -> String {
    format!(
        "{PIN_TRAILER} {} {} {} {}",
        pin.component,
        pin.image.image,
        pin.image.tag,
        pin.image.digest.as_deref().unwrap_or("-")
    )
}

fn pins_in(message: &str, env: &str) -> Vec<Pin> {
    message
        .lines()
        .filter_map(|l| l.strip_prefix(PIN_TRAILER))
        .filter_map(|rest| {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            let [component, image, tag, digest] = parts.as_slice() else {
                return None;
            };
            Some(Pin {
                env: env.to_owned(),
                component: (*component).to_owned(),
                image: ImagePin {
                    image: (*image).to_owned(),
                    tag: (*tag).to_owned(),
                    digest: (*digest != "-").then(|| (*digest).to_owned()),
                },
            })
        })
        .collect()
}

/// A pin, planned on what the engine read: on the branch while the base has not moved, so
/// earlier pins stay; once it has, every recorded pin is replayed on the new base head.
struct BomJob<'a> {
    ws: &'a Workspace,
    pin: &'a Pin,
    env: &'a RunEnv,
}

impl Publisher for BomJob<'_> {
    fn branch(&self) -> String {
        format!("release-action/bom/{}", self.pin.env)
    }

    fn wanted(&self) -> Vec<(String, u64)> {
        vec![(self.ws.bom_path(&self.pin.env), MAX_SMALL_FILE)]
    }

    fn builds_on_branch(&self) -> bool {
        true
    }

    fn plan(&self, reading: &Reading) -> Result<Draft, Stop> {
        let (ws, pin) = (self.ws, self.pin);
        let path = ws.bom_path(&pin.env);
        let out = outcome(pin, ws);
        let has_branch = reading.branch.as_ref().is_some_and(|b| b.head.is_some());
        let mut text = reading.files.get(&path).cloned();
        let mut message_pins = vec![pin_line(pin)];
        if !reading.on_branch {
            let earlier_pins = reading
                .branch
                .iter()
                .flat_map(|b| &b.ahead)
                .flat_map(|m| pins_in(m, &pin.env));
            for earlier in earlier_pins {
                if earlier.component == pin.component {
                    continue;
                }
                let base = text
                    .clone()
                    .unwrap_or_else(|| format!("environment: {}\nimages: {{}}\n", pin.env));
                text = Some(
                    bom::pin_image(&base, &earlier.component, &earlier.image).map_err(|e| {
                        Stop::Failure(anyhow::anyhow!(
                            "cannot replay the pin of `{}`: {e}",
                            earlier.component
                        ))
                    })?,
                );
                message_pins.push(pin_line(&earlier));
            }
        }
        let mut changes = plan_pin(ws, pin, text.as_deref(), self.env)?;
        let preview = render_diffs(&changes);
        if changes.is_empty() {
            if !has_branch {
                let mut out = out;
                out.log.push(format!(
                    "`{path}` already pins `{}` {}: nothing to do",
                    pin.component, pin.image.tag
                ));
                return Ok(Draft::Nothing(out));
            }
            // The base moved: the replayed pins are the commit, even when this one is there.
            if !reading.on_branch {
                if let Some(t) = &text {
                    changes.push(FileChange {
                        path: path.clone(),
                        before: None,
                        after: t.clone(),
                        why: "replay pins".into(),
                    });
                }
            }
        }
        let message = format!(
            "Pin {} {} in {}\n\n{}",
            pin.component,
            pin.image.tag,
            pin.env,
            message_pins.join("\n")
        );
        let pull = PullSpec {
            branch: self.branch(),
            base: reading.base_branch.clone(),
            title: format!("Update the {} bill of materials", pin.env),
            body: format!(
                "Pins images in `{path}`. Each producer's release adds its pin to this pull request; merging deploys them to `{}`.\n\nLatest pin: `{}` → `{}:{}`{}\n",
                pin.env,
                pin.component,
                pin.image.image,
                pin.image.tag,
                pin.image.digest.as_deref().map(|d| format!(" (`{d}`)")).unwrap_or_default()
            ),
            draft: ws.config.is_protected(&pin.env),
            labels: ws.config.labels.clone(),
            reviewers: ws.config.reviewers.get(&pin.env).cloned().unwrap_or_default(),
        };
        Ok(Draft::Publish(Box::new(Publication {
            outcome: out,
            changes,
            message,
            plan_id: format!("{}{}", reading.base_sha, message_pins.join("\n")),
            pull,
            preview,
        })))
    }
}
