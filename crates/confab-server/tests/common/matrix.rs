//! The machinery of the authorization matrix (`tests/authorization.rs`, which holds
//! the tables): the callers, the people and rooms of one server, preparing each
//! cell (a fresh message, group or session where a row needs one), making its
//! request over REST or the WebSocket, and the report of every difference.

use super::common::{Backend, PASSWORD, TestServer, signed_up};
use confab_client::proto::auth::AuthTokens;
use confab_client::proto::rooms::{CreateGroupRequest, Role};
use confab_client::proto::ws::{ClientFrame, ServerFrame};
use confab_client::{Client, Incoming, Live};
use confab_proto::{RoomId, UserId};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Waits at most this long for a frame that should arrive.
const PATIENCE: Duration = Duration::from_secs(30);

/// Who makes a request: the columns of the matrix, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    Anonymous,
    Stranger,
    /// Invited to every group of the matrix, never answering.
    Invited,
    Member,
    Removed,
    Admin,
    Owner,
}

use Caller::{Admin, Anonymous, Invited, Member, Owner, Removed, Stranger};
const CALLERS: [Caller; 7] = [Anonymous, Stranger, Invited, Member, Removed, Admin, Owner];

// REST outcomes: the status of a success, or the status and the error code.
pub const OK: &str = "200";
pub const CREATED: &str = "201";
pub const DONE: &str = "204";
pub const UNAUTH: &str = "401 unauthenticated";
pub const FORBID: &str = "403 forbidden";
pub const MISSING: &str = "404 not_found";
pub const INVALID: &str = "400 invalid_input";

// WebSocket outcomes: the reply; "nothing" for a frame without one; an error frame
// ("(no id)" when it carries none); and the close that follows it.
pub const READY: &str = "ready";
pub const W_OK: &str = "ok";
pub const PONG: &str = "pong";
pub const NOTHING: &str = "nothing";
pub const W_FORBID: &str = "error forbidden";
pub const NO_HELLO: &str = "error invalid_json (no id), close 4000";
pub const BAD_HELLO: &str = "error invalid_token (no id), close 4001";

/// Which room a request is about (its `{id}`, or a frame's `room_id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// None: a request about the caller's account.
    Account,
    /// The group every caller is set up in, for the rows that leave its members be.
    Shared,
    /// A new group like the shared one for each cell: for membership changes.
    Fresh,
    /// The direct room of the owner and the member (both plain `member`s there); the
    /// stranger, the removed member and the admin are not in it.
    Direct,
    /// A room id that does not exist.
    Missing,
    /// `{id}` is an image the owner shared in the group, after the removal.
    File,
}

/// What a row's `{seq}`, `{user_id}` and `{username}`, or a sessions path's `{id}`,
/// name. Messages and sessions are made anew for each cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    Bare,
    /// One of the caller's own messages. The removed member's is from before the
    /// removal; callers who cannot have one get the bystander's (the member's in the
    /// direct room).
    MyMsg,
    /// Someone else's: the bystander's in a group, the other person's in the direct
    /// room (the owner's for those not in it).
    TheirMsg,
    /// The caller's account (the stranger's, for an anonymous caller).
    Me,
    Owner,
    /// A second admin of the group.
    Admin2,
    Member,
    /// A plain member of the group besides `Member`.
    Bystander,
    Removed,
    /// Someone in no room of the matrix.
    Candidate,
    /// The person invited to the group, who has not answered.
    Invited,
    /// In the direct room, the other person (the owner, unless the caller is).
    Other,
    /// A second session of the caller's account (the stranger's, for anonymous).
    MySession,
    /// The same, and the request is made with that session's token.
    FromMySession,
    /// A second session of the bystander.
    TheirSession,
}

/// What one cell's request is made of.
pub struct Cell {
    pub caller: Caller,
    /// The room, or the second session.
    pub id: i64,
    pub seq: i64,
    pub user: UserId,
    pub username: String,
    pub spare: Option<AuthTokens>,
    /// The caller's access token; empty for an anonymous caller.
    pub token: String,
    /// An access token of someone else (the bystander).
    pub others_token: String,
    /// New for every cell: for client ids and names.
    pub unique: String,
}

impl Cell {
    pub fn room(&self) -> RoomId {
        RoomId(self.id)
    }
}

pub type Body = fn(&Cell) -> Value;
pub type Frame = fn(&Cell, String) -> ClientFrame;

