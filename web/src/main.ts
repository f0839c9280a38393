/** @file the Hessian explorer's entry: reads the URL, starts the compute worker, mounts the views, keeps the URL in step */
import { ComputeClient } from "./computeClient.js";
import { LabPage } from "./labPage.js";
import { RacePage } from "./racePage.js";
import { parseState, serializeState, type AppState, type ViewName } from "./urlState.js";

const client = new ComputeClient(() => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }));
let state = parseState(location.search);

function changed(s: AppState): void {
  state = s;
  // replaceState, not pushState: a drag would otherwise fill the history with hundreds of entries
  history.replaceState(null, "", serializeState(s));
}

const lab = new LabPage(client, state, changed);
const race = new RacePage(client, state, changed);

function showView(view: ViewName): void {
  for (const name of ["lab", "race"] as const) {
    const section = document.getElementById(name);
    if (section !== null) section.hidden = name !== view;
    document.getElementById(`tab-${name}`)?.setAttribute("aria-pressed", String(name === view));
  }
  changed({ ...state, view });
  // each view picks up what the other changed (function, point) when it is shown
  if (view === "race") race.setState(state);
  else lab.setState(state);
}

document.getElementById("tab-lab")?.addEventListener("click", () => showView("lab"));
document.getElementById("tab-race")?.addEventListener("click", () => showView("race"));
showView(state.view);
