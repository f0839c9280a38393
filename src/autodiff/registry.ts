/** @file the table of every primitive, by name: the test table is typed against it */
import * as activations from "./primitives/activations.js";
import * as arithmetic from "./primitives/arithmetic.js";
import * as linear from "./primitives/linear.js";
import * as movement from "./primitives/movement.js";
import * as reductions from "./primitives/reductions.js";
import * as selection from "./primitives/selection.js";

/** Every primitive. Adding one adds a line here, and the gradient test table must follow. */
export const primitives = {
  add: arithmetic.add,
  mul: arithmetic.mul,
  neg: arithmetic.neg,
  reciprocal: arithmetic.reciprocal,
  exp: arithmetic.exp,
  log: arithmetic.log,
  log1p: arithmetic.log1p,
  sqrt: arithmetic.sqrt,
  square: arithmetic.square,
  pow: arithmetic.pow,
  tanh: activations.tanh,
  sigmoid: activations.sigmoid,
  relu: activations.relu,
  leakyRelu: activations.leakyRelu,
  softplus: activations.softplus,
  erf: activations.erf,
  gelu: activations.gelu,
  geluTanh: activations.geluTanh,
  sum: reductions.sum,
  max: reductions.max,
  logSumExp: reductions.logSumExp,
  logSoftmax: reductions.logSoftmax,
  matmul: linear.matmul,
  matmulT: linear.matmulT,
  tMatmul: linear.tMatmul,
  transpose: movement.transpose,
  reshape: movement.reshape,
  broadcastTo: movement.broadcastTo,
  slice: movement.slice,
  pad: movement.pad,
  concat: movement.concat,
  where: selection.where,
  greater: selection.greater,
  equal: selection.equal,
  sign: selection.sign,
} as const;

/** The name of a primitive. */
export type PrimitiveName = keyof typeof primitives;
