//! Public channels (the directory and joining) and pinned messages.

use crate::{Client, Result};
use confab_proto::RoomId;
use confab_proto::rooms::{ChannelPage, PinList, RoomSummary};
use reqwest::Method;

impl Client {
    /// A page of the channel directory: public groups whose name or topic holds
    /// every word of `search` (all of them when it is empty), most members first.
    pub async fn channels(&self, search: &str, offset: u32, limit: u32) -> Result<ChannelPage> {
        let mut url = self.base.join("/api/v1/channels")?;
        url.query_pairs_mut()
            .append_pair("q", search)
            .append_pair("offset", &offset.to_string())
            .append_pair("limit", &limit.to_string());
        self.authed_url::<(), _>(Method::GET, url, None).await
    }

    /// Joins a public group; returns it as my room list shows it.
    pub async fn join_room(&self, room: RoomId) -> Result<RoomSummary> {
        self.authed::<(), _>(Method::POST, &format!("/api/v1/rooms/{room}/join"), None)
            .await
    }

    /// The room's pinned messages, the latest pin first.
    pub async fn pins(&self, room: RoomId) -> Result<PinList> {
        self.authed::<(), _>(Method::GET, &format!("/api/v1/rooms/{room}/pins"), None)
            .await
    }

    /// Pins (`pinned`) or unpins message `seq` of the room.
    pub async fn set_pinned(&self, room: RoomId, seq: i64, pinned: bool) -> Result<()> {
        let method = if pinned { Method::PUT } else { Method::DELETE };
        self.authed::<(), ()>(method, &format!("/api/v1/rooms/{room}/pins/{seq}"), None)
            .await
    }
}
