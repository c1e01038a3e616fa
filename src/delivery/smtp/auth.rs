//! AUTH as Go's `net/smtp` chooses it: CRAM-MD5 if offered, else LOGIN
//! when PLAIN is not offered, else PLAIN, which Go refuses over a
//! cleartext connection to anything but localhost. The only `md-5` user.

use std::time::Instant;

use md5::{Digest, Md5};

use super::session::{Session, SmtpError, Stage, Target};

pub(super) fn auth(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    if target.username.is_empty() {
        s.skip(
            Stage::Auth,
            "no user name in the connection URI: Kratos does not authenticate",
        );
        return Ok(());
    }
    let Some(mechs) = s.ext_params("AUTH") else {
        s.info("the server does not offer AUTH: Kratos sends without authenticating");
        s.skip(Stage::Auth, "not offered by the server");
        return Ok(());
    };
    let offered: Vec<String> = mechs
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let has = |m: &str| offered.iter().any(|o| o == m);
    let start = Instant::now();
    let (mech, r) = if has("CRAM-MD5") {
        ("CRAM-MD5", cram_md5(s, target))
    } else if has("LOGIN") && !has("PLAIN") {
        ("LOGIN", login(s, target))
    } else {
        ("PLAIN", plain(s, target))
    };
    s.record(
        Stage::Auth,
        start,
        &r,
        format!("{mech} as {}", target.username),
    );
    r
}

fn b64(bytes: &[u8]) -> String {
    crate::b64::encode(bytes)
}

fn plain(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    if !s.is_tls() && !crate::connection_uri::is_local_host(&target.host) {
        return Err(SmtpError::PlainRefused);
    }
    let token = b64(format!("\0{}\0{}", target.username, target.password.expose()).as_bytes());
    s.cmd(&format!("AUTH PLAIN {token}"), "AUTH PLAIN ***", &[235])
        .map(|_| ())
}

fn login(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    let mut reply = s.cmd("AUTH LOGIN", "AUTH LOGIN", &[334, 235])?;
    while reply.code == 334 {
        let challenge =
            crate::b64::decode(reply.lines.first().map_or("", String::as_str)).unwrap_or_default();
        let answer = match challenge.as_slice() {
            b"Username:" => target.username.clone(),
            b"Password:" => target.password.expose().to_owned(),
            _ => {
                let _ = s.send_line("*", "*");
                let _ = s.read_reply();
                return Err(SmtpError::LoginChallenge);
            }
        };
        s.send_line(&b64(answer.as_bytes()), "***")?;
        reply = s.read_reply()?;
    }
    if reply.code == 235 {
        Ok(())
    } else {
        Err(SmtpError::Reply(reply))
    }
}

fn cram_md5(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    let reply = s.cmd("AUTH CRAM-MD5", "AUTH CRAM-MD5", &[334])?;
    let challenge =
        crate::b64::decode(reply.lines.first().map_or("", String::as_str)).unwrap_or_default();
    let digest = hmac_md5(target.password.expose().as_bytes(), &challenge);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let answer = b64(format!("{} {hex}", target.username).as_bytes());
    s.send_line(&answer, "***")?;
    let reply = s.read_reply()?;
    if reply.code == 235 {
        Ok(())
    } else {
        Err(SmtpError::Reply(reply))
    }
}

/// HMAC-MD5 (RFC 2104), for CRAM-MD5.
#[must_use]
pub fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(message);
    let mut outer = Md5::new();
    outer.update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::hmac_md5;

    #[test]
    fn cram_md5_vector_from_rfc2195() {
        let d = hmac_md5(
            b"tanstaaftanstaaf",
            b"<1896.697170952@postoffice.reston.mci.net>",
        );
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "b913a602c7eda7a495b4e6e7334d3890");
    }
}
