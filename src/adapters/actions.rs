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

/// A random heredoc delimiter.
fn delimiter() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Fall back to time and pid; still unguessable by file content in practice.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes[..16].copy_from_slice(&(nanos ^ u128::from(std::process::id())).to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ghadelimiter_{hex}")
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
pub fn read_event(path: &Path) -> Option<serde_json::Value> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_EVENT).read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
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
