/** @file the compute worker: answers each request with its id, so the page can drop answers it no longer wants */
import { compute } from "./compute.js";
import type { RequestMessage, ResponseMessage } from "./protocol.js";

// A dedicated worker's global scope, typed by hand: the WebWorker lib cannot sit beside DOM in one program
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<RequestMessage>) => void) | null;
  postMessage(message: ResponseMessage): void;
};

scope.onmessage = (event) => {
  const { id, request } = event.data;
  try {
    scope.postMessage({ id, result: compute(request) });
  } catch (e) {
    scope.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
