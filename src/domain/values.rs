//! Image references in a chart's `values.yaml`, and the floating-tag check of the `check` gate.
//!
//! A floating tag (`latest`, `main`, `stable`, ...) or a missing one makes a release
//! unreproducible: the same chart version deploys different images over time. Image maps follow
//! the common chart conventions (`image: {registry, repository, tag, digest}`, with `sha` as
//! the bare hex digest used by some charts) and string references follow the OCI distribution
//! reference grammar (`repo[:tag][@sha256:…]`, <https://github.com/distribution/reference>).
//! Helm's convention that an empty tag defaults to the chart's `appVersion` is honoured.

use yaml_serde::{Mapping, Value};

use crate::domain::diagnostic::Diagnostic;
use crate::domain::yaml::{self, Locator, PathSeg};

/// Tags that name a moving target rather than a release.
pub const FLOATING_TAGS: &[&str] = &[
    "latest", "main", "master", "head", "canary", "stable", "edge", "nightly", "dev",
];

/// Whether a tag is floating: one of [`FLOATING_TAGS`] (any letter case), or empty.
///
/// ```
/// use release_action::domain::values::is_floating_tag;
/// assert!(is_floating_tag("latest") && is_floating_tag("Stable") && is_floating_tag(""));
/// assert!(!is_floating_tag("1.25.3") && !is_floating_tag("latest-1.2"));
/// ```
pub fn is_floating_tag(tag: &str) -> bool {
    let tag = tag.trim();
    tag.is_empty() || FLOATING_TAGS.iter().any(|f| f.eq_ignore_ascii_case(tag))
}

/// Whether `digest` is a well-formed SHA-256 content digest: `sha256:` and 64 lowercase hex
/// digits.
///
/// ```
/// use release_action::domain::values::is_valid_digest;
/// assert!(is_valid_digest(&format!("sha256:{}", "a".repeat(64))));
/// assert!(!is_valid_digest(&format!("sha256:{}", "A".repeat(64))));
/// ```
pub fn is_valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Whether `tag` is a valid OCI tag: up to 128 characters of `[A-Za-z0-9_.-]`, not starting
/// with `.` or `-`.
///
/// ```
/// use release_action::domain::values::is_valid_tag;
/// assert!(is_valid_tag("v1.2.3") && is_valid_tag("1.25.3-alpine") && !is_valid_tag("a b") && !is_valid_tag(".x"));
/// ```
pub fn is_valid_tag(tag: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    tag.len() <= 128
        && tag
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag.bytes().all(ok)
}

/// Whether `image` is a plausible image repository (`[registry[:port]/]path`): up to 255
/// characters of `[A-Za-z0-9._/:-]`, starting and ending with a letter or digit, with no empty
/// path component. Tags and digests are not part of it.
///
/// ```
/// use release_action::domain::values::is_valid_repository;
/// assert!(is_valid_repository("ghcr.io/org/app") && is_valid_repository("localhost:5000/app"));
/// assert!(!is_valid_repository("app:1.0@sha256:x") && !is_valid_repository("a//b") && !is_valid_repository(""));
/// ```
pub fn is_valid_repository(image: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':');
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    image.len() <= 255
        && image.bytes().all(ok)
        && edge(image.bytes().next())
        && edge(image.bytes().last())
        && !image.contains("//")
        && split_image_ref(image).1.is_none()
}

/// Splits an image reference `name[:tag][@digest]` into its parts.
///
/// ```
/// use release_action::domain::values::split_image_ref;
/// assert_eq!(split_image_ref("localhost:5000/app:1.2"), ("localhost:5000/app", Some("1.2"), None));
/// assert_eq!(split_image_ref("nginx@sha256:ab"), ("nginx", None, Some("sha256:ab")));
/// ```
pub fn split_image_ref(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    let (name_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    let slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    match name_tag.rfind(':') {
        Some(colon) if colon >= slash => (
            name_tag.get(..colon).unwrap_or(name_tag),
            name_tag.get(colon + 1..),
            digest,
        ),
        _ => (name_tag, None, digest),
    }
}

/// A segment of an owned key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// Mapping key.
    Key(String),
    /// Sequence index.
    Index(usize),
}

