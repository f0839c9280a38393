/** @file the safetensors format on bytes: a parser that trusts nothing and a writer laid out like the reference */
import { formatShape, ndarray, size, type DType, type NDArray, type TypedArray } from "../kernels/ndarray.js";

/**
 * Thrown for every problem with a safetensors file or with what is to be written; the message names
 * the file (or "<bytes>") and the problem.
 */
export class SafetensorsError extends Error {
  override readonly name = "SafetensorsError";
}

/** The tensors and string metadata of one safetensors file. */
export interface SafetensorsContents {
  readonly tensors: Map<string, NDArray>;
  readonly metadata: Record<string, string>;
}

/** Options of parseSafetensors. */
export interface ParseSafetensorsOptions {
  /** The file name used in error messages; "<bytes>" when absent. */
  readonly name?: string;
  /** Largest JSON header accepted, in bytes; default DEFAULT_MAX_HEADER_BYTES. */
  readonly maxHeaderBytes?: number;
  /** Most tensors accepted (checked before any entry is parsed); default: no limit beyond the header's size. */
  readonly maxTensors?: number;
}

/** The reference implementation's header limit (`MAX_HEADER_SIZE`, 100 MB). */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

/**
 * Every dtype the reference implementation knows, with its size in bits. Only F32 and F64 load here;
 * the others are recognised so that the error says "unsupported" rather than "unknown".
 */
const KNOWN_DTYPES: ReadonlyMap<string, number> = new Map([
  ["BOOL", 8], ["F4", 4], ["F6_E2M3", 6], ["F6_E3M2", 6], ["U8", 8], ["I8", 8], ["F8_E5M2", 8],
  ["F8_E4M3", 8], ["F8_E8M0", 8], ["F8_E4M3FNUZ", 8], ["F8_E5M2FNUZ", 8], ["I16", 16], ["U16", 16],
  ["F16", 16], ["BF16", 16], ["I32", 32], ["U32", 32], ["F32", 32], ["C64", 64], ["F64", 64],
  ["I64", 64], ["U64", 64],
]);

const FILE_DTYPE: Readonly<Record<DType, string>> = { float32: "F32", float64: "F64" };
const BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8 };
const METADATA_KEY = "__metadata__";

/** Typed arrays are platform-endian, the format is little-endian: swap only where they differ. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A string with an unpaired UTF-16 surrogate cannot be written as UTF-8 (serde_json rejects it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A name quoted for a message, cut short so that a hostile 100 MB name gives a readable error. */
function quote(s: string): string {
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s);
}

/**
 * What a JSON value is, briefly, for a message. Never JSON.stringify the value: a hostile header can
 * nest arrays deeper than the stack, and printing it would throw a RangeError.
 */
function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return `the string ${quote(v)}`;
  if (!Array.isArray(v)) return v === null ? "null" : typeof v;
  const bad = v.findIndex((x) => !isIndex(x));
  return bad < 0 ? `an array of ${v.length}` : `an array whose element ${bad} is ${describeScalar(v[bad])}`;
}

function describeScalar(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return `the string ${quote(v)}`;
  return Array.isArray(v) ? "an array" : v === null ? "null" : typeof v;
}

