//! The one composer: (template type, channel, recipient, data) → the
//! message as Kratos would send it: the subject, plaintext and HTML (or the
//! SMS text) rendered from the templates Kratos would pick, the Jsonnet
//! ctx, and what goes on the wire: the email (for SMTP) or the HTTP request
//! with the evaluated Jsonnet body. `render`, `send`, `test` and batches
//! all compose through it. Templates and bodies are parsed once per
//! composer (one per thread).

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Value, json};

use crate::config::settings::{Mail, Route, Settings, SettingsError};
use crate::delivery::mime::Email;
use crate::delivery::request::{HttpRequest, RequestError};
use crate::fetch::body::{self, BodyError};
use crate::fetch::templates::{self, Reach};
use crate::message::{Channel, Texts, ctx, sample};
use crate::render::jsonnet::{JsonnetError, Renderer};
use crate::render::template::compile::Compiled;
use crate::render::template::model::{self, Field};
use crate::render::template::{Data, Part, TemplateError};

/// What the message says.
#[derive(Debug, Clone)]
pub enum Content<'a> {
    /// A template type, rendered from its sample data with `data` merged
    /// over it key by key.
    Template {
        ty: &'a str,
        data: Option<&'a Value>,
    },
    /// Given texts, as Kratos' `stub` type (`send --subject --text`).
    Adhoc(Texts),
}

/// One message to compose.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    pub channel: Channel,
    /// The recipient; the sample one when `None` (templates only).
    pub recipient: Option<&'a str>,
    pub content: Content<'a>,
}

impl<'a> Spec<'a> {
    /// A message of template type `ty`, `data` merged over its sample data.
    #[must_use]
    pub fn template(
        channel: Channel,
        recipient: Option<&'a str>,
        ty: &'a str,
        data: Option<&'a Value>,
    ) -> Self {
        Self {
            channel,
            recipient,
            content: Content::Template { ty, data },
        }
    }
}

/// What goes on the wire.
#[derive(Debug, Clone)]
pub enum Wire {
    /// An email for the SMTP client (serialized with a date and boundary).
    Smtp(Email),
    /// The request for the HTTP client.
    Http(HttpRequest),
}

/// A composed message.
#[derive(Debug, Clone)]
pub struct Message {
    pub ty: String,
    pub channel: Channel,
    pub recipient: String,
    pub texts: Texts,
    pub template_data: Value,
    pub request_headers: Value,
    pub wire: Wire,
}

impl Message {
    /// The ctx Kratos hands to the Jsonnet body.
    #[must_use]
    pub fn ctx(&self) -> Value {
        ctx::build(
            &self.recipient,
            &self.ty,
            self.channel,
            &self.texts,
            self.template_data.clone(),
            self.request_headers.clone(),
        )
    }
}

/// Why a message cannot be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("`{ty}` is not a template type Kratos sends by {}", .channel.as_str())]
    UnknownType { ty: String, channel: Channel },
    #[error("an ad-hoc message needs a recipient")]
    NoRecipient,
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("the Jsonnet body does not compile: {}", located(.name, .error))]
    JsonnetSyntax { name: String, error: JsonnetError },
    #[error("the Jsonnet body fails: {}", located(.name, .error))]
    Jsonnet { name: String, error: JsonnetError },
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl ComposeError {
    /// What would help, where courier knows.
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::UnknownType { .. } => Some("`courier render --help` lists the types"),
            Self::Settings(e) => Some(e.hint()),
            Self::Body(e) => e.hint(),
            Self::Jsonnet { .. } => Some("`courier render --part ctx` shows the ctx it receives"),
            _ => None,
        }
    }
}

/// The email Kratos' mailer builds for these texts, whatever the route
/// (`render --out` writes it for HTTP configs too).
#[must_use]
pub fn email(mail: &Mail, to: &str, texts: &Texts) -> Email {
    Email {
        from_address: mail.from_address.clone(),
        from_name: mail.from_name.clone(),
        to: to.to_owned(),
        subject: texts.subject.clone(),
        text: texts.body.clone(),
        html: texts.html_body.clone(),
        headers: mail.headers.clone(),
    }
}

/// `name:line:col: message`, or `name: message` without a place.
fn located(name: &str, e: &JsonnetError) -> String {
    if e.line.is_some() {
        format!("{name}:{e}")
    } else {
        format!("{name}: {e}")
    }
}

/// Composes messages for one thread: templates and Jsonnet bodies are
/// parsed on first use and kept.
pub struct Composer<'s> {
    settings: &'s Settings,
    reach: Reach,
    templates: HashMap<(String, Channel, Part), Option<Rc<Compiled>>>,
    bodies: HashMap<Channel, (String, Renderer)>,
}

impl<'s> Composer<'s> {
    /// A composer over `settings`; remote templates and bodies are fetched.
    #[must_use]
    pub fn new(settings: &'s Settings) -> Self {
        Self {
            settings,
            reach: Reach {
                online: true,
                default_dir: true,
            },
            templates: HashMap::new(),
            bodies: HashMap::new(),
        }
    }

