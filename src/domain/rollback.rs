//! Rollback decisions: which archived bill of materials an environment goes back to, what that
//! changes entry by entry, and the record of the versions it withdraws.
//!
//! Archives live in `releases/history/<env>/<UTC stamp>-<what>.yaml`; their names sort by time.
//! A rollback archives the file it replaces as `<stamp>-rollback-<chart>@<version>_….yaml`: the
//! name records each chart version the rollback withdraws, so promotion can refuse to bring it
//! back (see [`withdrawn_in`]) from a tree listing alone, without reading any file. A whole
//! environment goes back byte for byte to an archive; one chart (`--chart`) gets only its pin.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use semver::Version;

use super::bom::{Bom, ImagePin};

/// The marker in an archive name that says a rollback replaced the archived file.
pub const ROLLBACK_MARK: &str = "-rollback";

/// Where to roll back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The state before the environment's (or the chart's) last change.
    Previous,
    /// An archive, by file name.
    Archive(String),
    /// A version of the chart that the environment ran before.
    Version(Version),
}

/// One archived bill of materials.
#[derive(Debug, Clone, PartialEq)]
pub struct Archived {
    /// The file name, `<stamp>-<what>.yaml`.
    pub name: String,
    /// Its content, parsed.
    pub bom: Bom,
}

/// Why there is nothing to roll back to (a finding: exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The environment has no archive yet.
    #[error("`{env}` has no history yet: nothing to roll back to")]
    NoHistory {
        /// The environment.
        env: String,
    },
    /// The named archive does not exist.
    #[error("`{env}` has no archive `{name}`")]
    UnknownArchive {
        /// The environment.
        env: String,
        /// The name asked for.
        name: String,
    },
    /// The chart never ran that version in the environment.
    #[error("`{env}` never pinned `{chart}` {version}")]
    NeverPinned {
        /// The environment.
        env: String,
        /// The chart.
        chart: String,
        /// The version asked for.
        version: Version,
        /// What it did pin, oldest first.
        pinned: Vec<String>,
    },
    /// `--to VERSION` without `--chart`.
    #[error("`--to {version}` names a version; say which chart with `--chart`")]
    VersionWithoutChart {
        /// The version asked for.
        version: Version,
    },
    /// The chart has no earlier pin in the archives.
    #[error("no archive of `{env}` pins `{chart}` differently from now")]
    NoEarlierPin {
        /// The environment.
        env: String,
        /// The chart.
        chart: String,
    },
}

/// The archive a rollback restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Restore from this archive.
    Restore(String),
    /// The last change was itself a rollback (recorded in this archive): going further back
    /// needs an explicit `--to`, so a re-run after the merge changes nothing.
    AlreadyRolledBack(String),
}

/// Whether an archive name is the record of a rollback.
pub fn is_rollback_record(name: &str) -> bool {
    name.contains(ROLLBACK_MARK)
}

/// The `<what>` part of a rollback's archive name: `rollback-web@1.1.0_api@2.0.0`, or
/// `rollback` when no chart version is withdrawn (only images changed).
///
/// ```
/// use release_action::domain::rollback::{archive_what, withdrawn_in};
/// let v = semver::Version::new(1, 1, 0);
/// let what = archive_what(&[("web".to_owned(), v.clone())]);
/// assert_eq!(what, "rollback-web@1.1.0");
/// assert_eq!(withdrawn_in(&format!("20260101T000000Z-{what}.yaml")), [("web".to_owned(), v)]);
/// ```
pub fn archive_what(withdrawn: &[(String, Version)]) -> String {
    let list: Vec<String> = withdrawn.iter().map(|(c, v)| format!("{c}@{v}")).collect();
    if list.is_empty() {
        "rollback".to_owned()
    } else {
        format!("rollback-{}", list.join("_"))
    }
}

/// The chart versions an archive name says a rollback withdrew (nothing for other archives, or
/// for parts that do not read as `<chart>@<SemVer>`).
pub fn withdrawn_in(name: &str) -> Vec<(String, Version)> {
    let Some(at) = name.find(&format!("{ROLLBACK_MARK}-")) else {
        return Vec::new();
    };
    let rest = &name[at + ROLLBACK_MARK.len() + 1..];
    let rest = rest.strip_suffix(".yaml").unwrap_or(rest);
    rest.split('_')
        .filter_map(|part| {
            let (chart, version) = part.split_once('@')?;
            let ok = !chart.is_empty()
                && chart
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            Some((chart.to_owned(), Version::parse(version).ok()?)).filter(|_| ok)
        })
        .collect()
}

