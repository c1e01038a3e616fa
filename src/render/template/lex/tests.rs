//! Go's own results for comments and trim markers, as the expected values.

use crate::render::template::{Origin, Part, TemplateFiles, lex};

/// Printed by `tests/fixtures/gotemplate/comments.go` (Go 1.19.8): the
/// template (named `t`), the package, and the output or the error.
const GO: &[(&str, &str, Result<&str, &str>)] = &[
    ("a  {{- /* c */}}  b", "text", Ok("a  b")),
    ("a  {{- /* c */}}  b", "html", Ok("a  b")),
    ("a  {{/* c */ -}}  b", "text", Ok("a  b")),
    ("a  {{/* c */ -}}  b", "html", Ok("a  b")),
    ("a  {{- /* c */ -}}  b", "text", Ok("ab")),
    ("a  {{- /* c */ -}}  b", "html", Ok("ab")),
    ("x{{- /* c */}}\n{{ \"y\" }}", "text", Ok("x\ny")),
    ("x{{- /* c */}}\n{{ \"y\" }}", "html", Ok("x\ny")),
    ("a \r\n{{- /* c */}}\r\n b", "text", Ok("a\r\n b")),
    ("a \r\n{{- /* c */}}\r\n b", "html", Ok("a\r\n b")),
    ("a\t{{-\t/* c */\t-}}\tb", "text", Ok("ab")),
    ("a\t{{-\t/* c */\t-}}\tb", "html", Ok("ab")),
    ("a {{/* c */\n-}}\n  b", "text", Ok("a b")),
    ("a {{/* c */\n-}}\n  b", "html", Ok("a b")),
    ("a {{- /**/}}", "text", Ok("a")),
    ("a {{- /**/}}", "html", Ok("a")),
    ("a  {{- /* c */}}{{/* d */}}  b", "text", Ok("a  b")),
    ("a  {{- /* c */}}{{/* d */}}  b", "html", Ok("a  b")),
    (
        "a {{ /* c */ }} b",
        "text",
        Err("template: t:1: unexpected \"/\" in command"),
    ),
    (
        "a {{ /* c */ }} b",
        "html",
        Err("template: t:1: unexpected \"/\" in command"),
    ),
    (
        "a {{ /* c */}} b",
        "text",
        Err("template: t:1: unexpected \"/\" in command"),
    ),
    (
        "a {{ /* c */}} b",
        "html",
        Err("template: t:1: unexpected \"/\" in command"),
    ),
    (
        "a {{/* c */ }} b",
        "text",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{/* c */ }} b",
        "html",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{/* c */  -}} b",
        "text",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{/* c */  -}} b",
        "html",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{-  /* c */}} b",
        "text",
        Err("template: t:1: unexpected \"/\" in command"),
    ),
    (
        "a {{-  /* c */}} b",
        "html",
        Err("template: t:1: unexpected \"/\" in command"),
    ),
    (
        "a {{/* c */-}} b",
        "text",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{/* c */-}} b",
        "html",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{/* c */ x}} b",
        "text",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{/* c */ x}} b",
        "html",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "a {{-/* c */}} b",
        "text",
        Err("template: t:1: illegal number syntax: \"-\""),
    ),
    (
        "a {{-/* c */}} b",
        "html",
        Err("template: t:1: illegal number syntax: \"-\""),
    ),
    (
        "a {{/* c }} b",
        "text",
        Err("template: t:1: unclosed comment"),
    ),
    (
        "a {{/* c }} b",
        "html",
        Err("template: t:1: unclosed comment"),
    ),
    (
        "a\n{{/* c\n}} b\n",
        "text",
        Err("template: t:2: unclosed comment"),
    ),
    (
        "a\n{{/* c\n}} b\n",
        "html",
        Err("template: t:2: unclosed comment"),
    ),
    (
        "a {{/*/}} b",
        "text",
        Err("template: t:1: unclosed comment"),
    ),
    (
        "a {{/*/}} b",
        "html",
        Err("template: t:1: unclosed comment"),
    ),
    (
        "one\ntwo {{/* c\nd */ }} b",
        "text",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "one\ntwo {{/* c\nd */ }} b",
        "html",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "a {{-\n/* c }}",
        "text",
        Err("template: t:2: unclosed comment"),
    ),
    (
        "a {{-\n/* c }}",
        "html",
        Err("template: t:2: unclosed comment"),
    ),
    (
        "a {{-\n/* c */ }}",
        "text",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "a {{-\n/* c */ }}",
        "html",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "a {{\u{00a0}/* c */}}",
        "text",
        Err("template: t:1: unrecognized character in action: U+00A0"),
    ),
    (
        "a {{\u{00a0}/* c */}}",
        "html",
        Err("template: t:1: unrecognized character in action: U+00A0"),
    ),
    (
        "a {{ \n /* c */}}",
        "text",
        Err("template: t:2: unexpected \"/\" in command"),
    ),
    (
        "a {{ \n /* c */}}",
        "html",
        Err("template: t:2: unexpected \"/\" in command"),
    ),
    (
        "{{ end }}\n{{/* c */ }}",
        "text",
        Err("template: t:1: unexpected {{end}}"),
    ),
    (
        "{{ end }}\n{{/* c */ }}",
        "html",
        Err("template: t:1: unexpected {{end}}"),
    ),
    (
        "{{ if .X }}\n{{/* c */ }}",
        "text",
        Err("template: t:2: comment ends before closing delimiter in action started at t:1"),
    ),
    (
        "{{ if .X }}\n{{/* c */ }}",
        "html",
        Err("template: t:2: comment ends before closing delimiter in action started at t:1"),
    ),
    (
        "{{ if .X }}{{/* c */ }}",
        "text",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}{{/* c */ }}",
        "html",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}\n{{ .X }}\n{{/* c */ }}",
        "text",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}\n{{ .X }}\n{{/* c */ }}",
        "html",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}\n{{ else }}\n{{/* c */ }}",
        "text",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}\n{{ else }}\n{{/* c */ }}",
        "html",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ with .X }}{{ range .X }}{{ end }}\n{{/* c */ }}",
        "text",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "{{ with .X }}{{ range .X }}{{ end }}\n{{/* c */ }}",
        "html",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "{{ range .X }}\n{{/* c\n}}",
        "text",
        Err("template: t:2: unclosed comment in action started at t:1"),
    ),
    (
        "{{ range .X }}\n{{/* c\n}}",
        "html",
        Err("template: t:2: unclosed comment in action started at t:1"),
    ),
    (
        "{{ if .X }}{{ if .X }}\n{{/* c */ }}",
        "text",
        Err("template: t:2: comment ends before closing delimiter in action started at t:1"),
    ),
    (
        "{{ if .X }}{{ if .X }}\n{{/* c */ }}",
        "html",
        Err("template: t:2: comment ends before closing delimiter in action started at t:1"),
    ),
    (
        "{{ if .X }}\n{{ if .X }}{{ end }}{{ end }}\n{{/* c */ }}",
        "text",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}\n{{ if .X }}{{ end }}{{ end }}\n{{/* c */ }}",
        "html",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ define \"p\" }}\n{{/* c */ }}{{ end }}",
        "text",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "{{ define \"p\" }}\n{{/* c */ }}{{ end }}",
        "html",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "{{ block \"p\" . }}\n{{/* c */ }}{{ end }}",
        "text",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "{{ block \"p\" . }}\n{{/* c */ }}{{ end }}",
        "html",
        Err("template: t:2: comment ends before closing delimiter"),
    ),
    (
        "{{ if .X }}{{ \n\u{00a0}/* c */}}",
        "text",
        Err("template: t:2: unrecognized character in action: U+00A0 in action started at t:1"),
    ),
    (
        "{{ if .X }}{{ \n\u{00a0}/* c */}}",
        "html",
        Err("template: t:2: unrecognized character in action: U+00A0 in action started at t:1"),
    ),
    (
        "a\n{{/* one\ntwo\nthree */}}\n{{ nope }}\n",
        "text",
        Err("template: t:5: function \"nope\" not defined"),
    ),
    (
        "a\n{{/* one\ntwo\nthree */}}\n{{ nope }}\n",
        "html",
        Err("template: t:5: function \"nope\" not defined"),
    ),
    (
        "{{/* x\ny */}}\n{{ end }}",
        "text",
        Err("template: t:3: unexpected {{end}}"),
    ),
    (
        "{{/* x\ny */}}\n{{ end }}",
        "html",
        Err("template: t:3: unexpected {{end}}"),
    ),
    (
        "a\n{{- /* one\ntwo */}}\n{{ nope }}",
        "text",
        Err("template: t:4: function \"nope\" not defined"),
    ),
    (
        "a\n{{- /* one\ntwo */}}\n{{ nope }}",
        "html",
        Err("template: t:4: function \"nope\" not defined"),
    ),
    ("a{{/* }} {{ if .X }} */}}b", "text", Ok("ab")),
    ("a{{/* }} {{ if .X }} */}}b", "html", Ok("ab")),
    ("a{{/* }} */}}b{{ .X }}", "text", Ok("abv")),
    ("a{{/* }} */}}b{{ .X }}", "html", Ok("abv")),
    ("{{ \"{{/* \" }}x", "text", Ok("{{/* x")),
    ("{{ \"{{/* \" }}x", "html", Ok("{{/* x")),
    (
        "{{ \"}}\" }}{{/* c */ }}",
        "text",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "{{ \"}}\" }}{{/* c */ }}",
        "html",
        Err("template: t:1: comment ends before closing delimiter"),
    ),
    (
        "{{ `\n}}` }}\n{{/* c */ }}",
        "text",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "{{ `\n}}` }}\n{{/* c */ }}",
        "html",
        Err("template: t:3: comment ends before closing delimiter"),
    ),
    (
        "Hello  {{- /* greeting */}}  there\n{{- /* one\ntwo */}}\nBye\u{00a0} {{- /* x */ -}} \u{00a0}end\n",
        "text",
        Ok("Hello  there\nBye\u{00a0}\u{00a0}end\n"),
    ),
    (
        "Hello  {{- /* greeting */}}  there\n{{- /* one\ntwo */}}\nBye\u{00a0} {{- /* x */ -}} \u{00a0}end\n",
        "html",
        Ok("Hello  there\nBye\u{00a0}\u{00a0}end\n"),
    ),
    (
        "one\n{{/* two\nthree */}}\n{{ if .X }}\n{{/* c */  -}}\n{{ end }}\n",
        "text",
        Err("template: t:5: comment ends before closing delimiter in action started at t:4"),
    ),
    (
        "one\n{{/* two\nthree */}}\n{{ if .X }}\n{{/* c */  -}}\n{{ end }}\n",
        "html",
        Err("template: t:5: comment ends before closing delimiter in action started at t:4"),
    ),
    (
        "{{define \"p\"}}  x  {{- /* c */}}  y{{end}}[{{template \"p\"}}]",
        "text",
        Ok("[  x  y]"),
    ),
    (
        "{{define \"p\"}}  x  {{- /* c */}}  y{{end}}[{{template \"p\"}}]",
        "html",
        Ok("[  x  y]"),
    ),
    (
        "<p title=\"a  {{- /* c */}}  b\">x  {{- /* c */}}  y</p>",
        "text",
        Ok("<p title=\"a  b\">x  y</p>"),
    ),
    (
        "<p title=\"a  {{- /* c */}}  b\">x  {{- /* c */}}  y</p>",
        "html",
        Ok("<p title=\"a  b\">x  y</p>"),
    ),
    (
        "<script>var a = 1;  {{- /* c */}}  var b = {{ .X }};</script>",
        "text",
        Ok("<script>var a = 1;  var b = v;</script>"),
    ),
    (
        "<script>var a = 1;  {{- /* c */}}  var b = {{ .X }};</script>",
        "html",
        Ok("<script>var a = 1;  var b = \"v\";</script>"),
    ),
    (
        "a\u{00a0} {{- \"x\" -}} \u{00a0}b",
        "text",
        Ok("a\u{00a0}x\u{00a0}b"),
    ),
    (
        "a\u{00a0} {{- \"x\" -}} \u{00a0}b",
        "html",
        Ok("a\u{00a0}x\u{00a0}b"),
    ),
    (
        "a\u{00a0}{{- \"x\" -}}\u{00a0}b",
        "text",
        Ok("a\u{00a0}x\u{00a0}b"),
    ),
    (
        "a\u{00a0}{{- \"x\" -}}\u{00a0}b",
        "html",
        Ok("a\u{00a0}x\u{00a0}b"),
    ),
    (
        "a\u{00a0} {{- /* c */}}\u{00a0} b",
        "text",
        Ok("a\u{00a0}\u{00a0} b"),
    ),
    (
        "a\u{00a0} {{- /* c */}}\u{00a0} b",
        "html",
        Ok("a\u{00a0}\u{00a0} b"),
    ),
    ("a {{/* c */ -}} \u{2003}b", "text", Ok("a \u{2003}b")),
    ("a {{/* c */ -}} \u{2003}b", "html", Ok("a \u{2003}b")),
    (
        "a\u{2003}\u{00a0} {{- /* c */ -}} \u{00a0}\u{2003}b",
        "text",
        Ok("a\u{2003}\u{00a0}\u{00a0}\u{2003}b"),
    ),
    (
        "a\u{2003}\u{00a0} {{- /* c */ -}} \u{00a0}\u{2003}b",
        "html",
        Ok("a\u{2003}\u{00a0}\u{00a0}\u{2003}b"),
    ),
    ("{{ .X -}} \u{00a0} {{- .X }}", "text", Ok("v\u{00a0}v")),
    ("{{ .X -}} \u{00a0} {{- .X }}", "html", Ok("v\u{00a0}v")),
    ("{{ .X -}}\u{00a0}{{- .X }}", "text", Ok("v\u{00a0}v")),
    ("{{ .X -}}\u{00a0}{{- .X }}", "html", Ok("v\u{00a0}v")),
    (
        "<b>\u{00a0} {{- .X -}} \u{00a0}</b>",
        "text",
        Ok("<b>\u{00a0}v\u{00a0}</b>"),
    ),
    (
        "<b>\u{00a0} {{- .X -}} \u{00a0}</b>",
        "html",
        Ok("<b>\u{00a0}v\u{00a0}</b>"),
    ),
];

