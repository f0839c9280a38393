/** @file `hessian-lab spectrum`: extreme eigenvalues, trace, condition and critical-point class of a curvature matrix */
import { Option } from "commander";
import { analyzeSpectrum, curvatureOperator, CURVATURE_KINDS, norm, riskValueAndGrad, type CurvatureKind, type DType } from "../node.js";
import { choice, CliError, EXIT, integer, real, seed, warnInapplicable, type CommandSpec } from "./command.js";
import { loadProblem } from "./inputs.js";
import { progress } from "./progress.js";

interface SpectrumOptions {
  readonly model: string;
  readonly data: string;
  readonly curvature: CurvatureKind;
  readonly top: number;
  readonly bottom: number;
  readonly dtype: DType;
  readonly traceProbes: number;
  readonly densityProbes: number;
  readonly seed: number;
  readonly method: "auto" | "dense" | "lanczos";
  readonly fisher: "mc" | "empirical";
  readonly fisherSamples: number;
  readonly criticalTol: number;
  readonly batchSize?: number;
}

interface Entry {
  readonly value: number;
  readonly residual: number;
  /** |value| ≤ max(residual, resolution): zero to tolerance, its sign unresolved. */
  readonly zero: boolean;
}

/** Which Fisher a `--curvature fisher` run used (null for the other curvatures). */
export type FisherDescription = { readonly type: "mc"; readonly samples_per_case: number; readonly seed: number } | { readonly type: "empirical" };

/** The JSON of `spectrum --json` (DESIGN.md contract). */
export interface SpectrumResult {
  readonly curvature: CurvatureKind;
  readonly parameters: number;
  /** The largest eigenvalues, descending. */
  readonly top: readonly Entry[];
  /** The smallest eigenvalues, ascending. */
  readonly bottom: readonly Entry[];
  /** "dense": every eigenvalue from eigh of the formed matrix (p ≤ 2000 by default); "lanczos": the wanted ones. */
  readonly method: "dense" | "lanczos";
  /** The smallest and largest eigenvalues where computed (the dense route always has both). */
  readonly lambda_min: number | null;
  readonly lambda_max: number | null;
  /** Eigenvalues with |λ| ≤ max(residual, resolution) are zero to tolerance. */
  readonly resolution: number;
  readonly converged: boolean;
  /** `exact`: the dense route's Σ Mᵢᵢ (standard_error 0); else a Hutchinson estimate. */
  readonly trace: { readonly estimate: number; readonly standard_error: number; readonly probes: number; readonly exact: boolean } | null;
  /** κ = λmax/λmin, or null with the reason (singular: κ = ∞; indefinite; not computed). */
  readonly condition: { readonly exact: number | null; readonly reason: string };
  /** Gradient descent on the quadratic model is stable for learning rates below 2/λmax (null unless λmax > 0). */
  readonly stable_learning_rate: number | null;
  readonly fisher: FisherDescription | null;
  readonly classification: {
    readonly kind: string;
    readonly critical: boolean;
    /** ‖∇L‖ was compared with this: --critical-tol·max|λ|. */
    readonly gradient_threshold: number;
    readonly explanation: string;
    readonly negative_fraction?: number;
  };
  readonly gradient_norm: number;
  readonly loss: number;
  readonly products: number;
  readonly seconds: number;
}

