/** @file the map between the view box and the canvas: y up in the box, down on the screen */
import type { Box } from "./contours.js";

/** The canvas position (CSS pixels) of a point of the box on a size×size canvas. */
export function toCanvas(box: Box, size: number, [x, y]: readonly [number, number]): [number, number] {
  return [((x - box.x[0]) / (box.x[1] - box.x[0])) * size, ((box.y[1] - y) / (box.y[1] - box.y[0])) * size];
}

/** The point of the box under canvas position (px, py). */
export function fromCanvas(box: Box, size: number, [px, py]: readonly [number, number]): [number, number] {
  return [box.x[0] + (px / size) * (box.x[1] - box.x[0]), box.y[1] - (py / size) * (box.y[1] - box.y[0])];
}

/** A coordinate rounded to 1/10000 of the box's width: a click's precision, so links stay short. */
export function roundToBox(box: Box, v: number): number {
  const quantum = (box.x[1] - box.x[0]) / 10_000;
  return Number((Math.round(v / quantum) * quantum).toPrecision(12));
}
