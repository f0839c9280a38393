/** @file SVG → PNG for Node (the one plotting step that is not browser-safe): resvg, a Rust SVG renderer shipped as a prebuilt binary */
import { Resvg } from "@resvg/resvg-js";
import { renderSvg, type ChartSpec } from "./chart.js";

/** Options of svgToPng. */
export interface PngOptions {
  /** Pixels per SVG unit (2 gives a crisp image on high-density screens and in print). Default 2. */
  readonly scale?: number;
  /** Background fill; charts set their own, this covers transparent SVGs. Default "white". */
  readonly background?: string;
}

/**
 * Rasterizes an SVG document to PNG bytes with resvg (@resvg/resvg-js). Text is drawn with the
 * system's fonts (loaded once per call); on a machine without any installed fonts text is omitted.
 */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`svgToPng: scale must be positive and finite, got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: options.background ?? "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  const png: unknown = resvg.render().asPng();
  if (!(png instanceof Uint8Array)) throw new Error("svgToPng: resvg returned no PNG bytes");
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** A chart rendered both ways, and how long that took. */
export interface RenderedChart {
  readonly svg: string;
  readonly png: Uint8Array;
  /** Seconds spent in Vega (SVG) and in resvg (PNG). */
  readonly seconds: { readonly svg: number; readonly png: number };
}

/** Renders a chart to SVG and rasterizes that SVG to PNG. */
export async function renderChart(chart: ChartSpec, options: PngOptions = {}): Promise<RenderedChart> {
  const t0 = performance.now();
  const svg = await renderSvg(chart);
  const t1 = performance.now();
  const png = svgToPng(svg, options);
  const t2 = performance.now();
  return { svg, png, seconds: { svg: (t1 - t0) / 1000, png: (t2 - t1) / 1000 } };
}
