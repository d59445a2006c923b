//! The SSRF rule: which addresses a webhook may be delivered to, and the DNS resolver
//! that enforces it.
//!
//! A webhook URL is chosen by a customer, so without a rule Passmint would happily POST
//! to its own database, the cloud metadata service or anything else on the operator's
//! network. The rule is applied to *addresses*, never to host names: a host is resolved
//! first and refused if **any** of its addresses is not publicly routable
//! ([`forbidden_reason`]). The check and the connection use the same resolution:
//! [`GuardedResolver`] is the HTTP client's only DNS resolver, so the client connects to
//! exactly the addresses that were checked (no second lookup an attacker could answer
//! differently: no DNS-rebinding window). Literal IP hosts never reach a resolver and
//! are checked by the caller with [`check_ip`].
//!
//! Everything here is bypassed when the operator sets
//! `PASSMINT_WEBHOOK_ALLOW_PRIVATE=true` (then the resolver resolves and returns all
//! addresses).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address is not publicly routable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// What the range is for, e.g. `loopback`.
    pub category: &'static str,
    /// The range in CIDR notation, e.g. `127.0.0.0/8`.
    pub range: &'static str,
    /// Set when an IPv4 address was found embedded in an IPv6 one (e.g. `IPv4-mapped`).
    pub embedded_in: Option<&'static str>,
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.category, self.range)?;
        if let Some(outer) = self.embedded_in {
            write!(f, " inside an {outer} IPv6 address")?;
        }
        Ok(())
    }
}

/// A delivery address that the rule refuses, or a host that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The host is, or resolves to, an address that is not publicly routable.
    #[error(
        "refused: {}; set PASSMINT_WEBHOOK_ALLOW_PRIVATE=true to allow private addresses",
        describe_refusal(host.as_deref(), *ip, reason)
    )]
    Refused {
        /// The host name, when the address came from DNS.
        host: Option<String>,
        /// The offending address.
        ip: IpAddr,
        /// Which rule it breaks.
        reason: Forbidden,
    },
    /// The DNS lookup failed.
    #[error("DNS lookup of {host:?} failed: {message}")]
    Lookup {
        /// The host name.
        host: String,
        /// The resolver's error.
        message: String,
    },
    /// The DNS lookup returned no address.
    #[error("DNS lookup of {host:?} returned no address")]
    NoAddress {
        /// The host name.
        host: String,
    },
}

fn describe_refusal(host: Option<&str>, ip: IpAddr, reason: &Forbidden) -> String {
    match host {
        Some(host) => format!("host {host:?} resolves to {ip}, which is {reason}"),
        None => format!("{ip} is {reason}"),
    }
}

/// `(network, prefix length, category, CIDR)`; first match wins.
const V4_RULES: &[([u8; 4], u32, &str, &str)] = &[
    ([0, 0, 0, 0], 8, "\"this network\"", "0.0.0.0/8"),
    ([10, 0, 0, 0], 8, "private", "10.0.0.0/8"),
    ([100, 64, 0, 0], 10, "carrier-grade NAT", "100.64.0.0/10"),
    ([127, 0, 0, 0], 8, "loopback", "127.0.0.0/8"),
    ([169, 254, 0, 0], 16, "link-local", "169.254.0.0/16"),
    ([172, 16, 0, 0], 12, "private", "172.16.0.0/12"),
    (
        [192, 0, 0, 0],
        24,
        "IETF protocol assignments",
        "192.0.0.0/24",
    ),
    ([192, 0, 2, 0], 24, "documentation", "192.0.2.0/24"),
    ([192, 88, 99, 0], 24, "6to4 relay anycast", "192.88.99.0/24"),
    ([192, 168, 0, 0], 16, "private", "192.168.0.0/16"),
    ([198, 18, 0, 0], 15, "benchmarking", "198.18.0.0/15"),
    ([198, 51, 100, 0], 24, "documentation", "198.51.100.0/24"),
    ([203, 0, 113, 0], 24, "documentation", "203.0.113.0/24"),
    ([224, 0, 0, 0], 4, "multicast", "224.0.0.0/4"),
    ([255, 255, 255, 255], 32, "broadcast", "255.255.255.255/32"),
    ([240, 0, 0, 0], 4, "reserved", "240.0.0.0/4"),
];

