//! The [`Mls`] service: the delivery service of end-to-end encrypted rooms.
//!
//! Devices register their MLS signature key and upload key packages; members claim
//! key packages to add devices; commits are checked against the room (who may be
//! added or removed) and ordered per group by the store; Welcomes wait for their
//! devices. The server reads only public framing (`framing`).

use super::framing::{self, LeafIdentity};
use crate::clock::{Millis, now_millis, timestamp};
use crate::config::MlsConfig;
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use crate::store::mls::{DeviceRecord, MlsStore, Registered, Stock};
use crate::store::rooms::{Appended, MlsCommit, MlsRefusal, RoomChange, RoomRecord, RoomStore};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use confab_proto::events::RoomEvent;
use confab_proto::mls::{
    ClaimKeyPackages, ClaimedKeyPackage, ClaimedKeyPackages, CommitList, DeviceRef, GroupState,
    KeyPackageStock, MlsDevice, MlsDeviceList, PendingWelcome, RegisterDevice, SubmitCommit,
    UploadKeyPackages, WelcomeList, group_id,
};
use confab_proto::{RoomId, SessionId, UserId};
use std::sync::Arc;

/// Longest key package accepted, in base64 characters.
pub const KEY_PACKAGE_MAX: usize = 16 * 1024;
/// Longest commit or Welcome accepted, in base64 characters.
pub const HANDSHAKE_MAX: usize = 1024 * 1024;
/// Most users one claim may name.
pub const CLAIM_USERS_MAX: usize = 100;
/// Most commits one `commits` page returns.
pub const COMMITS_PAGE: u32 = 100;

/// What the MLS service needs from live delivery (implemented by `realtime`).
pub trait MlsDelivery: Send + Sync + 'static {
    /// Tells `user`'s connections that their device `device` has `remaining`
    /// one-time key packages left.
    fn key_packages_low(&self, user: UserId, device: SessionId, remaining: i64);
}

/// The MLS delivery service.
pub struct Mls {
    store: Arc<dyn MlsStore>,
    rooms: Arc<dyn RoomStore>,
    delivery: Arc<dyn MlsDelivery>,
    config: MlsConfig,
}

fn decode(field: &'static str, text: &str, max: usize) -> ServiceResult<Vec<u8>> {
    if text.len() > max {
        return Err(ServiceError::invalid(
            field,
            format!("at most {max} base64 characters"),
        ));
    }
    BASE64
        .decode(text)
        .map_err(|_| ServiceError::invalid(field, "not standard base64"))
}

fn framing_error(field: &'static str) -> impl Fn(framing::FramingError) -> ServiceError {
    move |e| ServiceError::invalid(field, e.0)
}

/// The error for an MLS change the store refused.
pub fn refusal_error(refusal: MlsRefusal) -> ServiceError {
    match refusal {
        MlsRefusal::NoGroup => ServiceError::NotFound("encrypted group"),
        MlsRefusal::Stale { current } => ServiceError::MlsEpochStale { current },
        MlsRefusal::NotInGroup => ServiceError::MlsNotInGroup(
            "this device is not in the room's encrypted group; a member adds it".to_owned(),
        ),
        MlsRefusal::RemovalPending => ServiceError::MlsRemovalPending,
        MlsRefusal::Invalid(reason) => ServiceError::invalid("commit", reason),
    }
}

/// The change that stores an encrypted message (with the encrypted files it
/// carries, checked by the caller): its framing must name the room's group; the
/// store checks the epoch and the device.
pub fn encrypted_message(
    room: &RoomRecord,
    caller: Principal,
    client_id: &str,
    ciphertext: &str,
    max_bytes: usize,
    attachments: Vec<crate::store::events::AttachmentRecord>,
) -> ServiceResult<RoomChange> {
    let bytes = decode("body", ciphertext, max_bytes)?;
    let framing = framing::application(&bytes).map_err(framing_error("body"))?;
    if framing.group_id != group_id(room.id) {
        return Err(ServiceError::invalid(
            "body",
            "the message belongs to another group",
        ));
    }
    Ok(RoomChange::SendEncrypted {
        client_id: client_id.to_owned(),
        ciphertext: ciphertext.to_owned(),
        device: caller.session_id,
        epoch: framing.epoch,
        attachments,
    })
}

