/** @file `hessian-lab evaluate`: loss, accuracy and gradient norm of a model on a data file */
import { Option } from "commander";
import { forward, norm, riskValueAndGrad, tensor, type DType, type EmpiricalRisk } from "../node.js";
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
  readonly grad_norm: number;
  readonly cases: number;
  readonly parameters: number;
  readonly loss_name: string;
}

/** Classification accuracy: argmax for softmax, the sign of the logit for one sigmoid output. */
function accuracy(risk: EmpiricalRisk, theta: Float64Array): number | null {
  const net = risk.network;
  const width = net.layers[net.layers.length - 1]!.outputs;
  if (net.loss === "mse" || (net.loss === "sigmoid_cross_entropy" && width !== 1)) return null;
  const th = tensor(theta, { dtype: risk.dtype });
  let correct = 0;
  for (const batch of risk.batches) {
    const z = forward(net, th, batch.inputs).data();
    const t = batch.targets.data();
    const rows = batch.inputs.shape[0]!;
    for (let r = 0; r < rows; r++) {
      if (width === 1) correct += (z[r]! > 0) === (t[r]! > 0.5) ? 1 : 0;
      else correct += argmax(z, r * width, width) === argmax(t, r * width, width) ? 1 : 0;
    }
  }
  return correct / risk.cases;
}

function argmax(a: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[start + i]! > a[start + best]!) best = i;
  return best;
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
      grad_norm: norm(grad),
      cases: risk.cases,
      parameters: model.theta.length,
      loss_name: model.network.loss,
    };
  },
  format(r) {
    return [
      `loss        ${r.loss} (${r.loss_name}, mean)`,
      ...(r.accuracy === null ? [] : [`accuracy    ${(100 * r.accuracy).toFixed(2)}%`]),
      `grad norm   ${r.grad_norm}`,
      `cases       ${r.cases}`,
      `parameters  ${r.parameters}`,
    ].join("\n");
  },
};
