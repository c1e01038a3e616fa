//! Exit statuses: the one table (sysexits, the convention of mail tools),
//! printed in `courier --help` and the README and checked against both by
//! a test; and the one place that decides a status: from an error chain
//! ([`classify`]), a delivery outcome ([`of_class`]) or a batch summary
//! ([`of_batch`]).

use std::process::ExitCode;

use crate::batch::coordinator::{StopCause, Stopped};
use crate::batch::journal::JournalError;
use crate::batch::journal::view::{NoJournal, NoMessage};
use crate::batch::{DrySummary, Summary};
use crate::config::Unusable;
use crate::config::data::DataError;
use crate::config::section::MergeRefusal;
use crate::config::settings::SettingsError;
use crate::delivery::http::FetchError;
use crate::delivery::mime::MimeError;
use crate::delivery::verdict::Class;
use crate::fetch::LoadError;
use crate::fetch::body::BodyError;
use crate::input::{InputError, TooLarge, Unreadable};
use crate::message::compose::ComposeError;
use crate::queue::QueueError;
use crate::render::jsonnet::JsonnetError;
use crate::render::template::TemplateError;
use crate::watch::WatchError;
use crate::watch::dsn::DsnError;
use crate::watch::queue::DbError;

/// What the process reports to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
    Usage,
    DataErr,
    NoInput,
    Unavailable,
    TempFail,
    Protocol,
    NoPerm,
    Config,
    Interrupted,
}

/// Every status, its code and what it means (the README and `--help`
/// print this table).
pub const TABLE: &[(ExitStatus, u8, &str)] = &[
    (
        ExitStatus::Success,
        0,
        "success (warnings allowed, unless --strict)",
    ),
    (
        ExitStatus::Failure,
        1,
        "a batch left messages unsent; log --fail-on found some; unclassified errors",
    ),
    (ExitStatus::Usage, 2, "usage error"),
    (
        ExitStatus::DataErr,
        65,
        "bad input data: Jsonnet or template error, bad rows of a batch, an input over its size cap",
    ),
    (
        ExitStatus::NoInput,
        66,
        "a named input file (or a batch journal) is missing or unreadable",
    ),
    (
        ExitStatus::Unavailable,
        69,
        "cannot deliver: unreachable or a private IP refused, TLS or auth failure, rejection",
    ),
    (
        ExitStatus::TempFail,
        75,
        "temporary failure: SMTP 4xx, HTTP 429/5xx, timeout; a journal in use",
    ),
    (
        ExitStatus::Protocol,
        76,
        "a server answered what courier cannot read (Kratos' admin API)",
    ),
    (
        ExitStatus::NoPerm,
        77,
        "permission denied: Kratos' admin API refused the API key",
    ),
    (
        ExitStatus::Config,
        78,
        "invalid configuration (or a warning, with check-config --strict)",
    ),
    (
        ExitStatus::Interrupted,
        130,
        "interrupted (Ctrl-C, SIGTERM)",
    ),
];

