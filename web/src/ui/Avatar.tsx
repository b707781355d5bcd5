import type { PresenceStatus } from '../client/types';
import { colorClass, initials } from './hooks';

/** Initials on a colour chosen by id, with an optional presence dot. */
export function Avatar({ id, name, presence, size = 'md' }: { id: number; name: string; presence?: PresenceStatus; size?: 'sm' | 'md' | 'lg' }) {
  return (
    <span className={`avatar avatar--${size} ${colorClass(id)}`} aria-hidden="true">
      {initials(name)}
      {presence && <span className={`presence presence--${presence}`} />}
    </span>
  );
}

export function presenceLabel(status: PresenceStatus | undefined): string {
  return status === 'online' ? 'online' : status === 'away' ? 'away' : 'offline';
}
