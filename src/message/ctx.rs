//! The ctx Kratos hands to a Jsonnet body: `recipient`, `subject`, `body`,
//! `html_body` (email, when not empty), `template_type`, `template_data`,
//! `message_type` and `request_headers`, in Kratos' field order; and the
//! data of the ad-hoc `stub` type.

use serde_json::{Value, json};

use crate::message::{Channel, Texts};
use crate::release::Release;

/// The HTTP ctx of release `release`, with Kratos' field order:
/// `html_body` (from v25.4.0) only when not empty, `subject` empty for
/// SMS, `request_headers` from v26.2.0; before v1.1.0, Go's field names
/// and no `message_type`.
#[must_use]
pub fn build(
    recipient: &str,
    ty: &str,
    channel: Channel,
    texts: &Texts,
    data: Value,
    headers: Value,
    release: Release,
) -> Value {
    let mut m = serde_json::Map::new();
    if !release.has(crate::release::CHANNELS) {
        m.insert("Recipient".into(), json!(recipient));
        m.insert("Subject".into(), json!(texts.subject));
        m.insert("Body".into(), json!(texts.body));
        m.insert("TemplateType".into(), json!(ty));
        m.insert("TemplateData".into(), data);
        return Value::Object(m);
    }
    m.insert("recipient".into(), json!(recipient));
    let subject = match channel {
        Channel::Email => texts.subject.as_str(),
        Channel::Sms => "",
    };
    m.insert("subject".into(), json!(subject));
    m.insert("body".into(), json!(texts.body));
    if channel == Channel::Email
        && !texts.html_body.is_empty()
        && release.has(crate::release::HTML_BODY_CTX)
    {
        m.insert("html_body".into(), json!(texts.html_body));
    }
    m.insert("template_type".into(), json!(ty));
    m.insert("template_data".into(), data);
    m.insert("message_type".into(), json!(channel.as_str()));
    if release.has(crate::release::REQUEST_HEADERS) {
        m.insert("request_headers".into(), headers);
    }
    Value::Object(m)
}

/// The ctx of an SMS sent through `courier.sms` (v1.0.0): the sender
/// name, the recipient and the text.
#[must_use]
pub fn legacy_sms(from: &str, to: &str, body: &str) -> Value {
    json!({"from": from, "to": to, "body": body})
}

/// The `template_data` of an ad-hoc message (`courier send --subject
/// --text`): Kratos' `stub` template type, as release `release` stores it
/// (Go names before v1.1.0; `html_body` from v25.4.0, when not empty; the
/// SMS stub's empty identity).
#[must_use]
pub fn stub_data(to: &str, channel: Channel, texts: &Texts, release: Release) -> Value {
    let tagged = release.has(crate::release::CHANNELS);
    let name = |snake: &'static str, go: &'static str| if tagged { snake } else { go };
    let mut data = serde_json::Map::new();
    data.insert(name("to", "To").into(), json!(to));
    if channel == Channel::Email {
        data.insert(name("subject", "Subject").into(), json!(texts.subject));
    }
    data.insert(name("body", "Body").into(), json!(texts.body));
    if channel == Channel::Email
        && !texts.html_body.is_empty()
        && release.has(crate::release::HTML_BODY_CTX)
    {
        data.insert("html_body".into(), json!(texts.html_body));
    }
    if channel == Channel::Sms {
        data.insert(name("identity", "Identity").into(), Value::Null);
    }
    Value::Object(data)
}

/// Texts that stand in for rendered templates where only the ctx's shape
/// matters (`check-config` evaluating a body for every type).
#[must_use]
pub fn placeholder_texts(channel: Channel) -> Texts {
    let email = channel == Channel::Email;
    Texts {
        subject: if email {
            "Your account".into()
        } else {
            String::new()
        },
        body: "Hello Jane, your code is 742913.".into(),
        html_body: if email {
            "<p>Hello Jane, your code is 742913.</p>".into()
        } else {
            String::new()
        },
    }
}

/// Merges `patch` into `base`: objects key by key, anything else replaced.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{build, merge, stub_data};
    use crate::message::{Channel, Texts};
    use crate::release::Release;

    #[test]
    fn html_body_only_when_present_and_subject_empty_for_sms() {
        let texts = Texts {
            subject: "S".into(),
            body: "B".into(),
            html_body: String::new(),
        };
        let ctx = build(
            "a@b.c",
            "t",
            Channel::Email,
            &texts,
            serde_json::json!({}),
            serde_json::json!({}),
            Release::DEFAULT,
        );
        assert!(ctx.get("html_body").is_none());
        assert_eq!(ctx["subject"], "S");
        let sms = build(
            "+1",
            "t",
            Channel::Sms,
            &texts,
            serde_json::json!({}),
            serde_json::Value::Null,
            Release::DEFAULT,
        );
        assert_eq!(sms["subject"], "");
        let keys: Vec<&str> = sms
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "recipient",
                "subject",
                "body",
                "template_type",
                "template_data",
                "message_type",
                "request_headers"
            ]
        );
        assert_eq!(
            stub_data("+1", Channel::Sms, &texts, Release::DEFAULT),
            serde_json::json!({"to": "+1", "body": "B", "identity": null})
        );
    }

    #[test]
    fn the_ctx_has_the_keys_of_each_release() {
        let texts = Texts {
            subject: "S".into(),
            body: "B".into(),
            html_body: "<p>B</p>".into(),
        };
        let keys = |r: Release| -> Vec<String> {
            let ctx = build(
                "a@b.c",
                "t",
                Channel::Email,
                &texts,
                serde_json::json!({}),
                serde_json::json!({}),
                r,
            );
            ctx.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(
            keys(Release::V1_0_0),
            [
                "Recipient",
                "Subject",
                "Body",
                "TemplateType",
                "TemplateData"
            ]
        );
        let v1_3 = [
            "recipient",
            "subject",
            "body",
            "template_type",
            "template_data",
            "message_type",
        ];
        assert_eq!(keys(Release::V1_3_1), v1_3);
        let mut v25 = v1_3.to_vec();
        v25.insert(3, "html_body");
        assert_eq!(keys(Release::V25_4_0), v25);
        v25.push("request_headers");
        assert_eq!(keys(Release::V26_2_0), v25);
        assert_eq!(keys(Release::Master), v25);
        let texts = Texts {
            html_body: String::new(),
            ..texts
        };
        assert_eq!(
            stub_data("a@b.c", Channel::Email, &texts, Release::V1_0_0),
            serde_json::json!({"To": "a@b.c", "Subject": "S", "Body": "B"})
        );
    }

    #[test]
    fn merge_is_key_by_key() {
        let mut a = serde_json::json!({"a": {"x": 1, "y": 2}, "b": [1]});
        merge(
            &mut a,
            &serde_json::json!({"a": {"y": 3}, "b": [2], "c": null}),
        );
        assert_eq!(
            a,
            serde_json::json!({"a": {"x": 1, "y": 3}, "b": [2], "c": null})
        );
    }
}