/// Every version of `chart` withdrawn per environment, from the paths of a tree (or working
/// tree) under `<releases_dir>/history/<env>/`.
pub fn withdrawn_versions<'p>(
    paths: impl IntoIterator<Item = &'p str>,
    releases_dir: &str,
    chart: &str,
) -> BTreeMap<String, Vec<Version>> {
    let prefix = format!("{}/history/", releases_dir.trim_end_matches('/'));
    let mut out: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for path in paths {
        let Some((env, name)) = path.strip_prefix(&prefix).and_then(|r| r.split_once('/')) else {
            continue;
        };
        if name.contains('/') {
            continue;
        }
        for (c, v) in withdrawn_in(name) {
            if c == chart {
                out.entry(env.to_owned()).or_default().push(v);
            }
        }
    }
    out
}

/// Chooses the archive to restore. `archives` are the environment's archives in any order;
/// `current` is what it runs now.
///
/// - [`Target::Archive`]: that archive.
/// - [`Target::Version`] (with a chart): the newest archive pinning the chart at that version.
/// - [`Target::Previous`]: the newest archive, or with a chart the newest whose pin of the
///   chart differs from now. When the newest relevant archive is a rollback's record, the
///   last change already was a rollback: [`Choice::AlreadyRolledBack`].
pub fn choose(
    env: &str,
    archives: &[Archived],
    current: &Bom,
    chart: Option<&str>,
    target: &Target,
) -> Result<Choice, Refusal> {
    let mut sorted: Vec<&Archived> = archives.iter().collect();
    sorted.sort_by(|a, b| b.name.cmp(&a.name));
    match target {
        Target::Archive(name) => archives
            .iter()
            .find(|a| &a.name == name)
            .map(|a| Choice::Restore(a.name.clone()))
            .ok_or_else(|| Refusal::UnknownArchive {
                env: env.to_owned(),
                name: name.clone(),
            }),
        Target::Version(version) => {
            let Some(chart) = chart else {
                return Err(Refusal::VersionWithoutChart {
                    version: version.clone(),
                });
            };
            let pins = |a: &Archived| {
                a.bom
                    .charts
                    .get(chart)
                    .and_then(|v| Version::parse(v).ok())
                    .is_some_and(|v| v.cmp_precedence(version) == Ordering::Equal)
            };
            sorted
                .iter()
                .find(|a| pins(a))
                .map(|a| Choice::Restore(a.name.clone()))
                .ok_or_else(|| Refusal::NeverPinned {
                    env: env.to_owned(),
                    chart: chart.to_owned(),
                    version: version.clone(),
                    pinned: pinned_versions(archives, current, chart),
                })
        }
        Target::Previous => {
            if sorted.is_empty() {
                return Err(Refusal::NoHistory {
                    env: env.to_owned(),
                });
            }
            for a in &sorted {
                match chart {
                    None => {
                        return Ok(if is_rollback_record(&a.name) {
                            Choice::AlreadyRolledBack(a.name.clone())
                        } else {
                            Choice::Restore(a.name.clone())
                        });
                    }
                    Some(c) => {
                        if a.bom.charts.get(c) == current.charts.get(c) {
                            continue;
                        }
                        return Ok(if is_rollback_record(&a.name) {
                            Choice::AlreadyRolledBack(a.name.clone())
                        } else {
                            Choice::Restore(a.name.clone())
                        });
                    }
                }
            }
            Err(Refusal::NoEarlierPin {
                env: env.to_owned(),
                chart: chart.unwrap_or_default().to_owned(),
            })
        }
    }
}

/// The versions of `chart` the environment pinned, in its archives and now, in SemVer order.
pub fn pinned_versions(archives: &[Archived], current: &Bom, chart: &str) -> Vec<String> {
    let mut seen: Vec<Version> = archives
        .iter()
        .map(|a| &a.bom)
        .chain(std::iter::once(current))
        .filter_map(|b| b.charts.get(chart))
        .filter_map(|v| Version::parse(v).ok())
        .collect();
    seen.sort_by(Version::cmp_precedence);
    seen.dedup_by(|a, b| a.cmp_precedence(b) == Ordering::Equal);
    seen.iter().map(ToString::to_string).collect()
}

/// What kind of entry a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Under `charts:`.
    Chart,
    /// Under `images:`.
    Image,
}

/// One entry that a rollback changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryChange {
    /// Chart or image.
    pub kind: Kind,
    /// The chart or component name.
    pub name: String,
    /// What the environment runs now (`None`: absent).
    pub before: Option<String>,
    /// What it runs after the rollback (`None`: removed).
    pub after: Option<String>,
}

