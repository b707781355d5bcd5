import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64UrlBytes, browserPushEnv, PushDevice, type PushEnv, type PushSubscriptionLike, type RegistrationLike } from './push';
import type { PushSubscriptionRecord } from './types';

const KEY = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';

/** A browser with service workers and a push service (or one that refuses), and a server. */
function setup(options: { permission?: NotificationPermission; answer?: NotificationPermission; refuse?: Error; noWorker?: boolean; supported?: boolean } = {}) {
  const calls: string[] = [];
  let permission: NotificationPermission = options.permission ?? 'default';
  let browserSubscription: (PushSubscriptionLike & { key: Uint8Array }) | null = null;
  let server: PushSubscriptionRecord[] = [];
  const makeSubscription = (key: Uint8Array): PushSubscriptionLike & { key: Uint8Array } => {
    const subscription = {
      endpoint: `https://push.example/${calls.length}`,
      key,
      toJSON: () => ({ endpoint: subscription.endpoint, keys: { p256dh: 'p', auth: 'a' } }),
      unsubscribe: async () => {
        calls.push('browser unsubscribe');
        browserSubscription = null;
        return true;
      },
    };
    return subscription;
  };
  const registration: RegistrationLike = {
    pushManager: {
      subscribe: async ({ applicationServerKey }) => {
        calls.push(`browser subscribe ${applicationServerKey.length} bytes`);
        if (options.refuse) throw options.refuse;
        browserSubscription = makeSubscription(applicationServerKey);
        return browserSubscription;
      },
      getSubscription: async () => browserSubscription,
    },
    showNotification: async () => undefined,
  };
  const env: PushEnv = {
    supported: options.supported ?? true,
    permission: () => permission,
    requestPermission: async () => {
      calls.push('ask permission');
      permission = options.answer ?? 'granted';
      return permission;
    },
    registration: async () => (options.noWorker ? null : registration),
  };
  const rest = {
    get: async <T,>(path: string): Promise<T> => {
      calls.push(`GET ${path}`);
      if (path === '/push/key') return { public_key: KEY } as T;
      if (path === '/push/subscriptions') return { subscriptions: server } as T;
      throw new Error(`unexpected ${path}`);
    },
    post: async <T,>(path: string, body?: unknown): Promise<T> => {
      calls.push(`POST ${path} ${JSON.stringify(body)}`);
      const created = { id: server.length + 1, endpoint: (body as { endpoint: string }).endpoint, session_id: 7, created_at: '2026-11-26T10:00:00Z' };
      server = [...server, created];
      return created as T;
    },
    call: async <T,>(method: string, path: string): Promise<T> => {
      calls.push(`${method} ${path}`);
      server = server.filter((s) => path !== `/push/subscriptions/${s.id}`);
      return undefined as T;
    },
  };
  const device = new PushDevice(rest, env);
  return { device, calls, server: () => server, dropServer: () => (server = []), browser: () => browserSubscription };
}

