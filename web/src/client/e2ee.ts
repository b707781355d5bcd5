// E2ee: end-to-end encryption (MLS) for the signed-in session, mirroring the Rust
// client (crates/confab-client/src/e2ee/). The engine (mls/engine.ts, the only
// user of ts-mls) and the encrypted store (mls/store.ts) are loaded lazily with
// `import()`, so ts-mls is not in the main bundle.
//
// - Device: at `ready`, this session's device (user_id + session_id) is created once
//   and kept in a store of its own (`confab-mls-{user}-{session}`), its key is
//   registered (`PUT /mls/device`, idempotent) and key packages are uploaded (20 +
//   last resort) when the stock is low, and again on `mls_key_packages_low`.
// - Groups: `createGroup` right after I create an encrypted room (this device is leaf
//   0), then the members' devices are added. Welcomes are joined at start and when an
//   `mls_commit` event adds this device.
// - Everything about one room runs in order under `withGroupLock` (one tab at a time):
//   commits (caught up from `GET /rooms/{id}/mls/commits`), decryption of messages in
//   log order, sends, member sync. States and decrypted contents are saved in the
//   store before they are shown; a message's plaintext can be decrypted once only,
//   so each room's decrypted log is kept (`data:log:{room}`), and this device's own
//   sent contents (MLS cannot decrypt one's own messages) by client_id.
// - syncMembers: leaves due (`to_remove`) are removed, then missing devices (`to_add`)
//   added; any member's device does it (before sends and every few seconds for the
//   open room), and the server's epoch ordering settles races (409 `mls_epoch_stale`:
//   catch up, retry).
// - Files (encryptedFiles.ts): a text content's `attachments` carry each file's key;
//   `send` lists their ids in the message's `attachments` so that members may download
//   the ciphertext; `files` decrypts them for the screen, in memory only.
// - Verification: safety numbers (e2eeView.ts), "verified" kept in the store with the
//   device keys verified; when they change, the user is listed in `changed`.

import type { Device, Group, MlsEngine } from './mls/engine';
import type { MlsStore } from './mls/store';
import { withGroupLock } from './mls/locks';
import { EncryptedFiles } from './encryptedFiles';
import { browserObjectUrls, type ObjectUrls } from './media';
import { fromBase64, toBase64 } from './mls/identity';
import { ApiError, isSignedOutError, type Rest, type Timers } from './rest';
import { emptyLog, emptyView, encodeContent, entryOf, parseContent, safetyNumber, sameKeys, type E2eeView, type EncryptedContent, type LogEntry, type RoomLog } from './e2eeView';
import type * as S from './state';
import type { components } from './wire.gen';
import type { RoomEvent, RoomId, Seq, SessionId, UserId } from './types';

type W = components['schemas'];

/** One-time key packages uploaded at a time, and the stock under which more are. */
export const KEY_PACKAGE_BATCH = 20;
const KEY_PACKAGE_LOW = 5;
const RETRIES = 5;
/** Seconds a send waits for this device to be added to a group another device made. */
const WELCOME_WAIT_TRIES = 20;
/** How often the open encrypted room's group is brought in line with its members. */
export const SYNC_INTERVAL_MS = 10_000;
/** How long a user's device list is trusted for checking leaves. */
const DEVICE_CACHE_MS = 2_000;

interface Modules {
  engine: typeof import('./mls/engine');
  store: typeof import('./mls/store');
}

export interface E2eeDeps {
  rest: Pick<Rest, 'get' | 'post' | 'call' | 'blob'>;
  state: () => S.State;
  set: (state: S.State) => void;
  timers: Timers;
  newId: () => string;
  /** Loads the engine and store (tests pass their own); default a dynamic import. */
  modules?: () => Promise<Modules>;
  indexedDB?: IDBFactory;
  /** Object URLs for decrypted files (the browser's `URL` unless given). */
  objectUrls?: ObjectUrls;
}

