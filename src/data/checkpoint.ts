/** @file checkpoints: any plain-data state tree (numbers, strings, typed arrays) as one safetensors file, exactly */
import { ndarray, type NDArray } from "../kernels/ndarray.js";
import { parseSafetensors, SafetensorsError, serializeSafetensors } from "./safetensors.js";

/** What a checkpoint may hold: JSON values plus Float64Array, Float32Array and Int32Array leaves. */
export type CheckpointValue =
  | null
  | boolean
  | number
  | string
  | Float64Array
  | Float32Array
  | Int32Array
  | readonly CheckpointValue[]
  | { readonly [key: string]: CheckpointValue };

const STRUCTURE_KEY = "hessian_lab_checkpoint";
const CHECKSUM_KEY = "hessian_lab_checksum";
const FORMAT = 1;
/** How deep a checkpoint's structure may nest (state trees are a few levels deep; a hostile one could overflow the stack). */
export const MAX_CHECKPOINT_DEPTH = 64;

/**
 * A hash of byte strings fed in order, as lowercase hex of fixed length (SHA-256 at the Node edge).
 * A parameter, not an import, so that the codec stays browser-safe.
 */
export type Digest = (parts: readonly Uint8Array[]) => string;

/** The ASCII bytes of a string that is known to be ASCII. */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Where the checksum's hex digits sit in the file: after the first `"hessian_lab_checksum":"` of the header. */
function checksumSpan(bytes: Uint8Array, headerEnd: number, length: number): { begin: number; end: number } | null {
  const key = ascii(`"${CHECKSUM_KEY}":"`);
  outer: for (let i = 8; i + key.length + length <= headerEnd; i++) {
    for (let j = 0; j < key.length; j++) if (bytes[i + j] !== key[j]) continue outer;
    return { begin: i + key.length, end: i + key.length + length };
  }
  return null;
}

/** The digest of the whole file with the checksum's digits read as zeros: every byte but those is covered. */
function fileDigest(bytes: Uint8Array, span: { begin: number; end: number }, digest: Digest): string {
  return digest([bytes.subarray(0, span.begin), ascii("0".repeat(span.end - span.begin)), bytes.subarray(span.end)]);
}

/**
 * Encodes a state tree. Typed arrays become tensors named by their position ("t0", "t1", …) in the
 * JSON structure kept in the metadata; Float64 and Int32 arrays are stored as F64 and Float32 as F32,
 * so every value — and every number in the structure, written by JSON's shortest round-trip form,
 * with NaN/±Infinity tagged — comes back bit for bit. That is what makes a resumed run identical.
 */
export function encodeCheckpoint(state: CheckpointValue, digest?: Digest): Uint8Array {
  const tensors = new Map<string, NDArray>();
  const walk = (v: CheckpointValue): unknown => {
    if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) {
      const name = `t${tensors.size}`;
      const data = v instanceof Int32Array ? Float64Array.from(v) : v;
      tensors.set(name, ndarray(data, [v.length]));
      return { $tensor: name, type: v.constructor.name };
    }
    if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: String(Object.is(v, -0) ? "-0" : v) };
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (Array.isArray(v)) return (v as readonly CheckpointValue[]).map(walk);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(v)) out[key] = walk(value);
    return { $object: out };
  };
  const structure = walk(state);
  const text = JSON.stringify({ format: FORMAT, state: structure });
  if (digest === undefined) return serializeSafetensors(tensors, { [STRUCTURE_KEY]: text });
  // the checksum goes first in the metadata, as zeros, and is then filled in with the file's digest
  const zeros = "0".repeat(digest([]).length);
  const bytes = serializeSafetensors(tensors, { [CHECKSUM_KEY]: zeros, [STRUCTURE_KEY]: text });
  const headerEnd = 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const span = checksumSpan(bytes, headerEnd, zeros.length)!;
  bytes.set(ascii(fileDigest(bytes, span, digest)), span.begin);
  return bytes;
}

/**
 * Decodes a checkpoint written by encodeCheckpoint; any inconsistency is a SafetensorsError naming the
 * file. With `digest` (the one it was written with) the file must carry a checksum and match it, so
 * any change to any byte — a flipped bit in the data included — is refused before decoding.
 */
export function decodeCheckpoint(bytes: Uint8Array, name = "<checkpoint>", digest?: Digest): CheckpointValue {
  const { tensors, metadata } = parseSafetensors(bytes, { name });
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${name}: not a hessian-lab checkpoint: ${problem}`);
  };
  if (digest !== undefined) {
    const sum = metadata[CHECKSUM_KEY];
    if (sum === undefined) fail("it has no checksum (written by an older version?)");
    const headerEnd = 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const span = checksumSpan(bytes, headerEnd, sum!.length);
    if (span === null || sum!.length !== digest([]).length || fileDigest(bytes, span, digest) !== sum) {
      throw new SafetensorsError(`${name}: checksum mismatch: the checkpoint is corrupted (changed after it was written)`);
    }
  }
  const text = metadata[STRUCTURE_KEY];
  if (text === undefined) return fail(`metadata has no "${STRUCTURE_KEY}"`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail("its structure is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || !("format" in parsed) || parsed.format !== FORMAT || !("state" in parsed)) {
    return fail(`unsupported checkpoint format (expected format ${FORMAT})`);
  }
  const used = new Set<string>();
  const walk = (v: unknown, depth = 0): CheckpointValue => {
    if (depth > MAX_CHECKPOINT_DEPTH) fail(`its structure is nested deeper than ${MAX_CHECKPOINT_DEPTH} levels`);
    if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "number") return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v !== "object") return fail("unexpected value in its structure");
    if ("$number" in v) {
      const n = v.$number === "-0" ? -0 : Number(v.$number);
      if (v.$number !== "-0" && !["NaN", "Infinity", "-Infinity"].includes(String(v.$number))) fail("bad tagged number");
      return n;
    }
    if ("$tensor" in v && "type" in v) {
      const t = typeof v.$tensor === "string" ? tensors.get(v.$tensor) : undefined;
      if (t === undefined || typeof v.$tensor !== "string") return fail(`missing tensor ${String(v.$tensor)}`);
      used.add(v.$tensor);
      if (v.type === "Float64Array" && t.dtype === "float64") return t.data;
      if (v.type === "Float32Array" && t.dtype === "float32") return t.data;
      if (v.type === "Int32Array" && t.dtype === "float64") return Int32Array.from(t.data);
      return fail(`tensor ${v.$tensor} has dtype ${t.dtype}, expected ${String(v.type)}`);
    }
    if ("$object" in v && typeof v.$object === "object" && v.$object !== null) {
      const out: Record<string, CheckpointValue> = {};
      for (const [key, value] of Object.entries(v.$object)) out[key] = walk(value, depth + 1);
      return out;
    }
    return fail("unexpected object in its structure");
  };
  const state = walk(parsed.state);
  if (used.size !== tensors.size) fail("it holds tensors its structure does not use");
  return state;
}
