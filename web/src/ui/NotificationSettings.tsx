// Notification settings: the Settings page's section (push on this device,
// do-not-disturb for a while or at quiet hours, reactions) and a room's level in
// its details panel.

import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { ApiError } from '../client/client';
import { defaultLevel, dndActive, levelOf } from '../client/notifications';
import type { RoomState } from '../client/state';
import type { NotificationLevel, NotificationSettings as Settings, QuietHours } from '../client/types';
import { dayKey, formatDay, formatTime, useClient } from './hooks';
import { useNotifications } from './Notifications';
import './notifications.css';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function failure(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Could not save; check your connection and try again.';
}

/** Tomorrow at 08:00 local time. */
function tomorrowMorning(now: Date): Date {
  const at = new Date(now);
  at.setDate(at.getDate() + 1);
  at.setHours(8, 0, 0, 0);
  return at;
}

/** "18:40", "tomorrow at 08:00", or the day and time. */
function until(iso: string): string {
  const day = formatDay(iso);
  if (day === 'Today') return formatTime(iso);
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  return `${dayKey(iso) === dayKey(tomorrow.toISOString()) ? 'tomorrow' : day} at ${formatTime(iso)}`;
}

/** The Settings page's Notifications section. */
export function NotificationSettings() {
  const client = useClient();
  const { settings } = useNotifications();
  const push = useSyncExternalStore(client.push.subscribe, client.push.getState);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void client.push.check();
  }, [client]);

  const save = (change: Partial<Omit<Settings, 'dnd_active'>>) => {
    if (!settings) return;
    setError(null);
    const { dnd_active: _active, ...current } = settings;
    const next = { ...current, ...change };
    // `undefined` means "not set": the key goes.
    for (const key of Object.keys(next) as (keyof typeof next)[]) if (next[key] === undefined) delete next[key];
    client.notifications.saveSettings(next).catch((e: unknown) => setError(failure(e)));
  };

  const now = Date.now();
  const dndUntil = settings?.dnd_until && Date.parse(settings.dnd_until) > now ? settings.dnd_until : undefined;
  const snooze = (ms: number | 'morning') => save({ dnd_until: (ms === 'morning' ? tomorrowMorning(new Date()) : new Date(Date.now() + ms)).toISOString() });

  return (
    <div className="card stack notification-settings" role="region" aria-labelledby="notifications-settings-title">
      <h2 id="notifications-settings-title">Notifications</h2>
      <PushSwitch status={push.status} pushError={push.error} />

      <h3 id="dnd-title">Do not disturb</h3>
      {settings === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <p className="muted" role="status">
            {dndUntil
              ? `On until ${until(dndUntil)}. Notifications are listed but don’t pop up or buzz.`
              : dndActive(settings, now)
                ? 'On now: it is quiet hours.'
                : 'Off. Notifications pop up on your devices.'}
          </p>
          <div className="dnd-choices" role="group" aria-labelledby="dnd-title">
            {dndUntil ? (
              <button type="button" className="btn btn--sm" onClick={() => save({ dnd_until: undefined })}>
                Turn off
              </button>
            ) : (
              <>
                <button type="button" className="btn btn--sm" onClick={() => snooze(3_600_000)}>
                  For 1 hour
                </button>
                <button type="button" className="btn btn--sm" onClick={() => snooze(8 * 3_600_000)}>
                  For 8 hours
                </button>
                <button type="button" className="btn btn--sm" onClick={() => snooze('morning')}>
                  Until tomorrow 08:00
                </button>
              </>
            )}
          </div>
          <QuietHoursForm key={JSON.stringify(settings.quiet_hours ?? null)} quiet={settings.quiet_hours} save={(quiet_hours) => save({ quiet_hours })} />
          <label className="check" htmlFor="notify-reactions">
            <input id="notify-reactions" type="checkbox" checked={settings.reactions ?? false} onChange={(e) => save({ reactions: e.target.checked })} />
            Notify me when someone reacts to my messages
          </label>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

const PUSH_TEXT: Record<string, string> = {
  unknown: 'Checking this browser…',
  unsupported: 'This browser can’t receive push notifications. Confab still notifies you while it is open.',
  blocked: 'Notifications are blocked for this site. Allow them in your browser’s site settings, then come back here.',
  off: 'Off. Turn it on to be notified on this device while Confab is closed or you are away.',
  on: 'On. This device is notified when you are away from all your devices.',
  working: 'One moment…',
};

/** Push on this device: its state and a switch. */
function PushSwitch({ status, pushError }: { status: string; pushError: string | null }) {
  const client = useClient();
  const usable = status === 'off' || status === 'on' || status === 'working';
  // Without push, pop-ups while Confab is open still need the permission.
  const [popups, setPopups] = useState(typeof Notification === 'undefined' ? 'denied' : Notification.permission);
  return (
    <div className="stack push-switch">
      <label className="check" htmlFor="push-switch">
        <input
          id="push-switch"
          type="checkbox"
          role="switch"
          checked={status === 'on'}
          disabled={!usable || status === 'working'}
          aria-describedby="push-switch-state"
          onChange={(e) => void (e.target.checked ? client.push.enable() : client.push.disable())}
        />
        Push notifications on this device
      </label>
      <p id="push-switch-state" className="muted small" aria-live="polite">
        {PUSH_TEXT[status]}
      </p>
      {status === 'unsupported' && popups === 'default' && (
        <button type="button" className="btn btn--sm push-switch__popups" onClick={() => void Notification.requestPermission().then(setPopups)}>
          Allow pop-ups while Confab is open
        </button>
      )}
      {pushError && (
        <p className="form-error" role="alert">
          {pushError}
        </p>
      )}
    </div>
  );
}

/** Quiet hours: on or off, from and to, on which days; in this browser's time zone. */
function QuietHoursForm({ quiet, save }: { quiet: QuietHours | undefined; save: (quiet: QuietHours | undefined) => void }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [on, setOn] = useState(quiet !== undefined);
  const [start, setStart] = useState(quiet?.start ?? '22:00');
  const [end, setEnd] = useState(quiet?.end ?? '07:00');
  const [days, setDays] = useState<number[]>(quiet?.days ?? []);
  const [problem, setProblem] = useState<string | null>(null);
  // Saving takes this browser's time zone; a zone of another device alone is no change.
  const changed = on !== (quiet !== undefined) || (on && (start !== quiet?.start || end !== quiet?.end || days.join() !== (quiet?.days ?? []).join()));
  const savedZone = quiet?.time_zone ?? zone;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (on && start === end) {
      setProblem('Quiet hours must start and end at different times.');
      return;
    }
    setProblem(null);
    save(on ? { start, end, time_zone: zone, days: [...days].sort() } : undefined);
  };
  const toggle = (day: number) => setDays(days.includes(day) ? days.filter((d) => d !== day) : [...days, day]);

  return (
    <form className="stack quiet-hours" onSubmit={submit} aria-labelledby="quiet-title">
      <label className="check" htmlFor="quiet-on" id="quiet-title">
        <input id="quiet-on" type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} />
        Quiet hours
      </label>
      {on && (
        <>
          <div className="quiet-hours__times">
            <div className="stack">
              <label htmlFor="quiet-start">From</label>
              <input id="quiet-start" type="time" value={start} required onChange={(e) => setStart(e.target.value)} />
            </div>
            <div className="stack">
              <label htmlFor="quiet-end">To</label>
              <input id="quiet-end" type="time" value={end} required onChange={(e) => setEnd(e.target.value)} />
            </div>
          </div>
          <div className="quiet-hours__days" role="group" aria-label="Days (none chosen: every day)">
            {DAYS.map((day, i) => (
              <button key={day} type="button" className="quiet-day" aria-pressed={days.includes(i)} title={DAY_NAMES[i]} onClick={() => toggle(i)}>
                {day}
              </button>
            ))}
          </div>
          <p className="muted small">
            {days.length === 0 || days.length === 7 ? 'Every day' : `On ${[...days].sort().map((d) => DAYS[d]).join(', ')}`}
            {start > end ? ', until the next morning' : ''}. Times are in {changed ? zone : savedZone}
            {!changed && savedZone !== zone ? ` (saving uses this browser’s, ${zone})` : ''}.
          </p>
        </>
      )}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {changed && (
        <button type="submit" className="btn btn--sm quiet-hours__save">
          {on ? 'Save quiet hours' : 'Turn quiet hours off'}
        </button>
      )}
    </form>
  );
}

