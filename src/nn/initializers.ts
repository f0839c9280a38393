/** @file seeded parameter initializers: Glorot, He, and Martens' sparse initialization */
import { Rng } from "../kernels/random.js";
import { biasName, weightName, type Network } from "./network.js";

/** Initializer names. */
export const INITIALIZERS = ["glorot", "he", "martens-sparse"] as const;
/** One of INITIALIZERS. */
export type Initializer = (typeof INITIALIZERS)[number];

/** Options of `initialize`. */
export interface InitOptions {
  readonly scheme: Initializer;
  readonly seed: number;
  /** Incoming connections per unit for martens-sparse (15 in Martens 2010). */
  readonly sparseConnections?: number;
}

/**
 * A fresh θ (float64) for a network; biases start at zero.
 * - glorot: W ~ U(±√(6/(in+out))) (Glorot & Bengio 2010)
 * - he: W ~ N(0, 2/in) (He et al. 2015), for ReLU-family nets
 * - martens-sparse: each unit gets `sparseConnections` (15) nonzero incoming weights ~ N(0,1), the
 *   rest zero (Martens 2010 §5): large enough weights to break symmetry without saturating units.
 */
export function initialize(net: Network, options: InitOptions): Float64Array {
  const rng = new Rng(options.seed);
  const theta = new Float64Array(net.layout.size);
  net.layers.forEach((layer, i) => {
    const W = net.layout.view(theta, weightName(i)); // [in, out], row-major
    const { inputs, outputs } = layer;
    switch (options.scheme) {
      case "glorot": {
        const r = Math.sqrt(6 / (inputs + outputs));
        for (let j = 0; j < W.length; j++) W[j] = (2 * rng.uniform() - 1) * r;
        break;
      }
      case "he": {
        const s = Math.sqrt(2 / inputs);
        for (let j = 0; j < W.length; j++) W[j] = s * rng.normal();
        break;
      }
      case "martens-sparse": {
        const k = Math.min(inputs, options.sparseConnections ?? 15);
        const order = Array.from({ length: inputs }, (_, r) => r);
        for (let unit = 0; unit < outputs; unit++) {
          // a partial Fisher–Yates shuffle picks k distinct incoming connections
          for (let c = 0; c < k; c++) {
            const pick = c + rng.int(inputs - c);
            const tmp = order[c]!;
            order[c] = order[pick]!;
            order[pick] = tmp;
            W[order[c]! * outputs + unit] = rng.normal();
          }
        }
        break;
      }
    }
    net.layout.view(theta, biasName(i)).fill(0);
  });
  return theta;
}
