//! Property tests for the chart, BOM, values and version-file editors.
//!
//! 1. Arbitrary text never makes a reader, validator or editor panic, and an edit that succeeds
//!    on arbitrary text reads back as asked.
//! 2. Generated `Chart.yaml` files, BOMs and version files (random comments, quoting, CRLF,
//!    byte-order marks, key order, nested `version` keys) are edited so that the new value reads
//!    back exactly and every other byte is unchanged.

use std::ops::Range;

use proptest::prelude::*;
use proptest::sample::subsequence;
use release_action::domain::bom::{parse_bom, pin_chart, pin_image, validate_bom, ImagePin};
use release_action::domain::chart::{parse_chart, set_chart_version, validate_chart};
use release_action::domain::values::validate_values;
use release_action::domain::version_file::{read_version, set_version, VersionFileKind};
use semver::Version;

const KINDS: [VersionFileKind; 6] = [
    VersionFileKind::Chart,
    VersionFileKind::PackageJson,
    VersionFileKind::CargoToml,
    VersionFileKind::PyProject,
    VersionFileKind::PythonModule,
    VersionFileKind::PlainVersion,
];

const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn version() -> impl Strategy<Value = Version> {
    (
        0u64..200,
        0u64..200,
        0u64..200,
        prop::option::of(prop::sample::select(vec![
            "rc.1", "alpha", "beta.2", "0.3.x",
        ])),
        prop::option::of(prop::sample::select(vec!["build.5", "sha.0abc", "001"])),
    )
        .prop_map(|(ma, mi, pa, pre, build)| {
            let mut v = Version::new(ma, mi, pa);
            if let Some(p) = pre {
                v.pre = semver::Prerelease::new(p).unwrap_or(semver::Prerelease::EMPTY);
            }
            if let Some(b) = build {
                v.build = semver::BuildMetadata::new(b).unwrap_or(semver::BuildMetadata::EMPTY);
            }
            v
        })
}

