//! HTTPS certificates from an ACME certificate authority (RFC 8555), through the
//! `rustls-acme` crate, for `--acme-domain`.
//!
//! - `order`: [`Acme`], the certificate resolver the TLS listener serves from, and
//!   the supervised task that loads the stored certificate, orders one when there is
//!   none, and orders again when two thirds of its lifetime have passed (or after a
//!   failure, with a growing delay);
//! - `store`: where the account key and the certificate are kept: `acme/` under
//!   `--data-dir`, private to the server's user.
//!
//! The challenges are answered where the authority looks for them: TLS-ALPN-01 by
//! the resolver itself during a handshake on `--listen` (the listener then closes
//! that connection), HTTP-01 by the plain-HTTP listener of `--http-redirect-listen`.

mod order;
mod store;

pub(super) use order::Acme;
