// The encrypted MLS store on fake-indexeddb with Node's WebCrypto: round trips, a
// state that still decrypts after a reload, and nothing secret in the stored bytes.

import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createMlsEngine, type Device } from './engine';
import { openMlsStore } from './store';

const text = new TextEncoder();

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Every value in the database, as raw bytes where they are bytes. */
async function rawDump(factory: IDBFactory): Promise<{ bytes: Uint8Array; values: unknown[] }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open('confab-mls');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('open'));
  });
  const values = await new Promise<unknown[]>((resolve, reject) => {
    const req = db.transaction('records').objectStore('records').getAll();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('getAll'));
  });
  db.close();
  const parts: Uint8Array[] = [];
  for (const v of values as { iv: Uint8Array; data: ArrayBuffer }[]) parts.push(v.iv, new Uint8Array(v.data));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, values };
}

async function setup() {
  const registry = new Map<string, Uint8Array>();
  const engine = createMlsEngine({ deviceKey: async (u, d) => registry.get(`${u}:${d}`) });
  const device = async (u: number, d: number): Promise<Device> => {
    const dev = await engine.createDevice(u, d);
    registry.set(`${u}:${d}`, dev.signaturePublicKey);
    return dev;
  };
  return { engine, device };
}

describe('MLS store', () => {
  it('round-trips device, key-package secrets and a group state that still decrypts', async () => {
    const { engine, device } = await setup();
    const factory = new IDBFactory();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const { packages, secrets } = await engine.keyPackages(bob, 2);

    const store = await openMlsStore(engine, { indexedDB: factory });
    expect(await store.getDevice()).toBeUndefined();
    expect(await store.get(3)).toBeUndefined();
    expect(await store.getKeyPackageSecrets()).toEqual([]);
    await store.putDevice(bob);
    await store.putKeyPackageSecrets(secrets);
    store.close();

    // A reload: a new connection, the same key.
    const again = await openMlsStore(engine, { indexedDB: factory });
    const bobAgain = (await again.getDevice())!;
    expect(bobAgain).toEqual(bob);
    const added = await engine.commitAdd(await engine.createGroup(alice, 3), [packages[0]!]);
    const joined = await engine.joinFromWelcome(bobAgain, added.welcome, await again.getKeyPackageSecrets());
    await again.put(3, joined.group);
    await expect(again.put(4, joined.group)).rejects.toThrow(RangeError);
    again.close();

    const third = await openMlsStore(engine, { indexedDB: factory });
    const restored = (await third.get(3))!;
    expect(engine.epoch(restored)).toBe(1n);
    const msg = await engine.encrypt(added.group, text.encode('kept across reloads'));
    const out = await engine.processMessage(restored, msg.message);
    expect(out.kind === 'application' && new TextDecoder().decode(out.plaintext)).toBe('kept across reloads');
    await third.delete(3);
    expect(await third.get(3)).toBeUndefined();
    third.close();
  });

  it('stores only ciphertext: no private key, no identity, no serialised state', async () => {
    const { engine, device } = await setup();
    const factory = new IDBFactory();
    const alice = await device(1, 10);
    const group = await engine.createGroup(alice, 5);
    const plainState = engine.serializeGroup(group);
    const identity = text.encode('confab:1:10');
    // The unencrypted forms do hold these, so the checks below can fail.
    expect(contains(plainState, alice.signaturePrivateKey)).toBe(true);
    expect(contains(plainState, identity)).toBe(true);

    const store = await openMlsStore(engine, { indexedDB: factory });
    await store.putDevice(alice);
    await store.put(5, group);
    store.close();

    const { bytes, values } = await rawDump(factory);
    expect(values).toHaveLength(2);
    expect(bytes.length).toBeGreaterThan(plainState.length);
    expect(contains(bytes, alice.signaturePrivateKey)).toBe(false);
    expect(contains(bytes, alice.signaturePrivateKey.subarray(0, 8))).toBe(false);
    expect(contains(bytes, identity)).toBe(false);
    expect(contains(bytes, plainState.subarray(0, 32))).toBe(false);
    expect(JSON.stringify(values.map((v) => Object.keys(v as object)))).toBe('[["v","iv","data"],["v","iv","data"]]');
  });

  it('keeps a non-extractable CryptoKey, one per database', async () => {
    const { engine } = await setup();
    const factory = new IDBFactory();
    (await openMlsStore(engine, { indexedDB: factory })).close();
    (await openMlsStore(engine, { indexedDB: factory })).close();
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('confab-mls');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('open'));
    });
    const keys = await new Promise<unknown[]>((resolve, reject) => {
      const req = db.transaction('keys').objectStore('keys').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('getAll'));
    });
    db.close();
    expect(keys).toHaveLength(1);
    const key = keys[0] as CryptoKey;
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('refuses a record moved to another slot', async () => {
    const { engine, device } = await setup();
    const factory = new IDBFactory();
    const alice = await device(1, 10);
    const store = await openMlsStore(engine, { indexedDB: factory });
    await store.put(1, await engine.createGroup(alice, 1));
    store.close();
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('confab-mls');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('open'));
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('records', 'readwrite');
      const records = tx.objectStore('records');
      const got = records.get('group:1');
      got.onsuccess = () => records.put(got.result, 'group:2');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('tx'));
    });
    db.close();
    const again = await openMlsStore(engine, { indexedDB: factory });
    expect(await again.get(1)).toBeDefined();
    await expect(again.get(2)).rejects.toThrow();
    again.close();
  });
});
