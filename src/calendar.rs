//! Calendar arithmetic for the times servers send: days since the Unix
//! epoch of a date, and the HTTP date of `Retry-After`.

/// The time now, in Unix seconds (0 before 1970, which no clock here
/// reads).
#[must_use]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// Date and time of a Unix timestamp (UTC); weekday 0 is Thursday.
#[must_use]
pub fn civil(unix: i64) -> (i64, i64, i64, i64, i64, i64, usize) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let wd = days.rem_euclid(7) as usize;
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60, wd)
}

/// The time now, in Unix microseconds.
#[must_use]
pub fn unix_micros_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(0))
}

/// A UTC time in microseconds as Kratos' SQLite driver writes it
/// (`2006-01-02 15:04:05.999999+00:00`: the fraction without trailing
/// zeros, none when whole), which sorts as text in time order.
#[must_use]
pub fn sqlite_time(micros: i64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(micros.div_euclid(1_000_000));
    let frac = micros.rem_euclid(1_000_000);
    let mut out = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if frac != 0 {
        let digits = format!("{frac:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push_str("+00:00");
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
#[must_use]
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's
/// IMF-fixdate) as Unix seconds.
#[must_use]
pub fn parse_http_date(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let d: i64 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = parts.next()?;
    let m = i64::try_from(MONTHS.iter().position(|x| *x == month)? + 1).ok()?;
    let y: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::{days_from_civil, parse_http_date, sqlite_time};

    #[test]
    fn sqlite_times_drop_trailing_zeros_and_sort_as_text() {
        let t = 1_700_000_000_000_000;
        assert_eq!(sqlite_time(t), "2023-11-14 22:13:20+00:00");
        assert_eq!(sqlite_time(t + 500_000), "2023-11-14 22:13:20.5+00:00");
        assert_eq!(sqlite_time(t + 123_456), "2023-11-14 22:13:20.123456+00:00");
        let mut v = [t + 550_000, t, t + 500_000, t + 1_000_000, t + 50_000];
        let mut texts: Vec<String> = v.iter().map(|m| sqlite_time(*m)).collect();
        texts.sort();
        v.sort_unstable();
        assert_eq!(texts, v.map(sqlite_time));
    }

    #[test]
    fn dates_as_servers_send_them() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37"), None);
        assert_eq!(parse_http_date("120"), None);
    }
}
