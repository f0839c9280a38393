/** @file the Function lab's page controller: controls → state → worker requests → canvas and readouts */
import type { ComputeClient } from "./computeClient.js";
import type { ContourLine } from "./contours.js";
import { isFunctionName, labFunction } from "./functions.js";
import { byId, setupCanvas } from "./dom.js";
import { drawLab } from "./labCanvas.js";
import type { LabQuery, PointAnalysis } from "./labModel.js";
import type { CriticalResult, FieldResult, PointResult } from "./protocol.js";
import { labReadout } from "./readout.js";
import { QUADRATIC_RANGES, type AppState } from "./urlState.js";
import { fromCanvas, roundToBox } from "./viewport.js";

/** Canvas side in CSS pixels, and the contour grid's resolution. */
const SIZE = 560;
const GRID = 180;


/** The lab: owns its controls and canvas, and reports every state change (for the URL). */
export class LabPage {
  private state: AppState;
  private field: FieldResult | null = null;
  private fieldKey = "";
  private taylor: readonly ContourLine[] = [];
  private analysis: PointAnalysis | null = null;
  /** The query `analysis` answers: only drawn while it is still the current point. */
  private analysisKey = "";
  private path: readonly (readonly [number, number])[] = [];
  private readonly canvas = byId("plot", HTMLCanvasElement);
  private readonly ctx = setupCanvas(this.canvas, SIZE, SIZE);
  private readonly status = byId("status", HTMLParagraphElement);

  constructor(
    private readonly client: ComputeClient,
    initial: AppState,
    private readonly onChange: (s: AppState) => void,
  ) {
    this.state = initial;
    this.wireControls();
    this.syncControls();
    this.refresh();
  }

  /** The current state. */
  get current(): AppState {
    return this.state;
  }

  /** Takes the app's state (the race may have moved the point) and redraws. */
  setState(s: AppState): void {
    this.state = s;
    this.path = [];
    this.syncControls();
    this.refresh();
  }

  private query(): LabQuery {
    return { fn: this.state.fn, quadratic: this.state.quadratic, x: this.state.x, y: this.state.y };
  }

  private update(next: Partial<AppState>, clearPath = true): void {
    this.state = { ...this.state, ...next };
    if (clearPath) this.path = [];
    this.syncControls();
    this.onChange(this.state);
    this.refresh();
  }

