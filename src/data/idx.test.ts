import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { expectIdx, IdxError, parseIdx, type IdxType } from "./idx.js";

/** Type byte and width of each type, from the format description (written here, not read from idx.ts). */
const FORMAT: Record<IdxType, [code: number, width: number]> = {
  uint8: [0x08, 1],
  int8: [0x09, 1],
  int16: [0x0b, 2],
  int32: [0x0c, 4],
  float32: [0x0d, 4],
  float64: [0x0e, 8],
};

/** An IDX file written with DataView's big-endian setters: the test's own encoder. */
function idxBytes(type: IdxType, shape: readonly number[], values: readonly number[]): Uint8Array {
  const [code, width] = FORMAT[type];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + width * values.length);
  const v = new DataView(out.buffer);
  v.setUint8(2, code);
  v.setUint8(3, shape.length);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  values.forEach((x, i) => {
    const at = header + width * i;
    if (type === "uint8") v.setUint8(at, x);
    else if (type === "int8") v.setInt8(at, x);
    else if (type === "int16") v.setInt16(at, x);
    else if (type === "int32") v.setInt32(at, x);
    else if (type === "float32") v.setFloat32(at, x);
    else v.setFloat64(at, x);
  });
  return out;
}

test("parseIdx reads hand-written bytes: MNIST-style uint8 [2, 3] and big-endian int16", () => {
  const u8 = parseIdx(Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]));
  assert.equal(u8.type, "uint8");
  assert.deepEqual(u8.shape, [2, 3]);
  assert.deepEqual(Array.from(u8.data), [1, 2, 3, 4, 5, 255]);
  // 0xfffe = −2 and 0x0100 = 256 only when read big-endian (little-endian would give −257 and 1).
  const i16 = parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x00]));
  assert.equal(i16.type, "int16");
  assert.deepEqual(Array.from(i16.data), [-2, 256]);
  // float32 1.5 is 0x3fc00000.
  const f32 = parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]));
  assert.deepEqual(Array.from(f32.data), [1.5]);
});

test("parseIdx: uint8 data is a view of the bytes, also at a non-zero byte offset", () => {
  const file = idxBytes("uint8", [4], [9, 8, 7, 6]);
  const padded = new Uint8Array(file.length + 3);
  padded.set(file, 3);
  const a = parseIdx(padded.subarray(3));
  assert.deepEqual(Array.from(a.data), [9, 8, 7, 6]);
  assert.equal(a.data.buffer, padded.buffer);
});

test("parseIdx round-trips every type and shape (fast-check, 300 cases)", () => {
  const arb = fc
    .tuple(fc.constantFrom<IdxType>("uint8", "int8", "int16", "int32", "float32", "float64"), fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 4 }))
    .chain(([type, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const value: fc.Arbitrary<number> =
        type === "uint8" ? fc.nat({ max: 255 })
        : type === "int8" ? fc.integer({ min: -128, max: 127 })
        : type === "int16" ? fc.integer({ min: -32768, max: 32767 })
        : type === "int32" ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
        : type === "float32" ? fc.float({ noNaN: true })
        : fc.double({ noNaN: true });
      return fc.tuple(fc.constant(type), fc.constant(shape), fc.array(value, { minLength: n, maxLength: n }));
    });
  fc.assert(
    fc.property(arb, ([type, shape, values]) => {
      const a = parseIdx(idxBytes(type, shape, values));
      assert.equal(a.type, type);
      assert.deepEqual(a.shape, shape);
      assert.deepEqual(Array.from(a.data), values);
    }),
    { numRuns: 300, seed: 13 },
  );
});

