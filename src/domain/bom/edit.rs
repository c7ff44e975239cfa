//! The byte-exact edits of a BOM: pinning a chart version or an image, through the scalar editor
//! and the mapping inserts of [`crate::domain::yaml`], each verified by reading the result again.

use semver::Version;
use yaml_serde::{Mapping, Value};

use crate::domain::chart::is_valid_name;
use crate::domain::values::{is_floating_tag, is_valid_digest, is_valid_repository, is_valid_tag};
use crate::domain::yaml::insert::{
    add_field, insert_into_mapping, insert_section, remove_field, NewEntry,
};
use crate::domain::yaml::{
    self, render_scalar, unsupported, EditError, Locator, PathSeg, ScalarStyle,
};

use super::ImagePin;

fn scalar_entry(key: &str, value: &str) -> NewEntry {
    NewEntry {
        flow: format!("{key}: {}", render_scalar(value, ScalarStyle::Plain, true)),
        block_head: format!("{key}: {}", render_scalar(value, ScalarStyle::Plain, false)),
        block_tail: Vec::new(),
    }
}

fn image_fields(pin: &ImagePin, in_flow: bool) -> Vec<String> {
    let mut fields = vec![
        format!(
            "image: {}",
            render_scalar(&pin.image, ScalarStyle::Plain, in_flow)
        ),
        format!(
            "tag: {}",
            render_scalar(&pin.tag, ScalarStyle::Plain, in_flow)
        ),
    ];
    if let Some(d) = &pin.digest {
        fields.push(format!(
            "digest: {}",
            render_scalar(d, ScalarStyle::DoubleQuoted, in_flow)
        ));
    }
    fields
}

