/** @file the process's malloc policy for large typed arrays: fixed glibc thresholds, so θ-sized results reuse freed memory */
import { tuneNativeMalloc } from "./native.js";

/** The policy tuneAllocator sets: blocks below 32 MiB from the heap, and up to 128 MiB of free heap kept. */
export const ALLOCATOR_POLICY = { mmapThresholdBytes: 32 * 2 ** 20, trimThresholdBytes: 128 * 2 ** 20 } as const;

/**
 * Makes large, repeatedly freed-and-reallocated typed arrays (a gradient or a curvature product
 * per call, 22 MB each for the MNIST autoencoder in float64) reuse freed heap memory instead of
 * fresh pages. glibc's default threshold is dynamic: a freed block of size S raises it to S, so the
 * next request of exactly S is mmapped again and faults once per 4 KiB page on first touch —
 * measured, 5,500 faults and ~40 % of a gradient's time. Fixing the threshold at 32 MiB (glibc's
 * cap) and keeping 128 MiB of free heap avoids that; blocks ≥ 32 MiB still come from mmap.
 *
 * A process-wide setting, so the library never applies it on its own: the CLI does at start, and a
 * program may call this once. Returns false (and changes nothing) without the native addon or
 * off glibc; HESSIAN_LAB_MALLOC=default makes it a no-op.
 */
export function tuneAllocator(): boolean {
  if (process.env.HESSIAN_LAB_MALLOC === "default") return false;
  return tuneNativeMalloc(ALLOCATOR_POLICY.mmapThresholdBytes, ALLOCATOR_POLICY.trimThresholdBytes);
}
