//! Names no other test is using: for databases shared by every test process on the
//! machine, and for accounts inside one test's own database.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A name no other test (in this or another process) is using, made of `prefix`,
/// digits and `_`, so it is also a valid SQL identifier when `prefix` is one.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A valid username that no other test in this process uses (each test has a
/// database of its own, so that is enough): `prefix` followed by a number.
pub fn unique_username(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differ_from_call_to_call() {
        assert_ne!(unique_name("db"), unique_name("db"));
        let (a, b) = (unique_username("ann"), unique_username("ann"));
        assert_ne!(a, b);
        assert!(a.starts_with("ann") && a[3..].chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn database_names_are_plain_identifiers() {
        let name = unique_name("confab_test");
        assert!(name.starts_with("confab_test_"));
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}"
        );
    }
}
