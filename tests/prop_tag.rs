//! Property tests of tags, names, configuration and `.helmignore`: arbitrary input never makes
//! them panic, and a rendered tag parses back to the component and version it was made from (or
//! is refused as ambiguous, naming that reading among the others).

use proptest::prelude::*;
use release_action::domain::config::parse_config;
use release_action::domain::helmignore::HelmIgnore;
use release_action::domain::name::check_name;
use release_action::domain::tag::{TagError, TagFormat};

const FORMATS: [&str; 4] = [
    "v{version}-{component}",
    "{component}-v{version}",
    "{component}/v{version}",
    "{component}-{version}",
];

fn name() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
}

fn version() -> impl Strategy<Value = semver::Version> {
    (
        0u64..1000,
        0u64..1000,
        0u64..1000,
        proptest::option::of("(alpha|beta|rc)(\\.[1-9][0-9]{0,2})?"),
        proptest::option::of("build\\.[0-9]{1,3}"),
    )
        .prop_map(|(a, b, c, pre, build)| {
            let mut text = format!("{a}.{b}.{c}");
            if let Some(p) = pre {
                text.push('-');
                text.push_str(&p);
            }
            if let Some(b) = build {
                text.push('+');
                text.push_str(&b);
            }
            semver::Version::parse(&text).expect("generated version")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_tags_never_panic(tag in any::<String>(), known in proptest::collection::vec(name(), 0..5)) {
        for format in FORMATS {
            let f = TagFormat::parse(format).expect("format");
            let _ = f.parse_tag(&tag, known.iter().map(String::as_str));
        }
        let _ = check_name(&tag);
        let _ = TagFormat::parse(&tag);
    }

    #[test]
    fn a_rendered_tag_parses_back(component in name(), others in proptest::collection::vec(name(), 0..4), v in version(), format in 0usize..4) {
        let f = TagFormat::parse(FORMATS[format]).expect("format");
        let tag = f.render(&component, &v);
        let known: Vec<&str> = others.iter().map(String::as_str).chain([component.as_str()]).collect();
        match f.parse_tag(&tag, known.iter().copied()) {
            // One reading: it is the one the tag was made from.
            Ok(parsed) => {
                prop_assert_eq!(parsed.component, component);
                prop_assert_eq!(parsed.version, v);
            }
            // Several: the tag's own is among them, and each renders back to the same tag.
            Err(TagError::Ambiguous { readings, .. }) => {
                prop_assert!(readings.len() > 1);
                prop_assert!(readings.contains(&(component.clone(), v.clone())));
                for (c, version) in &readings {
                    prop_assert_eq!(f.render(c, version), tag.clone());
                }
            }
            Err(e) => prop_assert!(false, "{tag}: {e:?}"),
        }
    }

    #[test]
    fn arbitrary_configuration_never_panics(text in any::<String>()) {
        let _ = parse_config(&text);
    }

    #[test]
    fn arbitrary_helmignore_never_panics(rules in any::<String>(), path in "[a-zA-Z0-9_./*?\\[\\]!-]{0,40}") {
        let _ = HelmIgnore::parse(&rules).is_ignored(&path);
    }
}
