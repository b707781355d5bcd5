//! The OpenAPI document (`confab_server::http::openapi()`, served at
//! `/api/v1/openapi.json`): the copy committed as `docs/openapi.json` is current, and
//! what serde really emits for the wire types matches the document's schemas, the
//! WebSocket frames included. The web client generates its types from that file
//! (`web/src/client/wire.gen.ts`), so a schema that lies would be a type that lies.

use confab_proto::auth::{AuthResponse, AuthTokens, DeviceSession, SignInMethod};
use confab_proto::events::{EventContent, MessageBody, MessageState, Reaction, RoomEvent};
use confab_proto::files::{FileInfo, SharedFile, SharedFilePage, ThumbnailInfo};
use confab_proto::invitations::{
    BlockList, BlockedUser, Invitation, InvitationList, PendingInvitation, PendingInvitationList,
};
use confab_proto::rooms::{Member, Role, Room, RoomKind, RoomSummary};
use confab_proto::users::{PresenceStatus, Profile};
use confab_proto::ws::{ClientFrame, ServerFrame};
use confab_proto::{ErrorBody, ErrorCode, ErrorDetail, EventId, RoomId, SessionId, UserId};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use time::OffsetDateTime;

const REGENERATE: &str = "CONFAB_BLESS=1 cargo nextest run -p confab-server --test openapi";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

/// The document as a JSON value: its objects' keys are sorted (serde_json's map is a
/// `BTreeMap`), so the text does not depend on the order of utoipa's hash maps.
fn document() -> Value {
    serde_json::to_value(confab_server::http::openapi()).expect("the document serializes")
}

/// `docs/openapi.json` as it should be: pretty-printed, with a final newline.
fn rendered() -> String {
    serde_json::to_string_pretty(&document()).expect("the document serializes") + "\n"
}

#[test]
fn committed_document_is_current() {
    let path = committed_path();
    let expected = rendered();
    if std::env::var_os("CONFAB_BLESS").is_some_and(|v| v != "0") {
        std::fs::write(&path, &expected).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != expected {
        let line = committed
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(expected.lines().count()));
        panic!(
            "docs/openapi.json is not the document the code generates (first difference at line {}).\n\
             Regenerate it, then the web client's types, and commit both:\n\n    \
             {REGENERATE}\n    (cd web && npm run wire)\n",
            line + 1
        );
    }
}

