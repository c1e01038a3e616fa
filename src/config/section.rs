//! Writing a `courier:` section as text: the SMTP connection, an HTTP
//! provider's request config with its Jsonnet body (SendGrid, Postmark,
//! Mailgun), a Twilio-style SMS channel; and merging a section into an
//! identity config with the rest of the file (keys, comments, order) kept,
//! which a YAML serializer would lose.

const SENDGRID: &str = include_str!("../../tests/examples/sendgrid.jsonnet");
const MAILGUN: &str = include_str!("../../tests/examples/mailgun.jsonnet");
const POSTMARK: &str = include_str!("../../tests/examples/postmark.jsonnet");
const SMS: &str = include_str!("../../tests/examples/sms.jsonnet");

/// A YAML double-quoted string (JSON's escapes are YAML's).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A Jsonnet body file the section refers to: its name and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFile {
    pub name: &'static str,
    pub content: String,
}

/// The sender of every email.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    pub address: &'a str,
    pub name: &'a str,
}

/// An HTTP email provider with a recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Sendgrid,
    Postmark,
    Mailgun { eu: bool },
}

/// The section start: `courier:`.
pub const HEAD: &str = "courier:\n";

/// `delivery_strategy: smtp` with the connection URI and the sender.
#[must_use]
pub fn smtp(uri: &str, from: Sender<'_>) -> String {
    format!(
        "  delivery_strategy: smtp\n  smtp:\n    connection_uri: {}\n    from_address: {}\n    from_name: {}\n",
        q(uri),
        q(from.address),
        q(from.name)
    )
}

/// `delivery_strategy: http` with the provider's request config, and its
/// body file (named `body_uri(file name)` in the config).
#[must_use]
pub fn http(
    provider: Provider,
    key: &str,
    from: Sender<'_>,
    body_uri: &dyn Fn(&str) -> String,
) -> (String, BodyFile) {
    let api_key = |name: &str, value: &str| {
        format!(
            "        type: api_key\n        config:\n          name: {name}\n          value: {}\n          in: header\n",
            q(value)
        )
    };
    let (url, ct, template, name, auth) = match provider {
        Provider::Sendgrid => (
            "https://api.sendgrid.com/v3/mail/send".to_owned(),
            "application/json",
            SENDGRID,
            "courier-sendgrid.jsonnet",
            api_key("Authorization", &format!("Bearer {key}")),
        ),
        Provider::Postmark => (
            "https://api.postmarkapp.com/email".to_owned(),
            "application/json",
            POSTMARK,
            "courier-postmark.jsonnet",
            api_key("X-Postmark-Server-Token", key),
        ),
        Provider::Mailgun { eu } => {
            let domain = from.address.rsplit('@').next().unwrap_or("example.com");
            let api = if eu {
                "api.eu.mailgun.net"
            } else {
                "api.mailgun.net"
            };
            (
                format!("https://{api}/v3/{domain}/messages"),
                "application/x-www-form-urlencoded",
                MAILGUN,
                "courier-mailgun.jsonnet",
                format!(
                    "        type: basic_auth\n        config:\n          user: api\n          password: {}\n",
                    q(key)
                ),
            )
        }
    };
    let content = template
        .replace(
            "Example Accounts <no-reply@mg.example.com>",
            &format!("{} <{}>", from.name, from.address),
        )
        .replace("'no-reply@example.com'", &format!("'{}'", from.address))
        .replace("'Example Accounts'", &format!("'{}'", from.name));
    let yaml = format!(
        "  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      method: POST\n      headers:\n        Content-Type: {ct}\n      body: {}\n      auth:\n{auth}",
        body_uri(name)
    );
    (yaml, BodyFile { name, content })
}

/// A Twilio-style SMS channel (form-encoded, basic auth) and its body.
#[must_use]
pub fn sms_twilio_like(body_uri: &dyn Fn(&str) -> String) -> (String, BodyFile) {
    let name = "courier-sms.jsonnet";
    let yaml = format!(
        "  channels:\n    - id: sms\n      type: http\n      request_config:\n\
        \x20       url: https://api.twilio.com/2010-04-01/Accounts/REPLACE_ACCOUNT_SID/Messages.json\n\
        \x20       method: POST\n        headers:\n          Content-Type: application/x-www-form-urlencoded\n\
        \x20       body: {}\n\
        \x20       auth:\n          type: basic_auth\n          config:\n            user: REPLACE_ACCOUNT_SID\n            password: REPLACE_AUTH_TOKEN\n",
        body_uri(name)
    );
    (
        yaml,
        BodyFile {
            name,
            content: SMS.to_owned(),
        },
    )
}

