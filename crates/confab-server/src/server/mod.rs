//! Running a server: bind, serve, supervise the background tasks, and shut down
//! gracefully.
//!
//! - `run`: [`run`] itself, signals and periodic pruning;
//! - `supervisor`: the [`Supervisor`] every background task runs under (the
//!   live-delivery tailer, presence, the bus receiver, pruning, metrics upkeep, the
//!   signal listener);
//! - `files`: a private data directory and private files.

mod files;
mod run;
mod supervisor;

pub use run::run;
pub use supervisor::Supervisor;
