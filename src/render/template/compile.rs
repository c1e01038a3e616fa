//! Parsing a template once and executing it many times, with the checks
//! Go's parser and Go structs make that gotmpl does not: comments and trim
//! markers as Go lexes them ([`super::lex`]), a block without `{{end}}`, and
//! a root field the type's model lacks.

use gotmpl::Value;

use super::{Part, TemplateError, TemplateFiles, lex, sprig};

/// A rendered template (one part of one message) may not exceed 1 MiB:
/// Kratos sets no limit; no real message comes near it.
pub const OUTPUT_LIMIT: usize = 1 << 20;

impl TemplateFiles {
    /// Parses and executes with `data` (the model with Go field names).
    pub fn render(
        &self,
        part: Part,
        data: &Value,
        model: &str,
        fields: &[&str],
    ) -> Result<String, TemplateError> {
        self.compile(part, model, fields)?.execute(data)
    }

    /// Maps a gotmpl error to ours, in Go's words, with the line.
    fn error(&self, e: &gotmpl::TemplateError) -> TemplateError {
        let mut text = e.to_string();
        let mut line = line_of(&text);
        if let Some(func) = text
            .strip_prefix("undefined function: ")
            .map(|f| f.trim().to_owned())
        {
            let found = self
                .files
                .iter()
                .find_map(|(fname, src)| Some((fname.clone(), call_line(src, &func)?)));
            if let Some((fname, l)) = found {
                line = Some(l);
                text = format!("template: {fname}:{l}: function {func:?} not defined");
            } else {
                text = format!("function {func:?} not defined");
            }
        }
        TemplateError {
            origin_text: self.describe(),
            line,
            message: format!("{}: {}", self.describe(), text),
        }
    }

    /// Checks and parses the files (once; execute many times).
    pub fn compile(
        &self,
        part: Part,
        model: &str,
        fields: &[&str],
    ) -> Result<Compiled, TemplateError> {
        let name = &self.files[0].0;
        let mut scans = Vec::with_capacity(self.files.len());
        for (fname, text) in &self.files {
            let scan = lex::scan(text).map_err(|r| self.rejected(fname, text, &r))?;
            if let Some((msg, line)) = unbalanced(text, &scan) {
                return Err(self.at_line(fname, line, &msg));
            }
            if let Some((field, line)) = missing_root_field(text, &scan, fields) {
                let msg = format!("can't evaluate field {field} in type *{model}");
                return Err(self.at_line(fname, line, &msg));
            }
            scans.push(scan);
        }
        let sources: Vec<_> = self
            .files
            .iter()
            .zip(&scans)
            .map(|((fname, text), scan)| (fname, lex::rewrite(text, scan)))
            .collect();
        let source = |fname: &str, text: &str| {
            if fname == name {
                text.to_owned()
            } else {
                format!("{{{{define \"{fname}\"}}}}{text}{{{{end}}}}")
            }
        };
        let funcs = sprig::funcs();
        let engine = if part == Part::Html {
            let mut t = gotmpl::html::Template::new(name).funcs(funcs);
            for (fname, text) in &sources {
                t = t.parse(&source(fname, text)).map_err(|e| self.error(&e))?;
            }
            Engine::Html(t)
        } else {
            let mut t = gotmpl::Template::new(name).funcs(funcs);
            for (fname, text) in &sources {
                t = t.parse(&source(fname, text)).map_err(|e| self.error(&e))?;
            }
            Engine::Text(t)
        };
        Ok(Compiled {
            engine,
            files: self.clone(),
        })
    }

    /// A comment Go rejects, unless Go would stop at an error before it:
    /// an `{{end}}` without a block or anything gotmpl's parser rejects in
    /// the text before the comment (a block still open there is no error).
    fn rejected(&self, fname: &str, text: &str, r: &lex::Rejection) -> TemplateError {
        let before = &text[..r.start];
        // Everything before the rejected action was read: this scan succeeds.
        let scan = lex::scan(before).unwrap_or(lex::Scan {
            actions: Vec::new(),
            complete: false,
        });
        if let Some((msg, line)) = unbalanced(before, &scan).filter(|(m, _)| m != "unexpected EOF")
        {
            return self.at_line(fname, line, &msg);
        }
        let parsed = gotmpl::Template::new(fname)
            .funcs(sprig::funcs())
            .parse(&lex::rewrite(before, &scan));
        if let Err(e) = parsed {
            return self.error(&e);
        }
        let started = match r.started_at {
            lex::StartedAt::Enclosing => open_control(before, &scan),
            lex::StartedAt::Own => Some(lex::line_at(text, r.start)),
            lex::StartedAt::Nothing => None,
        };
        let msg = match started.filter(|l| *l != r.line) {
            Some(l) => format!("{} in action started at {fname}:{l}", r.message),
            None => r.message.clone(),
        };
        self.at_line(fname, r.line, &msg)
    }

