//! The rule catalogue (`src/domain/rules.rs`), the rule page (`docs/rules.md`), the
//! configuration schema (`docs/config.schema.json`) and the ids the code emits, kept in step.
//!
//! Conventions of `docs/rules.md` that this test relies on:
//!
//! - the index is a table whose rows start `` | [`id`](#anchor) | level | yes/no | ``, where the
//!   anchor is the id with `/` replaced by `-`;
//! - each rule has a section headed `` ### `id` ``, directly after `<a id="anchor"></a>`, with a
//!   line `**Default level:** <level> · **configurable:** yes` (or `· **fixed**`);
//! - a section's fenced blocks after its `**Example**` line are the offending files, those after
//!   its `**Fix**` line the fixed ones. A fence names its file in its info string:
//!   ```` ```yaml title="charts/web/Chart.yaml" ````. The file name picks the validator:
//!   `CHANGELOG.md` → `changelog::validate`, `Chart.yaml` → `chart::validate_chart` (the
//!   directory name is the title's parent), `values.yaml` → `values::validate_values` (no
//!   `appVersion`), `releases/*.yaml` → `bom::validate_bom`, and a recognised version file →
//!   `version_file::read_version`. An example of a rule of that validator's area must trigger
//!   the rule, at its default level; a fixed file must not trigger it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;
use release_action::domain::diagnostic::{Diagnostic, Severity};
use release_action::domain::rules::{Level, RULES};
use release_action::domain::{bom, changelog, chart, values, version_file};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()))
}

fn rule_ids() -> BTreeSet<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

// ---------------------------------------------------------------------------------------------
// The ids the code emits

/// Every `.rs` file under `src/`, as (path relative to the crate, text without its tests).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("`{}`: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| {
            let text = read(&p);
            // Unit tests are kept last in each module; their literals are not emitted.
            let code = match text.find("\n#[cfg(test)]\nmod tests {") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            // Comments (doc examples included) emit nothing.
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let rel = p
                .strip_prefix(root())
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, code)
        })
        .collect()
}

/// Functions that take a finding's code as a `code: &'static str` parameter, by name: whether
/// the code is their first argument (otherwise their last), and whether they are
/// `Diagnostic`'s own constructors (called as `Diagnostic::name`).
fn code_taking_functions(sources: &[(String, String)]) -> BTreeMap<String, (bool, bool)> {
    let sig = Regex::new(r"fn\s+(\w+)\s*(?:<[^>]*>)?\s*\(([^)]*)\)").expect("regex");
    let mut found = BTreeMap::new();
    for (path, text) in sources {
        for cap in sig.captures_iter(text) {
            let params: Vec<&str> = cap[2]
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty() && !p.ends_with("self"))
                .collect();
            let Some(at) = params
                .iter()
                .position(|p| p.replace(' ', "") == "code:&'staticstr")
            else {
                continue;
            };
            assert!(
                at == 0 || at == params.len() - 1,
                "`{}` in `{path}` takes the code in the middle of its parameters; teach this test to find its calls",
                &cap[1]
            );
            found.insert(
                cap[1].to_owned(),
                (at == 0, path.ends_with("domain/diagnostic.rs")),
            );
        }
    }
    found
}

