// The two processes an interop test runs: a real confab server (`confab-testkit
// serve`, as web/e2e/harness.mjs starts it) and OpenMLS devices (`confab-testkit
// mls-peer`, crates/confab-testkit/src/mls_peer.rs: one JSON command per line on
// stdin, one JSON answer per line on stdout).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** $CONFAB_TESTKIT_BIN, else the debug (or release) build in $CARGO_TARGET_DIR (default target/). */
export function testkitBinary(): string {
  const fromEnv = process.env.CONFAB_TESTKIT_BIN;
  if (fromEnv) return fromEnv;
  const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  for (const profile of ['debug', 'release']) {
    const candidate = join(target, profile, 'confab-testkit');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no confab-testkit binary in ${target}; run \`cargo build --bin confab --bin confab-testkit\` or set CONFAB_TESTKIT_BIN (and CONFAB_BIN)`);
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | string> {
  return new Promise((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolveExit(error.message));
  });
}

export interface Server {
  readonly url: string;
  log(): string;
  /** Stops confab (closing the testkit's stdin) and resolves to the testkit's exit code. */
  stop(): Promise<number | string>;
}

/** confab on a fresh SQLite database and a free loopback port, relaxed profile. */
export async function startServer(): Promise<Server> {
  const child = spawn(testkitBinary(), ['serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = exitOf(child);
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise<string>((resolveLine) => lines.once('line', resolveLine)),
    exited.then((code): never => {
      throw new Error(`confab-testkit serve exited (${code}):\n${log}`);
    }),
  ]);
  lines.close();
  const { url } = JSON.parse(first) as { url: string };
  return {
    url: url.replace(/\/$/, ''),
    log: () => log,
    stop() {
      child.stdin.on('error', () => {});
      child.stdin.end();
      return exited;
    },
  };
}

/** An answer of the peer that is an error. */
export class PeerError extends Error {}

/** A file of a message the peer read: as its content describes it, and its decrypted bytes. */
export interface PeerFile {
  file_id: string;
  name: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
}

/** One OpenMLS device (confab_client::e2ee::Device) in its own process. */
export class RustPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly exited: Promise<number | string>;
  private stderr = '';
  userId = 0;
  deviceId = 0;

  constructor(readonly name: string) {
    this.child = spawn(testkitBinary(), ['mls-peer'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = exitOf(this.child);
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  /** Sends one command and waits for its answer; an `{error}` answer throws PeerError. */
  async call<T = Record<string, unknown>>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const answer = new Promise<string>((resolveLine) => this.waiting.push(resolveLine));
    this.child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
    const line = await Promise.race([
      answer,
      this.exited.then((code): never => {
        throw new Error(`mls-peer ${this.name} exited (${code}):\n${this.stderr}`);
      }),
    ]);
    const value = JSON.parse(line) as T & { error?: string };
    if (typeof value.error === 'string') throw new PeerError(`mls-peer ${this.name} ${op}: ${value.error}`);
    return value;
  }

  async signIn(url: string, username: string, password: string): Promise<void> {
    const r = await this.call<{ user_id: number; device_id: number }>('sign_in', { url, username, password });
    this.userId = r.user_id;
    this.deviceId = r.device_id;
  }

  async register(keyPackages: number): Promise<void> {
    await this.call('register', { key_packages: keyPackages });
  }

  async createGroup(roomId: number): Promise<number> {
    return (await this.call<{ epoch: number }>('create_group', { room_id: roomId })).epoch;
  }

  async sync(roomId: number): Promise<number> {
    return (await this.call<{ epoch: number }>('sync', { room_id: roomId })).epoch;
  }

  async catchUp(roomId: number): Promise<number> {
    return (await this.call<{ epoch: number }>('catch_up', { room_id: roomId })).epoch;
  }

  async join(): Promise<number[]> {
    return (await this.call<{ rooms: number[] }>('join')).rooms;
  }

  async send(roomId: number, text: string): Promise<number> {
    return (await this.call<{ seq: number }>('send', { room_id: roomId, plaintext: Buffer.from(text, 'utf8').toString('base64') })).seq;
  }

  /** Encrypts `bytes` with a new key, uploads them and sends `text` carrying the file (`Device::send_file`). */
  async sendFile(roomId: number, text: string, file: { name: string; contentType: string; bytes: Uint8Array }): Promise<number> {
    const command = { room_id: roomId, text, name: file.name, content_type: file.contentType, bytes: Buffer.from(file.bytes).toString('base64') };
    return (await this.call<{ seq: number }>('send_file', command)).seq;
  }

  /** The room's messages after `after` from other devices, decrypted, in order, with their files downloaded and decrypted. */
  async read(roomId: number, after = 0): Promise<{ seq: number; userId: number; deviceId: number; text: string; files: PeerFile[] }[]> {
    const r = await this.call<{ messages: { seq: number; user_id: number; device_id: number; plaintext: string; attachments: (Omit<PeerFile, 'bytes' | 'contentType'> & { content_type: string; bytes: string })[] }[] }>('read', {
      room_id: roomId,
      after,
    });
    return r.messages.map((m) => ({
      seq: m.seq,
      userId: m.user_id,
      deviceId: m.device_id,
      text: Buffer.from(m.plaintext, 'base64').toString('utf8'),
      files: m.attachments.map((f) => ({ file_id: f.file_id, name: f.name, contentType: f.content_type, size: f.size, bytes: new Uint8Array(Buffer.from(f.bytes, 'base64')) })),
    }));
  }

  async exportSecret(roomId: number, label: string, length: number): Promise<{ epoch: number; secret: Uint8Array }> {
    const r = await this.call<{ epoch: number; secret: string }>('export_secret', { room_id: roomId, label, length });
    return { epoch: r.epoch, secret: new Uint8Array(Buffer.from(r.secret, 'base64')) };
  }

  stop(): Promise<number | string> {
    this.child.stdin.on('error', () => {});
    this.child.stdin.end();
    return this.exited;
  }
}
