//! Judging a change, not the history: which findings of the head already existed at the base.
//!
//! A finding is *pre-existing* when the base has one with the same fingerprint: the same rule,
//! the same file, the same text on the offending line and the same message (with line numbers
//! taken out). The line number itself is not part of it, so a finding that moved because lines
//! were added above it is still pre-existing, while a second instance of a rule that already
//! fires elsewhere in the file is new: fingerprints are counted, not just looked up.

use std::collections::{BTreeMap, HashMap};

use super::diagnostic::Diagnostic;

/// What identifies a finding across two revisions of a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint {
    /// The rule id.
    pub code: &'static str,
    /// The file, if any.
    pub file: Option<String>,
    /// The offending line's text, trimmed (empty when the finding has no line).
    pub line_text: String,
    /// The message with every `line N` reference taken out.
    pub message: String,
}

/// Line starts of one text, for quick line lookups.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { text, starts }
    }

    /// The text of 1-based line `line`, without its line ending.
    fn line(&self, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .starts
            .get(line)
            .map(|&e| e.saturating_sub(1))
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

/// Removes `line N` references, which move when lines are added above them.
fn without_line_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        let (head, tail) = rest.split_at(i + "line ".len());
        out.push_str(head);
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push('N');
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// The fingerprints of `findings`; `text_of` gives a file's text where it was read.
pub fn fingerprints<'t>(
    findings: &[Diagnostic],
    text_of: impl Fn(&str) -> Option<&'t str>,
) -> Vec<Fingerprint> {
    let mut indexes: HashMap<&str, Option<LineIndex<'t>>> = HashMap::new();
    findings
        .iter()
        .map(|d| {
            let line_text = match (d.file.as_deref(), d.line) {
                (Some(file), Some(line)) => indexes
                    .entry(file)
                    .or_insert_with(|| text_of(file).map(LineIndex::new))
                    .as_ref()
                    .map(|ix| ix.line(line).trim().to_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            Fingerprint {
                code: d.code,
                file: d.file.clone(),
                line_text,
                message: without_line_numbers(&d.message),
            }
        })
        .collect()
}

/// Splits the head's findings into new ones and pre-existing ones, given both sides'
/// fingerprints (`head_prints[i]` belongs to `head[i]`).
pub fn split(
    head: Vec<Diagnostic>,
    head_prints: &[Fingerprint],
    base_prints: &[Fingerprint],
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut at_base: HashMap<&Fingerprint, usize> = HashMap::new();
    for p in base_prints {
        *at_base.entry(p).or_default() += 1;
    }
    let mut new = Vec::new();
    let mut old = Vec::new();
    for (d, p) in head.into_iter().zip(head_prints) {
        match at_base.get_mut(p) {
            Some(n) if *n > 0 => {
                *n -= 1;
                old.push(d);
            }
            _ => new.push(d),
        }
    }
    (new, old)
}

/// A group of pre-existing findings: the file and the rule.
type GroupKey<'d> = (Option<&'d str>, &'static str);

/// One notice per rule and file for the pre-existing findings, with their count, so that a
/// repository's history is listed once and never fails the gate.
pub fn notices(preexisting: &[Diagnostic]) -> Vec<Diagnostic> {
    // (file, rule) → (count, first line)
    let mut groups: BTreeMap<GroupKey<'_>, (usize, Option<usize>)> = BTreeMap::new();
    for d in preexisting {
        let g = groups.entry((d.file.as_deref(), d.code)).or_default();
        g.0 += 1;
        g.1 = g.1.or(d.line);
    }
    groups
        .into_iter()
        .map(|((file, code), (count, line))| {
            let what = if count == 1 {
                "1 finding".to_owned()
            } else {
                format!("{count} findings")
            };
            let mut n = Diagnostic::notice(
                code,
                format!("{what} of `{code}` already existed before this change (pre-existing; not judged)"),
            )
            .with_help(format!(
                "fix them in a change of their own, or set `rules: {{ {code}: off }}` if the repository's convention differs"
            ));
            if let Some(file) = file {
                n = n.in_file(file);
            }
            if let Some(line) = line {
                n = n.at_line(line);
            }
            n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prints(findings: &[Diagnostic], text: &str) -> Vec<Fingerprint> {
        fingerprints(findings, |_| Some(text))
    }

    #[test]
    fn a_finding_that_moved_is_still_preexisting() {
        let base = "# Changelog\n\n## [1.0.0]\n";
        let head = "# Changelog\n\n## [1.1.0] - 2026-01-01\n\n- x\n\n## [1.0.0]\n";
        let at = |line| {
            Diagnostic::error("changelog/missing-date", "release `1.0.0` has no date")
                .in_file("CHANGELOG.md")
                .at_line(line)
        };
        let (new, old) = split(
            vec![at(7)],
            &prints(&[at(7)], head),
            &prints(&[at(3)], base),
        );
        assert!(new.is_empty());
        assert_eq!(old.len(), 1);
    }

    #[test]
    fn a_second_instance_of_a_rule_is_new() {
        let base = "a: {tag: latest}\n";
        let head = "a: {tag: latest}\na: {tag: latest}\n";
        let f = |line| {
            Diagnostic::error(
                "values/floating-tag",
                "image `a` uses the floating tag `latest`",
            )
            .in_file("values.yaml")
            .at_line(line)
        };
        let head_f = vec![f(1), f(2)];
        let (new, old) = split(
            head_f.clone(),
            &prints(&head_f, head),
            &prints(&[f(1)], base),
        );
        assert_eq!((new.len(), old.len()), (1, 1));
    }

    #[test]
    fn line_numbers_in_messages_do_not_count() {
        assert_eq!(
            without_line_numbers("duplicate of line 12, see line 3"),
            "duplicate of line N, see line N"
        );
        assert_eq!(
            without_line_numbers("on the line above"),
            "on the line above"
        );
    }

    #[test]
    fn notices_group_by_rule_and_file_with_a_count() {
        let d = |code, file: &str| Diagnostic::error(code, "m").in_file(file).at_line(3);
        let n = notices(&[
            d("changelog/missing-date", "a.md"),
            d("changelog/missing-date", "a.md"),
            d("changelog/missing-date", "b.md"),
        ]);
        assert_eq!(n.len(), 2);
        assert!(n[0]
            .message
            .starts_with("2 findings of `changelog/missing-date`"));
        assert_eq!(n[0].severity, super::super::diagnostic::Severity::Notice);
    }
}
