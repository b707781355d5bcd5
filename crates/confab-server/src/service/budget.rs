//! Per-account budgets of requests that are cheap for one person and harmful in bulk:
//! user searches and lookups (`--user-lookups-per-minute`, so no account copies the
//! directory), rooms created (`--rooms-created-per-hour`) and people added to rooms
//! (`--invitations-per-hour`, so no account floods others with rooms).
//!
//! A budget of `n` per period allows bursts of up to `n` and refills steadily. It lives
//! in this node's memory: with several nodes, an account spread over all of them gets
//! each node's budget. One entry per account that spent some; entries whose budget is
//! full again are dropped every so often.

use crate::service::{ServiceError, ServiceResult};
use confab_proto::UserId;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// After this many charges, entries whose budget is full again are dropped.
const PRUNE_EVERY: u32 = 4096;

/// What one account may spend per period.
pub struct Budget {
    limiter: Option<DefaultKeyedRateLimiter<UserId>>,
    /// The period, and so the longest wait for a full budget.
    period: Duration,
    /// What the budget counts, for the refusal's message.
    what: &'static str,
    clock: DefaultClock,
    charges: AtomicU32,
}

impl Budget {
    /// `n` per minute; `0` for no limit.
    pub fn per_minute(n: u32, what: &'static str) -> Self {
        Self::new(n, Duration::from_secs(60), Quota::per_minute, what)
    }

    /// `n` per hour; `0` for no limit.
    pub fn per_hour(n: u32, what: &'static str) -> Self {
        Self::new(n, Duration::from_secs(3600), Quota::per_hour, what)
    }

    fn new(n: u32, period: Duration, quota: fn(NonZeroU32) -> Quota, what: &'static str) -> Self {
        Self {
            limiter: NonZeroU32::new(n).map(|n| DefaultKeyedRateLimiter::keyed(quota(n))),
            period,
            what,
            clock: DefaultClock::default(),
            charges: AtomicU32::new(0),
        }
    }

    /// Takes `n` from `user`'s budget, or takes nothing and refuses with
    /// `RateLimited` and when to try again.
    pub fn charge(&self, user: UserId, n: u32) -> ServiceResult<()> {
        let (Some(limiter), Some(n)) = (&self.limiter, NonZeroU32::new(n)) else {
            return Ok(());
        };
        if self.charges.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        let retry_after = match limiter.check_key_n(&user, n) {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(not_until)) => not_until.wait_time_from(self.clock.now()),
            // More than a full budget at once: never possible, so wait a whole period
            // and ask for less.
            Err(_) => self.period,
        };
        tracing::debug!(user_id = %user, what = self.what, n, "over budget");
        Err(ServiceError::RateLimited {
            retry_after: retry_after.max(Duration::from_secs(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_up_to_the_budget_passes_then_each_account_is_refused_alone() {
        let budget = Budget::per_minute(3, "lookups");
        for _ in 0..3 {
            budget.charge(UserId(1), 1).unwrap();
        }
        match budget.charge(UserId(1), 1) {
            Err(ServiceError::RateLimited { retry_after }) => {
                assert!(retry_after.as_secs() >= 1 && retry_after.as_secs() <= 20);
            }
            other => panic!("expected rate_limited, got {other:?}"),
        }
        budget.charge(UserId(2), 1).unwrap();
    }

    #[test]
    fn several_at_once_take_several_and_more_than_the_budget_never_passes() {
        let budget = Budget::per_hour(10, "people added");
        budget.charge(UserId(1), 7).unwrap();
        assert!(budget.charge(UserId(1), 4).is_err(), "only 3 left");
        budget.charge(UserId(1), 3).unwrap();
        match budget.charge(UserId(2), 11) {
            Err(ServiceError::RateLimited { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(3600));
            }
            other => panic!("expected rate_limited, got {other:?}"),
        }
        budget.charge(UserId(2), 10).unwrap();
    }

    #[test]
    fn zero_means_no_limit() {
        let budget = Budget::per_minute(0, "lookups");
        for _ in 0..10_000 {
            budget.charge(UserId(1), 5).unwrap();
        }
    }
}
