import { describe, expect, it } from 'vitest';
import data from 'emojibase-data/en/data.json';
import shortcodes from 'emojibase-data/en/shortcodes/emojibase.json';
import {
  applyTone,
  baseKey,
  canonical,
  canvasProbe,
  highestVersion,
  isColourGlyph,
  prepareEmojis,
  quickReactions,
  readRecent,
  readSkinTone,
  RECENT_KEY,
  RECENT_MAX,
  recordRecent,
  searchEmojis,
  SKIN_TONE_KEY,
  writeSkinTone,
  type EmojiEntry,
  type RawEmoji,
} from './emoji';
import { MemoryStorage } from './testing';

const all = prepareEmojis(data, shortcodes, Infinity);
const find = (label: string, list: EmojiEntry[] = all) => {
  const entry = list.find((e) => e.label === label);
  if (!entry) throw new Error(`no ${label}`);
  return entry;
};
const emojis = (list: EmojiEntry[]) => list.map((e) => e.emoji);

/** A raw entry for the small hand-made lists. */
function raw(label: string, order: number, more: Partial<RawEmoji> = {}): RawEmoji {
  return { label, hexcode: `X${order}`, emoji: String.fromCodePoint(0x1f600 + order), group: 0, order, version: 1, ...more };
}

describe('the emoji list', () => {
  it('leaves out components and regional indicators, keeps every group of the picker in order', () => {
    expect(all.some((e) => e.group === 2)).toBe(false);
    expect(all.some((e) => e.label.startsWith('regional indicator') || e.label.includes('skin tone'))).toBe(false);
    expect(new Set(all.map((e) => e.group))).toEqual(new Set([0, 1, 3, 4, 5, 6, 7, 8, 9]));
    expect(all.length).toBeGreaterThan(1800);
    expect(all[0]?.emoji).toBe('😀');
    // Each emoji once, in the form the server stores; each fits the server's 64 bytes.
    const forms = all.flatMap((e) => [e.emoji, ...e.skins.map((s) => s.emoji)]);
    expect(new Set(forms).size).toBe(forms.length);
    expect(Math.max(...forms.map((f) => new TextEncoder().encode(f).length))).toBeLessThanOrEqual(64);
  });

  it('spells emoji fully-qualified: no U+FE0F where the character is an emoji already', () => {
    expect(find('thumbs up').emoji).toBe('👍');
    expect(find('red heart').emoji).toBe('❤️');
    expect(canonical('👍\uFE0F')).toBe('👍');
    expect(canonical('#️⃣')).toBe('#️⃣');
    expect(canonical('❤️‍🔥')).toBe('❤️‍🔥');
  });

  it('hides emoji newer than the browser draws, and their newer tone variants', () => {
    const upTo15 = prepareEmojis(data, shortcodes, 15);
    expect(upTo15.some((e) => e.label === 'shaking face')).toBe(true);
    expect(upTo15.some((e) => e.label === 'face with bags under eyes')).toBe(false);
    expect(upTo15.some((e) => e.label === 'phoenix')).toBe(false);
    expect(upTo15.every((e) => e.version <= 15)).toBe(true);
    const list = prepareEmojis(
      [raw('wave', 1, { skins: [raw('wave: light', 2, { tone: 1, version: 1 }), raw('wave: dark', 3, { tone: 5, version: 13 })] })],
      {},
      12,
    );
    expect(list[0]?.skins.map((s) => s.tone)).toEqual([1]);
    expect(applyTone(list[0]!, 5)).toBe(list[0]?.emoji);
  });
});

describe('search', () => {
  it('puts an exact label or shortcode first, then word starts, then the rest, in the data’s order', () => {
    const list = prepareEmojis(
      [
        raw('scatter plot', 1),
        raw('cat face', 2),
        raw('dog', 3, { tags: ['catlike'] }),
        raw('cat', 4),
        raw('lion', 5),
        raw('black cat', 6),
        raw('school', 7, { tags: ['education'] }),
      ],
      { X2: 'cat_face', X5: ['big_cat'] },
      Infinity,
    );
    expect(searchEmojis(list, 'cat').map((e) => e.label)).toEqual(['cat', 'cat face', 'lion', 'black cat', 'scatter plot', 'dog']);
    expect(searchEmojis(list, 'edu').map((e) => e.label)).toEqual(['school']);
    expect(searchEmojis(list, 'CAT_FACE').map((e) => e.label)).toEqual(['cat face']);
    expect(searchEmojis(list, 'zebra')).toEqual([]);
    expect(searchEmojis(list, '  ')).toEqual([]);
  });

  it('finds real emoji by label, shortcode (with colons) and tag, case-insensitively', () => {
    expect(searchEmojis(all, 'avocado')[0]?.emoji).toBe('🥑');
    expect(searchEmojis(all, 'AvOcAdO')[0]?.emoji).toBe('🥑');
    expect(searchEmojis(all, 'thumbsup')[0]?.emoji).toBe('👍');
    expect(searchEmojis(all, ':thumbsup')[0]?.emoji).toBe('👍');
    expect(searchEmojis(all, ':+1:')[0]?.emoji).toBe('👍');
    expect(searchEmojis(all, 'tears of joy')[0]?.emoji).toBe('😂');
    expect(searchEmojis(all, 'heart')[0]?.emoji).toBe('❤️');
    // Words of the query in any order, and a tag ("hot") that is in no label.
    expect(emojis(searchEmojis(all, 'joy cat'))).toContain('😹');
    expect(emojis(searchEmojis(all, 'hot'))).toContain('🌶️');
    expect(searchEmojis(all, 'no such emoji at all')).toEqual([]);
  });
});

