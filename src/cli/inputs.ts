/** @file loading a command's input files (output paths: outputs.ts) */
import { empiricalRisk, type DType, type EmpiricalRisk, type Reduction } from "../node.js";
import { readData, readModel, type Model } from "../node.js";

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
