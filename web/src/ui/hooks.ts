// Small React glue: the client's state as a hook, a minimal router on the History
// API, the theme, and formatting helpers shared by the screens.

import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { ChatClient, FileView } from '../client/client';
import type { RoomState, State } from '../client/state';
import type { EncryptedFile, ShownFile } from '../client/e2eeView';

export const ClientContext = createContext<ChatClient | null>(null);

export function useClient(): ChatClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('no ChatClient in context');
  return client;
}

export function useChatState(): State {
  const client = useClient();
  return useSyncExternalStore(client.subscribe, client.getState);
}

/**
 * The object URL of a file to show (thumbnail, full image, avatar or link preview
 * picture), fetched with the token and held while the component is mounted. `url` is
 * null while it loads (and after a failure, when `failed` is true and `error` says what
 * failed); a cached one is there at once. With `sealed` (a file of an encrypted
 * message), the whole file is downloaded and decrypted on this device instead (`view`
 * is then ignored).
 */
export function useFileUrl(id: string | undefined, view: FileView, sealed?: EncryptedFile): { url: string | null; failed: boolean; error?: unknown } {
  const client = useClient();
  const key = sealed ? `sealed:${sealed.file_id}:${sealed.key}` : id ? `${view}:${id}` : '';
  const peek = () => (sealed ? client.e2ee.files.peek(sealed) : id ? client.shownFile(id, view) : null);
  const [loaded, setLoaded] = useState<{ key: string; url: string | null; failed: boolean; error?: unknown }>(() => ({ key, url: peek(), failed: false }));
  useEffect(() => {
    if (!id && !sealed) return;
    let live = true;
    const held = sealed ? client.e2ee.files.show(sealed) : client.showFile(id as string, view);
    held.url.then(
      (url) => live && setLoaded({ key, url, failed: false }),
      (error: unknown) => live && setLoaded({ key, url: null, failed: true, error }),
    );
    return () => {
      live = false;
      held.release();
    };
    // `key` names what `sealed` and `id` hold: a new object for the same file is the same file.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);
  if (loaded.key === key) return loaded;
  return { url: peek(), failed: false };
}

/**
 * Saves a file to the device under its name: fetched with the token (and decrypted
 * here for a file of an encrypted message), then a download link.
 */
export function useSaveFile(): (file: ShownFile) => Promise<void> {
  const client = useClient();
  return useCallback(
    async (file: ShownFile) => {
      const blob = file.encrypted ? await client.e2ee.files.blob(file.encrypted) : await client.fileBlob(file.id);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = file.name;
      link.rel = 'noopener';
      document.body.appendChild(link);
      link.click();
      link.remove();
      // The download has its own copy by then; a minute leaves room for slow disks.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    [client],
  );
}

/** The picture of a room: the group's, or the other person's in a direct room. */
export function roomAvatarFile(state: State, room: RoomState): string | undefined {
  if (room.room.kind === 'group') return room.room.avatar_file_id;
  return room.peer !== undefined ? state.users[room.peer]?.avatar_file_id : undefined;
}

/** A person's picture, if they set one and their profile is known. */
export function userAvatarFile(state: State, id: number | undefined): string | undefined {
  return id !== undefined ? state.users[id]?.avatar_file_id : undefined;
}

/** `seq`: a message to open the room at (`/rooms/12?seq=40`, as notifications link). */
export type Route = { page: 'home' } | { page: 'room'; roomId: number; seq?: number } | { page: 'settings' } | { page: 'channels' };

export function parseRoute(path: string): Route {
  const url = new URL(path, 'http://confab.invalid');
  const room = /^\/rooms\/(\d+)\/?$/.exec(url.pathname);
  if (room?.[1]) {
    const seq = Number(url.searchParams.get('seq') ?? NaN);
    return Number.isSafeInteger(seq) && seq > 0 ? { page: 'room', roomId: Number(room[1]), seq } : { page: 'room', roomId: Number(room[1]) };
  }
  if (url.pathname === '/settings') return { page: 'settings' };
  if (url.pathname === '/channels') return { page: 'channels' };
  return { page: 'home' };
}

/**
 * The route and `go` (a new history entry). `replace` changes the current entry
 * instead, as after jumping to a `?seq=` message: going back must not jump again.
 */
export function useRoute(): [Route, (path: string) => void, (path: string) => void] {
  const here = () => location.pathname + location.search;
  const [path, setPath] = useState(here);
  useEffect(() => {
    const onPop = () => setPath(here());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((next: string) => {
    if (next !== here()) history.pushState(null, '', next);
    setPath(next);
  }, []);
  const replace = useCallback((next: string) => {
    history.replaceState(null, '', next);
    setPath(next);
  }, []);
  return [parseRoute(path), go, replace];
}

export type Theme = 'light' | 'dark' | 'system';

export function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('confab.theme') as Theme | null) ?? 'system');
  useEffect(() => {
    applyTheme(theme);
    localStorage.setItem('confab.theme', theme);
    const media = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => applyTheme(theme);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [theme]);
  return [theme, setTheme];
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function formatDay(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86_400_000);
  if (dayKey(iso) === dayKey(today.toISOString())) return 'Today';
  if (dayKey(iso) === dayKey(yesterday.toISOString())) return 'Yesterday';
  return dayFormat.format(d);
}

/** A day inside a sentence: "today", "yesterday" or "on 3 Nov 2026" (linked ..., last used ...). */
export function formatDayInSentence(iso: string): string {
  const day = formatDay(iso);
  return day === 'Today' || day === 'Yesterday' ? day.toLowerCase() : `on ${day}`;
}

/** Time for the room list: the time today, else the date. */
export function formatListTime(iso: string): string {
  return dayKey(iso) === dayKey(new Date().toISOString()) ? formatTime(iso) : shortDay.format(new Date(iso));
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? (words[0]?.[0] ?? '') + (words[1]?.[0] ?? '') : name.slice(0, 2);
  return letters.toUpperCase() || '?';
}

/** A stable colour class per id, for avatars (classes, not inline styles: see the CSP). */
export function colorClass(id: number): string {
  return `c${Math.abs(id) % 8}`;
}
