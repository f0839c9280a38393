/** @file the matrix product primitive */
import * as k from "../../kernels/matmul.js";
import { definePrimitive } from "../primitive.js";

/** Matrix product of [m, k] and [k, n]. Shape-strict; broadcasting is its own primitive. */
export const matmul = definePrimitive({
  name: "matmul",
  impl: ([a, b]) => k.matmul(a!, b!),
  // d(AB) = dA·B + A·dB
  jvp: [(dA, [, B]) => dA.matmul(B!), (dB, [A]) => A!.matmul(dB)],
  // Ā = G·Bᵀ,  B̄ = Aᵀ·G
  vjp: [(G, [, B]) => G.matmulT(B!), (G, [A]) => A!.tMatmul(G)],
});

/** A·Bᵀ without materializing Bᵀ in the graph (one primitive, so rules stay short). */
export const matmulT = definePrimitive({
  name: "matmulT",
  impl: ([a, b]) => k.matmul(a!, b!, { transB: true }),
  // d(ABᵀ) = dA·Bᵀ + A·dBᵀ ;  Ā = G·B,  B̄ = Gᵀ·A
  jvp: [(dA, [, B]) => dA.matmulT(B!), (dB, [A]) => A!.matmulT(dB)],
  vjp: [(G, [, B]) => G.matmul(B!), (G, [A]) => G.tMatmul(A!)],
});

/** Aᵀ·B without materializing Aᵀ in the graph. */
export const tMatmul = definePrimitive({
  name: "tMatmul",
  impl: ([a, b]) => k.matmul(a!, b!, { transA: true }),
  // d(AᵀB) = dAᵀ·B + Aᵀ·dB ;  Ā = B·Gᵀ,  B̄ = A·G
  jvp: [(dA, [, B]) => dA.tMatmul(B!), (dB, [A]) => A!.tMatmul(dB)],
  vjp: [(G, [, B]) => B!.matmulT(G), (G, [A]) => A!.matmul(G)],
});
