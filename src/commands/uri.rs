//! `courier uri`: build a connection URI from parts, or explain one.

use serde::Serialize;

use crate::cli::{GlobalArgs, UriArgs};
use crate::config::settings::SettingsError;
use crate::connection_uri::SmtpUri;
use crate::connection_uri::build::{self as uri};
use crate::diag::{Paint, Role, Severity};
use crate::exit::{ExitStatus, Usage};
use crate::output::Printer;

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
    global: &GlobalArgs,
    args: &UriArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    if let Some(given) = &args.decode {
        let raw = decode_input(global, given, printer)?;
        return decode(&raw, printer);
    }
    super::no_config(
        global,
        "`courier uri` reads a config (-c) only with --decode",
        "`courier uri --decode -c FILE` explains the config's connection_uri",
    )?;
    let (parts, preset) = super::connection::parts(&args.conn, true)?;
    let built = uri::build(&parts).map_err(|e| Usage::new(e.to_string()))?;
    let back = SmtpUri::parse(&built).map_err(|e| Usage::new(e.to_string()))?;
    if printer.json_mode() {
        printer.json(&Built {
            connection_uri: built,
            mode: parts.mode.name(),
            host: back.host.clone(),
            port: back.port,
            user: back.username.clone(),
        });
    } else {
        printer.out(&built);
        printer.note(&format!(
            "courier: {} ({})",
            parts.mode.name(),
            parts.mode.describe()
        ));
        printer.note(&format!(
            "courier: Kratos reads it back as user {:?} and a password of {}",
            back.username,
            characters(back.password.expose().chars().count())
        ));
        if let Some(p) = preset {
            printer.note(&format!("courier: {}", p.note));
        }
    }
    Ok(ExitStatus::Success)
}

/// The URI `--decode` explains: the one given, standard input's first
/// line (`-`), or the config's (`-c FILE`, environment overrides applied).
fn decode_input(global: &GlobalArgs, given: &str, printer: &Printer) -> anyhow::Result<String> {
    let from_config = !global.config.is_empty();
    let env = super::kratos_env();
    // Kratos' override alone is a config too.
    let from_env = env.iter().any(|(k, _)| k == "COURIER_SMTP_CONNECTION_URI");
    match given {
        "" if from_config || from_env => {
            let loaded = crate::config::load(&global.config, &env, global.kratos_version)?;
            if !loaded.diagnostics.is_empty() {
                super::print_diags(printer, &loaded, &loaded.diagnostics);
                return Err(crate::config::Unusable {
                    count: loaded.diagnostics.len(),
                }
                .into());
            }
            Ok(loaded
                .connection_uri()
                .ok_or(SettingsError::NoUri)?
                .to_owned())
        }
        "" => Err(Usage::new("--decode needs a URI")
            .hint("give it, `-` to read it from standard input, or -c FILE to read the config's")
            .into()),
        _ if from_config => Err(Usage::new("--decode takes a URI or -c FILE, not both").into()),
        "-" => {
            let bytes =
                crate::input::read_capped(std::io::stdin().lock(), "<stdin>", crate::input::URI)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| Usage::new("standard input is not UTF-8 text"))?;
            let uri = text.trim_matches(|c: char| c.is_ascii_whitespace());
            if uri.is_empty() {
                return Err(Usage::new("standard input is empty: no URI to decode").into());
            }
            Ok(uri.to_owned())
        }
        uri => Ok(uri.to_owned()),
    }
}

fn characters(n: usize) -> String {
    format!("{n} character{}", if n == 1 { "" } else { "s" })
}

/// `--decode`: the JSON shape.
#[derive(Debug, Serialize)]
pub struct Decoded {
    pub scheme: String,
    pub mode: Option<&'static str>,
    pub user: Option<String>,
    pub password: Option<&'static str>,
    pub host: Option<String>,
    /// The port Kratos dials, a number as in `courier uri` (0 when Go
    /// cannot read it; `null` when there is none).
    pub port: Option<i64>,
    pub params: Vec<(String, String)>,
    pub findings: Vec<crate::diag::JsonDiagnostic>,
}

fn decode(raw: &str, printer: &mut Printer) -> anyhow::Result<ExitStatus> {
    let mut redactor = crate::secret::Redactor::default();
    for s in crate::connection_uri::secrets(raw) {
        redactor.add(&s);
    }
    crate::secret::register(&redactor);
    let findings = crate::config::lint::uri::findings(raw);
    let parsed = SmtpUri::parse(raw).ok();
    let sources = crate::config::source::Sources::default();
    let decoded = Decoded {
        scheme: raw
            .split_once("://")
            .map_or_else(String::new, |(scheme, _)| scheme.to_owned()),
        mode: parsed.as_ref().map(|u| uri::mode_of(u).name()),
        user: parsed.as_ref().map(|u| u.username.clone()),
        password: parsed.as_ref().map(|u| {
            if u.has_password {
                crate::secret::MASK
            } else {
                ""
            }
        }),
        host: parsed.as_ref().map(|u| u.host.clone()),
        port: parsed
            .as_ref()
            .filter(|u| !u.port_text.is_empty())
            .map(|u| u.port),
        params: parsed.as_ref().map(|u| u.query.clone()).unwrap_or_default(),
        findings: findings
            .iter()
            .map(|d| d.to_json(&sources, &redactor))
            .collect(),
    };
    let has_error = findings.iter().any(|d| d.severity == Severity::Error);
    if printer.json_mode() {
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
                &format!("{} ({})", mode.name(), mode.describe()),
            ));
            out.push_str(&row("user", &format!("{:?}", u.username)));
            let pw = if u.has_password {
                format!("*** ({})", characters(u.password.expose().chars().count()))
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
