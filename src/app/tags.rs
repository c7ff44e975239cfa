//! What `validate-tag`, `notes` and `release` share about a tag: where it comes from, what it
//! names in the workspace, every offline check of it, and what only GitHub can prove.

use super::connect::{api_failure, default_branch};
use super::workspace::{Component, Workspace};
use super::{Outcome, RunEnv, Stop};
use crate::adapters::github::{GitHub, GithubCommitStatus};
use crate::domain::changelog;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::tag::{tag_from_ref, ReleaseTag, TagError};
use crate::domain::version_file;

/// A tag that passed every offline check.
#[derive(Debug)]
pub struct ValidTag {
    /// The parsed tag.
    pub tag: ReleaseTag,
    /// Its component.
    pub component: Component,
    /// The changelog section for the version.
    pub notes: String,
}

/// The tag from `--tag` or `GITHUB_REF`.
pub fn tag_input(tag: Option<&str>, env: &RunEnv) -> Result<String, Stop> {
    if let Some(t) = tag {
        return Ok(t.to_owned());
    }
    match env.var("GITHUB_REF") {
        Some(r) => tag_from_ref(r).map(str::to_owned).ok_or_else(|| {
            Stop::Usage(format!(
                "`GITHUB_REF` is `{}`, not a tag; run on `push: tags` or pass `--tag`",
                r.escape_debug()
            ))
        }),
        None => Err(Stop::Usage(
            "no tag given: pass `--tag` (input `tag`) or run on a tag push".into(),
        )),
    }
}

/// Resolves a tag against the workspace (exit 2 for hostile text, a finding for a bad tag).
pub fn resolve_tag(ws: &Workspace, tag: &str) -> Result<(ReleaseTag, Component), Stop> {
    let parsed = ws
        .config
        .tag_format
        .parse_tag(tag, ws.names())
        .map_err(|e: TagError| {
            if e.is_hostile() {
                Stop::Usage(e.to_string())
            } else {
                let mut d = Diagnostic::error(
                    match e {
                        TagError::Ambiguous { .. } => "tag/ambiguous",
                        TagError::UnknownComponent { .. } => "tag/unknown-component",
                        TagError::Version { .. } => "tag/version",
                        _ => "tag/grammar",
                    },
                    e.to_string(),
                );
                for h in e.help() {
                    d = d.with_help(h);
                }
                Stop::findings(vec![d])
            }
        })?;
    let component = ws.component(&parsed.component).cloned().ok_or_else(|| {
        Stop::findings(vec![
            ws.unknown_component(&parsed.component, "tag/unknown-component")
        ])
    })?;
    Ok((parsed, component))
}

