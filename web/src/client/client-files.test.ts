import { describe, expect, it, vi } from 'vitest';
import { decryptFile } from './encryptedFiles';
import { ChatClient } from './client';
import { NetworkError } from './rest';
import { UploadAborted, type UploadRequest } from './files';
import { applyEvent, emptyState, mergeHistory, setRooms } from './state';
import { FakeSocket, FakeTimers, MemoryStorage, settle } from './testing';
import type { AuthTokens, FileInfo, Profile, RoomEvent, RoomSummary } from './types';

const me: Profile = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };

function tokens(n: number, expiresAt: number): AuthTokens {
  return { session_id: 7, access_token: `access-${n}`, access_token_expires_at: new Date(expiresAt).toISOString(), refresh_token: `cfr_${n}`, refresh_token_expires_at: new Date(expiresAt + 86_400_000).toISOString() };
}

const room: RoomSummary = {
  room: { id: 9, kind: 'direct', name: '', topic: '', encrypted: false, created_by: 1, created_at: '2026-11-25T09:00:00Z', last_seq: 3, last_activity_at: '2026-11-25T09:00:00Z', member_count: 2 },
  my_role: 'member',
  peer: 2,
  unread_count: 0,
  mention_count: 0,
  read_seq: 3,
};

const fileInfo = (id: string, name: string): FileInfo => ({ id, name, size: 4, content_type: 'application/pdf' });

/** One upload the test answers by hand. */
interface FakeUpload {
  request: UploadRequest;
  aborted: boolean;
  answer(status: number, body: unknown): void;
  fail(): void;
}

function setup(encrypted = false) {
  const timers = new FakeTimers();
  const storage = new MemoryStorage();
  storage.setItem('confab.session', JSON.stringify({ tokens: tokens(1, timers.time + 15 * 60_000), user: me }));
  const sockets: FakeSocket[] = [];
  const uploads: FakeUpload[] = [];
  const fetched: { path: string; auth: string | null }[] = [];
  const objectUrls = { made: 0, revoked: [] as string[] };
  let refreshes = 0;
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const path = url.replace('/api/v1', '');
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    if (path === '/rooms') return json({ rooms: [{ ...room, room: { ...room.room, encrypted } }] });
    if (path === '/users/me') return json(me);
    if (path === '/invitations') return json({ invitations: [] });
    if (path === '/blocks') return json({ blocked: [] });
    if (path.startsWith('/presence')) return json({ users: [] });
    if (path.startsWith('/users?ids=')) return json({ users: [] });
    if (path === '/auth/refresh') {
      refreshes += 1;
      return json(tokens(refreshes + 1, timers.time + 15 * 60_000));
    }
    if (path.startsWith('/files/')) {
      fetched.push({ path, auth: new Headers(init?.headers).get('Authorization') });
      return new Response(new Blob(['bytes']), { status: 200 });
    }
    return json({ error: { code: 'not_found', message: 'no such resource' } }, 404);
  };
  let ids = 0;
  const client = new ChatClient({
    fetch,
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    socketUrl: 'ws://test/api/v1/ws',
    storage,
    timers,
    random: () => 0.5,
    newId: () => `id-${++ids}`,
    upload: (request) => {
      let resolve!: (r: { status: number; body: string }) => void;
      let reject!: (e: Error) => void;
      const response = new Promise<{ status: number; body: string }>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const upload: FakeUpload = {
        request,
        aborted: false,
        answer: (status, body) => resolve({ status, body: JSON.stringify(body) }),
        fail: () => reject(new NetworkError()),
      };
      uploads.push(upload);
      return {
        response,
        abort: () => {
          upload.aborted = true;
          reject(new UploadAborted());
        },
      };
    },
    objectUrls: { create: () => `blob:${++objectUrls.made}`, revoke: (url) => objectUrls.revoked.push(url) },
  });
  return { client, timers, storage, sockets, uploads, fetched, objectUrls, socket: () => sockets.at(-1)!, refreshes: () => refreshes };
}

async function connect(t: ReturnType<typeof setup>) {
  t.client.start();
  t.socket().open();
  t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 100 });
  await settle();
}

const blob = (size: number, type = 'application/pdf') => new Blob([new Uint8Array(size)], { type });

