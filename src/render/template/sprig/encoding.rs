//! Base64, JSON and SHA-256. The only `sha2` user.

use gotmpl::Value;
use serde_json::Value as Json;

use super::args::{FResult, Func, arg, s, str_v};
use crate::render::template::model::{to_json as json_of, to_value};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("b64enc", b64enc),
    ("b64dec", b64dec),
    ("toJson", to_json),
    ("fromJson", from_json),
    ("toPrettyJson", to_pretty_json),
    ("toRawJson", to_raw_json),
    ("sha256sum", sha256sum),
];

fn b64enc(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(crate::b64::encode(s(arg(a, 0, nm)?).as_bytes())))
}

fn b64dec(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        crate::b64::decode(&s(arg(a, 0, nm)?))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| e),
    ))
}

fn to_json(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        serde_json::to_string(&json_of(arg(a, 0, nm)?)).unwrap_or_default(),
    ))
}

fn from_json(nm: &'static str, a: &[Value]) -> FResult {
    Ok(serde_json::from_str::<Json>(&s(arg(a, 0, nm)?)).map_or(Value::Nil, |j| to_value(&j)))
}

fn to_pretty_json(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        serde_json::to_string_pretty(&json_of(arg(a, 0, nm)?)).unwrap_or_default(),
    ))
}

fn to_raw_json(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        serde_json::to_string(&json_of(arg(a, 0, nm)?)).unwrap_or_default(),
    ))
}

fn sha256sum(nm: &'static str, a: &[Value]) -> FResult {
    use sha2::Digest;
    Ok(str_v(
        sha2::Sha256::digest(s(arg(a, 0, nm)?).as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    ))
}
