/** @file the demo's report: its data record, the charts made from it, and a self-contained HTML page */
import {
  densityChart,
  eigenvalueChart,
  landscape2dChart,
  lineChart,
  renderChart,
  type ConditionNumber,
  type CriticalPointKind,
  type OptimizerInfo,
} from "../node.js";

/** One evaluation point of a training run (whole training and test sets, outside the timed loop). */
export interface RunPoint {
  readonly seconds: number;
  readonly epoch: number;
  readonly iteration: number;
  readonly trainLoss: number;
  readonly testLoss: number;
  /** Martens' metric: squared error summed over pixels, averaged over cases. */
  readonly trainError: number;
  readonly testError: number;
}

/** One optimizer's run. */
export interface OptimizerRun {
  readonly optimizer: string;
  readonly label: string;
  readonly iterations: number;
  readonly points: readonly RunPoint[];
  readonly info: OptimizerInfo;
}

/** One curvature analysis (Lanczos + Hutchinson (+ SLQ density)). */
export interface SpectrumSummary {
  readonly label: string;
  readonly curvature: "ggn" | "hessian";
  readonly top: readonly { readonly value: number; readonly residual: number }[];
  readonly bottom: readonly { readonly value: number; readonly residual: number }[];
  readonly trace: { readonly estimate: number; readonly standardError: number; readonly probes: number } | null;
  readonly classification: string;
  readonly kind: CriticalPointKind;
  readonly condition: ConditionNumber;
  readonly products: number;
  readonly seconds: number;
  readonly converged: boolean;
  readonly density?: {
    readonly grid: number[];
    readonly density: number[];
    readonly standardError: number[];
    readonly sigma: number;
    readonly negativeFraction: { readonly estimate: number; readonly standardError: number; readonly interval: readonly [number, number] };
  };
}

/** Everything the demo measured: written as report.json, rendered as index.html. */
export interface DemoReport {
  readonly title: string;
  readonly created: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
  readonly data: { readonly name: string; readonly train: number; readonly test: number; readonly analysis: number };
  readonly network: { readonly sizes: readonly number[]; readonly activations: readonly string[]; readonly loss: string; readonly parameters: number };
  readonly secondsPerOptimizer: number;
  readonly runs: readonly OptimizerRun[];
  readonly spectra: readonly SpectrumSummary[];
  readonly landscape: { readonly alphas: number[]; readonly betas: number[]; readonly loss: number[]; readonly quadratic: number[]; readonly eigenvalues: readonly number[] };
  readonly reconstructionsPng: string;
  readonly totalSeconds: number;
  /** Where index.html was written. */
  readonly reportPath: string;
}

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(digits - 1) : x.toPrecision(digits)) : String(x));

/** κ, or why there is none: ∞ for a singular matrix, "indefinite", "not computed" without λmin. */
function conditionLabel(c: ConditionNumber): string {
  if (c.exact !== null) return fmt(c.exact);
  const [head] = c.reason.split(":");
  return head === "singular" ? `∞ <span class="note">(singular)</span>` : `<span class="note">${escape(head ?? c.reason)}</span>`;
}

