//! `validate-tag`: the tag, the component's version files and its changelog must agree.

use super::tags::{tag_input, validate, verify_tag_on_github};
use super::workspace::Workspace;
use super::{stop_on_errors, Outcome, RunEnv, Stop};
use crate::app::RepoRequest;
use crate::domain::diagnostic::Diagnostic;

/// Runs `validate-tag`.
pub fn run_validate_tag(
    common: &RepoRequest,
    tag: Option<&str>,
    env: &RunEnv,
) -> Result<Outcome, Stop> {
    let ws = Workspace::load(common, env)?;
    let tag = tag_input(tag, env)?;
    let (mut outcome, valid) = validate(&ws, &tag)?;
    // With a token, also prove what only GitHub knows: the tag exists there, is annotated when
    // required, and its commit is on a release branch.
    if let (Some(valid), Some(_), Some(_)) = (
        valid,
        super::connect::token(env),
        env.var("GITHUB_REPOSITORY"),
    ) {
        let gh = super::connect::connect(env, "")?;
        let findings = super::connect::block_on(verify_tag_on_github(&ws, &gh, &valid, env))?;
        outcome.diagnostics.extend(findings);
    } else if ws.config.require_annotated_tags {
        outcome.diagnostics.extend(annotated_locally(&ws, &tag));
    }
    if !crate::domain::diagnostic::has_errors(&outcome.diagnostics) {
        outcome.log.push(format!(
            "tag `{tag}`: its chart version, version files and changelog agree"
        ));
    }
    stop_on_errors(outcome)
}

/// Without a token, whether the tag is annotated is asked of the local git repository; when it
/// cannot tell (no git, no repository, the tag not fetched), a warning says the check did not
/// run instead of passing silently.
fn annotated_locally(ws: &Workspace, tag: &str) -> Vec<Diagnostic> {
    use crate::adapters::localgit;
    let why = match localgit::tag_object_type(ws.repo.root(), tag) {
        Ok(Some(kind)) if kind == "tag" => return Vec::new(),
        Ok(Some(kind)) if kind == "commit" => {
            return vec![Diagnostic::error(
                "tag/lightweight",
                format!("tag `{tag}` is a lightweight tag; this repository requires annotated tags"),
            )
            .with_help(format!(
                "re-create it: `git tag -d {tag} && git tag -a {tag} -m \"{tag}\" && git push --force origin {tag}`"
            ))];
        }
        Ok(Some(kind)) => format!("the local `refs/tags/{tag}` names a {kind}"),
        Ok(None) => format!("the local repository has no tag `{tag}`"),
        Err(localgit::GitError::NotARepository(dir)) => format!("`{dir}` is not a git repository"),
        Err(localgit::GitError::Unavailable(why)) => format!("`git` cannot run ({why})"),
        Err(e) => e.to_string(),
    };
    vec![Diagnostic::warning(
        "tag/annotation-unchecked",
        format!("could not check whether tag `{tag}` is annotated, as `require-annotated-tags` asks: no GitHub token, and {why}"),
    )
    .with_help("pass `github-token` (or set `GITHUB_TOKEN`) so the tag is checked on GitHub, or fetch the tag locally")]
}
