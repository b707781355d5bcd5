//! The per-user budget of user searches and lookups, so that no account can copy the
//! directory at full speed.
//!
//! Each account may make `--user-lookups-per-minute` searches and lookups per minute
//! on average, in bursts of up to that many. The budget lives in this node's memory:
//! with several nodes, an account spread over all of them gets each node's budget.
//! One entry per account that looked someone up; entries of accounts whose budget is
//! full again are dropped every so often.

use crate::service::{ServiceError, ServiceResult};
use confab_proto::UserId;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

/// After this many charges, entries whose budget is full again are dropped.
const PRUNE_EVERY: u32 = 4096;

/// Searches and lookups per account, per minute.
pub struct LookupBudget {
    limiter: Option<DefaultKeyedRateLimiter<UserId>>,
    clock: DefaultClock,
    charges: AtomicU32,
}

impl LookupBudget {
    /// `per_minute` lookups per account per minute; `0` for no limit.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
            clock: DefaultClock::default(),
            charges: AtomicU32::new(0),
        }
    }

    /// Takes one lookup from `user`'s budget, or refuses with `RateLimited` and when
    /// to try again.
    pub fn charge(&self, user: UserId) -> ServiceResult<()> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.charges.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ServiceError::RateLimited {
                retry_after: wait.max(std::time::Duration::from_secs(1)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_up_to_the_budget_passes_then_each_account_is_refused_alone() {
        let budget = LookupBudget::new(3);
        for _ in 0..3 {
            budget.charge(UserId(1)).unwrap();
        }
        match budget.charge(UserId(1)) {
            Err(ServiceError::RateLimited { retry_after }) => {
                assert!(retry_after.as_secs() >= 1 && retry_after.as_secs() <= 20);
            }
            other => panic!("expected rate_limited, got {other:?}"),
        }
        budget.charge(UserId(2)).unwrap();
    }

    #[test]
    fn zero_means_no_limit() {
        let budget = LookupBudget::new(0);
        for _ in 0..10_000 {
            budget.charge(UserId(1)).unwrap();
        }
    }
}
