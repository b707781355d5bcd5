//! Persistence of the MLS delivery service: the [`MlsStore`] trait.
//!
//! Devices' signature keys, key packages waiting to be claimed, the group of each
//! encrypted room (its epoch and occupied leaves) and Welcomes waiting for their
//! devices. Commits and encrypted messages change the group inside the event
//! transaction of [`super::rooms::RoomStore::append`] (`RoomChange::MlsCommit`,
//! `RoomChange::SendEncrypted`), so a group's epoch moves exactly when its commit
//! event is stored.

use super::StoreResult;
use super::events::{EventRecord, LeafRecord};
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::{RoomId, SessionId, UserId};

/// A device's registered MLS signature key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    pub session_id: SessionId,
    pub user_id: UserId,
    /// Standard base64 of the Ed25519 public key.
    pub signature_key: String,
    pub created_at: Millis,
}

/// What [`MlsStore::register_device`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    /// The key is now the device's.
    New,
    /// The device had registered this same key.
    Same,
    /// The device has another key, which stays.
    Different,
}

/// A device's stock of key packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stock {
    pub one_time: i64,
    pub last_resort: bool,
}

/// A key package taken by a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub key_package: String,
    /// One-time key packages the device has left after this claim.
    pub one_time_left: i64,
    /// It was the last-resort key package (no one-time one was left).
    pub last_resort: bool,
}

/// A room's group as the server orders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub epoch: i64,
    /// Occupied leaves, by leaf index.
    pub leaves: Vec<LeafRecord>,
    /// Leaves whose user is no longer a member or whose device session ended.
    pub to_remove: Vec<LeafRecord>,
    /// Registered devices (with live sessions) of current members without a leaf.
    pub to_add: Vec<(UserId, SessionId)>,
}

/// A Welcome waiting for its device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WelcomeRecord {
    pub id: i64,
    pub room_id: RoomId,
    pub epoch: i64,
    pub welcome: String,
    pub created_at: Millis,
}

/// Persistence of the MLS delivery service.
#[async_trait]
pub trait MlsStore: Send + Sync + 'static {
    /// Registers a device's signature key; a device keeps its first key.
    async fn register_device(&self, device: &DeviceRecord) -> StoreResult<Registered>;
    /// A device's key, if its session is live (not revoked, not expired at `now`).
    async fn device(&self, session: SessionId, now: Millis) -> StoreResult<Option<DeviceRecord>>;
    /// A user's devices with live sessions, oldest first.
    async fn devices_of(&self, user: UserId, now: Millis) -> StoreResult<Vec<DeviceRecord>>;
    /// Stores key packages of a device; `None` (and nothing stored) if the one-time
    /// stock would pass `max_one_time`. A last-resort key package replaces the
    /// device's previous one.
    async fn add_key_packages(
        &self,
        session: SessionId,
        one_time: &[String],
        last_resort: Option<&str>,
        max_one_time: i64,
        now: Millis,
    ) -> StoreResult<Option<Stock>>;
    async fn stock(&self, session: SessionId) -> StoreResult<Stock>;
    /// Takes one key package of each live device of these users but `except` (the
    /// claiming device): the oldest one-time one, or else the last-resort one. Each
    /// one-time key package is handed out once, even to concurrent claims.
    async fn claim(
        &self,
        users: &[UserId],
        except: SessionId,
        now: Millis,
    ) -> StoreResult<Vec<Claimed>>;
    /// The room's group, or `None` before a device created it.
    async fn group(&self, room: RoomId, now: Millis) -> StoreResult<Option<GroupRecord>>;
    /// Creates the room's group at epoch 0 with `creator` at leaf 0; false if it
    /// exists.
    async fn create_group(&self, room: RoomId, creator: LeafRecord) -> StoreResult<bool>;
    /// The commit events of the room that start epochs after `epoch`, in order, at
    /// most `limit`.
    async fn commits_after(
        &self,
        room: RoomId,
        epoch: i64,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>>;
    /// The device's Welcomes, oldest first.
    async fn welcomes(&self, session: SessionId) -> StoreResult<Vec<WelcomeRecord>>;
    /// Deletes one of the device's Welcomes; false if it had no such Welcome.
    async fn take_welcome(&self, session: SessionId, id: i64) -> StoreResult<bool>;
}
