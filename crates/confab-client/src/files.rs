//! Shared files: uploading, downloading, a room's files.

use crate::{Client, Result, failure};
use confab_proto::RoomId;
use confab_proto::files::{FileInfo, SetAvatarRequest, SharedFilePage};
use confab_proto::rooms::Room;
use confab_proto::users::Profile;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;

impl Client {
    /// Uploads a file; `client_id` makes a retry return the first upload.
    pub async fn upload(
        &self,
        name: &str,
        client_id: &str,
        body: impl Into<reqwest::Body>,
    ) -> Result<FileInfo> {
        self.upload_with(name, client_id, false, body).await
    }

    /// Uploads a file encrypted by the caller, for an end-to-end encrypted room: the
    /// server stores the bytes as they are, typed `application/vnd.confab.encrypted`
    /// and named `encrypted`.
    pub async fn upload_encrypted(
        &self,
        client_id: &str,
        body: impl Into<reqwest::Body>,
    ) -> Result<FileInfo> {
        self.upload_with("encrypted", client_id, true, body).await
    }

    async fn upload_with(
        &self,
        name: &str,
        client_id: &str,
        encrypted: bool,
        body: impl Into<reqwest::Body>,
    ) -> Result<FileInfo> {
        let mut url = self.base.join("/api/v1/files")?;
        url.query_pairs_mut()
            .append_pair("name", name)
            .append_pair("client_id", client_id);
        if encrypted {
            url.query_pairs_mut().append_pair("encrypted", "true");
        }
        let access = self.access_token().await?;
        let request = self
            .http
            .request(Method::POST, url)
            .bearer_auth(access)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body);
        self.send(request).await
    }

    /// Downloads a file (or its thumbnail) whole.
    pub async fn download(&self, id: &str, thumbnail: bool) -> Result<Vec<u8>> {
        let path = if thumbnail {
            format!("/api/v1/files/{id}/thumbnail")
        } else {
            format!("/api/v1/files/{id}")
        };
        self.get_bytes(&path).await
    }

    /// The picture of a message's link preview.
    pub async fn preview_image(&self, room: RoomId, seq: i64) -> Result<Vec<u8>> {
        self.get_bytes(&format!(
            "/api/v1/rooms/{room}/messages/{seq}/preview/image"
        ))
        .await
    }

    /// Removes the link preview of my message.
    pub async fn remove_preview(&self, room: RoomId, seq: i64) -> Result<()> {
        let path = format!("/api/v1/rooms/{room}/messages/{seq}/preview");
        self.authed::<(), ()>(Method::DELETE, &path, None).await
    }

    /// The body of a GET that answers bytes rather than JSON.
    async fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let access = self.access_token().await?;
        let response = self
            .http
            .get(self.base.join(path)?)
            .bearer_auth(access)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.bytes().await?.to_vec());
        }
        let bytes = response.bytes().await?;
        Err(failure(status, &bytes))
    }

    /// Makes my avatar from an image I uploaded.
    pub async fn set_avatar(&self, file_id: &str) -> Result<Profile> {
        let request = SetAvatarRequest {
            file_id: file_id.to_owned(),
        };
        self.authed(Method::PUT, "/api/v1/users/me/avatar", Some(&request))
            .await
    }

    /// Removes my avatar.
    pub async fn remove_avatar(&self) -> Result<Profile> {
        self.authed::<(), _>(Method::DELETE, "/api/v1/users/me/avatar", None)
            .await
    }

    /// Makes a group's picture from an image I uploaded; `None` removes it.
    pub async fn set_room_avatar(&self, room: RoomId, file_id: Option<&str>) -> Result<Room> {
        let path = format!("/api/v1/rooms/{room}/avatar");
        match file_id {
            Some(file_id) => {
                let request = SetAvatarRequest {
                    file_id: file_id.to_owned(),
                };
                self.authed(Method::PUT, &path, Some(&request)).await
            }
            None => self.authed::<(), _>(Method::DELETE, &path, None).await,
        }
    }

    /// The files shared in a room, newest first; `before` from the previous page.
    pub async fn room_files(&self, room: RoomId, before: Option<i64>) -> Result<SharedFilePage> {
        let path = match before {
            Some(before) => format!("/api/v1/rooms/{room}/files?before={before}"),
            None => format!("/api/v1/rooms/{room}/files"),
        };
        self.authed::<(), _>(Method::GET, &path, None).await
    }
}
