#!/usr/bin/env python3
"""Generates fixtures/torch_backward.txt: golden PyTorch (CPU) gradients of max, average,
adaptive max and adaptive average pooling, every rank, channels-first and channels-last,
float32 and (a subset) float16 / bfloat16. Gradients come from autograd, so they are the
ones `max_pool*d_with_indices_backward`, `avg_pool*d_backward` and the adaptive backward
kernels (or `mean`'s, where PyTorch pools to 1x1 with it) compute.

    python3 -m venv .venv-peers && .venv-peers/bin/pip install torch numpy
    .venv-peers/bin/python tools/gen_fixtures_backward.py

Format as gen_fixtures_nd.py's, plus:

    layout first|last      (values are always listed in logical NC... order)
    dtype f32|f16|bf16     (values as f32 hex; every one is exact in the dtype)
    input HEX..            (the forward input: max's indices come from it)
    grad_output HEX..
    indices INT..          (max: PyTorch's forward indices, flat per plane)
    grad_input HEX..       (or `reject MESSAGE` where PyTorch refuses the call)
"""
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_fixtures import hexs, make_input  # noqa: E402
from gen_fixtures_nd import adaptive, draw_window, emit_params, regular, write_cases  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_backward.txt"
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def forward(c, x):
    r = len(c["shape"]) - 2
    if c["op"] == "max":
        f = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][r]
        return f(x, c["kernel"], c["stride"], c["padding"], c["dilation"], ceil_mode=c["ceil"], return_indices=True)
    if c["op"] == "avg":
        f = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][r]
        kw = dict(ceil_mode=c["ceil"], count_include_pad=c["include_pad"])
        if r > 1:
            kw["divisor_override"] = c["divisor"] or None
        return f(x, c["kernel"], c["stride"], c["padding"], **kw), None
    if c["op"] == "adaptive_max":
        f = [None, F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d][r]
        return f(x, c["out"], return_indices=True)
    f = [None, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][r]
    return f(x, c["out"]), None


def memory_format(c):
    r = len(c["shape"]) - 2
    if c["layout"] == "first":
        return torch.contiguous_format
    return {2: torch.channels_last, 3: torch.channels_last_3d}[r]


def emit(f, name, c):
    emit_params(f, name, c)
    f.write(f"layout {c['layout']}\ndtype {c['dtype']}\n")
    dt = DTYPES[c["dtype"]]
    fmt = memory_format(c)
    try:
        x = torch.from_numpy(c["x"]).to(dt).contiguous(memory_format=fmt).requires_grad_()
        y, i = forward(c, x)
        go = torch.from_numpy(c["rng"].standard_normal(tuple(y.shape)).astype(np.float32)).to(dt)
        go = go.contiguous(memory_format=fmt)
        y.backward(go)
        gi = x.grad
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        f.write(f"reject {msg}\nend\n")
        return "reject"
    f.write(f"input {hexs(x.detach().float().numpy())}\n")
    f.write(f"grad_output {hexs(go.float().contiguous().numpy())}\n")
    if i is not None:
        f.write("indices " + " ".join(str(v) for v in i.contiguous().numpy().ravel()) + "\n")
    f.write(f"grad_input {hexs(gi.float().contiguous().numpy())}\n")
    f.write("end\n")
    return "ok"


