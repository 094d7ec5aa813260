use crate::ValidationError;
use ipnet::IpNet;
use std::fmt;
use std::net::IpAddr;

/// U9: IPv4/IPv6 addresses and CIDR ranges, comma-separated; `*` means no restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpAllowlist {
    Any,
    Only(Vec<IpNet>),
}

impl IpAllowlist {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ValidationError::new(
                "ip_allowlist",
                "enter addresses or ranges, or * for no restriction",
            ));
        }
        if raw == "*" {
            return Ok(Self::Any);
        }
        let mut nets = Vec::new();
        for part in raw
            .split([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if part == "*" {
                return Err(ValidationError::new(
                    "ip_allowlist",
                    "* stands alone: it cannot be combined with addresses",
                ));
            }
            let net = if part.contains('/') {
                part.parse::<IpNet>().map(|n| n.trunc()).ok()
            } else {
                part.parse::<IpAddr>().map(IpNet::from).ok()
            }
            .ok_or_else(|| {
                ValidationError::new(
                    "ip_allowlist",
                    format!("{part:?} is not an IP address or CIDR range"),
                )
            })?;
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        if nets.len() > 256 {
            return Err(ValidationError::new("ip_allowlist", "at most 256 entries"));
        }
        Ok(Self::Only(nets))
    }

    pub fn allows(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        match self {
            Self::Any => true,
            Self::Only(nets) => nets.iter().any(|n| n.contains(&addr)),
        }
    }

    /// Does this list allow every address `other` allows? (A list may narrow another, never
    /// widen it.) The ranges of `self` are merged first, so `10.0.0.0/9, 10.128.0.0/9` covers
    /// `10.0.0.0/8`. An IPv4 range is never taken as covering an IPv6 one, nor the reverse.
    pub fn covers(&self, other: &IpAllowlist) -> bool {
        match (self, other) {
            (Self::Any, _) => true,
            (Self::Only(_), Self::Any) => false,
            (Self::Only(mine), Self::Only(theirs)) => {
                let mine = IpNet::aggregate(mine);
                theirs.iter().all(|n| mine.iter().any(|m| m.contains(n)))
            }
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    }
}

impl fmt::Display for IpAllowlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Only(nets) => {
                let parts: Vec<String> = nets
                    .iter()
                    .map(|n| {
                        if n.prefix_len() == n.max_prefix_len() {
                            n.addr().to_string()
                        } else {
                            n.to_string()
                        }
                    })
                    .collect();
                f.write_str(&parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let a = IpAllowlist::parse("10.0.0.0/8, 192.168.1.7, 2001:db8::/32").unwrap();
        assert!(a.allows("10.2.3.4".parse().unwrap()));
        assert!(a.allows("::ffff:10.2.3.4".parse().unwrap()));
        assert!(a.allows("192.168.1.7".parse().unwrap()));
        assert!(!a.allows("192.168.1.8".parse().unwrap()));
        assert!(a.allows("2001:db8::1".parse().unwrap()));
        assert_eq!(a.to_string(), "10.0.0.0/8, 192.168.1.7, 2001:db8::/32");
        assert!(
            IpAllowlist::parse("*")
                .unwrap()
                .allows("1.2.3.4".parse().unwrap())
        );
        assert!(IpAllowlist::parse("").is_err());
        assert!(IpAllowlist::parse("10.0.0.1, *").is_err());
        assert!(IpAllowlist::parse("10.0.0.300").is_err());
    }

    #[test]
    fn covers_only_narrower_lists() {
        let p = |s: &str| IpAllowlist::parse(s).unwrap();
        let office = p("10.0.0.0/8, 192.168.1.7, 2001:db8::/32");
        assert!(office.covers(&p("10.1.0.0/16")));
        assert!(office.covers(&p("10.1.2.3, 192.168.1.7, 2001:db8:1::/48")));
        assert!(office.covers(&office));
        assert!(
            !office.covers(&p("*")),
            "no restriction is wider than any list"
        );
        assert!(!office.covers(&p("0.0.0.0/0")));
        assert!(
            !office.covers(&p("192.168.1.0/24")),
            "one address does not cover its range"
        );
        assert!(
            !office.covers(&p("10.1.0.0/16, 172.16.0.1")),
            "every entry must be inside"
        );
        assert!(!office.covers(&p("2001:db9::1")));
        assert!(
            !office.covers(&p("::ffff:10.0.0.0/104")),
            "other families are not mixed"
        );
        assert!(p("*").covers(&p("*")));
        assert!(p("*").covers(&office));
        assert!(p("10.0.0.0/9, 10.128.0.0/9").covers(&p("10.0.0.0/8")));
        assert!(!p("10.0.0.0/9, 10.192.0.0/10").covers(&p("10.0.0.0/8")));
    }
}
