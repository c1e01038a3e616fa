//! Kratos' Go models of each template type: the model's type name and,
//! field by field, the Go name a template uses and the JSON name in
//! `template_data`; and the conversion of JSON data into template values.

use std::sync::Arc;

use gotmpl::Value;
use serde_json::Value as Json;

use crate::message::Channel;

/// A field of a model: its Go name and its JSON name in `template_data`
/// (empty for the request headers, which come from the ctx).
pub type Field = (&'static str, &'static str);

const TO: Field = ("To", "to");
const URL: Field = ("RequestURL", "request_url");
const PAYLOAD: Field = ("TransientPayload", "transient_payload");
const IDENTITY: Field = ("Identity", "identity");
const EXPIRES: Field = ("ExpiresInMinutes", "expires_in_minutes");
const HEADERS: Field = ("UserRequestHeaders", "");
const DOMAIN: Field = ("RequestURLDomain", "request_url_domain");
const OAUTH2: Field = ("OAuth2LoginRequest", "oauth2_login_request");

/// The fields of a model besides `To`.
fn fields_of(ty: &str, channel: Channel) -> Vec<Field> {
    let email = channel == Channel::Email;
    match ty {
        t if t.ends_with("_invalid") => vec![URL, PAYLOAD],
        "recovery_valid" => vec![
            ("RecoveryURL", "recovery_url"),
            IDENTITY,
            EXPIRES,
            URL,
            PAYLOAD,
        ],
        "recovery_code_valid" if email => {
            vec![
                ("RecoveryCode", "recovery_code"),
                IDENTITY,
                EXPIRES,
                HEADERS,
                URL,
                PAYLOAD,
            ]
        }
        // Kratos' quirk: the SMS recovery model reads its code from `verification_code`.
        "recovery_code_valid" => {
            let code = ("RecoveryCode", "verification_code");
            vec![code, IDENTITY, DOMAIN, EXPIRES, HEADERS, URL, PAYLOAD]
        }
        "verification_valid" => {
            let link = ("VerificationURL", "verification_url");
            vec![link, IDENTITY, EXPIRES, OAUTH2, URL, PAYLOAD]
        }
        "verification_code_valid" => {
            let code = ("VerificationCode", "verification_code");
            let mut f = vec![code, IDENTITY, EXPIRES, OAUTH2, URL, PAYLOAD];
            f.push(if email {
                ("VerificationURL", "verification_url")
            } else {
                DOMAIN
            });
            f
        }
        "login_code_valid" => {
            let code = ("LoginCode", "login_code");
            let mut f = vec![code, IDENTITY, EXPIRES, OAUTH2, HEADERS, URL, PAYLOAD];
            if !email {
                f.push(DOMAIN);
            }
            f
        }
        // Kratos' quirk: the email registration model has `Traits`, the SMS
        // one `Identity`.
        "registration_code_valid" => {
            let code = ("RegistrationCode", "registration_code");
            let mut f = vec![code, EXPIRES, OAUTH2, HEADERS, URL, PAYLOAD];
            if email {
                f.push(("Traits", "traits"));
            } else {
                f.extend([IDENTITY, DOMAIN]);
            }
            f
        }
        "verifiable_address_changed" | "authenticator_key_added" => {
            let at = if ty == "authenticator_key_added" {
                ("AddedAt", "added_at")
            } else {
                ("ChangedAt", "changed_at")
            };
            let mut f = vec![IDENTITY, at, PAYLOAD];
            if !email {
                f.push(HEADERS);
            }
            f
        }
        "stub" => vec![
            ("Subject", "subject"),
            ("Body", "body"),
            ("HTMLBody", "html_body"),
            IDENTITY,
        ],
        _ => vec![URL, PAYLOAD],
    }
}

/// The Go model of a template type: its type name and its fields.
#[must_use]
pub fn model(ty: &str, channel: Channel) -> (String, Vec<Field>) {
    let camel: String = ty
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let mut fields = vec![TO];
    fields.extend(fields_of(ty, channel));
    (format!("{}.{camel}Model", channel.as_str()), fields)
}

/// The template data with Go field names (request headers from the ctx).
#[must_use]
pub fn data(fields: &[(&str, &str)], template_data: &Json, request_headers: &Json) -> Value {
    to_value(&data_json(fields, template_data, request_headers))
}

/// [`data`] as JSON (Go field names to values), as the sandbox takes it.
#[must_use]
pub fn data_json(fields: &[(&str, &str)], template_data: &Json, request_headers: &Json) -> Json {
    Json::Object(
        fields
            .iter()
            .map(|(go, json)| {
                let v = if json.is_empty() {
                    request_headers.clone()
                } else {
                    template_data.get(*json).cloned().unwrap_or(Json::Null)
                };
                ((*go).to_owned(), v)
            })
            .collect(),
    )
}

/// JSON to a template value (numbers that are whole stay integers).
#[must_use]
pub fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        Json::String(s) => Value::String(Arc::from(s.as_str())),
        Json::Array(a) => Value::List(a.iter().map(to_value).collect()),
        Json::Object(o) => Value::Map(Arc::new(
            o.iter()
                .map(|(k, v)| (Arc::from(k.as_str()), to_value(v)))
                .collect(),
        )),
    }
}

/// A template value back to JSON (for `toJson`).
#[must_use]
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Uint(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
        _ => Json::String(v.to_string()),
    }
}