def main():
    rng = np.random.default_rng(20261129)
    prng = random.Random(14)
    styles = ["normal", "ties", "special", "zeros", "neginf"]
    cases = []

    def add(name, c, layout="first", dtype="f32", style="normal"):
        c = dict(c, layout=layout, dtype=dtype, rng=rng)
        c["x"] = make_input(rng, c["shape"], style)
        cases.append((name, c))

    # Random regular windows, overlapping ones included (gradients add), every rank; 2-D and
    # 3-D in both layouts.
    for rank, count in ((1, 40), (2, 80), (3, 50)):
        for t in range(count):
            op = "max" if t % 2 else "avg"
            k, s, p, d, ceil, lo = draw_window(prng, rank, op)
            s = [min(ss, kk) if t % 3 == 0 else ss for ss, kk in zip(s, k)]  # overlap
            sp = [prng.randint(l, max(l, 7 if rank < 3 else 5)) for l in lo]
            if rank < 3 and t % 4 == 0:
                sp[-1] = prng.randint(lo[-1], max(lo[-1], 30))
            shape = (prng.randint(1, 2), prng.randint(1, 5), *sp)
            include_pad = prng.random() < 0.5
            divisor = prng.choice([0, 0, 0, 1, 3, 7]) if op == "avg" and rank > 1 else 0
            style = styles[t % len(styles)] if op == "max" else "normal"
            layout = "last" if rank > 1 and t % 2 == 0 else "first"
            layout = "last" if rank > 1 and t % 4 == 1 else layout
            c = regular(op, shape, k, s, p, d, ceil, include_pad, divisor)
            add(f"r{rank}_{t:03d}_{op}_{layout}_{style}", c, layout, "f32", style)
    # Adaptive, every rank, global included.
    for rank in (1, 2, 3):
        for t in range(24):
            op = "adaptive_max" if t % 2 else "adaptive_avg"
            sp = [prng.randint(1, 9 if rank < 3 else 6) for _ in range(rank)]
            out = [prng.choice([1, 2, 3, max(1, n // 2), n, n + 1]) for n in sp]
            if t % 6 == 0:
                out = [1] * rank
            shape = (prng.randint(1, 2), prng.randint(1, 5), *sp)
            style = styles[t % len(styles)] if op == "adaptive_max" else "normal"
            layout = "last" if rank > 1 and t % 3 == 0 else "first"
            add(f"a{rank}_{t:03d}_{op}_{layout}_{style}", adaptive(op, shape, out), layout, "f32", style)
    # Half types: PyTorch's reduced-precision gradient arithmetic, pinned.
    for dtype in ("f16", "bf16"):
        for t in range(24):
            rank = 1 + t % 3
            op = ["max", "avg", "adaptive_max", "adaptive_avg"][t % 4]
            layout = "last" if rank > 1 and t % 5 < 2 else "first"
            if op in ("max", "avg"):
                k, s, p, d, ceil, lo = draw_window(prng, rank, op)
                s = [min(ss, kk) for ss, kk in zip(s, k)]
                sp = [prng.randint(l, max(l, 8 if rank < 3 else 5)) for l in lo]
                shape = (prng.randint(1, 2), prng.randint(1, 4), *sp)
                c = regular(op, shape, k, s, p, d, ceil, prng.random() < 0.5, 0)
            else:
                sp = [prng.randint(2, 9 if rank < 3 else 5) for _ in range(rank)]
                out = [prng.choice([1, 2, 3, n]) for n in sp]
                if t % 8 == 3:
                    out = [1] * rank
                c = adaptive(op, (1, prng.randint(1, 4), *sp), out)
            add(f"h_{dtype}_{t:03d}_{op}_{rank}d_{layout}", c, layout, dtype, "ties" if "max" in op else "normal")
    # Networks' shapes.
    for name, c, layout in [
        ("stem_max_2d", regular("max", (1, 3, 12, 12), (3, 3), (2, 2), (1, 1)), "first"),
        ("stem_max_2d_cl", regular("max", (1, 3, 12, 12), (3, 3), (2, 2), (1, 1)), "last"),
        ("s1_avg_excl", regular("avg", (1, 2, 9, 9), (3, 3), (1, 1), (1, 1), include_pad=False), "first"),
        ("s1_avg_excl_cl", regular("avg", (1, 5, 9, 9), (3, 3), (1, 1), (1, 1), include_pad=False), "last"),
        ("global_avg_7", adaptive("adaptive_avg", (2, 3, 7, 7), (1, 1)), "first"),
        ("global_avg_7_cl", adaptive("adaptive_avg", (2, 3, 7, 7), (1, 1)), "last"),
        ("stem3d_max", regular("max", (1, 2, 5, 9, 9), (3, 3, 3), (2, 2, 2), (1, 1, 1)), "first"),
        ("avg3d_ceil_divisor", regular("avg", (1, 2, 5, 5, 5), (2, 2, 2), (2, 2, 2), (1, 1, 1), ceil=True, divisor=3), "last"),
    ]:
        add(name, c, layout, "f32", "special" if "max" in c["op"] else "normal")
    write_cases(OUT, cases, emit, "gen_fixtures_backward.py")


if __name__ == "__main__":
    main()
