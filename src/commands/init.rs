//! `courier init`: a ready `courier:` section, printed or merged into an
//! identity config with the rest of the file (keys, comments, order) kept.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{GlobalArgs, InitArgs, ProviderArg, SmsArg, StrategyArg};
use crate::config::section::{BodyFile, HasSection, Provider, Sender};
use crate::config::{self};
use crate::exit::{ExitStatus, Usage};
use crate::output::Printer;

/// The API key of an HTTP provider: standard input, a prompt, or a
/// placeholder.
fn api_key(args: &InitArgs) -> anyhow::Result<String> {
    let key = if args.conn.password_stdin {
        super::connection::read_password(&args.conn, false)?
    } else {
        match crate::prompt::password_interactive("API key (not echoed; empty for a placeholder): ")
        {
            Some(r) => r.map_err(|e| Usage::new(format!("cannot read the API key: {e}")))?,
            None => String::new(),
        }
    };
    Ok(if key.is_empty() {
        "REPLACE_WITH_YOUR_API_KEY".to_owned()
    } else {
        key
    })
}

/// Builds the section text and the body files it refers to.
fn section(args: &InitArgs, body_dir: &Path) -> anyhow::Result<(String, Vec<BodyFile>)> {
    let body_uri = |name: &str| {
        let p = body_dir.join(name);
        let shown = p.display().to_string();
        if p.is_absolute() || shown.starts_with("./") {
            format!("file://{shown}")
        } else {
            format!("file://./{shown}")
        }
    };
    let from = Sender {
        address: &args.from_address,
        name: &args.from_name,
    };
    let mut text = config::section::HEAD.to_owned();
    let mut files = Vec::new();
    match args.strategy {
        StrategyArg::Smtp => {
            let (parts, _) = super::connection::parts(&args.conn, true)?;
            let uri = crate::connection_uri::build::build(&parts)
                .map_err(|e| Usage::new(e.to_string()))?;
            text.push_str(&config::section::smtp(&uri, from));
        }
        StrategyArg::Http => {
            let provider = match args.conn.provider {
                Some(ProviderArg::Sendgrid) => Provider::Sendgrid,
                Some(ProviderArg::Postmark) => Provider::Postmark,
                Some(ProviderArg::Mailgun) => Provider::Mailgun { eu: false },
                Some(ProviderArg::MailgunEu) => Provider::Mailgun { eu: true },
                Some(ProviderArg::Ses) => {
                    return Err(Usage::new(
                        "SES is set up over SMTP here: use --strategy smtp --provider ses",
                    )
                    .into());
                }
                None => {
                    return Err(Usage::new(
                        "--strategy http needs --provider sendgrid|mailgun|mailgun-eu|postmark",
                    )
                    .into());
                }
            };
            let (yaml, file) = config::section::http(provider, &api_key(args)?, from, &body_uri);
            text.push_str(&yaml);
            files.push(file);
        }
    }
    if args.sms == Some(SmsArg::TwilioLike) {
        let (yaml, file) = config::section::sms_twilio_like(&body_uri);
        text.push_str(&yaml);
        files.push(file);
    }
    Ok((text, files))
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &InitArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let _ = global;
    let body_dir = args.body_dir.clone().unwrap_or_else(|| {
        args.merge
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let (text, files) = section(args, &body_dir)?;
    let write = |path: &Path, content: &str| -> anyhow::Result<()> {
        std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
    };
    for f in &files {
        let path = body_dir.join(f.name);
        if path.exists() {
            printer.note(&format!("courier: kept the existing {}", path.display()));
        } else {
            std::fs::create_dir_all(&body_dir).ok();
            write(&path, &f.content)?;
            printer.note(&format!("courier: wrote {}", path.display()));
        }
    }
    let Some(target) = &args.merge else {
        printer.out_raw(&text);
        if !files.is_empty() {
            printer.note("courier: Kratos resolves file:// bodies against its working directory; adjust the paths if it runs elsewhere");
        }
        return Ok(ExitStatus::Success);
    };
    let (_, original) = crate::input::read_text(target, crate::input::CONFIG)?;
    let merged = config::section::merge(&original, &text, args.force)
        .ok_or_else(|| HasSection(target.display().to_string()))?;
    write(target, &merged)?;
    printer.note(&format!(
        "courier: merged the courier section into {}",
        target.display()
    ));
    let env = super::kratos_env();
    let loaded = config::load(std::slice::from_ref(target), &env)?;
    let errors: Vec<_> = loaded
        .check(&config::lint::Options::default())
        .into_iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .collect();
    super::print_diags(printer, &loaded, &errors);
    let errors = errors.len();
    printer.out(&format!(
        "{}: {}",
        target.display(),
        if errors == 0 {
            "valid".to_owned()
        } else {
            format!("{errors} error(s)")
        }
    ));
    Ok(if errors == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Config
    })
}
