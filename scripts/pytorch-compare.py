#!/usr/bin/env python3
"""Side check (never a CI dependency): hessian-lab against PyTorch, in float64.

(a) Model/data/vector files written here (safetensors, by hand) load in hessian-lab, and
    `hessian-lab hvp --dtype float64` matches PyTorch's double-backward Hessian-vector product
    (--curvature hessian) and Jᵀ·H_ℓ·J·v (--curvature ggn, jvp + vjp with the closed-form loss
    Hessian); `hessian-lab evaluate` matches PyTorch's loss value.
(b) A model file written by hessian-lab (writeModel) loads in PyTorch by name into an
    nn.Sequential of nn.Linear, and is the same function (its loss and Hv match too).

Needs PyTorch and NumPy for the system Python (Debian: apt-get install python3-torch python3-numpy)
and a built hessian-lab (`npm run build`); with --from-source it runs src/ through tsx instead.

    /usr/bin/python3 scripts/pytorch-compare.py [--from-source] [--keep DIR]

Prints one row per case and exits 1 if any relative error exceeds 1e-9 (Hv, GGN-v) or 1e-12 (loss).
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRODUCT_TOL, LOSS_TOL = 1e-9, 1e-12

# ---------------------------------------------------------------- safetensors by hand
# 8-byte little-endian header length, a JSON header (padded with spaces to a multiple of 8),
# then the raw little-endian tensor bytes at the header's data_offsets.

DTYPES = {"F64": np.dtype("<f8"), "F32": np.dtype("<f4")}
CODES = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32"}


def write_safetensors(path, tensors, metadata=None):
    arrays = {k: np.ascontiguousarray(v.detach().cpu().numpy() if torch.is_tensor(v) else v) for k, v in tensors.items()}
    arrays = {k: a.astype(a.dtype.newbyteorder("<")) for k, a in arrays.items()}
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))  # as the safetensors library does
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for k in order:
        a = arrays[k]
        header[k] = {"dtype": CODES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for k in order:
            f.write(arrays[k].tobytes())


def read_safetensors(path):
    """(tensors as float64 torch tensors, their dtype codes, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    body = raw[8 + n :]
    tensors, codes = {}, {}
    for k, info in header.items():
        lo, hi = info["data_offsets"]
        a = np.frombuffer(body[lo:hi], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[k], codes[k] = torch.from_numpy(a.astype(np.float64)), info["dtype"]
    return tensors, codes, metadata


# ---------------------------------------------------------------- models, losses, curvature

ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "gelu": nn.GELU,
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "linear": nn.Identity,
}
LOSSES = {
    "mse": nn.MSELoss,  # mean over all elements
    "sigmoid_cross_entropy": nn.BCEWithLogitsLoss,  # mean over all elements
    "softmax_cross_entropy": nn.CrossEntropyLoss,  # probability targets: mean over cases
}


def build(sizes, activations):
    mods = []
    for i, act in enumerate(activations):
        mods += [nn.Linear(sizes[i], sizes[i + 1]), ACTIVATIONS[act]()]
    return nn.Sequential(*mods)


def linears(model):
    return [m for m in model if isinstance(m, nn.Linear)]


def state(model):
    """The model's parameters under hessian-lab's file names."""
    out = {}
    for i, lin in enumerate(linears(model)):
        out[f"layers.{i}.weight"], out[f"layers.{i}.bias"] = lin.weight, lin.bias
    return out


def load_by_name(path):
    """A model file → (nn.Sequential, activations, loss, weight decay, dtype codes), by tensor name only."""
    tensors, codes, meta = read_safetensors(path)
    acts = [a.strip() for a in meta["activations"].split(",")]
    sizes = [tensors["layers.0.weight"].shape[1]] + [tensors[f"layers.{i}.weight"].shape[0] for i in range(len(acts))]
    model = build(sizes, acts)
    assert set(tensors) == set(state(model)), f"{path}: tensor names {sorted(tensors)}"
    with torch.no_grad():
        for name, p in state(model).items():
            assert tensors[name].shape == p.shape, f"{path}: {name} is {tuple(tensors[name].shape)}, nn.Linear's is {tuple(p.shape)}"
            p.copy_(tensors[name])
    return model, acts, meta["loss"], float(meta.get("weight_decay", 0)), codes


def risk(model, loss_name, wd, x, t):
    params = list(model.parameters())
    return LOSSES[loss_name]()(model(x), t) + 0.5 * wd * sum((p * p).sum() for p in params)


def hessian_vp(model, loss_name, wd, x, t, v):
    params = list(model.parameters())
    g = torch.autograd.grad(risk(model, loss_name, wd, x, t), params, create_graph=True)
    return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)


