// The emoji picker: a popover beside the button that opened it (a bottom sheet on a
// phone) with a search box, the skin tone, category tabs and the emoji in sections
// (recently used first). The data is loaded on first open (client/emoji.ts).
//
// Keys: Tab goes from the search box to the tones, the tabs and the grid (each one
// stop, a roving tabindex); arrow keys move within each; Enter or Space picks;
// Escape closes and gives the focus back to the button. Enter in the search box picks
// the first match, the down arrow goes to the grid.
//
// It sets no style attribute in markup (the CSP forbids them): its position beside
// the button, and the number of rows of each section, are given to the stylesheet in
// custom properties, through the CSSOM.

import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import {
  applyTone,
  CATEGORIES,
  loadEmojis,
  readRecent,
  readSkinTone,
  recordRecent,
  searchEmojis,
  SKIN_TONES,
  withModifier,
  writeSkinTone,
  type EmojiEntry,
  type SkinTone,
} from '../client/emoji';
import { moveInGrid, placePopover, type Cell } from './emojiLayout';
import './emoji.css';

/** One emoji as the grid shows it. */
interface Item {
  emoji: string;
  label: string;
  title: string;
}

interface Section {
  key: string;
  name: string;
  icon: string;
  items: Item[];
}

const PHONE = '(max-width: 600px)';

function item(entry: EmojiEntry, emoji: string): Item {
  const code = entry.shortcodes[0];
  return { emoji, label: entry.label, title: code ? `${entry.label} :${code}:` : entry.label };
}

/** The sections to show: the search's matches, or Recent (if any) and the categories. */
function sectionsOf(entries: EmojiEntry[], query: string, tone: SkinTone, recent: string[]): Section[] {
  if (query.trim()) {
    return [{ key: 'results', name: 'Search results', icon: '🔍', items: searchEmojis(entries, query).map((e) => item(e, applyTone(e, tone))) }];
  }
  // Recent emoji keep the tone they were used with.
  const byEmoji = new Map<string, EmojiEntry>();
  for (const e of entries) for (const form of [e.emoji, ...e.skins.map((s) => s.emoji)]) byEmoji.set(form, e);
  const used = recent.flatMap((emoji) => {
    const entry = byEmoji.get(emoji);
    return entry ? [item(entry, emoji)] : [];
  });
  const sections = CATEGORIES.map((c) => ({
    key: `group-${c.group}`,
    name: c.name,
    icon: c.icon,
    items: entries.filter((e) => e.group === c.group).map((e) => item(e, applyTone(e, tone))),
  }));
  return used.length ? [{ key: 'recent', name: 'Recent', icon: '🕘', items: used }, ...sections] : sections;
}

/** The grid cell of an emoji button (its data-cell), or null for anything else. */
function cellOf(target: EventTarget): Cell | null {
  const [section, index] = (target as HTMLElement).dataset?.cell?.split('-').map(Number) ?? [];
  return section === undefined || index === undefined ? null : { section, index };
}

/** How many emoji a row of the grid holds. */
function gridColumns(scroller: HTMLElement | null): number {
  const grid = scroller?.querySelector('.emoji-picker__grid');
  return grid ? getComputedStyle(grid).gridTemplateColumns.split(' ').length : 1;
}

/** Moves the focus with the arrow keys among `buttons` (a roving tabindex), calling `choose` on the new one. */
function rovingKey(e: KeyboardEvent, buttons: HTMLElement[], choose: (index: number) => void) {
  const at = buttons.indexOf(e.target as HTMLElement);
  const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
  if (at < 0 || step === undefined) return;
  e.preventDefault();
  const to = (at + step + buttons.length) % buttons.length;
  choose(to);
  buttons[to]?.focus();
}

export interface EmojiPickerProps {
  /** The button that opened it: the picker goes beside it, and the focus back to it on Escape. */
  opener: RefObject<HTMLElement | null>;
  /** An emoji was picked (it is in the recent list already); the picker stays until closed. */
  onPick: (emoji: string) => void;
  /** Escape, or a press outside. */
  onClose: () => void;
}

