/**
 * Where this browser keeps its MLS secrets: the device identity, the private halves
 * of its key packages and one group state per room, in IndexedDB, **encrypted at
 * rest** with AES-256-GCM. The key is a WebCrypto `CryptoKey` generated once as
 * non-extractable and stored as that object in IndexedDB (structured clone keeps it
 * non-extractable): script can use it but never read it, so a copy of the database
 * files or of what a script can export holds no usable secret. Each record's key
 * name is the AES-GCM additional data, so a record cannot be moved to another slot
 * (a room's state served as another room's).
 *
 * The contract for a caller: after processing a message (or having a commit
 * accepted), `put(roomId, group)` the new state and only then acknowledge the message
 * (move the event cursor). A state that was acknowledged but not saved would be lost
 * with the tab, and the message would not come again; a state saved but not yet
 * acknowledged is harmless: the message comes again and the engine refuses it (its
 * key is spent or its epoch is past), which the caller treats as already applied.
 * Run the whole "process, put, acknowledge" under `withGroupLock` (locks.ts) so that
 * two tabs never start from the same state.
 */

import type { Device, Group, KeyPackageSecret, MlsEngine } from './engine';
import { deserializeDevice, deserializeKeyPackageSecrets, serializeDevice, serializeKeyPackageSecrets } from './engine';

const DB_NAME = 'confab-mls';
const DB_VERSION = 1;
const KEYS = 'keys';
const RECORDS = 'records';
const MASTER = 'master';

/** One encrypted record as IndexedDB holds it. */
interface Sealed {
  readonly v: 1;
  readonly iv: Uint8Array;
  readonly data: ArrayBuffer;
}

export interface MlsStore {
  getDevice(): Promise<Device | undefined>;
  putDevice(device: Device): Promise<void>;
  getKeyPackageSecrets(): Promise<KeyPackageSecret[]>;
  putKeyPackageSecrets(secrets: readonly KeyPackageSecret[]): Promise<void>;
  /** The saved state of a room's group. */
  get(roomId: number): Promise<Group | undefined>;
  /** Saves a room's group state; resolves once it is durable in IndexedDB. */
  put(roomId: number, group: Group): Promise<void>;
  delete(roomId: number): Promise<void>;
  /** Any other JSON record this device keeps secret (decrypted messages, verifications). */
  getData<T>(name: string): Promise<T | undefined>;
  putData(name: string, value: unknown): Promise<void>;
  close(): void;
}

export interface StoreOptions {
  /** The IndexedDB to use (tests pass fake-indexeddb's); default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
  name?: string;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function openDb(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const req = factory.open(name, DB_VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
    if (!db.objectStoreNames.contains(RECORDS)) db.createObjectStore(RECORDS);
  };
  return request(req);
}

/** The store's key: read it, or create it once (two tabs racing agree on the first written). */
async function masterKey(db: IDBDatabase): Promise<CryptoKey> {
  const existing = (await request(db.transaction(KEYS).objectStore(KEYS).get(MASTER))) as CryptoKey | undefined;
  if (existing) return existing;
  // Generated before the transaction: a transaction closes when it waits on other work.
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const tx = db.transaction(KEYS, 'readwrite');
  const store = tx.objectStore(KEYS);
  let key = fresh;
  const got = store.get(MASTER);
  got.onsuccess = () => {
    if (got.result) key = got.result as CryptoKey;
    else store.add(fresh, MASTER);
  };
  await done(tx);
  return key;
}

const encoder = new TextEncoder();

export async function openMlsStore(engine: MlsEngine, options: StoreOptions = {}): Promise<MlsStore> {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (!factory) throw new Error('IndexedDB is not available');
  const db = await openDb(factory, options.name ?? DB_NAME);
  const key = await masterKey(db);

  async function seal(name: string, plain: Uint8Array): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(name) }, key, plain as Uint8Array<ArrayBuffer>);
    return { v: 1, iv, data };
  }

  async function read(name: string): Promise<Uint8Array | undefined> {
    const sealed = (await request(db.transaction(RECORDS).objectStore(RECORDS).get(name))) as Sealed | undefined;
    if (sealed === undefined) return undefined;
    if (sealed.v !== 1) throw new Error(`unknown MLS record format ${String(sealed.v)}`);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv as Uint8Array<ArrayBuffer>, additionalData: encoder.encode(name) }, key, sealed.data);
    return new Uint8Array(plain);
  }

  async function write(name: string, plain: Uint8Array): Promise<void> {
    const sealed = await seal(name, plain);
    const tx = db.transaction(RECORDS, 'readwrite');
    tx.objectStore(RECORDS).put(sealed, name);
    await done(tx);
  }

  const decoder = new TextDecoder();
  const groupName = (roomId: number) => `group:${roomId}`;

  return {
    async getDevice() {
      const bytes = await read('device');
      return bytes && deserializeDevice(decoder.decode(bytes));
    },
    putDevice: (device) => write('device', encoder.encode(serializeDevice(device))),
    async getKeyPackageSecrets() {
      const bytes = await read('key-packages');
      return bytes ? deserializeKeyPackageSecrets(decoder.decode(bytes)) : [];
    },
    putKeyPackageSecrets: (secrets) => write('key-packages', encoder.encode(serializeKeyPackageSecrets(secrets))),
    async get(roomId) {
      const bytes = await read(groupName(roomId));
      return bytes && engine.deserializeGroup(bytes);
    },
    async put(roomId, group) {
      if (group.roomId !== roomId) throw new RangeError(`the state of room ${group.roomId} put as room ${roomId}`);
      await write(groupName(roomId), engine.serializeGroup(group));
    },
    async delete(roomId) {
      const tx = db.transaction(RECORDS, 'readwrite');
      tx.objectStore(RECORDS).delete(groupName(roomId));
      await done(tx);
    },
    async getData<T>(name: string) {
      const bytes = await read(`data:${name}`);
      return bytes && (JSON.parse(decoder.decode(bytes)) as T);
    },
    putData: (name, value) => write(`data:${name}`, encoder.encode(JSON.stringify(value))),
    close: () => db.close(),
  };
}
