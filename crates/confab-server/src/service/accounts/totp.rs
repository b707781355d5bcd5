//! The arithmetic of two-factor sign-in, without storage: authenticator secrets and
//! their codes (TOTP, RFC 6238, through `totp-rs`), and recovery codes.
//!
//! Codes are 6 digits for 30-second steps with HMAC-SHA-1, what every authenticator
//! app understands. A code of the step before or after the server's is accepted too
//! (clocks drift, people type slowly); which step matched is returned so that the
//! caller can refuse a code whose step was used already.

use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// Digits per code.
pub const DIGITS: u32 = 6;
/// Seconds per step.
pub const PERIOD_SECS: u32 = 30;
/// Steps either side of the current one whose codes are accepted.
const SKEW_STEPS: i64 = 1;
/// Bytes of a new secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// Recovery codes made at once.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (base32: 5 bits each, so 50 bits).
const RECOVERY_CODE_CHARS: usize = 10;
/// Authenticator apps list the account under this name.
const ISSUER: &str = "Confab";

/// A new random secret, base32 without padding.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(encoded) => encoded,
        Secret::Raw(_) => unreachable!("to_encoded returns the encoded form"),
    }
}

/// The authenticator of `secret` for the account `username`; `None` for a secret
/// that is not valid base32 of a usable length (never one this server made).
fn authenticator(secret: &str, username: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS as usize,
        0,
        u64::from(PERIOD_SECS),
        bytes,
        Some(ISSUER.to_owned()),
        // `:` separates issuer and account in the URI; usernames never hold one.
        username.replace(':', "_"),
    )
    .ok()
}

/// The `otpauth://totp/...` URI of `secret`, for a QR code.
pub fn otpauth_uri(secret: &str, username: &str) -> Option<String> {
    authenticator(secret, username).map(|totp| totp.get_url())
}

/// The step of Unix time `now_secs`.
pub fn step_at(now_secs: u64) -> i64 {
    i64::try_from(now_secs / u64::from(PERIOD_SECS)).unwrap_or(i64::MAX)
}

/// The step whose code `code` is, among the steps around `now_secs`; `None` if it is
/// none of theirs. `code` is already normalised (see [`Presented`]).
pub fn matching_step(secret: &str, code: &str, now_secs: u64) -> Option<i64> {
    let totp = authenticator(secret, "")?;
    let now = step_at(now_secs);
    (now - SKEW_STEPS..=now + SKEW_STEPS).find(|&step| {
        u64::try_from(step).is_ok_and(|step| totp.check(code, step * u64::from(PERIOD_SECS)))
    })
}

/// The code of `step`: for tests.
#[cfg(test)]
pub fn code_at(secret: &str, step: i64) -> String {
    let totp = authenticator(secret, "").expect("a valid secret");
    totp.generate(u64::try_from(step).expect("a step after 1970") * u64::from(PERIOD_SECS))
}

/// What a user typed as a second factor, normalised: spaces and dashes removed,
/// lower case.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented {
    /// Six digits: a code from the authenticator app.
    Code(String),
    /// Anything else: perhaps a recovery code.
    RecoveryCode(String),
}

impl Presented {
    pub fn parse(typed: &str) -> Self {
        let normalised: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if normalised.len() == DIGITS as usize && normalised.bytes().all(|b| b.is_ascii_digit()) {
            Self::Code(normalised)
        } else {
            Self::RecoveryCode(normalised)
        }
    }
}

/// New recovery codes, as shown to the user (`abcde-fghij`), and their hashes, as
/// stored.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_CODE_CHARS];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
                .collect();
            let (first, second) = chars.split_at(RECOVERY_CODE_CHARS / 2);
            format!("{first}-{second}")
        })
        .collect();
    let hashes = codes
        .iter()
        .map(|code| match Presented::parse(code) {
            Presented::RecoveryCode(normalised) | Presented::Code(normalised) => {
                hash_recovery_code(&normalised)
            }
        })
        .collect();
    (codes, hashes)
}

/// What the store keeps of a normalised recovery code: its SHA-256, hex. A fast hash
/// is right for 50 random bits behind the sign-in throttle; the code is never
/// stored.
pub fn hash_recovery_code(normalised: &str) -> String {
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 test vectors, cut to six digits.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(encoded) => encoded,
            Secret::Raw(_) => unreachable!(),
        };
        for (time, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(&secret, step_at(time)), code, "at {time}");
            assert_eq!(matching_step(&secret, code, time), Some(step_at(time)));
        }
    }

    #[test]
    fn a_step_either_side_is_accepted_and_no_further() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = step_at(now);
        for offset in [-1, 0, 1] {
            let code = code_at(&secret, step + offset);
            assert_eq!(matching_step(&secret, &code, now), Some(step + offset));
        }
        for offset in [-3, -2, 2, 3] {
            let code = code_at(&secret, step + offset);
            // A code of a far step may equal a near one's by chance (1 in 10^6).
            if (-1..=1).all(|near| code_at(&secret, step + near) != code) {
                assert_eq!(matching_step(&secret, &code, now), None);
            }
        }
        assert_eq!(matching_step(&secret, "not a code", now), None);
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(
            Presented::parse(" 123 456 "),
            Presented::Code("123456".into())
        );
        assert_eq!(
            Presented::parse("ABCDE-fghij"),
            Presented::RecoveryCode("abcdefghij".into())
        );
        assert_eq!(
            Presented::parse("1234567"),
            Presented::RecoveryCode("1234567".into())
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_as_typed_back() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for (code, hash) in codes.iter().zip(&hashes) {
            assert_eq!(code.len(), 11);
            let Presented::RecoveryCode(typed) = Presented::parse(&code.to_uppercase()) else {
                panic!("{code} reads as an app code");
            };
            assert_eq!(&hash_recovery_code(&typed), hash);
        }
    }

    #[test]
    fn the_uri_names_the_issuer_and_account() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "alice").unwrap();
        assert!(uri.starts_with("otpauth://totp/Confab:alice?"), "{uri}");
        assert!(uri.contains(&format!("secret={secret}")), "{uri}");
        assert!(uri.contains("issuer=Confab"), "{uri}");
    }
}