fn stock(stock: Stock) -> KeyPackageStock {
    KeyPackageStock {
        one_time: stock.one_time,
        last_resort: stock.last_resort,
    }
}

fn wire_device(device: DeviceRecord) -> MlsDevice {
    MlsDevice {
        user_id: device.user_id,
        device_id: device.session_id,
        signature_key: device.signature_key,
        created_at: timestamp(device.created_at),
    }
}

impl Mls {
    pub fn new(
        store: Arc<dyn MlsStore>,
        rooms: Arc<dyn RoomStore>,
        delivery: Arc<dyn MlsDelivery>,
        config: MlsConfig,
    ) -> Self {
        Self {
            store,
            rooms,
            delivery,
            config,
        }
    }

    /// Registers the caller's device's signature key (once; the same key again is
    /// accepted).
    pub async fn register_device(
        &self,
        caller: Principal,
        request: &RegisterDevice,
    ) -> ServiceResult<MlsDevice> {
        let key = decode("signature_key", &request.signature_key, 64)?;
        if key.len() != 32 {
            return Err(ServiceError::invalid(
                "signature_key",
                "an Ed25519 public key has 32 bytes",
            ));
        }
        let device = DeviceRecord {
            session_id: caller.session_id,
            user_id: caller.user_id,
            signature_key: BASE64.encode(&key),
            created_at: now_millis(),
        };
        match self.store.register_device(&device).await? {
            Registered::New | Registered::Same => {}
            Registered::Different => {
                return Err(ServiceError::invalid(
                    "signature_key",
                    "this device registered another key; a device keeps its key (sign in again for a new device)",
                ));
            }
        }
        self.my_device(caller, now_millis()).await.map(wire_device)
    }

    async fn my_device(&self, caller: Principal, now: Millis) -> ServiceResult<DeviceRecord> {
        self.store
            .device(caller.session_id, now)
            .await?
            .ok_or_else(|| {
                ServiceError::MlsNotInGroup(
                    "this device has no MLS key yet: PUT /api/v1/mls/device first".to_owned(),
                )
            })
    }

    /// `Forbidden` unless each of `users` is the caller or shares a room with them
    /// (the caller's contacts are read once).
    async fn require_contacts(&self, caller: Principal, users: &[UserId]) -> ServiceResult<()> {
        if users.iter().all(|&user| user == caller.user_id) {
            return Ok(());
        }
        let contacts = self.rooms.contacts(caller.user_id).await?;
        match users
            .iter()
            .find(|&&user| user != caller.user_id && !contacts.contains(&user))
        {
            None => Ok(()),
            Some(user) => Err(ServiceError::Forbidden(format!(
                "you share no room with user {user}"
            ))),
        }
    }

    /// A user's devices with their keys: the caller's own, or a contact's.
    pub async fn devices(&self, caller: Principal, user: UserId) -> ServiceResult<MlsDeviceList> {
        self.require_contacts(caller, &[user]).await?;
        let devices = self.store.devices_of(user, now_millis()).await?;
        Ok(MlsDeviceList {
            devices: devices.into_iter().map(wire_device).collect(),
        })
    }

