/** @file flag-value parsers shared by every command: choices, plain decimal numbers in a range, seeds */
import { InvalidArgumentError } from "commander";

/** A flag parser for one of a fixed set of values, carrying the values so `--help` can list them. */
export type ChoiceParser<T extends string> = ((raw: string) => T) & { readonly choices: readonly T[] };

/** A flag parser for one of a fixed set of values. */
export function choice<T extends string>(values: readonly T[]): ChoiceParser<T> {
  const parse = (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new InvalidArgumentError(`expected one of ${values.join(", ")}`);
    return raw as T;
  };
  return Object.assign(parse, { choices: values });
}

/** The values of a parser made by `choice`, or undefined for any other parser. */
export function choicesOf(parser: unknown): readonly string[] | undefined {
  if (typeof parser !== "function" || !("choices" in parser)) return undefined;
  const values: unknown = parser.choices;
  return Array.isArray(values) && values.every((v) => typeof v === "string") ? values : undefined;
}

// Number() also reads "0x10", "0b11", " 1", "Infinity" and "" (as 0): none of those is a number a
// user types on purpose, so only plain decimals with an optional exponent are accepted.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A plain decimal number (`12`, `-0.5`, `1e-3`). Refuses hexadecimal and other notations, and
 * values float64 cannot hold: `1e-400` would silently become 0 and `1e309` ∞.
 */
export function decimal(raw: string): number {
  if (!DECIMAL.test(raw)) throw new InvalidArgumentError("expected a decimal number");
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${raw} overflows a float64`);
  if (n === 0 && /[1-9]/.test(raw.split(/[eE]/)[0]!)) throw new InvalidArgumentError(`${raw} underflows to 0 in float64`);
  return n;
}

const bound = (x: number): string => (x === Infinity ? "∞" : String(x));

/** A flag parser for integers in [min, max] (max defaults to 2⁵³ − 1, the largest exact one). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
  return (raw) => {
    const n = decimal(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

/** A flag parser for finite numbers in [min, max]. */
export function real(min: number, max = Infinity): (raw: string) => number {
  return (raw) => {
    const n = decimal(raw);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a number in [${min}, ${bound(max)}]`);
    return n;
  };
}

/** A flag parser for numbers in (0, max]: rates, widths, dampings that must not be zero. */
export function positive(max = Infinity): (raw: string) => number {
  const expected = max === Infinity ? "a number > 0" : `a number in (0, ${max}]`;
  return (raw) => {
    const n = decimal(raw);
    if (!(n > 0) || n > max) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

/** The largest seed: seeds are 32-bit, and a larger one would wrap onto another (2³² onto 0). */
export const SEED_MAX = 2 ** 32 - 1;

/** A flag parser for seeds, integers in [0, 2³² − 1]. */
export const seed: (raw: string) => number = integer(0, SEED_MAX);
