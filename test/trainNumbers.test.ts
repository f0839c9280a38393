/** @file `hessian-lab train` numbers: the float32 final loss is evaluate's loss even when tiny; classifiers report accuracy */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { forward, initialize, mlp, ndarray, Rng, tensor, writeData, writeModel } from "../src/node.js";
import { runCli, smallProblem, tempDir } from "./cliHelpers.js";

/** A logistic model whose logits all have |z| ≥ 17 and the sign of their 0/1 targets: loss ≈ e^{−17}·… ≈ 4e-9. */
async function confidentClassifier(dir: string): Promise<{ model: string; data: string }> {
  const net = mlp([4, 2], { hidden: "tanh", output: "linear", loss: "sigmoid_cross_entropy" });
  const theta = initialize(net, { scheme: "glorot", seed: 1 });
  const rng = new Rng(2);
  const n = 8;
  const inputs = ndarray(Float64Array.from({ length: n * 4 }, () => rng.normal()), [n, 4]);
  const x = tensor(inputs.data, { shape: [n, 4] });
  const z0 = forward(net, tensor(theta), x).data();
  const c = 17 / Math.min(...Array.from(z0, Math.abs));
  for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! * c;
  const z = forward(net, tensor(theta), x).data();
  const targets = ndarray(Float64Array.from(z, (v) => (v > 0 ? 1 : 0)), [n, 2]);
  const model = join(dir, "m.safetensors");
  const data = join(dir, "d.safetensors");
  await writeModel(model, net, theta, "float64");
  await writeData(data, { name: "confident", inputs, targets });
  return { model, data };
}

test("train --dtype float32 --json: final_loss is evaluate's loss (a 4e-9 loss, not 0 or 1e-12)", async () => {
  const p = await confidentClassifier(tempDir());
  const ev = runCli(["evaluate", "--model", p.model, "--data", p.data, "--json"]);
  assert.equal(ev.code, 0, ev.stderr);
  const reference = (JSON.parse(ev.stdout) as { loss: number }).loss;
  assert.ok(reference > 1e-9 && reference < 1e-7, `float64 loss ${reference}`);
  const ev32 = runCli(["evaluate", "--model", p.model, "--data", p.data, "--dtype", "float32", "--json"]);
  const loss32 = (JSON.parse(ev32.stdout) as { loss: number }).loss;
  // float32 logits carry |z|·6e-8 ≈ 1e-5 of rounding: the loss's relative error is of that size, not 100 %
  assert.ok(Math.abs(loss32 - reference) <= 1e-4 * reference, `evaluate --dtype float32: ${loss32} vs ${reference}`);
  const tr = runCli(["train", "--model", p.model, "--data", p.data, "--dtype", "float32", "--optimizer", "sgd", "--lr", "1e-30", "--max-iter", "1", "--batch-size", "8", "--json"]);
  assert.equal(tr.code, 0, tr.stderr);
  const finalLoss = (JSON.parse(tr.stdout) as { final_loss: number }).final_loss;
  assert.ok(Math.abs(finalLoss - reference) <= 1e-4 * reference, `train final_loss ${finalLoss} vs evaluate ${reference}`);
});

test("train on a classifier reports accuracy, not squared error per case", async () => {
  const p = await smallProblem(tempDir());
  const args = ["train", "--model", p.model, "--data", p.data, "--optimizer", "adam", "--lr", "0.01", "--max-iter", "3", "--dtype", "float64"];
  const text = runCli(args);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /accuracy \d+(\.\d+)?%/);
  assert.doesNotMatch(text.stdout, /squared error per case/);
  const json = JSON.parse(runCli([...args, "--json"]).stdout) as { accuracy: number | null; reconstruction_error: number | null };
  assert.ok(json.accuracy !== null && json.accuracy >= 0 && json.accuracy <= 1);
  assert.equal(json.reconstruction_error, null);
});

/** A 20-15-20 autoencoder (635 parameters) and 12 cases of data. */
async function autoencoder635(dir: string): Promise<{ model: string; data: string }> {
  const net = mlp([20, 15, 20], { hidden: "tanh", output: "linear", loss: "mse" });
  const theta = initialize(net, { scheme: "glorot", seed: 3 });
  const rng = new Rng(4);
  const inputs = ndarray(Float64Array.from({ length: 12 * 20 }, () => rng.normal()), [12, 20]);
  const model = join(dir, "ae.safetensors");
  const data = join(dir, "ae-data.safetensors");
  await writeModel(model, net, theta, "float64");
  await writeData(data, { name: "ae", inputs, targets: inputs });
  return { model, data };
}

test("newton on hundreds of parameters says what an iteration costs: p products and an O(p³) eigendecomposition", async () => {
  const p = await autoencoder635(tempDir());
  const r = runCli(["train", "--model", p.model, "--data", p.data, "--optimizer", "newton", "--max-iter", "1", "--dtype", "float64"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /newton forms the dense 635×635 Hessian every iteration: 635 curvature products and an O\(p³\) eigendecomposition/);
  const small = await smallProblem(tempDir());
  const quiet = runCli(["train", "--model", small.model, "--data", small.data, "--optimizer", "newton", "--max-iter", "1", "--dtype", "float64"]);
  assert.doesNotMatch(quiet.stderr, /eigendecomposition/, "no warning at p = 43");
});

test("a learning rate above 2/λmax gets a warning naming the limit; one below it does not", async () => {
  const p = await smallProblem(tempDir());
  const base = ["train", "--model", p.model, "--data", p.data, "--optimizer", "sgd", "--max-iter", "1", "--dtype", "float64"];
  const spec = JSON.parse(runCli(["spectrum", "--model", p.model, "--data", p.data, "--top", "1", "--json"]).stdout) as { top: { value: number }[] };
  const limit = 2 / spec.top[0]!.value;
  const over = runCli([...base, "--lr", String(3 * limit)]);
  assert.equal(over.code, 0, over.stderr);
  const m = /--lr \S+ exceeds the stability limit 2\/λmax = (\S+)/.exec(over.stderr);
  assert.ok(m !== null, over.stderr);
  assert.ok(Math.abs(Number(m[1]) - limit) <= 1e-3 * limit, `${m[1]} vs ${limit}`);
  const under = runCli([...base, "--lr", String(0.3 * limit)]);
  assert.doesNotMatch(under.stderr, /stability limit/);
});
