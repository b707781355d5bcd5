//! Device sessions: opening them, refreshing their tokens, authenticating requests,
//! listing and revoking them.
//!
//! A session is one signed-in device. It holds a rotating refresh token; each access
//! token names its session, and every authenticated request checks that the session
//! is still active, so revoking a session takes effect at once, on every node.

use super::live::{LiveAccounts, Revoked};
use super::tokens::{self, AccessTokens, Principal};
use crate::clock::{Millis, add_duration, now_millis, timestamp};
use crate::service::validate::DeviceName;
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::{NewSession, RefreshOutcome, RefreshRotation, RevokeReason, SessionRecord};
use confab_proto::auth::{AuthTokens, DeviceSession, SignInMethod};
use confab_proto::users::Profile;
use confab_proto::{SessionId, UserId};
use std::sync::Arc;
use std::time::Duration;

/// `last_seen_at` is written at most this often per session, so that busy clients do
/// not turn every request into a database write.
const TOUCH_INTERVAL_MS: Millis = 60_000;

/// How long a rotated refresh token is remembered, so that presenting it again is
/// recognised as reuse (and revokes the session). Older ones are forgotten and then
/// count as unknown tokens, which keeps a long-lived session's rows bounded.
const REUSE_DETECTION_WINDOW_MS: Millis = 7 * 24 * 3600 * 1000;

/// Where a request came from, as far as the transport can tell.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The session service.
pub struct Sessions {
    store: SharedStore,
    access: AccessTokens,
    refresh_ttl: Duration,
    live: Arc<dyn LiveAccounts>,
    max_sessions: u32,
}

impl Sessions {
    pub fn new(
        store: SharedStore,
        access: AccessTokens,
        refresh_ttl: Duration,
        live: Arc<dyn LiveAccounts>,
        max_sessions: u32,
    ) -> Self {
        Self {
            store,
            access,
            refresh_ttl,
            live,
            max_sessions,
        }
    }

    /// Ends the open connections of sessions that were just revoked.
    pub fn announce(&self, revoked: Revoked) {
        self.live.revoked(revoked);
    }

    /// Tells open connections of a changed profile (see [`LiveAccounts`]).
    pub fn announce_profile(&self, profile: Profile) {
        self.live.profile_changed(profile);
    }

    /// Opens a new session for an account that has just proven who it is.
    pub async fn open(
        &self,
        user_id: UserId,
        device: &DeviceName,
        client: &ClientInfo,
        method: SignInMethod,
    ) -> ServiceResult<AuthTokens> {
        let now = now_millis();
        let refresh_token = tokens::new_refresh_token();
        let refresh_hash = tokens::hash_secret(&refresh_token);
        let session = self
            .store
            .create_session(NewSession {
                user_id,
                device_name: device.as_str(),
                user_agent: client.user_agent.as_deref(),
                ip: client.ip.as_deref(),
                now,
                expires_at: add_duration(now, self.refresh_ttl),
                refresh_token_hash: &refresh_hash,
                sign_in_method: stored_method(method),
            })
            .await?;
        self.enforce_session_limit(user_id, session.id, now).await?;
        self.tokens_for(&session, refresh_token, now)
    }

    /// Revokes the sessions of `user` used longest ago beyond `--max-sessions-per-user`
    /// (never `new`, the one just opened), so that signing in again and again cannot
    /// pile up sessions.
    async fn enforce_session_limit(
        &self,
        user: UserId,
        new: SessionId,
        now: Millis,
    ) -> ServiceResult<()> {
        let mut active = self.store.active_sessions(user, now).await?;
        let limit = usize::try_from(self.max_sessions).unwrap_or(usize::MAX);
        if active.len() <= limit {
            return Ok(());
        }
        // Most recently used first; the new session is kept whatever its place.
        active.sort_by_key(|s| (s.id != new, std::cmp::Reverse(s.last_seen_at)));
        for old in active.into_iter().skip(limit) {
            if self
                .store
                .revoke_session(user, old.id, RevokeReason::SessionLimit, now)
                .await?
            {
                tracing::info!(user_id = %user, session_id = %old.id, "session limit reached; the session used longest ago was revoked");
                self.announce(Revoked::Session {
                    user,
                    session: old.id,
                });
            }
        }
        Ok(())
    }

    /// Exchanges a refresh token for a new access and refresh token. Presenting a
    /// token that was already exchanged revokes the session: either the client or an
    /// attacker holds a stolen copy, and the server cannot tell which.
    pub async fn refresh(&self, presented: &str, client: &ClientInfo) -> ServiceResult<AuthTokens> {
        let now = now_millis();
        let replacement = tokens::new_refresh_token();
        let outcome = self
            .store
            .rotate_refresh_token(RefreshRotation {
                presented_hash: &tokens::hash_secret(presented),
                replacement_hash: &tokens::hash_secret(&replacement),
                now,
                new_expires_at: add_duration(now, self.refresh_ttl),
                forget_rotated_before: now.saturating_sub(REUSE_DETECTION_WINDOW_MS),
                ip: client.ip.as_deref(),
            })
            .await?;
        match outcome {
            RefreshOutcome::Rotated(session) => self.tokens_for(&session, replacement, now),
            RefreshOutcome::AlreadyRotated { session_id } => {
                if let Some(session) = self.store.session(session_id).await? {
                    self.store
                        .revoke_session(
                            session.user_id,
                            session_id,
                            RevokeReason::RefreshTokenReused,
                            now,
                        )
                        .await?;
                    self.announce(Revoked::Session {
                        user: session.user_id,
                        session: session_id,
                    });
                }
                tracing::warn!(session_id = %session_id, ip = ?client.ip, "refresh token reused; session revoked");
                Err(ServiceError::RefreshTokenReused)
            }
            RefreshOutcome::SessionInactive => Err(ServiceError::SessionRevoked),
            RefreshOutcome::Unknown => Err(ServiceError::InvalidToken),
        }
    }