interface Context {
  readonly engine: MlsEngine;
  readonly store: MlsStore;
  readonly device: Device;
  readonly wireInfo: Modules['engine']['wireInfo'];
  readonly userId: UserId;
  readonly deviceId: SessionId;
}

const loadModules = async (): Promise<Modules> => {
  const [engine, store] = await Promise.all([import('./mls/engine'), import('./mls/store')]);
  return { engine, store };
};

function isCode(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code;
}

function encryptedCiphertext(event: RoomEvent): string | undefined {
  const c = event.content;
  return c.type === 'message' && c.body?.type === 'encrypted' ? c.body.ciphertext : undefined;
}

export class E2ee {
  private context: Promise<Context> | null = null;
  private sessionKey = '';
  private readonly queued = new Set<string>();
  private readonly devices = new Map<UserId, { at: number; list: W['MlsDevice'][] }>();
  private active: RoomId | null = null;
  private tick: unknown = null;
  private scanDue = false;
  private storeName = '';

  /** The files of encrypted messages, decrypted for the screen (in memory only). */
  readonly files: EncryptedFiles;

  constructor(private readonly deps: E2eeDeps) {
    this.files = new EncryptedFiles((id) => deps.rest.blob(`/files/${encodeURIComponent(id)}`), deps.objectUrls ?? browserObjectUrls);
  }

  // ---- the view (client state) ----

  private get view(): E2eeView {
    return this.deps.state().e2ee ?? emptyView;
  }

  private setView(change: (view: E2eeView) => E2eeView): void {
    const state = this.deps.state();
    this.deps.set({ ...state, e2ee: change(state.e2ee ?? emptyView) });
  }

  // ---- lifecycle ----

  /** At `ready`: sets up this session's device (once per session). */
  start(userId: UserId, deviceId: SessionId): void {
    const key = `${userId}:${deviceId}`;
    if (this.sessionKey === key && this.context) return;
    this.stop();
    this.sessionKey = key;
    const context = this.setup(userId, deviceId);
    this.context = context;
    context.then(
      () => {
        void this.joinAll();
        this.noteState();
      },
      (error: unknown) => {
        console.error('end-to-end encryption unavailable', error);
        this.setView((v) => ({ ...v, error: 'End-to-end encryption is not available in this browser.' }));
      },
    );
    this.tick ??= this.deps.timers.setTimeout(() => this.onTick(), SYNC_INTERVAL_MS);
  }

  /** At sign-out, before `stop`: deletes this session's MLS store (its device ended with it). */
  forget(): void {
    const name = this.storeName;
    const context = this.context;
    const factory = this.deps.indexedDB ?? globalThis.indexedDB;
    if (!name || !factory) return;
    void (context ?? Promise.reject(new Error('no store')))
      .then((c) => c.store.close())
      .catch(() => undefined)
      .then(() => factory.deleteDatabase(name));
  }

  /** At sign-out (and a change of session). */
  stop(): void {
    const context = this.context;
    this.context = null;
    this.sessionKey = '';
    this.queued.clear();
    this.devices.clear();
    this.files.clear();
    if (this.tick !== null) this.deps.timers.clearTimeout(this.tick);
    this.tick = null;
    void context?.then((c) => c.store.close()).catch(() => undefined);
  }

  private async setup(userId: UserId, deviceId: SessionId): Promise<Context> {
    const modules = await (this.deps.modules ?? loadModules)();
    const engine = modules.engine.createMlsEngine({ deviceKey: (u, d) => this.deviceKey(u, d) });
    this.storeName = `confab-mls-${userId}-${deviceId}`;
    const store = await modules.store.openMlsStore(engine, { name: this.storeName, indexedDB: this.deps.indexedDB });
    let device = await store.getDevice();
    if (!device) {
      device = await engine.createDevice(userId, deviceId);
      await store.putDevice(device);
    }
    await this.deps.rest.call('PUT', '/mls/device', { signature_key: toBase64(device.signaturePublicKey) });
    const context: Context = { engine, store, device, wireInfo: modules.engine.wireInfo, userId, deviceId };
    const stock = await this.deps.rest.get<W['KeyPackageStock']>('/mls/key-packages');
    if (stock.one_time < KEY_PACKAGE_LOW || !stock.last_resort) await this.uploadKeyPackages(context);
    const verified = (await store.getData<Record<UserId, string[]>>('verified')) ?? {};
    this.setView((v) => ({ ...v, verified, error: undefined }));
    return context;
  }

