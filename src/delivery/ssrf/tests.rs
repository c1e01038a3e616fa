use std::net::IpAddr;

use super::glob::Glob;
use super::{HttpRule, Mode, Refusal, SmtpRule, matched_form};
use crate::release::Release;

/// Where courier's matcher departs from gobwas v0.2.3 (its compiler's
/// shortcuts for alternatives): (pattern, subject). courier matches these
/// as written; the lint warns about such alternatives.
const GOBWAS_QUIRKS: [(&str, &str); 2] = [("x{}y", "xy"), ("x{*,b}y", "xzzy")];

#[test]
fn globs_match_as_gobwas_compiles_them() {
    // Recorded from Go (tests/fixtures/glob/main.go says how).
    let expected = include_str!("../../../tests/fixtures/glob/expected.tsv");
    let mut checked = 0;
    for line in expected.lines() {
        let mut cols = line.splitn(3, '\t');
        let (pattern, subject, want) = (
            cols.next().unwrap(),
            cols.next().unwrap(),
            cols.next().unwrap(),
        );
        let got = match Glob::compile(pattern) {
            Ok(g) => g.matches(subject).to_string(),
            Err(e) => format!("error: {e}"),
        };
        if GOBWAS_QUIRKS.contains(&(pattern, subject)) {
            assert_ne!(got, want, "{pattern:?} on {subject:?} is no longer a quirk");
        } else {
            assert_eq!(got, want, "{pattern:?} on {subject:?}");
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn a_long_subject_does_not_make_a_glob_slow() {
    let g = Glob::compile("**a**a**a**a**a**a**b").unwrap();
    let subject = "a".repeat(5000);
    let start = std::time::Instant::now();
    assert!(!g.matches(&subject));
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn rule(release: Release, disallow: bool, exceptions: &[&str]) -> HttpRule {
    HttpRule {
        release,
        disallow,
        exceptions: exceptions.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn http_modes_per_release() {
    let url = "http://10.0.0.5:8080/sms?token=x";
    assert_eq!(matched_form(url), "http://10.0.0.5:8080/sms");
    assert_eq!(matched_form("http://h/p?q#f"), "http://h/p#f");
    // v1.0.0: nothing without the flag; exact URLs as exceptions.
    assert_eq!(rule(Release::V1_0_0, false, &[]).mode(url), Ok(Mode::Open));
    let exact = ["http://10.0.0.5:8080/sms"];
    assert_eq!(
        rule(Release::V1_0_0, true, &exact).mode(url),
        Ok(Mode::Open)
    );
    let glob = ["http://10.0.0.5:8080/*"];
    assert_eq!(
        rule(Release::V1_0_0, true, &glob).mode(url),
        Ok(Mode::NotPublic)
    );
    // v1.1.0 on: the deny list always; globs as exceptions.
    for r in [Release::V1_1_0, Release::V26_2_0, Release::Master] {
        assert_eq!(rule(r, false, &[]).mode(url), Ok(Mode::AllowPrivate));
        assert_eq!(rule(r, true, &glob).mode(url), Ok(Mode::AllowPrivate));
        assert_eq!(rule(r, true, &exact).mode(url), Ok(Mode::AllowPrivate));
        assert_eq!(
            rule(r, true, &["http://10.0.0.5:8080/x"]).mode(url),
            Ok(Mode::ProhibitPrivate)
        );
        // A pattern that does not compile fails every request.
        let bad = rule(r, true, &["http://[", "http://10.0.0.5:8080/*"]);
        assert!(matches!(bad.mode(url), Err(Refusal::Pattern { .. })));
    }
}

#[test]
fn refusals_say_what_kratos_reports_and_why() {
    let on = rule(Release::V26_2_0, true, &[]);
    let err = on
        .check("http://10.0.0.5/x", "10.0.0.5", ip("10.0.0.5"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused to connect to 10.0.0.5, as Kratos v26.2.0 does: \"prohibited IP address: 10.0.0.5 \
         is not a permitted destination (denied by: 10.0.0.0/8)\"; \
         clients.http.disallow_private_ip_ranges is true and the URL matches no \
         clients.http.private_ip_exception_urls entry"
    );
    assert!(
        err.hint().contains("private_ip_exception_urls"),
        "{}",
        err.hint()
    );
    // The deny list holds with the flag off.
    let off = rule(Release::V1_1_0, false, &[]);
    let err = off
        .check("http://cgnat.example/x", "cgnat.example", ip("100.64.0.1"))
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "(cgnat.example), as Kratos v1.1.0 does: \"prohibited IP address: 100.64.0.1 is not a \
             permitted destination (denied by: 100.64.0.0/10)\"; Kratos never dials this range"
        ),
        "{err}"
    );
    assert!(off.check("http://h/", "h", ip("127.0.0.1")).is_ok());
    // v1.0.0's words; link-local passes there.
    let old = rule(Release::V1_0_0, true, &[]);
    let err = old
        .check("http://h/", "127.0.0.1", ip("127.0.0.1"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"127.0.0.1 is not a public IP address\""),
        "{err}"
    );
    assert!(old.check("http://h/", "h", ip("169.254.169.254")).is_ok());
    // master masks it in its log.
    let master = rule(Release::Master, true, &[]);
    let err = master
        .check("http://h.example/", "h.example", ip("192.168.1.1"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("(its log shows \"dial tcp: lookup h.example: no such host\")"),
        "{err}"
    );
    let err = master
        .check("http://[::1]/", "[::1]", ip("::1"))
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "is not a permitted destination as it's outside of the IPv6 Global Unicast range\" \
             (its log shows \"dial tcp: no route to host\")"
        ),
        "{err}"
    );
}

#[test]
fn smtp_is_guarded_in_master_only() {
    for r in [Release::V1_0_0, Release::V26_2_0] {
        let rule = SmtpRule {
            release: r,
            disallow: true,
        };
        assert_eq!(rule.mode(), Mode::Open);
        assert!(rule.check("127.0.0.1", ip("127.0.0.1")).is_ok());
    }
    let off = SmtpRule {
        release: Release::Master,
        disallow: false,
    };
    assert!(off.check("127.0.0.1", ip("127.0.0.1")).is_ok());
    let err = off.check("mx", ip("198.18.0.1")).unwrap_err();
    assert!(
        err.to_string().contains("denied by: 198.18.0.0/15"),
        "{err}"
    );
    let on = SmtpRule {
        release: Release::Master,
        disallow: true,
    };
    let err = on.check("127.0.0.1", ip("127.0.0.1")).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("clients.smtp.disallow_private_ip_ranges is true"),
        "{err}"
    );
    assert!(
        err.hint()
            .starts_with("set clients.smtp.disallow_private_ip_ranges to false")
    );
}
