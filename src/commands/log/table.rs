//! What the journal's and Kratos' tables share.

use crate::diag::{Paint, Role};

/// A state, padded for the table and coloured by what it means (Kratos'
/// names, from a journal or a running Kratos).
pub(super) fn paint_status(status: &str, p: &impl Paint) -> String {
    let text = format!("{status:<10}");
    match status {
        "sent" => p.paint(&text, Role::Success),
        "abandoned" => p.paint(&text, Role::Error),
        "processing" => p.paint(&text, Role::Warning),
        _ => text,
    }
}