  private wireControls(): void {
    const fn = byId("fn", HTMLSelectElement);
    fn.addEventListener("change", () => {
      const name = fn.value;
      if (!isFunctionName(name)) return;
      const start = labFunction(name, this.state.quadratic).start;
      this.update({ fn: name, x: start[0], y: start[1] });
    });
    for (const [id, key] of [["l1", "lambda1"], ["l2", "lambda2"], ["theta", "angleDeg"]] as const) {
      const input = byId(id, HTMLInputElement);
      const r = QUADRATIC_RANGES[key];
      input.min = String(r.min);
      input.max = String(r.max);
      input.step = String(r.step);
      input.addEventListener("input", () => this.update({ quadratic: { ...this.state.quadratic, [key]: Number(input.value) } }));
    }
    for (const id of ["x", "y"] as const) {
      const input = byId(id, HTMLInputElement);
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value.trim() !== "" && Number.isFinite(v)) this.update({ [id]: v });
      });
    }
    byId("find", HTMLButtonElement).addEventListener("click", () => void this.findCritical());
    byId("cancel", HTMLButtonElement).addEventListener("click", () => {
      this.client.cancel();
      this.setBusy(false);
      this.say("Cancelled.");
      // cancel dropped every pending request, including the contours: ask again
      this.fieldKey = "";
      this.refresh();
    });
    const move = (e: PointerEvent): void => {
      const rect = this.canvas.getBoundingClientRect();
      const box = labFunction(this.state.fn, this.state.quadratic).box;
      const [x, y] = fromCanvas(box, SIZE, [((e.clientX - rect.left) / rect.width) * SIZE, ((e.clientY - rect.top) / rect.height) * SIZE]);
      this.update({ x: roundToBox(box, x), y: roundToBox(box, y) });
    };
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      this.canvas.focus();
      move(e);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.canvas.hasPointerCapture(e.pointerId)) move(e);
    });
    this.canvas.addEventListener("keydown", (e) => {
      const steps: Record<string, readonly [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      const d = steps[e.key];
      if (d === undefined) return;
      e.preventDefault();
      const box = labFunction(this.state.fn, this.state.quadratic).box;
      const h = ((box.x[1] - box.x[0]) / 100) * (e.shiftKey ? 0.1 : 1);
      this.update({ x: roundToBox(box, this.state.x + d[0] * h), y: roundToBox(box, this.state.y + d[1] * h) });
    });
  }

  private syncControls(): void {
    const s = this.state;
    byId("fn", HTMLSelectElement).value = s.fn;
    byId("quadratic-controls", HTMLFieldSetElement).hidden = s.fn !== "quadratic";
    for (const [id, key] of [["l1", "lambda1"], ["l2", "lambda2"], ["theta", "angleDeg"]] as const) {
      byId(id, HTMLInputElement).value = String(s.quadratic[key]);
      byId(`${id}-out`, HTMLOutputElement).value = String(s.quadratic[key]);
    }
    for (const id of ["x", "y"] as const) {
      const input = byId(id, HTMLInputElement);
      if (document.activeElement !== input) input.value = String(s[id]);
    }
    byId("formula", HTMLSpanElement).textContent = labFunction(s.fn, s.quadratic).formula;
  }

  private refresh(): void {
    const q = this.query();
    const key = `${q.fn}|${q.quadratic.lambda1}|${q.quadratic.lambda2}|${q.quadratic.angleDeg}`;
    if (key !== this.fieldKey) {
      this.fieldKey = key;
      this.field = null;
      void this.client.request<FieldResult>("field", { kind: "field", query: q, n: GRID }).then((o) => {
        if (!o.ok) {
          if (o.reason === "error") this.say(`Contours failed: ${o.message}`, true);
          return;
        }
        this.field = o.result;
        this.requestPoint();
      });
    } else if (this.field !== null) {
      this.requestPoint();
    }
    this.draw();
  }

  private requestPoint(): void {
    if (this.field === null) return;
    const q = this.query();
    void this.client.request<PointResult>("point", { kind: "point", query: q, n: GRID, levels: this.field.levels }).then((o) => {
      if (!o.ok) {
        if (o.reason === "error") this.say(`Analysis failed: ${o.message}`, true);
        return;
      }
      this.analysis = o.result.analysis;
      this.analysisKey = JSON.stringify(q);
      this.taylor = o.result.taylor;
      this.show(o.result.analysis);
      this.draw();
    });
  }

  private async findCritical(): Promise<void> {
    this.setBusy(true);
    this.say("Newton on ½‖∇f‖² …");
    const o = await this.client.request<CriticalResult>("critical", { kind: "critical", query: this.query() });
    this.setBusy(false);
    if (!o.ok) {
      if (o.reason === "error") this.say(`The search failed: ${o.message}`, true);
      return;
    }
    const s = o.result.search;
    const verdict = {
      converged: "found a critical point",
      stalled: "stalled at a local minimum of ‖∇f‖² that is not a critical point",
      maxIter: "stopped after its iteration limit",
    }[s.stop];
    this.say(`Newton ${verdict} after ${s.iterations} steps (‖∇f‖ = ${s.gradientNorm.toExponential(2)}).`, s.stop !== "converged");
    this.update({ x: s.point[0], y: s.point[1] }, false);
    this.path = s.path;
    this.draw();
  }

  private setBusy(busy: boolean): void {
    byId("find", HTMLButtonElement).disabled = busy;
    byId("cancel", HTMLButtonElement).disabled = !busy;
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
  }

  private show(a: PointAnalysis): void {
    const r = labReadout(a);
    byId("value", HTMLElement).textContent = r.value;
    byId("gradient", HTMLElement).textContent = r.gradient;
    byId("gradient-norm", HTMLElement).textContent = r.gradientNorm;
    byId("criticality", HTMLElement).textContent = r.criticality;
    byId("eigenvalues", HTMLElement).textContent = r.eigenvalues;
    byId("classification", HTMLElement).textContent = r.classification;
    byId("curvature-note", HTMLElement).textContent = r.curvatureNote;
    byId("explanation", HTMLElement).textContent = r.explanation;
    for (const [id, rows] of [["hessian", r.hessian], ["q", r.q]] as const) {
      const cells = byId(id, HTMLTableElement).querySelectorAll("td");
      rows.flat().forEach((text, i) => {
        const cell = cells[i];
        if (cell !== undefined) cell.textContent = text;
      });
    }
  }

  private draw(): void {
    const box = labFunction(this.state.fn, this.state.quadratic).box;
    // an analysis of another point is stale: draw the point alone until its own arrives
    const current = this.analysisKey === JSON.stringify(this.query());
    const a = current ? this.analysis : null;
    drawLab(this.ctx, SIZE, {
      box,
      lines: this.field?.lines ?? [],
      taylor: current ? this.taylor : [],
      point: [this.state.x, this.state.y],
      analysis: a,
      path: this.path,
    });
  }
}
