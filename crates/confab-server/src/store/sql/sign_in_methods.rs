//! The rule every change to an account's ways of signing in keeps: removing one never
//! leaves the account without a way in, and adding a passkey respects the limit.
//!
//! Each such change runs in a transaction that first locks the account's row (an
//! update of the row: a row lock on PostgreSQL, the write lock on SQLite), so
//! concurrent changes to one account take turns and each sees the others' results.
//! A check in a single statement would not be enough on PostgreSQL: under READ
//! COMMITTED two removals could each count the other's method and both pass.

use super::SqlStore;
use super::write_tx::WriteTx;
use crate::clock::Millis;
use crate::store::{Removal, StoreResult};
use confab_proto::UserId;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

/// How many ways account `$1` has to sign in: its password, linked identities and
/// passkeys.
const SIGN_IN_METHODS: &str = "SELECT \
     (SELECT COUNT(*) FROM users WHERE id = $1 AND password_hash IS NOT NULL) \
     + (SELECT COUNT(*) FROM linked_identities WHERE user_id = $1) \
     + (SELECT COUNT(*) FROM passkeys WHERE user_id = $1)";

/// Begins a transaction holding the lock on account `user`'s row.
pub(super) async fn lock_account(
    store: &SqlStore,
    user: UserId,
    now: Millis,
) -> StoreResult<WriteTx> {
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE users SET updated_at = $2 WHERE id = $1")
        .bind(user.0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// How many ways `user` has to sign in, counted inside a transaction.
async fn sign_in_methods(conn: &mut AnyConnection, user: UserId) -> StoreResult<i64> {
    let (count,): (i64,) = sqlx::query_as(SIGN_IN_METHODS)
        .bind(user.0)
        .fetch_one(conn)
        .await?;
    Ok(count)
}

/// Runs `removal` (a statement that removes one sign-in method of `user`) under the
/// account's lock, and keeps its effect only if the account still has a way in.
pub(super) async fn remove_sign_in_method<'q>(
    store: &SqlStore,
    user: UserId,
    now: Millis,
    removal: Query<'q, Any, AnyArguments<'q>>,
) -> StoreResult<Removal> {
    let mut tx = lock_account(store, user, now).await?;
    if removal.execute(&mut *tx).await?.rows_affected() == 0 {
        return Ok(Removal::NotFound);
    }
    if sign_in_methods(&mut tx, user).await? == 0 {
        tx.rollback().await?;
        return Ok(Removal::LastMethod);
    }
    tx.commit().await?;
    Ok(Removal::Removed)
}
