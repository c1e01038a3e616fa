//! Batch input: a CSV file with a header row, or JSON Lines, read row by
//! row (memory does not grow with the file). Each row gives the recipient
//! and optionally the template type, the channel and template data (a
//! `data` JSON field, or any other column). The only `csv` user.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::{Map, Value};

use crate::input::Unreadable;

/// One row of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based line of the row in the input.
    pub line: u64,
    pub recipient: String,
    pub template: Option<String>,
    pub channel: Option<String>,
    /// Merged over the sample `template_data`.
    pub data: Map<String, Value>,
}

/// A row that cannot be used, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BadRow {
    pub line: u64,
    pub message: String,
}

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

const RECIPIENT_KEYS: [&str; 3] = ["to", "recipient", "email"];

/// Streams the rows of `input`.
pub fn rows(input: Box<dyn Read>, format: Format) -> Box<dyn Iterator<Item = Result<Row, BadRow>>> {
    match format {
        Format::JsonLines => Box::new(json_lines(input)),
        Format::Csv => Box::new(csv_rows(input)),
    }
}

/// Guesses the format from the first non-blank byte (`{` means JSON
/// Lines), keeping every byte for the reader.
pub fn sniff(input: Box<dyn Read>) -> std::io::Result<(Box<dyn Read>, Format)> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let buf = reader.fill_buf()?;
    let first = buf.iter().find(|b| !b.is_ascii_whitespace());
    let format = if first == Some(&b'{') {
        Format::JsonLines
    } else {
        Format::Csv
    };
    Ok((Box::new(reader), format))
}

/// Guesses the format from the file name (`.jsonl`, `.ndjson`, `.json`).
#[must_use]
pub fn format_of(name: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json") {
        Format::JsonLines
    } else {
        Format::Csv
    }
}

/// Opens a batch input (`-` is standard input, its format sniffed).
pub fn open(path: &Path) -> Result<(Box<dyn Read>, Format), Unreadable> {
    let name = crate::input::name_of(path);
    let unreadable = |source| Unreadable {
        name: name.clone(),
        source,
    };
    if path == Path::new("-") {
        return sniff(Box::new(std::io::stdin())).map_err(unreadable);
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    Ok((Box::new(file), format_of(&name)))
}

/// Rows in a regular file, for a progress bar (lines; minus the header of
/// a CSV); `None` for anything else (a pipe would be consumed).
#[must_use]
pub fn count(path: &Path, format: Format) -> Option<u64> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    if last != b'\n' {
        lines += 1;
    }
    Some(match format {
        Format::Csv => lines.saturating_sub(1),
        Format::JsonLines => lines,
    })
}

fn from_object(line: u64, mut obj: Map<String, Value>) -> Result<Row, BadRow> {
    let bad = |message: String| BadRow { line, message };
    let key = RECIPIENT_KEYS
        .iter()
        .find(|k| obj.contains_key(**k))
        .copied();
    let recipient = match key.and_then(|k| obj.remove(k)) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::String(_)) | None => return Err(bad("no recipient (a `to` field)".into())),
        Some(other) => return Err(bad(format!("the recipient must be a string, not {other}"))),
    };
    let mut text = |k: &str| -> Result<Option<String>, BadRow> {
        match obj.remove(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(bad(format!("`{k}` must be a string, not {other}"))),
        }
    };
    let template = text("template")?;
    let channel = text("channel")?;
    let mut data = match obj.remove("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(bad("`data` must be a JSON object".into())),
            Err(e) => return Err(bad(format!("`data` is not valid JSON: {e}"))),
        },
        Some(other) => return Err(bad(format!("`data` must be a JSON object, not {other}"))),
    };
    for (k, v) in obj {
        data.insert(k, v);
    }
    Ok(Row {
        line,
        recipient,
        template,
        channel,
        data,
    })
}

fn json_lines(input: Box<dyn Read>) -> impl Iterator<Item = Result<Row, BadRow>> {
    BufReader::new(input)
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line_no = i as u64 + 1;
            let text = match line {
                Ok(t) => t,
                Err(e) => {
                    return Some(Err(BadRow {
                        line: line_no,
                        message: format!("cannot read: {e}"),
                    }));
                }
            };
            if text.trim().is_empty() {
                return None;
            }
            Some(match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(obj)) => from_object(line_no, obj),
                Ok(_) => Err(BadRow {
                    line: line_no,
                    message: "not a JSON object".into(),
                }),
                Err(e) => Err(BadRow {
                    line: line_no,
                    message: format!("not valid JSON: {e}"),
                }),
            })
        })
}

fn csv_rows(input: Box<dyn Read>) -> impl Iterator<Item = Result<Row, BadRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect::<Vec<_>>());
    let mut header_error = None;
    let headers = match headers {
        Ok(h) if h.iter().any(|c| RECIPIENT_KEYS.contains(&c.as_str())) => h,
        Ok(_) => {
            header_error = Some(BadRow {
                line: 1,
                message: "the header has no `to` column".into(),
            });
            Vec::new()
        }
        Err(e) => {
            header_error = Some(BadRow {
                line: 1,
                message: format!("cannot read the header: {e}"),
            });
            Vec::new()
        }
    };
    let first = header_error.map(Err).into_iter();
    let records = reader.into_records().map(move |r| match r {
        Ok(record) => {
            let line = record.position().map_or(0, csv::Position::line);
            let obj: Map<String, Value> = headers
                .iter()
                .zip(record.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
                .collect();
            from_object(line, obj)
        }
        Err(e) => Err(BadRow {
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        }),
    });
    first.chain(records)
}

#[cfg(test)]
mod tests {
    use super::{Format, rows};

    fn collect(text: &'static str, format: Format) -> Vec<Result<super::Row, super::BadRow>> {
        rows(Box::new(text.as_bytes()), format).collect()
    }

    #[test]
    fn csv_rows_with_line_numbers() {
        let r = collect(
            "to,template,code\na@example.com,login_code_valid,123\n,x,1\nb@example.com,,\"4,5\"\n",
            Format::Csv,
        );
        let first = r[0].as_ref().unwrap();
        assert_eq!(
            (
                first.line,
                first.recipient.as_str(),
                first.template.as_deref()
            ),
            (2, "a@example.com", Some("login_code_valid"))
        );
        assert_eq!(first.data["code"], "123");
        assert_eq!(r[1].as_ref().unwrap_err().line, 3);
        assert_eq!(r[2].as_ref().unwrap().data["code"], "4,5");
        assert!(
            !r[2].as_ref().unwrap().data.contains_key("template"),
            "empty cells are not data"
        );
        assert!(collect("name\nx\n", Format::Csv)[0].is_err());
        let ragged = collect("to,a\nx@y.z\n", Format::Csv);
        assert_eq!(ragged[0].as_ref().unwrap_err().line, 2);
    }

    #[test]
    fn json_lines_with_data() {
        let r = collect(
            "{\"to\":\"a@b.c\",\"data\":{\"recovery_code\":\"1\"}}\n\nnot json\n{\"to\":5}\n",
            Format::JsonLines,
        );
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].as_ref().unwrap().data["recovery_code"], "1");
        assert_eq!(r[1].as_ref().unwrap_err().line, 3);
        assert_eq!(r[2].as_ref().unwrap_err().line, 4);
    }
}
