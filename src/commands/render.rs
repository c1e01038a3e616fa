//! `courier render`: the texts, the ctx, the Jsonnet payload and the HTTP
//! request Kratos would send, for one or every template type.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{GlobalArgs, Part, RenderArgs};
use crate::config::settings::{Route, Settings};
use crate::delivery::request::RequestView;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, Usage};
use crate::message::Channel;
use crate::message::compose::{self, ComposeError, Composer, Message, Spec, Wire};
use crate::output::Printer;
use crate::release::Release;
use crate::render::template::Part as TemplatePart;

/// One rendered template type (a public interface).
#[derive(Debug, Serialize)]
pub struct Rendered {
    pub template_type: String,
    pub channel: &'static str,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub sms: Option<String>,
    pub ctx: serde_json::Value,
    pub request: Option<RequestView>,
    /// The parts rendered from courier's built-in templates (courier's
    /// wording, not Kratos'): `subject`, `text`, `html`, `sms`.
    pub builtin_templates: Vec<&'static str>,
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &RenderArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let (_, settings) = super::usable(global, printer, |p| {
        p.starts_with("courier.http")
            || p.starts_with("courier.channels")
            || p == "courier.delivery_strategy"
    })?;
    let channel = super::channel_of(args.channel);
    let types = types(args, channel, settings.release)?;
    let wrong_part = match channel {
        Channel::Email => args.part == Part::Sms,
        Channel::Sms => matches!(args.part, Part::Subject | Part::Text | Part::Html),
    };
    if wrong_part {
        return Err(Usage::new(
            format!(
                "--part {:?} does not exist for the {} channel",
                args.part,
                channel.as_str()
            )
            .to_lowercase(),
        )
        .into());
    }
    let route = settings.route(channel)?;
    // A valid SMTP config has no request: asking for one is a usage
    // error, not a broken config.
    if matches!(route, Route::Smtp) && matches!(args.part, Part::Payload | Part::Request) {
        return Err(Usage::new(format!(
            "--part {} is the HTTP request, and this config sends email over SMTP (delivery_strategy: smtp)",
            format!("{:?}", args.part).to_lowercase()
        ))
        .hint("use --part all, ctx, subject, text or html; or --channel sms for the SMS channel")
        .into());
    }
    let data = args
        .data
        .as_deref()
        .map(crate::config::data::read)
        .transpose()?;
    super::data::warn_unknown_keys(printer, data.as_ref(), channel, &types, settings.release);
    let to = args
        .to
        .as_deref()
        .map(|to| super::recipient(to, channel))
        .transpose()?;
    let mut composer = Composer::new(&settings);
    let mut rendered = Vec::new();
    for ty in types {
        let spec = Spec::template(channel, to.as_deref(), ty, data.as_ref());
        let message = composer.compose(&spec).map_err(|e| of_type(ty, e))?;
        let mut r = view(&message, route);
        if let Some(e) = composer.html_failure() {
            printer.note(&super::html_fallback_note(ty, e, route));
            r.html = None;
        }
        r.builtin_templates = composer
            .builtin_used()
            .iter()
            .filter(|(t, c, _)| t == ty && *c == channel)
            .map(|(_, _, part)| part_name(*part))
            .collect();
        rendered.push(r);
    }
    let builtin: Vec<&str> = rendered
        .iter()
        .filter(|r| !r.builtin_templates.is_empty())
        .map(|r| r.template_type.as_str())
        .collect();
    if !builtin.is_empty() {
        printer.note(&crate::message::builtin::notice(&builtin, settings.release));
    }
    if let Some(dir) = &args.out {
        write_out(dir, &rendered, &settings, args.with_secrets, printer)?;
    }
    print(&rendered, args, printer);
    Ok(ExitStatus::Success)
}

/// A composer error, named by its type where the type is what failed
/// (templates, the body's evaluation, the request); loading or compiling
/// the body fails alike for every type.
fn of_type(ty: &str, e: ComposeError) -> anyhow::Error {
    match e {
        ComposeError::Template(_) | ComposeError::Jsonnet { .. } | ComposeError::Request(_) => {
            let message = format!("{ty}: {e}");
            anyhow::Error::new(e).context(message)
        }
        other => other.into(),
    }
}

/// The types asked for, checked against the channel.
fn types(args: &RenderArgs, channel: Channel, release: Release) -> anyhow::Result<Vec<&str>> {
    let all = channel.types(release);
    match &args.template {
        Some(t) if all.contains(&t.as_str()) => Ok(vec![t.as_str()]),
        Some(t) => Err(super::unknown_type(t, channel, release).into()),
        None if all.is_empty() => Err(Usage::new(format!(
            "Kratos {release} sends no template type by {}",
            channel.as_str()
        ))
        .hint("SMS templates arrived in v1.1.0; `courier send --channel sms --text` sends an ad-hoc SMS")
        .into()),
        None => Ok(all),
    }
}

