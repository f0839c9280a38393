/** @file `hessian-lab landscape`: a 1-D or 2-D loss-landscape slice with the quadratic model, as SVG, PNG and JSON */
import { Option } from "commander";
import { CURVATURE_KINDS, lossLandscape, norm, riskValueAndGrad, type CurvatureKind, type DType, type LandscapeDirections } from "../node.js";
import { choice, CliError, EXIT, integer, positive, seed, warnInapplicable, type CommandSpec } from "./command.js";
import { chartFiles, writeChartOutputs } from "./chartOutput.js";
import { loadProblem } from "./inputs.js";
import { checkOutputs } from "./outputs.js";
import { progress } from "./progress.js";

interface LandscapeCliOptions {
  readonly model: string;
  readonly data: string;
  readonly directions: LandscapeDirections;
  readonly dims: 1 | 2;
  readonly range: number;
  readonly points?: number;
  readonly curvature: CurvatureKind;
  readonly seed: number;
  readonly dtype: DType;
  readonly batchSize?: number;
  readonly out: string;
}

/** The JSON of `landscape --json` (also written to PREFIX.json). Grids are [β][α] in 2-D. */
export interface LandscapeResult {
  readonly directions: LandscapeDirections;
  /** Whose eigenvectors, with directions "eigen". */
  readonly curvature: CurvatureKind | null;
  readonly dims: 1 | 2;
  readonly parameters: number;
  readonly range: number;
  readonly alphas: readonly number[];
  readonly betas: readonly number[];
  readonly loss: readonly number[] | readonly (readonly number[])[];
  readonly quadratic: readonly number[] | readonly (readonly number[])[];
  /** L(θ) and ‖∇L(θ)‖. */
  readonly center: number;
  readonly gradient_norm: number;
  /** gᵀdᵢ and dᵢᵀHdⱼ: the quadratic model's coefficients. */
  readonly slopes: readonly number[];
  readonly curvatures: readonly (readonly number[])[];
  readonly direction_norms: readonly number[];
  readonly eigen: { readonly values: readonly number[]; readonly residuals: readonly number[]; readonly converged: boolean } | null;
  /** The largest |L − q| on the grid and where. */
  readonly model_error: { readonly max: number; readonly alpha: number; readonly beta: number | null };
  readonly evaluations: number;
  readonly products: number;
  readonly seconds: number;
  readonly render_seconds: { readonly svg: number; readonly png: number };
  readonly files: { readonly svg: string; readonly png: string; readonly json: string };
}

function rows(grid: Float64Array, width: number, dims: 1 | 2): number[] | number[][] {
  if (dims === 1) return Array.from(grid);
  return Array.from({ length: grid.length / width }, (_, r) => Array.from(grid.subarray(r * width, (r + 1) * width)));
}

