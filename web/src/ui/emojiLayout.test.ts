import { describe, expect, it } from 'vitest';
import { moveInGrid, placePopover } from './emojiLayout';

const desktop = { width: 1280, height: 800 };
const button = (left: number, top: number) => ({ left, top, right: left + 30, bottom: top + 30 });

describe('placePopover', () => {
  it('goes below the button, or above it when there is no room below', () => {
    expect(placePopover(button(100, 100), 340, 380, desktop)).toEqual({ top: 134, left: 100 });
    expect(placePopover(button(100, 700), 340, 380, desktop)).toEqual({ top: 316, left: 100 });
  });

  it('ends at the button’s right edge near the right of the screen, and stays inside', () => {
    expect(placePopover(button(1200, 100), 340, 380, desktop)).toEqual({ top: 134, left: 890 });
    expect(placePopover(button(10, 100), 340, 380, { width: 300, height: 800 })).toEqual({ top: 134, left: 8 });
    // No room above or below: as low as fits.
    const { top } = placePopover(button(100, 200), 340, 380, { width: 1280, height: 420 });
    expect(top).toBe(32);
  });
});

describe('moveInGrid', () => {
  // Sections of 10, 0 (empty), 3 and 9 emoji in rows of 4.
  const sizes = [10, 0, 3, 9];
  const move = (section: number, index: number, key: string) => moveInGrid(sizes, 4, { section, index }, key);

  it('runs left and right through the sections, skipping empty ones', () => {
    expect(move(0, 3, 'ArrowRight')).toEqual({ section: 0, index: 4 });
    expect(move(0, 9, 'ArrowRight')).toEqual({ section: 2, index: 0 });
    expect(move(2, 0, 'ArrowLeft')).toEqual({ section: 0, index: 9 });
    expect(move(0, 0, 'ArrowLeft')).toEqual({ section: 0, index: 0 });
    expect(move(3, 8, 'ArrowRight')).toEqual({ section: 3, index: 8 });
  });

  it('keeps the column up and down, across sections and short rows', () => {
    expect(move(0, 1, 'ArrowDown')).toEqual({ section: 0, index: 5 });
    // Row 2 of section 0 holds 8 and 9: from 7, down goes to 9.
    expect(move(0, 7, 'ArrowDown')).toEqual({ section: 0, index: 9 });
    expect(move(0, 9, 'ArrowDown')).toEqual({ section: 2, index: 1 });
    expect(move(0, 8, 'ArrowDown')).toEqual({ section: 2, index: 0 });
    expect(move(2, 2, 'ArrowDown')).toEqual({ section: 3, index: 2 });
    expect(move(3, 2, 'ArrowUp')).toEqual({ section: 2, index: 2 });
    expect(move(2, 1, 'ArrowUp')).toEqual({ section: 0, index: 9 });
    expect(move(2, 2, 'ArrowUp')).toEqual({ section: 0, index: 9 });
    expect(move(0, 2, 'ArrowUp')).toEqual({ section: 0, index: 2 });
  });

  it('goes to the ends with Home and End, and ignores other keys', () => {
    expect(move(2, 1, 'Home')).toEqual({ section: 0, index: 0 });
    expect(move(0, 1, 'End')).toEqual({ section: 3, index: 8 });
    expect(move(0, 1, 'a')).toBeNull();
    expect(moveInGrid([0, 0], 4, { section: 0, index: 0 }, 'ArrowDown')).toBeNull();
  });
});
