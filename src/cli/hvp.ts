/** @file `hessian-lab hvp`: one curvature-vector product, written as a model-shaped vector file */
import { Option } from "commander";
import { curvatureOperator, CURVATURE_KINDS, norm, readVector, writeVector, type CurvatureKind, type DType } from "../node.js";
import { choice, integer, seed, warnInapplicable, type CommandSpec } from "./command.js";
import { loadProblem } from "./inputs.js";
import { checkOutputs, requireFinite, writeOutput } from "./outputs.js";

interface HvpOptions {
  readonly model: string;
  readonly data: string;
  readonly vector: string;
  readonly curvature: CurvatureKind;
  readonly dtype: DType;
  readonly out: string;
  readonly fisher: "mc" | "empirical";
  readonly seed: number;
  readonly batchSize?: number;
}

/** What hvp reports (the product itself goes to --out). */
export interface HvpResult {
  readonly out: string;
  readonly curvature: CurvatureKind;
  readonly dtype: DType;
  readonly parameters: number;
  readonly vector_norm: number;
  readonly product_norm: number;
  /** vᵀMv / vᵀv: the curvature along v. */
  readonly rayleigh_quotient: number;
  readonly seconds: number;
}

export const hvpCommand: CommandSpec<HvpOptions, HvpResult> = {
  name: "hvp",
  summary: "multiply a vector by the Hessian, GGN, Fisher or K-FAC without forming the matrix",
  examples: [
    "hessian-lab hvp --model net.safetensors --data data.safetensors --vector v.safetensors --curvature hessian --out hv.safetensors",
    "hessian-lab hvp --model net.safetensors --data data.safetensors --vector v.safetensors --curvature ggn --dtype float32 --out gv.safetensors",
  ],
  configure(cmd) {
    cmd
      .requiredOption("--model <file>", "model file (safetensors)")
      .requiredOption("--data <file>", "data file (safetensors)")
      .requiredOption("--vector <file>", "model-shaped vector file")
      .addOption(new Option("--curvature <kind>", "curvature matrix").argParser(choice(CURVATURE_KINDS)).makeOptionMandatory())
      .requiredOption("--out <file>", "where to write the product (model-shaped vector file)")
      .addOption(new Option("--dtype <dtype>", "compute and output dtype").argParser(choice(["float32", "float64"] as const)).default("float64"))
      .addOption(new Option("--fisher <type>", "Fisher (and K-FAC) targets: Monte-Carlo (true) or empirical").argParser(choice(["mc", "empirical"] as const)).default("mc"))
      .addOption(new Option("--seed <n>", "seed of the Monte-Carlo Fisher (and K-FAC) targets").argParser(seed).default(0))
      .addOption(new Option("--batch-size <n>", "rows per chunk (memory only)").argParser(integer(1)));
  },
  async run(options, io, given) {
    warnInapplicable(io, "hvp", given, [
      // K-FAC is built from the same targets as the Fisher
      { key: "fisher", flag: "--fisher", applies: options.curvature === "fisher" || options.curvature === "kfac", when: "with --curvature fisher or kfac" },
      { key: "seed", flag: "--seed", applies: (options.curvature === "fisher" || options.curvature === "kfac") && options.fisher === "mc", when: "to Monte-Carlo targets (--curvature fisher or kfac, --fisher mc)" },
    ]);
    const inputs = [options.model, options.data, options.vector];
    await checkOutputs([options.out], inputs);
    const { model, risk } = await loadProblem(options);
    const v = await readVector(options.vector, model.network);
    const start = performance.now();
    const op = curvatureOperator(risk, model.theta, options.curvature, { type: options.fisher, seed: options.seed });
    const product = op.matvec(v);
    const seconds = (performance.now() - start) / 1000;
    requireFinite(product, options.dtype, "the product");
    await writeOutput(options.out, inputs, () => writeVector(options.out, model.network, product, options.dtype));
    const vv = norm(v);
    let vMv = 0;
    for (let i = 0; i < v.length; i++) vMv += v[i]! * product[i]!;
    return {
      out: options.out,
      curvature: options.curvature,
      dtype: options.dtype,
      parameters: v.length,
      vector_norm: vv,
      product_norm: norm(product),
      rayleigh_quotient: vv === 0 ? 0 : vMv / (vv * vv),
      seconds,
    };
  },
  format(r) {
    return `wrote ${r.out}: ${r.curvature}·v over ${r.parameters} parameters (${r.dtype}), ‖v‖ = ${r.vector_norm}, ‖Mv‖ = ${r.product_norm}, vᵀMv/vᵀv = ${r.rayleigh_quotient}, ${r.seconds.toFixed(3)} s`;
  },
};
