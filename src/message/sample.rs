//! Realistic sample data for every template type, shaped as Kratos shapes
//! its template models (snake_case JSON names, per type and channel), and
//! the HTTP ctx built from it.

use serde_json::{Value, json};

use crate::message::{Channel, Texts, ctx};
use crate::release::Release;
use crate::render::template::model;

/// Values the samples are built from (from the config where it has them).
#[derive(Debug, Clone)]
pub struct Context {
    /// The release whose models shape the data.
    pub release: Release,
    pub base_url: String,
    /// From `selfservice.methods.code.config.lifespan`.
    pub expires_in_minutes: i64,
    /// From `selfservice.methods.link.config.lifespan` (link templates).
    pub link_expires_in_minutes: i64,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            release: Release::DEFAULT,
            base_url: "https://auth.example.com".into(),
            expires_in_minutes: 60,
            link_expires_in_minutes: 60,
        }
    }
}

const FLOW_ID: &str = "5f8d1c2e-6b3a-4f7e-9d21-0c4b7a9e3f10";
const IDENTITY_ID: &str = "9f425a8d-7b1c-4f5e-9a36-3c0a4c1b2e7d";

fn recipient(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "jane.doe@example.com",
        Channel::Sms => "+15555550123",
    }
}

fn traits() -> Value {
    json!({
        "email": "jane.doe@example.com",
        "phone": "+15555550123",
        "name": {"first": "Jane", "last": "Doe"}
    })
}

fn identity() -> Value {
    json!({
        "id": IDENTITY_ID,
        "schema_id": "default",
        "schema_url": "https://auth.example.com/schemas/ZGVmYXVsdA",
        "state": "active",
        "state_changed_at": "2026-01-05T10:00:00Z",
        "traits": traits(),
        "verifiable_addresses": [{
            "id": "b5a2c1d4-3e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "value": "jane.doe@example.com",
            "verified": false,
            "via": "email",
            "status": "sent",
            "created_at": "2026-01-05T10:00:00Z",
            "updated_at": "2026-01-05T10:00:00Z"
        }],
        "recovery_addresses": [{
            "id": "c6b3d2e5-4f7a-4b8c-9d0e-1f2a3b4c5d6e",
            "value": "jane.doe@example.com",
            "via": "email",
            "created_at": "2026-01-05T10:00:00Z",
            "updated_at": "2026-01-05T10:00:00Z"
        }],
        "metadata_public": null,
        "created_at": "2026-01-05T10:00:00Z",
        "updated_at": "2026-01-05T10:00:00Z"
    })
}

/// The `template_data` of a template type on a channel, or `None` when
/// Kratos has no such combination.
#[must_use]
pub fn template_data(ty: &str, channel: Channel, cx: &Context) -> Option<Value> {
    if !channel.types(cx.release).contains(&ty) {
        return None;
    }
    let full = full_data(ty, channel, cx)?;
    // The fields of the release's model, in its order, under its JSON
    // names (Go names before v1.1.0).
    let tagged = model::tagged(cx.release);
    let data = model::snake_fields(ty, channel, cx.release)
        .into_iter()
        .filter_map(|(go, snake)| {
            // Absent: a field Kratos omits when empty (the OAuth2 login
            // request without one).
            let value = full.get(snake)?.clone();
            let key = if tagged { snake } else { go };
            Some((key.to_owned(), value))
        })
        .collect();
    Some(Value::Object(data))
}

/// Every field the newest model of a type has, by snake-case name.
fn full_data(ty: &str, channel: Channel, cx: &Context) -> Option<Value> {
    let to = recipient(channel);
    let request_url = format!("{}/self-service/{}/browser", cx.base_url, flow_of(ty));
    let mut data = json!({"to": to});
    let m = data.as_object_mut()?;
    match ty {
        "recovery_invalid"
        | "recovery_code_invalid"
        | "verification_invalid"
        | "verification_code_invalid" => {
            m.insert("request_url".into(), json!(request_url));
            m.insert("transient_payload".into(), json!({}));
        }
        "verifiable_address_changed" | "authenticator_key_added" => {
            m.insert("identity".into(), identity());
            let at = if ty == "verifiable_address_changed" {
                "changed_at"
            } else {
                "added_at"
            };
            m.insert(at.into(), json!("2026-01-05T10:00:00Z"));
            m.insert("transient_payload".into(), Value::Null);
        }
        _ => valid_data(ty, channel, cx, m, &request_url),
    }
    Some(data)
}

