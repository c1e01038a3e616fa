//! The one composer: (template type, channel, recipient, data) → the
//! message as Kratos would send it: the subject, plaintext and HTML (or the
//! SMS text) rendered from the templates Kratos would pick, the Jsonnet
//! ctx, and what goes on the wire: the email (for SMTP) or the HTTP request
//! with the evaluated Jsonnet body. `render`, `send`, `test` and batches
//! all compose through it. Templates and bodies are parsed once per
//! composer (one per thread).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use serde_json::{Value, json};

use crate::address::{Address, AddressError};
use crate::config::settings::{Mail, Route, Settings, SettingsError};
use crate::delivery::mime::Email;
use crate::delivery::request::{HttpRequest, RequestError};
use crate::fetch::body::{self, BodyError};
use crate::fetch::templates::{self, Reach};
use crate::message::{Channel, Texts, builtin, ctx, sample};
use crate::release::{self, Release};
use crate::render::jsonnet::{self, JsonnetError};
use crate::render::sandbox::protocol::{Failure, Fill};
use crate::render::sandbox::{JsonnetId, Sandbox, TemplateId};
use crate::render::template::model::{self, Field};
use crate::render::template::{Origin, Part, TemplateError};

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
    /// A message Kratos queued (`courier watch`): its stored subject and
    /// text go out as they are; only the HTML part is rendered, with the
    /// dispatcher's templates, from `data` (the stored `template_data`
    /// read through the type's model, [`crate::message::stored`]).
    Stored {
        ty: &'a str,
        texts: Texts,
        data: &'a Value,
        headers: &'a Value,
    },
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
    /// The release it was composed as.
    pub release: Release,
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
            self.release,
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
    /// An email's recipient is not one bare address.
    #[error(transparent)]
    Recipient(#[from] AddressError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("the Jsonnet body does not compile: {}", jsonnet::located(.name, .error))]
    JsonnetSyntax { name: String, error: JsonnetError },
    #[error("the Jsonnet body fails: {}", jsonnet::located(.name, .error))]
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
/// (`render --out` writes it for HTTP configs too); `html_part`: whether
/// it has an HTML part (even an empty one).
#[must_use]
pub fn email(mail: &Mail, to: &str, texts: &Texts, html_part: bool) -> Email {
    email_of(mail, to, texts.clone(), html_part)
}

/// [`email`], taking the texts.
fn email_of(mail: &Mail, to: &str, texts: Texts, html_part: bool) -> Email {
    Email {
        from_address: mail.from_address.clone(),
        from_name: mail.from_name.clone(),
        to: to.to_owned(),
        subject: texts.subject,
        text: texts.body,
        html: html_part.then_some(texts.html_body),
        headers: mail.headers.clone(),
    }
}

/// A template type on a channel, with its place in the channel's list.
struct Kind<'a> {
    index: usize,
    ty: &'a str,
    channel: Channel,
}

/// A Go model: its type name and fields.
type Model = (String, Vec<Field>);

/// A message before the wire.
struct Draft {
    ty: String,
    recipient: String,
    texts: Texts,
    template_data: Value,
    request_headers: Value,
    /// Templates not run yet: they run with the Jsonnet body, in one round
    /// trip to the sandbox (an HTTP message).
    pending: Option<Plan>,
}

/// The templates to run for a message's texts: the data crossing to the
/// sandbox, each run (a template and its data) and its part.
struct Plan {
    data: Vec<Value>,
    runs: Vec<(TemplateId, usize)>,
    present: Vec<Part>,
}

/// What became of the last message's HTML part.
#[derive(Debug, Clone, Default)]
enum Html {
    /// None was rendered (SMS, or an ad-hoc message).
    #[default]
    Absent,
    Rendered,
    /// The template failed to load or render: Kratos sends the text part
    /// alone over SMTP and leaves `html_body` out of the HTTP ctx.
    Failed(TemplateError),
}

