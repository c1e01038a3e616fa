//! JSON text exactly as go-jsonnet 0.21 prints an evaluation result (what
//! Kratos sends): 3-space indentation, keys sorted by bytes, `{ }` and `[ ]`
//! for empty containers, integral numbers as `%.0f` and others as `%.17g`,
//! go-jsonnet's string escapes, and a trailing newline.

use std::fmt::Write as _;

use serde_json::Value;

/// The document, with its trailing newline.
#[must_use]
pub fn go_jsonnet(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("   ");
    }
}

fn write_value(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, level + 1);
                write_value(out, item, level + 1);
            }
            out.push('\n');
            indent(out, level);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, level + 1);
                string(out, k);
                out.push_str(": ");
                write_value(out, &map[k.as_str()], level + 1);
            }
            out.push('\n');
            indent(out, level);
            out.push('}');
        }
    }
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// go-jsonnet's `unparseNumber`: `%.0f` when integral, else `%.17g` (Go's
/// rules: at most 17 significant digits, trailing zeros dropped, exponent
/// form below 1e-4).
#[must_use]
pub fn number(v: f64) -> String {
    if v == v.floor() {
        return format!("{v:.0}");
    }
    let sci = format!("{v:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
        return out;
    }
    let dp = exp + 1;
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            out.push_str(digits);
            for _ in digits.len()..dp {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{go_jsonnet, number};

    #[test]
    fn numbers_as_go() {
        assert_eq!(number(0.1), "0.10000000000000001");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(1e-7), "9.9999999999999995e-08");
        assert_eq!(number(-2.5e-5), "-2.5000000000000001e-05");
        assert_eq!(number(1.5e-10), "1.5e-10");
        assert_eq!(number(123.456), "123.456");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(
            number(1e100),
            "10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104"
        );
    }

    #[test]
    fn layout_as_go() {
        let v = serde_json::json!({"b": [1, {}], "a": {"y": [], "x": "q\"\u{7f}\u{2028}é\n"}});
        assert_eq!(
            go_jsonnet(&v),
            "{\n   \"a\": {\n      \"x\": \"q\\\"\\u007f\u{2028}é\\n\",\n      \"y\": [ ]\n   },\n   \"b\": [\n      1,\n      { }\n   ]\n}\n"
        );
        assert_eq!(go_jsonnet(&serde_json::json!("x")), "\"x\"\n");
    }
}