/// The data of a `*_valid` type: its code and/or link, the identity (or
/// traits, per Kratos' quirks), the flow URL and the lifespan.
fn valid_data(
    ty: &str,
    channel: Channel,
    cx: &Context,
    m: &mut serde_json::Map<String, Value>,
    request_url: &str,
) {
    let code = "742913";
    let (code_key, link) = match ty {
        "recovery_valid" => (
            None,
            Some((
                "recovery_url",
                format!(
                    "{}/self-service/recovery?flow={FLOW_ID}&token=Vb3XUbSRjkrn1tOsCmBqEdI1pjm3Z8F4",
                    cx.base_url
                ),
            )),
        ),
        "verification_valid" => (
            None,
            Some((
                "verification_url",
                format!(
                    "{}/self-service/verification?flow={FLOW_ID}&token=kPq9Rr2WcY7HhN0sQe4uTj6LmA1bXz8D",
                    cx.base_url
                ),
            )),
        ),
        "verification_code_valid" => (
            Some("verification_code"),
            (channel == Channel::Email).then(|| {
                (
                    "verification_url",
                    format!(
                        "{}/self-service/verification?code={code}&flow={FLOW_ID}",
                        cx.base_url
                    ),
                )
            }),
        ),
        // Kratos' quirk: the SMS recovery model tags its code `verification_code`.
        "recovery_code_valid" if channel == Channel::Sms => (Some("verification_code"), None),
        "recovery_code_valid" => (Some("recovery_code"), None),
        "login_code_valid" => (Some("login_code"), None),
        _ => (Some("registration_code"), None),
    };
    if let Some(k) = code_key {
        m.insert(k.into(), json!(code));
    }
    if let Some((k, v)) = link {
        m.insert(k.into(), json!(v));
    }
    // Kratos' quirks: email registration carries `traits`, SMS registration
    // carries the traits under `identity`.
    match (ty, channel) {
        ("registration_code_valid", Channel::Email) => m.insert("traits".into(), traits()),
        ("registration_code_valid", Channel::Sms) => m.insert("identity".into(), traits()),
        _ => m.insert("identity".into(), identity()),
    };
    m.insert("request_url".into(), json!(request_url));
    if channel == Channel::Sms {
        m.insert("request_url_domain".into(), json!(host_of(&cx.base_url)));
    }
    m.insert("transient_payload".into(), json!({}));
    let minutes = if matches!(ty, "recovery_valid" | "verification_valid") {
        cx.link_expires_in_minutes
    } else {
        cx.expires_in_minutes
    };
    m.insert("expires_in_minutes".into(), json!(minutes));
}

fn flow_of(ty: &str) -> &'static str {
    if ty.starts_with("recovery") {
        "recovery"
    } else if ty.starts_with("login") {
        "login"
    } else if ty.starts_with("registration") {
        "registration"
    } else if ty.starts_with("verification") {
        "verification"
    } else {
        "settings"
    }
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or_default().to_owned()
}

/// Whether Kratos fills `request_headers` for this type and channel (an
/// object), leaves it empty (`{}`), or null.
fn request_headers(ty: &str, channel: Channel) -> Value {
    let with_headers = json!({
        "Accept-Language": ["en-US,en;q=0.9"],
        "User-Agent": ["Mozilla/5.0 (X11; Linux x86_64)"]
    });
    match channel {
        Channel::Email
            if matches!(
                ty,
                "login_code_valid" | "recovery_code_valid" | "registration_code_valid"
            ) =>
        {
            with_headers
        }
        Channel::Email => json!({}),
        Channel::Sms if matches!(ty, "verifiable_address_changed" | "authenticator_key_added") => {
            Value::Null
        }
        Channel::Sms if ty == "verification_code_valid" => json!({}),
        Channel::Sms => with_headers,
    }
}

/// The sample HTTP ctx of a type and channel, with `--to` and `--data`
/// applied (the data merged over the sample, key by key).
#[must_use]
pub fn sample_ctx(
    ty: &str,
    channel: Channel,
    cx: &Context,
    to: Option<&str>,
    data: Option<&Value>,
    texts: &Texts,
) -> Option<Value> {
    let m = sample_message(ty, channel, cx, to, data)?;
    Some(ctx::build(
        &m.recipient,
        ty,
        channel,
        texts,
        m.template_data,
        m.request_headers,
        cx.release,
    ))
}

/// A sample message before rendering: recipient, template data, headers.
#[derive(Debug, Clone)]
pub struct SampleMessage {
    pub recipient: String,
    pub template_data: Value,
    pub request_headers: Value,
}

/// The sample data of a type and channel with `--to` and `--data` applied.
#[must_use]
pub fn sample_message(
    ty: &str,
    channel: Channel,
    cx: &Context,
    to: Option<&str>,
    data: Option<&Value>,
) -> Option<SampleMessage> {
    let mut td = template_data(ty, channel, cx)?;
    let rcpt = to.map_or_else(|| recipient(channel).to_owned(), str::to_owned);
    if to.is_some() {
        // The sample identity is the recipient's: its address (traits,
        // verifiable and recovery addresses) follows `--to`.
        follow_recipient(&mut td, recipient(channel), &rcpt);
        td[if model::tagged(cx.release) {
            "to"
        } else {
            "To"
        }] = json!(rcpt);
    }
    if let Some(d) = data {
        ctx::merge(&mut td, d);
    }
    Some(SampleMessage {
        recipient: rcpt,
        template_data: td,
        request_headers: request_headers(ty, channel),
    })
}

