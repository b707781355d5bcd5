//! The channel directory: public groups by member count, searched by the folded
//! name and topic that `channel_changes` keeps current.

use super::SqlStore;
use super::query::{Query, like_pattern};
use super::rows::{RoomRow, select_rooms};
use crate::store::StoreResult;
use crate::store::rooms::{DirectoryPage, DirectoryQuery};
use crate::store::stored_names::stored_visibility;
use confab_proto::rooms::RoomVisibility;

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    #[sqlx(flatten)]
    room: RoomRow,
    joined: i64,
}

impl SqlStore {
    /// A page of public groups whose directory text holds every word, most members
    /// first (then oldest first), with the caller's membership of each.
    pub(super) async fn directory_page(
        &self,
        query: &DirectoryQuery,
    ) -> StoreResult<DirectoryPage> {
        // The page's query binds the user first (the membership join), then the
        // same conditions as the count.
        let matching = |mut built: Query| -> StoreResult<Query> {
            built.and(
                "rooms.visibility = ?",
                stored_visibility::name(RoomVisibility::Public),
            )?;
            for word in &query.words {
                built.and(
                    "rooms.directory_text LIKE ? ESCAPE '\\'",
                    like_pattern(word),
                )?;
            }
            Ok(built)
        };
        let total = matching(Query::new("SELECT COUNT(*) FROM rooms WHERE 1 = 1"))?;
        let total: i64 = sqlx::query_scalar_with(&total.sql, total.args)
            .fetch_one(self.pool())
            .await?;
        let mut page = Query::new(select_rooms!(
            extra ", CAST(CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS joined",
            "LEFT JOIN room_members m ON m.room_id = rooms.id AND m.left_seq IS NULL AND m.user_id = $1 \
             WHERE 1 = 1"
        ));
        // A new query's first argument is `$1`.
        page.param(query.user.0)?;
        let mut page = matching(page)?;
        page.sql.push_str(&format!(
            " ORDER BY rooms.member_count DESC, rooms.id LIMIT {} OFFSET {}",
            query.limit.max(1),
            query.offset
        ));
        let rows: Vec<DirectoryRow> = sqlx::query_as_with(&page.sql, page.args)
            .fetch_all(self.pool())
            .await?;
        let rooms = rows
            .into_iter()
            .map(|row| Ok((row.room.try_into()?, row.joined != 0)))
            .collect::<StoreResult<_>>()?;
        Ok(DirectoryPage { rooms, total })
    }
}