/// Every offline check of a tag; the outcome has the outputs even when findings fail it.
pub fn validate(ws: &Workspace, tag: &str) -> Result<(Outcome, Option<ValidTag>), Stop> {
    let (parsed, component) = resolve_tag(ws, tag)?;
    let mut out = Outcome::default();
    let v = &parsed.version;
    out.output("tag", &parsed.tag);
    out.output("component", &component.name);
    out.output("version", v.to_string());
    out.output("major", v.major.to_string());
    out.output("minor", v.minor.to_string());
    out.output("patch", v.patch.to_string());
    out.output("prerelease", v.pre.as_str());
    out.output("is-prerelease", (!v.pre.is_empty()).to_string());
    out.output(
        "chart-path",
        component.chart_dir.clone().unwrap_or_default(),
    );
    out.output("changelog-path", &component.changelog);

    if component.version_files.is_empty() {
        out.diagnostics.push(
            Diagnostic::error(
                "tag/no-version-file",
                format!(
                    "component `{}` declares no version files, so the tag cannot be checked",
                    component.name
                ),
            )
            .with_help(format!(
                "declare `components.{}.version-files` in the configuration",
                component.name
            )),
        );
    }
    for path in &component.version_files {
        let Some(kind) = version_file::kind_for_path(path) else {
            out.diagnostics.push(
                Diagnostic::error("tag/unknown-version-file", format!("`{path}` is not a recognised version file"))
                    .with_help("version files are Chart.yaml, package.json, Cargo.toml, pyproject.toml, *.py (`__version__`) and VERSION"),
            );
            continue;
        };
        let Some(text) = ws.read_small(path)? else {
            out.diagnostics.push(
                Diagnostic::error(
                    "tag/missing-version-file",
                    format!("`{path}` does not exist"),
                )
                .in_file(path),
            );
            continue;
        };
        match version_file::read_version(kind, &text) {
            Ok((found, _)) if found == v.to_string() => {}
            Ok((found, line)) => out.diagnostics.push(
                Diagnostic::error(
                    "tag/version-mismatch",
                    format!("tag `{tag}` is version {v}, but `{path}` says `{found}`"),
                )
                .in_file(path)
                .at_line(line)
                .with_help(format!(
                    "bump `{path}` to {v} before tagging, or tag `{}`",
                    ws.config.tag_format.render(
                        &component.name,
                        &found.parse().unwrap_or_else(|_| v.clone())
                    )
                )),
            ),
            Err(d) => out.diagnostics.push(d.in_file(path.clone())),
        }
    }

    let mut notes = String::new();
    // A repository without changelogs (`changelog: none`) releases without notes.
    let keeps_changelogs = ws.config.changelog != crate::domain::config::ChangelogMode::None;
    let changelog = if keeps_changelogs {
        Some(ws.read_changelog(&component.changelog)?)
    } else {
        out.output("release-notes", "");
        None
    };
    match changelog {
        None => {}
        Some(None) => out.diagnostics.push(
            Diagnostic::error(
                "changelog/missing",
                format!("`{}` does not exist", component.changelog),
            )
            .in_file(&component.changelog)
            .with_help(format!(
                "add a changelog with a `## [{v}] - YYYY-MM-DD` section"
            )),
        ),
        Some(Some(text)) => match changelog::has_dated_nonempty_section(&text, &v.to_string()) {
            Ok(()) => {
                notes = changelog::extract(&text, &v.to_string())
                    .unwrap_or_default()
                    .to_owned();
                out.output("release-notes", &notes);
            }
            Err(d) => out.diagnostics.push(d.in_file(component.changelog.clone())),
        },
    }
    let valid = (!crate::domain::diagnostic::has_errors(&out.diagnostics)).then(|| ValidTag {
        tag: parsed.clone(),
        component: component.clone(),
        notes,
    });
    out.summary = format!(
        "## Tag `{}`\n\n| component | version | pre-release | chart | changelog |\n|---|---|---|---|---|\n| {} | {} | {} | `{}` | `{}` |\n",
        crate::report::md_cell(tag),
        component.name,
        v,
        if v.pre.is_empty() { "no" } else { "yes" },
        component.chart_dir.as_deref().unwrap_or("—"),
        component.changelog
    );
    out.summary
        .push_str(&ws.render_environments(&[component.name.as_str()], &ws.deployed()));
    Ok((out, valid))
}

/// The release's title: the chart's name and version.
pub fn release_name(valid: &ValidTag) -> String {
    format!("{} v{}", valid.component.name, valid.tag.version)
}

/// The tag must exist, be annotated when required, and point at a commit on a release branch.
pub async fn verify_tag_on_github(
    ws: &Workspace,
    gh: &GitHub,
    valid: &ValidTag,
    env: &RunEnv,
) -> Result<Vec<Diagnostic>, Stop> {
    let tag = &valid.tag.tag;
    let mut findings = Vec::new();
    let Some(reference) = gh.tag_ref(tag).await.map_err(api_failure)? else {
        return Ok(vec![Diagnostic::error(
            "tag/not-on-github",
            format!("tag `{tag}` does not exist on GitHub"),
        )
        .with_help(format!("push it first: `git push origin {tag}`"))]);
    };
    if ws.config.require_annotated_tags && !reference.annotated {
        findings.push(
            Diagnostic::error("tag/lightweight", format!("tag `{tag}` is a lightweight tag; this repository requires annotated tags"))
                .with_help(format!("re-create it: `git tag -d {tag} && git tag -a {tag} -m \"{}\" && git push --force origin {tag}`", release_name(valid))),
        );
    }
    let branches = match &ws.config.release_branches {
        Some(b) => b.clone(),
        None => vec![default_branch(gh, env).await?],
    };
    let mut contained = false;
    for branch in &branches {
        if let Some(cmp) = gh.compare(branch, tag).await.map_err(api_failure)? {
            // `behind` or `identical`: the tagged commit is already in the branch.
            if matches!(
                cmp.status,
                GithubCommitStatus::Behind | GithubCommitStatus::Identical
            ) {
                contained = true;
                break;
            }
        }
    }
    if !contained {
        findings.push(
            Diagnostic::error(
                "tag/not-on-release-branch",
                format!("tag `{tag}` points at a commit that no release branch contains ({})", branches.join(", ")),
            )
            .with_help("an unreviewed commit cannot be released: merge the change into a release branch and tag the merge commit"),
        );
    }
    Ok(findings)
}
