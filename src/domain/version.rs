//! Version arithmetic: the next version for a bump level, per [SemVer 2.0.0](https://semver.org/).

use semver::{BuildMetadata, Prerelease, Version};

/// How much a release changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Bug fixes only.
    Patch,
    /// New, backwards-compatible features.
    Minor,
    /// Breaking changes.
    Major,
}

impl Bump {
    /// The level's name as users write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// The next version after `current` for `bump`.
///
/// A pre-release is released by the smallest bump that covers it, as Cargo and npm do:
/// `1.2.0-rc.1` bumped by patch or minor is `1.2.0`.
///
/// ```
/// use release_action::domain::version::{next_version, Bump};
/// let v = |s: &str| s.parse::<semver::Version>().unwrap();
/// assert_eq!(next_version(&v("1.2.3"), Bump::Patch), v("1.2.4"));
/// assert_eq!(next_version(&v("1.2.3"), Bump::Minor), v("1.3.0"));
/// assert_eq!(next_version(&v("1.2.3"), Bump::Major), v("2.0.0"));
/// assert_eq!(next_version(&v("1.2.0-rc.1"), Bump::Minor), v("1.2.0"));
/// ```
pub fn next_version(current: &Version, bump: Bump) -> Version {
    let pre = !current.pre.is_empty();
    let (major, minor, patch) = (current.major, current.minor, current.patch);
    let (major, minor, patch) = match bump {
        Bump::Patch if pre => (major, minor, patch),
        Bump::Patch => (major, minor, patch.saturating_add(1)),
        Bump::Minor if pre && patch == 0 => (major, minor, 0),
        Bump::Minor => (major, minor.saturating_add(1), 0),
        Bump::Major if pre && minor == 0 && patch == 0 => (major, 0, 0),
        Bump::Major => (major.saturating_add(1), 0, 0),
    };
    Version {
        major,
        minor,
        patch,
        pre: Prerelease::EMPTY,
        build: BuildMetadata::EMPTY,
    }
}

/// Parses a strict SemVer 2 version (no `v` prefix, no leading zeros).
pub fn parse_strict(text: &str) -> Result<Version, semver::Error> {
    Version::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().expect("test version")
    }

    #[test]
    fn bumps_follow_semver() {
        let cases = [
            ("0.0.1", Bump::Patch, "0.0.2"),
            ("0.9.9", Bump::Minor, "0.10.0"),
            ("1.9.9", Bump::Major, "2.0.0"),
            ("1.2.3-rc.1", Bump::Patch, "1.2.3"),
            ("1.2.0-rc.1", Bump::Minor, "1.2.0"),
            ("1.2.3-rc.1", Bump::Minor, "1.3.0"),
            ("2.0.0-beta", Bump::Major, "2.0.0"),
            ("2.1.0-beta", Bump::Major, "3.0.0"),
            ("1.2.3+build.5", Bump::Patch, "1.2.4"),
        ];
        for (from, bump, to) in cases {
            assert_eq!(next_version(&v(from), bump), v(to), "{from} {bump:?}");
        }
    }

    #[test]
    fn bump_never_overflows() {
        let max = Version::new(u64::MAX, u64::MAX, u64::MAX);
        assert_eq!(next_version(&max, Bump::Patch).patch, u64::MAX);
    }

    #[test]
    fn strict_parse_rejects_leading_zeros_and_prefixes() {
        for bad in ["v1.2.3", "01.2.3", "1.02.3", "1.2", "1.2.3-01", " 1.2.3"] {
            assert!(parse_strict(bad).is_err(), "{bad}");
        }
        assert!(parse_strict("1.2.3-rc.1+build.2").is_ok());
    }
}