    /// Composes one message.
    pub fn compose(&mut self, spec: &Spec<'_>) -> Result<Message, ComposeError> {
        let channel = spec.channel;
        let (ty, recipient, texts, template_data, request_headers) = match &spec.content {
            Content::Template { ty, data } => {
                let msg = sample::sample_message(
                    ty,
                    channel,
                    &self.settings.sample,
                    spec.recipient,
                    *data,
                )
                .ok_or_else(|| ComposeError::UnknownType {
                    ty: (*ty).to_owned(),
                    channel,
                })?;
                let texts = self.texts(ty, channel, &msg.template_data, &msg.request_headers)?;
                (
                    (*ty).to_owned(),
                    msg.recipient,
                    texts,
                    msg.template_data,
                    msg.request_headers,
                )
            }
            Content::Adhoc(texts) => {
                let to = spec.recipient.ok_or(ComposeError::NoRecipient)?;
                let data = ctx::stub_data(to, channel, texts);
                (
                    "stub".to_owned(),
                    to.to_owned(),
                    texts.clone(),
                    data,
                    json!({}),
                )
            }
        };
        let wire = match self.settings.route(channel)? {
            Route::Smtp => Wire::Smtp(email(&self.settings.mail, &recipient, &texts)),
            Route::Http(cfg) => {
                let payload = if cfg.has_body() {
                    let ctx = ctx::build(
                        &recipient,
                        &ty,
                        channel,
                        &texts,
                        template_data.clone(),
                        request_headers.clone(),
                    );
                    Some(self.body(channel, ctx)?)
                } else {
                    None
                };
                Wire::Http(cfg.build(payload.as_deref())?)
            }
        };
        Ok(Message {
            ty,
            channel,
            recipient,
            texts,
            template_data,
            request_headers,
            wire,
        })
    }

    /// Evaluates the channel's Jsonnet body with `ctx`.
    fn body(&mut self, channel: Channel, ctx: Value) -> Result<String, ComposeError> {
        if !self.bodies.contains_key(&channel) {
            let Route::Http(cfg) = self.settings.route(channel)? else {
                return Err(ComposeError::Settings(SettingsError::NoSmsChannel));
            };
            let body = body::load(cfg, self.reach.online)?;
            let renderer = Renderer::new(&body.name, &body.code).map_err(|error| {
                ComposeError::JsonnetSyntax {
                    name: body.name.clone(),
                    error,
                }
            })?;
            self.bodies.insert(channel, (body.name, renderer));
        }
        let Some((name, renderer)) = self.bodies.get_mut(&channel) else {
            return Err(ComposeError::Settings(SettingsError::NoSmsChannel));
        };
        renderer
            .render_owned(ctx)
            .map_err(|error| ComposeError::Jsonnet {
                name: name.clone(),
                error,
            })
    }

    /// The rendered texts, as Kratos renders them: the subject trimmed,
    /// plaintext and HTML from the same data (the HTML without request
    /// headers, which Kratos loses before it renders HTML), or the SMS text.
    fn texts(
        &mut self,
        ty: &str,
        channel: Channel,
        template_data: &Value,
        request_headers: &Value,
    ) -> Result<Texts, TemplateError> {
        let (model_name, fields) = model::model(ty, channel);
        let data = model::data(&fields, template_data, request_headers);
        Ok(match channel {
            Channel::Email => {
                let html_data = model::data(&fields, template_data, &json!({}));
                Texts {
                    subject: self
                        .part(ty, channel, Part::Subject, &model_name, &fields, &data)?
                        .trim()
                        .to_owned(),
                    body: self.part(ty, channel, Part::Text, &model_name, &fields, &data)?,
                    html_body: self.part(
                        ty,
                        channel,
                        Part::Html,
                        &model_name,
                        &fields,
                        &html_data,
                    )?,
                }
            }
            Channel::Sms => Texts {
                subject: String::new(),
                body: self.part(ty, channel, Part::Sms, &model_name, &fields, &data)?,
                html_body: String::new(),
            },
        })
    }

    /// One part, from the template Kratos would pick (compiled once);
    /// empty when the type has no such part.
    fn part(
        &mut self,
        ty: &str,
        channel: Channel,
        part: Part,
        model_name: &str,
        fields: &[Field],
        data: &Data,
    ) -> Result<String, TemplateError> {
        let key = (ty.to_owned(), channel, part);
        let compiled = match self.templates.get(&key) {
            Some(c) => c.clone(),
            None => {
                let go: Vec<&str> = fields.iter().map(|(g, _)| *g).collect();
                let compiled =
                    match templates::load(ty, part, &self.settings.templates, self.reach)? {
                        Some(files) => Some(Rc::new(files.compile(part, model_name, &go)?)),
                        None => None,
                    };
                self.templates.insert(key, compiled.clone());
                compiled
            }
        };
        compiled.map_or_else(|| Ok(String::new()), |c| c.execute(data))
    }
}
