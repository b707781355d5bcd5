//! MLS changes inside an event transaction: a commit moves the room's group to its
//! next epoch, and an encrypted message is stored only in the current epoch.
//!
//! Both run under the event writers' lock (see `changes`), so "the first commit for
//! an epoch wins" holds across every node: a second commit for the same epoch finds
//! the group already moved and is refused as stale. The `mls_commits` primary key
//! (one commit per room and epoch) guards the same rule in the schema.
//!
//! Leaves are placed as RFC 9420 (section 12.1.1) places them: removals first, then
//! each added member in the leftmost free leaf, in the order of the Add proposals.

use super::event_tx::{EventTx, Place};
use crate::store::StoreResult;
use crate::store::events::{ContentRecord, LeafRecord};
use crate::store::rooms::{MlsCommit, MlsRefusal};
use confab_proto::{RoomId, SessionId, UserId};

/// A session that is neither revoked nor expired at `$2`, as a join condition on
/// `s` for the device id `$device`.
macro_rules! live_session {
    ($device:literal) => {
        concat!(
            "JOIN device_sessions s ON s.id = ",
            $device,
            " AND s.revoked_at IS NULL AND s.expires_at > $2"
        )
    };
}
pub(super) use live_session;

/// The leaves `l` of the rooms selected, each with `m`, its user's current
/// membership, and `s`, its live session at `$2`; a leaf whose `m` or `s` is missing
/// is due for removal ([`due!`]).
macro_rules! leaves_with_owners {
    () => {
        concat!(
            "FROM mls_leaves l ",
            "LEFT JOIN room_members m ON m.room_id = l.room_id AND m.user_id = l.user_id AND m.left_seq IS NULL ",
            "LEFT ",
            live_session!("l.session_id"),
            " "
        )
    };
}
pub(super) use leaves_with_owners;

/// The condition on [`leaves_with_owners!`] of a leaf due for removal.
macro_rules! due {
    () => {
        "(m.user_id IS NULL OR s.id IS NULL)"
    };
}
pub(super) use due;

/// The group's epoch, or the refusal when it is not `expected`.
async fn check_epoch(
    tx: &mut EventTx,
    room: RoomId,
    expected: i64,
) -> StoreResult<Option<MlsRefusal>> {
    let epoch: Option<i64> = sqlx::query_scalar("SELECT epoch FROM mls_groups WHERE room_id = $1")
        .bind(room.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match epoch {
        None => Some(MlsRefusal::NoGroup),
        Some(current) if current != expected => Some(MlsRefusal::Stale { current }),
        Some(_) => None,
    })
}

async fn leaf_of(tx: &mut EventTx, room: RoomId, device: SessionId) -> StoreResult<Option<u32>> {
    let leaf: Option<i64> = sqlx::query_scalar(
        "SELECT leaf_index FROM mls_leaves WHERE room_id = $1 AND session_id = $2",
    )
    .bind(room.0)
    .bind(device.0)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(leaf.and_then(|leaf| u32::try_from(leaf).ok()))
}

/// Whether a leaf waits to be removed: its user left, or its session ended.
async fn removal_pending(tx: &mut EventTx, at: &Place) -> StoreResult<bool> {
    let pending: Option<i64> = sqlx::query_scalar(concat!(
        "SELECT l.leaf_index ",
        leaves_with_owners!(),
        "WHERE l.room_id = $1 AND ",
        due!(),
        " LIMIT 1"
    ))
    .bind(at.room.0)
    .bind(at.now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(pending.is_some())
}

/// Why an encrypted message may not be stored, if it may not: it must be made in
/// the group's current epoch by a device in the group, with no leaf due for removal.
pub(super) async fn send_refusal(
    tx: &mut EventTx,
    at: &Place,
    device: SessionId,
    epoch: i64,
) -> StoreResult<Option<MlsRefusal>> {
    if let Some(refusal) = check_epoch(tx, at.room, epoch).await? {
        return Ok(Some(refusal));
    }
    if leaf_of(tx, at.room, device).await?.is_none() {
        return Ok(Some(MlsRefusal::NotInGroup));
    }
    if removal_pending(tx, at).await? {
        return Ok(Some(MlsRefusal::RemovalPending));
    }
    Ok(None)
}

/// The owner of an occupied leaf, and whether its removal is due (user gone or
/// session ended).
async fn leaf_owner(
    tx: &mut EventTx,
    at: &Place,
    leaf: u32,
) -> StoreResult<Option<(LeafRecord, bool)>> {
    let row: Option<(i64, i64, Option<i64>, Option<i64>)> = sqlx::query_as(concat!(
        "SELECT l.user_id, l.session_id, m.user_id, s.id ",
        leaves_with_owners!(),
        "WHERE l.room_id = $1 AND l.leaf_index = $3"
    ))
    .bind(at.room.0)
    .bind(at.now)
    .bind(i64::from(leaf))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(user, session, member, live)| {
        let leaf = LeafRecord {
            leaf_index: leaf,
            user_id: UserId(user),
            device_id: session,
        };
        (leaf, member.is_none() || live.is_none())
    }))
}