describe('ChatClient: files in the composer', () => {
  it('uploads each file at once with its own client_id and shows its progress', async () => {
    const t = setup();
    await connect(t);
    expect(t.client.addFiles(9, [{ name: 'Q4 report.pdf', blob: blob(1000) }, { name: 'photo.png', blob: blob(500, 'image/png') }])).toBe(0);
    await settle();
    expect(t.uploads).toHaveLength(2);
    const [first] = t.uploads;
    expect(first!.request.url).toBe('/api/v1/files?name=Q4%20report.pdf&client_id=id-1');
    expect(first!.request.headers).toMatchObject({ Authorization: 'Bearer access-1', 'Content-Type': 'application/octet-stream' });
    expect(t.client.getState().uploads.map((u) => [u.id, u.status, u.loaded])).toEqual([
      ['id-1', 'uploading', 0],
      ['id-2', 'uploading', 0],
    ]);

    first!.request.onProgress(250);
    expect(t.client.getState().uploads[0]!.loaded).toBe(250);
    // Reports closer than 100 ms apart are folded, except the last one.
    first!.request.onProgress(300);
    expect(t.client.getState().uploads[0]!.loaded).toBe(250);
    t.timers.advance(100);
    first!.request.onProgress(600);
    expect(t.client.getState().uploads[0]!.loaded).toBe(600);
    first!.request.onProgress(1000);
    expect(t.client.getState().uploads[0]!.loaded).toBe(1000);

    first!.answer(201, fileInfo('f1', 'Q4 report.pdf'));
    await settle();
    expect(t.client.getState().uploads[0]).toMatchObject({ status: 'done', file: { id: 'f1' } });
  });

  it('sends only once every file is uploaded, carrying their ids, and empties the composer', async () => {
    const t = setup();
    await connect(t);
    t.client.addFiles(9, [{ name: 'a.pdf', blob: blob(10) }, { name: 'b.pdf', blob: blob(10) }]);
    await settle();
    t.uploads[0]!.answer(201, fileInfo('f1', 'a.pdf'));
    await settle();
    // One is still uploading: nothing is sent.
    expect(t.client.sendWithFiles(9, 'both files')).toBe(false);
    expect(t.socket().last('send')).toBeUndefined();
    t.uploads[1]!.answer(201, fileInfo('f2', 'b.pdf'));
    await settle();
    expect(t.client.sendWithFiles(9, '', 2)).toBe(true);
    expect(t.socket().last('send')).toMatchObject({ room_id: 9, client_id: 'id-3', body: { type: 'text', text: '' }, attachments: ['f1', 'f2'], reply_to: 2 });
    expect(t.client.getState().uploads).toEqual([]);
    expect(t.client.getState().pending[0]!.attachments!.map((f) => f.id)).toEqual(['f1', 'f2']);
    // Nothing to send: no message.
    expect(t.client.sendWithFiles(9, '   ')).toBe(false);
  });

  it('keeps a message with uploaded files in the outbox while offline, and sends it after the reconnect', async () => {
    const t = setup();
    await connect(t);
    t.client.addFiles(9, [{ name: 'a.pdf', blob: blob(10) }]);
    await settle();
    t.uploads[0]!.answer(201, fileInfo('f1', 'a.pdf'));
    await settle();
    t.socket().drop(1006);
    await settle();
    expect(t.client.sendWithFiles(9, 'from the train')).toBe(true);
    expect(t.storage.getItem('confab.outbox.1')).toContain('"f1"');
    t.timers.advance(1_000);
    t.socket().open();
    t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 100 });
    await settle();
    expect(t.socket().last('send')).toMatchObject({ client_id: 'id-2', attachments: ['f1'] });
  });

  it('shows why an upload was refused, and does not offer to retry what cannot work', async () => {
    const t = setup();
    await connect(t);
    t.client.addFiles(9, [{ name: 'huge.iso', blob: blob(10) }, { name: 'broken.png', blob: blob(10, 'image/png') }]);
    await settle();
    t.uploads[0]!.answer(413, { error: { code: 'payload_too_large', message: 'a file has at most 104857600 bytes' } });
    t.uploads[1]!.answer(400, { error: { code: 'invalid_input', message: 'the image cannot be read', field: 'file' } });
    await settle();
    expect(t.client.getState().uploads.map((u) => u.error)).toEqual([
      { reason: 'too_large', text: 'too large (max 100 MB)', retry: false },
      { reason: 'unreadable', text: 'this image can’t be read', retry: false },
    ]);
    expect(t.client.sendWithFiles(9, 'hello')).toBe(false);
    t.client.removeUpload('id-1');
    t.client.removeUpload('id-2');
    expect(t.client.sendWithFiles(9, 'hello')).toBe(true);
  });

  it('retries a failed upload with the same client_id, and by itself when the connection is back', async () => {
    const t = setup();
    await connect(t);
    t.client.addFiles(9, [{ name: 'a.pdf', blob: blob(10) }]);
    await settle();
    t.uploads[0]!.fail();
    await settle();
    expect(t.client.getState().uploads[0]).toMatchObject({ status: 'failed', error: { reason: 'network', retry: true } });
    t.client.retryUpload('id-1');
    await settle();
    expect(t.uploads[1]!.request.url).toContain('client_id=id-1');
    t.uploads[1]!.fail();
    await settle();

    // The socket drops and comes back: network failures go again.
    t.socket().drop(1006);
    await settle();
    t.timers.advance(1_000);
    t.socket().open();
    t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 100 });
    await settle();
    expect(t.uploads).toHaveLength(3);
    expect(t.uploads[2]!.request.url).toContain('client_id=id-1');
    // The server had the first copy after all: it answers it (200), stored once.
    t.uploads[2]!.answer(200, fileInfo('f1', 'a.pdf'));
    await settle();
    expect(t.client.getState().uploads[0]).toMatchObject({ status: 'done', file: { id: 'f1' } });
  });

  it('in an encrypted room, uploads each file encrypted (the same bytes on retry) and keeps its key out of storage', async () => {
    const t = setup(true);
    await connect(t);
    const plaintext = new TextEncoder().encode('%PDF-1.7 secret plans');
    t.client.addFiles(9, [{ name: 'Secret plans.pdf', blob: new Blob([plaintext], { type: 'application/pdf' }) }]);
    await vi.waitFor(() => expect(t.uploads).toHaveLength(1));
    const first = t.uploads[0]!;
    // Neither the name nor the bytes reach the server.
    expect(first.request.url).toBe('/api/v1/files?name=encrypted&client_id=id-1&encrypted=true');
    const sent = new Uint8Array(await first.request.body.arrayBuffer());
    expect(sent).toHaveLength(plaintext.length + 16);
    expect(new TextDecoder().decode(sent)).not.toContain('secret plans');
    first.fail();
    await settle();
    t.client.retryUpload('id-1');
    await vi.waitFor(() => expect(t.uploads).toHaveLength(2));
    expect(new Uint8Array(await t.uploads[1]!.request.body.arrayBuffer())).toEqual(sent);
    t.uploads[1]!.answer(201, { id: 'f1', name: 'encrypted', size: sent.length, content_type: 'application/vnd.confab.encrypted' });
    await settle();
    // Shown, and sent, as the message will describe it: its own name, type and size, and its key.
    const file = t.client.getState().uploads[0]!.file!;
    expect(file).toMatchObject({ id: 'f1', name: 'Secret plans.pdf', content_type: 'application/pdf', size: plaintext.length });
    expect(file.encrypted).toMatchObject({ file_id: 'f1', name: 'Secret plans.pdf', content_type: 'application/pdf', size: plaintext.length });
    expect(await decryptFile(sent, file.encrypted!)).toEqual(plaintext);

    expect(t.client.sendWithFiles(9, 'the plans')).toBe(true);
    expect(t.client.getState().pending[0]!.attachments![0]!.encrypted?.key).toBe(file.encrypted!.key);
    await settle();
    expect(t.storage.getItem('confab.outbox.1') ?? '').not.toContain(file.encrypted!.key);
  });

  it('refreshes an expired token and uploads again once', async () => {
    const t = setup();
    await connect(t);
    t.client.addFiles(9, [{ name: 'a.pdf', blob: blob(10) }]);
    await settle();
    t.uploads[0]!.answer(401, { error: { code: 'token_expired', message: 'expired' } });
    await settle();
    expect(t.refreshes()).toBe(1);
    expect(t.uploads[1]!.request.headers.Authorization).toBe('Bearer access-2');
    expect(t.uploads[1]!.request.url).toContain('client_id=id-1');
  });

  it('cancels an upload that is removed, and takes at most 10 files per message', async () => {
    const t = setup();
    await connect(t);
    t.client.addFiles(9, [{ name: 'a.pdf', blob: blob(10) }]);
    await settle();
    t.client.removeUpload('id-1');
    await settle();
    expect(t.uploads[0]!.aborted).toBe(true);
    expect(t.client.getState().uploads).toEqual([]);

    const many = Array.from({ length: 12 }, (_, i) => ({ name: `${i}.pdf`, blob: blob(1) }));
    expect(t.client.addFiles(9, many)).toBe(2);
    expect(t.client.getState().uploads).toHaveLength(10);
    // Another room has its own composer.
    expect(t.client.addFiles(12, many.slice(0, 1))).toBe(0);
  });
});

