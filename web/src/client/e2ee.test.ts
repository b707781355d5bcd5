// The E2ee service against a small fake of the server's MLS delivery service (epoch
// ordering, to_add, Welcomes, commits), with the real engine and store
// (fake-indexeddb): a group made by its creator, the other member joining from the
// Welcome, messages both ways, an encrypted edit, and a new device of a member added by
// the other member's next send.
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { E2ee } from './e2ee';
import type { EncryptedFile } from './e2eeView';
import { describeFile, encryptFile, FileDecryptError } from './encryptedFiles';
import { wireInfo } from './mls/engine';
import { fromBase64 } from './mls/identity';
import { ApiError } from './rest';
import * as S from './state';
import { FakeTimers } from './testing';
import type { components } from './wire.gen';
import type { RoomEvent } from './types';

type W = components['schemas'];
const ROOM = 1;

class FakeDs {
  devices: W['MlsDevice'][] = [];
  packages = new Map<number, string[]>();
  members = [1, 2];
  group: { epoch: number; leaves: W['GroupMember'][] } | null = null;
  commits: RoomEvent[] = [];
  welcomes: (W['PendingWelcome'] & { device: number })[] = [];
  events: RoomEvent[] = [];
  /** Uploaded files' bytes by id (the ciphertext, in an encrypted room). */
  files = new Map<string, Uint8Array<ArrayBuffer>>();
  /** How many times the Welcomes were listed; with `sessionEnded`, each listing is refused. */
  welcomeListings = 0;
  sessionEnded = false;
  private seq = 0;

  private event(sender: number, content: RoomEvent['content']): RoomEvent {
    this.seq += 1;
    const event = { id: this.seq, room_id: ROOM, seq: this.seq, sender_id: sender, created_at: new Date(0).toISOString(), content };
    this.events.push(event);
    return event;
  }

  private toAdd(): W['DeviceRef'][] {
    return this.devices.filter((d) => this.members.includes(d.user_id) && !this.group?.leaves.some((l) => l.device_id === d.device_id)).map((d) => ({ user_id: d.user_id, device_id: d.device_id }));
  }

  private stale(bytes: string): void {
    const info = wireInfo(fromBase64(bytes));
    if (!('epoch' in info) || Number(info.epoch) !== this.group?.epoch) throw new ApiError(409, 'mls_epoch_stale', 'stale');
  }

  rest(userId: number, deviceId: number) {
    const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
      await Promise.resolve();
      const b = body as Record<string, unknown>;
      const route = `${method} ${path.split('?')[0]}`;
      switch (route) {
        case 'PUT /mls/device':
          if (!this.devices.some((d) => d.device_id === deviceId)) this.devices.push({ user_id: userId, device_id: deviceId, signature_key: b.signature_key as string, created_at: '' });
          return {} as T;
        case 'GET /mls/key-packages':
          return { one_time: this.packages.get(deviceId)?.length ?? 0, last_resort: this.packages.has(deviceId) } as T;
        case 'POST /mls/key-packages':
          this.packages.set(deviceId, [...(this.packages.get(deviceId) ?? []), ...(b.key_packages as string[])]);
          return {} as T;
        case 'POST /mls/key-packages/claim':
          return {
            key_packages: this.devices.filter((d) => (b.user_ids as number[]).includes(d.user_id)).map((d) => ({ user_id: d.user_id, device_id: d.device_id, key_package: this.packages.get(d.device_id)?.shift() ?? '' })),
          } as T;
        case `GET /users/1/devices`:
        case `GET /users/2/devices`:
          return { devices: this.devices.filter((d) => d.user_id === Number(path.split('/')[2])) } as T;
        case `GET /rooms/${ROOM}/mls`:
          return { created: this.group !== null, epoch: this.group?.epoch ?? 0, group_id: '', members: this.group?.leaves ?? [], to_add: this.group ? this.toAdd() : [], to_remove: [] } as T;
        case `POST /rooms/${ROOM}/mls`:
          if (this.group) throw new ApiError(409, 'mls_group_exists', 'exists');
          this.group = { epoch: 0, leaves: [{ user_id: userId, device_id: deviceId, leaf_index: 0 }] };
          return {} as T;
        case `GET /rooms/${ROOM}/mls/commits`: {
          const after = Number(new URLSearchParams(path.split('?')[1]).get('after_epoch'));
          return { commits: this.commits.filter((c) => c.content.type === 'mls_commit' && c.content.epoch > after) } as T;
        }
        case `POST /rooms/${ROOM}/mls/commits`: {
          const group = this.group;
          if (!group) throw new ApiError(403, 'mls_not_in_group', 'no group');
          this.stale(b.commit as string);
          const added = b.welcome ? this.toAdd().map((d, i) => ({ ...d, leaf_index: group.leaves.length + i })) : [];
          group.leaves.push(...added);
          group.epoch += 1;
          for (const d of added) this.welcomes.push({ id: this.welcomes.length + 1, room_id: ROOM, epoch: group.epoch, welcome: b.welcome as string, created_at: '', device: d.device_id });
          this.commits.push(this.event(userId, { type: 'mls_commit', epoch: group.epoch, commit: b.commit as string, device_id: deviceId, added }));
          return {} as T;
        }
        case 'GET /mls/welcomes':
          this.welcomeListings += 1;
          if (this.sessionEnded) throw new ApiError(401, 'session_revoked', 'this session has ended; sign in again');
          return { welcomes: this.welcomes.filter((w) => w.device === deviceId) } as T;
        case `POST /rooms/${ROOM}/messages`: {
          const ciphertext = (b.body as { ciphertext: string }).ciphertext;
          this.stale(ciphertext);
          const ids = (b.attachments as string[] | undefined) ?? [];
          const attachments = ids.map((id) => ({ id, name: 'encrypted', content_type: 'application/vnd.confab.encrypted', size: this.files.get(id)?.length ?? 0 }));
          return this.event(userId, { type: 'message', client_id: b.client_id as string, body: { type: 'encrypted', ciphertext }, ...(ids.length > 0 ? { attachments } : {}) }) as T;
        }
        default:
          if (method === 'DELETE' && path.startsWith('/mls/welcomes/')) {
            this.welcomes = this.welcomes.filter((w) => w.id !== Number(path.split('/')[3]));
            return null as T;
          }
          throw new Error(`unexpected ${route}`);
      }
    };
    const blob = async (path: string): Promise<Blob> => {
      const bytes = this.files.get(decodeURIComponent(path.replace('/files/', '')));
      if (!bytes) throw new ApiError(404, 'not_found', 'no such file');
      return new Blob([bytes]);
    };
    return { call, blob, get: <T,>(path: string) => call<T>('GET', path), post: <T,>(path: string, body?: unknown) => call<T>('POST', path, body) };
  }
}

