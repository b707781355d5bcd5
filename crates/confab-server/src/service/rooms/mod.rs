//! Rooms and messages: who may do what in a room, and what a message may contain.
//!
//! One service, [`Rooms`], split by aggregate:
//! - `service`: the service's parts and the checks every operation shares;
//! - `membership`: creating rooms, members, roles, ownership, name and topic;
//! - `channels`: the channel directory, joining public groups, who may join and
//!   post;
//! - `invitations`: inviting, accepting, declining and withdrawing;
//! - `blocks`: blocking and unblocking people;
//! - `messages`: sending, editing, deleting, reacting, bodies and mentions;
//! - `link_previews`: a message's link preview (queued after sending, attached,
//!   removed by the sender);
//! - `pins`: pinned messages;
//! - `markers`: read and delivery markers;
//! - `views`: the room list, one room, members, history;
//! - `live`: the stream's starting point, replay, typing and presence;
//! - `delivery`: the [`Delivery`] trait through which the service reaches live
//!   delivery (implemented by `realtime`).

mod blocks;
mod channels;
mod delivery;
mod invitations;
mod link_previews;
mod live;
mod markers;
mod membership;
mod messages;
mod pins;
mod service;
mod views;

pub use channels::{
    DIRECTORY_OFFSET_MAX, DIRECTORY_PAGE_DEFAULT, DIRECTORY_PAGE_MAX, DIRECTORY_QUERY_MAX_CHARS,
    DIRECTORY_QUERY_MAX_WORDS,
};
pub use delivery::{Delivery, ReadNotice};
pub use live::Replay;
pub use messages::{CLIENT_ID_MAX, MENTIONS_MAX, REACTION_MAX, Sent, mentioned_names};
pub use service::{Rooms, RoomsStores};
pub use views::{HISTORY_PAGE_MAX, HistoryAnchor};
