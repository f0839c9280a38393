import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ndarray, size, type NDArray } from "../kernels/ndarray.js";
import { parseSafetensors, SafetensorsError, serializeSafetensors } from "./safetensors.js";

// A hang detector, not a benchmark: a case parses in well under 1 ms, but a loaded CI machine can
// stall any one of thousands for a GC pause, so the bound only catches runaway loops.
const HANG_MS = 2000;

const NAME = "bad.safetensors";

/** A file from its parts, as the spec lays it out: u64 LE header length, the header bytes, the data. */
function file(header: string | Uint8Array, data: Uint8Array | number = 0, declared?: number | bigint): Uint8Array {
  const h = typeof header === "string" ? new TextEncoder().encode(header) : header;
  const d = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function f64le(values: number[]): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat64(8 * i, v, true));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytesOf = (t: NDArray): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Asserts that parsing fails with a SafetensorsError whose message names the file and matches `problem`. */
function rejects(bytes: Uint8Array, problem: RegExp, opts: { maxHeaderBytes?: number } = {}): void {
  assert.throws(
    () => parseSafetensors(bytes, { name: NAME, ...opts }),
    (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${String(e)}`);
      assert.ok(e.message.startsWith(`${NAME}: `), e.message);
      assert.match(e.message, problem);
      return true;
    },
  );
}

/** Parsing must either succeed or throw SafetensorsError — never another exception — and be quick. */
function parsesOrRejectsCleanly(bytes: Uint8Array): number {
  const start = performance.now();
  try {
    parseSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
  }
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------------
// Interoperability: bytes built by hand from the spec, matching the reference writer's layout

void test("writes the reference layout: one F32 tensor, header exactly 64 bytes so no padding", () => {
  const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(header.length, 64);
  const expected = file(header, f32le([0, 1, 2, 3, 4, 5]));
  const t = ndarray(new Float32Array([0, 1, 2, 3, 4, 5]), [1, 2, 3]);
  assert.deepEqual(serializeSafetensors({ "attn.0": t }), expected);
  const parsed = parseSafetensors(expected);
  assert.deepEqual([...parsed.tensors.keys()], ["attn.0"]);
  assert.deepEqual(parsed.tensors.get("attn.0"), t);
  assert.deepEqual(parsed.metadata, {});
});

void test("pads the header with spaces to a multiple of 8 so the data starts aligned", () => {
  const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
  assert.equal(json.length, 65);
  const expected = file(json + " ".repeat(7), f32le([0, 1, 2, 3, 4, 5]));
  const t = ndarray(new Float32Array([0, 1, 2, 3, 4, 5]), [1, 1, 2, 3]);
  assert.deepEqual(serializeSafetensors(new Map([["attn0", t]])), expected);
  assert.deepEqual(parseSafetensors(expected).tensors.get("attn0"), t);
});

void test("writes an empty file as {} plus six spaces, and metadata first in the header", () => {
  assert.deepEqual(serializeSafetensors({}), file("{}      "));
  const withMeta = '{"__metadata__":{"framework":"pt"}}';
  assert.deepEqual(serializeSafetensors({}, { framework: "pt" }), file(withMeta + " ".repeat(5)));
  assert.deepEqual(parseSafetensors(file(withMeta + " ".repeat(5))).metadata, { framework: "pt" });
});

void test("orders tensors like the reference: F64 before F32 (alignment), then by name in code-point order", () => {
  const tensors = {
    b: ndarray(new Float32Array([1]), [1]),
    a: ndarray(new Float32Array([2, 3]), [2]),
    "\u{1F600}": ndarray(new Float32Array([4]), []), // astral: after U+FFFD in code-point (UTF-8) order
    "\uFFFD": ndarray(new Float32Array([5]), []),
    z: ndarray(new Float64Array([6]), [1, 1]),
  };
  const header =
    '{"z":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},' +
    '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
    '"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
    '"\uFFFD":{"dtype":"F32","shape":[],"data_offsets":[20,24]},' +
    '"\u{1F600}":{"dtype":"F32","shape":[],"data_offsets":[24,28]}}';
  const pad = " ".repeat((8 - (new TextEncoder().encode(header).length % 8)) % 8);
  const expected = file(header + pad, concat(f64le([6]), f32le([2, 3, 1, 5, 4])));
  assert.deepEqual(serializeSafetensors(tensors), expected);
  const parsed = parseSafetensors(expected);
  for (const [name, t] of Object.entries(tensors)) assert.deepEqual(parsed.tensors.get(name), t, name);
});

void test("reads a file in another writer's order, with extra entry fields and null metadata", () => {
  // offsets need not follow the key order; unknown fields are ignored as serde does by default
  const header =
    '{"__metadata__":null,"second":{"data_offsets":[8,16],"shape":[1],"dtype":"F64","note":1},' +
    '"first":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}';
  const parsed = parseSafetensors(file(header, f64le([1.5, -2.25])));
  assert.deepEqual(parsed.tensors.get("first"), ndarray(new Float64Array([1.5]), [1]));
  assert.deepEqual(parsed.tensors.get("second"), ndarray(new Float64Array([-2.25]), [1]));
  assert.deepEqual(parsed.metadata, {});
});

void test("copies into fresh aligned arrays even when the source is misaligned", () => {
  const valid = serializeSafetensors({ w: ndarray(new Float64Array([Math.PI, -0, 1e-300]), [3]) });
  const shifted = new Uint8Array(valid.length + 3);
  shifted.set(valid, 3);
  const t = parseSafetensors(shifted.subarray(3)).tensors.get("w")!;
  assert.ok(t.data instanceof Float64Array);
  assert.equal(t.data.byteOffset, 0);
  assert.ok(t.data.buffer !== shifted.buffer);
  assert.deepEqual([...t.data], [Math.PI, -0, 1e-300]);
});

// ---------------------------------------------------------------------------------------------------
// Round trips

const nameArb = fc
  .string({ unit: "binary", minLength: 1, maxLength: 6 })
  .filter((s) => s !== "__metadata__");

const tensorArb: fc.Arbitrary<NDArray> = fc
  .tuple(fc.constantFrom("float32" as const, "float64" as const), fc.array(fc.nat({ max: 4 }), { maxLength: 4 }))
  .chain(([dtype, shape]) => {
    const bytes = size(shape) * (dtype === "float64" ? 8 : 4);
    // raw bytes, so NaN payloads, infinities, -0 and subnormals all occur and must survive bit-exactly
    return fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((raw) => {
      const buf = new Uint8Array(raw).buffer;
      return ndarray(dtype === "float64" ? new Float64Array(buf) : new Float32Array(buf), shape);
    });
  });

const contentsArb = fc.record({
  tensors: fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([n]) => n, maxLength: 6 }),
  metadata: fc.array(fc.tuple(fc.string({ unit: "binary", maxLength: 8 }), fc.string({ unit: "binary", maxLength: 12 })), {
    maxLength: 4,
  }),
});

void test("round trip is bit-exact for random shapes (scalars, zero-size dims), both dtypes, and metadata", () => {
  fc.assert(
    fc.property(contentsArb, ({ tensors, metadata }) => {
      const meta = Object.fromEntries(metadata);
      const bytes = serializeSafetensors(new Map(tensors), meta);
      assert.equal((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8, 0);
      const parsed = parseSafetensors(bytes);
      assert.deepEqual(parsed.metadata, meta);
      assert.equal(parsed.tensors.size, tensors.length);
      for (const [name, t] of tensors) {
        const got = parsed.tensors.get(name)!;
        assert.equal(got.dtype, t.dtype);
        assert.deepEqual(got.shape, t.shape);
        assert.deepEqual(bytesOf(got), bytesOf(t));
      }
      // the writer is deterministic, so writing what was read gives the same bytes
      assert.deepEqual(serializeSafetensors(parsed.tensors, parsed.metadata), bytes);
    }),
    { numRuns: 200 },
  );
});

void test("round trip keeps a metadata key named __proto__ as plain data", () => {
  const meta = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
  const parsed = parseSafetensors(serializeSafetensors({}, meta));
  assert.deepEqual(Object.entries(parsed.metadata), [["__proto__", "x"], ["constructor", "y"]]);
  assert.equal(Object.getPrototypeOf(parsed.metadata), Object.prototype);
});

void test("parses a 12 MB file quickly (diagnostic; the bound is loose so slow CI does not flake)", (t) => {
  const n = 3_000_000;
  const w = ndarray(new Float32Array(n).map((_, i) => i * 0.5), [3000, 1000]);
  const bytes = serializeSafetensors({ w, b: ndarray(new Float64Array(1000), [1000]) }, { loss: "mse" });
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    const parsed = parseSafetensors(bytes);
    best = Math.min(best, performance.now() - start);
    assert.equal(parsed.tensors.get("w")!.data[n - 1], (n - 1) * 0.5);
  }
  t.diagnostic(`parse of ${(bytes.length / 1e6).toFixed(1)} MB: best of 5 ${best.toFixed(2)} ms`);
  assert.ok(best < 500, `${best} ms`);
});

// ---------------------------------------------------------------------------------------------------
// Validation: one targeted corrupt file per rule

const entry = (dtype: string, shape: string, offsets: string): string =>
  `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;
const one = (body: string, data: number): Uint8Array => file(`{"t":${body}}`, data);

const corrupt: [string, Uint8Array, RegExp, { maxHeaderBytes?: number }?][] = [
  ["empty file", new Uint8Array(0), /0 bytes, shorter than the 8-byte header length/],
  ["7-byte file", new Uint8Array(7), /7 bytes, shorter/],
  ["length prefix 2⁶⁴−1", file("{}", 0, 2n ** 64n - 1n), /header length 18446744073709551615 exceeds the limit/],
  ["length over maxHeaderBytes", file("{}      "), /header length 8 exceeds the limit of 4 bytes/, { maxHeaderBytes: 4 }],
  ["maxHeaderBytes NaN", file("{}      "), /maxHeaderBytes must be a non-negative integer, got NaN/, { maxHeaderBytes: NaN }],
  ["length past end of file", file("{}", 0, 3), /header length 3 exceeds the 2 bytes after the length prefix/],
  ["invalid UTF-8", file(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/],
  ["byte-order mark", file("\uFEFF{}"), /does not start with '\{'/],
  ["array header", file("[1,2]"), /does not start with '\{'/],
  ["leading space", file(" {}"), /does not start with '\{'/],
  ["truncated JSON", file('{"t":'), /not valid JSON/],
  ["trailing garbage", file("{} x"), /not valid JSON/],
  ["entry not an object", file('{"t":3}'), /tensor "t": entry is not an object/],
  ["dtype missing", one('{"shape":[],"data_offsets":[0,4]}', 4), /tensor "t": dtype is missing/],
  ["unknown dtype", one(entry("F31", "[1]", "[0,4]"), 4), /tensor "t": unknown dtype "F31"/],
  ["lower-case dtype", one(entry("f32", "[1]", "[0,4]"), 4), /unknown dtype "f32"/],
  ["BF16", one(entry("BF16", "[2]", "[0,4]"), 4), /tensor "t": unsupported dtype BF16/],
  ["I64", one(entry("I64", "[1]", "[0,8]"), 8), /tensor "t": unsupported dtype I64/],
  ["shape missing", one('{"dtype":"F32","data_offsets":[0,4]}', 4), /shape must be an array .* got nothing/],
  ["shape not array", one(entry("F32", '"4"', "[0,4]"), 4), /shape must be an array/],
  ["negative dim", one(entry("F32", "[-1]", "[0,4]"), 4), /element 0 is -1/],
  ["fractional dim", one(entry("F32", "[1,0.5]", "[0,4]"), 4), /element 1 is 0.5/],
  ["string dim", one(entry("F32", '["1"]', "[0,4]"), 4), /element 0 is the string "1"/],
  ["dim above 2⁵³", one(entry("F32", "[18446744073709551616]", "[0,4]"), 4), /shape must be an array/],
  ["offsets missing", one('{"dtype":"F32","shape":[1]}', 4), /data_offsets must be two .* got nothing/],
  ["three offsets", one(entry("F32", "[1]", "[0,4,4]"), 4), /data_offsets must be two/],
  ["negative offset", one(entry("F32", "[1]", "[-4,0]"), 4), /data_offsets must be two/],
  ["begin after end", one(entry("F32", "[0]", "[4,0]"), 4), /\[4, 0\] end before they begin/],
  ["end past buffer", one(entry("F32", "[2]", "[0,8]"), 4), /\[0, 8\] run past the 4-byte data buffer/],
  ["shape/span mismatch", one(entry("F32", "[2]", "[0,4]"), 4), /shape \[2\] of F32 needs 8 bytes but data_offsets \[0, 4\] span 4/],
  ["F64 read as F32 size", one(entry("F64", "[1]", "[0,4]"), 4), /needs 8 bytes/],
  ["product overflows", one(entry("F32", "[67108864,67108864,67108864,0]", "[0,0]"), 0), /overflows/],
  ["bytes overflow", one(entry("F64", "[4503599627370496,2]", "[0,0]"), 0), /overflows/],
  [
    "overlap",
    file(`{"a":${entry("F32", "[2]", "[0,8]")},"b":${entry("F32", "[2]", "[4,12]")}}`, 12),
    /tensor "b" data_offsets \[4, 12\] overlap tensor "a"/,
  ],
  [
    "hole",
    file(`{"a":${entry("F32", "[1]", "[0,4]")},"b":${entry("F32", "[1]", "[8,12]")}}`, 12),
    /data bytes \[4, 8\) belong to no tensor \(hole before "b"\)/,
  ],
  ["hole at start", one(entry("F32", "[1]", "[4,8]"), 8), /data bytes \[0, 4\) belong to no tensor/],
  ["trailing bytes", one(entry("F32", "[1]", "[0,4]"), 8), /data buffer is 8 bytes but the tensors cover only 4/],
  ["no tensors, data left", file("{}", 4), /data buffer is 4 bytes but the tensors cover only 0/],
  ["metadata not object", file('{"__metadata__":"x"}'), /__metadata__ is not an object of strings/],
  ["metadata array", file('{"__metadata__":["x"]}'), /__metadata__ is not an object/],
  ["metadata number value", file('{"__metadata__":{"epochs":3}}'), /__metadata__ value of "epochs" is not a string/],
  ["lone surrogate name", file(`{"\\ud800":${entry("F32", "[1]", "[0,4]")}}`, 4), /lone surrogate/],
  ["duplicate key, second wins, first leaves a hole", file(`{"t":${entry("F32", "[1]", "[0,4]")},"t":${entry("F32", "[1]", "[4,8]")}}`, 8), /hole before "t"/],
  ["deeply nested shape", file(`{"t":{"dtype":"F32","shape":${"[".repeat(100_000)}${"]".repeat(100_000)},"data_offsets":[0,0]}}`), /shape must be an array .* element 0 is an array|not valid JSON/],
];

for (const [label, bytes, problem, opts] of corrupt) {
  void test(`rejects: ${label}`, () => rejects(bytes, problem, opts));
}

void test("accepts zero-size tensors anywhere their offsets fit, and a duplicate key that repeats the entry", () => {
  const header = `{"z1":${entry("F32", "[0,3]", "[0,0]")},"a":${entry("F32", "[1]", "[0,4]")},"z2":${entry("F64", "[2,0]", "[4,4]")}}`;
  const parsed = parseSafetensors(file(header, f32le([7])));
  assert.deepEqual(parsed.tensors.get("z1"), ndarray(new Float32Array(0), [0, 3]));
  assert.deepEqual(parsed.tensors.get("z2"), ndarray(new Float64Array(0), [2, 0]));
  const dup = `{"a":${entry("F32", "[1]", "[0,4]")},"a":${entry("F32", "[1]", "[0,4]")}}`;
  assert.deepEqual([...parseSafetensors(file(dup, f32le([7]))).tensors.keys()], ["a"]);
});

void test("messages say <bytes> when no name is given, and quote long names briefly", () => {
  assert.throws(() => parseSafetensors(new Uint8Array(3)), /^SafetensorsError: <bytes>: file is 3 bytes/);
  const long = "x".repeat(1_000_000);
  assert.throws(
    () => parseSafetensors(file(`{"${long}":${entry("BF16", "[1]", "[0,2]")}}`, 2)),
    (e: unknown) => e instanceof SafetensorsError && e.message.length < 400 && /unsupported dtype BF16/.test(e.message),
  );
});

void test("serialize rejects bad names, dtype/data mismatches, short data and non-string metadata", () => {
  const t = ndarray(new Float32Array([1]), [1]);
  const cases: [() => Uint8Array, RegExp][] = [
    [() => serializeSafetensors({ "": t }), /non-empty/],
    [() => serializeSafetensors({ __metadata__: t }), /__metadata__ is reserved/],
    [() => serializeSafetensors({ "\ud800x": t }), /lone surrogate/],
    [() => serializeSafetensors({ t: { ...t, dtype: "float64" } }), /dtype float64 does not match its data/],
    [() => serializeSafetensors({ t: { ...t, shape: [2] } }), /1 elements do not fill shape 2/],
    [() => serializeSafetensors({ t: { ...t, shape: [-1, -1] } }), /do not fill shape/],
    [() => serializeSafetensors({}, { n: 3 } as unknown as Record<string, string>), /metadata value of "n" is not a string/],
    [() => serializeSafetensors({}, { k: "\udc00" }), /not valid Unicode/],
  ];
  for (const [run, problem] of cases) {
    assert.throws(run, (e: unknown) => e instanceof SafetensorsError && problem.test(e.message));
  }
});

// ---------------------------------------------------------------------------------------------------
// Fuzz: anything in, either tensors or a SafetensorsError out, quickly

const sample = serializeSafetensors(
  {
    "layers.0.weight": ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]),
    "layers.0.bias": ndarray(new Float32Array([0.5, -0.5]), [2]),
    empty: ndarray(new Float32Array(0), [0]),
    scalar: ndarray(new Float32Array([9]), []),
  },
  { activations: "tanh", loss: "mse" },
);
const sampleHeaderEnd = 8 + Number(new DataView(sample.buffer).getBigUint64(0, true));

void test("fuzz: random bytes, and random bytes behind a consistent length prefix", () => {
  let worst = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (raw, prefixed) => {
      const bytes = prefixed ? file(raw) : raw;
      worst = Math.max(worst, parsesOrRejectsCleanly(bytes));
    }),
    { numRuns: 2000 },
  );
  assert.ok(worst < HANG_MS, `slowest case ${worst} ms`);
});

