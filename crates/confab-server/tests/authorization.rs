//! The authorization matrix (a security-review finding): every REST operation of
//! `docs/openapi.json` and every WebSocket request, tried by each kind of caller,
//! against exactly the outcome docs/protocol.md promises.
//!
//! The callers of a group: anonymous (no token), a stranger (signed in, never in the
//! room), someone invited who has not answered, a member, a removed member (joined,
//! then removed), an admin and the owner.
//! The tables `rest_rows` and `ws_rows` are the specification: one row per request,
//! one expected outcome per caller. `every_operation_and_frame_has_a_row` fails when
//! the OpenAPI document gains an operation or a client frame without a row, so the
//! matrix grows with the API. Every cell runs and all differences are reported at
//! once. A refused request must also have changed nothing: the room's `last_seq`
//! stays, and a session it named still works. `common/matrix.rs` runs the cells.

mod common;
#[path = "common/matrix.rs"]
mod matrix;

use common::{Backend, PASSWORD, unique_username};
use confab_client::proto::events::MessageBody;
use confab_client::proto::users::PresenceStatus;
use confab_client::proto::ws::ClientFrame;
use matrix::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(the_server_allows_exactly_what_the_docs_say);

async fn the_server_allows_exactly_what_the_docs_say(backend: Backend) {
    matrix::run(backend, rest_rows(), ws_rows()).await;
}