    /// Stores key packages of the caller's device; each must carry its credential
    /// and key.
    pub async fn upload(
        &self,
        caller: Principal,
        request: &UploadKeyPackages,
    ) -> ServiceResult<KeyPackageStock> {
        let device = self.my_device(caller, now_millis()).await?;
        let key = BASE64
            .decode(&device.signature_key)
            .map_err(|_| ServiceError::Internal("a stored device key is not base64".to_owned()))?;
        let check = |field: &'static str, text: &str| -> ServiceResult<String> {
            let bytes = decode(field, text, KEY_PACKAGE_MAX)?;
            let identity = framing::key_package(&bytes).map_err(framing_error(field))?;
            if identity.user != caller.user_id || identity.device != caller.session_id {
                return Err(ServiceError::invalid(
                    field,
                    "a key package must carry this device's credential",
                ));
            }
            if identity.signature_key != key {
                return Err(ServiceError::invalid(
                    field,
                    "a key package must carry this device's registered signature key",
                ));
            }
            Ok(BASE64.encode(&bytes))
        };
        let one_time = request
            .key_packages
            .iter()
            .map(|text| check("key_packages", text))
            .collect::<ServiceResult<Vec<_>>>()?;
        let last_resort = request
            .last_resort
            .as_deref()
            .map(|text| check("last_resort", text))
            .transpose()?;
        let max = i64::from(self.config.max_key_packages);
        match self
            .store
            .add_key_packages(
                caller.session_id,
                &one_time,
                last_resort.as_deref(),
                max,
                now_millis(),
            )
            .await?
        {
            Some(now) => Ok(stock(now)),
            None => Err(ServiceError::invalid(
                "key_packages",
                format!("a device keeps at most {max} one-time key packages on the server"),
            )),
        }
    }

    pub async fn stock(&self, caller: Principal) -> ServiceResult<KeyPackageStock> {
        Ok(stock(self.store.stock(caller.session_id).await?))
    }

    /// One key package of each device of the named users, and a warning to every
    /// device left short.
    pub async fn claim(
        &self,
        caller: Principal,
        request: &ClaimKeyPackages,
    ) -> ServiceResult<ClaimedKeyPackages> {
        if request.user_ids.is_empty() || request.user_ids.len() > CLAIM_USERS_MAX {
            return Err(ServiceError::invalid(
                "user_ids",
                format!("name 1 to {CLAIM_USERS_MAX} users"),
            ));
        }
        let mut users = request.user_ids.clone();
        users.sort_unstable();
        users.dedup();
        self.require_contacts(caller, &users).await?;
        let claimed = self
            .store
            .claim(&users, caller.session_id, now_millis())
            .await?;
        let low = i64::from(self.config.key_packages_low);
        for taken in &claimed {
            if taken.one_time_left < low {
                self.delivery.key_packages_low(
                    taken.user_id,
                    taken.session_id,
                    taken.one_time_left,
                );
            }
        }
        Ok(ClaimedKeyPackages {
            key_packages: claimed
                .into_iter()
                .map(|taken| ClaimedKeyPackage {
                    user_id: taken.user_id,
                    device_id: taken.session_id,
                    key_package: taken.key_package,
                })
                .collect(),
        })
    }

    /// The room and the caller's membership; `invalid_input` for a plain room.
    async fn encrypted_room(&self, caller: Principal, room: RoomId) -> ServiceResult<RoomRecord> {
        let record = self
            .rooms
            .room(room)
            .await?
            .ok_or(ServiceError::NotFound("room"))?;
        match self.rooms.member(room, caller.user_id).await? {
            Some(member) if member.is_current() => {}
            _ => {
                return Err(ServiceError::Forbidden(
                    "you are not a member of this room".to_owned(),
                ));
            }
        }
        if !record.encrypted {
            return Err(ServiceError::invalid(
                "room",
                "this room is not end-to-end encrypted",
            ));
        }
        Ok(record)
    }

    /// The room's group as the server orders it.
    pub async fn group(&self, caller: Principal, room: RoomId) -> ServiceResult<GroupState> {
        self.encrypted_room(caller, room).await?;
        let group = self.store.group(room, now_millis()).await?;
        let id = BASE64.encode(group_id(room));
        Ok(match group {
            None => GroupState {
                group_id: id,
                created: false,
                epoch: 0,
                members: Vec::new(),
                to_add: Vec::new(),
                to_remove: Vec::new(),
            },
            Some(group) => GroupState {
                group_id: id,
                created: true,
                epoch: group.epoch,
                members: group.leaves.into_iter().map(Into::into).collect(),
                to_add: group
                    .to_add
                    .into_iter()
                    .map(|(user_id, device_id)| DeviceRef { user_id, device_id })
                    .collect(),
                to_remove: group.to_remove.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Creates the room's group at epoch 0 with the caller's device as leaf 0.
    pub async fn create_group(&self, caller: Principal, room: RoomId) -> ServiceResult<GroupState> {
        self.encrypted_room(caller, room).await?;
        self.my_device(caller, now_millis()).await?;
        let creator = crate::store::events::LeafRecord {
            leaf_index: 0,
            user_id: caller.user_id,
            device_id: caller.session_id.0,
        };
        if !self.store.create_group(room, creator).await? {
            return Err(ServiceError::MlsGroupExists);
        }
        self.group(caller, room).await
    }

    /// Checks that a leaf carries a live device's registered key.
    async fn require_registered(&self, leaf: &LeafIdentity, now: Millis) -> ServiceResult<()> {
        let registered = self.store.device(leaf.device, now).await?;
        let matches = registered.is_some_and(|device| {
            device.user_id == leaf.user
                && BASE64.decode(&device.signature_key).ok().as_deref()
                    == Some(&leaf.signature_key[..])
        });
        if matches {
            Ok(())
        } else {
            Err(ServiceError::invalid(
                "commit",
                format!(
                    "device {} of user {} is not registered with the key its leaf carries",
                    leaf.device, leaf.user
                ),
            ))
        }
    }

    /// Orders a commit: the first for its epoch wins; a later one is refused with
    /// `mls_epoch_stale`.
    pub async fn commit(
        &self,
        caller: Principal,
        room: RoomId,
        request: &SubmitCommit,
    ) -> ServiceResult<RoomEvent> {
        self.encrypted_room(caller, room).await?;
        let now = now_millis();
        self.my_device(caller, now).await?;
        let bytes = decode("commit", &request.commit, HANDSHAKE_MAX)?;
        let commit = framing::commit(&bytes).map_err(framing_error("commit"))?;
        if commit.group_id != group_id(room) {
            return Err(ServiceError::invalid(
                "commit",
                "the commit belongs to another group",
            ));
        }
        if let Some(committer) = &commit.committer {
            if (committer.user, committer.device) != (caller.user_id, caller.session_id) {
                return Err(ServiceError::invalid(
                    "commit",
                    "the commit's new leaf must carry this device's credential",
                ));
            }
            self.require_registered(committer, now).await?;
        }
        for added in &commit.added {
            self.require_registered(added, now).await?;
        }
        let welcome = match (&request.welcome, commit.added.is_empty()) {
            (Some(text), false) => {
                let bytes = decode("welcome", text, HANDSHAKE_MAX)?;
                framing::welcome(&bytes).map_err(framing_error("welcome"))?;
                Some(BASE64.encode(&bytes))
            }
            (None, false) => {
                return Err(ServiceError::invalid(
                    "welcome",
                    "a commit that adds devices needs their Welcome",
                ));
            }
            (Some(_), true) => {
                return Err(ServiceError::invalid(
                    "welcome",
                    "a commit that adds nobody has no Welcome",
                ));
            }
            (None, true) => None,
        };
        let change = RoomChange::MlsCommit(MlsCommit {
            device: caller.session_id,
            epoch: commit.epoch,
            sender_leaf: commit.sender_leaf,
            commit: BASE64.encode(&bytes),
            added: commit.added.iter().map(|a| (a.user, a.device)).collect(),
            removed: commit.removed,
            welcome,
        });
        match self.rooms.append(room, caller.user_id, change, now).await? {
            Appended::Event(event) => Ok(event.into()),
            Appended::MlsRefused(refusal) => Err(refusal_error(refusal)),
            Appended::NotMember => Err(ServiceError::Forbidden(
                "you are not a member of this room".to_owned(),
            )),
            other => Err(ServiceError::Internal(format!(
                "a commit was neither stored nor refused: {other:?}"
            ))),
        }
    }

    /// The commits that started epochs after `after_epoch`, in order (a page).
    pub async fn commits(
        &self,
        caller: Principal,
        room: RoomId,
        after_epoch: i64,
    ) -> ServiceResult<CommitList> {
        self.encrypted_room(caller, room).await?;
        let commits = self
            .store
            .commits_after(room, after_epoch, COMMITS_PAGE)
            .await?;
        Ok(CommitList {
            commits: commits.into_iter().map(Into::into).collect(),
        })
    }

    /// The caller's device's Welcomes.
    pub async fn welcomes(&self, caller: Principal) -> ServiceResult<WelcomeList> {
        let welcomes = self.store.welcomes(caller.session_id).await?;
        Ok(WelcomeList {
            welcomes: welcomes
                .into_iter()
                .map(|w| PendingWelcome {
                    id: w.id,
                    room_id: w.room_id,
                    epoch: w.epoch,
                    welcome: w.welcome,
                    created_at: timestamp(w.created_at),
                })
                .collect(),
        })
    }

    /// Deletes one of the caller's device's Welcomes once it joined with it.
    pub async fn take_welcome(&self, caller: Principal, id: i64) -> ServiceResult<()> {
        if self.store.take_welcome(caller.session_id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("welcome"))
        }
    }
}
