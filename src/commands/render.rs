//! `courier render`: the ctx, the Jsonnet payload and the HTTP request
//! Kratos would send, for one or every template type.

use serde::Serialize;

use crate::cli::{ChannelArg, Format, GlobalArgs, Part, RenderArgs};
use crate::config::settings;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, StatusError};
use crate::output::Printer;
use crate::render::jsonnet::Renderer;
use crate::request::RequestConfig;
use crate::sample::{self, Channel};
use crate::transport;

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
}

/// The request as shown (secrets masked).
#[derive(Debug, Serialize)]
pub struct RequestView {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

fn channel_of(c: ChannelArg) -> Channel {
    match c {
        ChannelArg::Email => Channel::Email,
        ChannelArg::Sms => Channel::Sms,
    }
}

/// Reads `--data` (JSON or YAML).
pub fn read_data(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| StatusError {
        status: ExitStatus::NoInput,
        message: format!("cannot read {}: {e}", path.display()),
        hint: None,
    })?;
    let node = crate::config::source::parse(&text, 0).map_err(|e| StatusError {
        status: ExitStatus::DataErr,
        message: format!(
            "{}:{}:{}: {}",
            path.display(),
            e.loc.line,
            e.loc.column,
            e.message
        ),
        hint: None,
    })?;
    let json = node.to_json();
    if !json.is_object() {
        return Err(StatusError {
            status: ExitStatus::DataErr,
            message: format!(
                "{}: the data must be a mapping of template_data fields",
                path.display()
            ),
            hint: None,
        }
        .into());
    }
    Ok(json)
}

/// The request config of a channel, or why there is none.
pub fn request_config(
    loaded: &crate::config::Loaded,
    channel: Channel,
) -> anyhow::Result<Option<RequestConfig>> {
    Ok(match channel {
        Channel::Email => settings::email_http(loaded).filter(|_| settings::delivery_strategy(loaded) == "http"),
        Channel::Sms => Some(settings::sms_channel(loaded).ok_or_else(|| StatusError {
            status: ExitStatus::Config,
            message: "there is no courier.channels entry with id sms".into(),
            hint: Some("SMS goes through courier.channels: [{id: sms, type: http, request_config: {...}}]".into()),
        })?),
    })
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &RenderArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let loaded = super::load_usable(global, printer, &|p| {
        p.starts_with("courier.http")
            || p.starts_with("courier.channels")
            || p == "courier.delivery_strategy"
    })?;
    let channel = channel_of(args.channel);
    let all_types = match channel {
        Channel::Email => sample::EMAIL_TYPES,
        Channel::Sms => sample::SMS_TYPES,
    };
    let types: Vec<&str> = match &args.template {
        Some(t) if all_types.contains(&t.as_str()) => vec![t.as_str()],
        Some(t) => {
            return Err(StatusError {
                status: ExitStatus::Usage,
                message: format!(
                    "`{t}` is not a template type Kratos sends by {}",
                    channel.as_str()
                ),
                hint: Some(format!("one of: {}", all_types.join(", "))),
            }
            .into());
        }
        None => all_types.to_vec(),
    };
    let data = args.data.as_deref().map(read_data).transpose()?;
    let cfg = request_config(&loaded, channel)?;
    let wrong_channel = match channel {
        Channel::Email => args.part == Part::Sms,
        Channel::Sms => matches!(args.part, Part::Subject | Part::Text | Part::Html),
    };
    if wrong_channel {
        return Err(StatusError {
            status: ExitStatus::Usage,
            message: format!(
                "--part {:?} does not exist for the {} channel",
                args.part,
                channel.as_str()
            )
            .to_lowercase(),
            hint: None,
        }
        .into());
    }
    if cfg.is_none() && matches!(args.part, Part::Payload | Part::Request) {
        return Err(StatusError {
            status: ExitStatus::Config,
            message:
                "delivery_strategy is smtp: email goes out over SMTP, there is no HTTP payload"
                    .into(),
            hint: Some("use --part ctx, or --channel sms for the SMS channel".into()),
        }
        .into());
    }
    let mut renderer = match &cfg {
        Some(c) if c.has_body() => {
            let (name, code) = transport::body_code(c, true)?;
            let r = Renderer::new(&name, &code).map_err(|e| StatusError {
                status: ExitStatus::DataErr,
                message: format!("the Jsonnet body does not compile: {name}:{e}"),
                hint: None,
            })?;
            Some((name, r))
        }
        _ => None,
    };
    let cx = settings::sample_context(&loaded);
    let template_sources = crate::render::template::Sources::from_config(&loaded, true);
    let mut rendered = Vec::new();
    for ty in types {
        let msg = sample::sample_message(ty, channel, &cx, args.to.as_deref(), data.as_ref())
            .ok_or_else(|| StatusError {
                status: ExitStatus::Usage,
                message: format!(
                    "`{ty}` is not a template type of the {} channel",
                    channel.as_str()
                ),
                hint: None,
            })?;
        let (texts, ctx) = render_message(ty, channel, &msg, &template_sources)?;
        let request = match &cfg {
            None => None,
            Some(c) => {
                let payload = match renderer.as_mut() {
                    Some((name, r)) => Some(r.render(&ctx).map_err(|e| StatusError {
                        status: ExitStatus::DataErr,
                        message: if e.line.is_some() {
                            format!("{ty}: the Jsonnet body fails: {name}:{e}")
                        } else {
                            format!("{ty}: the Jsonnet body fails: {name}: {e}")
                        },
                        hint: Some("`--part ctx` shows the ctx it receives".into()),
                    })?),
                    None => None,
                };
                let req = c.build(payload.as_deref()).map_err(|e| StatusError {
                    status: ExitStatus::Config,
                    message: format!("{ty}: {e}"),
                    hint: None,
                })?;
                Some(RequestView {
                    method: req.method.clone(),
                    url: req.url.clone(),
                    headers: transport::masked_headers(&req, c),
                    body: String::from_utf8_lossy(&req.body).into_owned(),
                })
            }
        };
        let email = channel == Channel::Email;
        rendered.push(Rendered {
            template_type: ty.to_owned(),
            channel: channel.as_str(),
            subject: email.then(|| texts.subject.clone()),
            text: email.then(|| texts.body.clone()),
            html: email.then(|| texts.html_body.clone()),
            sms: (!email).then(|| texts.body.clone()),
            ctx,
            request,
        });
    }
    if let Some(dir) = &args.out {
        write_out(dir, &rendered, &loaded, printer)?;
    }
    print(&rendered, args, printer);
    Ok(ExitStatus::Success)
}

