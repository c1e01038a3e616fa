//! `--data FILE`: template data in JSON or YAML, read as config files are
//! read (YAML 1.2), merged over a type's sample `template_data`.

use std::path::Path;

use crate::input::{DATA, InputError, read_text, strip_bom};

/// Why the data cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{name}:{line}:{column}: {message}")]
    Syntax {
        name: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{0}: the data must be a mapping of template_data fields")]
    NotMapping(String),
}

/// Reads a data file (at most [`DATA`]) into a JSON object.
pub fn read(path: &Path) -> Result<serde_json::Value, DataError> {
    let (name, text) = read_text(path, DATA)?;
    let node = super::source::parse(strip_bom(&text), 0).map_err(|e| DataError::Syntax {
        name: name.clone(),
        line: e.loc.line,
        column: e.loc.column,
        message: e.message,
    })?;
    let json = node.to_json();
    if json.is_object() {
        Ok(json)
    } else {
        Err(DataError::NotMapping(name))
    }
}
