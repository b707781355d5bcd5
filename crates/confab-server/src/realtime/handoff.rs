//! [`Handoff`]: a value made at construction and taken, once, by the task that
//! consumes it.
//!
//! A subscription or a channel's receiving end is made when the node is built, so
//! that nothing sent before its task starts is lost, and the task takes it when it
//! starts. A task started twice finds it gone, and says so.

use std::sync::{Mutex, PoisonError};

/// See the module documentation.
pub(super) struct Handoff<T> {
    value: Mutex<Option<T>>,
}

impl<T> Handoff<T> {
    pub fn new(value: T) -> Self {
        Self {
            value: Mutex::new(Some(value)),
        }
    }

    /// The value, for the first caller; `None` (logged as an error naming `task`)
    /// after that.
    pub fn take(&self, task: &str) -> Option<T> {
        let taken = self
            .value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if taken.is_none() {
            tracing::error!(task, "a task was started twice; the second does nothing");
        }
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_taker_gets_the_value() {
        let handoff = Handoff::new(7);
        assert_eq!(handoff.take("test"), Some(7));
        assert_eq!(handoff.take("test"), None);
    }
}