test("parseIdx rejects malformed files with the file named and the problem said", () => {
  const good = idxBytes("uint8", [2, 2], [1, 2, 3, 4]);
  const edit = (at: number, value: number): Uint8Array => {
    const b = Uint8Array.from(good);
    b[at] = value;
    return b;
  };
  const huge = idxBytes("uint8", [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1], []);
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([0, 0, 8]), /^IdxError: a\.idx: 3 bytes is too short for the 4-byte IDX magic number$/],
    [Uint8Array.from([0x1f, 0x8b, 8, 0]), /a\.idx: gzip-compressed/],
    [edit(1, 1), /a\.idx: not an IDX file: magic number 0x00010802/],
    [edit(2, 0x0a), /a\.idx: unknown IDX element type 0x0a/],
    [edit(3, 0), /a\.idx: 0 dimensions; expected 1 to 16/],
    [edit(3, 17), /a\.idx: 17 dimensions; expected 1 to 16/],
    [edit(3, 4), /a\.idx: truncated header: 4 dimensions need 20 bytes, the file has 16/],
    [good.subarray(0, 15), /a\.idx: truncated: shape \[2, 2\] of uint8 needs 4 data bytes, the file has 3/],
    [Uint8Array.from([...good, 0, 0]), /a\.idx: 2 trailing bytes after the 4 data bytes of shape \[2, 2\]/],
    // 2³² − 1 to the fourth power would be 3.4e38 elements: refused at the second factor, nothing allocated.
    [huge, /a\.idx: shape \[4294967295, 4294967295, 4294967295, 4294967295\] has more than 2147483647 elements/],
    [idxBytes("int32", [65536, 32768], []), /more than 2147483647 elements/],
    [idxBytes("float64", [1, 3], [1, 2]), /needs 24 data bytes, the file has 16/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => parseIdx(bytes, { name: "a.idx" }), (err: unknown) => err instanceof IdxError && message.test(String(err)));
  }
  assert.throws(() => parseIdx(good.subarray(0, 2)), /^IdxError: <bytes>: 2 bytes/);
  assert.throws(() => parseIdx(good, { maxDims: 1 }), /2 dimensions; expected 1 to 1/);
  assert.throws(() => parseIdx(good, { maxElements: 3 }), /more than 3 elements/);
  // A zero size empties the array whatever the other sizes say.
  assert.deepEqual(parseIdx(idxBytes("int32", [0, 2 ** 32 - 1], [])).shape, [0, 2 ** 32 - 1]);
});

test("expectIdx checks the type and the shape, N standing for any size", () => {
  const a = parseIdx(idxBytes("uint8", [3, 2, 2], new Array<number>(12).fill(0)));
  expectIdx(a, "uint8", [undefined, 2, 2]);
  assert.throws(() => expectIdx(a, "int8", [undefined, 2, 2], "x"), /x: expected int8 values, the file holds uint8/);
  assert.throws(() => expectIdx(a, "uint8", [undefined, 28, 28], "x"), /x: expected shape \[N, 28, 28\], the file has \[3, 2, 2\]/);
  assert.throws(() => expectIdx(a, "uint8", [undefined], "x"), /expected shape \[N\]/);
});

/** Any throw must be an IdxError; a successful parse must account for every byte. */
function cleanOutcome(bytes: Uint8Array): void {
  let parsed;
  try {
    parsed = parseIdx(bytes, { name: "m" });
  } catch (err) {
    assert.ok(err instanceof IdxError, `not an IdxError: ${String(err)}`);
    assert.match(err.message, /^m: /);
    return;
  }
  const width = FORMAT[parsed.type][1];
  const elements = parsed.shape.reduce((x, y) => x * y, 1);
  assert.equal(parsed.data.length, elements);
  assert.equal(4 + 4 * parsed.shape.length + width * elements, bytes.length);
}

test("parseIdx fuzz: mutated headers, truncations, extensions and random bytes are rejected cleanly (fast-check)", () => {
  const sample = idxBytes("int16", [3, 2, 2], Array.from({ length: 12 }, (_, i) => 1000 * i - 5000));
  const headerEnd = 4 + 4 * 3;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: headerEnd - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const b = Uint8Array.from(sample);
      for (const [at, value] of edits) b[at] = value;
      cleanOutcome(b);
    }),
    { numRuns: 2000, seed: 1 },
  );
  // Cutting or extending a valid file can never leave it valid: the length must match the shape exactly.
  for (let cut = 0; cut < sample.length; cut++) assert.throws(() => parseIdx(sample.subarray(0, cut)), IdxError, `cut at ${cut}`);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 9 }), (extra) => {
      assert.throws(() => parseIdx(Uint8Array.from([...sample, ...extra])), IdxError);
    }),
    { numRuns: 200, seed: 2 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (raw, prefixed) => {
      // Half the cases start like an IDX file, so that the checks after the magic number are reached.
      const b = prefixed && raw.length >= 2 ? Uint8Array.from([0, 0, ...raw.subarray(2)]) : raw;
      cleanOutcome(b);
    }),
    { numRuns: 2000, seed: 3 },
  );
});
