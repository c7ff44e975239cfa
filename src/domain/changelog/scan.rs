//! Line scanner: just enough CommonMark block structure to find headings and
//! link reference definitions in a changelog.
//!
//! It follows CommonMark 0.31 (<https://spec.commonmark.org/0.31.2/>) where a
//! changelog can trip over it: fenced code blocks (``` and ~~~, closed only by
//! a fence of the same character at least as long), indented code blocks, HTML
//! blocks (comments, `<pre>`, `<details>`, ...), ATX headings, and Setext
//! headings (a paragraph underlined with `===` or `---`; a list item followed by
//! `---` is a thematic break, not a heading). Containers (lists, block quotes)
//! are not modelled beyond that: a heading must start in the first four
//! columns of its line, outside code and HTML.
//!
//! One lenient extension: `##` followed by a non-breaking space is taken as a
//! heading (CommonMark reads it as text), because that is what its author meant;
//! the heading is flagged so that validation can say so.
//!
//! The scanner is a single forward pass over the lines, with constant work per
//! byte, and never panics: every slice is taken at an ASCII byte it found.

/// One event of the scan, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event<'a> {
    /// An ATX or Setext heading.
    Heading(RawHeading<'a>),
    /// A link reference definition, `[label]: url`.
    Def(RawDef<'a>),
    /// A line of an HTML comment block.
    Comment { start: usize },
    /// Any other non-blank line.
    Content,
}

/// A heading as found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawHeading<'a> {
    /// 1 to 6.
    pub(crate) level: u8,
    /// The heading text, trimmed, without `#` marks or underline.
    pub(crate) title: &'a str,
    /// Byte offset of the start of the heading's first line.
    pub(crate) start: usize,
    /// Byte offset just past the heading's last line and its line ending.
    pub(crate) end: usize,
    /// 1-based line of the heading's first line.
    pub(crate) line: usize,
    /// Underlined (Setext) rather than `#`-prefixed (ATX).
    pub(crate) setext: bool,
    /// The `#` marks are followed by a non-breaking space instead of a space.
    pub(crate) nbsp: bool,
}

/// A link reference definition as found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawDef<'a> {
    /// The label, without brackets, as written.
    pub(crate) label: &'a str,
    /// The destination, without angle brackets.
    pub(crate) url: &'a str,
    /// Byte offset of the start of the line.
    pub(crate) start: usize,
    /// Byte offset just past the line and its line ending.
    pub(crate) end: usize,
    /// Byte range of the destination inside the text.
    pub(crate) url_start: usize,
    /// 1-based line.
    pub(crate) line: usize,
}

/// What closes the HTML block the scanner is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HtmlEnd {
    /// `-->` (an HTML comment).
    Comment,
    /// `</pre>`, `</script>`, `</style>` or `</textarea>`.
    RawTag,
    /// A fixed marker: `?>`, `>`, `]]>`.
    Marker(&'static str),
    /// A blank line (block-level tags such as `<details>`).
    Blank,
}

#[derive(Debug, Clone, Copy)]
enum Block {
    Normal,
    Fence { ch: u8, len: usize },
    Html(HtmlEnd),
}

/// An open paragraph: the lines a Setext underline would turn into a heading.
#[derive(Debug, Clone, Copy)]
struct Para {
    start: usize,
    line: usize,
    /// End of the last paragraph line, before its line ending.
    end: usize,
    /// A plain top-level paragraph (not the text of a list item or quote).
    setext_ok: bool,
}

/// Iterator over the [`Event`]s of a text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line_no: usize,
    block: Block,
    para: Option<Para>,
}

/// Block-level HTML tag names (CommonMark HTML block condition 6).
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

/// Tags whose HTML block runs to the matching closing tag (condition 1).
const RAW_TAGS: &[&str] = &["pre", "script", "style", "textarea"];

