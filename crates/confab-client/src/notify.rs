//! Notifications, room levels, Web Push subscriptions and search, over REST.

use crate::{Client, Result};
use confab_proto::RoomId;
use confab_proto::notifications::{
    MarkNotificationsReadRequest, NotificationCount, NotificationPage, NotificationSettings,
    PushKey, PushSubscription, PushSubscriptionList, PushSubscriptionRequest,
    RoomNotificationLevel, SetNotificationSettingsRequest,
};
use confab_proto::search::SearchResults;
use reqwest::Method;

impl Client {
    /// My notifications: `query` is e.g. `before=40&limit=20&unread=true`, or empty.
    pub async fn notifications(&self, query: &str) -> Result<NotificationPage> {
        let mut url = self.base_url().join("/api/v1/notifications")?;
        url.set_query((!query.is_empty()).then_some(query));
        self.authed_url::<(), _>(Method::GET, url, None).await
    }

    /// Marks notifications read.
    pub async fn mark_notifications_read(
        &self,
        request: &MarkNotificationsReadRequest,
    ) -> Result<NotificationCount> {
        self.authed(Method::POST, "/api/v1/notifications/read", Some(request))
            .await
    }

    pub async fn notification_settings(&self) -> Result<NotificationSettings> {
        self.authed::<(), _>(Method::GET, "/api/v1/notifications/settings", None)
            .await
    }

    pub async fn set_notification_settings(
        &self,
        settings: &SetNotificationSettingsRequest,
    ) -> Result<NotificationSettings> {
        self.authed(
            Method::PUT,
            "/api/v1/notifications/settings",
            Some(settings),
        )
        .await
    }

    /// My notification level in a room.
    pub async fn room_level(&self, room: RoomId) -> Result<RoomNotificationLevel> {
        let path = format!("/api/v1/rooms/{room}/notification-level");
        self.authed::<(), _>(Method::GET, &path, None).await
    }

    pub async fn set_room_level(
        &self,
        room: RoomId,
        level: &RoomNotificationLevel,
    ) -> Result<RoomNotificationLevel> {
        let path = format!("/api/v1/rooms/{room}/notification-level");
        self.authed(Method::PUT, &path, Some(level)).await
    }

    /// The server's VAPID public key.
    pub async fn push_key(&self) -> Result<PushKey> {
        self.authed::<(), _>(Method::GET, "/api/v1/push/key", None)
            .await
    }

    /// Registers a push subscription for this session.
    pub async fn subscribe_push(
        &self,
        request: &PushSubscriptionRequest,
    ) -> Result<PushSubscription> {
        self.authed(Method::POST, "/api/v1/push/subscriptions", Some(request))
            .await
    }

    pub async fn push_subscriptions(&self) -> Result<PushSubscriptionList> {
        self.authed::<(), _>(Method::GET, "/api/v1/push/subscriptions", None)
            .await
    }

    pub async fn unsubscribe_push(&self, id: i64) -> Result<()> {
        let path = format!("/api/v1/push/subscriptions/{id}");
        self.authed::<(), ()>(Method::DELETE, &path, None).await
    }

    /// Searches my rooms' messages: `query` is the query string, e.g.
    /// `q=hello&room_id=3` (values percent-encoded by the caller).
    pub async fn search(&self, query: &str) -> Result<SearchResults> {
        let mut url = self.base_url().join("/api/v1/search")?;
        url.set_query(Some(query));
        self.authed_url::<(), _>(Method::GET, url, None).await
    }
}
