//! Durations as the command line writes them.

/// `250ms`, `1s`, `2m`, `1h`.
pub(super) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let at = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(at);
    let n: f64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 500ms, 1s, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m or h)")),
    };
    std::time::Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}
