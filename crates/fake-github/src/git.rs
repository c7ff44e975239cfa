//! The fake's git object database: blobs, trees, commits and annotated tags,
//! serialized byte for byte as git serializes them so that every id the fake
//! hands out is the object id real git computes for the same content.
//!
//! Follows git's object format (`<type> SP <size> NUL <payload>`, hashed with
//! SHA-1), the tree entry order of `git mktree` (a tree's name sorts as if it
//! ended in `/`), and the commit and tag headers of `git cat-file -p`.
//! See: <https://git-scm.com/docs/gitformat-object> (for the wire form of the
//! objects) and <https://git-scm.com/docs/git-log> (for the default history order).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// The mode of a tree entry, which also fixes the type of object it points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A regular file (`100644`).
    File,
    /// An executable file (`100755`).
    Executable,
    /// A symbolic link whose blob holds the target path (`120000`).
    Symlink,
    /// A sub-directory (`040000` in the API, `40000` inside git).
    Tree,
    /// A submodule: a commit of another repository (`160000`).
    Submodule,
}

impl Mode {
    /// The mode as git writes it inside a tree object.
    pub(crate) fn git(self) -> &'static str {
        match self {
            Mode::File => "100644",
            Mode::Executable => "100755",
            Mode::Symlink => "120000",
            Mode::Tree => "40000",
            Mode::Submodule => "160000",
        }
    }

    /// The mode as the REST API shows and accepts it.
    pub fn api(self) -> &'static str {
        match self {
            Mode::Tree => "040000",
            other => other.git(),
        }
    }

    /// Parses an API mode string (`040000` and git's `40000` are both accepted).
    pub fn from_api(mode: &str) -> Option<Mode> {
        match mode {
            "100644" => Some(Mode::File),
            "100755" => Some(Mode::Executable),
            "120000" => Some(Mode::Symlink),
            "040000" | "40000" => Some(Mode::Tree),
            "160000" => Some(Mode::Submodule),
            _ => None,
        }
    }

    /// The type of object an entry with this mode points at.
    pub fn object_type(self) -> &'static str {
        match self {
            Mode::File | Mode::Executable | Mode::Symlink => "blob",
            Mode::Tree => "tree",
            Mode::Submodule => "commit",
        }
    }
}

/// A person and a moment, as in git's `author` / `committer` / `tagger` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Signature {
    /// Display name.
    pub(crate) name: String,
    /// E-mail address (written between `<` and `>`).
    pub(crate) email: String,
    /// Seconds since the Unix epoch.
    pub(crate) time: i64,
    /// The author's UTC offset in minutes (`+0200` is 120).
    pub(crate) offset_minutes: i32,
}

impl Signature {
    fn git(&self) -> String {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let abs = self.offset_minutes.unsigned_abs();
        format!(
            "{} <{}> {} {}{:02}{:02}",
            self.name,
            self.email,
            self.time,
            sign,
            abs / 60,
            abs % 60
        )
    }
}

/// One entry of a tree object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TreeEntry {
    /// What the entry is.
    pub(crate) mode: Mode,
    /// The file or directory name (one path component).
    pub(crate) name: String,
    /// The object id it points at.
    pub(crate) sha: String,
}

/// A commit object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CommitObject {
    /// The root tree.
    pub(crate) tree: String,
    /// Parent commit ids, first parent first.
    pub(crate) parents: Vec<String>,
    /// Who wrote the change, and when.
    pub(crate) author: Signature,
    /// Who committed it, and when (the date history order uses).
    pub(crate) committer: Signature,
    /// The message, byte for byte (git adds no newline of its own here).
    pub(crate) message: String,
    /// An optional `gpgsig` header value.
    pub(crate) gpgsig: Option<String>,
}

/// An annotated tag object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TagObject {
    /// The tagged object's id.
    pub(crate) object: String,
    /// The tagged object's type (`commit`, `tree`, `blob`, `tag`).
    pub(crate) kind: String,
    /// The tag name.
    pub(crate) tag: String,
    /// Who made the tag, if recorded.
    pub(crate) tagger: Option<Signature>,
    /// The tag message.
    pub(crate) message: String,
}

/// Any git object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Object {
    /// File content.
    Blob(Vec<u8>),
    /// A directory listing.
    Tree(Vec<TreeEntry>),
    /// A commit.
    Commit(CommitObject),
    /// An annotated tag.
    Tag(TagObject),
}

