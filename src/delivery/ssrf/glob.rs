//! Glob patterns as `github.com/gobwas/glob` v0.2.3 compiles them with
//! `.` and `/` as separators (Kratos' `private_ip_exception_urls` from
//! v1.1.0): `*` is any run without a separator, `**` any run, `?` one
//! character that is not a separator, `[abc]`, `[a-z]` and `[!…]` one
//! character (separators included), `{a,b}` alternatives, `\` escapes.
//! A whole string must match. Parsing follows gobwas' lexer and parser,
//! quirks and error texts included (one range per brackets; an unclosed
//! `{` is closed by the end; a trailing `\` is dropped); matching runs
//! the pattern as a small automaton, so no pattern makes it slow.

/// The separators Kratos compiles its patterns with.
const SEPARATORS: [char; 2] = ['.', '/'];

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    program: Vec<Inst>,
}

/// Why a pattern does not compile (gobwas' text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GlobError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Class {
    NotSeparator,
    Any,
    List(Vec<char>, bool),
    Range(char, char, bool),
}

impl Class {
    fn matches(&self, c: char) -> bool {
        match self {
            Class::NotSeparator => !SEPARATORS.contains(&c),
            Class::Any => true,
            Class::List(chars, not) => chars.contains(&c) != *not,
            Class::Range(lo, hi, not) => (*lo..=*hi).contains(&c) != *not,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Text(String),
    Any,
    Super,
    Single,
    Class(Class),
    AnyOf(Vec<Vec<Node>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Text(String),
    Any,
    Super,
    Single,
    Not,
    RangeOpen,
    RangeClose,
    RangeLo(char),
    RangeHi(char),
    TermsOpen,
    TermsClose,
    Separator,
}

/// gobwas' lexer, run to the end: the tokens, or the first error (which
/// hides the tokens of the step that met it, as its `Next` does).
fn lex(pattern: &str) -> Result<Vec<Token>, GlobError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let mut terms = 0usize;
    let mut out = Vec::new();
    while pos < chars.len() {
        let c = chars[pos];
        pos += 1;
        match c {
            '{' => {
                terms += 1;
                out.push(Token::TermsOpen);
            }
            ',' if terms > 0 => out.push(Token::Separator),
            '}' if terms > 0 => {
                terms -= 1;
                out.push(Token::TermsClose);
            }
            '[' => {
                out.push(Token::RangeOpen);
                lex_range(&chars, &mut pos, &mut out)?;
            }
            '?' => out.push(Token::Single),
            '*' if chars.get(pos) == Some(&'*') => {
                pos += 1;
                out.push(Token::Super);
            }
            '*' => out.push(Token::Any),
            _ => {
                pos -= 1;
                let breakers: &[char] = if terms > 0 {
                    &['?', '*', '[', '{', '}', ',']
                } else {
                    &['?', '*', '[', '{']
                };
                if let Some(t) = text(&chars, &mut pos, breakers) {
                    out.push(Token::Text(t));
                }
            }
        }
    }
    Ok(out)
}

/// Text up to an unescaped breaker; `\` takes the next character as it
/// is (and a final `\` is dropped).
fn text(chars: &[char], pos: &mut usize, breakers: &[char]) -> Option<String> {
    let mut data = String::new();
    let mut escaped = false;
    while let Some(&c) = chars.get(*pos) {
        if !escaped {
            if c == '\\' {
                escaped = true;
                *pos += 1;
                continue;
            }
            if breakers.contains(&c) {
                break;
            }
        }
        escaped = false;
        data.push(c);
        *pos += 1;
    }
    (!data.is_empty()).then_some(data)
}

fn lex_range(chars: &[char], pos: &mut usize, out: &mut Vec<Token>) -> Result<(), GlobError> {
    let (mut want_hi, mut want_close, mut seen_not) = (false, false, false);
    loop {
        let Some(&c) = chars.get(*pos) else {
            return Err(GlobError("unexpected end of input".into()));
        };
        *pos += 1;
        if want_close {
            if c != ']' {
                return Err(GlobError("expected close range character".into()));
            }
            out.push(Token::RangeClose);
            return Ok(());
        }
        if want_hi {
            out.push(Token::RangeHi(c));
            want_close = true;
            continue;
        }
        if !seen_not && c == '!' {
            out.push(Token::Not);
            seen_not = true;
            continue;
        }
        if chars.get(*pos) == Some(&'-') {
            *pos += 1;
            out.push(Token::RangeLo(c));
            want_hi = true;
            continue;
        }
        *pos -= 1;
        if let Some(t) = text(chars, pos, &[']']) {
            out.push(Token::Text(t));
        }
        want_close = true;
    }
}

/// gobwas' parser over the tokens: a sequence, with `{…}` as
/// alternatives (the end closes what is open).
fn parse(tokens: Vec<Token>) -> Result<Vec<Node>, GlobError> {
    // The sequences being built: the innermost last; an entry below it
    // holds the alternatives finished so far.
    let mut stack: Vec<(Vec<Node>, Vec<Vec<Node>>)> = vec![(Vec::new(), Vec::new())];
    let mut tokens = tokens.into_iter();
    while let Some(t) = tokens.next() {
        let node = match t {
            Token::Text(s) => Node::Text(s),
            Token::Any => Node::Any,
            Token::Super => Node::Super,
            Token::Single => Node::Single,
            Token::RangeOpen => Node::Class(class(&mut tokens)?),
            Token::TermsOpen => {
                stack.push((Vec::new(), Vec::new()));
                continue;
            }
            Token::Separator => {
                let top = stack.last_mut().expect("in terms");
                let done = std::mem::take(&mut top.0);
                top.1.push(done);
                continue;
            }
            Token::TermsClose => close(&mut stack),
            _ => return Err(GlobError("unexpected token".into())),
        };
        stack.last_mut().expect("a sequence").0.push(node);
    }
    while stack.len() > 1 {
        let node = close(&mut stack);
        stack.last_mut().expect("a sequence").0.push(node);
    }
    Ok(stack.pop().map(|(seq, _)| seq).unwrap_or_default())
}

/// Ends the innermost `{…}`: its alternatives as one node.
fn close(stack: &mut Vec<(Vec<Node>, Vec<Vec<Node>>)>) -> Node {
    let (last, mut alternatives) = stack.pop().expect("in terms");
    alternatives.push(last);
    Node::AnyOf(alternatives)
}

fn class(tokens: &mut impl Iterator<Item = Token>) -> Result<Class, GlobError> {
    let (mut not, mut lo, mut hi, mut chars) = (false, None, None, String::new());
    loop {
        match tokens.next() {
            None => return Err(GlobError("unexpected end".into())),
            Some(Token::Not) => not = true,
            Some(Token::RangeLo(c)) => lo = Some(c),
            Some(Token::RangeHi(c)) => {
                let l = lo.unwrap_or('\0');
                if c < l {
                    return Err(GlobError(format!(
                        "hi character '{c}' should be greater than lo '{l}'"
                    )));
                }
                hi = Some(c);
            }
            Some(Token::Text(t)) => chars = t,
            Some(Token::RangeClose) => {
                return match (lo.zip(hi), chars.is_empty()) {
                    (Some((l, h)), true) => Ok(Class::Range(l, h, not)),
                    (None, false) => Ok(Class::List(chars.chars().collect(), not)),
                    _ => Err(GlobError("could not parse range".into())),
                };
            }
            Some(_) => return Err(GlobError("unexpected token".into())),
        }
    }
}

/// One step of the automaton.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Inst {
    Char(char),
    Class(Class),
    Split(usize, usize),
    Jump(usize),
    Match,
}

fn emit(nodes: &[Node], program: &mut Vec<Inst>) {
    for node in nodes {
        match node {
            Node::Text(t) => program.extend(t.chars().map(Inst::Char)),
            Node::Single => program.push(Inst::Class(Class::NotSeparator)),
            Node::Class(c) => program.push(Inst::Class(c.clone())),
            Node::Any | Node::Super => {
                let class = if *node == Node::Any {
                    Class::NotSeparator
                } else {
                    Class::Any
                };
                let start = program.len();
                program.push(Inst::Split(start + 1, start + 3));
                program.push(Inst::Class(class));
                program.push(Inst::Jump(start));
            }
            Node::AnyOf(alternatives) => {
                let mut jumps = Vec::new();
                for (i, alt) in alternatives.iter().enumerate() {
                    let split = program.len();
                    let last = i + 1 == alternatives.len();
                    if !last {
                        program.push(Inst::Split(split + 1, 0));
                    }
                    emit(alt, program);
                    if !last {
                        jumps.push(program.len());
                        program.push(Inst::Jump(0));
                        let next = program.len();
                        program[split] = Inst::Split(split + 1, next);
                    }
                }
                let end = program.len();
                for j in jumps {
                    program[j] = Inst::Jump(end);
                }
            }
        }
    }
}

impl Glob {
    /// Compiles `pattern` as Kratos does, or says why gobwas would not.
    pub fn compile(pattern: &str) -> Result<Self, GlobError> {
        let nodes = parse(lex(pattern)?)?;
        let mut program = Vec::new();
        emit(&nodes, &mut program);
        program.push(Inst::Match);
        Ok(Self { program })
    }

    /// Whether the whole of `s` matches.
    #[must_use]
    pub fn matches(&self, s: &str) -> bool {
        let mut current = Vec::new();
        self.add(&mut current, 0);
        for c in s.chars() {
            let mut next = Vec::new();
            for &pc in &current {
                let ok = match &self.program[pc] {
                    Inst::Char(x) => *x == c,
                    Inst::Class(class) => class.matches(c),
                    _ => false,
                };
                if ok {
                    self.add(&mut next, pc + 1);
                }
            }
            if next.is_empty() {
                return false;
            }
            current = next;
        }
        current.iter().any(|&pc| self.program[pc] == Inst::Match)
    }

    /// Adds `pc` and what it reaches without reading.
    fn add(&self, set: &mut Vec<usize>, pc: usize) {
        if set.contains(&pc) {
            return;
        }
        set.push(pc);
        match self.program[pc] {
            Inst::Split(a, b) => {
                self.add(set, a);
                self.add(set, b);
            }
            Inst::Jump(a) => self.add(set, a),
            _ => {}
        }
    }
}