/// An image found in a values file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Path of the `image` key (or `…Image` key) that declares it.
    pub path: Vec<Seg>,
    /// Repository as written (with registry when the chart splits it out, `registry/repository`).
    pub repository: String,
    /// The tag; `None` when missing, null or empty.
    pub tag: Option<String>,
    /// Path of the value holding the tag, when there is one.
    pub tag_path: Option<Vec<Seg>>,
    /// The digest, normalised to `sha256:<hex>` for bare `sha` values; `None` when unset.
    pub digest: Option<String>,
    /// Path of the value holding the digest, when there is one.
    pub digest_path: Option<Vec<Seg>>,
    /// Whether the tag is a key of its own (an image map, or a sibling `tag` key), which Helm
    /// charts default to `appVersion` when empty; `false` for a bare `repo[:tag]` string.
    pub tag_is_separate: bool,
}

fn is_image_key(key: &str) -> bool {
    key == "image" || (key.ends_with("Image") && key.len() > "Image".len())
}

fn text(v: &Value) -> Option<String> {
    yaml::scalar_text(v).filter(|s| !s.trim().is_empty())
}

/// Whether a mapping is an image map whatever its key: it has both `repository` and `tag`
/// (`image: { busybox: { registry, repository, tag } }`, grafana's `tempo: { repository, tag }`).
fn is_image_map(value: &Value) -> bool {
    value
        .as_mapping()
        .is_some_and(|m| m.contains_key("repository") && m.contains_key("tag"))
}

