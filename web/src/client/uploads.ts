// The composer's upload queue: the bytes of each pending file (kept for retries),
// how to cancel the ones in flight, and the upload transport itself (with one token
// refresh). `ChatClient` owns one and keeps the queue's items in its state.
//
// In an end-to-end encrypted room each file is encrypted first (encryptedFiles.ts)
// and its ciphertext uploaded with `encrypted=true`; the ciphertext and key are kept
// in memory (never in storage) so that a retry sends the very same bytes under the
// same client_id, and the uploaded item carries the `EncryptedFile` its message's
// content will hold.

import * as F from './files';
import { describeFile, encryptFile, type SealedFile } from './encryptedFiles';
import { ApiError, isSignedOutError, NetworkError, type Timers, type Tokens } from './rest';
import { shownEncryptedFile } from './e2eeView';
import type { FileInfo, RoomId } from './types';

/** A file to add to a composer: picked, dropped or pasted. */
export interface NewFile {
  name: string;
  blob: Blob;
}

/** What the queue needs of the client that owns it. */
export interface UploadHost {
  readonly upload: F.Uploader | undefined;
  readonly tokens: Tokens;
  readonly timers: Timers;
  newId(): string;
  /** The queue's items, as the client's state holds them. */
  items(): F.UploadItem[];
  setItems(items: F.UploadItem[]): void;
}

interface UploadOptions {
  onProgress?: (loaded: number) => void;
  started?: (abort: () => void) => void;
  /** A file encrypted by this client, for an encrypted room (`encrypted=true`). */
  encrypted?: boolean;
}

export class Uploads {
  /** The bytes of pending uploads (for retries), by upload id. */
  private readonly blobs = new Map<string, Blob>();
  /** How to cancel the uploads in flight, by upload id. */
  private readonly aborts = new Map<string, () => void>();
  /** Uploads for encrypted rooms, by upload id: their ciphertext and key once encrypted. */
  private readonly seals = new Map<string, SealedFile | null>();

  constructor(private readonly host: UploadHost) {}

  /**
   * Adds files to a room's composer and starts each at once (encrypted first for an
   * `encrypted` room); answers how many did not fit.
   */
  add(roomId: RoomId, files: NewFile[], encrypted = false): number {
    const space = Math.max(0, F.MAX_ATTACHMENTS - F.roomUploads(this.host.items(), roomId).length);
    const taken = files.slice(0, space);
    const items: F.UploadItem[] = taken.map((f) => ({
      id: this.host.newId(),
      roomId,
      name: f.name.trim() || 'file',
      size: f.blob.size,
      mime: f.blob.type,
      status: 'uploading',
      loaded: 0,
    }));
    items.forEach((item, i) => this.blobs.set(item.id, (taken[i] as NewFile).blob));
    if (encrypted) for (const item of items) this.seals.set(item.id, null);
    this.host.setItems(F.addUploads(this.host.items(), items));
    for (const item of items) void this.run(item.id);
    return files.length - taken.length;
  }

  /** Uploads a failed file again, with the same client_id. */
  retry(id: string): void {
    const item = this.host.items().find((u) => u.id === id);
    if (!item || item.status !== 'failed' || !this.blobs.has(id)) return;
    this.host.setItems(F.uploadRestarted(this.host.items(), id));
    void this.run(id);
  }

  /** The bytes of a file waiting in a composer. */
  blob(id: string): Blob | undefined {
    return this.blobs.get(id);
  }

  /** Removes files from their composers, cancelling uploads still running. */
  remove(ids: string[]): void {
    for (const id of ids) {
      this.aborts.get(id)?.();
      this.aborts.delete(id);
      this.blobs.delete(id);
      this.seals.delete(id);
    }
    this.host.setItems(F.removeUploads(this.host.items(), ids));
  }

