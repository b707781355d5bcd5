//! End-to-end encrypted rooms through OpenMLS (feature `e2ee`): one [`Device`] is
//! this device session's MLS identity, its key packages and its groups.
//!
//! The conventions every Confab client follows (docs/protocol.md, "End-to-end
//! encryption"): ciphersuite 1; a Basic credential `confab:{user_id}:{device_id}`;
//! group id `confab:room:{room_id}`; commits as `PublicMessage` with the ratchet tree
//! in each Welcome; application messages as `PrivateMessage`, padded to 32 bytes;
//! the secrets of the 5 previous epochs kept. Every leaf added to a group is checked
//! against the server's registered key for that device.
//!
//! State (the signature key, key packages' private keys, every group's secrets) is
//! kept in OpenMLS's memory storage and written to the device's file after every
//! change, before the change is acknowledged to the caller: a crash never leaves the
//! file behind what the server has accepted. The file is the device's secret: it is
//! written with mode 0600.

use crate::{Client, ClientError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use confab_proto::events::{EventContent, MessageBody, RoomEvent};
use confab_proto::mls::{
    DeviceRef, SubmitCommit, UploadKeyPackages, credential_identity, group_id,
    parse_credential_identity,
};
use confab_proto::{ErrorCode, RoomId, SessionId, UserId};
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use state::{Saved, write_private};
use std::collections::HashMap;
use std::path::PathBuf;

mod files;
mod state;

/// The only ciphersuite Confab uses.
pub const CIPHERSUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
/// Past epochs whose secrets are kept, so late messages still decrypt.
pub const PAST_EPOCHS: usize = 5;
/// Application messages are padded to a multiple of this many bytes.
pub const PADDING: usize = 32;
/// How often a send or commit is tried again after losing a race for an epoch.
const RETRIES: usize = 5;

/// What can go wrong in encrypted rooms.
#[derive(Debug, thiserror::Error)]
pub enum E2eeError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("MLS: {0}")]
    Mls(String),
    #[error("the device file {path}: {error}")]
    File {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A leaf's credential or key is not what the server registered for the device.
    #[error("identity check failed: {0}")]
    Identity(String),
    #[error("this device is not in the encrypted group of room {0}")]
    NotInGroup(RoomId),
    #[error(
        "the message was made in epoch {epoch}, which this device never had or no longer keeps"
    )]
    UnknownEpoch { epoch: u64 },
}

fn mls(error: impl std::fmt::Display) -> E2eeError {
    E2eeError::Mls(error.to_string())
}

/// The outcome of [`Device::receive`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// An application message, decrypted, with its sender's device.
    Message {
        seq: i64,
        user: UserId,
        device: SessionId,
        plaintext: Vec<u8>,
    },
    /// This device's own message (MLS does not let a sender decrypt its own
    /// messages: a client keeps what it sent).
    Own { seq: i64 },
    /// A commit moved the group to `epoch` (this device's own ones included).
    Commit { epoch: u64 },
    /// The commit removed this device from the group.
    Removed,
    /// Not an MLS event, or one already processed.
    Ignored,
}

/// This device session's MLS identity and groups.
pub struct Device {
    client: Client,
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    user: UserId,
    device: SessionId,
    file: Option<PathBuf>,
    groups: HashMap<RoomId, MlsGroup>,
}

fn create_config() -> MlsGroupCreateConfig {
    MlsGroupCreateConfig::builder()
        .ciphersuite(CIPHERSUITE)
        .use_ratchet_tree_extension(true)
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .max_past_epochs(PAST_EPOCHS)
        .padding_size(PADDING)
        .build()
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .max_past_epochs(PAST_EPOCHS)
        .padding_size(PADDING)
        .build()
}

