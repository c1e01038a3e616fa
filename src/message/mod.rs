//! Messages: the template types Kratos sends on each channel, realistic
//! sample data ([`sample`]), the ctx handed to Jsonnet bodies ([`ctx`]),
//! and the one composer that turns (type, channel, recipient, data) into
//! what goes on the wire ([`compose`]). No I/O of its own.

pub mod builtin;
pub mod compose;
pub mod ctx;
pub mod sample;
pub mod stored;

use crate::release::{Release, Span};

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

    /// Every template type Kratos `release` sends on this channel.
    #[must_use]
    pub fn types(self, release: Release) -> Vec<&'static str> {
        let all: &[(&str, Span)] = match self {
            Channel::Email => EMAIL_TYPES,
            Channel::Sms => SMS_TYPES,
        };
        all.iter()
            .filter(|(_, span)| release.has(*span))
            .map(|(t, _)| *t)
            .collect()
    }

    /// The releases that send type `ty` on this channel, when any does.
    #[must_use]
    pub fn span_of(self, ty: &str) -> Option<Span> {
        let all: &[(&str, Span)] = match self {
            Channel::Email => EMAIL_TYPES,
            Channel::Sms => SMS_TYPES,
        };
        all.iter().find(|(t, _)| *t == ty).map(|(_, s)| *s)
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

const ALWAYS: Span = Span::ALWAYS;
const V1_1: Span = Span::since(Release::V1_1_0);
const V25_4: Span = Span::since(Release::V25_4_0);
const MASTER: Span = Span::since(Release::Master);

/// Every template type Kratos sends by email, with the releases that do.
pub const EMAIL_TYPES: &[(&str, Span)] = &[
    ("recovery_invalid", ALWAYS),
    ("recovery_valid", ALWAYS),
    ("recovery_code_invalid", ALWAYS),
    ("recovery_code_valid", ALWAYS),
    ("verification_invalid", ALWAYS),
    ("verification_valid", ALWAYS),
    ("verification_code_invalid", ALWAYS),
    ("verification_code_valid", ALWAYS),
    ("login_code_valid", V1_1),
    ("registration_code_valid", V1_1),
    ("verifiable_address_changed", MASTER),
    ("authenticator_key_added", MASTER),
];

/// Every template type Kratos sends by SMS, with the releases that do
/// (v1.0.0 sends none: its one SMS type was never queued).
pub const SMS_TYPES: &[(&str, Span)] = &[
    ("verification_code_valid", V1_1),
    ("recovery_code_valid", V25_4),
    ("login_code_valid", V1_1),
    ("registration_code_valid", V25_4),
    ("verifiable_address_changed", MASTER),
    ("authenticator_key_added", MASTER),
];

/// The rendered texts of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub subject: String,
    pub body: String,
    /// Empty when there is no HTML part (and for SMS).
    pub html_body: String,
}