impl Object {
    /// git's name for the object's type.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Object::Blob(_) => "blob",
            Object::Tree(_) => "tree",
            Object::Commit(_) => "commit",
            Object::Tag(_) => "tag",
        }
    }
}

/// Orders tree entries as git does: byte-wise, a tree's name followed by `/`.
fn entry_order(a: &TreeEntry, b: &TreeEntry) -> Ordering {
    let key = |e: &TreeEntry| {
        let mut k = e.name.as_bytes().to_vec();
        if e.mode == Mode::Tree {
            k.push(b'/');
        }
        k
    };
    key(a).cmp(&key(b))
}

/// Serializes an object's payload (without the `<type> <len>\0` header).
fn payload(object: &Object) -> Vec<u8> {
    match object {
        Object::Blob(bytes) => bytes.clone(),
        Object::Tree(entries) => {
            let mut sorted = entries.clone();
            sorted.sort_by(entry_order);
            let mut out = Vec::new();
            for entry in &sorted {
                out.extend_from_slice(entry.mode.git().as_bytes());
                out.push(b' ');
                out.extend_from_slice(entry.name.as_bytes());
                out.push(0);
                out.extend_from_slice(&hex_to_bytes(&entry.sha));
            }
            out
        }
        Object::Commit(c) => {
            let mut out = format!("tree {}\n", c.tree);
            for parent in &c.parents {
                out.push_str(&format!("parent {parent}\n"));
            }
            out.push_str(&format!("author {}\n", c.author.git()));
            out.push_str(&format!("committer {}\n", c.committer.git()));
            if let Some(sig) = &c.gpgsig {
                out.push_str("gpgsig ");
                out.push_str(&sig.trim_end_matches('\n').replace('\n', "\n "));
                out.push('\n');
            }
            out.push('\n');
            out.push_str(&c.message);
            out.into_bytes()
        }
        Object::Tag(t) => {
            let mut out = format!("object {}\ntype {}\ntag {}\n", t.object, t.kind, t.tag);
            if let Some(tagger) = &t.tagger {
                out.push_str(&format!("tagger {}\n", tagger.git()));
            }
            out.push('\n');
            out.push_str(&t.message);
            out.into_bytes()
        }
    }
}

/// The git object id of `payload` stored as an object of type `kind`.
pub(crate) fn object_id(kind: &str, payload: &[u8]) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    hasher.update(format!("{kind} {}\0", payload.len()).as_bytes());
    hasher.update(payload);
    hasher.digest().to_string()
}

/// The object id `git hash-object` prints for a file with these bytes.
pub fn blob_id(bytes: &[u8]) -> String {
    object_id("blob", bytes)
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| hex.get(i * 2..i * 2 + 2))
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect()
}

/// Whether `s` looks like a full 40-hex object id.
pub(crate) fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A leaf of a flattened tree: the entry's mode and object id.
pub(crate) type Leaf = (Mode, String);

/// The object database of one repository.
#[derive(Clone, Debug, Default)]
pub(crate) struct ObjectStore {
    objects: HashMap<String, Object>,
}

impl ObjectStore {
    /// Stores an object (trees are stored sorted) and returns its id.
    pub(crate) fn put(&mut self, object: Object) -> String {
        let object = match object {
            Object::Tree(mut entries) => {
                entries.sort_by(entry_order);
                Object::Tree(entries)
            }
            other => other,
        };
        let id = object_id(object.kind(), &payload(&object));
        self.objects.entry(id.clone()).or_insert(object);
        id
    }

    /// The object with this id.
    pub(crate) fn get(&self, sha: &str) -> Option<&Object> {
        self.objects.get(sha)
    }

