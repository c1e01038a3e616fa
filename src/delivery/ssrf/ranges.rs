//! The address rules Kratos' dialers apply, as tables: v1.0.0's
//! `IsPrivate || IsLoopback || IsUnspecified` (Go's `net.IP`), and from
//! v1.1.0 the deny list of `code.dny.dev/ssrf` v0.2.0 with the prefixes
//! Kratos allows first when private ranges are permitted.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 prefix: address and length.
type V4 = ([u8; 4], u8);
/// An IPv6 prefix: address and length.
type V6 = (u128, u8);

/// ssrf v0.2.0's IPv4 deny list, in its order (the first match names the
/// prefix in the error).
const DENIED_V4: [V4; 18] = [
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 31, 196, 0], 24),
    ([192, 52, 193, 0], 24),
    ([192, 88, 99, 0], 24),
    ([192, 168, 0, 0], 16),
    ([192, 175, 48, 0], 24),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([240, 0, 0, 0], 4),
    ([224, 0, 0, 0], 4),
];

/// The IPv6 global unicast range (2000::/3): everything outside is denied.
const GLOBAL_UNICAST: V6 = (0x2000 << 112, 3);

/// ssrf v0.2.0's IPv6 deny list inside the global unicast range.
const DENIED_V6: [V6; 4] = [
    (0x2001 << 112, 23),
    (0x2001_0db8 << 96, 32),
    (0x2002 << 112, 16),
    (0x2620_004f_8000 << 80, 48),
];

/// What Kratos allows before the deny list when private ranges are
/// permitted (the flag off, or an exception URL).
const PRIVATE_V4: [V4; 5] = [
    ([10, 0, 0, 0], 8),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 168, 0, 0], 16),
];
const PRIVATE_V6: [V6; 2] = [(1, 128), (0xfc00 << 112, 7)];

fn in_v4(ip: Ipv4Addr, (net, len): V4) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in_v6(ip: Ipv6Addr, (net, len): V6) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == net & mask
}

fn show_v4((net, len): V4) -> String {
    format!("{}/{len}", Ipv4Addr::from(net))
}

fn show_v6((net, len): V6) -> String {
    format!("{}/{len}", Ipv6Addr::from(net))
}

/// The address as Go's dialer sees it: an IPv4-mapped IPv6 address is
/// the IPv4 address (Go dials it over `tcp4`).
#[must_use]
pub fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// Why ssrf denies an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// In a denied prefix (`10.0.0.0/8`).
    By(String),
    /// IPv6 outside 2000::/3.
    OutsideGlobalUnicast,
    /// v1.0.0: Go's `IsPrivate`, `IsLoopback` or `IsUnspecified`.
    NotPublic,
}

/// ssrf v0.2.0's verdict, with the private ranges allowed first when
/// `allow_private`.
pub fn ssrf(ip: IpAddr, allow_private: bool) -> Result<(), Denied> {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            if allow_private && PRIVATE_V4.iter().any(|p| in_v4(v4, *p)) {
                return Ok(());
            }
            match DENIED_V4.iter().find(|p| in_v4(v4, **p)) {
                Some(p) => Err(Denied::By(show_v4(*p))),
                None => Ok(()),
            }
        }
        IpAddr::V6(v6) => {
            if allow_private && PRIVATE_V6.iter().any(|p| in_v6(v6, *p)) {
                return Ok(());
            }
            if !in_v6(v6, GLOBAL_UNICAST) {
                return Err(Denied::OutsideGlobalUnicast);
            }
            match DENIED_V6.iter().find(|p| in_v6(v6, **p)) {
                Some(p) => Err(Denied::By(show_v6(*p))),
                None => Ok(()),
            }
        }
    }
}

/// v1.0.0's test: Go's `IsPrivate() || IsLoopback() || IsUnspecified()`
/// (link-local is not in it).
pub fn go_not_public(ip: IpAddr) -> Result<(), Denied> {
    let blocked = match canonical(ip) {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_unspecified(),
        IpAddr::V6(v6) => in_v6(v6, (0xfc00 << 112, 7)) || v6.is_loopback() || v6.is_unspecified(),
    };
    if blocked {
        Err(Denied::NotPublic)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::{Denied, go_not_public, ssrf};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn by(s: &str) -> Result<(), Denied> {
        Err(Denied::By(s.to_owned()))
    }

    #[test]
    fn the_deny_list_names_its_prefix() {
        for (addr, prefix) in [
            ("0.1.2.3", "0.0.0.0/8"),
            ("10.0.0.5", "10.0.0.0/8"),
            ("100.64.0.1", "100.64.0.0/10"),
            ("100.127.255.255", "100.64.0.0/10"),
            ("127.0.0.1", "127.0.0.0/8"),
            ("169.254.169.254", "169.254.0.0/16"),
            ("172.31.255.255", "172.16.0.0/12"),
            ("192.0.0.8", "192.0.0.0/24"),
            ("192.0.2.1", "192.0.2.0/24"),
            ("192.168.1.1", "192.168.0.0/16"),
            ("198.19.0.1", "198.18.0.0/15"),
            ("203.0.113.9", "203.0.113.0/24"),
            ("224.0.0.1", "224.0.0.0/4"),
            ("255.255.255.255", "240.0.0.0/4"),
            ("::ffff:10.1.2.3", "10.0.0.0/8"),
            ("2001:1ff::1", "2001::/23"),
            ("2001:db8::1", "2001:db8::/32"),
            ("2002::1", "2002::/16"),
            ("2620:4f:8000::1", "2620:4f:8000::/48"),
        ] {
            assert_eq!(ssrf(ip(addr), false), by(prefix), "{addr}");
        }
        for addr in [
            "::1",
            "fd00::1",
            "fe80::1",
            "::",
            "64:ff9b::1.2.3.4",
            "ff02::1",
        ] {
            assert_eq!(
                ssrf(ip(addr), false),
                Err(Denied::OutsideGlobalUnicast),
                "{addr}"
            );
        }
        for addr in ["8.8.8.8", "100.128.0.1", "172.32.0.1", "2606:4700::1111"] {
            assert_eq!(ssrf(ip(addr), false), Ok(()), "{addr}");
        }
    }

    #[test]
    fn private_ranges_are_allowed_first_when_permitted() {
        for addr in [
            "10.0.0.5",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "192.168.0.1",
            "::1",
            "fc00::1",
            "fdff::1",
        ] {
            assert_eq!(ssrf(ip(addr), true), Ok(()), "{addr}");
        }
        // The rest of the list still holds.
        assert_eq!(ssrf(ip("100.64.0.1"), true), by("100.64.0.0/10"));
        assert_eq!(ssrf(ip("0.0.0.0"), true), by("0.0.0.0/8"));
        assert_eq!(ssrf(ip("198.18.0.1"), true), by("198.18.0.0/15"));
        assert_eq!(ssrf(ip("fe80::1"), true), Err(Denied::OutsideGlobalUnicast));
        assert_eq!(ssrf(ip("::"), true), Err(Denied::OutsideGlobalUnicast));
    }

    #[test]
    fn version_one_blocks_private_loopback_and_unspecified_only() {
        for addr in [
            "10.0.0.5",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fc00::1",
            "::ffff:192.168.0.1",
        ] {
            assert_eq!(go_not_public(ip(addr)), Err(Denied::NotPublic), "{addr}");
        }
        for addr in [
            "169.254.169.254",
            "fe80::1",
            "100.64.0.1",
            "8.8.8.8",
            "0.1.2.3",
        ] {
            assert_eq!(go_not_public(ip(addr)), Ok(()), "{addr}");
        }
    }
}
