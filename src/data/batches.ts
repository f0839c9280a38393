/** @file seeded minibatching: shuffled epochs that resume exactly, and row gathering */
import { allocate, formatShape, type NDArray } from "../kernels/ndarray.js";
import { Rng, type RngState } from "../kernels/random.js";

/**
 * The rows of an [N, ...] array at `indices`, in that order (repeats allowed), as a new array of
 * shape [indices.length, ...]. Throws a RangeError naming the first index outside [0, N).
 */
export function takeRows(array: NDArray, indices: ArrayLike<number>): NDArray {
  if (array.shape.length === 0) throw new RangeError("takeRows: a scalar has no rows");
  const n = array.shape[0]!;
  const rest = array.shape.slice(1);
  let rowSize = 1;
  for (const d of rest) rowSize *= d;
  const out = allocate(array.dtype, indices.length * rowSize);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new RangeError(`takeRows: index ${r} (position ${i}) is outside [0, ${n}) of ${formatShape(array.shape)}`);
    }
    out.set(array.data.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return { shape: [indices.length, ...rest], dtype: array.dtype, data: out };
}

/** Options of a BatchSampler. */
export interface BatchSamplerOptions {
  /** Number of examples N; batches hold indices in [0, N). */
  readonly n: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Reshuffle at every epoch (default true); false walks 0..N−1 in order every epoch. */
  readonly shuffle?: boolean;
  /** Drop the last, smaller batch of each epoch (default false: keep it). */
  readonly dropLast?: boolean;
}

/**
 * Everything a BatchSampler needs to continue exactly where it was: plain JSON (numbers and
 * arrays), so a checkpoint can store it as is.
 */
export interface BatchSamplerState {
  readonly n: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  /** Epoch of the current permutation, from 0. */
  readonly epoch: number;
  /** Index into the permutation of the next batch's first example. */
  readonly position: number;
  /** The current epoch's order of the N indices. */
  readonly permutation: readonly number[];
  /** The generator after drawing `permutation`; the next epoch's order comes from it. */
  readonly rng: RngState;
}

/**
 * Minibatches of example indices, one epoch at a time: each epoch is a fresh Fisher–Yates
 * permutation of 0..N−1 drawn from a seeded Rng (independent of the previous order), cut into
 * consecutive batches of `batchSize`; the last batch of an epoch is smaller (N mod batchSize)
 * unless `dropLast`. Every index appears exactly once per epoch (with dropLast: at most once).
 * getState()/fromState() round-trip through JSON and resume the identical sequence.
 */
export class BatchSampler {
  private readonly n: number;
  private readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private readonly rng: Rng;
  private permutation: Int32Array;
  private epochIndex = 0;
  private position = 0;

  /** A sampler at the start of epoch 0. */
  constructor(options: BatchSamplerOptions) {
    const { n, batchSize, seed } = options;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`BatchSampler: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`BatchSampler: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.n = n;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    if (this.dropLast && batchSize > n) {
      throw new RangeError(`BatchSampler: with dropLast, batchSize ${batchSize} > n ${n} yields no batch`);
    }
    this.rng = new Rng(seed);
    this.permutation = this.drawPermutation();
  }

  /** A sampler that continues exactly from a state returned by getState(). */
  static fromState(state: BatchSamplerState): BatchSampler {
    const sampler = new BatchSampler({
      n: state.n,
      batchSize: state.batchSize,
      seed: 0,
      shuffle: state.shuffle,
      dropLast: state.dropLast,
    });
    sampler.setState(state);
    return sampler;
  }

  /** Number of batches in one epoch. */
  get batchesPerEpoch(): number {
    return this.dropLast ? Math.floor(this.n / this.batchSize) : Math.ceil(this.n / this.batchSize);
  }

  /** The epoch the next batch belongs to (0-based). */
  get epoch(): number {
    return this.atEpochEnd() ? this.epochIndex + 1 : this.epochIndex;
  }

  /** The next batch of indices; starts a newly shuffled epoch when the current one is used up. */
  next(): Int32Array {
    if (this.atEpochEnd()) {
      this.epochIndex++;
      this.position = 0;
      this.permutation = this.drawPermutation();
    }
    const end = Math.min(this.position + this.batchSize, this.n);
    const batch = this.permutation.slice(this.position, end);
    this.position = end;
    return batch;
  }

  /** The batches left in the current epoch — a whole new epoch if the current one is used up. */
  nextEpoch(): Int32Array[] {
    const batches = [this.next()];
    while (!this.atEpochEnd()) batches.push(this.next());
    return batches;
  }

  /** The sampler's full state, as plain JSON-safe data. */
  getState(): BatchSamplerState {
    return {
      n: this.n,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
      epoch: this.epochIndex,
      position: this.position,
      permutation: Array.from(this.permutation),
      rng: this.rng.getState(),
    };
  }

  /** Restores a state from getState(); it must describe the same N, batch size and options. */
  setState(state: BatchSamplerState): void {
    const same =
      state.n === this.n &&
      state.batchSize === this.batchSize &&
      state.shuffle === this.shuffle &&
      state.dropLast === this.dropLast;
    if (!same) {
      throw new RangeError(
        `BatchSampler.setState: state is for n=${state.n}, batchSize=${state.batchSize}, ` +
          `shuffle=${state.shuffle}, dropLast=${state.dropLast}; this sampler has n=${this.n}, ` +
          `batchSize=${this.batchSize}, shuffle=${this.shuffle}, dropLast=${this.dropLast}`,
      );
    }
    if (!isPermutation(state.permutation, this.n)) {
      throw new RangeError(`BatchSampler.setState: permutation is not a permutation of 0..${this.n - 1}`);
    }
    if (!Number.isInteger(state.position) || state.position < 0 || state.position > this.n) {
      throw new RangeError(`BatchSampler.setState: position ${state.position} outside [0, ${this.n}]`);
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new RangeError(`BatchSampler.setState: epoch ${state.epoch} is not a non-negative integer`);
    }
    this.epochIndex = state.epoch;
    this.position = state.position;
    this.permutation = Int32Array.from(state.permutation);
    this.rng.setState(state.rng);
  }

  private atEpochEnd(): boolean {
    const limit = this.dropLast ? this.batchesPerEpoch * this.batchSize : this.n;
    return this.position >= limit;
  }

  private drawPermutation(): Int32Array {
    const order = Array.from({ length: this.n }, (_, i) => i);
    if (this.shuffle) this.rng.shuffle(order);
    return Int32Array.from(order);
  }
}

function isPermutation(p: readonly number[], n: number): boolean {
  if (p.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const i of p) {
    if (!Number.isInteger(i) || i < 0 || i >= n || seen[i] === 1) return false;
    seen[i] = 1;
  }
  return true;
}
