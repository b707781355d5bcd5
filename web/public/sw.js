// Confab's service worker: shows Web Push notifications and opens the conversation
// when one is clicked. It caches nothing (every request goes to the network as
// without it). Plain JavaScript, served as it is from /sw.js (Vite copies public/).
//
// A push carries JSON (docs/protocol.md, "Web Push"): {notification_id, kind,
// room_id, seq, title, body, encrypted, url, unread_count}. The title and body are
// ready to show; `url` is /rooms/{room_id}?seq={seq}.

const ICON = '/icons/icon-192.png';
const BADGE = '/icons/badge-96.png';

self.addEventListener('install', () => {
  // A new version takes over at once: it holds no state an old page depends on.
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** A path of this origin, or `/`: a payload must not send anyone elsewhere. */
function samePath(url) {
  try {
    const target = new URL(url, self.location.origin);
    return target.origin === self.location.origin ? target.pathname + target.search : '/';
  } catch {
    return '/';
  }
}

/** Shows the unread count on the installed app's icon, where the browser can. */
function setBadge(count) {
  if (typeof count !== 'number' || !('setAppBadge' in self.navigator)) return Promise.resolve();
  return (count > 0 ? self.navigator.setAppBadge(count) : self.navigator.clearAppBadge()).catch(() => undefined);
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    // Not JSON: still show something (a push must show a notification).
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Confab';
  const options = {
    body: typeof data.body === 'string' ? data.body : 'You have a new notification.',
    // One notification per room: a newer one replaces it, and alerts again.
    tag: data.room_id !== undefined ? `room-${data.room_id}` : 'confab',
    renotify: data.room_id !== undefined,
    data: { url: samePath(data.url || '/'), room_id: data.room_id, seq: data.seq },
    icon: ICON,
    badge: BADGE,
  };
  event.waitUntil(Promise.all([self.registration.showNotification(title, options), setBadge(data.unread_count)]));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = samePath(event.notification.data?.url || '/');
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (!open) {
        await self.clients.openWindow(url);
        return;
      }
      // Focusing needs the click's user activation; without it the message still goes.
      await open.focus().catch(() => undefined);
      open.postMessage({ type: 'open', url });
    })(),
  );
});
