//! `.helmignore` matching, so that a change to a file Helm never packages needs no version bump.
//!
//! Helm's rules (see `helm/pkg/ignore`): one glob per line, `#` comments, `!` negates, a trailing
//! `/` matches directories only, a pattern without `/` matches the base name at any depth, a
//! pattern with `/` matches the path relative to the chart root. `**` is not supported by Helm
//! and is treated here like `*` within one segment, as Helm's `filepath.Match` does.

/// A parsed `.helmignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmIgnore {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    pattern: String,
    negate: bool,
    dir_only: bool,
    anchored: bool,
}

impl HelmIgnore {
    /// Parses the file's text; malformed lines are kept literally (Helm does the same).
    pub fn parse(text: &str) -> Self {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                let (negate, rest) = match line.strip_prefix('!') {
                    Some(r) => (true, r),
                    None => (false, line),
                };
                let dir_only = rest.ends_with('/');
                let rest = rest
                    .trim_end_matches('/')
                    .trim_start_matches("./")
                    .trim_start_matches('/');
                Rule {
                    pattern: rest.to_owned(),
                    negate,
                    dir_only,
                    anchored: rest.contains('/'),
                }
            })
            .collect();
        Self { rules }
    }

    /// Whether `path` (relative to the chart root, `/`-separated, a file) is ignored by Helm.
    pub fn is_ignored(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut ignored = false;
        for rule in &self.rules {
            if rule.negate == ignored && rule_matches(rule, &segments) {
                ignored = !rule.negate;
            }
        }
        ignored
    }
}

fn rule_matches(rule: &Rule, segments: &[&str]) -> bool {
    // A file is ignored when it or any parent directory matches.
    (1..=segments.len()).any(|n| {
        let is_dir = n < segments.len();
        if rule.dir_only && !is_dir {
            return false;
        }
        let prefix = &segments[..n];
        if rule.anchored {
            let pat: Vec<&str> = rule.pattern.split('/').collect();
            pat.len() == prefix.len() && pat.iter().zip(prefix).all(|(p, s)| glob(p, s))
        } else {
            prefix.last().is_some_and(|s| glob(&rule.pattern, s))
        }
    })
}

/// Shell-style glob on one path segment: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with one backtrack point for `*`: linear in practice, never recursive.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class(&p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                    pi += 2;
                    ti += 1;
                    continue;
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches a `[...]` class at `p[start]`; returns (matched, index after the class).
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while let Some(&ch) = p.get(i) {
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            let end = p[i + 2];
            matched |= ch <= c && c <= end;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELM_CREATE: &str = "# Patterns to ignore when building packages.\n.DS_Store\n.git/\n.gitignore\n*.swp\n*.bak\n*.tmp\n*.orig\n*~\n.project\n.idea/\n*.tmproj\n.vscode/\n";

    #[test]
    fn matches_like_helm() {
        let ignore = HelmIgnore::parse(HELM_CREATE);
        let cases = [
            ("values.yaml", false),
            ("templates/deployment.yaml", false),
            ("templates/deployment.yaml.swp", true),
            (".vscode/settings.json", true),
            ("sub/.idea/x", true),
            ("notes.txt~", true),
            (".DS_Store", true),
            ("a/.DS_Store", true),
        ];
        for (path, want) in cases {
            assert_eq!(ignore.is_ignored(path), want, "{path}");
        }
    }

    #[test]
    fn negation_and_anchored_patterns() {
        let ignore = HelmIgnore::parse("*.md\n!README.md\nci/\ntemplates/tests/*.yaml\n");
        let cases = [
            ("CHANGELOG.md", true),
            ("README.md", false),
            ("ci/test-values.yaml", true),
            ("ci", false),
            ("templates/tests/test.yaml", true),
            ("templates/test.yaml", false),
        ];
        for (path, want) in cases {
            assert_eq!(ignore.is_ignored(path), want, "{path}");
        }
    }

    #[test]
    fn globs_handle_classes_and_stars() {
        let cases = [
            ("*.y?ml", "a.yaml", true),
            ("[a-c]*", "beta", true),
            ("[!a-c]*", "beta", false),
            ("*a*b*c", "xaxbxc", true),
            ("*a*b*c", "xaxbx", false),
            ("[", "[", true),
            ("a\\*", "a*", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(glob(p, t), want, "{p} {t}");
        }
    }
}
