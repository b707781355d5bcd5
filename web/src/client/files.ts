// Shared files, the parts that are not drawing: the composer's pending uploads (a
// queue per room, with progress and errors), the transport that uploads one file
// with real progress (XMLHttpRequest in the browser, a fake in the tests), what the
// server's refusals mean in words, and small helpers (sizes, kinds, summaries).
//
// A pending upload's local id is also its `client_id` on the server: retrying it
// (after a network failure, say) sends the same id, so the server stores it once and
// answers the first file if it had arrived after all.

import type { ShownFile } from './e2eeView';
import { ApiError, NetworkError } from './rest';
import type { FileInfo, RoomId } from './types';

export type { ShownFile } from './e2eeView';

/** Most files one message may carry (the server's `--max-attachments` default). */
export const MAX_ATTACHMENTS = 10;

// ---- the upload transport ----

export interface UploadRequest {
  /** Path and query under the origin, e.g. `/api/v1/files?name=...&client_id=...`. */
  url: string;
  headers: Record<string, string>;
  body: Blob;
  /** Bytes sent so far, as the transport reports them. */
  onProgress: (loaded: number) => void;
}

export interface UploadHandle {
  /** The server's answer, whatever its status; rejects with NetworkError or UploadAborted. */
  response: Promise<{ status: number; body: string }>;
  abort(): void;
}

/** Sends one upload. The browser's is `xhrUploader`; the tests pass a fake. */
export type Uploader = (request: UploadRequest) => UploadHandle;

/** The upload was cancelled (the user removed the file). */
export class UploadAborted extends Error {
  constructor() {
    super('upload cancelled');
    this.name = 'UploadAborted';
  }
}

/** Uploads with XMLHttpRequest, whose `upload.onprogress` reports real progress. */
export const xhrUploader: Uploader = (request) => {
  const xhr = new XMLHttpRequest();
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    xhr.open('POST', request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => request.onProgress(e.loaded);
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new NetworkError());
    xhr.ontimeout = () => reject(new NetworkError());
    xhr.onabort = () => reject(new UploadAborted());
    xhr.send(request.body);
  });
  return { response, abort: () => xhr.abort() };
};

/** The server's answer to an upload: the file, or the refusal as an ApiError. */
export function readUploadResponse(status: number, body: string): FileInfo {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not our JSON (a proxy's error page): the status tells what we know.
  }
  if (status >= 200 && status < 300 && parsed && typeof parsed === 'object' && 'id' in parsed) return parsed as FileInfo;
  const error = (parsed as { error?: { code?: string; message?: string; field?: string; retry_after_secs?: number } } | null)?.error;
  return throwApiError(status, error);
}

function throwApiError(status: number, error: { code?: string; message?: string; field?: string; retry_after_secs?: number } | undefined): never {
  const code = error?.code ?? (status === 413 ? 'payload_too_large' : 'internal');
  throw new ApiError(status, code, error?.message ?? `the server answered ${status}`, error?.field, error?.retry_after_secs);
}

// ---- pending uploads (the composer's files) ----

export type UploadFailureReason = 'too_large' | 'quota' | 'unreadable' | 'invalid' | 'network' | 'server';

export interface UploadFailure {
  reason: UploadFailureReason;
  /** For the chip: "too large (max 100 MB)", "your storage quota is full", ... */
  text: string;
  /** Whether trying again (with the same client_id) may help. */
  retry: boolean;
}

/** A file added to the composer: uploading, uploaded (with its FileInfo), or failed. */
export interface UploadItem {
  /** Local id, and the upload's `client_id`. */
  id: string;
  roomId: RoomId;
  name: string;
  size: number;
  /** What the browser says the file is (for the chip's preview only; the server sniffs). */
  mime: string;
  status: 'uploading' | 'done' | 'failed';
  /** Bytes sent so far. */
  loaded: number;
  /** Once uploaded: the file; in an encrypted room, as its message describes it (with its key). */
  file?: ShownFile;
  error?: UploadFailure;
}

