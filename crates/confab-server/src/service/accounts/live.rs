//! The accounts services' view of open connections: revoking a session must end its
//! live connections at once, on every node, and a changed profile must reach the
//! people who see it. `realtime` implements [`LiveAccounts`]; the services only say
//! what changed.

use confab_proto::users::Profile;
use confab_proto::{SessionId, UserId};

/// Sessions that just ended (serialisable: the bus carries it to the other nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Revoked {
    /// One session of `user`.
    Session { user: UserId, session: SessionId },
    /// Every session of `user` but `keep` (a password change, "sign out everywhere
    /// else").
    AllBut { user: UserId, keep: SessionId },
}

impl Revoked {
    /// Whether a connection of `user`'s session `session` must end.
    pub fn covers(&self, user: UserId, session: SessionId) -> bool {
        match *self {
            Self::Session {
                user: revoked_user,
                session: revoked,
            } => revoked_user == user && revoked == session,
            Self::AllBut {
                user: revoked_user,
                keep,
            } => revoked_user == user && keep != session,
        }
    }
}

/// Where the accounts services report what open connections must learn
/// (implemented by `realtime`).
pub trait LiveAccounts: Send + Sync + 'static {
    /// Ends the open connections of the revoked sessions. Called after the
    /// revocation is stored, before the request that revoked them is answered.
    fn revoked(&self, revoked: Revoked);

    /// Tells the account's contacts (everyone who shares a room with it) and its own
    /// other devices of its new profile. Called after the change is stored.
    fn profile_changed(&self, profile: Profile);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revocation_covers_exactly_its_sessions() {
        let (alice, bob) = (UserId(1), UserId(2));
        let one = Revoked::Session {
            user: alice,
            session: SessionId(7),
        };
        assert!(one.covers(alice, SessionId(7)));
        assert!(!one.covers(alice, SessionId(8)));
        assert!(!one.covers(bob, SessionId(7)));
        let others = Revoked::AllBut {
            user: alice,
            keep: SessionId(7),
        };
        assert!(!others.covers(alice, SessionId(7)));
        assert!(others.covers(alice, SessionId(8)));
        assert!(!others.covers(bob, SessionId(8)));
    }
}
