//! Reading config files: YAML (and JSON, which YAML 1.2 contains) parsed
//! with serde-saphyr into a [`Node`] tree where every value knows its line
//! and column. The only module that uses the YAML crate.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::tree::{Entry, Loc, Node, Origin, Value};

/// One loaded input, kept for snippets in diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics: the path as given, or `<stdin>`.
    pub name: String,
    pub text: String,
}

impl SourceFile {
    /// The text of a 1-based line, if there is one.
    #[must_use]
    pub fn line(&self, line: u32) -> Option<&str> {
        if line == 0 {
            return None;
        }
        self.text.lines().nth(line as usize - 1)
    }
}

/// Every input of a run, indexed by [`Origin::File`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    #[must_use]
    pub fn file(&self, origin: &Origin) -> Option<&SourceFile> {
        match origin {
            Origin::File(i) => self.files.get(*i),
            Origin::Env(_) => None,
        }
    }
}

/// A syntax error of one file.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub loc: Loc,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses one document. `file` is the index the file has in [`Sources`].
pub fn parse(text: &str, file: usize) -> Result<Node, SyntaxError> {
    // Kratos reads YAML with Go's yaml.v3: YAML 1.2 booleans (so `yes` and
    // `on` are strings) and Go's base-0 integers (`010` is 8).
    let options = serde_saphyr::options! {
        strict_booleans: true,
        legacy_octal_numbers: true,
    };
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(text, options) {
        Ok(raw) => Ok(lift(raw, file)),
        Err(err) => {
            let (line, column) = err
                .location()
                .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
            Err(SyntaxError {
                message: short_message(&err),
                loc: Loc {
                    origin: Origin::File(file),
                    line: line.max(1),
                    column: column.max(1),
                },
            })
        }
    }
}

/// The error's own sentence, without the crate's snippet or location suffix.
fn short_message(err: &serde_saphyr::Error) -> String {
    let full = err.without_snippet().to_string();
    let first = full.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 3 column 21: unclosed quote" -> "unclosed quote"
    let msg = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => first,
    };
    let msg = msg.split(", set DuplicateKeyPolicy").next().unwrap_or(msg);
    // The crate's advice to its caller is not the user's.
    let msg = msg.split("; use from_str_multiple").next().unwrap_or(msg);
    let msg = match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(", column ") => &msg[..i],
        _ => msg,
    };
    msg.trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned()
}

fn lift(raw: Spanned<Raw>, file: usize) -> Node {
    let loc = Loc {
        origin: Origin::File(file),
        line: raw.referenced.line() as u32,
        column: raw.referenced.column() as u32,
    };
    let value = match raw.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| lift(i, file)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| Entry {
                    key: k.value.0,
                    key_loc: Loc {
                        origin: Origin::File(file),
                        line: k.referenced.line() as u32,
                        column: k.referenced.column() as u32,
                    },
                    node: lift(v, file),
                })
                .collect(),
        ),
    };
    Node { value, loc }
}

/// The YAML value as serde-saphyr hands it over, children spanned.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Key>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

/// A mapping key: any scalar, turned into its string form as Kratos does.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'v> Visitor<'v> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Key, E> {
                Ok(Key("null".into()))
            }
            fn visit_map<A: MapAccess<'v>>(self, _: A) -> Result<Key, A::Error> {
                Err(de::Error::custom("a mapping cannot be used as a key"))
            }
            fn visit_seq<A: SeqAccess<'v>>(self, _: A) -> Result<Key, A::Error> {
                Err(de::Error::custom("a sequence cannot be used as a key"))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::config::tree::Value;

    #[test]
    fn values_know_their_line_and_column() {
        let text = "courier:\n  smtp:\n    connection_uri: \"smtp://a:1/\"\n  message_retries: 5\n";
        let root = parse(text, 0).unwrap();
        let uri = root.lookup(&["courier", "smtp", "connection_uri"]).unwrap();
        assert_eq!(uri.as_str(), Some("smtp://a:1/"));
        assert_eq!((uri.loc.line, uri.loc.column), (3, 21));
        let retries = root.lookup(&["courier", "message_retries"]).unwrap();
        assert_eq!(retries.value, Value::Int(5));
        let key = root
            .get("courier")
            .unwrap()
            .entry("message_retries")
            .unwrap();
        assert_eq!((key.key_loc.line, key.key_loc.column), (4, 3));
    }

    #[test]
    fn json_with_tabs_parses() {
        let text = "{\n\t\"courier\": {\n\t\t\"message_retries\": 3\n\t}\n}\n";
        let root = parse(text, 0).unwrap();
        let r = root.lookup(&["courier", "message_retries"]).unwrap();
        assert_eq!(r.value, Value::Int(3));
        assert_eq!(r.loc.line, 3);
    }

    #[test]
    fn yes_is_a_string_and_quoted_numbers_stay_strings() {
        let root = parse("a: yes\nb: \"5\"\nc: ~\n", 0).unwrap();
        assert_eq!(root.get("a").unwrap().value, Value::Str("yes".into()));
        assert_eq!(root.get("b").unwrap().value, Value::Str("5".into()));
        assert_eq!(root.get("c").unwrap().value, Value::Null);
    }

    #[test]
    fn crlf_and_a_bom_keep_lines_and_columns() {
        let lf = "courier:\n  smtp:\n    from_address: a@b.c\n";
        let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
        for text in [lf, crlf.as_str()] {
            let root = parse(text, 0).unwrap();
            let n = root.lookup(&["courier", "smtp", "from_address"]).unwrap();
            assert_eq!((n.loc.line, n.loc.column), (3, 19), "{text:?}");
            assert_eq!(n.as_str(), Some("a@b.c"));
        }
        let err = parse("a: 1\r\nb: \"x\r\n", 0).unwrap_err();
        assert_eq!(err.loc.line, 2, "{err:?}");
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = parse("a:\n  b: \"unclosed\n", 0).unwrap_err();
        assert!(err.loc.line >= 2, "{err:?}");
        let dup = parse("a: 1\na: 2\n", 0).unwrap_err();
        assert!(dup.message.contains("duplicate"), "{dup:?}");
        assert_eq!(dup.loc.line, 2);
    }
}
