import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../client/client';
import { signInMethodLabel } from '../client/twoFactor';
import type { DeviceSession, UserId } from '../client/types';
import { Avatar } from './Avatar';
import { BackButton, CloseButton } from './BackButton';
import { ConfirmDialog } from './Block';
import { PhotoPicker } from './PhotoPicker';
import { formatDay, formatTime, useChatState, useClient, useTheme, type Theme } from './hooks';
import { NotificationSettings } from './NotificationSettings';
import { PasskeySettings } from './Passkeys';
import { SignInMethodsSettings, useSignInMethods, useSignInOptions } from './Providers';
import { TwoFactorSettings } from './TwoFactor';

/** Profile, theme, notifications, sign-in methods, passkeys and password, two-factor sign-in, blocked people and device sessions. */
export function Settings({ go }: { go: (path: string) => void }) {
  const client = useClient();
  const me = useChatState().me;
  const [theme, setTheme] = useTheme();
  const [displayName, setDisplayName] = useState(me?.display_name ?? '');
  const [status, setStatus] = useState(me?.status_text ?? '');
  const [discoverable, setDiscoverable] = useState(me?.discoverable ?? true);
  const [profileMsg, setProfileMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [passwordMsg, setPasswordMsg] = useState<{ ok: boolean; text: string; field?: string } | null>(null);
  const [sessions, setSessions] = useState<DeviceSession[] | null>(null);
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [sessionsMsg, setSessionsMsg] = useState<string | null>(null);
  const others = (sessions ?? []).filter((s) => !s.current).length;
  const [methods, methodsFailed, reloadMethods] = useSignInMethods();
  const signInOptions = useSignInOptions();

  const loadSessions = () => {
    client.account
      .sessions()
      .then(setSessions)
      .catch(() => setSessions([]));
  };
  useEffect(loadSessions, [client]);

  const saveProfile = (e: FormEvent) => {
    e.preventDefault();
    client.account
      .updateProfile({ display_name: displayName.trim(), status_text: status.trim(), discoverable })
      .then(() => setProfileMsg({ ok: true, text: 'Saved.' }))
      .catch((err: unknown) => setProfileMsg({ ok: false, text: err instanceof ApiError ? err.message : 'Could not save.' }));
  };

  const changePassword = (e: FormEvent) => {
    e.preventDefault();
    client.account
      .changePassword(current, next)
      .then(({ revoked }) => {
        setPasswordMsg({ ok: true, text: `Password changed.${revoked ? ` ${revoked} other device(s) signed out.` : ''}` });
        setCurrent('');
        setNext('');
        loadSessions();
      })
      .catch((err: unknown) =>
        setPasswordMsg({ ok: false, text: err instanceof ApiError ? err.message : 'Could not change the password.', field: err instanceof ApiError ? err.field : undefined }),
      );
  };

  return (
    <section className="settings" aria-labelledby="settings-title">
      <header className="conversation__header">
        <BackButton onBack={() => go('/')} />
        <h1 id="settings-title">Settings</h1>
        {/* On a phone the back button closes; beside the list there is no back. */}
        <CloseButton label="Close settings" onClose={() => go('/')} />
      </header>
      <div className="settings__body">
        <form className="card stack" onSubmit={saveProfile} aria-labelledby="profile-title">
          <h2 id="profile-title">Profile</h2>
          <div className="profile-head profile-head--row">
            {me && <Avatar id={me.id} name={me.display_name} size="xl" fileId={me.avatar_file_id} />}
            <div className="profile-head__text">
              <strong className="profile-head__name">{me?.display_name}</strong>
              <span className="muted small ellipsis">Signed in as @{me?.username}</span>
              <PhotoPicker hasPhoto={me?.avatar_file_id !== undefined} what="your photo" apply={(id) => client.account.setAvatar(id)} remove={() => client.account.removeAvatar()} />
            </div>
          </div>
          <label htmlFor="set-display">Display name</label>
          <input id="set-display" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={64} />
          <label htmlFor="set-status">Status</label>
          <input id="set-status" value={status} placeholder="What are you up to?" onChange={(e) => setStatus(e.target.value)} maxLength={140} />
          <label className="check" htmlFor="set-discoverable">
            <input id="set-discoverable" type="checkbox" checked={discoverable} onChange={(e) => setDiscoverable(e.target.checked)} aria-describedby="set-discoverable-help" />
            Show me in search to everyone
          </label>
          <p id="set-discoverable-help" className="muted">
            {discoverable
              ? 'Anyone on this server can find you by typing the start of your username or of your name.'
              : 'Only people you share a chat with find you in search. Others need your exact username, @' + (me?.username ?? '') + '.'}
          </p>
          {profileMsg && (
            <p className={profileMsg.ok ? 'ok' : 'form-error'} role="status">
              {profileMsg.text}
            </p>
          )}
          <button type="submit" className="btn btn--primary">
            Save profile
          </button>
        </form>

        <div className="card stack">
          <h2 id="appearance-title">Appearance</h2>
          <div role="radiogroup" aria-labelledby="appearance-title" className="segmented">
            {(['light', 'dark', 'system'] as Theme[]).map((t) => (
              <label key={t} className={theme === t ? 'segmented__item segmented__item--on' : 'segmented__item'}>
                <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />
                {t === 'system' ? 'System' : t === 'light' ? 'Light' : 'Dark'}
              </label>
            ))}
          </div>
        </div>

        <NotificationSettings />

        <SignInMethodsSettings methods={methods} failed={methodsFailed} reload={reloadMethods} />

        {/* Only where the server has passkeys on (it was given its public address). */}
        {signInOptions?.passkeys && methods && <PasskeySettings hasPassword={methods.password} changed={reloadMethods} />}

        {/* An account made through a provider has no password to change: it sets one above. */}
        {methods?.password !== false && (
          <form className="card stack" onSubmit={changePassword} aria-labelledby="password-title">
            <h2 id="password-title">Password</h2>
            <label htmlFor="pw-current">Current password</label>
            <input id="pw-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} aria-invalid={passwordMsg?.field === 'current_password'} />
            <label htmlFor="pw-new">New password</label>
            <input id="pw-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} aria-invalid={passwordMsg?.field === 'new_password'} />
            {passwordMsg && (
              <p className={passwordMsg.ok ? 'ok' : 'form-error'} role="status">
                {passwordMsg.text}
              </p>
            )}
            <button type="submit" className="btn" disabled={!current || !next}>
              Change password
            </button>
          </form>
        )}

        <TwoFactorSettings hasPassword={methods?.password !== false} />

        <BlockedPeople />

        <div className="card stack">
          <h2>Devices</h2>
          <ul className="sessions">
            {(sessions ?? []).map((s) => (
              <li key={s.id} className="session">
                <span>
                  <strong>{s.device_name}</strong>
                  {s.current && <span className="role"> this device</span>}
                  <br />
                  <span className="muted small">
                    Last active {formatDay(s.last_seen_at)} {formatTime(s.last_seen_at)}
                    {s.ip ? ` · ${s.ip}` : ''}
                  </span>
                  {signInMethodLabel(s.sign_in_method) && (
                    <>
                      <br />
                      <span className="muted small">Signed in with: {signInMethodLabel(s.sign_in_method)}</span>
                    </>
                  )}
                </span>
                {!s.current && (
                  <button type="button" className="btn btn--ghost btn--sm" onClick={() => void client.account.revokeSession(s.id).then(loadSessions)} aria-label={`Sign out ${s.device_name}`}>
                    Sign out
                  </button>
                )}
              </li>
            ))}
          </ul>
          {sessionsMsg && (
            <p className="ok" role="status">
              {sessionsMsg}
            </p>
          )}
          <div className="settings__actions">
            {others > 0 && (
              <button type="button" className="btn" onClick={() => setConfirmRevoke(true)}>
                Sign out all other devices
              </button>
            )}
            <button type="button" className="btn btn--danger" onClick={() => void client.signOut().then(() => go('/'))}>
              Sign out
            </button>
          </div>
        </div>
        {confirmRevoke && (
          <ConfirmDialog
            title="Sign out all other devices?"
            confirmLabel="Sign out other devices"
            danger
            close={() => setConfirmRevoke(false)}
            onConfirm={async () => {
              const { revoked } = await client.account.revokeOtherSessions();
              setSessionsMsg(revoked === 1 ? '1 other device signed out.' : `${revoked} other devices signed out.`);
              loadSessions();
            }}
          >
            <p>
              {others === 1 ? 'The other device' : `The ${others} other devices`} signed in to your account will be signed out at once. This device stays signed in.
            </p>
          </ConfirmDialog>
        )}
      </div>
    </section>
  );
}

/** Everyone I blocked, most recent first, each with Unblock. */
function BlockedPeople() {
  const client = useClient();
  const state = useChatState();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<UserId | null>(null);
  // Blocks made on another device arrive with the next connection; fetch them now.
  useEffect(() => {
    client.refreshBlocks().catch(() => undefined);
  }, [client]);
  const blocked = Object.entries(state.blocked ?? {})
    .map(([id, at]) => ({ id: Number(id), at }))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));

  const unblock = (id: UserId) => {
    setBusy(id);
    setError(null);
    client
      .unblockUser(id)
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not unblock; try again.'))
      .finally(() => setBusy(null));
  };

  return (
    <div className="card stack" aria-labelledby="blocked-title" role="region">
      <h2 id="blocked-title">Blocked people</h2>
      <p className="muted">
        People you blocked can’t message you, invite you or see when you are online. Their messages in groups you share are hidden until you choose to show them.
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {state.blocked === null ? (
        <p className="muted">Loading…</p>
      ) : blocked.length === 0 ? (
        <p className="muted">You haven’t blocked anyone. To block someone, open your conversation with them, or a group’s member list.</p>
      ) : (
        <ul className="sessions" aria-labelledby="blocked-title">
          {blocked.map(({ id, at }) => {
            const user = state.users[id];
            const shown = user?.display_name ?? 'Someone';
            return (
              <li key={id} className="session blocked-person">
                <Avatar id={id} name={shown} size="sm" fileId={user?.avatar_file_id} />
                <span className="blocked-person__text">
                  <strong className="ellipsis">{shown}</strong>
                  <span className="muted small ellipsis">
                    {user ? `@${user.username} · ` : ''}
                    {blockedWhen(at)}
                  </span>
                </span>
                <button type="button" className="btn btn--sm" disabled={busy === id} onClick={() => unblock(id)} aria-label={`Unblock ${shown}`}>
                  Unblock
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function blockedWhen(at: string): string {
  const day = formatDay(at);
  return day === 'Today' || day === 'Yesterday' ? `blocked ${day.toLowerCase()}` : `blocked on ${day}`;
}
