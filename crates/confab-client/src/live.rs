//! The WebSocket connection: live events and requests over `/api/v1/ws`.

use crate::{Client, ClientError, Result};
use confab_proto::events::{MessageBody, RoomEvent};
use confab_proto::ws::{ClientFrame, ServerFrame};
use confab_proto::{EventId, RoomId};
use futures_util::{SinkExt as _, StreamExt as _};
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What arrives on a live connection.
#[derive(Clone, Debug, PartialEq, Eq)]
// Each value is read once and matched at once; boxing the frame would only add an
// allocation per frame and a `Box` to every pattern of every caller.
#[allow(clippy::large_enum_variant)]
pub enum Incoming {
    Frame(ServerFrame),
    /// The server closed the connection with this code and reason.
    Closed {
        code: u16,
        reason: String,
    },
}

/// A signed-in WebSocket connection.
pub struct Live {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_request: u64,
    /// Frames read while waiting for a reply, handed out by [`Live::recv`] first.
    pending: VecDeque<Incoming>,
}

impl Client {
    /// Opens the live connection with this client's access token. With `since`, the
    /// server first replays every event after it. Returns the connection and the
    /// server's first frame (`ready`, or an error before closing).
    pub async fn connect_live(&self, since: Option<EventId>) -> Result<(Live, ServerFrame)> {
        let url = self.live_url()?;
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(ws_error)?;
        self.hello(socket, since).await
    }

    /// Like [`Client::connect_live`], but the TCP connection leaves from the local
    /// address `local` (any free port), over plain `ws://` only.
    ///
    /// Load generators use it: one source address has only as many ephemeral ports
    /// as the system's range (about 28,000 on Linux), so tens of thousands of
    /// connections to one server need several source addresses (`127.0.0.2`,
    /// `127.0.0.3`, ... on loopback). The socket buffers are kept small (4 KiB
    /// chunks), which suits many mostly idle connections.
    pub async fn connect_live_from(
        &self,
        local: IpAddr,
        since: Option<EventId>,
    ) -> Result<(Live, ServerFrame)> {
        let url = self.live_url()?;
        if url.scheme() != "ws" {
            return Err(ClientError::Protocol(
                "a bound source address needs a plain ws:// server URL".into(),
            ));
        }
        let remote = url
            .socket_addrs(|| Some(80))
            .map_err(|e| ClientError::Protocol(format!("cannot resolve {url}: {e}")))?
            .into_iter()
            .find(|addr| addr.is_ipv4() == local.is_ipv4())
            .ok_or_else(|| {
                ClientError::Protocol(format!("{url} has no address of the family of {local}"))
            })?;
        let socket = if local.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .and_then(|socket| {
            socket.bind(SocketAddr::new(local, 0))?;
            Ok(socket)
        })
        .map_err(|e| ClientError::Protocol(format!("cannot bind {local}: {e}")))?;
        let stream = socket
            .connect(remote)
            .await
            .map_err(|e| ClientError::Protocol(format!("cannot connect to {remote}: {e}")))?;
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (socket, _) = tokio_tungstenite::client_async_with_config(
            url.as_str(),
            MaybeTlsStream::Plain(stream),
            Some(config),
        )
        .await
        .map_err(ws_error)?;
        self.hello(socket, since).await
    }

    /// The WebSocket endpoint of this client's server.
    fn live_url(&self) -> Result<url::Url> {
        let mut url = self.base.join("/api/v1/ws")?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|()| ClientError::Protocol("cannot build the WebSocket URL".into()))?;
        Ok(url)
    }

    /// Authenticates a freshly upgraded socket with `hello`.
    async fn hello(
        &self,
        socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
        since: Option<EventId>,
    ) -> Result<(Live, ServerFrame)> {
        let mut live = Live {
            socket,
            next_request: 0,
            pending: VecDeque::new(),
        };
        let token = self.access_token().await?;
        live.send(&ClientFrame::Hello { token, since }).await?;
        match live.recv().await? {
            Incoming::Frame(frame) => Ok((live, frame)),
            Incoming::Closed { code, reason } => Err(ClientError::Protocol(format!(
                "closed at once: {code} {reason}"
            ))),
        }
    }
}

