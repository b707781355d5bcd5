//! What the delivery service reads of MLS messages: their public framing, never
//! their encrypted content. Parsing is `mls-spec`'s (RFC 9420 structures in the TLS
//! presentation language); no signature is checked here and no key is held. Clients
//! check every signature; the server checks that what it orders fits the room.

use confab_proto::mls::{CIPHERSUITE, parse_credential_identity};
use confab_proto::{SessionId, UserId};
use mls_spec::credential::Credential;
use mls_spec::group::commits::ProposalOrRef;
use mls_spec::group::proposals::Proposal;
use mls_spec::messages::{ContentTypeInner, MlsMessage, MlsMessageContent, Sender};
use mls_spec::tree::leaf_node::LeafNode;
use tls_codec::Deserialize as _;

/// Why a message was not accepted; the text is for the client.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FramingError(pub String);

fn error(message: impl Into<String>) -> FramingError {
    FramingError(message.into())
}

/// A leaf's owner and key, as its credential and signature key say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafIdentity {
    pub user: UserId,
    pub device: SessionId,
    pub signature_key: Vec<u8>,
}

/// A commit's public content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitFraming {
    pub group_id: Vec<u8>,
    pub epoch: i64,
    pub sender_leaf: u32,
    /// The added members, in proposal order.
    pub added: Vec<LeafIdentity>,
    pub removed: Vec<u32>,
    /// The committer's new leaf, when the commit has a path.
    pub committer: Option<LeafIdentity>,
}

/// An application message's public framing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationFraming {
    pub group_id: Vec<u8>,
    pub epoch: i64,
}

fn parse(bytes: &[u8]) -> Result<MlsMessage, FramingError> {
    MlsMessage::tls_deserialize_exact(bytes).map_err(|e| error(format!("not an MLS message ({e})")))
}

fn epoch(epoch: u64) -> Result<i64, FramingError> {
    i64::try_from(epoch).map_err(|_| error("the epoch is out of range"))
}

/// The device a leaf node names, with its signature key.
fn leaf_identity(leaf: &LeafNode) -> Result<LeafIdentity, FramingError> {
    let Credential::Basic(basic) = &leaf.credential else {
        return Err(error("only Basic credentials are accepted"));
    };
    let (user, device) = parse_credential_identity(&basic.identity)
        .ok_or_else(|| error("a credential's identity must be confab:{user_id}:{device_id}"))?;
    Ok(LeafIdentity {
        user,
        device,
        signature_key: leaf.signature_key.as_slice().to_vec(),
    })
}

/// A key package: checks its ciphersuite and reads whose it is.
pub fn key_package(bytes: &[u8]) -> Result<LeafIdentity, FramingError> {
    let MlsMessageContent::KeyPackage(key_package) = parse(bytes)?.content else {
        return Err(error("expected a key package"));
    };
    if *key_package.cipher_suite != CIPHERSUITE {
        return Err(error(format!(
            "key packages must use ciphersuite {CIPHERSUITE} (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)"
        )));
    }
    leaf_identity(&key_package.leaf_node)
}

/// A commit sent as a `PublicMessage` by a member, with its proposals inline.
pub fn commit(bytes: &[u8]) -> Result<CommitFraming, FramingError> {
    let MlsMessageContent::MlsPublicMessage(message) = parse(bytes)?.content else {
        return Err(error("a commit must be sent as a PublicMessage"));
    };
    let content = message.content;
    let Sender::Member(sender_leaf) = content.sender else {
        return Err(error("a commit must come from a member of the group"));
    };
    let ContentTypeInner::Commit { commit } = content.content else {
        return Err(error("expected a commit"));
    };
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for proposal in &commit.proposals {
        match proposal {
            ProposalOrRef::Proposal(Proposal::Add(add)) => {
                if *add.key_package.cipher_suite != CIPHERSUITE {
                    return Err(error("an added key package uses another ciphersuite"));
                }
                added.push(leaf_identity(&add.key_package.leaf_node)?);
            }
            ProposalOrRef::Proposal(Proposal::Remove(remove)) => removed.push(remove.removed),
            ProposalOrRef::Proposal(_) => {
                return Err(error("a commit may only add and remove members"));
            }
            ProposalOrRef::Reference(_) => {
                return Err(error(
                    "a commit must carry its proposals inline, not by reference",
                ));
            }
        }
    }
    let committer = commit
        .path
        .as_ref()
        .map(|path| leaf_identity(&path.leaf_node))
        .transpose()?;
    Ok(CommitFraming {
        group_id: content.group_id,
        epoch: epoch(content.epoch)?,
        sender_leaf,
        added,
        removed,
        committer,
    })
}

/// An application message, sent as a `PrivateMessage`.
pub fn application(bytes: &[u8]) -> Result<ApplicationFraming, FramingError> {
    let MlsMessageContent::MlsPrivateMessage(message) = parse(bytes)?.content else {
        return Err(error("an encrypted message must be an MLS PrivateMessage"));
    };
    if !matches!(
        message.content_type,
        mls_spec::messages::ContentType::Application
    ) {
        return Err(error("an encrypted message must hold application data"));
    }
    Ok(ApplicationFraming {
        group_id: message.group_id,
        epoch: epoch(message.epoch)?,
    })
}

/// Checks that a Welcome is one.
pub fn welcome(bytes: &[u8]) -> Result<(), FramingError> {
    match parse(bytes)?.content {
        MlsMessageContent::Welcome(welcome) if *welcome.cipher_suite == CIPHERSUITE => Ok(()),
        MlsMessageContent::Welcome(_) => Err(error("the Welcome uses another ciphersuite")),
        _ => Err(error("expected a Welcome")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_the_wrong_kind_of_message_are_refused_with_a_reason() {
        assert!(commit(b"").unwrap_err().0.contains("not an MLS message"));
        assert!(application(&[0, 1, 0, 9]).is_err());
        assert!(key_package(&[0xff; 40]).is_err());
        assert!(welcome(&[0, 1, 0, 3, 0]).is_err());
    }
}
