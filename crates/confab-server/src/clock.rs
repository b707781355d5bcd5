//! Time as the server keeps it: Unix milliseconds ([`Millis`]) everywhere inside,
//! RFC 3339 timestamps on the wire.
//!
//! A leaf: it imports nothing from the rest of the crate, so every layer can use it.

/// Unix time in milliseconds, the server's only internal time representation.
pub type Millis = i64;

/// Current wall-clock time in Unix milliseconds.
pub fn now_millis() -> Millis {
    millis(time::OffsetDateTime::now_utc())
}

/// Converts a wire timestamp to milliseconds, saturating.
pub fn millis(timestamp: confab_proto::Timestamp) -> Millis {
    i64::try_from(timestamp.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Converts milliseconds to a wire timestamp.
pub fn timestamp(millis: Millis) -> confab_proto::Timestamp {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Adds a duration to a millisecond timestamp, saturating instead of overflowing.
pub fn add_duration(millis: Millis, duration: std::time::Duration) -> Millis {
    millis.saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}

/// A duration in whole milliseconds, saturating.
pub fn duration_millis(duration: std::time::Duration) -> Millis {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_millis() {
        let millis = 1_764_000_000_123;
        let ts = timestamp(millis);
        assert_eq!(ts.unix_timestamp_nanos() / 1_000_000, i128::from(millis));
        assert_eq!(
            add_duration(i64::MAX - 1, std::time::Duration::from_secs(1)),
            i64::MAX
        );
    }
}
