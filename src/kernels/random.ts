/** @file seeded pseudo-random numbers: a small, fast, reproducible generator and the draws built on it */
import { allocate, checkShape, size, type DType, type NDArray } from "./ndarray.js";

/**
 * xoshiro128** (Blackman & Vigna 2018), seeded through splitmix32. Chosen because its whole state is
 * four 32-bit words, which serialize exactly into checkpoints, and it is fast in plain JS integers.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** A cached second normal from Box–Muller, or null. */
  private spareNormal: number | null = null;

  /** A generator from an integer seed; the same seed always gives the same stream. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    let x = Math.trunc(seed) >>> 0;
    const next = (): number => {
      // splitmix32: spreads nearby seeds into unrelated states
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The generator's full state, for checkpoints. */
  getState(): RngState {
    return { words: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spareNormal };
  }

  /** Restores a state from getState(). */
  setState(state: RngState): void {
    const [a, b, c, d] = state.words;
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    this.spareNormal = state.spareNormal;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Fills `out` with the next out.length nextUint32() draws (the same stream), the state held in
   * locals for the loop: 2–3× faster than calling nextUint32 per element, for bulk sampling.
   */
  fillUint32(out: Uint32Array): Uint32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** +1 or −1 with equal probability. */
  rademacher(): number {
    return (this.nextUint32() & 1) === 0 ? -1 : 1;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** An in-place Fisher–Yates shuffle of an index array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

/** The serializable state of an Rng. */
export interface RngState {
  readonly words: readonly [number, number, number, number];
  readonly spareNormal: number | null;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function draw(shape: readonly number[], dtype: DType, sample: () => number): NDArray {
  checkShape("random", shape);
  const data = allocate(dtype, size(shape));
  for (let i = 0; i < data.length; i++) data[i] = sample();
  return { shape: [...shape], dtype, data };
}

/** Uniform values in [low, high). */
export function randomUniform(rng: Rng, shape: readonly number[], dtype: DType, low = 0, high = 1): NDArray {
  return draw(shape, dtype, () => low + (high - low) * rng.uniform());
}

/** Normal values with a mean and standard deviation. */
export function randomNormal(rng: Rng, shape: readonly number[], dtype: DType, mean = 0, std = 1): NDArray {
  return draw(shape, dtype, () => mean + std * rng.normal());
}

/** ±1 with equal probability (Hutchinson probes). */
export function randomRademacher(rng: Rng, shape: readonly number[], dtype: DType): NDArray {
  return draw(shape, dtype, () => rng.rademacher());
}
