// ChatClient: the one object the UI talks to. It owns the state (state.ts), the
// token pair and REST (rest.ts) and the WebSocket session (session.ts), and keeps
// them consistent:
//
// - the event stream (stream.ts): the fresh start's sync over REST, resume, resync,
//   each event applied once, and the `delivered` and `read` receipts;
// - edits, deletions and reactions, plain or encrypted (messageActions.ts; those made
//   offline wait in changes.ts), and typing indicators (typing.ts);
// - outbox (outbox.ts): a message gets a client_id at once and shows as pending; it
//   is sent when connected, re-sent with the same client_id after a reconnect (the
//   server stores it once), and disappears when its event arrives from the stream;
// - invitations and blocks (consent.ts): not in the event log, so after every
//   `ready` (fresh or resumed) they are fetched over REST; `invitation_received` and
//   `invitation_ended` frames that arrive meanwhile are applied after the answer, in
//   order, so neither a new invitation nor an ended one is lost to the race.
// - files: a file added to a composer uploads at once (uploads.ts: progress, errors,
//   retries, network failures retried when the connection is back); the message goes
//   into the outbox only once all its files are uploaded, carrying their ids, so it
//   can wait offline like any other. Files on screen: cached object URLs (media.ts).
// - history (history.ts): the loaded part of each room's timeline, and jumps to a
//   message (`openRoomAt`), which load the page around it; pinned messages (pins.ts),
//   loaded when a room opens and kept current by its events;
// - search (search.ts), notifications (notifications.ts) and this device's Web Push
//   subscription (push.ts) have stores of their own; the client feeds the last two
//   frames and `ready`.
// - passkeys (passkeys.ts): the REST calls, and signing in with one alone
//   (`signInWithPasskey`) or as the second factor of a password (`signIn` with
//   `passkey`), through the browser's WebAuthn (`deps.authenticator`).

import * as F from './files';
import { Account } from './account';
import { History } from './history';
import { forgetOutboxes, Outbox } from './outbox';
import { People } from './people';
import { PinnedMessages } from './pins';
import { RoomAdmin } from './rooms';
import { Consent } from './consent';
import { EventStream } from './stream';
import { MessageActions } from './messageActions';
import { TypingIndicators } from './typing';
import { E2ee } from './e2ee';
import { Uploads, type NewFile } from './uploads';
import { browserObjectUrls, filePath, ShownFiles, type FileView, type ObjectUrls } from './media';
import { NotificationCenter, type Notifier } from './notifications';
import { browserNotifier, browserPushEnv, PushDevice, type PushEnv } from './push';
import { ApiError, browserTimers, isSignedOutError, NetworkError, Rest, Tokens, UNREACHABLE_MESSAGE, type FetchFn, type KeyValueStorage, type Timers } from './rest';
import { Search } from './search';
import { ProviderFlow, Providers } from './providers';
import { assertPasskey, browserAuthenticator, Passkeys, registerPasskey, type Authenticator, type PasskeyAssertion, type PasskeyInfo } from './passkeys';
import { TwoFactor } from './twoFactor';
import { Session, type SocketFactory } from './session';
import * as S from './state';
import type {
  AuthResponse,
  EventId,
  FileInfo,
  PendingInvitation,
  Profile,
  ProviderOutcome,
  RoomId,
  Seq,
  PasskeySignInRequest,
  SignInRequest,
  SharedFilePage,
  UserId,
} from './types';

