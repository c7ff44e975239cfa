//! Rendering: findings as compiler-style text or workflow annotations, and the job summary.

use crate::domain::diagnostic::{Diagnostic, Severity};

/// A finding for a terminal: `error: <file>:<line>: <message>` and `help:` lines.
pub fn render_diagnostic(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
    };
    let mut out = format!("{level}: {d}\n");
    for help in &d.help {
        out.push_str(&format!("  = help: {help}\n"));
    }
    out
}

/// Escapes text for a Markdown table cell.
pub fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The findings as a Markdown list for the job summary (annotations are capped per step).
pub fn render_findings_markdown(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return String::new();
    }
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let notices = count(Severity::Notice);
    let mut md = format!(
        "\n### Findings: {} error(s), {} warning(s){}\n\n| | where | what | code |\n|---|---|---|---|\n",
        count(Severity::Error),
        count(Severity::Warning),
        if notices > 0 { format!(", {notices} notice(s)") } else { String::new() }
    );
    for d in diagnostics {
        let icon = match d.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
            Severity::Notice => "ℹ️",
        };
        let place = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!("`{}:{l}`", md_cell(f)),
            (Some(f), None) => format!("`{}`", md_cell(f)),
            _ => String::new(),
        };
        let mut what = md_cell(&d.message);
        for h in &d.help {
            what.push_str("<br>");
            what.push_str(&md_cell(h));
        }
        md.push_str(&format!("| {icon} | {place} | {what} | `{}` |\n", d.code));
    }
    md
}

/// A Mermaid flowchart of the promotion path with each environment's version, highlighting
/// the step being taken.
pub fn render_mermaid(envs: &[(String, Option<String>)], step: Option<(&str, &str)>) -> String {
    let mut md = String::from("```mermaid\nflowchart LR\n");
    for (i, (env, version)) in envs.iter().enumerate() {
        let v = version.as_deref().unwrap_or("—");
        md.push_str(&format!("  e{i}[\"{env}<br/>{v}\"]\n"));
    }
    for i in 1..envs.len() {
        let label = match step {
            Some((from, to)) if envs[i - 1].0 == from && envs[i].0 == to => "-- promote -->",
            _ => "-->",
        };
        md.push_str(&format!("  e{} {label} e{i}\n", i - 1));
    }
    md.push_str("```\n");
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_findings_read_like_compiler_errors() {
        let d = Diagnostic::error("tag/unknown-component", "unknown component `frontnd`")
            .in_file(".github/release-action.yml")
            .at_line(3)
            .with_help("did you mean `frontend`?");
        assert_eq!(
            render_diagnostic(&d),
            "error: .github/release-action.yml:3: unknown component `frontnd`\n  = help: did you mean `frontend`?\n"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\nc<script>"), "a\\|b c&lt;script&gt;");
    }

    #[test]
    fn mermaid_marks_the_promotion_step() {
        let envs = vec![
            ("dev".to_owned(), Some("1.1.0".to_owned())),
            ("staging".to_owned(), None),
        ];
        let md = render_mermaid(&envs, Some(("dev", "staging")));
        assert!(md.contains("e0 -- promote --> e1"));
        assert!(md.contains("e1[\"staging<br/>—\"]"));
    }
}
