/** @file `hessian-lab density`: the eigenvalue density of a curvature matrix by stochastic Lanczos quadrature, as SVG, PNG and JSON */
import { Option } from "commander";
import { curvatureOperator, CURVATURE_KINDS, linalg, type CurvatureKind, type DType } from "../node.js";
import { chartFiles, writeChartOutputs } from "./chartOutput.js";
import { choice, integer, positive, seed, type CommandSpec } from "./command.js";
import { loadProblem } from "./inputs.js";
import { checkOutputs } from "./outputs.js";
import { progress } from "./progress.js";

interface DensityOptions {
  readonly model: string;
  readonly data: string;
  readonly curvature: CurvatureKind;
  readonly probes: number;
  readonly steps: number;
  readonly grid: number;
  readonly sigma?: number;
  readonly log?: boolean;
  readonly seed: number;
  readonly dtype: DType;
  readonly batchSize?: number;
  readonly out: string;
}

/** The JSON of `density --json` (also written to PREFIX.json). */
export interface DensityResult {
  readonly curvature: CurvatureKind;
  readonly parameters: number;
  readonly probes: number;
  /** Lanczos steps per probe (quadrature nodes). */
  readonly steps: number;
  /** Gaussian smoothing width. */
  readonly sigma: number;
  readonly grid: readonly number[];
  readonly density: readonly number[];
  /** Standard error across probes per grid point (null with one probe). */
  readonly standard_error: readonly (number | null)[];
  /** Per probe: Gauss quadrature nodes and weights (the density before smoothing). */
  readonly quadrature: readonly { readonly nodes: readonly number[]; readonly weights: readonly number[] }[];
  /**
   * The fraction of negative eigenvalues: `estimate` ± `standard_error` (probe noise only: biased when
   * Gauss nodes cannot split the eigenvalues near 0), `lower`/`upper` (quadrature bounds, averaged
   * over probes), `interval` (those ± 2 standard errors: covers both), `resolved` (interval ≤ 0.05 wide).
   */
  readonly negative_fraction: {
    readonly estimate: number;
    readonly standard_error: number | null;
    readonly lower: number;
    readonly upper: number;
    readonly interval: readonly [number, number];
    readonly resolved: boolean;
  };
  /** The extreme quadrature nodes: a bracket of the spectrum. */
  readonly support: readonly [number, number];
  readonly products: number;
  readonly seconds: number;
  readonly render_seconds: { readonly svg: number; readonly png: number };
  readonly files: { readonly svg: string; readonly png: string; readonly json: string };
}

/** More grid points than a plot has pixels only costs memory (a 10¹⁰-point grid is 80 GB). */
const MAX_GRID = 100_000;