const LEVEL_TEXT: Record<NotificationLevel, string> = {
  all: 'All messages',
  mentions: 'Mentions and direct messages',
  nothing: 'Nothing (muted)',
};

/** A room's notification level, in its details panel. */
export function RoomNotificationLevel({ room }: { room: RoomState }) {
  const client = useClient();
  const notifications = useNotifications();
  const [error, setError] = useState<string | null>(null);
  const roomId = room.room.id;
  const direct = room.room.kind === 'direct';
  // In a direct room every message is for me: "mentions" would be the same as "all".
  const choices: NotificationLevel[] = direct ? ['all', 'nothing'] : ['all', 'mentions', 'nothing'];
  const fallback = defaultLevel(room);
  const level = levelOf(notifications, room);

  // Another device may have changed it since the room list came.
  useEffect(() => {
    client.notifications.loadRoomLevel(roomId).catch(() => undefined);
  }, [client, roomId]);

  const choose = (next: NotificationLevel) => {
    setError(null);
    // Choosing the room kind's default follows the default.
    client.notifications.setRoomLevel(roomId, next === fallback ? null : next).catch((e: unknown) => setError(failure(e)));
  };

  return (
    <div className="stack room-level">
      <h3 id={`room-level-${roomId}`}>Notifications</h3>
      <div role="radiogroup" aria-labelledby={`room-level-${roomId}`} className="choices">
        {choices.map((choice) => (
          <label key={choice} className={level === choice ? 'choice choice--on' : 'choice'}>
            <input type="radio" name={`room-level-${roomId}`} value={choice} checked={level === choice} onChange={() => choose(choice)} />
            <span className="choice__text">
              {LEVEL_TEXT[choice]}
              {choice === fallback && <span className="muted small">Default for {direct ? 'direct messages' : 'groups'}</span>}
            </span>
          </label>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
