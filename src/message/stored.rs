//! A queued message's `template_data` as Kratos' dispatcher reads it back:
//! `json.Unmarshal` into the type's model of the dispatching release, then
//! `json.Marshal` again for the HTTP ctx. So keys the model lacks are
//! dropped, a key matches its field exactly or else without regard to case
//! (Go's rule), and a field the data lacks (or holds `null` for) gets Go's
//! zero value: `""` for text, `0` for a number, the zero time for a time,
//! `null` for a map.

use serde_json::{Map, Value};

use crate::message::Channel;
use crate::release::Release;
use crate::render::template::model;

/// Why stored data cannot be read into the model (Kratos fails the
/// dispatch the same way).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored template_data cannot be read: {0}")]
pub struct StoredDataError(String);

/// Go's zero value of a model field, by its JSON name.
fn zero(json: &str) -> Value {
    match json {
        "expires_in_minutes" => Value::from(0),
        "changed_at" | "added_at" => Value::from("0001-01-01T00:00:00Z"),
        "identity" | "traits" | "transient_payload" | "oauth2_login_request" => Value::Null,
        _ => Value::from(""),
    }
}

/// Whether a field holds text in Go (a JSON `null` leaves it empty).
fn is_text(json: &str) -> bool {
    matches!(zero(json), Value::String(_)) && !matches!(json, "changed_at" | "added_at")
}

/// The `template_data` of a stored message of type `ty`, read through the
/// model of release `r`, in the model's field order.
pub fn typed_data(
    ty: &str,
    channel: Channel,
    r: Release,
    raw: &[u8],
) -> Result<Value, StoredDataError> {
    let parsed: Value = if raw.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(raw).map_err(|e| StoredDataError(e.to_string()))?
    };
    let Value::Object(given) = parsed else {
        // Go's `null` leaves the model at its zero value.
        if parsed.is_null() {
            return fill(ty, channel, r, &Map::new());
        }
        return Err(StoredDataError(format!(
            "it is {}, not an object",
            kind(&parsed)
        )));
    };
    fill(ty, channel, r, &given)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn fill(
    ty: &str,
    channel: Channel,
    r: Release,
    given: &Map<String, Value>,
) -> Result<Value, StoredDataError> {
    let mut out = Map::new();
    for (go, snake) in model::snake_fields(ty, channel, r) {
        // The request headers are not part of template_data.
        if snake.is_empty() {
            continue;
        }
        // Before v1.1.0 the models had no JSON tags: Go's names.
        let json = if model::tagged(r) { snake } else { go };
        let found = given.get(json).or_else(|| {
            given
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(json))
                .map(|(_, v)| v)
        });
        let value = match found {
            None | Some(Value::Null) => zero(snake),
            Some(Value::String(s)) => Value::String(s.clone()),
            // Go refuses to read anything else into a text field.
            Some(other) if is_text(snake) => {
                return Err(StoredDataError(format!(
                    "`{json}` is {}, not a string",
                    kind(other)
                )));
            }
            Some(other) => other.clone(),
        };
        out.insert(json.to_owned(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::typed_data;
    use crate::message::Channel;
    use crate::release::Release;
    use serde_json::json;

    #[test]
    fn unknown_keys_go_missing_ones_are_zero_and_case_is_ignored() {
        let raw = br#"{"TO":"a@b.c","recovery_code":"123456","extra":1,"identity":{"id":"x"}}"#;
        let v = typed_data("recovery_code_valid", Channel::Email, Release::V26_2_0, raw).unwrap();
        assert_eq!(
            v,
            json!({
                "to": "a@b.c",
                "recovery_code": "123456",
                "identity": {"id": "x"},
                "request_url": "",
                "transient_payload": null,
                "expires_in_minutes": 0
            })
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys[0], "to");
    }

    #[test]
    fn v1_0_0_reads_go_names_and_bad_data_is_an_error() {
        let raw = br#"{"To":"a@b.c","RecoveryURL":"https://x"}"#;
        let v = typed_data("recovery_valid", Channel::Email, Release::V1_0_0, raw).unwrap();
        assert_eq!(
            v,
            json!({"To": "a@b.c", "RecoveryURL": "https://x", "Identity": null})
        );
        assert!(typed_data("recovery_valid", Channel::Email, Release::V1_0_0, b"[1]").is_err());
        assert!(typed_data("recovery_valid", Channel::Email, Release::V1_0_0, b"{").is_err());
        let e = typed_data(
            "recovery_valid",
            Channel::Email,
            Release::V1_0_0,
            br#"{"To":5}"#,
        );
        assert!(e.unwrap_err().to_string().contains("`To` is a number"));
    }
}
