//! End-to-end encryption with MLS (RFC 9420): the server as the delivery service.
//!
//! The server never holds a key that decrypts anything. It keeps each device's MLS
//! signature key, stores the devices' key packages until someone claims them, orders
//! the commits of each encrypted room's group (the first commit for an epoch wins),
//! keeps Welcome messages for the devices they add, and relays application messages
//! as opaque ciphertext. It reads only MLS's public framing: group id, epoch, content
//! type, and in commits (sent as `PublicMessage`) the members added and removed.
//!
//! A device is a device session (`session_id` of sign-in): each has its own MLS
//! signature key and its own leaves in the groups. Every MLS value travels as a
//! complete `MLSMessage` (RFC 9420 section 6) in standard base64 with padding.
//! docs/protocol.md ("End-to-end encryption") has the conventions clients follow:
//! ciphersuite, credential identities, group ids, and what an encrypted message's
//! plaintext holds.

use crate::{SessionId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// The only ciphersuite: `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`.
pub const CIPHERSUITE: u16 = 1;

/// The identity in a device's Basic credential: `confab:{user_id}:{device_id}`.
pub fn credential_identity(user: UserId, device: SessionId) -> String {
    format!("confab:{}:{}", user.0, device.0)
}

/// The device a credential identity names, if it has the form of
/// [`credential_identity`].
pub fn parse_credential_identity(identity: &[u8]) -> Option<(UserId, SessionId)> {
    let text = std::str::from_utf8(identity).ok()?;
    let (user, device) = text.strip_prefix("confab:")?.split_once(':')?;
    let number = |part: &str| -> Option<i64> {
        // Canonical decimal only, so that one device has one identity.
        if part.is_empty() || part.len() > 19 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        part.parse().ok()
    };
    Some((UserId(number(user)?), SessionId(number(device)?)))
}

/// The MLS group id of an encrypted room: the UTF-8 bytes of `confab:room:{room_id}`.
pub fn group_id(room: crate::RoomId) -> Vec<u8> {
    format!("confab:room:{}", room.0).into_bytes()
}

/// `PUT /api/v1/mls/device`: this device's MLS signature public key.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterDevice {
    /// The Ed25519 public key (32 bytes), standard base64.
    pub signature_key: String,
}

/// A device that can take part in encrypted rooms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MlsDevice {
    pub user_id: UserId,
    /// The device session's id; with `user_id` it makes the credential identity.
    pub device_id: SessionId,
    /// The Ed25519 public key its credential must carry, standard base64.
    pub signature_key: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `GET /api/v1/users/{user_id}/devices`: a user's devices, oldest first. Devices whose
/// session ended are not listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MlsDeviceList {
    pub devices: Vec<MlsDevice>,
}

/// `POST /api/v1/mls/key-packages`: key packages of this device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadKeyPackages {
    /// One-time key packages, each claimed once (`--mls-max-key-packages` in stock).
    #[serde(default)]
    pub key_packages: Vec<String>,
    /// Handed out when the one-time ones run out, and never used up; replaces the
    /// previous one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub last_resort: Option<String>,
}

/// How many key packages this device has in stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyPackageStock {
    /// One-time key packages not yet claimed.
    pub one_time: i64,
    /// Whether a last-resort key package is stored.
    pub last_resort: bool,
}

/// `POST /api/v1/mls/key-packages/claim`: one key package of each device of these
/// users, to add them to a group.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimKeyPackages {
    /// At most 100; each must share a room with the caller (or be the caller).
    pub user_ids: Vec<UserId>,
}

/// A key package handed out by a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedKeyPackage {
    pub user_id: UserId,
    pub device_id: SessionId,
    pub key_package: String,
}

/// The answer to a claim: one per device that had one. A device without key
/// packages is left out (it cannot be added until it uploads some).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedKeyPackages {
    pub key_packages: Vec<ClaimedKeyPackage>,
}