/// Every REST operation. Columns: anonymous, stranger, invited, member, removed,
/// admin, owner.
#[rustfmt::skip]
fn rest_rows() -> Vec<Rest> {
    use Arg::*;
    use Scope::{Account, Direct, File, Fresh, Missing, Shared};
    let text: Body = |c| json!({ "client_id": c.unique, "body": { "type": "text", "text": "hi" } });
    let edit: Body = |_| json!({ "body": { "type": "text", "text": "edited" } });
    let topic: Body = |c| json!({ "topic": c.unique });
    let add: Body = |c| json!({ "user_ids": [c.user] });
    let admin: Body = |_| json!({ "role": "admin" });
    let user: Body = |c| json!({ "user_id": c.user });
    let anyone = |outcome| [UNAUTH, outcome, outcome, outcome, outcome, outcome, outcome];
    let nobody = [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FORBID];
    let members = |ok| [UNAUTH, FORBID, FORBID, ok, FORBID, ok, ok];
    let admins = |ok| [UNAUTH, FORBID, FORBID, FORBID, FORBID, ok, ok];
    let owner = |ok| [UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, ok];
    let pair = |ok| [UNAUTH, FORBID, FORBID, ok, FORBID, FORBID, ok];
    let current = |ok| [UNAUTH, MISSING, MISSING, ok, MISSING, ok, ok];
    vec![
        // Not about a room. Signing up and in needs no token (one is ignored); sign-in
        // takes the caller's own password (the stranger's, for anonymous).
        rest("POST   /auth/signup",                 "create an account",            Account, Bare,          [CREATED; 7]).body(|_| json!({ "username": unique_username("new"), "password": PASSWORD })),
        rest("POST   /auth/signin",                 "sign in as myself",            Account, Me,            [OK; 7]).body(|c| json!({ "username": c.username, "password": PASSWORD })),
        // The refresh token is the credential, whoever presents it.
        rest("POST   /auth/refresh",                "exchange my refresh token",    Account, MySession,     [OK; 7]).body(|c| json!({ "refresh_token": c.spare.as_ref().map(|s| &s.refresh_token) })),
        // These act on the caller's own account and sessions: any session may, and
        // nobody reaches another account's sessions.
        rest("POST   /auth/signout",                "sign out (a second session)",  Account, FromMySession, anyone(DONE)),
        rest("GET    /sessions",                    "list my sessions",             Account, Bare,          anyone(OK)),
        rest("DELETE /sessions/{id}",               "revoke a session of mine",     Account, MySession,     anyone(DONE)),
        rest("DELETE /sessions/{id}",               "revoke someone else's session", Account, TheirSession, anyone(MISSING)),
        rest("POST   /sessions/revoke-others",      "revoke my other sessions",     Account, Bare,          anyone(OK)),
        rest("GET    /users/me",                    "my profile",                   Account, Bare,          anyone(OK)),
        rest("PATCH  /users/me",                    "change my status",             Account, Bare,          anyone(OK)).body(|_| json!({ "status_text": "checking" })),
        rest("POST   /users/me/password",           "change my password (to itself)", Account, Bare,        anyone(OK)).body(|_| json!({ "current_password": PASSWORD, "new_password": PASSWORD })),
        // Two-factor sign-in: only ever the caller's own account (tests/two_factor.rs
        // covers the flows).
        rest("GET    /users/me/two-factor",         "my two-factor status",         Account, Bare,          anyone(OK)),
        rest("POST   /users/me/two-factor/totp",    "start an authenticator setup", Account, Bare,          anyone(OK)).body(|_| json!({ "password": PASSWORD })),
        rest("POST   /users/me/two-factor/totp/confirm", "confirm it with a wrong code", Account, Bare,      anyone(INVALID)).body(|_| json!({ "code": "abc" })),
        rest("POST   /users/me/two-factor/recovery-codes", "new recovery codes (while off)", Account, Bare, anyone(INVALID)).body(|_| json!({ "password": PASSWORD })),
        rest("POST   /users/me/two-factor/disable", "turn it off (while off)",      Account, Bare,          anyone(DONE)).body(|_| json!({ "password": PASSWORD, "second_factor": "" })),
        // Sign-in with identity providers (tests/providers.rs covers the flows); the
        // matrix's server has none configured. The callback answers a browser with a
        // redirect to the web client, followed here.
        rest("GET    /auth/providers",              "list the sign-in providers",   Account, Bare,          [OK; 7]),
        rest("POST   /auth/providers/{id}/start",   "start at an unknown provider", Account, Bare,          [MISSING; 7]),
        rest("GET    /auth/providers/{id}/callback", "come back without a flow",    Account, Bare,          [OK; 7]),
        rest("POST   /auth/providers/complete",     "complete without a flow",      Account, Bare,          ["400 provider_flow_invalid"; 7]).body(|_| json!({})),
        rest("GET    /users/me/sign-in-methods",    "my sign-in methods",           Account, Bare,          anyone(OK)),
        rest("POST   /users/me/identities",         "link at an unknown provider",  Account, Bare,          anyone(MISSING)).body(|_| json!({ "provider_id": "nope" })),
        rest("DELETE /users/me/identities/{id}",    "unlink an identity I lack",    Account, Bare,          anyone(MISSING)),
        rest("DELETE /users/me/password",           "remove my only way in",        Account, Bare,          anyone("409 last_sign_in_method")).body(|_| json!({ "password": PASSWORD })),
        // Passkeys (tests/passkeys.rs covers the ceremonies with an authenticator).
        rest("POST   /auth/passkey/challenge",      "start a passkey sign-in",      Account, Bare,          [OK; 7]).body(|_| json!({})),
        rest("POST   /auth/passkey/signin",         "sign in without a ceremony",   Account, Bare,          ["400 passkey_ceremony_invalid"; 7]).body(|_| json!({ "ceremony_id": "nope", "credential": {} })),
        rest("GET    /users/me/passkeys",           "my passkeys",                  Account, Bare,          anyone(OK)),
        rest("POST   /users/me/passkeys/registration", "start registering a passkey", Account, Bare,        anyone(OK)).body(|_| json!({ "password": PASSWORD })),
        rest("POST   /users/me/passkeys",           "finish without a ceremony",    Account, Bare,          anyone("400 passkey_ceremony_invalid")).body(|_| json!({ "ceremony_id": "nope", "credential": {} })),
        rest("PATCH  /users/me/passkeys/{id}",      "rename a passkey I lack",      Account, Bare,          anyone(MISSING)).body(|_| json!({ "name": "mine" })),
        rest("DELETE /users/me/passkeys/{id}",      "remove a passkey I lack",      Account, Bare,          anyone(MISSING)),
        // Finding people and presence: open to anyone signed in; what they show is
        // filtered by shared rooms (hardening.rs and live.rs test that).
        rest("GET    /users/{username}",            "look someone up by name",      Account, Bystander,     anyone(OK)),
        rest("GET    /users?prefix={username}",     "search by prefix",             Account, Bystander,     anyone(OK)),
        rest("GET    /users?ids={user_id}",         "profiles by id",               Account, Bystander,     anyone(OK)),
        rest("GET    /presence?user_ids={user_id}", "presence of someone",          Account, Bystander,     anyone(OK)),
        // The room list holds only the caller's rooms; anyone may start a room.
        rest("GET    /rooms",                       "my rooms",                     Account, Bare,          anyone(OK)),
        rest("POST   /rooms",                       "create a group",               Account, Bare,          anyone(CREATED)).body(|c| json!({ "name": c.unique })),
        rest("POST   /rooms/direct",                "open a direct room",           Account, Candidate,     anyone(CREATED)).body(user),
        // The channel directory is open to anyone signed in; joining needs a public
        // group (tests/channels.rs): a private one is hidden from outsiders (404) and
        // has nothing to join for its members (403).
        rest("GET    /channels",                    "the channel directory",        Account, Bare,          anyone(OK)),
        rest("POST   /rooms/{id}/join",             "join the private group",       Shared,  Bare,          [UNAUTH, MISSING, MISSING, FORBID, MISSING, FORBID, FORBID]),
        rest("POST   /rooms/{id}/join",             "join the direct room",         Direct,  Bare,          [UNAUTH, MISSING, MISSING, FORBID, MISSING, MISSING, FORBID]),
        // The group: current members see it and talk; the roles table decides the rest.
        rest("GET    /rooms/{id}",                  "see the group",                Shared,  Bare,          members(OK)),
        rest("PATCH  /rooms/{id}",                  "change the topic",             Shared,  Bare,          admins(OK)).body(topic),
        rest("GET    /rooms/{id}/members",          "list the members",             Shared,  Bare,          members(OK)),
        rest("GET    /rooms/{id}/messages",         "read the history",             Shared,  Bare,          members(OK)),
        rest("POST   /rooms/{id}/messages",         "send a message",               Shared,  Bare,          members(CREATED)).body(text),
        rest("PATCH  /rooms/{id}/messages/{seq}",   "edit my message",              Shared,  MyMsg,         members(OK)).body(edit),
        rest("PATCH  /rooms/{id}/messages/{seq}",   "edit a member's message",      Shared,  TheirMsg,      nobody).body(edit),
        rest("DELETE /rooms/{id}/messages/{seq}",   "delete my message",            Shared,  MyMsg,         members(DONE)),
        rest("DELETE /rooms/{id}/messages/{seq}",   "delete a member's message",    Shared,  TheirMsg,      admins(DONE)),
        rest("PUT    /rooms/{id}/messages/{seq}/reactions/{emoji}", "react",        Shared,  TheirMsg,      members(DONE)),
        rest("DELETE /rooms/{id}/messages/{seq}/reactions/{emoji}", "unreact",      Shared,  TheirMsg,      members(DONE)),
        rest("POST   /rooms/{id}/read",             "move my read marker",          Shared,  TheirMsg,      members(DONE)).body(|c| json!({ "seq": c.seq })),
        // Pins: every member reads them; the group's `pinning` (admins by default)
        // decides who pins (tests/pins.rs covers `everyone`).
        rest("GET    /rooms/{id}/pins",             "list the pins",                Shared,  Bare,          members(OK)),
        rest("PUT    /rooms/{id}/pins/{seq}",       "pin a member's message",       Shared,  TheirMsg,      admins(DONE)),
        rest("DELETE /rooms/{id}/pins/{seq}",       "unpin a message",              Shared,  TheirMsg,      admins(DONE)),
        // Link previews (tests/link_previews.rs): the matrix's messages have no link,
        // so members find no preview to read or remove; only the sender removes one.
        rest("GET    /rooms/{id}/messages/{seq}/preview/image", "a preview's picture", Shared, TheirMsg, members(MISSING)),
        rest("DELETE /rooms/{id}/messages/{seq}/preview", "remove my message's preview", Shared, MyMsg, members(MISSING)),
        rest("DELETE /rooms/{id}/messages/{seq}/preview", "remove a member's preview", Shared, TheirMsg, nobody),
        // Membership, on a group of its own for each cell. Removing oneself is
        // leaving, which the owner may not while others are in.
        rest("POST   /rooms/{id}/invitations",      "invite someone",               Fresh,   Candidate,     admins(OK)).body(add),
        rest("GET    /rooms/{id}/invitations",      "see who is invited",           Shared,  Bare,          members(OK)),
        // The owner invited the invited person; only they or an admin withdraw it.
        rest("DELETE /rooms/{id}/invitations/{user_id}", "withdraw an invitation",  Fresh,   Invited,       admins(DONE)),
        // Only the invited person has an invitation to answer.
        rest("POST   /invitations/{id}/accept",     "accept the invitation",        Fresh,   Bare,          [UNAUTH, MISSING, OK, MISSING, MISSING, MISSING, MISSING]),
        rest("POST   /invitations/{id}/decline",    "decline the invitation",       Fresh,   Bare,          [UNAUTH, MISSING, DONE, MISSING, MISSING, MISSING, MISSING]),
        rest("GET    /invitations",                 "my invitations",               Account, Bare,          anyone(OK)),
        rest("DELETE /rooms/{id}/members/{user_id}", "remove a member",             Fresh,   Bystander,     admins(DONE)),
        rest("DELETE /rooms/{id}/members/{user_id}", "remove an admin",             Fresh,   Admin2,        owner(DONE)),
        rest("DELETE /rooms/{id}/members/{user_id}", "remove the owner",            Fresh,   Owner,         nobody),
        rest("DELETE /rooms/{id}/members/{user_id}", "leave",                       Fresh,   Me,            [UNAUTH, FORBID, FORBID, DONE, FORBID, DONE, FORBID]),
        rest("PUT    /rooms/{id}/members/{user_id}/role", "make a member admin",    Fresh,   Member,        owner(DONE)).body(admin),
        rest("PUT    /rooms/{id}/members/{user_id}/role", "make an admin member",   Fresh,   Admin2,        owner(DONE)).body(|_| json!({ "role": "member" })),
        rest("POST   /rooms/{id}/transfer-ownership", "hand the group over",        Fresh,   Member,        owner(DONE)).body(user),
        // Nobody gets a role or the group without being a current member.
        rest("DELETE /rooms/{id}/members/{user_id}", "remove the removed member",   Fresh,   Removed,       admins(MISSING)),
        rest("PUT    /rooms/{id}/members/{user_id}/role", "make the removed admin", Fresh,   Removed,       owner(MISSING)).body(admin),
        rest("POST   /rooms/{id}/transfer-ownership", "hand it to the removed",     Fresh,   Removed,       owner(MISSING)).body(user),
        rest("POST   /rooms/{id}/transfer-ownership", "hand it to an outsider",     Fresh,   Candidate,     owner(MISSING)).body(user),
        // The direct room of the owner and the member: they talk; nobody manages it.
        rest("GET    /rooms/{id}",                  "see the direct room",          Direct,  Bare,          pair(OK)),
        rest("PATCH  /rooms/{id}",                  "give it a topic",              Direct,  Bare,          nobody).body(topic),
        rest("POST   /rooms/{id}/invitations",      "invite someone to it",         Direct,  Candidate,     nobody).body(add),
        rest("DELETE /rooms/{id}/members/{user_id}", "remove the other person",     Direct,  Other,         nobody),
        rest("DELETE /rooms/{id}/members/{user_id}", "leave it",                    Direct,  Me,            nobody),
        rest("PUT    /rooms/{id}/members/{user_id}/role", "make the other admin",   Direct,  Other,         nobody).body(admin),
        rest("POST   /rooms/{id}/transfer-ownership", "hand it over",               Direct,  Other,         nobody).body(user),
        rest("POST   /rooms/{id}/messages",         "send in it",                   Direct,  Bare,          pair(CREATED)).body(text),
        rest("PATCH  /rooms/{id}/messages/{seq}",   "edit my message in it",        Direct,  MyMsg,         pair(OK)).body(edit),
        rest("DELETE /rooms/{id}/messages/{seq}",   "delete my message in it",      Direct,  MyMsg,         pair(DONE)),
        rest("DELETE /rooms/{id}/messages/{seq}",   "delete the other's message",   Direct,  TheirMsg,      nobody),
        rest("PUT    /rooms/{id}/messages/{seq}/reactions/{emoji}", "react in it",  Direct,  TheirMsg,      pair(DONE)),
        rest("PUT    /rooms/{id}/pins/{seq}",       "pin in it",                    Direct,  TheirMsg,      pair(DONE)),
        rest("POST   /rooms/{id}/read",             "move my marker in it",         Direct,  TheirMsg,      pair(DONE)).body(|c| json!({ "seq": c.seq })),
        // Notifications, settings, push and search are the caller's own; room levels
        // exist for current members only (404 for everyone else, as for a missing room).
        rest("GET    /notifications",               "my notifications",             Account, Bare,          anyone(OK)),
        rest("POST   /notifications/read",          "mark mine read",               Account, Bare,          anyone(OK)).body(|_| json!({})),
        rest("GET    /notifications/settings",      "my notification settings",     Account, Bare,          anyone(OK)),
        rest("PUT    /notifications/settings",      "change them",                  Account, Bare,          anyone(OK)).body(|_| json!({ "reactions": true })),
        rest("GET    /push/key",                    "the push key",                 Account, Bare,          anyone(OK)),
        rest("GET    /push/subscriptions",          "my push subscriptions",        Account, Bare,          anyone(OK)),
        rest("POST   /push/subscriptions",          "subscribe this device",        Account, Bare,          anyone(CREATED)).body(|c| json!({ "endpoint": format!("https://push.example.com/{}", c.unique), "keys": { "p256dh": "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU", "auth": "AAAAAAAAAAAAAAAAAAAAAA" } })),
        rest("DELETE /push/subscriptions/{id}",   "remove one that is not mine",  Missing, Bare,          anyone(MISSING)),
        rest("GET    /search?q=hi",                 "search my rooms",              Account, Bare,          anyone(OK)),
        // End-to-end encryption (tests/mls.rs covers the protocol): a device's own key
        // and key packages; the group of a room for its current members, and only in
        // an encrypted room (the matrix's group is not: 400 after the member check).
        rest("PUT    /mls/device",                  "register my device's key",     Account, Bare,          anyone(OK)).body(|_| json!({ "signature_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" })),
        rest("GET    /mls/key-packages",            "my key package stock",         Account, Bare,          anyone(OK)),
        rest("POST   /mls/key-packages",            "upload a key package that is not one", Account, Bare,  anyone(INVALID)).body(|_| json!({ "key_packages": ["AAE="] })),
        rest("POST   /mls/key-packages/claim",      "claim my own devices' key packages", Account, Me,      anyone(OK)).body(|c| json!({ "user_ids": [c.user] })),
        rest("GET    /users/{user_id}/devices",     "my devices",                   Account, Me,            anyone(OK)),
        rest("GET    /mls/welcomes",                "my device's Welcomes",         Account, Bare,          anyone(OK)),
        rest("DELETE /mls/welcomes/{id}",           "take a Welcome I lack",        Missing, Bare,          anyone(MISSING)),
        rest("GET    /rooms/{id}/mls",              "the group's MLS state",        Shared,  Bare,          members(INVALID)),
        rest("POST   /rooms/{id}/mls",              "create its MLS group",         Shared,  Bare,          members(INVALID)),
        rest("GET    /rooms/{id}/mls/commits",      "its commits",                  Shared,  Bare,          members(INVALID)),
        rest("POST   /rooms/{id}/mls/commits",      "commit to it",                 Shared,  Bare,          members(INVALID)).body(|_| json!({ "commit": "AAE=" })),
        rest("GET    /rooms/{id}/notification-level", "my level in the group",     Shared,  Bare,          current(OK)),
        rest("PUT    /rooms/{id}/notification-level", "mute the group",            Shared,  Bare,          current(OK)).body(|_| json!({ "level": "nothing" })),
        rest("GET    /rooms/{id}/notification-level", "my level in the direct room", Direct, Bare,         [UNAUTH, MISSING, MISSING, OK, MISSING, MISSING, OK]),
        // A room that does not exist: authentication first, then 404 for everyone.
        rest("GET    /rooms/{id}",                  "see a room that does not exist", Missing, Bare,        anyone(MISSING)),
        rest("POST   /rooms/{id}/messages",         "send to a missing room",       Missing, Bare,          anyone(MISSING)).body(text),
        rest("POST   /invitations/{id}/accept",     "accept for a missing room",    Missing, Bare,          anyone(MISSING)),
        // Files: anyone uploads their own; the image shared in the group after the
        // removal reaches its current members only (404 hides it from the others).
        rest("POST   /files?name=notes.txt&client_id=matrix-upload", "upload a file", Account, Bare,      anyone(CREATED)).body(|_| json!({ "any": "bytes" })),
        rest("GET    /files/{id}",                  "download the group's image",   File,    Bare,          [UNAUTH, MISSING, MISSING, OK, MISSING, OK, OK]),
        rest("GET    /files/{id}/thumbnail",        "its thumbnail",                File,    Bare,          [UNAUTH, MISSING, MISSING, OK, MISSING, OK, OK]),
        rest("GET    /rooms/{id}/files",            "the group's files",            Shared,  Bare,          members(OK)),
        // Avatars: who may is checked before the image (here not one), so the
        // group's managers get 400 and everyone else 403.
        rest("PUT    /users/me/avatar",             "set my avatar (no such image)", Account, Bare,         anyone(INVALID)).body(|_| json!({ "file_id": "none" })),
        rest("DELETE /users/me/avatar",             "remove my avatar",             Account, Bare,          anyone(OK)),
        rest("PUT    /rooms/{id}/avatar",           "set the group's picture (no such image)", Shared, Bare, admins(INVALID)).body(|_| json!({ "file_id": "none" })),
        rest("DELETE /rooms/{id}/avatar",           "remove the group's picture",   Shared,  Bare,          admins(OK)),
        rest("PUT    /rooms/{id}/avatar",           "give the direct room a picture", Direct, Bare,         nobody).body(|_| json!({ "file_id": "none" })),
        // Blocking is about the caller's own account; the last rows, so that the
        // blocks (lifted again by the unblock row) cannot change the rows above.
        rest("GET    /blocks",                      "whom I blocked",               Account, Bare,          anyone(OK)),
        rest("PUT    /blocks/{user_id}",            "block someone",                Account, Candidate,     anyone(DONE)),
        rest("PUT    /blocks/{user_id}",            "block myself",                 Account, Me,            anyone(INVALID)),
        rest("DELETE /blocks/{user_id}",            "unblock someone",              Account, Candidate,     anyone(DONE)),
    ]
}