export interface ClientDeps {
  fetch: FetchFn;
  openSocket: SocketFactory;
  socketUrl: string;
  storage: KeyValueStorage;
  timers: Timers;
  random: () => number;
  newId: () => string;
  locks?: { request(name: string, fn: () => Promise<void>): Promise<void> };
  /** Shows a system notification (only called while the tab is hidden). */
  notify?: Notifier;
  /** Service workers and push (the browser's, where it has them). */
  push?: PushEnv;
  isHidden?: () => boolean;
  /** Sends one file upload with progress (XMLHttpRequest in the browser). */
  upload?: F.Uploader;
  /** Object URLs for downloaded files (the browser's `URL`). */
  objectUrls?: ObjectUrls;
  /** Storage for the tab only (sessionStorage): a provider flow's provider, across its pages. Defaults to `storage`. */
  tabStorage?: KeyValueStorage;
  /** Sends the page elsewhere (`location.assign`): to an identity provider. */
  navigate?: (url: string) => void;
  /** The browser's WebAuthn, for passkeys; none means this browser has no passkeys. */
  authenticator?: Authenticator;
}

/** A password sign-in, with a code (`second_factor`) or a passkey as the second factor. */
export type SignInInput = Omit<SignInRequest, 'device_name'>;

const NO_AUTHENTICATOR: Authenticator = {
  supported: () => false,
  create: () => Promise.reject(new Error('no authenticator')),
  get: () => Promise.reject(new Error('no authenticator')),
};

export type { NewFile } from './uploads';

export type { FileView } from './media';

export class ChatClient {
  private state: S.State = S.emptyState;
  private readonly listeners = new Set<() => void>();
  readonly tokens: Tokens;
  readonly rest: Rest;
  private readonly session: Session;
  private readonly stream: EventStream;
  /** Edits, deletions and reactions, and the queue of those waiting (`changes`). */
  readonly messageActions: MessageActions;
  private activeRoom: RoomId | null = null;
  private readonly typingIndicators: TypingIndicators;
  private readonly consent: Consent;
  private readonly uploads: Uploads;
  /** Object URLs of the files on screen. */
  private readonly shownFiles: ShownFiles;
  private readonly history: History;
  private readonly outbox: Outbox;
  /** Message search: its own state, which the search screen subscribes to. */
  readonly search: Search;
  /** My notifications, settings and room levels: a store of its own. */
  readonly notifications: NotificationCenter;
  /** This device's Web Push subscription. */
  readonly push: PushDevice;
  /** Two-factor sign-in and recovery codes of my account. */
  readonly twoFactor: TwoFactor;
  /** Identity providers: the REST calls, and my account's sign-in methods. */
  readonly providers: Providers;
  /** A sign-in (or link) through a provider, across the trip there and back. */
  readonly providerFlow: ProviderFlow;
  /** My passkeys (REST) and the sign-in challenge. */
  readonly passkeys: Passkeys;
  /** My profile, password and device sessions (REST). */
  readonly account: Account;
  /** Making direct rooms and groups, and managing groups (REST). */
  readonly rooms: RoomAdmin;
  /** Each room's pinned messages in the state: loaded when it opens, then kept current. */
  readonly pins: PinnedMessages;
  private readonly people: People;
  /** End-to-end encryption of this session (e2ee.ts). */
  readonly e2ee: E2ee;
  /** The browser's WebAuthn. */
  readonly authenticator: Authenticator;

