//! The repository on disk: every file the tool reads or writes goes through here.
//!
//! Reads are confined to the repository (a path with `..`, an absolute path, or a symlink whose
//! target resolves outside the repository is refused), limited in size, and must be UTF-8.
//! Writes are atomic: the new bytes go to a temporary file in the same directory, which is then
//! renamed over the target, so an interrupted run never leaves half a file.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// Largest YAML or version file read.
pub const MAX_SMALL_FILE: u64 = 4 * 1024 * 1024;
/// Largest changelog read.
pub const MAX_CHANGELOG: u64 = 64 * 1024 * 1024;

/// Why a repository file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// The path or a symlink on it leads outside the repository: a hostile file (exit 1).
    #[error("`{path}` leads outside the repository{detail}")]
    OutsideRepository {
        /// Repository-relative path as given.
        path: String,
        /// Where it leads, when known.
        detail: String,
    },
    /// The file is larger than the limit: a hostile file (exit 1).
    #[error("`{path}` is {size} bytes; files over {limit} bytes are refused")]
    TooLarge {
        /// Repository-relative path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8: a malformed file (exit 1).
    #[error("`{path}` is not valid UTF-8 (line {line})")]
    NotUtf8 {
        /// Repository-relative path.
        path: String,
        /// 1-based line of the first invalid byte.
        line: usize,
    },
    /// Any other I/O failure (exit 3).
    #[error("failed to {action} `{path}`: {source}")]
    Io {
        /// read, write, list, ...
        action: &'static str,
        /// Repository-relative path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

impl FsError {
    /// The repository-relative path concerned.
    pub fn path(&self) -> &str {
        match self {
            Self::OutsideRepository { path, .. }
            | Self::TooLarge { path, .. }
            | Self::NotUtf8 { path, .. }
            | Self::Io { path, .. } => path,
        }
    }

    /// True when the file itself is at fault (a finding, exit 1) rather than the machine.
    pub fn is_finding(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// A repository working tree.
#[derive(Debug, Clone)]
pub struct RepoDir {
    root: PathBuf,
}

impl RepoDir {
    /// Opens the repository at `root` (which must exist and be a directory).
    pub fn open(root: &Path) -> Result<Self, FsError> {
        let root = root.canonicalize().map_err(|source| FsError::Io {
            action: "open repository",
            path: root.display().to_string(),
            source,
        })?;
        if !root.is_dir() {
            return Err(FsError::Io {
                action: "open repository",
                path: root.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        Ok(Self { root })
    }

    /// The repository's absolute root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a repository-relative path, refusing anything that leaves the repository.
    fn resolve(&self, rel: &str) -> Result<PathBuf, FsError> {
        let outside = |detail: &str| FsError::OutsideRepository {
            path: rel.to_owned(),
            detail: detail.to_owned(),
        };
        let path = Path::new(rel);
        if rel.is_empty()
            || path
                .components()
                .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(outside(" (only relative paths without `..` are allowed)"));
        }
        let full = self.root.join(path);
        // Resolve symlinks on the longest existing prefix and require it to stay inside. A
        // dangling symlink on the way is refused rather than followed on write.
        let mut existing = full.as_path();
        while !existing.exists() {
            if existing.symlink_metadata().is_ok() {
                return Err(outside(" (a dangling symlink)"));
            }
            match existing.parent() {
                Some(p) => existing = p,
                None => break,
            }
        }
        let real = existing
            .canonicalize()
            .map_err(|_| outside(" (a symlink that cannot be resolved)"))?;
        if !real.starts_with(&self.root) {
            return Err(outside(&format!(" (it resolves to `{}`)", real.display())));
        }
        Ok(full)
    }

    /// Whether the file exists (a refused path counts as absent only for dangling symlinks).
    pub fn exists(&self, rel: &str) -> bool {
        self.resolve(rel).map(|p| p.is_file()).unwrap_or(false)
    }

    /// Reads a text file; `Ok(None)` if it does not exist.
    pub fn read(&self, rel: &str, limit: u64) -> Result<Option<String>, FsError> {
        self.read_bytes(rel, limit)?
            .map(|bytes| utf8(bytes, rel))
            .transpose()
    }

    /// Reads a text file at a path a person typed (`--config`, `--changelog`): absolute, or
    /// relative to the repository, and free to lie outside it. A path that lands inside the
    /// repository is read with the repository's rules, so a symlink there still cannot lead
    /// out; only what lies outside (the person's own files) is read as the system finds it.
    /// `Ok(None)` if it does not exist.
    pub fn read_typed(&self, typed: &str, limit: u64) -> Result<Option<String>, FsError> {
        let full = normalize(&self.root.join(typed));
        match self.inside(&full) {
            // The repository itself is a directory, not a file.
            Some(rel) if rel.is_empty() => Ok(None),
            Some(rel) => self.read(&rel, limit),
            None => read_at(&full, typed, limit)?
                .map(|bytes| utf8(bytes, typed))
                .transpose(),
        }
    }

    /// The repository-relative spelling of an absolute, normalised path inside the repository
    /// (directly, or through its real parent directory).
    fn inside(&self, full: &Path) -> Option<String> {
        let rel = full
            .strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .ok()
            .or_else(|| {
                let parent = full.parent()?.canonicalize().ok()?;
                Some(
                    parent
                        .strip_prefix(&self.root)
                        .ok()?
                        .join(full.file_name()?),
                )
            })?;
        rel.to_str().map(|r| r.replace('\\', "/"))
    }

    /// Reads a file's bytes; `Ok(None)` if it does not exist (or is a directory).
    pub fn read_bytes(&self, rel: &str, limit: u64) -> Result<Option<Vec<u8>>, FsError> {
        let full = self.resolve(rel)?;
        read_at(&full, rel, limit)
    }

    /// Names of the subdirectories of `rel`, sorted; empty if it does not exist.
    pub fn list_dirs(&self, rel: &str) -> Result<Vec<String>, FsError> {
        self.list(rel, true)
    }

    /// Names of the files in `rel`, sorted; empty if it does not exist.
    pub fn list_files(&self, rel: &str) -> Result<Vec<String>, FsError> {
        self.list(rel, false)
    }

    fn list(&self, rel: &str, dirs: bool) -> Result<Vec<String>, FsError> {
        let full = self.resolve(rel)?;
        let entries = match std::fs::read_dir(&full) {
            Ok(e) => e,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(Vec::new())
            }
            Err(source) => {
                return Err(FsError::Io {
                    action: "list",
                    path: rel.to_owned(),
                    source,
                })
            }
        };
        let mut names = Vec::new();
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            // Symlinked directories are not followed: a chart is a real directory.
            if (dirs && kind.is_dir()) || (!dirs && (kind.is_file() || kind.is_symlink())) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Writes `bytes` to `rel` atomically, creating parent directories.
    pub fn write_atomic(&self, rel: &str, bytes: &[u8]) -> Result<(), FsError> {
        let full = self.resolve(rel)?;
        let io = |source| FsError::Io {
            action: "write",
            path: rel.to_owned(),
            source,
        };
        let parent = full
            .parent()
            .ok_or_else(|| io(std::io::Error::other("no parent directory")))?;
        std::fs::create_dir_all(parent).map_err(io)?;
        // Re-check after creating directories: nothing on the way may be a symlink out.
        self.resolve(rel)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".release-action-")
            .tempfile_in(parent)
            .map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        if let Ok(meta) = std::fs::metadata(&full) {
            // Keep the file's permissions (an executable VERSION script stays executable).
            let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
        }
        tmp.persist(&full).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// Reads the file at `full` (`rel` names it in errors), up to `limit` bytes; `Ok(None)` if it
/// does not exist or is a directory.
fn read_at(full: &Path, rel: &str, limit: u64) -> Result<Option<Vec<u8>>, FsError> {
    let file = match std::fs::File::open(full) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FsError::Io {
                action: "read",
                path: rel.to_owned(),
                source,
            })
        }
    };
    let io = |source| FsError::Io {
        action: "read",
        path: rel.to_owned(),
        source,
    };
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Ok(None);
    }
    if meta.len() > limit {
        return Err(FsError::TooLarge {
            path: rel.to_owned(),
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(FsError::TooLarge {
            path: rel.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(Some(bytes))
}

/// The text of `bytes`, or the line of the first byte that is not UTF-8.
fn utf8(bytes: Vec<u8>, rel: &str) -> Result<String, FsError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        FsError::NotUtf8 {
            path: rel.to_owned(),
            line,
        }
    })
}

/// `path` with `.` and `..` resolved by their text, without asking the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, RepoDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = RepoDir::open(dir.path()).expect("open");
        (dir, repo)
    }

    #[test]
    fn reads_and_writes_inside_the_repository() {
        let (_d, repo) = repo();
        repo.write_atomic("a/b/c.txt", b"hello\n").expect("write");
        assert_eq!(
            repo.read("a/b/c.txt", 100).expect("read").as_deref(),
            Some("hello\n")
        );
        assert_eq!(repo.read("missing.txt", 100).expect("read"), None);
        assert_eq!(repo.list_dirs("a").expect("list"), ["b"]);
        assert_eq!(repo.list_files("a/b").expect("list"), ["c.txt"]);
    }

    #[test]
    fn refuses_paths_that_leave_the_repository() {
        let (dir, repo) = repo();
        for bad in ["../x", "/etc/passwd", "a/../../x", ""] {
            assert!(
                matches!(repo.read(bad, 100), Err(FsError::OutsideRepository { .. })),
                "{bad}"
            );
        }
        std::os::unix::fs::symlink("/etc", dir.path().join("link")).expect("symlink");
        assert!(matches!(
            repo.read("link/passwd", 100),
            Err(FsError::OutsideRepository { .. })
        ));
        assert!(matches!(
            repo.write_atomic("link/x", b""),
            Err(FsError::OutsideRepository { .. })
        ));
        std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("dangling")).expect("symlink");
        assert!(repo.write_atomic("dangling", b"x").is_err());
        assert!(!Path::new("/nonexistent/x").exists());
    }

    #[test]
    fn typed_paths_may_lie_outside_but_the_repository_keeps_its_rules() {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("cfg.yml"), "a: 1\n").expect("write");
        let (dir, repo) = repo();
        std::fs::create_dir_all(dir.path().join(".github")).expect("mkdir");
        std::fs::write(dir.path().join(".github/x.yml"), "b: 2\n").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path().join("cfg.yml"), dir.path().join("link.yml"))
            .expect("symlink");
        let abs = outside.path().join("cfg.yml");
        let abs = abs.to_str().expect("utf8");
        let inside_abs = dir.path().join(".github/x.yml");
        let cases: Vec<(String, Result<Option<&str>, ()>)> = vec![
            (abs.to_owned(), Ok(Some("a: 1\n"))),
            (".github/x.yml".into(), Ok(Some("b: 2\n"))),
            ("./.github/../.github/x.yml".into(), Ok(Some("b: 2\n"))),
            (
                inside_abs.to_str().expect("utf8").to_owned(),
                Ok(Some("b: 2\n")),
            ),
            ("missing.yml".into(), Ok(None)),
            (".".into(), Ok(None)),
            // A symlink the repository holds still may not lead out of it.
            #[cfg(unix)]
            ("link.yml".into(), Err(())),
        ];
        for (typed, want) in cases {
            let got = repo.read_typed(&typed, 100);
            match (&got, want) {
                (Ok(text), Ok(want)) => assert_eq!(text.as_deref(), want, "{typed}"),
                (Err(FsError::OutsideRepository { .. }), Err(())) => {}
                _ => panic!("{typed}: {got:?}"),
            }
        }
    }

    #[test]
    fn refuses_large_and_non_utf8_files() {
        let (_d, repo) = repo();
        repo.write_atomic("big", &[b'a'; 101]).expect("write");
        assert!(matches!(
            repo.read("big", 100),
            Err(FsError::TooLarge { size: 101, .. })
        ));
        repo.write_atomic("bin", b"ok\nok\n\xff\n").expect("write");
        assert!(matches!(
            repo.read("bin", 100),
            Err(FsError::NotUtf8 { line: 3, .. })
        ));
    }
}