fn doc_mapping(original: &Value, path: &[PathSeg<'_>]) -> Result<Mapping, EditError> {
    match original {
        Value::Mapping(m) => Ok(m.clone()),
        Value::Null => Ok(Mapping::new()),
        _ => Err(unsupported(path, "the document is not a mapping")),
    }
}

/// Pins `chart` at `version` in a BOM and returns the new text.
///
/// An existing entry has only its version characters replaced (quoting and comments kept). A
/// new entry is added under `charts:` with the indentation and line endings already used, in
/// sorted position when the existing entries are sorted (else last), above any comment lines
/// directly preceding its successor; a flow mapping `charts: { … }` gets the entry inside the
/// braces. A missing `charts:` section is created before `images:`/`experiment:` or at the end.
/// Pinning the version already pinned returns the text unchanged.
///
/// Refused: an invalid chart name, a document that is not a mapping or not valid YAML, a
/// `charts` value that is not a mapping, entries not one per line, and any result that does not
/// re-read as the original with only this pin changed.
///
/// ```
/// use release_action::domain::bom::pin_chart;
/// let text = "environment: staging\ncharts:\n  api: 2.0.0\n  web: 1.0.0\n";
/// let out = pin_chart(text, "data", &semver::Version::new(1, 0, 1)).unwrap();
/// assert_eq!(out, "environment: staging\ncharts:\n  api: 2.0.0\n  data: 1.0.1\n  web: 1.0.0\n");
/// ```
pub fn pin_chart(text: &str, chart: &str, version: &Version) -> Result<String, EditError> {
    let path = [PathSeg::Key("charts"), PathSeg::Key(chart)];
    if !is_valid_name(chart) {
        return Err(EditError::InvalidValue {
            path: yaml::render_path(&path),
            reason: format!("`{chart}` is not a valid chart name"),
        });
    }
    let new = version.to_string();
    let original = yaml::parse_yaml(text)?;
    let doc = doc_mapping(&original, &path)?;
    let entry = scalar_entry(chart, &new);
    let out = match doc.get("charts") {
        Some(Value::Mapping(charts)) if charts.contains_key(chart) => {
            if yaml::scalar_text(charts.get(chart).unwrap_or(&Value::Null)).as_deref()
                == Some(new.as_str())
                && matches!(charts.get(chart), Some(Value::String(_)))
            {
                return Ok(text.to_string());
            }
            return yaml::replace_scalar(text, &path, &new);
        }
        Some(Value::Mapping(charts)) => {
            insert_into_mapping(text, &path[..1], Some(charts), chart, &entry, "  ")?
        }
        Some(Value::Null) => insert_into_mapping(text, &path[..1], None, chart, &entry, "  ")?,
        Some(_) => return Err(unsupported(&path[..1], "`charts` is not a mapping")),
        None => insert_section(
            text,
            &doc,
            "charts",
            &entry,
            &["images", "experiment"],
            &["images"],
        )?,
    };
    let mut expected = doc;
    let charts = expected
        .entry(Value::String("charts".into()))
        .or_insert(Value::Mapping(Mapping::new()));
    if !charts.is_mapping() {
        *charts = Value::Mapping(Mapping::new());
    }
    if let Value::Mapping(m) = charts {
        m.insert(Value::String(chart.into()), Value::String(new));
    }
    yaml::verify_edit(&out, &Value::Mapping(expected), &path)?;
    Ok(out)
}

fn check_pin(component: &str, pin: &ImagePin, path: &[PathSeg<'_>]) -> Result<(), EditError> {
    let invalid = |reason: String| EditError::InvalidValue {
        path: yaml::render_path(path),
        reason,
    };
    if !is_valid_name(component) {
        return Err(invalid(format!(
            "`{component}` is not a valid component name"
        )));
    }
    if !is_valid_repository(&pin.image) {
        return Err(invalid(format!(
            "`{}` is not an image repository",
            pin.image
        )));
    }
    if is_floating_tag(&pin.tag) {
        return Err(invalid(format!("`{}` is a floating or empty tag", pin.tag)));
    }
    if !is_valid_tag(&pin.tag) {
        return Err(invalid(format!("`{}` is not a valid image tag", pin.tag)));
    }
    if let Some(d) = &pin.digest {
        if !is_valid_digest(d) {
            return Err(invalid(format!(
                "`{d}` is not a `sha256:` digest of 64 lowercase hex digits"
            )));
        }
    }
    Ok(())
}

/// Pins `pin` for `component` under `images:` and returns the new text.
///
/// An existing entry, flow (`app: { image: …, tag: …, digest: "…" }`) or block style, is edited
/// in place: `image`, `tag` and `digest` values are replaced keeping their quoting, a missing
/// field is added in the entry's own style (a new digest is double-quoted), a digest the pin no
/// longer has is removed, and other keys of the entry are kept. A new entry is added like
/// [`pin_chart`] adds one, in flow style unless the existing entries are block style; a missing
/// `images:` section is created before `experiment:` or at the end.
///
/// Refused: invalid component names, empty or floating tags, malformed digests, entries that
/// are not mappings, and any result that does not re-read as the original with only this pin
/// changed.
///
/// ```
/// use release_action::domain::bom::{pin_image, ImagePin};
/// let text = "images:\n  app: { image: ghcr.io/org/app, tag: v1.2.3 } # prod\n";
/// let pin = ImagePin { image: "ghcr.io/org/app".into(), tag: "v1.3.0".into(), digest: None };
/// assert_eq!(pin_image(text, "app", &pin).unwrap(), "images:\n  app: { image: ghcr.io/org/app, tag: v1.3.0 } # prod\n");
/// ```
pub fn pin_image(text: &str, component: &str, pin: &ImagePin) -> Result<String, EditError> {
    let path = [PathSeg::Key("images"), PathSeg::Key(component)];
    check_pin(component, pin, &path)?;
    let original = yaml::parse_yaml(text)?;
    let doc = doc_mapping(&original, &path)?;
    let images = doc.get("images");
    let existing_block_style = |m: &Mapping| -> Result<bool, EditError> {
        let locator = Locator::new(text).map_err(|e| yaml::with_path(e, &path))?;
        for k in m.keys().filter_map(Value::as_str) {
            if let Ok(Some((start, _))) =
                locator.value_span(&[PathSeg::Key("images"), PathSeg::Key(k)])
            {
                if text.as_bytes().get(start) != Some(&b'{')
                    && m.get(k).is_some_and(Value::is_mapping)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    };
    let new_entry = |block: bool| -> NewEntry {
        let flow = format!("{component}: {{ {} }}", image_fields(pin, true).join(", "));
        if block {
            NewEntry {
                flow,
                block_head: format!("{component}:"),
                block_tail: image_fields(pin, false),
            }
        } else {
            NewEntry {
                flow: flow.clone(),
                block_head: flow,
                block_tail: Vec::new(),
            }
        }
    };
    let out = match images {
        Some(Value::Mapping(m)) if m.contains_key(component) => {
            edit_image_entry(text, component, pin, &path)?
        }
        Some(Value::Mapping(m)) => {
            let entry = new_entry(existing_block_style(m)?);
            insert_into_mapping(text, &path[..1], Some(m), component, &entry, "  ")?
        }
        Some(Value::Null) => {
            insert_into_mapping(text, &path[..1], None, component, &new_entry(false), "  ")?
        }
        Some(_) => return Err(unsupported(&path[..1], "`images` is not a mapping")),
        None => insert_section(
            text,
            &doc,
            "images",
            &new_entry(false),
            &["experiment"],
            &["charts"],
        )?,
    };
    let mut expected = doc;
    let slot = expected
        .entry(Value::String("images".into()))
        .or_insert(Value::Mapping(Mapping::new()));
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    if let Value::Mapping(m) = slot {
        let entry = m
            .entry(Value::String(component.into()))
            .or_insert(Value::Mapping(Mapping::new()));
        if let Value::Mapping(e) = entry {
            e.insert("image".into(), Value::String(pin.image.clone()));
            e.insert("tag".into(), Value::String(pin.tag.clone()));
            match &pin.digest {
                Some(d) => {
                    e.insert("digest".into(), Value::String(d.clone()));
                }
                None => {
                    e.shift_remove("digest");
                }
            }
        }
    }
    yaml::verify_edit(&out, &Value::Mapping(expected), &path)?;
    Ok(out)
}

/// Edits an existing `images.<component>` mapping field by field.
fn edit_image_entry(
    text: &str,
    component: &str,
    pin: &ImagePin,
    path: &[PathSeg<'_>],
) -> Result<String, EditError> {
    let mut current = text.to_string();
    let wanted: [(&str, Option<&str>); 3] = [
        ("image", Some(pin.image.as_str())),
        ("tag", Some(pin.tag.as_str())),
        ("digest", pin.digest.as_deref()),
    ];
    for (field, value) in wanted {
        let doc = yaml::parse_yaml(&current)?;
        let entry_path = [PathSeg::Key("images"), PathSeg::Key(component)];
        let Some(Value::Mapping(entry)) = yaml::value_at(&doc, &entry_path) else {
            return Err(unsupported(
                path,
                "the entry is not a mapping of `image`, `tag` and `digest`",
            ));
        };
        let field_path = [
            PathSeg::Key("images"),
            PathSeg::Key(component),
            PathSeg::Key(field),
        ];
        match (entry.get(field), value) {
            (Some(Value::String(old)), Some(new)) if old == new => {}
            (Some(Value::Null) | None, None) => {
                if entry.contains_key(field) {
                    current = remove_field(&current, &entry_path, entry, field)?;
                }
            }
            (Some(_), Some(new)) => current = yaml::replace_scalar(&current, &field_path, new)?,
            (None, Some(new)) => {
                // A new digest is double-quoted, as `pin_image` documents.
                let style = if field == "digest" {
                    ScalarStyle::DoubleQuoted
                } else {
                    ScalarStyle::Plain
                };
                current = add_field(&current, &entry_path, entry, field, new, style)?;
            }
            (Some(_), None) => current = remove_field(&current, &entry_path, entry, field)?,
        }
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bom::tests::{digest, pin};

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn pin_chart_updates_adds_and_creates_entries() {
        let cases: &[(&str, &str, &str)] = &[
            // in place, quoting and comments kept
            ("charts:\n  web: 1.0.0 # x\n", "web", "charts:\n  web: 1.1.0 # x\n"),
            ("charts:\n  web: \"1.0.0\"\n", "web", "charts:\n  web: \"1.1.0\"\n"),
            // sorted insertion, middle / first / last
            ("charts:\n  api: 1.0.0\n  zed: 1.0.0\n", "web", "charts:\n  api: 1.0.0\n  web: 1.1.0\n  zed: 1.0.0\n"),
            ("charts:\n  x: 1.0.0\n", "web", "charts:\n  web: 1.1.0\n  x: 1.0.0\n"),
            ("charts:\n    a: 1.0.0\n", "web", "charts:\n    a: 1.0.0\n    web: 1.1.0\n"),
            // unsorted: appended
            ("charts:\n  z: 1.0.0\n  a: 1.0.0\n", "web", "charts:\n  z: 1.0.0\n  a: 1.0.0\n  web: 1.1.0\n"),
            // CRLF and no trailing newline
            ("charts:\r\n  a: 1.0.0\r\n", "web", "charts:\r\n  a: 1.0.0\r\n  web: 1.1.0\r\n"),
            ("charts:\n  a: 1.0.0", "web", "charts:\n  a: 1.0.0\n  web: 1.1.0\n"),
            // comments above the successor stay with it
            ("charts:\n  a: 1.0.0\n  # the z chart\n  z: 1.0.0\n", "web", "charts:\n  a: 1.0.0\n  web: 1.1.0\n  # the z chart\n  z: 1.0.0\n"),
            // flow mappings
            ("charts: {}\n", "web", "charts: { web: 1.1.0 }\n"),
            ("charts: {a: 1.0.0}\n", "web", "charts: {a: 1.0.0, web: 1.1.0}\n"),
            ("charts: { z: 1.0.0 }\n", "web", "charts: { web: 1.1.0, z: 1.0.0 }\n"),
            // empty or null section
            ("charts:\nimages: {}\n", "web", "charts:\n  web: 1.1.0\nimages: {}\n"),
            ("charts: ~ # none yet\n", "web", "charts: # none yet\n  web: 1.1.0\n"),
            ("charts:", "web", "charts:\n  web: 1.1.0\n"),
            // missing section
            ("", "web", "charts:\n  web: 1.1.0\n"),
            ("# staging\n", "web", "# staging\ncharts:\n  web: 1.1.0\n"),
            ("environment: dev", "web", "environment: dev\ncharts:\n  web: 1.1.0\n"),
            ("environment: dev\nimages:\n    app: {image: a, tag: v1}\n", "web", "environment: dev\ncharts:\n    web: 1.1.0\nimages:\n    app: {image: a, tag: v1}\n"),
            ("environment: dev\n\n# pinned images\nimages: {}\n", "web", "environment: dev\n\ncharts:\n  web: 1.1.0\n# pinned images\nimages: {}\n"),
            ("\u{feff}images: {}\r\n", "web", "\u{feff}charts:\r\n  web: 1.1.0\r\nimages: {}\r\n"),
            // already pinned: unchanged
            ("charts:\n  web: 1.1.0 # same\n", "web", "charts:\n  web: 1.1.0 # same\n"),
        ];
        for (text, chart, want) in cases {
            assert_eq!(
                pin_chart(text, chart, &v("1.1.0")).as_deref(),
                Ok(*want),
                "{text:?}"
            );
        }
    }

    #[test]
    fn pin_chart_refuses_bad_names_and_shapes() {
        let cases: &[(&str, &str)] = &[
            ("charts: {}\n", "../x"),
            ("charts: {}\n", "Web"),
            ("charts: [a]\n", "web"),
            ("- a\n", "web"),
            ("charts: {\n", "web"),
            ("{charts: {}}\n", "web2"),
            ("charts:\n  a: 1.0.0\n---\nb: 1\n", "web"),
        ];
        for (text, chart) in cases {
            assert!(
                pin_chart(text, chart, &v("1.0.0")).is_err(),
                "{text:?} {chart}"
            );
        }
    }

    #[test]
    fn pin_image_edits_flow_and_block_entries_in_place() {
        let d = digest();
        let other = format!("sha256:{}", "f".repeat(64));
        let cases: Vec<(String, ImagePin, String)> = vec![
            (
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.2.3, digest: \"{other}\" }}\n"),
                pin("v1.3.0", Some(&d)),
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.3.0, digest: \"{d}\" }}\n"),
            ),
            (
                "images:\n  app: { image: ghcr.io/org/app, tag: v1.2.3 }\n".into(),
                pin("v1.3.0", Some(&d)),
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.3.0, digest: \"{d}\" }}\n"),
            ),
            (
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1.2.3, digest: \"{other}\" }}\n"),
                pin("v1.3.0", None),
                "images:\n  app: { image: ghcr.io/org/app, tag: v1.3.0 }\n".into(),
            ),
            (
                format!("images:\n  app: {{ digest: \"{other}\", image: ghcr.io/org/app, tag: v1 }}\n"),
                pin("v2", None),
                "images:\n  app: { image: ghcr.io/org/app, tag: v2 }\n".into(),
            ),
            (
                "images:\r\n  app:\r\n    image: ghcr.io/org/app # repo\r\n    tag: 'v1'\r\n".into(),
                pin("v2", Some(&d)),
                format!("images:\r\n  app:\r\n    image: ghcr.io/org/app # repo\r\n    tag: 'v2'\r\n    digest: \"{d}\"\r\n"),
            ),
            (
                format!("images:\n  app:\n    image: ghcr.io/org/app\n    digest: {other} # old\n    tag: v1\n"),
                pin("v2", None),
                "images:\n  app:\n    image: ghcr.io/org/app\n    tag: v2\n".into(),
            ),
            (
                "images: {app: {image: ghcr.io/org/app, tag: v1}}\n".into(),
                pin("v2", Some(&d)),
                format!("images: {{app: {{image: ghcr.io/org/app, tag: v2, digest: \"{d}\"}}}}\n"),
            ),
            (
                "images:\n  app: { image: ghcr.io/org/app, tag: v1, pullPolicy: Always }\n".into(),
                pin("1.10", None),
                "images:\n  app: { image: ghcr.io/org/app, tag: \"1.10\", pullPolicy: Always }\n".into(),
            ),
        ];
        for (text, p, want) in cases {
            assert_eq!(
                pin_image(&text, "app", &p).as_deref(),
                Ok(want.as_str()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn pin_image_adds_entries_in_the_existing_style() {
        let d = digest();
        let p = pin("v1", Some(&d));
        let cases: Vec<(String, String)> = vec![
            (
                "images:\n  web: { image: w, tag: v1 }\n".into(),
                format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }}\n  web: {{ image: w, tag: v1 }}\n"),
            ),
            (
                "images:\n  web:\n    image: w\n    tag: v1\n".into(),
                format!("images:\n  app:\n    image: ghcr.io/org/app\n    tag: v1\n    digest: \"{d}\"\n  web:\n    image: w\n    tag: v1\n"),
            ),
            (
                "environment: dev\nexperiment: {}\n".into(),
                format!("environment: dev\nimages:\n  app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }}\nexperiment: {{}}\n"),
            ),
            ("images: {}\n".into(), format!("images: {{ app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }} }}\n")),
            ("".into(), format!("images:\n  app: {{ image: ghcr.io/org/app, tag: v1, digest: \"{d}\" }}\n")),
        ];
        for (text, want) in cases {
            assert_eq!(
                pin_image(&text, "app", &p).as_deref(),
                Ok(want.as_str()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn pin_image_refuses_floating_tags_bad_digests_and_odd_entries() {
        let cases: Vec<(&str, ImagePin)> = vec![
            ("images: {}\n", pin("latest", None)),
            ("images: {}\n", pin("", None)),
            ("images: {}\n", pin("v1", Some("sha256:abc"))),
            (
                "images: {}\n",
                ImagePin {
                    image: "a b".into(),
                    tag: "v1".into(),
                    digest: None,
                },
            ),
            (
                "images: {}\n",
                ImagePin {
                    image: "ghcr.io/org/app:v1".into(),
                    tag: "v1".into(),
                    digest: None,
                },
            ),
            ("images: {}\n", pin("v1 # x", None)),
            ("images: {}\n", pin("-v1", None)),
            ("images:\n  app: ghcr.io/org/app:v1\n", pin("v2", None)),
            ("images: [a]\n", pin("v2", None)),
        ];
        for (text, p) in cases {
            assert!(pin_image(text, "app", &p).is_err(), "{text:?} {p:?}");
        }
        assert!(pin_image("images: {}\n", "App", &pin("v1", None)).is_err());
    }

    #[test]
    fn pinning_a_new_entry_among_thousands_locates_the_document_once() {
        // One span query per existing entry, each scanning the mapping, took seconds here.
        let mut charts = String::from("charts:\n");
        let mut images = String::from("images:\n");
        for i in 0..1_500 {
            charts.push_str(&format!("  c{i:05}: 1.0.0\n"));
            images.push_str(&format!(
                "  c{i:05}: {{ image: ghcr.io/o/c, tag: v1.0.0 }}\n"
            ));
        }
        let out = pin_chart(&charts, "c00749x", &v("2.0.0")).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.contains("  c00749: 1.0.0\n  c00749x: 2.0.0\n  c00750: 1.0.0\n"));
        let out = pin_image(&images, "zz", &pin("v2.0.0", None)).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.ends_with("tag: v1.0.0 }\n  zz: { image: ghcr.io/org/app, tag: v2.0.0 }\n"));
    }

    #[test]
    fn pinning_twice_changes_nothing_the_second_time() {
        let d = digest();
        let text =
            "environment: dev\ncharts:\n  api: 1.0.0\nimages:\n  web: { image: w, tag: v1 }\n";
        let once = pin_image(text, "app", &pin("v1", Some(&d)))
            .and_then(|t| pin_chart(&t, "web", &v("2.0.0")));
        let once = once.unwrap_or_else(|e| panic!("{e}"));
        let twice = pin_image(&once, "app", &pin("v1", Some(&d)))
            .and_then(|t| pin_chart(&t, "web", &v("2.0.0")));
        assert_eq!(twice.as_deref(), Ok(once.as_str()));
    }
}