fn follow_recipient(value: &mut Value, sample: &str, given: &str) {
    match value {
        Value::String(s) if s == sample => given.clone_into(s),
        Value::Array(items) => {
            for v in items {
                follow_recipient(v, sample, given);
            }
        }
        Value::Object(map) => {
            for v in map.values_mut() {
                follow_recipient(v, sample, given);
            }
        }
        _ => {}
    }
}

/// The top-level `template_data` fields of a type on a channel (what
/// `--data` can set), or `None` when Kratos has no such combination.
#[must_use]
pub fn data_fields(ty: &str, channel: Channel, release: Release) -> Option<Vec<String>> {
    let cx = Context {
        release,
        ..Context::default()
    };
    match template_data(ty, channel, &cx)? {
        Value::Object(map) => Some(map.keys().cloned().collect()),
        _ => Some(Vec::new()),
    }
}

/// The sample HTTP ctx for a type and channel, with placeholder texts.
#[must_use]
pub fn ctx(ty: &str, channel: Channel, cx: &Context) -> Option<Value> {
    sample_ctx(
        ty,
        channel,
        cx,
        None,
        None,
        &ctx::placeholder_texts(channel),
    )
}

#[cfg(test)]
mod tests {
    use super::{Context, ctx, data_fields, template_data};
    use crate::message::Channel;
    use crate::release::Release;

    #[test]
    fn every_type_has_data_on_its_channels() {
        for release in Release::ALL {
            let cx = Context {
                release,
                ..Context::default()
            };
            for t in Channel::Email.types(release) {
                assert!(ctx(t, Channel::Email, &cx).is_some(), "{t}");
            }
            for t in Channel::Sms.types(release) {
                assert!(
                    ctx(t, Channel::Sms, &cx)
                        .unwrap()
                        .get("html_body")
                        .is_none(),
                    "{t}"
                );
            }
        }
        let cx = Context::default();
        assert!(template_data("recovery_valid", Channel::Sms, &cx).is_none());
        assert!(template_data("verifiable_address_changed", Channel::Email, &cx).is_none());
    }

    #[test]
    fn each_release_has_its_models_fields_in_their_order() {
        let (email, sms) = (Channel::Email, Channel::Sms);
        let cases = [
            (
                "recovery_code_valid",
                email,
                Release::V1_0_0,
                "To,RecoveryCode,Identity",
            ),
            (
                "recovery_code_valid",
                email,
                Release::V1_1_0,
                "to,recovery_code,identity,request_url",
            ),
            (
                "recovery_code_valid",
                email,
                Release::V1_3_1,
                "to,recovery_code,identity,request_url,transient_payload",
            ),
            (
                "recovery_code_valid",
                email,
                Release::V26_2_0,
                "to,recovery_code,identity,request_url,transient_payload,expires_in_minutes",
            ),
            (
                "registration_code_valid",
                email,
                Release::V26_2_0,
                "to,traits,registration_code,request_url,transient_payload,expires_in_minutes",
            ),
            (
                "login_code_valid",
                sms,
                Release::Master,
                "to,login_code,identity,request_url,request_url_domain,transient_payload,expires_in_minutes",
            ),
        ];
        for (ty, channel, release, want) in cases {
            let got = data_fields(ty, channel, release).unwrap().join(",");
            assert_eq!(got, want, "{ty} {release}");
        }
        assert!(data_fields("login_code_valid", Channel::Sms, Release::V1_0_0).is_none());
        assert!(data_fields("recovery_code_valid", Channel::Sms, Release::V1_3_1).is_none());
    }

    #[test]
    fn kratos_quirks_are_kept() {
        let cx = Context {
            release: Release::Master,
            ..Context::default()
        };
        let sms = template_data("recovery_code_valid", Channel::Sms, &cx).unwrap();
        assert!(sms.get("verification_code").is_some() && sms.get("recovery_code").is_none());
        let reg = template_data("registration_code_valid", Channel::Email, &cx).unwrap();
        assert!(reg.get("traits").is_some() && reg.get("identity").is_none());
        let ver = template_data("verification_code_valid", Channel::Email, &cx).unwrap();
        assert_eq!(
            ver["verification_url"],
            "https://auth.example.com/self-service/verification?code=742913&flow=5f8d1c2e-6b3a-4f7e-9d21-0c4b7a9e3f10"
        );
        assert_eq!(
            template_data("login_code_valid", Channel::Sms, &cx).unwrap()["request_url_domain"],
            "auth.example.com"
        );
    }
}