const CURVATURE_TITLES: Record<CurvatureKind, string> = { hessian: "Hessian", ggn: "GGN", fisher: "Fisher", kfac: "K-FAC" };

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** `hessian-lab density`: SLQ spectral density → PREFIX.svg, PREFIX.png, PREFIX.json. */
export const densityCommand: CommandSpec<DensityOptions, DensityResult> = {
  name: "density",
  summary: "eigenvalue density by stochastic Lanczos quadrature, plotted (SVG, PNG) with error bands, plus JSON",
  examples: [
    "hessian-lab density --model net.safetensors --data data.safetensors --curvature hessian --out hessian-density",
    "hessian-lab density --model net.safetensors --data data.safetensors --curvature ggn --probes 20 --steps 80 --log --out ggn",
  ],
  configure(cmd) {
    cmd
      .requiredOption("--model <file>", "model file (safetensors)")
      .requiredOption("--data <file>", "data file (safetensors)")
      .requiredOption("--out <prefix>", "writes PREFIX.svg, PREFIX.png and PREFIX.json")
      .addOption(new Option("--curvature <kind>", "curvature matrix").argParser(choice(CURVATURE_KINDS)).default("hessian"))
      .addOption(new Option("--probes <n>", "Rademacher probes (one Lanczos run each)").argParser(integer(1)).default(10))
      .addOption(new Option("--steps <n>", "Lanczos steps per probe (capped at the parameter count)").argParser(integer(1)).default(40))
      .addOption(new Option("--grid <n>", "grid points of the smoothed density").argParser(integer(2, MAX_GRID)).default(512))
      .addOption(new Option("--sigma <width>", "Gaussian smoothing width (default 1% of the spectrum's range)").argParser(positive()))
      .addOption(new Option("--log", "logarithmic density axis (shows the outliers)"))
      .addOption(new Option("--seed <n>", "seed of the probes").argParser(seed).default(0))
      .addOption(new Option("--dtype <dtype>", "compute dtype").argParser(choice(["float32", "float64"] as const)).default("float64"))
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only)").argParser(integer(1)));
  },
  async run(options, io) {
    const files = chartFiles(options.out);
    await checkOutputs(Object.values(files), [options.model, options.data]);
    const { model, risk } = await loadProblem(options);
    const op = curvatureOperator(risk, model.theta, options.curvature);
    const status = progress(io, "density");
    const start = performance.now();
    const total = options.probes * Math.min(options.steps, model.theta.length);
    const counted = linalg.countProducts(op, (products) => {
      const elapsed = (performance.now() - start) / 1000;
      const eta = products < total ? ` ETA ${((elapsed / products) * (total - products)).toFixed(0)} s` : "";
      status.update(`${products}/${total} products${eta}`);
    }).operator;
    const d = linalg.spectralDensity(counted, {
      probes: options.probes,
      steps: options.steps,
      seed: options.seed,
      gridSize: options.grid,
      ...(options.sigma === undefined ? {} : { sigma: options.sigma }),
    });
    const seconds = (performance.now() - start) / 1000;
    status.update("rendering");
    const { densityChart } = await import("../plot/index.js");
    const { renderChart } = await import("../plot/png.js");
    const chart = densityChart({
      title: `${CURVATURE_TITLES[options.curvature]} spectral density (${model.theta.length} parameters, ${d.probes} probes × ${Math.min(options.steps, model.theta.length)} steps)`,
      ...(d.probes > 1 ? { subtitle: "shaded: ± one standard error across probes" } : {}),
      series: [{ name: options.curvature, grid: d.grid, density: d.density, stderr: d.stderr }],
      logY: options.log === true,
      // a hundredth of one eigenvalue's smoothed bump (mass 1/p): every single eigenvalue stays visible on a log axis
      floor: 0.01 / (model.theta.length * d.sigma * Math.sqrt(2 * Math.PI)),
    });
    const rendered = await renderChart(chart);
    status.done(`${d.products} products, ${seconds.toFixed(1)} s; plot ${(rendered.seconds.svg + rendered.seconds.png).toFixed(2)} s`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const nodes of d.nodes) for (const x of nodes) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    const result: DensityResult = {
      curvature: options.curvature,
      parameters: model.theta.length,
      probes: d.probes,
      steps: Math.min(options.steps, model.theta.length),
      sigma: d.sigma,
      grid: Array.from(d.grid),
      density: Array.from(d.density),
      standard_error: Array.from(d.stderr, finiteOrNull),
      quadrature: d.nodes.map((nodes, i) => ({ nodes: Array.from(nodes), weights: Array.from(d.weights[i]!) })),
      negative_fraction: {
        estimate: d.negativeFraction.estimate,
        standard_error: finiteOrNull(d.negativeFraction.standardError),
        lower: d.negativeFraction.lower,
        upper: d.negativeFraction.upper,
        interval: d.negativeFraction.interval,
        resolved: d.negativeFraction.resolved,
      },
      support: [lo, hi],
      products: d.products,
      seconds,
      render_seconds: rendered.seconds,
      files,
    };
    await writeChartOutputs(files, rendered, result, [options.model, options.data]);
    return result;
  },
  format(r) {
    const nf = r.negative_fraction;
    return [
      `${r.curvature} spectral density of a ${r.parameters}-parameter model: ${r.probes} probes × ${r.steps} Lanczos steps, σ = ${r.sigma.toPrecision(3)}`,
      `spectrum within ≈ [${r.support[0].toPrecision(6)}, ${r.support[1].toPrecision(6)}]`,
      `fraction of negative eigenvalues: between ${nf.interval[0].toFixed(3)} and ${nf.interval[1].toFixed(3)} (quadrature bounds ± 2 standard errors; point estimate ${nf.estimate.toPrecision(3)}${nf.standard_error === null ? "" : ` ± ${nf.standard_error.toPrecision(2)} from the probes alone`})`,
      ...(nf.resolved ? [] : [`  ${r.steps} Lanczos steps cannot resolve the eigenvalues near 0 to better than that interval: more --steps narrows it`]),
      `${r.products} operator products, ${r.seconds.toFixed(2)} s (plot ${(r.render_seconds.svg + r.render_seconds.png).toFixed(2)} s)`,
      `wrote ${r.files.svg}, ${r.files.png}, ${r.files.json}`,
    ].join("\n");
  },
};
