// The names of the wire contract that do not need ts-mls: a device's credential
// identity `confab:{user_id}:{device_id}`, a room's group id `confab:room:{room_id}`
// (both UTF-8, ids in decimal), and the standard base64 (with padding) that the app
// uses to carry MLS messages in JSON.

/** A device as MLS knows it: the user and the server's session id of that device. */
export interface DeviceRef {
  readonly userId: number;
  readonly deviceId: number;
}

const IDENTITY = /^confab:(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15})$/;
const GROUP_ID = /^confab:room:(0|[1-9][0-9]{0,15})$/;

const encoder = new TextEncoder();

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function safeId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function checkId(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

/** The credential identity of a device: UTF-8 of `confab:{userId}:{deviceId}`. */
export function deviceIdentity(userId: number, deviceId: number): Uint8Array {
  checkId('userId', userId);
  checkId('deviceId', deviceId);
  return encoder.encode(`confab:${userId}:${deviceId}`);
}

/** The device an identity names, or undefined when it is not exactly of the contract's form. */
export function parseDeviceIdentity(identity: Uint8Array): DeviceRef | undefined {
  const match = IDENTITY.exec(decodeUtf8(identity) ?? '');
  if (!match) return undefined;
  const userId = safeId(match[1]);
  const deviceId = safeId(match[2]);
  return userId === undefined || deviceId === undefined ? undefined : { userId, deviceId };
}

/** The MLS group id of a room: UTF-8 of `confab:room:{roomId}`. */
export function roomGroupId(roomId: number): Uint8Array {
  checkId('roomId', roomId);
  return encoder.encode(`confab:room:${roomId}`);
}

/** The room a group id names, or undefined when it is not of the contract's form. */
export function parseRoomGroupId(groupId: Uint8Array): number | undefined {
  const match = GROUP_ID.exec(decodeUtf8(groupId) ?? '');
  return match ? safeId(match[1]) : undefined;
}

/** Constant-time comparison of two byte strings (timing leaks only the lengths). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Standard base64 with padding, as MLS messages travel in the app's JSON. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Standard base64 (padding required) to bytes; throws a SyntaxError on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) throw new SyntaxError('not standard padded base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
