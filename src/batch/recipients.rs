//! Batch input: a CSV file with a header row, or JSON Lines, read row by
//! row (memory does not grow with the file; one row is at most
//! [`crate::input::BATCH_ROW`], split off by [`super::records`]). Each row
//! gives the recipient and optionally the template type, the channel and
//! template data (a `data` JSON field, or any other column). The only
//! `csv` user.

use std::cell::RefCell;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::records::{Failure, Raw, Splitter};
use crate::input::{BATCH_ROW, Unreadable};

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
    /// Nothing after this row can be read (it is over the cap, or reading
    /// failed): the input ends here, and the batch stops.
    pub fatal: bool,
}

impl BadRow {
    fn new(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
            fatal: false,
        }
    }
}

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

const RECIPIENT_KEYS: [&str; 3] = ["to", "recipient", "email"];

/// Streams the rows of `input` (named `name` in messages).
pub fn rows(
    input: Box<dyn Read>,
    format: Format,
    name: &str,
) -> Box<dyn Iterator<Item = Result<Row, BadRow>>> {
    let input = BufReader::with_capacity(64 * 1024, input);
    match format {
        Format::JsonLines => Box::new(json_lines(Splitter::lines(input), name.to_owned())),
        Format::Csv => Box::new(csv_rows(Splitter::csv(input), name.to_owned())),
    }
}

/// Guesses the format from the first non-blank byte after a BOM (`{` means
/// JSON Lines), keeping every byte for the reader; it looks no further
/// than one row's cap.
pub fn sniff(mut input: Box<dyn Read>) -> std::io::Result<(Box<dyn Read>, Format)> {
    let bom = crate::input::BOM.as_bytes();
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    let format = loop {
        let partial_bom = head.len() < bom.len() && bom.starts_with(&head);
        let body = head.strip_prefix(bom).unwrap_or(&head);
        if let Some(b) = body.iter().find(|b| !b.is_ascii_whitespace())
            && !partial_bom
        {
            break if *b == b'{' {
                Format::JsonLines
            } else {
                Format::Csv
            };
        }
        if head.len() as u64 >= BATCH_ROW.bytes {
            break Format::Csv;
        }
        match input.read(&mut chunk) {
            Ok(0) => break Format::Csv,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    Ok((Box::new(std::io::Cursor::new(head).chain(input)), format))
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
    // A folder opens but cannot be read: say so now, as for a missing file.
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a folder",
        )));
    }
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
    let bad = |message: String| BadRow::new(line, message);
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

/// A row that ends the input.
fn failed(failure: Failure, name: &str) -> BadRow {
    let (line, message) = match failure {
        Failure::TooLong { line } => (
            line,
            format!(
                "the row is larger than {BATCH_ROW}, the most courier reads for one row of {name}: \
                 nothing after it is read"
            ),
        ),
        Failure::Io { line, error } => (
            line,
            format!("cannot read {name}: {error}: nothing after it is read"),
        ),
    };
    BadRow {
        line,
        message,
        fatal: true,
    }
}

fn json_lines(
    lines: impl Iterator<Item = Result<Raw, Failure>>,
    name: String,
) -> impl Iterator<Item = Result<Row, BadRow>> {
    lines.filter_map(move |item| {
        let Raw { line, bytes } = match item {
            Ok(raw) => raw,
            Err(f) => return Some(Err(failed(f, &name))),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Some(Err(BadRow::new(line, "the row is not UTF-8 text")));
        };
        if text.trim().is_empty() {
            return None;
        }
        Some(match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(obj)) => from_object(line, obj),
            Ok(_) => Err(BadRow::new(line, "not a JSON object")),
            Err(e) => Err(BadRow::new(line, format!("not valid JSON: {e}"))),
        })
    })
}

/// The bytes of the record the csv reader is given next, and how far it
/// has read them.
type Slot = Rc<RefCell<(Vec<u8>, usize)>>;

/// What the csv reader reads: one record at a time, put in its [`Slot`].
struct Feed(Slot);

impl Read for Feed {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut slot = self.0.borrow_mut();
        let (bytes, at) = &mut *slot;
        let n = out.len().min(bytes.len() - *at);
        out[..n].copy_from_slice(&bytes[*at..*at + n]);
        *at += n;
        Ok(n)
    }
}