/// Whether `device` is a registered device with a live session of `user`, who is a
/// current member.
async fn may_join(
    tx: &mut EventTx,
    at: &Place,
    user: UserId,
    device: SessionId,
) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(concat!(
        "SELECT d.session_id FROM mls_devices d ",
        live_session!("d.session_id"),
        " JOIN room_members m ON m.room_id = $1 AND m.user_id = d.user_id AND m.left_seq IS NULL",
        " WHERE d.session_id = $3 AND d.user_id = $4"
    ))
    .bind(at.room.0)
    .bind(at.now)
    .bind(device.0)
    .bind(user.0)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

/// Applies a commit: checks it against the group and the room, moves the leaves,
/// keeps the Welcome for each added device and moves the group to its next epoch.
pub(super) async fn commit(
    tx: &mut EventTx,
    at: &Place,
    commit: &MlsCommit,
) -> StoreResult<Result<ContentRecord, MlsRefusal>> {
    if let Some(refusal) = check_epoch(tx, at.room, commit.epoch).await? {
        return Ok(Err(refusal));
    }
    match leaf_of(tx, at.room, commit.device).await? {
        None => return Ok(Err(MlsRefusal::NotInGroup)),
        Some(leaf) if leaf != commit.sender_leaf => {
            return Ok(Err(MlsRefusal::Invalid(format!(
                "the commit is signed as leaf {}, but this device is leaf {leaf}",
                commit.sender_leaf
            ))));
        }
        Some(_) => {}
    }
    let mut removed = Vec::with_capacity(commit.removed.len());
    for &leaf in &commit.removed {
        let Some((owner, due)) = leaf_owner(tx, at, leaf).await? else {
            return Ok(Err(MlsRefusal::Invalid(format!("leaf {leaf} is empty"))));
        };
        if !due && owner.user_id != at.sender {
            return Ok(Err(MlsRefusal::Invalid(format!(
                "leaf {leaf} is a device of a current member; remove the member from the room first"
            ))));
        }
        sqlx::query("DELETE FROM mls_leaves WHERE room_id = $1 AND leaf_index = $2")
            .bind(at.room.0)
            .bind(i64::from(leaf))
            .execute(&mut **tx)
            .await?;
        removed.push(owner);
    }
    // Whoever joins must find only live devices of members in the tree it joins.
    if !commit.added.is_empty() && removal_pending(tx, at).await? {
        return Ok(Err(MlsRefusal::RemovalPending));
    }
    let occupied: Vec<i64> = sqlx::query_scalar(
        "SELECT leaf_index FROM mls_leaves WHERE room_id = $1 ORDER BY leaf_index",
    )
    .bind(at.room.0)
    .fetch_all(&mut **tx)
    .await?;
    let mut free = free_leaves(occupied);
    let mut added = Vec::with_capacity(commit.added.len());
    for &(user, device) in &commit.added {
        if leaf_of(tx, at.room, device).await?.is_some() {
            return Ok(Err(MlsRefusal::Invalid(format!(
                "device {device} is already in the group"
            ))));
        }
        if !may_join(tx, at, user, device).await? {
            return Ok(Err(MlsRefusal::Invalid(format!(
                "device {device} is not a live device of a current member (user {user})"
            ))));
        }
        let leaf = free.next().unwrap_or(u32::MAX);
        sqlx::query("INSERT INTO mls_leaves (room_id, leaf_index, user_id, session_id) VALUES ($1, $2, $3, $4)")
            .bind(at.room.0)
            .bind(i64::from(leaf))
            .bind(user.0)
            .bind(device.0)
            .execute(&mut **tx)
            .await?;
        added.push(LeafRecord {
            leaf_index: leaf,
            user_id: user,
            device_id: device.0,
        });
    }
    let epoch = commit.epoch + 1;
    if let Some(welcome) = &commit.welcome {
        for leaf in &added {
            sqlx::query(
                "INSERT INTO mls_welcomes (session_id, room_id, epoch, welcome, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(leaf.device_id)
            .bind(at.room.0)
            .bind(epoch)
            .bind(welcome)
            .bind(at.now)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("UPDATE mls_groups SET epoch = $2 WHERE room_id = $1")
        .bind(at.room.0)
        .bind(epoch)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO mls_commits (room_id, epoch, seq) VALUES ($1, $2, $3)")
        .bind(at.room.0)
        .bind(epoch)
        .bind(at.seq)
        .execute(&mut **tx)
        .await?;
    Ok(Ok(ContentRecord::MlsCommit {
        epoch,
        device_id: commit.device.0,
        commit: commit.commit.clone(),
        added,
        removed,
    }))
}

/// The free leaf indexes, lowest first, given the occupied ones in ascending order:
/// the gaps, then every index after the last occupied one.
fn free_leaves(occupied: Vec<i64>) -> impl Iterator<Item = u32> {
    let mut occupied = occupied
        .into_iter()
        .filter_map(|i| u32::try_from(i).ok())
        .peekable();
    (0..=u32::MAX).filter(move |index| {
        while occupied.next_if(|o| o < index).is_some() {}
        occupied.next_if_eq(index).is_none()
    })
}

#[cfg(test)]
mod tests {
    use super::free_leaves;

    #[test]
    fn added_members_take_the_leftmost_free_leaves() {
        let first: Vec<u32> = free_leaves(vec![0, 1, 3, 6]).take(5).collect();
        assert_eq!(first, vec![2, 4, 5, 7, 8]);
        let first: Vec<u32> = free_leaves(Vec::new()).take(2).collect();
        assert_eq!(first, vec![0, 1]);
    }
}
