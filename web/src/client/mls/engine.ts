/**
 * The browser's MLS engine (RFC 9420): the ONLY module of the client that imports
 * `ts-mls`, so that a change of its API touches this file alone. Nothing of ts-mls
 * leaks out: wire messages are `Uint8Array` (full `MLSMessage`s), group states are
 * opaque immutable values, errors are the engine's own (errors.ts).
 *
 * The wire contract, shared with the Rust client (openmls), and how it is met:
 * - Ciphersuite 1 only, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: every key
 *   package, group and incoming key package is checked for it.
 * - Basic credentials with identity `confab:{user_id}:{device_id}`, group id
 *   `confab:room:{room_id}` (identity.ts).
 * - Commits are PublicMessages (`createCommit`'s `wireAsPublicMessage`), carry their
 *   proposals by value (the engine never sends or accepts stand-alone proposals, so
 *   there is nothing to reference; an incoming proposal reference is refused);
 *   application messages are PrivateMessages. An incoming commit as PrivateMessage
 *   is refused: the server could not have inspected it.
 * - Every Welcome's GroupInfo has the ratchet_tree extension (`ratchetTreeExtension`),
 *   and joining never takes a tree from elsewhere, so a Welcome without it fails.
 * - The secrets of the 5 previous epochs are kept (`retainKeysForEpochs: 5`; ts-mls
 *   keeps exactly that many past epochs after each commit).
 * - Application messages are padded as openmls pads them (`padding_size(32)`): the
 *   PrivateMessageContent plus the AEAD tag, so the ciphertext itself, is a multiple
 *   of 32 bytes. ts-mls has no such mode (only "pad until N" and "always add N"), so
 *   `encrypt` measures the PrivateMessageContent with ts-mls's own encoder and sets
 *   an "always add" padding of the missing bytes for that one message.
 * - Key packages: one-time ones plus one carrying the last_resort extension (type
 *   0x000A, from the MLS extensions draft, as openmls marks them; ts-mls knows no
 *   such type and carries it as an opaque extension, listed in the capabilities).
 *   Their lifetime is now - 1 h to now + 84 days, within openmls's maximum range.
 * - Authentication service: the default of ts-mls accepts any credential; the engine
 *   replaces it with one that requires the contract's identity and the signature key
 *   the server registered for that device (`deviceKey`), else MlsIdentityError.
 *
 * States are immutable: every operation returns a new state and leaves the one it
 * was given usable. A commit's new state is to be used only once the server accepted
 * the commit; if another commit of that epoch won, keep the old state and process
 * the winner with it. (For the same reason the engine does not zero the secrets
 * ts-mls reports as consumed: the older state may still need them.)
 */

import {
  createApplicationMessage,
  createCommit,
  createGroup as mlsCreateGroup,
  decodeGroupState,
  decodeMlsMessage,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  mlsExporter,
  processMessage as mlsProcessMessage,
  type AuthenticationService,
  type Capabilities,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type Credential,
  type KeyPackage,
  type LeafNode,
  type MLSMessage,
  type PaddingConfig,
  type Proposal,
  type RatchetTree,
} from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { MlsError as TsMlsError } from 'ts-mls/mlsError.js';
import { decryptSenderData, encodePrivateMessageContent } from 'ts-mls/privateMessage.js';
import { MlsEngineError, MlsEpochError, MlsIdentityError, MlsProtocolError, MlsRemovedError, MlsWrongGroupError } from './errors';
import { bytesEqual, deviceIdentity, fromBase64, parseDeviceIdentity, parseRoomGroupId, roomGroupId, toBase64, type DeviceRef } from './identity';

export { MlsEngineError, MlsEpochError, MlsIdentityError, MlsProtocolError, MlsRemovedError, MlsWrongGroupError } from './errors';
export type { DeviceRef } from './identity';

/** The one ciphersuite of the contract (id 1). */
export const CIPHERSUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
/** How many previous epochs' secrets are kept to decrypt late application messages. */
export const RETAINED_PAST_EPOCHS = 5;
/** An application PrivateMessage's ciphertext (padded content plus AEAD tag) is a multiple of this. */
export const PADDING_BLOCK = 32;
/** The last_resort key-package extension type (MLS extensions draft; openmls's value). */
export const LAST_RESORT_EXTENSION = 0x000a;
/** Key-package lifetime: from an hour ago (clock skew) to 84 days ahead, as openmls. */
const LIFETIME_MARGIN_S = 60 * 60;
const LIFETIME_S = 84 * 24 * 60 * 60;
/** AES-128-GCM tag length: a PrivateMessage's ciphertext is the padded content plus this. */
export const AEAD_TAG_LENGTH = 16;

