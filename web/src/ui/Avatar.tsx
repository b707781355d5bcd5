import type { PresenceStatus } from '../client/types';
import { colorClass, initials, useFileUrl } from './hooks';

/**
 * A person's or a group's picture when they set one (`fileId`), else initials on a
 * colour chosen by id (also while the picture loads, or if it cannot); with an
 * optional presence dot.
 */
export function Avatar({ id, name, presence, size = 'md', fileId }: { id: number; name: string; presence?: PresenceStatus; size?: 'sm' | 'md' | 'lg' | 'xl'; fileId?: string }) {
  const { url } = useFileUrl(fileId, 'avatar');
  return (
    <span className={`avatar avatar--${size} ${colorClass(id)}${url ? ' avatar--photo' : ''}`} aria-hidden="true">
      {url ? <img className="avatar__img" src={url} alt="" draggable={false} /> : initials(name)}
      {presence && <span className={`presence presence--${presence}`} />}
    </span>
  );
}

export function presenceLabel(status: PresenceStatus | undefined): string {
  return status === 'online' ? 'online' : status === 'away' ? 'away' : 'offline';
}
