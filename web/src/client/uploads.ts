// The composer's upload queue: the bytes of each pending file (kept for retries),
// how to cancel the ones in flight, and the upload transport itself (with one token
// refresh). `ChatClient` owns one and keeps the queue's items in its state.

import * as F from './files';
import { ApiError, isSignedOutError, NetworkError, type Timers, type Tokens } from './rest';
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

interface UploadHooks {
  onProgress?: (loaded: number) => void;
  started?: (abort: () => void) => void;
}

export class Uploads {
  /** The bytes of pending uploads (for retries), by upload id. */
  private readonly blobs = new Map<string, Blob>();
  /** How to cancel the uploads in flight, by upload id. */
  private readonly aborts = new Map<string, () => void>();

  constructor(private readonly host: UploadHost) {}

  /** Adds files to a room's composer and starts each at once; answers how many did not fit. */
  add(roomId: RoomId, files: NewFile[]): number {
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
  }

  private async run(id: string): Promise<void> {
    const item = this.host.items().find((u) => u.id === id);
    const blob = this.blobs.get(id);
    if (!item || !blob) return;
    let shownAt = -Infinity;
    try {
      const file = await this.send(item.name, blob, id, {
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
      this.host.setItems(F.uploadDone(this.host.items(), id, file));
    } catch (error) {
      if (error instanceof F.UploadAborted || isSignedOutError(error)) return;
      this.host.setItems(F.uploadFailed(this.host.items(), id, F.uploadFailure(error)));
    } finally {
      this.aborts.delete(id);
    }
  }

  /**
   * Uploads one file with `clientId` as its idempotency key; refreshes the token and
   * tries again once if it expired. Throws ApiError, NetworkError or UploadAborted.
   */
  async send(name: string, blob: Blob, clientId: string, hooks: UploadHooks = {}, refreshed = false): Promise<FileInfo> {
    const { upload, tokens } = this.host;
    if (!upload) throw new NetworkError('uploads are not supported here');
    if (!tokens.accessToken) await tokens.refresh().catch(() => undefined);
    const token = tokens.accessToken;
    if (!token) throw new NetworkError();
    const handle = upload({
      url: `/api/v1/files?name=${encodeURIComponent(name)}&client_id=${encodeURIComponent(clientId)}`,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: blob,
      onProgress: (loaded) => hooks.onProgress?.(loaded),
    });
    hooks.started?.(() => handle.abort());
    try {
      const { status, body } = await handle.response;
      return F.readUploadResponse(status, body);
    } catch (error) {
      if (!refreshed && error instanceof ApiError && error.code === 'token_expired') {
        await tokens.refresh().catch(() => undefined);
        return this.send(name, blob, clientId, hooks, true);
      }
      if (isSignedOutError(error)) tokens.clear();
      throw error;
    }
  }
}
