//! Chart.yaml reading and bumping: arbitrary text never panics, and a successful bump reads
//! back as the version asked for (as `tests/prop_yaml.rs` checks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use release_action::domain::chart::{parse_chart, set_chart_version, validate_chart};

fuzz_target!(|input: (&str, (u64, u64, u64))| {
    let (text, (major, minor, patch)) = input;
    let v = semver::Version::new(major, minor, patch);
    let _ = validate_chart(text, "charts/web/Chart.yaml", "web");
    let before = parse_chart(text, "Chart.yaml");
    if let Ok(new) = set_chart_version(text, &v) {
        match parse_chart(&new, "Chart.yaml") {
            Ok(chart) => assert_eq!(chart.version, v.to_string()),
            // Only a chart that did not parse before (no `name`, ...) may fail after a bump.
            Err(_) => assert!(before.is_err()),
        }
    }
});