impl<'a> Scanner<'a> {
    /// A scanner over `text` (a leading UTF-8 BOM is skipped).
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            line_no: 1,
            block: Block::Normal,
            para: None,
        }
    }

    /// Classifies one line outside code and HTML blocks.
    fn normal_line(
        &mut self,
        start: usize,
        end: usize,
        next: usize,
        number: usize,
        rest_start: usize,
        indent: usize,
    ) -> Option<Event<'a>> {
        let text = self.text;
        let rest = text.get(rest_start..end).unwrap_or("");
        let bytes = rest.as_bytes();
        if is_blank(rest) {
            self.para = None;
            return None;
        }
        if indent >= 4 {
            // A paragraph continuation, or an indented code block.
            if let Some(para) = self.para.as_mut() {
                para.end = end;
            }
            return Some(Event::Content);
        }
        let first = bytes.first().copied().unwrap_or(b' ');
        match first {
            b'#' => {
                if let Some((level, title, nbsp)) = atx(rest) {
                    self.para = None;
                    return Some(Event::Heading(RawHeading {
                        level,
                        title,
                        start,
                        end: next,
                        line: number,
                        setext: false,
                        nbsp,
                    }));
                }
            }
            b'`' | b'~' => {
                if let Some(len) = fence_open(bytes) {
                    self.para = None;
                    self.block = Block::Fence { ch: first, len };
                    return Some(Event::Content);
                }
            }
            b'<' => {
                if let Some(end_kind) = html_start(rest) {
                    self.para = None;
                    let skip = if end_kind == HtmlEnd::Comment { 4 } else { 2 };
                    let opener = rest.get(skip..).unwrap_or("");
                    if closes_html(end_kind, opener) {
                        self.block = Block::Normal;
                    } else {
                        self.block = Block::Html(end_kind);
                    }
                    return Some(if end_kind == HtmlEnd::Comment {
                        Event::Comment { start }
                    } else {
                        Event::Content
                    });
                }
            }
            b'=' | b'-' => {
                if let Some(para) = self.para {
                    if para.setext_ok && setext_underline(bytes, first) {
                        self.para = None;
                        let title = text.get(para.start..para.end).unwrap_or("").trim();
                        return Some(Event::Heading(RawHeading {
                            level: if first == b'=' { 1 } else { 2 },
                            title,
                            start: para.start,
                            end: next,
                            line: para.line,
                            setext: true,
                            nbsp: false,
                        }));
                    }
                }
                if first == b'-' {
                    if thematic_break(bytes, first) {
                        self.para = None;
                        return Some(Event::Content);
                    }
                    if list_marker(bytes) {
                        self.start_para(start, end, number, false);
                        return Some(Event::Content);
                    }
                }
            }
            b'*' | b'_' | b'+' => {
                if first != b'+' && thematic_break(bytes, first) {
                    self.para = None;
                    return Some(Event::Content);
                }
                if first != b'_' && list_marker(bytes) {
                    self.start_para(start, end, number, false);
                    return Some(Event::Content);
                }
            }
            b'0'..=b'9' if ordered_list_marker(bytes) => {
                self.start_para(start, end, number, false);
                return Some(Event::Content);
            }
            b'>' => {
                self.start_para(start, end, number, false);
                return Some(Event::Content);
            }
            b'[' => {
                if let Some((label, url_off, url)) = link_def(rest) {
                    self.para = None;
                    return Some(Event::Def(RawDef {
                        label,
                        url,
                        start,
                        end: next,
                        url_start: rest_start + url_off,
                        line: number,
                    }));
                }
            }
            _ => {}
        }
        // A paragraph line: it continues the open paragraph or starts one.
        match self.para.as_mut() {
            Some(para) => para.end = end,
            None => self.start_para(start, end, number, true),
        }
        Some(Event::Content)
    }

    fn start_para(&mut self, start: usize, end: usize, line: usize, setext_ok: bool) {
        self.para = Some(Para {
            start,
            line,
            end,
            setext_ok,
        });
    }
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let text = self.text;
        loop {
            let start = self.pos;
            if start >= text.len() {
                return None;
            }
            let found = text
                .as_bytes()
                .get(start..)
                .and_then(|rest| memchr::memchr(b'\n', rest));
            let (end, next) = match found {
                Some(i) => (start + i, start + i + 1),
                None => (text.len(), text.len()),
            };
            self.pos = next;
            let number = self.line_no;
            self.line_no += 1;
            let mut content_start = start;
            if start == 0 && text.starts_with('\u{feff}') {
                content_start = 3;
            }
            let line = text.get(content_start..end).unwrap_or("");
            let (indent, skipped) = indentation(line.as_bytes());
            let rest_start = content_start + skipped;
            match self.block {
                Block::Fence { ch, len } => {
                    if indent < 4 {
                        let rest = text.get(rest_start..end).unwrap_or("");
                        if fence_close(rest.as_bytes(), ch, len) {
                            self.block = Block::Normal;
                        }
                    }
                    if is_blank(line) {
                        continue;
                    }
                    return Some(Event::Content);
                }
                Block::Html(end_kind) => {
                    let blank = is_blank(line);
                    if end_kind == HtmlEnd::Blank {
                        if blank {
                            self.block = Block::Normal;
                            continue;
                        }
                        return Some(Event::Content);
                    }
                    if closes_html(end_kind, line) {
                        self.block = Block::Normal;
                    }
                    if end_kind == HtmlEnd::Comment {
                        return Some(Event::Comment { start });
                    }
                    if blank {
                        continue;
                    }
                    return Some(Event::Content);
                }
                Block::Normal => {
                    if let Some(event) =
                        self.normal_line(start, end, next, number, rest_start, indent)
                    {
                        return Some(event);
                    }
                }
            }
        }
    }
}

