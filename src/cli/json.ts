/** @file the one JSON vocabulary of every command: snake_case keys, full words, plain arrays */

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The JSON form of a command's result: every object key in snake_case (`trainLoss` → `train_loss`,
 * also inside optimizer `info` records and the demo report), typed arrays as plain arrays. Results
 * are built from library records whose fields are camelCase; converting at this one boundary keeps
 * `--json`, PREFIX.json and report.json in one vocabulary whatever a record adds later.
 */
export function toJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJson);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), toJson(v)]));
}

/** toJson, pretty-printed as the commands print and write it. */
export function jsonText(value: unknown): string {
  return JSON.stringify(toJson(value), null, 2);
}
