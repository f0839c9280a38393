/** @file the Hessian explorer's entry: reads the URL, starts the compute worker, mounts the views, keeps the URL in step */
import { ComputeClient } from "./computeClient.js";
import { LabPage } from "./labPage.js";
import { parseState, serializeState, type AppState, type ViewName } from "./urlState.js";

const client = new ComputeClient(() => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }));

function writeUrl(s: AppState): void {
  // replaceState, not pushState: a drag would otherwise fill the history with hundreds of entries
  history.replaceState(null, "", serializeState(s));
}

const lab = new LabPage(client, parseState(location.search), writeUrl);

function showView(view: ViewName): void {
  for (const name of ["lab", "race"] as const) {
    const section = document.getElementById(name);
    if (section !== null) section.hidden = name !== view;
    document.getElementById(`tab-${name}`)?.setAttribute("aria-pressed", String(name === view));
  }
}

showView(lab.current.view);
writeUrl(lab.current);