fn render(text: &str, part: Part) -> Result<String, (String, Option<usize>)> {
    let files = TemplateFiles {
        origin: Origin::Builtin,
        files: vec![("t".into(), text.into())],
    };
    let data = gotmpl::Value::Map(std::sync::Arc::new(
        [(std::sync::Arc::from("X"), gotmpl::Value::String("v".into()))]
            .into_iter()
            .collect(),
    ));
    files.render(part, &data, "m", &["X"]).map_err(|e| {
        let message = e
            .message
            .strip_prefix("courier built-in t: ")
            .unwrap_or(&e.message);
        (message.to_owned(), e.line)
    })
}

#[test]
fn courier_gives_what_go_gives() {
    let mut wrong = Vec::new();
    for (text, package, go) in GO {
        let part = if *package == "html" {
            Part::Html
        } else {
            Part::Text
        };
        let got = render(text, part);
        let same = match (go, &got) {
            (Ok(want), Ok(out)) => want == out,
            (Err(want), Err((message, line))) => {
                let want_line = want.split(':').nth(2).and_then(|l| l.parse().ok());
                want == message && *line == want_line
            }
            _ => false,
        };
        if !same {
            wrong.push(format!("{text:?} ({package}): Go {go:?}, courier {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rewrites_keep_every_line_and_leave_plain_templates_alone() {
    for (text, _, _) in GO {
        if let Ok(scan) = lex::scan(text) {
            let out = lex::rewrite(text, &scan);
            assert_eq!(
                out.matches('\n').count(),
                text.matches('\n').count(),
                "{text:?}"
            );
        }
    }
    let plain = "a {{- .X }} b {{ .X -}} c {{/* c */}} {{- /* d */ -}} e";
    assert!(matches!(
        lex::rewrite(plain, &lex::scan(plain).unwrap()),
        std::borrow::Cow::Borrowed(_)
    ));
}