/// A device's leaf in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMember {
    pub leaf_index: u32,
    pub user_id: UserId,
    pub device_id: SessionId,
}

/// A device of a member that is not in the group yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRef {
    pub user_id: UserId,
    pub device_id: SessionId,
}

/// `GET /api/v1/rooms/{id}/mls`: the room's group as the server orders it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupState {
    /// Standard base64 of the group id (`confab:room:{room_id}`).
    pub group_id: String,
    /// `false` until a member's device creates the group.
    pub created: bool,
    /// The current epoch: the one commits and messages must be made in.
    pub epoch: i64,
    /// The leaves, by leaf index.
    pub members: Vec<GroupMember>,
    /// Devices of current members that are not in the group: a member adds them.
    pub to_add: Vec<DeviceRef>,
    /// Leaves that must be removed before anyone may send again: their user is no
    /// longer a member, or their device session ended.
    pub to_remove: Vec<GroupMember>,
}

/// `POST /api/v1/rooms/{id}/mls/commits`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitCommit {
    /// The commit, an `MLSMessage` holding a `PublicMessage`, made in the current
    /// epoch by the caller's leaf, with its proposals inline.
    pub commit: String,
    /// The `Welcome` for the devices the commit adds; required exactly when it adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub welcome: Option<String>,
}

/// A Welcome kept for one device until it takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingWelcome {
    pub id: i64,
    pub room_id: crate::RoomId,
    /// The epoch the Welcome joins.
    pub epoch: i64,
    /// The `Welcome` `MLSMessage`, standard base64.
    pub welcome: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `GET /api/v1/mls/welcomes`: this device's Welcomes, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WelcomeList {
    pub welcomes: Vec<PendingWelcome>,
}

/// `GET /api/v1/rooms/{id}/mls/commits`: the commits after an epoch, in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitList {
    pub commits: Vec<crate::events::RoomEvent>,
}

/// What an encrypted message's plaintext holds (UTF-8 JSON, tagged by `type`),
/// before MLS encrypts it. The server never sees it. Edits and reactions of an
/// encrypted room are encrypted messages of their own that name their target by
/// `seq`; clients apply them to the message they decrypted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EncryptedContent {
    /// A message, with Markdown-style formatting like a plain room's.
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        reply_to: Option<i64>,
        /// Files it carries, each encrypted with a key of its own; their ids are also
        /// the message's `attachments`, so members may download the ciphertext.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<EncryptedFile>,
    },
    /// A new text for my message `target_seq`.
    Edit { target_seq: i64, text: String },
    /// My reaction to message `target_seq`, added or removed.
    Reaction {
        target_seq: i64,
        emoji: String,
        add: bool,
    },
    /// A content type this version does not know; clients skip it.
    #[serde(other)]
    Unknown,
}

/// A file of an encrypted message: the server keeps its ciphertext (uploaded with
/// `encrypted=true`); what it is and the key that opens it travel only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EncryptedFile {
    pub file_id: String,
    pub name: String,
    pub content_type: String,
    /// Bytes of the plaintext file.
    pub size: u64,
    /// AES-256-GCM key, standard base64 (32 bytes); new for every file.
    pub key: String,
    /// AES-256-GCM nonce, standard base64 (12 bytes). The ciphertext is the file's
    /// bytes encrypted with it, the 16-byte tag at the end, no associated data.
    pub iv: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_name_exactly_one_device() {
        let identity = credential_identity(UserId(12), SessionId(345));
        assert_eq!(identity, "confab:12:345");
        assert_eq!(
            parse_credential_identity(identity.as_bytes()),
            Some((UserId(12), SessionId(345)))
        );
        for bad in [
            "confab:12:0345",
            "confab:12",
            "confab::3",
            "confab:+1:3",
            "other:1:2",
            "confab:1:2:3",
            "confab:1:99999999999999999999",
        ] {
            assert_eq!(parse_credential_identity(bad.as_bytes()), None, "{bad}");
        }
    }
}
