/** @file `hessian-lab taylor`: the quadratic model q(δ) = L + gᵀδ + ½δᵀHδ against the loss along a direction, and the order of its error */
import { Option } from "commander";
import {
  curvatureOperator,
  CURVATURE_KINDS,
  eigenDirections,
  linalg,
  norm,
  Rng,
  riskValue,
  riskValueAndGrad,
  taylorCheck,
  type CurvatureKind,
  type DType,
} from "../node.js";
import { choice, CliError, EXIT, integer, positive, seed, type CommandSpec } from "./command.js";
import { chartFiles, writeChartOutputs } from "./chartOutput.js";
import { loadProblem } from "./inputs.js";
import { checkOutputs } from "./outputs.js";
import { progress } from "./progress.js";

type TaylorDirection = "eigen" | "random" | "gradient";

interface TaylorOptions {
  readonly model: string;
  readonly data: string;
  readonly direction: TaylorDirection;
  readonly curvature: CurvatureKind;
  readonly minStep: number;
  readonly maxStep: number;
  readonly steps: number;
  readonly seed: number;
  readonly dtype: DType;
  readonly batchSize?: number;
  readonly out?: string;
}

/** The JSON of `taylor --json` (also written to PREFIX.json with --out). */
export interface TaylorResult {
  readonly direction: TaylorDirection;
  /** The matrix in the model (the Hessian gives the true Taylor model; the GGN or Fisher an approximation). */
  readonly curvature: CurvatureKind;
  readonly parameters: number;
  readonly loss: number;
  readonly gradient_norm: number;
  /** gᵀd and dᵀMd for the unit direction d. */
  readonly slope: number;
  readonly curvature_along: number;
  /** With direction "eigen": the eigenvalue of d. */
  readonly eigenvalue: number | null;
  readonly points: readonly { readonly t: number; readonly loss: number; readonly model: number; readonly error: number }[];
  /** The fitted p of error ∝ tᵖ (null when every error is at rounding level). */
  readonly order: number | null;
  /** 3 with the exact Hessian of a smooth loss, 2 with an approximation of it. */
  readonly expected_order: number;
  readonly products: number;
  readonly seconds: number;
  readonly files: { readonly svg: string; readonly png: string; readonly json: string } | null;
}


