//! Public channels: the directory and joining.

use crate::{Client, Result};
use confab_proto::RoomId;
use confab_proto::rooms::{ChannelPage, RoomSummary};
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
}
