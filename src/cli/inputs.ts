/** @file loading a command's input files and checking its output paths before any work starts */
import { access, constants, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { empiricalRisk, type DType, type EmpiricalRisk, type Reduction } from "../node.js";
import { readData, readModel, type Model } from "../node.js";
import { CliError, EXIT } from "./command.js";

/** A model and the empirical risk over a data file, ready for curvature work. */
export interface LoadedProblem {
  readonly model: Model;
  readonly risk: EmpiricalRisk;
}

/** Options shared by commands that load --model and --data. */
export interface ProblemFlags {
  readonly model: string;
  readonly data: string;
  readonly dtype?: DType;
  readonly batchSize?: number;
  readonly reduction?: Reduction;
}

/** Reads and cross-checks the model and data files. */
export async function loadProblem(flags: ProblemFlags): Promise<LoadedProblem> {
  const model = await readModel(flags.model);
  const data = await readData(flags.data, model.network);
  const risk = empiricalRisk(model.network, data, {
    dtype: flags.dtype ?? "float64",
    reduction: flags.reduction ?? "mean",
    ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
  });
  return { model, risk };
}

/**
 * Fails now, before any work, if an output file could not be written later: its directory must
 * exist and be writable, and the path must not be a directory. The file itself is only written
 * (atomically) once the work has succeeded.
 */
export async function checkOutputPath(path: string): Promise<void> {
  const full = resolve(path);
  const dir = dirname(full);
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new Error();
    await access(dir, constants.W_OK);
  } catch {
    throw new CliError(`cannot write ${path}: directory ${dir} does not exist or is not writable`, EXIT.usage);
  }
  try {
    if ((await stat(full)).isDirectory()) throw new CliError(`cannot write ${path}: it is a directory`, EXIT.usage);
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
}
