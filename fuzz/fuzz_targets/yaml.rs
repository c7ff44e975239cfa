//! Hardened YAML reading and scalar edits: arbitrary text never panics, and a successful
//! replacement reads back as the new value with nothing else changed (the editor's own oracle,
//! checked again here from outside).
#![no_main]

use libfuzzer_sys::fuzz_target;
use release_action::domain::yaml::{
    key_path, parse_yaml, replace_scalar, scalar_text, value_at_mut, Locator,
};

const PATHS: [&str; 6] = [
    "version",
    "charts.web",
    "images.app.tag",
    "a",
    "a.b",
    "name",
];

fuzz_target!(|input: (&str, &str)| {
    let (text, new) = input;
    let Ok(before) = parse_yaml(text) else {
        return;
    };
    if let Ok(locator) = Locator::new(text) {
        for dotted in PATHS {
            let path = key_path(dotted);
            let _ = locator.scalar_span(&path);
            let _ = locator.line_of(&path);
        }
    }
    for dotted in PATHS {
        let path = key_path(dotted);
        let Ok(out) = replace_scalar(text, &path, new) else {
            continue;
        };
        let Ok(after) = parse_yaml(&out) else {
            panic!("`{dotted}` set to {new:?} no longer parses: {out:?}");
        };
        let mut expected = before.clone();
        if let Some(slot) = value_at_mut(&mut expected, &path) {
            *slot = yaml_serde::Value::String(new.to_string());
        }
        let mut got = after.clone();
        let read = value_at_mut(&mut got, &path).and_then(|v| scalar_text(v));
        assert_eq!(read.as_deref(), Some(new), "{text:?} -> {out:?}");
        // Apart from the edited value, the document is unchanged.
        if let Some(slot) = value_at_mut(&mut got, &path) {
            *slot = yaml_serde::Value::String(new.to_string());
        }
        assert_eq!(got, expected, "{text:?} -> {out:?}");
    }
});