/** What a refused or failed upload means for the person who sent it. */
export function uploadFailure(error: unknown): UploadFailure {
  if (error instanceof NetworkError) return { reason: 'network', text: 'upload failed: no connection', retry: true };
  if (error instanceof ApiError) {
    if (error.code === 'payload_too_large') {
      const max = /at most (\d+) bytes/.exec(error.message)?.[1];
      return { reason: 'too_large', text: max ? `too large (max ${formatSize(Number(max))})` : 'too large for this server', retry: false };
    }
    if (error.code === 'quota_exceeded') return { reason: 'quota', text: 'your storage quota is full', retry: false };
    if (error.code === 'invalid_input' && error.field === 'file') {
      if (/interrupted/i.test(error.message)) return { reason: 'network', text: 'upload interrupted', retry: true };
      if (/pixel/i.test(error.message)) return { reason: 'unreadable', text: 'image too large in pixels', retry: false };
      return { reason: 'unreadable', text: 'this image can’t be read', retry: false };
    }
    if (error.code === 'invalid_input' && error.field === 'name') return { reason: 'invalid', text: 'this file name is not allowed', retry: false };
    if (error.code === 'invalid_input') return { reason: 'invalid', text: error.message, retry: false };
    if (error.code === 'rate_limited' || error.code === 'unavailable' || error.code === 'internal' || error.status >= 500) {
      return { reason: 'server', text: 'upload failed: the server had a problem', retry: true };
    }
    return { reason: 'server', text: error.message, retry: true };
  }
  return { reason: 'server', text: 'upload failed', retry: true };
}

export function addUploads(list: UploadItem[], items: UploadItem[]): UploadItem[] {
  return [...list, ...items];
}

function change(list: UploadItem[], id: string, patch: (item: UploadItem) => UploadItem): UploadItem[] {
  let changed = false;
  const next = list.map((item) => {
    if (item.id !== id) return item;
    changed = true;
    return patch(item);
  });
  return changed ? next : list;
}

export function uploadProgress(list: UploadItem[], id: string, loaded: number): UploadItem[] {
  return change(list, id, (item) => (item.status === 'uploading' ? { ...item, loaded: Math.min(Math.max(loaded, item.loaded), item.size) } : item));
}

export function uploadDone(list: UploadItem[], id: string, file: ShownFile): UploadItem[] {
  return change(list, id, (item) => ({ ...item, status: 'done', loaded: item.size, file, error: undefined }));
}

export function uploadFailed(list: UploadItem[], id: string, error: UploadFailure): UploadItem[] {
  return change(list, id, (item) => ({ ...item, status: 'failed', error }));
}

export function uploadRestarted(list: UploadItem[], id: string): UploadItem[] {
  return change(list, id, (item) => ({ ...item, status: 'uploading', loaded: 0, error: undefined }));
}

export function removeUploads(list: UploadItem[], ids: readonly string[]): UploadItem[] {
  return list.some((item) => ids.includes(item.id)) ? list.filter((item) => !ids.includes(item.id)) : list;
}

export function roomUploads(list: UploadItem[], roomId: RoomId): UploadItem[] {
  return list.filter((item) => item.roomId === roomId);
}

/**
 * Whether a room's pending files can go with a message: `none` (no files), `ready`
 * (all uploaded), `uploading` (wait) or `failed` (retry or remove the failed ones).
 */
export function uploadsReadiness(items: UploadItem[]): 'none' | 'ready' | 'uploading' | 'failed' {
  if (items.length === 0) return 'none';
  if (items.some((i) => i.status === 'failed')) return 'failed';
  if (items.some((i) => i.status === 'uploading')) return 'uploading';
  return 'ready';
}

/** Share of all pending bytes sent, 0-1. */
export function uploadsFraction(items: UploadItem[]): number {
  const total = items.reduce((n, i) => n + i.size, 0);
  if (total === 0) return items.every((i) => i.status === 'done') ? 1 : 0;
  return items.reduce((n, i) => n + i.loaded, 0) / total;
}

// ---- helpers for showing files ----

/** A file size for people: 512 B, 12 KB, 3.4 MB, 1.2 GB (powers of 1024). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}

const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** An image the server measured and made a thumbnail of: shown inline. */
export function isImage(file: FileInfo): file is FileInfo & { width: number; height: number } {
  return IMAGE_TYPES.has(file.content_type) && file.width !== undefined && file.height !== undefined && file.width > 0 && file.height > 0;
}

/** Whether the browser says a local file is an image (pasted or picked), for its chip. */
export function looksLikeImage(mime: string): boolean {
  return IMAGE_TYPES.has(mime);
}

export type FileKind = 'image' | 'pdf' | 'video' | 'audio' | 'archive' | 'sheet' | 'slides' | 'doc' | 'code' | 'text' | 'other';