/// Walks a parsed values document for image declarations: maps under an `image` (or
/// `…Image`) key with `repository`/`tag`/`digest`, maps with both `repository` and `tag` under
/// any key or in a list at any depth, and string references `repo[:tag][@digest]` (with sibling
/// `tag`/`imageTag`/`digest` keys when the string carries none). Templated strings (`{{ … }}`)
/// and empty strings are skipped.
pub fn find_images(doc: &Value) -> Vec<ImageRef> {
    let mut out = Vec::new();
    // Explicit stack: the parser bounds depth, but the walk need not rely on it.
    let mut stack: Vec<(Vec<Seg>, &Value)> = vec![(Vec::new(), doc)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::Mapping(map) => {
                for (k, v) in map {
                    let Some(key) = k.as_str() else { continue };
                    let mut child = path.clone();
                    child.push(Seg::Key(key.to_string()));
                    if is_image_key(key) || is_image_map(v) {
                        if let Some(found) = image_from(map, key, v, &path, &child) {
                            out.push(found);
                        }
                    }
                    stack.push((child, v));
                }
            }
            Value::Sequence(items) => {
                for (i, v) in items.iter().enumerate() {
                    let mut child = path.clone();
                    child.push(Seg::Index(i));
                    if let Some(m) = v.as_mapping().filter(|_| is_image_map(v)) {
                        if let Some(found) = image_from_map(m, &child) {
                            out.push(found);
                        }
                    }
                    stack.push((child, v));
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

impl PartialOrd for Seg {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Seg {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Seg::Key(a), Seg::Key(b)) => a.cmp(b),
            (Seg::Index(a), Seg::Index(b)) => a.cmp(b),
            (Seg::Key(_), Seg::Index(_)) => std::cmp::Ordering::Less,
            (Seg::Index(_), Seg::Key(_)) => std::cmp::Ordering::Greater,
        }
    }
}

/// The digest of an image map (or of the mapping beside an image string), with its key.
fn digest_of(map: &Mapping) -> Option<(String, &'static str)> {
    for key in ["digest", "imageDigest"] {
        if let Some(d) = map.get(key).and_then(text) {
            return Some((d, key));
        }
    }
    map.get("sha").and_then(text).map(|hex| {
        if hex.contains(':') {
            (hex, "sha")
        } else {
            (format!("sha256:{hex}"), "sha")
        }
    })
}

fn with_key(path: &[Seg], key: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(Seg::Key(key.to_string()));
    p
}

fn image_from(
    parent: &Mapping,
    key: &str,
    value: &Value,
    parent_path: &[Seg],
    path: &[Seg],
) -> Option<ImageRef> {
    match value {
        Value::Mapping(m) => image_from_map(m, path),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s.contains("{{") {
                return None;
            }
            let (name, tag, digest) = split_image_ref(s);
            let tag_keys = [
                format!("{key}Tag"),
                "tag".to_string(),
                "imageTag".to_string(),
            ];
            let sibling_tag = tag_keys
                .iter()
                .find(|k| parent.contains_key(k.as_str()))
                .map(|k| {
                    (
                        parent.get(k.as_str()).and_then(text),
                        with_key(parent_path, k),
                    )
                });
            let tag_is_separate = tag.is_none() && sibling_tag.is_some();
            let (tag, tag_path) = match (tag, sibling_tag) {
                (Some(t), _) => (
                    Some(t.to_string()).filter(|t| !t.is_empty()),
                    Some(path.to_vec()),
                ),
                (None, Some((t, p))) => (t, Some(p)),
                (None, None) => (None, None),
            };
            let (digest, digest_path) = match (digest, digest_of(parent)) {
                (Some(d), _) => (Some(d.to_string()), Some(path.to_vec())),
                (None, Some((d, k))) => (Some(d), Some(with_key(parent_path, k))),
                (None, None) => (None, None),
            };
            Some(ImageRef {
                path: path.to_vec(),
                repository: name.to_string(),
                tag,
                tag_path,
                digest,
                digest_path,
                tag_is_separate,
            })
        }
        _ => None,
    }
}

/// An image map `{ registry, repository, tag, digest }` at `path`.
fn image_from_map(m: &Mapping, path: &[Seg]) -> Option<ImageRef> {
    if !(m.contains_key("repository") || m.contains_key("tag")) {
        return None;
    }
    let repository = m.get("repository").and_then(text).unwrap_or_default();
    if repository.contains("{{") {
        return None;
    }
    let repository = match m.get("registry").and_then(text) {
        Some(reg) if !repository.is_empty() => format!("{reg}/{repository}"),
        _ => repository,
    };
    // A repository written with its own tag or digest (`repo:1.2`, `repo@sha256:…`).
    let (_, ref_tag, ref_digest) = split_image_ref(&repository);
    let tag = m.get("tag").and_then(text);
    let tag_path = match (&tag, ref_tag) {
        (Some(_), _) => Some(with_key(path, "tag")),
        (None, Some(_)) => Some(with_key(path, "repository")),
        (None, None) => m.contains_key("tag").then(|| with_key(path, "tag")),
    };
    let (digest, digest_path) = match (digest_of(m), ref_digest) {
        (Some((d, k)), _) => (Some(d), Some(with_key(path, k))),
        (None, Some(d)) => (Some(d.to_string()), Some(with_key(path, "repository"))),
        (None, None) => (None, None),
    };
    Some(ImageRef {
        path: path.to_vec(),
        tag: tag.or_else(|| ref_tag.map(str::to_string)),
        tag_path,
        digest,
        digest_path,
        repository,
        tag_is_separate: true,
    })
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn line(locator: Option<&Locator>, path: &[Seg]) -> Option<usize> {
    let segs: Vec<PathSeg<'_>> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => PathSeg::Key(k),
            Seg::Index(i) => PathSeg::Index(*i),
        })
        .collect();
    locator?.line_of(&segs)
}

