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

/// `--merge` onto a file that has a courier section, without `--force`.
#[derive(Debug, thiserror::Error)]
#[error("{0}: the file already has a courier section")]
pub struct HasSection(pub String);

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

/// Replaces or appends the top-level `courier:` block of `text`.
pub fn merge(text: &str, section: &str, force: bool) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_top_key =
        |l: &str| !l.starts_with([' ', '\t', '#', '\n', '\r', '-']) && !l.trim().is_empty();
    // The top-level key, in block (`courier:`) or flow (`courier: {}`) style.
    let start = lines.iter().position(|l| l.starts_with("courier:"));
    match start {
        Some(_) if !force => None,
        Some(i) => {
            let mut end = i + 1;
            while end < lines.len() && !is_top_key(lines[end]) && !lines[end].starts_with('#') {
                end += 1;
            }
            // Trailing blank lines before the next key stay with the file.
            while end > i + 1 && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            let mut out: String = lines[..i].concat();
            out.push_str(section);
            out.push_str(&lines[end..].concat());
            Some(out)
        }
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(section);
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn merge_replaces_block_and_flow_sections_and_appends_otherwise() {
        let section = "courier:\n  smtp: {}\n";
        let text = "a: 1\ncourier: {}\n# b's comment\nb: 2\n";
        assert!(merge(text, section, false).is_none());
        assert_eq!(
            merge(text, section, true).unwrap(),
            "a: 1\ncourier:\n  smtp: {}\n# b's comment\nb: 2\n"
        );
        let text = "a: 1\ncourier:\n  old: x\n\n  more: y\nb: 2\n";
        assert_eq!(
            merge(text, section, true).unwrap(),
            "a: 1\ncourier:\n  smtp: {}\nb: 2\n"
        );
        assert_eq!(
            merge("a: 1", section, false).unwrap(),
            "a: 1\n\ncourier:\n  smtp: {}\n"
        );
    }
}
