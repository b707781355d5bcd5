//! Accounts and how people prove who they are: sign-up and sign-in, profiles,
//! passwords, device sessions and their tokens, and the sign-in throttle.
//!
//! - `account`: [`Accounts`], sign-up, sign-in, profiles, password changes;
//! - [`sessions`]: device sessions, token refresh and reuse detection, request
//!   authentication;
//! - [`tokens`]: signed access tokens and refresh tokens;
//! - [`passwords`]: the password policy and argon2id;
//! - [`throttle`]: back-off after failed sign-ins, and sign-ups per address;
//! - `two_factor`: two-factor sign-in for [`Accounts`] (authenticator apps and
//!   recovery codes), and `totp`, its arithmetic without storage;
//! - `revocations`: the [`Revocations`] trait through which revoking a session ends
//!   its open connections (implemented by `realtime`).
//!
//! Sign-in providers (OpenID Connect) and passkeys live here too as they come.

mod account;
pub mod passwords;
mod revocations;
pub mod sessions;
pub mod throttle;
pub mod tokens;
mod totp;
mod two_factor;

pub use account::Accounts;
pub use revocations::{Revocations, Revoked};