  private async uploadKeyPackages(c: Context): Promise<void> {
    const { packages, secrets } = await c.engine.keyPackages(c.device, KEY_PACKAGE_BATCH);
    // The private halves are saved before the server can hand the packages out.
    await c.store.putKeyPackageSecrets([...(await c.store.getKeyPackageSecrets()), ...secrets]);
    const lastResort = packages[packages.length - 1] as Uint8Array;
    await this.deps.rest.post('/mls/key-packages', { key_packages: packages.slice(0, -1).map(toBase64), last_resort: toBase64(lastResort) });
  }

  /** The `mls_key_packages_low` frame: tops up when it is about this session. */
  onKeyPackagesLow(deviceId: SessionId): void {
    void this.context?.then((c) => (c.deviceId === deviceId ? this.uploadKeyPackages(c) : undefined)).catch((e: unknown) => console.error('key package upload failed', e));
  }

  /** The signature key the server registered for a device (the engine's authentication service). */
  private async deviceKey(userId: UserId, deviceId: SessionId): Promise<Uint8Array | undefined> {
    let list = await this.userDevices(userId, false);
    if (!list.some((d) => d.device_id === deviceId)) list = await this.userDevices(userId, true);
    const found = list.find((d) => d.device_id === deviceId);
    return found && fromBase64(found.signature_key);
  }

  private async userDevices(userId: UserId, fresh: boolean): Promise<W['MlsDevice'][]> {
    const cached = this.devices.get(userId);
    if (!fresh && cached && this.deps.timers.now() - cached.at < DEVICE_CACHE_MS) return cached.list;
    const { devices } = await this.deps.rest.get<W['MlsDeviceList']>(`/users/${userId}/devices`);
    this.devices.set(userId, { at: this.deps.timers.now(), list: devices });
    return devices;
  }

  // ---- per-room work, in order ----

  /** Runs `fn` for a room after everything queued for it, holding its group lock. */
  private task<T>(roomId: RoomId, fn: (c: Context) => Promise<T>): Promise<T> {
    const context = this.context;
    if (!context) return Promise.reject(new Error('end-to-end encryption is not set up'));
    return withGroupLock(roomId, async () => fn(await context));
  }

  private background(roomId: RoomId, what: string, fn: (c: Context) => Promise<unknown>): void {
    this.task(roomId, fn).catch((error: unknown) => console.error(`e2ee: ${what} in room ${roomId} failed`, error));
  }

  /** An event of the log, live or replayed, in order. */
  onEvent(event: RoomEvent): void {
    if (!this.context) return;
    const c = event.content;
    if (c.type === 'mls_commit') {
      const addsMe = (c.added ?? []).some((m) => m.user_id === this.deps.state().me?.id);
      this.background(event.room_id, 'a commit', (ctx) => this.onCommitEvent(ctx, event.room_id, c.epoch, addsMe));
    } else if (encryptedCiphertext(event) !== undefined) this.queueDecrypt(event);
    else if ((c.type === 'member_added' || c.type === 'member_left' || c.type === 'member_removed') && this.deps.state().rooms[event.room_id]?.room.encrypted) {
      // Someone joined or left: their devices are to be added or removed (by any member's device).
      this.syncRoom(event.room_id);
    }
  }

