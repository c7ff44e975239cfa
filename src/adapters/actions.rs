//! The GitHub Actions runtime: inputs, outputs, job summary, annotations and masking.
//!
//! Follows actions/toolkit: inputs are `INPUT_<NAME>` with the name uppercased, spaces as `_`
//! and hyphens kept; outputs are appended to the `GITHUB_OUTPUT` file as `name<<delimiter`
//! blocks with a random delimiter; workflow commands escape `%`, CR and LF in data and also `:`
//! and `,` in properties.
//! See: <https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands>

use std::io::Write;
use std::path::Path;

use crate::domain::diagnostic::{Diagnostic, Severity};

/// Environment variable name of an input (`dry-run` → `INPUT_DRY-RUN`).
pub fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// Parses an Actions boolean: only `true|True|TRUE|false|False|FALSE`.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        other => Err(format!(
            "input `{name}` is `{}`; it must be `true` or `false`",
            other.escape_debug()
        )),
    }
}

/// Escapes workflow-command data.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation for a finding: `::error file=…,line=…,title=…::message`.
pub fn render_annotation(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "notice",
    };
    let mut props = Vec::new();
    if let Some(file) = &d.file {
        props.push(format!("file={}", escape_property(file)));
    }
    if let Some(line) = d.line {
        props.push(format!("line={line}"));
    }
    props.push(format!("title={}", escape_property(d.code)));
    let mut message = d.message.clone();
    for help in &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!("::{level} {}::{}", props.join(","), escape_data(&message))
}

/// The command that masks a secret in the log.
pub fn render_mask(secret: &str) -> String {
    format!("::add-mask::{}", escape_data(secret))
}

/// 32 random hex digits.
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // NOTE: no entropy source (an empty root without `/dev/urandom` and a libc without
        // `getrandom`): hash the time, the pid and a stack address, so that no byte is fixed
        // and a file's content still cannot predict the delimiter.
        use sha1::Digest as _;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let marker = 0u8;
        let mut h = sha1::Sha1::new();
        h.update(nanos.to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        h.update((std::ptr::addr_of!(marker) as usize).to_le_bytes());
        bytes.copy_from_slice(&h.finalize()[..16]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random heredoc delimiter.
fn delimiter() -> String {
    format!("ghadelimiter_{}", random_hex())
}

/// Whether the runner could read a workflow command anywhere in `text`.
///
/// Deliberately coarse: a command line starts with `::` (and holds a second `::`) or with the
/// legacy `##[`, once leading whitespace is trimmed, so text that contains neither sequence
/// cannot hold one, however the runner splits lines or trims them.
pub fn may_hold_commands(text: &str) -> bool {
    text.contains("::") || text.contains("##[")
}

/// A fresh `stop-commands` token that does not occur in `text`.
///
/// The runner compares the resume token with a command's name ignoring case, so the token is
/// lowercase hex and is looked for in `text` lowercased. A token that occurs is replaced by
/// another; the attempt number is part of each token, so the loop ends even when the random
/// source repeats itself (`text` holds fewer distinct substrings than it has bytes).
pub fn stop_token(text: &str) -> String {
    let lowered = text.to_ascii_lowercase();
    let mut attempt: u64 = 0;
    loop {
        let token = format!("{}{attempt:x}", random_hex());
        if !lowered.contains(&token) {
            return token;
        }
        attempt += 1;
    }
}

/// `text` framed so the runner executes no workflow command inside it:
/// `::stop-commands::<token>` … `::<token>::`, with a token that `text` does not contain.
///
/// Text that cannot hold a command ([`may_hold_commands`]) is returned as it is.
/// See: <https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#stopping-and-starting-workflow-commands>
pub fn render_framed(text: &str) -> String {
    if !may_hold_commands(text) {
        return text.to_owned();
    }
    let token = stop_token(text);
    let newline = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    format!("::stop-commands::{token}\n{text}{newline}::{token}::\n")
}

/// Text for stderr on a runner, with every line that the runner could read as a workflow
/// command quoted behind `| `.
///
/// The runner parses stderr for commands too, and shares the `stop-commands` state between
/// stdout and stderr, whose lines it reads in no fixed order; a frame on one stream would not
/// reliably cover the other, so stderr lines are made inert one by one instead. A line is left
/// alone when it starts with a printable ASCII character other than `:` and `#` (the runner
/// trims only whitespace) or holds neither `::` nor `##[`. Lines end at LF and at CR, as the
/// runner splits them.
pub fn render_inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive(['\n', '\r']) {
        let safe_start = line
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_graphic() && c != ':' && c != '#');
        if !safe_start && may_hold_commands(line) {
            out.push_str("| ");
        }
        out.push_str(line);
    }
    out
}

