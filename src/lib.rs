//! courier: validate, probe, preview and send Ory Kratos courier messages
//! exactly as Kratos does.
//!
//! # Bird's-eye view
//!
//! A run parses the command line ([`cli`]) and hands it to one command
//! ([`commands`]). A command reads the identity config the way Kratos does
//! ([`config`]: files merged key by key, environment overrides, schema,
//! lint) and lifts its `courier` section once into typed
//! [`config::settings::Settings`]. Everything after works from those:
//! [`message::compose`] turns (template type, channel, recipient, data)
//! into the message as Kratos would send it, [`delivery`] sends it (SMTP or
//! HTTP) and judges every outcome in one place ([`delivery::verdict`]),
//! [`batch`] does that for thousands of rows under a pure coordinator.
//! Commands build reports; [`output::Printer`] is the only writer, and
//! [`exit`] decides the exit status once, from the error chain or the
//! verdict.
//!
//! # Codemap
//!
//! Layers from the top; a layer uses the ones below it, and no command
//! uses another (both checked by `tests/it/tidy.rs`).
//!
//! - `cli` (clap types only), `commands/` (one module per subcommand:
//!   `check_config`, `test/`, `render`, `send/` with the batch presenter,
//!   `log/` (a journal, or with `kratos` a running Kratos' queue), `uri`,
//!   `init`, `completions`; `connection` is what `uri` and `init` share,
//!   `data` the `--data` key check that `render`, `send` and `test` share).
//! - `output/` (the printer, the only `colored` user; `progress`, the only
//!   `indicatif` user), `exit` (the code table, [`exit::classify`]), `diag`
//!   (findings and their human/JSON forms).
//! - `batch/`: the driver (`mod.rs`: journal, rows, threads), `coordinator`
//!   (pure: rows and verdicts in, journal changes, jobs and events out),
//!   `worker` (a kept SMTP connection or the shared HTTP client per
//!   thread), `journal/` (SQLite; `view` for `courier log`), `recipients`
//!   (CSV/JSON Lines), `records` (rows split off the input: line numbers,
//!   CSV quotes, a BOM, the cap on one row), `rows` (a row over the
//!   command-line defaults), `pace` (`--rate`, backoff).
//! - `queue/`: a running Kratos' courier queue through its admin API (pages
//!   streamed by their `Link` header, bounded requests, the bearer token
//!   never shown), `model` (Kratos' message JSON), `explain` (a dispatch
//!   error matched to a hint and the key to change), `summary` (counts,
//!   lag, stuck messages).
//! - `message/`: `Channel` and the types, `sample` (template data per type),
//!   `ctx` (Kratos' Jsonnet ctx), `compose` (the one composer), `builtin`
//!   (courier's own templates and default body).
//! - `config/`: `source` (YAML → located tree; the only YAML user), `tree`,
//!   `env` (Kratos' overrides), `secrets`, `schema/` (the facts, formats,
//!   the walk), `lint/` (send-time traps by topic), `settings` (the typed
//!   lift), `data` (`--data` files), `section` (writing a section for
//!   `init`).
//! - `fetch/`: loading by URI as Kratos' fetcher does; `templates`
//!   (Kratos' override precedence), `body` (Jsonnet bodies).
//! - `render/`: `jsonnet` (the only `jrsonnet` user), `manifest`
//!   (go-jsonnet's printer), `template/` (Go templates: `lex` (Go's lexing of comments and trim
//!   markers), `compile`, `model`,
//!   `sprig/`; the only `gotmpl` user), `sandbox/` (where both are
//!   evaluated: worker processes of courier itself with a time limit per
//!   request and a heap cap; `handle` is the parent's side, `worker` the
//!   child's, the only `rlimit` user, `protocol` what crosses the pipe).
//! - `delivery/`: `smtp/` (session, reply and its bounds, dial, auth,
//!   transaction), `socket` (a TCP socket whose every read and write ends
//!   by a deadline), `tls` (the only `rustls` user; a verifier that
//!   records its verdict), `cert`,
//!   `mime` (the email as Kratos' mailer writes it), `header_address`
//!   (which configured address headers Kratos' mailer can read back),
//!   `encoded_word` (Go's RFC 2047 Q and B encodings, which both use),
//!   `http/` (the only
//!   `reqwest` user: one deadline per exchange, capped reads in `body`,
//!   the redirect policy in `redirect`; `guard` resolves only addresses
//!   the private-IP rule allows; `proxy` is Go's choice of proxy; `dial`
//!   walks to an endpoint and asks it with a `HEAD`, without sending a
//!   message), `ssrf/` (Kratos' private-IP rules per release: the ranges,
//!   the exception globs),
//!   `request` (the HTTP request Kratos builds), `verdict`.
//! - Shared below all: `address` (one bare email address, as the envelope
//!   carries it), `connection_uri/` (Kratos' reading of the SMTP URI;
//!   `build` makes one), `gourl` (Go's `net/url`), `release` (the Kratos
//!   releases courier acts as, and the span of each versioned fact),
//!   `input` (named inputs
//!   and the cap on each kind of local input), `secret` (`***`, the
//!   registry of known secrets, masking of outside text, URLs, source
//!   lines and credential names), `typo` (edit distance), `b64`, `prompt`,
//!   `interrupt`.
//!
//! # Invariants
//!
//! - A secret (URI password, API key, basic-auth password, credential
//!   header) is never printed: it is masked where output is built (text
//!   from outside scrubbed as it enters a result, URLs, headers and source
//!   lines masked by their structure); nothing rewrites printed text.
//!   Control characters from outside are escaped in human output.
//! - Every evaluation (Jsonnet, Go templates) runs in the sandbox, bounded
//!   in time, heap and output; no worker outlives its composer.
//! - Findings are results, failures are errors: an invalid config is a
//!   report with exit 78, a refused message a report with its verdict's
//!   status; `Err` means the command could not do its job.
//! - One composer, one verdict: `render`, `send`, `test` and batches show
//!   and send the same bytes for the same input, and judge outcomes alike.
//! - Every local input is read through its cap ([`input`]): a config file,
//!   a data file, a template, one batch row, a password on stdin. A batch
//!   itself is streamed.
//! - The envelope is exactly the address that was validated
//!   ([`address`]), carried from `--to` or the row to `RCPT TO`; it is
//!   never read back out of a header.
//! - `check-config` touches the network only with `--online`; `render` and
//!   `test` never send a message; `test` never says DATA.
//! - A hostile SMTP server cannot hold courier past a step's deadline
//!   (every socket read and write, TLS included, ends by it) nor make it
//!   keep more than a bounded reply (2 KiB a line, 100 lines, 64 KiB) and
//!   transcript (256 KiB); nothing read in cleartext is trusted after
//!   STARTTLS.
//! - A hostile server cannot hold courier or grow it: every HTTP exchange
//!   ends by its deadline, body included; fetched templates and bodies stop
//!   at 1 MiB and 30 s; a credential never follows a redirect to another
//!   origin.
//! - A batch claims a message in its journal (`processing`) just before
//!   sending it, in the commit that records the same worker's last verdict:
//!   a killed run leaves at most one message per worker uncertain, never
//!   sent twice unless `--resend-uncertain`. Only the driver thread writes
//!   the journal, a rollback journal whose file alone holds every commit.

pub mod address;
pub mod b64;
pub mod batch;
pub mod calendar;
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
pub mod queue;
pub mod release;
pub mod render;
pub mod secret;
pub mod typo;
pub mod watch;

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
        Command::Watch(args) => commands::watch::run(g, args, &mut printer),
        Command::Init(args) => commands::init::run(g, args, &mut printer),
        Command::Completions(args) => commands::completions::run(args, &printer),
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
