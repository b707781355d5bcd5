//! Errors of the persistence layer.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint was violated (e.g. the username is taken).
    #[error("a record with this key already exists")]
    Conflict,
    /// The database could not be reached, or the query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Stored data could not be decoded (or encoded): a bug or a damaged database.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The change was not stored because the batch it was committed with failed,
    /// or the store is shutting down.
    #[error("{0}")]
    Unavailable(String),
    /// Applying migrations failed at start-up.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;
