//! The MLS delivery service's REST calls: device keys, key packages, each encrypted
//! room's group, commits and Welcomes. The MLS work itself (keys, groups,
//! encryption) is the caller's, or [`crate::e2ee`]'s with the `e2ee` feature.

use crate::{Client, Result};
use confab_proto::events::{MessageBody, RoomEvent, SendMessageRequest};
use confab_proto::mls::{
    ClaimKeyPackages, ClaimedKeyPackages, CommitList, GroupState, KeyPackageStock, MlsDevice,
    MlsDeviceList, RegisterDevice, SubmitCommit, UploadKeyPackages, WelcomeList,
};
use confab_proto::{RoomId, UserId};
use reqwest::Method;

impl Client {
    /// Registers this device's MLS signature public key (base64).
    pub async fn register_mls_device(&self, signature_key: &str) -> Result<MlsDevice> {
        let request = RegisterDevice {
            signature_key: signature_key.to_owned(),
        };
        self.authed(Method::PUT, "/api/v1/mls/device", Some(&request))
            .await
    }

    /// A user's MLS devices and keys.
    pub async fn mls_devices(&self, user: UserId) -> Result<MlsDeviceList> {
        self.authed::<(), _>(Method::GET, &format!("/api/v1/users/{user}/devices"), None)
            .await
    }

    /// This device's key package stock.
    pub async fn key_package_stock(&self) -> Result<KeyPackageStock> {
        self.authed::<(), _>(Method::GET, "/api/v1/mls/key-packages", None)
            .await
    }

    /// Uploads key packages of this device.
    pub async fn upload_key_packages(
        &self,
        request: &UploadKeyPackages,
    ) -> Result<KeyPackageStock> {
        self.authed(Method::POST, "/api/v1/mls/key-packages", Some(request))
            .await
    }

    /// Claims one key package of each device of these users.
    pub async fn claim_key_packages(&self, users: &[UserId]) -> Result<ClaimedKeyPackages> {
        let request = ClaimKeyPackages {
            user_ids: users.to_vec(),
        };
        self.authed(
            Method::POST,
            "/api/v1/mls/key-packages/claim",
            Some(&request),
        )
        .await
    }

    /// The room's group as the server orders it.
    pub async fn mls_group(&self, room: RoomId) -> Result<GroupState> {
        self.authed::<(), _>(Method::GET, &format!("/api/v1/rooms/{room}/mls"), None)
            .await
    }

    /// Creates the room's group with this device as leaf 0.
    pub async fn create_mls_group(&self, room: RoomId) -> Result<GroupState> {
        self.authed::<(), _>(Method::POST, &format!("/api/v1/rooms/{room}/mls"), None)
            .await
    }

    /// Submits a commit (and the Welcome of the devices it adds).
    pub async fn submit_commit(&self, room: RoomId, request: &SubmitCommit) -> Result<RoomEvent> {
        self.authed(
            Method::POST,
            &format!("/api/v1/rooms/{room}/mls/commits"),
            Some(request),
        )
        .await
    }

    /// The commits after `after_epoch`, oldest first (at most 100).
    pub async fn mls_commits(&self, room: RoomId, after_epoch: i64) -> Result<CommitList> {
        let path = format!("/api/v1/rooms/{room}/mls/commits?after_epoch={after_epoch}");
        let url = self.base.join(&path)?;
        self.authed_url::<(), _>(Method::GET, url, None).await
    }

    /// This device's Welcomes.
    pub async fn mls_welcomes(&self) -> Result<WelcomeList> {
        self.authed::<(), _>(Method::GET, "/api/v1/mls/welcomes", None)
            .await
    }

    /// Deletes a Welcome this device joined with.
    pub async fn take_mls_welcome(&self, id: i64) -> Result<()> {
        self.authed::<(), ()>(Method::DELETE, &format!("/api/v1/mls/welcomes/{id}"), None)
            .await
    }

    /// Sends an MLS application message (base64) with a fresh client id, carrying
    /// the encrypted files `attachments` (ids of my uploads).
    pub async fn send_ciphertext(
        &self,
        room: RoomId,
        ciphertext: String,
        attachments: &[String],
    ) -> Result<RoomEvent> {
        let request = SendMessageRequest {
            client_id: crate::fresh_client_id(),
            body: MessageBody::Encrypted { ciphertext },
            reply_to: None,
            attachments: attachments.to_vec(),
        };
        self.send_message(room, &request).await
    }
}
