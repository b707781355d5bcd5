// The web side of the interop test: what the browser does with its MLS engine
// (src/client/mls/engine.ts, ts-mls) against the server's REST API, written
// directly with fetch so that every request and body is visible here.

import { createMlsEngine, type Device, type DeviceKeyLookup, type Group, type KeyPackageSecret, type MlsEngine } from '../src/client/mls/engine';
import { fromBase64, toBase64 } from '../src/client/mls/identity';

export const PASSWORD = 'violet tractor fumbles oddly';

/** A non-2xx answer of the server, with its error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** One signed-in session: bearer-token JSON requests under /api/v1. */
export class Api {
  constructor(
    readonly url: string,
    private token: string | undefined,
  ) {}

  /** The bearer token of this session. */
  get bearer(): string | undefined {
    return this.token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.raw<T>(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
  }

  /** A request with a body of its own (JSON answers). */
  async raw<T>(method: string, path: string, body?: BodyInit, contentType = 'application/octet-stream'): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await fetch(`${this.url}/api/v1${path}`, { method, headers, body });
    const text = await response.text();
    if (!response.ok) {
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      throw new ApiError(response.status, code, `${method} ${path}: ${response.status} ${text}`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }
}

interface AuthResponse {
  user: { id: number; username: string };
  tokens: { session_id: number; access_token: string };
}

export interface Session {
  readonly api: Api;
  readonly userId: number;
  /** The device session's id: the MLS device id. */
  readonly sessionId: number;
  readonly username: string;
}

function session(url: string, username: string, auth: AuthResponse): Session {
  return { api: new Api(url, auth.tokens.access_token), userId: auth.user.id, sessionId: auth.tokens.session_id, username };
}

export async function signUp(url: string, username: string): Promise<Session> {
  return session(url, username, await new Api(url, undefined).post<AuthResponse>('/auth/signup', { username, password: PASSWORD }));
}

export async function signIn(url: string, username: string): Promise<Session> {
  return session(url, username, await new Api(url, undefined).post<AuthResponse>('/auth/signin', { username, password: PASSWORD }));
}

/** An encrypted group room of `owner` whose `members` accepted their invitations. */
export async function encryptedRoom(owner: Session, members: Session[]): Promise<number> {
  const room = await owner.api.post<{ id: number }>('/rooms', { name: 'Interop', topic: '', members: members.map((m) => m.userId), encrypted: true });
  for (const member of members) await member.api.post(`/invitations/${room.id}/accept`);
  return room.id;
}

// The wire types this driver reads (docs/openapi.json).
export interface GroupMember {
  leaf_index: number;
  user_id: number;
  device_id: number;
}
export interface GroupState {
  group_id: string;
  created: boolean;
  epoch: number;
  members: GroupMember[];
  to_add: { user_id: number; device_id: number }[];
  to_remove: GroupMember[];
}
interface CommitContent {
  type: 'mls_commit';
  epoch: number;
  device_id: number;
  commit: string;
  added?: GroupMember[];
  removed?: GroupMember[];
}
interface MessageContent {
  type: 'message';
  body?: { type: 'encrypted'; ciphertext: string } | { type: 'text'; text: string };
}
export interface RoomEvent {
  seq: number;
  room_id: number;
  sender_id: number;
  content: CommitContent | MessageContent | { type: string };
}

export interface Decrypted {
  seq: number;
  userId: number;
  deviceId: number;
  epoch: bigint;
  text: string;
}

/** The engine's authentication service: the server's registered key (GET /users/{id}/devices). */
export function deviceKeyLookup(api: Api): DeviceKeyLookup {
  return async (userId, deviceId) => {
    const { devices } = await api.get<{ devices: { device_id: number; signature_key: string }[] }>(`/users/${userId}/devices`);
    const found = devices.find((d) => d.device_id === deviceId);
    return found && fromBase64(found.signature_key);
  };
}

/** A browser's device: its MLS identity, key-package secrets and groups. */
export class WebDevice {
  readonly engine: MlsEngine;
  device!: Device;
  secrets: KeyPackageSecret[] = [];
  readonly groups = new Map<number, Group>();
  /** Messages this device sent (MLS does not let a sender decrypt its own). */
  readonly sent = new Set<number>();
  /** Rooms whose group removed this device. */
  readonly removedFrom = new Set<number>();

  constructor(readonly session: Session) {
    this.engine = createMlsEngine({ deviceKey: deviceKeyLookup(session.api) });
  }

  get api(): Api {
    return this.session.api;
  }

  /** Makes the device's identity, registers its key, uploads `count` one-time key packages and a last-resort one. */
  async register(count: number): Promise<void> {
    this.device = await this.engine.createDevice(this.session.userId, this.session.sessionId);
    await this.api.put('/mls/device', { signature_key: toBase64(this.device.signaturePublicKey) });
    const { packages, secrets } = await this.engine.keyPackages(this.device, count);
    this.secrets = secrets;
    const stock = await this.api.post<{ one_time: number; last_resort: boolean }>('/mls/key-packages', {
      key_packages: packages.slice(0, -1).map(toBase64),
      last_resort: toBase64(packages[packages.length - 1]!),
    });
    if (stock.one_time !== count || !stock.last_resort) throw new Error(`unexpected stock ${JSON.stringify(stock)}`);
  }

  group(roomId: number): Group {
    const group = this.groups.get(roomId);
    if (group === undefined) throw new Error(`device ${this.session.sessionId} is not in the group of room ${roomId}`);
    return group;
  }

  epoch(roomId: number): bigint {
    return this.engine.epoch(this.group(roomId));
  }

  serverGroup(roomId: number): Promise<GroupState> {
    return this.api.get<GroupState>(`/rooms/${roomId}/mls`);
  }

  /** Epoch 0 with this device alone, registered on the server, then the other devices added. */
  async createGroup(roomId: number): Promise<void> {
    const group = await this.engine.createGroup(this.device, roomId);
    await this.api.post(`/rooms/${roomId}/mls`);
    this.groups.set(roomId, group);
    await this.sync(roomId);
  }

  /** Submits a commit; its state is kept only once the server accepted it. */
  async submit(roomId: number, commit: Uint8Array, next: Group, welcome?: Uint8Array): Promise<RoomEvent> {
    const body = welcome === undefined ? { commit: toBase64(commit) } : { commit: toBase64(commit), welcome: toBase64(welcome) };
    const event = await this.api.post<RoomEvent>(`/rooms/${roomId}/mls/commits`, body);
    this.groups.set(roomId, next);
    return event;
  }

  /** Claims a key package of each device the server lists as missing and adds them in one commit. */
  async addMissing(roomId: number): Promise<RoomEvent | undefined> {
    const state = await this.serverGroup(roomId);
    if (state.to_add.length === 0) return undefined;
    const users = [...new Set(state.to_add.map((d) => d.user_id))];
    const claimed = await this.api.post<{ key_packages: { user_id: number; device_id: number; key_package: string }[] }>('/mls/key-packages/claim', { user_ids: users });
    const wanted = claimed.key_packages.filter((k) => state.to_add.some((d) => d.user_id === k.user_id && d.device_id === k.device_id));
    if (wanted.length === 0) return undefined;
    const { commit, welcome, group } = await this.engine.commitAdd(this.group(roomId), wanted.map((k) => fromBase64(k.key_package)));
    return this.submit(roomId, commit, group, welcome);
  }

  /** Removes the leaves the server lists as due, in one commit. */
  async removeDue(roomId: number): Promise<RoomEvent | undefined> {
    const state = await this.serverGroup(roomId);
    if (state.to_remove.length === 0) return undefined;
    const { commit, group } = await this.engine.commitRemove(this.group(roomId), state.to_remove.map((m) => m.leaf_index));
    return this.submit(roomId, commit, group);
  }

  /** Catches up, then removes what is due and adds what is missing. */
  async sync(roomId: number): Promise<void> {
    await this.catchUp(roomId);
    await this.removeDue(roomId);
    await this.addMissing(roomId);
  }

  /** Joins from this device's Welcomes and deletes each once joined; returns the rooms. */
  async join(): Promise<number[]> {
    const { welcomes } = await this.api.get<{ welcomes: { id: number; room_id: number; epoch: number; welcome: string }[] }>('/mls/welcomes');
    const rooms: number[] = [];
    for (const w of welcomes) {
      const { group, used } = await this.engine.joinFromWelcome(this.device, fromBase64(w.welcome), this.secrets);
      if (this.engine.epoch(group) !== BigInt(w.epoch)) throw new Error(`the Welcome joins epoch ${this.engine.epoch(group)}, the server says ${w.epoch}`);
      if (!used.lastResort) this.secrets = this.secrets.filter((s) => s !== used);
      this.groups.set(w.room_id, group);
      await this.api.delete(`/mls/welcomes/${w.id}`);
      rooms.push(w.room_id);
    }
    return rooms;
  }

  async commitsAfter(roomId: number, epoch: bigint): Promise<RoomEvent[]> {
    return (await this.api.get<{ commits: RoomEvent[] }>(`/rooms/${roomId}/mls/commits?after_epoch=${epoch}`)).commits;
  }

  /** Processes one commit event unless this device already has its epoch. */
  async processCommit(event: RoomEvent): Promise<void> {
    const content = event.content as CommitContent;
    const group = this.groups.get(event.room_id);
    if (group === undefined || this.removedFrom.has(event.room_id)) return;
    if (BigInt(content.epoch) <= this.engine.epoch(group)) return;
    const result = await this.engine.processMessage(group, fromBase64(content.commit));
    if (result.kind === 'application') throw new Error('a commit event decrypted to an application message');
    if (result.kind === 'removed') this.removedFrom.add(event.room_id);
    else if (result.epoch !== BigInt(content.epoch)) throw new Error(`the commit moved to epoch ${result.epoch}, the server says ${content.epoch}`);
    this.groups.set(event.room_id, result.group);
  }

  /** Processes the commits this device missed (GET /rooms/{id}/mls/commits). */
  async catchUp(roomId: number): Promise<bigint> {
    for (;;) {
      if (this.removedFrom.has(roomId)) return this.epoch(roomId);
      const commits = await this.commitsAfter(roomId, this.epoch(roomId));
      if (commits.length === 0) return this.epoch(roomId);
      for (const event of commits) await this.processCommit(event);
    }
  }

  /**
   * Encrypts and sends `text` (with `attachments`, the ids of files uploaded with
   * `uploadEncrypted`); returns the message's seq and its ciphertext.
   */
  async send(roomId: number, text: string, attachments: string[] = []): Promise<{ seq: number; ciphertext: Uint8Array }> {
    const { message, group } = await this.engine.encrypt(this.group(roomId), new TextEncoder().encode(text));
    this.groups.set(roomId, group);
    const event = await this.api.post<RoomEvent>(`/rooms/${roomId}/messages`, {
      client_id: `web-${this.session.sessionId}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      body: { type: 'encrypted', ciphertext: toBase64(message) },
      ...(attachments.length > 0 ? { attachments } : {}),
    });
    this.sent.add(event.seq);
    return { seq: event.seq, ciphertext: message };
  }

  /** Uploads a file's ciphertext as the browser does (`POST /files?encrypted=true`); answers the server's FileInfo. */
  async uploadEncrypted(ciphertext: Uint8Array<ArrayBuffer>): Promise<{ id: string; name: string; content_type: string; size: number }> {
    return this.api.raw('POST', `/files?name=encrypted&client_id=web-file-${Date.now()}-${Math.random().toString(36).slice(2)}&encrypted=true`, ciphertext);
  }

  /** A file's stored bytes (`GET /files/{id}`). */
  async download(fileId: string): Promise<Uint8Array<ArrayBuffer>> {
    const response = await fetch(`${this.api.url}/api/v1/files/${encodeURIComponent(fileId)}`, { headers: { authorization: `Bearer ${this.api.bearer}` } });
    if (!response.ok) throw new ApiError(response.status, undefined, `GET /files/${fileId}: ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The room's encrypted message events after `after` (history, oldest first). */
  async messageEvents(roomId: number, after = 0): Promise<RoomEvent[]> {
    const page = await this.api.get<{ events: RoomEvent[] }>(`/rooms/${roomId}/messages?after=${after}&limit=100`);
    return page.events.filter((e) => e.content.type === 'message' && (e.content as MessageContent).body?.type === 'encrypted');
  }

  /**
   * Reads the room as the browser does: its commits and messages after `after`, in
   * log order (by seq), each commit processed and each message from another device
   * decrypted. A message that fails to decrypt throws.
   */
  async read(roomId: number, after = 0): Promise<Decrypted[]> {
    const startEpoch = this.epoch(roomId);
    const commits = await this.commitsAfter(roomId, startEpoch);
    const events = [...commits, ...(await this.messageEvents(roomId, after))].sort((a, b) => a.seq - b.seq);
    const out: Decrypted[] = [];
    for (const event of events) {
      if (event.content.type === 'mls_commit') {
        await this.processCommit(event);
        continue;
      }
      if (this.sent.has(event.seq)) continue;
      if (this.removedFrom.has(roomId)) throw new Error(`removed from room ${roomId}: message ${event.seq} cannot be read`);
      const body = (event.content as MessageContent).body as { ciphertext: string };
      const result = await this.engine.processMessage(this.group(roomId), fromBase64(body.ciphertext));
      if (result.kind !== 'application') throw new Error(`message ${event.seq} is a ${result.kind}`);
      this.groups.set(roomId, result.group);
      out.push({ seq: event.seq, userId: result.sender.userId, deviceId: result.sender.deviceId, epoch: result.epoch, text: new TextDecoder('utf-8', { fatal: true }).decode(result.plaintext) });
    }
    return out;
  }

  async exportSecret(roomId: number, label: string, length: number): Promise<{ epoch: bigint; secret: Uint8Array }> {
    const group = this.group(roomId);
    return { epoch: this.engine.epoch(group), secret: await this.engine.exportSecret(group, label, new Uint8Array(), length) };
  }
}