    /// A parse error of file `fname` in Go's words.
    fn at_line(&self, fname: &str, line: usize, msg: &str) -> TemplateError {
        TemplateError {
            origin_text: self.describe(),
            line: Some(line),
            message: format!("{}: template: {fname}:{line}: {msg}", self.describe()),
        }
    }
}

enum Engine {
    Text(gotmpl::Template),
    Html(gotmpl::html::Template),
}

/// A parsed template, ready to execute many times.
pub struct Compiled {
    engine: Engine,
    files: TemplateFiles,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("origin", &self.files.origin)
            .finish_non_exhaustive()
    }
}

impl Compiled {
    /// Executes with `data`.
    /// Executes with `data`; output over [`OUTPUT_LIMIT`] is refused.
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        let text = match &self.engine {
            Engine::Text(t) => t.execute_to_string(data),
            Engine::Html(t) => t.execute_to_string(data),
        }
        .map_err(|e| self.files.error(&e))?;
        if text.len() > OUTPUT_LIMIT {
            let name = self.files.describe();
            return Err(TemplateError {
                message: format!(
                    "{name}: the output is {} bytes; courier refuses a rendered template over {} MiB",
                    text.len(),
                    OUTPUT_LIMIT >> 20
                ),
                origin_text: name,
                line: None,
            });
        }
        Ok(text)
    }
}

fn line_of(text: &str) -> Option<usize> {
    // "template: name:LINE:COL: ..." or "name:LINE: ..."
    text.split(':')
        .skip(1)
        .find_map(|s| s.trim().parse::<usize>().ok())
}

/// The actions of a template (comments left out), trimmed of blanks,
/// with their line.
fn actions<'a>(text: &'a str, scan: &lex::Scan) -> Vec<(&'a str, usize)> {
    scan.actions
        .iter()
        .filter(|a| !a.comment)
        .map(|a| (a.body(text).trim(), a.line))
        .collect()
}

/// The line where function `func` is first called in `text`, if it is.
fn call_line(text: &str, func: &str) -> Option<usize> {
    let scan = lex::scan(text).ok()?;
    scan.actions.iter().filter(|a| !a.comment).find_map(|a| {
        let body = a.body(text);
        let at = body.match_indices(func).map(|(i, _)| i).find(|&i| {
            let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '$';
            !body[..i].ends_with(ident) && !body[i + func.len()..].starts_with(ident)
        })?;
        let from = a.start + if a.left_trim { 4 } else { 2 };
        Some(a.line + text[a.start..from + at].matches('\n').count())
    })
}

/// The line of the `if`, `range` or `with` Go's parser is in at the end of
/// `text`, as its "in action started at" names it: only while no other
/// action followed it (each action resets it; a `define` or `block` body is
/// a tree of its own).
fn open_control(text: &str, scan: &lex::Scan) -> Option<usize> {
    let (last, line) = actions(text, scan).pop()?;
    matches!(
        last.split_whitespace().next(),
        Some("if" | "range" | "with")
    )
    .then_some(line)
}

/// Go's parser rejects a block without `{{end}}` ("unexpected EOF") and an
/// `{{end}}` without a block; checked here as well.
fn unbalanced(text: &str, scan: &lex::Scan) -> Option<(String, usize)> {
    let mut open: Vec<usize> = Vec::new();
    for (action, line) in actions(text, scan) {
        match action.split_whitespace().next().unwrap_or_default() {
            "if" | "range" | "with" | "define" | "block" => open.push(line),
            "end" if open.pop().is_none() => return Some(("unexpected {{end}}".to_owned(), line)),
            _ => {}
        }
    }
    open.pop()
        .filter(|_| scan.complete)
        .map(|_| ("unexpected EOF".to_owned(), text.matches('\n').count() + 1))
}

