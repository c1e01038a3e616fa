//! `courier send --batch FILE`: rows of recipients. This slice of the batch
//! issue implements `--dry-run` (every message rendered, every recipient
//! validated, nothing sent); sending batches is still to come.

use std::collections::HashMap;

use serde::Serialize;

use crate::cli::{ChannelArg, Format, GlobalArgs, OnBadRow, SendArgs};
use crate::config::settings;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, fail};
use crate::output::Printer;
use crate::recipients::{self, Row};
use crate::render::jsonnet::Renderer;
use crate::sample::{self, Channel};

/// One JSON line per row (a public interface).
#[derive(Debug, Serialize)]
pub struct RowResult<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub line: u64,
    pub recipient: Option<&'a str>,
    pub template_type: Option<&'a str>,
    pub channel: Option<&'static str>,
    pub status: &'static str,
    pub error: Option<String>,
}

/// The last JSON line.
#[derive(Debug, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub dry_run: bool,
    pub rows: u64,
    pub ok: u64,
    pub bad: u64,
    pub stopped: bool,
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &SendArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    if !args.dry_run {
        return Err(fail(
            ExitStatus::Usage,
            "sending batches is not implemented yet",
            Some(
                "`--dry-run` renders every message and validates every recipient; sending is planned in issue #6",
            ),
        ));
    }
    let Some(path) = &args.batch else {
        return Err(fail(ExitStatus::Usage, "--batch FILE is needed", None));
    };
    let loaded = super::load_usable(global, printer, &|p| {
        p.starts_with("courier") && !p.starts_with("courier.templates")
    })?;
    let input: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| {
            fail(
                ExitStatus::NoInput,
                format!("cannot read {}: {e}", path.display()),
                None,
            )
        })?)
    };
    let (input, format) = if path.as_os_str() == "-" {
        recipients::sniff(input).map_err(|e| {
            fail(
                ExitStatus::NoInput,
                format!("cannot read standard input: {e}"),
                None,
            )
        })?
    } else {
        (input, recipients::format_of(&path.display().to_string()))
    };
    let defaults = args
        .data
        .as_deref()
        .map(super::render::read_data)
        .transpose()?;
    let cx = settings::sample_context(&loaded);
    let sources = crate::render::template::Sources::from_config(&loaded, true);
    let mut delivery = Delivery::new(&loaded);
    let (mut rows, mut ok, mut bad, mut stopped) = (0u64, 0u64, 0u64, false);
    let progress = printer.progress("dry run:");
    for item in recipients::rows(input, format) {
        rows += 1;
        progress.inc();
        let outcome = item.map_err(|b| (b.line, b.message)).and_then(|row| {
            let line = row.line;
            check_row(&row, args, defaults.as_ref(), &cx, &sources, &mut delivery)
                .map(|(ty, ch)| (row, ty, ch))
                .map_err(|m| (line, m))
        });
        match outcome {
            Ok((row, ty, ch)) => {
                ok += 1;
                if printer.format == Format::Json {
                    printer.json_line(&RowResult {
                        kind: "result",
                        line: row.line,
                        recipient: Some(&row.recipient),
                        template_type: Some(&ty),
                        channel: Some(ch.as_str()),
                        status: "ok",
                        error: None,
                    });
                }
            }
            Err((line, message)) => {
                bad += 1;
                progress.message(format!("{bad} bad"));
                progress.suspend_for(|| report_bad(printer, line, &message));
                if args.on_bad_row == OnBadRow::Stop {
                    stopped = true;
                    break;
                }
            }
        }
    }
    progress.finish();
    let summary = Summary {
        kind: "summary",
        dry_run: true,
        rows,
        ok,
        bad,
        stopped,
    };
    if printer.format == Format::Json {
        printer.json_line(&summary);
    } else {
        let p = printer.stdout_paint();
        let verdict = if bad == 0 {
            p.paint("ok", Role::Success)
        } else {
            p.paint("bad rows", Role::Error)
        };
        printer.out(&format!(
            "dry run {verdict}: {rows} rows, {ok} would be sent, {bad} bad{}; nothing was sent",
            if stopped {
                " (stopped at the first bad row)"
            } else {
                ""
            }
        ));
    }
    Ok(if bad == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::DataErr
    })
}

