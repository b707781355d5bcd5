// Geometry of the emoji picker, apart from React so that it can be tested: where the
// popover goes beside the button that opened it, and where the arrow keys go in its
// grid of sections.

export interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** Space kept between the popover and the viewport's edges, and from its button. */
const MARGIN = 8;
const GAP = 4;

/**
 * The top left corner of a `width` x `height` popover for a button at `anchor`: below
 * it, or above when there is no room below, starting at the button's left edge or
 * ending at its right one, and always inside the viewport.
 */
export function placePopover(anchor: Box, width: number, height: number, viewport: { width: number; height: number }): { top: number; left: number } {
  const clamp = (value: number, max: number) => Math.max(MARGIN, Math.min(value, max - MARGIN));
  const below = anchor.bottom + GAP;
  const above = anchor.top - GAP - height;
  const top = below + height <= viewport.height - MARGIN ? below : above >= MARGIN ? above : clamp(viewport.height - height, viewport.height - height);
  const left = anchor.left + width <= viewport.width - MARGIN ? anchor.left : anchor.right - width;
  return { top: clamp(top, viewport.height - height), left: clamp(left, viewport.width - width) };
}

/** An emoji of the grid: which section, which one in it. */
export interface Cell {
  section: number;
  index: number;
}

/**
 * Where an arrow key (or Home, End) goes from `at` in sections of `sizes` emoji laid
 * out in rows of `columns`: left and right run on through the sections, up and down
 * keep the column (or the nearest one) across sections. Null for other keys.
 */
export function moveInGrid(sizes: readonly number[], columns: number, at: Cell, key: string): Cell | null {
  const cols = Math.max(1, columns);
  const filled = sizes.map((size, section) => ({ size, section })).filter((s) => s.size > 0);
  const first = filled[0];
  const last = filled[filled.length - 1];
  if (!first || !last) return null;
  const size = sizes[at.section] ?? 0;
  const near = (section: number, step: 1 | -1) => {
    for (let s = section + step; s >= 0 && s < sizes.length; s += step) if ((sizes[s] ?? 0) > 0) return s;
    return null;
  };
  switch (key) {
    case 'Home':
      return { section: first.section, index: 0 };
    case 'End':
      return { section: last.section, index: last.size - 1 };
    case 'ArrowRight': {
      if (at.index + 1 < size) return { section: at.section, index: at.index + 1 };
      const next = near(at.section, 1);
      return next === null ? at : { section: next, index: 0 };
    }
    case 'ArrowLeft': {
      if (at.index > 0) return { section: at.section, index: at.index - 1 };
      const previous = near(at.section, -1);
      return previous === null ? at : { section: previous, index: (sizes[previous] ?? 1) - 1 };
    }
    case 'ArrowDown': {
      if (at.index + cols < size) return { section: at.section, index: at.index + cols };
      // A shorter last row below: its last emoji.
      if (Math.floor(at.index / cols) < Math.floor((size - 1) / cols)) return { section: at.section, index: size - 1 };
      const next = near(at.section, 1);
      return next === null ? at : { section: next, index: Math.min(at.index % cols, (sizes[next] ?? 1) - 1) };
    }
    case 'ArrowUp': {
      if (at.index - cols >= 0) return { section: at.section, index: at.index - cols };
      const previous = near(at.section, -1);
      if (previous === null) return at;
      const count = sizes[previous] ?? 1;
      const lastRow = Math.floor((count - 1) / cols) * cols;
      return { section: previous, index: Math.min(lastRow + (at.index % cols), count - 1) };
    }
    default:
      return null;
  }
}
