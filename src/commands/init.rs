//! `courier init`: a ready `courier:` section, printed or merged into an
//! identity config with the rest of the file (keys, comments, order) kept.

use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, InitArgs, ProviderArg, SmsArg, StrategyArg};
use crate::exit::{ExitStatus, fail};
use crate::output::Printer;

const SENDGRID: &str = include_str!("../../tests/examples/sendgrid.jsonnet");
const MAILGUN: &str = include_str!("../../tests/examples/mailgun.jsonnet");
const POSTMARK: &str = include_str!("../../tests/examples/postmark.jsonnet");
const SMS: &str = include_str!("../../tests/examples/sms.jsonnet");

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A body file to write: name and content.
struct BodyFile {
    name: &'static str,
    content: String,
}

/// Builds the section text and the body files it refers to.
fn section(args: &InitArgs, body_dir: &Path) -> anyhow::Result<(String, Vec<BodyFile>)> {
    let mut y = String::from("courier:\n");
    let mut files = Vec::new();
    let body_uri = |name: &str| {
        let p = body_dir.join(name);
        let shown = p.display().to_string();
        if p.is_absolute() || shown.starts_with("./") {
            format!("file://{shown}")
        } else {
            format!("file://./{shown}")
        }
    };
    match args.strategy {
        StrategyArg::Smtp => {
            let (parts, _) = super::uri::parts(&args.conn, true)?;
            let uri = crate::uri::build(&parts)
                .map_err(|e| fail(ExitStatus::Usage, e.to_string(), None))?;
            y.push_str("  delivery_strategy: smtp\n  smtp:\n");
            y.push_str(&format!("    connection_uri: {}\n", q(&uri)));
            y.push_str(&format!(
                "    from_address: {}\n    from_name: {}\n",
                q(&args.from_address),
                q(&args.from_name)
            ));
        }
        StrategyArg::Http => {
            let provider = args.conn.provider.ok_or_else(|| {
                fail(
                    ExitStatus::Usage,
                    "--strategy http needs --provider sendgrid|mailgun|mailgun-eu|postmark",
                    None,
                )
            })?;
            let key = if args.conn.password_stdin {
                super::uri::read_password(&args.conn, false)?
            } else {
                match crate::prompt::password_interactive(
                    "API key (not echoed; empty for a placeholder): ",
                ) {
                    Some(r) => r.map_err(|e| {
                        fail(
                            ExitStatus::Usage,
                            format!("cannot read the API key: {e}"),
                            None,
                        )
                    })?,
                    None => String::new(),
                }
            };
            let key = if key.is_empty() {
                "REPLACE_WITH_YOUR_API_KEY".to_owned()
            } else {
                key
            };
            let from_line = format!("{} <{}>", args.from_name, args.from_address);
            let (url, ct, template, name, auth) = match provider {
                ProviderArg::Sendgrid => (
                    "https://api.sendgrid.com/v3/mail/send".to_owned(),
                    "application/json",
                    SENDGRID,
                    "courier-sendgrid.jsonnet",
                    format!(
                        "        type: api_key\n        config:\n          name: Authorization\n          value: {}\n          in: header\n",
                        q(&format!("Bearer {key}"))
                    ),
                ),
                ProviderArg::Postmark => (
                    "https://api.postmarkapp.com/email".to_owned(),
                    "application/json",
                    POSTMARK,
                    "courier-postmark.jsonnet",
                    format!(
                        "        type: api_key\n        config:\n          name: X-Postmark-Server-Token\n          value: {}\n          in: header\n",
                        q(&key)
                    ),
                ),
                ProviderArg::Mailgun | ProviderArg::MailgunEu => {
                    let domain = args
                        .from_address
                        .rsplit('@')
                        .next()
                        .unwrap_or("example.com");
                    let api = if provider == ProviderArg::MailgunEu {
                        "api.eu.mailgun.net"
                    } else {
                        "api.mailgun.net"
                    };
                    (
                        format!("https://{api}/v3/{domain}/messages"),
                        "application/x-www-form-urlencoded",
                        MAILGUN,
                        "courier-mailgun.jsonnet",
                        format!(
                            "        type: basic_auth\n        config:\n          user: api\n          password: {}\n",
                            q(&key)
                        ),
                    )
                }
                ProviderArg::Ses => {
                    return Err(fail(
                        ExitStatus::Usage,
                        "SES is set up over SMTP here: use --strategy smtp --provider ses",
                        None,
                    ));
                }
            };
            let content = template
                .replace("Example Accounts <no-reply@mg.example.com>", &from_line)
                .replace(
                    "'no-reply@example.com'",
                    &format!("'{}'", args.from_address),
                )
                .replace("'Example Accounts'", &format!("'{}'", args.from_name));
            y.push_str("  delivery_strategy: http\n  http:\n    request_config:\n");
            y.push_str(&format!(
                "      url: {url}\n      method: POST\n      headers:\n        Content-Type: {ct}\n"
            ));
            y.push_str(&format!(
                "      body: {}\n      auth:\n{auth}",
                body_uri(name)
            ));
            files.push(BodyFile { name, content });
        }
    }
    if args.sms == Some(SmsArg::TwilioLike) {
        y.push_str("  channels:\n    - id: sms\n      type: http\n      request_config:\n");
        y.push_str("        url: https://api.twilio.com/2010-04-01/Accounts/REPLACE_ACCOUNT_SID/Messages.json\n");
        y.push_str("        method: POST\n        headers:\n          Content-Type: application/x-www-form-urlencoded\n");
        y.push_str(&format!(
            "        body: {}\n",
            body_uri("courier-sms.jsonnet")
        ));
        y.push_str("        auth:\n          type: basic_auth\n          config:\n            user: REPLACE_ACCOUNT_SID\n            password: REPLACE_AUTH_TOKEN\n");
        files.push(BodyFile {
            name: "courier-sms.jsonnet",
            content: SMS.to_owned(),
        });
    }
    Ok((y, files))
}

