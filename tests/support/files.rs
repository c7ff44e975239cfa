//! File helpers shared by the end-to-end test binaries: copying a repository, listing every
//! file with its bytes, and reading the `GITHUB_OUTPUT` file format.

use std::collections::BTreeMap;
use std::path::Path;

/// Parses the `GITHUB_OUTPUT` file format, insisting on well-formed heredocs.
pub fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let (name, delim) = line
            .split_once("<<")
            .unwrap_or_else(|| panic!("not a heredoc: {line:?}"));
        let mut value = Vec::new();
        loop {
            let l = lines
                .next()
                .unwrap_or_else(|| panic!("unterminated output {name}"));
            if l == delim {
                break;
            }
            value.push(l);
        }
        map.insert(name.to_owned(), value.join("\n"));
    }
    map
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `root` (but `.git`) with its bytes; a symlink maps to its target.
pub fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    files
}

fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .expect("prefix")
            .to_string_lossy()
            .into_owned();
        if rel == ".git" {
            continue;
        }
        let kind = entry.file_type().expect("type");
        if kind.is_dir() {
            walk(root, &path, files);
        } else if kind.is_symlink() {
            files.insert(
                rel,
                std::fs::read_link(&path)
                    .expect("link")
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes(),
            );
        } else {
            files.insert(rel, std::fs::read(&path).expect("read"));
        }
    }
}
