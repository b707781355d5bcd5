// End-to-end: notifications in the web client, and the service worker's Web Push
// handling. Chromium here has no internet, so it cannot subscribe at a real push
// service; the push is delivered to the worker through the DevTools protocol instead
// (the server's sending of Web Push has its own test in Rust). While the tab is hidden,
// the page itself pops up direct messages and mentions, not every group message.
/* global Document, navigator, self, NotificationEvent -- evaluated in the page and in the service worker */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, api, apiUser, createGroup, launchBrowser, newPage, PASSWORD, send, signUp, startServer, uniqueName } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Calls the API as `username` (a session of its own, beside the browser's). */
async function apiAs(username) {
  const signin = await fetch(`${server.url}/api/v1/auth/signin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD, device_name: 'e2e' }),
  });
  assert.equal(signin.status, 200, await signin.clone().text());
  const { tokens } = await signin.json();
  return async (method, path, body) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${tokens.access_token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return response.status === 204 ? null : response.json();
  };
}

/** The room id of the conversation on screen. */
function roomIdOf(page) {
  const id = /\/rooms\/(\d+)/.exec(page.url())?.[1];
  assert.ok(id, `no room in ${page.url()}`);
  return Number(id);
}

describe('the notification centre', () => {
  it('counts a mention on the bell, lists it, and opens the message', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    await createGroup(alice, 'Design review', [bobName]);
    await acceptInvitation(bob, 'Design review');
    await alice.getByText('Bob Stone joined').waitFor();
    // Alice looks elsewhere: a message she sees is read at once.
    await alice.getByRole('link', { name: /^Design review/ }).waitFor();
    await alice.goto(`${server.url}/settings`);
    await alice.getByRole('heading', { name: 'Settings' }).waitFor();

    await send(bob, 'Morning all, the mockups are in the shared folder');
    await send(bob, `@${aliceName} could you check the colours on the login screen?`);

    const bell = alice.getByRole('button', { name: 'Notifications, 1 unread' });
    await bell.waitFor();
    assert.equal(await alice.getByTestId('bell-badge').textContent(), '1');
    await bell.click();
    const panel = alice.getByRole('dialog', { name: 'Notifications' });
    const item = panel.getByRole('button', { name: /Bob Stone mentioned you in Design review/ });
    await item.waitFor();
    assert.match(await item.textContent(), /could you check the colours on the login screen/);
    assert.match(await item.textContent(), /unread/);
    // A plain group message is no notification.
    assert.equal(await panel.getByRole('listitem').count(), 1);

    await item.click();
    await alice.waitForURL(/\/rooms\/\d+$/);
    await alice.getByRole('heading', { level: 1, name: 'Design review' }).waitFor();
    await alice.locator('.msg__body', { hasText: 'could you check the colours' }).waitFor();
    // Read: the badge goes, on the server too (a reload asks it again).
    await alice.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    await alice.reload();
    await alice.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    await alice.getByRole('button', { name: 'Notifications', exact: true }).click();
    const read = alice.getByRole('dialog', { name: 'Notifications' }).getByRole('button', { name: /mentioned you/ });
    await read.waitFor();
    assert.doesNotMatch(await read.textContent(), /unread/);

    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });

  it('sets a room to Nothing and shows it muted in the list', async () => {
    const carol = await newPage(browser);
    const carolName = uniqueName('carol');
    await signUp(carol, server.url, carolName, 'Carol Diaz');
    await createGroup(carol, 'Random', []);
    await carol.getByRole('button', { name: 'Members' }).click();
    const levels = carol.getByRole('radiogroup', { name: 'Notifications' });
    assert.equal(await levels.getByRole('radio', { name: /Mentions and direct messages/ }).isChecked(), true);
    await levels.getByRole('radio', { name: /Nothing/ }).check();
    await carol.getByRole('link', { name: /^Random.*muted/ }).waitFor();
    await carol.reload();
    await carol.getByRole('link', { name: /^Random.*muted/ }).waitFor();
    assert.deepEqual(carol.problems, []);
    await carol.context().close();
  });
});

describe('pop-ups while the tab is hidden', () => {
  it('pop up direct messages and mentions, titled with the group, and not every group message', async () => {
    const alice = await apiUser(server, 'Alice Martin', 'alice');
    const bob = await apiUser(server, 'Bob Stone', 'bob');
    const carol = await apiUser(server, 'Carol Diaz', 'carol');
    const group = await api(server, bob.token, 'POST', '/rooms', { name: 'Design review', members: [alice.id, carol.id] });
    for (const who of [alice, carol]) await api(server, who.token, 'POST', `/invitations/${group.id}/accept`);
    const direct = await api(server, bob.token, 'POST', '/rooms/direct', { user_id: alice.id });
    let n = 0;
    const say = (who, room, text) => api(server, who.token, 'POST', `/rooms/${room}/messages`, { client_id: `pop-${++n}`, body: { type: 'text', text } });
    await say(bob, direct.id, 'Hello Alice');
    await api(server, alice.token, 'POST', `/invitations/${direct.id}/accept`).catch(() => undefined);

    // Alice's tab is hidden, with notifications allowed: record what would pop up.
    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.addInitScript(() => {
      window.popUps = [];
      Object.defineProperty(Document.prototype, 'hidden', { get: () => true, configurable: true });
      Object.defineProperty(Document.prototype, 'visibilityState', { get: () => 'hidden', configurable: true });
      const record = (title, options) => window.popUps.push({ title, body: options?.body ?? '' });
      window.Notification = class {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        constructor(title, options) {
          record(title, options);
        }
        close() {}
      };
      if (window.ServiceWorkerRegistration) window.ServiceWorkerRegistration.prototype.showNotification = async (title, options) => record(title, options);
    });
    await page.goto(server.url);
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: /^Design review/ }).waitFor();
    const popUps = () => page.evaluate(() => window.popUps);
    assert.deepEqual(await popUps(), []);

    await say(carol, group.id, 'The mockups are in the shared folder, have a look when you can');
    await say(carol, group.id, `@${alice.username} could you check the colours on the login screen?`);
    await say(bob, direct.id, 'Lunch at noon?');
    await page.waitForFunction(() => window.popUps.length >= 2, null, { timeout: 15_000 });
    // Anything else would have come with these: the group's plain message was first.
    await new Promise((r) => setTimeout(r, 1_000));
    const shown = (await popUps()).sort((a, b) => a.title.localeCompare(b.title));
    assert.deepEqual(shown, [
      { title: 'Bob Stone', body: 'Lunch at noon?' },
      { title: 'Carol Diaz in Design review', body: `@${alice.username} could you check the colours on the login screen?` },
    ]);
    await page.context().close();
  });
});

describe('the service worker', () => {
  it('shows a push and opens its message when the notification is clicked', async () => {
    const dana = await newPage(browser);
    const context = dana.context();
    await context.grantPermissions(['notifications'], { origin: server.url });
    const danaName = uniqueName('dana');
    await signUp(dana, server.url, danaName, 'Dana Kim');
    await createGroup(dana, 'Release notes', []);
    const roomId = roomIdOf(dana);
    // Enough history that the message is not on the newest page.
    const api = await apiAs(danaName);
    const target = await api('POST', `/rooms/${roomId}/messages`, { client_id: 'target', body: { type: 'text', text: 'Version 2.4 ships on Thursday' } });
    for (let i = 0; i < 60; i++) await api('POST', `/rooms/${roomId}/messages`, { client_id: `later-${i}`, body: { type: 'text', text: `Checklist item ${i}` } });
    await dana.goto(`${server.url}/`);
    await dana.getByRole('button', { name: 'New conversation' }).waitFor();

    // The page registers the worker at /; it takes control of the page.
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    assert.equal(new URL(worker.url()).pathname, '/sw.js');
    await dana.waitForFunction(() => navigator.serviceWorker.controller !== null);

    const cdp = await context.newCDPSession(dana);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: list }) => registrations.push(...list));
    await cdp.send('ServiceWorker.enable');
    const deadline = Date.now() + 10_000;
    while (!registrations.some((r) => r.scopeURL === `${server.url}/`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const registration = registrations.find((r) => r.scopeURL === `${server.url}/`);
    assert.ok(registration, 'the worker is registered at /');

    const payload = {
      notification_id: 41,
      kind: 'mention',
      room_id: roomId,
      seq: target.seq,
      title: 'Eli Park in Release notes',
      body: 'Version 2.4 ships on Thursday',
      encrypted: false,
      url: `/rooms/${roomId}?seq=${target.seq}`,
      unread_count: 1,
    };
    // Chromium may drop a push delivered while the worker is still starting (seen on a
    // loaded CI machine); the same push again replaces the first (one tag per room).
    const showing = () => worker.evaluate(async () => (await self.registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })));
    let shown = [];
    for (let attempt = 0; attempt < 4 && shown.length === 0; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId: registration.registrationId, data: JSON.stringify(payload) });
      const until = Date.now() + 5_000;
      while (shown.length === 0 && Date.now() < until) {
        shown = await showing();
        if (shown.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.deepEqual(shown, [
      { title: 'Eli Park in Release notes', body: 'Version 2.4 ships on Thursday', tag: `room-${roomId}`, data: { url: `/rooms/${roomId}?seq=${target.seq}`, room_id: roomId, seq: target.seq } },
    ]);

    // A click: the worker closes it and asks the open page to show the message.
    await worker.evaluate(async () => {
      const [notification] = await self.registration.getNotifications();
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
    });
    await dana.waitForURL(`${server.url}/rooms/${roomId}`);
    const message = dana.locator('.msg__body', { hasText: 'Version 2.4 ships on Thursday' });
    await message.waitFor();
    assert.ok(await message.isVisible());
    assert.deepEqual(await worker.evaluate(async () => (await self.registration.getNotifications()).length), 0);
    assert.deepEqual(dana.problems, []);
    await context.close();
  });

  it('serves the manifest, the icons and the worker with their types', async () => {
    const manifest = await fetch(`${server.url}/manifest.webmanifest`);
    assert.match(manifest.headers.get('content-type'), /^application\/manifest\+json/);
    const body = await manifest.json();
    assert.equal(body.display, 'standalone');
    for (const icon of body.icons) {
      const file = await fetch(`${server.url}${icon.src}`);
      assert.equal(file.status, 200, icon.src);
      assert.equal(file.headers.get('content-type'), icon.type);
    }
    const worker = await fetch(`${server.url}/sw.js`);
    assert.match(worker.headers.get('content-type'), /^text\/javascript/);
    const html = await (await fetch(`${server.url}/`)).text();
    assert.match(html, /<link rel="manifest" href="\/manifest.webmanifest"/);
  });
});
