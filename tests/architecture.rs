//! The layout tells the architecture: the domain is pure. No module under `src/domain/` may
//! reach the filesystem, the environment, the network, async runtimes, the command line or the
//! terminal.

use std::path::Path;

const FORBIDDEN: [&str; 9] = [
    "std::fs",
    "std::env",
    "std::process",
    "std::net",
    "tokio",
    "octocrab",
    "clap",
    "println!",
    "eprintln!",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_domain_does_no_io() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain"),
        &mut files,
    );
    assert!(files.len() >= 10, "domain modules found: {files:?}");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in FORBIDDEN {
                if code.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the domain must stay pure:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_use_cases_take_requests_not_the_command_line() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app"),
        &mut files,
    );
    assert!(files.len() >= 10, "use-case modules found: {files:?}");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in ["crate::cli", "clap::", "use clap"] {
                if code.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "use cases take request structs defined in src/app, built by the command line:\n{}",
        offences.join("\n")
    );
}

/// The modules of `src/app/` every use case may use: the shared door, the GitHub connection,
/// the publishing engine, the workspace and what the tag commands share.
const SHARED: [&str; 5] = ["mod", "connect", "publish", "workspace", "tags"];

/// The first identifier of every path that starts with `prefix`, brace groups included
/// (`use super::{a, b::c}` names `a` and `b`).
fn path_heads(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut heads = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        heads.push(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            heads.push(ident(&group[start..end]));
        } else {
            heads.push(ident(rest));
        }
    }
    heads.retain(|h| !h.is_empty());
    heads
}

#[test]
fn no_use_case_reaches_into_another() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut use_cases: Vec<String> = std::fs::read_dir(&app)
        .expect("read_dir")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".rs").to_owned()
        })
        .filter(|n| !SHARED.contains(&n.as_str()))
        .collect();
    use_cases.sort();
    assert!(use_cases.len() >= 8, "use cases found: {use_cases:?}");
    let mut files = Vec::new();
    rust_files(&app, &mut files);
    let mut offences = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&app).expect("under src/app");
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
            .collect();
        let own = parts[0].clone();
        if SHARED.contains(&own.as_str()) {
            continue;
        }
        // `super::` from `src/app/x.rs` or `src/app/x/mod.rs` is `app`; from `src/app/x/y.rs`,
        // `super::super::`.
        let depth = match parts.last() {
            Some(p) if p == "mod" => parts.len() - 1,
            _ => parts.len(),
        };
        let to_app = "super::".repeat(depth);
        let text = std::fs::read_to_string(file).expect("read");
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut heads = path_heads(&code, "crate::app::");
        if !code.contains(&format!("{to_app}super::")) {
            heads.extend(path_heads(&code, &to_app));
        }
        for head in heads {
            if head != own && use_cases.contains(&head) {
                offences.push(format!("{}: uses `{head}`", file.display()));
            }
        }
    }
    offences.dedup();
    assert!(
        offences.is_empty(),
        "a use case uses only the shared modules ({SHARED:?}), never another use case:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_use_cases_speak_to_github_through_the_typed_adapter() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app"),
        &mut files,
    );
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in [
                "\"/repos/",
                "serde_json::Value",
                "serde_json::json",
                ".pointer(\"/",
            ] {
                if code.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "endpoints and their JSON belong to the GitHub adapter:\n{}",
        offences.join("\n")
    );
}

#[test]
fn path_heads_reads_groups_and_plain_paths() {
    assert_eq!(
        path_heads("use super::{a, b::{c, d}, e};", "super::"),
        ["a", "b", "e"]
    );
    assert_eq!(
        path_heads("x = crate::app::promote::run();", "crate::app::"),
        ["promote"]
    );
}