describe('push on this device', () => {
  it('decodes the base64url VAPID key to the 65 bytes of an uncompressed P-256 point', () => {
    const bytes = base64UrlBytes(KEY);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
  });

  it('asks for the permission, subscribes with the server key and registers the subscription', async () => {
    const t = setup();
    await t.device.check();
    expect(t.device.getState()).toEqual({ status: 'off', error: null });
    await t.device.enable();
    expect(t.device.getState()).toEqual({ status: 'on', error: null });
    expect(t.calls).toEqual(['ask permission', 'GET /push/key', 'browser subscribe 65 bytes', `POST /push/subscriptions {"endpoint":"${t.browser()?.endpoint}","keys":{"p256dh":"p","auth":"a"}}`]);
    await t.device.check();
    expect(t.device.getState().status).toBe('on');
  });

  it('is off when the server forgot the subscription (its session ended)', async () => {
    const t = setup({ permission: 'granted' });
    await t.device.enable();
    t.dropServer();
    await t.device.check();
    expect(t.device.getState().status).toBe('off');
  });

  it('turns off: deletes the subscription on the server, then in the browser', async () => {
    const t = setup();
    await t.device.enable();
    await t.device.disable();
    expect(t.calls.slice(-3)).toEqual(['GET /push/subscriptions', 'DELETE /push/subscriptions/1', 'browser unsubscribe']);
    expect(t.server()).toEqual([]);
    expect(t.browser()).toBeNull();
    expect(t.device.getState().status).toBe('off');
  });

  it('unsubscribes at sign-out, and never fails it', async () => {
    const t = setup();
    await t.device.enable();
    await t.device.signOut();
    expect(t.calls.slice(-2)).toEqual(['DELETE /push/subscriptions/1', 'browser unsubscribe']);
    await expect(t.device.signOut()).resolves.toBeUndefined();
  });

  it('says so when the browser cannot subscribe (no push service), without throwing', async () => {
    const t = setup({ refuse: new DOMException('Registration failed - push service not available', 'AbortError') });
    await expect(t.device.enable()).resolves.toBeUndefined();
    const state = t.device.getState();
    expect(state.status).toBe('off');
    expect(state.error).toMatch(/could not subscribe to push notifications \(Registration failed - push service not available\)/);
    expect(t.calls.some((c) => c.startsWith('POST'))).toBe(false);
  });

  it('reports a refused or dismissed permission, a missing worker, and a browser without push', async () => {
    const blocked = setup({ answer: 'denied' });
    await blocked.device.enable();
    expect(blocked.device.getState().status).toBe('blocked');
    const already = setup({ permission: 'denied' });
    await already.device.check();
    expect(already.device.getState().status).toBe('blocked');

    const dismissed = setup({ answer: 'default' });
    await dismissed.device.enable();
    expect(dismissed.device.getState().status).toBe('off');
    expect(dismissed.device.getState().error).toMatch(/not allowed/);

    const noWorker = setup({ noWorker: true });
    await noWorker.device.enable();
    expect(noWorker.device.getState().status).toBe('off');
    expect(noWorker.device.getState().error).toMatch(/could not start/);

    const unsupported = setup({ supported: false });
    await unsupported.device.check();
    expect(unsupported.device.getState().status).toBe('unsupported');
    await unsupported.device.enable();
    expect(unsupported.device.getState().status).toBe('unsupported');
    expect(unsupported.calls).toEqual([]);
  });

  it('without a browser at all (no env) is unsupported', async () => {
    const device = new PushDevice({ get: async () => undefined as never, post: async () => undefined as never, call: async () => undefined as never }, null);
    await device.check();
    expect(device.getState().status).toBe('unsupported');
  });
});

describe('the browser', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('registers the service worker at / once, and waits for it to be ready', async () => {
    const registered: string[] = [];
    const registration = { pushManager: {} };
    vi.stubGlobal('navigator', {
      serviceWorker: {
        register: async (url: string, options: { scope: string }) => {
          registered.push(`${url} ${options.scope}`);
          return {};
        },
        ready: Promise.resolve(registration),
      },
    });
    vi.stubGlobal('PushManager', class {});
    vi.stubGlobal('Notification', { permission: 'default', requestPermission: async () => 'granted' });
    const env = browserPushEnv();
    expect(env.supported).toBe(true);
    expect(env.permission()).toBe('default');
    expect(await env.registration()).toBe(registration);
    expect(await env.registration()).toBe(registration);
    expect(registered).toEqual(['/sw.js /']);
  });

  it('is unsupported without PushManager, and a failed registration is no registration', async () => {
    vi.stubGlobal('navigator', { serviceWorker: { register: async () => Promise.reject(new Error('insecure')), ready: new Promise(() => undefined) } });
    vi.stubGlobal('Notification', { permission: 'granted' });
    const env = browserPushEnv();
    expect(env.supported).toBe(false);
    expect(await env.registration()).toBeNull();
  });
});