/** The server's registered signature public key of a device, or undefined if it has none. */
export type DeviceKeyLookup = (userId: number, deviceId: number) => Promise<Uint8Array | undefined>;

/** This device's MLS identity: its Ed25519 signature key pair and what its credential names. */
export interface Device extends DeviceRef {
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

/** The private half of one key package, kept until a Welcome used it. */
export interface KeyPackageSecret {
  /** KeyPackageRef (RFC 9420 §5.2): what a Welcome names its new member by. */
  readonly ref: Uint8Array;
  /** The published key package (an MLSMessage). */
  readonly keyPackage: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly hpkePrivateKey: Uint8Array;
  /** A last-resort package may be used by several Welcomes: keep it after a join. */
  readonly lastResort: boolean;
}

const STATE: unique symbol = Symbol('mls-group-state');

/** An MLS group state: opaque, immutable; persist it with serializeGroup. */
export interface Group {
  readonly roomId: number;
  readonly [STATE]: ClientState;
}

export interface Member extends DeviceRef {
  readonly leafIndex: number;
  readonly signatureKey: Uint8Array;
}

export type ProcessedMessage =
  | { readonly kind: 'application'; readonly plaintext: Uint8Array; readonly sender: DeviceRef & { readonly leafIndex: number }; readonly epoch: bigint; readonly group: Group }
  | { readonly kind: 'commit'; readonly epoch: bigint; readonly committer: DeviceRef & { readonly leafIndex: number }; readonly added: Member[]; readonly removed: Member[]; readonly group: Group }
  /** The commit removed this device: `group` can no longer send or receive. */
  | { readonly kind: 'removed'; readonly epoch: bigint; readonly group: Group };

export interface CommitResult {
  /** The commit (PublicMessage) for the server. */
  readonly commit: Uint8Array;
  /** The state after the commit: use it only once the server accepted the commit. */
  readonly group: Group;
}

export interface AddResult extends CommitResult {
  /** The Welcome for the added devices (its GroupInfo carries the ratchet tree). */
  readonly welcome: Uint8Array;
}

export interface MlsEngine {
  createDevice(userId: number, deviceId: number): Promise<Device>;
  /** `count` one-time key packages then one last-resort package, and their private halves. */
  keyPackages(device: Device, count: number): Promise<{ packages: Uint8Array[]; secrets: KeyPackageSecret[] }>;
  /** Epoch 0, this device alone. Its own key must be registered too: every leaf is checked. */
  createGroup(device: Device, roomId: number): Promise<Group>;
  commitAdd(group: Group, keyPackages: readonly Uint8Array[]): Promise<AddResult>;
  commitRemove(group: Group, leafIndexes: readonly number[]): Promise<CommitResult>;
  commitUpdate(group: Group): Promise<CommitResult>;
  /** Joins from a Welcome made for one of `secrets`; `used` is that one (drop it unless lastResort). */
  joinFromWelcome(device: Device, welcome: Uint8Array, secrets: readonly KeyPackageSecret[]): Promise<{ group: Group; used: KeyPackageSecret }>;
  processMessage(group: Group, message: Uint8Array): Promise<ProcessedMessage>;
  encrypt(group: Group, plaintext: Uint8Array): Promise<{ message: Uint8Array; group: Group }>;
  members(group: Group): Member[];
  epoch(group: Group): bigint;
  /** This device's leaf index in the group. */
  ownLeafIndex(group: Group): number;
  exportSecret(group: Group, label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
  serializeGroup(group: Group): Uint8Array;
  deserializeGroup(bytes: Uint8Array): Group;
}

/** What the outside of a wire message tells (for routing and checks; nothing is decrypted). */
export type WireInfo =
  | { readonly wireFormat: 'public_message'; readonly groupId: Uint8Array; readonly epoch: bigint; readonly contentType: 'application' | 'proposal' | 'commit' }
  | { readonly wireFormat: 'private_message'; readonly groupId: Uint8Array; readonly epoch: bigint; readonly contentType: 'application' | 'proposal' | 'commit'; readonly ciphertextLength: number }
  | { readonly wireFormat: 'welcome' | 'group_info' | 'key_package' };

// ---------------------------------------------------------------------------------
// Decoding and small helpers

let suite: Promise<CiphersuiteImpl> | undefined;
function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE));
  return suite;
}