    /// The type of the object with this id.
    pub(crate) fn kind(&self, sha: &str) -> Option<&'static str> {
        self.get(sha).map(Object::kind)
    }

    /// The bytes of a blob.
    pub(crate) fn blob(&self, sha: &str) -> Option<&[u8]> {
        match self.get(sha) {
            Some(Object::Blob(b)) => Some(b),
            _ => None,
        }
    }

    /// The entries of a tree.
    pub(crate) fn tree(&self, sha: &str) -> Option<&[TreeEntry]> {
        match self.get(sha) {
            Some(Object::Tree(t)) => Some(t),
            _ => None,
        }
    }

    /// A commit.
    pub(crate) fn commit(&self, sha: &str) -> Option<&CommitObject> {
        match self.get(sha) {
            Some(Object::Commit(c)) => Some(c),
            _ => None,
        }
    }

    /// An annotated tag.
    pub(crate) fn tag(&self, sha: &str) -> Option<&TagObject> {
        match self.get(sha) {
            Some(Object::Tag(t)) => Some(t),
            _ => None,
        }
    }

    /// Resolves a unique abbreviated id (at least 7 hex digits) to the full id.
    pub(crate) fn expand(&self, prefix: &str) -> Option<String> {
        if is_full_sha(prefix) {
            return self
                .objects
                .contains_key(prefix)
                .then(|| prefix.to_string());
        }
        if prefix.len() < 7 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let lower = prefix.to_ascii_lowercase();
        let mut hits = self.objects.keys().filter(|k| k.starts_with(&lower));
        let first = hits.next()?;
        hits.next().is_none().then(|| first.clone())
    }

    /// Follows annotated tags until a non-tag object.
    pub(crate) fn peel(&self, sha: &str) -> Option<String> {
        let mut current = sha.to_string();
        for _ in 0..32 {
            match self.get(&current)? {
                Object::Tag(t) => current = t.object.clone(),
                _ => return Some(current),
            }
        }
        None
    }

    /// Follows tags down to a commit.
    pub(crate) fn peel_to_commit(&self, sha: &str) -> Option<String> {
        let peeled = self.peel(sha)?;
        self.commit(&peeled).map(|_| peeled)
    }

    /// Follows tags and commits down to a tree.
    pub(crate) fn peel_to_tree(&self, sha: &str) -> Option<String> {
        let peeled = self.peel(sha)?;
        match self.get(&peeled)? {
            Object::Tree(_) => Some(peeled),
            Object::Commit(c) => Some(c.tree.clone()),
            _ => None,
        }
    }

    /// Every non-tree leaf under `tree_sha`, keyed by its full path.
    pub(crate) fn flatten(&self, tree_sha: &str) -> BTreeMap<String, Leaf> {
        let mut out = BTreeMap::new();
        self.flatten_into(tree_sha, "", &mut out, 0);
        out
    }

    fn flatten_into(
        &self,
        tree_sha: &str,
        prefix: &str,
        out: &mut BTreeMap<String, Leaf>,
        depth: usize,
    ) {
        if depth > 256 {
            return;
        }
        for entry in self.tree(tree_sha).unwrap_or(&[]) {
            let path = format!("{prefix}{}", entry.name);
            if entry.mode == Mode::Tree {
                self.flatten_into(&entry.sha, &format!("{path}/"), out, depth + 1);
            } else {
                out.insert(path, (entry.mode, entry.sha.clone()));
            }
        }
    }

    /// Builds (and stores) the nested trees for a flat path map; returns the root id.
    pub(crate) fn build_tree(&mut self, flat: &BTreeMap<String, Leaf>) -> String {
        let mut files: Vec<TreeEntry> = Vec::new();
        let mut dirs: BTreeMap<String, BTreeMap<String, Leaf>> = BTreeMap::new();
        for (path, (mode, sha)) in flat {
            match path.split_once('/') {
                Some((dir, rest)) => {
                    dirs.entry(dir.to_string())
                        .or_default()
                        .insert(rest.to_string(), (*mode, sha.clone()));
                }
                None => files.push(TreeEntry {
                    mode: *mode,
                    name: path.clone(),
                    sha: sha.clone(),
                }),
            }
        }
        for (name, sub) in dirs {
            let sha = self.build_tree(&sub);
            files.push(TreeEntry {
                mode: Mode::Tree,
                name,
                sha,
            });
        }
        self.put(Object::Tree(files))
    }

    /// The entry at `path` under `tree_sha` (`""` is the tree itself).
    pub(crate) fn entry_at(&self, tree_sha: &str, path: &str) -> Option<Leaf> {
        let mut current: Leaf = (Mode::Tree, tree_sha.to_string());
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if current.0 != Mode::Tree {
                return None;
            }
            let entries = self.tree(&current.1)?;
            let entry = entries.iter().find(|e| e.name == part)?;
            current = (entry.mode, entry.sha.clone());
        }
        Some(current)
    }

    /// The commit and all its ancestors.
    pub(crate) fn ancestors(&self, sha: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![sha.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(c) = self.commit(&current) {
                stack.extend(c.parents.iter().cloned());
            }
        }
        seen
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub(crate) fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        self.ancestors(descendant).contains(ancestor)
    }

    /// The best common ancestor of two commits (the newest if there are several).
    pub(crate) fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let ours = self.ancestors(a);
        let theirs = self.ancestors(b);
        let common: HashSet<&String> = ours.intersection(&theirs).collect();
        let mut below = HashSet::new();
        for c in &common {
            if let Some(commit) = self.commit(c) {
                for parent in &commit.parents {
                    below.extend(self.ancestors(parent));
                }
            }
        }
        common
            .into_iter()
            .filter(|c| !below.contains(*c))
            .max_by_key(|c| (self.commit(c).map(|x| x.committer.time), (*c).clone()))
            .cloned()
    }

    /// History from `start`, newest committer date first, each commit once
    /// (git log's default order).
    pub(crate) fn log(&self, start: &str) -> Vec<String> {
        #[derive(PartialEq, Eq)]
        struct Item(i64, u64, String);
        impl Ord for Item {
            fn cmp(&self, other: &Self) -> Ordering {
                // Newer first; among equal dates, the one queued first.
                self.0.cmp(&other.0).then(other.1.cmp(&self.1))
            }
        }
        impl PartialOrd for Item {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = BinaryHeap::new();
        let mut counter = 0u64;
        if let Some(c) = self.commit(start) {
            queue.push(Item(c.committer.time, counter, start.to_string()));
            seen.insert(start.to_string());
        }
        while let Some(Item(_, _, sha)) = queue.pop() {
            if let Some(c) = self.commit(&sha) {
                for parent in &c.parents {
                    if let Some(pc) = self.commit(parent) {
                        if seen.insert(parent.clone()) {
                            counter += 1;
                            queue.push(Item(pc.committer.time, counter, parent.clone()));
                        }
                    }
                }
            }
            out.push(sha);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(time: i64, offset_minutes: i32) -> Signature {
        Signature {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            time,
            offset_minutes,
        }
    }

    #[test]
    fn blob_ids_match_git_hash_object() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"),
            (b"hello\n", "ce013625030ba8dba906f756967f9e9ca394464a"),
            (b"x", "c1b0730e0133447badcfd47fd144e254807b06e1"),
        ];
        for (bytes, want) in cases {
            assert_eq!(blob_id(bytes), *want);
        }
    }

    #[test]
    fn empty_tree_has_gits_well_known_id() {
        let mut store = ObjectStore::default();
        assert_eq!(
            store.put(Object::Tree(vec![])),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
    }

    #[test]
    fn signatures_render_offsets_like_git() {
        let cases = [(0, "+0000"), (120, "+0200"), (-90, "-0130"), (330, "+0530")];
        for (offset, want) in cases {
            assert!(sig(1, offset).git().ends_with(want), "{offset}");
        }
    }

    #[test]
    fn directories_sort_as_if_they_ended_in_a_slash() {
        let mut store = ObjectStore::default();
        let blob = store.put(Object::Blob(b"x".to_vec()));
        let mut flat = BTreeMap::new();
        flat.insert("a/b.txt".to_string(), (Mode::File, blob.clone()));
        flat.insert("a.txt".to_string(), (Mode::File, blob));
        let root = store.build_tree(&flat);
        let names: Vec<&str> = store
            .tree(&root)
            .unwrap_or(&[])
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, ["a.txt", "a"]);
    }

    #[test]
    fn log_lists_newest_first_and_merge_base_finds_the_fork_point() {
        let mut store = ObjectStore::default();
        let tree = store.put(Object::Tree(vec![]));
        let mut commit = |parents: Vec<String>, time: i64| {
            store.put(Object::Commit(CommitObject {
                tree: tree.clone(),
                parents,
                author: sig(time, 0),
                committer: sig(time, 0),
                message: format!("at {time}\n"),
                gpgsig: None,
            }))
        };
        let root = commit(vec![], 10);
        let left = commit(vec![root.clone()], 20);
        let right = commit(vec![root.clone()], 30);
        let merge = commit(vec![left.clone(), right.clone()], 40);
        assert_eq!(
            store.log(&merge),
            vec![merge.clone(), right.clone(), left.clone(), root.clone()]
        );
        assert_eq!(store.merge_base(&left, &right), Some(root.clone()));
        assert_eq!(store.merge_base(&merge, &left), Some(left.clone()));
        assert!(store.is_ancestor(&root, &merge));
        assert!(!store.is_ancestor(&left, &right));
    }
}