  /** The state changed: encrypted messages loaded from history get decrypted (soon, once). */
  noteState(): void {
    if (this.scanDue || !this.context) return;
    this.scanDue = true;
    queueMicrotask(() => {
      this.scanDue = false;
      for (const room of Object.values(this.deps.state().rooms)) {
        if (!room.room.encrypted) continue;
        const events = [...(room.timeline ?? []), ...(room.lastMessage ? [room.lastMessage] : [])].sort((a, b) => a.seq - b.seq);
        for (const event of events) if (encryptedCiphertext(event) !== undefined) this.queueDecrypt(event);
      }
    });
  }

  private queueDecrypt(event: RoomEvent): void {
    const key = `${event.room_id}:${event.seq}`;
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.background(event.room_id, 'decryption', (ctx) => this.decrypt(ctx, event));
  }

  /** The open room: its group is kept in line with its members while it is open. */
  setActive(roomId: RoomId | null): void {
    this.active = roomId;
    if (roomId !== null && this.deps.state().rooms[roomId]?.room.encrypted) this.syncRoom(roomId);
  }

  private onTick(): void {
    this.tick = this.deps.timers.setTimeout(() => this.onTick(), SYNC_INTERVAL_MS);
    const roomId = this.active;
    if (roomId !== null && this.context && this.deps.state().rooms[roomId]?.room.encrypted) this.syncRoom(roomId);
  }

  private syncRoom(roomId: RoomId): void {
    this.background(roomId, 'member sync', (c) => this.syncMembers(c, roomId));
    void this.checkDevices(this.roomUsers(roomId));
  }

  private roomUsers(roomId: RoomId): UserId[] {
    const room = this.deps.state().rooms[roomId];
    const me = this.deps.state().me?.id;
    const ids = room?.members?.map((m) => m.user_id) ?? (room?.peer !== undefined ? [room.peer] : []);
    return ids.filter((id) => id !== me);
  }

  // ---- logs ----

  /**
   * A room's log as saved (read under the room's lock: another tab of this session
   * may have decrypted messages meanwhile, and a message decrypts once only).
   */
  private async loadLog(c: Context, roomId: RoomId): Promise<RoomLog> {
    const log = (await c.store.getData<RoomLog>(`log:${roomId}`)) ?? emptyLog;
    const shown = this.view.logs[roomId];
    if (!shown || Object.keys(shown.bySeq).length !== Object.keys(log.bySeq).length || Object.keys(shown.own).length !== Object.keys(log.own).length)
      this.setView((v) => ({ ...v, logs: { ...v.logs, [roomId]: log } }));
    return log;
  }

  /** Saves a room's log, then shows it. */
  private async saveLog(c: Context, roomId: RoomId, log: RoomLog): Promise<void> {
    await c.store.putData(`log:${roomId}`, log);
    this.setView((v) => ({ ...v, logs: { ...v.logs, [roomId]: log } }));
  }

  private async record(c: Context, roomId: RoomId, seq: Seq, entry: LogEntry): Promise<void> {
    const log = await this.loadLog(c, roomId);
    await this.saveLog(c, roomId, { ...log, bySeq: { ...log.bySeq, [seq]: entry } });
  }

  // ---- groups ----

  /** After I created an encrypted room: makes its group and adds the members' devices. */
  createGroup(roomId: RoomId): Promise<void> {
    return this.task(roomId, async (c) => {
      if (await c.store.get(roomId)) return;
      const state = await this.deps.rest.get<W['GroupState']>(`/rooms/${roomId}/mls`);
      if (state.created) {
        await this.joinWelcomes(c, roomId);
        return;
      }
      await this.create(c, roomId);
      await this.syncMembers(c, roomId);
    });
  }

  private async create(c: Context, roomId: RoomId): Promise<boolean> {
    const group = await c.engine.createGroup(c.device, roomId);
    try {
      await this.deps.rest.post(`/rooms/${roomId}/mls`);
    } catch (error) {
      if (isCode(error, 'mls_group_exists')) {
        await this.joinWelcomes(c, roomId);
        return false;
      }
      throw error;
    }
    await c.store.put(roomId, group);
    return true;
  }