/// Optional fields are left out when empty, never `null` (docs/protocol.md), but
/// utoipa makes every `Option` nullable unless told `schema(nullable = false)`.
/// Requests are the exception: the server reads a `null` field as a left-out one,
/// so their schemas say so.
#[test]
fn no_response_schema_allows_null() {
    fn visit(value: &Value, at: &str, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                let null_type = match map.get("type") {
                    Some(Value::String(t)) => t == "null",
                    Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
                    _ => false,
                };
                if null_type {
                    found.push(at.to_owned());
                }
                for (key, child) in map {
                    visit(child, &format!("{at}/{key}"), found);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    visit(child, &format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    let document = document();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        if !name.ends_with("Request") {
            visit(schema, &format!("#/components/schemas/{name}"), &mut found);
        }
    }
    assert!(
        found.is_empty(),
        "these response schemas allow null, which the server never sends; add \
         `#[cfg_attr(feature = \"openapi\", schema(nullable = false))]` to the field:\n{}",
        found.join("\n")
    );
}

#[test]
fn close_codes_are_an_integer_enum_with_names() {
    use confab_proto::ws::close_code::*;
    let doc = document();
    let schema = &doc["components"]["schemas"]["CloseCode"];
    assert_eq!(schema["type"], "integer");
    assert_eq!(
        schema["enum"],
        serde_json::json!([PROTOCOL, UNAUTHENTICATED, TIMED_OUT, TOO_SLOW])
    );
    assert_eq!(
        schema["x-enum-varnames"],
        serde_json::json!(["Protocol", "Unauthenticated", "TimedOut", "TooSlow"])
    );
    assert_eq!(
        schema["x-enum-descriptions"].as_array().map(Vec::len),
        Some(4)
    );
}

/// Every frame and event type, serialized by serde, is valid against its schema,
/// and the samples cover every variant the schemas list.
#[test]
fn serde_output_matches_the_schemas() {
    let doc = document();
    let mut failures = Vec::new();
    let mut check = |schema: &str, value: Value| {
        let reference = serde_json::json!({ "$ref": format!("#/components/schemas/{schema}") });
        if let Err(error) = validate(&doc, &reference, &value, true) {
            failures.push(format!("{schema} {value}: {error}"));
        }
        value
    };

    let mut client_types = BTreeSet::new();
    for frame in client_frames() {
        let value = check("ClientFrame", json(&frame));
        client_types.insert(value["type"].as_str().unwrap_or_default().to_owned());
    }
    let mut server_types = BTreeSet::new();
    let mut event_types = BTreeSet::new();
    for frame in server_frames() {
        let value = check("ServerFrame", json(&frame));
        server_types.insert(value["type"].as_str().unwrap_or_default().to_owned());
        if let Some(content) = value["event"]["content"]["type"].as_str() {
            event_types.insert(content.to_owned());
        }
    }
    for summary in room_summaries() {
        check("RoomSummary", json(&summary));
    }
    check("Member", json(&member()));
    check(
        "ChannelPage",
        json(&confab_proto::rooms::ChannelPage {
            channels: vec![confab_proto::rooms::ChannelEntry {
                room_id: RoomId(31),
                name: "General".into(),
                topic: "Everything".into(),
                avatar_file_id: Some("f1".into()),
                member_count: 212,
                posting: confab_proto::rooms::PostingPolicy::Admins,
                last_activity_at: at(),
                joined: true,
            }],
            total: 1,
        }),
    );
    check(
        "PinList",
        json(&confab_proto::rooms::PinList {
            pins: vec![confab_proto::rooms::Pin {
                message: event(4, EventContent::Message(full_message())),
                pinned_by: UserId(1),
                pinned_at: at(),
            }],
        }),
    );
    check("InvitationList", json(&invitations()));
    check("PendingInvitationList", json(&pending_invitations()));
    check("BlockList", json(&blocks()));
    check("FileInfo", json(&image_file()));
    check(
        "SetAvatarRequest",
        json(&confab_proto::files::SetAvatarRequest {
            file_id: "f1".into(),
        }),
    );
    check("FileInfo", json(&plain_file()));
    check(
        "SharedFilePage",
        json(&SharedFilePage {
            files: vec![SharedFile {
                file: image_file(),
                room_id: RoomId(7),
                seq: 4,
                sender_id: UserId(1),
                shared_at: at(),
            }],
            next_before: Some(4),
        }),
    );
    check("Profile", json(&profile(None)));
    check("AuthResponse", json(&auth_response()));
    for session in device_sessions() {
        check("DeviceSession", json(&session));
    }
    for body in error_bodies() {
        check("ErrorBody", json(&body));
    }
    check("GroupState", json(&group_state()));
    assert!(
        failures.is_empty(),
        "serde and the schemas disagree:\n{}",
        failures.join("\n")
    );

    assert_eq!(
        client_types,
        tags(&doc, "ClientFrame"),
        "a ClientFrame variant has no sample"
    );
    assert_eq!(
        server_types,
        tags(&doc, "ServerFrame"),
        "a ServerFrame variant has no sample"
    );
    assert_eq!(
        event_types,
        tags(&doc, "EventContent"),
        "an EventContent variant has no sample"
    );
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).expect("serializes")
}

/// The `type` tags a tagged enum's schema lists, one per `oneOf` branch.
fn tags(doc: &Value, schema: &str) -> BTreeSet<String> {
    let branches = doc["components"]["schemas"][schema]["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("{schema} is a oneOf"));
    let mut tags = BTreeSet::new();
    for branch in branches {
        // `Variant(Struct)` is `allOf: [Struct, {type}]`; the others are objects.
        let parts = branch["allOf"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![branch.clone()]);
        let tag: Vec<&Value> = parts
            .iter()
            .filter_map(|part| part["properties"]["type"]["enum"].get(0))
            .collect();
        assert_eq!(
            tag.len(),
            1,
            "{schema} branch without one `type` tag: {branch}"
        );
        tags.insert(tag[0].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(tags.len(), branches.len(), "{schema} lists a `type` twice");
    tags
}

/// Checks `value` against `schema`, for the parts of JSON Schema the document uses:
/// `$ref`, `oneOf` (exactly one branch), `allOf`, `type`, `enum`, `required`,
/// `properties` and `items`. With `closed`, an object may only have the properties
/// the schema describes (through `allOf` too): a field serde writes that the schema
/// does not know would be invisible to generated clients.
fn validate(doc: &Value, schema: &Value, value: &Value, closed: bool) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or("external $ref")?;
        return validate(doc, &doc["components"]["schemas"][name], value, closed);
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        let matching = branches
            .iter()
            .filter(|b| validate(doc, b, value, closed).is_ok())
            .count();
        return match matching {
            1 => Ok(()),
            n => Err(format!("matches {n} branches of a oneOf")),
        };
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            validate(doc, part, value, false)?;
        }
        return if closed {
            only_described(doc, schema, value)
        } else {
            Ok(())
        };
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types
            .iter()
            .any(|t| *t == actual || (*t == "number" && actual == "integer"))
        {
            return Err(format!("is {actual}, the schema says {types:?}"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{value} is not one of {allowed:?}"));
    }
    if let Value::Object(object) = value {
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                return Err(format!("lacks required `{key}`"));
            }
        }
        let properties = schema["properties"].as_object();
        for (key, field) in object {
            if let Some(property) = properties.and_then(|p| p.get(key)) {
                validate(doc, property, field, true).map_err(|e| format!("`{key}`: {e}"))?;
            }
        }
        if closed {
            only_described(doc, schema, value)?;
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for field in items {
            validate(doc, item, field, true)?;
        }
    }
    Ok(())
}

/// Fails if `value` has a property that `schema` (with its `allOf` parts) does not
/// describe.
fn only_described(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    fn described(doc: &Value, schema: &Value, keys: &mut BTreeSet<String>) {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            return described(doc, &doc["components"]["schemas"][name], keys);
        }
        keys.extend(
            schema["properties"]
                .as_object()
                .into_iter()
                .flat_map(Map::keys)
                .cloned(),
        );
        for part in schema["allOf"].as_array().into_iter().flatten() {
            described(doc, part, keys);
        }
    }
    let mut keys = BTreeSet::new();
    described(doc, schema, &mut keys);
    let unknown: Vec<&String> = value
        .as_object()
        .into_iter()
        .flat_map(Map::keys)
        .filter(|key| !keys.contains(*key))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "has properties the schema does not describe: {unknown:?}"
        ))
    }
}