/// Renders outputs in the `GITHUB_OUTPUT` file format.
pub fn render_outputs(outputs: &[(String, String)]) -> Result<String, String> {
    let mut text = String::new();
    for (name, value) in outputs {
        if name.contains(['\n', '\r', '=', '<']) || name.is_empty() {
            return Err(format!(
                "output name `{}` is not valid",
                name.escape_debug()
            ));
        }
        let delim = delimiter();
        if value.contains(&delim) {
            return Err(format!(
                "output `{name}` contains its own delimiter; refusing to write it"
            ));
        }
        text.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    Ok(text)
}

/// Appends to a runner file (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`).
pub fn append_file(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// Largest event payload read (GitHub caps webhook payloads at 25 MB).
const MAX_EVENT: u64 = 25 * 1024 * 1024;

/// Reads the workflow's event payload (`GITHUB_EVENT_PATH`); `None` if absent or unreadable.
pub fn read_event(path: &Path) -> Option<Event> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_EVENT).read_to_string(&mut text).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let str_at = |p: &str| {
        v.pointer(p)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    Some(Event {
        default_branch: str_at("/repository/default_branch"),
        pull_base_sha: str_at("/pull_request/base/sha"),
        pull_number: v
            .pointer("/pull_request/number")
            .or_else(|| v.get("number"))
            .and_then(serde_json::Value::as_u64),
        client_payload: v
            .get("client_payload")
            .and_then(serde_json::Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The parts of the workflow's event payload the action reads; a field of another type than
/// GitHub documents counts as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// `repository.default_branch`.
    pub default_branch: Option<String>,
    /// `pull_request.base.sha`.
    pub pull_base_sha: Option<String>,
    /// `pull_request.number` (or the top-level `number`).
    pub pull_number: Option<u64>,
    /// The string fields of a `repository_dispatch` event's `client_payload`.
    pub client_payload: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_names_keep_hyphens() {
        assert_eq!(input_var("dry-run"), "INPUT_DRY-RUN");
        assert_eq!(input_var("github-token"), "INPUT_GITHUB-TOKEN");
        assert_eq!(input_var("my input"), "INPUT_MY_INPUT");
    }

    #[test]
    fn booleans_are_strict() {
        for ok in ["true", "True", "TRUE"] {
            assert_eq!(parse_bool("x", ok), Ok(true));
        }
        for bad in ["yes", "1", "tRue", ""] {
            assert!(parse_bool("dry-run", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn annotations_escape_data_and_properties() {
        let d = Diagnostic::error("changelog/missing-date", "100% broken\nreally")
            .in_file("charts/a,b/CHANGE:LOG.md")
            .at_line(12)
            .with_help("add a date");
        assert_eq!(
            render_annotation(&d),
            "::error file=charts/a%2Cb/CHANGE%3ALOG.md,line=12,title=changelog/missing-date::100%25 broken%0Areally%0Ahelp: add a date"
        );
    }

    #[test]
    fn text_that_may_hold_commands_is_framed_with_a_fresh_token() {
        assert_eq!(render_framed("plain notes\n"), "plain notes\n");
        assert_eq!(render_framed(""), "");
        let text = "- fixed `a::b`\n::set-output name=a::b";
        let framed = render_framed(text);
        let token = framed
            .strip_prefix("::stop-commands::")
            .and_then(|rest| rest.split('\n').next())
            .expect("frame");
        assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            framed,
            format!("::stop-commands::{token}\n{text}\n::{token}::\n")
        );
        assert_ne!(render_framed(text), framed, "a fresh token per frame");
    }

    #[test]
    fn the_stop_token_never_occurs_in_the_text() {
        let token = stop_token("");
        let text = format!("::{}::", token.to_uppercase());
        let other = stop_token(&text);
        assert!(!text.to_ascii_lowercase().contains(&other));
    }

    #[test]
    fn stderr_lines_that_read_as_commands_are_quoted() {
        for (text, expected) in [
            ("error: failed `a::b`\n", "error: failed `a::b`\n"),
            ("error: x\n::add-mask::y\n", "error: x\n| ::add-mask::y\n"),
            ("e\r  ::warning::x", "e\r|   ::warning::x"),
            ("##[error]x\n", "| ##[error]x\n"),
            ("  no command here\n", "  no command here\n"),
            ("\u{3000}::endgroup::", "| \u{3000}::endgroup::"),
        ] {
            assert_eq!(render_inert(text), expected, "{text:?}");
        }
    }

    #[test]
    fn outputs_use_a_random_heredoc_delimiter() {
        let text = render_outputs(&[
            ("notes".into(), "line 1\nline 2".into()),
            ("v".into(), "1".into()),
        ])
        .expect("ok");
        let first = text.lines().next().expect("line");
        let delim = first.strip_prefix("notes<<").expect("heredoc");
        assert!(delim.starts_with("ghadelimiter_") && delim.len() > 30);
        assert!(text.contains(&format!("notes<<{delim}\nline 1\nline 2\n{delim}\n")));
        let second = render_outputs(&[("v".into(), "1".into())]).expect("ok");
        assert!(!second.contains(delim));
    }
}
