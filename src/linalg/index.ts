/** @file the public surface of linalg: operators, dense and Krylov eigensolvers, linear solvers, estimators */
export {
  checkOperand,
  compose,
  countProducts,
  damped,
  fromDense,
  fromDiagonal,
  identity,
  requireSymmetric,
  scale,
  sum,
  toDense,
  type CountedOperator,
  type FromDenseOptions,
  type LinearOperator,
} from "./linearOperator.js";
export { eigh, eighTridiagonal, tridiagonalRitz, type EighResult, type TridiagonalRitz } from "./eigh.js";
export { denseSpectrum, DENSE_SPECTRUM_LIMIT, type DenseSpectrum } from "./denseSpectrum.js";
export { lanczos, type EigenTarget, type LanczosOptions, type LanczosResult } from "./lanczos.js";
export { powerIteration, type PowerIterationOptions, type PowerIterationResult } from "./powerIteration.js";
export { cg, type CgIterate, type CgOptions, type CgResult, type CgStop } from "./cg.js";
export { minres, type MinresOptions, type MinresResult, type MinresStop } from "./minres.js";
export {
  diagonalEstimate,
  hutchinson,
  hutchPlusPlus,
  type DiagonalEstimate,
  type DiagonalOptions,
  type HutchinsonOptions,
  type HutchPlusPlusEstimate,
  type HutchPlusPlusOptions,
  type TraceEstimate,
} from "./trace.js";
export { spectralDensity, type SpectralDensity, type SpectralDensityOptions } from "./spectralDensity.js";
export { axpy, dot, meanAndError, norm, orthogonalize, randomVector, scaleInPlace, type ProbeDistribution } from "./vector.js";
export { indefiniteDiag, nearlySingular, poisson1d, randomOrthogonal, randSpd, randSymmetric, withSpectrum } from "./gallery.js";