  /** Joins every group this device was added to. */
  async joinAll(): Promise<void> {
    if (!this.context) return;
    let welcomes: W['WelcomeList']['welcomes'];
    try {
      ({ welcomes } = await this.deps.rest.get<W['WelcomeList']>('/mls/welcomes'));
    } catch (error) {
      // Signed out meanwhile: nothing to join. Otherwise the next start lists them again.
      if (!isSignedOutError(error)) console.error('e2ee: listing invitations to encrypted groups failed', error);
      return;
    }
    for (const roomId of new Set(welcomes.map((w) => w.room_id))) this.background(roomId, 'joining', (c) => this.joinWelcomes(c, roomId));
  }

  private async joinWelcomes(c: Context, roomId: RoomId): Promise<void> {
    const { welcomes } = await this.deps.rest.get<W['WelcomeList']>('/mls/welcomes');
    for (const welcome of welcomes.filter((w) => w.room_id === roomId)) {
      const current = await c.store.get(roomId);
      if (!current || c.engine.epoch(current) < BigInt(welcome.epoch)) {
        const secrets = await c.store.getKeyPackageSecrets();
        const { group, used } = await c.engine.joinFromWelcome(c.device, fromBase64(welcome.welcome), secrets);
        // Saved before the Welcome is deleted: the server keeps it until then.
        await c.store.put(roomId, group);
        if (!used.lastResort) await c.store.putKeyPackageSecrets(secrets.filter((s) => s !== used));
      }
      await this.deps.rest.call('DELETE', `/mls/welcomes/${welcome.id}`);
    }
    if (await c.store.get(roomId)) await this.catchUp(c, roomId);
  }

  private async onCommitEvent(c: Context, roomId: RoomId, epoch: number, addsMe: boolean): Promise<void> {
    const group = await c.store.get(roomId);
    if (!group) {
      if (addsMe) await this.joinWelcomes(c, roomId);
      return;
    }
    if (BigInt(epoch) > c.engine.epoch(group)) await this.catchUp(c, roomId);
  }

  /** Processes the commits this device missed; false once it was removed. */
  private async catchUp(c: Context, roomId: RoomId): Promise<boolean> {
    for (;;) {
      let group = await c.store.get(roomId);
      if (!group) return false;
      const { commits } = await this.deps.rest.get<W['CommitList']>(`/rooms/${roomId}/mls/commits?after_epoch=${c.engine.epoch(group)}`);
      if (commits.length === 0) return true;
      const touched = new Set<UserId>();
      for (const event of commits) {
        const content = event.content;
        if (content.type !== 'mls_commit' || BigInt(content.epoch) <= c.engine.epoch(group)) continue;
        const processed = await c.engine.processMessage(group, fromBase64(content.commit));
        if (processed.kind === 'removed') {
          await c.store.delete(roomId);
          return false;
        }
        if (processed.kind !== 'commit') continue;
        group = processed.group;
        await c.store.put(roomId, group);
        for (const m of [...processed.added, ...processed.removed]) touched.add(m.userId);
      }
      void this.checkDevices([...touched].filter((id) => id !== c.userId));
    }
  }

