//! Arguments of the commands that drain or read a queue: `courier watch`
//! (Kratos' queue) and `courier log` (a journal, or Kratos' admin API).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::duration::parse_duration;

/// Arguments of `courier watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Messages in flight at once (each worker keeps one SMTP or HTTP
    /// connection)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Deliver what is queued, then exit (cron, tests); without it the
    /// worker runs until SIGTERM or Ctrl-C
    #[arg(long)]
    pub once: bool,

    /// The network whose messages to deliver [default: the oldest in the
    /// `networks` table, as Kratos picks it]
    #[arg(long, value_name = "UUID")]
    pub nid: Option<String>,

    /// Put messages left `processing` longer than this back in the queue
    /// (a crashed worker's, Kratos' or courier's): e.g. 10m. Longer than any
    /// send can take, or a slow message is sent twice
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub reclaim_after: Option<std::time::Duration>,

    /// Seconds for each deadline: SMTP and HTTP steps, database statements
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// How long the database may fail before the worker gives up (Kratos'
    /// worker: 15 minutes)
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub db_patience: std::time::Duration,

    /// How often a health line goes to stderr
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub health_every: std::time::Duration,

    /// Serve Prometheus metrics at /metrics/prometheus on this port (all
    /// interfaces, as Kratos' flag of the same name)
    #[arg(long, value_name = "PORT")]
    pub expose_metrics_port: Option<u16>,
}

/// Arguments of `courier log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The message to show with every attempt: its line in the batch input
    /// (a journal), or its id (Kratos)
    #[arg(value_name = "ID")]
    pub id: Option<String>,

    /// The journal [default: the only *.courier.db in the current directory]
    #[arg(long, value_name = "PATH", conflicts_with = "kratos")]
    pub journal: Option<PathBuf>,

    /// Read a running Kratos' courier queue through its admin API instead
    /// [URL default: $KRATOS_ADMIN_URL, else $ORY_SDK_URL; the Ory Network
    /// API key comes from $ORY_API_KEY (or $ORY_PROJECT_API_KEY) or a prompt]
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub kratos: Option<String>,

    /// Only messages in this state
    #[arg(long, value_enum, conflicts_with = "id")]
    pub status: Option<StatusArg>,

    /// Only messages to this recipient (exact match)
    #[arg(long, value_name = "ADDR", conflicts_with = "id")]
    pub recipient: Option<String>,

    /// Show at most N messages (Kratos lists the newest first)
    #[arg(long, value_name = "N", requires = "kratos", conflicts_with = "id")]
    pub limit: Option<u64>,

    /// Print only the summary: counts per state, queue lag, stuck messages
    #[arg(long, requires = "kratos", conflicts_with = "id")]
    pub summary: bool,

    /// Exit 1 when the queue has abandoned or stuck messages (for cron and
    /// monitoring probes)
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "WHAT",
        requires = "kratos"
    )]
    pub fail_on: Vec<FailOn>,

    /// A message `processing` for longer than this is stuck (a worker
    /// crashed holding it)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub stuck_after: std::time::Duration,

    /// Keep polling and print each message as it appears or changes state
    /// (Ctrl-C ends)
    #[arg(long, requires = "kratos", conflicts_with = "id")]
    pub watch: bool,

    /// Time between polls with --watch (1s to 1h)
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_interval)]
    pub interval: std::time::Duration,

    /// With --watch, stop after N polls
    #[arg(long, value_name = "N", requires = "watch")]
    pub polls: Option<u64>,

    /// Seconds each request to Kratos may take
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
}

/// What makes `courier log --kratos` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any abandoned message
    Abandoned,
    /// Any message processing for longer than --stuck-after
    Stuck,
}

/// A `--watch` interval: 1 s to 1 h.
fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if (1..=3600).contains(&d.as_secs()) {
        Ok(d)
    } else {
        Err(format!("{s:?}: give 1s to 1h"))
    }
}

/// A message state, as Kratos names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Queued,
    Processing,
    Sent,
    Abandoned,
}