/// Composes messages for one thread: templates and Jsonnet bodies are
/// parsed on first use and kept in the composer's sandbox, which
/// evaluates them within their time and memory limits.
pub struct Composer<'s> {
    settings: &'s Settings,
    reach: Reach,
    sandbox: Sandbox,
    /// By (the type's place in its channel's list, channel, part); a
    /// template that failed to load or parse fails again at once (a batch
    /// does not fetch it anew for every row).
    templates: BTreeMap<(usize, Channel, Part), Result<Option<TemplateId>, TemplateError>>,
    models: BTreeMap<(usize, Channel), Rc<Model>>,
    /// By channel: the body's name, its slot, its length in bytes.
    bodies: HashMap<Channel, (String, JsonnetId, usize)>,
    /// The parts rendered from courier's own templates (courier's
    /// wording, not Kratos').
    builtin: BTreeSet<(String, Channel, Part)>,
    html: Html,
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
            sandbox: Sandbox::new(),
            templates: BTreeMap::new(),
            models: BTreeMap::new(),
            bodies: HashMap::new(),
            builtin: BTreeSet::new(),
            html: Html::Absent,
        }
    }

    /// Why the last message's HTML template failed, if it did: Kratos then
    /// sends the text part alone (SMTP) or leaves `html_body` out (HTTP).
    #[must_use]
    pub fn html_failure(&self) -> Option<&TemplateError> {
        match &self.html {
            Html::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Every (type, channel, part) this composer rendered from courier's
    /// built-in templates, whose wording is courier's, not Kratos'.
    #[must_use]
    pub fn builtin_used(&self) -> &BTreeSet<(String, Channel, Part)> {
        &self.builtin
    }

    /// Composes one message, keeping everything (texts, data, wire).
    pub fn compose(&mut self, spec: &Spec<'_>) -> Result<Message, ComposeError> {
        self.build(spec, true)
    }

    /// Composes only what goes on the wire (a batch keeps nothing else,
    /// so nothing is copied for later).
    pub fn wire(&mut self, spec: &Spec<'_>) -> Result<Wire, ComposeError> {
        self.build(spec, false).map(|m| m.wire)
    }

    /// What the templates and the data say, before the wire; with `defer`
    /// the templates are only planned (see [`Draft::pending`]).
    fn draft(&mut self, spec: &Spec<'_>, defer: bool) -> Result<Draft, ComposeError> {
        let channel = spec.channel;
        match &spec.content {
            Content::Template { ty, data } => {
                let sample = &self.settings.sample;
                let msg = sample::sample_message(ty, channel, sample, spec.recipient, *data)
                    .ok_or_else(|| ComposeError::UnknownType {
                        ty: (*ty).to_owned(),
                        channel,
                    })?;
                let parts: &[Part] = match channel {
                    Channel::Email => &[Part::Subject, Part::Text, Part::Html],
                    Channel::Sms => &[Part::Sms],
                };
                let plan =
                    self.plan(ty, channel, &msg.template_data, &msg.request_headers, parts)?;
                let (texts, pending) = if defer {
                    (Texts::default(), Some(plan))
                } else {
                    let results = self.sandbox.execute(plan.data, &plan.runs);
                    (self.finish(Texts::default(), plan.present, results)?, None)
                };
                Ok(Draft {
                    ty: (*ty).to_owned(),
                    recipient: msg.recipient,
                    texts,
                    template_data: msg.template_data,
                    request_headers: msg.request_headers,
                    pending,
                })
            }
            Content::Stored {
                ty,
                texts,
                data,
                headers,
            } => {
                let to = spec.recipient.ok_or(ComposeError::NoRecipient)?;
                let known = channel.types(self.settings.release).contains(ty);
                let (mut texts, mut pending) = (texts.clone(), None);
                texts.html_body.clear();
                if channel == Channel::Email && known {
                    let plan = self.plan(ty, channel, data, headers, &[Part::Html])?;
                    if defer {
                        pending = Some(plan);
                    } else {
                        let results = self.sandbox.execute(plan.data, &plan.runs);
                        texts = self.finish(texts, plan.present, results)?;
                    }
                } else if !known && matches!(self.settings.route(channel), Ok(Route::Http(_))) {
                    // Kratos' HTTP channel cannot build the template; its
                    // SMTP channel sends the stored text alone.
                    return Err(ComposeError::UnknownType {
                        ty: (*ty).to_owned(),
                        channel,
                    });
                }
                Ok(Draft {
                    ty: (*ty).to_owned(),
                    recipient: to.to_owned(),
                    texts,
                    template_data: (*data).clone(),
                    request_headers: (*headers).clone(),
                    pending,
                })
            }
            Content::Adhoc(texts) => {
                let to = spec.recipient.ok_or(ComposeError::NoRecipient)?;
                let release = self.settings.release;
                let mut texts = texts.clone();
                // From v26.2.0 Kratos renders a stub's HTML part as its
                // HTML text, or its plain text when it has none.
                if channel == Channel::Email
                    && texts.html_body.is_empty()
                    && release.has(release::STUB_HTML_FALLBACK)
                {
                    texts.html_body.clone_from(&texts.body);
                }
                Ok(Draft {
                    ty: "stub".to_owned(),
                    recipient: to.to_owned(),
                    template_data: ctx::stub_data(to, channel, &texts, release),
                    texts,
                    request_headers: json!({}),
                    pending: None,
                })
            }
        }
    }

    /// Composes; `keep` keeps the texts and the data in the message too
    /// (otherwise they move into the wire, uncopied). An email's recipient
    /// must be one bare address: it is the envelope's, as written.
    fn build(&mut self, spec: &Spec<'_>, keep: bool) -> Result<Message, ComposeError> {
        let channel = spec.channel;
        let release = self.settings.release;
        self.html = Html::Absent;
        // A templated HTTP message with a body: templates and body in one
        // round trip to the sandbox.
        let rendered = match spec.content {
            Content::Template { .. } => true,
            Content::Stored { .. } => channel == Channel::Email,
            Content::Adhoc(_) => false,
        };
        let one_trip = rendered
            && release.has(release::CHANNELS)
            && matches!(self.settings.route(channel), Ok(Route::Http(cfg)) if cfg.has_body());
        let mut d = self.draft(spec, one_trip)?;
        let html_part = match &spec.content {
            // Given HTML, or (from v26.2.0) the text standing in for it.
            Content::Adhoc(_) => !d.texts.html_body.is_empty(),
            Content::Template { .. } | Content::Stored { .. } => {
                matches!(self.html, Html::Rendered)
            }
        };
        if channel == Channel::Email {
            Address::parse(&d.recipient)?;
        }
        let take = |v: &mut Value| if keep { v.clone() } else { std::mem::take(v) };
        let wire = match self.settings.route(channel)? {
            Route::Smtp => {
                let texts = if keep {
                    d.texts.clone()
                } else {
                    std::mem::take(&mut d.texts)
                };
                Wire::Smtp(email_of(
                    &self.settings.mail,
                    &d.recipient,
                    texts,
                    html_part,
                ))
            }
            Route::Http(cfg) => {
                let payload = if let Some(plan) = d.pending.take() {
                    let (data, headers) =
                        (take(&mut d.template_data), take(&mut d.request_headers));
                    Some(self.texts_and_body(&mut d, plan, channel, (data, headers))?)
                } else if cfg.has_body() {
                    let ctx = if channel == Channel::Sms && !release.has(release::CHANNELS) {
                        ctx::legacy_sms(&self.settings.sms_from, &d.recipient, &d.texts.body)
                    } else {
                        let (data, headers) =
                            (take(&mut d.template_data), take(&mut d.request_headers));
                        let (to, ty, texts) = (&d.recipient, &d.ty, &d.texts);
                        ctx::build(to, ty, channel, texts, data, headers, release)
                    };
                    Some(self.body(channel, ctx)?)
                } else {
                    None
                };
                Wire::Http(cfg.build(payload.as_deref())?)
            }
        };
        Ok(Message {
            ty: d.ty,
            channel,
            recipient: d.recipient,
            texts: d.texts,
            template_data: d.template_data,
            request_headers: d.request_headers,
            wire,
            release: self.settings.release,
        })
    }

    /// Renders `d`'s texts from `plan` and applies the channel's Jsonnet
    /// body to the ctx holding them, in one round trip to the sandbox; one
    /// step at a time when the worker failed (to name the one at fault).
    fn texts_and_body(
        &mut self,
        d: &mut Draft,
        plan: Plan,
        channel: Channel,
        (data, headers): (Value, Value),
    ) -> Result<String, ComposeError> {
        let release = self.settings.release;
        let (name, id, len) = match self.body_slot(channel) {
            Ok(slot) => slot,
            Err(e) => {
                // The templates first, as when they ran on their own: their
                // failure is the one reported.
                let results = self.sandbox.execute(plan.data, &plan.runs);
                d.texts = self.finish(std::mem::take(&mut d.texts), plan.present, results)?;
                return Err(e);
            }
        };
        let html_in_ctx = channel == Channel::Email && release.has(release::HTML_BODY_CTX);
        let mut fill = Vec::new();
        for (run, part) in plan.present.iter().enumerate() {
            let (key, trim, optional) = match part {
                Part::Subject if channel == Channel::Email => ("subject", true, false),
                Part::Text | Part::Sms => ("body", false, false),
                Part::Html if html_in_ctx => ("html_body", false, true),
                _ => continue,
            };
            let key = key.to_owned();
            fill.push(Fill {
                run,
                key,
                trim,
                optional,
            });
        }
        // A placeholder keeps `html_body` at its place among the keys
        // (the texts a stored message brings are in place already).
        let placeholder = Texts {
            html_body: if fill.iter().any(|f| f.optional) {
                "-".into()
            } else {
                String::new()
            },
            ..d.texts.clone()
        };
        let ctx = ctx::build(
            &d.recipient,
            &d.ty,
            channel,
            &placeholder,
            data,
            headers,
            release,
        );
        let cap = release.jsonnet_input_cap().map(|cap| (cap, len));
        let answer = self
            .sandbox
            .execute_then_apply(plan.data, &plan.runs, id, ctx, &fill, cap);
        let (results, applied) = match answer {
            Ok(answer) => answer,
            Err((data, error)) => {
                // The templates alone: if they answer, the body failed.
                let results = self.sandbox.execute(data, &plan.runs);
                d.texts = self.finish(std::mem::take(&mut d.texts), plan.present, results)?;
                return Err(ComposeError::Jsonnet { name, error });
            }
        };
        d.texts = self.finish(std::mem::take(&mut d.texts), plan.present, results)?;
        let error = |error| ComposeError::Jsonnet {
            name: name.clone(),
            error,
        };
        match applied {
            Some(Ok(text)) => jsonnet::within_caps(release, None, &text)
                .map(|()| text)
                .map_err(error),
            Some(Err(Failure::Jsonnet(e))) => Err(error(e)),
            Some(Err(Failure::InputTooLarge(size))) => {
                Err(error(jsonnet::input_over_cap(release, size)))
            }
            Some(Err(other)) => Err(error(jsonnet::runtime_error(&other.text()))),
            None => Err(error(jsonnet::runtime_error(
                "the sandbox did not apply the body",
            ))),
        }
    }

    /// Evaluates the channel's Jsonnet body with `ctx`.
    fn body(&mut self, channel: Channel, ctx: Value) -> Result<String, ComposeError> {
        let (name, id, len) = self.body_slot(channel)?;
        let release = self.settings.release;
        let input = jsonnet::within_caps(release, Some((len, &ctx)), "");
        input
            .and_then(|()| self.sandbox.apply(id, ctx))
            .and_then(|text| jsonnet::within_caps(release, None, &text).map(|()| text))
            .map_err(|error| ComposeError::Jsonnet { name, error })
    }

    /// The channel's Jsonnet body (loaded once): its name, slot and length.
    fn body_slot(&mut self, channel: Channel) -> Result<(String, JsonnetId, usize), ComposeError> {
        if !self.bodies.contains_key(&channel) {
            let Route::Http(cfg) = self.settings.route(channel)? else {
                return Err(ComposeError::Settings(SettingsError::NoSmsChannel));
            };
            let body = body::load(cfg, self.reach.online, self.settings.release)?;
            let id = self
                .sandbox
                .jsonnet(&body.name, &body.code)
                .map_err(|error| ComposeError::JsonnetSyntax {
                    name: body.name.clone(),
                    error,
                })?;
            self.bodies
                .insert(channel, (body.name, id, body.code.len()));
        }
        self.bodies
            .get(&channel)
            .cloned()
            .ok_or(ComposeError::Settings(SettingsError::NoSmsChannel))
    }

    /// The templates for a message's texts, as Kratos renders them: the
    /// subject, plaintext and HTML from the same data (the HTML without
    /// request headers, which Kratos loses before it renders HTML), or the
    /// SMS text. An HTML template that fails to load is noted, not fatal.
    fn plan(
        &mut self,
        ty: &str,
        channel: Channel,
        template_data: &Value,
        request_headers: &Value,
        parts: &[Part],
    ) -> Result<Plan, TemplateError> {
        let kind = Kind {
            index: channel
                .types(self.settings.release)
                .iter()
                .position(|t| *t == ty)
                .unwrap_or(usize::MAX),
            ty,
            channel,
        };
        let model = self.model(&kind);
        // The text parts' data, and the HTML part's (without request
        // headers), each crossing to the sandbox once, when a part needs it.
        let mut data = Vec::new();
        let (mut text_at, mut html_at) = (None, None);
        let mut runs = Vec::new();
        let mut present = Vec::new();
        for &part in parts {
            let found = match self.part(&kind, part, &model) {
                Err(e) if part == Part::Html => {
                    self.html = Html::Failed(e);
                    None
                }
                other => other?,
            };
            if let Some(id) = found {
                let (at, headers) = if part == Part::Html {
                    (&mut html_at, &json!({}))
                } else {
                    (&mut text_at, request_headers)
                };
                let which = *at.get_or_insert_with(|| {
                    data.push(model::data_json(&model.1, template_data, headers));
                    data.len() - 1
                });
                runs.push((id, which));
                present.push(part);
            }
        }
        Ok(Plan {
            data,
            runs,
            present,
        })
    }

    /// The texts from the runs' answers over `texts`: the subject trimmed;
    /// a failed HTML part is noted, any other failure is the message's.
    fn finish(
        &mut self,
        mut texts: Texts,
        present: Vec<Part>,
        results: Vec<Result<String, TemplateError>>,
    ) -> Result<Texts, TemplateError> {
        for (part, text) in present.into_iter().zip(results) {
            match (part, text) {
                (Part::Html, Err(e)) => self.html = Html::Failed(e),
                (_, text) => {
                    let text = text?;
                    match part {
                        Part::Subject => texts.subject = text.trim().to_owned(),
                        Part::Text | Part::Sms => texts.body = text,
                        Part::Html => {
                            texts.html_body = text;
                            self.html = Html::Rendered;
                        }
                    }
                }
            }
        }
        Ok(texts)
    }

    /// The Go model of a type (built once).
    fn model(&mut self, kind: &Kind<'_>) -> Rc<Model> {
        self.models
            .entry((kind.index, kind.channel))
            .or_insert_with(|| Rc::new(model::model(kind.ty, kind.channel, self.settings.release)))
            .clone()
    }

    /// The template Kratos would pick for one part (parsed once); `None`
    /// when the type has no such part.
    fn part(
        &mut self,
        kind: &Kind<'_>,
        part: Part,
        model: &Model,
    ) -> Result<Option<TemplateId>, TemplateError> {
        let key = (kind.index, kind.channel, part);
        if let Some(id) = self.templates.get(&key) {
            return id.clone();
        }
        let go: Vec<&str> = model.1.iter().map(|(g, _)| *g).collect();
        let sources = &self.settings.templates;
        let id = templates::load(kind.ty, part, sources, self.reach).and_then(|mut files| {
            if let Some(f) = files.as_mut().filter(|f| f.origin == Origin::Builtin) {
                self.builtin
                    .insert((kind.ty.to_owned(), kind.channel, part));
                for (_, text) in &mut f.files {
                    *text = builtin::fit(text, &go);
                }
            }
            files
                .map(|files| self.sandbox.template(&files, part, &model.0, &go))
                .transpose()
        });
        self.templates.insert(key, id.clone());
        id
    }
}
