// The emoji picker's data and rules, without React: the Unicode emoji list (from
// emojibase-data, loaded on first use so the main bundle stays small), search, skin
// tones, the recently used list and the tone preference kept in localStorage, and
// which emoji this browser can draw.
//
// An emoji is always handled in its fully-qualified form (emojibase adds U+FE0F to
// some emoji that do not need it, 👍️ for 👍): two spellings of one emoji would be two
// different reactions on the server.

/** The fields of emojibase-data's `Emoji` (`en/data.json`) that the picker reads. */
export interface RawEmoji {
  label: string;
  hexcode: string;
  emoji: string;
  /** Missing for entries outside the picker's groups (regional indicator letters). */
  group?: number;
  order?: number;
  /** The Emoji version that added it (0.6, 1, ... 17). */
  version: number;
  tags?: string[];
  skins?: RawEmoji[];
  /** The skin tone of a variant: one per person for multi-person emoji. */
  tone?: number | number[];
}

/** emojibase-data's shortcodes (`en/shortcodes/emojibase.json`): hexcode to one or more. */
export type ShortcodeData = Record<string, string | string[]>;

/** 0: the default (yellow) skin; 1 (light) to 5 (dark). */
export type SkinTone = 0 | 1 | 2 | 3 | 4 | 5;

export const SKIN_TONES: readonly { tone: SkinTone; name: string }[] = [
  { tone: 0, name: 'Default skin tone' },
  { tone: 1, name: 'Light skin tone' },
  { tone: 2, name: 'Medium-light skin tone' },
  { tone: 3, name: 'Medium skin tone' },
  { tone: 4, name: 'Medium-dark skin tone' },
  { tone: 5, name: 'Dark skin tone' },
];

/** One emoji of the picker. */
export interface EmojiEntry {
  emoji: string;
  label: string;
  group: number;
  version: number;
  tags: string[];
  shortcodes: string[];
  /** Its skin tone variants that this browser draws (multi-person: one tone for all only). */
  skins: { tone: SkinTone; emoji: string }[];
}

/** The picker's categories, in emojibase's group numbers (2, "component", is left out). */
export const CATEGORIES: readonly { group: number; name: string; icon: string }[] = [
  { group: 0, name: 'Smileys & emotion', icon: '😀' },
  { group: 1, name: 'People & body', icon: '👋' },
  { group: 3, name: 'Animals & nature', icon: '🐻' },
  { group: 4, name: 'Food & drink', icon: '🍔' },
  { group: 5, name: 'Travel & places', icon: '🚗' },
  { group: 6, name: 'Activities', icon: '⚽' },
  { group: 7, name: 'Objects', icon: '💡' },
  { group: 8, name: 'Symbols', icon: '🔣' },
  { group: 9, name: 'Flags', icon: '🏁' },
];
const PICKED_GROUPS = new Set(CATEGORIES.map((c) => c.group));

/** The fully-qualified form: no U+FE0F after a character that is an emoji by default. */
export function canonical(emoji: string): string {
  return emoji.replace(/(\p{Emoji_Presentation})\uFE0F/gu, '$1');
}

/** A single tone shared by every person of a variant, or null for mixed tones. */
function singleTone(tone: number | number[] | undefined): SkinTone | null {
  const tones = Array.isArray(tone) ? tone : tone === undefined ? [] : [tone];
  const first = tones[0];
  return first !== undefined && first >= 1 && first <= 5 && tones.every((t) => t === first) ? (first as SkinTone) : null;
}

/**
 * The picker's list from emojibase's data: the picker's groups only, in emojibase's
 * order, without emoji (and tone variants) newer than `maxVersion`.
 */
export function prepareEmojis(raw: readonly RawEmoji[], shortcodes: ShortcodeData, maxVersion: number): EmojiEntry[] {
  const codes = (hexcode: string) => {
    const found = shortcodes[hexcode];
    return found === undefined ? [] : Array.isArray(found) ? found : [found];
  };
  return raw
    .filter((e) => e.group !== undefined && PICKED_GROUPS.has(e.group) && e.version <= maxVersion)
    .map((e, index) => ({ e, index }))
    .sort((a, b) => (a.e.order ?? Infinity) - (b.e.order ?? Infinity) || a.index - b.index)
    .map(({ e }) => {
      const skins: EmojiEntry['skins'] = [];
      for (const skin of e.skins ?? []) {
        const tone = singleTone(skin.tone);
        if (tone !== null && skin.version <= maxVersion && !skins.some((s) => s.tone === tone)) skins.push({ tone, emoji: canonical(skin.emoji) });
      }
      return {
        emoji: canonical(e.emoji),
        label: e.label,
        group: e.group as number,
        version: e.version,
        tags: e.tags ?? [],
        shortcodes: codes(e.hexcode),
        skins,
      };
    });
}

