/** @file the worker client with a scripted fake worker: one request per channel counts, stale answers are dropped, cancel restarts */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ComputeClient } from "./computeClient.js";
import type { ComputeRequest, RequestMessage, ResponseMessage } from "./protocol.js";

/** A worker that records what it was sent and answers only when the test says so. */
class FakeWorker {
  sent: RequestMessage[] = [];
  terminated = false;
  onmessage: ((e: { data: ResponseMessage }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  postMessage(m: RequestMessage): void {
    this.sent.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(id: number): void {
    this.onmessage?.({ data: { id, result: { kind: "critical", search: { path: [], point: [id, 0], gradientNorm: 0, gradientTolerance: 0, iterations: id, stop: "converged" } } } });
  }
}

const req: ComputeRequest = { kind: "critical", query: { fn: "booth", x: 0, y: 0, quadratic: { lambda1: 1, lambda2: 1, angleDeg: 0 } } };

function setup(): { client: ComputeClient; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const client = new ComputeClient(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  return { client, workers };
}

test("a newer request on a channel supersedes the one in flight, whose late answer is dropped; only the latest queued one is sent", async () => {
  const { client, workers } = setup();
  const w = workers[0]!;
  const first = client.request("critical", req);
  const second = client.request("critical", req);
  const third = client.request("critical", req);
  // the worker is busy with the first: the others wait, and only the newest will be sent
  assert.deepEqual(w.sent.map((m) => m.id), [1]);
  assert.deepEqual(await first, { ok: false, reason: "superseded", message: "a newer request replaced it" });
  assert.equal((await second).ok, false);
  w.answer(1);
  assert.deepEqual(w.sent.map((m) => m.id), [1, 3]);
  w.answer(3);
  const r = await third;
  assert.ok(r.ok && r.result.kind === "critical" && r.result.search.iterations === 3);
});

test("channels are independent, and cancel terminates the worker, settles what was pending and starts a fresh one", async () => {
  const { client, workers } = setup();
  const a = client.request("field", req);
  const b = client.request("point", req);
  assert.deepEqual(workers[0]!.sent.map((m) => m.id), [1, 2]);
  client.cancel();
  assert.equal(workers[0]!.terminated, true);
  assert.equal(workers.length, 2);
  assert.equal((await a).ok, false);
  assert.equal((await b).ok, false);
  const c = client.request("field", req);
  assert.deepEqual(workers[1]!.sent.map((m) => m.id), [3]);
  workers[1]!.answer(3);
  assert.equal((await c).ok, true);
});
