//! The command line, as clap derive types. Doc comments are the help text;
//! nothing here does any work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::delivery::smtp::Stage;
use crate::release::Release;
use help::{
    CHECK_CONFIG_HELP, COMPLETIONS_HELP, INIT_HELP, LOG_HELP, RENDER_HELP, SEND_HELP, TEST_HELP,
    URI_HELP, WATCH_HELP,
};

mod duration;
mod help;
mod queue;

use duration::parse_duration;

pub use queue::{FailOn, LogArgs, StatusArg, WatchArgs};

/// After the top-level help: the exit statuses (from the one table in
/// `exit.rs`) and the environment.
fn exit_codes_and_environment() -> String {
    format!(
        "{}\n\
Environment:
  Kratos' own overrides apply as Kratos applies them: COURIER_SMTP_CONNECTION_URI,
  COURIER_MESSAGE_RETRIES, COURIER_SMTP_HEADERS (JSON), COURIER_CHANNELS (JSON), ...
  DSN (Kratos' database, for `courier watch`) wins over the config's `dsn`.
  NO_COLOR disables colour; CLICOLOR_FORCE forces it.",
        crate::exit::help_table()
    )
}

/// Validate, probe, preview and send Ory Kratos courier messages exactly as
/// Kratos does.
///
/// courier reads a Kratos identity config (a whole kratos.yml or an Ory
/// Network `ory get identity-config` export), applies Kratos' environment
/// overrides, and works on its `courier` section.
#[derive(Debug, Parser)]
#[command(name = "courier", version, after_long_help = exit_codes_and_environment(), propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process arguments (exits with usage on error).
    #[must_use]
    pub fn from_args() -> Self {
        Self::parse()
    }
}

/// Options shared by every subcommand (listed under their own heading,
/// after the command's).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Identity config file (YAML or JSON); repeat to merge, later files win;
    /// `-` reads standard input
    #[arg(short = 'c', long = "config", value_name = "FILE", global = true)]
    pub config: Vec<PathBuf>,

    /// Output format: `human` for people, `json` for scripts (stdout only)
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,

    /// When to use colour on a terminal
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", global = true)]
    pub color: ColorChoice,

    /// Print only errors and results
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (repeat for more)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// The Kratos release to act as: its config schema, template types,
    /// Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0,
    /// v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master
    #[arg(
        long = "kratos-version",
        value_name = "VERSION",
        env = "COURIER_KRATOS_VERSION",
        default_value_t = Release::DEFAULT,
        value_parser = Release::parse,
        global = true
    )]
    pub kratos_version: Release,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the courier configuration as Kratos loads it, and report the
    /// traps that would make sends fail
    ///
    /// Reports every schema error Kratos would reject the config for, and
    /// every setting that passes the schema but fails or surprises at send
    /// time, each with its key path and file:line:column. Meant for CI.
    #[command(name = "check-config", after_long_help = CHECK_CONFIG_HELP)]
    CheckConfig(CheckConfigArgs),

    /// Probe the SMTP or HTTP server the way Kratos dials it, stage by stage,
    /// without sending
    ///
    /// SMTP: walks connect, banner, EHLO, STARTTLS or implicit TLS, EHLO, AUTH
    /// and, with --to, MAIL FROM and RCPT TO, then QUIT; never DATA. Prints a
    /// transcript (credentials masked), the TLS version, cipher and peer
    /// certificate, whether verification passed, the time of each stage, and
    /// on failure the stage that failed with a hint. HTTP (delivery_strategy
    /// http, or --channel sms): resolves, connects (through the proxy from the
    /// environment, if any), completes TLS, and shows the request `courier
    /// send --template` would send (the same composer), without sending it.
    #[command(name = "test", after_long_help = TEST_HELP)]
    Test(TestArgs),

    /// Render the messages of a template type: subject, plaintext, HTML or
    /// SMS text, the Jsonnet ctx and the exact HTTP request
    ///
    /// Renders the email (subject, plaintext, HTML) or SMS templates with
    /// Kratos' precedence (courier.templates URI, then
    /// template_override_path, then courier's built-ins) from realistic
    /// sample template_data (overridable with --data and --to), builds the
    /// Jsonnet ctx as Kratos builds it, evaluates the configured Jsonnet body
    /// as go-jsonnet does, and builds the request: method, URL, headers
    /// (secrets as ***) and body bytes.
    #[command(after_long_help = RENDER_HELP)]
    Render(RenderArgs),

    /// Send one message as Kratos would send it
    ///
    /// Over SMTP, builds the MIME message as Kratos' mailer does (From, To,
    /// Subject, the configured courier.smtp.headers last, text/plain or
    /// multipart/alternative, quoted-printable). Over HTTP (delivery_strategy
    /// http, or --channel sms), renders the Jsonnet body with the ctx of
    /// Kratos' `stub` template type and sends one request: 10 s, any 2xx is
    /// success.
    #[command(after_long_help = SEND_HELP)]
    Send(SendArgs),

    /// Show the delivery journal of a batch: every message's state,
    /// attempts and last error
    ///
    /// Lists the messages of a batch journal (`send --batch` writes one) as
    /// a table: id (the row's line in the input), state (queued, processing,
    /// sent, abandoned), attempts, recipient, template type, last update and
    /// last error. With an ID, shows that message and every attempt, newest
    /// first. `--format json` prints the same as JSON.
    #[command(after_long_help = LOG_HELP)]
    Log(LogArgs),

    /// Deliver the messages Kratos queued in its own database, as `kratos
    /// courier watch` does, with many workers and claims that cannot collide
    ///
    /// Reads Kratos' `dsn` (or DSN from the environment) and drains the
    /// courier queue of its network (the oldest, as Kratos picks it, or
    /// --nid): PostgreSQL, MySQL or MariaDB (claims with FOR UPDATE SKIP
    /// LOCKED, so any number of `courier watch` processes on any hosts can
    /// share the queue) or SQLite (one host). Each message is sent as the selected
    /// --kratos-version dispatches it (the stored subject and text, the HTML
    /// part rendered now, the HTTP ctx with its request headers), and
    /// recorded as Kratos records it: its status, send_count and a dispatch
    /// row. Kratos' own courier worker must be off.
    #[command(after_long_help = WATCH_HELP)]
    Watch(WatchArgs),

    /// Build a connection_uri from parts, or explain one with --decode
    ///
    /// Percent-encodes exactly what Kratos' parser needs (and checks it by
    /// parsing the result back), for the six security modes and the common
    /// providers. The password comes from standard input (--password-stdin)
    /// or a prompt without echo, never from a flag.
    #[command(after_long_help = URI_HELP)]
    Uri(UriArgs),

    /// Print a ready `courier:` section, or merge it into an identity config
    #[command(after_long_help = INIT_HELP)]
    Init(InitArgs),

    /// Print the shell completion script of bash, zsh, fish, powershell or
    /// elvish
    #[command(after_long_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
}

