/** @file safetensors files on disk: read with errors that name the path, write atomically (Node only) */
import { readFile, stat } from "node:fs/promises";
import type { NDArray } from "../kernels/ndarray.js";
import { writeFileAtomic } from "./atomicWrite.js";
import {
  parseSafetensors,
  SafetensorsError,
  serializeSafetensors,
  type ParseSafetensorsOptions,
  type SafetensorsContents,
} from "./safetensors.js";

/** Options of readSafetensorsFile. */
export interface ReadSafetensorsOptions {
  /** Largest JSON header accepted, in bytes; see parseSafetensors. */
  readonly maxHeaderBytes?: number;
  /** Most tensors accepted; see parseSafetensors. */
  readonly maxTensors?: number;
}

/** A one-line reason for a failed fs call, from its error code. */
function describe(error: unknown, path: string): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  switch (code) {
    case "ENOENT":
      return `file not found: ${path}`;
    case "EACCES":
    case "EPERM":
      return `permission denied: ${path}`;
    case "EISDIR":
      return `is a directory: ${path}`;
    case "ENOTDIR":
      return `a parent of ${path} is not a directory`;
    default:
      return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Reads and parses a safetensors file. Every failure — missing or unreadable file, or any problem
 * parseSafetensors finds — is a SafetensorsError whose message names the path.
 */
export async function readSafetensorsFile(path: string, opts: ReadSafetensorsOptions = {}): Promise<SafetensorsContents> {
  let bytes: Uint8Array;
  try {
    // a FIFO blocks on open and a device (/dev/zero) never ends: look before opening
    const info = await stat(path);
    if (info.isDirectory()) throw new SafetensorsError(`cannot read: is a directory: ${path}`);
    if (!info.isFile()) throw new SafetensorsError(`cannot read: not a regular file: ${path}`);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof SafetensorsError) throw error;
    throw new SafetensorsError(`cannot read: ${describe(error, path)}`, { cause: error });
  }
  const parseOpts: ParseSafetensorsOptions = {
    name: path,
    ...(opts.maxHeaderBytes === undefined ? {} : { maxHeaderBytes: opts.maxHeaderBytes }),
    ...(opts.maxTensors === undefined ? {} : { maxTensors: opts.maxTensors }),
  };
  return parseSafetensors(bytes, parseOpts);
}

/**
 * Serializes tensors and metadata (see serializeSafetensors) and writes them atomically: the target
 * holds either its old content or the whole new file. Failures are SafetensorsErrors naming the path.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, NDArray> | Readonly<Record<string, NDArray>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = serializeSafetensors(tensors, metadata);
  } catch (error) {
    throw error instanceof SafetensorsError ? new SafetensorsError(`${path}: ${error.message}`) : error;
  }
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw new SafetensorsError(`cannot write: ${describe(error, path)}`, { cause: error });
  }
}
