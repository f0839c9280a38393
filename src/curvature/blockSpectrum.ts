/** @file per-layer (block-diagonal) spectra: extreme eigenvalues and trace of P_lᵀ M P_l for each layer's parameters */
import { lanczos } from "../linalg/lanczos.js";
import { countProducts, type LinearOperator } from "../linalg/linearOperator.js";
import { hutchinson } from "../linalg/trace.js";
import { biasName, weightName, type Network } from "../nn/index.js";

/** A set of parameters: contiguous [offset, size] ranges of θ, named. */
export interface ParameterBlock {
  readonly name: string;
  readonly ranges: readonly (readonly [offset: number, size: number])[];
}

/** One block per dense layer: `layers.{l}` = its weight and its bias. */
export function layerBlocks(net: Network): ParameterBlock[] {
  return net.layers.map((_, l) => {
    const w = net.layout.entry(weightName(l));
    const b = net.layout.entry(biasName(l));
    return { name: `layers.${l}`, ranges: [[w.offset, w.size] as const, [b.offset, b.size] as const] };
  });
}

/** The number of parameters in a block. */
export function blockSize(block: ParameterBlock): number {
  return block.ranges.reduce((s, [, size]) => s + size, 0);
}

/**
 * The diagonal block P_lᵀ M P_l of an operator, P_l the injection of the block's coordinates into θ:
 * each product embeds v (zeros elsewhere), applies M and keeps the block's rows — one full product.
 */
export function restrictOperator(op: LinearOperator, block: ParameterBlock): LinearOperator {
  const n = op.shape[1];
  const m = blockSize(block);
  for (const [offset, size] of block.ranges) {
    if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0 || offset + size > n) {
      throw new RangeError(`restrictOperator: block ${block.name} range [${offset}, ${offset + size}) is outside 0…${n}`);
    }
  }
  return {
    shape: [m, m],
    symmetric: op.symmetric,
    matvec(v) {
      if (v.length !== m) throw new RangeError(`restrictOperator(${block.name}): ${m}×${m} block applied to a vector of length ${v.length}`);
      const full = new Float64Array(n);
      let at = 0;
      for (const [offset, size] of block.ranges) {
        full.set(v.subarray(at, at + size), offset);
        at += size;
      }
      const y = op.matvec(full);
      const out = new Float64Array(m);
      at = 0;
      for (const [offset, size] of block.ranges) {
        out.set(y.subarray(offset, offset + size), at);
        at += size;
      }
      return out;
    },
  };
}

/** Options of blockSpectrum. */
export interface BlockSpectrumOptions {
  /** Largest eigenvalues per block (descending). Default 1. */
  readonly top?: number;
  /** Smallest eigenvalues per block (ascending). Default 1. */
  readonly bottom?: number;
  /**
   * Hutchinson probes for each block's trace. A block with at most this many parameters gets its
   * exact trace from unit vectors instead (no more products than the estimate). Default 20; 0 skips.
   */
  readonly traceProbes?: number;
  /** Lanczos tolerance relative to the block's norm. Default 1e-8. */
  readonly tol?: number;
  readonly maxIter?: number;
  readonly seed?: number;
  /** Called after every operator product with the block's name and the running count. */
  readonly onProduct?: (count: number, block: string) => void;
}

/** An eigenvalue of a block with its residual ‖Bq − λq‖. */
export interface BlockEigenvalue {
  readonly value: number;
  readonly residual: number;
}

/** The spectrum summary of one block. */
export interface BlockSpectrum {
  readonly name: string;
  readonly size: number;
  readonly top: readonly BlockEigenvalue[];
  readonly bottom: readonly BlockEigenvalue[];
  readonly converged: boolean;
  /** tr(P_lᵀ M P_l); standardError 0 when exact. Null when traceProbes is 0. */
  readonly trace: { readonly estimate: number; readonly standardError: number; readonly probes: number; readonly exact: boolean } | null;
  /** Operator products spent on this block. */
  readonly products: number;
}

/**
 * Per-block spectra in one call: for each block, Lanczos on P_lᵀ M P_l for its `top` largest and
 * `bottom` smallest eigenvalues, and its trace. Blocks are what a block-diagonal approximation
 * keeps (the layer-wise view of K-FAC and of Sagun et al. (2017)'s per-layer spectra); the traces
 * of a partition of θ add up to tr(M). Each block costs its own products: M applied to a block-sparse
 * vector does not separate across blocks, so there is no sharing.
 */
export function blockSpectrum(op: LinearOperator, blocks: readonly ParameterBlock[], options: BlockSpectrumOptions = {}): BlockSpectrum[] {
  const seed = options.seed ?? 0;
  const traceProbes = options.traceProbes ?? 20;
  return blocks.map((block, index) => {
    const restricted = restrictOperator(op, block);
    const m = restricted.shape[0];
    const counter = countProducts(restricted, (count) => options.onProduct?.(count, block.name));
    const counted = counter.operator;
    let converged = true;
    const run = (k: number, which: "largest" | "smallest"): BlockEigenvalue[] => {
      if (k <= 0 || m === 0) return [];
      const r = lanczos(counted, {
        k: Math.min(k, m),
        which,
        seed: seed + index,
        tol: options.tol ?? 1e-8,
        ...(options.maxIter === undefined ? {} : { maxIter: options.maxIter }),
      });
      converged &&= r.converged;
      return Array.from(r.values, (value, i) => ({ value, residual: r.residuals[i]! }));
    };
    const top = run(options.top ?? 1, "largest");
    const bottom = run(options.bottom ?? 1, "smallest");
    let trace: BlockSpectrum["trace"] = null;
    if (traceProbes > 0 && m <= traceProbes) {
      let s = 0;
      const e = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        e[i] = 1;
        s += counted.matvec(e)[i]!;
        e[i] = 0;
      }
      trace = { estimate: s, standardError: 0, probes: m, exact: true };
    } else if (traceProbes > 0) {
      const t = hutchinson(counted, { probes: traceProbes, seed: seed + 7919 * (index + 1) });
      trace = { estimate: t.estimate, standardError: t.standardError, probes: t.probes, exact: false };
    }
    return { name: block.name, size: m, top, bottom, converged, trace, products: counter.count() };
  });
}
