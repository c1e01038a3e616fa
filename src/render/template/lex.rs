//! Go's lexical rules for actions, comments and trim markers, where gotmpl
//! 0.6.1 differs: Go's `{{- /* c */}}` trims only the text before it, a
//! comment is `{{/*` or `{{-` plus one ASCII space plus `/*` and ends at the
//! first `*/` followed by `}}` or one ASCII space and `-}}`, and a trim
//! marker removes only ASCII space, tab, CR and LF. [`scan`] reads a
//! template as Go's lexer does (rejecting what Go rejects, in Go's words) and
//! [`rewrite`] turns it into a text for which gotmpl gives Go's output. A
//! rewrite only inserts `{{/**/}}` (an empty comment without trim markers),
//! so lines stay where they were.

use std::borrow::Cow;

/// What a rewrite inserts: an empty comment, which ends a text without
/// trimming anything.
const STOP: &str = "{{/**/}}";

/// One action (`{{…}}`) as Go's lexer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Byte offsets of `{{` and just past `}}`.
    pub start: usize,
    pub end: usize,
    /// `{{- ` and ` -}}` (Go's trim markers).
    pub left_trim: bool,
    pub right_trim: bool,
    pub comment: bool,
    /// 1-based line of `{{`.
    pub line: usize,
}

impl Action {
    /// The inside of the action, without delimiters and trim markers.
    #[must_use]
    pub fn body<'a>(&self, text: &'a str) -> &'a str {
        let from = self.start + if self.left_trim { 4 } else { 2 };
        let to = self.end - if self.right_trim { 4 } else { 2 };
        text.get(from..to.max(from)).unwrap_or_default()
    }
}

/// A template's actions in order; `complete` is false when the scan stopped
/// at an action gotmpl rejects anyway (an unterminated string or action),
/// after which nothing was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub actions: Vec<Action>,
    pub complete: bool,
}

/// Something Go's lexer or parser rejects that gotmpl accepts or words
/// differently: Go's message, its line, where the action starts, and which
/// action Go's parser names when the error is on another line ("in action
/// started at NAME:LINE", only for the lexer's errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub message: String,
    pub line: usize,
    pub start: usize,
    pub started_at: StartedAt,
}

/// Which action a [`Rejection`] is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartedAt {
    /// A comment: the `if`, `range` or `with` the parser is inside, if any.
    Enclosing,
    /// A lexer error inside the action itself: that action.
    Own,
    /// A parser error: none is named.
    Nothing,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn go_space(c: char) -> bool {
    c.is_ascii() && is_space(c as u8)
}

pub fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Reads `text` as Go's lexer does.
///
/// # Errors
/// The first comment Go rejects, in Go's words.
pub fn scan(text: &str) -> Result<Scan, Rejection> {
    let b = text.as_bytes();
    let mut actions = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while let Some(found) = text[pos..].find("{{") {
        let start = pos + found;
        line += b[pos..start].iter().filter(|c| **c == b'\n').count();
        let left_trim =
            b.get(start + 2) == Some(&b'-') && b.get(start + 3).is_some_and(|c| is_space(*c));
        let inside = start + if left_trim { 4 } else { 2 };
        let reject = |message: String, at: usize, started_at| Rejection {
            message,
            line: line_at(text, at),
            start,
            started_at,
        };
        let end = if text[inside..].starts_with("/*") {
            let (end, right_trim) = comment_end(text, inside)
                .map_err(|m| reject(m.to_owned(), inside, StartedAt::Enclosing))?;
            actions.push(Action {
                start,
                end,
                left_trim,
                right_trim,
                comment: true,
                line,
            });
            end
        } else {
            if let Some((message, at, started_at)) = not_a_comment(text, start, inside) {
                return Err(reject(message, at, started_at));
            }
            let Some(close) = action_end(b, inside) else {
                return Ok(Scan {
                    actions,
                    complete: false,
                });
            };
            let right_trim = close >= inside + 2 && b[close - 1] == b'-' && is_space(b[close - 2]);
            actions.push(Action {
                start,
                end: close + 2,
                left_trim,
                right_trim,
                comment: false,
                line,
            });
            close + 2
        };
        line += b[start..end].iter().filter(|c| **c == b'\n').count();
        pos = end;
    }
    Ok(Scan {
        actions,
        complete: true,
    })
}

