// Scrolling a conversation's timeline: pinned to the bottom while it is there, the
// reading position kept when older pages are put on top, pages loaded as the view
// nears either end, and a jump's target (`RoomState.focus`, see client/history.ts)
// scrolled to the middle and flashed.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { RoomState } from '../client/state';
import { useClient } from './hooks';

/** How near an end (in pixels) the view must come to load the next page there. */
const LOAD_MARGIN = 200;
/** How long a jump's target stays highlighted (the CSS animation's length). */
export const FLASH_MS = 2_000;

/** Highlights a message for a moment (the `msg--flash` animation). */
export function flash(element: Element): void {
  element.classList.remove('msg--flash');
  // Restart the animation if it is running.
  void (element as HTMLElement).offsetWidth;
  element.classList.add('msg--flash');
  setTimeout(() => element.classList.remove('msg--flash'), FLASH_MS);
}

export interface TimelineScroll {
  scroller: RefObject<HTMLDivElement | null>;
  onScroll: () => void;
  loadOlder: () => Promise<void>;
  /** After a jump: the page below the loaded window. */
  loadNewer: () => Promise<void>;
  /** Whether the view shows the newest messages (the "Jump to latest" button hides). */
  atLatest: boolean;
  /** Scrolls to the newest messages, loading them first after a jump. */
  jumpToLatest: () => void;
}

export function useTimelineScroll(room: RoomState, hasDivider = false): TimelineScroll {
  const client = useClient();
  const roomId = room.room.id;
  const scroller = useRef<HTMLDivElement>(null);
  // The layout effect reads the ref (a jump changes it before the scroll event
  // comes); the state draws the "Jump to latest" button.
  const bottom = useRef(true);
  const [atBottom, setAtBottom] = useState(true);
  const markBottom = (value: boolean) => {
    bottom.current = value;
    setAtBottom(value);
  };
  const loading = useRef({ older: false, newer: false });
  const timeline = room.timeline;
  // Pinned to the bottom only where the bottom is the newest message.
  const pinned = atBottom && !room.hasNewer;

  // The target of a jump first; otherwise keep the view pinned to the bottom while it
  // is there, and keep the reading position when older pages are put on top (pages
  // put below, after a jump, do not move it).
  const anchor = useRef<{ height: number; top: number; first: number | undefined } | null>(null);
  const focus = room.focus;
  // Opened with unread messages: the first view starts at the "New messages" divider.
  const toDivider = useRef(hasDivider);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = timeline?.[0]?.seq;
    const target = focus ? el.querySelector(`[data-seq="${focus.seq}"]`) : null;
    const divider = toDivider.current && timeline ? el.querySelector('.new-messages') : null;
    if (timeline) toDivider.current = false;
    if (!focus && divider) {
      el.scrollTop += divider.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
      // Its scroll event tells the "Jump to latest" button.
      bottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    } else if (focus && target) {
      const offset = target.getBoundingClientRect().top - el.getBoundingClientRect().top;
      el.scrollTop += offset - Math.max(0, (el.clientHeight - target.getBoundingClientRect().height) / 2);
      flash(target);
      bottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      client.focusShown(roomId);
    } else {
      const before = anchor.current;
      if (before && before.first !== undefined && first !== undefined && first < before.first) {
        el.scrollTop = before.top + (el.scrollHeight - before.height);
      } else if (bottom.current && !room.hasNewer) {
        el.scrollTop = el.scrollHeight;
      }
    }
    anchor.current = { height: el.scrollHeight, top: el.scrollTop, first };
  });

  const load = useCallback(
    async (direction: 'older' | 'newer') => {
      const more = direction === 'older' ? room.hasOlder : room.hasNewer;
      if (loading.current[direction] || !more || !room.timeline) return;
      loading.current[direction] = true;
      try {
        await (direction === 'older' ? client.loadOlder(roomId) : client.loadNewer(roomId));
      } finally {
        loading.current[direction] = false;
      }
    },
    [client, roomId, room.hasOlder, room.hasNewer, room.timeline],
  );
  const loadOlder = useCallback(() => load('older'), [load]);
  const loadNewer = useCallback(() => load('newer'), [load]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const below = el.scrollHeight - el.scrollTop - el.clientHeight;
    markBottom(below < 48);
    if (anchor.current) anchor.current = { ...anchor.current, top: el.scrollTop, height: el.scrollHeight };
    if (el.scrollTop < LOAD_MARGIN) void load('older');
    if (below < LOAD_MARGIN) void load('newer');
  };

  // A page that does not fill the screen cannot be scrolled: load more at once.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !timeline || el.scrollHeight > el.clientHeight + 10) return;
    if (room.hasOlder) void load('older');
    else if (room.hasNewer) void load('newer');
  }, [timeline, room.hasOlder, room.hasNewer, load]);

  const jumpToLatest = () => {
    markBottom(true);
    const el = scroller.current;
    if (room.hasNewer) void client.showLatest(roomId).catch(() => undefined);
    else if (el) el.scrollTop = el.scrollHeight;
  };

  return { scroller, onScroll, loadOlder, loadNewer, atLatest: pinned, jumpToLatest };
}