/// Checks every image of a values file for a floating or missing tag and a malformed digest.
///
/// `app_version` is the chart's `appVersion`: with one, an image map with an empty or missing
/// tag is accepted (Helm templates default the tag to it). A valid digest pins an image
/// whatever its tag; a floating tag beside a digest is only a warning.
///
/// ```
/// use release_action::domain::values::validate_values;
/// let text = "image:\n  repository: nginx\n  tag: latest\n";
/// let found = validate_values(text, "charts/web/values.yaml", None);
/// assert_eq!((found[0].code, found[0].line), ("values/floating-tag", Some(3)));
/// ```
pub fn validate_values(text: &str, path: &str, app_version: Option<&str>) -> Vec<Diagnostic> {
    let doc = match yaml::parse_yaml(text) {
        Ok(doc) => doc,
        Err(e) => {
            return vec![Diagnostic::error(
                "values/invalid-yaml",
                format!("`{path}` is not valid YAML: {}", e.message),
            )
            .in_file(path)
            .at_line(e.line)
            .with_help("fix the YAML syntax at the reported line")]
        }
    };
    // NOTE: Helm's loader refuses a values file that is not a mapping (an empty one is fine).
    if !matches!(doc, Value::Mapping(_) | Value::Null) {
        return vec![Diagnostic::error(
            "values/not-a-mapping",
            format!("`{path}` is not a mapping of keys to values, so Helm cannot load the chart"),
        )
        .in_file(path)
        .at_line(1)
        .with_help("write the chart's values as `key: value` lines")];
    }
    let images = find_images(&doc);
    if images.is_empty() {
        return Vec::new();
    }
    // Built on the first finding that needs a line: a values file with pinned images has none.
    let built = std::cell::OnceCell::new();
    let locator = || built.get_or_init(|| Locator::new(text).ok()).as_ref();
    let has_app_version = app_version.is_some_and(|v| !v.trim().is_empty());
    let mut out = Vec::new();
    for image in images {
        let at = |p: &[Seg]| {
            line(locator(), p)
                .or_else(|| line(locator(), &image.path))
                .unwrap_or(1)
        };
        let where_ = render(&image.path);
        let name = if image.repository.is_empty() {
            where_.clone()
        } else {
            image.repository.clone()
        };
        let digest_ok = match image.digest.as_deref() {
            Some(d) if !is_valid_digest(d) => {
                out.push(
                    Diagnostic::error(
                        "values/invalid-digest",
                        format!("image `{name}` has a malformed digest `{d}`"),
                    )
                    .in_file(path)
                    .at_line(at(image.digest_path.as_deref().unwrap_or(&image.path)))
                    .with_help("a digest is `sha256:` followed by 64 lowercase hex digits"),
                );
                false
            }
            Some(_) => true,
            None => false,
        };
        match image.tag.as_deref() {
            Some(tag) if is_floating_tag(tag) => {
                let tag_line = at(image.tag_path.as_deref().unwrap_or(&image.path));
                let d = if digest_ok {
                    Diagnostic::warning(
                        "values/floating-tag",
                        format!("image `{name}` uses the floating tag `{tag}` (pinned by its digest)"),
                    )
                } else {
                    Diagnostic::error("values/floating-tag", format!("image `{name}` uses the floating tag `{tag}`"))
                };
                out.push(
                    d.in_file(path)
                        .at_line(tag_line)
                        .with_help("pin a released tag such as `1.25.3`, or a digest `sha256:…`"),
                );
            }
            Some(_) => {}
            None if digest_ok => {}
            // Helm convention: an empty tag key defaults to `appVersion` in chart templates.
            None if has_app_version && image.tag_is_separate => {}
            // NOTE: a bare `repo` string may get its tag from the template (a global `tag:`,
            // `.Chart.AppVersion`); values alone cannot tell, so this is only a warning.
            None if !image.tag_is_separate => out.push(
                Diagnostic::warning("values/untagged-image", format!("image `{name}` has no tag in the values"))
                    .in_file(path)
                    .at_line(at(&image.path))
                    .with_help(format!("write `{name}:<released tag>`, unless the chart template adds the tag"))
                    .with_help("without a tag the container runtime pulls `latest`"),
            ),
            None => out.push(
                Diagnostic::error("values/missing-tag", format!("image `{name}` has no tag"))
                    .in_file(path)
                    .at_line(at(image.tag_path.as_deref().unwrap_or(&image.path)))
                    .with_help("set a released tag, or set `appVersion` in `Chart.yaml` for the chart to default to"),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str, app: Option<&str>) -> Vec<(&'static str, usize)> {
        validate_values(text, "values.yaml", app)
            .iter()
            .map(|d| (d.code, d.line.unwrap_or(0)))
            .collect()
    }

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn validate_values_places_thousands_of_findings_in_one_pass() {
        // One span query per image, each scanning the document, took seconds here.
        let mut text = String::new();
        for i in 0..2_000 {
            text.push_str(&format!(
                "i{i}:\n  image:\n    repository: nginx\n    tag: latest\n"
            ));
        }
        let mut found = codes(&text, None);
        found.sort_by_key(|f| f.1);
        let expected: Vec<_> = (0..2_000)
            .map(|i| ("values/floating-tag", 4 * i + 4))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn floating_tags_are_recognised() {
        for t in FLOATING_TAGS {
            assert!(is_floating_tag(t));
            assert!(is_floating_tag(&t.to_uppercase()));
        }
        for t in [
            "1.2.3",
            "v1.2.3",
            "latest-1",
            "stable-20240101",
            "mainline",
            "sha-abc",
        ] {
            assert!(!is_floating_tag(t), "{t}");
        }
        assert!(is_floating_tag("  "));
    }

    #[test]
    fn digests_must_be_sha256_and_lowercase_hex() {
        let cases: &[(String, bool)] = &[
            (format!("sha256:{HEX}"), true),
            (format!("sha256:{}", HEX.to_uppercase()), false),
            (format!("sha256:{}", &HEX[1..]), false),
            (format!("sha256:{HEX}0"), false),
            (format!("sha512:{HEX}"), false),
            (HEX.to_string(), false),
            (format!("sha256:{}g", &HEX[1..]), false),
            (String::new(), false),
        ];
        for (d, ok) in cases {
            assert_eq!(is_valid_digest(d), *ok, "{d}");
        }
    }

    #[test]
    fn split_image_ref_handles_registries_tags_and_digests() {
        type Parts<'a> = (&'a str, Option<&'a str>, Option<&'a str>);
        let cases: &[(&str, Parts<'_>)] = &[
            ("nginx", ("nginx", None, None)),
            ("nginx:1.25", ("nginx", Some("1.25"), None)),
            ("ghcr.io/org/app:v1", ("ghcr.io/org/app", Some("v1"), None)),
            ("localhost:5000/app", ("localhost:5000/app", None, None)),
            ("a/b:1@sha256:x", ("a/b", Some("1"), Some("sha256:x"))),
            ("nginx:", ("nginx", Some(""), None)),
        ];
        for (r, want) in cases {
            assert_eq!(split_image_ref(r), *want, "{r}");
        }
    }

    #[test]
    fn validate_values_flags_floating_and_missing_tags_with_lines() {
        let digest = format!("sha256:{HEX}");
        type Case<'a> = (String, Option<&'a str>, Vec<(&'a str, usize)>);
        let cases: Vec<Case<'_>> = vec![
            (
                "image:\n  repository: a\n  tag: 1.2.3\n".into(),
                None,
                vec![],
            ),
            (
                "image:\n  repository: a\n  tag: latest\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            (
                "image:\n  repository: a\n  tag: \"\"\n".into(),
                None,
                vec![("values/missing-tag", 3)],
            ),
            (
                "image:\n  repository: a\n  tag: \"\"\n".into(),
                Some("1.0.0"),
                vec![],
            ),
            (
                "image:\n  repository: a\n".into(),
                None,
                vec![("values/missing-tag", 1)],
            ),
            ("image:\n  repository: a\n".into(), Some("1.0.0"), vec![]),
            (
                format!("image:\n  repository: a\n  tag: \"\"\n  digest: {digest}\n"),
                None,
                vec![],
            ),
            (
                format!("image:\n  repository: a\n  tag: latest\n  digest: {digest}\n"),
                None,
                vec![("values/floating-tag", 3)],
            ),
            (
                "image:\n  repository: a\n  tag: 1.0\n  digest: sha256:abc\n".into(),
                None,
                vec![("values/invalid-digest", 4)],
            ),
            (
                "image:\n  repository: a@sha256:abc\n  tag: 1.0\n".into(),
                None,
                vec![("values/invalid-digest", 2)],
            ),
            (
                "image:\n  repository: a\n  tag: 1.0\n  sha: abc\n".into(),
                None,
                vec![("values/invalid-digest", 4)],
            ),
            (
                "x:\n  image: a:1.0\n  digest: sha256:abc\n".into(),
                None,
                vec![("values/invalid-digest", 3)],
            ),
            (
                "image:\n  pullPolicy: Always\n  repository: a:latest\n  tag: \"\"\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            // Image maps under any key, at any depth, or in a list: `repository` and `tag`.
            (
                "image:\n  busybox:\n    registry: docker.io\n    repository: busybox\n    tag: latest\n".into(),
                None,
                vec![("values/floating-tag", 5)],
            ),
            (
                "tempo:\n  repository: grafana/tempo\n  pullPolicy: IfNotPresent\n  tag: main\n".into(),
                None,
                vec![("values/floating-tag", 4)],
            ),
            (
                "a:\n  b:\n    sidecar:\n      repository: x\n      tag: \"\"\n".into(),
                None,
                vec![("values/missing-tag", 5)],
            ),
            (
                "images:\n  - repository: x\n    tag: stable\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            // A `repository` without a `tag` under another key is not taken for an image.
            (
                "helm:\n  repository: https://charts.example.com\n".into(),
                None,
                vec![],
            ),
            (
                format!("image:\n  repository: a\n  sha: {HEX}\n"),
                None,
                vec![],
            ),
            (
                "a:\n  b:\n    image: busybox:latest\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            (
                "image: busybox\n".into(),
                Some("1.0.0"),
                vec![("values/untagged-image", 1)],
            ),
            ("image: busybox:1.36\n".into(), None, vec![]),
            (format!("image: busybox@{digest}\n"), None, vec![]),
            (
                "x:\n  image: jaeger/agent\n  tag: 1.2\n".into(),
                None,
                vec![],
            ),
            (
                "x:\n  image: jaeger/agent\n  imageTag: canary\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            (
                "initImage:\n  repository: busybox\n  tag: MASTER\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            (
                "list:\n  - name: a\n    image: x:dev\n  - name: b\n    image: y:1\n".into(),
                None,
                vec![("values/floating-tag", 3)],
            ),
            (
                "image: \"{{ .Values.repo }}:latest\"\n".into(),
                None,
                vec![],
            ),
            ("image: \"\"\n".into(), None, vec![]),
            (
                "useImage: true\nimage:\n  pullPolicy: Always\n".into(),
                None,
                vec![],
            ),
            ("a: [\n".into(), None, vec![("values/invalid-yaml", 2)]),
            ("".into(), None, vec![]),
        ];
        for (text, app, want) in cases {
            assert_eq!(codes(&text, app), want, "{text:?}");
        }
    }

    #[test]
    fn floating_tag_beside_a_valid_digest_is_a_warning() {
        let text = format!("image:\n  repository: a\n  tag: latest\n  digest: sha256:{HEX}\n");
        let found = validate_values(&text, "values.yaml", None);
        assert_eq!(found.len(), 1);
        assert!(!found.iter().any(Diagnostic::is_error));
    }
}