    /// Verifies an access token and that its session is still active.
    pub async fn authenticate(
        &self,
        access_token: &str,
        client: &ClientInfo,
    ) -> ServiceResult<Principal> {
        Ok(self.authenticate_until(access_token, client).await?.0)
    }

    /// Like [`Sessions::authenticate`], also returning when the token expires (for
    /// long-lived connections, which must be given a fresh token before then).
    pub async fn authenticate_until(
        &self,
        access_token: &str,
        client: &ClientInfo,
    ) -> ServiceResult<(Principal, Millis)> {
        let (principal, expires_at) = self.access.verify(access_token)?;
        let now = now_millis();
        let session = self.store.session(principal.session_id).await?;
        let session = match session {
            Some(s) if s.user_id == principal.user_id && s.is_active(now) => s,
            _ => return Err(ServiceError::SessionRevoked),
        };
        let moved = client.ip.is_some() && client.ip != session.ip;
        if moved || now - session.last_seen_at >= TOUCH_INTERVAL_MS {
            self.store
                .touch_session(session.id, now, client.ip.as_deref())
                .await?;
        }
        Ok((principal, expires_at))
    }

    /// Whether the principal's session is still active (not revoked or expired).
    pub async fn is_active(&self, principal: Principal) -> ServiceResult<bool> {
        let session = self.store.session(principal.session_id).await?;
        Ok(session.is_some_and(|s| s.user_id == principal.user_id && s.is_active(now_millis())))
    }

    /// The caller's active sessions, the current one marked.
    pub async fn list(&self, principal: Principal) -> ServiceResult<Vec<DeviceSession>> {
        let sessions = self
            .store
            .active_sessions(principal.user_id, now_millis())
            .await?;
        Ok(sessions
            .into_iter()
            .map(|s| DeviceSession {
                id: s.id,
                current: s.id == principal.session_id,
                device_name: s.device_name,
                user_agent: s.user_agent,
                ip: s.ip,
                created_at: timestamp(s.created_at),
                last_seen_at: timestamp(s.last_seen_at),
                sign_in_method: wire_method(&s.sign_in_method),
            })
            .collect())
    }

    /// Revokes one of the caller's sessions (possibly the current one).
    pub async fn revoke(&self, principal: Principal, id: SessionId) -> ServiceResult<()> {
        let reason = if id == principal.session_id {
            RevokeReason::SignedOut
        } else {
            RevokeReason::RevokedByUser
        };
        if self
            .store
            .revoke_session(principal.user_id, id, reason, now_millis())
            .await?
        {
            self.announce(Revoked::Session {
                user: principal.user_id,
                session: id,
            });
            Ok(())
        } else {
            Err(ServiceError::NotFound("session"))
        }
    }

    /// Revokes every session of the caller except the current one.
    pub async fn revoke_others(&self, principal: Principal) -> ServiceResult<u64> {
        let revoked = self
            .store
            .revoke_other_sessions(
                principal.user_id,
                principal.session_id,
                RevokeReason::RevokedByUser,
                now_millis(),
            )
            .await?;
        self.announce(Revoked::AllBut {
            user: principal.user_id,
            keep: principal.session_id,
        });
        Ok(revoked)
    }

    fn tokens_for(
        &self,
        session: &SessionRecord,
        refresh_token: String,
        now: Millis,
    ) -> ServiceResult<AuthTokens> {
        let principal = Principal {
            user_id: session.user_id,
            session_id: session.id,
        };
        let (access_token, access_expires) = self.access.issue(principal, now)?;
        Ok(AuthTokens {
            session_id: session.id,
            access_token,
            access_token_expires_at: timestamp(access_expires),
            refresh_token,
            refresh_token_expires_at: timestamp(session.expires_at),
        })
    }
}

/// How a sign-in method is stored.
fn stored_method(method: SignInMethod) -> &'static str {
    match method {
        SignInMethod::Password | SignInMethod::Unknown => "password",
        SignInMethod::PasswordTotp => "password_totp",
        SignInMethod::PasswordRecoveryCode => "password_recovery_code",
        SignInMethod::Provider => "provider",
        SignInMethod::Passkey => "passkey",
        SignInMethod::PasswordPasskey => "password_passkey",
    }
}

/// The stored sign-in method on the wire.
fn wire_method(stored: &str) -> SignInMethod {
    match stored {
        "password" => SignInMethod::Password,
        "password_totp" => SignInMethod::PasswordTotp,
        "password_recovery_code" => SignInMethod::PasswordRecoveryCode,
        "provider" => SignInMethod::Provider,
        "passkey" => SignInMethod::Passkey,
        "password_passkey" => SignInMethod::PasswordPasskey,
        _ => SignInMethod::Unknown,
    }
}