const EXTENSION_KINDS: Record<string, FileKind> = {
  pdf: 'pdf',
  zip: 'archive', gz: 'archive', tgz: 'archive', tar: 'archive', '7z': 'archive', rar: 'archive', bz2: 'archive', xz: 'archive',
  xls: 'sheet', xlsx: 'sheet', ods: 'sheet', csv: 'sheet', tsv: 'sheet', numbers: 'sheet',
  ppt: 'slides', pptx: 'slides', odp: 'slides', key: 'slides',
  doc: 'doc', docx: 'doc', odt: 'doc', rtf: 'doc', pages: 'doc',
  txt: 'text', md: 'text', log: 'text',
  js: 'code', ts: 'code', tsx: 'code', jsx: 'code', rs: 'code', py: 'code', go: 'code', java: 'code', c: 'code', h: 'code', cpp: 'code', rb: 'code', sh: 'code', json: 'code', yaml: 'code', yml: 'code', toml: 'code', html: 'code', css: 'code', sql: 'code', xml: 'code',
  mp4: 'video', mov: 'video', webm: 'video', mkv: 'video', avi: 'video',
  mp3: 'audio', wav: 'audio', ogg: 'audio', flac: 'audio', m4a: 'audio', opus: 'audio',
  png: 'image', jpg: 'image', jpeg: 'image', gif: 'image', webp: 'image', svg: 'image', heic: 'image', bmp: 'image', tif: 'image', tiff: 'image',
};

/** The extension of a file name, lower case, without the dot ('' if none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** What kind of file this is, for its icon: from the sniffed type, else the name. */
export function fileKind(name: string, contentType: string): FileKind {
  if (contentType === 'application/pdf') return 'pdf';
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('video/')) return 'video';
  if (contentType.startsWith('audio/')) return 'audio';
  const byName = EXTENSION_KINDS[extensionOf(name)];
  // Office documents are zip files: their name says which kind.
  if (contentType === 'application/zip' && byName && byName !== 'image') return byName;
  if (contentType === 'application/zip' || contentType === 'application/gzip' || contentType === 'application/x-7z-compressed') return 'archive';
  return byName ?? (contentType.startsWith('text/') ? 'text' : 'other');
}

/** A short label for the icon: the extension (at most 4 letters), else the kind. */
export function fileLabel(name: string, contentType: string): string {
  const ext = extensionOf(name);
  if (ext && ext.length <= 4) return ext.toUpperCase();
  const kind = fileKind(name, contentType);
  return kind === 'other' ? 'FILE' : kind === 'pdf' ? 'PDF' : kind.toUpperCase().slice(0, 4);
}

/**
 * What a message's files are, in a few words, where the message itself is not shown
 * (room list, reply quotes): "Photo", "3 photos", "report.pdf", "4 files"; with
 * whether they are photos (for the icon). Null without files.
 */
export function attachmentLabel(files: readonly ShownFile[] | undefined): { icon: 'photo' | 'file'; text: string } | null {
  if (!files || files.length === 0) return null;
  // A photo of an encrypted message has no measured size, but is a photo all the same.
  if (files.every((f) => isImage(f) || (f.encrypted !== undefined && looksLikeImage(f.content_type)))) return { icon: 'photo', text: files.length === 1 ? 'Photo' : `${files.length} photos` };
  return { icon: 'file', text: files.length === 1 ? (files[0]?.name ?? 'File') : `${files.length} files` };
}

/** The same as one line of text (system notifications): "📷 Photo", "📎 report.pdf". */
export function attachmentSummary(files: readonly ShownFile[] | undefined): string {
  const label = attachmentLabel(files);
  return label ? `${label.icon === 'photo' ? '📷' : '📎'} ${label.text}` : '';
}

/**
 * The size to show an image at: its shape, at most `maxWidth` x `maxHeight` and never
 * larger than it is, at least `min` on each side (very long or thin images are cut).
 */
export function fitImage(width: number, height: number, maxWidth: number, maxHeight: number, min = 48): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return {
    width: Math.max(min, Math.min(maxWidth, Math.round(width * scale))),
    height: Math.max(min, Math.min(maxHeight, Math.round(height * scale))),
  };
}

/**
 * A name for a pasted image, which browsers call "image.png": "Pasted image
 * 2026-11-26 at 14.05.09.png".
 */
export function pastedName(name: string, mime: string, now: Date): string {
  if (name && name !== 'image.png' && name !== 'image.jpeg' && name !== 'image.jpg') return name;
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} at ${pad(now.getHours())}.${pad(now.getMinutes())}.${pad(now.getSeconds())}`;
  const ext = mime === 'image/jpeg' ? 'jpg' : mime === 'image/gif' ? 'gif' : mime === 'image/webp' ? 'webp' : 'png';
  return `Pasted image ${stamp}.${ext}`;
}