/// One csv reader for the whole input, given one record at a time (a
/// reader per row would cost more than the row).
struct Fields {
    slot: Slot,
    reader: csv::Reader<Feed>,
    /// Bytes given to the reader so far.
    given: u64,
}

impl Fields {
    fn new() -> Self {
        let slot: Slot = Rc::default();
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(Feed(Rc::clone(&slot)));
        Self {
            slot,
            reader,
            given: 0,
        }
    }

    /// The fields of one record, trimmed.
    fn of(&mut self, raw: &Raw) -> Result<Vec<String>, BadRow> {
        {
            let mut slot = self.slot.borrow_mut();
            slot.0.clear();
            slot.0.extend_from_slice(&raw.bytes);
            slot.0.push(b'\n');
            slot.1 = 0;
        }
        self.given += raw.bytes.len() as u64 + 1;
        let mut record = csv::StringRecord::new();
        let result = self.reader.read_record(&mut record);
        if self.reader.position().byte() != self.given {
            // The reader did not take exactly this record (the splitter and
            // csv disagree on where it ends): start a fresh reader.
            *self = Self::new();
            return Err(BadRow::new(
                raw.line,
                "the row cannot be read as one CSV record",
            ));
        }
        match result {
            Ok(_) => Ok(record.iter().map(str::to_owned).collect()),
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                Err(BadRow::new(raw.line, "the row is not UTF-8 text"))
            }
            Err(e) => Err(BadRow::new(raw.line, format!("not valid CSV: {e}"))),
        }
    }
}

/// The header's column names, or why they cannot be used.
fn header(
    first: Option<Result<Raw, Failure>>,
    fields: &mut Fields,
    name: &str,
) -> Result<Vec<String>, BadRow> {
    let names = match first {
        None => Vec::new(),
        Some(Err(f)) => return Err(failed(f, name)),
        Some(Ok(raw)) => fields
            .of(&raw)
            .map_err(|e| BadRow::new(e.line, format!("cannot read the header: {}", e.message)))?,
    };
    if names.iter().any(|c| RECIPIENT_KEYS.contains(&c.as_str())) {
        Ok(names)
    } else {
        Err(BadRow::new(1, "the header has no `to` column"))
    }
}