describe('ChatClient: showing files', () => {
  it('fetches a thumbnail with the token once and shares its object URL', async () => {
    const t = setup();
    await connect(t);
    const a = t.client.showFile('f1', 'thumbnail');
    const b = t.client.showFile('f1', 'thumbnail');
    expect(await a.url).toBe('blob:1');
    expect(await b.url).toBe('blob:1');
    expect(t.fetched).toEqual([{ path: '/files/f1/thumbnail', auth: 'Bearer access-1' }]);
    expect(t.client.shownFile('f1', 'thumbnail')).toBe('blob:1');
    // Full images and avatars are the whole file.
    await t.client.showFile('f1', 'full').url;
    await t.client.showFile('a9', 'avatar').url;
    expect(t.fetched.map((f) => f.path)).toEqual(['/files/f1/thumbnail', '/files/f1', '/files/a9']);
  });

  it('revokes every object URL and cancels uploads at sign-out', async () => {
    const t = setup();
    await connect(t);
    await t.client.showFile('f1', 'thumbnail').url;
    t.client.addFiles(9, [{ name: 'a.pdf', blob: blob(10) }]);
    await settle();
    t.client.tokens.clear();
    expect(t.objectUrls.revoked).toEqual(['blob:1']);
    expect(t.uploads[0]!.aborted).toBe(true);
    expect(t.client.getState().uploads).toEqual([]);
  });
});

