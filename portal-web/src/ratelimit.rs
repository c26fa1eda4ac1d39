//! Failed-authentication throttling: a token bucket per client address, in this process's memory.
//!
//! Each failed API-key check takes a token from the client's bucket; the bucket refills at a
//! steady rate up to its burst size. A client whose bucket is empty is answered 429 with
//! `Retry-After` before its key is even looked up, so guessing keys costs the guesser time and
//! costs us no database work. Successful requests take nothing. IPv6 clients are keyed by their
//! /64 (one subscriber's allocation), since a single host can use any address in it.
//!
//! Per process by design: several `billing serve` processes behind a load balancer each keep their
//! own buckets, so the effective limit is multiplied by their number (docs/operations.md).
//! Token arithmetic is in micro-tokens and microseconds: integers only, like the money.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One token, in micro-tokens.
const TOKEN: u64 = 1_000_000;

/// How many client buckets are kept at most. Beyond it, full (idle) buckets are forgotten first;
/// a flood of distinct addresses cannot grow memory without bound.
const MAX_CLIENTS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthLimits {
    /// Failed attempts a client may make in a row.
    pub burst: u32,
    /// Failed attempts a client regains per minute.
    pub refill_per_minute: u32,
}

impl Default for AuthLimits {
    fn default() -> Self {
        Self { burst: 20, refill_per_minute: 10 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    micro_tokens: u64,
    at: Instant,
}

#[derive(Debug)]
pub struct AuthLimiter {
    limits: AuthLimits,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl AuthLimiter {
    pub fn new(limits: AuthLimits) -> Self {
        Self { limits, buckets: Mutex::new(HashMap::new()) }
    }

    fn capacity(&self) -> u64 {
        u64::from(self.limits.burst.max(1)) * TOKEN
    }

    /// The bucket's tokens now, refilled for the time since it was last touched.
    fn refilled(&self, b: Bucket, now: Instant) -> u64 {
        let micros = u64::try_from(now.saturating_duration_since(b.at).as_micros()).unwrap_or(u64::MAX);
        // micro-tokens per microsecond = per_minute / 60: one token per (60 s / per_minute).
        let gained = micros.saturating_mul(u64::from(self.limits.refill_per_minute)) / 60;
        b.micro_tokens.saturating_add(gained).min(self.capacity())
    }

    /// How long until the bucket holds a whole token again.
    fn wait(&self, micro_tokens: u64) -> Duration {
        let missing = TOKEN.saturating_sub(micro_tokens);
        let per_minute = u64::from(self.limits.refill_per_minute.max(1));
        Duration::from_micros(missing.saturating_mul(60).div_ceil(per_minute))
    }

    /// `Err(wait)` when the client has used up its failed attempts: refuse without checking.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        match buckets.get(&client_key(ip)) {
            Some(b) => {
                let tokens = self.refilled(*b, now);
                if tokens >= TOKEN { Ok(()) } else { Err(self.wait(tokens)) }
            }
            None => Ok(()),
        }
    }

    /// Records a failed attempt: takes one token.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let key = client_key(ip);
        if !buckets.contains_key(&key) && buckets.len() >= MAX_CLIENTS {
            let capacity = self.capacity();
            buckets.retain(|_, b| self.refilled(*b, now) < capacity);
            if buckets.len() >= MAX_CLIENTS {
                // Every tracked client is mid-attack: forget the oldest half rather than grow.
                let mut ages: Vec<Instant> = buckets.values().map(|b| b.at).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                buckets.retain(|_, b| b.at > cut);
            }
        }
        let capacity = self.capacity();
        let bucket = buckets.entry(key).or_insert(Bucket { micro_tokens: capacity, at: now });
        let tokens = self.refilled(*bucket, now);
        *bucket = Bucket { micro_tokens: tokens.saturating_sub(TOKEN), at: now };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_gets_its_burst_then_waits_for_the_refill() {
        let limiter = AuthLimiter::new(AuthLimits { burst: 3, refill_per_minute: 6 });
        let t0 = Instant::now();
        let client = ip("203.0.113.7");
        for _ in 0..3 {
            assert_eq!(limiter.check(client, t0), Ok(()));
            limiter.failed(client, t0);
        }
        // Six a minute: one every ten seconds.
        assert_eq!(limiter.check(client, t0), Err(Duration::from_secs(10)));
        assert_eq!(limiter.check(client, t0 + Duration::from_secs(4)), Err(Duration::from_secs(6)));
        assert_eq!(limiter.check(client, t0 + Duration::from_secs(10)), Ok(()));
        // Another client is not affected.
        assert_eq!(limiter.check(ip("203.0.113.8"), t0), Ok(()));
    }

    #[test]
    fn ipv6_clients_share_their_64_and_mapped_ipv4_is_ipv4() {
        let limiter = AuthLimiter::new(AuthLimits { burst: 1, refill_per_minute: 1 });
        let t0 = Instant::now();
        limiter.failed(ip("2001:db8:1:2::1"), t0);
        assert!(limiter.check(ip("2001:db8:1:2:ffff::9"), t0).is_err());
        assert!(limiter.check(ip("2001:db8:1:3::1"), t0).is_ok());
        limiter.failed(ip("::ffff:198.51.100.1"), t0);
        assert!(limiter.check(ip("198.51.100.1"), t0).is_err());
    }

    #[test]
    fn the_table_stays_bounded() {
        let limiter = AuthLimiter::new(AuthLimits { burst: 1, refill_per_minute: 1 });
        let t0 = Instant::now();
        for n in 0..(MAX_CLIENTS as u32 + 10) {
            limiter.failed(IpAddr::V4(std::net::Ipv4Addr::from(n)), t0 + Duration::from_micros(u64::from(n)));
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_CLIENTS);
    }
}