function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new MlsProtocolError('not an MLSMessage', { cause: e });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw new MlsProtocolError('not an MLSMessage');
  if (decoded[0].version !== 'mls10') throw new MlsProtocolError('not MLS 1.0');
  return decoded[0];
}

/** The outside of a wire message (wire format, group, epoch), without decrypting it. */
export function wireInfo(bytes: Uint8Array): WireInfo {
  const m = decodeMessage(bytes);
  switch (m.wireformat) {
    case 'mls_public_message':
      return { wireFormat: 'public_message', groupId: m.publicMessage.content.groupId, epoch: m.publicMessage.content.epoch, contentType: m.publicMessage.content.contentType };
    case 'mls_private_message':
      return {
        wireFormat: 'private_message',
        groupId: m.privateMessage.groupId,
        epoch: m.privateMessage.epoch,
        contentType: m.privateMessage.contentType,
        ciphertextLength: m.privateMessage.ciphertext.length,
      };
    case 'mls_welcome':
      return { wireFormat: 'welcome' };
    case 'mls_group_info':
      return { wireFormat: 'group_info' };
    case 'mls_key_package':
      return { wireFormat: 'key_package' };
  }
}

function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_key_package') throw new MlsProtocolError('not a key package');
  if (m.keyPackage.cipherSuite !== CIPHERSUITE) throw new MlsProtocolError(`key package of ciphersuite ${m.keyPackage.cipherSuite}`);
  return m.keyPackage;
}

function stateOf(group: Group): ClientState {
  const state = group[STATE];
  if (state.groupActiveState.kind !== 'active') throw new MlsRemovedError();
  return state;
}

function wrap(state: ClientState, config: ClientConfig): Group {
  const roomId = parseRoomGroupId(state.groupContext.groupId);
  if (roomId === undefined) throw new MlsProtocolError('group id is not of the form confab:room:{id}');
  if (state.groupContext.cipherSuite !== CIPHERSUITE) throw new MlsProtocolError(`group of ciphersuite ${state.groupContext.cipherSuite}`);
  return Object.freeze({ roomId, [STATE]: { ...state, clientConfig: config } });
}

function leafMember(leaf: LeafNode, leafIndex: number): Member {
  const who = leaf.credential.credentialType === 'basic' ? parseDeviceIdentity(leaf.credential.identity) : undefined;
  // Leaves are authenticated before they enter a tree, so this is a broken state.
  if (who === undefined) throw new MlsIdentityError(`leaf ${leafIndex} has no confab identity`);
  return { leafIndex, userId: who.userId, deviceId: who.deviceId, signatureKey: leaf.signaturePublicKey };
}

function treeMembers(tree: RatchetTree): Member[] {
  const out: Member[] = [];
  for (let node = 0; node < tree.length; node += 2) {
    const n = tree[node];
    if (n?.nodeType === 'leaf') out.push(leafMember(n.leaf, node / 2));
  }
  return out;
}

function capabilities(): Capabilities {
  // No GREASE values: only what this client implements, so that nothing depends on
  // how a peer treats unknown ones.
  return { versions: ['mls10'], ciphersuites: [CIPHERSUITE], extensions: [LAST_RESORT_EXTENSION], proposals: [], credentials: ['basic'] };
}

/** As openmls: valid from an hour ago to 84 days ahead (also the group creator's leaf). */
function keyPackageLifetime(): { notBefore: bigint; notAfter: bigint } {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return { notBefore: now - BigInt(LIFETIME_MARGIN_S), notAfter: now + BigInt(LIFETIME_S) };
}

function basicCredential(device: DeviceRef): Credential {
  return { credentialType: 'basic', identity: deviceIdentity(device.userId, device.deviceId) };
}

/** How many zero bytes bring a PrivateMessageContent of `plaintext`, plus the AEAD tag, to a multiple of the block. */
function paddingFor(plaintext: Uint8Array, signatureLength: number): number {
  const unpadded = encodePrivateMessageContent({ kind: 'alwaysPad', paddingLength: 0 })({
    contentType: 'application',
    applicationData: plaintext,
    auth: { contentType: 'application', signature: new Uint8Array(signatureLength) },
  }).length;
  // As openmls 0.9 (PrivateMessage::encode_padded_ciphertext_content_detached): the
  // content and the AEAD tag together fill whole blocks, so every ciphertext length
  // is a multiple of the block whichever implementation sent it.
  return (PADDING_BLOCK - ((unpadded + AEAD_TAG_LENGTH) % PADDING_BLOCK)) % PADDING_BLOCK;
}