/// Every rule id a string literal in `src/` gives a finding, with where it was seen.
fn emitted_ids() -> BTreeMap<String, String> {
    let sources = sources();
    let functions = code_taking_functions(&sources);
    for expected in ["error", "warning", "notice", "diag", "finding"] {
        assert!(
            functions.contains_key(expected),
            "no `{expected}(code: &'static str, …)` found: {functions:?}"
        );
    }
    let mut patterns = Vec::new();
    for (name, (first, is_constructor)) in &functions {
        let name = regex::escape(name);
        let callee = if *is_constructor {
            format!(r"Diagnostic::{name}")
        } else {
            format!(r"\b{name}")
        };
        patterns.push(if *first {
            format!(r#"{callee}\(\s*"([^"]*)""#)
        } else {
            format!(r#"{callee}\([^;]*?,\s*"([^"]*)"\s*,?\s*\)"#)
        });
    }
    // A code chosen by a `match` and handed on: `TagError::Version { .. } => "tag/version",`.
    patterns.push(r#"=>\s*"([a-z][a-z-]*/[a-z0-9][a-z0-9-]*)"\s*,"#.to_owned());
    let patterns: Vec<Regex> = patterns
        .iter()
        .map(|p| Regex::new(p).expect("regex"))
        .collect();
    // Any other literal shaped like an id of a known area.
    let areas: BTreeSet<&str> = RULES
        .iter()
        .filter_map(|r| r.id.split_once('/').map(|(a, _)| a))
        .collect();
    let shaped = Regex::new(r#""([a-z][a-z-]*)/([a-z0-9][a-z0-9-]*)""#).expect("regex");
    let id_shape = Regex::new(r"^[a-z][a-z-]*/[a-z0-9][a-z0-9-]*$").expect("regex");

    let mut ids = BTreeMap::new();
    for (path, text) in sources.iter().filter(|(p, _)| p != "src/domain/rules.rs") {
        for re in &patterns {
            for cap in re.captures_iter(text) {
                let id = &cap[1];
                assert!(
                    id_shape.is_match(id),
                    "`{path}` gives a finding the code `{id}`, which is not `area/what`"
                );
                ids.entry(id.to_owned()).or_insert_with(|| path.clone());
            }
        }
        for cap in shaped.captures_iter(text) {
            if areas.contains(&cap[1]) {
                ids.entry(format!("{}/{}", &cap[1], &cap[2]))
                    .or_insert_with(|| path.clone());
            }
        }
    }
    ids
}

#[test]
fn every_emitted_rule_id_is_in_the_catalogue() {
    let ids = emitted_ids();
    assert!(
        ids.len() >= 90,
        "only {} ids found in src/: the scan is broken",
        ids.len()
    );
    let known = rule_ids();
    let unknown: Vec<String> = ids
        .iter()
        .filter(|(id, _)| !known.contains(id.as_str()))
        .map(|(id, path)| format!("{id} (in {path})"))
        .collect();
    assert!(
        unknown.is_empty(),
        "emitted but not in RULES (src/domain/rules.rs) nor documented in docs/rules.md: {unknown:#?}"
    );
}

#[test]
fn every_rule_of_the_catalogue_is_emitted_somewhere() {
    let ids = emitted_ids();
    let dead: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !ids.contains_key(*id))
        .collect();
    assert!(
        dead.is_empty(),
        "in RULES but emitted nowhere in src/: {dead:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// docs/rules.md

fn rules_md() -> String {
    read(&root().join("docs/rules.md"))
}

fn anchor(id: &str) -> String {
    id.replace('/', "-")
}

/// A fenced block: its `title="…"` and its text.
#[derive(Debug)]
struct Fence {
    title: Option<String>,
    text: String,
}

/// One `` ### `id` `` section.
#[derive(Debug)]
struct Section {
    id: String,
    /// The line above the heading.
    above: String,
    body: Vec<String>,
}

impl Section {
    fn fences(&self, after: &str, before: Option<&str>) -> Vec<Fence> {
        let title = Regex::new(r#"title="([^"]+)""#).expect("regex");
        let mut out = Vec::new();
        let mut on = false;
        let mut lines = self.body.iter();
        while let Some(line) = lines.next() {
            if line.starts_with(after) {
                on = true;
                continue;
            }
            if before.is_some_and(|b| line.starts_with(b)) {
                on = false;
                continue;
            }
            let Some(info) = line.strip_prefix("```") else {
                continue;
            };
            let mut text = String::new();
            for l in lines.by_ref() {
                if l == "```" {
                    break;
                }
                text.push_str(l);
                text.push('\n');
            }
            if on {
                out.push(Fence {
                    title: title.captures(info).map(|c| c[1].to_owned()),
                    text,
                });
            }
        }
        out
    }
}

fn sections(doc: &str) -> Vec<Section> {
    let heading = Regex::new(r"^### `([^`]+)`$").expect("regex");
    let mut out: Vec<Section> = Vec::new();
    let mut previous = "";
    let mut in_fence = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence || line.starts_with("```") {
            if let Some(s) = out.last_mut() {
                s.body.push(line.to_owned());
            }
        } else if let Some(cap) = heading.captures(line) {
            out.push(Section {
                id: cap[1].to_owned(),
                above: previous.to_owned(),
                body: Vec::new(),
            });
        } else if line.starts_with("## ") || line.starts_with("### ") {
            // A heading that is no rule's closes the section.
            out.push(Section {
                id: String::new(),
                above: String::new(),
                body: Vec::new(),
            });
        } else if let Some(s) = out.last_mut() {
            s.body.push(line.to_owned());
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    out.retain(|s| !s.id.is_empty());
    out
}

#[test]
fn every_rule_has_a_section_with_its_anchor_and_level() {
    let doc = rules_md();
    let sections = sections(&doc);
    let mut seen = BTreeSet::new();
    for s in &sections {
        assert!(seen.insert(s.id.clone()), "two sections for `{}`", s.id);
        let Some(rule) = RULES.iter().find(|r| r.id == s.id) else {
            panic!(
                "docs/rules.md has a section for `{}`, which RULES does not have",
                s.id
            );
        };
        assert_eq!(
            s.above,
            format!("<a id=\"{}\"></a>", anchor(rule.id)),
            "the line above `### `{}``",
            rule.id
        );
        let level = format!(
            "**Default level:** {} · {}",
            rule.default.as_str(),
            if rule.configurable {
                "**configurable:** yes"
            } else {
                "**fixed**"
            }
        );
        assert!(
            s.body.contains(&level),
            "section `{}` lacks the line `{level}`",
            rule.id
        );
        assert!(
            s.body
                .iter()
                .any(|l| l.starts_with("**What it protects against.**")),
            "section `{}` does not say what it protects against",
            rule.id
        );
        assert!(
            s.body.iter().any(|l| l.starts_with("**Example**")),
            "section `{}` has no example",
            rule.id
        );
        assert!(
            s.body.iter().any(|l| l.starts_with("**Fix")),
            "section `{}` does not say how to fix it",
            rule.id
        );
    }
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "no section in docs/rules.md for {missing:?}"
    );
}

#[test]
fn the_index_lists_every_rule_with_its_level_and_configurability() {
    let doc = rules_md();
    let row =
        Regex::new(r"^\| \[`([^`]+)`\]\(#([^)]+)\) \| ([a-z]+) \| (yes|no) \|").expect("regex");
    let rows: Vec<(String, String, String, bool)> = doc
        .lines()
        .filter_map(|l| row.captures(l))
        .map(|c| {
            (
                c[1].to_owned(),
                c[2].to_owned(),
                c[3].to_owned(),
                &c[4] == "yes",
            )
        })
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let catalogue: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids, catalogue, "the index rows, in order, against RULES");
    for (id, link, level, configurable) in &rows {
        let rule = RULES.iter().find(|r| r.id == id).expect("checked above");
        assert_eq!(link, &anchor(id), "the link of `{id}`");
        assert_eq!(level, rule.default.as_str(), "the level of `{id}`");
        assert_eq!(
            *configurable, rule.configurable,
            "whether `{id}` is configurable"
        );
    }
}

/// Rules of a validator's area whose example shows a file another code path reads (a tagged
/// version, a promotion, several files at once), so the validator is not expected to fire.
const NOT_FROM_THE_VALIDATOR: &[&str] = &[
    "bom/edit",
    "bom/shape",
    "bom/version",
    "bom/yaml",
    "changelog/empty-section",
    "changelog/empty-unreleased",
    "changelog/missing-section",
    "changelog/no-unreleased",
    "chart/bad-name",
    "chart/duplicate-name",
    "chart/edit",
    "chart/version",
    "version-file/disagree",
];

/// The validator for a file title, with its rule area, and the findings it gives.
fn validate(title: &str, text: &str) -> Option<(&'static str, Vec<Diagnostic>)> {
    let name = title.rsplit('/').next().unwrap_or(title);
    if name == "CHANGELOG.md" {
        return Some(("changelog", changelog::validate(text, title)));
    }
    if name == "Chart.yaml" {
        let dir = title.rsplit('/').nth(1).unwrap_or("");
        return Some(("chart", chart::validate_chart(text, title, dir)));
    }
    if name == "values.yaml" {
        return Some(("values", values::validate_values(text, title, None)));
    }
    if title.starts_with("releases/") && (name.ends_with(".yaml") || name.ends_with(".yml")) {
        return Some(("bom", bom::validate_bom(text, title)));
    }
    let kind = version_file::kind_for_path(title)?;
    let found = version_file::read_version(kind, text)
        .err()
        .into_iter()
        .collect();
    Some(("version-file", found))
}

#[test]
fn the_examples_trigger_their_rule_and_the_fixes_do_not() {
    let doc = rules_md();
    let known = rule_ids();
    for id in NOT_FROM_THE_VALIDATOR {
        assert!(known.contains(id), "`{id}` is not a rule");
    }
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for s in sections(&doc) {
        let rule = RULES.iter().find(|r| r.id == s.id).expect("a rule");
        let area = rule.id.split('/').next().unwrap_or_default();
        let exempt = NOT_FROM_THE_VALIDATOR.contains(&rule.id);
        for fence in s.fences("**Example**", Some("**Fix")) {
            let Some(title) = &fence.title else { continue };
            let Some((validator, found)) = validate(title, &fence.text) else {
                continue;
            };
            if validator != area || exempt {
                continue;
            }
            *checked.entry(validator).or_default() += 1;
            match found.iter().find(|d| d.code == rule.id) {
                None => problems.push(format!(
                    "the example of `{}` ({title}) does not trigger it; it gives {:?}",
                    rule.id,
                    found.iter().map(|d| d.code).collect::<Vec<_>>()
                )),
                Some(d) => {
                    let want = match rule.default {
                        Level::Error => Severity::Error,
                        Level::Warning => Severity::Warning,
                        Level::Off => unreachable!("no rule is off by default"),
                    };
                    if d.severity != want {
                        problems.push(format!(
                            "the example of `{}` gives a {:?}, not its default level {:?}",
                            rule.id, d.severity, rule.default
                        ));
                    }
                }
            }
        }
        for fence in s.fences("**Fix", None) {
            let Some(title) = &fence.title else { continue };
            let Some((_, found)) = validate(title, &fence.text) else {
                continue;
            };
            if found.iter().any(|d| d.code == rule.id) {
                problems.push(format!(
                    "the fixed file of `{}` ({title}) still triggers it",
                    rule.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    for area in ["changelog", "chart", "values", "bom", "version-file"] {
        assert!(
            checked.get(area).copied().unwrap_or(0) >= 4,
            "too few `{area}` examples checked: {checked:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// docs/config.schema.json

fn schema() -> serde_json::Value {
    serde_json::from_str(&read(&root().join("docs/config.schema.json"))).expect("valid JSON")
}

#[test]
fn the_schema_lists_exactly_the_configurable_rules() {
    let schema = schema();
    let rules = &schema["properties"]["rules"];
    assert_eq!(rules["type"], "object");
    assert_eq!(rules["additionalProperties"], false);
    let listed: Vec<&str> = rules["properties"]
        .as_object()
        .expect("`rules.properties`")
        .keys()
        .map(String::as_str)
        .collect();
    let configurable: Vec<&str> = RULES
        .iter()
        .filter(|r| r.configurable)
        .map(|r| r.id)
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, configurable);
    for (id, entry) in rules["properties"].as_object().expect("checked") {
        assert_eq!(
            entry["$ref"], "#/$defs/rule-level",
            "`rules.{id}` must refer to the level definition"
        );
    }
    assert_eq!(
        schema["$defs"]["rule-level"]["enum"],
        serde_json::json!(["error", "warning", "off"])
    );
}

#[test]
fn the_schema_values_of_changelog_and_version_bump_are_what_the_tool_accepts() {
    let schema = schema();
    for key in ["changelog", "version-bump"] {
        let values = schema["properties"][key]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("`{key}` has no enum"));
        assert!(!values.is_empty());
        for v in values {
            let v = v.as_str().expect("text");
            let text = format!("{key}: {v}\n");
            assert!(
                release_action::domain::config::parse_config(&text).is_ok(),
                "the schema accepts `{text}`, the tool does not"
            );
        }
        let default = schema["properties"][key]["default"]
            .as_str()
            .expect("default");
        assert!(
            values.iter().any(|v| v == default),
            "`{key}`'s default is one of its values"
        );
    }
    let defaults = release_action::domain::config::Config::default();
    assert_eq!(
        schema["properties"]["changelog"]["default"],
        defaults.changelog.as_str()
    );
    assert_eq!(
        schema["properties"]["version-bump"]["default"],
        defaults.version_bump.as_str()
    );
    for id in RULES.iter().filter(|r| r.configurable).map(|r| r.id) {
        let text = format!("rules:\n  {id}: off\n");
        assert!(
            release_action::domain::config::parse_config(&text).is_ok(),
            "the tool refuses `{text}`"
        );
    }
}

#[test]
fn the_schema_keys_of_slo_are_the_ones_the_tool_reads() {
    let schema = schema();
    let keys = schema["$defs"]["slo-objectives"]["properties"]
        .as_object()
        .expect("`slo-objectives.properties`");
    assert!(keys.len() >= 9, "{keys:?}");
    for (key, entry) in keys {
        let examples: Vec<serde_json::Value> = match key.as_str() {
            "queries" => vec![serde_json::json!({ "p95": "max(latency_seconds)" })],
            _ => entry["examples"].as_array().cloned().unwrap_or_default(),
        };
        assert!(!examples.is_empty(), "`slo.{key}` has no examples");
        for example in examples {
            let text = format!("slo:\n  {key}: {example}\nenvironments: [dev, prod]\n");
            assert!(
                release_action::domain::config::parse_config(&text).is_ok(),
                "the schema's example is refused by the tool: {text}"
            );
            let text = format!("environments: [dev, prod]\nslo:\n  environments:\n    prod:\n      {key}: {example}\n");
            assert!(
                release_action::domain::config::parse_config(&text).is_ok(),
                "the tool refuses the key in an override: {text}"
            );
        }
    }
    let unknown = "slo:\n  p50: 1s\n";
    assert!(release_action::domain::config::parse_config(unknown).is_err());
}