/// What a device's leaf says it supports: Confab's one ciphersuite, and the
/// last-resort extension its last-resort key package carries (RFC 9420 section 10.1:
/// a key package's extensions must be listed in its leaf's capabilities, and OpenMLS
/// refuses one that is not).
fn capabilities() -> Capabilities {
    Capabilities::new(
        None,
        Some(&[CIPHERSUITE]),
        Some(&[ExtensionType::LastResort]),
        None,
        None,
    )
}

fn encode(message: &MlsMessageOut) -> Result<String, E2eeError> {
    Ok(BASE64.encode(message.tls_serialize_detached().map_err(mls)?))
}

fn decode(text: &str) -> Result<MlsMessageIn, E2eeError> {
    let bytes = BASE64.decode(text).map_err(mls)?;
    MlsMessageIn::tls_deserialize_exact(bytes).map_err(mls)
}

fn is_code(error: &E2eeError, code: ErrorCode) -> bool {
    matches!(error, E2eeError::Client(e) if e.code() == Some(code))
}

impl Device {
    /// Makes a new MLS identity for the client's session: registers its key and
    /// uploads `key_packages` one-time key packages and a last-resort one. With a
    /// `file`, the state is kept there.
    pub async fn register(
        client: Client,
        file: Option<PathBuf>,
        key_packages: usize,
    ) -> Result<Self, E2eeError> {
        let me = client.me().await?;
        let tokens = client.tokens().await.ok_or(ClientError::NotSignedIn)?;
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(CIPHERSUITE.signature_algorithm()).map_err(mls)?;
        signer.store(provider.storage()).map_err(mls)?;
        client
            .register_mls_device(&BASE64.encode(signer.public()))
            .await?;
        let mut device = Self {
            client,
            provider,
            signer,
            user: me.id,
            device: tokens.session_id,
            file,
            groups: HashMap::new(),
        };
        device.upload_key_packages(key_packages, true).await?;
        Ok(device)
    }

    /// Opens a device saved by an earlier [`Device::register`] with a file; `client`
    /// must be signed in as the same device session.
    pub fn open(client: Client, file: PathBuf) -> Result<Self, E2eeError> {
        let text = std::fs::read(&file).map_err(|error| E2eeError::File {
            path: file.clone(),
            error,
        })?;
        let saved: Saved = serde_json::from_slice(&text).map_err(mls)?;
        let provider = OpenMlsRustCrypto::default();
        {
            let mut values = provider
                .storage()
                .values
                .write()
                .map_err(|_| mls("the storage lock is poisoned"))?;
            for (key, value) in &saved.values {
                values.insert(
                    BASE64.decode(key).map_err(mls)?,
                    BASE64.decode(value).map_err(mls)?,
                );
            }
        }
        let public = BASE64.decode(&saved.public_key).map_err(mls)?;
        let signer = SignatureKeyPair::read(
            provider.storage(),
            &public,
            CIPHERSUITE.signature_algorithm(),
        )
        .ok_or_else(|| mls("the device file holds no signature key"))?;
        Ok(Self {
            client,
            provider,
            signer,
            user: saved.user_id,
            device: saved.device_id,
            file: Some(file),
            groups: HashMap::new(),
        })
    }

    pub fn user(&self) -> UserId {
        self.user
    }

    pub fn device_id(&self) -> SessionId {
        self.device
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Writes the state to the device's file (atomically: a temporary file renamed).
    fn save(&self) -> Result<(), E2eeError> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let values = self
            .provider
            .storage()
            .values
            .read()
            .map_err(|_| mls("the storage lock is poisoned"))?
            .iter()
            .map(|(k, v)| (BASE64.encode(k), BASE64.encode(v)))
            .collect();
        let saved = Saved {
            version: 1,
            user_id: self.user,
            device_id: self.device,
            public_key: BASE64.encode(self.signer.public()),
            values,
        };
        let bytes = serde_json::to_vec(&saved).map_err(mls)?;
        write_private(path, &bytes).map_err(|error| E2eeError::File {
            path: path.clone(),
            error,
        })
    }