/// Why `init --merge` leaves a file exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefusal {
    /// The file has a courier section, and `--force` was not given.
    #[error("{0}: the file already has a courier section")]
    HasSection(String),
    /// JSON, or YAML in flow style: no text edit keeps it valid and whole.
    #[error("{0}: the file is JSON (or YAML in flow style); --merge edits only block-style YAML")]
    NotBlockYaml(String),
    /// The parser's place of the key is not a line a text edit can find
    /// (lines that end in a lone CR, an indented top level).
    #[error("{0}: --merge cannot find the lines of the courier key in this file's layout")]
    Layout(String),
    /// The file to merge into does not exist.
    #[error("{0}: no such file to merge into")]
    Missing(String),
    /// The file does not parse (or is not a mapping of keys).
    #[error("{file}: courier cannot edit this file: {message}")]
    Unparsable { file: String, message: String },
    /// The merged file would fail its own check.
    #[error(
        "{file}: with the new section the file would have {errors} error(s), so it was left as it was"
    )]
    Invalid { file: String, errors: usize },
}

impl MergeRefusal {
    /// What to do instead.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::HasSection(_) => "pass --force to replace it",
            Self::NotBlockYaml(_) => {
                "run `courier init` without --merge and copy the section into the file by hand"
            }
            Self::Layout(_) => {
                "run `courier init` without --merge and copy the section into the file by hand"
            }
            Self::Missing(_) => {
                "--merge writes into an existing config; to start one, run without it: `courier init … > kratos.yml`"
            }
            Self::Unparsable { .. } => "`courier check-config -c FILE` shows what is wrong with it",
            Self::Invalid { .. } => {
                "the errors above say what; `courier init` without --merge prints the section"
            }
        }
    }
}

/// Whether the first line that is not blank or a comment opens a JSON (or
/// flow-style YAML) document.
fn is_flow_document(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with(['{', '[']))
}

/// The 0-based line of the top-level `courier` key (however it is spelt:
/// `courier:`, `"courier":`, `'courier' :`), found by parsing the file.
fn courier_line(name: &str, text: &str) -> Result<Option<usize>, MergeRefusal> {
    let has_json_name = std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if has_json_name || is_flow_document(text) {
        return Err(MergeRefusal::NotBlockYaml(name.to_owned()));
    }
    let unparsable = |message: String| MergeRefusal::Unparsable {
        file: name.to_owned(),
        message,
    };
    let doc = super::source::parse(text, 0).map_err(|e| {
        unparsable(format!(
            "{} (line {}, column {})",
            e.message, e.loc.line, e.loc.column
        ))
    })?;
    match &doc.value {
        super::tree::Value::Null => Ok(None),
        super::tree::Value::Map(entries) => match entries.iter().find(|e| e.key == "courier") {
            None => Ok(None),
            Some(e) if e.key_loc.column == 1 && e.key_loc.line >= 1 => {
                Ok(Some(e.key_loc.line as usize - 1))
            }
            Some(_) => Err(MergeRefusal::Layout(name.to_owned())),
        },
        other => Err(unparsable(format!(
            "the document is {}, not a mapping of keys",
            other.type_name()
        ))),
    }
}