impl ExitStatus {
    /// The numeric code.
    #[must_use]
    pub fn code(self) -> u8 {
        TABLE
            .iter()
            .find(|(s, ..)| *s == self)
            .map_or(1, |(_, code, _)| *code)
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// The table as `--help` prints it.
#[must_use]
pub fn help_table() -> String {
    let mut out = String::from("Exit status:\n");
    for (_, code, meaning) in TABLE {
        out.push_str(&format!("  {code:<4} {meaning}\n"));
    }
    out
}

/// A usage error found after parsing (flags that do not go together,
/// values clap cannot check).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Usage {
    pub message: String,
    pub hint: Option<String>,
}

impl Usage {
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The exit status of a final delivery outcome.
#[must_use]
pub fn of_class(class: Class) -> ExitStatus {
    match class {
        Class::Ok => ExitStatus::Success,
        Class::Temporary => ExitStatus::TempFail,
        Class::Permanent => ExitStatus::Unavailable,
    }
}

/// The exit status of a batch that ran to its end (or was interrupted).
#[must_use]
pub fn of_batch(s: &Summary) -> ExitStatus {
    let c = &s.counts;
    if s.interrupted {
        ExitStatus::Interrupted
    } else if c.bad > 0 || s.stopped {
        ExitStatus::DataErr
    } else if c.abandoned + c.uncertain + c.skipped_abandoned + c.queued > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// The exit status of a dry run.
#[must_use]
pub fn of_dry_run(s: &DrySummary) -> ExitStatus {
    if s.bad == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::DataErr
    }
}

/// The status and hint an error chain carries: the first link courier
/// knows decides; anything else is 1.
#[must_use]
pub fn classify(err: &anyhow::Error) -> (ExitStatus, Option<String>) {
    for cause in err.chain() {
        if let Some(found) = classify_one(cause) {
            return found;
        }
    }
    (ExitStatus::Failure, None)
}

fn classify_one(e: &(dyn std::error::Error + 'static)) -> Option<(ExitStatus, Option<String>)> {
    use ExitStatus::{Config, DataErr, NoInput};
    let status = |s: ExitStatus| Some((s, None));
    let hinted = |s: ExitStatus, h: &str| Some((s, Some(h.to_owned())));
    if let Some(u) = e.downcast_ref::<Usage>() {
        return Some((ExitStatus::Usage, u.hint.clone()));
    }
    if e.is::<Unreadable>() {
        return status(NoInput);
    }
    if e.is::<TooLarge>() {
        return status(DataErr);
    }
    if let Some(i) = e.downcast_ref::<InputError>() {
        return status(input(i));
    }
    if e.is::<Unusable>() {
        return hinted(Config, "`courier check-config` lists every finding");
    }
    if let Some(n) = e.downcast_ref::<NoJournal>() {
        return match n {
            NoJournal::None => hinted(
                NoInput,
                "give one with --journal PATH; `send --batch FILE` writes FILE.courier.db",
            ),
            NoJournal::Several(_) => hinted(ExitStatus::Usage, "pick one with --journal PATH"),
        };
    }
    if e.is::<NoMessage>() {
        return hinted(
            NoInput,
            "the id is the row's line in the batch input; `courier log` lists them",
        );
    }
    if let Some(q) = e.downcast_ref::<QueueError>() {
        let code = match q {
            QueueError::Unreachable { .. }
            | QueueError::NotFound { .. }
            | QueueError::Failed { .. } => ExitStatus::Unavailable,
            QueueError::Refused { .. } => ExitStatus::NoPerm,
            QueueError::Malformed { .. } => ExitStatus::Protocol,
            QueueError::NoMessage { .. } => NoInput,
            QueueError::BadUrl(_) => ExitStatus::Usage,
        };
        return Some((code, q.hint().map(str::to_owned)));
    }
    if let Some(found) = classify_watch(e) {
        return Some(found);
    }
    if let Some(m) = e.downcast_ref::<MergeRefusal>() {
        let code = match m {
            MergeRefusal::HasSection(_)
            | MergeRefusal::NotBlockYaml(_)
            | MergeRefusal::Layout(_) => ExitStatus::Usage,
            MergeRefusal::Missing(_) => ExitStatus::NoInput,
            MergeRefusal::Unparsable { .. } | MergeRefusal::Invalid { .. } => Config,
        };
        return hinted(code, m.hint());
    }
    if let Some(s) = e.downcast_ref::<SettingsError>() {
        return hinted(Config, s.hint());
    }
    if let Some(c) = e.downcast_ref::<ComposeError>() {
        return compose(c);
    }
    if let Some(b) = e.downcast_ref::<BodyError>() {
        return body(b);
    }
    if let Some(d) = e.downcast_ref::<DataError>() {
        return match d {
            DataError::Input(i) => status(input(i)),
            _ => status(DataErr),
        };
    }
    if e.is::<JsonnetError>() || e.is::<TemplateError>() || e.is::<MimeError>() {
        return status(DataErr);
    }
    if let Some(j) = e.downcast_ref::<JournalError>() {
        return of_journal(j);
    }
    if let Some(s) = e.downcast_ref::<Stopped>() {
        let code = match s.cause {
            StopCause::Server(class) => of_class(class),
            StopCause::ChangedInput => DataErr,
        };
        return Some((code, s.hint.clone()));
    }
    None
}

/// The statuses of `courier watch`'s own errors (the DSN, the database).
fn classify_watch(e: &(dyn std::error::Error + 'static)) -> Option<(ExitStatus, Option<String>)> {
    use ExitStatus::{Config, DataErr};
    let hinted = |s: ExitStatus, h: &str| Some((s, Some(h.to_owned())));
    if let Some(d) = e.downcast_ref::<DsnError>() {
        return hinted(
            Config,
            match d {
                DsnError::Missing => "Kratos' config has it as `dsn`; courier watch reads the same",
                _ => {
                    "the DSN Kratos uses, e.g. postgres://user:pass@host:5432/kratos?sslmode=disable"
                }
            },
        );
    }
    if let Some(d) = e.downcast_ref::<DbError>() {
        return Some(match d {
            DbError::Connect(_) => (
                ExitStatus::Unavailable,
                Some("check the DSN's host, port and credentials".into()),
            ),
            DbError::Tls(_) => (
                ExitStatus::Unavailable,
                Some(
                    "sslmode=verify-ca and verify-full check the certificate against the \
                     system roots (SSL_CERT_FILE names a CA file); require encrypts without \
                     checking, as Kratos' driver does"
                        .into(),
                ),
            ),
            DbError::Schema(_) => (
                DataErr,
                Some("run Kratos' migrations (`kratos migrate sql`) against this database".into()),
            ),
            DbError::Network(_) => (Config, None),
            DbError::NoFile(_) => (
                ExitStatus::NoInput,
                Some("the path after sqlite:// is Kratos' database file (sqlite:///var/lib/kratos/db.sqlite)".into()),
            ),
            DbError::Statement(_) => (ExitStatus::TempFail, None),
        });
    }
    if let Some(w) = e.downcast_ref::<WatchError>() {
        return match w {
            WatchError::Db(d) => classify_one(d),
            WatchError::Server(_, class) => Some((of_class(*class), None)),
        };
    }
    None
}

/// The status of a journal that cannot be used.
fn of_journal(j: &JournalError) -> Option<(ExitStatus, Option<String>)> {
    use ExitStatus::{NoInput, TempFail};
    let hinted = |s: ExitStatus, h: &str| Some((s, Some(h.to_owned())));
    if j.damaged() {
        hinted(
            NoInput,
            "the journal is damaged: move it away and rerun to start afresh (rows it recorded as sent would go out again), or restore a copy",
        )
    } else if j.busy && j.reading {
        hinted(
            TempFail,
            "the running batch shows its own progress; read its journal once it ends",
        )
    } else if j.busy {
        hinted(
            TempFail,
            "wait for that run to finish, or give this one another --journal",
        )
    } else if j.reading {
        Some((NoInput, None))
    } else {
        hinted(NoInput, "give a writable place with --journal PATH")
    }
}

/// A missing or unreadable input is 66; one over its cap is bad input.
fn input(i: &InputError) -> ExitStatus {
    match i {
        InputError::Unreadable(_) => ExitStatus::NoInput,
        InputError::TooLarge(_) => ExitStatus::DataErr,
    }
}

fn compose(c: &ComposeError) -> Option<(ExitStatus, Option<String>)> {
    let hint = c.hint().map(str::to_owned);
    let code = match c {
        ComposeError::UnknownType { .. } | ComposeError::NoRecipient => ExitStatus::Usage,
        ComposeError::Settings(_) | ComposeError::Request(_) => ExitStatus::Config,
        ComposeError::Body(b) => return body(b),
        ComposeError::Template(_)
        | ComposeError::Recipient(_)
        | ComposeError::JsonnetSyntax { .. }
        | ComposeError::Jsonnet { .. } => ExitStatus::DataErr,
    };
    Some((code, hint))
}

fn body(b: &BodyError) -> Option<(ExitStatus, Option<String>)> {
    let code = match b {
        BodyError::Missing => ExitStatus::Config,
        BodyError::Load(LoadError::Http {
            source: FetchError::TooLarge,
            ..
        }) => ExitStatus::DataErr,
        BodyError::Load(LoadError::Http {
            source: FetchError::Timeout(_),
            ..
        }) => ExitStatus::TempFail,
        BodyError::NotFetched(_) | BodyError::Load(LoadError::Http { .. }) => {
            ExitStatus::Unavailable
        }
        BodyError::Load(LoadError::File { .. }) => ExitStatus::NoInput,
        BodyError::Load(_) => ExitStatus::DataErr,
    };
    Some((code, b.hint().map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ExitStatus, TABLE, Usage, classify};
    use crate::batch::coordinator::{StopCause, Stopped};
    use crate::batch::journal::JournalError;
    use crate::batch::journal::view::{NoJournal, NoMessage};
    use crate::config::Unusable;
    use crate::config::data::DataError;
    use crate::config::section::MergeRefusal;
    use crate::config::settings::SettingsError;
    use crate::delivery::http::FetchError;
    use crate::delivery::mime::MimeError;
    use crate::delivery::request::RequestError;
    use crate::delivery::verdict::Class;
    use crate::fetch::LoadError;
    use crate::fetch::body::BodyError;
    use crate::input::{CONFIG, InputError, TooLarge, Unreadable};
    use crate::message::Channel;
    use crate::message::compose::ComposeError;
    use crate::queue::QueueError;
    use crate::render::jsonnet::{JsonnetError, JsonnetErrorKind};
    use crate::render::template::TemplateError;

    #[test]
    fn codes_follow_sysexits() {
        assert_eq!(ExitStatus::Config.code(), 78);
        assert_eq!(ExitStatus::NoInput.code(), 66);
        assert_eq!(ExitStatus::Unavailable.code(), 69);
        assert_eq!(ExitStatus::TempFail.code(), 75);
        assert_eq!(ExitStatus::Protocol.code(), 76);
        assert_eq!(ExitStatus::NoPerm.code(), 77);
        assert_eq!(TABLE.len(), 11);
    }

    #[test]
    fn queue_errors_have_their_codes() {
        let code = |e: QueueError| classify(&anyhow::Error::new(e)).0;
        assert_eq!(
            code(QueueError::Refused {
                status: 401,
                message: None
            }),
            ExitStatus::NoPerm
        );
        assert_eq!(
            code(QueueError::Malformed {
                url: "u".into(),
                reason: "r".into()
            }),
            ExitStatus::Protocol
        );
        assert_eq!(
            code(QueueError::NoMessage { id: "x".into() }),
            ExitStatus::NoInput
        );
        assert_eq!(
            code(QueueError::Unreachable {
                url: "u".into(),
                reason: "r".into()
            }),
            ExitStatus::Unavailable
        );
    }

    fn journal(busy: bool, reading: bool) -> JournalError {
        JournalError {
            path: "j.db".into(),
            message: "x".into(),
            busy,
            reading,
        }
    }

    fn jsonnet() -> JsonnetError {
        JsonnetError {
            kind: JsonnetErrorKind::Runtime,
            message: "x".into(),
            line: None,
            column: None,
        }
    }

    fn fetched(source: FetchError) -> LoadError {
        LoadError::Http {
            url: "https://example.com/b.jsonnet".into(),
            source,
        }
    }

    fn io(kind: std::io::ErrorKind) -> std::io::Error {
        std::io::Error::from(kind)
    }

    fn stopped(cause: StopCause) -> Stopped {
        Stopped {
            cause,
            message: "x".into(),
            hint: Some("h".into()),
        }
    }

    #[test]
    fn input_config_and_composer_errors() {
        use ExitStatus::{Config, DataErr, NoInput, Unavailable};
        let template = TemplateError {
            origin_text: "t".into(),
            message: "x".into(),
            line: None,
        };
        let unreadable = || Unreadable {
            name: "f".into(),
            source: io(std::io::ErrorKind::NotFound),
        };
        let too_large = || TooLarge {
            name: "/dev/zero".into(),
            cap: CONFIG,
        };
        let file = || LoadError::File {
            path: "b.jsonnet".into(),
            source: io(std::io::ErrorKind::NotFound),
        };
        let rows: Vec<(anyhow::Error, ExitStatus)> = vec![
            (Usage::new("x").into(), ExitStatus::Usage),
            (unreadable().into(), NoInput),
            (Unusable { count: 1 }.into(), Config),
            (SettingsError::NoPort.into(), Config),
            (
                ComposeError::UnknownType {
                    ty: "t".into(),
                    channel: Channel::Sms,
                }
                .into(),
                ExitStatus::Usage,
            ),
            (ComposeError::Template(template.clone()).into(), DataErr),
            (
                ComposeError::Jsonnet {
                    name: "b".into(),
                    error: jsonnet(),
                }
                .into(),
                DataErr,
            ),
            (
                ComposeError::JsonnetSyntax {
                    name: "b".into(),
                    error: jsonnet(),
                }
                .into(),
                DataErr,
            ),
            (
                ComposeError::Request(RequestError::ContentType("text/plain".into())).into(),
                Config,
            ),
            (
                ComposeError::Settings(SettingsError::NoSmsChannel).into(),
                Config,
            ),
            (ComposeError::Body(BodyError::Missing).into(), Config),
            (ComposeError::Body(BodyError::Load(file())).into(), NoInput),
            (BodyError::NotFetched("b".into()).into(), Unavailable),
            (
                BodyError::Load(LoadError::Base64("x".into())).into(),
                DataErr,
            ),
            (
                BodyError::Load(fetched(FetchError::Status(404))).into(),
                Unavailable,
            ),
            (
                BodyError::Load(fetched(FetchError::TooLarge)).into(),
                DataErr,
            ),
            (
                BodyError::Load(fetched(FetchError::Timeout(Duration::from_secs(30)))).into(),
                ExitStatus::TempFail,
            ),
            (DataError::Input(unreadable().into()).into(), NoInput),
            (DataError::Input(too_large().into()).into(), DataErr),
            (InputError::from(unreadable()).into(), NoInput),
            (InputError::from(too_large()).into(), DataErr),
            (too_large().into(), DataErr),
            (DataError::NotMapping("d".into()).into(), DataErr),
            (jsonnet().into(), DataErr),
            (template.into(), DataErr),
            (MimeError::Address { field: "Cc".into() }.into(), DataErr),
        ];
        for (err, want) in rows {
            let text = err.to_string();
            let err = err.context("outer context");
            assert_eq!(classify(&err).0, want, "{text}");
        }
    }

    #[test]
    fn journal_batch_and_other_errors() {
        use ExitStatus::{Config, DataErr, Failure, NoInput, TempFail, Unavailable};
        let rows: Vec<(anyhow::Error, ExitStatus)> = vec![
            (journal(true, false).into(), TempFail),
            (journal(false, false).into(), NoInput),
            (journal(false, true).into(), NoInput),
            (
                stopped(StopCause::Server(Class::Temporary)).into(),
                TempFail,
            ),
            (
                stopped(StopCause::Server(Class::Permanent)).into(),
                Unavailable,
            ),
            (stopped(StopCause::ChangedInput).into(), DataErr),
            (NoJournal::None.into(), NoInput),
            (
                NoJournal::Several(vec!["a".into()]).into(),
                ExitStatus::Usage,
            ),
            (
                NoMessage {
                    id: 1,
                    journal: "j".into(),
                }
                .into(),
                NoInput,
            ),
            // Merging onto a section is a conflict the user resolves
            // (--force), not a broken config.
            (
                MergeRefusal::HasSection("k.yml".into()).into(),
                ExitStatus::Usage,
            ),
            (
                MergeRefusal::NotBlockYaml("k.json".into()).into(),
                ExitStatus::Usage,
            ),
            (
                MergeRefusal::Invalid {
                    file: "k.yml".into(),
                    errors: 1,
                }
                .into(),
                Config,
            ),
            // Writing an output is not reading an input.
            (io(std::io::ErrorKind::PermissionDenied).into(), Failure),
            (io(std::io::ErrorKind::BrokenPipe).into(), Failure),
            (anyhow::anyhow!("plain"), Failure),
        ];
        for (err, want) in rows {
            let text = err.to_string();
            let err = err.context("outer context");
            assert_eq!(classify(&err).0, want, "{text}");
        }
        let (_, hint) = classify(&Usage::new("x").hint("try y").into());
        assert_eq!(hint.as_deref(), Some("try y"));
        let (_, hint) = classify(&journal(true, false).into());
        assert!(hint.is_some_and(|h| h.contains("another --journal")));
    }
}
