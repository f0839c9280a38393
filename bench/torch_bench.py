"""The `hessian-lab bench --torch` side: the same workloads in PyTorch, printed as JSON.

`--child --model M --op grad|hv|gv` times one workload (the bench command calls this, interleaved
with its own workloads so both see the same machine load); `--gemm-only` times torch.mm; without
either it runs every workload itself.

Same networks (weights [in, out], z = a·W + b), float32, the same batch, BCE-with-logits mean loss;
gradient by backward, Hv by double backward, Gv = Jᵀ H_ℓ J v with J v by forward-mode AD
(torch.autograd.forward_ad) and Jᵀ by backward. torch's default threads (Debian's build leaves
intra-op at 1 while OpenBLAS runs its own 2 threads; the issue notes set_num_threads(2) only
contends). Each workload runs in a fresh subprocess so its peak RSS is its own.

OpenBLAS runs its own kernels: `hessian-lab bench` starts this script with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE removed from its environment (this environment sets them as a guard for old
OpenBLAS builds on some CPUs, which would force the Haswell kernels on an AVX-512 machine).
`--gemm-only` reports the core and thread count OpenBLAS chose, and checks a float32 gradient and
Gv against float64 before any figure is trusted.
"""
import argparse
import ctypes
import json
import resource
import statistics
import subprocess
import sys
import time

SIZES = {
    "mnist-autoencoder": [784, 1000, 500, 250, 30, 250, 500, 1000, 784],
    "curves-autoencoder": [784, 400, 200, 100, 50, 25, 6, 25, 50, 100, 200, 400, 784],
}


def build(torch, model, batch, dtype=None):
    sizes = SIZES[model]
    layers = len(sizes) - 1
    code = (layers // 2) - 1  # the code layer and the last layer are linear, the rest logistic
    g = torch.Generator().manual_seed(0)
    dtype = dtype or torch.float32
    params = []
    for i in range(layers):
        params.append((torch.randn(sizes[i], sizes[i + 1], generator=g) / sizes[i] ** 0.5).to(dtype).requires_grad_())
        params.append(torch.zeros(sizes[i + 1], dtype=dtype).requires_grad_())
    x = torch.rand(batch, sizes[0], generator=g).to(dtype)
    v = [torch.randn(p.shape, generator=g).to(dtype) for p in params]
    linear = {code, layers - 1}

    def forward(ps):
        a = x
        for i in range(layers):
            z = a @ ps[2 * i] + ps[2 * i + 1]
            a = z if i in linear else torch.sigmoid(z)
        return a

    def loss_of(y):
        return torch.nn.functional.binary_cross_entropy_with_logits(y, x)

    return params, v, x, forward, loss_of


def workload(torch, model, op, batch, dtype=None):
    params, v, x, forward, loss_of = build(torch, model, batch, dtype)
    if op == "grad":
        def run():
            return torch.autograd.grad(loss_of(forward(params)), params)
    elif op == "hv":
        def run():
            g = torch.autograd.grad(loss_of(forward(params)), params, create_graph=True)
            return torch.autograd.grad(g, params, grad_outputs=v)
    else:
        import torch.autograd.forward_ad as fwAD

        # PyTorch's best Gv: one dual forward on parameters that require grad gives y and Jv
        # together, then one backward of y seeded with H_ℓ Jv
        def run():
            with fwAD.dual_level():
                duals = [fwAD.make_dual(p, t) for p, t in zip(params, v)]
                y, jv = fwAD.unpack_dual(forward(duals))
            # BCE-with-logits mean: H_ℓ = σ(y)(1 − σ(y)) / (B·d)
            s = torch.sigmoid(y.detach())
            u = s * (1 - s) * jv / y.numel()
            return torch.autograd.grad(y, params, grad_outputs=u)
    return run


def child(args):
    import torch
    run = workload(torch, args.model, args.op, args.batch)
    for _ in range(args.warmup):
        run()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times_ms": times, "peak_rss_mb": peak}))


def openblas_info():
    """The core and thread count the loaded OpenBLAS chose (read from the library itself)."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return {"library": path, "core": lib.openblas_get_corename().decode(), "threads": lib.openblas_get_num_threads()}
        except (OSError, AttributeError):
            continue
    return {"library": None, "core": "unknown (no OpenBLAS loaded)", "threads": 0}


def check_against_float64(torch):
    """Relative errors of the float32 gradient and Gv against float64 on a small batch: a wrong kernel shows here."""
    out = {}
    for op in ("grad", "gv"):
        lo = workload(torch, "curves-autoencoder", op, 64, torch.float32)()
        hi = workload(torch, "curves-autoencoder", op, 64, torch.float64)()
        num = sum(float(((a.double() - b) ** 2).sum()) for a, b in zip(lo, hi))
        den = sum(float((b ** 2).sum()) for b in hi)
        out[op] = (num / den) ** 0.5
    return out


def gemm_rates(torch):
    out = []
    for n in (256, 512, 1024):
        a, b = torch.rand(n, n), torch.rand(n, n)
        torch.mm(a, b)
        rates = []
        start = time.perf_counter()
        while len(rates) < 3 or (time.perf_counter() - start < 0.3 and len(rates) < 50):
            t0 = time.perf_counter()
            torch.mm(a, b)
            rates.append(2 * n ** 3 / (time.perf_counter() - t0) / 1e9)
        out.append({"n": n, "gflops": statistics.median(rates)})
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="mnist-autoencoder")
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--child", action="store_true")
    p.add_argument("--model")
    p.add_argument("--op")
    p.add_argument("--no-gemm", action="store_true")
    p.add_argument("--gemm-only", action="store_true")
    args = p.parse_args()
    if args.child:
        return child(args)
    import torch
    if args.gemm_only:
        check = check_against_float64(torch)
        if not all(e < 1e-4 for e in check.values()):
            sys.exit(f"torch float32 results disagree with float64 (relative errors {check}): not benchmarking a wrong kernel")
        gemm = gemm_rates(torch)
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "openblas": openblas_info(), "check": check, "gemm": gemm}))
        return
    results = []
    for model in args.models.split(","):
        row = {"model": model, "batch": args.batch, "dtype": "float32"}
        peaks = {}
        for op in ("grad", "hv", "gv"):
            r = subprocess.run(
                [sys.executable, __file__, "--child", "--model", model, "--op", op, "--batch", str(args.batch),
                 "--repeats", str(args.repeats), "--warmup", str(args.warmup)],
                capture_output=True, text=True, check=True)
            m = json.loads(r.stdout.strip().splitlines()[-1])
            row[f"{op}_ms"] = statistics.median(m["times_ms"])
            peaks[op] = m["peak_rss_mb"]
        row["peak_rss_mb"] = max(peaks.values())
        row["peak_rss_by_op_mb"] = peaks
        results.append(row)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "results": results,
        "gemm": [] if args.no_gemm else gemm_rates(torch),
    }))


if __name__ == "__main__":
    main()