/// `(network, prefix length, category, CIDR)`; first match wins. Checked after the
/// forms that embed an IPv4 address; anything outside 2000::/3 is refused afterwards.
const V6_RULES: &[(u128, u32, &str, &str)] = &[
    (0, 128, "unspecified", "::/128"),
    (1, 128, "loopback", "::1/128"),
    (0, 96, "IPv4-compatible (deprecated)", "::/96"),
    (
        0x0064_ff9b_0001 << 80,
        48,
        "local-use NAT64",
        "64:ff9b:1::/48",
    ),
    (0x0100 << 112, 64, "discard-only", "100::/64"),
    (0x2001 << 112, 32, "Teredo", "2001::/32"),
    (0x2001_0002 << 96, 48, "benchmarking", "2001:2::/48"),
    (0x2001_0010 << 96, 28, "ORCHID", "2001:10::/28"),
    (0x2001_0020 << 96, 28, "ORCHIDv2", "2001:20::/28"),
    (0x2001_0db8 << 96, 32, "documentation", "2001:db8::/32"),
    (0x3fff << 112, 20, "documentation", "3fff::/20"),
    (0xfc00 << 112, 7, "unique local", "fc00::/7"),
    (0xfe80 << 112, 10, "link-local", "fe80::/10"),
    (0xfec0 << 112, 10, "site-local (deprecated)", "fec0::/10"),
    (0xff00 << 112, 8, "multicast", "ff00::/8"),
];

fn v4_in(ip: u32, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    ip & mask == u32::from_be_bytes(net) & mask
}

fn v6_in(ip: u128, net: u128, prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    ip & mask == net & mask
}

fn v4_reason(ip: Ipv4Addr) -> Option<Forbidden> {
    let n = u32::from(ip);
    V4_RULES
        .iter()
        .find(|(net, prefix, _, _)| v4_in(n, *net, *prefix))
        .map(|&(_, _, category, range)| Forbidden {
            category,
            range,
            embedded_in: None,
        })
}

