//! Messages: the template types Kratos sends on each channel, realistic
//! sample data ([`sample`]), the ctx handed to Jsonnet bodies ([`ctx`]),
//! and the one composer that turns (type, channel, recipient, data) into
//! what goes on the wire ([`compose`]). No I/O of its own.

pub mod builtin;
pub mod compose;
pub mod ctx;
pub mod sample;

/// The channel a message goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// `email` or `sms`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }

    /// Every template type Kratos sends on this channel.
    #[must_use]
    pub fn types(self) -> &'static [&'static str] {
        match self {
            Channel::Email => EMAIL_TYPES,
            Channel::Sms => SMS_TYPES,
        }
    }

    /// The type `courier test` shows when none is given: the message an
    /// operator checks first on this channel.
    #[must_use]
    pub fn default_type(self) -> &'static str {
        match self {
            Channel::Email => "recovery_code_valid",
            Channel::Sms => "login_code_valid",
        }
    }
}

/// Every template type Kratos sends by email.
pub const EMAIL_TYPES: &[&str] = &[
    "recovery_invalid",
    "recovery_valid",
    "recovery_code_invalid",
    "recovery_code_valid",
    "verification_invalid",
    "verification_valid",
    "verification_code_invalid",
    "verification_code_valid",
    "login_code_valid",
    "registration_code_valid",
    "verifiable_address_changed",
    "authenticator_key_added",
];

/// Every template type Kratos sends by SMS.
pub const SMS_TYPES: &[&str] = &[
    "verification_code_valid",
    "recovery_code_valid",
    "login_code_valid",
    "registration_code_valid",
    "verifiable_address_changed",
    "authenticator_key_added",
];

/// The rendered texts of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub subject: String,
    pub body: String,
    /// Empty when there is no HTML part (and for SMS).
    pub html_body: String,
}