  /** Removes the leaves due, then adds the missing devices (one commit each). */
  private async syncMembers(c: Context, roomId: RoomId): Promise<void> {
    for (let i = 0; i < RETRIES; i++) {
      if (!(await c.store.get(roomId)) || !(await this.catchUp(c, roomId))) return;
      const group = await c.store.get(roomId);
      if (!group) return;
      const state = await this.deps.rest.get<W['GroupState']>(`/rooms/${roomId}/mls`);
      let submit: Promise<void>;
      if (state.to_remove.length > 0) {
        const result = await c.engine.commitRemove(group, state.to_remove.map((m) => m.leaf_index));
        submit = this.submit(c, roomId, result.commit, result.group);
      } else if (state.to_add.length > 0) {
        const users = [...new Set(state.to_add.map((d) => d.user_id))];
        const claimed = await this.deps.rest.post<W['ClaimedKeyPackages']>('/mls/key-packages/claim', { user_ids: users });
        const packages = claimed.key_packages.filter((k) => state.to_add.some((d) => d.device_id === k.device_id && d.user_id === k.user_id));
        if (packages.length === 0) return;
        const result = await c.engine.commitAdd(group, packages.map((k) => fromBase64(k.key_package)));
        submit = this.submit(c, roomId, result.commit, result.group, result.welcome);
      } else return;
      try {
        await submit;
      } catch (error) {
        if (!isCode(error, 'mls_epoch_stale')) throw error;
      }
    }
  }

  /** Sends a commit; its state is kept only once the server accepted it. */
  private async submit(c: Context, roomId: RoomId, commit: Uint8Array, group: Group, welcome?: Uint8Array): Promise<void> {
    const body: W['SubmitCommit'] = { commit: toBase64(commit) };
    if (welcome) body.welcome = toBase64(welcome);
    await this.deps.rest.post(`/rooms/${roomId}/mls/commits`, body);
    await c.store.put(roomId, group);
    const members = c.engine.members(group).map((m) => m.userId);
    void this.checkDevices([...new Set(members)].filter((id) => id !== c.userId));
  }

  // ---- messages ----

  private async decrypt(c: Context, event: RoomEvent): Promise<void> {
    const ciphertext = encryptedCiphertext(event);
    if (ciphertext === undefined) return;
    const roomId = event.room_id;
    const log = await this.loadLog(c, roomId);
    if (entryOf(log, event, c.userId)) return;
    const unreadable: LogEntry = { sender: event.sender_id, unreadable: true };
    let bytes: Uint8Array;
    let info: ReturnType<Context['wireInfo']>;
    try {
      bytes = fromBase64(ciphertext);
      info = c.wireInfo(bytes);
    } catch {
      return this.record(c, roomId, event.seq, unreadable);
    }
    let group = await c.store.get(roomId);
    if (!group) {
      await this.joinWelcomes(c, roomId);
      group = await c.store.get(roomId);
    }
    if (group && 'epoch' in info && info.epoch > c.engine.epoch(group)) {
      await this.catchUp(c, roomId);
      group = await c.store.get(roomId);
    }
    if (!group) return this.record(c, roomId, event.seq, unreadable);
    let processed;
    try {
      processed = await c.engine.processMessage(group, bytes);
    } catch {
      // Sent before this device joined (or its keys are gone): it cannot be read here.
      return this.record(c, roomId, event.seq, unreadable);
    }
    if (processed.kind !== 'application') return this.record(c, roomId, event.seq, { sender: event.sender_id, skipped: true });
    await c.store.put(roomId, processed.group);
    const content = parseContent(processed.plaintext);
    const sender = processed.sender.userId;
    await this.record(c, roomId, event.seq, content ? { sender, content } : { sender, skipped: true });
  }

