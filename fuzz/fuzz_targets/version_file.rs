//! Version-file reading and editing: arbitrary text never panics, and a successful edit reads
//! back as the version asked for (as `tests/prop_yaml.rs` checks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use release_action::domain::version_file::{read_version, set_version, VersionFileKind};

const KINDS: [VersionFileKind; 6] = [
    VersionFileKind::Chart,
    VersionFileKind::PackageJson,
    VersionFileKind::CargoToml,
    VersionFileKind::PyProject,
    VersionFileKind::PythonModule,
    VersionFileKind::PlainVersion,
];

fuzz_target!(|input: (&str, (u64, u64, u64))| {
    let (text, (major, minor, patch)) = input;
    let v = semver::Version::new(major, minor, patch);
    for kind in KINDS {
        let _ = read_version(kind, text);
        if let Ok(new) = set_version(kind, text, &v) {
            // A chart edit is checked by the chart target (a chart may lack `name`).
            if kind != VersionFileKind::Chart {
                let got = read_version(kind, &new).map(|(s, _)| s);
                assert_eq!(got, Ok(v.to_string()), "{kind:?}: {text:?} -> {new:?}");
            }
        }
    }
});
