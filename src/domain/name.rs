//! Component and environment names: the one grammar every name a user gives us must match.
//!
//! Names end up in paths (`helm/charts/<name>`), branch names
//! (`release-action/promote/<name>-<env>`) and Markdown, so they are restricted to
//! `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$` and at most 63 characters (a DNS label, as Helm requires
//! of chart names). Anything else is hostile or a typo and is refused before any file is read.

/// Longest name accepted, as for a DNS label.
pub const MAX_NAME_LEN: usize = 63;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty string.
    #[error("the name is empty")]
    Empty,
    /// Longer than [`MAX_NAME_LEN`].
    #[error("the name is {0} characters long; at most 63 are allowed")]
    TooLong(usize),
    /// A character outside `[a-z0-9-]`, or a leading/trailing hyphen.
    #[error("the name {0} may contain only lowercase letters, digits and inner hyphens")]
    BadCharacters(String),
}

/// Checks a component or environment name.
///
/// ```
/// use release_action::domain::name::check_name;
/// assert!(check_name("frontend").is_ok());
/// assert!(check_name("../etc").is_err());
/// assert!(check_name("-x").is_err());
/// ```
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(NameError::TooLong(len));
    }
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok_chars || name.starts_with('-') || name.ends_with('-') {
        return Err(NameError::BadCharacters(format!(
            "`{}`",
            name.escape_debug()
        )));
    }
    Ok(())
}

/// The known name closest to `unknown` by Levenshtein distance, if it is close enough to be a
/// typo (at most a third of its length, and at least 2, edits away).
pub fn did_you_mean<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (unknown.chars().count() / 3).max(2);
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(unknown, k), k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

/// A name that passed [`check_name`]: what the doors hand the use cases, so that a hostile or
/// mistyped name is refused before any file is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// Checks `name`.
    pub fn parse(name: &str) -> Result<Self, NameError> {
        check_name(name)?;
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl std::ops::Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_dns_label_grammar() {
        let cases: &[(&str, bool)] = &[
            ("frontend", true),
            ("walking-skeleton", true),
            ("a", true),
            ("a1-b2", true),
            ("", false),
            ("-a", false),
            ("a-", false),
            ("A", false),
            ("a_b", false),
            ("a/b", false),
            ("..", false),
            ("a b", false),
            ("a\nb", false),
            ("a;rm", false),
            ("é", false),
        ];
        for (name, ok) in cases {
            assert_eq!(check_name(name).is_ok(), *ok, "{name:?}");
        }
        assert_eq!(check_name(&"a".repeat(63)), Ok(()));
        assert_eq!(check_name(&"a".repeat(64)), Err(NameError::TooLong(64)));
    }

    #[test]
    fn did_you_mean_finds_close_typos_only() {
        let known = ["backend", "frontend"];
        assert_eq!(did_you_mean("frontnd", known), Some("frontend"));
        assert_eq!(did_you_mean("backedn", known), Some("backend"));
        assert_eq!(did_you_mean("database", known), None);
    }
}