  /**
   * Encrypts and sends a content with `clientId` (the server stores it once), with
   * the ids of the files it carries as the message's attachments. The
   * content is kept first as this device's own, since MLS cannot decrypt it here.
   * Losing a race for the epoch: catch up and retry; leaves due: remove them first.
   */
  send(roomId: RoomId, content: EncryptedContent, clientId: string = this.deps.newId()): Promise<void> {
    return this.task(roomId, async (c) => {
      const log = await this.loadLog(c, roomId);
      if (!log.own[clientId]) await this.saveLog(c, roomId, { ...log, own: { ...log.own, [clientId]: content } });
      try {
        await this.syncMembers(c, roomId);
      } catch (error) {
        console.error('e2ee: member sync before sending failed', error);
      }
      for (let i = 0; i < RETRIES; i++) {
        let group = await c.store.get(roomId);
        if (!group) {
          await this.joinWelcomes(c, roomId);
          group = await c.store.get(roomId);
        }
        if (!group) {
          const state = await this.deps.rest.get<W['GroupState']>(`/rooms/${roomId}/mls`);
          if (state.created) {
            // Another member's device adds this one (on my joining, or its next sync): wait for the Welcome.
            group = await this.awaitWelcome(c, roomId);
            if (!group) throw new Error('This device has not been added to the conversation’s encryption yet; try again in a moment.');
            continue;
          }
          if (!(await this.create(c, roomId))) continue;
          await this.syncMembers(c, roomId);
          continue;
        }
        const { message, group: next } = await c.engine.encrypt(group, encodeContent(content));
        // The sender ratchet moved: saved before the message leaves.
        await c.store.put(roomId, next);
        try {
          const body: W['SendMessageRequest'] = { client_id: clientId, body: { type: 'encrypted', ciphertext: toBase64(message) } };
          // Its files' ciphertext, so that the members may download it (the keys are inside).
          const files = content.type === 'text' ? (content.attachments ?? []) : [];
          if (files.length > 0) body.attachments = files.map((f) => f.file_id);
          await this.deps.rest.post(`/rooms/${roomId}/messages`, body);
          return;
        } catch (error) {
          if (isCode(error, 'mls_epoch_stale')) await this.catchUp(c, roomId);
          else if (isCode(error, 'mls_removal_pending')) await this.syncMembers(c, roomId);
          else throw error;
        }
      }
      throw new Error('Could not send: the conversation’s encryption kept changing.');
    });
  }

  private async awaitWelcome(c: Context, roomId: RoomId): Promise<Group | undefined> {
    for (let i = 0; i < WELCOME_WAIT_TRIES; i++) {
      await new Promise<void>((resolve) => this.deps.timers.setTimeout(() => resolve(), 1_000));
      await this.joinWelcomes(c, roomId);
      const group = await c.store.get(roomId);
      if (group) return group;
    }
    return undefined;
  }

  // ---- verification ----

  /** A user's device keys, sorted (standard base64). */
  async deviceKeys(userId: UserId): Promise<string[]> {
    return (await this.userDevices(userId, true)).map((d) => d.signature_key).sort();
  }

  /** The safety number between me and `userId`: 12 groups of 5 digits. */
  async safetyNumber(userId: UserId): Promise<string[]> {
    const me = this.deps.state().me?.id;
    if (me === undefined) throw new Error('not signed in');
    const [mine, theirs] = await Promise.all([this.deviceKeys(me), this.deviceKeys(userId)]);
    return safetyNumber({ userId: me, keys: mine }, { userId, keys: theirs });
  }

  /** Marks a user verified with their current device keys (kept in the encrypted store). */
  async markVerified(userId: UserId): Promise<void> {
    const c = await this.context;
    if (!c) throw new Error('end-to-end encryption is not set up');
    const keys = await this.deviceKeys(userId);
    const verified = { ...this.view.verified, [userId]: keys };
    await c.store.putData('verified', verified);
    this.setView((v) => ({ ...v, verified, changed: v.changed.filter((id) => id !== userId) }));
  }

  /** Lists the verified users among `userIds` whose device keys are no longer those verified. */
  async checkDevices(userIds: UserId[]): Promise<void> {
    for (const userId of userIds) {
      const verified = this.view.verified[userId];
      if (!verified) continue;
      try {
        const keys = await this.deviceKeys(userId);
        const changed = !sameKeys(keys, verified);
        if (changed !== this.view.changed.includes(userId))
          this.setView((v) => ({ ...v, changed: changed ? [...v.changed, userId] : v.changed.filter((id) => id !== userId) }));
      } catch {
        // Checked again on the next sync.
      }
    }
  }
}
