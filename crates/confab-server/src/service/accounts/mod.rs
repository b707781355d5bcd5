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
//! - `live`: the [`LiveAccounts`] trait through which revoking a session ends its
//!   open connections and a changed profile reaches contacts (implemented by
//!   `realtime`).
//!
//! - `oidc`: talking to one identity provider (OpenID Connect, or GitHub over OAuth
//!   2.0): its authorization URL, and its answer checked into a verified identity;
//! - [`providers`]: [`Providers`], sign-in with identity providers: flows, linked
//!   identities, accounts created on first sign-in, the sign-in methods of an account.
//! - `passkeys`: passkeys for [`Accounts`]: registering, naming and removing them,
//!   signing in with one alone or as a second factor; [`RelyingParty`], their WebAuthn
//!   ceremonies on webauthn-rs (`relying_party`).

mod account;
mod live;
mod oidc;
mod passkeys;
pub mod passwords;
pub mod providers;
mod relying_party;
pub mod sessions;
pub mod throttle;
pub mod tokens;
mod totp;
mod two_factor;

pub use account::{Accounts, PasskeySetup};
pub use live::{LiveAccounts, Revoked};
pub use providers::Providers;
pub use relying_party::RelyingParty;
