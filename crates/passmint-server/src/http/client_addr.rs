//! The client address the limits of the public pages are keyed on (docs/api.md §6):
//! the TCP peer, or, when the peer is a trusted proxy (`PASSMINT_TRUSTED_PROXIES`),
//! the address its `X-Forwarded-For` names.
//!
//! `X-Forwarded-For` is read from the right: each proxy appends the address it was
//! reached from, so the rightmost address that is not a trusted proxy is the first
//! one no trusted proxy vouches for, the client. Anything left of it may be forged
//! by the client and is ignored. IPv6 addresses count by their /64 prefix (one
//! host usually holds a whole /64); IPv4-mapped IPv6 addresses count as IPv4.

use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// An address range: an address and the length of its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `addr` or `addr/prefix` (IPv4 or IPv6).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not an IP address or CIDR range"))?;
        let net = net.to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {max}"))?,
        };
        Ok(Cidr { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(u32::from(net).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether `a` and `b` (of `bits` bits) share their first `prefix` bits.
fn prefix_eq(a: u128, b: u128, bits: u8, prefix: u8) -> bool {
    let shift = u32::from(bits.saturating_sub(prefix));
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

/// The proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR ranges (empty: none).
    pub fn parse(s: &str) -> Result<TrustedProxies, String> {
        s.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client of a connection from `peer` whose `X-Forwarded-For` headers are
    /// `forwarded` (in order), as the key of the limits (see the module docs).
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        let mut client = peer;
        if self.trusts(peer) {
            let hops = forwarded.iter().flat_map(|h| h.split(','));
            for hop in hops.collect::<Vec<_>>().into_iter().rev() {
                let Some(ip) = parse_hop(hop) else {
                    // Unreadable: nothing left of it can be believed.
                    break;
                };
                client = ip;
                if !self.trusts(ip) {
                    break;
                }
            }
        }
        key(client)
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// What an address counts as: IPv4 as is (mapped ones included), IPv6 by its /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
        v4 => v4,
    }
}

/// The client address of a request (see [`TrustedProxies::client`]); the
/// unspecified address when the connection has none (a test request).
pub fn client_addr(req: &HttpRequest, trusted: &TrustedProxies) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    if trusted.is_empty() {
        return key(peer);
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    trusted.client(peer, &forwarded)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn trusted(s: &str) -> TrustedProxies {
        TrustedProxies::parse(s).expect("a list")
    }

    #[test]
    fn parses_addresses_and_ranges() {
        let t = trusted(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,");
        assert!(t.trusts(ip("10.200.3.4")));
        assert!(!t.trusts(ip("11.0.0.1")));
        assert!(t.trusts(ip("192.168.1.7")));
        assert!(!t.trusts(ip("192.168.1.8")));
        assert!(t.trusts(ip("fd12::1")));
        assert!(
            t.trusts(ip("::ffff:10.1.1.1")),
            "IPv4-mapped counts as IPv4"
        );
        assert!(trusted("0.0.0.0/0").trusts(ip("8.8.8.8")));
        assert!(trusted("").is_empty());
        for bad in ["10.0.0.0/33", "nope", "10.0.0.1/x", "::/129"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn forwarded_for_only_from_a_trusted_peer() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), &["1.2.3.4"]),
            ip("203.0.113.9")
        );
        let t = trusted("127.0.0.1");
        assert_eq!(t.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"));
        assert_eq!(t.client(ip("127.0.0.1"), &["1.2.3.4"]), ip("1.2.3.4"));
        assert_eq!(t.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t = trusted("10.0.0.0/8");
        // The client forged "6.6.6.6"; the proxies appended what they saw.
        assert_eq!(
            t.client(ip("10.0.0.1"), &["6.6.6.6, 198.51.100.7", "10.0.0.2"]),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last address a trusted proxy wrote.
        assert_eq!(
            t.client(ip("10.0.0.1"), &["1.1.1.1, junk, 10.0.0.3"]),
            ip("10.0.0.3")
        );
        // Only proxies: the leftmost.
        assert_eq!(
            t.client(ip("10.0.0.1"), &["10.0.0.9, 10.0.0.3"]),
            ip("10.0.0.9")
        );
        assert_eq!(
            t.client(ip("10.0.0.1"), &["198.51.100.7:4431"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn ipv6_counts_by_its_64_prefix() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("2001:db8:1:2:aaaa::1"), &[]),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            none.client(ip("::ffff:198.51.100.7"), &[]),
            ip("198.51.100.7")
        );
    }
}