/// A part as `Rendered` names it.
fn part_name(part: TemplatePart) -> &'static str {
    match part {
        TemplatePart::Subject => "subject",
        TemplatePart::Text => "text",
        TemplatePart::Html => "html",
        TemplatePart::Sms => "sms",
    }
}

fn view(m: &Message, route: Route<'_>) -> Rendered {
    let email = m.channel == Channel::Email;
    let request = match (&m.wire, route) {
        (Wire::Http(req), Route::Http(cfg)) => Some(req.view(cfg.auth.as_ref())),
        _ => None,
    };
    Rendered {
        template_type: m.ty.clone(),
        channel: m.channel.as_str(),
        subject: email.then(|| m.texts.subject.clone()),
        text: email.then(|| m.texts.body.clone()),
        html: email.then(|| m.texts.html_body.clone()),
        sms: (!email).then(|| m.texts.body.clone()),
        ctx: m.ctx(),
        request,
        builtin_templates: Vec::new(),
    }
}

fn print(rendered: &[Rendered], args: &RenderArgs, printer: &Printer) {
    if printer.json_mode() {
        match rendered {
            [one] if !args.all_templates => printer.json(one),
            many => printer.json(&many),
        }
        return;
    }
    let exact = matches!(
        args.part,
        Part::Payload | Part::Subject | Part::Text | Part::Html | Part::Sms
    );
    let mut all = String::new();
    for r in rendered {
        let text = match args.part {
            Part::Ctx => pretty(&r.ctx),
            Part::Subject => r.subject.clone().unwrap_or_default(),
            Part::Text => r.text.clone().unwrap_or_default(),
            Part::Html => r.html.clone().unwrap_or_default(),
            Part::Sms => r.sms.clone().unwrap_or_default(),
            Part::Payload => r
                .request
                .as_ref()
                .map(|q| q.body.clone())
                .unwrap_or_default(),
            Part::Request => r
                .request
                .as_ref()
                .map(RequestView::text)
                .unwrap_or_default(),
            Part::All => everything(r, printer),
        };
        if exact {
            printer.out_raw(&text);
        } else {
            all.push_str(&text);
        }
    }
    if !exact {
        printer.out(&all);
    }
}

/// Every part of a rendered type, readably.
fn everything(r: &Rendered, printer: &Printer) -> String {
    let p = printer.stdout_paint();
    let mut out = p.paint(
        &format!("== {} ({})\n", r.template_type, r.channel),
        Role::Strong,
    );
    for (label, text) in [
        ("subject", &r.subject),
        ("text", &r.text),
        ("html", &r.html),
        ("sms", &r.sms),
    ] {
        if let Some(t) = text {
            out.push_str(&p.paint(&format!("-- {label}\n"), Role::Help));
            out.push_str(t);
            if !t.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out.push_str(&p.paint("-- ctx\n", Role::Help));
    out.push_str(&pretty(&r.ctx));
    out.push('\n');
    match &r.request {
        Some(q) => {
            out.push_str(&p.paint("-- request\n", Role::Help));
            out.push_str(&q.text());
        }
        None => out.push_str("-- no HTTP request: delivery_strategy is smtp\n"),
    }
    out.push('\n');
    out
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// `--out DIR`: TYPE.eml and TYPE.html per email type, TYPE.txt per SMS;
/// credential headers masked unless `with_secrets`.
fn write_out(
    dir: &Path,
    rendered: &[Rendered],
    settings: &Settings,
    with_secrets: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut mail = settings.mail.clone();
    if !with_secrets {
        for (name, value) in &mut mail.headers {
            if crate::secret::is_secret_header(name) || crate::secret::is_known(value) {
                crate::secret::MASK.clone_into(value);
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let now = crate::calendar::unix_now();
    let write = |name: String, bytes: &[u8]| -> anyhow::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        printer.note(&format!("wrote {}", path.display()));
        Ok(())
    };
    for r in rendered {
        if let Some(sms) = &r.sms {
            write(format!("{}.txt", r.template_type), sms.as_bytes())?;
            continue;
        }
        let texts = crate::message::Texts {
            subject: r.subject.clone().unwrap_or_default(),
            body: r.text.clone().unwrap_or_default(),
            html_body: r.html.clone().unwrap_or_default(),
        };
        let to = r.ctx["recipient"].as_str().unwrap_or_default();
        let built = compose::email(&mail, to, &texts, r.html.is_some())
            .build(now, &crate::delivery::tls::random_hex(30))
            .with_context(|| format!("building the {} email", r.template_type))?;
        write(format!("{}.eml", r.template_type), &built.bytes)?;
        write(
            format!("{}.html", r.template_type),
            texts.html_body.as_bytes(),
        )?;
    }
    Ok(())
}