/// Replaces or appends the top-level `courier:` block of `text`.
pub fn merge_text(text: &str, section: &str, force: bool) -> Result<String, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_top_key =
        |l: &str| !l.starts_with([' ', '\t', '#', '\n', '\r', '-']) && !l.trim().is_empty();
    // The top-level key, in block (`courier:`) or flow (`courier: {}`) style.
    let start = lines.iter().position(|l| l.starts_with("courier:"));
    match start {
        Some(_) if !force => Err("the file already has a courier section".into()),
        Some(i) => {
            let mut end = i + 1;
            while end < lines.len() && !is_top_key(lines[end]) && !lines[end].starts_with('#') {
                end += 1;
            }
            // Trailing blank lines before the next key stay with the file.
            while end > i + 1 && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            let mut out: String = lines[..i].concat();
            out.push_str(section);
            out.push_str(&lines[end..].concat());
            Ok(out)
        }
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(section);
            Ok(out)
        }
    }
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
        std::fs::write(path, content).map_err(|e| {
            fail(
                ExitStatus::Failure,
                format!("cannot write {}: {e}", path.display()),
                None,
            )
        })
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
    let original = std::fs::read_to_string(target).map_err(|e| {
        fail(
            ExitStatus::NoInput,
            format!("cannot read {}: {e}", target.display()),
            None,
        )
    })?;
    let merged = merge_text(&original, &text, args.force).map_err(|m| {
        fail(
            ExitStatus::Config,
            format!("{}: {m}", target.display()),
            Some("pass --force to replace it"),
        )
    })?;
    write(target, &merged)?;
    printer.note(&format!(
        "courier: merged the courier section into {}",
        target.display()
    ));
    let env = super::kratos_env();
    let loaded = crate::config::load(std::slice::from_ref(target), &env)
        .map_err(|e| fail(ExitStatus::NoInput, e.to_string(), None))?;
    printer.protect(&loaded.redactor);
    let diags = crate::config::check(&loaded, &crate::config::lint::Options::default());
    let paint = printer.stderr_paint();
    for d in diags
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
    {
        printer.diag(&d.render_human(&loaded.sources, &loaded.redactor, &paint));
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .count();
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

#[cfg(test)]
mod tests {
    use super::merge_text;

    #[test]
    fn merge_replaces_block_and_flow_sections_and_appends_otherwise() {
        let section = "courier:\n  smtp: {}\n";
        let text = "a: 1\ncourier: {}\n# b's comment\nb: 2\n";
        assert!(merge_text(text, section, false).is_err());
        assert_eq!(
            merge_text(text, section, true).unwrap(),
            "a: 1\ncourier:\n  smtp: {}\n# b's comment\nb: 2\n"
        );
        let text = "a: 1\ncourier:\n  old: x\n\n  more: y\nb: 2\n";
        assert_eq!(
            merge_text(text, section, true).unwrap(),
            "a: 1\ncourier:\n  smtp: {}\nb: 2\n"
        );
        assert_eq!(
            merge_text("a: 1", section, false).unwrap(),
            "a: 1\n\ncourier:\n  smtp: {}\n"
        );
    }
}
