//! courier: validate, probe, preview and send Ory Kratos courier messages
//! exactly as Kratos does.
//!
//! # Bird's-eye view
//!
//! A run parses the command line ([`cli`]), loads the identity config the
//! way Kratos does ([`config`]: files merged key by key, then environment
//! overrides), and hands typed data to one command module
//! ([`commands`]). Commands build reports; [`output::Printer`] is the only
//! writer, and [`exit`] maps outcomes to sysexits-style codes.
//!
//! # Codemap
//!
//! - `cli`: clap types only (the only `clap` user).
//! - `commands/`: one module per subcommand (`check_config`, `probe` and
//!   `probe_http` for `test`, `render`, `send`, `uri`, `init`, `log`), and
//!   `batch/` for `send --batch`: `compose` (row → wire bytes), `deliver`
//!   (the coordinator: rows, journal, retries, summary), `worker` (one
//!   connection per worker, verdicts).
//! - `config/`: `source` (YAML text → located tree; the only YAML user),
//!   `tree` (values with file:line:col), `env` (Kratos' env overrides),
//!   `schema` (Kratos' schema facts for `courier`), `lint` (send-time traps),
//!   `settings` (typed settings lifted for the commands that connect).
//! - `connection_uri`: Go's `net/url` rules and Kratos' reading of the SMTP
//!   URI; `uri`: building URIs (modes, providers).
//! - `smtp` (the client, stages, transcript), `tls` (rustls; the verifier
//!   that records its verdict), `cert` (x509 details), `mime` (the message as
//!   Kratos' mailer writes it), `transport` (settings → targets, hints).
//! - `request` (the HTTP request Kratos builds), `http` (the only `reqwest`
//!   user), `fetch` (`file://`, `base64://`, `http(s)://`).
//! - `render/`: `jsonnet` (the only `jrsonnet` user), `manifest` (go-jsonnet's
//!   output format), `template` (Go templates, Sprig, override precedence;
//!   the only `gotmpl` user) and the built-in templates.
//! - `sample`: sample template data and the HTTP ctx for every type.
//! - `recipients`: batch input (the only `csv` user); `journal`: the
//!   batch's SQLite delivery journal (the only `rusqlite` user); `pace`:
//!   `--rate` and retry backoff; `interrupt`: Ctrl-C as a flag (the only
//!   `ctrlc` user).
//! - `diag`: findings and their human/JSON renderings.
//! - `secret`: the `***` wrapper and the redactor; `prompt`: no-echo input.
//! - `output`: the printer (the only `colored` user, the only place that
//!   prints); `exit`: the exit-code table.
//!
//! # Invariants
//!
//! - A secret (URI password, API key, basic-auth password, credential
//!   header) is never printed: messages are built without them and every
//!   line goes through the redactor.
//! - Findings are results, failures are errors: an invalid config is a
//!   report with exit 78, not an `Err`.
//! - `check-config` touches the network only with `--online`; `render` and
//!   `test` never send a message; `test` never says DATA.
//! - A batch claims a message in its journal (`processing`) before sending
//!   it and records the verdict after: a killed run can leave a message
//!   uncertain, never sent twice unless `--resend-uncertain`. Only the
//!   coordinator thread writes the journal.

pub mod b64;
pub mod batch;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connection_uri;
pub mod delivery;
pub mod diag;
pub mod exit;
pub mod fetch;
pub mod gourl;
pub mod input;
pub mod interrupt;
pub mod message;
pub mod output;
pub mod prompt;
pub mod render;
pub mod secret;

use cli::{Cli, Command};
use exit::ExitStatus;
use output::Printer;

/// Runs a parsed command line and returns the exit status.
#[must_use]
pub fn run(cli: Cli) -> ExitStatus {
    let g = &cli.global;
    let mut printer = Printer::new(g.format, g.color, g.quiet, g.verbose);
    let result = match &cli.command {
        Command::CheckConfig(args) => commands::check_config::run(g, args, &mut printer),
        Command::Test(args) => commands::test::run(g, args, &mut printer),
        Command::Render(args) => commands::render::run(g, args, &mut printer),
        Command::Send(args) => commands::send::run(g, args, &mut printer),
        Command::Log(args) => commands::log::run(g, args, &printer),
        Command::Uri(args) => commands::uri::run(g, args, &mut printer),
        Command::Init(args) => commands::init::run(g, args, &mut printer),
    };
    match result {
        Ok(status) => status,
        Err(err) => {
            let (status, hint) = exit::classify(&err);
            printer.error(&err, status, hint.as_deref());
            status
        }
    }
}