export const spectrumCommand: CommandSpec<SpectrumOptions, SpectrumResult> = {
  name: "spectrum",
  summary: "top/bottom eigenvalues (Lanczos), trace, condition number and critical-point class",
  examples: [
    "hessian-lab spectrum --model net.safetensors --data data.safetensors --curvature hessian --top 5 --bottom 5",
    "hessian-lab spectrum --model net.safetensors --data data.safetensors --curvature ggn --top 10 --json",
  ],
  configure(cmd) {
    cmd
      .requiredOption("--model <file>", "model file (safetensors)")
      .requiredOption("--data <file>", "data file (safetensors)")
      .addOption(new Option("--curvature <kind>", "curvature matrix").argParser(choice(CURVATURE_KINDS)).default("hessian"))
      .addOption(new Option("--top <k>", "how many largest eigenvalues").argParser(integer(0)).default(5))
      .addOption(new Option("--bottom <k>", "how many smallest eigenvalues (λmin drives the classification)").argParser(integer(0)).default(1))
      .addOption(new Option("--dtype <dtype>", "compute dtype").argParser(choice(["float32", "float64"] as const)).default("float64"))
      .addOption(new Option("--trace-probes <n>", "Hutchinson probes for the trace (0: skip)").argParser(integer(0)).default(20))
      .addOption(new Option("--density-probes <n>", "SLQ probes for the negative-eigenvalue fraction (0: skip)").argParser(integer(0)).default(0))
      .addOption(new Option("--seed <n>", "seed of the start and probe vectors and of the Monte-Carlo Fisher targets").argParser(seed).default(0))
      .addOption(
        new Option("--method <method>", "eigensolver: dense (all p eigenvalues, p products + O(p³)), lanczos, or auto (dense when p ≤ 2000)")
          .argParser(choice(["auto", "dense", "lanczos"] as const))
          .default("auto"),
      )
      .addOption(new Option("--fisher <type>", "Fisher flavour: Monte-Carlo (true) or empirical").argParser(choice(["mc", "empirical"] as const)).default("mc"))
      .addOption(new Option("--fisher-samples <n>", "Monte-Carlo Fisher: sampled targets per case").argParser(integer(1)).default(1))
      .addOption(
        new Option("--critical-tol <t>", "critical point when ‖∇L‖ ≤ t·max|λ| (‖∇L‖/λmax: a distance in θ, so rescaling L changes nothing)")
          .argParser(real(0))
          .default(1e-6),
      )
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only)").argParser(integer(1)));
  },
  async run(options, io, given) {
    warnInapplicable(io, "spectrum", given, [
      // K-FAC is built from the same targets as the Fisher
      { key: "fisher", flag: "--fisher", applies: options.curvature === "fisher" || options.curvature === "kfac", when: "with --curvature fisher or kfac" },
      { key: "fisherSamples", flag: "--fisher-samples", applies: (options.curvature === "fisher" || options.curvature === "kfac") && options.fisher === "mc", when: "to Monte-Carlo targets (--curvature fisher or kfac, --fisher mc)" },
    ]);
    if (options.top + options.bottom === 0) throw new CliError("ask for at least one eigenvalue: --top or --bottom must be ≥ 1", EXIT.usage);
    const { model, risk } = await loadProblem(options);
    const p = model.theta.length;
    // a matrix has p eigenvalues: asking for more only makes Lanczos run to its product limit
    for (const end of ["top", "bottom"] as const) {
      if (options[end] > p) io.err(`spectrum: --${end} ${options[end]} exceeds the ${p} eigenvalues of a ${p}-parameter model; computing ${p}\n`);
    }
    const { value, grad } = riskValueAndGrad(risk, model.theta);
    const fisher: FisherDescription | null =
      options.curvature !== "fisher" ? null : options.fisher === "empirical" ? { type: "empirical" } : { type: "mc", samples_per_case: options.fisherSamples, seed: options.seed };
    const op = curvatureOperator(
      risk,
      model.theta,
      options.curvature,
      options.fisher === "empirical" ? { type: "empirical" } : { type: "mc", seed: options.seed, samples: options.fisherSamples },
    );
    const status = progress(io, "spectrum");
    const report = analyzeSpectrum(op, {
      top: Math.min(options.top, p),
      bottom: Math.min(options.bottom, p),
      classify: { gradientTolerance: options.criticalTol },
      method: options.method,
      traceProbes: options.traceProbes,
      densityProbes: options.densityProbes,
      seed: options.seed,
      gradientNorm: norm(grad),
      // Lanczos's phases (top, bottom) have an upper bound for a total, the others an exact count
      onProduct: (count, phase, total) =>
        status.update(`${phase}: ${count}${total === undefined ? "" : phase === "top" || phase === "bottom" ? ` of at most ${total}` : `/${total}`} products`),
    });
    status.done(`${report.products} products in ${report.seconds.toFixed(1)} s`);
    const entry = (p: { value: number; residual: number; zero: boolean }): Entry => ({ value: p.value, residual: p.residual, zero: p.zero });
    const c = report.classification;
    return {
      curvature: options.curvature,
      parameters: model.theta.length,
      method: report.method,
      top: report.top.map(entry),
      bottom: report.bottom.map(entry),
      lambda_min: report.lambdaMin,
      lambda_max: report.lambdaMax,
      resolution: report.resolution,
      converged: report.converged,
      trace:
        report.trace === null
          ? null
          : { estimate: report.trace.estimate, standard_error: report.trace.standardError, probes: report.trace.probes, exact: report.trace.exact },
      condition: { exact: report.condition.exact, reason: report.condition.reason },
      stable_learning_rate: report.lambdaMax !== null && report.lambdaMax > report.resolution ? 2 / report.lambdaMax : null,
      fisher,
      classification: {
        kind: c.kind,
        critical: c.critical,
        gradient_threshold: c.gradientThreshold,
        explanation: c.explanation,
        ...(c.negativeFraction === undefined ? {} : { negative_fraction: c.negativeFraction }),
      },
      gradient_norm: norm(grad),
      loss: value,
      products: report.products,
      seconds: report.seconds,
    };
  },
  format(r) {
    const rows = (title: string, list: readonly Entry[]): string[] =>
      list.length === 0
        ? []
        : [title, ...list.map((e, i) => `  ${String(i + 1).padStart(3)}  ${e.value.toExponential(8).padStart(16)}   residual ${e.residual.toExponential(2)}${e.zero ? "   (zero to tolerance)" : ""}`)];
    const c = r.condition;
    const condition = c.exact !== null ? c.exact.toPrecision(4) : c.reason.startsWith("singular") ? `∞ (${c.reason})` : c.reason;
    const which = r.fisher === null ? r.curvature : r.fisher.type === "empirical" ? "empirical Fisher" : `Monte-Carlo Fisher (${r.fisher.samples_per_case} sample${r.fisher.samples_per_case === 1 ? "" : "s"} per case, seed ${r.fisher.seed})`;
    return [
      `${which} of a ${r.parameters}-parameter model (loss ${r.loss.toPrecision(6)}, ‖∇L‖ ${r.gradient_norm.toExponential(3)}); ${r.method === "dense" ? "all eigenvalues from the dense matrix" : "Lanczos"}, resolution ${r.resolution.toExponential(1)}`,
      ...rows("largest eigenvalues:", r.top),
      ...rows("smallest eigenvalues:", r.bottom),
      ...(r.method === "dense" && r.bottom.length === 0 && r.lambda_min !== null ? [`smallest eigenvalue: ${r.lambda_min.toExponential(8)}`] : []),
      ...(r.trace === null ? [] : [r.trace.exact ? `trace = ${r.trace.estimate.toPrecision(6)} (exact)` : `trace ≈ ${r.trace.estimate.toPrecision(6)} ± ${r.trace.standard_error.toPrecision(2)} (${r.trace.probes} Hutchinson probes)`]),
      `condition: ${condition}`,
      ...(r.stable_learning_rate === null ? [] : [`gradient descent is stable on the quadratic model for learning rates < 2/λmax = ${r.stable_learning_rate.toPrecision(4)}`]),
      `class: ${r.classification.explanation}`,
      `${r.products} operator products, ${r.seconds.toFixed(2)} s${r.converged ? "" : " (NOT all eigenpairs converged: see residuals)"}`,
    ].join("\n");
  },
};
