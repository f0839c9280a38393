/** @file the PREFIX.svg / PREFIX.png / PREFIX.json outputs of the plotting commands */
import { writeFileAtomic, type RenderedChart } from "../node.js";
import { jsonText } from "./json.js";
import { writeOutput } from "./outputs.js";

/** The three files a plotting command writes for `--out PREFIX`. */
// a type alias, not an interface, so Object.values(files) is string[] (interfaces get no implicit index signature)
export type ChartFiles = { readonly svg: string; readonly png: string; readonly json: string };

/**
 * The output paths for a prefix. A prefix that already ends in one of the three extensions
 * (`--out d.png`) loses it, so the files are d.png, d.svg and d.json rather than d.png.png.
 */
export function chartFiles(prefix: string): ChartFiles {
  const base = prefix.replace(/\.(svg|png|json)$/i, "");
  return { svg: `${base}.svg`, png: `${base}.png`, json: `${base}.json` };
}

/**
 * Writes the chart and the result (the same JSON `--json` prints), each file atomically, each path
 * checked again against the inputs just before (see outputs.ts writeOutput).
 */
export async function writeChartOutputs(files: ChartFiles, rendered: RenderedChart, result: unknown, inputs: readonly string[]): Promise<void> {
  const encoder = new TextEncoder();
  const contents: [string, Uint8Array][] = [
    [files.svg, encoder.encode(rendered.svg)],
    [files.png, rendered.png],
    [files.json, encoder.encode(`${jsonText(result)}\n`)],
  ];
  for (const [path, bytes] of contents) await writeOutput(path, inputs, () => writeFileAtomic(path, bytes));
}
