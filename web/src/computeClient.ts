/** @file the page's side of the worker: one pending request per channel, stale answers dropped, cancel by restarting the worker */
import type { ComputeRequest, ComputeResult, ResponseMessage } from "./protocol.js";

/** What a request settles to: the answer, or "superseded" when a newer request on its channel (or cancel) replaced it. */
export type Outcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly reason: "superseded" | "error"; readonly message: string };

interface Pending {
  readonly resolve: (o: Outcome<ComputeResult>) => void;
}

/**
 * Talks to a compute worker. Each channel ("field", "point", "critical") has at most one request that
 * counts: a newer one supersedes it, and its answer, when it comes, is dropped by id. A drag sends many
 * point requests; while one is computing only the latest waits, so the worker never lags behind the pointer.
 */
export class ComputeClient {
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Per channel: the id in flight and the request waiting behind it. */
  private readonly channels = new Map<string, { inFlight: number | null; queued: { id: number; request: ComputeRequest } | null }>();

  constructor(private readonly spawn: () => Worker) {
    this.worker = this.start();
  }

  /** Sends `request` on `channel`; settles to its result, or to superseded if a later request or cancel() replaced it. */
  request<R extends ComputeResult>(channel: string, request: ComputeRequest & { kind: R["kind"] }): Promise<Outcome<R>> {
    const id = this.nextId++;
    const state = this.channels.get(channel) ?? { inFlight: null, queued: null };
    this.channels.set(channel, state);
    if (state.queued !== null) this.settle(state.queued.id, { ok: false, reason: "superseded", message: "a newer request replaced it" });
    const promise = new Promise<Outcome<R>>((resolve) => {
      this.pending.set(id, { resolve: resolve as (o: Outcome<ComputeResult>) => void });
    });
    if (state.inFlight === null) {
      state.inFlight = id;
      this.worker.postMessage({ id, request });
    } else {
      state.queued = { id, request };
      // the one computing now is stale: its answer will be dropped
      this.settle(state.inFlight, { ok: false, reason: "superseded", message: "a newer request replaced it" });
    }
    return promise;
  }

  /** Stops whatever the worker is computing (it is terminated and a fresh one started); every pending request settles as superseded. */
  cancel(): void {
    this.worker.terminate();
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, reason: "superseded", message: "cancelled" });
    this.channels.clear();
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = this.spawn();
    worker.onmessage = (event: MessageEvent<ResponseMessage>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, reason: "error", message: event.message });
    };
    return worker;
  }

  private receive(message: ResponseMessage): void {
    for (const state of this.channels.values()) {
      if (state.inFlight !== message.id) continue;
      state.inFlight = null;
      if (state.queued !== null) {
        state.inFlight = state.queued.id;
        this.worker.postMessage(state.queued);
        state.queued = null;
      }
    }
    // an id no longer pending was superseded: its answer is stale and dropped here
    this.settle(message.id, "result" in message ? { ok: true, result: message.result } : { ok: false, reason: "error", message: message.error });
  }

  private settle(id: number, outcome: Outcome<ComputeResult>): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.resolve(outcome);
  }
}
