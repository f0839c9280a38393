/** @file a PNG grid of 28×28 images: originals and their reconstructions, one row per source */
import { PNG } from "pngjs";

/** One row of the grid: a label and images as flat grey values in [0, 1]. */
export interface ImageRow {
  readonly label: string;
  readonly images: readonly ArrayLike<number>[];
}

/**
 * Encodes rows of square grey images as one PNG (white background, 2 px gutters, each pixel drawn
 * `scale`×`scale`), ink dark on light as digits are usually shown. Values are clamped to [0, 1].
 */
export function imageGridPng(rows: readonly ImageRow[], side = 28, scale = 2): Uint8Array {
  const columns = Math.max(...rows.map((r) => r.images.length));
  const gutter = 2;
  const cell = side * scale + gutter;
  const png = new PNG({ width: columns * cell + gutter, height: rows.length * cell + gutter });
  png.data.fill(255);
  rows.forEach((row, r) => {
    row.images.forEach((image, c) => {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const v = Math.min(1, Math.max(0, image[y * side + x] ?? 0));
          const grey = Math.round(255 * (1 - v));
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const px = gutter + c * cell + x * scale + dx;
              const py = gutter + r * cell + y * scale + dy;
              const o = (py * png.width + px) * 4;
              png.data[o] = grey;
              png.data[o + 1] = grey;
              png.data[o + 2] = grey;
              png.data[o + 3] = 255;
            }
          }
        }
      }
    });
  });
  return PNG.sync.write(png);
}