  /**
   * The files of a room's composer, taken out of it to be sent with `text`: only once
   * every one is uploaded (null, and nothing changes, while one is uploading or failed,
   * or when there is neither text nor a file to send).
   */
  takeForSending(roomId: RoomId, text: string): FileInfo[] | null {
    const items = F.roomUploads(this.host.items(), roomId);
    const readiness = F.uploadsReadiness(items);
    if (readiness === 'uploading' || readiness === 'failed') return null;
    const files = items.flatMap((i) => (i.file ? [i.file] : []));
    if (!text.trim() && files.length === 0) return null;
    this.remove(items.map((i) => i.id));
    return files;
  }

  /** Cancels everything (signing out). The client clears its state itself. */
  clear(): void {
    for (const abort of this.aborts.values()) abort();
    this.aborts.clear();
    this.blobs.clear();
    this.seals.clear();
  }

  private async run(id: string): Promise<void> {
    const item = this.host.items().find((u) => u.id === id);
    const blob = this.blobs.get(id);
    if (!item || !blob) return;
    let shownAt = -Infinity;
    try {
      const sealed = this.seals.has(id) ? await this.seal(id, blob) : undefined;
      // Removed while it was being encrypted.
      if (!this.blobs.has(id)) return;
      const uploaded = await this.send(item.name, sealed ? new Blob([sealed.ciphertext]) : blob, id, {
        encrypted: sealed !== undefined,
        onProgress: (loaded) => {
          // Often enough for a smooth bar, not a new state for every packet.
          const now = this.host.timers.now();
          if (now - shownAt < 100 && loaded < item.size) return;
          shownAt = now;
          this.host.setItems(F.uploadProgress(this.host.items(), id, loaded));
        },
        started: (abort) => {
          // Removed while waiting for a token: cancel at once.
          if (this.blobs.has(id)) this.aborts.set(id, abort);
          else abort();
        },
      });
      // An encrypted file shows and travels as its message describes it, not as the server's `encrypted`.
      const file = sealed ? shownEncryptedFile(describeFile(uploaded.id, { name: item.name, contentType: item.mime, size: item.size }, sealed)) : uploaded;
      this.host.setItems(F.uploadDone(this.host.items(), id, file));
    } catch (error) {
      if (error instanceof F.UploadAborted || isSignedOutError(error)) return;
      this.host.setItems(F.uploadFailed(this.host.items(), id, F.uploadFailure(error)));
    } finally {
      this.aborts.delete(id);
    }
  }

  /** A file's ciphertext and key: made once, so that retries upload the same bytes. */
  private async seal(id: string, blob: Blob): Promise<SealedFile> {
    const known = this.seals.get(id);
    if (known) return known;
    const sealed = await encryptFile(blob);
    if (this.seals.has(id)) this.seals.set(id, sealed);
    return sealed;
  }

  /**
   * Uploads one file with `clientId` as its idempotency key; refreshes the token and
   * tries again once if it expired. Throws ApiError, NetworkError or UploadAborted.
   */
  async send(name: string, blob: Blob, clientId: string, options: UploadOptions = {}, refreshed = false): Promise<FileInfo> {
    const { upload, tokens } = this.host;
    if (!upload) throw new NetworkError('uploads are not supported here');
    if (!tokens.accessToken) await tokens.refresh().catch(() => undefined);
    const token = tokens.accessToken;
    if (!token) throw new NetworkError();
    const handle = upload({
      // An encrypted file's name is not sent: the server calls it `encrypted` anyway.
      url: options.encrypted
        ? `/api/v1/files?name=encrypted&client_id=${encodeURIComponent(clientId)}&encrypted=true`
        : `/api/v1/files?name=${encodeURIComponent(name)}&client_id=${encodeURIComponent(clientId)}`,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: blob,
      onProgress: (loaded) => options.onProgress?.(loaded),
    });
    options.started?.(() => handle.abort());
    try {
      const { status, body } = await handle.response;
      return F.readUploadResponse(status, body);
    } catch (error) {
      if (!refreshed && error instanceof ApiError && error.code === 'token_expired') {
        await tokens.refresh().catch(() => undefined);
        return this.send(name, blob, clientId, options, true);
      }
      if (isSignedOutError(error)) tokens.clear();
      throw error;
    }
  }
}
