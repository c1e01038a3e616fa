//! The schema's patterns and formats, each checked by hand as Kratos'
//! validator checks it: Go durations, the `email` format (in
//! [`crate::address`], which the envelope shares), URIs (with Go's parser);
//! and Go's reading of a duration in minutes.

use super::{Format, Pattern};

/// Whether a string matches one of the schema's patterns.
#[must_use]
pub fn pattern_matches(p: Pattern, s: &str) -> bool {
    match p {
        Pattern::SmtpScheme => s.starts_with("smtp://") || s.starts_with("smtps://"),
        Pattern::HttpScheme => s.starts_with("http://") || s.starts_with("https://"),
        Pattern::BodyScheme => ["http://", "https://", "file://", "base64://"]
            .iter()
            .any(|p| s.starts_with(p)),
        Pattern::GoDuration => is_go_duration(s),
    }
}

fn is_go_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.is_empty() {
        return false;
    }
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        let rest = &s[i..];
        let unit = ["ns", "us", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u))
            .map_or(0, |u| u.len());
        if unit == 0 {
            return false;
        }
        i += unit;
    }
    true
}

/// `int(d.Minutes())` of a Go duration string.
pub fn go_duration_minutes(s: &str) -> Option<i64> {
    let mut total_ns: f64 = 0.0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if matches!(c, 'n' | 'u' | 'm') && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let factor = match unit.as_str() {
            "ns" => 1.0,
            "us" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 6e10,
            "h" => 3.6e12,
            _ => return None,
        };
        total_ns += num.parse::<f64>().ok()? * factor;
        num.clear();
    }
    Some((total_ns / 6e10) as i64)
}

pub(super) fn format_matches(f: Format, s: &str) -> bool {
    match f {
        Format::Uri => crate::gourl::go_parse(s).is_ok_and(|u| !u.scheme.is_empty()),
        Format::UriReference => crate::gourl::go_parse(s).is_ok(),
        Format::Email => crate::address::is_email(s),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Pattern;
    use super::super::facts::paths;
    use super::{go_duration_minutes, pattern_matches};

    #[test]
    fn durations() {
        for ok in ["1s", "500ms", "1h30m", "10us", "0s"] {
            assert!(pattern_matches(Pattern::GoDuration, ok), "{ok}");
        }
        for bad in ["", "1", "s", "1.5s", "1 s", "1d"] {
            assert!(!pattern_matches(Pattern::GoDuration, bad), "{bad}");
        }
    }

    #[test]
    fn paths_cover_arrays() {
        let p = paths(crate::release::Release::DEFAULT);
        assert!(
            p.iter()
                .any(|(p, _)| p.join(".") == "courier.channels.#.request_config.url")
        );
        assert!(
            p.iter()
                .any(|(p, _)| p.join(".") == "courier.smtp.connection_uri")
        );
    }

    #[test]
    fn lifespans_truncate_to_minutes() {
        assert_eq!(go_duration_minutes("1h"), Some(60));
        assert_eq!(go_duration_minutes("90s"), Some(1));
        assert_eq!(go_duration_minutes("1h30m"), Some(90));
    }
}
