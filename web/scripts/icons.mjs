// Draws the app's PNG icons (web/public/icons/) from the design of
// web/public/favicon.svg: a white speech bubble on an indigo rounded square. The
// manifest, the apple-touch-icon and the service worker's notifications need
// bitmaps; browsers do not all accept SVG there. The PNGs are committed; run this
// again (`node scripts/icons.mjs`) only when the design changes.
//
// No image library: each pixel is sampled 4x4 times against the shapes (so edges are
// anti-aliased), and png.mjs encodes the result.

import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './png.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '../public/icons');

/** The favicon's colours (styles.css's light --accent). */
const INDIGO = [0x4f, 0x46, 0xe5];
const WHITE = [0xff, 0xff, 0xff];

/** The speech bubble of favicon.svg, in its 32x32 coordinates: M8 10h16v10h-9l-5 4v-4H8z */
const BUBBLE = [
  [8, 10],
  [24, 10],
  [24, 20],
  [15, 20],
  [10, 24],
  [10, 20],
  [8, 20],
];

function inPolygon(x, y, points) {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inRoundedSquare(x, y, size, radius) {
  if (x < 0 || y < 0 || x > size || y > size) return false;
  const cx = Math.min(Math.max(x, radius), size - radius);
  const cy = Math.min(Math.max(y, radius), size - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/**
 * One icon of `size` pixels. `square` draws the background: 'rounded' (the favicon,
 * transparent corners), 'full' (opaque to the edges, for maskable and Apple icons,
 * which the platform crops), or 'none' (the bubble alone, for a notification badge).
 * `scale` is how much of the icon the 32-unit design covers.
 */
function draw(size, { square, scale = 1 }) {
  const samples = 4;
  const rgba = Buffer.alloc(size * size * 4);
  const unit = (size * scale) / 32;
  const offset = (size - size * scale) / 2;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bubble = 0;
      let background = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = px + (sx + 0.5) / samples;
          const y = py + (sy + 0.5) / samples;
          const dx = (x - offset) / unit;
          const dy = (y - offset) / unit;
          if (inPolygon(dx, dy, BUBBLE)) bubble += 1;
          else if (square === 'full' || (square === 'rounded' && inRoundedSquare(x, y, size, size / 4))) background += 1;
        }
      }
      const n = samples * samples;
      const alpha = (bubble + background) / n;
      const i = (py * size + px) * 4;
      if (alpha === 0) continue;
      // The colour of what covers the pixel, weighted by how much of it each covers.
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round((WHITE[c] * bubble + INDIGO[c] * background) / (bubble + background));
      rgba[i + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, size, rgba, 4);
}

const icons = {
  'icon-192.png': draw(192, { square: 'rounded' }),
  'icon-512.png': draw(512, { square: 'rounded' }),
  // Maskable: the platform cuts any shape out of the middle 80%, so the bubble
  // stays well inside it.
  'maskable-192.png': draw(192, { square: 'full', scale: 0.8 }),
  'maskable-512.png': draw(512, { square: 'full', scale: 0.8 }),
  'apple-touch-icon.png': draw(180, { square: 'full', scale: 0.9 }),
  // Android shows a notification's badge as a silhouette: only its alpha counts.
  'badge-96.png': draw(96, { square: 'none', scale: 1.6 }),
};

mkdirSync(out, { recursive: true });
for (const [name, bytes] of Object.entries(icons)) {
  writeFileSync(join(out, name), bytes);
  console.log(`${name}: ${bytes.length} bytes`);
}
