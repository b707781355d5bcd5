//! [`Notifications`]: the service behind `/api/v1/notifications`, room levels and
//! `/api/v1/push`, the notifier of the event log, and the push jobs it schedules.

use super::endpoint::check_endpoint;
use super::quiet::{dnd_active, quiet_hours_record, quiet_hours_wire};
use super::rules::{self, RuleSettings, effective_level};
use crate::clock::{Millis, add_duration, duration_millis, millis, timestamp};
use crate::config::NotifyConfig;
use crate::service::accounts::tokens::Principal;
use crate::service::rooms::{Delivery, ReadNotice};
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::notifications::{
    NOTIFIER_CURSOR, NotificationRecord, NotificationStore, NotifierBatch, PushJob,
    PushSubscriptionRecord, ReadSelection, RoomContext, SettingsRecord,
};
use crate::store::rooms::{RoomStore, UNREAD_CAP};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab_proto::notifications::{
    MarkNotificationsReadRequest, Notification, NotificationCount, NotificationKind,
    NotificationPage, NotificationSettings, PushKey, PushPayload, PushSubscription,
    PushSubscriptionList, PushSubscriptionRequest, RoomNotificationLevel,
    SetNotificationSettingsRequest,
};
use confab_proto::rooms::{Role, RoomKind};
use confab_proto::{RoomId, UserId};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike as _, ES256KeyPair};

/// Most notifications one page lists.
pub const NOTIFICATION_PAGE_MAX: u32 = 100;
/// Notifications per page when the client does not say.
pub const NOTIFICATION_PAGE_DEFAULT: u32 = 50;
/// Most notifications one mark-read request names.
pub const MARK_READ_IDS_MAX: usize = 500;
/// Events the notifier reads per batch.
const LOG_BATCH: u32 = 500;
/// The lease of the node that records notifications for all (see `claim_notifier`).
const NOTIFIER_LEASE: &str = "notifier";
/// Pushes taken per round.
const PUSH_BATCH: u32 = 100;

/// The server's VAPID key pair (RFC 8292): it signs every push, and browsers
/// subscribe with its public half.
pub struct VapidKey {
    pub pair: ES256KeyPair,
    /// The uncompressed public key, base64url.
    pub public: String,
}

impl VapidKey {
    /// A new key pair, as the text kept in the database.
    pub fn generate() -> String {
        URL_SAFE_NO_PAD.encode(ES256KeyPair::generate().to_bytes())
    }

    /// The key pair kept as `text` (see [`VapidKey::generate`]).
    pub fn from_text(text: &str) -> anyhow::Result<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim())?;
        let pair = ES256KeyPair::from_bytes(&bytes)
            .map_err(|e| anyhow::anyhow!("the stored VAPID key is not a P-256 key: {e}"))?;
        let public = URL_SAFE_NO_PAD.encode(pair.public_key().public_key().to_bytes_uncompressed());
        Ok(Self { pair, public })
    }
}

/// How one push attempt ended, as the sender reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Delivered,
    /// The push service says the subscription is gone (404, 410): remove it.
    Gone,
    /// Worth another try later (no answer, 429, 5xx).
    Retry,
    /// Refused for good (another 4xx).
    Failed,
    /// Not sent: the notification was read, or the user has an active device.
    Skipped,
}

/// Notifications, levels, settings and push subscriptions.
pub struct Notifications {
    store: Arc<dyn NotificationStore>,
    rooms: Arc<dyn RoomStore>,
    accounts: SharedStore,
    delivery: Arc<dyn Delivery>,
    config: NotifyConfig,
    vapid: Arc<VapidKey>,
}

impl Notifications {
    pub fn new(
        store: Arc<dyn NotificationStore>,
        rooms: Arc<dyn RoomStore>,
        accounts: SharedStore,
        delivery: Arc<dyn Delivery>,
        config: NotifyConfig,
        vapid: VapidKey,
    ) -> Self {
        Self {
            store,
            rooms,
            accounts,
            delivery,
            config,
            vapid: Arc::new(vapid),
        }
    }