export function EmojiPicker({ opener, onPick, onClose }: EmojiPickerProps) {
  const root = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const [entries, setEntries] = useState<EmojiEntry[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');
  const [tone, setTone] = useState<SkinTone>(() => readSkinTone());
  const [recent] = useState(() => readRecent());
  const [active, setActive] = useState<Cell>({ section: 0, index: 0 });
  const [inView, setInView] = useState(0);

  const load = useCallback(() => {
    setFailed(false);
    loadEmojis().then(setEntries, () => setFailed(true));
  }, []);
  useEffect(load, [load]);
  useEffect(() => search.current?.focus(), []);

  const sections = useMemo(() => (entries ? sectionsOf(entries, query, tone, recent) : []), [entries, query, tone, recent]);
  const sizes = useMemo(() => sections.map((s) => s.items.length), [sections]);
  // The grid's Tab stop: the emoji last focused, or the first one.
  const stop: Cell = active.index < (sizes[active.section] ?? 0) ? active : { section: Math.max(0, sizes.findIndex((n) => n > 0)), index: 0 };

  // The latest callbacks, so that the sections (memoised) need not draw again.
  const latest = useRef({ onPick, onClose });
  useLayoutEffect(() => {
    latest.current = { onPick, onClose };
  });
  const pick = useCallback((emoji: string) => {
    recordRecent(emoji);
    latest.current.onPick(emoji);
  }, []);

  // Beside the button, inside the viewport; the stylesheet makes it a sheet on a phone.
  useLayoutEffect(() => {
    const place = () => {
      const el = root.current;
      const anchor = opener.current?.getBoundingClientRect();
      if (!el || !anchor || matchMedia(PHONE).matches) return;
      const { top, left } = placePopover(anchor, el.offsetWidth, el.offsetHeight, { width: innerWidth, height: innerHeight });
      el.style.setProperty('--emoji-picker-top', `${top}px`);
      el.style.setProperty('--emoji-picker-left', `${left}px`);
    };
    place();
    addEventListener('resize', place);
    return () => removeEventListener('resize', place);
  }, [opener]);

  // Sections out of view are not laid out (content-visibility): the stylesheet sizes
  // them from their number of rows, so that jumping to one lands on it.
  useLayoutEffect(() => {
    const size = () => {
      const columns = gridColumns(scroller.current);
      scroller.current?.querySelectorAll<HTMLElement>('[data-section]').forEach((el, i) => {
        el.style.setProperty('--emoji-rows', String(Math.ceil((sizes[i] ?? 0) / columns)));
      });
    };
    size();
    addEventListener('resize', size);
    return () => removeEventListener('resize', size);
  }, [sizes]);

  // A press outside closes it (the button that opened it toggles it by itself).
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!root.current?.contains(target) && !opener.current?.contains(target)) latest.current.onClose();
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [opener]);

  const focusCell = (cell: Cell) => {
    setActive(cell);
    scroller.current?.querySelector<HTMLElement>(`[data-cell="${cell.section}-${cell.index}"]`)?.focus();
  };

  const jump = (section: number) => {
    const list = scroller.current;
    const target = list?.querySelector<HTMLElement>(`[data-section="${section}"]`);
    setInView(section);
    setActive({ section, index: 0 });
    if (!list || !target) return;
    // Sections laid out on the way in (content-visibility) have their real height only
    // then, and move the target: follow it until it stays put.
    let frames = 0;
    const follow = () => {
      list.scrollTop = target.offsetTop;
      if (++frames < 6) requestAnimationFrame(() => Math.abs(list.scrollTop - target.offsetTop) > 1 && follow());
    };
    follow();
  };

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      opener.current?.focus();
    }
  }

  function onGridKey(e: KeyboardEvent<HTMLDivElement>) {
    const cell = cellOf(e.target);
    if (!cell || e.altKey || e.ctrlKey || e.metaKey) return;
    const to = moveInGrid(sizes, gridColumns(scroller.current), cell, e.key);
    if (!to) return;
    e.preventDefault();
    focusCell(to);
  }

  function onSearchKey(e: KeyboardEvent<HTMLInputElement>) {
    const first = sections[0]?.items[0];
    if (e.key === 'Enter') {
      // Never the form around it (the composer's): that would send the message.
      e.preventDefault();
      if (query.trim() && first) pick(first.emoji);
    } else if (e.key === 'ArrowDown' && first) {
      e.preventDefault();
      focusCell(stop);
    }
  }

  // The tab of the section at the top of the scrolled grid.
  function onScroll() {
    const top = scroller.current?.scrollTop ?? 0;
    const heads = [...(scroller.current?.querySelectorAll<HTMLElement>('[data-section]') ?? [])];
    const at = heads.filter((h) => h.offsetTop <= top + 8).length - 1;
    if (at >= 0 && at !== inView) setInView(at);
  }

  const chooseTone = (t: SkinTone) => {
    setTone(t);
    writeSkinTone(t);
  };

  return (
    <div className="emoji-picker" role="dialog" aria-label="Choose an emoji" ref={root} onKeyDown={onKeyDown}>
      <div className="emoji-picker__top">
        <input
          ref={search}
          type="search"
          className="emoji-picker__search"
          placeholder="Search emoji"
          aria-label="Search emoji"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive({ section: 0, index: 0 });
            if (scroller.current) scroller.current.scrollTop = 0;
          }}
          onKeyDown={onSearchKey}
        />
        <div className="emoji-picker__tones" role="radiogroup" aria-label="Skin tone" onKeyDown={(e) => rovingKey(e, [...e.currentTarget.querySelectorAll('button')], (i) => chooseTone(i as SkinTone))}>
          {SKIN_TONES.map((t) => (
            <button key={t.tone} type="button" role="radio" className="emoji-picker__tone" aria-checked={tone === t.tone} aria-label={t.name} title={t.name} tabIndex={tone === t.tone ? 0 : -1} onClick={() => chooseTone(t.tone)}>
              {withModifier('✋', t.tone)}
            </button>
          ))}
        </div>
      </div>
      {!query.trim() && entries && (
        <div className="emoji-picker__tabs" role="tablist" aria-label="Emoji categories" onKeyDown={(e) => rovingKey(e, [...e.currentTarget.querySelectorAll('button')], jump)}>
          {sections.map((s, i) => (
            <button key={s.key} type="button" role="tab" className="emoji-picker__tab" aria-selected={inView === i} aria-controls={`emoji-section-${s.key}`} aria-label={s.name} title={s.name} tabIndex={inView === i ? 0 : -1} onClick={() => jump(i)}>
              {s.icon}
            </button>
          ))}
        </div>
      )}
      <div
        className="emoji-picker__scroll"
        ref={scroller}
        onKeyDown={onGridKey}
        onScroll={onScroll}
        onFocus={(e) => {
          // The emoji last focused (a click too) keeps the grid's Tab stop.
          const cell = cellOf(e.target);
          if (cell) setActive(cell);
        }}
      >
        {failed ? (
          <p className="emoji-picker__note" role="alert">
            Could not load the emoji; check your connection.{' '}
            <button type="button" className="link" onClick={load}>
              Try again
            </button>
          </p>
        ) : !entries ? (
          <p className="emoji-picker__note">Loading emoji…</p>
        ) : query.trim() && !sizes[0] ? (
          <p className="emoji-picker__note" role="status">
            No emoji match “{query.trim()}”
          </p>
        ) : (
          sections.map((s, i) => <EmojiSection key={s.key} section={s} index={i} active={stop.section === i ? stop.index : -1} onPick={pick} />)
        )}
      </div>
    </div>
  );
}

/** A heading and its emoji; drawn again only when its emoji or its Tab stop change. */
const EmojiSection = memo(function EmojiSection({ section, index, active, onPick }: { section: Section; index: number; active: number; onPick: (emoji: string) => void }) {
  const heading = `emoji-heading-${section.key}`;
  return (
    <div className="emoji-picker__section" id={`emoji-section-${section.key}`} data-section={index} role="group" aria-labelledby={heading}>
      <div className="emoji-picker__heading" id={heading}>
        {section.name}
      </div>
      <div className="emoji-picker__grid">
        {section.items.map((it, i) => (
          <button key={it.emoji} type="button" className="emoji-picker__emoji" data-cell={`${index}-${i}`} tabIndex={i === active ? 0 : -1} aria-label={it.label} title={it.title} onClick={() => onPick(it.emoji)}>
            {it.emoji}
          </button>
        ))}
      </div>
    </div>
  );
});
