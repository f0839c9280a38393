/** @file `hessian-lab spectrum`: extreme eigenvalues, trace, condition and critical-point class of a curvature matrix */
import { Option } from "commander";
import { analyzeSpectrum, curvatureOperator, CURVATURE_KINDS, norm, fusedRiskValueAndGrad, type CurvatureKind, type DType } from "../node.js";
import { choice, CliError, EXIT, integer, type CommandSpec } from "./command.js";
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
  readonly batchSize?: number;
}

interface Entry {
  readonly value: number;
  readonly residual: number;
}

/** The JSON of `spectrum --json` (DESIGN.md contract). */
export interface SpectrumResult {
  readonly curvature: CurvatureKind;
  readonly parameters: number;
  /** The largest eigenvalues, descending. */
  readonly top: readonly Entry[];
  /** The smallest eigenvalues, ascending. */
  readonly bottom: readonly Entry[];
  readonly converged: boolean;
  readonly trace: { readonly estimate: number; readonly standard_error: number; readonly probes: number } | null;
  readonly condition: { readonly exact: number | null; readonly damped: number | null; readonly damping: number };
  readonly classification: { readonly kind: string; readonly critical: boolean; readonly explanation: string; readonly negative_fraction?: number };
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
      .addOption(new Option("--seed <n>", "seed of the start and probe vectors").argParser(integer(0)).default(0))
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only)").argParser(integer(1)));
  },
  async run(options, io) {
    if (options.top + options.bottom === 0) throw new CliError("ask for at least one eigenvalue: --top or --bottom must be ≥ 1", EXIT.usage);
    const { model, risk } = await loadProblem(options);
    const { value, grad } = fusedRiskValueAndGrad(risk, model.theta);
    const op = curvatureOperator(risk, model.theta, options.curvature);
    const status = progress(io, "spectrum");
    const report = analyzeSpectrum(op, {
      top: options.top,
      bottom: options.bottom,
      traceProbes: options.traceProbes,
      densityProbes: options.densityProbes,
      seed: options.seed,
      gradientNorm: norm(grad),
      onProduct: (count, phase) => status.update(`${phase}: ${count} products`),
    });
    status.done(`${report.products} products in ${report.seconds.toFixed(1)} s`);
    const entry = (p: { value: number; residual: number }): Entry => ({ value: p.value, residual: p.residual });
    const c = report.classification;
    return {
      curvature: options.curvature,
      parameters: model.theta.length,
      top: report.top.map(entry),
      bottom: report.bottom.map(entry),
      converged: report.converged,
      trace: report.trace === null ? null : { estimate: report.trace.estimate, standard_error: report.trace.standardError, probes: report.trace.probes },
      condition: report.condition,
      classification: {
        kind: c.kind,
        critical: c.critical,
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
      list.length === 0 ? [] : [title, ...list.map((e, i) => `  ${String(i + 1).padStart(3)}  ${e.value.toExponential(8).padStart(16)}   residual ${e.residual.toExponential(2)}`)];
    return [
      `${r.curvature} of a ${r.parameters}-parameter model (loss ${r.loss.toPrecision(6)}, ‖∇L‖ ${r.gradient_norm.toExponential(3)})`,
      ...rows("largest eigenvalues:", r.top),
      ...rows("smallest eigenvalues:", r.bottom),
      ...(r.trace === null ? [] : [`trace ≈ ${r.trace.estimate.toPrecision(6)} ± ${r.trace.standard_error.toPrecision(2)} (${r.trace.probes} Hutchinson probes)`]),
      `condition: ${r.condition.exact === null ? "not positive definite" : r.condition.exact.toPrecision(4)}; damped (δ=${r.condition.damping.toExponential(2)}): ${r.condition.damped === null ? "n/a" : r.condition.damped.toPrecision(4)}`,
      `class: ${r.classification.explanation}`,
      `${r.products} operator products, ${r.seconds.toFixed(2)} s${r.converged ? "" : " (NOT all eigenpairs converged: see residuals)"}`,
    ].join("\n");
  },
};
