/** @file small DOM helpers the views share: typed element look-up and a crisp canvas on high-density screens */

/** The element #id, checked to be a `type` (the page is index.html; a mismatch is a bug worth a clear message). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the page lacks a ${type.name} #${id}`);
  return el;
}

/** A 2-D context drawing in CSS pixels on a canvas whose backing store has devicePixelRatio× as many. */
export function setupCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error("no 2-D canvas context");
  ctx.scale(dpr, dpr);
  return ctx;
}