function device(ds: FakeDs, userId: number, deviceId: number) {
  let state: S.State = { ...S.emptyState, me: { id: userId } as S.State['me'] & object };
  state = { ...state, rooms: { [ROOM]: { room: { id: ROOM, encrypted: true }, timeline: [], members: null } as unknown as S.RoomState } };
  let n = 0;
  const e2ee = new E2ee({
    rest: ds.rest(userId, deviceId),
    state: () => state,
    set: (s) => (state = s),
    timers: new FakeTimers(),
    newId: () => `${deviceId}-${++n}`,
    indexedDB: new IDBFactory(),
  });
  const text = (seq: number) => {
    const entry = state.e2ee?.logs[ROOM]?.bySeq[seq];
    return entry && 'content' in entry && entry.content.type !== 'reaction' ? entry.content.text : entry && 'unreadable' in entry ? 'unreadable' : undefined;
  };
  return { e2ee, text, state: () => state };
}

const until = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

describe('E2ee', () => {
  it('creates the group, the member joins from the Welcome, and they read each other', { timeout: 30_000 }, async () => {
    const ds = new FakeDs();
    const alice = device(ds, 1, 11);
    const bob = device(ds, 2, 21);
    alice.e2ee.start(1, 11);
    bob.e2ee.start(2, 21);
    await until(() => expect(ds.packages.get(11)?.length).toBe(20));
    await until(() => expect(ds.packages.get(21)?.length).toBe(20));

    await alice.e2ee.createGroup(ROOM);
    expect(ds.group?.leaves.map((l) => l.device_id)).toEqual([11, 21]);
    expect(ds.welcomes).toHaveLength(1);
    for (const e of ds.events) bob.e2ee.onEvent(e);
    await until(() => expect(ds.welcomes).toHaveLength(0));

    await alice.e2ee.send(ROOM, { type: 'text', text: 'hello bob' }, 'a1');
    const first = ds.events[ds.events.length - 1] as RoomEvent;
    expect(JSON.stringify(first)).not.toContain('hello bob');
    bob.e2ee.onEvent(first);
    await until(() => expect(bob.text(first.seq)).toBe('hello bob'));

    await bob.e2ee.send(ROOM, { type: 'text', text: 'hi alice', reply_to: first.seq }, 'b1');
    const reply = ds.events[ds.events.length - 1] as RoomEvent;
    alice.e2ee.onEvent(reply);
    await until(() => expect(alice.text(reply.seq)).toBe('hi alice'));
    // Alice's own message: kept by client_id, since MLS cannot decrypt it for her.
    expect(alice.state().e2ee?.logs[ROOM]?.own.a1).toEqual({ type: 'text', text: 'hello bob' });

    // An edit travels as an encrypted content of its own.
    await bob.e2ee.send(ROOM, { type: 'edit', target_seq: reply.seq, text: 'hi alice!' }, 'b2');
    const edit = ds.events[ds.events.length - 1] as RoomEvent;
    alice.e2ee.onEvent(edit);
    await until(() => expect(alice.text(edit.seq)).toBe('hi alice!'));

    // Bob's new device: Alice's next send adds it first; it reads that message, not the older ones.
    const bob2 = device(ds, 2, 22);
    bob2.e2ee.start(2, 22);
    await until(() => expect(ds.packages.get(22)?.length).toBe(20));
    await alice.e2ee.send(ROOM, { type: 'text', text: 'hello new device' }, 'a2');
    expect(ds.group?.leaves.map((l) => l.device_id)).toEqual([11, 21, 22]);
    for (const e of ds.events) bob2.e2ee.onEvent(e);
    const latest = ds.events[ds.events.length - 1] as RoomEvent;
    await until(() => expect(bob2.text(latest.seq)).toBe('hello new device'));
    expect(bob2.text(first.seq)).toBe('unreadable');

    // `mls_key_packages_low` tops up this session's stock only.
    const stock = ds.packages.get(11)?.length ?? 0;
    alice.e2ee.onKeyPackagesLow(99);
    alice.e2ee.onKeyPackagesLow(11);
    await until(() => expect(ds.packages.get(11)?.length).toBe(stock + 20));
    for (const d of [alice, bob, bob2]) d.e2ee.stop();
  });

  it('starts without an error when the session ends before its invitations are listed', async () => {
    const ds = new FakeDs();
    ds.sessionEnded = true;
    const alice = device(ds, 1, 11);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      alice.e2ee.start(1, 11);
      await until(() => expect(ds.welcomeListings).toBe(1));
      await new Promise((resolve) => setTimeout(resolve, 0));
      // Signing out is not a failure to report (an unhandled rejection fails the run).
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      alice.e2ee.stop();
    }
  });

  it('sends a file’s key inside the message and its id as an attachment; the member decrypts it', { timeout: 30_000 }, async () => {
    const ds = new FakeDs();
    const alice = device(ds, 1, 11);
    const bob = device(ds, 2, 21);
    alice.e2ee.start(1, 11);
    bob.e2ee.start(2, 21);
    await until(() => expect(ds.packages.get(21)?.length).toBe(20));
    await alice.e2ee.createGroup(ROOM);
    for (const e of ds.events) bob.e2ee.onEvent(e);
    await until(() => expect(ds.welcomes).toHaveLength(0));

    const plaintext = new TextEncoder().encode('the minutes of the meeting');
    const sealed = await encryptFile(new Blob([plaintext]));
    ds.files.set('f1', sealed.ciphertext);
    const file = describeFile('f1', { name: 'minutes.txt', contentType: 'text/plain', size: plaintext.length }, sealed);
    await alice.e2ee.send(ROOM, { type: 'text', text: 'minutes attached', attachments: [file] }, 'a1');
    const sent = ds.events[ds.events.length - 1] as RoomEvent;
    // The server is told the file's id (so that members may download it), never its key or name.
    expect(sent.content.type === 'message' && sent.content.attachments?.map((f) => f.id)).toEqual(['f1']);
    expect(JSON.stringify(sent)).not.toContain(file.key);
    expect(JSON.stringify(sent)).not.toContain('minutes.txt');

    bob.e2ee.onEvent(sent);
    await until(() => expect(bob.text(sent.seq)).toBe('minutes attached'));
    const entry = bob.state().e2ee?.logs[ROOM]?.bySeq[sent.seq];
    const received = entry && 'content' in entry && entry.content.type === 'text' ? entry.content.attachments : undefined;
    expect(received).toEqual([file]);
    const opened = await bob.e2ee.files.blob((received as EncryptedFile[])[0] as EncryptedFile);
    expect(new Uint8Array(await opened.arrayBuffer())).toEqual(plaintext);
    expect(opened.type).toBe('text/plain');

    // A changed byte fails the tag check: an error, never bytes.
    const tampered = sealed.ciphertext.slice();
    tampered[0] = (tampered[0] as number) ^ 1;
    ds.files.set('f1', tampered);
    await expect(bob.e2ee.files.blob(file)).rejects.toBeInstanceOf(FileDecryptError);
    alice.e2ee.stop();
    bob.e2ee.stop();
  });
});
