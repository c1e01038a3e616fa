//! Delivery: the SMTP client with its TLS and MIME over a socket bounded
//! by deadlines, the HTTP client and the request Kratos builds, and the
//! one verdict on every outcome. Never
//! prints, never reads the config tree.
pub mod cert;
pub mod encoded_word;
pub mod header_address;
pub mod http;
pub mod mime;
pub mod request;
pub mod smtp;
pub mod socket;
pub mod ssrf;
pub mod tls;
pub mod verdict;

/// The milliseconds since `start`, to the microsecond (`0.971`, never
/// `0.9710000000000001`): what reports show and journals keep.
#[must_use]
pub fn millis_since(start: std::time::Instant) -> f64 {
    millis(start.elapsed())
}

/// A duration in milliseconds, to the microsecond.
#[must_use]
pub fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn milliseconds_print_short() {
        for (nanos, shown) in [
            (970_999, "0.971"),
            (12_345_678, "12.346"),
            (1_000_000, "1.0"),
        ] {
            let ms = super::millis(Duration::from_nanos(nanos));
            assert_eq!(serde_json::to_string(&ms).unwrap(), shown);
        }
    }
}
