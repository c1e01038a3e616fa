//! Exit statuses. The table follows sysexits, the convention of mail tools;
//! it is printed in `courier --help` and the README.

use std::process::ExitCode;

/// What the process reports to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success; warnings allowed.
    Success,
    /// Some messages failed; unclassified errors.
    Failure,
    /// Usage error.
    Usage,
    /// Bad input data: Jsonnet or template error, bad recipients file.
    DataErr,
    /// A named input file is missing or unreadable.
    NoInput,
    /// Cannot deliver: unreachable, TLS or auth failure, permanent rejection.
    Unavailable,
    /// Temporary failure: SMTP 4xx, HTTP 429/5xx, timeout.
    TempFail,
    /// Invalid configuration.
    Config,
    /// Interrupted by Ctrl-C.
    Interrupted,
}

impl ExitStatus {
    /// The numeric code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::DataErr => 65,
            Self::NoInput => 66,
            Self::Unavailable => 69,
            Self::TempFail => 75,
            Self::Config => 78,
            Self::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// An error that already knows its exit status (e.g. "not implemented").
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StatusError {
    pub status: ExitStatus,
    pub message: String,
    pub hint: Option<String>,
}

/// An error that exits with `status`, with an optional hint.
#[must_use]
pub fn fail(status: ExitStatus, message: impl Into<String>, hint: Option<&str>) -> anyhow::Error {
    StatusError {
        status,
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
    .into()
}

/// Maps an error chain to an exit status: the first link that carries a
/// status decides; anything else is 1.
#[must_use]
pub fn status_of(err: &anyhow::Error) -> ExitStatus {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<StatusError>() {
            return e.status;
        }
        if let Some(e) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            )
        {
            return ExitStatus::NoInput;
        }
    }
    ExitStatus::Failure
}

#[cfg(test)]
mod tests {
    use super::{ExitStatus, StatusError, status_of};

    #[test]
    fn codes_follow_sysexits() {
        assert_eq!(ExitStatus::Config.code(), 78);
        assert_eq!(ExitStatus::NoInput.code(), 66);
        assert_eq!(ExitStatus::Unavailable.code(), 69);
        assert_eq!(ExitStatus::TempFail.code(), 75);
    }

    #[test]
    fn status_is_found_in_the_chain() {
        let err = anyhow::Error::new(StatusError {
            status: ExitStatus::Usage,
            message: "x".into(),
            hint: None,
        })
        .context("outer");
        assert_eq!(status_of(&err), ExitStatus::Usage);
        let io = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(status_of(&io), ExitStatus::NoInput);
        assert_eq!(status_of(&anyhow::anyhow!("plain")), ExitStatus::Failure);
    }
}