/** Renders the charts (SVG inline, PNG files beside) and returns the files plus the page builder. */
export async function renderDemoReport(report: DemoReport, reconstructions: Uint8Array): Promise<{ files: Map<string, Uint8Array>; html: (r: DemoReport) => string }> {
  const series = (x: (p: RunPoint) => number, y: (p: RunPoint) => number) =>
    report.runs.map((run) => ({ name: run.label, x: run.points.map(x), y: run.points.map(y) }));
  const charts = {
    lossTime: lineChart({ title: "Training error against time", subtitle: "squared error per case, whole training set", series: series((p) => p.seconds, (p) => p.trainError), xLabel: "seconds", yLabel: "squared error per case", logY: true }),
    lossEpoch: lineChart({ title: "Training error against epochs", series: series((p) => p.epoch, (p) => p.trainError), xLabel: "epochs (cases seen / N)", yLabel: "squared error per case", logY: true }),
    testTime: lineChart({ title: "Test error against time", series: series((p) => p.seconds, (p) => p.testError), xLabel: "seconds", yLabel: "squared error per case", logY: true }),
    eigen: eigenvalueChart({
      title: "Largest eigenvalues of the GGN and the Hessian",
      subtitle: "before and after HF training (Lanczos, true residuals below)",
      series: report.spectra.map((s) => ({ name: s.label, values: s.top.map((e) => e.value) })),
      scale: "symlog",
    }),
    ...(report.spectra.some((s) => s.density !== undefined)
      ? {
          density: densityChart({
            title: "Hessian spectral density after training",
            subtitle: "stochastic Lanczos quadrature, band = ±1 standard error over probes",
            series: report.spectra.filter((s) => s.density !== undefined).map((s) => ({ name: s.label, grid: s.density!.grid, density: s.density!.density, stderr: s.density!.standardError })),
            logY: true,
            // a hundredth of one eigenvalue's smoothed bump (mass 1/p), so the outliers stay visible
            floor: 0.01 / (report.network.parameters * Math.min(...report.spectra.flatMap((s) => (s.density === undefined ? [] : [s.density.sigma]))) * Math.sqrt(2 * Math.PI)),
          }),
        }
      : {}),
    landscape: landscape2dChart({
      title: "Loss along the top two Hessian eigenvectors",
      subtitle: "filled: L(θ + αq₁ + βq₂); dashed: the quadratic model L + gᵀδ + ½δᵀHδ",
      alphas: report.landscape.alphas,
      betas: report.landscape.betas,
      loss: report.landscape.loss,
      quadratic: report.landscape.quadratic,
      xLabel: "α (along q₁)",
      yLabel: "β (along q₂)",
    }),
  };
  const files = new Map<string, Uint8Array>([[report.reconstructionsPng, reconstructions]]);
  const svgs = new Map<string, string>();
  for (const [name, chart] of Object.entries(charts)) {
    const r = await renderChart(chart);
    svgs.set(name, r.svg);
    files.set(`${name}.svg`, new TextEncoder().encode(r.svg));
    files.set(`${name}.png`, r.png);
  }
  const pngBase64 = Buffer.from(reconstructions).toString("base64");
  const figure = (name: string, caption: string): string =>
    svgs.has(name) ? `<figure>${svgs.get(name)!}<figcaption>${caption} (<a href="${name}.png">PNG</a>, <a href="${name}.svg">SVG</a>)</figcaption></figure>` : "";
  const html = (r: DemoReport): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(r.title)}</title>
