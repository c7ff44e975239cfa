//! Release tags: `v{version}-{component}` and the other configured formats.
//!
//! A tag names one component and one strict [SemVer 2.0.0](https://semver.org/) version. The
//! format is a template with exactly one `{version}` and one `{component}` placeholder, e.g.
//! `v{version}-{component}` (default), `{component}-v{version}` or `{component}/v{version}`.
//! Because a version may itself contain hyphens (`1.2.0-rc.1`), a tag is resolved against the
//! known component names. When exactly one known name reads the tag with a valid version, that
//! is the tag's meaning: with the default format, `v1.2.0-rc.1-pre` is version `1.2.0-rc.1` of
//! `pre`. When two do, the tag is ambiguous and refused: with charts `frontend` and
//! `beta-frontend`, `v1.0.0-beta-frontend` is version `1.0.0-beta` of `frontend` or version
//! `1.0.0` of `beta-frontend`, and no rule can tell which one the person tagging meant.

use semver::Version;

use super::name::{check_name, did_you_mean, NameError};

/// Longest tag accepted (git allows more, but no real release tag comes close).
pub const MAX_TAG_LEN: usize = 255;

/// A tag template with one `{version}` and one `{component}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFormat {
    template: String,
    parts: [String; 3],
    version_first: bool,
}

/// A release tag resolved to a known component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseTag {
    /// The tag as written.
    pub tag: String,
    /// The component it releases.
    pub component: String,
    /// The version it releases.
    pub version: Version,
}

/// Why a tag format in the configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagFormatError {
    /// A placeholder is missing or repeated.
    #[error("tag format `{0}` must contain `{{version}}` and `{{component}}` exactly once each")]
    Placeholders(String),
    /// The two placeholders touch, so a tag could not be split.
    #[error("tag format `{0}` needs a separator between `{{version}}` and `{{component}}`")]
    NoSeparator(String),
    /// Characters git refuses in tag names, or a shell metacharacter.
    #[error("tag format `{0}` contains characters that are not allowed in tag names")]
    BadCharacters(String),
}

/// Why a tag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// The tag text itself is hostile (control characters, shell metacharacters, `..`, too long):
    /// bad input, exit 2.
    #[error("tag `{tag}` is not a valid tag name: {reason}")]
    Hostile {
        /// The tag, escaped for display.
        tag: String,
        /// What is wrong.
        reason: String,
    },
    /// The tag does not have the configured shape.
    #[error("tag `{tag}` does not match the tag format `{format}`")]
    Grammar {
        /// The tag.
        tag: String,
        /// The configured format.
        format: String,
    },
    /// The version part is not strict SemVer 2.
    #[error("tag `{tag}`: `{version}` is not a SemVer 2 version ({reason})")]
    Version {
        /// The tag.
        tag: String,
        /// The version part.
        version: String,
        /// The parser's reason.
        reason: String,
    },
    /// The component part is not a valid name: hostile input, exit 2.
    #[error("tag `{tag}`: component {source}")]
    ComponentName {
        /// The tag.
        tag: String,
        /// Why the name is invalid.
        source: NameError,
    },
    /// More than one known component reads the tag with a valid version.
    #[error("tag `{tag}` is ambiguous: it reads as {}", readings_text(.readings))]
    Ambiguous {
        /// The tag.
        tag: String,
        /// Every reading, as (component, version), longest component first.
        readings: Vec<(String, Version)>,
    },
    /// The component is well-formed but unknown.
    #[error("unknown component `{component}` in tag `{tag}`")]
    UnknownComponent {
        /// The tag.
        tag: String,
        /// The unknown component.
        component: String,
        /// The known names, sorted.
        known: Vec<String>,
        /// The closest known name.
        suggestion: Option<String>,
    },
}

impl TagError {
    /// True when the error is about hostile or malformed input rather than a finding.
    pub fn is_hostile(&self) -> bool {
        matches!(self, Self::Hostile { .. } | Self::ComponentName { .. })
    }