    fn credential(&self) -> CredentialWithKey {
        let identity = credential_identity(self.user, self.device);
        CredentialWithKey {
            credential: BasicCredential::new(identity.into_bytes()).into(),
            signature_key: self.signer.public().into(),
        }
    }

    /// Makes and uploads `count` one-time key packages (and a new last-resort one).
    pub async fn upload_key_packages(
        &mut self,
        count: usize,
        last_resort: bool,
    ) -> Result<confab_proto::mls::KeyPackageStock, E2eeError> {
        let mut one_time = Vec::with_capacity(count);
        for _ in 0..count {
            let bundle = KeyPackage::builder()
                .leaf_node_capabilities(capabilities())
                .build(CIPHERSUITE, &self.provider, &self.signer, self.credential())
                .map_err(mls)?;
            one_time.push(encode(&MlsMessageOut::from(bundle.key_package().clone()))?);
        }
        let last_resort = if last_resort {
            let bundle = KeyPackage::builder()
                .leaf_node_capabilities(capabilities())
                .mark_as_last_resort()
                .build(CIPHERSUITE, &self.provider, &self.signer, self.credential())
                .map_err(mls)?;
            Some(encode(&MlsMessageOut::from(bundle.key_package().clone()))?)
        } else {
            None
        };
        // The private keys are saved before the server can hand the packages out.
        self.save()?;
        let request = UploadKeyPackages {
            key_packages: one_time,
            last_resort,
        };
        Ok(self.client.upload_key_packages(&request).await?)
    }

    fn group(&mut self, room: RoomId) -> Result<&mut MlsGroup, E2eeError> {
        Ok(self.parts(room)?.2)
    }

    /// The provider, the signer and the room's group (loaded from storage the first
    /// time), borrowed together.
    fn parts(
        &mut self,
        room: RoomId,
    ) -> Result<(&OpenMlsRustCrypto, &SignatureKeyPair, &mut MlsGroup), E2eeError> {
        if !self.groups.contains_key(&room) {
            let id = GroupId::from_slice(&group_id(room));
            let group = MlsGroup::load(self.provider.storage(), &id)
                .map_err(mls)?
                .ok_or(E2eeError::NotInGroup(room))?;
            self.groups.insert(room, group);
        }
        let group = self
            .groups
            .get_mut(&room)
            .ok_or(E2eeError::NotInGroup(room))?;
        Ok((&self.provider, &self.signer, group))
    }

    /// The group's epoch on this device, if it is in the group.
    pub fn epoch(&mut self, room: RoomId) -> Option<u64> {
        self.group(room).ok().map(|g| g.epoch().as_u64())
    }

    /// A secret derived from the group's current epoch (RFC 9420 section 8.5).
    pub fn export_secret(
        &mut self,
        room: RoomId,
        label: &str,
        length: usize,
    ) -> Result<Vec<u8>, E2eeError> {
        let (provider, _, group) = self.parts(room)?;
        group
            .export_secret(provider.crypto(), label, &[], length)
            .map_err(mls)
    }

    /// Creates the room's group with this device as its only member, then adds the
    /// devices of the room's other members.
    pub async fn create_group(&mut self, room: RoomId) -> Result<(), E2eeError> {
        let group = MlsGroup::new_with_group_id(
            &self.provider,
            &self.signer,
            &create_config(),
            GroupId::from_slice(&group_id(room)),
            self.credential(),
        )
        .map_err(mls)?;
        self.groups.insert(room, group);
        self.save()?;
        self.client.create_mls_group(room).await?;
        self.sync_members(room).await
    }

