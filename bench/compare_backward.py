#!/usr/bin/env python3
"""simdpool's backward passes and max-unpooling beside PyTorch's (f32, CPU), side by side.

    .venv-peers/bin/python bench/compare_backward.py [--rounds 3] [--threads 1 2] [--update-readme]

For every suite case (bench/suite.txt): the gradient of the input from an output gradient of
ones. simdpool: `backward` (average) or `backward_from_indices` (max, from the forward's
indices), NCHW and channels-last. PyTorch: its backward kernels called directly
(`max_pool*d_with_indices_backward`, `avg_pool*d_backward`, `_adaptive_avg_pool*d_backward`,
`adaptive_max_pool*d_backward`; 1-D as PyTorch runs it, through 2-D), on NCHW and
channels-last tensors. Max cases also max-unpool their output back (`MaxUnpoolNd` against
`F.max_unpool*d`); regular cases run LP pooling (p = 2: PyTorch's `lp_pool*d`, ONNX Runtime's
`LpPool`), 2-D/3-D cases fractional max pooling (PyTorch's, same sizes). Rounds interleave the two. Writes bench/results/compare_backward.md.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import (  # noqa: E402
    BEFORE_TIMING, RESULTS, Simdpool, load_suite, machine, make_input, ort_session, reps_for, spec,
    time_py, update_readme)


def torch_backward(c, layout):
    """A callable running PyTorch's backward kernel for case `c`, and its forward's output."""
    import torch
    aten = torch.ops.aten
    x = torch.from_numpy(make_input(c))
    rank = x.dim() - 2
    if rank == 1:  # PyTorch pools 1-D as 2-D with a height of 1
        x = x.unsqueeze(2)
    fmt = {4: torch.channels_last, 5: torch.channels_last_3d}[x.dim()] if layout == "last" else torch.contiguous_format
    x = x.contiguous(memory_format=fmt)
    r = x.dim() - 2
    k = (1, c["k"]) if rank == 1 else (c["k"],) * r
    s = (1, c["s"]) if rank == 1 else (c["s"],) * r
    p = (0, c["p"]) if rank == 1 else (c["p"],) * r
    d = (1, c["d"]) if rank == 1 else (c["d"],) * r
    if c["op"] == "max":
        f = {2: aten.max_pool2d_with_indices, 3: aten.max_pool3d_with_indices}[r]
        b = {2: aten.max_pool2d_with_indices_backward, 3: aten.max_pool3d_with_indices_backward}[r]
        y, i = f(x, k, s, p, d, c["ceil"])
        go = torch.ones_like(y)
        return lambda: b(go, x, k, s, p, d, c["ceil"], i)
    if c["op"] == "avg":
        f = {2: aten.avg_pool2d, 3: aten.avg_pool3d}[r]
        b = {2: aten.avg_pool2d_backward, 3: aten.avg_pool3d_backward}[r]
        y = f(x, k, s, p, c["ceil"], c["incl"], None)
        go = torch.ones_like(y)
        return lambda: b(go, x, k, s, p, c["ceil"], c["incl"], None)
    out = (1, c["k"]) if rank == 1 else (c["k"],) * r
    if c["op"] == "amax":
        f = {2: aten.adaptive_max_pool2d, 3: aten.adaptive_max_pool3d}[r]
        b = {2: aten.adaptive_max_pool2d_backward, 3: aten.adaptive_max_pool3d_backward}[r]
        y, i = f(x, out)
        go = torch.ones_like(y)
        return lambda: b(go, x, i)
    f = {2: aten._adaptive_avg_pool2d, 3: aten._adaptive_avg_pool3d}[r]
    b = {2: aten._adaptive_avg_pool2d_backward, 3: aten._adaptive_avg_pool3d_backward}[r]
    y = f(x, out)
    go = torch.ones_like(y)
    return lambda: b(go, x)


def torch_unpool(c, layout):
    """A callable running PyTorch's max_unpool on the max pool's output of case `c`."""
    import torch
    import torch.nn.functional as F
    x = torch.from_numpy(make_input(c))
    r = x.dim() - 2
    if layout == "last" and r > 1:  # PyTorch has no channels-last 1-D format
        x = x.contiguous(memory_format={4: torch.channels_last, 5: torch.channels_last_3d}[x.dim()])
    pool = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][r]
    unpool = [None, F.max_unpool1d, F.max_unpool2d, F.max_unpool3d][r]
    y, i = pool(x, c["k"], c["s"], c["p"], c["d"], ceil_mode=c["ceil"], return_indices=True)
    size = x.shape[2:]
    return lambda: unpool(y, i, c["k"], c["s"], c["p"], output_size=size)


def torch_lp(c, layout):
    """PyTorch's LP pooling (p = 2) with the case's kernel and stride (no padding)."""
    import torch
    import torch.nn.functional as F
    if c["op"] not in ("max", "avg"):
        return None
    x = torch.from_numpy(make_input(c))
    r = x.dim() - 2
    if layout == "last" and r > 1:
        x = x.contiguous(memory_format={4: torch.channels_last, 5: torch.channels_last_3d}[x.dim()])
    f = [None, F.lp_pool1d, F.lp_pool2d, F.lp_pool3d][r]
    return lambda: f(x, 2.0, c["k"], c["s"])


def ort_lp(c, layout, threads):
    """ONNX Runtime's LpPool (p = 2), NCHW only."""
    if c["op"] not in ("max", "avg") or layout == "last":
        return None
    from onnx import TensorProto, helper
    r = len(c["shape"]) - 2
    c2 = dict(c, p=0, d=1, ceil=False)
    node = helper.make_node("LpPool", ["x"], ["y"], kernel_shape=[c["k"]] * r, strides=[c["s"]] * r, p=2)
    sess = ort_session(node, TensorProto.FLOAT, c2, threads)
    x = make_input(c)
    return lambda: sess.run(None, {"x": x})


