//! The checks of a BOM beyond its shape: names, the environment, SemVer chart versions, image
//! tags and digests, and unknown keys.

use crate::domain::chart::{is_valid_name, parse_strict_semver};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::values::{is_floating_tag, is_valid_digest};
use crate::domain::yaml::PathSeg;

use super::{diag, line_at, read_bom, Bom, Parsed};

const KNOWN_KEYS: &[&str] = &["environment", "charts", "images", "experiment"];
/// Checks a BOM: the parse problems of [`parse_bom`], plus names (`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`),
/// an `environment` that matches the file name, strict SemVer chart versions, floating or
/// missing image tags (a floating tag beside a valid digest is a warning), malformed digests,
/// and unknown top-level keys (warnings).
pub fn validate_bom(text: &str, path: &str) -> Vec<Diagnostic> {
    check_bom(text, path).1
}

/// [`validate_bom`], also handing back the BOM when it could be read, for callers that need
/// both (one parse instead of two).
pub fn check_bom(text: &str, path: &str) -> (Option<Bom>, Vec<Diagnostic>) {
    let Parsed { bom, keys, locator } = match read_bom(text, path) {
        Ok(parsed) => parsed,
        Err(problems) => return (None, problems),
    };
    let loc = locator.as_ref();
    let mut out = Vec::new();

    for key in keys.iter().map(String::as_str) {
        if !KNOWN_KEYS.contains(&key) {
            out.push(
                Diagnostic::warning("bom/unknown-key", format!("unknown key `{key}`"))
                    .in_file(path)
                    .at_line(line_at(loc, &[PathSeg::Key(key)]))
                    .with_help("a BOM holds `environment`, `charts`, `images` and `experiment`"),
            );
        }
    }
    if let Some(env) = bom.environment.as_deref() {
        let line = line_at(loc, &[PathSeg::Key("environment")]);
        let stem = path
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".yaml").or_else(|| f.strip_suffix(".yml")));
        if !is_valid_name(env) {
            out.push(
                diag(
                    "bom/invalid-environment",
                    path,
                    line,
                    format!("environment `{env}` is not a valid name"),
                )
                .with_help("names use lowercase letters, digits and inner dashes"),
            );
        } else if let Some(stem) = stem.filter(|s| *s != env) {
            out.push(
                diag(
                    "bom/environment-mismatch",
                    path,
                    line,
                    format!("`environment: {env}` in the BOM of `{stem}`"),
                )
                .with_help(format!("set `environment: {stem}`")),
            );
        }
    }
    for (name, version) in &bom.charts {
        let line = bom.chart_lines.get(name).copied().unwrap_or(1);
        if !is_valid_name(name) {
            out.push(
                diag(
                    "bom/invalid-name",
                    path,
                    line,
                    format!("chart name `{name}` is not a valid name"),
                )
                .with_help("names use lowercase letters, digits and inner dashes"),
            );
        }
        if let Err((reason, help)) = parse_strict_semver(version) {
            out.push(
                diag(
                    "bom/invalid-chart-version",
                    path,
                    line,
                    format!("chart `{name}` version `{version}` is not SemVer 2: {reason}"),
                )
                .with_help(help),
            );
        }
    }
    for (name, pin) in &bom.images {
        let line = bom.image_lines.get(name).copied().unwrap_or(1);
        // The line of the entry's `tag:` or `digest:`, asked only for a finding (a span query
        // per entry would make large BOMs quadratic); the entry's line when it has none.
        let field_line = |field: &str| {
            loc.and_then(|l| {
                l.line_of(&[
                    PathSeg::Key("images"),
                    PathSeg::Key(name),
                    PathSeg::Key(field),
                ])
            })
            .unwrap_or(line)
        };
        if !is_valid_name(name) {
            out.push(
                diag(
                    "bom/invalid-name",
                    path,
                    line,
                    format!("component name `{name}` is not a valid name"),
                )
                .with_help("names use lowercase letters, digits and inner dashes"),
            );
        }
        if pin.image.trim().is_empty() {
            out.push(
                diag(
                    "bom/missing-image",
                    path,
                    line,
                    format!("image entry `{name}` has no `image`"),
                )
                .with_help("set `image: <repository>`"),
            );
        }
        let digest_ok = match pin.digest.as_deref() {
            Some(d) if !is_valid_digest(d) => {
                out.push(
                    diag(
                        "bom/invalid-digest",
                        path,
                        field_line("digest"),
                        format!("image `{name}` has a malformed digest `{d}`"),
                    )
                    .with_help("a digest is `sha256:` followed by 64 lowercase hex digits"),
                );
                false
            }
            Some(_) => true,
            None => false,
        };
        if pin.tag.trim().is_empty() {
            if !digest_ok {
                out.push(
                    diag(
                        "bom/missing-tag",
                        path,
                        field_line("tag"),
                        format!("image `{name}` has neither a tag nor a digest"),
                    )
                    .with_help("pin a released tag and its digest"),
                );
            }
        } else if is_floating_tag(&pin.tag) {
            let message = format!("image `{name}` uses the floating tag `{}`", pin.tag);
            let d = if digest_ok {
                Diagnostic::warning(
                    "bom/floating-tag",
                    format!("{message} (pinned by its digest)"),
                )
            } else {
                Diagnostic::error("bom/floating-tag", message)
            };
            out.push(
                d.in_file(path)
                    .at_line(field_line("tag"))
                    .with_help("pin a released tag such as `v1.2.3`"),
            );
        }
    }
    (Some(bom), out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bom::tests::digest;

    #[test]
    fn validate_bom_flags_floating_tags_bad_digests_and_versions() {
        let d = digest();
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("environment: dev\ncharts:\n  web: 1.0.0\n".into(), vec![]),
            (
                "environment: prod\n".into(),
                vec!["bom/environment-mismatch"],
            ),
            (
                "charts:\n  web: v1.0.0\n".into(),
                vec!["bom/invalid-chart-version"],
            ),
            (
                "charts:\n  web: 1.0\n".into(),
                vec!["bom/invalid-chart-version"],
            ),
            ("charts:\n  Web: 1.0.0\n".into(), vec!["bom/invalid-name"]),
            (
                "images:\n  app: { image: a, tag: latest }\n".into(),
                vec!["bom/floating-tag"],
            ),
            (
                "images:\n  app: { image: a, tag: \"\" }\n".into(),
                vec!["bom/missing-tag"],
            ),
            (
                "images:\n  app: { image: a }\n".into(),
                vec!["bom/missing-tag"],
            ),
            (
                format!("images:\n  app: {{ image: a, digest: \"{d}\" }}\n"),
                vec![],
            ),
            (
                "images:\n  app: { image: a, tag: v1, digest: \"sha256:abc\" }\n".into(),
                vec!["bom/invalid-digest"],
            ),
            (
                format!("images:\n  app: {{ image: a, tag: latest, digest: \"{d}\" }}\n"),
                vec!["bom/floating-tag"],
            ),
            (
                "images:\n  app: { image: \"\", tag: v1 }\n".into(),
                vec!["bom/missing-image"],
            ),
            ("other: 1\n".into(), vec!["bom/unknown-key"]),
        ];
        for (text, want) in cases {
            let got: Vec<&str> = validate_bom(&text, "releases/dev.yaml")
                .iter()
                .map(|d| d.code)
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn image_findings_sit_on_the_tag_or_digest_line() {
        let d = digest();
        let cases: Vec<(String, Vec<(&str, usize)>)> = vec![
            (
                "images:\n  app:\n    image: a\n    tag: latest\n".into(),
                vec![("bom/floating-tag", 4)],
            ),
            (
                format!("images:\n  app:\n    image: a\n    digest: \"{d}\"\n    tag: main\n"),
                vec![("bom/floating-tag", 5)],
            ),
            (
                "images:\n  app:\n    image: a\n    tag: v1\n    digest: sha256:abc\n".into(),
                vec![("bom/invalid-digest", 5)],
            ),
            (
                "images:\n  app:\n    image: a\n    tag: \"\"\n".into(),
                vec![("bom/missing-tag", 4)],
            ),
            // A missing tag stays on the entry's line.
            (
                "images:\n  app:\n    image: a\n".into(),
                vec![("bom/missing-tag", 2)],
            ),
            // Flow entries sit on one line; a multi-line one points at its field.
            (
                "images:\n  web: { image: w, tag: v1 }\n  app: { image: a, tag: latest }\n".into(),
                vec![("bom/floating-tag", 3)],
            ),
            (
                "images:\n  app: {\n    image: a,\n    tag: dev\n  }\n".into(),
                vec![("bom/floating-tag", 4)],
            ),
        ];
        for (text, want) in cases {
            let got: Vec<(&str, usize)> = validate_bom(&text, "releases/dev.yaml")
                .iter()
                .map(|d| (d.code, d.line.unwrap_or(0)))
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }
}