fn embedded(ip: Ipv4Addr, outer: &'static str) -> Option<Forbidden> {
    v4_reason(ip).map(|reason| Forbidden {
        embedded_in: Some(outer),
        ..reason
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<Forbidden> {
    let n = u128::from(ip);
    // Forms that carry an IPv4 address the packet ends up at: judge that address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return embedded(v4, "IPv4-mapped");
    }
    if v6_in(n, 0x0064_ff9b << 96, 96) {
        return embedded(Ipv4Addr::from((n & 0xffff_ffff) as u32), "NAT64");
    }
    if v6_in(n, 0x2002 << 112, 16)
        && let Some(reason) = embedded(Ipv4Addr::from((n >> 80) as u32), "6to4")
    {
        return Some(reason);
    }
    if let Some(&(_, _, category, range)) = V6_RULES
        .iter()
        .find(|(net, prefix, _, _)| v6_in(n, *net, *prefix))
    {
        return Some(Forbidden {
            category,
            range,
            embedded_in: None,
        });
    }
    // Only 2000::/3 is allocated as global unicast.
    (!v6_in(n, 0x2000 << 112, 3)).then_some(Forbidden {
        category: "not global unicast",
        range: "outside 2000::/3",
        embedded_in: None,
    })
}

/// Why `ip` may not receive webhooks, or `None` when it is publicly routable.
///
/// Refused: IPv4 "this network" (incl. 0.0.0.0), RFC 1918 private, CGNAT 100.64/10,
/// loopback, link-local (incl. cloud metadata 169.254.169.254), IETF 192.0.0/24,
/// documentation, 6to4 relay, benchmarking, multicast, reserved and broadcast; IPv6
/// unspecified, loopback, IPv4-compatible, local NAT64, discard, Teredo, benchmarking,
/// ORCHID, documentation, unique local fc00::/7, link-local, site-local, multicast and
/// anything outside 2000::/3; and IPv4-mapped (`::ffff:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`) addresses whose embedded IPv4
/// address is refused.
pub fn forbidden_reason(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

/// `Ok` when `ip` may receive webhooks (always, with `allow_private`).
pub fn check_ip(ip: IpAddr, allow_private: bool) -> Result<(), AddressError> {
    match forbidden_reason(ip) {
        Some(reason) if !allow_private => Err(AddressError::Refused {
            host: None,
            ip,
            reason,
        }),
        _ => Ok(()),
    }
}

/// Resolves `host` with the system resolver and checks every address: refused if any
/// one is forbidden (a host with one public and one private address could otherwise be
/// steered to the private one by connection fallback). Port 0 in the result means "the
/// URL's port".
pub async fn resolve_checked(
    host: &str,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, AddressError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| AddressError::Lookup {
            host: host.to_owned(),
            message: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(AddressError::NoAddress {
            host: host.to_owned(),
        });
    }
    if !allow_private
        && let Some((ip, reason)) = addrs
            .iter()
            .find_map(|a| forbidden_reason(a.ip()).map(|r| (a.ip(), r)))
    {
        return Err(AddressError::Refused {
            host: Some(host.to_owned()),
            ip,
            reason,
        });
    }
    Ok(addrs)
}

/// The HTTP client's DNS resolver: [`resolve_checked`], so the client only ever
/// connects to addresses that passed the rule.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    /// A resolver enforcing the rule unless `allow_private`.
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs = resolve_checked(name.as_str(), allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn refused(s: &str) -> Option<Forbidden> {
        forbidden_reason(s.parse().unwrap())
    }

    #[test]
    fn refuses_non_public_ipv4() {
        for (ip, category) in [
            ("0.0.0.0", "\"this network\""),
            ("0.1.2.3", "\"this network\""),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.2.1", "documentation"),
            ("192.88.99.1", "6to4 relay anycast"),
            ("192.168.1.1", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
        ] {
            assert_eq!(refused(ip).map(|r| r.category), Some(category), "{ip}");
        }
    }

    #[test]
    fn allows_public_ipv4_next_to_the_ranges() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert_eq!(refused(ip), None, "{ip}");
        }
    }

    #[test]
    fn refuses_non_public_ipv6() {
        for (ip, category) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::7f00:1", "IPv4-compatible (deprecated)"),
            ("64:ff9b:1::1", "local-use NAT64"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "ORCHID"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("fec0::1", "site-local (deprecated)"),
            ("ff02::1", "multicast"),
            ("4000::1", "not global unicast"),
            ("1234::1", "not global unicast"),
        ] {
            assert_eq!(refused(ip).map(|r| r.category), Some(category), "{ip}");
        }
    }

    #[test]
    fn judges_ipv4_embedded_in_ipv6() {
        let mapped = refused("::ffff:127.0.0.1").unwrap();
        assert_eq!(mapped.category, "loopback");
        assert_eq!(mapped.embedded_in, Some("IPv4-mapped"));
        assert_eq!(
            mapped.to_string(),
            "loopback (127.0.0.0/8) inside an IPv4-mapped IPv6 address"
        );
        assert_eq!(refused("::ffff:10.1.2.3").unwrap().category, "private");
        assert_eq!(
            refused("::ffff:169.254.169.254").unwrap().category,
            "link-local"
        );
        assert_eq!(refused("::ffff:8.8.8.8"), None);
        assert_eq!(
            refused("64:ff9b::192.168.0.1").unwrap().embedded_in,
            Some("NAT64")
        );
        assert_eq!(refused("64:ff9b::8.8.8.8"), None);
        // 2002:c0a8:0101:: embeds 192.168.1.1.
        assert_eq!(
            refused("2002:c0a8:101::1").unwrap().embedded_in,
            Some("6to4")
        );
        assert_eq!(refused("2002:0808:0808::1"), None);
    }

    #[test]
    fn allows_global_unicast_ipv6() {
        for ip in [
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "2001:4860::1",
        ] {
            assert_eq!(refused(ip), None, "{ip}");
        }
    }

    #[test]
    fn check_ip_honours_allow_private() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let err = check_ip(ip, false).unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(
            err.to_string().contains("PASSMINT_WEBHOOK_ALLOW_PRIVATE"),
            "{err}"
        );
        check_ip(ip, true).unwrap();
        check_ip("8.8.8.8".parse().unwrap(), false).unwrap();
    }

    #[tokio::test]
    async fn resolver_refuses_localhost_unless_allowed() {
        let err = resolve_checked("localhost", false).await.unwrap_err();
        match &err {
            AddressError::Refused { host, reason, .. } => {
                assert_eq!(host.as_deref(), Some("localhost"));
                assert_eq!(reason.category, "loopback");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("refused: host \"localhost\" resolves to "),
            "{err}"
        );
        let addrs = resolve_checked("localhost", true).await.unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[tokio::test]
    async fn resolver_reports_unknown_hosts() {
        let err = resolve_checked("does-not-exist.invalid", false)
            .await
            .unwrap_err();
        assert!(matches!(err, AddressError::Lookup { .. }), "{err:?}");
    }
}