function translate(e: unknown): unknown {
  if (e instanceof MlsEngineError || !(e instanceof Error)) return e;
  // ts-mls's own errors (validation, codec, signature and AEAD failures).
  return e instanceof TsMlsError ? new MlsProtocolError(e.message, { cause: e }) : e;
}

// ---------------------------------------------------------------------------------
// The engine

export interface EngineOptions {
  /** The server's registered signature key of a device (the authentication service). */
  deviceKey: DeviceKeyLookup;
}

export function createMlsEngine(options: EngineOptions): MlsEngine {
  const { deviceKey } = options;

  /** Why a leaf's credential and key are not acceptable, or undefined when they are. */
  async function refuse(credential: Credential, signaturePublicKey: Uint8Array): Promise<string | undefined> {
    if (credential.credentialType !== 'basic') return `a ${credential.credentialType} credential, not Basic`;
    const who = parseDeviceIdentity(credential.identity);
    if (who === undefined) return 'credential identity is not of the form confab:{user_id}:{device_id}';
    const registered = await deviceKey(who.userId, who.deviceId);
    if (registered === undefined) return `device ${who.userId}:${who.deviceId} has no registered signature key`;
    if (!bytesEqual(registered, signaturePublicKey)) return `the signature key of ${who.userId}:${who.deviceId} is not its registered one`;
    return undefined;
  }

  function config(authService: AuthenticationService, paddingConfig?: PaddingConfig): ClientConfig {
    return {
      keyRetentionConfig: { ...defaultKeyRetentionConfig, retainKeysForEpochs: RETAINED_PAST_EPOCHS },
      lifetimeConfig: defaultLifetimeConfig,
      keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
      // Only handshake messages are encrypted with this one (never: commits are
      // public); application messages set theirs per message (see encrypt).
      paddingConfig: paddingConfig ?? { kind: 'alwaysPad', paddingLength: 0 },
      authService,
    };
  }

  const refusing: AuthenticationService = {
    validateCredential: async (c, k) => (await refuse(c, k)) === undefined,
  };
  const baseConfig = config(refusing);

  /**
   * Runs a ts-mls operation with an authentication service that remembers why it
   * refused, so that a refusal surfaces as MlsIdentityError rather than as ts-mls's
   * generic "Could not validate credential".
   */
  async function authenticated<T>(op: (config: ClientConfig) => Promise<T>): Promise<T> {
    const refusals: string[] = [];
    const tracking = config({
      validateCredential: async (c, k) => {
        const why = await refuse(c, k);
        if (why !== undefined) refusals.push(why);
        return why === undefined;
      },
    });
    let result: T;
    try {
      result = await op(tracking);
    } catch (e) {
      if (refusals.length > 0) throw new MlsIdentityError(refusals[0]!, { cause: e });
      throw translate(e);
    }
    if (refusals.length > 0) throw new MlsIdentityError(refusals[0]!);
    return result;
  }

  async function checkKeyPackage(kp: KeyPackage): Promise<void> {
    const why = await refuse(kp.leafNode.credential, kp.leafNode.signaturePublicKey);
    if (why !== undefined) throw new MlsIdentityError(`key package refused: ${why}`);
  }

  async function commit(group: Group, extraProposals: Proposal[]): Promise<{ commit: Uint8Array; welcome: Uint8Array | undefined; group: Group }> {
    const state = stateOf(group);
    const cs = await cipherSuite();
    const result = await authenticated((clientConfig) =>
      createCommit({ state: { ...state, clientConfig }, cipherSuite: cs }, { wireAsPublicMessage: true, ratchetTreeExtension: true, extraProposals }),
    );
    if (result.commit.wireformat !== 'mls_public_message') throw new MlsEngineError('ts-mls made a commit that is not a PublicMessage');
    const welcome = result.welcome && encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome });
    return { commit: encodeMlsMessage(result.commit), welcome, group: wrap(result.newState, baseConfig) };
  }

  function senderOf(tree: RatchetTree, leafIndex: number): DeviceRef & { leafIndex: number } {
    const n = tree[leafIndex * 2];
    if (n?.nodeType !== 'leaf') throw new MlsProtocolError(`no member at leaf ${leafIndex}`);
    const { userId, deviceId } = leafMember(n.leaf, leafIndex);
    return { userId, deviceId, leafIndex };
  }

  const engine: MlsEngine = {
    async createDevice(userId, deviceId) {
      deviceIdentity(userId, deviceId); // validates the ids
      const keys = await (await cipherSuite()).signature.keygen();
      return { userId, deviceId, signaturePublicKey: keys.publicKey, signaturePrivateKey: keys.signKey };
    },

    async keyPackages(device, count) {
      if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
      const cs = await cipherSuite();
      const lifetime = keyPackageLifetime();
      const packages: Uint8Array[] = [];
      const secrets: KeyPackageSecret[] = [];
      for (let i = 0; i <= count; i++) {
        const lastResort = i === count;
        const extensions = lastResort ? [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array() }] : [];
        const { publicPackage, privatePackage } = await generateKeyPackageWithKey(basicCredential(device), capabilities(), lifetime, extensions, { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey }, cs);
        const keyPackage = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage });
        packages.push(keyPackage);
        secrets.push({
          ref: await makeKeyPackageRef(publicPackage, cs.hash),
          keyPackage,
          initPrivateKey: privatePackage.initPrivateKey,
          hpkePrivateKey: privatePackage.hpkePrivateKey,
          lastResort,
        });
      }
      return { packages, secrets };
    },

    async createGroup(device, roomId) {
      const cs = await cipherSuite();
      const { publicPackage, privatePackage } = await generateKeyPackageWithKey(basicCredential(device), capabilities(), keyPackageLifetime(), [], { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey }, cs);
      await checkKeyPackage(publicPackage);
      const state = await authenticated((clientConfig) => mlsCreateGroup(roomGroupId(roomId), publicPackage, privatePackage, [], cs, clientConfig));
      return wrap(state, baseConfig);
    },

    async commitAdd(group, keyPackages) {
      if (keyPackages.length === 0) throw new RangeError('no key package to add');
      const proposals: Proposal[] = [];
      for (const bytes of keyPackages) {
        const keyPackage = decodeKeyPackage(bytes);
        await checkKeyPackage(keyPackage);
        proposals.push({ proposalType: 'add', add: { keyPackage } });
      }
      const result = await commit(group, proposals);
      if (result.welcome === undefined) throw new MlsEngineError('ts-mls made no Welcome for an add');
      return { commit: result.commit, welcome: result.welcome, group: result.group };
    },

    async commitRemove(group, leafIndexes) {
      if (leafIndexes.length === 0) throw new RangeError('no member to remove');
      const own = stateOf(group).privatePath.leafIndex;
      const present = new Set(treeMembers(stateOf(group).ratchetTree).map((m) => m.leafIndex));
      for (const leaf of leafIndexes) {
        if (leaf === own) throw new RangeError('a member cannot remove itself by a commit');
        if (!present.has(leaf)) throw new RangeError(`no member at leaf ${leaf}`);
      }
      const { commit: bytes, group: next } = await commit(
        group,
        leafIndexes.map((removed) => ({ proposalType: 'remove', remove: { removed } })),
      );
      return { commit: bytes, group: next };
    },

    async commitUpdate(group) {
      // An empty commit carries an UpdatePath: a fresh leaf key and path secrets.
      const { commit: bytes, group: next } = await commit(group, []);
      return { commit: bytes, group: next };
    },

    async joinFromWelcome(device, welcomeBytes, secrets) {
      const m = decodeMessage(welcomeBytes);
      if (m.wireformat !== 'mls_welcome') throw new MlsProtocolError('not a Welcome');
      if (m.welcome.cipherSuite !== CIPHERSUITE) throw new MlsProtocolError(`Welcome of ciphersuite ${m.welcome.cipherSuite}`);
      const used = secrets.find((s) => m.welcome.secrets.some((w) => bytesEqual(w.newMember, s.ref)));
      if (used === undefined) throw new MlsProtocolError('the Welcome is for none of these key packages');
      const keyPackage = decodeKeyPackage(used.keyPackage);
      if (!bytesEqual(keyPackage.leafNode.signaturePublicKey, device.signaturePublicKey)) throw new MlsEngineError('the key package is not of this device');
      const cs = await cipherSuite();
      const keys = { initPrivateKey: used.initPrivateKey, hpkePrivateKey: used.hpkePrivateKey, signaturePrivateKey: device.signaturePrivateKey };
      // No tree is passed: the Welcome must carry it (ratchet_tree extension).
      const state = await authenticated((clientConfig) => joinGroup(m.welcome, keyPackage, keys, emptyPskIndex, cs, undefined, undefined, clientConfig));
      return { group: wrap(state, baseConfig), used };
    },

    async processMessage(group, bytes) {
      const state = stateOf(group);
      const m = decodeMessage(bytes);
      const current = state.groupContext.epoch;
      const cs = await cipherSuite();
      if (m.wireformat === 'mls_public_message') {
        const content = m.publicMessage.content;
        if (!bytesEqual(content.groupId, state.groupContext.groupId)) throw new MlsWrongGroupError('the message is of another group');
        if (content.contentType !== 'commit') throw new MlsProtocolError(`a stand-alone ${content.contentType} is not allowed; proposals go by value in commits`);
        if (content.epoch !== current) throw new MlsEpochError(content.epoch < current ? 'a commit of a past epoch (another commit won it)' : 'a commit of a future epoch (one is missing)', content.epoch, current);
        for (const p of content.commit.proposals) {
          if (p.proposalOrRefType !== 'proposal') throw new MlsProtocolError('a proposal reference in a commit');
          // Update proposals by value cannot be the committer's own (RFC 9420 §12.2).
          if (p.proposal.proposalType !== 'add' && p.proposal.proposalType !== 'remove') throw new MlsProtocolError(`a ${p.proposal.proposalType} proposal in a commit`);
        }
        if (content.sender.senderType !== 'member') throw new MlsProtocolError(`a commit by a ${content.sender.senderType} sender`);
        const committer = senderOf(state.ratchetTree, content.sender.leafIndex);
        const before = treeMembers(state.ratchetTree);
        const result = await authenticated((clientConfig) => mlsProcessMessage(m, { ...state, clientConfig }, emptyPskIndex, () => 'accept', cs));
        const next = result.newState;
        const epoch = next.groupContext.epoch;
        if (next.groupActiveState.kind === 'removedFromGroup') {
          return { kind: 'removed', epoch: current + 1n, group: Object.freeze({ roomId: group.roomId, [STATE]: { ...next, clientConfig: baseConfig } }) };
        }
        const after = treeMembers(next.ratchetTree);
        const same = (a: Member, b: Member | undefined) => b !== undefined && a.userId === b.userId && a.deviceId === b.deviceId && bytesEqual(a.signatureKey, b.signatureKey);
        const added = after.filter((a) => !same(a, before.find((b) => b.leafIndex === a.leafIndex)));
        const removed = before.filter((b) => !same(b, after.find((a) => a.leafIndex === b.leafIndex)));
        return { kind: 'commit', epoch, committer, added, removed, group: wrap(next, baseConfig) };
      }
      if (m.wireformat !== 'mls_private_message') throw new MlsProtocolError(`a ${m.wireformat} is not a group message`);
      const pm = m.privateMessage;
      if (!bytesEqual(pm.groupId, state.groupContext.groupId)) throw new MlsWrongGroupError('the message is of another group');
      if (pm.contentType !== 'application') throw new MlsProtocolError(`a ${pm.contentType} as PrivateMessage; handshakes must be PublicMessages`);
      if (pm.epoch > current) throw new MlsEpochError('an application message of a future epoch', pm.epoch, current);
      const past = pm.epoch < current ? state.historicalReceiverData.get(pm.epoch) : undefined;
      if (pm.epoch < current && past === undefined) throw new MlsEpochError(`an application message of epoch ${pm.epoch}, older than the ${RETAINED_PAST_EPOCHS} retained`, pm.epoch, current);
      const senderData = await decryptSenderData(pm, past?.senderDataSecret ?? state.keySchedule.senderDataSecret, cs).catch(() => undefined);
      if (senderData === undefined) throw new MlsProtocolError('could not decrypt the sender data');
      const sender = senderOf(past?.ratchetTree ?? state.ratchetTree, senderData.leafIndex);
      let result;
      try {
        result = await mlsProcessMessage(m, state, emptyPskIndex, () => 'accept', cs);
      } catch (e) {
        throw translate(e);
      }
      if (result.kind !== 'applicationMessage') throw new MlsProtocolError('expected an application message');
      return { kind: 'application', plaintext: result.message, sender, epoch: pm.epoch, group: wrap(result.newState, baseConfig) };
    },

    async encrypt(group, plaintext) {
      const state = stateOf(group);
      const cs = await cipherSuite();
      const paddingLength = paddingFor(plaintext, 64); // Ed25519 signatures are 64 bytes
      let result;
      try {
        result = await createApplicationMessage({ ...state, clientConfig: config(refusing, { kind: 'alwaysPad', paddingLength }) }, plaintext, cs);
      } catch (e) {
        throw translate(e);
      }
      const message = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: result.privateMessage });
      return { message, group: wrap(result.newState, baseConfig) };
    },

    members(group) {
      return treeMembers(group[STATE].ratchetTree);
    },

    epoch(group) {
      return group[STATE].groupContext.epoch;
    },

    ownLeafIndex(group) {
      return group[STATE].privatePath.leafIndex;
    },

    async exportSecret(group, label, context, length) {
      return mlsExporter(stateOf(group).keySchedule.exporterSecret, label, context, length, await cipherSuite());
    },

    serializeGroup(group) {
      const body = encodeGroupState(group[STATE]);
      const out = new Uint8Array(body.length + 1);
      out[0] = GROUP_FORMAT;
      out.set(body, 1);
      return out;
    },

    deserializeGroup(bytes) {
      if (bytes[0] !== GROUP_FORMAT) throw new MlsEngineError(`unknown group state format ${bytes[0]}`);
      const decoded = decodeGroupState(bytes, 1);
      if (decoded === undefined || decoded[1] !== bytes.length - 1) throw new MlsEngineError('corrupt group state');
      const state: ClientState = { ...decoded[0], clientConfig: baseConfig };
      if (state.groupActiveState.kind === 'removedFromGroup') {
        const roomId = parseRoomGroupId(state.groupContext.groupId) ?? -1;
        return Object.freeze({ roomId, [STATE]: state });
      }
      return wrap(state, baseConfig);
    },
  };
  return engine;
}