/// Text that looks like YAML, JSON, TOML or Python often enough to reach deep code paths.
fn yamlish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9 :#\\-\\[\\]{}&*!|>'\",.\n\t\r\u{feff}=_]{0,160}",
        prop::collection::vec(
            prop::sample::select(vec![
                "version: ",
                "version:",
                "name: web",
                "charts:",
                "images:",
                "  ",
                "- ",
                "\n",
                "\r\n",
                "1.2.3",
                "\"1.2.3\"",
                "'1.2.3'",
                "&a ",
                "*a",
                "# c",
                "{",
                "}",
                "[",
                "]",
                ", ",
                "tag: ",
                "image: ",
                "digest: ",
                "latest",
                "---\n",
                "|\n",
                "\t",
                "~",
                "apiVersion: v2",
                "{ image: a, tag: v1 }",
                "[package]",
                "version = \"1.0.0\"",
                "__version__ = '1'",
                "\"version\": \"1.0.0\"",
                "\u{feff}",
            ]),
            0..40,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// `(prefix, middle, suffix)` lengths: the bytes that differ between `a` and `b`.
fn changed_range(a: &str, b: &str) -> (Range<usize>, Range<usize>) {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    (prefix..a.len() - suffix, prefix..b.len() - suffix)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_successful_edits_read_back(text in yamlish(), v in version()) {
        let _ = parse_chart(&text, "Chart.yaml");
        let _ = validate_chart(&text, "charts/web/Chart.yaml", "web");
        let _ = parse_bom(&text, "releases/dev.yaml");
        let _ = validate_bom(&text, "releases/dev.yaml");
        let _ = validate_values(&text, "values.yaml", None);
        let _ = validate_values(&text, "values.yaml", Some("1.0.0"));
        if let Ok(new) = set_chart_version(&text, &v) {
            let chart = parse_chart(&new, "Chart.yaml");
            if let Ok(chart) = chart {
                prop_assert_eq!(chart.version, v.to_string());
            } else {
                // Only a chart missing `name` fails to parse after a good bump.
                prop_assert!(parse_chart(&text, "Chart.yaml").is_err());
            }
        }
        for kind in KINDS {
            let _ = read_version(kind, &text);
            if let Ok(new) = set_version(kind, &text, &v) {
                if kind != VersionFileKind::Chart {
                    prop_assert_eq!(read_version(kind, &new).map(|(s, _)| s), Ok(v.to_string()));
                }
            }
        }
        let readable = parse_bom(&text, "releases/dev.yaml").is_ok();
        if let Ok(new) = pin_chart(&text, "web", &v) {
            let bom = parse_bom(&new, "releases/dev.yaml");
            if readable {
                prop_assert_eq!(bom.ok().and_then(|b| b.charts.get("web").cloned()), Some(v.to_string()));
            }
        }
        let pin = ImagePin { image: "ghcr.io/org/app".into(), tag: format!("v{v}"), digest: Some(format!("sha256:{HEX}")) };
        if let Ok(new) = pin_image(&text, "app", &pin) {
            let bom = parse_bom(&new, "releases/dev.yaml");
            if readable {
                prop_assert_eq!(bom.ok().and_then(|b| b.images.get("app").cloned()), Some(pin));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random but mostly valid YAML: anchors, aliases, tags, flow and block collections

#[derive(Debug, Clone)]
enum Node {
    Scalar(&'static str),
    Map(Vec<(&'static str, Node)>, bool),
    Seq(Vec<Node>, bool),
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop::sample::select(vec![
        "1.0.0",
        "\"1.0.0\"",
        "'1.2.3'",
        "~",
        "",
        "!!str 1.0.0",
        "&a 1.0.0",
        "*a",
        "latest",
        "true",
        "1.10",
        "v1.2.3",
        "\"sha256:abc\"",
        "ghcr.io/org/app:latest",
        "x # c",
        "&b [1, 2]",
    ])
    .prop_map(Node::Scalar);
    leaf.prop_recursive(4, 24, 5, |inner| {
        let key = prop::sample::select(vec![
            "version",
            "charts",
            "images",
            "app",
            "web",
            "tag",
            "image",
            "digest",
            "name",
            "repository",
            "environment",
            "\"version\"",
            "<<",
            "experiment",
        ]);
        prop_oneof![
            (
                prop::collection::vec((key, inner.clone()), 0..5),
                any::<bool>()
            )
                .prop_map(|(m, f)| Node::Map(m, f)),
            (prop::collection::vec(inner, 0..4), any::<bool>()).prop_map(|(v, f)| Node::Seq(v, f)),
        ]
    })
}

fn render(node: &Node, indent: usize, flow: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    match node {
        Node::Scalar(s) if flow && s.contains('#') => out.push('x'),
        Node::Scalar(s) => out.push_str(s),
        Node::Map(entries, f) if *f || flow || entries.is_empty() => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(if i == 0 { " " } else { ", " });
                out.push_str(k);
                out.push_str(": ");
                render(v, 0, true, out);
            }
            out.push_str(" }");
        }
        Node::Seq(items, f) if *f || flow || items.is_empty() => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(v, 0, true, out);
            }
            out.push(']');
        }
        Node::Map(entries, _) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&pad);
                }
                out.push_str(k);
                out.push(':');
                if matches!(v, Node::Map(e, false) if !e.is_empty())
                    || matches!(v, Node::Seq(e, false) if !e.is_empty())
                {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                    render(v, indent + 2, false, out);
                } else {
                    out.push(' ');
                    render(v, indent + 2, false, out);
                }
            }
        }
        Node::Seq(items, _) => {
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&pad);
                }
                out.push_str("- ");
                render(v, indent + 2, false, out);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_yaml_structures_never_panic_and_successful_edits_read_back(
        doc in node(),
        crlf in any::<bool>(),
        v in version(),
    ) {
        let mut text = String::new();
        render(&doc, 0, false, &mut text);
        text.push('\n');
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let _ = validate_chart(&text, "charts/web/Chart.yaml", "web");
        let _ = validate_bom(&text, "releases/dev.yaml");
        let _ = validate_values(&text, "values.yaml", Some("1.0.0"));
        if let Ok(new) = set_chart_version(&text, &v) {
            // Read back the way a Chart.yaml is read: the last of a repeated top-level key counts.
            let top = release_action::domain::yaml::parse_yaml_last_key_wins(&new).ok().map(|(t, _)| t);
            let version = top.as_ref().and_then(|t| t.get("version")).and_then(|x| x.as_str()).map(str::to_string);
            prop_assert_eq!(version, Some(v.to_string()), "{}\n=>\n{}", text, new);
        }
        let readable = parse_bom(&text, "releases/dev.yaml").is_ok();
        if let Ok(new) = pin_chart(&text, "web", &v) {
            let bom = parse_bom(&new, "releases/dev.yaml");
            if readable {
                prop_assert_eq!(bom.ok().and_then(|b| b.charts.get("web").cloned()), Some(v.to_string()), "{}\n=>\n{}", text, new);
            }
        }
        let pin = ImagePin { image: "ghcr.io/org/app".into(), tag: "v1.2.3".into(), digest: None };
        if let Ok(new) = pin_image(&text, "app", &pin) {
            let bom = parse_bom(&new, "releases/dev.yaml");
            if readable {
                prop_assert_eq!(bom.ok().and_then(|b| b.images.get("app").cloned()), Some(pin), "{}\n=>\n{}", text, new);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generated Chart.yaml files

/// Text under construction that remembers where the version characters went.
#[derive(Default)]
struct Builder {
    text: String,
    slots: Vec<Range<usize>>,
}

impl Builder {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn slot(&mut self, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.slots.push(start..self.text.len());
    }
    /// The text with every slot replaced by `new`.
    fn with(&self, new: &str) -> String {
        let mut out = String::new();
        let mut cursor = 0;
        for s in &self.slots {
            out.push_str(&self.text[cursor..s.start]);
            out.push_str(new);
            cursor = s.end;
        }
        out.push_str(&self.text[cursor..]);
        out
    }
}

#[derive(Debug, Clone, Copy)]
enum ChartPart {
    ApiVersion,
    Name,
    Version,
    AppVersion,
    Description,
    Dependencies,
    Annotations,
    Comment,
    Blank,
}

#[derive(Debug, Clone)]
struct ChartSpec {
    parts: Vec<ChartPart>,
    eol: &'static str,
    bom: bool,
    doc_start: bool,
    quote: u8,
    spaces: usize,
    comment: Option<&'static str>,
    old: Version,
    deps: usize,
    dep_indent: bool,
    trailing_newline: bool,
}

fn chart_spec() -> impl Strategy<Value = ChartSpec> {
    let parts = Just(vec![
        ChartPart::ApiVersion,
        ChartPart::Name,
        ChartPart::Version,
        ChartPart::AppVersion,
        ChartPart::Description,
        ChartPart::Dependencies,
        ChartPart::Annotations,
        ChartPart::Comment,
        ChartPart::Blank,
    ])
    .prop_shuffle();
    (
        parts,
        prop::sample::select(vec!["\n", "\r\n"]),
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        1usize..4,
        prop::option::of(prop::sample::select(vec![
            "# managed by CI",
            "#x",
            "# version: 0.0.1",
        ])),
        version(),
        0usize..4,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                parts,
                eol,
                bom,
                doc_start,
                quote,
                spaces,
                comment,
                old,
                deps,
                dep_indent,
                trailing_newline,
            )| ChartSpec {
                parts,
                eol,
                bom,
                doc_start,
                quote,
                spaces,
                comment,
                old,
                deps,
                dep_indent,
                trailing_newline,
            },
        )
}

fn build_chart(spec: &ChartSpec) -> Builder {
    let mut b = Builder::default();
    let eol = spec.eol;
    if spec.bom {
        b.push("\u{feff}");
    }
    if spec.doc_start {
        b.push(&format!("---{eol}"));
    }
    for part in &spec.parts {
        match part {
            ChartPart::ApiVersion => b.push(&format!("apiVersion: v2{eol}")),
            ChartPart::Name => b.push(&format!("name: \"web\"{eol}")),
            ChartPart::Version => {
                let (open, close) = match spec.quote {
                    0 => ("", ""),
                    1 => ("\"", "\""),
                    _ => ("'", "'"),
                };
                b.push(&format!("version:{}{open}", " ".repeat(spec.spaces)));
                b.slot(&spec.old.to_string());
                b.push(close);
                if let Some(c) = spec.comment {
                    b.push(&format!("  {c}"));
                }
                b.push(eol);
            }
            ChartPart::AppVersion => b.push(&format!("appVersion: \"1.16\"{eol}")),
            ChartPart::Description => {
                b.push(&format!("description: 'a chart: version: 1.0.0 # no'{eol}"));
            }
            ChartPart::Dependencies => {
                let ind = if spec.dep_indent { "  " } else { "" };
                b.push(&format!("dependencies:{eol}"));
                for i in 0..spec.deps.max(1) {
                    b.push(&format!(
                        "{ind}- name: dep{i}{eol}{ind}  version: \"{i}.0.0\"{eol}{ind}  repository: oci://r{eol}"
                    ));
                }
            }
            ChartPart::Annotations => b.push(&format!(
                "annotations:{eol}  version: 9.9.9{eol}  artifacthub.io/changes: |{eol}    - kind: fixed{eol}      description: \"version: bump\"{eol}"
            )),
            ChartPart::Comment => b.push(&format!("# version: 0.0.0 is not the version{eol}")),
            ChartPart::Blank => b.push(eol),
        }
    }
    if !spec.trailing_newline && b.text.ends_with(eol) {
        b.text.truncate(b.text.len() - eol.len());
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_charts_bump_byte_exactly(spec in chart_spec(), new in version()) {
        let b = build_chart(&spec);
        let before = parse_chart(&b.text, "Chart.yaml");
        prop_assert!(before.is_ok(), "generated chart does not parse: {:?}\n{}", before, b.text);
        let out = set_chart_version(&b.text, &new);
        let want = b.with(&new.to_string());
        prop_assert_eq!(out.as_deref(), Ok(want.as_str()), "{}", b.text);
        let after = parse_chart(out.as_deref().unwrap_or_default(), "Chart.yaml");
        prop_assert_eq!(after.map(|c| c.version), Ok(new.to_string()));
        // Through the version-file front door too.
        prop_assert_eq!(set_version(VersionFileKind::Chart, &b.text, &new), out);
    }
}

// ---------------------------------------------------------------------------------------------
// Generated BOMs

const NAMES: [&str; 6] = ["a1", "api", "data-platform", "m", "web", "zed"];

#[derive(Debug, Clone)]
struct ImageSpec {
    name: &'static str,
    block: bool,
    digest: bool,
    order: Vec<&'static str>,
    quote_tag: bool,
}

#[derive(Debug, Clone)]
struct BomSpec {
    eol: &'static str,
    bom: bool,
    environment: bool,
    charts: Option<(Vec<&'static str>, bool, bool)>, // names, sorted, flow
    chart_quote: u8,
    images: Option<Vec<ImageSpec>>,
    experiment: bool,
    comments: bool,
    indent: usize,
    trailing_newline: bool,
}

fn image_spec() -> impl Strategy<Value = ImageSpec> {
    (
        prop::sample::select(NAMES.to_vec()),
        any::<bool>(),
        any::<bool>(),
        Just(vec!["image", "tag", "digest", "pullPolicy"]).prop_shuffle(),
        any::<bool>(),
    )
        .prop_map(|(name, block, digest, order, quote_tag)| ImageSpec {
            name,
            block,
            digest,
            order,
            quote_tag,
        })
}

fn bom_spec() -> impl Strategy<Value = BomSpec> {
    (
        prop::sample::select(vec!["\n", "\r\n"]),
        any::<bool>(),
        any::<bool>(),
        prop::option::of((
            subsequence(NAMES.to_vec(), 0..=NAMES.len()),
            any::<bool>(),
            any::<bool>(),
        )),
        0u8..3,
        prop::option::of(prop::collection::vec(image_spec(), 0..4)),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![2usize, 4]),
        any::<bool>(),
    )
        .prop_map(
            |(
                eol,
                bom,
                environment,
                charts,
                chart_quote,
                images,
                experiment,
                comments,
                indent,
                trailing_newline,
            )| {
                // Entry names are unique within a section.
                let images = images.map(|mut v| {
                    let mut seen = Vec::new();
                    v.retain(|i| {
                        let fresh = !seen.contains(&i.name);
                        seen.push(i.name);
                        fresh
                    });
                    v
                });
                BomSpec {
                    eol,
                    bom,
                    environment,
                    charts,
                    chart_quote,
                    images,
                    experiment,
                    comments,
                    indent,
                    trailing_newline,
                }
            },
        )
}

/// Builds the BOM text; returns it with the byte range of each image entry's lines.
fn build_bom(spec: &BomSpec) -> (String, Vec<(&'static str, Range<usize>)>) {
    let eol = spec.eol;
    let ind = " ".repeat(spec.indent);
    let mut s = String::new();
    let mut ranges = Vec::new();
    if spec.bom {
        s.push('\u{feff}');
    }
    if spec.environment {
        s.push_str(&format!("environment: dev{eol}"));
    }
    if let Some((names, sorted, flow)) = &spec.charts {
        let mut names = names.clone();
        if !sorted {
            names.reverse();
        }
        let q = match spec.chart_quote {
            0 => "",
            1 => "\"",
            _ => "'",
        };
        if *flow {
            let items: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{n}: {q}1.{i}.0{q}"))
                .collect();
            s.push_str(&format!("charts: {{{}}}{eol}", items.join(", ")));
        } else {
            s.push_str(&format!("charts:{eol}"));
            for (i, n) in names.iter().enumerate() {
                if spec.comments && i % 2 == 1 {
                    s.push_str(&format!("{ind}# about {n}{eol}"));
                }
                s.push_str(&format!(
                    "{ind}{n}: {q}1.{i}.0{q}{}{eol}",
                    if spec.comments { " # pinned" } else { "" }
                ));
            }
        }
    }
    if let Some(images) = &spec.images {
        if images.is_empty() {
            s.push_str(&format!("images: {{}}{eol}"));
        } else {
            s.push_str(&format!("images:{eol}"));
        }
        for img in images {
            let start = s.len();
            let fields: Vec<String> = img
                .order
                .iter()
                .filter(|f| **f != "digest" || img.digest)
                .map(|f| match *f {
                    "image" => format!("image: ghcr.io/org/{}", img.name),
                    "tag" if img.quote_tag => "tag: \"v0.1.0\"".to_string(),
                    "tag" => "tag: v0.1.0".to_string(),
                    "digest" => format!("digest: \"sha256:{}\"", "e".repeat(64)),
                    _ => "pullPolicy: IfNotPresent".to_string(),
                })
                .collect();
            // Mixed styles are allowed, but block entries keep their own indentation.
            if img.block {
                s.push_str(&format!("{ind}{}:{eol}", img.name));
                for f in &fields {
                    s.push_str(&format!("{ind}{ind}{f}{eol}"));
                }
            } else {
                s.push_str(&format!(
                    "{ind}{}: {{ {} }}{}{eol}",
                    img.name,
                    fields.join(", "),
                    if spec.comments { " # pin" } else { "" }
                ));
            }
            ranges.push((img.name, start..s.len()));
        }
    }
    if spec.experiment {
        s.push_str(&format!("experiment:{eol}{ind}weight: 10{eol}"));
    }
    if !spec.trailing_newline && s.ends_with(eol) {
        s.truncate(s.len() - eol.len());
    }
    (s, ranges)
}

fn image_pin() -> impl Strategy<Value = ImagePin> {
    (
        prop::sample::select(vec!["v1.2.3", "1.10", "2024.01.02", "v2", "1.25.3-alpine"]),
        any::<bool>(),
    )
        .prop_map(|(tag, digest)| ImagePin {
            image: "ghcr.io/org/new".into(),
            tag: tag.into(),
            digest: digest.then(|| format!("sha256:{HEX}")),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_boms_pin_charts_in_place(spec in bom_spec(), chart in prop::sample::select(NAMES.to_vec()), v in version()) {
        let (text, _) = build_bom(&spec);
        let before = parse_bom(&text, "releases/dev.yaml");
        prop_assert!(before.is_ok(), "{:?}\n{}", before, text);
        let before = before.unwrap_or_default();
        let out = pin_chart(&text, chart, &v);
        prop_assert!(out.is_ok(), "{:?}\n{}", out, text);
        let out = out.unwrap_or_default();
        let after = parse_bom(&out, "releases/dev.yaml").unwrap_or_default();
        let mut want = before.charts.clone();
        want.insert(chart.to_string(), v.to_string());
        prop_assert_eq!(&after.charts, &want, "{}\n=>\n{}", text, out);
        prop_assert_eq!(&after.images, &before.images);
        prop_assert_eq!(&after.environment, &before.environment);
        prop_assert_eq!(&after.experiment, &before.experiment);
        let (old_mid, new_mid) = changed_range(&text, &out);
        if before.charts.contains_key(chart) {
            // Only the version characters of that one entry changed.
            prop_assert!(!text[old_mid.clone()].contains('\n') && !out[new_mid.clone()].contains('\n'), "{}\n=>\n{}", text, out);
            prop_assert!(before.chart_lines.get(chart) == Some(&release_action::domain::yaml::line_of(&text, old_mid.start)));
        } else {
            // Pure insertion, unless a null `charts:` value was dropped.
            prop_assert!(old_mid.is_empty(), "{}\n=>\n{}", text, out);
        }
        // Pinning again changes nothing.
        prop_assert_eq!(pin_chart(&out, chart, &v), Ok(out.clone()));
    }

    #[test]
    fn generated_boms_pin_images_in_place(spec in bom_spec(), comp in prop::sample::select(NAMES.to_vec()), pin in image_pin()) {
        let (text, ranges) = build_bom(&spec);
        let before = parse_bom(&text, "releases/dev.yaml").unwrap_or_default();
        let out = pin_image(&text, comp, &pin);
        prop_assert!(out.is_ok(), "{:?}\n{}", out, text);
        let out = out.unwrap_or_default();
        let after = parse_bom(&out, "releases/dev.yaml").unwrap_or_default();
        let mut want = before.images.clone();
        want.insert(comp.to_string(), pin.clone());
        prop_assert_eq!(&after.images, &want, "{}\n=>\n{}", text, out);
        prop_assert_eq!(&after.charts, &before.charts);
        prop_assert_eq!(&after.environment, &before.environment);
        let (old_mid, _) = changed_range(&text, &out);
        match ranges.iter().find(|(n, _)| *n == comp) {
            // Only the bytes of that entry changed.
            Some((_, r)) => prop_assert!(old_mid.start >= r.start && old_mid.end <= r.end, "{:?} not in {:?}\n{}\n=>\n{}", old_mid, r, text, out),
            None => prop_assert!(old_mid.is_empty(), "{}\n=>\n{}", text, out),
        }
        prop_assert_eq!(pin_image(&out, comp, &pin), Ok(out.clone()));
    }
}

// ---------------------------------------------------------------------------------------------
// Generated version files

#[derive(Debug, Clone)]
struct FileSpec {
    kind: VersionFileKind,
    eol: &'static str,
    bom: bool,
    order: Vec<u8>,
    flag: bool,
    old: Version,
    trailing_newline: bool,
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        prop::sample::select(KINDS[1..].to_vec()),
        prop::sample::select(vec!["\n", "\r\n"]),
        any::<bool>(),
        Just(vec![0u8, 1, 2, 3, 4]).prop_shuffle(),
        any::<bool>(),
        version(),
        any::<bool>(),
    )
        .prop_map(
            |(kind, eol, bom, order, flag, old, trailing_newline)| FileSpec {
                kind,
                eol,
                bom,
                order,
                flag,
                old,
                trailing_newline,
            },
        )
}

fn build_file(spec: &FileSpec) -> Builder {
    let mut b = Builder::default();
    let eol = spec.eol;
    let old = spec.old.to_string();
    if spec.bom {
        b.push("\u{feff}");
    }
    match spec.kind {
        VersionFileKind::PackageJson => {
            let ind = if spec.flag { "  " } else { "    " };
            b.push(&format!("{{{eol}"));
            let n = spec.order.len();
            for (i, part) in spec.order.iter().enumerate() {
                let comma = if i + 1 < n { "," } else { "" };
                match part {
                    0 => {
                        b.push(&format!("{ind}\"version\": \""));
                        b.slot(&old);
                        b.push(&format!("\"{comma}{eol}"));
                    }
                    1 => b.push(&format!("{ind}\"name\": \"web\"{comma}{eol}")),
                    2 => b.push(&format!("{ind}\"dependencies\": {{ \"version\": \"1.0.0\", \"x\": \"^2\" }}{comma}{eol}")),
                    3 => b.push(&format!("{ind}\"scripts\": {{{eol}{ind}{ind}\"v\": \"echo \\\"version\\\": 1 }}\"{eol}{ind}}}{comma}{eol}")),
                    _ => b.push(&format!("{ind}\"files\": [\"a\", {{\"version\": [1, 2.5e3, true, null]}}]{comma}{eol}")),
                }
            }
            b.push("}");
            b.push(eol);
        }
        VersionFileKind::CargoToml | VersionFileKind::PyProject => {
            let (table, second) = if spec.kind == VersionFileKind::CargoToml {
                ("[package]", "[workspace.package]")
            } else if spec.flag {
                ("[project]", "[tool.poetry]")
            } else {
                ("[tool.poetry]", "[project]")
            };
            for part in &spec.order {
                match part {
                    0 => {
                        b.push(&format!("{table} # main{eol}name = \"web\"{eol}description = \"\"\"{eol}[dependencies]{eol}version = \"9\"{eol}\"\"\"{eol}version = \""));
                        b.slot(&old);
                        b.push(&format!("\" # bumped{eol}"));
                    }
                    1 => b.push(&format!("[dependencies]{eol}serde = {{ version = \"1\", features = [\"derive\"] }}{eol}")),
                    2 => b.push(&format!("[dependencies.tokio]{eol}version = \"1\"{eol}")),
                    3 => b.push(&format!("# version = \"0.0.0\"{eol}[[bin]]{eol}name = \"x\"{eol}version = \"7\"{eol}")),
                    _ => {
                        if spec.flag {
                            b.push(&format!("{second}{eol}version = '"));
                            b.slot(&old);
                            b.push(&format!("'{eol}"));
                        } else {
                            b.push(&format!("[tool.other]{eol}keywords = [{eol}  \"version = 3\", # c{eol}]{eol}"));
                        }
                    }
                }
            }
        }
        VersionFileKind::PythonModule => {
            for part in &spec.order {
                match part {
                    0 => {
                        let q = if spec.flag { "\"" } else { "'" };
                        b.push(&format!("__version__ = {q}"));
                        b.slot(&old);
                        b.push(&format!("{q}  # managed{eol}"));
                    }
                    1 => b.push(&format!("\"\"\"Docs.{eol}The __version__ = \"0.0.0\" in a docstring is ignored:{eol}  __version__ = 'x'{eol}\"\"\"{eol}")),
                    2 => b.push(&format!("def version():{eol}    __version__ = \"9\"{eol}    return __version__{eol}")),
                    3 => b.push(&format!("VERSION_INFO = (1, 2){eol}")),
                    _ => b.push(eol),
                }
            }
        }
        _ => {
            if spec.flag {
                b.push(eol);
            }
            b.slot(&old);
            b.push(eol);
        }
    }
    if !spec.trailing_newline && b.text.ends_with(eol) {
        b.text.truncate(b.text.len() - eol.len());
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_version_files_bump_byte_exactly(spec in file_spec(), new in version()) {
        let b = build_file(&spec);
        let read = read_version(spec.kind, &b.text);
        prop_assert_eq!(read.map(|(v, _)| v), Ok(spec.old.to_string()), "{}", b.text);
        let out = set_version(spec.kind, &b.text, &new);
        let want = b.with(&new.to_string());
        prop_assert_eq!(out.as_deref(), Ok(want.as_str()), "{}", b.text);
        let reread = read_version(spec.kind, out.as_deref().unwrap_or_default());
        prop_assert_eq!(reread.map(|(v, _)| v), Ok(new.to_string()));
    }
}