  constructor(private readonly deps: ClientDeps) {
    this.shownFiles = new ShownFiles(deps.objectUrls ?? browserObjectUrls, (path) => this.rest.blob(path));
    this.tokens = new Tokens(deps.fetch, deps.storage, deps.timers, deps.locks);
    this.rest = new Rest(deps.fetch, this.tokens);
    this.people = new People({ rest: this.rest, state: () => this.state, set: (s) => this.set(s) });
    this.e2ee = new E2ee({ rest: this.rest, state: () => this.state, set: (s) => this.set(s), timers: deps.timers, newId: () => deps.newId() });
    this.rooms = new RoomAdmin({
      rest: this.rest,
      state: () => this.state,
      set: (s) => this.set(s),
      fetchRoom: (id) => this.stream.fetchRoom(id),
      createGroup: (id) => this.e2ee.createGroup(id),
    });
    this.account = new Account({ rest: this.rest, tokens: this.tokens, state: () => this.state, set: (s) => this.set(s) });
    const people = { resolveUsers: (ids: UserId[]) => void this.people.resolve(ids), refreshPresence: (ids: UserId[]) => void this.people.refreshPresence(ids) };
    this.history = new History({ rest: this.rest, state: () => this.state, set: (s) => this.set(s), ...people });
    this.pins = new PinnedMessages({ rooms: this.rooms, state: () => this.state, set: (s) => this.set(s), resolveUsers: people.resolveUsers, known: S.knownMessage });
    this.notifications = new NotificationCenter({
      rest: this.rest,
      timers: deps.timers,
      chat: () => this.state,
      resolveUsers: (ids) => this.people.resolve(ids),
      isHidden: deps.isHidden,
      notify: deps.notify,
    });
    this.push = new PushDevice(this.rest, deps.push ?? null);
    this.twoFactor = new TwoFactor(this.rest);
    this.providers = new Providers(this.rest);
    this.passkeys = new Passkeys(this.rest);
    this.authenticator = deps.authenticator ?? NO_AUTHENTICATOR;
    this.providerFlow = new ProviderFlow({
      providers: this.providers,
      complete: (username) => this.completeProviderFlow(username),
      navigate: deps.navigate ?? (() => undefined),
      storage: deps.tabStorage ?? deps.storage,
    });
    this.search = new Search({ get: (path, signal) => this.rest.get(path, signal), timers: deps.timers, onHits: (hits) => people.resolveUsers(hits.map((h) => h.sender_id)) });
    this.uploads = new Uploads({
      upload: deps.upload,
      tokens: this.tokens,
      timers: deps.timers,
      newId: () => deps.newId(),
      items: () => this.state.uploads,
      setItems: (uploads) => {
        if (uploads !== this.state.uploads) this.set({ ...this.state, uploads });
      },
    });
    this.session = new Session(
      deps.socketUrl,
      deps.openSocket,
      {
        token: () => this.tokens.accessToken,
        onReady: (frame, resumed) => {
          this.e2ee.start(frame.user_id, frame.session_id);
          void this.consent.refresh();
          void this.notifications.refresh();
          this.stream.onReady(frame.cursor, resumed);
        },
        onKeyPackagesLow: (deviceId) => this.e2ee.onKeyPackagesLow(deviceId),
        onEvent: (event) => this.stream.onEvent(event),
        onResync: (cursor) => this.stream.onResync(cursor),
        onTyping: (frame) => this.typingIndicators.onFrame(frame.room_id, frame.user_id, frame.typing),
        onPresence: (presence) => this.set(S.setPresence(this.state, [presence])),
        onProfile: (profile) => this.set(S.updateProfile(this.state, profile)),
        onInvitation: (frame) => this.consent.onFrame(frame),
        onNotification: (frame) => this.notifications.onFrame(frame),
        onIncompatible: () => this.setConnection('outdated'),
        onStatus: (status) => {
          if (status === 'connecting') this.setConnection('connecting');
          else if (status === 'closed') {
            this.stream.socketClosed();
            this.setConnection('offline');
          }
        },
        onAuthFailed: (code) => this.onAuthFailed(code),
      },
      deps.timers,
      deps.random,
    );
    this.consent = new Consent({
      rest: this.rest,
      timers: deps.timers,
      state: () => this.state,
      set: (s) => this.set(s),
      generation: () => this.stream.generation,
      isReady: () => this.session.isReady,
      ...people,
      announce: (invitation) => void this.notifications.announceInvitation(invitation),
    });
    this.typingIndicators = new TypingIndicators({ session: this.session, timers: deps.timers, state: () => this.state, set: (s) => this.set(s), signedIn: () => this.signedIn });
    this.messageActions = new MessageActions({
      rest: this.rest,
      session: this.session,
      e2ee: this.e2ee,
      state: () => this.state,
      set: (s) => this.set(s),
      storage: deps.storage,
      timers: deps.timers,
      newId: () => deps.newId(),
      refreshToken: () => this.tokens.refresh(),
    });
    this.outbox = new Outbox({
      state: () => this.state,
      set: (s) => this.set(s),
      session: this.session,
      storage: deps.storage,
      timers: deps.timers,
      newId: () => deps.newId(),
      refreshToken: () => this.tokens.refresh(),
      onRefused: (roomId, error) => this.messageActions.noteRefusal(roomId, error),
      sendEncrypted: (pending) => this.messageActions.sendEncrypted(pending),
    });
    this.stream = new EventStream({
      rest: this.rest,
      session: this.session,
      timers: deps.timers,
      state: () => this.state,
      set: (s) => this.set(s),
      setConnection: (connection) => this.setConnection(connection),
      activeRoom: () => this.activeRoom,
      isHidden: () => deps.isHidden?.() ?? false,
      openHistory: (roomId) => this.history.open(roomId),
      people: this.people,
      outbox: this.outbox,
      changes: this.messageActions.changes,
      onApplied: (event) => { this.e2ee.onEvent(event); this.pins.onEvent(event); },
    });
    this.tokens.onChange((stored) => {
      if (!stored) {
        this.session.stop();
        this.forgetLocalData();
        this.reset();
        return;
      }
      // The open socket gets the new access token before the old one expires.
      if (this.session.isReady && stored.tokens) this.session.request({ type: 'refresh', token: stored.tokens.access_token }).catch(() => undefined);
    });
    const stored = this.tokens.stored;
    if (stored) this.state = S.addUsers({ ...this.state, me: stored.user }, [stored.user]);
  }

