//! Kratos' Go models of each template type: the model's type name and,
//! field by field, the Go name a template uses and the JSON name in
//! `template_data`; and the conversion of JSON data into template values.

use std::sync::Arc;

use gotmpl::Value;
use serde_json::Value as Json;

use crate::message::Channel;
use crate::release::{Release, Span};

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

/// When each field arrived in Kratos' models.
const ALWAYS: Span = Span::ALWAYS;
const V1_1: Span = Span::since(Release::V1_1_0);
const V1_2: Span = Span::since(Release::V1_2_0);
const V25_4: Span = Span::since(Release::V25_4_0);
const V26_2: Span = Span::since(Release::V26_2_0);
const MASTER: Span = Span::since(Release::Master);

/// The fields after `To` that every flow model ends with: the flow's URL
/// (v1.1.0) and transient payload (v1.2.0).
const FLOW: [(Field, Span); 2] = [(URL, V1_1), (PAYLOAD, V1_2)];

/// The fields of a model besides `To`, in Kratos' declaration order, each
/// with the releases that have it.
fn fields_of(ty: &str, channel: Channel) -> Vec<(Field, Span)> {
    let email = channel == Channel::Email;
    let mut f = Vec::new();
    match ty {
        t if t.ends_with("_invalid") => f.extend(FLOW),
        "recovery_valid" => {
            f.extend([
                (("RecoveryURL", "recovery_url"), ALWAYS),
                (IDENTITY, ALWAYS),
            ]);
            f.extend(FLOW);
            f.push((EXPIRES, V25_4));
        }
        // Kratos' quirk: the SMS recovery model reads its code from `verification_code`.
        "recovery_code_valid" => {
            let code = if email {
                "recovery_code"
            } else {
                "verification_code"
            };
            f.extend([
                (("RecoveryCode", code), ALWAYS),
                (IDENTITY, ALWAYS),
                (URL, V1_1),
            ]);
            if !email {
                f.push((DOMAIN, V25_4));
            }
            f.extend([(PAYLOAD, V1_2), (EXPIRES, V25_4), (HEADERS, V26_2)]);
        }
        "verification_valid" => {
            f.extend([
                (("VerificationURL", "verification_url"), ALWAYS),
                (IDENTITY, ALWAYS),
            ]);
            f.extend(FLOW);
            f.extend([(EXPIRES, V25_4), (OAUTH2, MASTER)]);
        }
        "verification_code_valid" => {
            if email {
                f.push((("VerificationURL", "verification_url"), ALWAYS));
            }
            let code = ("VerificationCode", "verification_code");
            f.extend([(code, ALWAYS), (IDENTITY, ALWAYS), (URL, V1_1)]);
            if !email {
                f.push((DOMAIN, MASTER));
            }
            f.extend([(PAYLOAD, V1_2), (EXPIRES, V25_4), (OAUTH2, MASTER)]);
        }
        "login_code_valid" | "registration_code_valid" => {
            let login = ty == "login_code_valid";
            let code = if login {
                ("LoginCode", "login_code")
            } else {
                ("RegistrationCode", "registration_code")
            };
            // Kratos' quirk: the email registration model has `Traits`
            // (before the code), the SMS one `Identity` (the traits).
            if !login && email {
                f.extend([(("Traits", "traits"), ALWAYS), (code, ALWAYS)]);
            } else {
                f.extend([(code, ALWAYS), (IDENTITY, ALWAYS)]);
            }
            f.push((URL, V1_1));
            if !email {
                f.push((DOMAIN, MASTER));
            }
            f.extend([
                (PAYLOAD, V1_2),
                (EXPIRES, V25_4),
                (OAUTH2, MASTER),
                (HEADERS, V26_2),
            ]);
        }
        "verifiable_address_changed" | "authenticator_key_added" => {
            let at = if ty == "authenticator_key_added" {
                ("AddedAt", "added_at")
            } else {
                ("ChangedAt", "changed_at")
            };
            f.extend([(IDENTITY, ALWAYS), (at, ALWAYS), (PAYLOAD, ALWAYS)]);
            if !email {
                f.push((HEADERS, ALWAYS));
            }
        }
        "stub" if email => f.extend([
            (("Subject", "subject"), ALWAYS),
            (("Body", "body"), ALWAYS),
            (("HTMLBody", "html_body"), V25_4),
        ]),
        "stub" => f.extend([(("Body", "body"), ALWAYS), (IDENTITY, ALWAYS)]),
        _ => f.extend(FLOW),
    }
    f
}

/// The fields of a type's model in release `r`, with the JSON names of
/// Kratos' current models (snake case), `To` first.
#[must_use]
pub fn snake_fields(ty: &str, channel: Channel, r: Release) -> Vec<Field> {
    let mut fields = vec![TO];
    fields.extend(
        fields_of(ty, channel)
            .into_iter()
            .filter(|(_, span)| r.has(*span))
            .map(|(f, _)| f),
    );
    fields
}

/// Whether the release's models have JSON tags: before v1.1.0 they had
/// none, and `template_data` carries the Go names.
#[must_use]
pub fn tagged(r: Release) -> bool {
    r >= Release::V1_1_0
}

/// The Go model of a template type in release `r`: its type name and its
/// fields, with the JSON names of that release.
#[must_use]
pub fn model(ty: &str, channel: Channel, r: Release) -> (String, Vec<Field>) {
    let camel: String = ty
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let camel = if ty == "stub" {
        "TestStub".to_owned()
    } else {
        camel
    };
    let fields = snake_fields(ty, channel, r)
        .into_iter()
        .map(|(go, json)| {
            if tagged(r) || json.is_empty() {
                (go, json)
            } else {
                (go, go)
            }
        })
        .collect();
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
                } else if *go == "OAuth2LoginRequest" {
                    template_data.get(*json).map_or(Json::Null, oauth2_go)
                } else {
                    template_data.get(*json).cloned().unwrap_or(Json::Null)
                };
                ((*go).to_owned(), v)
            })
            .collect(),
    )
}

/// Kratos hands templates the OAuth2 login request as a Go struct: its
/// fields go by their Go names (`.Client.ClientName`).
fn oauth2_go(j: &Json) -> Json {
    const NAMES: [(&str, &str); 7] = [
        ("challenge", "Challenge"),
        ("client", "Client"),
        ("client_id", "ClientID"),
        ("client_name", "ClientName"),
        ("client_uri", "ClientURI"),
        ("logo_uri", "LogoURI"),
        ("metadata", "Metadata"),
    ];
    let Json::Object(m) = j else {
        return j.clone();
    };
    Json::Object(
        m.iter()
            .map(|(k, v)| {
                let go = NAMES
                    .iter()
                    .find(|(s, _)| s == k)
                    .map_or(k.as_str(), |(_, g)| g);
                let v = if k == "client" {
                    oauth2_go(v)
                } else {
                    v.clone()
                };
                (go.to_owned(), v)
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
