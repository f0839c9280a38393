/** @file the number-flag parsers: plain decimals only, ranges that say what they accept, seeds that do not wrap */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "commander";
import { choice, decimal, integer, positive, real, SEED_MAX, seed } from "./flags.js";

const rejects = (parse: (raw: string) => unknown, raw: string, pattern: RegExp): void => {
  assert.throws(() => parse(raw), (e: unknown) => e instanceof InvalidArgumentError && pattern.test(e.message), `${JSON.stringify(raw)} should be rejected`);
};

describe("decimal", () => {
  test("reads plain decimals and exponents", () => {
    assert.equal(decimal("12"), 12);
    assert.equal(decimal("-0.5"), -0.5);
    assert.equal(decimal("+.25"), 0.25);
    assert.equal(decimal("1e-3"), 1e-3);
    assert.equal(decimal("2.5E+2"), 250);
  });
  test("refuses what Number() would read but a user did not mean: hex, binary, blanks, Infinity, NaN", () => {
    for (const raw of ["0x10", "0b11", "0o7", "", " 1", "1 ", "Infinity", "-Infinity", "NaN", "1_000", "1,5", "--1", "1e", "."]) {
      rejects(decimal, raw, /decimal number/);
    }
  });
  test("refuses values float64 cannot hold instead of rounding them to 0 or ∞", () => {
    rejects(decimal, "1e-400", /underflows to 0/);
    rejects(decimal, "1e309", /overflows/);
    // a true zero stays zero
    assert.equal(decimal("0e-400"), 0);
    assert.equal(decimal("0.000"), 0);
  });
});

describe("integer, real, positive", () => {
  test("integer: a range with an upper end", () => {
    assert.equal(integer(1, 10)("10"), 10);
    assert.equal(integer(1)("1e3"), 1000);
    rejects(integer(1, 10), "11", /integer in \[1, 10\]/);
    rejects(integer(0), "2.5", /integer ≥ 0/);
    rejects(integer(0), "0x10", /decimal number/);
    rejects(integer(0), "1e300", /integer ≥ 0/);
  });
  test("real: closed range; positive: > 0 (so 0 and underflow are refused)", () => {
    assert.equal(real(0, 1)("1"), 1);
    rejects(real(0, 1), "1.5", /number in \[0, 1\]/);
    assert.equal(positive()("1e-300"), 1e-300);
    rejects(positive(), "0", /number > 0/);
    rejects(positive(), "-1", /number > 0/);
    rejects(positive(), "1e-400", /underflows/);
    rejects(positive(10), "11", /number in \(0, 10\]/);
  });
});

describe("seed", () => {
  test("accepts 0 … 2³² − 1 and refuses what would wrap onto another seed", () => {
    assert.equal(SEED_MAX, 4294967295);
    assert.equal(seed("0"), 0);
    assert.equal(seed("4294967295"), 4294967295);
    rejects(seed, "4294967296", /integer in \[0, 4294967295\]/);
    rejects(seed, "-1", /integer in \[0, 4294967295\]/);
  });
});

test("choice lists the values", () => {
  assert.equal(choice(["a", "b"] as const)("b"), "b");
  rejects(choice(["a", "b"] as const), "c", /expected one of a, b/);
});
