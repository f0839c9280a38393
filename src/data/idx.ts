/** @file the IDX format (LeCun's MNIST files) on bytes: a parser that trusts nothing */

/*
 * The format (yann.lecun.com/exdb/mnist, "FILE FORMATS"): a 4-byte magic number — two zero bytes,
 * a type byte, the number of dimensions n — then n sizes as big-endian uint32, then the values in
 * row-major order, big-endian. Types: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
 * 0x0D float32, 0x0E float64. MNIST's images are 0x00000803 [N, 28, 28], its labels 0x00000801 [N].
 *
 * Everything a header claims is checked against the bytes before anything is allocated: the type
 * byte, 1 ≤ n ≤ maxDims, the header's own length, the element count (accumulated with a cap, so
 * four sizes of 2³² − 1 cannot overflow into a small number), and the data length, which must be
 * exactly what the shape needs — a truncated file and trailing bytes are both refused.
 */

/** Thrown for every problem with IDX bytes; the message names the file (or "<bytes>") and the problem. */
export class IdxError extends Error {
  override readonly name = "IdxError";
}

/** The element types of IDX, by the name of the typed array they load into. */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array each IdxType loads into. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** One IDX file's contents: its element type, its shape and its values, row-major. */
export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  /** For uint8 a view into the given bytes (no copy; MNIST's 47 MB stay one buffer); otherwise a fresh array. */
  readonly data: IdxData;
}

/** Options of parseIdx. */
export interface ParseIdxOptions {
  /** The file name used in error messages; "<bytes>" when absent. */
  readonly name?: string;
  /** Most dimensions accepted (default DEFAULT_MAX_IDX_DIMS). */
  readonly maxDims?: number;
  /** Most elements accepted (default DEFAULT_MAX_IDX_ELEMENTS). */
  readonly maxElements?: number;
}

/** Default dimension cap: MNIST needs 3; the type byte would allow 255. */
export const DEFAULT_MAX_IDX_DIMS = 16;
/** Default element cap, 2³¹ − 1: the longest typed array every engine allocates. */
export const DEFAULT_MAX_IDX_ELEMENTS = 2 ** 31 - 1;

const TYPES: ReadonlyMap<number, { readonly type: IdxType; readonly bytes: number }> = new Map([
  [0x08, { type: "uint8", bytes: 1 }],
  [0x09, { type: "int8", bytes: 1 }],
  [0x0b, { type: "int16", bytes: 2 }],
  [0x0c, { type: "int32", bytes: 4 }],
  [0x0d, { type: "float32", bytes: 4 }],
  [0x0e, { type: "float64", bytes: 8 }],
]);

const hex = (v: number, digits: number): string => `0x${v.toString(16).padStart(digits, "0")}`;

/** Parses IDX bytes into a typed array and its shape, or throws an IdxError naming the file and the problem. */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const name = options.name ?? "<bytes>";
  const maxDims = options.maxDims ?? DEFAULT_MAX_IDX_DIMS;
  const maxElements = options.maxElements ?? DEFAULT_MAX_IDX_ELEMENTS;
  const fail = (problem: string): never => {
    throw new IdxError(`${name}: ${problem}`);
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes is too short for the 4-byte IDX magic number`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) fail("gzip-compressed; decompress it first (gunzip)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`not an IDX file: magic number ${hex(magic, 8)} does not start with two zero bytes`);
  const kind = TYPES.get(bytes[2]!);
  if (kind === undefined) fail(`unknown IDX element type ${hex(bytes[2]!, 2)} (magic ${hex(magic, 8)}); known: 0x08 0x09 0x0b 0x0c 0x0d 0x0e`);
  const { type, bytes: width } = kind!;
  const dims = bytes[3]!;
  if (dims < 1 || dims > maxDims) fail(`${dims} dimensions; expected 1 to ${maxDims}`);
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) fail(`truncated header: ${dims} dimensions need ${headerBytes} bytes, the file has ${bytes.length}`);
  const shape: number[] = [];
  for (let i = 0; i < dims; i++) shape.push(view.getUint32(4 + 4 * i));
  // A zero size makes the product 0 whatever the others are; otherwise stop as soon as the cap is passed.
  let elements = shape.includes(0) ? 0 : 1;
  for (const d of shape) {
    if (elements === 0) break;
    elements *= d;
    if (elements > maxElements) fail(`shape [${shape.join(", ")}] has more than ${maxElements} elements`);
  }
  const needed = elements * width;
  const have = bytes.length - headerBytes;
  if (have < needed) fail(`truncated: shape [${shape.join(", ")}] of ${type} needs ${needed} data bytes, the file has ${have}`);
  if (have > needed) fail(`${have - needed} trailing bytes after the ${needed} data bytes of shape [${shape.join(", ")}]`);
  return { type, shape, data: decode(view, headerBytes, elements, type) };
}

/** The values after the header, big-endian, into the matching typed array. */
function decode(view: DataView, start: number, n: number, type: IdxType): IdxData {
  switch (type) {
    case "uint8":
      return new Uint8Array(view.buffer, view.byteOffset + start, n);
    case "int8":
      return Int8Array.from({ length: n }, (_, i) => view.getInt8(start + i));
    case "int16":
      return Int16Array.from({ length: n }, (_, i) => view.getInt16(start + 2 * i));
    case "int32":
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(start + 4 * i));
    case "float32":
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(start + 4 * i));
    case "float64":
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(start + 8 * i));
  }
}

/** Throws an IdxError unless the array has the type and shape expected (undefined = any size there). */
export function expectIdx(a: IdxArray, type: IdxType, shape: readonly (number | undefined)[], name = "<bytes>"): void {
  const shown = `[${a.shape.join(", ")}]`;
  const wanted = `[${shape.map((d) => (d === undefined ? "N" : String(d))).join(", ")}]`;
  if (a.type !== type) throw new IdxError(`${name}: expected ${type} values, the file holds ${a.type}`);
  if (a.shape.length !== shape.length || shape.some((d, i) => d !== undefined && a.shape[i] !== d)) {
    throw new IdxError(`${name}: expected shape ${wanted}, the file has ${shown}`);
  }
}
