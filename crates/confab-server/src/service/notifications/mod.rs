//! Notifications: who is told of what, the records, per-room levels,
//! do-not-disturb, and what Web Push sends.
//!
//! The notifier ([`Notifications::process_log`]) is a consumer of the committed
//! event log with its own durable cursor: it reads events after the cursor, decides
//! with `rules` who is notified, and records the notifications and the new cursor in
//! one transaction. So nothing is lost across restarts, nothing is recorded twice,
//! and any node can run it (a node whose cursor moved under it drops its batch).
//! `realtime::push` runs it and sends the pushes it schedules.
//!
//! - `service`: [`Notifications`]: listing, marking read, settings, levels, push
//!   subscriptions, the notifier, and push jobs with their payloads;
//! - `rules`: the decision for one event;
//! - `quiet`: do-not-disturb and quiet hours;
//! - `endpoint`: which push endpoints the server may send to.

mod endpoint;
mod quiet;
mod rules;
mod service;

pub use endpoint::check_endpoint;
pub use quiet::dnd_active;
pub use rules::{EXCERPT_CHARS, effective_level, may_mention_room, mentions_room};
pub use service::{Notifications, PushOutcome, VapidKey};