fn image_text(pin: &ImagePin) -> String {
    match &pin.digest {
        Some(d) => format!("{}:{}@{d}", pin.image, pin.tag),
        None => format!("{}:{}", pin.image, pin.tag),
    }
}

/// The entries that differ between `current` and `restored`, charts first, then images; with
/// `chart`, only that chart's pin.
pub fn entry_changes(current: &Bom, restored: &Bom, chart: Option<&str>) -> Vec<EntryChange> {
    let mut out = Vec::new();
    let names = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        let mut n: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
        n.sort();
        n.dedup();
        n
    };
    for name in names(&current.charts, &restored.charts) {
        if chart.is_some_and(|c| c != name) {
            continue;
        }
        let (before, after) = (current.charts.get(&name), restored.charts.get(&name));
        if before != after {
            out.push(EntryChange {
                kind: Kind::Chart,
                name,
                before: before.cloned(),
                after: after.cloned(),
            });
        }
    }
    if chart.is_none() {
        let mut n: Vec<&String> = current
            .images
            .keys()
            .chain(restored.images.keys())
            .collect();
        n.sort();
        n.dedup();
        for name in n {
            let before = current.images.get(name).map(image_text);
            let after = restored.images.get(name).map(image_text);
            if before != after {
                out.push(EntryChange {
                    kind: Kind::Image,
                    name: name.clone(),
                    before,
                    after,
                });
            }
        }
    }
    out
}