<style>
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0}td,th{padding:.3em .7em;border-bottom:1px solid #eee;text-align:right}th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}figcaption{font-size:.85em;color:#555}
.note{color:#555;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}
</style></head><body>
<h1>${escape(r.title)}</h1>
<p>A deep autoencoder (${r.network.sizes.join("–")}, ${r.network.activations.filter((a) => a === "sigmoid").length} logistic hidden layers, a linear code layer, logistic outputs with cross-entropy; ${r.network.parameters.toLocaleString("en")} parameters) trained on ${r.data.train.toLocaleString("en")} real MNIST digits, with ${r.data.test} held out. Each optimizer started from the same Martens sparse initialization and had <b>${r.secondsPerOptimizer} s</b> of wall-clock time. Errors are Martens' (2010) metric: squared error summed over the 784 pixels, averaged over cases (evaluated outside the timed loop).</p>
<p class="note">Machine: ${escape(r.machine.cpu)}, ${r.machine.cores} cores, Node ${escape(r.machine.node)}. Report made ${escape(r.created)} in ${r.totalSeconds.toFixed(0)} s.</p>

<h2>1. Training: Hessian-free against first-order methods</h2>
<table><tr><th>optimizer</th><th>iterations</th><th>epochs</th><th>train error</th><th>test error</th><th>train loss (BCE, mean)</th></tr>
${r.runs
  .map((run) => {
    const last = run.points.at(-1)!;
    return `<tr><td>${escape(run.label)}</td><td>${run.iterations}</td><td>${fmt(last.epoch, 3)}</td><td>${fmt(last.trainError)}</td><td>${fmt(last.testError)}</td><td>${fmt(last.trainLoss)}</td></tr>`;
  })
  .join("\n")}
</table>
${figure("lossTime", "Whole-training-set error against wall-clock time")}
${figure("lossEpoch", "The same against epochs: HF uses each case far more thoroughly")}
${figure("testTime", "Held-out error against time")}
<p class="note">HF solves (G + λI)p = −∇L by conjugate gradient with Gauss–Newton products only (Martens 2010): Levenberg–Marquardt damping from the reduction ratio ρ, Martens' relative-progress stopping rule, CG backtracking, the diagonal preconditioner and warm starts. Last HF iteration: ${escape(Object.entries(r.runs.find((x) => x.optimizer === "hf")?.info ?? {}).map(([k, v]) => `${k} = ${typeof v === "number" ? fmt(v, 3) : String(v)}`).join(", "))}.</p>

<h2>2. Reconstructions</h2>
<figure><img src="data:image/png;base64,${pngBase64}" alt="original digits and their reconstructions"><figcaption>Top row: held-out originals; below: reconstructions by ${r.runs.map((x) => escape(x.label)).join(", ")} (<a href="${r.reconstructionsPng}">PNG</a>)</figcaption></figure>

<h2>3. Curvature: H = QΛQᵀ before and after training</h2>
<p>Measured on ${r.data.analysis} training digits in float64: the Gauss–Newton matrix G = JᵀH<sub>ℓ</sub>J (positive semi-definite by construction) and the true Hessian H (indefinite in general), both as matrix-free products. Eigenpairs come from Lanczos with full reorthogonalization; every value is listed with its true residual ‖Mq − λq‖.</p>
<table><tr><th>matrix</th><th>λ₁ … λ₅ (residual)</th><th>smallest</th><th>trace (Hutchinson)</th><th>condition</th><th>class</th><th>products</th></tr>
${r.spectra
  .map(
    (s) => `<tr><td>${escape(s.label)}</td><td>${s.top.map((e) => `${fmt(e.value)} <span class="note">(${e.residual.toExponential(1)})</span>`).join("<br>")}</td><td>${s.bottom.map((e) => fmt(e.value)).join("<br>") || "—"}</td><td>${s.trace === null ? "—" : `${fmt(s.trace.estimate)} ± ${fmt(s.trace.standardError, 2)}`}</td><td>${conditionLabel(s.condition)}</td><td>${escape(s.kind)}</td><td>${s.products}</td></tr>`,
  )
  .join("\n")}
</table>
<ul>${r.spectra.map((s) => `<li><b>${escape(s.label)}</b>: ${escape(s.classification)}.${s.density === undefined ? "" : ` Fraction of negative eigenvalues between ${fmt(s.density.negativeFraction.interval[0], 3)} and ${fmt(s.density.negativeFraction.interval[1], 3)} (Gauss-quadrature bounds ± 2 standard errors; point estimate ${fmt(s.density.negativeFraction.estimate, 3)}).`}</li>`).join("\n")}</ul>
${figure("eigen", "Top eigenvalues (signed log scale)")}
${figure("density", "Spectral density of the Hessian")}

<h2>4. The loss landscape and the quadratic model</h2>
<p>L(θ + αq₁ + βq₂) along the two largest-curvature directions of the Hessian after training${r.landscape.eigenvalues.length > 0 ? ` (λ = ${r.landscape.eigenvalues.map((v) => fmt(v)).join(", ")})` : ""}, with the second-order Taylor model — the quadratic form the report builds Newton's method on — overlaid.</p>
${figure("landscape", "2-D slice with the quadratic model")}

<h2>5. Reproduce</h2>
<p><code>npm ci &amp;&amp; npm start</code> reruns this report; <code>npx hessian-lab demo --full --seconds 600</code> uses Martens' full 784-1000-500-250-30 autoencoder. The numbers behind every chart are in <a href="report.json">report.json</a>.</p>
</body></html>
`;
  return { files, html };
}
