//! Reading named inputs: files given on the command line, or standard
//! input for `-`, as UTF-8 text; and the caps on every local input, so a
//! mistaken or hostile input (`-c /dev/zero`, an endless pipe) ends in an
//! error naming it, never in a process that eats the machine's memory.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// The most courier reads of one kind of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub bytes: u64,
    /// What is capped, for messages ("a config file").
    pub what: &'static str,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// A config file (`-c`, also on standard input); identity configs are a
/// few KiB, base64 bodies included.
pub const CONFIG: Cap = Cap {
    bytes: 4 * MIB,
    what: "a config file",
};
/// A `--data` file of template data.
pub const DATA: Cap = Cap {
    bytes: MIB,
    what: "a --data file",
};
/// One row of a batch (a CSV record, a JSON line). The batch itself has no
/// cap: it is streamed.
pub const BATCH_ROW: Cap = Cap {
    bytes: 64 * KIB,
    what: "one batch row",
};
/// A local template file, or a `file://` template or Jsonnet body.
pub const TEMPLATE: Cap = Cap {
    bytes: MIB,
    what: "a template or Jsonnet body file",
};
/// A connection URI on standard input (`uri --decode -`).
pub const URI: Cap = Cap {
    bytes: 4 * KIB,
    what: "a connection URI on standard input",
};
/// A password (or API key) line on standard input.
pub const PASSWORD: Cap = Cap {
    bytes: 4 * KIB,
    what: "a password on standard input",
};

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bytes >= MIB && self.bytes.is_multiple_of(MIB) {
            write!(f, "{} MiB", self.bytes / MIB)
        } else if self.bytes >= KIB && self.bytes.is_multiple_of(KIB) {
            write!(f, "{} KiB", self.bytes / KIB)
        } else {
            write!(f, "{} bytes", self.bytes)
        }
    }
}

/// A named input that could not be read (exit 66).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {name}: {source}")]
pub struct Unreadable {
    /// The path as given, or `<stdin>`.
    pub name: String,
    #[source]
    pub source: std::io::Error,
}

/// An input over its cap (bad input, exit 65).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} is larger than {cap}, the most courier reads for {}", .cap.what)]
pub struct TooLarge {
    /// The path as given, or `<stdin>`.
    pub name: String,
    pub cap: Cap,
}

/// Why an input cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
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

/// Reads `reader` to its end, or fails once it passes `cap` (at most one
/// byte more than the cap is read).
pub fn read_capped(reader: impl Read, name: &str, cap: Cap) -> Result<Vec<u8>, InputError> {
    let mut buf = Vec::new();
    reader
        .take(cap.bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| Unreadable {
            name: name.to_owned(),
            source,
        })?;
    if buf.len() as u64 > cap.bytes {
        return Err(TooLarge {
            name: name.to_owned(),
            cap,
        }
        .into());
    }
    Ok(buf)
}

/// Reads a whole input as text (at most `cap`), with its display name.
pub fn read_text(path: &Path, cap: Cap) -> Result<(String, String), InputError> {
    let name = name_of(path);
    let unreadable = |source| Unreadable {
        name: name.clone(),
        source,
    };
    let bytes = if path == Path::new("-") {
        read_capped(std::io::stdin().lock(), &name, cap)?
    } else {
        let file = std::fs::File::open(path).map_err(unreadable)?;
        read_capped(file, &name, cap)?
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not UTF-8 text",
        ))
    })?;
    Ok((name, text))
}

/// The UTF-8 byte order mark some editors put first.
pub const BOM: &str = "\u{feff}";

/// `text` without a leading byte order mark.
#[must_use]
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::{BATCH_ROW, CONFIG, Cap, InputError, PASSWORD, read_capped, strip_bom};

    #[test]
    fn caps_read_at_most_one_byte_past_them() {
        let cap = Cap {
            bytes: 4,
            what: "a test",
        };
        assert_eq!(read_capped(&b"abcd"[..], "x", cap).unwrap(), b"abcd");
        let endless = std::io::repeat(0);
        match read_capped(endless, "/dev/zero", cap) {
            Err(InputError::TooLarge(e)) => assert_eq!(
                e.to_string(),
                "/dev/zero is larger than 4 bytes, the most courier reads for a test"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn caps_print_in_binary_units() {
        assert_eq!(CONFIG.to_string(), "4 MiB");
        assert_eq!(BATCH_ROW.to_string(), "64 KiB");
        assert_eq!(PASSWORD.to_string(), "4 KiB");
    }

    #[test]
    fn a_bom_is_dropped() {
        assert_eq!(strip_bom("\u{feff}a: 1"), "a: 1");
        assert_eq!(strip_bom("a: 1"), "a: 1");
    }
}
