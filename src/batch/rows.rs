//! What a row asks for: its template type, channel and data over the
//! command-line defaults, and the key that recognises the row when the
//! batch is resumed.

use serde_json::{Value, json};

use crate::address::Address;
use crate::batch::recipients::Row;
use crate::message::{Channel, ctx};

/// The command line's defaults for rows that do not say.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub channel: Option<Channel>,
    pub template: Option<String>,
    /// `--data`, merged under each row's data.
    pub data: Option<Value>,
}

/// A row, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub recipient: String,
    pub ty: String,
    pub channel: Channel,
    pub data: Value,
}

/// The row's template type, channel and data over the defaults.
pub fn resolve(row: &Row, defaults: &Defaults) -> Result<Resolved, String> {
    let channel = match row.channel.as_deref() {
        None => defaults.channel.unwrap_or(Channel::Email),
        Some(name) => Channel::parse(name)
            .ok_or_else(|| format!("unknown channel {name:?} (email or sms)"))?,
    };
    let ty = row
        .template
        .clone()
        .or_else(|| defaults.template.clone())
        .ok_or_else(|| "no template type: give --template or a `template` column".to_owned())?;
    if channel == Channel::Email {
        // One bare address, sent exactly as written (as `send --to`).
        Address::parse(&row.recipient).map_err(|e| e.to_string())?;
    }
    let mut data = defaults.data.clone().unwrap_or_else(|| json!({}));
    ctx::merge(&mut data, &Value::Object(row.data.clone()));
    Ok(Resolved {
        recipient: row.recipient.clone(),
        ty,
        channel,
        data,
    })
}

/// A stable key of a row's content and position (FNV-1a, 64 bits): a
/// changed input is recognised by it.
#[must_use]
pub fn key(line: u64, r: &Resolved) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so fields cannot run into each other.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    feed(&line.to_le_bytes());
    feed(r.recipient.as_bytes());
    feed(r.ty.as_bytes());
    feed(r.channel.as_str().as_bytes());
    feed(r.data.to_string().as_bytes());
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::{Defaults, key, resolve};
    use crate::batch::recipients::Row;
    use crate::message::Channel;

    fn row(recipient: &str, channel: Option<&str>) -> Row {
        Row {
            line: 2,
            recipient: recipient.into(),
            template: None,
            channel: channel.map(str::to_owned),
            data: serde_json::Map::new(),
        }
    }

    #[test]
    fn rows_win_over_defaults_and_are_checked() {
        let defaults = Defaults {
            channel: None,
            template: Some("login_code_valid".into()),
            data: Some(serde_json::json!({"a": 1})),
        };
        let r = resolve(&row("a@b.c", None), &defaults).unwrap();
        assert_eq!(
            (r.channel, r.ty.as_str()),
            (Channel::Email, "login_code_valid")
        );
        assert_eq!(r.data, serde_json::json!({"a": 1}));
        assert!(resolve(&row("+1555", Some("sms")), &defaults).is_ok());
        assert!(
            resolve(&row("nope", None), &defaults)
                .unwrap_err()
                .contains("not an email")
        );
        assert!(
            resolve(&row("a@b.c", Some("fax")), &defaults)
                .unwrap_err()
                .contains("fax")
        );
        let none = Defaults::default();
        assert!(
            resolve(&row("a@b.c", None), &none)
                .unwrap_err()
                .contains("--template")
        );
        let k = key(2, &r);
        assert_eq!(k, key(2, &r));
        assert_ne!(k, key(3, &r));
    }
}
