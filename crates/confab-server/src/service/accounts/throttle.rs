//! Brute-force protection: counts failed sign-ins per account and per client address
//! and makes each further attempt wait exponentially longer.
//!
//! The counters live in the database, so every node sees the same counts and a
//! restart does not reset them. The same counters also bound sign-ups per address.
//!
//! Rule: after `free` failures under a key within `window`, the next attempt is
//! refused until `base * 2^(failures - free)` (at most `max`) has passed since the
//! last failure. A successful sign-in clears the account's counter but not the
//! address's, so owning one account does not help guessing the passwords of others.

use crate::clock::{Millis, duration_millis};
use crate::config::ThrottleConfig;
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::FailureCount;
use std::time::Duration;

/// Which counter a key belongs to.
#[derive(Clone, Debug)]
pub enum ThrottleKey {
    Account(String),
    Address(String),
}

impl ThrottleKey {
    fn storage_key(&self) -> String {
        match self {
            Self::Account(username_key) => format!("user:{username_key}"),
            Self::Address(ip) => format!("ip:{ip}"),
        }
    }
}

/// The sign-in and sign-up throttle.
pub struct Throttle {
    store: SharedStore,
    config: ThrottleConfig,
}

impl Throttle {
    pub fn new(store: SharedStore, config: ThrottleConfig) -> Self {
        Self { store, config }
    }

    fn window_start(&self, now: Millis) -> Millis {
        now.saturating_sub(duration_millis(self.config.window))
    }

    /// Fails with [`ServiceError::RateLimited`] while any of `keys` is backing off.
    pub async fn check(&self, keys: &[ThrottleKey], now: Millis) -> ServiceResult<()> {
        let since = self.window_start(now);
        let mut wait = Duration::ZERO;
        for key in keys {
            let count = self
                .store
                .recent_failures(&key.storage_key(), since)
                .await?;
            wait = wait.max(self.remaining_delay(key, count, now));
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(ServiceError::RateLimited { retry_after: wait })
        }
    }

    /// Counts a failed attempt under every key.
    pub async fn record_failure(&self, keys: &[ThrottleKey], now: Millis) -> ServiceResult<()> {
        let since = self.window_start(now);
        for key in keys {
            self.store
                .record_failure(&key.storage_key(), now, since)
                .await?;
        }
        Ok(())
    }

    /// Clears an account's counter after it signed in successfully.
    pub async fn record_success(&self, account: &ThrottleKey) -> ServiceResult<()> {
        Ok(self.store.clear_failures(&account.storage_key()).await?)
    }

    /// Admits one sign-up from `ip`, or refuses it once the address has used its
    /// allowance for the window.
    pub async fn admit_signup(&self, ip: Option<&str>, now: Millis) -> ServiceResult<()> {
        let (Some(ip), limit) = (ip, self.config.signups_per_ip) else {
            return Ok(());
        };
        if limit == 0 {
            return Ok(());
        }
        let key = format!("signup:{ip}");
        let since = self.window_start(now);
        let count = self.store.recent_failures(&key, since).await?;
        if count.failures >= limit {
            let reopens = count
                .last_failure_at
                .saturating_add(duration_millis(self.config.window));
            return Err(ServiceError::RateLimited {
                retry_after: millis_until(reopens, now),
            });
        }
        self.store.record_failure(&key, now, since).await?;
        Ok(())
    }

    fn remaining_delay(&self, key: &ThrottleKey, count: FailureCount, now: Millis) -> Duration {
        let free = match key {
            ThrottleKey::Account(_) => self.config.account_free_failures,
            ThrottleKey::Address(_) => self.config.ip_free_failures,
        };
        let Some(over) = count.failures.checked_sub(free) else {
            return Duration::ZERO;
        };
        let delay = backoff(self.config.base_delay, self.config.max_delay, over);
        let until = count.last_failure_at.saturating_add(duration_millis(delay));
        millis_until(until, now)
    }
}

/// `base * 2^exponent`, capped at `max`.
fn backoff(base: Duration, max: Duration, exponent: u32) -> Duration {
    let factor = 2u32.checked_pow(exponent).unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(max).min(max)
}

fn millis_until(until: Millis, now: Millis) -> Duration {
    Duration::from_millis(u64::try_from(until - now).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(900);
        assert_eq!(backoff(base, max, 0), Duration::from_secs(1));
        assert_eq!(backoff(base, max, 3), Duration::from_secs(8));
        assert_eq!(backoff(base, max, 10), max);
        assert_eq!(backoff(base, max, 40), max);
    }

    #[test]
    fn rate_limited_error_reports_whole_seconds() {
        let error = ServiceError::RateLimited {
            retry_after: Duration::from_millis(300),
        };
        assert_eq!(
            error.to_string(),
            "too many attempts; wait 1s and try again"
        );
    }
}
