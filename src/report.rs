//! Rendering: findings as compiler-style text or workflow annotations, and the job summary.

use crate::domain::diagnostic::{Diagnostic, Severity};

/// The longest snippet line shown; longer lines are cut with `…`.
const MAX_SNIPPET: usize = 120;

/// A finding for a terminal, the way compilers write them:
///
/// ```text
/// error[changelog/missing-date]: the release heading of 1.2.0 has no date
///   --> helm/charts/frontend/CHANGELOG.md:12:1
///    |
/// 12 | ## [1.2.0]
///    | ^^^^^^^^^^
///    = help: write `## [1.2.0] - YYYY-MM-DD`
/// ```
pub fn render_diagnostic(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
    };
    let mut out = format!("{level}[{}]: {}\n", d.code, d.message);
    let column = d.marker_column();
    let gutter = d.line.map_or(1, |l| l.to_string().len());
    let pad = " ".repeat(gutter);
    if let Some(file) = &d.file {
        let place = match (d.line, column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.clone(),
        };
        out.push_str(&format!("{pad}--> {place}\n"));
    }
    if let (Some(line), Some(source), Some(column)) = (d.line, d.source(), column) {
        let shown: String = source.chars().take(MAX_SNIPPET).collect();
        let cut = if source.chars().count() > MAX_SNIPPET {
            "…"
        } else {
            ""
        };
        let start = column.saturating_sub(1).min(shown.chars().count());
        let width = shown
            .chars()
            .skip(start)
            .collect::<String>()
            .trim_end()
            .chars()
            .count()
            .max(1);
        out.push_str(&format!(
            "{pad} |\n{line} | {shown}{cut}\n{pad} | {}{}\n",
            " ".repeat(start),
            "^".repeat(width)
        ));
    }
    for help in &d.help {
        out.push_str(&format!("{pad} = help: {help}\n"));
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
        let mut d = Diagnostic::error("tag/unknown-component", "unknown component `frontnd`")
            .in_file(".github/release-action.yml")
            .at_line(3)
            .with_help("did you mean `frontend`?");
        assert_eq!(
            render_diagnostic(&d),
            "error[tag/unknown-component]: unknown component `frontnd`\n --> .github/release-action.yml:3\n  = help: did you mean `frontend`?\n"
        );
        d.attach_source("a: 1\nb: 2\n  latest-component: frontnd\n");
        assert_eq!(
            render_diagnostic(&d),
            "error[tag/unknown-component]: unknown component `frontnd`\n --> .github/release-action.yml:3:3\n  |\n3 |   latest-component: frontnd\n  |   ^^^^^^^^^^^^^^^^^^^^^^^^^\n  = help: did you mean `frontend`?\n"
        );
        let d = Diagnostic::warning("x/y", "no place")
            .with_help("a")
            .with_help("b");
        assert_eq!(
            render_diagnostic(&d),
            "warning[x/y]: no place\n  = help: a\n  = help: b\n"
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
