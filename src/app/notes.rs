//! `notes`: a version's changelog section on stdout, and nothing else.

use super::tags::{resolve_tag, tag_input};
use super::workspace::Workspace;
use super::{Outcome, RunEnv, Stop};
use crate::app::RepoRequest;
use crate::domain::changelog;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::Name;

/// Which notes to print.
#[derive(Debug, Default)]
pub struct NotesRequest<'a> {
    /// `--tag`.
    pub tag: Option<&'a str>,
    /// `--component`.
    pub component: Option<&'a Name>,
    /// `--changelog`.
    pub changelog: Option<&'a str>,
    /// `--version`.
    pub version: Option<&'a str>,
}

/// Runs `notes`.
pub fn run_notes(
    common: &RepoRequest,
    req: &NotesRequest<'_>,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    // `--changelog` is a path a person typed: it may be absolute or outside the repository.
    let typed = req.changelog.is_some() && req.version.is_some();
    let (path, version) = match (req.changelog, req.component, req.version) {
        (Some(path), _, Some(v)) => (path.to_owned(), v.to_owned()),
        (None, Some(name), Some(v)) => {
            let c = ws.component(name).ok_or_else(|| {
                Stop::findings(vec![ws.unknown_component(name, "notes/unknown-component")])
            })?;
            (c.changelog.clone(), v.to_owned())
        }
        _ => {
            let tag = tag_input(req.tag, env)?;
            let (tag, component) = resolve_tag(&ws, &tag)?;
            (component.changelog, tag.version.to_string())
        }
    };
    if version.len() > 256 || version.chars().any(char::is_control) {
        return Err(Stop::Usage("`--version` is not a version".into()));
    }
    let text = if typed {
        ws.read_typed_changelog(&path)?
    } else {
        ws.read_changelog(&path)?
    };
    let text = text.ok_or_else(|| {
        Stop::findings(vec![Diagnostic::error(
            "changelog/missing",
            format!("`{path}` does not exist"),
        )
        .in_file(&path)])
    })?;
    let Some(section) = changelog::extract(&text, &version) else {
        let parsed = changelog::parse(&text);
        let known: Vec<&str> = parsed
            .releases()
            .filter_map(|s| s.heading.version())
            .take(5)
            .collect();
        let mut d = Diagnostic::error(
            "changelog/no-section",
            format!("`{path}` has no section for version {version}"),
        )
        .in_file(&path);
        if !known.is_empty() {
            d = d.with_help(format!("latest versions there: {}", known.join(", ")));
        }
        return Err(Stop::findings(vec![d]));
    };
    let mut out = Outcome {
        stdout: format!("{}\n", section.trim_end()),
        ..Outcome::default()
    };
    out.output("version", &version);
    out.output("changelog-path", &path);
    out.output("release-notes", section);
    Ok(out)
}
