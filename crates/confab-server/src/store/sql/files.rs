//! [`FileStore`] for [`SqlStore`]: uploaded files and the messages that carry them.

use super::SqlStore;
use super::rows::map_unique_violation;
use crate::clock::Millis;
use crate::store::events::ThumbnailRecord;
use crate::store::files::{FileRecord, FileStore, SharedFileRecord};
use crate::store::{StoreError, StoreResult};
use async_trait::async_trait;
use confab_proto::{RoomId, UserId};

const FILE_COLUMNS: &str = "f.id, f.uploader_id, f.client_id, f.name, f.sha256, f.size, f.content_type, \
     f.width, f.height, f.thumb_sha256, f.thumb_content_type, f.thumb_width, f.thumb_height, f.created_at";

#[derive(sqlx::FromRow)]
struct FileRow {
    id: String,
    uploader_id: i64,
    client_id: String,
    name: String,
    sha256: String,
    size: i64,
    content_type: String,
    width: Option<i64>,
    height: Option<i64>,
    thumb_sha256: Option<String>,
    thumb_content_type: Option<String>,
    thumb_width: Option<i64>,
    thumb_height: Option<i64>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct SharedRow {
    #[sqlx(flatten)]
    file: FileRow,
    room_id: i64,
    seq: i64,
    sender_id: i64,
    shared_at: i64,
}

fn dimension(value: Option<i64>) -> StoreResult<Option<u32>> {
    value
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("image size {v}"))))
        .transpose()
}

impl TryFrom<FileRow> for FileRecord {
    type Error = StoreError;
    fn try_from(row: FileRow) -> StoreResult<Self> {
        let thumbnail = match (row.thumb_sha256, row.thumb_content_type) {
            (Some(sha256), Some(content_type)) => Some((
                sha256,
                ThumbnailRecord {
                    width: dimension(row.thumb_width)?.unwrap_or(0),
                    height: dimension(row.thumb_height)?.unwrap_or(0),
                    content_type,
                },
            )),
            _ => None,
        };
        Ok(Self {
            id: row.id,
            uploader_id: UserId(row.uploader_id),
            client_id: row.client_id,
            name: row.name,
            sha256: row.sha256,
            size: u64::try_from(row.size)
                .map_err(|_| StoreError::Corrupt(format!("file size {}", row.size)))?,
            content_type: row.content_type,
            width: dimension(row.width)?,
            height: dimension(row.height)?,
            thumbnail,
            created_at: row.created_at,
        })
    }
}

impl SqlStore {
    async fn one_file(
        &self,
        condition: &str,
        a: &str,
        b: Option<i64>,
    ) -> StoreResult<Option<FileRecord>> {
        let query = format!("SELECT {FILE_COLUMNS} FROM files f WHERE {condition}");
        let mut query = sqlx::query_as::<_, FileRow>(&query).bind(a);
        if let Some(b) = b {
            query = query.bind(b);
        }
        query
            .fetch_optional(self.pool())
            .await?
            .map(TryInto::try_into)
            .transpose()
    }
}

#[async_trait]
impl FileStore for SqlStore {
    async fn create_file(&self, file: &FileRecord) -> StoreResult<(FileRecord, bool)> {
        let thumb = file.thumbnail.as_ref();
        let inserted = sqlx::query(
            "INSERT INTO files (id, uploader_id, client_id, name, sha256, size, content_type, width, height, \
             thumb_sha256, thumb_content_type, thumb_width, thumb_height, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&file.id)
        .bind(file.uploader_id.0)
        .bind(&file.client_id)
        .bind(&file.name)
        .bind(&file.sha256)
        .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
        .bind(&file.content_type)
        .bind(file.width.map(i64::from))
        .bind(file.height.map(i64::from))
        .bind(thumb.map(|(sha, _)| sha.clone()))
        .bind(thumb.map(|(_, t)| t.content_type.clone()))
        .bind(thumb.map(|(_, t)| i64::from(t.width)))
        .bind(thumb.map(|(_, t)| i64::from(t.height)))
        .bind(file.created_at)
        .execute(self.pool())
        .await
        .map_err(map_unique_violation);
        match inserted {
            Ok(_) => Ok((file.clone(), true)),
            Err(StoreError::Conflict) => {
                match self
                    .file_by_client_id(file.uploader_id, &file.client_id)
                    .await?
                {
                    Some(earlier) => Ok((earlier, false)),
                    None => Err(StoreError::Conflict),
                }
            }
            Err(error) => Err(error),
        }
    }

    async fn file(&self, id: &str) -> StoreResult<Option<FileRecord>> {
        self.one_file("f.id = $1", id, None).await
    }

    async fn file_by_client_id(
        &self,
        uploader: UserId,
        client_id: &str,
    ) -> StoreResult<Option<FileRecord>> {
        self.one_file(
            "f.client_id = $1 AND f.uploader_id = $2",
            client_id,
            Some(uploader.0),
        )
        .await
    }

    async fn uploaded_bytes(&self, user: UserId) -> StoreResult<u64> {
        let total: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(size) AS BIGINT) FROM files WHERE uploader_id = $1",
        )
        .bind(user.0)
        .fetch_one(self.pool())
        .await?;
        Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
    }

    async fn may_download(&self, id: &str, user: UserId) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM files f WHERE f.id = $1 AND (f.uploader_id = $2 OR EXISTS ( \
                 SELECT 1 FROM attachments a JOIN room_members m ON m.room_id = a.room_id AND m.user_id = $2 \
                 WHERE a.file_id = f.id AND (m.left_seq IS NULL OR a.seq <= m.left_seq)) \
             OR EXISTS (SELECT 1 FROM users u WHERE u.avatar_file_id = f.id) \
             OR EXISTS (SELECT 1 FROM rooms r WHERE r.avatar_file_id = f.id)) LIMIT 1",
        )
        .bind(id)
        .bind(user.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    async fn remove_unused_files(&self, before: Millis) -> StoreResult<u64> {
        Ok(sqlx::query(
            "DELETE FROM files WHERE created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.file_id = files.id) \
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_file_id = files.id) \
             AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.avatar_file_id = files.id)",
        )
        .bind(before)
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    async fn blob_in_use(&self, sha256: &str) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM files WHERE sha256 = $1 OR thumb_sha256 = $1 \
             UNION ALL SELECT 1 FROM events WHERE preview_image = $1 \
             UNION ALL SELECT 1 FROM link_previews WHERE image_sha256 = $1 LIMIT 1",
        )
        .bind(sha256)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    async fn room_files(
        &self,
        room: RoomId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<SharedFileRecord>> {
        let query = format!(
            "SELECT {FILE_COLUMNS}, a.room_id, a.seq, e.sender_id, e.created_at AS shared_at \
             FROM attachments a JOIN files f ON f.id = a.file_id \
             JOIN events e ON e.room_id = a.room_id AND e.seq = a.seq \
             WHERE a.room_id = $1 AND a.seq IN (SELECT DISTINCT s.seq FROM attachments s \
                 WHERE s.room_id = $1 AND s.seq < $2 ORDER BY s.seq DESC LIMIT $3) \
             ORDER BY a.seq DESC, a.position"
        );
        let rows: Vec<SharedRow> = sqlx::query_as(&query)
            .bind(room.0)
            .bind(before.unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(SharedFileRecord {
                    file: row.file.try_into()?,
                    room_id: RoomId(row.room_id),
                    seq: row.seq,
                    sender_id: UserId(row.sender_id),
                    shared_at: row.shared_at,
                })
            })
            .collect()
    }
}