// Samples: every variant, optional fields both set and left out.

fn at() -> OffsetDateTime {
    // 2026-11-25T04:34:34.123Z
    OffsetDateTime::from_unix_timestamp_nanos(1_795_588_474_123_000_000).expect("valid time")
}

fn text(text: &str) -> MessageBody {
    MessageBody::Text {
        text: text.to_owned(),
    }
}

fn event(seq: i64, content: EventContent) -> RoomEvent {
    RoomEvent {
        id: EventId(100 + seq),
        room_id: RoomId(7),
        seq,
        sender_id: UserId(1),
        created_at: at(),
        content,
    }
}

fn full_message() -> MessageState {
    MessageState {
        client_id: "c1".into(),
        body: Some(text("hi @bob")),
        reply_to: Some(2),
        mentions: vec![UserId(2)],
        reactions: vec![Reaction {
            emoji: "👍".into(),
            user_ids: vec![UserId(2)],
        }],
        attachments: vec![image_file(), plain_file()],
        edited_at: Some(at()),
        deleted_at: Some(at()),
        preview: Some(link_preview()),
    }
}

fn link_preview() -> confab_proto::events::LinkPreview {
    confab_proto::events::LinkPreview {
        url: "https://example.com/launch".into(),
        title: "Launch day".into(),
        description: "Everything ships on Friday.".into(),
        site_name: "Example".into(),
        image: Some(confab_proto::events::PreviewImage {
            width: 640,
            height: 336,
            content_type: "image/jpeg".into(),
        }),
    }
}

fn image_file() -> FileInfo {
    FileInfo {
        id: "0123456789abcdef0123456789abcdef".into(),
        name: "cat.png".into(),
        size: 2048,
        content_type: "image/png".into(),
        width: Some(640),
        height: Some(480),
        thumbnail: Some(ThumbnailInfo {
            width: 320,
            height: 240,
            content_type: "image/jpeg".into(),
        }),
    }
}

