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