/// The chart versions a rollback withdraws: every chart whose pin changes, at its current
/// version.
pub fn withdrawn_by(changes: &[EntryChange]) -> Vec<(String, Version)> {
    changes
        .iter()
        .filter(|c| c.kind == Kind::Chart)
        .filter_map(|c| Some((c.name.clone(), Version::parse(c.before.as_deref()?).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bom(charts: &[(&str, &str)]) -> Bom {
        Bom {
            charts: charts
                .iter()
                .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
                .collect(),
            ..Bom::default()
        }
    }
    fn archived(name: &str, charts: &[(&str, &str)]) -> Archived {
        Archived {
            name: name.to_owned(),
            bom: bom(charts),
        }
    }
    fn v(s: &str) -> Version {
        s.parse().expect("version")
    }

    #[test]
    fn rollback_archive_names_record_what_they_withdraw() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "20260101T000000Z-rollback-web@1.1.0.yaml",
                &[("web", "1.1.0")],
            ),
            (
                "20260101T000000Z-rollback-web@1.1.0-rc.1_data-platform@2.0.0+b.1.yaml",
                &[("web", "1.1.0-rc.1"), ("data-platform", "2.0.0+b.1")],
            ),
            ("20260101T000000Z-rollback.yaml", &[]),
            ("20260101T000000Z-promote-web-1.1.0.yaml", &[]),
            ("20260101T000000Z-rollback-web@1.x.yaml", &[]),
            ("20260101T000000Z-rollback-Web@1.0.0.yaml", &[]),
        ];
        for (name, want) in cases {
            let want: Vec<(String, Version)> =
                want.iter().map(|(c, x)| ((*c).to_owned(), v(x))).collect();
            assert_eq!(withdrawn_in(name), want, "{name}");
        }
        let list = [
            ("web".to_owned(), v("1.1.0")),
            ("api".to_owned(), v("2.0.0")),
        ];
        assert_eq!(archive_what(&list), "rollback-web@1.1.0_api@2.0.0");
        assert_eq!(archive_what(&[]), "rollback");
    }

    #[test]
    fn withdrawn_versions_are_read_per_environment_from_paths() {
        let paths = [
            "releases/history/staging/20260101T000000Z-rollback-web@1.1.0.yaml",
            "releases/history/prod/20260102T000000Z-rollback-api@2.0.0_web@1.0.0.yaml",
            "releases/history/staging/20260103T000000Z-promote-web-1.2.0.yaml",
            "releases/history/snapshots/x/20260101T000000Z-rollback-web@9.0.0.yaml",
            "other/history/dev/20260101T000000Z-rollback-web@3.0.0.yaml",
        ];
        let got = withdrawn_versions(paths, "releases", "web");
        assert_eq!(
            got,
            BTreeMap::from([
                ("prod".to_owned(), vec![v("1.0.0")]),
                ("staging".to_owned(), vec![v("1.1.0")]),
            ])
        );
    }

    #[test]
    fn the_previous_state_is_the_newest_archive_unless_that_was_a_rollback() {
        let current = bom(&[("web", "1.1.0"), ("api", "2.0.0")]);
        let archives = [
            archived(
                "20260101T000000Z-promote-api-2.0.0.yaml",
                &[("web", "1.0.0"), ("api", "1.0.0")],
            ),
            archived(
                "20260102T000000Z-promote-web-1.1.0.yaml",
                &[("web", "1.0.0"), ("api", "2.0.0")],
            ),
        ];
        let pick = |chart, target: &Target| choose("staging", &archives, &current, chart, target);
        assert_eq!(
            pick(None, &Target::Previous),
            Ok(Choice::Restore(
                "20260102T000000Z-promote-web-1.1.0.yaml".into()
            ))
        );
        assert_eq!(
            pick(Some("api"), &Target::Previous),
            Ok(Choice::Restore(
                "20260101T000000Z-promote-api-2.0.0.yaml".into()
            ))
        );
        assert_eq!(
            pick(Some("web"), &Target::Version(v("1.0.0"))),
            Ok(Choice::Restore(
                "20260102T000000Z-promote-web-1.1.0.yaml".into()
            ))
        );
        assert_eq!(
            pick(Some("web"), &Target::Version(v("0.9.0"))),
            Err(Refusal::NeverPinned {
                env: "staging".into(),
                chart: "web".into(),
                version: v("0.9.0"),
                pinned: vec!["1.0.0".into(), "1.1.0".into()],
            })
        );
        assert!(matches!(
            pick(None, &Target::Archive("nope.yaml".into())),
            Err(Refusal::UnknownArchive { .. })
        ));
        assert!(matches!(
            pick(None, &Target::Version(v("1.0.0"))),
            Err(Refusal::VersionWithoutChart { .. })
        ));
        assert_eq!(
            choose("dev", &[], &current, None, &Target::Previous),
            Err(Refusal::NoHistory { env: "dev".into() })
        );
        assert!(matches!(
            pick(Some("nothing"), &Target::Previous),
            Err(Refusal::NoEarlierPin { .. })
        ));

        // After the rollback of web merged: its record is the newest archive.
        let rolled = bom(&[("web", "1.0.0"), ("api", "2.0.0")]);
        let mut after = archives.to_vec();
        after.push(archived(
            "20260103T000000Z-rollback-web@1.1.0.yaml",
            &[("web", "1.1.0"), ("api", "2.0.0")],
        ));
        let again = |chart| choose("staging", &after, &rolled, chart, &Target::Previous);
        assert_eq!(
            again(None),
            Ok(Choice::AlreadyRolledBack(
                "20260103T000000Z-rollback-web@1.1.0.yaml".into()
            ))
        );
        assert_eq!(
            again(Some("web")),
            Ok(Choice::AlreadyRolledBack(
                "20260103T000000Z-rollback-web@1.1.0.yaml".into()
            ))
        );
        assert_eq!(
            again(Some("api")),
            Ok(Choice::Restore(
                "20260101T000000Z-promote-api-2.0.0.yaml".into()
            ))
        );
    }

    #[test]
    fn entry_changes_list_what_moves_and_what_is_withdrawn() {
        let mut current = bom(&[("web", "1.1.0"), ("api", "2.0.0"), ("new", "0.1.0")]);
        current.images.insert(
            "app".into(),
            ImagePin {
                image: "ghcr.io/o/app".into(),
                tag: "v2".into(),
                digest: None,
            },
        );
        let mut old = bom(&[("web", "1.0.0"), ("api", "2.0.0")]);
        old.images.insert(
            "app".into(),
            ImagePin {
                image: "ghcr.io/o/app".into(),
                tag: "v1".into(),
                digest: None,
            },
        );
        let all = entry_changes(&current, &old, None);
        let rows: Vec<(Kind, &str, Option<&str>, Option<&str>)> = all
            .iter()
            .map(|c| {
                (
                    c.kind,
                    c.name.as_str(),
                    c.before.as_deref(),
                    c.after.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (Kind::Chart, "new", Some("0.1.0"), None),
                (Kind::Chart, "web", Some("1.1.0"), Some("1.0.0")),
                (
                    Kind::Image,
                    "app",
                    Some("ghcr.io/o/app:v2"),
                    Some("ghcr.io/o/app:v1")
                ),
            ]
        );
        assert_eq!(
            withdrawn_by(&all),
            [
                ("new".to_owned(), v("0.1.0")),
                ("web".to_owned(), v("1.1.0"))
            ]
        );
        assert_eq!(entry_changes(&current, &old, Some("web")).len(), 1);
        assert!(entry_changes(&current, &current, None).is_empty());
    }
}
