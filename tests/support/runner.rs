//! The runner's reading of a step's output, as actions/runner's `ActionCommandManager` does it:
//! every line of stdout and of stderr (ending at LF or CR), leading whitespace trimmed, is a
//! workflow command when it starts with `::` (and holds a second `::`) or with the legacy
//! `##[`; `::stop-commands::T` suspends processing until a command named `T` (any case).
//! See: <https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands>

#![allow(dead_code)]

/// One command the runner would execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// The command name (`error`, `add-mask`, ...).
    pub name: String,
    /// The properties, as written (`file=a,line=3,title=x`).
    pub props: String,
    /// The data after the second `::` (or after `]` in the legacy form).
    pub data: String,
    /// The line as written.
    pub line: String,
    /// Whether it came in the legacy `##[name props]data` form.
    pub legacy: bool,
}

fn parse(line: &str) -> Option<Executed> {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("::") {
        let end = rest.find("::")?;
        let info = &rest[..end];
        let (name, props) = info.split_once(' ').unwrap_or((info, ""));
        return Some(Executed {
            name: name.to_owned(),
            props: props.to_owned(),
            data: rest[end + 2..].to_owned(),
            line: line.to_owned(),
            legacy: false,
        });
    }
    let rest = trimmed.strip_prefix("##[")?;
    let end = rest.find(']')?;
    let info = &rest[..end];
    let (name, props) = info.split_once(' ').unwrap_or((info, ""));
    Some(Executed {
        name: name.to_owned(),
        props: props.to_owned(),
        data: rest[end + 1..].to_owned(),
        line: line.to_owned(),
        legacy: true,
    })
}

/// The commands the runner would execute in one stream, in order. The frames themselves
/// (`stop-commands` and its resume token) are listed too, so a test can judge them.
pub fn executed(stream: &str) -> Vec<Executed> {
    let mut out = Vec::new();
    let mut stopped: Option<String> = None;
    for line in stream.split(['\n', '\r']) {
        let Some(command) = parse(line) else {
            continue;
        };
        match &stopped {
            Some(token) => {
                if command.name.eq_ignore_ascii_case(token) {
                    stopped = None;
                    out.push(command);
                }
            }
            None => {
                if command.name.eq_ignore_ascii_case("stop-commands") {
                    stopped = Some(command.data.clone());
                }
                out.push(command);
            }
        }
    }
    out
}

/// Whether `props` are an annotation's properties as the action writes them: `file=`,
/// `line=`, `col=` and a `title=` last, each value escaped.
fn our_annotation_props(props: &str) -> bool {
    let mut has_title = false;
    for prop in props.split(',') {
        let Some((key, value)) = prop.split_once('=') else {
            return false;
        };
        let escaped = !value.contains([':', ',', '\n', '\r']);
        let ok = match key {
            "file" => escaped,
            "line" | "col" => value.bytes().all(|b| b.is_ascii_digit()),
            "title" => {
                has_title = true;
                value == "release-action"
                    || value == "release-action usage"
                    || value
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'/')
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    has_title
}

/// Panics unless every command the runner would execute in `stdout` and `stderr` (each read
/// on its own, as the runner may interleave them in any order) is the action's own: an
/// annotation with its escaping, the mask of `secret`, or a frame whose token is one of ours
/// (at least 32 hex digits) and which is closed again.
#[track_caller]
pub fn assert_only_our_commands(what: &str, stdout: &str, stderr: &str, secret: Option<&str>) {
    for (stream, text) in [("stdout", stdout), ("stderr", stderr)] {
        let mut open: Option<String> = None;
        for c in executed(text) {
            let ours = !c.legacy
                && match c.name.as_str() {
                    "error" | "warning" | "notice" => our_annotation_props(&c.props),
                    "add-mask" => c.props.is_empty() && Some(c.data.as_str()) == secret,
                    "stop-commands" => {
                        let ok = open.is_none()
                            && c.props.is_empty()
                            && c.data.len() >= 32
                            && c.data.bytes().all(|b| b.is_ascii_hexdigit());
                        open = Some(c.data.clone());
                        ok
                    }
                    name => {
                        open.as_deref() == Some(name) && c.data.is_empty() && {
                            open = None;
                            true
                        }
                    }
                };
            assert!(
                ours,
                "{what}: the runner would execute `{}` from {stream}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
                c.line
            );
        }
        assert!(
            open.is_none(),
            "{what}: a frame on {stream} is never closed\n{text}"
        );
    }
}

#[test]
fn the_reader_sees_what_the_runner_sees() {
    let text =
        "a\n  ::warning::x\r##[error]y\n::stop-commands::T\n::add-mask::z\n::t::\n::endgroup::\n";
    let names: Vec<String> = executed(text).into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["warning", "error", "stop-commands", "t", "endgroup"]
    );
}