fn plain_file() -> FileInfo {
    FileInfo {
        id: "fedcba9876543210fedcba9876543210".into(),
        name: "notes.txt".into(),
        size: 12,
        content_type: "text/plain; charset=utf-8".into(),
        width: None,
        height: None,
        thumbnail: None,
    }
}

fn bare_message() -> MessageState {
    MessageState {
        client_id: "c2".into(),
        body: None,
        reply_to: None,
        mentions: vec![],
        reactions: vec![],
        attachments: vec![],
        preview: None,
        edited_at: None,
        deleted_at: None,
    }
}

fn event_contents() -> Vec<EventContent> {
    use EventContent::*;
    let (user, target) = (UserId(2), 3);
    vec![
        RoomCreated {
            name: "team".into(),
            encrypted: false,
        },
        Message(full_message()),
        Message(bare_message()),
        Message(MessageState {
            body: Some(MessageBody::Encrypted {
                ciphertext: "AAEC".into(),
            }),
            ..bare_message()
        }),
        MessageEdited {
            target_seq: target,
            body: Some(text("edited")),
        },
        MessageEdited {
            target_seq: target,
            body: None,
        },
        MessageDeleted { target_seq: target },
        ReactionAdded {
            target_seq: target,
            emoji: "🎉".into(),
        },
        ReactionRemoved {
            target_seq: target,
            emoji: "🎉".into(),
        },
        MemberAdded {
            user_id: user,
            role: Role::Member,
        },
        MemberLeft { user_id: user },
        MemberRemoved { user_id: user },
        RoleChanged {
            user_id: user,
            role: Role::Admin,
        },
        OwnershipTransferred {
            from: UserId(1),
            to: user,
        },
        ReadUpTo {
            user_id: user,
            seq: 4,
        },
        DeliveredUpTo {
            user_id: user,
            seq: 4,
        },
        RoomRenamed {
            name: "crew".into(),
        },
        TopicChanged {
            topic: "plans".into(),
        },
        RoomAvatarChanged {
            avatar_file_id: Some("f1".into()),
        },
        RoomAvatarChanged {
            avatar_file_id: None,
        },
        RoomAccessChanged {
            visibility: confab_proto::rooms::RoomVisibility::Public,
            posting: confab_proto::rooms::PostingPolicy::Admins,
            pinning: confab_proto::rooms::PinPolicy::Everyone,
        },
        MessagePinned { target_seq: target },
        MessageUnpinned { target_seq: target },
        LinkPreviewAdded {
            target_seq: target,
            preview: confab_proto::events::LinkPreview {
                image: None,
                ..link_preview()
            },
        },
        LinkPreviewRemoved { target_seq: target },
        MlsCommit {
            epoch: 3,
            device_id: confab_proto::SessionId(9),
            commit: "AAEAAQ==".into(),
            added: vec![leaf(2)],
            removed: vec![],
        },
        MlsCommit {
            epoch: 4,
            device_id: confab_proto::SessionId(9),
            commit: "AAEAAQ==".into(),
            added: vec![],
            removed: vec![leaf(1)],
        },
        Unknown,
    ]
}

fn leaf(index: u32) -> confab_proto::mls::GroupMember {
    confab_proto::mls::GroupMember {
        leaf_index: index,
        user_id: UserId(4),
        device_id: confab_proto::SessionId(11),
    }
}

fn group_state() -> confab_proto::mls::GroupState {
    confab_proto::mls::GroupState {
        group_id: "Y29uZmFiOnJvb206Nw==".into(),
        created: true,
        epoch: 4,
        members: vec![leaf(0), leaf(1)],
        to_add: vec![confab_proto::mls::DeviceRef {
            user_id: UserId(5),
            device_id: confab_proto::SessionId(12),
        }],
        to_remove: vec![leaf(1)],
    }
}

