//! BOM reading and pinning: arbitrary text never panics, and a successful pin reads back as
//! the pin asked for (as `tests/prop_yaml.rs` checks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use release_action::domain::bom::{parse_bom, pin_chart, pin_image, validate_bom, ImagePin};

const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fuzz_target!(|input: (&str, (u64, u64, u64), bool, u8)| {
    let (text, (major, minor, patch), with_digest, which) = input;
    let v = semver::Version::new(major, minor, patch);
    let name = ["web", "app", "a", "zz"][usize::from(which % 4)];
    let _ = validate_bom(text, "releases/dev.yaml");
    let readable = parse_bom(text, "releases/dev.yaml").is_ok();
    if let Ok(new) = pin_chart(text, name, &v) {
        let bom = parse_bom(&new, "releases/dev.yaml");
        if readable {
            let got = bom.ok().and_then(|b| b.charts.get(name).cloned());
            assert_eq!(got, Some(v.to_string()), "{text:?} -> {new:?}");
        }
    }
    let pin = ImagePin {
        image: "ghcr.io/org/app".into(),
        tag: format!("v{v}"),
        digest: with_digest.then(|| format!("sha256:{HEX}")),
    };
    if let Ok(new) = pin_image(text, name, &pin) {
        let bom = parse_bom(&new, "releases/dev.yaml");
        if readable {
            let got = bom.ok().and_then(|b| b.images.get(name).cloned());
            assert_eq!(got, Some(pin), "{text:?} -> {new:?}");
        }
    }
});
