//! `--data` checked against the template data of the types it goes to: a
//! key none of them has never reaches a template (Kratos' models are Go
//! structs), so a Go field name (`RecoveryCode` for `recovery_code`) or a
//! typo gets a warning with a did-you-mean.

use serde_json::Value;

use crate::diag::{Paint, Role};
use crate::message::{Channel, sample};
use crate::output::Printer;
use crate::release::Release;

/// Warns, on stderr, about each key of `data` that no type of `types`
/// has on `channel`.
pub fn warn_unknown_keys(
    printer: &Printer,
    data: Option<&Value>,
    channel: Channel,
    types: &[&str],
    release: Release,
) {
    let Some(Value::Object(given)) = data else {
        return;
    };
    let fields: Vec<Vec<String>> = types
        .iter()
        .filter_map(|t| sample::data_fields(t, channel, release))
        .collect();
    if fields.is_empty() {
        return;
    }
    let mut known: Vec<&str> = fields.iter().flatten().map(String::as_str).collect();
    known.sort_unstable();
    known.dedup();
    let whose = match types {
        [one] => format!("{one}'s template data"),
        _ => "the template data of these types".to_owned(),
    };
    let warning = printer.stderr_paint().paint("warning:", Role::Warning);
    for key in given.keys() {
        if known.contains(&key.as_str()) {
            continue;
        }
        let snake = snake_case(key);
        let suggestion = if known.contains(&snake.as_str()) {
            Some(snake.as_str())
        } else {
            crate::diag::did_you_mean(key, known.iter().copied())
        };
        let mut text = format!(
            "courier: {warning} the --data key `{}` is not a field of {whose}: Kratos never sets it",
            crate::diag::escape_controls(key)
        );
        if let Some(s) = suggestion {
            text.push_str(&format!(" (did you mean `{s}`?)"));
        }
        printer.note(&text);
    }
}

/// A Go field name as Kratos' JSON names it: `RecoveryURL` →
/// `recovery_url`, `ExpiresInMinutes` → `expires_in_minutes`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn go_field_names_become_json_names() {
        for (go, json) in [
            ("RecoveryCode", "recovery_code"),
            ("RecoveryURL", "recovery_url"),
            ("ExpiresInMinutes", "expires_in_minutes"),
            ("To", "to"),
            ("URLPath", "url_path"),
            ("recovery_code", "recovery_code"),
        ] {
            assert_eq!(snake_case(go), json);
        }
    }
}