/** Version byte in front of ts-mls's encoding of a group state. */
const GROUP_FORMAT = 1;
/** Version of the JSON of serializeDevice / serializeKeyPackageSecrets. */
const JSON_FORMAT = 1;

/** A device identity as JSON (contains the private signing key: store it encrypted). */
export function serializeDevice(device: Device): string {
  return JSON.stringify({ v: JSON_FORMAT, userId: device.userId, deviceId: device.deviceId, pub: toBase64(device.signaturePublicKey), priv: toBase64(device.signaturePrivateKey) });
}

export function deserializeDevice(json: string): Device {
  const o = JSON.parse(json) as { v?: unknown; userId?: unknown; deviceId?: unknown; pub?: unknown; priv?: unknown };
  if (o.v !== JSON_FORMAT || typeof o.userId !== 'number' || typeof o.deviceId !== 'number' || typeof o.pub !== 'string' || typeof o.priv !== 'string') {
    throw new MlsEngineError('not a serialised device');
  }
  deviceIdentity(o.userId, o.deviceId);
  return { userId: o.userId, deviceId: o.deviceId, signaturePublicKey: fromBase64(o.pub), signaturePrivateKey: fromBase64(o.priv) };
}

/** Key-package private halves as JSON (secret: store it encrypted). */
export function serializeKeyPackageSecrets(secrets: readonly KeyPackageSecret[]): string {
  return JSON.stringify({
    v: JSON_FORMAT,
    packages: secrets.map((s) => ({ ref: toBase64(s.ref), kp: toBase64(s.keyPackage), init: toBase64(s.initPrivateKey), hpke: toBase64(s.hpkePrivateKey), lastResort: s.lastResort })),
  });
}

export function deserializeKeyPackageSecrets(json: string): KeyPackageSecret[] {
  const o = JSON.parse(json) as { v?: unknown; packages?: unknown };
  if (o.v !== JSON_FORMAT || !Array.isArray(o.packages)) throw new MlsEngineError('not serialised key-package secrets');
  return (o.packages as { ref: string; kp: string; init: string; hpke: string; lastResort: boolean }[]).map((p) => ({
    ref: fromBase64(p.ref),
    keyPackage: fromBase64(p.kp),
    initPrivateKey: fromBase64(p.init),
    hpkePrivateKey: fromBase64(p.hpke),
    lastResort: p.lastResort === true,
  }));
}
