// The page's title: how many messages wait unread (and invitations), then the open
// conversation, so a tab in the background tells its owner something is new.

import { roomTitle, type State } from '../client/state';
import type { RoomId } from '../client/types';

/** "(3) Alice Martin · Confab": unread messages and invitations, the open room. */
export function pageTitle(state: State, openRoom: RoomId | null): string {
  let waiting = state.invitations?.length ?? 0;
  for (const room of Object.values(state.rooms)) waiting += room.unread;
  const count = waiting > 99 ? '(99+) ' : waiting > 0 ? `(${waiting}) ` : '';
  const room = openRoom !== null ? state.rooms[openRoom] : undefined;
  return `${count}${room ? `${roomTitle(state, room)} · ` : ''}Confab`;
}
