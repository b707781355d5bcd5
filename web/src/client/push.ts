// Web Push on this device, and the system notifications of the open page.
//
// The service worker (public/sw.js) is registered at `/` when the page starts. It
// shows the server's pushes (the server pushes only while none of my devices is
// active) and, on a click, focuses a Confab window and posts it `{type: 'open', url}`,
// or opens one. Turning push on asks for the permission, subscribes with the server's
// VAPID key (`GET /push/key`) and registers the subscription with the server, which
// binds it to this device's session; turning it off (or signing out) deletes it there
// and unsubscribes. A browser without a reachable push service refuses to subscribe:
// that is a message for the user, not an error.
//
// The page shows its own notifications through the worker's registration too, with
// the same tag per room, so that a push and the page's notification of the same
// room replace each other and every click takes the same path.

import type { Notifier } from './notifications';
import type { Rest } from './rest';
import type { PushKey, PushSubscriptionList, PushSubscriptionRecord, RoomId } from './types';

/** The parts of a `PushSubscription` used here. */
export interface PushSubscriptionLike {
  readonly endpoint: string;
  toJSON(): unknown;
  unsubscribe(): Promise<boolean>;
}

/** The parts of a `ServiceWorkerRegistration` used here. */
export interface RegistrationLike {
  pushManager: {
    subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array<ArrayBuffer> }): Promise<PushSubscriptionLike>;
    getSubscription(): Promise<PushSubscriptionLike | null>;
  };
  showNotification(title: string, options: NotificationOptions): Promise<void>;
}

/** What the browser offers (tests pass a fake). */
export interface PushEnv {
  /** Whether the browser has service workers, PushManager and notifications at all. */
  supported: boolean;
  permission(): NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  /** The service worker's registration once it is active; null when there is none. */
  registration(): Promise<RegistrationLike | null>;
}

/** `unknown` until checked; `working` while turning on or off. */
export type PushStatus = 'unknown' | 'unsupported' | 'blocked' | 'off' | 'on' | 'working';

export interface PushState {
  status: PushStatus;
  /** Why the last attempt failed, in words for the settings page. */
  error: string | null;
}

/** How long signing out waits for the push subscription to go. */
const SIGN_OUT_WAIT_MS = 3_000;

/** base64url (as the server gives the VAPID key) to bytes. */
export function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function reason(error: unknown): string {
  return error instanceof Error && error.message ? error.message : String(error);
}

/** This device's push subscription: its state for the settings page, turning it on and off. */
export class PushDevice {
  private state: PushState = { status: 'unknown', error: null };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly rest: Pick<Rest, 'get' | 'post' | 'call'>,
    private readonly env: PushEnv | null,
  ) {}

  getState = (): PushState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(status: PushStatus, error: string | null = null): void {
    this.state = { status, error };
    for (const l of this.listeners) l();
  }

  /** Registers the service worker (at start-up, so that a click on a notification reaches the page). */
  start(): void {
    if (this.env?.supported) void this.env.registration();
  }

  /** The browser's subscription, if it has one. */
  private async current(): Promise<PushSubscriptionLike | null> {
    const registration = await this.env?.registration();
    return registration ? registration.pushManager.getSubscription() : null;
  }

  /** The server's record of this browser's subscription, if it has one. */
  private async registered(subscription: PushSubscriptionLike): Promise<PushSubscriptionRecord | undefined> {
    const { subscriptions } = await this.rest.get<PushSubscriptionList>('/push/subscriptions');
    return subscriptions.find((s) => s.endpoint === subscription.endpoint);
  }

  /** Finds out whether push is on for this device (the settings page asks when it opens). */
  async check(): Promise<void> {
    const env = this.env;
    if (!env?.supported) return this.set('unsupported');
    if (env.permission() === 'denied') return this.set('blocked');
    try {
      const subscription = await this.current();
      // The server forgets a subscription with its session (a sign-out elsewhere, say).
      const on = subscription !== null && env.permission() === 'granted' && (await this.registered(subscription)) !== undefined;
      this.set(on ? 'on' : 'off');
    } catch (error) {
      this.set('off', `Could not find out whether notifications are on: ${reason(error)}.`);
    }
  }

  /** Asks for the permission, subscribes and tells the server. */
  async enable(): Promise<void> {
    const env = this.env;
    if (!env?.supported) return this.set('unsupported');
    this.set('working');
    const permission = await env.requestPermission().catch(() => env.permission());
    if (permission === 'denied') return this.set('blocked');
    if (permission !== 'granted') return this.set('off', 'Notifications were not allowed. Turn them on again to be asked once more.');
    let subscription: PushSubscriptionLike;
    try {
      const registration = await env.registration();
      if (!registration) return this.set('off', 'The notification service of this page could not start. Reload the page and try again.');
      const { public_key } = await this.rest.get<PushKey>('/push/key');
      const options = { userVisibleOnly: true, applicationServerKey: base64UrlBytes(public_key) };
      try {
        subscription = await registration.pushManager.subscribe(options);
      } catch (error) {
        // A subscription made with another server key (the key was replaced) must go first.
        const old = await registration.pushManager.getSubscription();
        if (!old) throw error;
        await old.unsubscribe();
        subscription = await registration.pushManager.subscribe(options);
      }
    } catch (error) {
      return this.set(
        'off',
        `This browser could not subscribe to push notifications (${reason(error)}). Its push service may be unreachable or turned off. Confab still notifies you while it is open.`,
      );
    }
    try {
      await this.rest.post('/push/subscriptions', subscription.toJSON());
      this.set('on');
    } catch (error) {
      await subscription.unsubscribe().catch(() => false);
      this.set('off', `The server did not take the subscription: ${reason(error)}.`);
    }
  }

  /** Deletes this device's subscription on the server, then in the browser. */
  async disable(): Promise<void> {
    if (!this.env?.supported) return this.set('unsupported');
    this.set('working');
    try {
      await this.unregister();
      this.set(this.env.permission() === 'denied' ? 'blocked' : 'off');
    } catch (error) {
      this.set('on', `Could not turn notifications off: ${reason(error)}.`);
    }
  }

  private async unregister(): Promise<void> {
    const subscription = await this.current();
    if (!subscription) return;
    const record = await this.registered(subscription);
    if (record) await this.rest.call('DELETE', `/push/subscriptions/${record.id}`);
    await subscription.unsubscribe();
  }

  /**
   * Before signing out: the server would drop the subscription with the session, but
   * the browser's stays until unsubscribed. Never fails (signing out matters more).
   */
  async signOut(): Promise<void> {
    if (!this.env?.supported) return;
    const done = this.unregister().catch(async () => {
      // The session may be over already; the browser's subscription still goes.
      await (await this.current().catch(() => null))?.unsubscribe().catch(() => false);
    });
    // A service worker that never becomes ready must not hold the sign-out up.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, SIGN_OUT_WAIT_MS)))]);
    clearTimeout(timer);
    this.state = { status: 'unknown', error: null };
  }
}