  // ---- state access (for useSyncExternalStore) ----

  getState = (): S.State => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: S.State): void {
    if (next === this.state) return;
    this.state = next;
    this.e2ee?.noteState();
    for (const l of this.listeners) l();
  }

  private setConnection(connection: S.ConnectionStatus): void {
    if (this.state.connection === connection) return;
    // Offline, this client no longer hears of presence: showing what it last heard
    // would show people online who left. It asks again once connected.
    const presence = connection === 'offline' ? {} : this.state.presence;
    this.set({ ...this.state, connection, presence });
    // Uploads that failed for want of a network go again now that it is back.
    if (connection === 'online') {
      for (const item of this.state.uploads) if (item.status === 'failed' && item.error?.reason === 'network') this.retryUpload(item.id);
    }
  }

  /** The id of the last event applied: where a reconnect resumes. */
  get cursor(): EventId | null {
    return this.session.cursor;
  }

  // ---- lifecycle ----

  get signedIn(): boolean {
    return this.tokens.stored !== null;
  }

  /** Connects with the stored session, if any. */
  start(): void {
    const stored = this.tokens.stored;
    if (!stored) return;
    this.set({ ...S.addUsers({ ...this.state, me: stored.user }, [stored.user]), pending: this.outbox.load(stored.user.id), changes: this.messageActions.changes.load(stored.user.id) });
    this.typingIndicators.start();
    void this.connectWithToken();
  }

  /** Connects once there is an access token: after a reload, a refresh gets one first. */
  private async connectWithToken(): Promise<void> {
    if (!this.tokens.accessToken) {
      this.setConnection('connecting');
      try {
        await this.tokens.refresh();
      } catch (error) {
        // Signed out (the session is over): the token listener has reset everything.
        if (!isSignedOutError(error) && this.tokens.stored) {
          this.setConnection('offline');
          this.deps.timers.setTimeout(() => void this.connectWithToken(), 2_000);
        }
        return;
      }
    }
    this.tokens.schedule();
    this.session.start();
  }

  /**
   * Removes what this browser kept for the signed-out user: the session's profile
   * (done by `Tokens`) and every unsent message of any account. Only the theme, which
   * is the browser's, stays.
   */
  private forgetLocalData(): void {
    forgetOutboxes(this.deps.storage);
    // The session is over: so is its MLS device, and its secrets go.
    this.e2ee.forget();
  }

  /** Call when the browser says the network is back or the tab became visible. */
  wake(): void {
    this.session.wake();
  }

  /** Call when the browser reports that the network is gone. */
  offline(): void {
    this.session.suspend();
  }

  async signUp(input: { username: string; password: string; display_name?: string }): Promise<void> {
    this.adoptSession(await this.rest.post<AuthResponse>('/auth/signup', { ...input, device_name: deviceName() }));
  }

  /**
   * Signs in. An account with two-factor sign-in on refuses with
   * `second_factor_required` until the same request comes again with `second_factor`
   * (see twoFactor.ts, `signInRefusal`), or with `passkey` (see
   * `passkeySecondFactor`).
   */
  async signIn(input: SignInInput): Promise<void> {
    this.adoptSession(await this.rest.post<AuthResponse>('/auth/signin', { ...input, device_name: deviceName() } satisfies SignInRequest));
  }

  /**
   * Signs in with a passkey alone, no username typed: the browser offers the passkeys
   * it has for this server. Throws a PasskeyError (cancelled, unsupported), the
   * server's ApiError (`passkey_rejected`, `passkey_ceremony_invalid`) or NetworkError.
   */
  async signInWithPasskey(): Promise<void> {
    const assertion = await assertPasskey(this.passkeys, this.authenticator);
    this.adoptSession(await this.rest.post<AuthResponse>('/auth/passkey/signin', { ...assertion, device_name: deviceName() } satisfies PasskeySignInRequest));
  }

  /** A passkey for the second step of a password sign-in: pass it to `signIn` as `passkey`. */
  passkeySecondFactor(): Promise<PasskeyAssertion> {
    return assertPasskey(this.passkeys, this.authenticator);
  }

  /** Registers a passkey for my account (the password when it has one) under `name`. */
  addPasskey(input: { password?: string; name?: string }): Promise<PasskeyInfo> {
    return registerPasskey(this.passkeys, this.authenticator, input);
  }

  /**
   * Completes the identity provider flow of this browser (its cookie); with
   * `username`, creates the account. A `signed_in` outcome signs in as a password
   * sign-in does. Use `providerFlow`, which calls this.
   */
  private async completeProviderFlow(username?: string): Promise<ProviderOutcome> {
    const outcome = await this.providers.complete({ username, device_name: deviceName() });
    if (outcome.outcome === 'signed_in') this.adoptSession(outcome.auth);
    return outcome;
  }

  /** The new session of a sign-up or sign-in: kept, and connected. */
  private adoptSession(auth: AuthResponse): void {
    this.tokens.set(auth);
    this.start();
  }

  async signOut(): Promise<void> {
    await this.push.signOut();
    try {
      await this.rest.post('/auth/signout');
    } catch {
      // Signing out locally matters more than telling the server.
    }
    this.tokens.clear();
  }

  private reset(): void {
    this.e2ee.stop();
    this.uploads.clear();
    this.search.clear();
    this.notifications.clear();
    this.shownFiles.clear();
    this.stream.reset();
    this.consent.reset();
    this.session.cursor = null;
    this.activeRoom = null;
    this.set(S.emptyState);
  }

  private async onAuthFailed(code: string): Promise<boolean> {
    if (code === 'token_expired') {
      try {
        await this.tokens.refresh();
        return true;
      } catch (error) {
        return !isSignedOutError(error);
      }
    }
    if (code === 'internal') return true;
    this.tokens.clear();
    return false;
  }

  // ---- invitations and blocks (consent.ts) ----

  /** Accepts my invitation to a room (or a message request): I join, and it is listed. */
  acceptInvitation(roomId: RoomId): Promise<RoomId> {
    return this.consent.accept(roomId);
  }

  /** Declines my invitation to a room; whoever sent it is not told. */
  declineInvitation(roomId: RoomId): Promise<void> {
    return this.consent.decline(roomId);
  }

  /** Blocks someone: they can no longer invite me, message me, or see my presence. */
  blockUser(userId: UserId): Promise<void> {
    return this.consent.block(userId);
  }

  unblockUser(userId: UserId): Promise<void> {
    return this.consent.unblock(userId);
  }

  /** Fetches the blocked list again (Settings does when it opens). */
  refreshBlocks(): Promise<void> {
    return this.consent.refreshBlocks();
  }

  /** The pending invitations of a room I am in (shown in its details panel). */
  loadRoomInvitations(roomId: RoomId): Promise<void> {
    return this.consent.loadRoomInvitations(roomId);
  }

  /** Invites people to a group; answers the invitations made. */
  invite(roomId: RoomId, userIds: UserId[]): Promise<PendingInvitation[]> {
    return this.consent.invite(roomId, userIds);
  }

  /** Withdraws an invitation (mine, or anyone's as an admin or the owner). */
  withdrawInvitation(roomId: RoomId, userId: UserId): Promise<void> {
    return this.consent.withdraw(roomId, userId);
  }

  // ---- rooms ----

  /** The room on screen: its history is loaded and it is marked read while visible. */
  async openRoom(roomId: RoomId | null): Promise<void> {
    if (this.activeRoom !== null && this.activeRoom !== roomId) this.stopTyping();
    this.activeRoom = roomId;
    this.e2ee.setActive(roomId);
    if (roomId === null || !this.state.rooms[roomId]) return;
    void this.pins.load(roomId).catch(() => undefined);
    if (this.state.rooms[roomId]?.timeline === null) await this.history.open(roomId);
    this.stream.markRead(roomId);
  }

  /**
   * Opens a room at one of its messages (a search hit, a quoted reply, a notification,
   * a `/rooms/{id}?seq=N` link): loads the history around it unless it is loaded, and
   * sets the room's `focus`, which the conversation scrolls to and flashes. Before the
   * room list has come, the jump waits for it.
   */
  async openRoomAt(roomId: RoomId, seq: Seq): Promise<void> {
    if (this.activeRoom !== null && this.activeRoom !== roomId) this.stopTyping();
    this.activeRoom = roomId;
    await this.history.jump(roomId, seq);
    this.stream.markRead(roomId);
  }

  /** The conversation showed the message a jump asked for. */
  focusShown(roomId: RoomId): void {
    this.history.focusShown(roomId);
  }

  /** Loads the page before the oldest loaded event; false when there is none. */
  loadOlder(roomId: RoomId): Promise<boolean> {
    return this.history.older(roomId);
  }

  /** After a jump: loads the page after the newest loaded event; false at the end. */
  loadNewer(roomId: RoomId): Promise<boolean> {
    return this.history.newer(roomId);
  }

  /** After a jump: goes back to the newest messages. */
  showLatest(roomId: RoomId): Promise<void> {
    return this.history.latest(roomId);
  }

  /** Call when the tab's visibility changes. */
  visibilityChanged(): void {
    const hidden = this.deps.isHidden?.() ?? false;
    this.session.notify({ type: 'presence', status: hidden ? 'away' : 'online' });
    if (!hidden && this.activeRoom !== null) this.stream.markRead(this.activeRoom);
  }

  // ---- the outbox (outbox.ts) ----

  /**
   * Queues a message; it shows as pending until the server's event replaces it.
   * `attachments` are files uploaded already.
   */
  sendMessage(roomId: RoomId, text: string, replyTo?: Seq, attachments?: F.ShownFile[]): void {
    this.stopTyping();
    this.outbox.send(roomId, text, replyTo, attachments);
  }

  /** Sends a failed message again, with the same client_id. */
  retry(clientId: string): void {
    this.outbox.retry(clientId);
  }

  discard(clientId: string): void {
    this.outbox.discard(clientId);
  }

  // ---- files ----

  /**
   * Adds files to a room's composer and starts uploading each at once. A message
   * carries at most MAX_ATTACHMENTS files: answers how many were left out.
   */
  addFiles(roomId: RoomId, files: NewFile[]): number {
    return this.uploads.add(roomId, files, this.state.rooms[roomId]?.room.encrypted === true);
  }

  /** Uploads a failed file again, with the same client_id. */
  retryUpload(id: string): void {
    this.uploads.retry(id);
  }

  /** The bytes of a file waiting in a composer (for its preview). */
  pendingBlob(id: string): Blob | undefined {
    return this.uploads.blob(id);
  }

  /** Removes a file from its composer, cancelling its upload if it is running. */
  removeUpload(id: string): void {
    this.uploads.remove([id]);
  }

  /**
   * Sends what a room's composer holds: its text and its files. Only once every
   * file is uploaded (false, and nothing happens, while one is uploading or failed,
   * or when there is nothing to send); the message then waits in the outbox like any
   * other, offline too, since it carries only the files' ids.
   */
  sendWithFiles(roomId: RoomId, text: string, replyTo?: Seq): boolean {
    const files = this.uploads.takeForSending(roomId, text);
    if (!files) return false;
    this.sendMessage(roomId, text, replyTo, files);
    return true;
  }

  /** A file's bytes (or its thumbnail's), fetched with the token. */
  fileBlob(id: string, thumbnail = false): Promise<Blob> {
    return this.rest.blob(filePath(id, thumbnail));
  }

  /**
   * An object URL showing a file, loaded once and cached; call `release` when it is
   * no longer on screen. A thumbnail or avatar may stay cached after that (and is
   * revoked when the cache is full); a full image is revoked soon after.
   */
  showFile(id: string, view: FileView): { url: Promise<string>; release: () => void } {
    return this.shownFiles.acquire(id, view);
  }

  /** The object URL of a file already loaded (to draw it at once), or null. */
  shownFile(id: string, view: FileView): string | null {
    return this.shownFiles.peek(id, view);
  }

  /** A page of the files shared in a room, newest first; `before` is the last page's `next_before`. */
  async roomFiles(roomId: RoomId, before?: Seq, limit = 30): Promise<SharedFilePage> {
    const page = await this.rest.get<SharedFilePage>(`/rooms/${roomId}/files?limit=${limit}${before !== undefined ? `&before=${before}` : ''}`);
    void this.people.resolve(page.files.map((f) => f.sender_id));
    return page;
  }

  // ---- typing (typing.ts) ----

  /** Call on each keystroke in the composer. */
  typing(roomId: RoomId): void {
    this.typingIndicators.keystroke(roomId);
  }

  stopTyping(): void {
    this.typingIndicators.stop();
  }

  // ---- people (people.ts) ----

  /** People whose username, or a word of whose display name, starts with `text`. */
  searchUsers(text: string): Promise<Profile[]> {
    return this.people.search(text);
  }

  // ---- my account (account.ts; the rest of it is `account`) ----

  /** Uploads an image (for an avatar); answers the file. */
  uploadImage(blob: Blob, name: string, onProgress?: (loaded: number) => void): Promise<FileInfo> {
    return this.uploads.send(name || 'photo', blob, this.deps.newId(), { onProgress });
  }
}

function deviceName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

/** The client wired to the browser's fetch, WebSocket, storage and timers. */
export function browserClient(): ChatClient {
  const push = browserPushEnv();
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new ChatClient({
    fetch: (input, init) => fetch(input, init),
    openSocket: (url) => new WebSocket(url) as unknown as import('./session').SocketLike,
    socketUrl: `${scheme}//${location.host}/api/v1/ws`,
    storage: localStorage,
    timers: browserTimers,
    random: Math.random,
    newId: () => crypto.randomUUID(),
    locks: 'locks' in navigator ? { request: async (name, fn) => { await navigator.locks.request(name, fn); } } : undefined,
    isHidden: () => document.hidden,
    upload: F.xhrUploader,
    objectUrls: browserObjectUrls,
    notify: browserNotifier(push),
    push,
    tabStorage: sessionStorage,
    navigate: (url) => location.assign(url),
    authenticator: browserAuthenticator,
  });
}

export { ApiError, NetworkError, UNREACHABLE_MESSAGE };
