//! Typing indicators of one connection: which rooms its user is typing in, until
//! when, and when that is worth announcing.
//!
//! A client repeats `typing: true` every few seconds while typing. The first one in
//! a room is announced; repeats only extend the deadline, unless the deadline is
//! more than half gone (so a long typing spell is refreshed for other members
//! before it expires there). An indicator that is not refreshed ends by itself at
//! its deadline, and all of them end when the connection closes.

use confab_proto::RoomId;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One connection's typing indicators.
#[derive(Debug)]
pub struct TypingState {
    timeout: Duration,
    deadlines: HashMap<RoomId, Instant>,
}

impl TypingState {
    /// Indicators end `timeout` after their last refresh.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            deadlines: HashMap::new(),
        }
    }

    /// Records that the user started (`true`) or stopped typing in `room`, and
    /// returns whether the change should be announced to the room.
    pub fn update(&mut self, room: RoomId, typing: bool, now: Instant) -> bool {
        let announce = match (typing, self.deadlines.get(&room)) {
            (true, Some(deadline)) => deadline.saturating_duration_since(now) < self.timeout / 2,
            (true, None) | (false, Some(_)) => true,
            (false, None) => false,
        };
        if typing {
            self.deadlines.insert(room, now + self.timeout);
        } else {
            self.deadlines.remove(&room);
        }
        announce
    }

    /// Forgets an indicator whose announcement failed.
    pub fn forget(&mut self, room: RoomId) {
        self.deadlines.remove(&room);
    }

    /// Ends the indicators whose deadline passed, or all of them, and returns their
    /// rooms: each needs a `typing: false` announcement.
    pub fn expire(&mut self, now: Instant, all: bool) -> Vec<RoomId> {
        let expired: Vec<RoomId> = self
            .deadlines
            .iter()
            .filter(|(_, deadline)| all || **deadline <= now)
            .map(|(room, _)| *room)
            .collect();
        for room in &expired {
            self.deadlines.remove(room);
        }
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_announced_only_when_half_the_timeout_is_gone() {
        let mut state = TypingState::new(Duration::from_secs(4));
        let start = Instant::now();
        let room = RoomId(1);
        assert!(state.update(room, true, start));
        assert!(!state.update(room, true, start + Duration::from_secs(1)));
        // Deadline is now start+5s; at start+3.5s, 1.5 s remain: under half of 4 s.
        assert!(state.update(room, true, start + Duration::from_millis(3500)));
        assert!(state.update(room, false, start + Duration::from_secs(4)));
        assert!(!state.update(room, false, start + Duration::from_secs(4)));
    }

    #[test]
    fn indicators_expire_at_their_deadline_or_all_at_once() {
        let mut state = TypingState::new(Duration::from_secs(2));
        let start = Instant::now();
        state.update(RoomId(1), true, start);
        state.update(RoomId(2), true, start + Duration::from_secs(1));
        assert_eq!(
            state.expire(start + Duration::from_secs(2), false),
            [RoomId(1)]
        );
        assert!(
            state
                .expire(start + Duration::from_secs(2), false)
                .is_empty()
        );
        assert_eq!(state.expire(start, true), [RoomId(2)]);
    }
}