fn client_frames() -> Vec<ClientFrame> {
    use ClientFrame::*;
    let (id, room_id) = (|| "r1".to_owned(), RoomId(7));
    vec![
        Hello {
            token: "jwt".into(),
            since: None,
        },
        Hello {
            token: "jwt".into(),
            since: Some(EventId(41)),
        },
        Refresh {
            id: id(),
            token: "jwt".into(),
        },
        Send {
            id: id(),
            room_id,
            client_id: "c1".into(),
            body: text("hi"),
            reply_to: None,
            attachments: vec![],
        },
        Send {
            id: id(),
            room_id,
            client_id: "c1".into(),
            body: text("hi"),
            reply_to: Some(2),
            attachments: vec!["f1".into()],
        },
        Edit {
            id: id(),
            room_id,
            seq: 3,
            body: text("hi!"),
        },
        Delete {
            id: id(),
            room_id,
            seq: 3,
        },
        React {
            id: id(),
            room_id,
            seq: 3,
            emoji: "👍".into(),
            add: true,
        },
        Read {
            id: id(),
            room_id,
            seq: 3,
        },
        Delivered {
            id: id(),
            room_id,
            seq: 3,
        },
        Typing {
            room_id,
            typing: true,
        },
        Presence {
            status: PresenceStatus::Away,
        },
        Ping { id: id() },
    ]
}

