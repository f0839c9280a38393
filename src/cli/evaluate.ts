/** @file `hessian-lab evaluate`: loss, accuracy and gradient norm of a model on a data file */
import { Option } from "commander";
import { accuracy, riskValueAndGrad, norm, type DType } from "../node.js";
import { choice, integer, type CommandSpec } from "./command.js";
import { loadProblem } from "./inputs.js";

interface EvaluateOptions {
  readonly model: string;
  readonly data: string;
  readonly dtype: DType;
  readonly batchSize?: number;
}

/** What evaluate reports. */
export interface EvaluateResult {
  readonly loss: number;
  /** Fraction of correctly classified cases, where the loss is a classification loss with one-hot-like targets. */
  readonly accuracy: number | null;
  readonly gradient_norm: number;
  readonly cases: number;
  readonly parameters: number;
  readonly loss_name: string;
}

export const evaluateCommand: CommandSpec<EvaluateOptions, EvaluateResult> = {
  name: "evaluate",
  summary: "loss, accuracy and gradient norm of a model on a data set",
  examples: ["hessian-lab evaluate --model net.safetensors --data data.safetensors", "hessian-lab evaluate --model net.safetensors --data data.safetensors --json"],
  configure(cmd) {
    cmd
      .requiredOption("--model <file>", "model file (safetensors)")
      .requiredOption("--data <file>", "data file (safetensors: inputs [, targets])")
      .addOption(new Option("--dtype <dtype>", "compute dtype").argParser(choice(["float32", "float64"] as const)).default("float64"))
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only; results do not depend on it)").argParser(integer(1)));
  },
  async run(options) {
    const { model, risk } = await loadProblem(options);
    const { value, grad } = riskValueAndGrad(risk, model.theta);
    return {
      loss: value,
      accuracy: accuracy(risk, model.theta),
      gradient_norm: norm(grad),
      cases: risk.cases,
      parameters: model.theta.length,
      loss_name: model.network.loss,
    };
  },
  format(r) {
    return [
      `loss        ${r.loss} (${r.loss_name}, mean)`,
      ...(r.accuracy === null ? [] : [`accuracy    ${(100 * r.accuracy).toFixed(2)}%`]),
      `grad norm   ${r.gradient_norm}`,
      `cases       ${r.cases}`,
      `parameters  ${r.parameters}`,
    ].join("\n");
  },
};