fn print(rendered: &[Rendered], args: &RenderArgs, printer: &Printer) {
    if printer.format == Format::Json {
        match rendered {
            [one] if !args.all_templates => printer.json(one),
            many => printer.json(&many),
        }
        return;
    }
    let p = printer.stdout_paint();
    let mut out = String::new();
    for r in rendered {
        match args.part {
            Part::Ctx => out.push_str(&pretty(&r.ctx)),
            Part::Subject => out.push_str(r.subject.as_deref().unwrap_or_default()),
            Part::Text => out.push_str(r.text.as_deref().unwrap_or_default()),
            Part::Html => out.push_str(r.html.as_deref().unwrap_or_default()),
            Part::Sms => out.push_str(r.sms.as_deref().unwrap_or_default()),
            Part::Payload => out.push_str(r.request.as_ref().map_or("", |q| q.body.as_str())),
            Part::Request => {
                if let Some(q) = &r.request {
                    out.push_str(&request_text(q));
                }
            }
            Part::All => {
                out.push_str(&p.paint(
                    &format!("== {} ({})\n", r.template_type, r.channel),
                    Role::Strong,
                ));
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
                        out.push_str(&request_text(q));
                    }
                    None => out.push_str("-- no HTTP request: delivery_strategy is smtp\n"),
                }
                out.push('\n');
            }
        }
    }
    if matches!(
        args.part,
        Part::Payload | Part::Subject | Part::Text | Part::Html | Part::Sms
    ) {
        printer.out_raw(&out);
    } else {
        printer.out(&out);
    }
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn request_text(q: &RequestView) -> String {
    let mut s = format!("{} {}\n", q.method, q.url);
    for (k, v) in &q.headers {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    s.push_str(&q.body);
    if !q.body.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// `--out DIR`: TYPE.eml and TYPE.html per email type, TYPE.txt per SMS.
fn write_out(
    dir: &std::path::Path,
    rendered: &[Rendered],
    loaded: &crate::config::Loaded,
    printer: &Printer,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| StatusError {
        status: ExitStatus::Failure,
        message: format!("cannot create {}: {e}", dir.display()),
        hint: None,
    })?;
    let smtp = settings::smtp(loaded).ok();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let write = |name: String, bytes: &[u8]| -> anyhow::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| StatusError {
            status: ExitStatus::Failure,
            message: format!("cannot write {}: {e}", path.display()),
            hint: None,
        })?;
        printer.note(&format!("wrote {}", path.display()));
        Ok(())
    };
    for r in rendered {
        if let Some(sms) = &r.sms {
            write(format!("{}.txt", r.template_type), sms.as_bytes())?;
            continue;
        }
        let email = crate::mime::Email {
            from_address: smtp.as_ref().map_or_else(
                || "no-reply@ory.kratos.sh".to_owned(),
                |s| s.from_address.clone(),
            ),
            from_name: smtp
                .as_ref()
                .map(|s| s.from_name.clone())
                .unwrap_or_default(),
            to: r.ctx["recipient"].as_str().unwrap_or_default().to_owned(),
            subject: r.subject.clone().unwrap_or_default(),
            text: r.text.clone().unwrap_or_default(),
            html: r.html.clone().unwrap_or_default(),
            headers: smtp.as_ref().map(|s| s.headers.clone()).unwrap_or_default(),
        };
        let built = crate::mime::build(&email, now, &crate::tls::random_hex(30)).map_err(|e| {
            StatusError {
                status: ExitStatus::DataErr,
                message: format!("{}: {e}", r.template_type),
                hint: None,
            }
        })?;
        write(format!("{}.eml", r.template_type), &built.bytes)?;
        write(
            format!("{}.html", r.template_type),
            r.html.clone().unwrap_or_default().as_bytes(),
        )?;
    }
    Ok(())
}

/// Renders a sample message's texts and builds its HTTP ctx (exit 65 on a
/// template error).
pub fn render_message(
    ty: &str,
    channel: Channel,
    msg: &sample::SampleMessage,
    sources: &crate::render::template::Sources,
) -> anyhow::Result<(sample::Texts, serde_json::Value)> {
    let texts = crate::render::template::render_texts(
        ty,
        channel,
        &msg.template_data,
        &msg.request_headers,
        sources,
    )
    .map_err(|e| StatusError {
        status: ExitStatus::DataErr,
        message: format!("{ty}: {}", e.message),
        hint: None,
    })?;
    let ctx = sample::build_ctx(
        &msg.recipient,
        ty,
        channel,
        &texts,
        msg.template_data.clone(),
        msg.request_headers.clone(),
    );
    Ok((texts, ctx))
}
