//! Files in encrypted rooms: each is encrypted on the device with a new AES-256-GCM
//! key (through OpenMLS's crypto provider) before it is uploaded; the key travels
//! inside the encrypted message ([`EncryptedFile`]), so the server keeps only
//! ciphertext and its size.

use super::{Device, E2eeError, mls};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use confab_proto::RoomId;
use confab_proto::events::RoomEvent;
use confab_proto::mls::{EncryptedContent, EncryptedFile};
use openmls::prelude::{AeadType, OpenMlsCrypto as _, OpenMlsProvider as _, OpenMlsRand as _};

/// Bytes of an AES-256-GCM key and nonce.
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;

impl Device {
    /// Encrypts and uploads a file, then sends a text message carrying it.
    pub async fn send_file(
        &mut self,
        room: RoomId,
        text: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<RoomEvent, E2eeError> {
        let key = self.provider.rand().random_vec(KEY_BYTES).map_err(mls)?;
        let iv = self.provider.rand().random_vec(NONCE_BYTES).map_err(mls)?;
        let ciphertext = self
            .provider
            .crypto()
            .aead_encrypt(AeadType::Aes256Gcm, &key, bytes, &iv, &[])
            .map_err(mls)?;
        let uploaded = self
            .client
            .upload_encrypted(&crate::fresh_client_id(), ciphertext)
            .await?;
        let content = EncryptedContent::Text {
            text: text.to_owned(),
            reply_to: None,
            attachments: vec![EncryptedFile {
                file_id: uploaded.id.clone(),
                name: name.to_owned(),
                content_type: content_type.to_owned(),
                size: bytes.len() as u64,
                key: BASE64.encode(key),
                iv: BASE64.encode(iv),
            }],
        };
        let plaintext = serde_json::to_vec(&content).map_err(mls)?;
        self.send_with(room, &plaintext, &[uploaded.id]).await
    }

    /// Downloads a file of an encrypted message and decrypts it (the tag checks that
    /// it is the file the sender encrypted).
    pub async fn fetch_file(&self, file: &EncryptedFile) -> Result<Vec<u8>, E2eeError> {
        let key = BASE64.decode(&file.key).map_err(mls)?;
        let iv = BASE64.decode(&file.iv).map_err(mls)?;
        if key.len() != KEY_BYTES || iv.len() != NONCE_BYTES {
            return Err(mls("a file key or nonce has the wrong length"));
        }
        let ciphertext = self.client.download(&file.file_id, false).await?;
        self.provider
            .crypto()
            .aead_decrypt(AeadType::Aes256Gcm, &key, &ciphertext, &iv, &[])
            .map_err(mls)
    }
}
