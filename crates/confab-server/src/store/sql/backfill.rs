//! Data that a migration's new column needs and SQL alone cannot compute, filled in
//! at start, after the migrations, by the code that keeps it from then on.

use super::write_tx::begin_write;
use crate::config::Backend;
use crate::store::StoreResult;
use crate::store::search::fold;

/// Fills `display_name_key` of the accounts made before it existed (migration
/// 0010), in batches; run at start. Accounts changed since keep theirs.
pub(super) async fn fill_display_name_keys(
    pool: &sqlx::AnyPool,
    backend: Backend,
) -> StoreResult<u64> {
    let mut filled = 0;
    loop {
        let batch: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, display_name FROM users \
             WHERE display_name_key = '' AND display_name <> '' ORDER BY id LIMIT 500",
        )
        .fetch_all(pool)
        .await?;
        if batch.is_empty() {
            return Ok(filled);
        }
        let mut tx = begin_write(pool, backend).await?;
        for (id, name) in &batch {
            let key = fold(name);
            // A name that folds to nothing would be picked again forever: give it a
            // key no search word matches.
            let key = if key.is_empty() { " ".to_owned() } else { key };
            sqlx::query("UPDATE users SET display_name_key = $2 WHERE id = $1")
                .bind(id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        filled += batch.len() as u64;
    }
}