/** The emoji in `tone`: its variant of that tone, or itself when it has none. */
export function applyTone(entry: EmojiEntry, tone: SkinTone): string {
  return (tone !== 0 && entry.skins.find((s) => s.tone === tone)?.emoji) || entry.emoji;
}

const SKIN_MODIFIER = /[\u{1F3FB}-\u{1F3FF}]/gu;

/**
 * `tone` applied to a one-character emoji that takes a skin tone modifier (👍 to 👍🏽),
 * without the data: for the quick reactions, which do not load it.
 */
export function withModifier(emoji: string, tone: SkinTone): string {
  if (tone === 0 || !/^\p{Emoji_Modifier_Base}\uFE0F?$/u.test(emoji)) return emoji;
  return emoji.replace('\uFE0F', '') + String.fromCodePoint(0x1f3fa + tone);
}

/** What identifies an emoji whatever its tone and presentation: 👍🏽 and 👍 are one. */
export function baseKey(emoji: string): string {
  return emoji.replace(SKIN_MODIFIER, '').replace(/\uFE0F/g, '');
}

/** Lower case, without surrounding colons (`:thumbsup:` is `thumbsup`), spaces squeezed. */
function normalizeQuery(query: string): string {
  return query.trim().toLowerCase().replace(/^:+|:+$/g, '').replace(/\s+/g, ' ').trim();
}

/** Whether `q` starts a word of `text` (words end at spaces, `_`, `-`, `:` and the like). */
function startsWord(text: string, q: string): boolean {
  return ` ${text.replace(/[_:,\-()]/g, ' ')}`.includes(` ${q.replace(/[_:,\-()]/g, ' ')}`);
}

/** How well an entry matches (0 best), or null for no match. */
function rank(entry: EmojiEntry, q: string, terms: string[]): number | null {
  const label = entry.label.toLowerCase();
  const asLabel = q.replace(/_/g, ' ');
  const asCode = q.replace(/ /g, '_');
  if (label === asLabel || entry.shortcodes.includes(asCode)) return 0;
  if (startsWord(label, q) || entry.shortcodes.some((s) => startsWord(s, q))) return 1;
  // Tags by the start of a word only: "cat" is not found in "education".
  if (label.includes(asLabel) || entry.shortcodes.some((s) => s.includes(asCode)) || entry.tags.some((t) => startsWord(t, q))) return 2;
  // Every word of the query starts some word of the emoji's names, in any order.
  const words = [label, ...entry.shortcodes, ...entry.tags];
  if (terms.length > 1 && terms.every((t) => words.some((w) => startsWord(w, t)))) return 2;
  return null;
}

/**
 * The entries matching `query` (case-insensitive, over labels, tags and shortcodes):
 * exact label or shortcode first, then a label or shortcode with a word that starts
 * with it, then labels and shortcodes that contain it and tags that start with it;
 * emojibase's order within each. An empty query matches nothing.
 */
export function searchEmojis(entries: readonly EmojiEntry[], query: string): EmojiEntry[] {
  const q = normalizeQuery(query);
  if (!q) return [];
  const terms = q.split(/[\s_]+/).filter(Boolean);
  const ranked: { entry: EmojiEntry; rank: number; index: number }[] = [];
  entries.forEach((entry, index) => {
    const r = rank(entry, q, terms);
    if (r !== null) ranked.push({ entry, rank: r, index });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.index - b.index).map((r) => r.entry);
}

// ---- kept per browser ----

export const RECENT_KEY = 'confab.emoji.recent';
export const SKIN_TONE_KEY = 'confab.emoji.skinTone';
export const RECENT_MAX = 32;

export type EmojiStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** localStorage, or null where the browser refuses it (or there is none). */
function browserStorage(): EmojiStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function read(storage: EmojiStorage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(storage: EmojiStorage | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Full or refused storage: the preference lasts for this page only.
  }
}

/** A short string of emoji characters only (what storage may hold is anyone's guess). */
function isEmoji(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 32 &&
    /^(?:\p{Emoji}|\p{Emoji_Component})+$/u.test(value) &&
    /[\p{Extended_Pictographic}\p{Regional_Indicator}]|\u20E3/u.test(value)
  );
}

/** Keeps the first of each base emoji, at most RECENT_MAX. */
function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const emoji of list) {
    const key = baseKey(emoji);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(emoji);
  }
  return kept.slice(0, RECENT_MAX);
}

/** The emoji used lately, most recent first, as they were used (with their tone). */
export function readRecent(storage: EmojiStorage | null = browserStorage()): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(storage, RECENT_KEY) ?? '[]');
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? dedupe(parsed.filter(isEmoji).map(canonical)) : [];
}