impl Live {
    /// Sends one frame.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<()> {
        let text =
            serde_json::to_string(frame).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.send_raw(Message::Text(text.into())).await
    }

    /// Sends anything, for testing how the server treats bad input.
    pub async fn send_raw(&mut self, message: Message) -> Result<()> {
        self.socket.send(message).await.map_err(ws_error)
    }

    /// The next frame or the close; pings are answered and skipped.
    pub async fn recv(&mut self) -> Result<Incoming> {
        if let Some(incoming) = self.pending.pop_front() {
            return Ok(incoming);
        }
        loop {
            let message = match self.socket.next().await {
                Some(Ok(message)) => message,
                Some(Err(e)) => return Err(ws_error(e)),
                None => {
                    return Ok(Incoming::Closed {
                        code: 1006,
                        reason: "connection dropped".into(),
                    });
                }
            };
            match message {
                Message::Text(text) => {
                    let frame = serde_json::from_str(text.as_str()).map_err(|e| {
                        ClientError::Protocol(format!("unreadable frame {text}: {e}"))
                    })?;
                    return Ok(Incoming::Frame(frame));
                }
                Message::Close(close) => {
                    let (code, reason) = close.map_or((1005, String::new()), |c| {
                        (c.code.into(), c.reason.to_string())
                    });
                    return Ok(Incoming::Closed { code, reason });
                }
                _ => {}
            }
        }
    }

    /// The next room event, skipping other frames.
    pub async fn next_event(&mut self) -> Result<RoomEvent> {
        loop {
            match self.recv().await? {
                Incoming::Frame(ServerFrame::Event { event }) => return Ok(event),
                Incoming::Frame(_) => {}
                Incoming::Closed { code, reason } => {
                    return Err(ClientError::Protocol(format!("closed: {code} {reason}")));
                }
            }
        }
    }

    /// Sends a request built with a fresh request id and waits for its reply;
    /// events that arrive meanwhile stay queued for [`Live::recv`].
    pub async fn request(
        &mut self,
        build: impl FnOnce(String) -> ClientFrame,
    ) -> Result<ServerFrame> {
        self.next_request += 1;
        let id = format!("r{}", self.next_request);
        self.send(&build(id.clone())).await?;
        let mut held = VecDeque::new();
        let reply = loop {
            match self.recv().await? {
                Incoming::Frame(ServerFrame::Ok {
                    id: reply_id,
                    event,
                }) if reply_id == id => {
                    break ServerFrame::Ok {
                        id: reply_id,
                        event,
                    };
                }
                Incoming::Frame(ServerFrame::Error {
                    id: Some(reply_id),
                    code,
                    message,
                }) if reply_id == id => {
                    break ServerFrame::Error {
                        id: Some(reply_id),
                        code,
                        message,
                    };
                }
                Incoming::Frame(ServerFrame::Pong { id: reply_id }) if reply_id == id => {
                    break ServerFrame::Pong { id: reply_id };
                }
                closed @ Incoming::Closed { .. } => {
                    held.push_back(closed);
                    break ServerFrame::Error {
                        id: Some(id),
                        code: confab_proto::ErrorCode::Unavailable,
                        message: "connection closed".into(),
                    };
                }
                other => held.push_back(other),
            }
        };
        held.extend(self.pending.drain(..));
        self.pending = held;
        Ok(reply)
    }

    /// Sends a text message; returns the stored event.
    pub async fn send_text(
        &mut self,
        room_id: RoomId,
        client_id: &str,
        text: &str,
    ) -> Result<RoomEvent> {
        let body = MessageBody::Text {
            text: text.to_owned(),
        };
        let client_id = client_id.to_owned();
        match self
            .request(|id| ClientFrame::Send {
                id,
                room_id,
                client_id,
                body,
                reply_to: None,
                attachments: Vec::new(),
            })
            .await?
        {
            ServerFrame::Ok {
                event: Some(event), ..
            } => Ok(event),
            other => Err(ClientError::Protocol(format!("send failed: {other:?}"))),
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) -> Result<()> {
        self.socket.close(None).await.map_err(ws_error)
    }
}

fn ws_error(error: tokio_tungstenite::tungstenite::Error) -> ClientError {
    ClientError::Protocol(format!("WebSocket error: {error}"))
}
