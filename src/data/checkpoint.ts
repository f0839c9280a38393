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
const FORMAT = 1;

/**
 * Encodes a state tree. Typed arrays become tensors named by their position ("t0", "t1", …) in the
 * JSON structure kept in the metadata; Float64 and Int32 arrays are stored as F64 and Float32 as F32,
 * so every value — and every number in the structure, written by JSON's shortest round-trip form,
 * with NaN/±Infinity tagged — comes back bit for bit. That is what makes a resumed run identical.
 */
export function encodeCheckpoint(state: CheckpointValue): Uint8Array {
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
  return serializeSafetensors(tensors, { [STRUCTURE_KEY]: JSON.stringify({ format: FORMAT, state: structure }) });
}

/** Decodes a checkpoint written by encodeCheckpoint; any inconsistency is a SafetensorsError naming the file. */
export function decodeCheckpoint(bytes: Uint8Array, name = "<checkpoint>"): CheckpointValue {
  const { tensors, metadata } = parseSafetensors(bytes, { name });
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${name}: not a hessian-lab checkpoint: ${problem}`);
  };
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
  const walk = (v: unknown): CheckpointValue => {
    if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "number") return v;
    if (Array.isArray(v)) return v.map(walk);
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
      for (const [key, value] of Object.entries(v.$object)) out[key] = walk(value);
      return out;
    }
    return fail("unexpected object in its structure");
  };
  const state = walk(parsed.state);
  if (used.size !== tensors.size) fail("it holds tensors its structure does not use");
  return state;
}
