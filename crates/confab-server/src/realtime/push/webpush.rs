//! Sending one Web Push message: the payload encrypted for the subscription
//! (RFC 8291, `aes128gcm`) by `web-push-native`, a VAPID token (RFC 8292) signed with
//! the server's key for the endpoint's origin, and an HTTP client that follows no
//! redirects and, unless private endpoints are allowed, connects to public
//! addresses only (checked on what DNS answers, not only on the URL).

use crate::service::notifications::{PushOutcome, VapidKey};
use crate::service::outbound::AddressPolicy;
use crate::store::notifications::PushSubscriptionRecord;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab_proto::notifications::{NotificationKind, PushPayload};
use std::sync::Arc;
use std::time::Duration;
use web_push_native::jwt_simple::algorithms::ECDSAP256KeyPairLike as _;
use web_push_native::jwt_simple::claims::Claims;
use web_push_native::{Auth, WebPushBuilder};

/// How long a push service keeps a message for a device that is offline.
const TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a VAPID token is valid (RFC 8292 allows at most 24 hours).
const TOKEN_VALIDITY: Duration = Duration::from_secs(12 * 60 * 60);

/// Sends pushes.
pub struct WebPush {
    http: reqwest::Client,
    vapid: Arc<VapidKey>,
    subject: String,
}

impl WebPush {
    /// A sender signing with `vapid` for the contact `subject`; each request takes at
    /// most `timeout`; `allow_private` lifts the public-address rule (tests).
    pub fn new(
        vapid: Arc<VapidKey>,
        subject: String,
        timeout: Duration,
        allow_private: bool,
    ) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Confab/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(AddressPolicy::public_only().resolver());
        }
        Ok(Self {
            http: builder.build()?,
            vapid,
            subject,
        })
    }

    /// Sends `payload` to one subscription and says how it went.
    pub async fn send(
        &self,
        subscription: &PushSubscriptionRecord,
        payload: &PushPayload,
    ) -> PushOutcome {
        let request = match self.request(subscription, payload) {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(%error, subscription = subscription.id, "cannot build a push");
                return PushOutcome::Failed;
            }
        };
        match self.http.execute(request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                match status {
                    200..=299 => PushOutcome::Delivered,
                    404 | 410 => PushOutcome::Gone,
                    429 | 500..=599 => PushOutcome::Retry,
                    _ => {
                        tracing::warn!(
                            status,
                            subscription = subscription.id,
                            "a push service refused a push"
                        );
                        PushOutcome::Failed
                    }
                }
            }
            Err(error) => {
                tracing::debug!(%error, subscription = subscription.id, "a push did not get through");
                PushOutcome::Retry
            }
        }
    }

    fn request(
        &self,
        subscription: &PushSubscriptionRecord,
        payload: &PushPayload,
    ) -> anyhow::Result<reqwest::Request> {
        let endpoint = url::Url::parse(&subscription.endpoint)?;
        let key = web_push_native::p256::PublicKey::from_sec1_bytes(
            &URL_SAFE_NO_PAD.decode(&subscription.p256dh)?,
        )?;
        let auth_bytes = URL_SAFE_NO_PAD.decode(&subscription.auth)?;
        anyhow::ensure!(auth_bytes.len() == 16, "the auth secret is not 16 bytes");
        let auth = Auth::clone_from_slice(&auth_bytes);
        let body = serde_json::to_vec(payload)?;
        let built = WebPushBuilder::new(subscription.endpoint.parse()?, key, auth)
            .with_valid_duration(TTL)
            .build(body)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // The audience is the endpoint's origin, port included when not the default.
        let claims = Claims::create(TOKEN_VALIDITY.into())
            .with_audience(endpoint.origin().ascii_serialization())
            .with_subject(&self.subject);
        let token = self.vapid.pair.sign(claims)?;
        let urgency = match payload.kind {
            NotificationKind::DirectMessage
            | NotificationKind::Mention
            | NotificationKind::Reply => "high",
            _ => "normal",
        };
        let (parts, body) = built.into_parts();
        let mut request = self
            .http
            .post(endpoint)
            .header(
                "authorization",
                format!("vapid t={token}, k={}", self.vapid.public),
            )
            .header("urgency", urgency)
            // Newer pushes for the same room replace undelivered older ones.
            .header("topic", format!("room{}", payload.room_id));
        for (name, value) in &parts.headers {
            request = request.header(name.as_str(), value.as_bytes());
        }
        Ok(request.body(body).build()?)
    }
}