/// Replaces (with `force`) or appends the top-level `courier` block of
/// `text`, the file named `name`. A byte order mark and CRLF line ends are
/// kept.
pub fn merge(name: &str, text: &str, section: &str, force: bool) -> Result<String, MergeRefusal> {
    let (bom, text) = match text.strip_prefix(crate::input::BOM) {
        Some(rest) => (crate::input::BOM, rest),
        None => ("", text),
    };
    let section = if text.contains("\r\n") {
        section.replace('\n', "\r\n")
    } else {
        section.to_owned()
    };
    let start = courier_line(name, text)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // The parser's line must be this text's line with the key on it (a
    // file whose lines end in a lone CR counts lines otherwise).
    if let Some(i) = start.filter(|_| force) {
        let spelt = ["courier", "\"courier\"", "'courier'"];
        if !lines
            .get(i)
            .is_some_and(|l| spelt.iter().any(|k| l.starts_with(k)))
        {
            return Err(MergeRefusal::Layout(name.to_owned()));
        }
    }
    let is_top_key =
        |l: &str| !l.starts_with([' ', '\t', '#', '\n', '\r', '-']) && !l.trim().is_empty();
    let mut out = bom.to_owned();
    match start {
        Some(_) if !force => return Err(MergeRefusal::HasSection(name.to_owned())),
        Some(i) => {
            let mut end = i + 1;
            while end < lines.len() && !is_top_key(lines[end]) && !lines[end].starts_with('#') {
                end += 1;
            }
            // Trailing blank lines before the next key stay with the file.
            while end > i + 1 && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            out.push_str(&lines[..i].concat());
            out.push_str(&section);
            out.push_str(&lines[end..].concat());
        }
        None => {
            out.push_str(text);
            let nl = if section.contains('\r') { "\r\n" } else { "\n" };
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(nl);
            }
            if !text.is_empty() {
                out.push_str(nl);
            }
            out.push_str(&section);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{MergeRefusal, merge};

    #[test]
    fn merge_replaces_block_and_flow_sections_and_appends_otherwise() {
        let section = "courier:\n  smtp: {}\n";
        let text = "a: 1\ncourier: {}\n# b's comment\nb: 2\n";
        assert_eq!(
            merge("k.yml", text, section, false),
            Err(MergeRefusal::HasSection("k.yml".into()))
        );
        assert_eq!(
            merge("k.yml", text, section, true).unwrap(),
            "a: 1\ncourier:\n  smtp: {}\n# b's comment\nb: 2\n"
        );
        let text = "a: 1\ncourier:\n  old: x\n\n  more: y\nb: 2\n";
        assert_eq!(
            merge("k.yml", text, section, true).unwrap(),
            "a: 1\ncourier:\n  smtp: {}\nb: 2\n"
        );
        assert_eq!(
            merge("k.yml", "a: 1", section, false).unwrap(),
            "a: 1\n\ncourier:\n  smtp: {}\n"
        );
        assert_eq!(merge("k.yml", "", section, false).unwrap(), section);
    }

    #[test]
    fn merge_finds_the_section_in_any_spelling() {
        let section = "courier:\n  smtp: {}\n";
        for text in [
            "a: 1\n\"courier\":\n  old: x\nb: 2\n",
            "a: 1\n'courier':\n  old: x\nb: 2\n",
            "a: 1\ncourier :\n  old: x\nb: 2\n",
        ] {
            assert_eq!(
                merge("k.yml", text, section, false),
                Err(MergeRefusal::HasSection("k.yml".into())),
                "{text}"
            );
            assert_eq!(
                merge("k.yml", text, section, true).unwrap(),
                "a: 1\ncourier:\n  smtp: {}\nb: 2\n",
                "{text}"
            );
        }
        // Keys that only look like it are other keys.
        assert!(merge("k.yml", "couriers:\n  a: 1\n", section, false).is_ok());
    }

    #[test]
    fn merge_refuses_what_it_cannot_edit_safely() {
        let section = "courier:\n  smtp: {}\n";
        for (name, text) in [
            ("k.json", "{\"a\": 1}\n"),
            ("k.yml", "# JSON in disguise\n{\"a\": 1}\n"),
            ("k.json", ""),
        ] {
            assert_eq!(
                merge(name, text, section, true),
                Err(MergeRefusal::NotBlockYaml(name.into())),
                "{text}"
            );
        }
        for text in ["a: [1\n", "- a\n- b\n"] {
            assert!(
                matches!(
                    merge("k.yml", text, section, true),
                    Err(MergeRefusal::Unparsable { .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn merge_refuses_lines_it_cannot_place() {
        // Lone CRs end lines for the parser, not for a text edit.
        let text = "a: 1\rb: 2\rcourier:\r  old: x\r";
        assert_eq!(
            merge("k.yml", text, "courier: {}\n", true),
            Err(MergeRefusal::Layout("k.yml".into()))
        );
    }

    #[test]
    fn merge_keeps_a_bom_and_crlf_line_ends() {
        let section = "courier:\n  smtp: {}\n";
        assert_eq!(
            merge("k.yml", "\u{feff}a: 1\r\n", section, false).unwrap(),
            "\u{feff}a: 1\r\n\r\ncourier:\r\n  smtp: {}\r\n"
        );
    }
}
