//! A `courier watch` worker: takes claimed messages from the driver,
//! composes each as Kratos' dispatcher does (the stored subject and text,
//! the HTML part rendered now from the stored data through the type's
//! model, the HTTP ctx with the stored request headers), and sends it over
//! its own kept SMTP connection or the shared HTTP client.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

use super::queue::Stored;
use crate::batch::worker::{self as batch_worker, Boundaries, Payload, SmtpConn};
use crate::config::settings::Settings;
use crate::delivery::http::Client;
use crate::delivery::smtp::Target;
use crate::delivery::verdict::Verdict;
use crate::interrupt::Stop;
use crate::message::compose::{Composer, Content, Spec};
use crate::message::{Channel, Texts, builtin, stored};
use crate::secret::Redactor;

/// What every worker shares.
pub struct Shared<'a> {
    pub settings: &'a Settings,
    pub target: Option<Target>,
    pub http: Option<Client>,
    pub stop: Stop,
    pub redactor: &'a Redactor,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server's verdict (secrets masked); whether it went over SMTP.
    Delivered(Verdict, bool),
    /// The message cannot be composed (Kratos fails the dispatch alike).
    Bad(String),
    /// The worker was stopping: not attempted.
    Unstarted,
}

/// A message back from a worker.
#[derive(Debug, Clone)]
pub struct Report {
    pub msg: Stored,
    pub outcome: Outcome,
    pub ms: f64,
    /// What an operator should hear of (a failing HTML template).
    pub note: Option<String>,
}

/// The channel Kratos dispatches a stored message on: its `channel`, or
/// (rows of v1.0.0) its type.
pub fn channel_of(msg: &Stored) -> Result<Channel, String> {
    match (msg.channel.as_deref(), msg.kind) {
        (Some("email"), _) | (None | Some(""), 1) => Ok(Channel::Email),
        (Some("sms"), _) | (None | Some(""), 2) => Ok(Channel::Sms),
        (Some(other), _) => Err(format!("no courier channel `{other}` is configured")),
        (None, other) => Err(format!("unknown message type {other}")),
    }
}

/// Runs one worker until the driver closes the queue.
pub fn run(shared: &Shared<'_>, jobs: &Arc<Mutex<Receiver<Stored>>>, reports: &Sender<Report>) {
    let mut composer = Composer::new(shared.settings);
    let mut conn = shared.target.clone().map(SmtpConn::new);
    let mut http = shared.http.as_ref().map(Client::lane);
    let mut boundaries = Boundaries::new();
    let mut builtin_seen = 0;
    while let Some(msg) = batch_worker::next_job(jobs) {
        if shared.stop.requested() {
            let _ = reports.send(Report {
                msg,
                outcome: Outcome::Unstarted,
                ms: 0.0,
                note: None,
            });
            continue;
        }
        let composed = compose(&mut composer, &msg, &mut boundaries, shared.settings);
        // As Kratos, a failing HTML template sends the text alone (SMTP) or
        // leaves `html_body` out (HTTP); Kratos logs it, courier warns. An
        // HTML part from courier's built-in template is courier's wording.
        let note = composer
            .html_failure()
            .map(|e| {
                shared.redactor.redact(&format!(
                    "the HTML template of {} fails, so the message goes without its HTML part: {e}",
                    msg.template_type
                ))
            })
            .or_else(|| {
                let builtin = composer.builtin_used().len();
                (builtin > builtin_seen).then(|| {
                    builtin_seen = builtin;
                    let text =
                        builtin::notice(&[msg.template_type.as_str()], shared.settings.release);
                    text.trim_start_matches("courier: note: ").to_owned()
                })
            });
        let (outcome, ms) = match composed {
            Err(e) => (Outcome::Bad(shared.redactor.redact(&e)), 0.0),
            Ok(payload) => {
                let start = Instant::now();
                let v = batch_worker::deliver(&payload, &mut conn, http.as_mut(), shared.settings);
                let smtp = matches!(payload, Payload::Smtp(_));
                let ms = crate::delivery::millis_since(start);
                (
                    Outcome::Delivered(batch_worker::masked(v, shared.redactor), smtp),
                    ms,
                )
            }
        };
        let _ = reports.send(Report {
            msg,
            outcome,
            ms,
            note,
        });
    }
    if let Some(c) = conn.as_mut() {
        c.close();
    }
}

/// The message as Kratos' dispatcher of the selected release builds it.
fn compose(
    composer: &mut Composer<'_>,
    msg: &Stored,
    b: &mut Boundaries,
    settings: &Settings,
) -> Result<Payload, String> {
    if msg.size > super::queue::STORED_CAP as u64 {
        return Err(format!(
            "the stored message is {} bytes, over courier's cap of {} bytes",
            msg.size,
            super::queue::STORED_CAP
        ));
    }
    let channel = channel_of(msg)?;
    let data = stored::typed_data(
        &msg.template_type,
        channel,
        settings.release,
        &msg.template_data,
    )
    .map_err(|e| e.to_string())?;
    // A NULL column is Go's nil raw message: `null` in the ctx.
    let headers: Value = msg
        .request_headers
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or(Value::Null);
    let spec = Spec {
        channel,
        recipient: Some(&msg.recipient),
        content: Content::Stored {
            ty: &msg.template_type,
            texts: Texts {
                subject: msg.subject.clone(),
                body: msg.body.clone(),
                html_body: String::new(),
            },
            data: &data,
            headers: &headers,
        },
    };
    batch_worker::compose_spec(composer, &spec, b)
}
