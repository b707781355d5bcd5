// The notification centre on screen: a bell with the unread count in the room list's
// header, and the panel it opens (who did what where, the message's start, when;
// unread ones marked). A click opens the room at the message (`?seq=`, which App
// hands to ChatClient.openRoomAt) and marks the notification read.

import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type RefObject } from 'react';
import { describeNotification, type NotificationsState } from '../client/notifications';
import type { State } from '../client/state';
import type { NotificationRecord } from '../client/types';
import { Avatar } from './Avatar';
import { formatListTime, useChatState, useClient, userAvatarFile } from './hooks';
import './notifications.css';

export function useNotifications(): NotificationsState {
  const center = useClient().notifications;
  return useSyncExternalStore(center.subscribe, center.getState);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** "now", "5 min. ago", "3 hr. ago", "yesterday", then the date. */
export function formatRelative(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds > -60) return relative.format(0, 'second');
  if (seconds > -3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (seconds > -86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (seconds > -2 * 86_400) return relative.format(-1, 'day');
  return formatListTime(iso);
}

function BellIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <path d="M6 16V11a6 6 0 0112 0v5l1.5 2h-15zM10 20.5a2.2 2.2 0 004 0" className="stroke" />
    </svg>
  );
}

/** A muted room's mark in the room list (a crossed-out bell). */
export function MutedIcon() {
  return (
    <span className="room__muted" title="Muted" aria-hidden="true">
      <svg viewBox="0 0 24 24" width="15" height="15">
        <path d="M6 16V11a6 6 0 0112 0v5l1.5 2h-15zM10 20.5a2.2 2.2 0 004 0M4 4l16 16" className="stroke" />
      </svg>
    </span>
  );
}

/** The bell: opens the panel; its badge counts the unread notifications. */
export function NotificationBell({ go }: { go: (path: string) => void }) {
  const { unread } = useNotifications();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const shown = unread > 99 ? '99+' : String(unread);
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="btn btn--ghost btn--icon bell__button"
        aria-label={unread > 0 ? `Notifications, ${shown} unread` : 'Notifications'}
        aria-expanded={open}
        aria-controls="notification-panel"
        title="Notifications"
        onClick={() => (open ? close(false) : setOpen(true))}
      >
        <BellIcon />
        {unread > 0 && (
          <span className="bell__badge" aria-hidden="true" data-testid="bell-badge">
            {shown}
          </span>
        )}
      </button>
      {/* Announces a new count without moving the focus. */}
      <span className="sr-only" aria-live="polite" aria-atomic="true">
        {unread > 0 ? `${shown} unread ${unread === 1 ? 'notification' : 'notifications'}` : ''}
      </span>
      {open && <NotificationPanel go={go} close={close} bell={button} />}
    </div>
  );
}

/** What a notification says, for its line in the panel. */
function itemText(chat: State, n: NotificationRecord): { actor: string; what: string; where: string | null } {
  const { actor, room, group, text } = describeNotification(chat, n);
  // The kinds whose words name the room already need no "in Design" line.
  const named = n.kind === 'message' || n.kind === 'room_mention' || n.kind === 'added' || n.kind === 'removed' || n.kind === 'role_changed' || n.kind === 'room_renamed';
  return { actor, what: text, where: group && !named ? room : null };
}

function NotificationPanel({ go, close, bell }: { go: (path: string) => void; close: (refocus: boolean) => void; bell: RefObject<HTMLButtonElement | null> }) {
  const client = useClient();
  const chat = useChatState();
  const { items, unread, nextBefore } = useNotifications();
  const panel = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  // The latest `close`, so that drawing again does not re-register the handlers.
  const closeRef = useRef(close);
  useLayoutEffect(() => {
    closeRef.current = close;
  });

  // Focus moves in; Escape closes (focus back on the bell); a click elsewhere closes.
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('h2')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeRef.current(true);
    };
    const onDown = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !bell.current?.contains(target)) closeRef.current(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown);
    };
  }, [bell]);

  const fail = (what: string) => (e: unknown) => setError(`Could not ${what}${e instanceof Error && e.message ? `: ${e.message}` : ''}.`);

  const open = (n: NotificationRecord) => {
    if (!n.read) client.notifications.markRead([n.id]).catch(fail('mark it read'));
    close(false);
    // Removed from the group: there is nothing to open.
    if (n.kind !== 'removed') go(`/rooms/${n.room_id}?seq=${n.seq}`);
  };

  const more = () => {
    setLoadingMore(true);
    client.notifications
      .loadMore()
      .catch(fail('load older notifications'))
      .finally(() => setLoadingMore(false));
  };

  return (
    <div className="notifications" id="notification-panel" role="dialog" aria-labelledby="notifications-title" ref={panel}>
      <header className="notifications__header">
        <h2 id="notifications-title" tabIndex={-1}>
          Notifications
        </h2>
        <button type="button" className="btn btn--ghost btn--sm" disabled={unread === 0} onClick={() => void client.notifications.markRead().catch(fail('mark them read'))}>
          Mark all read
        </button>
        <button type="button" className="btn btn--ghost btn--icon" aria-label="Close notifications" onClick={() => close(true)}>
          ✕
        </button>
      </header>
      {error && (
        <p className="form-error notifications__error" role="alert">
          {error}
        </p>
      )}
      {items === null ? (
        <p className="muted center notifications__empty">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted center notifications__empty">No notifications yet. Mentions, replies, direct messages and invitations to groups show up here.</p>
      ) : (
        <ul className="notifications__list">
          {items.map((n) => {
            const { actor, what, where } = itemText(chat, n);
            return (
              <li key={n.id}>
                <button type="button" className={n.read ? 'notification' : 'notification notification--unread'} onClick={() => open(n)}>
                  <Avatar id={n.actor_id} name={actor} size="sm" fileId={userAvatarFile(chat, n.actor_id)} />
                  <span className="notification__body">
                    <span className="notification__line">
                      <strong>{actor}</strong> {what}
                      {where && <span className="notification__room"> in {where}</span>}
                    </span>
                    {n.excerpt && <span className="notification__excerpt">{n.excerpt}</span>}
                    <span className="notification__time">
                      <time dateTime={n.created_at}>{formatRelative(n.created_at)}</time>
                      {!n.read && <span className="sr-only">, unread</span>}
                    </span>
                  </span>
                  {!n.read && <span className="notification__dot" aria-hidden="true" />}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {nextBefore !== undefined && items !== null && (
        <p className="center notifications__more">
          <button type="button" className="btn btn--sm" disabled={loadingMore} onClick={more}>
            {loadingMore ? 'Loading…' : 'Show older'}
          </button>
        </p>
      )}
    </div>
  );
}