describe('skin tones', () => {
  it('takes the variant of the tone, or the emoji itself when it has none', () => {
    expect(applyTone(find('thumbs up'), 3)).toBe('👍🏽');
    expect(applyTone(find('thumbs up'), 0)).toBe('👍');
    expect(applyTone(find('red heart'), 3)).toBe('❤️');
    // Several people: the variant with the tone on everyone.
    expect(applyTone(find('people holding hands'), 2)).toBe('🧑🏼‍🤝‍🧑🏼');
    expect(find('people holding hands').skins).toHaveLength(5);
  });

  it('is remembered, and garbage in storage is the default', () => {
    const storage = new MemoryStorage();
    expect(readSkinTone(storage)).toBe(0);
    writeSkinTone(4, storage);
    expect(storage.getItem(SKIN_TONE_KEY)).toBe('4');
    expect(readSkinTone(storage)).toBe(4);
    for (const bad of ['7', '-1', '2.5', 'dark', '']) {
      storage.setItem(SKIN_TONE_KEY, bad);
      expect(readSkinTone(storage)).toBe(0);
    }
    expect(readSkinTone(null)).toBe(0);
  });
});

describe('the recent list', () => {
  it('is most recent first, one entry per base emoji, at most 32', () => {
    const storage = new MemoryStorage();
    expect(readRecent(storage)).toEqual([]);
    recordRecent('🥑', storage);
    recordRecent('👍', storage);
    expect(readRecent(storage)).toEqual(['👍', '🥑']);
    // Another tone of an emoji replaces it and goes first; a spelling with U+FE0F too.
    recordRecent('🥑', storage);
    recordRecent('👍🏽', storage);
    expect(readRecent(storage)).toEqual(['👍🏽', '🥑']);
    recordRecent('👍\uFE0F', storage);
    expect(readRecent(storage)).toEqual(['👍', '🥑']);
    for (const entry of all.slice(0, 40)) recordRecent(entry.emoji, storage);
    const list = readRecent(storage);
    expect(list).toHaveLength(RECENT_MAX);
    expect(list[0]).toBe(all[39]?.emoji);
    expect(list).not.toContain('🥑');
    expect(baseKey('🧑🏼‍🤝‍🧑🏼')).toBe(baseKey('🧑‍🤝‍🧑'));
  });

  it('survives garbage in storage and storage that throws', () => {
    const storage = new MemoryStorage();
    for (const bad of ['{', '"👍"', '{"a":1}', 'null', '42']) {
      storage.setItem(RECENT_KEY, bad);
      expect(readRecent(storage)).toEqual([]);
    }
    storage.setItem(RECENT_KEY, JSON.stringify([1, 'hello', '👍', null, '<b>x</b>', '🥑', '12', '👍', 'x'.repeat(1000)]));
    expect(readRecent(storage)).toEqual(['👍', '🥑']);
    expect(recordRecent('😀', storage)).toEqual(['😀', '👍', '🥑']);
    const broken = {
      getItem: (): string | null => {
        throw new Error('denied');
      },
      setItem: (): void => {
        throw new Error('full');
      },
    };
    expect(readRecent(broken)).toEqual([]);
    expect(recordRecent('😀', broken)).toEqual(['😀']);
    expect(readRecent(null)).toEqual([]);
  });

  it('fills the quick reactions: the latest used, then the defaults in the chosen tone', () => {
    expect(quickReactions([], 0)).toEqual(['👍', '❤️', '😂', '🎉', '😮', '😢']);
    expect(quickReactions([], 3)).toEqual(['👍🏽', '❤️', '😂', '🎉', '😮', '😢']);
    expect(quickReactions(['🥑', '👍🏿'], 3)).toEqual(['🥑', '👍🏿', '❤️', '😂', '🎉', '😮']);
    expect(quickReactions(['🥑', '🐢', '🐍', '🦎', '🐊', '🐉', '🦕'], 0)).toEqual(['🥑', '🐢', '🐍', '🦎', '🐊', '🐉']);
  });
});

describe('what the browser draws', () => {
  it('is the newest version whose probe draws, or everything when none does', () => {
    expect(highestVersion(() => true)).toBe(17);
    expect(highestVersion((e) => !['🫪', '🫩', '🐦‍🔥'].includes(e))).toBe(15);
    expect(highestVersion((e) => e === '😀')).toBe(1);
    expect(highestVersion(() => false)).toBe(Infinity);
  });

  it('tells a coloured glyph from nothing and from a grey box', () => {
    const pixels = (n: number, rgba: number[]) => Array.from({ length: n }, () => rgba).flat();
    expect(isColourGlyph(pixels(100, [0, 0, 0, 0]))).toBe(false);
    expect(isColourGlyph(pixels(100, [40, 40, 40, 255]))).toBe(false);
    expect(isColourGlyph([...pixels(90, [0, 0, 0, 0]), ...pixels(10, [250, 200, 30, 255])])).toBe(true);
    expect(isColourGlyph(pixels(3, [250, 200, 30, 255]))).toBe(false);
  });

  it('cannot check without a canvas (jsdom, workers): the list is then whole', () => {
    expect(canvasProbe(undefined)).toBeNull();
    const noCanvas = { createElement: () => ({ getContext: () => null }) } as unknown as Document;
    expect(canvasProbe(noCanvas)).toBeNull();
  });
});