/// After `/*` at `open`: the end of the comment's action and whether it
/// closes with ` -}}`.
fn comment_end(text: &str, open: usize) -> Result<(usize, bool), &'static str> {
    let b = text.as_bytes();
    let close = open + 2 + text[open + 2..].find("*/").ok_or("unclosed comment")? + 2;
    if text[close..].starts_with("}}") {
        Ok((close + 2, false))
    } else if b.get(close).is_some_and(|c| is_space(*c)) && text[close + 1..].starts_with("-}}") {
        Ok((close + 4, true))
    } else {
        Err("comment ends before closing delimiter")
    }
}

/// An action that gotmpl would read as a comment and Go does not (blanks
/// before `/*` other than one ASCII space after `{{-`, or `{{-/*`): Go's
/// error and where it points.
fn not_a_comment(text: &str, start: usize, inside: usize) -> Option<(String, usize, StartedAt)> {
    let rest = &text[inside..];
    if text[start + 2..].starts_with("-/*") {
        let message = "illegal number syntax: \"-\"".to_owned();
        return Some((message, start + 2, StartedAt::Own));
    }
    let blanks = rest.len() - rest.trim_start().len();
    if blanks == 0 || !rest[blanks..].starts_with("/*") {
        return None;
    }
    match rest[..blanks].char_indices().find(|(_, c)| !c.is_ascii()) {
        Some((i, c)) => Some((
            format!("unrecognized character in action: U+{:04X}", u32::from(c)),
            inside + i,
            StartedAt::Own,
        )),
        None => Some((
            "unexpected \"/\" in command".to_owned(),
            inside + blanks,
            StartedAt::Nothing,
        )),
    }
}

/// The offset of the `}}` that ends an ordinary action whose inside starts
/// at `from`, skipping quoted strings, raw strings and character constants
/// as Go's lexer does; `None` if the action or a string never ends.
fn action_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            q @ (b'"' | b'\'') => {
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'\\' => i += 2,
                        b'\n' => return None,
                        c if c == q => break,
                        _ => i += 1,
                    }
                }
            }
            b'`' => i += 1 + b.get(i + 1..)?.iter().position(|c| *c == b'`')?,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `text` with what makes gotmpl trim as Go does: a [`STOP`] after each
/// `{{- /* … */}}` (gotmpl would also trim the text after it), and one
/// between an ASCII blank that a trim marker removes and a Unicode blank it
/// must keep (gotmpl's trim removes both). Unchanged when neither occurs.
#[must_use]
pub fn rewrite<'a>(text: &'a str, scan: &Scan) -> Cow<'a, str> {
    let mut stops = Vec::new();
    let mut text_start = 0;
    let mut trim_after = false;
    let ends = scan.actions.iter().map(|a| (a.start, a.left_trim, Some(a)));
    let last = scan.complete.then_some((text.len(), false, None));
    for (text_end, trim_before, action) in ends.chain(last) {
        let segment = &text[text_start..text_end];
        let mut kept = segment;
        if trim_after {
            kept = kept.trim_start_matches(go_space);
        }
        if trim_before {
            kept = kept.trim_end_matches(go_space);
        }
        let kept_from = text_start + (segment.len() - segment.trim_start_matches(go_space).len());
        if trim_after && kept.starts_with(char::is_whitespace) {
            stops.push(kept_from);
        }
        if trim_before && kept.ends_with(char::is_whitespace) {
            stops.push(text_start + segment.trim_end_matches(go_space).len());
        }
        let Some(a) = action else { break };
        if a.comment && a.left_trim && !a.right_trim {
            stops.push(a.end);
        }
        text_start = a.end;
        trim_after = a.right_trim;
    }
    if stops.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + STOP.len() * stops.len());
    let mut copied = 0;
    for at in stops {
        out.push_str(&text[copied..at]);
        out.push_str(STOP);
        copied = at;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