void test("fuzz: random JSON-ish headers built from the format's own tokens", () => {
  const token = fc.constantFrom(
    "{", "}", "[", "]", ",", ":", '"t"', '"dtype"', '"shape"', '"data_offsets"', '"F32"', '"F64"', '"BF16"',
    '"__metadata__"', "0", "4", "8", "-1", "1e400", "9007199254740993", "null", "true", '"x"', " ",
  );
  let worst = 0;
  fc.assert(
    fc.property(fc.array(token, { maxLength: 40 }), fc.nat({ max: 16 }), (tokens, data) => {
      worst = Math.max(worst, parsesOrRejectsCleanly(file(`{${tokens.join("")}`, data)));
    }),
    { numRuns: 3000 },
  );
  assert.ok(worst < HANG_MS, `slowest case ${worst} ms`);
});

void test("fuzz: every truncation of a valid file is rejected cleanly", () => {
  assert.equal(parseSafetensors(sample).tensors.size, 4);
  let worst = 0;
  for (let n = 0; n < sample.length; n++) {
    const start = performance.now();
    assert.throws(() => parseSafetensors(sample.subarray(0, n)), SafetensorsError, `length ${n}`);
    worst = Math.max(worst, performance.now() - start);
  }
  assert.ok(worst < HANG_MS, `slowest case ${worst} ms`);
});

void test("fuzz: single-byte changes in the length prefix and header give tensors or a clean error", () => {
  let worst = 0;
  fc.assert(
    fc.property(fc.nat({ max: sampleHeaderEnd - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const bytes = sample.slice();
      bytes[at] = value;
      worst = Math.max(worst, parsesOrRejectsCleanly(bytes));
    }),
    { numRuns: 3000 },
  );
  // and every bit of the length prefix, exhaustively
  for (let bit = 0; bit < 64; bit++) {
    const bytes = sample.slice();
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    worst = Math.max(worst, parsesOrRejectsCleanly(bytes));
  }
  assert.ok(worst < HANG_MS, `slowest case ${worst} ms`);
});

void test("fuzz: changes in the data region never fail (the bytes are just other floats)", () => {
  fc.assert(
    fc.property(fc.integer({ min: sampleHeaderEnd, max: sample.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const bytes = sample.slice();
      bytes[at] = value;
      assert.equal(parseSafetensors(bytes).tensors.size, 4);
    }),
    { numRuns: 300 },
  );
});