    /// Remedies to show under the message.
    pub fn help(&self) -> Vec<String> {
        match self {
            Self::UnknownComponent {
                known, suggestion, ..
            } => {
                let mut help = vec![format!(
                    "known: {}",
                    if known.is_empty() {
                        "(none: no chart or configured component was found)".to_owned()
                    } else {
                        known.join(", ")
                    }
                )];
                if let Some(s) = suggestion {
                    help.push(format!("did you mean `{s}`?"));
                }
                help
            }
            Self::Grammar { format, .. } => vec![format!(
                "tags look like `{}`",
                format
                    .replace("{version}", "1.2.3")
                    .replace("{component}", "frontend")
            )],
            Self::Ambiguous { .. } => vec![
                "choose a `tag-format` whose separator no component name and no pre-release contains, e.g. `{component}/v{version}`, or rename one of the charts".to_owned(),
            ],
            Self::Version { .. } => vec![
                "versions are `MAJOR.MINOR.PATCH` with optional `-pre.release` and `+build`, no leading zeros"
                    .to_owned(),
            ],
            _ => Vec::new(),
        }
    }
}

/// `version `1.0.0-beta` of `frontend` or version `1.0.0` of `beta-frontend``.
fn readings_text(readings: &[(String, Version)]) -> String {
    readings
        .iter()
        .map(|(component, version)| format!("version `{version}` of `{component}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

impl Default for TagFormat {
    fn default() -> Self {
        Self::parse("v{version}-{component}").unwrap_or_else(|_| Self {
            template: "v{version}-{component}".to_owned(),
            parts: ["v".to_owned(), "-".to_owned(), String::new()],
            version_first: true,
        })
    }
}

const VERSION: &str = "{version}";
const COMPONENT: &str = "{component}";

impl TagFormat {
    /// Parses a template such as `{component}/v{version}`.
    pub fn parse(template: &str) -> Result<Self, TagFormatError> {
        if template.matches(VERSION).count() != 1 || template.matches(COMPONENT).count() != 1 {
            return Err(TagFormatError::Placeholders(template.to_owned()));
        }
        let bare = template.replace(VERSION, "").replace(COMPONENT, "");
        if bad_character(&bare).is_some() || bare.contains("..") || bare.contains(['{', '}']) {
            return Err(TagFormatError::BadCharacters(template.to_owned()));
        }
        let vpos = template.find(VERSION).unwrap_or(0);
        let cpos = template.find(COMPONENT).unwrap_or(0);
        let version_first = vpos < cpos;
        let (first, first_len, second, second_len) = if version_first {
            (vpos, VERSION.len(), cpos, COMPONENT.len())
        } else {
            (cpos, COMPONENT.len(), vpos, VERSION.len())
        };
        let prefix = template[..first].to_owned();
        let middle = template[first + first_len..second].to_owned();
        let suffix = template[second + second_len..].to_owned();
        if middle.is_empty() {
            return Err(TagFormatError::NoSeparator(template.to_owned()));
        }
        Ok(Self {
            template: template.to_owned(),
            parts: [prefix, middle, suffix],
            version_first,
        })
    }

    /// The template as configured.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The tag for a component's version.
    ///
    /// ```
    /// use release_action::domain::tag::TagFormat;
    /// let f = TagFormat::default();
    /// assert_eq!(f.render("frontend", &"1.1.0".parse().unwrap()), "v1.1.0-frontend");
    /// ```
    pub fn render(&self, component: &str, version: &Version) -> String {
        self.template
            .replace(VERSION, &version.to_string())
            .replace(COMPONENT, component)
    }

    /// Resolves a tag against the known component names.
    ///
    /// A tag that more than one known name reads with a valid version is
    /// [`TagError::Ambiguous`], naming every reading:
    ///
    /// ```
    /// use release_action::domain::tag::{TagError, TagFormat};
    /// let err = TagFormat::default()
    ///     .parse_tag("v1.0.0-beta-frontend", ["frontend", "beta-frontend"])
    ///     .unwrap_err();
    /// assert!(matches!(err, TagError::Ambiguous { .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "tag `v1.0.0-beta-frontend` is ambiguous: it reads as version `1.0.0` of \
    ///      `beta-frontend` or version `1.0.0-beta` of `frontend`"
    /// );
    /// ```
    pub fn parse_tag<'a>(
        &self,
        tag: &str,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Result<ReleaseTag, TagError> {
        if let Some(reason) = hostile_reason(tag) {
            return Err(TagError::Hostile {
                tag: tag.escape_debug().to_string(),
                reason,
            });
        }
        let [prefix, middle, suffix] = &self.parts;
        let grammar = || TagError::Grammar {
            tag: tag.to_owned(),
            format: self.template.clone(),
        };
        let inner = tag
            .strip_prefix(prefix.as_str())
            .and_then(|t| t.strip_suffix(suffix.as_str()))
            .ok_or_else(grammar)?;
        let mut known: Vec<&str> = known.into_iter().collect();
        known.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        known.dedup();

        // Every known component that reads the tag with a valid version, longest first.
        let mut readings: Vec<(String, Version)> = Vec::new();
        for name in &known {
            let version = if self.version_first {
                inner
                    .strip_suffix(name)
                    .and_then(|v| v.strip_suffix(middle.as_str()))
            } else {
                inner
                    .strip_prefix(name)
                    .and_then(|v| v.strip_prefix(middle.as_str()))
            };
            if let Some(v) = version {
                if let Ok(version) = Version::parse(v) {
                    readings.push(((*name).to_owned(), version));
                }
            }
        }
        if readings.len() > 1 {
            return Err(TagError::Ambiguous {
                tag: tag.to_owned(),
                readings,
            });
        }
        if let Some((component, version)) = readings.pop() {
            return Ok(ReleaseTag {
                tag: tag.to_owned(),
                component,
                version,
            });
        }

        // Unknown component: find the most plausible split to explain what is wrong.
        let splits: Vec<(&str, &str)> = inner
            .match_indices(middle.as_str())
            .map(|(i, _)| {
                let (a, b) = (&inner[..i], &inner[i + middle.len()..]);
                if self.version_first {
                    (a, b)
                } else {
                    (b, a)
                }
            })
            .collect();
        // Prefer a split whose version parses; among those, the longest component.
        let best = splits
            .iter()
            .filter(|(v, _)| Version::parse(v).is_ok())
            .max_by_key(|(_, c)| c.len())
            .or_else(|| splits.first())
            .copied();
        let Some((version, component)) = best else {
            return Err(grammar());
        };
        if let Err(e) = Version::parse(version) {
            return Err(TagError::Version {
                tag: tag.to_owned(),
                version: version.to_owned(),
                reason: e.to_string(),
            });
        }
        if let Err(source) = check_name(component) {
            return Err(TagError::ComponentName {
                tag: tag.to_owned(),
                source,
            });
        }
        let suggestion = did_you_mean(component, known.iter().copied()).map(str::to_owned);
        let mut known: Vec<String> = known.iter().map(|s| (*s).to_owned()).collect();
        known.sort();
        Err(TagError::UnknownComponent {
            tag: tag.to_owned(),
            component: component.to_owned(),
            known,
            suggestion,
        })
    }
}

/// Why a string cannot be a tag we act on, if it cannot.
fn hostile_reason(tag: &str) -> Option<String> {
    if tag.len() > MAX_TAG_LEN {
        return Some(format!(
            "it is {} bytes long; at most {MAX_TAG_LEN} are allowed",
            tag.len()
        ));
    }
    if let Some(reason) = bad_character(tag) {
        return Some(reason);
    }
    if tag.contains("..") || tag.starts_with('/') || tag.ends_with('/') || tag.contains("//") {
        return Some("it contains `..` or an empty path segment".to_owned());
    }
    if tag.starts_with("refs/") || tag.ends_with(".lock") || tag.starts_with('-') {
        return Some("it is not a plain tag name".to_owned());
    }
    None
}

/// Characters that git refuses in ref names, shell metacharacters and non-ASCII.
fn bad_character(text: &str) -> Option<String> {
    if let Some(c) = text.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Some(format!("it contains the character {c:?}"));
    }
    if let Some(c) = text.chars().find(|c| {
        matches!(
            c,
            ';' | '|'
                | '&'
                | '$'
                | '`'
                | '<'
                | '>'
                | '('
                | ')'
                | '\''
                | '"'
                | '\\'
                | '*'
                | '?'
                | '['
                | ']'
                | '~'
                | '^'
                | ':'
                | '!'
                | '#'
                | '%'
                | '='
        )
    }) {
        return Some(format!("it contains the character `{c}`"));
    }
    if !text.is_ascii() {
        return Some("it contains non-ASCII characters".to_owned());
    }
    None
}

/// Strips `refs/tags/` from a `GITHUB_REF`; `None` for branch refs.
pub fn tag_from_ref(git_ref: &str) -> Option<&str> {
    git_ref.strip_prefix("refs/tags/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [&str; 4] = ["frontend", "backend", "pre", "walking-skeleton"];

    fn parse(format: &str, tag: &str) -> Result<(String, String), TagError> {
        TagFormat::parse(format)
            .expect("format")
            .parse_tag(tag, KNOWN)
            .map(|t| (t.component, t.version.to_string()))
    }

    fn ok(c: &str, v: &str) -> Result<(String, String), TagError> {
        Ok((c.to_owned(), v.to_owned()))
    }

    #[test]
    fn parses_tags_in_every_supported_format() {
        let d = "v{version}-{component}";
        assert_eq!(parse(d, "v1.1.0-frontend"), ok("frontend", "1.1.0"));
        assert_eq!(parse(d, "v1.2.0-rc.1-pre"), ok("pre", "1.2.0-rc.1"));
        assert_eq!(
            parse(d, "v1.2.0-rc.1-frontend"),
            ok("frontend", "1.2.0-rc.1")
        );
        assert_eq!(
            parse(d, "v2.0.0-beta.2+build.7-walking-skeleton"),
            ok("walking-skeleton", "2.0.0-beta.2+build.7")
        );
        assert_eq!(
            parse("{component}-v{version}", "backend-v0.3.0"),
            ok("backend", "0.3.0")
        );
        assert_eq!(
            parse("{component}/v{version}", "backend/v0.3.0"),
            ok("backend", "0.3.0")
        );
        assert_eq!(
            parse("{component}-{version}", "walking-skeleton-1.0.0"),
            ok("walking-skeleton", "1.0.0")
        );
    }

    /// The readings of a tag against `known`, or the one meaning it has.
    fn readings(
        known: &[&str],
        format: &str,
        tag: &str,
    ) -> Result<Vec<(String, String)>, TagError> {
        match TagFormat::parse(format)
            .expect("format")
            .parse_tag(tag, known.iter().copied())
        {
            Ok(t) => Ok(vec![(t.component, t.version.to_string())]),
            Err(TagError::Ambiguous { readings, .. }) => Ok(readings
                .into_iter()
                .map(|(c, v)| (c, v.to_string()))
                .collect()),
            Err(e) => Err(e),
        }
    }

    fn read_as(pairs: &[(&str, &str)]) -> Result<Vec<(String, String)>, TagError> {
        Ok(pairs
            .iter()
            .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
            .collect())
    }

    #[test]
    fn a_tag_two_components_can_read_is_ambiguous() {
        let known = [
            "frontend",
            "beta-frontend",
            "pre",
            "rc.1-pre",
            "api",
            "api-v1",
        ];
        let d = "v{version}-{component}";
        for (format, tag, expected) in [
            (
                d,
                "v1.0.0-beta-frontend",
                &[("beta-frontend", "1.0.0"), ("frontend", "1.0.0-beta")][..],
            ),
            (
                d,
                "v1.0.0-rc.1-beta-frontend",
                &[
                    ("beta-frontend", "1.0.0-rc.1"),
                    ("frontend", "1.0.0-rc.1-beta"),
                ],
            ),
            (
                d,
                "v1.2.0-rc.1-pre",
                &[("rc.1-pre", "1.2.0"), ("pre", "1.2.0-rc.1")],
            ),
            (d, "v1.0.0-frontend", &[("frontend", "1.0.0")]),
            (d, "v1.0.0-rc.1-frontend", &[("frontend", "1.0.0-rc.1")]),
            (
                "{component}/v{version}",
                "beta-frontend/v1.0.0",
                &[("beta-frontend", "1.0.0")],
            ),
            (
                "{component}/v{version}",
                "frontend/v1.0.0-beta",
                &[("frontend", "1.0.0-beta")],
            ),
            (
                "{component}-v{version}",
                "beta-frontend-v1.0.0",
                &[("beta-frontend", "1.0.0")],
            ),
            // `1-v1.0.0` is no version, so `api` cannot read it.
            (
                "{component}-v{version}",
                "api-v1-v1.0.0",
                &[("api-v1", "1.0.0")],
            ),
        ] {
            assert_eq!(readings(&known, format, tag), read_as(expected), "{tag}");
        }
    }

    #[test]
    fn an_ambiguous_tag_names_both_readings_and_the_remedy() {
        let err = TagFormat::default()
            .parse_tag("v1.0.0-beta-frontend", ["frontend", "beta-frontend"])
            .expect_err("ambiguous");
        assert_eq!(
            err.to_string(),
            "tag `v1.0.0-beta-frontend` is ambiguous: it reads as version `1.0.0` of `beta-frontend` or version `1.0.0-beta` of `frontend`"
        );
        assert!(!err.is_hostile());
        assert_eq!(
            err.help(),
            ["choose a `tag-format` whose separator no component name and no pre-release contains, e.g. `{component}/v{version}`, or rename one of the charts"]
        );
    }

    #[test]
    fn rejects_versions_that_are_not_strict_semver() {
        for tag in [
            "v1.02.0-frontend",
            "v1.2-frontend",
            "v01.2.3-frontend",
            "v1.2.3.4-frontend",
        ] {
            let err = parse("v{version}-{component}", tag).expect_err(tag);
            assert!(
                matches!(
                    err,
                    TagError::Version { .. } | TagError::UnknownComponent { .. }
                ),
                "{tag}: {err:?}"
            );
            assert!(!err.is_hostile(), "{tag}");
        }
    }

    #[test]
    fn unknown_component_suggests_the_closest_name() {
        let err = parse("v{version}-{component}", "v1.0.0-frontnd").expect_err("unknown");
        let TagError::UnknownComponent {
            component,
            suggestion,
            known,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(component, "frontnd");
        assert_eq!(suggestion.as_deref(), Some("frontend"));
        assert_eq!(known.len(), 4);
        assert!(err
            .help()
            .iter()
            .any(|h| h.contains("did you mean `frontend`")));
    }

    #[test]
    fn hostile_tags_are_refused_as_bad_input() {
        let long = format!("v1.0.0-{}", "a".repeat(64));
        for tag in [
            "v1.0.0-../../etc",
            "v1.0.0-a;rm -rf",
            "v1.0.0-front\nend",
            "v1.0.0-$(id)",
            "v1.0.0-Frontend",
            "v1.0.0-a_b",
            long.as_str(),
            "refs/tags/v1.0.0-frontend",
        ] {
            let err = parse("v{version}-{component}", tag).expect_err(tag);
            assert!(err.is_hostile(), "{tag}: {err:?}");
        }
    }

    #[test]
    fn tag_formats_need_both_placeholders_and_a_separator() {
        assert!(TagFormat::parse("v{version}").is_err());
        assert!(TagFormat::parse("{version}{component}").is_err());
        assert!(TagFormat::parse("v{version}-{component}-{component}").is_err());
        assert!(TagFormat::parse("v{version};{component}").is_err());
        assert_eq!(TagFormat::default().template(), "v{version}-{component}");
    }

    #[test]
    fn render_inverts_parse() {
        let f = TagFormat::parse("{component}/v{version}").expect("format");
        let v: Version = "1.2.3-rc.1".parse().expect("version");
        let tag = f.render("frontend", &v);
        assert_eq!(tag, "frontend/v1.2.3-rc.1");
        assert_eq!(f.parse_tag(&tag, KNOWN).map(|t| t.version), Ok(v));
    }
}
