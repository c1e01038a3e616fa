//! The parts of a connection URI from `--mode`, `--host`, `--port`,
//! `--user`, `--provider` and the password (from standard input or a
//! prompt, never a flag), for `courier uri` and `courier init`.

use crate::cli::{ConnArgs, ModeArg, ProviderArg};
use crate::connection_uri::build::{self, Mode, Parts, Preset};
use crate::exit::Usage;

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

/// The password: from stdin, else a prompt, else none (`required` makes
/// "none" an error). One over its cap is bad input (exit 65).
pub fn read_password(conn: &ConnArgs, required: bool) -> anyhow::Result<String> {
    use crate::input::InputError;
    if conn.password_stdin {
        let password = crate::prompt::password_from_stdin().map_err(|e| match e {
            InputError::TooLarge(t) => anyhow::Error::from(t),
            InputError::Unreadable(u) => Usage::new(format!(
                "cannot read the password from standard input: {}",
                u.source
            ))
            .into(),
        })?;
        // An empty first line is a mistake (an empty file, an unset
        // variable), never a password: the URI would log in without one.
        if password.is_empty() {
            return Err(
                Usage::new("the first line of standard input is empty: no password")
                    .hint("give it as the first line, e.g. `--password-stdin < password.txt`")
                    .into(),
            );
        }
        return Ok(password);
    }
    match crate::prompt::password_interactive("Password (not echoed): ") {
        Some(Ok(p)) if p.is_empty() && required => Err(Usage::new("the password is empty").into()),
        Some(r) => r.map_err(|e| Usage::new(format!("cannot read the password: {e}")).into()),
        None if required => Err(Usage::new("no password: standard input is not a terminal")
            .hint("pass it on standard input with --password-stdin (never as a flag)")
            .into()),
        None => Ok(String::new()),
    }
}

fn provider_name(p: ProviderArg) -> &'static str {
    match p {
        ProviderArg::Mailgun => "mailgun",
        ProviderArg::MailgunEu => "mailgun-eu",
        ProviderArg::Ses => "ses",
        ProviderArg::Postmark => "postmark",
        ProviderArg::Sendgrid => "sendgrid",
    }
}

fn preset_of(conn: &ConnArgs) -> Result<Option<Preset>, Usage> {
    let Some(p) = conn.provider else {
        return Ok(None);
    };
    let preset = build::preset(provider_name(p), conn.region.as_deref()).map_err(Usage::new)?;
    // Mailgun and SES have no fixed user name: without one the URI logs in
    // as nobody, and every send fails authentication.
    let given = conn.user.as_deref().is_some_and(|u| !u.is_empty());
    if preset.user.is_none() && !preset.token_is_user && !given {
        return Err(Usage::new(format!(
            "--provider {} needs --user, the SMTP login",
            provider_name(p)
        ))
        .hint(preset.note));
    }
    Ok(Some(preset))
}

/// Resolves the parts from flags and the provider preset.
pub fn parts(conn: &ConnArgs, need_password: bool) -> anyhow::Result<(Parts, Option<Preset>)> {
    let preset = preset_of(conn)?;
    let host = conn
        .host
        .clone()
        .or_else(|| preset.as_ref().map(|p| p.host.clone()))
        .ok_or_else(|| {
            Usage::new("--host is needed (or --provider)")
                .hint("`courier uri --decode URI` explains an existing URI")
        })?;
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
        return Err(Usage::new(format!(
            "this provider's user name is `{fixed}`, not {given:?}"
        ))
        .into());
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
    let parts = Parts {
        mode,
        host,
        port,
        user,
        password,
        server_name: conn.server_name.clone(),
    };
    Ok((parts, preset))
}