fn server_frames() -> Vec<ServerFrame> {
    use ServerFrame::*;
    let mut frames = vec![
        Ready {
            user_id: UserId(1),
            session_id: SessionId(5),
            protocol: confab_proto::PROTOCOL_VERSION,
            cursor: EventId(41),
        },
        ResyncRequired {
            cursor: EventId(41),
        },
        Ok {
            id: "r1".into(),
            event: None,
        },
        Ok {
            id: "r1".into(),
            event: Some(event(3, EventContent::Message(full_message()))),
        },
        Error {
            id: None,
            code: ErrorCode::InvalidJson,
            message: "not JSON".into(),
        },
        Error {
            id: Some("r2".into()),
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        Typing {
            room_id: RoomId(7),
            user_id: UserId(2),
            typing: false,
        },
        Presence(confab_proto::users::Presence {
            user_id: UserId(2),
            status: PresenceStatus::Online,
            last_seen_at: None,
        }),
        Presence(confab_proto::users::Presence {
            user_id: UserId(2),
            status: PresenceStatus::Offline,
            last_seen_at: Some(at()),
        }),
        Profile(profile(Some("f1"))),
        Pong { id: "p1".into() },
        MlsKeyPackagesLow {
            device_id: confab_proto::SessionId(11),
            remaining: 3,
        },
        InvitationReceived {
            invitation: invitations().invitations.remove(0),
        },
        InvitationEnded { room_id: RoomId(7) },
        Notification {
            notification: confab_proto::notifications::Notification {
                id: 12,
                kind: confab_proto::notifications::NotificationKind::RoleChanged,
                room_id: RoomId(7),
                seq: 4,
                event_id: EventId(40),
                actor_id: UserId(2),
                created_at: at(),
                read: false,
                excerpt: Some("hello".into()),
                emoji: Some("👍".into()),
                role: Some(confab_proto::rooms::Role::Admin),
                room_name: Some("Design".into()),
            },
            unread_count: 3,
        },
        NotificationsRead {
            up_to: Some(12),
            ids: vec![11, 12],
            room_id: Some(RoomId(7)),
            seq: Some(4),
            unread_count: 0,
        },
        NotificationsRead {
            up_to: None,
            ids: vec![],
            room_id: None,
            seq: None,
            unread_count: 0,
        },
        Unknown,
    ];
    frames.extend(
        event_contents()
            .into_iter()
            .enumerate()
            .map(|(i, content)| Event {
                event: event(i as i64 + 1, content),
            }),
    );
    frames
}

fn profile(avatar: Option<&str>) -> Profile {
    Profile {
        id: UserId(1),
        username: "ann".into(),
        display_name: "Ann".into(),
        status_text: String::new(),
        avatar_file_id: avatar.map(str::to_owned),
        discoverable: true,
        created_at: at(),
    }
}

fn room_summaries() -> Vec<RoomSummary> {
    let room = Room {
        id: RoomId(7),
        kind: RoomKind::Direct,
        name: String::new(),
        topic: String::new(),
        avatar_file_id: None,
        encrypted: false,
        created_by: UserId(1),
        created_at: at(),
        last_seq: 4,
        last_activity_at: at(),
        member_count: 2,
        visibility: confab_proto::rooms::RoomVisibility::Private,
        posting: confab_proto::rooms::PostingPolicy::Everyone,
        pinning: confab_proto::rooms::PinPolicy::Everyone,
    };
    let summary = RoomSummary {
        room: room.clone(),
        my_role: Role::Owner,
        peer: None,
        last_message: None,
        unread_count: 0,
        mention_count: 0,
        read_seq: 0,
        notification_level: confab_proto::notifications::NotificationLevel::Mentions,
    };
    vec![
        summary.clone(),
        RoomSummary {
            room: Room {
                kind: RoomKind::Group,
                avatar_file_id: Some("f1".into()),
                ..room
            },
            peer: Some(UserId(2)),
            last_message: Some(event(4, EventContent::Message(full_message()))),
            ..summary
        },
    ]
}

fn invitations() -> InvitationList {
    InvitationList {
        invitations: vec![Invitation {
            room: room_summaries().remove(1).room,
            invited_by: UserId(1),
            invited_at: at(),
        }],
    }
}

fn pending_invitations() -> PendingInvitationList {
    PendingInvitationList {
        invitations: vec![PendingInvitation {
            room_id: RoomId(7),
            user_id: UserId(2),
            invited_by: UserId(1),
            invited_at: at(),
        }],
    }
}

fn blocks() -> BlockList {
    BlockList {
        blocked: vec![BlockedUser {
            user_id: UserId(2),
            blocked_at: at(),
        }],
    }
}

fn member() -> Member {
    Member {
        user_id: UserId(2),
        role: Role::Member,
        joined_at: at(),
        delivered_seq: 3,
        read_seq: 2,
    }
}

fn auth_response() -> AuthResponse {
    AuthResponse {
        user: profile(Some("f1")),
        tokens: AuthTokens {
            session_id: SessionId(5),
            access_token: "jwt".into(),
            access_token_expires_at: at(),
            refresh_token: "cfr_x".into(),
            refresh_token_expires_at: at(),
        },
    }
}

fn device_sessions() -> Vec<DeviceSession> {
    let session = DeviceSession {
        id: SessionId(5),
        device_name: "Firefox".into(),
        user_agent: None,
        ip: None,
        created_at: at(),
        last_seen_at: at(),
        current: true,
        sign_in_method: SignInMethod::Password,
    };
    vec![
        session.clone(),
        DeviceSession {
            user_agent: Some("Mozilla/5.0".into()),
            ip: Some("127.0.0.1".into()),
            sign_in_method: SignInMethod::PasswordTotp,
            ..session
        },
    ]
}

fn error_bodies() -> Vec<ErrorBody> {
    let detail = |field: Option<&str>, retry: Option<u64>| ErrorBody {
        error: ErrorDetail {
            code: ErrorCode::InvalidInput,
            message: "no".into(),
            field: field.map(str::to_owned),
            retry_after_secs: retry,
        },
    };
    vec![detail(None, None), detail(Some("password"), Some(3))]
}

/// The checker above rejects what serde would write if a schema were wrong.
#[test]
fn the_checker_rejects_json_its_schema_does_not_describe() {
    let doc = document();
    let frame = serde_json::json!({ "$ref": "#/components/schemas/ServerFrame" });
    let valid = serde_json::json!({"type": "ok", "id": "r1"});
    assert_eq!(validate(&doc, &frame, &valid, true), Ok(()));
    let deleted = serde_json::json!({"type": "message_deleted", "target_seq": 1});
    let event = |created_at: Value| {
        serde_json::json!({"type": "event", "event": {
            "id": 1, "room_id": 2, "seq": 1, "sender_id": 3,
            "created_at": created_at, "content": deleted,
        }})
    };
    assert_eq!(
        validate(&doc, &frame, &event("2026-11-25T04:34:34Z".into()), true),
        Ok(())
    );
    for invalid in [
        serde_json::json!({"type": "ok"}), // `id` missing
        serde_json::json!({"type": "ok", "id": "r1", "event": null}), // null
        serde_json::json!({"type": "ok", "id": 1}), // wrong type
        serde_json::json!({"type": "ok", "id": "r1", "extra": true}), // undescribed
        serde_json::json!({"type": "hologram"}), // unknown tag
        serde_json::json!({"type": "presence", "user_id": 2}), // no `status`
        serde_json::json!({"type": "presence", "user_id": 2, "status": "online", "x": 1}),
        event(serde_json::json!([2026, 329])), // time's default serde format
    ] {
        let result = validate(&doc, &frame, &invalid, true);
        assert!(result.is_err(), "accepted {invalid}");
    }
}