/** Puts `emoji` first in the recent list (other tones of it go); answers the new list. */
export function recordRecent(emoji: string, storage: EmojiStorage | null = browserStorage()): string[] {
  const list = dedupe([canonical(emoji), ...readRecent(storage)]);
  write(storage, RECENT_KEY, JSON.stringify(list));
  return list;
}

export function readSkinTone(storage: EmojiStorage | null = browserStorage()): SkinTone {
  const value = Number(read(storage, SKIN_TONE_KEY));
  return Number.isInteger(value) && value >= 0 && value <= 5 ? (value as SkinTone) : 0;
}

export function writeSkinTone(tone: SkinTone, storage: EmojiStorage | null = browserStorage()): void {
  write(storage, SKIN_TONE_KEY, String(tone));
}

/** The reactions offered before the full picker when nothing was used yet. */
export const DEFAULT_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

/** The six quick reactions: the latest used, then the defaults (in `tone`) not among them. */
export function quickReactions(recent: readonly string[], tone: SkinTone): string[] {
  return dedupe([...recent, ...DEFAULT_REACTIONS.map((e) => withModifier(e, tone))]).slice(0, DEFAULT_REACTIONS.length);
}

// ---- what this browser draws ----

/** One emoji per Emoji version, newest first: if it draws, so do the others of its version. */
export const VERSION_PROBES: readonly (readonly [number, string])[] = [
  [17, '🫪'],
  [16, '🫩'],
  [15.1, '🐦‍🔥'],
  [15, '🫨'],
  [14, '🫠'],
  [13.1, '😮‍💨'],
  [13, '🥲'],
  [12.1, '🧑‍🦰'],
  [12, '🥱'],
  [11, '🥰'],
  [5, '🤩'],
  [4, '👩‍⚕️'],
  [3, '🤣'],
  [1, '😀'],
];

/**
 * The newest Emoji version whose probe `draws`; Infinity (everything) when not even the
 * oldest does, which says more about the check than about the browser.
 */
export function highestVersion(draws: (emoji: string) => boolean): number {
  return VERSION_PROBES.find(([, emoji]) => draws(emoji))?.[0] ?? Infinity;
}

/** Whether RGBA pixels hold a coloured glyph: a missing one draws nothing, or a grey box. */
export function isColourGlyph(rgba: ArrayLike<number>): boolean {
  let coloured = 0;
  for (let i = 0; i + 3 < rgba.length; i += 4) {
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    if (rgba[i + 3]! > 64 && Math.max(r, g, b) - Math.min(r, g, b) > 48) coloured += 1;
  }
  return coloured >= 8;
}

const PROBE_SIZE = 32;

/** Draws an emoji on a canvas and says whether it came out as one coloured glyph; null without a canvas. */
export function canvasProbe(doc: Document | undefined = globalThis.document): ((emoji: string) => boolean) | null {
  try {
    const canvas = doc?.createElement('canvas');
    const g = canvas?.getContext('2d', { willReadFrequently: true });
    if (!canvas || !g) return null;
    canvas.width = PROBE_SIZE * 2;
    canvas.height = PROBE_SIZE;
    g.font = `${PROBE_SIZE * 0.75}px "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", sans-serif`;
    g.textBaseline = 'top';
    g.fillStyle = '#000';
    const one = g.measureText('😀').width;
    return (emoji) => {
      // A sequence the font does not know draws as its parts side by side.
      if (one > 0 && g.measureText(emoji).width > one * 1.5) return false;
      g.clearRect(0, 0, canvas.width, canvas.height);
      g.fillText(emoji, 0, 0);
      return isColourGlyph(g.getImageData(0, 0, canvas.width, canvas.height).data);
    };
  } catch {
    return null;
  }
}

let detected: number | undefined;

/** The newest Emoji version this browser draws, checked once; Infinity when it cannot be checked. */
export function supportedEmojiVersion(): number {
  if (detected === undefined) {
    const probe = canvasProbe();
    detected = probe ? highestVersion(probe) : Infinity;
  }
  return detected;
}

let loading: Promise<EmojiEntry[]> | null = null;

/** The picker's list, loaded (a separate chunk of the build) on first call. */
export function loadEmojis(): Promise<EmojiEntry[]> {
  loading ??= Promise.all([import('emojibase-data/en/data.json'), import('emojibase-data/en/shortcodes/emojibase.json')]).then(
    ([data, shortcodes]) => prepareEmojis(data.default, shortcodes.default, supportedEmojiVersion()),
    (e: unknown) => {
      // A failed download (offline) is tried again the next time the picker opens.
      loading = null;
      throw e;
    },
  );
  return loading;
}