/// Arguments of `courier completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The completion script of a shell, from the command definition (the
/// copies in `completions/` are the same, checked by a test).
#[must_use]
pub fn completion_script(args: &CompletionsArgs) -> String {
    let mut out = Vec::new();
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(args.shell, &mut command, "courier", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A security mode of the connection URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// smtp:// (STARTTLS, verified), port 587
    Starttls,
    /// smtp://…?skip_ssl_verify=true
    StarttlsInsecure,
    /// smtp://…?disable_starttls=true, port 25
    Cleartext,
    /// smtps:// (implicit TLS, verified), port 465
    Tls,
    /// smtps://…?skip_ssl_verify=true
    TlsInsecure,
    /// smtps://…?server_name=NAME
    TlsServerName,
}

/// A provider preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    Mailgun,
    MailgunEu,
    Ses,
    Postmark,
    Sendgrid,
}

/// The parts of a connection.
#[derive(Debug, Args)]
pub struct ConnArgs {
    /// Security mode (default: the provider's, else starttls)
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,

    /// SMTP host (default: the provider's)
    #[arg(long)]
    pub host: Option<String>,

    /// Port (default: the mode's usual port)
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// User name
    #[arg(long)]
    pub user: Option<String>,

    /// Read the password (or API key, or token) from the first line of
    /// standard input
    #[arg(long)]
    pub password_stdin: bool,

    /// TLS server name (for --mode tls-server-name)
    #[arg(long)]
    pub server_name: Option<String>,

    /// Provider preset: host, port, mode and user-name convention
    #[arg(long, value_enum)]
    pub provider: Option<ProviderArg>,

    /// AWS region, for --provider ses
    #[arg(long)]
    pub region: Option<String>,
}

