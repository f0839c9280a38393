/** @file ParamLayout: one flat parameter vector θ ∈ Rᵖ with named per-tensor views */
import type { Tensor } from "../autodiff/index.js";
import { formatShape, ShapeError, size, type TypedArray } from "../kernels/ndarray.js";

/** One named tensor inside θ: its shape and where its elements start. */
export interface ParamEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/**
 * Where each named parameter lives in the flat vector θ. Views on typed arrays are zero-copy
 * (subarray); on Tensors they are slices, so derivatives flow through them.
 */
export class ParamLayout {
  readonly entries: readonly ParamEntry[];
  /** p, the total number of parameters. */
  readonly size: number;
  private readonly byName: ReadonlyMap<string, ParamEntry>;

  /** A layout from (name, shape) pairs, packed in the given order. */
  constructor(params: readonly { readonly name: string; readonly shape: readonly number[] }[]) {
    let offset = 0;
    const entries: ParamEntry[] = [];
    for (const { name, shape } of params) {
      const n = size(shape);
      entries.push({ name, shape: [...shape], offset, size: n });
      offset += n;
    }
    this.entries = entries;
    this.size = offset;
    this.byName = new Map(entries.map((e) => [e.name, e]));
    if (this.byName.size !== entries.length) throw new ShapeError("ParamLayout: duplicate parameter names");
  }

  /** The entry for a name; throws naming the unknown parameter. */
  entry(name: string): ParamEntry {
    const e = this.byName.get(name);
    if (e === undefined) throw new ShapeError(`ParamLayout: no parameter named "${name}"`);
    return e;
  }

  /** A zero-copy view of one parameter's elements in a flat array (row-major in its shape). */
  view<A extends TypedArray>(theta: A, name: string): A {
    this.checkLength(theta.length);
    const e = this.entry(name);
    return theta.subarray(e.offset, e.offset + e.size) as A;
  }

  /** One parameter of a flat θ Tensor, shaped (a differentiable slice). */
  tensor(theta: Tensor, name: string): Tensor {
    this.checkLength(theta.size);
    const e = this.entry(name);
    return theta.slice([e.offset], [e.size]).reshape(e.shape);
  }

  /** Throws unless a flat vector has exactly p elements. */
  checkLength(n: number): void {
    if (n !== this.size) {
      throw new ShapeError(`ParamLayout: parameter vector has ${n} elements, the model has ${this.size}`);
    }
  }

  /** A readable summary, e.g. "layers.0.weight [784, 1000]". */
  describe(): string {
    return this.entries.map((e) => `${e.name} ${formatShape(e.shape)}`).join("\n");
  }
}