describe('attachments in the state', () => {
  const event = (seq: number, content: RoomEvent['content']): RoomEvent => ({ id: 100 + seq, room_id: 9, seq, sender_id: 2, created_at: '2026-11-25T10:00:00Z', content });

  it('keeps a message’s files through an edit, and drops them with the message', () => {
    let s = setRooms({ ...emptyState, me }, [room]);
    s = mergeHistory(s, 9, [], false, false);
    [s] = applyEvent(s, event(4, { type: 'message', client_id: 'c', body: { type: 'text', text: '' }, attachments: [fileInfo('f1', 'a.pdf')] }));
    [s] = applyEvent(s, event(5, { type: 'message_edited', target_seq: 4, body: { type: 'text', text: 'caption' } }));
    const edited = s.rooms[9]!.timeline![0]!.content;
    expect(edited).toMatchObject({ body: { text: 'caption' }, attachments: [{ id: 'f1' }] });
    [s] = applyEvent(s, event(6, { type: 'message_deleted', target_seq: 4 }));
    const deleted = s.rooms[9]!.timeline![0]!.content;
    expect(deleted.type === 'message' && deleted.attachments).toBeUndefined();
    expect(s.rooms[9]!.lastMessage!.content).not.toHaveProperty('attachments');
  });

  it('follows a group’s photo from room_avatar_changed events', () => {
    let s = setRooms({ ...emptyState, me }, [{ ...room, room: { ...room.room, kind: 'group', name: 'Crew' }, peer: undefined }]);
    s = mergeHistory(s, 9, [], false, false);
    [s] = applyEvent(s, event(4, { type: 'room_avatar_changed', avatar_file_id: 'av1' }));
    expect(s.rooms[9]!.room.avatar_file_id).toBe('av1');
    expect(s.rooms[9]!.timeline!.map((e) => e.content.type)).toEqual(['room_avatar_changed']);
    [s] = applyEvent(s, event(5, { type: 'room_avatar_changed' }));
    expect(s.rooms[9]!.room).not.toHaveProperty('avatar_file_id');
  });
});