/// Arguments of `courier uri`.
#[derive(Debug, Args)]
pub struct UriArgs {
    #[command(flatten)]
    pub conn: ConnArgs,

    /// Explain an existing URI field by field (the password masked): URI,
    /// `-` to read it from standard input, or no value with -c FILE to read
    /// the config's courier.smtp.connection_uri
    #[arg(long, value_name = "URI", num_args = 0..=1, default_missing_value = "", conflicts_with_all = ["mode", "host", "port", "user", "password_stdin", "server_name", "provider", "region"])]
    pub decode: Option<String>,
}

/// The strategy of `courier init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    Smtp,
    Http,
}

/// SMS presets of `courier init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsArg {
    /// A Twilio-style form-encoded API with basic auth
    TwilioLike,
}

/// Arguments of `courier init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Send emails over SMTP or an HTTP API
    #[arg(long, value_enum)]
    pub strategy: StrategyArg,

    #[command(flatten)]
    pub conn: ConnArgs,

    /// Sender address
    #[arg(long, default_value = "no-reply@example.com")]
    pub from_address: String,

    /// Sender name
    #[arg(long, default_value = "Example")]
    pub from_name: String,

    /// Add an SMS channel
    #[arg(long, value_enum)]
    pub sms: Option<SmsArg>,

    /// Write the section into this identity config (keeping the rest)
    #[arg(long, value_name = "FILE")]
    pub merge: Option<PathBuf>,

    /// Replace an existing courier section when merging
    #[arg(long, requires = "merge")]
    pub force: bool,

    /// Where to write Jsonnet body files (default: next to --merge, else .)
    #[arg(long, value_name = "DIR")]
    pub body_dir: Option<PathBuf>,
}

/// A message channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Email,
    Sms,
}

/// What `courier render` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Everything, readably
    All,
    /// The ctx passed to the Jsonnet body
    Ctx,
    /// Exactly the request body bytes
    Payload,
    /// Method, URL, headers and body
    Request,
    /// The email subject, exactly
    Subject,
    /// The plaintext email body, exactly
    Text,
    /// The HTML email body, exactly
    Html,
    /// The SMS text, exactly
    Sms,
}

/// Arguments of `courier render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Template type, e.g. recovery_code_valid, login_code_valid
    #[arg(long, value_name = "TYPE", required_unless_present = "all_templates")]
    pub template: Option<String>,

    /// Render every template type of the channel
    #[arg(long, conflicts_with = "template")]
    pub all_templates: bool,

    /// The channel: email (courier.http) or sms (courier.channels)
    #[arg(long, value_enum, default_value_t = ChannelArg::Email)]
    pub channel: ChannelArg,

    /// Recipient (ctx.recipient and template_data.to)
    #[arg(long, value_name = "ADDR")]
    pub to: Option<String>,

    /// JSON or YAML merged over the sample template_data
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// What to print
    #[arg(long, value_enum, default_value_t = Part::All)]
    pub part: Part,

    /// Also write TYPE.eml (the MIME message as it would be sent) and
    /// TYPE.html for each email type, or TYPE.txt for SMS, into DIR
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write credential headers of courier.smtp.headers into the .eml files
    /// as they are (masked as *** by default)
    #[arg(long, requires = "out")]
    pub with_secrets: bool,
}

/// `--quit-after`: the SMTP stages a test can stop after.
fn quit_after() -> impl clap::builder::TypedValueParser<Value = Stage> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    PossibleValuesParser::new([
        PossibleValue::new("connect").help("After the TCP connection"),
        PossibleValue::new("banner").help("After the server's greeting"),
        PossibleValue::new("ehlo").help("After EHLO (or HELO)"),
        PossibleValue::new("tls").help("After STARTTLS or the implicit-TLS handshake"),
        PossibleValue::new("auth").help("After AUTH (the default without --to)"),
        PossibleValue::new("mail").help("After MAIL FROM"),
        PossibleValue::new("rcpt").help("After RCPT TO (the default with --to)"),
    ])
    .try_map(|name| name.parse::<Stage>())
}

