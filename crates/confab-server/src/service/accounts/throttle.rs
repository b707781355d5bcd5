//! Brute-force protection: counts failed sign-ins per account and per client address
//! and makes each further attempt wait exponentially longer.
//!
//! The counters live in the database, so every node sees the same counts and a
//! restart does not reset them. The same counters also bound sign-ups per address.
//!
//! Rule: after `free` failures under a key within `window`, the next attempt is
//! refused until `base * 2^(failures - free)` (at most `max`) has passed since the
//! last failure. Failures count under three keys: the account from this address
//! (`--signin-free-failures`), the address (`--signin-ip-free-failures`) and the
//! account from everywhere (`--signin-account-free-failures`, high). So someone
//! failing on an account from elsewhere holds back their own address, not the owner,
//! and only a guesser spread over many addresses slows the account as a whole. A
//! successful sign-in clears the account-and-address counter only, so owning one
//! account does not help guessing the passwords of others.
//!
//! Besides failures, attempts are counted whatever their outcome: sign-ins per
//! address and per account, and sign-ups per address, each capped per window, since
//! every attempt costs a password hash or probes the directory.

use crate::clock::{Millis, duration_millis};
use crate::config::ThrottleConfig;
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::FailureCount;
use std::time::Duration;

/// Which failure counter a key belongs to.
#[derive(Clone, Debug)]
pub enum ThrottleKey {
    /// One account (its username key) from one client address.
    AccountFrom { account: String, ip: String },
    /// One account from every address.
    Account(String),
    /// One client address, whatever account it tries.
    Address(String),
}

impl ThrottleKey {
    /// The failure counters of a sign-in on `account` from `ip`, the one to clear on
    /// success first.
    pub fn for_signin(account: &str, ip: Option<&str>) -> Vec<Self> {
        let ip = ip.unwrap_or("unknown");
        vec![
            Self::AccountFrom {
                account: account.to_owned(),
                ip: ip.to_owned(),
            },
            Self::Account(account.to_owned()),
            Self::Address(ip.to_owned()),
        ]
    }

    fn storage_key(&self) -> String {
        match self {
            Self::AccountFrom { account, ip } => format!("user:{account}@{ip}"),
            Self::Account(username_key) => format!("user:{username_key}"),
            Self::Address(ip) => format!("ip:{ip}"),
        }
    }
}

/// What an attempt counter counts, whatever the outcome.
#[derive(Clone, Copy, Debug)]
pub enum Attempt<'a> {
    SignUp {
        ip: Option<&'a str>,
    },
    SignIn {
        account: &'a str,
        ip: Option<&'a str>,
    },
    /// A sign-in at an identity provider or with a passkey started: counted with the
    /// address's sign-ins (each stores a flow or ceremony, and a provider sign-in may
    /// fetch the provider's metadata).
    SignInStarted {
        ip: Option<&'a str>,
    },
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

    /// Clears the account-and-address counter after a successful sign-in.
    pub async fn record_success(&self, key: &ThrottleKey) -> ServiceResult<()> {
        Ok(self.store.clear_failures(&key.storage_key()).await?)
    }

    /// Counts one attempt, or refuses it once its address (or account) has used the
    /// allowance of the window.
    pub async fn admit(&self, attempt: Attempt<'_>, now: Millis) -> ServiceResult<()> {
        let counters = match attempt {
            Attempt::SignUp { ip } => {
                vec![ip.map(|ip| (format!("signup:{ip}"), self.config.signups_per_ip))]
            }
            Attempt::SignInStarted { ip } => {
                vec![ip.map(|ip| (format!("signin:ip:{ip}"), self.config.signins_per_ip))]
            }
            Attempt::SignIn { account, ip } => vec![
                ip.map(|ip| (format!("signin:ip:{ip}"), self.config.signins_per_ip)),
                Some((
                    format!("signin:user:{account}"),
                    self.config.signins_per_account,
                )),
            ],
        };
        let counters: Vec<(String, u32)> = counters
            .into_iter()
            .flatten()
            .filter(|&(_, limit)| limit > 0)
            .collect();
        // Check every counter before counting any, so a refusal costs nothing.
        for (key, limit) in &counters {
            self.refuse_over(key, *limit, now).await?;
        }
        let since = self.window_start(now);
        for (key, _) in &counters {
            self.store.record_failure(key, now, since).await?;
        }
        Ok(())
    }

    /// `RateLimited` while the counter `key` holds `limit` attempts of the window.
    async fn refuse_over(&self, key: &str, limit: u32, now: Millis) -> ServiceResult<()> {
        let since = self.window_start(now);
        let count = self.store.recent_failures(key, since).await?;
        if count.failures >= limit {
            let reopens = count
                .last_failure_at
                .saturating_add(duration_millis(self.config.window));
            return Err(ServiceError::RateLimited {
                retry_after: millis_until(reopens, now),
            });
        }
        Ok(())
    }

    fn remaining_delay(&self, key: &ThrottleKey, count: FailureCount, now: Millis) -> Duration {
        let free = match key {
            ThrottleKey::AccountFrom { .. } => self.config.account_free_failures,
            ThrottleKey::Account(_) => self.config.account_total_free_failures,
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
