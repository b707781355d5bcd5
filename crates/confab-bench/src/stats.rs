//! Latency recording with HDR histograms, and the summary every scenario reports.

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::time::Duration;

/// Latencies in microseconds, from 1 µs to 10 minutes at 3 significant digits.
#[derive(Clone, Debug)]
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    /// An empty recorder.
    pub fn new() -> Self {
        // The bounds are constants that hdrhistogram accepts; this cannot fail.
        Self(Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds"))
    }

    /// Records one latency; values beyond the range count as the maximum.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(micros.max(1));
    }

    /// Adds another recorder's samples.
    pub fn merge(&mut self, other: &Self) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The `q` quantile (0.0-1.0) in milliseconds, or `None` without samples.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        (self.count() > 0).then(|| self.0.value_at_quantile(q) as f64 / 1000.0)
    }

    /// p50, p90, p99 and max in milliseconds, `null` when there were no samples.
    pub fn summary(&self) -> Value {
        let ms = |q: f64| {
            self.quantile_ms(q)
                .map_or(Value::Null, |v| json!(round3(v)))
        };
        json!({
            "count": self.count(),
            "p50_ms": ms(0.50),
            "p90_ms": ms(0.90),
            "p99_ms": ms(0.99),
            "max_ms": ms(1.0),
        })
    }
}

/// Rounds to three decimals, for readable JSON.
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_samples() {
        let mut a = Latencies::new();
        for ms in 1..=100 {
            a.record(Duration::from_millis(ms));
        }
        let mut b = Latencies::new();
        b.record(Duration::from_secs(2));
        a.merge(&b);
        assert_eq!(a.count(), 101);
        let p50 = a.quantile_ms(0.5).unwrap();
        assert!((50.0..=51.1).contains(&p50), "{p50}");
        assert!(a.quantile_ms(1.0).unwrap() >= 2000.0);
        assert_eq!(Latencies::new().summary()["p99_ms"], Value::Null);
    }
}