/// Arguments of `courier test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// SMTP: also try MAIL FROM and RCPT TO for this address (never DATA);
    /// HTTP: the recipient of the request shown
    #[arg(long, value_name = "ADDR")]
    pub to: Option<String>,

    /// Stop after this stage and say QUIT (default: auth, or rcpt with --to)
    #[arg(long, value_name = "STAGE", value_parser = quit_after())]
    pub quit_after: Option<Stage>,

    /// Seconds for each deadline (Kratos uses 10)
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// The channel to probe: email (SMTP or courier.http) or sms (courier.channels)
    #[arg(long, value_enum, default_value_t = ChannelArg::Email)]
    pub channel: ChannelArg,

    /// For HTTP: the template type whose request is shown [default:
    /// recovery_code_valid for email, login_code_valid for SMS]
    #[arg(long, value_name = "TYPE")]
    pub template: Option<String>,

    /// For HTTP: JSON or YAML merged over the sample template_data
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

/// What to do with a bad row of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnBadRow {
    /// Report it and go on
    Skip,
    /// Report it and stop the batch
    Stop,
}

/// Arguments of `courier send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Recipient address (or phone number for --channel sms)
    #[arg(
        long,
        value_name = "ADDR",
        required_unless_present = "batch",
        conflicts_with = "batch"
    )]
    pub to: Option<String>,

    /// A batch: CSV with a header (a `to` column; optional `template`,
    /// `channel`, `data` and template-data columns) or JSON Lines; `-` reads
    /// standard input
    #[arg(long, value_name = "FILE")]
    pub batch: Option<PathBuf>,

    /// With --batch: render every message and validate every recipient,
    /// send nothing
    #[arg(long, requires = "batch")]
    pub dry_run: bool,

    /// With --batch: skip bad rows (reported with their line) or stop
    #[arg(long, value_enum, default_value_t = OnBadRow::Skip, requires = "batch")]
    pub on_bad_row: OnBadRow,

    /// Subject line (trimmed, as Kratos trims rendered subjects); email only
    #[arg(long, value_name = "TEXT")]
    pub subject: Option<String>,

    /// Plain-text body (the SMS text for --channel sms)
    #[arg(long, value_name = "TEXT", required_unless_present_any = ["template", "batch"])]
    pub text: Option<String>,

    /// Render the message from this template type instead of --subject/--text
    #[arg(long, value_name = "TYPE", conflicts_with_all = ["subject", "text", "html"])]
    pub template: Option<String>,

    /// With --template: JSON or YAML merged over the sample template_data
    #[arg(long, value_name = "FILE", requires = "template")]
    pub data: Option<PathBuf>,

    /// The channel: email (SMTP or courier.http) or sms (courier.channels)
    #[arg(long, value_enum, default_value_t = ChannelArg::Email)]
    pub channel: ChannelArg,

    /// HTML body; makes the message multipart/alternative
    #[arg(long, value_name = "HTML")]
    pub html: Option<String>,

    /// Seconds for each deadline (Kratos uses 10)
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// With --batch: messages in flight at once (each worker keeps one SMTP
    /// or HTTP connection)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 4, requires = "batch", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// With --batch: at most this many sends, evenly spaced, across all
    /// workers: N/s, N/m or N/h
    #[arg(long, value_name = "RATE", requires = "batch")]
    pub rate: Option<crate::batch::pace::Rate>,

    /// With --batch: the delivery journal (SQLite) [default: next to the
    /// input, FILE.courier.db; ./stdin.courier.db for standard input]
    #[arg(long, value_name = "PATH", requires = "batch")]
    pub journal: Option<PathBuf>,

    /// With --batch: send again the rows a previous run abandoned
    #[arg(long, requires = "batch")]
    pub retry_abandoned: bool,

    /// With --batch: send again the rows a crashed run left in flight (they
    /// may have been delivered; the default is at most once)
    #[arg(long, requires = "batch")]
    pub resend_uncertain: bool,

    /// With --batch: hand journal commits to the OS without waiting for the
    /// disk: faster where syncs are slow; a killed courier still loses
    /// nothing, a power loss or OS crash can lose or damage the journal
    #[arg(long, requires = "batch")]
    pub no_journal_sync: bool,

    /// With --batch: the wait before the first retry, doubled for each
    /// further one (with jitter, at most 60 s): e.g. 500ms, 1s, 2m
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, requires = "batch")]
    pub backoff: std::time::Duration,
}

/// Arguments of `courier check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// Treat warnings as errors (exit 78 when there is any warning)
    #[arg(long)]
    pub strict: bool,

    /// Also fetch `http(s)://` Jsonnet bodies and check them
    #[arg(long)]
    pub online: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
