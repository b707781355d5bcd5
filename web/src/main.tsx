import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browserClient } from './client/client';
import { readProviderReturn, withoutProviderReturn } from './client/providers';
import { listenToServiceWorker, openPath, setAppBadge } from './client/push';
import { App } from './ui/App';
import { ClientContext, applyTheme, type Theme } from './ui/hooks';
import './styles.css';

applyTheme((localStorage.getItem('confab.theme') as Theme | null) ?? 'system');

const client = browserClient();
client.start();
// Back from an identity provider (`/?provider_flow=done`, or `failed&code=...`): take
// its answer out of the address at once, and finish the flow. A link, or anything
// that happened while signed in, is told in Settings.
const providerReturn = readProviderReturn(location.search);
if (providerReturn) {
  const { linking } = client.providerFlow.resume(providerReturn);
  const path = linking || client.signedIn ? '/settings' : location.pathname;
  history.replaceState(null, '', path + withoutProviderReturn(location.search) + location.hash);
}
client.push.start();
// A click on a notification: the service worker asks this page to open the message.
listenToServiceWorker(openPath);
let badge = -1;
client.notifications.subscribe(() => {
  const unread = client.notifications.getState().unread;
  if (unread !== badge) setAppBadge((badge = unread));
});
window.addEventListener('online', () => client.wake());
window.addEventListener('offline', () => client.offline());
// A file dropped anywhere but a conversation must not replace the app with the file.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
}
document.addEventListener('visibilitychange', () => {
  client.visibilityChanged();
  if (!document.hidden) client.wake();
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ClientContext.Provider value={client}>
        <App />
      </ClientContext.Provider>
    </StrictMode>,
  );
}
