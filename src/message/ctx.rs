//! The ctx Kratos hands to a Jsonnet body: `recipient`, `subject`, `body`,
//! `html_body` (email, when not empty), `template_type`, `template_data`,
//! `message_type` and `request_headers`, in Kratos' field order; and the
//! data of the ad-hoc `stub` type.

use serde_json::{Value, json};

use crate::message::{Channel, Texts};

/// The HTTP ctx, with Kratos' field order: `html_body` only when not
/// empty, `subject` empty for SMS.
#[must_use]
pub fn build(
    recipient: &str,
    ty: &str,
    channel: Channel,
    texts: &Texts,
    data: Value,
    headers: Value,
) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("recipient".into(), json!(recipient));
    let subject = match channel {
        Channel::Email => texts.subject.as_str(),
        Channel::Sms => "",
    };
    m.insert("subject".into(), json!(subject));
    m.insert("body".into(), json!(texts.body));
    if channel == Channel::Email && !texts.html_body.is_empty() {
        m.insert("html_body".into(), json!(texts.html_body));
    }
    m.insert("template_type".into(), json!(ty));
    m.insert("template_data".into(), data);
    m.insert("message_type".into(), json!(channel.as_str()));
    m.insert("request_headers".into(), headers);
    Value::Object(m)
}

/// The `template_data` of an ad-hoc message (`courier send --subject
/// --text`): Kratos' `stub` template type.
#[must_use]
pub fn stub_data(to: &str, channel: Channel, texts: &Texts) -> Value {
    let mut data = serde_json::Map::new();
    data.insert("to".into(), json!(to));
    if channel == Channel::Email {
        data.insert("subject".into(), json!(texts.subject));
    }
    data.insert("body".into(), json!(texts.body));
    if channel == Channel::Email && !texts.html_body.is_empty() {
        data.insert("html_body".into(), json!(texts.html_body));
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
            stub_data("+1", Channel::Sms, &texts),
            serde_json::json!({"to": "+1", "body": "B"})
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