/// A `.Field` on the root data that the model does not have (Go: "can't
/// evaluate field"). Dot is the root outside `range` and `with`; `$.X` is
/// always the root.
fn missing_root_field(text: &str, scan: &lex::Scan, fields: &[&str]) -> Option<(String, usize)> {
    let mut depth_dot_changed = 0usize;
    let mut stack: Vec<bool> = Vec::new();
    for (action, line) in actions(text, scan) {
        match action.split_whitespace().next().unwrap_or_default() {
            "range" | "with" => {
                stack.push(true);
                depth_dot_changed += 1;
            }
            "if" | "define" | "block" => stack.push(false),
            "end" if stack.pop() == Some(true) => depth_dot_changed -= 1,
            _ => {}
        }
        let bytes = action.as_bytes();
        for (i, _) in action.match_indices('.') {
            let prev = if i == 0 { b' ' } else { bytes[i - 1] };
            let is_root_var = prev == b'$';
            let is_dot = matches!(prev, b' ' | b'(' | b'|') || i == 0;
            let root_dot = is_root_var || (is_dot && depth_dot_changed == 0);
            if !root_dot {
                continue;
            }
            let name: String = action[i + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.starts_with(|c: char| c.is_ascii_uppercase())
                && !fields.contains(&name.as_str())
            {
                return Some((name, line));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::missing_root_field;
    use crate::message::Channel;
    use crate::release::Release;
    use crate::render::template::lex;
    use crate::render::template::model::{data, model};
    use crate::render::template::{Origin, Part, TemplateFiles};

    fn root_field(text: &str, fields: &[&str]) -> Option<(String, usize)> {
        missing_root_field(text, &lex::scan(text).unwrap(), fields)
    }

    fn one(text: &str) -> TemplateFiles {
        TemplateFiles {
            origin: Origin::Builtin,
            files: vec![("t".into(), text.into())],
        }
    }

    #[test]
    fn model_names() {
        assert_eq!(
            model("recovery_code_valid", Channel::Email, Release::DEFAULT).0,
            "email.RecoveryCodeValidModel"
        );
    }

    #[test]
    fn text_html_and_missing_values() {
        let (_, fields) = model("recovery_valid", Channel::Email, Release::DEFAULT);
        let d = data(
            &fields,
            &serde_json::json!({"to": "a@b.c", "recovery_url": "https://x/?a=1&b=<2>", "identity": {"id": "i1"}}),
            &serde_json::json!({}),
        );
        let t = one("{{ .RecoveryURL }} {{ .Identity.nope }} {{ index .Identity \"ID\" }}");
        assert_eq!(
            t.render(Part::Text, &d, "m", &["RecoveryURL", "Identity"])
                .unwrap(),
            "https://x/?a=1&b=<2> <no value> <no value>"
        );
        let h = one(
            "<a href=\"{{ .RecoveryURL }}\">{{ .RecoveryURL }}</a>{{ index .Identity \"ID\" }}",
        );
        assert_eq!(
            h.render(Part::Html, &d, "m", &["RecoveryURL", "Identity"])
                .unwrap(),
            "<a href=\"https://x/?a=1&amp;b=%3c2%3e\">https://x/?a=1&amp;b=&lt;2&gt;</a>"
        );
        let err = one("Hi {{ .RecoveryCode }}")
            .render(Part::Text, &d, "email.RecoveryValidModel", &["RecoveryURL"])
            .unwrap_err();
        assert!(
            err.message
                .contains("can't evaluate field RecoveryCode in type *email.RecoveryValidModel"),
            "{err:?}"
        );
        assert!(root_field("{{ range .Identity.x }}{{ .Foo }}{{ end }}", &["Identity"]).is_none());
        assert_eq!(
            root_field("a\n{{ with .Identity }}{{ $.Bad }}{{ end }}", &["Identity"]).map(|m| m.1),
            Some(2)
        );
    }

    #[test]
    fn sprig_subset_and_unknown_functions() {
        let d = data(
            &[("To", "to")],
            &serde_json::json!({"to": "jane@example.com"}),
            &serde_json::json!({}),
        );
        let t = one(
            "{{ .To | upper }}|{{ default \"x\" \"\" }}|{{ trunc 4 .To }}|{{ splitList \"@\" .To | last }}|{{ add 1 2 3 }}|{{ b64enc \"hi\" }}|{{ toJson (dict \"a\" 1) }}|{{ ternary \"y\" \"n\" true }}|{{ regexReplaceAll \"[aeiou]\" .To \"*\" }}",
        );
        assert_eq!(
            t.render(Part::Text, &d, "m", &["To"]).unwrap(),
            "JANE@EXAMPLE.COM|x|jane|example.com|6|aGk=|{\"a\":1}|y|j*n*@*x*mpl*.c*m"
        );
        let err = one("line one\n{{ now }}")
            .render(Part::Text, &d, "m", &["To"])
            .unwrap_err();
        assert!(err.message.contains("now"), "{err:?}");
        assert_eq!(err.line, Some(2), "{err:?}");
    }
}