def torch_fractional(c, layout):
    """PyTorch's fractional max pooling, kernel 2, ratio 0.5 (2-D and 3-D cases)."""
    import torch
    import torch.nn.functional as F
    x = torch.from_numpy(make_input(c))
    r = x.dim() - 2
    if r == 1:
        return None
    if layout == "last":
        x = x.contiguous(memory_format={4: torch.channels_last, 5: torch.channels_last_3d}[x.dim()])
    f = {2: F.fractional_max_pool2d, 3: F.fractional_max_pool3d}[r]
    samples = torch.rand(x.shape[0], x.shape[1], r)
    return lambda: f(x, 2, output_ratio=(0.5,) * r, _random_samples=samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--cases", nargs="*")
    ap.add_argument("--update-readme", action="store_true")
    a = ap.parse_args()
    import torch
    cases = [c for c in load_suite() if not a.cases or c["name"] in a.cases]
    sp = Simdpool()
    res = {}
    for rnd in range(a.rounds):
        for c in cases:
            for t in a.threads:
                for layout in ("first", "last"):
                    torch.set_num_threads(t)
                    for f in BEFORE_TIMING:
                        f(t)
                    ops = [("backward", [torch_backward])]
                    if c["op"] == "max" and c["d"] == 1:  # dilated pools do not unpool to size
                        ops.append(("unpool", [torch_unpool]))
                    ops += [("lp", [torch_lp, lambda c, l: ort_lp(c, l, t)]), ("fractional", [torch_fractional])]
                    for op, makes in ops:
                        runs = [r for r in (m(c, layout) for m in makes) if r is not None]
                        if not runs:
                            continue
                        py = float("inf")
                        for run in runs:  # the best peer
                            us = time_py(run, 3)
                            py = min(py, time_py(run, reps_for(us)))
                        line = f"{spec(c)} {t} {op} 0 {reps_for(py)} {layout}"
                        sp.proc.stdin.write(line + "\n")
                        sp.proc.stdin.flush()
                        r = json.loads(sp.proc.stdout.readline())
                        if "error" in r:
                            raise RuntimeError(r["error"])
                        key = (op, c["name"], t, layout)
                        res.setdefault(key, []).append((r["median_us"], py))
        print(f"round {rnd + 1}/{a.rounds} done", file=sys.stderr)
    text = (f"Machine: {machine()}; {sp.info}; torch {torch.__version__}. µs, best of {a.rounds} "
            f"interleaved rounds' medians; ratio = PyTorch / simdpool (higher: simdpool faster).\n\n")
    for op, title in (("backward", "Gradients (`backward`, `backward_from_indices`)"),
                      ("unpool", "Max-unpooling (`MaxUnpoolNd`, the max pool's output back to its input size)"),
                      ("lp", "LP pooling, p = 2, the case's kernel and stride (peer: the best of PyTorch and, NCHW, ONNX Runtime's LpPool)"),
                      ("fractional", "Fractional max pooling, kernel 2, ratio 0.5")):
        rows = [f"**{title}**", "",
                "| case | threads | simdpool NCHW | PyTorch NCHW | ratio | simdpool CL | PyTorch CL | ratio |",
                "|---|---|---|---|---|---|---|---|"]
        ratios = {t: [] for t in a.threads}
        for c in cases:
            for t in a.threads:
                if (op, c["name"], t, "first") not in res:
                    continue
                cells = [c["name"], str(t)]
                for layout in ("first", "last"):
                    v = res[(op, c["name"], t, layout)]
                    ours, py = min(x[0] for x in v), min(x[1] for x in v)
                    ratios[t].append(py / ours)
                    cells += [f"{ours:.1f}", f"{py:.1f}", f"{py / ours:.2f}×"]
                rows.append("| " + " | ".join(cells) + " |")
        text += "\n".join(rows) + "\n\n" + "".join(
            f"Geomean at {t} thread(s): {statistics.geometric_mean(r):.2f}×, worst {min(r):.2f}×.\n"
            for t, r in ratios.items() if r) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare_backward.md").write_text(text)
    if a.update_readme:
        update_readme("bench-backward", "`bench/compare_backward.py`", text)


if __name__ == "__main__":
    main()
