//! `courier test`: reach the server the way Kratos dials it, stage by
//! stage, without sending: over SMTP (`smtp`) or HTTP (`http`).

mod http;
mod report;
mod smtp;

use crate::cli::{GlobalArgs, TestArgs};
use crate::config::settings::Route;
use crate::exit::ExitStatus;
use crate::output::Printer;

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &TestArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let channel = super::channel_of(args.channel);
    let (_, settings) = super::usable(global, printer, super::delivery_keys(channel))?;
    match settings.route(channel)? {
        Route::Http(cfg) => http::run(&settings, cfg, channel, args, printer),
        Route::Smtp => smtp::run(&settings, args, printer),
    }
}