/// A line of only whitespace. Fast on the usual line, which starts with an
/// ASCII character that is not a space.
pub(crate) fn is_blank(line: &str) -> bool {
    match line.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// Columns of leading indentation (tabs to the next multiple of 4) and the
/// number of bytes they take.
fn indentation(bytes: &[u8]) -> (usize, usize) {
    let mut cols = 0;
    let mut n = 0;
    for &b in bytes {
        match b {
            b' ' => cols += 1,
            b'\t' => cols += 4 - cols % 4,
            _ => break,
        }
        n += 1;
        if cols >= 4 {
            break;
        }
    }
    (cols, n)
}

/// `rest` (indentation removed) as an ATX heading: level, title, NBSP flag.
fn atx(rest: &str) -> Option<(u8, &str, bool)> {
    let bytes = rest.as_bytes();
    let level = bytes.iter().take_while(|&&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let after = rest.get(level..)?;
    let nbsp = after.starts_with('\u{a0}');
    let ok = match after.as_bytes().first() {
        None | Some(b' ' | b'\t' | b'\r') => true,
        _ => nbsp,
    };
    if !ok {
        return None;
    }
    let mut title = after.trim();
    // An optional closing sequence of `#`s, preceded by a space.
    let without = title.trim_end_matches('#');
    if without.len() != title.len() && (without.is_empty() || without.ends_with([' ', '\t'])) {
        title = without.trim();
    }
    let level = u8::try_from(level).ok()?;
    Some((level, title, nbsp))
}

/// Length of an opening code fence, if `bytes` starts with one.
fn fence_open(bytes: &[u8]) -> Option<usize> {
    let ch = *bytes.first()?;
    let len = bytes.iter().take_while(|&&b| b == ch).count();
    if len < 3 {
        return None;
    }
    if ch == b'`' && bytes.get(len..).is_some_and(|info| info.contains(&b'`')) {
        return None;
    }
    Some(len)
}

/// Whether `bytes` (indentation removed) closes a fence of `len` × `ch`.
fn fence_close(bytes: &[u8], ch: u8, len: usize) -> bool {
    let run = bytes.iter().take_while(|&&b| b == ch).count();
    run >= len && only_spaces(bytes.get(run..).unwrap_or(&[]))
}

fn only_spaces(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// `===` or `---` alone on the line.
fn setext_underline(bytes: &[u8], ch: u8) -> bool {
    let run = bytes.iter().take_while(|&&b| b == ch).count();
    run >= 1 && only_spaces(bytes.get(run..).unwrap_or(&[]))
}

/// `---`, `***` or `___`, spaces allowed between the marks.
fn thematic_break(bytes: &[u8], ch: u8) -> bool {
    let mut count = 0;
    for &b in bytes {
        if b == ch {
            count += 1;
        } else if !matches!(b, b' ' | b'\t' | b'\r') {
            return false;
        }
    }
    count >= 3
}

/// `-`, `*` or `+` followed by a space, a tab or the end of the line.
fn list_marker(bytes: &[u8]) -> bool {
    matches!(bytes.get(1), None | Some(b' ' | b'\t' | b'\r'))
}

/// `1.` or `1)` (up to nine digits) followed by a space or the end of the line.
fn ordered_list_marker(bytes: &[u8]) -> bool {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=9).contains(&digits)
        && matches!(bytes.get(digits), Some(b'.' | b')'))
        && matches!(bytes.get(digits + 1), None | Some(b' ' | b'\t' | b'\r'))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// The kind of HTML block `rest` opens, if any (CommonMark conditions 1-6).
fn html_start(rest: &str) -> Option<HtmlEnd> {
    let after = rest.get(1..)?;
    if after.starts_with("!--") {
        return Some(HtmlEnd::Comment);
    }
    if after.starts_with('?') {
        return Some(HtmlEnd::Marker("?>"));
    }
    if after.starts_with("![CDATA[") {
        return Some(HtmlEnd::Marker("]]>"));
    }
    if after.starts_with('!') && after.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic) {
        return Some(HtmlEnd::Marker(">"));
    }
    let tag_end = |name: &str, s: &str| -> bool {
        matches!(
            s.as_bytes().get(name.len()),
            None | Some(b' ' | b'\t' | b'\r' | b'>')
        ) || s.get(name.len()..).is_some_and(|r| r.starts_with("/>"))
    };
    for name in RAW_TAGS {
        if starts_with_ignore_case(after, name) && tag_end(name, after) {
            return Some(HtmlEnd::RawTag);
        }
    }
    let name_part = after.strip_prefix('/').unwrap_or(after);
    for name in BLOCK_TAGS {
        if starts_with_ignore_case(name_part, name) && tag_end(name, name_part) {
            return Some(HtmlEnd::Blank);
        }
    }
    None
}

/// Whether `line` contains the end of an HTML block of kind `end`.
fn closes_html(end: HtmlEnd, line: &str) -> bool {
    match end {
        HtmlEnd::Comment => line.contains("-->"),
        HtmlEnd::Marker(marker) => line.contains(marker),
        HtmlEnd::RawTag => {
            let lower = line.to_ascii_lowercase();
            ["</pre>", "</script>", "</style>", "</textarea>"]
                .iter()
                .any(|tag| lower.contains(tag))
        }
        HtmlEnd::Blank => false,
    }
}

/// `[label]: url` — the label, the byte offset of the URL in `rest`, the URL.
fn link_def(rest: &str) -> Option<(&str, usize, &str)> {
    let bytes = rest.as_bytes();
    let close = memchr::memchr(b']', bytes)?;
    let label_bytes = bytes.get(1..close)?;
    if label_bytes.len() > 999
        || label_bytes.contains(&b'[')
        || label_bytes.iter().all(u8::is_ascii_whitespace)
    {
        return None;
    }
    if bytes.get(close + 1) != Some(&b':') {
        return None;
    }
    let mut at = close + 2;
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    let label = rest.get(1..close)?;
    if bytes.get(at) == Some(&b'<') {
        let gt = memchr::memchr(b'>', bytes.get(at + 1..)?)?;
        return Some((label, at + 1, rest.get(at + 1..at + 1 + gt)?));
    }
    let dest = bytes.get(at..)?;
    let len = memchr::memchr3(b' ', b'\t', b'\r', dest).unwrap_or(dest.len());
    if len == 0 {
        return None;
    }
    Some((label, at, rest.get(at..at + len)?))
}
