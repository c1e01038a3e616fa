//! One module per subcommand: each turns its arguments into calls and the
//! results into a report for the printer. No command imports another;
//! what they share (reading the config, printing its findings) is here.

pub mod check_config;
pub mod completions;
mod connection;
mod data;
pub mod init;
pub mod log;
pub mod render;
pub mod send;
pub mod test;
pub mod uri;
pub mod watch;

use crate::cli::{ChannelArg, GlobalArgs};
use crate::config::settings::Settings;
use crate::config::{self, Loaded, Unusable};
use crate::diag::Diagnostic;
use crate::exit::Usage;
use crate::message::Channel;
use crate::output::Printer;
use crate::release::Release;

/// The process environment as UTF-8 pairs (non-UTF-8 entries cannot be
/// Kratos overrides and are skipped).
#[must_use]
pub fn kratos_env() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    vars.sort();
    vars
}

/// Reads the config files and the environment, as Kratos does; the
/// printer learns its secrets.
pub fn read_config(global: &GlobalArgs) -> anyhow::Result<Loaded> {
    let env = kratos_env();
    if global.config.is_empty() && !env.iter().any(|(k, _)| k.starts_with("COURIER_")) {
        return Err(Usage::new("no config given")
            .hint("pass -c FILE (repeatable; `-` reads standard input)")
            .into());
    }
    Ok(config::load(&global.config, &env, global.kratos_version)?)
}

/// Prints findings on stderr, with their source lines.
pub fn print_diags(printer: &Printer, loaded: &Loaded, diags: &[Diagnostic]) {
    let paint = printer.stderr_paint();
    for d in diags {
        printer.diag(&d.render_human(&loaded.sources, &loaded.redactor, &paint));
    }
}

/// Which keys a command uses: errors elsewhere do not stop it.
pub type Uses = fn(&str) -> bool;

/// The keys that deliver a message of `channel`.
#[must_use]
pub fn delivery_keys(channel: Channel) -> Uses {
    match channel {
        Channel::Sms => |p| p.starts_with("courier.channels"),
        Channel::Email => |p| {
            p.starts_with("courier.smtp")
                || p.starts_with("courier.http")
                || p == "courier.delivery_strategy"
        },
    }
}

/// The config and its settings for a command that works from them,
/// refusing (exit 78) when the keys it `uses` have errors, which are
/// printed.
pub fn usable(
    global: &GlobalArgs,
    printer: &mut Printer,
    uses: Uses,
) -> anyhow::Result<(Loaded, Settings)> {
    let loaded = read_config(global)?;
    let blocking = loaded.blocking(&uses);
    if !blocking.is_empty() {
        print_diags(printer, &loaded, &blocking);
        return Err(Unusable {
            count: blocking.len(),
        }
        .into());
    }
    let settings = loaded.settings();
    Ok((loaded, settings))
}

/// The warning when an email's HTML template fails: Kratos logs the error
/// and goes on without the HTML.
#[must_use]
pub fn html_fallback_note(
    ty: &str,
    error: &crate::render::template::TemplateError,
    route: crate::config::settings::Route<'_>,
) -> String {
    let fallback = match route {
        crate::config::settings::Route::Smtp => "Kratos sends the text part alone",
        crate::config::settings::Route::Http(_) => "Kratos leaves html_body out of the ctx",
    };
    format!(
        "courier: warning: the HTML template of {ty} fails, so {fallback} (and logs the error): {error}"
    )
}

/// `--to`, trimmed; for an email it must be one bare address, as a batch
/// row's recipient must (it goes into the envelope exactly as written).
pub fn recipient(to: &str, channel: Channel) -> Result<String, Usage> {
    let to = to.trim();
    if channel == Channel::Email {
        crate::address::Address::parse(to).map_err(|e| {
            let usage = Usage::new(format!("--to {e}"));
            if matches!(e, crate::address::AddressError::List(_)) {
                usage.hint("--batch FILE sends one message per row")
            } else {
                usage
            }
        })?;
    }
    Ok(to.to_owned())
}

/// Refuses `-c` for a command that reads no config (it would be ignored
/// without a word).
pub fn no_config(global: &GlobalArgs, message: &str, instead: &str) -> Result<(), Usage> {
    if global.config.is_empty() {
        Ok(())
    } else {
        Err(Usage::new(message).hint(instead))
    }
}

/// `--template TYPE` that `channel` does not send: with the type meant
/// (a typo), or the channel that sends it.
#[must_use]
pub fn unknown_type(ty: &str, channel: Channel, release: Release) -> Usage {
    let all = channel.types(release);
    let other = match channel {
        Channel::Email => Channel::Sms,
        Channel::Sms => Channel::Email,
    };
    let hint = if other.types(release).contains(&ty) {
        format!(
            "Kratos sends `{ty}` by {0}: use --channel {0}",
            other.as_str()
        )
    } else if let Some(span) = channel.span_of(ty) {
        format!(
            "Kratos {release} does not send it by {}: {} (select your release with --kratos-version)",
            channel.as_str(),
            span.describe()
        )
    } else if let Some(meant) = crate::diag::did_you_mean(ty, all.iter().copied()) {
        format!("did you mean `{meant}`?")
    } else {
        format!("one of: {}", all.join(", "))
    };
    Usage::new(format!(
        "`{}` is not a template type Kratos {release} sends by {}",
        crate::diag::escape_controls(ty),
        channel.as_str()
    ))
    .hint(hint)
}

/// The channel of a `--channel` flag.
#[must_use]
pub fn channel_of(arg: ChannelArg) -> Channel {
    match arg {
        ChannelArg::Email => Channel::Email,
        ChannelArg::Sms => Channel::Sms,
    }
}