    /// The VAPID key pushes are signed with.
    pub fn vapid(&self) -> Arc<VapidKey> {
        Arc::clone(&self.vapid)
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// `GET /api/v1/notifications`
    pub async fn list(
        &self,
        caller: Principal,
        before: Option<i64>,
        limit: Option<u32>,
        unread_only: bool,
    ) -> ServiceResult<NotificationPage> {
        let limit = limit.unwrap_or(NOTIFICATION_PAGE_DEFAULT);
        if !(1..=NOTIFICATION_PAGE_MAX).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                format!("limit must be between 1 and {NOTIFICATION_PAGE_MAX}"),
            ));
        }
        let records = self
            .store
            .notifications(caller.user_id, before, limit + 1, unread_only)
            .await?;
        let more = records.len() > limit as usize;
        let notifications: Vec<Notification> =
            records.into_iter().take(limit as usize).map(wire).collect();
        let next_before = more.then(|| notifications.last().map(|n| n.id)).flatten();
        Ok(NotificationPage {
            notifications,
            next_before,
            unread_count: self.unread(caller.user_id).await?,
        })
    }

    async fn unread(&self, user: UserId) -> ServiceResult<i64> {
        Ok(self.store.unread_notifications(user, UNREAD_CAP).await?)
    }

    /// `POST /api/v1/notifications/read`: marks notifications read and tells the
    /// user's devices.
    pub async fn mark_read(
        &self,
        caller: Principal,
        request: MarkNotificationsReadRequest,
        now: Millis,
    ) -> ServiceResult<NotificationCount> {
        let selection = match (request.ids, request.up_to) {
            (Some(ids), None) if ids.len() <= MARK_READ_IDS_MAX => ReadSelection::Ids(ids),
            (Some(_), None) => {
                return Err(ServiceError::invalid(
                    "ids",
                    format!("at most {MARK_READ_IDS_MAX} ids per request"),
                ));
            }
            (None, Some(up_to)) => ReadSelection::UpTo(up_to),
            (None, None) => ReadSelection::All,
            (Some(_), Some(_)) => {
                return Err(ServiceError::invalid(
                    "up_to",
                    "give ids or up_to, not both",
                ));
            }
        };
        let changed = self
            .store
            .mark_notifications_read(caller.user_id, &selection, now)
            .await?;
        let unread_count = self.unread(caller.user_id).await?;
        if changed > 0 {
            let (up_to, ids) = match selection {
                ReadSelection::Ids(ids) => (None, ids),
                ReadSelection::UpTo(id) => (Some(id), Vec::new()),
                ReadSelection::All => (Some(i64::MAX), Vec::new()),
            };
            self.delivery.notifications_read(
                caller.user_id,
                ReadNotice {
                    up_to,
                    ids,
                    room: None,
                    unread_count,
                },
            );
        }
        Ok(NotificationCount { unread_count })
    }

    /// `GET /api/v1/notifications/settings`
    pub async fn settings(
        &self,
        caller: Principal,
        now: Millis,
    ) -> ServiceResult<NotificationSettings> {
        let record = self.store.settings(caller.user_id).await?;
        Ok(settings_wire(&record, now))
    }

    /// `PUT /api/v1/notifications/settings`
    pub async fn set_settings(
        &self,
        caller: Principal,
        settings: SetNotificationSettingsRequest,
        now: Millis,
    ) -> ServiceResult<NotificationSettings> {
        let dnd_until = settings.dnd_until.map(millis).filter(|until| *until > now);
        let record = SettingsRecord {
            dnd_until,
            quiet_hours: settings
                .quiet_hours
                .as_ref()
                .map(quiet_hours_record)
                .transpose()?,
            reactions: settings.reactions,
        };
        self.store.set_settings(caller.user_id, &record).await?;
        Ok(settings_wire(&record, now))
    }

    /// `GET /api/v1/rooms/{id}/notification-level`
    pub async fn room_level(
        &self,
        caller: Principal,
        room: RoomId,
    ) -> ServiceResult<RoomNotificationLevel> {
        let kind = self.member_room_kind(caller, room).await?;
        let chosen = self
            .store
            .room_level(room, caller.user_id)
            .await?
            .ok_or(ServiceError::NotFound("room"))?;
        Ok(RoomNotificationLevel {
            level: effective_level(kind, chosen),
            default: chosen.is_none(),
        })
    }

    /// `PUT /api/v1/rooms/{id}/notification-level`
    pub async fn set_room_level(
        &self,
        caller: Principal,
        room: RoomId,
        request: RoomNotificationLevel,
    ) -> ServiceResult<RoomNotificationLevel> {
        let kind = self.member_room_kind(caller, room).await?;
        let chosen = (!request.default).then_some(request.level);
        if !self
            .store
            .set_room_level(room, caller.user_id, chosen)
            .await?
        {
            return Err(ServiceError::NotFound("room"));
        }
        Ok(RoomNotificationLevel {
            level: effective_level(kind, chosen),
            default: chosen.is_none(),
        })
    }

    async fn member_room_kind(&self, caller: Principal, room: RoomId) -> ServiceResult<RoomKind> {
        let record = self
            .rooms
            .room(room)
            .await?
            .ok_or(ServiceError::NotFound("room"))?;
        let member = self.rooms.member(room, caller.user_id).await?;
        if !member.is_some_and(|m| m.is_current()) {
            return Err(ServiceError::NotFound("room"));
        }
        Ok(record.kind)
    }

    /// `GET /api/v1/push/key`
    pub fn push_key(&self) -> PushKey {
        PushKey {
            public_key: self.vapid.public.clone(),
        }
    }

    /// `GET /api/v1/push/subscriptions`
    pub async fn subscriptions(&self, caller: Principal) -> ServiceResult<PushSubscriptionList> {
        let records = self.store.push_subscriptions(caller.user_id).await?;
        Ok(PushSubscriptionList {
            subscriptions: records.into_iter().map(subscription_wire).collect(),
        })
    }

    /// `POST /api/v1/push/subscriptions`: registers this device's subscription.
    pub async fn subscribe(
        &self,
        caller: Principal,
        request: PushSubscriptionRequest,
        now: Millis,
    ) -> ServiceResult<PushSubscription> {
        check_endpoint(&request.endpoint, self.config.push_allow_private_endpoints)?;
        let p256dh = URL_SAFE_NO_PAD
            .decode(request.keys.p256dh.trim_end_matches('='))
            .ok()
            .filter(|key| web_push_native::p256::PublicKey::from_sec1_bytes(key).is_ok())
            .ok_or_else(|| {
                ServiceError::invalid("keys", "keys.p256dh must be a base64url P-256 public key")
            })?;
        let auth = URL_SAFE_NO_PAD
            .decode(request.keys.auth.trim_end_matches('='))
            .ok()
            .filter(|auth| auth.len() == 16)
            .ok_or_else(|| {
                ServiceError::invalid("keys", "keys.auth must be 16 bytes in base64url")
            })?;
        let record = PushSubscriptionRecord {
            id: 0,
            user_id: caller.user_id,
            session_id: caller.session_id,
            endpoint: request.endpoint,
            p256dh: URL_SAFE_NO_PAD.encode(p256dh),
            auth: URL_SAFE_NO_PAD.encode(auth),
            created_at: now,
        };
        let stored = self
            .store
            .add_push_subscription(&record, self.config.max_push_subscriptions)
            .await?
            .ok_or_else(|| {
                ServiceError::QuotaExceeded(format!(
                    "at most {} push subscriptions per account; remove one first",
                    self.config.max_push_subscriptions
                ))
            })?;
        Ok(subscription_wire(stored))
    }

    /// `DELETE /api/v1/push/subscriptions/{id}`
    pub async fn unsubscribe(&self, caller: Principal, id: i64) -> ServiceResult<()> {
        if self
            .store
            .remove_push_subscription(Some(caller.user_id), id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound("push subscription"))
        }
    }

    /// Claims the notifier's lease for `holder` until `until`, or renews it: with
    /// several nodes, the one holding it runs [`process_log`](Self::process_log).
    /// True if `holder` holds it now.
    pub async fn claim_notifier(
        &self,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> ServiceResult<bool> {
        Ok(self
            .store
            .claim_lease(NOTIFIER_LEASE, holder, now, until)
            .await?)
    }

    /// Gives up the notifier's lease, if `holder` holds it, for another node to
    /// take at once.
    pub async fn release_notifier(&self, holder: &str) -> ServiceResult<()> {
        Ok(self.store.release_lease(NOTIFIER_LEASE, holder).await?)
    }

    /// The notifier: reads the log after its cursor, records notifications and tells
    /// connected devices. True if there may be more to read at once.
    pub async fn process_log(&self, now: Millis) -> ServiceResult<bool> {
        let from = self.store.log_cursor(NOTIFIER_CURSOR).await?;
        let events = self.rooms.events_after(from, LOG_BATCH).await?;
        let Some(last) = events.last() else {
            return Ok(false);
        };
        let mut batch = NotifierBatch {
            from,
            to: last.id,
            ..NotifierBatch::default()
        };
        let settings = RuleSettings {
            room_mention_role: self.config.room_mention_role,
            push_delay: duration_millis(self.config.push_delay),
        };
        let mut rooms: HashMap<RoomId, Option<RoomContext>> = HashMap::new();
        for event in &events {
            let extra = rules::extra_users(event);
            // A removal needs the removed member too, so it reads the room afresh;
            // every other event shares one read per room and batch.
            let with_extra;
            let context = if extra.is_empty() {
                match rooms.entry(event.room_id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(unknown) => {
                        unknown.insert(self.store.room_context(event.room_id, &[]).await?)
                    }
                }
            } else {
                with_extra = self.store.room_context(event.room_id, &extra).await?;
                &with_extra
            };
            let Some(context) = context else { continue };
            let author = match rules::target_message(event) {
                Some(seq) => self.store.message_author(event.room_id, seq).await?,
                None => None,
            };
            let outcome = rules::decide(event, context, author, &settings, now);
            batch.new.extend(outcome.new);
            batch.reads.extend(outcome.reads);
        }
        let Some(committed) = self
            .store
            .commit_notifier_batch(NOTIFIER_CURSOR, &batch, now)
            .await?
        else {
            // Another node handled this stretch; carry on from where it got.
            return Ok(true);
        };
        let mut counts: HashMap<UserId, i64> = HashMap::new();
        for record in committed.created {
            let user = record.user_id;
            let count = match counts.get(&user) {
                Some(count) => *count,
                None => {
                    let count = self.unread(user).await?;
                    counts.insert(user, count);
                    count
                }
            };
            self.delivery.notification(user, wire(record), count);
        }
        for read in committed.reads {
            let unread_count = self.unread(read.user_id).await?;
            self.delivery.notifications_read(
                read.user_id,
                ReadNotice {
                    room: Some((read.room_id, read.seq)),
                    unread_count,
                    ..ReadNotice::default()
                },
            );
        }
        Ok(events.len() == LOG_BATCH as usize)
    }

    /// The pushes to try now: notifications whose delay passed (one job per
    /// subscription of the user) and retries that are due. Read notifications and
    /// users in do-not-disturb are left out.
    pub async fn due_pushes(&self, now: Millis) -> ServiceResult<Vec<PushJob>> {
        // Both takes read the notification rows as they are now, so their `read`
        // needs no second look; settings and subscriptions are read once per user.
        let mut quiet: HashMap<UserId, bool> = HashMap::new();
        let mut subscriptions: HashMap<UserId, Vec<PushSubscriptionRecord>> = HashMap::new();
        let mut jobs = Vec::new();
        for notification in self.store.take_due_pushes(now, PUSH_BATCH).await? {
            let user = notification.user_id;
            if notification.read || self.quiet(&mut quiet, user, now).await? {
                continue;
            }
            let of_user = match subscriptions.entry(user) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(unknown) => {
                    unknown.insert(self.store.push_subscriptions(user).await?)
                }
            };
            for subscription in of_user.iter() {
                jobs.push(PushJob {
                    notification: notification.clone(),
                    subscription: subscription.clone(),
                    attempts: 0,
                });
            }
        }
        for retry in self.store.take_due_retries(now, PUSH_BATCH).await? {
            let user = retry.notification.user_id;
            if !retry.notification.read && !self.quiet(&mut quiet, user, now).await? {
                jobs.push(retry);
            }
        }
        Ok(jobs)
    }

    /// Whether do-not-disturb is in effect for `user`, remembered in `known`.
    async fn quiet(
        &self,
        known: &mut HashMap<UserId, bool>,
        user: UserId,
        now: Millis,
    ) -> ServiceResult<bool> {
        if let Some(quiet) = known.get(&user) {
            return Ok(*quiet);
        }
        let quiet = dnd_active(&self.store.settings(user).await?, now);
        known.insert(user, quiet);
        Ok(quiet)
    }

    /// What a push of `notification` carries.
    pub async fn payload(&self, notification: &NotificationRecord) -> ServiceResult<PushPayload> {
        let actor = self
            .accounts
            .user_by_id(notification.actor_id)
            .await?
            .map_or_else(|| "Someone".to_owned(), |u| u.display_name);
        let room = self.rooms.room(notification.room_id).await?;
        let encrypted = room.as_ref().is_some_and(|r| r.encrypted);
        let group = room
            .as_ref()
            .filter(|r| r.kind == RoomKind::Group)
            .map(|r| r.name.clone());
        let title = match &group {
            Some(name) => format!("{actor} in {name}"),
            None => actor,
        };
        let details = &notification.details;
        let room_name = details.room_name.clone().or(group).unwrap_or_default();
        let text = || {
            details
                .excerpt
                .clone()
                .filter(|_| !encrypted)
                .unwrap_or_else(|| "New message".to_owned())
        };
        let body = match notification.kind {
            NotificationKind::DirectMessage | NotificationKind::Message => text(),
            NotificationKind::Mention => format!("Mentioned you: {}", text()),
            NotificationKind::RoomMention => format!("To everyone: {}", text()),
            NotificationKind::Reply => format!("Replied: {}", text()),
            NotificationKind::Reaction => format!(
                "Reacted {} to your message",
                details.emoji.as_deref().unwrap_or("")
            ),
            NotificationKind::Added => format!("Added you to {room_name}"),
            NotificationKind::Removed => format!("Removed you from {room_name}"),
            NotificationKind::RoleChanged => format!(
                "Made you {} of {room_name}",
                match details.role {
                    Some(Role::Owner) => "the owner",
                    Some(Role::Admin) => "an admin",
                    _ => "a member",
                }
            ),
            NotificationKind::RoomRenamed => format!("Renamed the group to {room_name}"),
        };
        Ok(PushPayload {
            notification_id: notification.id,
            kind: notification.kind,
            room_id: notification.room_id,
            seq: notification.seq,
            title,
            body,
            encrypted,
            url: format!("/rooms/{}?seq={}", notification.room_id, notification.seq),
            unread_count: self.unread(notification.user_id).await?,
        })
    }

    /// Records how a push attempt ended: a gone subscription is removed, a failure
    /// worth retrying is tried again later, with back-off, up to `--push-max-attempts`.
    pub async fn push_ended(
        &self,
        job: &PushJob,
        outcome: PushOutcome,
        now: Millis,
    ) -> ServiceResult<()> {
        match outcome {
            PushOutcome::Gone => {
                self.store
                    .remove_push_subscription(None, job.subscription.id)
                    .await?;
            }
            PushOutcome::Retry if job.attempts + 1 < self.config.push_max_attempts => {
                let wait = self
                    .config
                    .push_retry_base
                    .saturating_mul(1 << job.attempts.min(16));
                self.store
                    .schedule_push_retry(
                        job.notification.id,
                        job.subscription.id,
                        job.attempts + 1,
                        add_duration(now, wait),
                    )
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Deletes notifications older than `--notification-retention`.
    pub async fn prune(&self, now: Millis) -> ServiceResult<u64> {
        let cutoff = now.saturating_sub(duration_millis(self.config.notification_retention));
        Ok(self.store.prune_notifications(cutoff).await?)
    }
}

/// The wire form of a notification.
fn wire(record: NotificationRecord) -> Notification {
    Notification {
        id: record.id,
        kind: record.kind,
        room_id: record.room_id,
        seq: record.seq,
        event_id: record.event_id,
        actor_id: record.actor_id,
        created_at: timestamp(record.created_at),
        read: record.read,
        excerpt: record.details.excerpt,
        emoji: record.details.emoji,
        role: record.details.role,
        room_name: record.details.room_name,
    }
}

fn settings_wire(record: &SettingsRecord, now: Millis) -> NotificationSettings {
    NotificationSettings {
        dnd_until: record.dnd_until.filter(|u| *u > now).map(timestamp),
        quiet_hours: record.quiet_hours.as_ref().map(quiet_hours_wire),
        reactions: record.reactions,
        dnd_active: dnd_active(record, now),
    }
}

fn subscription_wire(record: PushSubscriptionRecord) -> PushSubscription {
    PushSubscription {
        id: record.id,
        endpoint: record.endpoint,
        session_id: record.session_id,
        created_at: timestamp(record.created_at),
    }
}
