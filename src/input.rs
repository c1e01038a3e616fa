//! Reading named inputs: files given on the command line, or standard
//! input for `-`, as UTF-8 text.

use std::io::Read;
use std::path::Path;

/// A named input that could not be read (exit 66).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {name}: {source}")]
pub struct Unreadable {
    /// The path as given, or `<stdin>`.
    pub name: String,
    #[source]
    pub source: std::io::Error,
}

/// The display name of an input: the path as given, `<stdin>` for `-`.
#[must_use]
pub fn name_of(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads a whole input as text, with its display name.
pub fn read_text(path: &Path) -> Result<(String, String), Unreadable> {
    let name = name_of(path);
    let unreadable = |source| Unreadable {
        name: name.clone(),
        source,
    };
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(unreadable)?;
        buf
    } else {
        std::fs::read(path).map_err(unreadable)?
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not UTF-8 text",
        ))
    })?;
    Ok((name, text))
}