fn report_bad(printer: &Printer, line: u64, message: &str) {
    if printer.format == Format::Json {
        printer.json_line(&RowResult {
            kind: "result",
            line,
            recipient: None,
            template_type: None,
            channel: None,
            status: "bad-row",
            error: Some(message.to_owned()),
        });
    } else {
        let p = printer.stderr_paint();
        printer.diag(&format!(
            "courier: {} line {line}: {message}",
            p.paint("bad row:", Role::Error)
        ));
    }
}

/// How the rows go out, lifted from the config once for the whole batch.
struct Delivery {
    http_email: bool,
    smtp: Result<settings::Smtp, String>,
    email_http: Result<Option<crate::request::RequestConfig>, String>,
    sms_http: Result<Option<crate::request::RequestConfig>, String>,
    /// The Jsonnet body of each channel, parsed once.
    renderers: HashMap<&'static str, Renderer>,
}

impl Delivery {
    fn new(loaded: &crate::config::Loaded) -> Self {
        Self {
            http_email: settings::delivery_strategy(loaded) == "http",
            smtp: settings::smtp(loaded).map_err(|e| e.to_string()),
            email_http: super::render::request_config(loaded, Channel::Email)
                .map_err(|e| e.to_string()),
            sms_http: super::render::request_config(loaded, Channel::Sms)
                .map_err(|e| e.to_string()),
            renderers: HashMap::new(),
        }
    }
}

/// Renders one row as it would be sent; the template type and channel.
fn check_row(
    row: &Row,
    args: &SendArgs,
    defaults: Option<&serde_json::Value>,
    cx: &sample::Context,
    sources: &crate::render::template::Sources,
    delivery: &mut Delivery,
) -> Result<(String, Channel), String> {
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
    sample::merge(&mut data, &serde_json::Value::Object(row.data.clone()));
    let msg = sample::sample_message(&ty, channel, cx, Some(&row.recipient), Some(&data))
        .ok_or_else(|| {
            format!(
                "`{ty}` is not a template type Kratos sends by {}",
                channel.as_str()
            )
        })?;
    let texts = crate::render::template::render_texts(
        &ty,
        channel,
        &msg.template_data,
        &msg.request_headers,
        sources,
    )
    .map_err(|e| e.message)?;
    let over_http = channel == Channel::Sms || delivery.http_email;
    if over_http {
        let cfg = match channel {
            Channel::Email => &delivery.email_http,
            Channel::Sms => &delivery.sms_http,
        }
        .as_ref()
        .map_err(Clone::clone)?
        .as_ref()
        .ok_or_else(|| "no HTTP request config".to_owned())?;
        let ctx = sample::build_ctx(
            &msg.recipient,
            &ty,
            channel,
            &texts,
            msg.template_data,
            msg.request_headers,
        );
        let payload = if cfg.has_body() {
            let renderer = match delivery.renderers.entry(channel.as_str()) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let (name, code) =
                        crate::transport::body_code(cfg, true).map_err(|e| e.to_string())?;
                    v.insert(Renderer::new(&name, &code).map_err(|e| format!("{name}: {e}"))?)
                }
            };
            Some(
                renderer
                    .render(&ctx)
                    .map_err(|e| format!("the Jsonnet body fails: {e}"))?,
            )
        } else {
            None
        };
        cfg.build(payload.as_deref()).map_err(|e| e.to_string())?;
    } else {
        let s = delivery.smtp.as_ref().map_err(Clone::clone)?;
        let email = crate::mime::Email {
            from_address: s.from_address.clone(),
            from_name: s.from_name.clone(),
            to: row.recipient.clone(),
            subject: texts.subject,
            text: texts.body,
            html: texts.html_body,
            headers: s.headers.clone(),
        };
        crate::mime::build(&email, 0, "dry-run").map_err(|e| e.to_string())?;
    }
    Ok((ty, channel))
}