/// A row of the REST matrix.
pub struct Rest {
    /// `METHOD path`, the path under `/api/v1` as in the OpenAPI document, and
    /// possibly a query.
    pub op: &'static str,
    pub case: &'static str,
    pub scope: Scope,
    pub arg: Arg,
    /// Per caller, in the order of [`CALLERS`].
    pub expect: [&'static str; 7],
    pub body: Option<Body>,
}

pub fn rest(
    op: &'static str,
    case: &'static str,
    scope: Scope,
    arg: Arg,
    expect: [&'static str; 7],
) -> Rest {
    let body = None;
    Rest {
        op,
        case,
        scope,
        arg,
        expect,
        body,
    }
}

impl Rest {
    pub fn body(self, body: Body) -> Self {
        let body = Some(body);
        Self { body, ..self }
    }

    /// The operation as the OpenAPI document names it: `POST /api/v1/rooms`.
    pub fn operation(&self) -> String {
        let (method, path) = self.op.split_once(' ').unwrap();
        let path = path.trim().split('?').next().unwrap();
        format!("{method} /api/v1{path}")
    }
}

/// A row of the WebSocket matrix.
pub struct Ws {
    /// The frame's `type`.
    pub kind: &'static str,
    pub case: &'static str,
    pub scope: Scope,
    pub arg: Arg,
    pub expect: [&'static str; 7],
    pub frame: Frame,
    /// Sent as the first frame of a new connection, not on the caller's open one.
    /// Anonymous callers always do that: they have no connection.
    pub connect: bool,
}

pub fn ws(
    kind: &'static str,
    case: &'static str,
    scope: Scope,
    arg: Arg,
    expect: [&'static str; 7],
    frame: Frame,
) -> Ws {
    let connect = false;
    Ws {
        kind,
        case,
        scope,
        arg,
        expect,
        frame,
        connect,
    }
}

struct Person {
    client: Client,
    id: UserId,
    name: String,
}

/// A group as [`World::group`] sets it up.
#[derive(Clone, Copy)]
struct Group {
    id: RoomId,
    /// The removed member's message, sent before the removal.
    removed_msg: i64,
}

/// The server's people and rooms.
struct World {
    url: String,
    http: reqwest::Client,
    people: HashMap<&'static str, Person>,
    shared: Group,
    direct: RoomId,
    /// The image of [`Scope::File`].
    file: String,
}

impl World {
    async fn new(server: &TestServer) -> Self {
        let mut people = HashMap::new();
        for name in [
            "owner",
            "admin",
            "admin2",
            "member",
            "bystander",
            "removed",
            "stranger",
            "candidate",
            "invited",
        ] {
            let (client, username) = signed_up(server, &name[..3]).await;
            let id = client.me().await.unwrap().id;
            people.insert(
                name,
                Person {
                    client,
                    id,
                    name: username,
                },
            );
        }
        let (url, http) = (server.url.clone(), reqwest::Client::new());
        let shared = Group {
            id: RoomId(0),
            removed_msg: 0,
        };
        let mut world = Self {
            url,
            http,
            people,
            shared,
            direct: RoomId(0),
            file: String::new(),
        };
        world.shared = world.group().await;
        let member = world.get("member").id;
        world.direct = world
            .get("owner")
            .client
            .open_direct(member)
            .await
            .unwrap()
            .id;
        world.file = world.shared_image().await;
        world
    }

    /// An image the owner uploads and sends in the shared group; its id.
    async fn shared_image(&self) -> String {
        let owner = &self.get("owner").client;
        let mut png = Vec::new();
        image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let file = owner.upload("dot.png", "matrix", png).await.unwrap();
        let request = confab_client::proto::events::SendMessageRequest {
            client_id: "matrix-file".into(),
            body: confab_client::proto::events::MessageBody::Text {
                text: String::new(),
            },
            reply_to: None,
            attachments: vec![file.id.clone()],
        };
        owner.send_message(self.shared.id, &request).await.unwrap();
        file.id
    }

    fn get(&self, name: &str) -> &Person {
        &self.people[name]
    }

    /// A group of the owner with two admins, two plain members and a removed member,
    /// who all accepted their invitations, and the invited person, who did not.
    async fn group(&self) -> Group {
        let owner = &self.get("owner").client;
        let joining = ["admin", "admin2", "member", "bystander", "removed"];
        let invited = joining.iter().chain(&["invited"]);
        let request = CreateGroupRequest {
            name: "matrix".into(),
            topic: String::new(),
            members: invited.map(|name| self.get(name).id).collect(),
            encrypted: false,
            ..Default::default()
        };
        let id = owner.create_group(&request).await.unwrap().id;
        for name in joining {
            self.get(name).client.accept_invitation(id).await.unwrap();
        }
        for admin in ["admin", "admin2"] {
            owner
                .set_role(id, self.get(admin).id, Role::Admin)
                .await
                .unwrap();
        }
        let removed = self.get("removed");
        let removed_msg = removed
            .client
            .send_text(id, "before I left")
            .await
            .unwrap()
            .seq;
        owner.remove_member(id, removed.id).await.unwrap();
        Group { id, removed_msg }
    }

    /// The caller's account (`None` for anonymous).
    fn person(&self, caller: Caller) -> Option<&Person> {
        let name = match caller {
            Anonymous => return None,
            Stranger => "stranger",
            Invited => "invited",
            Member => "member",
            Removed => "removed",
            Admin => "admin",
            Owner => "owner",
        };
        Some(self.get(name))
    }

    /// Whom `arg` names for `caller`: the caller's account unless it names someone.
    fn target(&self, arg: Arg, caller: Caller) -> &Person {
        match arg {
            Arg::Owner => self.get("owner"),
            Arg::Admin2 => self.get("admin2"),
            Arg::Member => self.get("member"),
            Arg::Bystander | Arg::TheirSession => self.get("bystander"),
            Arg::Removed => self.get("removed"),
            Arg::Candidate => self.get("candidate"),
            Arg::Invited => self.get("invited"),
            Arg::Other if caller == Owner => self.get("member"),
            Arg::Other => self.get("owner"),
            _ => self.person(caller).unwrap_or(self.get("stranger")),
        }
    }

    /// Prepares one cell; also returns the room to watch for changes.
    async fn cell(&self, caller: Caller, scope: Scope, arg: Arg) -> (Cell, Option<RoomId>) {
        let (room, group) = match scope {
            Scope::Account => (None, None),
            Scope::Shared => (Some(self.shared.id), Some(self.shared)),
            Scope::Fresh => {
                let group = self.group().await;
                (Some(group.id), Some(group))
            }
            Scope::Direct => (Some(self.direct), None),
            Scope::Missing => (Some(RoomId(999_999_999)), None),
            Scope::File => (None, None),
        };
        let seq = match (arg, room) {
            (Arg::MyMsg | Arg::TheirMsg, Some(room)) if scope != Scope::Missing => {
                self.message(caller, arg, room, group).await
            }
            _ => 1,
        };
        let target = self.target(arg, caller);
        let spare = match arg {
            Arg::MySession | Arg::FromMySession | Arg::TheirSession => {
                let client = Client::new(&self.url).unwrap();
                let signed_in = client.sign_in(&target.name, PASSWORD, Some("spare")).await;
                Some(signed_in.unwrap().tokens)
            }
            _ => None,
        };
        let token = match self.person(caller) {
            Some(person) => access_token(&person.client).await,
            None => String::new(),
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let cell = Cell {
            caller,
            id: room
                .map(|r| r.0)
                .or(spare.as_ref().map(|s| s.session_id.0))
                .unwrap_or(0),
            seq,
            user: target.id,
            username: target.name.clone(),
            spare,
            token,
            others_token: access_token(&self.get("bystander").client).await,
            unique: format!("cell{}", NEXT.fetch_add(1, Ordering::Relaxed)),
        };
        (cell, room)
    }

    /// A new message for the cell (see [`Arg::MyMsg`] and [`Arg::TheirMsg`]); its `seq`.
    async fn message(&self, caller: Caller, arg: Arg, room: RoomId, group: Option<Group>) -> i64 {
        let sender = match (arg, group, caller) {
            (Arg::MyMsg, Some(group), Removed) => return group.removed_msg,
            (Arg::MyMsg, Some(_), Member | Admin | Owner) => self.target(Arg::Me, caller),
            (Arg::MyMsg, None, Member | Owner) => self.target(Arg::Me, caller),
            (Arg::MyMsg, None, _) => self.get("member"),
            (_, Some(_), _) => self.get("bystander"),
            (_, None, _) => self.target(Arg::Other, caller),
        };
        sender.client.send_text(room, "prepared").await.unwrap().seq
    }

    /// The room's `last_seq` as the owner sees it (`None` if they cannot).
    async fn last_seq(&self, room: Option<RoomId>) -> Option<i64> {
        let summary = self.get("owner").client.room(room?).await.ok()?;
        Some(summary.room.last_seq)
    }

    /// After a refused request: what it changed anyway, if anything.
    async fn side_effect(
        &self,
        room: Option<RoomId>,
        before: Option<i64>,
        spare: Option<&AuthTokens>,
    ) -> String {
        let after = self.last_seq(room).await;
        if after != before {
            return format!("; yet last_seq went {before:?} -> {after:?}");
        }
        let Some(spare) = spare else {
            return String::new();
        };
        let url = format!("{}/api/v1/users/me", self.url);
        let response = self
            .http
            .get(url)
            .bearer_auth(&spare.access_token)
            .send()
            .await;
        if response.unwrap().status().is_success() {
            String::new()
        } else {
            format!("; yet session {} ended", spare.session_id)
        }
    }
}

async fn access_token(client: &Client) -> String {
    client.tokens().await.unwrap().access_token
}

/// One REST cell: the status and error code, and what a refusal changed anyway.
async fn run_rest(world: &World, row: &Rest, caller: Caller) -> String {
    let (cell, room) = world.cell(caller, row.scope, row.arg).await;
    let before = world.last_seq(room).await;
    let (method, path) = row.op.split_once(' ').unwrap();
    let path = path
        .trim()
        .replace(
            "{id}",
            &match row.scope {
                Scope::File => world.file.clone(),
                _ => cell.id.to_string(),
            },
        )
        .replace("{seq}", &cell.seq.to_string())
        .replace("{user_id}", &cell.user.to_string())
        .replace("{username}", &cell.username)
        .replace("{emoji}", "%F0%9F%91%8D");
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = world
        .http
        .request(method, format!("{}/api/v1{path}", world.url));
    let token = match &cell.spare {
        Some(spare) if row.arg == Arg::FromMySession => &spare.access_token,
        _ => &cell.token,
    };
    if cell.caller != Anonymous {
        request = request.bearer_auth(token);
    }
    if let Some(body) = row.body {
        request = request.json(&body(&cell));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    if status.is_success() {
        return status.as_u16().to_string();
    }
    let body: Value = response.json().await.unwrap_or_default();
    let code = body["error"]["code"].as_str().unwrap_or("(no error code)");
    let effect = world.side_effect(room, before, cell.spare.as_ref()).await;
    format!("{} {code}{effect}", status.as_u16())
}

/// One WebSocket cell: the reply, and what a refusal changed anyway.
async fn run_ws(
    world: &World,
    sockets: &mut HashMap<Caller, Live>,
    row: &Ws,
    caller: Caller,
) -> String {
    let (cell, room) = world.cell(caller, row.scope, row.arg).await;
    let before = world.last_seq(room).await;
    let frame = (row.frame)(&cell, "first".into());
    let kind = serde_json::to_value(&frame).unwrap()["type"].clone();
    if kind != row.kind {
        return format!("the row's frame is a {kind}");
    }
    let got = match sockets.get_mut(&caller) {
        Some(live) if !row.connect => {
            let got = match row.kind {
                "hello" | "typing" | "presence" => no_reply(live, &frame).await,
                _ => show(&live.request(|id| (row.frame)(&cell, id)).await.unwrap()),
            };
            drain(live).await;
            got
        }
        _ => first_reply(&world.url, &frame).await,
    };
    if !got.starts_with("error") {
        return got;
    }
    got + &world.side_effect(room, before, None).await
}

/// Sends a frame that has no reply, then a ping: an error without `id` that comes
/// before the pong is the refusal of the frame.
async fn no_reply(live: &mut Live, frame: &ClientFrame) -> String {
    live.send(frame).await.unwrap();
    let pong = live.request(|id| ClientFrame::Ping { id }).await.unwrap();
    let mut got = match pong {
        ServerFrame::Pong { .. } => NOTHING.to_owned(),
        other => format!("no pong but {}", show(&other)),
    };
    for frame in drain(live).await {
        if let ServerFrame::Error { id: None, .. } = frame {
            got = show(&frame);
        }
    }
    got
}

/// The frames the connection has read already (events, typing, presence, errors).
async fn drain(live: &mut Live) -> Vec<ServerFrame> {
    let mut frames = Vec::new();
    while let Ok(Ok(Incoming::Frame(frame))) =
        tokio::time::timeout(Duration::ZERO, live.recv()).await
    {
        frames.push(frame);
    }
    frames
}

/// Opens a connection and sends `frame` first: `ready`, or the error and the close.
async fn first_reply(url: &str, frame: &ClientFrame) -> String {
    let url = format!("{}/api/v1/ws", url.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let text = serde_json::to_string(frame).unwrap();
    socket.send(Message::Text(text.into())).await.unwrap();
    let mut first = String::new();
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await;
        match message.expect("a frame or the close in time") {
            Some(Ok(Message::Text(text))) if first.is_empty() => {
                first = show(&serde_json::from_str(text.as_str()).unwrap());
                if first == READY {
                    return first;
                }
            }
            Some(Ok(Message::Close(close))) => {
                let code = close.map_or(1005, |c| u16::from(c.code));
                return format!("{first}, close {code}");
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return format!("{first}, dropped"),
        }
    }
}

/// A reply as the matrix writes it.
fn show(frame: &ServerFrame) -> String {
    match frame {
        ServerFrame::Ok { .. } => W_OK.to_owned(),
        ServerFrame::Pong { .. } => PONG.to_owned(),
        ServerFrame::Ready { .. } => READY.to_owned(),
        ServerFrame::Error { id, code, .. } => {
            let code = serde_json::to_value(code).unwrap();
            let suffix = if id.is_none() { " (no id)" } else { "" };
            format!("error {}{suffix}", code.as_str().unwrap())
        }
        other => format!("{other:?}"),
    }
}

/// A cell whose outcome differs from the docs: request, caller, expected, got.
type Mismatch = [String; 4];

/// Runs every cell of both tables on a new server and fails with a table of every
/// cell whose outcome differs from its row.
pub async fn run(backend: Backend, rest_rows: Vec<Rest>, ws_rows: Vec<Ws>) {
    // Membership rows run each cell on a new group: lift the hourly room budgets
    // (they have tests of their own in hardening.rs) and the lookup budget.
    let server = TestServer::start_with(
        backend,
        &[
            "--rooms-created-per-hour",
            "0",
            "--invitations-per-hour",
            "0",
            "--user-lookups-per-minute",
            "0",
            // The invited person collects an invitation per membership cell.
            "--max-pending-invitations",
            "100000",
            // Passkeys on, so that their rows reach the authorization checks.
            "--passkey-origin",
            "http://localhost",
        ],
    )
    .await;
    let world = World::new(&server).await;
    let mut mismatches = Vec::new();
    let mut cells = 0;
    let mut check = |request: String, caller: Caller, expected: &str, got: String| {
        cells += 1;
        if got != expected {
            let caller = format!("{caller:?}").to_lowercase();
            mismatches.push([request, caller, expected.to_owned(), got]);
        }
    };
    for row in rest_rows {
        for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
            let got = run_rest(&world, &row, caller).await;
            check(
                format!("{} ({})", row.operation(), row.case),
                caller,
                expected,
                got,
            );
        }
    }
    let mut sockets = HashMap::new();
    for caller in CALLERS {
        if let Some(person) = world.person(caller) {
            let (live, ready) = person.client.connect_live(None).await.unwrap();
            assert_eq!(show(&ready), READY);
            sockets.insert(caller, live);
        }
    }
    for row in ws_rows {
        for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
            let got = run_ws(&world, &mut sockets, &row, caller).await;
            check(
                format!("ws {} ({})", row.kind, row.case),
                caller,
                expected,
                got,
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ from the docs on {}:\n{}",
        mismatches.len(),
        backend.name(),
        table(&mismatches)
    );
}

/// The mismatches as an aligned table.
fn table(mismatches: &[Mismatch]) -> String {
    let header = ["request", "caller", "expected", "got"].map(String::from);
    let rows: Vec<&Mismatch> = std::iter::once(&header).chain(mismatches).collect();
    let width = |column: usize| rows.iter().map(|row| row[column].chars().count()).max();
    let widths: Vec<usize> = (0..4).map(|column| width(column).unwrap_or(0)).collect();
    let line = |row: &&Mismatch| {
        let cells: Vec<String> = row
            .iter()
            .zip(widths.iter().copied())
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        format!("  {}\n", cells.join(" | ").trim_end())
    };
    rows.iter().map(line).collect()
}
