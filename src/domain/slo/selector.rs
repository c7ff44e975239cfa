//! The release being judged, as PromQL label matchers: `{app="web",track="canary"}`.
//!
//! The selector is added to every vector selector of the default queries, so it is read with
//! PromQL's own grammar for label matchers and nothing else: a label name, one of `=`, `!=`,
//! `=~`, `!~`, and a string literal in double quotes, single quotes or backticks. Anything else
//! (a second selector, an operator, a function) is refused before a query is built from it, so
//! an input cannot rewrite the queries.
//! See: <https://prometheus.io/docs/prometheus/latest/querying/basics/#instant-vector-selectors>

/// Longest selector accepted, in bytes.
const MAX_SELECTOR: usize = 4096;

/// Label matchers, each kept as written (`track="canary"`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    matchers: Vec<String>,
}

impl Selector {
    /// Parses matchers, with or without the surrounding braces; an empty text (or `{}`) is no
    /// selector.
    ///
    /// ```
    /// use release_action::domain::slo::Selector;
    /// let s = Selector::parse(r#"{app="web", track=~"canary|stable"}"#).expect("valid");
    /// assert_eq!(s.to_string(), r#"{app="web",track=~"canary|stable"}"#);
    /// assert!(Selector::parse(r#"{app="web"} or vector(1)"#).is_err());
    /// assert!(Selector::parse(r#"app=web"#).is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.len() > MAX_SELECTOR {
            return Err(format!(
                "the selector is {} bytes; at most {MAX_SELECTOR}",
                trimmed.len()
            ));
        }
        let inner = match trimmed.strip_prefix('{') {
            Some(rest) => rest
                .strip_suffix('}')
                .ok_or_else(|| "the selector opens `{` but does not end with `}`".to_owned())?,
            None => trimmed,
        };
        let bytes = inner.as_bytes();
        let mut i = 0;
        let mut matchers = Vec::new();
        let skip_space = |i: &mut usize| {
            while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
                *i += 1;
            }
        };
        loop {
            skip_space(&mut i);
            if i >= bytes.len() {
                break;
            }
            let start = i;
            if !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') {
                return Err(bad(inner, i, "a label name"));
            }
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let name = &inner[start..i];
            skip_space(&mut i);
            let op = ["=~", "!~", "!=", "="]
                .into_iter()
                .find(|op| inner[i..].starts_with(op))
                .ok_or_else(|| bad(inner, i, "`=`, `!=`, `=~` or `!~`"))?;
            i += op.len();
            skip_space(&mut i);
            let value_start = i;
            let quote = *bytes
                .get(i)
                .filter(|b| matches!(b, b'"' | b'\'' | b'`'))
                .ok_or_else(|| bad(inner, i, "a quoted value"))?;
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        return Err(format!(
                            "the value of `{name}` in the selector has no closing {}",
                            quote as char
                        ))
                    }
                    Some(b'\\') if quote != b'`' => i += 2,
                    Some(b'\n' | b'\r') => {
                        return Err("the selector must be on one line".into());
                    }
                    Some(&b) if b == quote => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            let value = inner
                .get(value_start..i)
                .ok_or("the selector is cut short")?;
            matchers.push(format!("{name}{op}{value}"));
            skip_space(&mut i);
            match bytes.get(i) {
                None => break,
                Some(b',') => i += 1,
                Some(_) => return Err(bad(inner, i, "`,` or the end of the selector")),
            }
        }
        Ok(Self { matchers })
    }

    /// Whether there are no matchers.
    pub fn is_empty(&self) -> bool {
        self.matchers.is_empty()
    }

    /// A vector selector of `metric` with `first` matchers, then this selector's.
    pub fn vector(&self, metric: &str, first: &[&str]) -> String {
        let all: Vec<&str> = first
            .iter()
            .copied()
            .chain(self.matchers.iter().map(String::as_str))
            .collect();
        if all.is_empty() {
            metric.to_owned()
        } else {
            format!("{metric}{{{}}}", all.join(","))
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}", self.matchers.join(","))
    }
}

fn bad(inner: &str, at: usize, expected: &str) -> String {
    let found: String = inner[at..].chars().take(12).collect();
    if found.is_empty() {
        format!("the selector ends where {expected} was expected")
    } else {
        format!(
            "the selector has `{}` where {expected} was expected (label matchers look like `app=\"web\"`)",
            found.escape_debug()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_read_as_label_matchers() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                r#"{app="web",track="canary"}"#,
                Some(r#"{app="web",track="canary"}"#),
            ),
            (r#"app="web""#, Some(r#"{app="web"}"#)),
            (r#" { app = "web" , } "#, Some(r#"{app="web"}"#)),
            (r#"{env!='prod'}"#, Some(r#"{env!='prod'}"#)),
            (r#"{path=~`/api/.*`}"#, Some(r#"{path=~`/api/.*`}"#)),
            (r#"{v="a\"b,c}"}"#, Some(r#"{v="a\"b,c}"}"#)),
            ("", Some("{}")),
            ("{}", Some("{}")),
            (r#"{app="web"} or vector(1)"#, None),
            (r#"{app="web"}} or {x="y"}"#, None),
            (r#"{app=web}"#, None),
            (r#"{app="web""#, None),
            (r#"{app="web"#, None),
            (r#"{1app="web"}"#, None),
            (r#"{app=="web"}"#, None),
            (r#"{app="web" track="x"}"#, None),
            ("{app=\"we\nb\"}", None),
            (r#"sum(x)"#, None),
        ];
        for (text, want) in cases {
            let got = Selector::parse(text).map(|s| s.to_string());
            assert_eq!(
                got.as_ref().ok().map(String::as_str),
                *want,
                "{text}: {got:?}"
            );
        }
    }

    #[test]
    fn matchers_follow_the_query_own_ones() {
        let s = Selector::parse(r#"app="web""#).expect("valid");
        assert_eq!(
            s.vector("m", &[r#"code=~"5..""#]),
            r#"m{code=~"5..",app="web"}"#
        );
        assert_eq!(Selector::default().vector("m", &[]), "m");
        assert!(Selector::default().is_empty());
    }
}
