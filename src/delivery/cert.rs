//! Describing a peer certificate for people: subject, alternative names,
//! issuer and expiry. The only `x509-parser` user.

use x509_parser::extensions::GeneralName;

/// What a probe shows of the server certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub sans: Vec<String>,
    pub issuer: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_after: String,
    pub expired: bool,
}

/// Parses a DER certificate; `None` if it does not parse.
#[must_use]
pub fn describe(der: &[u8]) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let sans = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .map(|n| match n {
                    GeneralName::DNSName(d) => format!("DNS:{d}"),
                    GeneralName::IPAddress(b) => ip_of(b),
                    GeneralName::RFC822Name(e) => format!("email:{e}"),
                    GeneralName::URI(u) => format!("URI:{u}"),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .unwrap_or_default();
    let ts = cert.validity().not_after.timestamp();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Some(CertInfo {
        subject: cert.subject().to_string(),
        sans,
        issuer: cert.issuer().to_string(),
        not_after: crate::delivery::mime::format_utc_iso(ts),
        expired: ts < now,
    })
}

fn ip_of(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => format!(
            "IP:{}",
            std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])
        ),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            format!("IP:{}", std::net::Ipv6Addr::from(a))
        }
        _ => "IP:?".to_owned(),
    }
}