/// Every WebSocket client frame. Columns as for REST. Anonymous sockets send the
/// frame first, without `hello`; their `hello` has an empty token.
#[rustfmt::skip]
fn ws_rows() -> Vec<Ws> {
    use Arg::{Bare, MyMsg, TheirMsg};
    use Scope::{Account, Direct, Missing, Shared};
    let hello: Frame = |c, _| ClientFrame::Hello { token: c.token.clone(), since: None };
    let send: Frame = |c, id| ClientFrame::Send { id, room_id: c.room(), client_id: c.unique.clone(), body: MessageBody::Text { text: "hi".into() }, reply_to: None, attachments: Vec::new() };
    let edit: Frame = |c, id| ClientFrame::Edit { id, room_id: c.room(), seq: c.seq, body: MessageBody::Text { text: "edited".into() } };
    let delete: Frame = |c, id| ClientFrame::Delete { id, room_id: c.room(), seq: c.seq };
    let typing: Frame = |c, _| ClientFrame::Typing { room_id: c.room(), typing: true };
    let anyone = |outcome| [NO_HELLO, outcome, outcome, outcome, outcome, outcome, outcome];
    let members = [NO_HELLO, W_FORBID, W_FORBID, W_OK, W_FORBID, W_OK, W_OK];
    let refused = "error forbidden (no id)";
    vec![
        Ws { connect: true, ..ws("hello", "connect",          Account, Bare, [BAD_HELLO, READY, READY, READY, READY, READY, READY], hello) },
        ws("hello",     "again, once connected",              Account, Bare,     [BAD_HELLO, "error invalid_json (no id)", "error invalid_json (no id)", "error invalid_json (no id)", "error invalid_json (no id)", "error invalid_json (no id)", "error invalid_json (no id)"], hello),
        ws("refresh",   "with my own token",                  Account, Bare,     anyone(W_OK), |c, id| ClientFrame::Refresh { id, token: c.token.clone() }),
        ws("refresh",   "with someone else's token",          Account, Bare,     anyone("error invalid_token"), |c, id| ClientFrame::Refresh { id, token: c.others_token.clone() }),
        ws("ping",      "ping",                               Account, Bare,     anyone(PONG), |_, id| ClientFrame::Ping { id }),
        ws("presence",  "I am away",                          Account, Bare,     anyone(NOTHING), |_, _| ClientFrame::Presence { status: PresenceStatus::Away }),
        ws("send",      "to the group",                       Shared,  Bare,     members, send),
        ws("edit",      "my message",                         Shared,  MyMsg,    members, edit),
        ws("edit",      "a member's message",                 Shared,  TheirMsg, anyone(W_FORBID), edit),
        ws("delete",    "my message",                         Shared,  MyMsg,    members, delete),
        ws("delete",    "a member's message",                 Shared,  TheirMsg, [NO_HELLO, W_FORBID, W_FORBID, W_FORBID, W_FORBID, W_OK, W_OK], delete),
        ws("react",     "add",                                Shared,  TheirMsg, members, |c, id| ClientFrame::React { id, room_id: c.room(), seq: c.seq, emoji: "👍".into(), add: true }),
        ws("react",     "remove",                             Shared,  TheirMsg, members, |c, id| ClientFrame::React { id, room_id: c.room(), seq: c.seq, emoji: "👍".into(), add: false }),
        ws("read",      "move my read marker",                Shared,  TheirMsg, members, |c, id| ClientFrame::Read { id, room_id: c.room(), seq: c.seq }),
        ws("delivered", "move my delivery marker",            Shared,  TheirMsg, members, |c, id| ClientFrame::Delivered { id, room_id: c.room(), seq: c.seq }),
        ws("typing",    "in the group",                       Shared,  Bare,     [NO_HELLO, refused, refused, NOTHING, refused, NOTHING, NOTHING], typing),
        ws("send",      "to the direct room",                 Direct,  Bare,     [NO_HELLO, W_FORBID, W_FORBID, W_OK, W_FORBID, W_FORBID, W_OK], send),
        ws("delete",    "the other's message in the direct room", Direct, TheirMsg, anyone(W_FORBID), delete),
        ws("send",      "to a room that does not exist",      Missing, Bare,     anyone("error not_found"), send),
        ws("typing",    "in a room that does not exist",      Missing, Bare,     anyone("error not_found (no id)"), typing),
    ]
}

/// The tables cover the API: every operation of `docs/openapi.json` (kept current by
/// tests/openapi.rs) has a REST row and every client frame a WebSocket row, and no
/// row names something the document does not have.
#[test]
fn every_operation_and_frame_has_a_row() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if methods.contains(&method.as_str()) {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let rows: BTreeSet<String> = rest_rows().iter().map(Rest::operation).collect();
    let frames: BTreeSet<String> = document["components"]["schemas"]["ClientFrame"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|branch| {
            branch["properties"]["type"]["enum"][0]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let frame_rows: BTreeSet<String> = ws_rows().iter().map(|row| row.kind.to_owned()).collect();
    let missing: Vec<_> = operations
        .difference(&rows)
        .chain(frames.difference(&frame_rows))
        .collect();
    let stale: Vec<_> = rows
        .difference(&operations)
        .chain(frame_rows.difference(&frames))
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the authorization matrix is out of date: add rows for {missing:?} and drop the \
         rows of {stale:?}, with the outcome docs/protocol.md gives each caller"
    );
}
