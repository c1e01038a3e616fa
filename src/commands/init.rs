//! `courier init`: a ready `courier:` section, printed or merged into an
//! identity config with the rest of the file (keys, comments, order) kept.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{GlobalArgs, InitArgs, ProviderArg, SmsArg, StrategyArg};
use crate::config::section::{BodyFile, MergeRefusal, Provider, Sender};
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
    super::no_config(
        global,
        "`courier init` reads no config (-c)",
        "--merge FILE names the config to write the section into",
    )?;
    if args.sms.is_some() && !global.kratos_version.has(crate::release::CHANNELS) {
        return Err(Usage::new(format!(
            "--sms writes a courier.channels entry, and Kratos {} has no channels",
            global.kratos_version
        ))
        .hint("Kratos v1.0.0 sends SMS through courier.sms: write that section by hand")
        .into());
    }
    let body_dir = args.body_dir.clone().unwrap_or_else(|| {
        args.merge
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let (text, files) = section(args, &body_dir)?;
    let Some(target) = &args.merge else {
        let written = write_bodies(&body_dir, &files)?;
        note_bodies(printer, &written);
        print_section(printer, &text);
        if !files.is_empty() {
            printer.note("courier: Kratos resolves file:// bodies against its working directory; adjust the paths if it runs elsewhere");
        }
        return Ok(ExitStatus::Success);
    };
    if target == Path::new("-") {
        return Err(
            Usage::new("--merge needs a file to write; leave it out to print the section").into(),
        );
    }
    if !target.exists() {
        return Err(MergeRefusal::Missing(target.display().to_string()).into());
    }
    let (name, original) = crate::input::read_text(target, crate::input::CONFIG)?;
    let merged = config::section::merge(&name, &original, &text, args.force)?;
    let written = write_bodies(&body_dir, &files)?;
    // The merged text is checked before the file is touched: a section
    // that would leave it failing its check is not written at all.
    let loaded = config::from_texts(
        vec![(name.clone(), merged.clone())],
        &super::kratos_env(),
        global.kratos_version,
    );
    // Errors in other sections were there before, and are not the merge's
    // to fix; they are counted in the verdict.
    let (errors, elsewhere): (Vec<_>, Vec<_>) = loaded
        .check(&config::lint::Options::default())
        .into_iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .partition(|d| d.path.is_empty() || d.path == "courier" || d.path.starts_with("courier."));
    if !errors.is_empty() {
        super::print_diags(printer, &loaded, &errors);
        for (path, created) in &written {
            if *created {
                std::fs::remove_file(path).ok();
            }
        }
        return Err(MergeRefusal::Invalid {
            file: name,
            errors: errors.len(),
        }
        .into());
    }
    write_atomically(target, &merged)?;
    note_bodies(printer, &written);
    printer.note(&format!("courier: merged the courier section into {name}"));
    if printer.json_mode() {
        printer.json(&Merged {
            file: name,
            errors_elsewhere: elsewhere.len(),
        });
    } else if elsewhere.is_empty() {
        printer.out(&format!("{name}: valid"));
    } else {
        printer.out(&format!(
            "{name}: the courier section is valid; {} error(s) elsewhere (`courier check-config` lists them)",
            elsewhere.len()
        ));
    }
    Ok(ExitStatus::Success)
}

/// The JSON result of `init --merge` (a public interface).
#[derive(Debug, serde::Serialize)]
pub struct Merged {
    pub file: String,
    /// Errors in other sections, there before the merge.
    pub errors_elsewhere: usize,
}

/// The section: YAML text, or with `--format json` the same as a JSON
/// document (`{"courier": {...}}`, a config Kratos reads as it is).
fn print_section(printer: &Printer, text: &str) {
    if printer.json_mode()
        && let Ok(doc) = config::source::parse(text, 0)
    {
        printer.json(&doc.to_json());
    } else {
        printer.out_raw(text);
    }
}

/// Writes the body files that do not exist yet; each path with whether it
/// was written now.
fn write_bodies(dir: &Path, files: &[BodyFile]) -> anyhow::Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for f in files {
        let path = dir.join(f.name);
        let created = !path.exists();
        if created {
            std::fs::create_dir_all(dir).ok();
            std::fs::write(&path, &f.content)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        out.push((path, created));
    }
    Ok(out)
}

fn note_bodies(printer: &mut Printer, written: &[(PathBuf, bool)]) {
    for (path, created) in written {
        let verb = if *created {
            "wrote"
        } else {
            "kept the existing"
        };
        printer.note(&format!("courier: {verb} {}", path.display()));
    }
}

/// Replaces `target` in one step: the text goes to a new file in the same
/// folder (with the target's permissions), then is renamed over it, so a
/// crash or a full disk leaves the old file or the new one, never half of
/// one. A symbolic link is followed, and stays a link.
fn write_atomically(target: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let real = std::fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf());
    let dir = real
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = real
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{file_name}.courier-{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.set_permissions(std::fs::metadata(&real)?.permissions())?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, &real)
    })();
    if result.is_err() {
        std::fs::remove_file(&temp).ok();
    }
    result.with_context(|| format!("cannot write {}", target.display()))
}
