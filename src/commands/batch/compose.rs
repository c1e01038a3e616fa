//! One row of a batch turned into what goes on the wire: the template type
//! and channel resolved over the command-line defaults, the templates
//! rendered, and either the MIME message (SMTP) or the HTTP request with its
//! Jsonnet body. Settings are lifted from the config once per batch
//! ([`Settings`], shared by every worker); templates and Jsonnet are parsed
//! once per worker ([`Composer`]).

use std::collections::HashMap;

use serde_json::Value;

use crate::cli::{ChannelArg, SendArgs};
use crate::config::settings;
use crate::recipients::Row;
use crate::render::jsonnet::Renderer;
use crate::render::template::Sources;
use crate::request::{HttpRequest, RequestConfig};
use crate::sample::{self, Channel};

/// What a row asks for, after the command-line defaults.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub recipient: String,
    pub ty: String,
    pub channel: Channel,
    pub data: Value,
}

/// The row's template type, channel and data over `--template`,
/// `--channel` and `--data`.
pub fn resolve(row: &Row, args: &SendArgs, defaults: Option<&Value>) -> Result<Resolved, String> {
    let channel = match row.channel.as_deref() {
        None => {
            if args.channel == ChannelArg::Sms {
                Channel::Sms
            } else {
                Channel::Email
            }
        }
        Some("email") => Channel::Email,
        Some("sms") => Channel::Sms,
        Some(other) => return Err(format!("unknown channel {other:?} (email or sms)")),
    };
    let ty = row
        .template
        .clone()
        .or_else(|| args.template.clone())
        .ok_or_else(|| "no template type: give --template or a `template` column".to_owned())?;
    if channel == Channel::Email && !crate::config::schema::is_email(&row.recipient) {
        return Err(format!("{:?} is not an email address", row.recipient));
    }
    let mut data = defaults.cloned().unwrap_or_else(|| serde_json::json!({}));
    sample::merge(&mut data, &Value::Object(row.data.clone()));
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
pub fn row_key(line: u64, r: &Resolved) -> String {
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

/// How the rows go out, lifted from the config once for the whole batch.
pub struct Settings {
    pub http_email: bool,
    pub smtp: Result<settings::Smtp, String>,
    pub email_http: Result<Option<RequestConfig>, String>,
    pub sms_http: Result<Option<RequestConfig>, String>,
    pub cx: sample::Context,
}

impl Settings {
    #[must_use]
    pub fn new(loaded: &crate::config::Loaded) -> Self {
        Self {
            http_email: settings::delivery_strategy(loaded) == "http",
            smtp: settings::smtp(loaded).map_err(|e| e.to_string()),
            email_http: super::super::render::request_config(loaded, Channel::Email)
                .map_err(|e| e.to_string()),
            sms_http: super::super::render::request_config(loaded, Channel::Sms)
                .map_err(|e| e.to_string()),
            cx: settings::sample_context(loaded),
        }
    }

    /// Whether a message of `channel` goes over HTTP.
    #[must_use]
    pub fn over_http(&self, channel: Channel) -> bool {
        channel == Channel::Sms || self.http_email
    }
}

/// A message ready for the wire.
pub enum Payload {
    Smtp(crate::mime::Built),
    Http(HttpRequest),
}

/// Renders rows on one thread: templates and Jsonnet bodies parsed once.
pub struct Composer<'a> {
    settings: &'a Settings,
    sources: Sources,
    renderers: HashMap<&'static str, Renderer>,
}

impl<'a> Composer<'a> {
    #[must_use]
    pub fn new(loaded: &crate::config::Loaded, settings: &'a Settings) -> Self {
        Self {
            settings,
            sources: Sources::from_config(loaded, true),
            renderers: HashMap::new(),
        }
    }

    /// Renders `r` as it would be sent; `unix` dates an email.
    pub fn compose(&mut self, r: &Resolved, unix: i64, boundary: &str) -> Result<Payload, String> {
        let (ty, channel) = (r.ty.as_str(), r.channel);
        let msg = sample::sample_message(
            ty,
            channel,
            &self.settings.cx,
            Some(&r.recipient),
            Some(&r.data),
        )
        .ok_or_else(|| {
            format!(
                "`{ty}` is not a template type Kratos sends by {}",
                channel.as_str()
            )
        })?;
        let texts = crate::render::template::render_texts(
            ty,
            channel,
            &msg.template_data,
            &msg.request_headers,
            &self.sources,
        )
        .map_err(|e| e.message)?;
        if self.settings.over_http(channel) {
            let cfg = match channel {
                Channel::Email => &self.settings.email_http,
                Channel::Sms => &self.settings.sms_http,
            }
            .as_ref()
            .map_err(Clone::clone)?
            .as_ref()
            .ok_or_else(|| "no HTTP request config".to_owned())?;
            let ctx = sample::build_ctx(
                &msg.recipient,
                ty,
                channel,
                &texts,
                msg.template_data,
                msg.request_headers,
            );
            let payload = if cfg.has_body() {
                let renderer = match self.renderers.entry(channel.as_str()) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        let (name, code) =
                            crate::transport::body_code(cfg, true).map_err(|e| e.to_string())?;
                        v.insert(Renderer::new(&name, &code).map_err(|e| format!("{name}: {e}"))?)
                    }
                };
                Some(
                    renderer
                        .render_owned(ctx)
                        .map_err(|e| format!("the Jsonnet body fails: {e}"))?,
                )
            } else {
                None
            };
            cfg.build(payload.as_deref())
                .map(Payload::Http)
                .map_err(|e| e.to_string())
        } else {
            let s = self.settings.smtp.as_ref().map_err(Clone::clone)?;
            let email = crate::mime::Email {
                from_address: s.from_address.clone(),
                from_name: s.from_name.clone(),
                to: r.recipient.clone(),
                subject: texts.subject,
                text: texts.body,
                html: texts.html_body,
                headers: s.headers.clone(),
            };
            crate::mime::build(&email, unix, boundary)
                .map(Payload::Smtp)
                .map_err(|e| e.to_string())
        }
    }
}