    /// Checks leaves (credential and signature key) against the server's registered
    /// key of the device each names; each user's devices are fetched once.
    async fn check_leaves(&self, leaves: &[(Credential, Vec<u8>)]) -> Result<(), E2eeError> {
        let mut registered: HashMap<UserId, Vec<confab_proto::mls::MlsDevice>> = HashMap::new();
        for (credential, key) in leaves {
            let basic = BasicCredential::try_from(credential.clone())
                .map_err(|_| E2eeError::Identity("not a Basic credential".to_owned()))?;
            let (user, device) = parse_credential_identity(basic.identity())
                .ok_or_else(|| E2eeError::Identity("a malformed credential identity".to_owned()))?;
            let devices = match registered.entry(user) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(self.client.mls_devices(user).await?.devices)
                }
            };
            let expected = devices
                .iter()
                .find(|d| d.device_id == device)
                .and_then(|d| BASE64.decode(&d.signature_key).ok());
            if expected.as_deref() != Some(key.as_slice()) {
                return Err(E2eeError::Identity(format!(
                    "device {device} of user {user} does not have the key its leaf carries"
                )));
            }
        }
        Ok(())
    }

    /// Makes the group match the room: removes the leaves the server lists as due
    /// for removal, then adds the devices it lists as missing. One commit each.
    pub async fn sync_members(&mut self, room: RoomId) -> Result<(), E2eeError> {
        for _ in 0..RETRIES {
            self.catch_up(room).await?;
            let state = self.client.mls_group(room).await?;
            let outcome = if !state.to_remove.is_empty() {
                let leaves: Vec<LeafNodeIndex> = state
                    .to_remove
                    .iter()
                    .map(|m| LeafNodeIndex::new(m.leaf_index))
                    .collect();
                self.commit_removal(room, &leaves).await
            } else if !state.to_add.is_empty() {
                self.commit_additions(room, &state.to_add).await
            } else {
                return Ok(());
            };
            match outcome {
                Err(e) if is_code(&e, ErrorCode::MlsEpochStale) => continue,
                Err(e) => return Err(e),
                Ok(()) => {}
            }
        }
        Ok(())
    }

    /// Adds the room members' devices that are not in the group yet, in one commit,
    /// without removing anyone first: while leaves are due for removal the server
    /// refuses it (`mls_removal_pending`). [`Device::sync_members`] does both, in order.
    pub async fn add_missing_devices(&mut self, room: RoomId) -> Result<(), E2eeError> {
        let state = self.client.mls_group(room).await?;
        self.commit_additions(room, &state.to_add).await
    }

    async fn commit_removal(
        &mut self,
        room: RoomId,
        leaves: &[LeafNodeIndex],
    ) -> Result<(), E2eeError> {
        let (provider, signer, group) = self.parts(room)?;
        let (commit, _, _) = group
            .remove_members(provider, signer, leaves)
            .map_err(mls)?;
        self.submit(room, &commit, None).await
    }

    async fn commit_additions(
        &mut self,
        room: RoomId,
        devices: &[DeviceRef],
    ) -> Result<(), E2eeError> {
        let mut users: Vec<UserId> = devices.iter().map(|d| d.user_id).collect();
        users.dedup();
        let claimed = self.client.claim_key_packages(&users).await?;
        let mut key_packages = Vec::new();
        let mut leaves = Vec::new();
        for claimed in claimed.key_packages {
            if !devices.iter().any(|d| d.device_id == claimed.device_id) {
                continue;
            }
            let MlsMessageBodyIn::KeyPackage(key_package) = decode(&claimed.key_package)?.extract()
            else {
                return Err(mls("a claimed key package is not one"));
            };
            let key_package = key_package
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .map_err(mls)?;
            let leaf = key_package.leaf_node();
            leaves.push((
                leaf.credential().clone(),
                leaf.signature_key().as_slice().to_vec(),
            ));
            key_packages.push(key_package);
        }
        self.check_leaves(&leaves).await?;
        if key_packages.is_empty() {
            return Ok(());
        }
        let (provider, signer, group) = self.parts(room)?;
        let (commit, welcome, _) = group
            .add_members(provider, signer, &key_packages)
            .map_err(mls)?;
        self.submit(room, &commit, Some(&welcome)).await
    }

    /// Sends a commit made on the group; merges it once the server accepted it, or
    /// drops it when another commit won the epoch (the caller catches up and retries).
    async fn submit(
        &mut self,
        room: RoomId,
        commit: &MlsMessageOut,
        welcome: Option<&MlsMessageOut>,
    ) -> Result<(), E2eeError> {
        let request = SubmitCommit {
            commit: encode(commit)?,
            welcome: welcome.map(encode).transpose()?,
        };
        let outcome = self.client.submit_commit(room, &request).await;
        let (provider, _, group) = self.parts(room)?;
        match outcome {
            Ok(_) => group.merge_pending_commit(provider).map_err(mls)?,
            Err(error) => {
                group
                    .clear_pending_commit(provider.storage())
                    .map_err(mls)?;
                self.save()?;
                return Err(error.into());
            }
        }
        self.save()
    }

    /// Joins every group this device was added to, from its Welcomes; returns the
    /// rooms joined.
    pub async fn join_pending(&mut self) -> Result<Vec<RoomId>, E2eeError> {
        let mut joined = Vec::new();
        for welcome in self.client.mls_welcomes().await?.welcomes {
            let MlsMessageBodyIn::Welcome(message) = decode(&welcome.welcome)?.extract() else {
                return Err(mls("a stored Welcome is not one"));
            };
            let staged =
                StagedWelcome::new_from_welcome(&self.provider, &join_config(), message, None)
                    .map_err(mls)?;
            let group = staged.into_group(&self.provider).map_err(mls)?;
            let members: Vec<_> = group
                .members()
                .map(|member| (member.credential, member.signature_key))
                .collect();
            self.check_leaves(&members).await?;
            self.groups.insert(welcome.room_id, group);
            // Saved before the Welcome is deleted: the server keeps it until then.
            self.save()?;
            self.client.take_mls_welcome(welcome.id).await?;
            joined.push(welcome.room_id);
        }
        Ok(joined)
    }

    /// Processes the commits this device missed, from the server's list.
    pub async fn catch_up(&mut self, room: RoomId) -> Result<(), E2eeError> {
        loop {
            let epoch = self.group(room)?.epoch().as_u64();
            let commits = self.client.mls_commits(room, epoch as i64).await?.commits;
            if commits.is_empty() {
                return Ok(());
            }
            for event in &commits {
                if self.commit_event(event).await? == Received::Removed {
                    return Err(E2eeError::NotInGroup(room));
                }
            }
        }
    }

    /// Encrypts and sends `plaintext`; after losing a race for the epoch it catches
    /// up and tries again, and it first removes leaves the server says are due.
    pub async fn send(&mut self, room: RoomId, plaintext: &[u8]) -> Result<RoomEvent, E2eeError> {
        self.send_with(room, plaintext, &[]).await
    }

    /// [`Device::send`] for a message that carries encrypted files (their ids).
    pub async fn send_with(
        &mut self,
        room: RoomId,
        plaintext: &[u8],
        attachments: &[String],
    ) -> Result<RoomEvent, E2eeError> {
        let mut last = None;
        for _ in 0..RETRIES {
            let (provider, signer, group) = self.parts(room)?;
            let message = group
                .create_message(provider, signer, plaintext)
                .map_err(mls)?;
            // The sender ratchet moved: saved before the message leaves.
            self.save()?;
            let ciphertext = encode(&message)?;
            match self
                .client
                .send_ciphertext(room, ciphertext, attachments)
                .await
            {
                Ok(event) => return Ok(event),
                Err(e) if e.code() == Some(ErrorCode::MlsEpochStale) => self.catch_up(room).await?,
                Err(e) if e.code() == Some(ErrorCode::MlsRemovalPending) => {
                    self.sync_members(room).await?;
                }
                Err(e) => return Err(e.into()),
            }
            last = Some(ErrorCode::MlsEpochStale);
        }
        Err(mls(format!(
            "gave up sending after {RETRIES} tries ({last:?})"
        )))
    }

    /// Processes one event of an encrypted room, in log order: a commit moves the
    /// group on, an encrypted message is decrypted.
    pub async fn receive(&mut self, event: &RoomEvent) -> Result<Received, E2eeError> {
        match &event.content {
            EventContent::MlsCommit { .. } => self.commit_event(event).await,
            EventContent::Message(message) => {
                let Some(MessageBody::Encrypted { ciphertext }) = &message.body else {
                    return Ok(Received::Ignored);
                };
                self.decrypt(event.seq, event.room_id, ciphertext).await
            }
            _ => Ok(Received::Ignored),
        }
    }

    /// Processes a commit event unless this device already has its epoch (its own
    /// commit, or one processed while catching up).
    async fn commit_event(&mut self, event: &RoomEvent) -> Result<Received, E2eeError> {
        let EventContent::MlsCommit { epoch, commit, .. } = &event.content else {
            return Ok(Received::Ignored);
        };
        let room = event.room_id;
        let current = match self.group(room) {
            Ok(group) => group.epoch().as_u64(),
            Err(E2eeError::NotInGroup(_)) => return Ok(Received::Ignored),
            Err(e) => return Err(e),
        };
        if u64::try_from(*epoch).unwrap_or(0) <= current {
            return Ok(Received::Ignored);
        }
        self.process_commit(room, commit).await
    }

    async fn process_commit(&mut self, room: RoomId, commit: &str) -> Result<Received, E2eeError> {
        let message = decode(commit)?.try_into_protocol_message().map_err(mls)?;
        let (provider, _, group) = self.parts(room)?;
        let processed = group.process_message(provider, message).map_err(mls)?;
        let ProcessedMessageContent::StagedCommitMessage(staged) = processed.into_content() else {
            return Err(mls("a commit event holds no commit"));
        };
        let added: Vec<_> = staged
            .add_proposals()
            .map(|add| {
                let leaf = add.add_proposal().key_package().leaf_node();
                (
                    leaf.credential().clone(),
                    leaf.signature_key().as_slice().to_vec(),
                )
            })
            .collect();
        self.check_leaves(&added).await?;
        let removed = staged.self_removed();
        let (provider, _, group) = self.parts(room)?;
        group.merge_staged_commit(provider, *staged).map_err(mls)?;
        let epoch = group.epoch().as_u64();
        self.save()?;
        Ok(if removed {
            Received::Removed
        } else {
            Received::Commit { epoch }
        })
    }

    async fn decrypt(
        &mut self,
        seq: i64,
        room: RoomId,
        ciphertext: &str,
    ) -> Result<Received, E2eeError> {
        let message = decode(ciphertext)?
            .try_into_protocol_message()
            .map_err(mls)?;
        let epoch = message.epoch().as_u64();
        let current = self.group(room)?.epoch().as_u64();
        if epoch > current {
            self.catch_up(room).await?;
        }
        let processed = {
            let (provider, _, group) = self.parts(room)?;
            match group.process_message(provider, message) {
                Ok(processed) => processed,
                Err(ProcessMessageError::ValidationError(ValidationError::UnableToDecrypt(_)))
                | Err(ProcessMessageError::ValidationError(ValidationError::WrongEpoch)) => {
                    return Err(E2eeError::UnknownEpoch { epoch });
                }
                Err(e) => return Err(mls(e)),
            }
        };
        let credential = processed.credential().clone();
        let application = match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(application) => application,
            ProcessedMessageContent::OwnPrivateMessage => return Ok(Received::Own { seq }),
            _ => return Err(mls("an encrypted message holds no application data")),
        };
        self.save()?;
        let basic = BasicCredential::try_from(credential)
            .map_err(|_| E2eeError::Identity("not a Basic credential".to_owned()))?;
        let (user, device) = parse_credential_identity(basic.identity())
            .ok_or_else(|| E2eeError::Identity("a malformed credential identity".to_owned()))?;
        Ok(Received::Message {
            seq,
            user,
            device,
            plaintext: application.into_bytes(),
        })
    }
}