/** `hessian-lab landscape`: a 1-D or 2-D loss slice with the quadratic model → PREFIX.svg, PREFIX.png, PREFIX.json. */
export const landscapeCommand: CommandSpec<LandscapeCliOptions, LandscapeResult> = {
  name: "landscape",
  summary: "loss along 1 or 2 directions (top eigenvectors or filter-normalized random) with the quadratic model; SVG, PNG and JSON",
  examples: [
    "hessian-lab landscape --model net.safetensors --data data.safetensors --directions eigen --dims 1 --range 0.5 --out slice",
    "hessian-lab landscape --model net.safetensors --data data.safetensors --directions random --dims 2 --points 31 --out surface",
  ],
  configure(cmd) {
    cmd
      .requiredOption("--model <file>", "model file (safetensors)")
      .requiredOption("--data <file>", "data file (safetensors)")
      .requiredOption("--out <prefix>", "writes PREFIX.svg, PREFIX.png and PREFIX.json")
      .addOption(
        new Option("--directions <kind>", "eigen: top eigenvectors (unit length); random: filter-normalized Gaussian (Li et al. 2018)")
          .argParser(choice(["eigen", "random"] as const))
          .default("eigen"),
      )
      .addOption(new Option("--dims <n>", "1: a line; 2: a contour map").argParser((raw) => Number(choice(["1", "2"] as const)(raw)) as 1 | 2).default(1))
      .addOption(new Option("--range <r>", "α, β ∈ [−r, r] (parameter-space units for eigen, fractions of each unit's weight norm for random)").argParser(positive()).default(1))
      .addOption(new Option("--points <n>", "grid points per axis (default 41 in 1-D, 21 in 2-D; odd puts one on θ)").argParser(integer(3)))
      .addOption(new Option("--curvature <kind>", "whose eigenvectors, with --directions eigen (the overlay always uses the Hessian)").argParser(choice(CURVATURE_KINDS)).default("hessian"))
      .addOption(new Option("--seed <n>", "seed of the random directions and Lanczos start").argParser(seed).default(0))
      .addOption(new Option("--dtype <dtype>", "compute dtype").argParser(choice(["float32", "float64"] as const)).default("float64"))
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only)").argParser(integer(1)));
  },
  async run(options, io, given) {
    warnInapplicable(io, "landscape", given, [{ key: "curvature", flag: "--curvature", applies: options.directions === "eigen", when: "with --directions eigen (whose eigenvectors)" }]);
    const files = chartFiles(options.out);
    await checkOutputs(Object.values(files), [options.model, options.data]);
    const { model, risk } = await loadProblem(options);
    if (options.directions === "eigen" && model.theta.length < options.dims) {
      throw new CliError(`a ${model.theta.length}-parameter model has fewer than ${options.dims} eigenvectors`, EXIT.usage);
    }
    const status = progress(io, "landscape");
    const start = performance.now();
    const land = lossLandscape(risk, model.theta, {
      directions: options.directions,
      dims: options.dims,
      range: options.range,
      ...(options.points === undefined ? {} : { points: options.points }),
      seed: options.seed,
      curvature: options.curvature,
      onProgress: (phase, done, total) => {
        if (total === null) {
          status.update(`${phase}: ${done} products`);
        } else {
          const elapsed = (performance.now() - start) / 1000;
          status.update(`${phase}: ${done}/${total} losses, ETA ${((elapsed / done) * (total - done)).toFixed(0)} s`);
        }
      },
    });
    const seconds = (performance.now() - start) / 1000;
    status.update("rendering");
    const n = land.alphas.length;
    let worst: LandscapeResult["model_error"] = { max: 0, alpha: 0, beta: land.dims === 2 ? 0 : null };
    land.loss.forEach((l, i) => {
      const e = Math.abs(l - land.quadratic[i]!);
      if (e > worst.max || Number.isNaN(e)) worst = { max: e, alpha: land.alphas[i % n]!, beta: land.dims === 2 ? land.betas[Math.floor(i / n)]! : null };
    });
    const plot = await import("../plot/index.js");
    const { renderChart } = await import("../plot/png.js");
    const what =
      options.directions === "eigen"
        ? `top ${options.curvature === "hessian" ? "Hessian" : options.curvature === "ggn" ? "GGN" : "Fisher"} eigenvector${options.dims === 2 ? "s" : ""}`
        : `filter-normalized random direction${options.dims === 2 ? "s" : ""} (seed ${options.seed})`;
    const lambda = land.eigen?.values.map((v, i) => `λ${i === 0 ? "₁" : "₂"} = ${v.toPrecision(4)}`).join(", ");
    const title = `Loss landscape along the ${what}`;
    const subtitle = `${model.theta.length} parameters; L(θ) = ${land.center.toPrecision(5)}${lambda === undefined ? "" : `; ${lambda}`}`;
    const chart =
      land.dims === 1
        ? plot.landscape1dChart({ title, subtitle, alphas: land.alphas, loss: land.loss, quadratic: land.quadratic, xLabel: options.directions === "eigen" ? "α (along d₁, unit length)" : "α (filter-normalized d₁)" })
        : plot.landscape2dChart({ title, subtitle, alphas: land.alphas, betas: land.betas, loss: land.loss, quadratic: land.quadratic, xLabel: "α (along d₁)", yLabel: "β (along d₂)" });
    const rendered = await renderChart(chart);
    status.done(`${land.evaluations} losses, ${land.totalProducts} products, ${seconds.toFixed(1)} s; plot ${(rendered.seconds.svg + rendered.seconds.png).toFixed(2)} s`);
    const result: LandscapeResult = {
      directions: options.directions,
      curvature: options.directions === "eigen" ? options.curvature : null,
      dims: land.dims,
      parameters: model.theta.length,
      range: options.range,
      alphas: Array.from(land.alphas),
      betas: Array.from(land.betas),
      loss: rows(land.loss, n, land.dims),
      quadratic: rows(land.quadratic, n, land.dims),
      center: land.center,
      gradient_norm: norm(riskValueAndGrad(risk, model.theta).grad),
      slopes: land.slopes,
      curvatures: land.curvatures,
      direction_norms: land.directionNorms,
      eigen: land.eigen,
      model_error: worst,
      evaluations: land.evaluations,
      products: land.totalProducts,
      seconds,
      render_seconds: rendered.seconds,
      files,
    };
    await writeChartOutputs(files, rendered, result, [options.model, options.data]);
    return result;
  },
  format(r) {
    const where = r.model_error.beta === null ? `α = ${r.model_error.alpha.toPrecision(3)}` : `(α, β) = (${r.model_error.alpha.toPrecision(3)}, ${r.model_error.beta.toPrecision(3)})`;
    return [
      `${r.dims}-D landscape along ${r.directions === "eigen" ? `the top ${r.curvature ?? "hessian"} eigenvector${r.dims === 2 ? "s" : ""}` : "filter-normalized random directions"}, ${r.alphas.length} points per axis in [−${r.range}, ${r.range}]`,
      `L(θ) = ${r.center.toPrecision(8)}, ‖∇L‖ = ${r.gradient_norm.toExponential(3)}`,
      ...(r.eigen === null ? [] : [`eigenvalues: ${r.eigen.values.map((v) => v.toPrecision(6)).join(", ")}`]),
      `quadratic model: slopes gᵀd = ${r.slopes.map((s) => s.toPrecision(4)).join(", ")}; curvatures dᵀHd = ${r.curvatures.map((row, i) => row[i]!.toPrecision(4)).join(", ")}`,
      `largest |L − q| = ${r.model_error.max.toPrecision(3)} at ${where}`,
      `${r.evaluations} loss evaluations, ${r.products} products, ${r.seconds.toFixed(2)} s (plot ${(r.render_seconds.svg + r.render_seconds.png).toFixed(2)} s)`,
      `wrote ${r.files.svg}, ${r.files.png}, ${r.files.json}`,
    ].join("\n");
  },
};