/** A shape for a message; a hostile shape can have millions of dimensions. */
function shapeText(shape: readonly number[]): string {
  return shape.length > 12 ? `[${shape.slice(0, 12).join(", ")}, … ${shape.length} dims]` : formatShape(shape);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Reverses the bytes of each `width`-byte element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

interface Entry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Reads a safetensors file from its bytes: F32 and F64 tensors (copied into fresh, aligned typed arrays)
 * and the `__metadata__` strings. Checks, before allocating anything: the length prefix against the
 * file size and `maxHeaderBytes`; UTF-8 and JSON; every entry's dtype, shape and data_offsets; that
 * shape × dtype size equals the byte span; and — like the reference — that the spans, sorted, tile the
 * data buffer exactly (no overlap, no hole, nothing after the last). JSON.parse keeps the last of
 * duplicate keys; a duplicated tensor then usually leaves a hole, which is reported. Tensor data is
 * allocated only after every check passed and never exceeds the file; the parsed JSON header itself
 * takes memory proportional to `maxHeaderBytes` (lower it for untrusted input of known-small headers).
 */
export function parseSafetensors(bytes: Uint8Array, opts: ParseSafetensorsOptions = {}): SafetensorsContents {
  const file = opts.name ?? "<bytes>";
  const fail: (problem: string) => never = (problem) => {
    throw new SafetensorsError(`${file}: ${problem}`);
  };
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeader) || maxHeader < 0) fail(`maxHeaderBytes must be a non-negative integer, got ${maxHeader}`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  // what torch.save writes instead: a zip archive since PyTorch 1.6, a pickle before. Their first
  // bytes read as an impossible header length, so they are named only when the header is invalid.
  const failForeign = (problem: string): never => {
    const saveAs = "save with safetensors.torch.save_file instead (docs/pytorch.md)";
    if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) fail(`a zip archive (what torch.save writes, .pt/.pth), not safetensors: ${saveAs}`);
    if (bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) fail(`a Python pickle (what an older torch.save writes), not safetensors: ${saveAs}`);
    return fail(problem);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // hi·2³² + lo is exact below 2⁵³ and only compared against limits far below that otherwise
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  const exactLength = (): string => view.getBigUint64(0, true).toString();
  if (headerLength > maxHeader) failForeign(`header length ${exactLength()} exceeds the limit of ${maxHeader} bytes`);
  if (headerLength > bytes.length - 8) {
    failForeign(`header length ${exactLength()} exceeds the ${bytes.length - 8} bytes after the length prefix (truncated file?)`);
  }
  const dataStart = 8 + headerLength;
  const bufferLength = bytes.length - dataStart;

  let text = "";
  try {
    // ignoreBOM keeps a byte-order mark, so that it fails the '{' check below as it does in the reference
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    failForeign("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) failForeign("header does not start with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e instanceof Error ? e.message : String(e)).slice(0, 200)})`);
  }
  if (!isObject(header)) return fail("header is not a JSON object");

  const maxTensors = opts.maxTensors ?? Infinity;
  const count = Object.keys(header).length - (METADATA_KEY in header ? 1 : 0);
  if (count > maxTensors) fail(`${count} tensors exceed the limit of ${maxTensors}`);
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (LONE_SURROGATE.test(name)) fail(`key ${quote(name)} is not valid Unicode (lone surrogate)`);
    if (name === METADATA_KEY) {
      // the reference reads __metadata__ as Option<HashMap<String, String>>, so null means none
      if (value === null) continue;
      if (!isObject(value)) fail(`${METADATA_KEY} is not an object of strings`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") fail(`${METADATA_KEY} value of ${quote(k)} is not a string`);
        if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) {
          fail(`${METADATA_KEY} entry ${quote(k)} is not valid Unicode (lone surrogate)`);
        }
        metadata.push([k, v]);
      }
      continue;
    }
    entries.push(parseEntry(name, value, bufferLength, fail));
  }

  // The reference sorts by (begin, end) and demands that each span starts where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < covered) {
      fail(`tensor ${quote(e.name)} data_offsets [${e.begin}, ${e.end}] overlap tensor ${quote(previous!.name)}`);
    }
    if (e.begin > covered) fail(`data bytes [${covered}, ${e.begin}) belong to no tensor (hole before ${quote(e.name)})`);
    covered = e.end;
    previous = e;
  }
  if (covered !== bufferLength) {
    fail(`data buffer is ${bufferLength} bytes but the tensors cover only ${covered} (trailing bytes)`);
  }

  const tensors = new Map<string, NDArray>();
  for (const e of entries) {
    const n = (e.end - e.begin) / BYTES[e.dtype];
    const data: TypedArray = e.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
    const raw = new Uint8Array(data.buffer);
    raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN) swapBytes(raw, BYTES[e.dtype]);
    tensors.set(e.name, ndarray(data, e.shape));
  }
  return { tensors, metadata: Object.fromEntries(metadata) };
}

/** Checks one header entry `{dtype, shape, data_offsets}` against the data buffer's length. */
function parseEntry(name: string, value: unknown, bufferLength: number, fail: (problem: string) => never): Entry {
  const where = `tensor ${quote(name)}`;
  if (!isObject(value)) return fail(`${where}: entry is not an object`);
  const { dtype: fileDtype, shape, data_offsets: offsets } = value;
  if (typeof fileDtype !== "string") return fail(`${where}: dtype is missing or not a string`);
  const bits = KNOWN_DTYPES.get(fileDtype);
  if (bits === undefined) return fail(`${where}: unknown dtype ${quote(fileDtype)}`);
  if (fileDtype !== "F32" && fileDtype !== "F64") {
    const labels = /^[IU]\d+$/.test(fileDtype) ? "; class labels go in a data file as one-hot float targets [N, classes]" : "";
    return fail(`${where}: unsupported dtype ${fileDtype} (only F32 and F64 load here${labels})`);
  }
  const dtype: DType = fileDtype === "F64" ? "float64" : "float32";
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    return fail(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return fail(`${where}: data_offsets must be two non-negative integers, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > bufferLength) fail(`${where}: data_offsets [${begin}, ${end}] run past the ${bufferLength}-byte data buffer`);
  // Every partial product stays an exact integer: stop as soon as one would pass 2⁵³ (the reference
  // stops at u64 overflow the same way, even when a later dimension is 0).
  const itemBytes = bits / 8;
  let elements = 1;
  for (const d of shape) {
    if (d !== 0 && elements > Number.MAX_SAFE_INTEGER / d) fail(`${where}: shape ${shapeText(shape)} overflows`);
    elements *= d;
  }
  if (elements > Number.MAX_SAFE_INTEGER / itemBytes) fail(`${where}: shape ${shapeText(shape)} overflows`);
  if (elements * itemBytes !== end - begin) {
    fail(`${where}: shape ${shapeText(shape)} of ${fileDtype} needs ${elements * itemBytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

/** Orders strings by Unicode code point, which is the UTF-8 byte order Rust's `str::cmp` uses. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true || y.done === true) return (x.done === true ? 0 : 1) - (y.done === true ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Writes tensors (float32 → F32, float64 → F64) and string metadata as safetensors bytes, laid out as
 * the reference writer does: F64 tensors before F32 (descending alignment), then by name; the JSON
 * header padded with spaces to a multiple of 8 so every tensor starts aligned; little-endian data.
 * Names must be non-empty, not `__metadata__`, and valid Unicode; `__metadata__` is omitted when empty.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, NDArray> | Readonly<Record<string, NDArray>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const fail: (problem: string) => never = (problem) => {
    throw new SafetensorsError(`serializeSafetensors: ${problem}`);
  };
  const items: [string, NDArray][] =
    tensors instanceof Map ? [...(tensors as ReadonlyMap<string, NDArray>)] : Object.entries(tensors as Readonly<Record<string, NDArray>>);
  for (const [name, t] of items) {
    if (typeof name !== "string" || name === "") fail("tensor names must be non-empty strings");
    if (name === METADATA_KEY) fail(`${METADATA_KEY} is reserved and cannot name a tensor`);
    if (LONE_SURROGATE.test(name)) fail(`tensor name ${quote(name)} is not valid Unicode (lone surrogate)`);
    const ok =
      (t.dtype === "float32" && t.data instanceof Float32Array) || (t.dtype === "float64" && t.data instanceof Float64Array);
    if (!ok) fail(`tensor ${quote(name)}: dtype ${t.dtype} does not match its data`);
    if (!Array.isArray(t.shape) || !t.shape.every(isIndex) || size(t.shape) !== t.data.length) {
      fail(`tensor ${quote(name)}: ${t.data.length} elements do not fill shape ${String(t.shape)}`);
    }
  }
  const metaEntries = Object.entries(metadata);
  for (const [k, v] of metaEntries) {
    if (typeof v !== "string") fail(`metadata value of ${quote(k)} is not a string`);
    if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) fail(`metadata entry ${quote(k)} is not valid Unicode`);
  }

  items.sort(([na, a], [nb, b]) => BYTES[b.dtype] - BYTES[a.dtype] || compareCodePoints(na, nb));
  const parts: string[] = [];
  if (metaEntries.length > 0) {
    const pairs = metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    parts.push(`"${METADATA_KEY}":{${pairs.join(",")}}`);
  }
  let offset = 0;
  for (const [name, t] of items) {
    const next = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${FILE_DTYPE[t.dtype]}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${next}]}`);
    offset = next;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of items) {
    const raw = out.subarray(at, at + t.data.byteLength);
    raw.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    if (!LITTLE_ENDIAN) swapBytes(raw, BYTES[t.dtype]);
    at += t.data.byteLength;
  }
  return out;
}
