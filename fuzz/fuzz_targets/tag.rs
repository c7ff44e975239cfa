//! Tag parsing: arbitrary tags never panic, and a rendered tag parses back (as
//! `tests/prop_tag.rs` checks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use release_action::domain::tag::TagFormat;

const FORMATS: [&str; 4] = [
    "v{version}-{component}",
    "{component}-v{version}",
    "{component}/v{version}",
    "{component}-{version}",
];

fuzz_target!(|input: (String, String, Vec<String>, (u64, u64, u64))| {
    let (tag, template, known, (major, minor, patch)) = input;
    let _ = TagFormat::parse(&template);
    for format in FORMATS {
        let Ok(f) = TagFormat::parse(format) else {
            panic!("built-in format `{format}` refused");
        };
        let _ = f.parse_tag(&tag, known.iter().map(String::as_str));
        // A tag rendered for a known component parses back to a tag that renders the same.
        let Some(component) = known.first() else {
            continue;
        };
        let v = semver::Version::new(major, minor, patch);
        let rendered = f.render(component, &v);
        if let Ok(parsed) = f.parse_tag(&rendered, known.iter().map(String::as_str)) {
            assert_eq!(f.render(&parsed.component, &parsed.version), rendered);
        }
    }
});