def loss_hessian_product(loss_name, z, t, u):
    """H_ℓ·u, ℓ the reduced loss as a function of the outputs z [N, d] (closed form)."""
    n, d = z.shape
    if loss_name == "mse":
        return 2 * u / (n * d)
    if loss_name == "sigmoid_cross_entropy":
        s = torch.sigmoid(z)
        return s * (1 - s) * u / (n * d)
    p = torch.softmax(z, dim=1)  # Σ_k t_k · (diag p − p pᵀ), per case
    return t.sum(1, keepdim=True) * (p * u - p * (p * u).sum(1, keepdim=True)) / n


def ggn_vp(model, loss_name, wd, x, t, v):
    names = [n for n, _ in model.named_parameters()]  # the module's own names ("0.weight", ...)
    params = tuple(p.detach() for _, p in model.named_parameters())

    def f(*ps):
        return torch.nn.utils.stateless.functional_call(model, dict(zip(names, ps)), (x,))

    z, jv = torch.autograd.functional.jvp(f, params, tuple(v))
    u = loss_hessian_product(loss_name, z, t, jv)
    # the closed form must be PyTorch's own loss Hessian (double backward in z)
    zz = z.detach().requires_grad_(True)
    (gz,) = torch.autograd.grad(LOSSES[loss_name]()(zz, t), zz, create_graph=True)
    (hu,) = torch.autograd.grad((gz * jv).sum(), zz)
    assert rel(u, hu) < 1e-13, f"closed-form loss Hessian disagrees with autograd: {rel(u, hu)}"
    _, jtu = torch.autograd.functional.vjp(f, params, u)
    return tuple(a + wd * b for a, b in zip(jtu, v))


def rel(a, b):
    """max |a − b| / max |b| over all entries (tuples are flattened together)."""
    if isinstance(a, (tuple, list)):
        a, b = torch.cat([t.reshape(-1) for t in a]), torch.cat([t.reshape(-1) for t in b])
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