/** `hessian-lab taylor`: the Taylor check as a table and fitted order, optionally plotted. */
export const taylorCommand: CommandSpec<TaylorOptions, TaylorResult> = {
  name: "taylor",
  summary: "how well the quadratic model L + gᵀδ + ½δᵀHδ predicts the loss along a direction: table and fitted error order",
  examples: [
    "hessian-lab taylor --model net.safetensors --data data.safetensors --direction eigen",
    "hessian-lab taylor --model net.safetensors --data data.safetensors --direction random --curvature ggn --out taylor-ggn --json",
  ],
  configure(cmd) {
    cmd
      .requiredOption("--model <file>", "model file (safetensors)")
      .requiredOption("--data <file>", "data file (safetensors)")
      .addOption(
        new Option("--direction <kind>", "eigen: top eigenvector of the curvature; random: Gaussian (seeded); gradient: −∇L")
          .argParser(choice(["eigen", "random", "gradient"] as const))
          .default("eigen"),
      )
      .addOption(new Option("--curvature <kind>", "the matrix in the quadratic model").argParser(choice(CURVATURE_KINDS)).default("hessian"))
      .addOption(new Option("--min-step <t>", "smallest step length (the direction has unit length)").argParser(positive()).default(1e-4))
      .addOption(new Option("--max-step <t>", "largest step length").argParser(positive()).default(0.1))
      .addOption(new Option("--steps <n>", "step lengths, log-spaced between the two").argParser(integer(2)).default(13))
      .addOption(new Option("--seed <n>", "seed of the random direction and the Lanczos start").argParser(seed).default(0))
      .addOption(new Option("--out <prefix>", "also plot the error against t: PREFIX.svg, PREFIX.png, PREFIX.json"))
      .addOption(new Option("--dtype <dtype>", "compute dtype").argParser(choice(["float32", "float64"] as const)).default("float64"))
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only)").argParser(integer(1)));
  },
  async run(options, io) {
    if (!(options.minStep < options.maxStep)) {
      throw new CliError(`--min-step (${options.minStep}) must be smaller than --max-step (${options.maxStep})`, EXIT.usage);
    }
    const files = options.out === undefined ? null : chartFiles(options.out);
    if (files !== null) await checkOutputs(Object.values(files), [options.model, options.data]);
    const { model, risk } = await loadProblem(options);
    const theta = model.theta;
    const status = progress(io, "taylor");
    const start = performance.now();
    const base = curvatureOperator(risk, theta, options.curvature);
    const counter = linalg.countProducts(base, (count) => status.update(`${count} products`));
    const op = counter.operator;
    const { value, grad } = riskValueAndGrad(risk, theta);
    let direction: Float64Array;
    let eigenvalue: number | null = null;
    if (options.direction === "eigen") {
      const e = eigenDirections(op, 1, { seed: options.seed });
      direction = e.vectors[0]!;
      eigenvalue = e.values[0]!;
    } else if (options.direction === "gradient") {
      if (!(norm(grad) > 0)) throw new CliError("the gradient is zero at this θ: choose --direction eigen or random", EXIT.usage);
      direction = grad.map((g) => -g);
    } else {
      const rng = new Rng(options.seed);
      direction = Float64Array.from(theta, () => rng.normal());
    }
    const n = options.steps;
    const ts = Array.from({ length: n }, (_, i) => options.minStep * (options.maxStep / options.minStep) ** (i / (n - 1)));
    const check = taylorCheck((x) => riskValue(risk, x), theta, grad, op, direction, ts);
    const seconds = (performance.now() - start) / 1000;
    const result: TaylorResult = {
      direction: options.direction,
      curvature: options.curvature,
      parameters: theta.length,
      loss: value,
      gradient_norm: norm(grad),
      slope: check.slope,
      curvature_along: check.curvature,
      eigenvalue,
      points: check.points.map((p) => ({ t: p.t, loss: p.loss, model: p.model, error: p.error })),
      order: check.order,
      expected_order: options.curvature === "hessian" ? 3 : 2,
      products: counter.count(),
      seconds,
      files,
    };
    if (files === null) {
      status.done(`${counter.count()} products, ${seconds.toFixed(2)} s`);
      return result;
    }
    status.update("rendering");
    const { taylorChart } = await import("../plot/index.js");
    const { renderChart } = await import("../plot/png.js");
    // The fitted line passes through the log–log centroid of the points taylorCheck fitted (its rule:
    // errors above ~1e3 ulps of L), which is where a least-squares line always passes.
    const floor = 1e3 * Number.EPSILON * Math.max(1, Math.abs(value));
    const used = check.points.filter((p) => p.error > floor && p.t > 0);
    const logMean = (xs: number[]): number => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length);
    const anchor = used.length > 0 ? { t: logMean(used.map((p) => p.t)), error: logMean(used.map((p) => p.error)) } : undefined;
    const label = options.curvature === "hessian" ? "H" : options.curvature === "ggn" ? "G (GGN)" : "F (Fisher)";
    const chart = taylorChart({
      title: `Error of the quadratic model with ${label} along the ${options.direction === "gradient" ? "negative gradient" : options.direction === "eigen" ? "top eigenvector" : "random direction"}`,
      subtitle: `fitted order ${check.order === null ? "n/a" : check.order.toFixed(2)} (expected ${result.expected_order}); points below rounding level are not fitted`,
      points: check.points,
      order: check.order,
      ...(anchor === undefined ? {} : { anchor, fitRange: [Math.min(...used.map((p) => p.t)), Math.max(...used.map((p) => p.t))] as const }),
    });
    const rendered = await renderChart(chart);
    status.done(`${counter.count()} products, ${seconds.toFixed(2)} s; plot ${(rendered.seconds.svg + rendered.seconds.png).toFixed(2)} s`);
    await writeChartOutputs(files, rendered, result, [options.model, options.data]);
    return result;
  },
  format(r) {
    const head = `${"t".padStart(11)}  ${"L(θ+td)".padStart(17)}  ${"q(td)".padStart(17)}  ${"|L − q|".padStart(10)}`;
    return [
      `Taylor check with the ${r.curvature} along the ${r.direction === "gradient" ? "negative gradient" : r.direction === "eigen" ? "top eigenvector" : "random direction"} (unit length), ${r.parameters} parameters`,
      `L(θ) = ${r.loss.toPrecision(10)}, ‖∇L‖ = ${r.gradient_norm.toExponential(3)}, gᵀd = ${r.slope.toExponential(4)}, dᵀMd = ${r.curvature_along.toExponential(4)}${r.eigenvalue === null ? "" : ` (λ = ${r.eigenvalue.toPrecision(6)})`}`,
      head,
      ...r.points.map((p) => `${p.t.toExponential(3).padStart(11)}  ${p.loss.toPrecision(12).padStart(17)}  ${p.model.toPrecision(12).padStart(17)}  ${p.error.toExponential(2).padStart(10)}`),
      `fitted order of the error: ${r.order === null ? "n/a (all errors at rounding level)" : r.order.toFixed(3)} (expected ${r.expected_order})`,
      `${r.products} operator products, ${r.seconds.toFixed(2)} s`,
      ...(r.files === null ? [] : [`wrote ${r.files.svg}, ${r.files.png}, ${r.files.json}`]),
    ].join("\n");
  },
};
