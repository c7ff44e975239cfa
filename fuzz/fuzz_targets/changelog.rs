//! Changelog parsing and cutting: arbitrary text never panics, every span lies on character
//! boundaries, and a cut release can be found again (as `tests/prop_changelog.rs` checks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use release_action::domain::changelog;

fuzz_target!(|text: &str| {
    let log = changelog::parse(text);
    for s in &log.sections {
        assert!(text.get(s.heading_range.clone()).is_some());
        assert!(text.get(s.body_range.clone()).is_some());
        assert!(text.get(s.content_range.clone()).is_some());
        for sub in &s.subsections {
            assert!(text.get(sub.body_range.clone()).is_some());
        }
    }
    for l in &log.links {
        assert!(text.get(l.range.clone()).is_some());
        assert_eq!(text.get(l.url_range.clone()), Some(l.url.as_str()));
    }
    let _ = changelog::validate(text, "CHANGELOG.md");
    let _ = changelog::unreleased_bump(text);
    for v in ["1.0.0", "v1.0.0", "Unreleased", "", "0.1"] {
        let _ = changelog::extract(text, v);
        let _ = changelog::has_dated_nonempty_section(text, v);
    }
    let upto = semver::Version::new(9, 9, 9);
    let _ = changelog::sections_between(text, None, &upto);
    if let Ok(out) = changelog::cut_release(text, &semver::Version::new(99, 0, 0), "2024-02-29") {
        let after = changelog::parse(&out);
        assert!(after.section("99.0.0").is_some(), "{text:?} -> {out:?}");
    }
});
