#!/usr/bin/env python3
"""simdpool's backward passes beside PyTorch's (f32, CPU), side by side in one process.

    .venv-peers/bin/python bench/compare_backward.py [--rounds 3] [--threads 1 2] [--update-readme]

For every suite case (bench/suite.txt): the gradient of the input from an output gradient of
ones. simdpool: `backward` (average) or `backward_from_indices` (max, from the forward's
indices), NCHW and channels-last. PyTorch: its backward kernels called directly
(`max_pool*d_with_indices_backward`, `avg_pool*d_backward`, `_adaptive_avg_pool*d_backward`,
`adaptive_max_pool*d_backward`; 1-D as PyTorch runs it, through 2-D), on NCHW and
channels-last tensors. Rounds interleave the two. Writes bench/results/compare_backward.md.
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import (  # noqa: E402
    BEFORE_TIMING, RESULTS, Simdpool, load_suite, machine, make_input, reps_for, spec, time_py,
    update_readme)


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
                    run = torch_backward(c, layout)
                    us = time_py(run, 3)
                    py = time_py(run, reps_for(us))
                    line = f"{spec(c)} {t} backward 0 {reps_for(py)} {layout}"
                    sp.proc.stdin.write(line + "\n")
                    sp.proc.stdin.flush()
                    import json
                    r = json.loads(sp.proc.stdout.readline())
                    if "error" in r:
                        raise RuntimeError(r["error"])
                    key = (c["name"], t, layout)
                    res.setdefault(key, []).append((r["median_us"], py))
        print(f"round {rnd + 1}/{a.rounds} done", file=sys.stderr)
    rows = ["| case | threads | simdpool NCHW | PyTorch NCHW | ratio | simdpool CL | PyTorch CL | ratio |",
            "|---|---|---|---|---|---|---|---|"]
    ratios = {t: [] for t in a.threads}
    for c in cases:
        for t in a.threads:
            cells = [c["name"], str(t)]
            for layout in ("first", "last"):
                ours = min(v[0] for v in res[(c["name"], t, layout)])
                py = min(v[1] for v in res[(c["name"], t, layout)])
                ratios[t].append(py / ours)
                cells += [f"{ours:.1f}", f"{py:.1f}", f"{py / ours:.2f}×"]
            rows.append("| " + " | ".join(cells) + " |")
    geo = {t: statistics.geometric_mean(r) for t, r in ratios.items()}
    worst = {t: min(r) for t, r in ratios.items()}
    text = (f"Machine: {machine()}; {sp.info}; torch {torch.__version__}. µs, best of {a.rounds} "
            f"interleaved rounds' medians; ratio = PyTorch / simdpool (higher: simdpool faster).\n\n"
            + "\n".join(rows) + "\n\n"
            + "".join(f"Geomean at {t} thread(s): {geo[t]:.2f}×, worst {worst[t]:.2f}×.\n" for t in a.threads))
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare_backward.md").write_text(text)
    if a.update_readme:
        update_readme("bench-backward", "`bench/compare_backward.py`", text)


if __name__ == "__main__":
    main()
