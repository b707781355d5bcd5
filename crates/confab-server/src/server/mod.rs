//! Running a server: bind, serve, supervise the background tasks, and shut down
//! gracefully.
//!
//! - `run`: [`run`] itself, signals and periodic pruning;
//! - `supervisor`: the [`Supervisor`] every background task runs under (the
//!   live-delivery tailer, presence, the bus receiver, pruning, metrics upkeep, the
//!   signal listener);
//! - `files`: a private data directory and private files, and the open-file limit;
//! - `listener`: accepting connections within `--max-connections` and
//!   `--max-connections-per-address`, and riding out accept errors;
//! - `serve`: hyper on each connection, with `--http-header-timeout`;
//! - `tls`: HTTPS with rustls, and the certificate reloaded on SIGHUP or when its
//!   files change;
//! - `acme`: the certificate from an ACME authority instead, obtained and renewed by
//!   a supervised task.

mod acme;
mod files;
mod listener;
mod run;
mod serve;
mod supervisor;
mod tls;

pub use run::run;
pub use supervisor::Supervisor;
