// Files of end-to-end encrypted rooms, the parts that are not drawing (the same
// format as the Rust client's crates/confab-client/src/e2ee/files.rs; see
// docs/protocol.md, "End-to-end encryption"):
//
// - `encryptFile`: each file is encrypted on the device with WebCrypto AES-GCM under a
//   new random 256-bit key and 12-byte iv, no associated data, the 16-byte tag at the
//   end. The ciphertext is uploaded with `?encrypted=true` (uploads.ts), and the key
//   travels inside the encrypted message as an `EncryptedFile` (`describeFile`).
// - `decryptFile`: the reverse; a wrong key, a changed byte or a cut file fails the
//   tag check and throws `FileDecryptError`, never returns bytes.
// - `EncryptedFiles`: downloads and decrypts the files on screen. Decrypted bytes stay
//   in memory only, as object URLs in an LRU of at most `DECRYPTED_URLS_KEPT` that
//   nobody shows (those on screen are kept while shown; the rest are revoked, oldest
//   first); `clear` revokes them all at sign-out. Nothing decrypted is written to
//   storage.

import type { EncryptedFile } from './e2eeView';
import { ObjectUrlCache, type ObjectUrls } from './media';
import { fromBase64, toBase64 } from './mls/identity';

/** Bytes of an AES-256-GCM key, and of its iv (nonce). */
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
/** Decrypted files kept as object URLs while nobody shows them (a few photos' worth). */
export const DECRYPTED_URLS_KEPT = 20;

/** A file that cannot be decrypted: its key or iv is malformed, or the tag check failed. */
export class FileDecryptError extends Error {
  constructor(message = 'This file could not be decrypted: it is damaged or its key is wrong.') {
    super(message);
    this.name = 'FileDecryptError';
  }
}

/** A file's ciphertext with the key and iv (standard base64) that decrypt it. */
export interface SealedFile {
  ciphertext: Uint8Array<ArrayBuffer>;
  key: string;
  iv: string;
}

/** Encrypts a file's bytes under a new random key and iv. */
export async function encryptFile(plaintext: Blob): Promise<SealedFile> {
  const raw = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, await plaintext.arrayBuffer());
  return { ciphertext: new Uint8Array(ciphertext), key: toBase64(raw), iv: toBase64(iv) };
}

/** Decrypts a file's ciphertext; throws FileDecryptError unless the tag checks out. */
export async function decryptFile(ciphertext: BufferSource, file: Pick<EncryptedFile, 'key' | 'iv'>): Promise<Uint8Array<ArrayBuffer>> {
  let raw: Uint8Array;
  let iv: Uint8Array;
  try {
    raw = fromBase64(file.key);
    iv = fromBase64(file.iv);
  } catch {
    throw new FileDecryptError();
  }
  if (raw.length !== KEY_BYTES || iv.length !== IV_BYTES) throw new FileDecryptError();
  try {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, ['decrypt']);
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(iv) }, key, ciphertext));
  } catch {
    throw new FileDecryptError();
  }
}

/** What an encrypted message's content says of a file uploaded as `fileId`. */
export function describeFile(fileId: string, plain: { name: string; contentType: string; size: number }, sealed: Pick<SealedFile, 'key' | 'iv'>): EncryptedFile {
  return { file_id: fileId, name: plain.name, content_type: plain.contentType || 'application/octet-stream', size: plain.size, key: sealed.key, iv: sealed.iv };
}

/** The files of encrypted messages on screen: downloaded, decrypted, shown through object URLs. */
export class EncryptedFiles {
  private readonly shown: ObjectUrlCache;

  constructor(
    /** The ciphertext of an uploaded file (`GET /files/{id}` with the token). */
    private readonly download: (fileId: string) => Promise<Blob>,
    urls: ObjectUrls,
  ) {
    this.shown = new ObjectUrlCache(urls, DECRYPTED_URLS_KEPT);
  }

  /** A file's plaintext, typed as its content says. Throws FileDecryptError, ApiError or NetworkError. */
  async blob(file: EncryptedFile): Promise<Blob> {
    const ciphertext = await (await this.download(file.file_id)).arrayBuffer();
    return new Blob([await decryptFile(ciphertext, file)], { type: file.content_type });
  }

  /** An object URL of the decrypted file; call `release` when it is no longer on screen. */
  show(file: EncryptedFile): { url: Promise<string>; release: () => void } {
    return this.shown.acquire(cacheKey(file), () => this.blob(file));
  }

  /** The object URL of a file decrypted already (to draw it at once), or null. */
  peek(file: EncryptedFile): string | null {
    return this.shown.peek(cacheKey(file));
  }

  /** Revokes every URL (sign-out). */
  clear(): void {
    this.shown.clear();
  }
}

/** A file and its key: a message naming someone else's file with another key gets its own entry. */
function cacheKey(file: EncryptedFile): string {
  return `${file.file_id}:${file.key}:${file.iv}`;
}
