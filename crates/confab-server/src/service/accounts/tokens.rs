//! Access tokens (signed JWTs) and refresh tokens (random, stored hashed).

use crate::clock::{Millis, add_duration, now_millis};
use crate::service::{ServiceError, ServiceResult};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab_proto::{SessionId, UserId};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::time::Duration;

const ISSUER: &str = "confab";
/// How far in the future a token's issue time may lie (clocks of several nodes).
const CLOCK_SKEW_SECS: i64 = 60;
/// Refresh tokens start with this so secret scanners and people can recognise one.
const REFRESH_TOKEN_PREFIX: &str = "cfr_";

/// Who is making a request: established from a verified access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub session_id: SessionId,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    /// The user id, as a string as RFC 7519 asks.
    sub: String,
    /// The device session id.
    sid: i64,
    iat: i64,
    exp: i64,
}

/// Signs and verifies access tokens (HS256 with the server's secret).
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Every node signs and verifies with the same clock source (NTP); tokens are
        // short-lived, so no leeway is granted past `exp`.
        validation.leeway = 0;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// Signs a token for `principal`; returns it with its expiry.
    pub fn issue(&self, principal: Principal, now: Millis) -> ServiceResult<(String, Millis)> {
        // JWT times are whole seconds; report the expiry the token really carries.
        let expires = add_duration(now, self.ttl) / 1000 * 1000;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: principal.user_id.0.to_string(),
            sid: principal.session_id.0,
            iat: now / 1000,
            exp: expires / 1000,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| {
            ServiceError::Internal(format!("signing an access token failed: {e}"))
        })?;
        Ok((token, expires))
    }

    /// Checks signature, issuer, expiry and lifetime; returns the principal and the
    /// expiry. A token that claims to live longer than `--access-token-ttl`, or to
    /// have been issued in the future, is refused even when its signature is good:
    /// this server never issues one, so it was forged with a stolen key.
    pub fn verify(&self, token: &str) -> ServiceResult<(Principal, Millis)> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ServiceError::TokenExpired,
                _ => ServiceError::InvalidToken,
            })?;
        let ttl_secs = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let lifetime = data.claims.exp.saturating_sub(data.claims.iat);
        // Issue time is rounded down and expiry computed from milliseconds: one second
        // of rounding either way.
        if lifetime > ttl_secs.saturating_add(1)
            || data.claims.iat > now_millis() / 1000 + CLOCK_SKEW_SECS
        {
            return Err(ServiceError::InvalidToken);
        }
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| ServiceError::InvalidToken)?;
        let principal = Principal {
            user_id: UserId(user_id),
            session_id: SessionId(data.claims.sid),
        };
        Ok((principal, data.claims.exp.saturating_mul(1000)))
    }
}

/// A fresh refresh token: 256 random bits.
pub fn new_refresh_token() -> String {
    format!("{REFRESH_TOKEN_PREFIX}{}", random_secret())
}

/// 256 random bits as base64url text (43 characters), for tokens and one-time values.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a random secret (a refresh token, a provider flow's
/// cookie and state): its SHA-256, hex. A fast hash is right here because the
/// secret is 256 random bits, not a guessable password.
pub fn hash_secret(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random signing secret, for servers started without one.
pub fn new_signing_secret() -> String {
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINCIPAL: Principal = Principal {
        user_id: UserId(7),
        session_id: SessionId(42),
    };

    #[test]
    fn issued_tokens_verify_to_their_principal() {
        let tokens =
            AccessTokens::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60));
        let (token, _) = tokens.issue(PRINCIPAL, crate::clock::now_millis()).unwrap();
        let (principal, expires) = tokens.verify(&token).unwrap();
        assert_eq!(principal, PRINCIPAL);
        assert!(expires > crate::clock::now_millis());
    }

    #[test]
    fn expired_and_foreign_tokens_are_rejected() {
        let tokens =
            AccessTokens::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60));
        let long_ago = crate::clock::now_millis() - 3_600_000;
        let (old, _) = tokens.issue(PRINCIPAL, long_ago).unwrap();
        assert!(matches!(
            tokens.verify(&old),
            Err(ServiceError::TokenExpired)
        ));

        let other = AccessTokens::new(
            b"another secret of sufficient size!",
            Duration::from_secs(60),
        );
        let (foreign, _) = other.issue(PRINCIPAL, crate::clock::now_millis()).unwrap();
        assert!(matches!(
            tokens.verify(&foreign),
            Err(ServiceError::InvalidToken)
        ));
        assert!(matches!(
            tokens.verify("not a jwt"),
            Err(ServiceError::InvalidToken)
        ));
    }

    #[test]
    fn tokens_that_claim_a_longer_life_or_a_future_issue_are_refused() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let tokens = AccessTokens::new(secret, Duration::from_secs(60));
        let now = crate::clock::now_millis() / 1000;
        let forge = |iat: i64, exp: i64| {
            let claims = Claims {
                iss: ISSUER.to_owned(),
                sub: "7".into(),
                sid: 42,
                iat,
                exp,
            };
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(secret),
            )
            .unwrap()
        };
        assert!(tokens.verify(&forge(now, now + 60)).is_ok(), "as issued");
        assert!(matches!(
            tokens.verify(&forge(now, now + 365 * 24 * 3600)),
            Err(ServiceError::InvalidToken)
        ));
        assert!(matches!(
            tokens.verify(&forge(now + 3600, now + 3660)),
            Err(ServiceError::InvalidToken)
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token();
        let b = new_refresh_token();
        assert_ne!(a, b);
        assert!(a.starts_with(REFRESH_TOKEN_PREFIX));
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
    }
}
