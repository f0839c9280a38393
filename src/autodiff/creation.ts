/** @file building tensors: constants from numbers, nested arrays, typed arrays or NDArrays, and concat */
import * as k from "../kernels/index.js";
import type { DType, NDArray, NestedNumbers } from "../kernels/ndarray.js";
import { primitives as P } from "./registry.js";
import { bind, ConcreteTensor, type Tensor } from "./tensor.js";

/** Options of `tensor`. */
export interface TensorOptions {
  readonly dtype?: DType;
  readonly shape?: readonly number[];
}

/** A constant tensor from nested arrays, a flat typed array with a shape, or a number (scalar). */
export function tensor(values: number | NestedNumbers | Float32Array | Float64Array, options: TensorOptions = {}): Tensor {
  const dtype = options.dtype ?? (values instanceof Float32Array ? "float32" : "float64");
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const shape = options.shape ?? [values.length];
    const data = values.constructor === (dtype === "float64" ? Float64Array : Float32Array) ? values : k.astype(k.ndarray(values, [values.length]), dtype).data;
    return new ConcreteTensor(k.ndarray(data, shape));
  }
  const arr = k.fromNested(values, dtype);
  return new ConcreteTensor(options.shape === undefined ? arr : k.reshape(arr, options.shape));
}

/** Wraps an NDArray as a constant tensor. */
export function fromNDArray(array: NDArray): Tensor {
  return new ConcreteTensor(array);
}

/** A constant tensor filled with one value. */
export function fill(shape: readonly number[], value: number, dtype: DType = "float64"): Tensor {
  return new ConcreteTensor(k.full(shape, value, dtype));
}

/** Joins tensors along an axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new k.ShapeError("concat: needs at least one tensor");
  const [a] = k.normalizeAxes("concat", first.rank, [axis]);
  return bind(P.concat, tensors, { axis: a! });
}