def rel_scalar(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


# ---------------------------------------------------------------- hessian-lab

class HessianLab:
    def __init__(self, from_source):
        self.from_source = from_source
        if from_source:
            self.cli = ["node", "--import", "tsx", os.path.join(REPO, "src/cli/main.ts")]
            self.lib = "./src/node.ts"
        else:
            self.cli = ["node", os.path.join(REPO, "dist/cli/main.js")]
            self.lib = "./dist/node.js"
            if not os.path.exists(self.cli[1]):
                sys.exit(f"{self.cli[1]} is missing: run `npm run build` in {REPO}, or pass --from-source")

    def run(self, *args):
        r = subprocess.run(self.cli + list(args) + ["--json"], cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"hessian-lab {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
        return json.loads(r.stdout)

    def product(self, curvature, model, data, vector, out, batch_size=None):
        extra = [] if batch_size is None else ["--batch-size", str(batch_size)]
        self.run("hvp", "--model", model, "--data", data, "--vector", vector, "--curvature", curvature,
                 "--dtype", "float64", "--out", out, *extra)
        tensors, codes, _ = read_safetensors(out)
        assert set(codes.values()) == {"F64"}, f"{out}: dtypes {set(codes.values())}"
        return tensors

    def loss(self, model, data):
        return self.run("evaluate", "--model", model, "--data", data, "--dtype", "float64")["loss"]

    def write_model(self, path, sizes, hidden, output, loss, dtype, seed, weight_decay=0):
        """A model file written by hessian-lab's own writeModel (mlp + glorot init)."""
        lib = json.dumps(self.lib)
        js = (
            f"const {{ mlp, initialize, writeModel }} = await import({lib});"
            f"const net = mlp({json.dumps(sizes)}, {{ hidden: {json.dumps(hidden)}, output: {json.dumps(output)},"
            f" loss: {json.dumps(loss)}, weightDecay: {weight_decay} }});"
            f"const theta = initialize(net, {{ scheme: 'glorot', seed: {seed} }});"
            f"for (let i = 0; i < theta.length; i++) theta[i] += 0.05 * Math.sin(7 * i + 1);"  # nonzero biases
            f"await writeModel({json.dumps(path)}, net, theta, {json.dumps(dtype)});"
        )
        cmd = ["node", "--input-type=module", "-e", js]
        if self.from_source:
            cmd = ["node", "--import", "tsx", "--input-type=module", "-e", js]
        subprocess.run(cmd, cwd=REPO, check=True)


# ---------------------------------------------------------------- cases

def targets_for(loss_name, gen, n, d):
    if loss_name == "mse":
        return torch.randn(n, d, generator=gen)
    if loss_name == "sigmoid_cross_entropy":
        return torch.rand(n, d, generator=gen)  # soft targets in [0, 1]
    return torch.softmax(2 * torch.randn(n, d, generator=gen), dim=1)  # probability rows


def python_cases():
    """(name, sizes, activations, loss, weight decay, cases N, file dtype, batch size, autoencoder)."""
    small = [6, 5, 4, 3]
    cases = []
    for hidden in ["tanh", "sigmoid", "relu", "gelu", "softplus"]:
        cases.append((f"{hidden}/mse", small, [hidden, hidden, "linear"], "mse", 0, 7, "F64", None, False))
        cases.append((f"{hidden}/sigmoid_ce", small, [hidden, hidden, "linear"], "sigmoid_cross_entropy", 0, 7, "F64", None, False))
        cases.append((f"{hidden}/softmax_ce", small, [hidden, hidden, "linear"], "softmax_cross_entropy", 0, 7, "F64", None, False))
    cases += [
        ("gelu_tanh,leaky_relu,tanh/mse", small, ["gelu_tanh", "leaky_relu", "tanh"], "mse", 0, 9, "F64", None, False),
        ("tanh/softmax_ce wd=0.01 b=3", small, ["tanh", "tanh", "linear"], "softmax_cross_entropy", 0.01, 10, "F64", 3, False),
        ("sigmoid/mse float32 file", small, ["sigmoid", "relu", "linear"], "mse", 0, 8, "F32", None, False),
        ("AE 784-100-30-100-784", [784, 100, 30, 100, 784], ["sigmoid", "linear", "sigmoid", "linear"],
         "sigmoid_cross_entropy", 0, 20, "F64", 8, True),
    ]
    return cases


def check(hl, tmp, name, model_file, data_file, model, loss_name, wd, x, t, gen, batch_size=None):
    """Hv, GGN-v and loss of hessian-lab vs PyTorch for one model + data file; returns the three errors."""
    assert list(state(model).values()) == list(model.parameters())  # same order: v lines up with both
    v = tuple(torch.randn(p.shape, generator=gen) for p in model.parameters())
    vector_file = os.path.join(tmp, f"{name}.v.safetensors")
    write_safetensors(vector_file, dict(zip(state(model), v)))
    names = list(state(model))
    errs = []
    for curvature, reference in [("hessian", hessian_vp), ("ggn", ggn_vp)]:
        ours = hl.product(curvature, model_file, data_file, vector_file, os.path.join(tmp, f"{name}.{curvature}.safetensors"), batch_size)
        assert set(ours) == set(names), f"product tensors {sorted(ours)}"
        theirs = reference(model, loss_name, wd, x, t, v)
        errs.append(rel([ours[k] for k in names], list(theirs)))
    with torch.no_grad():
        errs.append(rel_scalar(hl.loss(model_file, data_file), float(risk(model, loss_name, wd, x, t))))
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--from-source", action="store_true", help="run src/ through tsx instead of dist/")
    ap.add_argument("--keep", metavar="DIR", help="write the files into DIR and keep them")
    args = ap.parse_args()
    hl = HessianLab(args.from_source)
    tmp = args.keep or tempfile.mkdtemp(prefix="hl-torch-")
    os.makedirs(tmp, exist_ok=True)
    try:
        bad = compare(hl, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp)
    sys.exit(1 if bad else 0)


def compare(hl, tmp):
    """Runs every case, prints the table, returns how many failed."""
    rows = []

    # (a) files written by PyTorch → hessian-lab
    for k, (name, sizes, acts, loss_name, wd, n, file_dtype, bs, ae) in enumerate(python_cases()):
        gen = torch.Generator().manual_seed(1000 + k)
        torch.manual_seed(k)
        model = build(sizes, acts)
        if file_dtype == "F32":  # the file holds float32; both sides compute in float64 from those values
            with torch.no_grad():
                for p in model.parameters():
                    p.copy_(p.float().double())
        x = torch.rand(n, sizes[0], generator=gen) if ae else torch.randn(n, sizes[0], generator=gen)
        t = x if ae else targets_for(loss_name, gen, n, sizes[-1])
        slug = f"case{k}"
        model_file, data_file = os.path.join(tmp, f"{slug}.model.safetensors"), os.path.join(tmp, f"{slug}.data.safetensors")
        meta = {"activations": ",".join(acts), "loss": loss_name, **({"weight_decay": wd} if wd else {})}
        np_dtype = np.float32 if file_dtype == "F32" else np.float64
        write_safetensors(model_file, {k2: p.detach().numpy().astype(np_dtype) for k2, p in state(model).items()}, meta)
        write_safetensors(data_file, {"inputs": x} if ae else {"inputs": x, "targets": t})
        rows.append((f"torch→hl {name}", *check(hl, tmp, slug, model_file, data_file, model, loss_name, wd, x, t, gen, bs)))

    # (b) files written by hessian-lab → PyTorch, by name
    for k, (sizes, hidden, output, loss_name, dtype, wd) in enumerate([
        ([5, 4, 3], "tanh", "linear", "softmax_cross_entropy", "float64", 0),
        ([5, 6, 4, 2], "softplus", "linear", "sigmoid_cross_entropy", "float32", 0.001),
        ([3, 4, 3], "gelu", "tanh", "mse", "float64", 0),
    ]):
        slug = f"hl{k}"
        model_file, data_file = os.path.join(tmp, f"{slug}.model.safetensors"), os.path.join(tmp, f"{slug}.data.safetensors")
        hl.write_model(model_file, sizes, hidden, output, loss_name, dtype, seed=k + 1, weight_decay=wd)
        model, acts, file_loss, file_wd, codes = load_by_name(model_file)
        assert acts == [hidden] * (len(sizes) - 2) + [output] and file_loss == loss_name and file_wd == wd, (acts, file_loss, file_wd)
        assert set(codes.values()) == {"F64" if dtype == "float64" else "F32"}, codes
        gen = torch.Generator().manual_seed(2000 + k)
        x, t = torch.randn(6, sizes[0], generator=gen), targets_for(loss_name, gen, 6, sizes[-1])
        write_safetensors(data_file, {"inputs": x, "targets": t})
        name = f"hl→torch {hidden}/{loss_name} {dtype}" + (f" wd={wd}" if wd else "")
        rows.append((name, *check(hl, tmp, slug, model_file, data_file, model, loss_name, wd, x, t, gen)))

    width = max(len(r[0]) for r in rows)
    print(f"PyTorch {torch.__version__}, NumPy {np.__version__}; hessian-lab from {'src/ (tsx)' if hl.from_source else 'dist/'}")
    print(f"{'case':<{width}}  {'Hv rel err':>10}  {'GGN-v rel err':>13}  {'loss rel err':>12}")
    bad = 0
    for name, h, g, l in rows:
        flag = "" if h <= PRODUCT_TOL and g <= PRODUCT_TOL and l <= LOSS_TOL else "  <-- FAIL"
        bad += flag != ""
        print(f"{name:<{width}}  {h:10.2e}  {g:13.2e}  {l:12.2e}{flag}")
    worst = [max(r[i] for r in rows) for i in (1, 2, 3)]
    print(f"{'worst':<{width}}  {worst[0]:10.2e}  {worst[1]:13.2e}  {worst[2]:12.2e}")
    print(f"tolerances: Hv, GGN-v {PRODUCT_TOL:g}; loss {LOSS_TOL:g}.  files in {tmp}")
    return bad


if __name__ == "__main__":
    main()
