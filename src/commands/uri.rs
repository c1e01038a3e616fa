//! `courier uri`: build a connection URI from parts, or explain one.

use serde::Serialize;

use crate::cli::{ConnArgs, Format, GlobalArgs, ModeArg, ProviderArg, UriArgs};
use crate::connection_uri::SmtpUri;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, StatusError};
use crate::output::Printer;
use crate::uri::{self, Mode, Parts};

fn mode_of(m: ModeArg) -> Mode {
    match m {
        ModeArg::Starttls => Mode::StartTls,
        ModeArg::StarttlsInsecure => Mode::StartTlsInsecure,
        ModeArg::Cleartext => Mode::Cleartext,
        ModeArg::Tls => Mode::Tls,
        ModeArg::TlsInsecure => Mode::TlsInsecure,
        ModeArg::TlsServerName => Mode::TlsServerName,
    }
}

/// The name of a mode, as on the command line.
#[must_use]
pub fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::StartTls => "starttls",
        Mode::StartTlsInsecure => "starttls-insecure",
        Mode::Cleartext => "cleartext",
        Mode::Tls => "tls",
        Mode::TlsInsecure => "tls-insecure",
        Mode::TlsServerName => "tls-server-name",
    }
}

fn usage(message: impl Into<String>, hint: Option<&str>) -> anyhow::Error {
    StatusError {
        status: ExitStatus::Usage,
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
    .into()
}

/// The password: from stdin, else a prompt, else none (`required` makes
/// "none" an error).
pub fn read_password(conn: &ConnArgs, required: bool) -> anyhow::Result<String> {
    if conn.password_stdin {
        return crate::prompt::password_from_stdin().map_err(|e| {
            usage(
                format!("cannot read the password from standard input: {e}"),
                None,
            )
        });
    }
    match crate::prompt::password_interactive("Password (not echoed): ") {
        Some(r) => r.map_err(|e| usage(format!("cannot read the password: {e}"), None)),
        None if required => Err(usage(
            "no password: standard input is not a terminal",
            Some("pass it on standard input with --password-stdin (never as a flag)"),
        )),
        None => Ok(String::new()),
    }
}

/// Resolves the parts from flags and the provider preset.
pub fn parts(conn: &ConnArgs, need_password: bool) -> anyhow::Result<(Parts, Option<uri::Preset>)> {
    let preset = match conn.provider {
        Some(p) => {
            let name = match p {
                ProviderArg::Mailgun => "mailgun",
                ProviderArg::MailgunEu => "mailgun-eu",
                ProviderArg::Ses => "ses",
                ProviderArg::Postmark => "postmark",
                ProviderArg::Sendgrid => "sendgrid",
            };
            Some(uri::preset(name, conn.region.as_deref()).map_err(|e| usage(e, None))?)
        }
        None => None,
    };
    let host = conn
        .host
        .clone()
        .or_else(|| preset.as_ref().map(|p| p.host.clone()))
        .ok_or_else(|| usage("--host is needed (or --provider)", None))?;
    let mode = conn
        .mode
        .map(mode_of)
        .or_else(|| preset.as_ref().map(|p| p.mode))
        .unwrap_or(Mode::StartTls);
    let port = conn.port.or_else(|| {
        preset
            .as_ref()
            .filter(|_| conn.mode.is_none())
            .map(|p| p.port)
    });
    let fixed_user = preset.as_ref().and_then(|p| p.user);
    let token_is_user = preset.as_ref().is_some_and(|p| p.token_is_user);
    if let (Some(fixed), Some(given)) = (fixed_user, conn.user.as_deref())
        && fixed != given
    {
        return Err(usage(
            format!("this provider's user name is `{fixed}`, not {given:?}"),
            None,
        ));
    }
    let mut user = conn
        .user
        .clone()
        .or_else(|| fixed_user.map(str::to_owned))
        .unwrap_or_default();
    let wants_password = need_password && (!user.is_empty() || token_is_user);
    let password = if wants_password || conn.password_stdin {
        read_password(conn, wants_password)?
    } else {
        String::new()
    };
    if token_is_user && user.is_empty() {
        user.clone_from(&password);
    }
    Ok((
        Parts {
            mode,
            host,
            port,
            user,
            password,
            server_name: conn.server_name.clone(),
        },
        preset,
    ))
}

/// The JSON result of `courier uri` (a public interface).
#[derive(Debug, Serialize)]
pub struct Built {
    pub connection_uri: String,
    pub mode: &'static str,
    pub host: String,
    pub port: i64,
    pub user: String,
}

/// Runs the command.
pub fn run(
    _global: &GlobalArgs,
    args: &UriArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    if let Some(raw) = &args.decode {
        return decode(raw, printer);
    }
    let (parts, preset) = parts(&args.conn, true)?;
    let built = uri::build(&parts).map_err(|e| usage(e.to_string(), None))?;
    let back = SmtpUri::parse(&built).map_err(|e| usage(e.to_string(), None))?;
    if printer.format == Format::Json {
        printer.json(&Built {
            connection_uri: built,
            mode: mode_name(parts.mode),
            host: back.host.clone(),
            port: back.port,
            user: back.username.clone(),
        });
    } else {
        printer.out(&built);
        printer.note(&format!(
            "courier: {} ({})",
            mode_name(parts.mode),
            parts.mode.describe()
        ));
        printer.note(&format!(
            "courier: Kratos reads it back as user {:?} and a password of {} characters",
            back.username,
            back.password.expose().chars().count()
        ));
        if let Some(p) = preset {
            printer.note(&format!("courier: {}", p.note));
        }
    }
    Ok(ExitStatus::Success)
}

/// `--decode`: the JSON shape.
#[derive(Debug, Serialize)]
pub struct Decoded {
    pub scheme: String,
    pub mode: Option<&'static str>,
    pub user: Option<String>,
    pub password: Option<&'static str>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub params: Vec<(String, String)>,
    pub findings: Vec<crate::diag::JsonDiagnostic>,
}

fn decode(raw: &str, printer: &mut Printer) -> anyhow::Result<ExitStatus> {
    let mut redactor = crate::secret::Redactor::default();
    for s in crate::connection_uri::secrets(raw) {
        redactor.add(&s);
    }
    printer.protect(&redactor);
    let findings = crate::config::lint::uri_findings(raw);
    let parsed = SmtpUri::parse(raw).ok();
    let sources = crate::config::source::Sources::default();
    let decoded = Decoded {
        scheme: raw.split("://").next().unwrap_or_default().to_owned(),
        mode: parsed.as_ref().map(|u| mode_name(uri::mode_of(u))),
        user: parsed.as_ref().map(|u| u.username.clone()),
        password: parsed.as_ref().map(|u| {
            if u.has_password {
                crate::secret::MASK
            } else {
                ""
            }
        }),
        host: parsed.as_ref().map(|u| u.host.clone()),
        port: parsed.as_ref().map(|u| u.port_text.clone()),
        params: parsed.as_ref().map(|u| u.query.clone()).unwrap_or_default(),
        findings: findings
            .iter()
            .map(|d| d.to_json(&sources, &redactor))
            .collect(),
    };
    let has_error = findings
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    if printer.format == Format::Json {
        printer.json(&decoded);
    } else {
        let p = printer.stdout_paint();
        let mut out = String::new();
        let row = |k: &str, v: &str| format!("{:<10} {v}\n", p.paint(k, Role::Strong));
        out.push_str(&row("scheme", &decoded.scheme));
        if let Some(u) = &parsed {
            let mode = uri::mode_of(u);
            out.push_str(&row(
                "mode",
                &format!("{} ({})", mode_name(mode), mode.describe()),
            ));
            out.push_str(&row("user", &format!("{:?}", u.username)));
            let pw = if u.has_password {
                format!("*** ({} characters)", u.password.expose().chars().count())
            } else {
                "(none)".into()
            };
            out.push_str(&row("password", &pw));
            out.push_str(&row("host", &u.host));
            out.push_str(&row(
                "port",
                if u.port_text.is_empty() {
                    "(none: Kratos dials port 0)"
                } else {
                    &u.port_text
                },
            ));
            if u.security() != crate::connection_uri::Security::Opportunistic {
                out.push_str(&row("tls name", u.tls_name()));
            }
            for (k, v) in &u.query {
                out.push_str(&row("param", &format!("{k}={v}")));
            }
        } else {
            out.push_str(&row("parse", "Kratos cannot parse this URI"));
        }
        printer.out(&out);
        let paint = printer.stderr_paint();
        for d in &findings {
            printer.diag(&d.render_human(&sources, &redactor, &paint));
        }
    }
    Ok(if has_error {
        ExitStatus::Config
    } else {
        ExitStatus::Success
    })
}
