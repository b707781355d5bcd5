//! `confab-testkit mls-peer`: an OpenMLS device (`confab_client::e2ee::Device`) that
//! a test in another language drives, to show that its MLS implementation and the
//! Rust one share groups (the web client's ts-mls, in `web/interop`).
//!
//! It reads one JSON command per line on stdin and answers each with one JSON line
//! on stdout: the result, or `{"error": "..."}`. Commands (`op`):
//! - `sign_in` `{url, username, password}` → `{user_id, device_id}`: a new session;
//! - `register` `{key_packages}` → `{device_id}`: its MLS key and key packages;
//! - `create_group` `{room_id}` → `{epoch}`: the room's group, adding everyone's devices;
//! - `sync` `{room_id}` → `{epoch}`: adds missing devices, removes those due;
//! - `join` → `{rooms}`: joins from its Welcomes;
//! - `send` `{room_id, plaintext}` → `{seq}`: `plaintext` in base64;
//! - `send_file` `{room_id, text, name, content_type, bytes}` → `{seq}`: encrypts
//!   `bytes` (base64) with a new AES-256-GCM key, uploads it and sends a text message
//!   carrying it (`Device::send_file`);
//! - `read` `{room_id, after}` → `{messages: [{seq, user_id, device_id, plaintext,
//!   attachments}]}`: decrypts the room's messages after `after` from other devices,
//!   in order; `attachments` lists the files a text message carries, each downloaded
//!   and decrypted: `{file_id, name, content_type, size, bytes}` (`bytes` in base64);
//! - `catch_up` `{room_id}` → `{epoch}`;
//! - `export_secret` `{room_id, label, length}` → `{epoch, secret}` (base64).

use anyhow::{Context as _, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use confab_client::Client;
use confab_client::e2ee::{Device, Received};
use confab_client::proto::RoomId;
use confab_client::proto::events::EventContent;
use confab_client::proto::mls::EncryptedContent;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

/// Runs commands from stdin until it closes.
pub async fn run() -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    let mut peer = Peer::default();
    while let Some(line) = lines.next_line().await? {
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(command) => peer
                .handle(&command)
                .await
                .unwrap_or_else(|e| json!({ "error": format!("{e:#}") })),
            Err(e) => json!({ "error": format!("not JSON: {e}") }),
        };
        stdout.write_all(format!("{answer}\n").as_bytes()).await?;
        stdout.flush().await?;
    }
    Ok(())
}

#[derive(Default)]
struct Peer {
    client: Option<Client>,
    device: Option<Device>,
}

fn field<'a>(command: &'a Value, name: &str) -> anyhow::Result<&'a Value> {
    command
        .get(name)
        .with_context(|| format!("missing `{name}`"))
}

fn number(command: &Value, name: &str) -> anyhow::Result<i64> {
    field(command, name)?
        .as_i64()
        .with_context(|| format!("`{name}` is not a number"))
}

fn text<'a>(command: &'a Value, name: &str) -> anyhow::Result<&'a str> {
    field(command, name)?
        .as_str()
        .with_context(|| format!("`{name}` is not a string"))
}

impl Peer {
    fn device(&mut self) -> anyhow::Result<&mut Device> {
        self.device.as_mut().context("`register` first")
    }

    async fn handle(&mut self, command: &Value) -> anyhow::Result<Value> {
        let room = || number(command, "room_id").map(RoomId);
        match text(command, "op")? {
            "sign_in" => {
                let client = Client::new(text(command, "url")?)?;
                let response = client
                    .sign_in(
                        text(command, "username")?,
                        text(command, "password")?,
                        Some("mls-peer"),
                    )
                    .await?;
                self.client = Some(client);
                Ok(json!({
                    "user_id": response.user.id,
                    "device_id": response.tokens.session_id,
                }))
            }
            "register" => {
                let client = self.client.clone().context("`sign_in` first")?;
                let count = usize::try_from(number(command, "key_packages")?)?;
                let device = Device::register(client, None, count).await?;
                let device_id = device.device_id();
                self.device = Some(device);
                Ok(json!({ "device_id": device_id }))
            }
            "create_group" => {
                let room = room()?;
                let device = self.device()?;
                device.create_group(room).await?;
                Ok(json!({ "epoch": device.epoch(room) }))
            }
            "sync" => {
                let room = room()?;
                let device = self.device()?;
                device.sync_members(room).await?;
                Ok(json!({ "epoch": device.epoch(room) }))
            }
            "catch_up" => {
                let room = room()?;
                let device = self.device()?;
                device.catch_up(room).await?;
                Ok(json!({ "epoch": device.epoch(room) }))
            }
            "join" => {
                let rooms = self.device()?.join_pending().await?;
                Ok(json!({ "rooms": rooms }))
            }
            "send" => {
                let room = room()?;
                let plaintext = BASE64.decode(text(command, "plaintext")?)?;
                let event = self.device()?.send(room, &plaintext).await?;
                Ok(json!({ "seq": event.seq }))
            }
            "send_file" => {
                let room = room()?;
                let bytes = BASE64.decode(text(command, "bytes")?)?;
                let event = self
                    .device()?
                    .send_file(
                        room,
                        text(command, "text")?,
                        text(command, "name")?,
                        text(command, "content_type")?,
                        &bytes,
                    )
                    .await?;
                Ok(json!({ "seq": event.seq }))
            }
            "read" => {
                let room = room()?;
                let after = number(command, "after")?;
                self.read(room, after).await
            }
            "export_secret" => {
                let room = room()?;
                let label = text(command, "label")?.to_owned();
                let length = usize::try_from(number(command, "length")?)?;
                let device = self.device()?;
                let secret = device.export_secret(room, &label, length)?;
                Ok(json!({ "epoch": device.epoch(room), "secret": BASE64.encode(secret) }))
            }
            other => Err(anyhow!("unknown op `{other}`")),
        }
    }

    async fn read(&mut self, room: RoomId, after: i64) -> anyhow::Result<Value> {
        let device = self.device()?;
        let page = device
            .client()
            .history(room, &format!("after={after}&limit=100"))
            .await?;
        let mut messages = Vec::new();
        for event in page.events {
            if !matches!(event.content, EventContent::Message(_)) {
                continue;
            }
            if let Received::Message {
                seq,
                user,
                device: sender,
                plaintext,
            } = device.receive(&event).await?
            {
                let attachments = attachments(device, &plaintext).await?;
                messages.push(json!({
                    "seq": seq,
                    "user_id": user,
                    "device_id": sender,
                    "plaintext": BASE64.encode(plaintext),
                    "attachments": attachments,
                }));
            }
        }
        Ok(json!({ "messages": messages }))
    }
}

/// The files a decrypted text message carries, downloaded and decrypted (none for
/// other contents, or a plaintext that is not a content this version knows).
async fn attachments(device: &Device, plaintext: &[u8]) -> anyhow::Result<Vec<Value>> {
    let Ok(EncryptedContent::Text { attachments, .. }) = serde_json::from_slice(plaintext) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for file in &attachments {
        let bytes = device
            .fetch_file(file)
            .await
            .with_context(|| format!("file {} ({})", file.file_id, file.name))?;
        files.push(json!({
            "file_id": file.file_id,
            "name": file.name,
            "content_type": file.content_type,
            "size": file.size,
            "bytes": BASE64.encode(bytes),
        }));
    }
    Ok(files)
}