// ---- the browser ----

/** The service worker's script; registered at `/` so that it sees every page. */
export const SERVICE_WORKER_URL = '/sw.js';

/** The browser's service worker and notification APIs (null-safe where absent). */
export function browserPushEnv(): PushEnv {
  const container = typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker : undefined;
  const hasNotification = typeof Notification !== 'undefined';
  let registered: Promise<RegistrationLike | null> | null = null;
  return {
    supported: container !== undefined && typeof PushManager !== 'undefined' && hasNotification,
    permission: () => (hasNotification ? Notification.permission : 'denied'),
    requestPermission: () => (hasNotification ? Notification.requestPermission() : Promise.resolve('denied')),
    registration: () => {
      if (!container) return Promise.resolve(null);
      registered ??= container
        .register(SERVICE_WORKER_URL, { scope: '/' })
        .then(() => container.ready)
        .catch(() => null);
      return registered;
    },
  };
}

/** Goes to a path of the app as a click on a link would (the router listens to popstate). */
export function openPath(url: string): void {
  const target = new URL(url, location.origin);
  if (target.origin !== location.origin) return;
  history.pushState(null, '', target.pathname + target.search);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Opens what the service worker asks for (a click on a notification). */
export function listenToServiceWorker(open: (url: string) => void): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; url?: unknown } | null;
    if (data?.type === 'open' && typeof data.url === 'string') open(data.url);
  });
}

/** Icons of Confab's notifications (the badge is the small monochrome one of Android). */
const ICON = '/icons/icon-192.png';
const BADGE = '/icons/badge-96.png';

/**
 * The page's system notifications: through the service worker when it runs (a click
 * then goes where a push's would), else a plain `Notification`.
 */
export function browserNotifier(env: PushEnv): Notifier {
  return (title: string, body: string, roomId: RoomId, url: string) => {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const options: NotificationOptions = { body, tag: `room-${roomId}`, data: { url, room_id: roomId }, icon: ICON, badge: BADGE };
    void env.registration().then(
      (registration) => (registration ? registration.showNotification(title, options) : plainNotification(title, options, url)),
      () => plainNotification(title, options, url),
    );
  };
}

function plainNotification(title: string, options: NotificationOptions, url: string): void {
  const notification = new Notification(title, options);
  notification.onclick = () => {
    window.focus();
    openPath(url);
    notification.close();
  };
}

/** Shows the unread count on the installed app's icon, where the browser can. */
export function setAppBadge(count: number): void {
  if (typeof navigator === 'undefined' || !('setAppBadge' in navigator)) return;
  void (count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge()).catch(() => undefined);
}