fn csv_rows(
    mut records: impl Iterator<Item = Result<Raw, Failure>>,
    name: String,
) -> impl Iterator<Item = Result<Row, BadRow>> {
    let mut fields = Fields::new();
    let (headers, first) = match header(records.next(), &mut fields, &name) {
        Ok(h) => (h, None),
        Err(bad) => (Vec::new(), Some(bad)),
    };
    // After a failure the splitter gives nothing more.
    let records = records.map(move |item| {
        let raw = item.map_err(|f| failed(f, &name))?;
        let values = fields.of(&raw)?;
        if values.len() != headers.len() && !headers.is_empty() {
            return Err(BadRow::new(
                raw.line,
                format!(
                    "the row has {} fields, the header {}",
                    values.len(),
                    headers.len()
                ),
            ));
        }
        let obj: Map<String, Value> = headers
            .iter()
            .zip(values)
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.clone(), Value::String(v)))
            .collect();
        from_object(raw.line, obj)
    });
    first.map(Err).into_iter().chain(records)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::{Format, rows, sniff};

    fn collect(text: &'static str, format: Format) -> Vec<Result<super::Row, super::BadRow>> {
        rows(Box::new(text.as_bytes()), format, "r.csv").collect()
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

    fn lines_and_recipients(text: &str, format: Format) -> Vec<(u64, String)> {
        rows(Box::new(std::io::Cursor::new(text.to_owned())), format, "r")
            .map(|r| match r {
                Ok(row) => (row.line, row.recipient),
                Err(b) => (b.line, format!("bad: {}", b.message)),
            })
            .collect()
    }

    #[test]
    fn crlf_rows_have_the_lines_of_lf_rows() {
        let lf = "to,code\na@b.c,1\n\nb@b.c,\"x\ny\"\nc@b.c,3\n";
        let want = lines_and_recipients(lf, Format::Csv);
        assert_eq!(
            want.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![2, 4, 6]
        );
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(lines_and_recipients(&crlf, Format::Csv), want);
        let jsonl = "{\"to\":\"a@b.c\"}\n\n{\"to\":\"b@b.c\"}\n";
        let want = lines_and_recipients(jsonl, Format::JsonLines);
        assert_eq!(
            lines_and_recipients(&jsonl.replace('\n', "\r\n"), Format::JsonLines),
            want
        );
    }

    #[test]
    fn a_bom_is_not_part_of_the_first_column() {
        let want = vec![(2, "a@b.c".to_owned())];
        assert_eq!(
            lines_and_recipients("\u{feff}to\r\na@b.c\r\n", Format::Csv),
            want
        );
        assert_eq!(
            lines_and_recipients("\u{feff}\"to\"\na@b.c\n", Format::Csv),
            want
        );
        assert_eq!(
            lines_and_recipients("\u{feff}{\"to\":\"a@b.c\"}\n", Format::JsonLines),
            vec![(1, "a@b.c".to_owned())]
        );
    }

    #[test]
    fn sniffing_skips_a_bom_and_keeps_every_byte() {
        for (text, want) in [
            ("\u{feff}{\"to\":\"a@b.c\"}\n", Format::JsonLines),
            ("\u{feff} \n{}", Format::JsonLines),
            ("\u{feff}to\n", Format::Csv),
            ("", Format::Csv),
        ] {
            let (mut input, format) = sniff(Box::new(text.as_bytes())).unwrap();
            assert_eq!(format, want, "{text:?}");
            let mut back = String::new();
            input.read_to_string(&mut back).unwrap();
            assert_eq!(back, text);
        }
        let (_, format) = sniff(Box::new(std::io::repeat(b' '))).unwrap();
        assert_eq!(format, Format::Csv, "endless blanks end the sniffing");
    }

    #[test]
    fn a_row_over_the_cap_ends_the_input_with_its_line() {
        let big = "x".repeat(70 * 1024);
        let text = format!("to\na@b.c\n{big}\nb@b.c\n");
        let got: Vec<_> =
            rows(Box::new(std::io::Cursor::new(text)), Format::Csv, "r.csv").collect();
        assert_eq!(got.len(), 2, "nothing after the long row");
        let bad = got[1].as_ref().unwrap_err();
        assert!(bad.fatal);
        assert_eq!(bad.line, 3);
        assert_eq!(
            bad.message,
            "the row is larger than 64 KiB, the most courier reads for one row of r.csv: \
             nothing after it is read"
        );
        let header =
            rows(Box::new(std::io::repeat(b'a')), Format::Csv, "/dev/zero").collect::<Vec<_>>();
        assert_eq!(header.len(), 1);
        assert!(header[0].as_ref().unwrap_err().fatal);
        let ragged = collect("to,a\nx@y.z,1,2\n", Format::Csv);
        assert!(
            ragged[0]
                .as_ref()
                .unwrap_err()
                .message
                .contains("3 fields, the header 2")
        );
    }

    #[test]
    fn one_reader_takes_record_after_record() {
        let raw = |line: u64, text: &str| super::Raw {
            line,
            bytes: text.as_bytes().to_vec(),
        };
        let mut fields = super::Fields::new();
        assert_eq!(fields.of(&raw(1, "to, code ")).unwrap(), vec!["to", "code"]);
        assert_eq!(
            fields.of(&raw(2, "\"a,\"\"b\"\"\nc\",x")).unwrap(),
            vec!["a,\"b\"\nc", "x"]
        );
        // Bytes that are not one record are refused, and the next record
        // is read by a fresh reader.
        let two = fields.of(&raw(3, "a\nb")).unwrap_err();
        assert_eq!(two.line, 3);
        assert!(two.message.contains("one CSV record"), "{}", two.message);
        assert_eq!(fields.of(&raw(4, "d,e")).unwrap(), vec!["d", "e"]);
        let not_utf8 = super::Raw {
            line: 5,
            bytes: vec![0xff, b','],
        };
        assert_eq!(
            fields.of(&not_utf8).unwrap_err().message,
            "the row is not UTF-8 text"
        );
        assert_eq!(fields.of(&raw(6, "f")).unwrap(), vec!["f"]);
    }
}
