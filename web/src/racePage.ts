/** @file the optimizer race's page controller: knobs and start point → one race request → paths, chart, legend and playback */
import type { ComputeClient } from "./computeClient.js";
import { labFunction } from "./functions.js";
import { formatNumber } from "./format.js";
import type { FieldResult, RaceAnswer } from "./protocol.js";
import { drawChart, drawRace, RACER_COLORS } from "./raceCanvas.js";
import { RACE_ITERATIONS, RACER_LABELS, type RaceResult } from "./raceModel.js";
import { byId, setupCanvas } from "./dom.js";
import type { AppState } from "./urlState.js";
import { fromCanvas, roundToBox } from "./viewport.js";

const SIZE = 560;
const CHART = { width: 420, height: 260 } as const;
const GRID = 180;

/** The race view: shares the function and point with the lab through the app state. */
export class RacePage {
  private state: AppState;
  private field: FieldResult | null = null;
  private fieldKey = "";
  private race: RaceResult | null = null;
  private k = RACE_ITERATIONS;
  private timer: number | null = null;
  private readonly ctx = setupCanvas(byId("race-plot", HTMLCanvasElement), SIZE, SIZE);
  private readonly chart = setupCanvas(byId("race-chart", HTMLCanvasElement), CHART.width, CHART.height);

  constructor(
    private readonly client: ComputeClient,
    initial: AppState,
    private readonly onChange: (s: AppState) => void,
  ) {
    this.state = initial;
    this.wire();
  }

  /** Takes the app's state (the lab may have moved the point) and recomputes if the view is shown. */
  setState(s: AppState): void {
    this.state = s;
    if (s.view === "race") this.refresh();
  }

  private update(next: Partial<AppState>): void {
    this.state = { ...this.state, ...next };
    this.onChange(this.state);
    this.refresh();
  }

  private wire(): void {
    const lr = byId("lr", HTMLInputElement);
    lr.addEventListener("input", () => this.update({ race: { ...this.state.race, learningRate: Number((10 ** Number(lr.value)).toPrecision(3)) } }));
    const lam = byId("lam", HTMLInputElement);
    lam.addEventListener("input", () => this.update({ race: { ...this.state.race, newtonDamping: Number(lam.value) } }));
    const k = byId("k", HTMLInputElement);
    k.addEventListener("input", () => {
      this.stop();
      this.k = Number(k.value);
      this.draw();
    });
    byId("play", HTMLButtonElement).addEventListener("click", () => (this.timer === null ? this.play() : this.stop()));
    byId("step", HTMLButtonElement).addEventListener("click", () => {
      this.stop();
      this.k = Math.min(RACE_ITERATIONS, this.k + 1);
      this.draw();
    });
    const canvas = byId("race-plot", HTMLCanvasElement);
    const move = (e: PointerEvent): void => {
      const rect = canvas.getBoundingClientRect();
      const box = labFunction(this.state.fn, this.state.quadratic).box;
      const [x, y] = fromCanvas(box, SIZE, [((e.clientX - rect.left) / rect.width) * SIZE, ((e.clientY - rect.top) / rect.height) * SIZE]);
      this.update({ x: roundToBox(box, x), y: roundToBox(box, y) });
    };
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      move(e);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (canvas.hasPointerCapture(e.pointerId)) move(e);
    });
  }

  private play(): void {
    if (this.k >= RACE_ITERATIONS) this.k = 0;
    byId("play", HTMLButtonElement).textContent = "Pause";
    this.timer = window.setInterval(() => {
      this.k += 1;
      if (this.k >= RACE_ITERATIONS) this.stop();
      this.draw();
    }, 40);
  }

  private stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    byId("play", HTMLButtonElement).textContent = "Play";
  }

  private refresh(): void {
    const s = this.state;
    byId("race-fn", HTMLElement).textContent = `${s.fn} from (${formatNumber(s.x, 5)}, ${formatNumber(s.y, 5)})`;
    byId("lr", HTMLInputElement).value = String(Math.log10(s.race.learningRate));
    byId("lr-out", HTMLOutputElement).value = String(s.race.learningRate);
    byId("lam", HTMLInputElement).value = String(s.race.newtonDamping);
    byId("lam-out", HTMLOutputElement).value = String(s.race.newtonDamping);
    const query = { fn: s.fn, quadratic: s.quadratic, x: s.x, y: s.y };
    const key = `${s.fn}|${s.quadratic.lambda1}|${s.quadratic.lambda2}|${s.quadratic.angleDeg}`;
    if (key !== this.fieldKey) {
      this.fieldKey = key;
      this.field = null;
      void this.client.request<FieldResult>("race-field", { kind: "field", query, n: GRID }).then((o) => {
        if (o.ok) this.field = o.result;
        this.draw();
      });
    }
    byId("race-status", HTMLElement).textContent = "Racing …";
    void this.client.request<RaceAnswer>("race", { kind: "race", query, options: { ...s.race, iterations: RACE_ITERATIONS } }).then((o) => {
      if (!o.ok) {
        if (o.reason === "error") byId("race-status", HTMLElement).textContent = `The race failed: ${o.message}`;
        return;
      }
      this.race = o.result.race;
      byId("race-status", HTMLElement).textContent = "";
      this.legend(o.result.race);
      this.draw();
    });
  }

  private legend(race: RaceResult): void {
    const mark = Number.isFinite(race.stableStep)
      ? `2/λmax = ${formatNumber(race.stableStep, 4)} at the start (λmax = ${formatNumber(race.lambdaMax, 5)}): gradient descent on the local quadratic diverges above it${this.state.race.learningRate > race.stableStep ? " — η is above it now" : ""}.`
      : "λmax ≤ 0 at the start: no step size is unstable on the local quadratic.";
    byId("lr-mark", HTMLElement).textContent = mark;
    const rows = byId("race-rows", HTMLElement);
    rows.replaceChildren(
      ...race.racers.map((r) => {
        const tr = document.createElement("tr");
        const name = document.createElement("td");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = RACER_COLORS[r.name];
        name.append(swatch, RACER_LABELS[r.name]);
        const cells = [String(r.path.length - 1), formatNumber(r.values.at(-1) ?? NaN, 6), r.stop].map((text, i) => {
          const td = document.createElement("td");
          td.textContent = text;
          if (i < 2) td.className = "num";
          return td;
        });
        tr.dataset["racer"] = r.name;
        tr.append(name, ...cells);
        return tr;
      }),
    );
  }

  private draw(): void {
    const s = this.state;
    byId("k", HTMLInputElement).value = String(this.k);
    byId("k-out", HTMLOutputElement).value = String(this.k);
    drawRace(this.ctx, SIZE, labFunction(s.fn, s.quadratic).box, this.field?.lines ?? [], this.race, [s.x, s.y], this.k);
    drawChart(this.chart, CHART.width, CHART.height, this.race, this.k, RACE_ITERATIONS);
  }
}
