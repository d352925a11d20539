#!/usr/bin/env python3
"""Generates fixtures/torch_nd.txt: golden PyTorch (CPU, channels-first, float32) cases for
1-D and 3-D pooling and 1/2/3-D adaptive pooling (2-D regular pooling: gen_fixtures.py).

    python3 -m venv .venv-peers && .venv-peers/bin/pip install torch numpy
    .venv-peers/bin/python tools/gen_fixtures_nd.py

Format as gen_fixtures.py's, one field per line, with per-axis lists of any length:

    case NAME
    op max|avg|adaptive_max|adaptive_avg
    kernel K.. / stride S.. / padding P.. / dilation D..   (regular; one value per axis)
    ceil 0|1 / include_pad 0|1 / divisor 0|D
    out O..                                                  (adaptive)
    shape N C SPATIAL..
    reject MESSAGE | input HEX.. / output HEX.. / indices INT..
    end
"""
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_fixtures import hexs, make_input  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_nd.txt"


def run(c, x=None):
    """PyTorch on c["x"] (or on `x`, the same values in another memory format)."""
    x = torch.from_numpy(c["x"]) if x is None else x
    r = len(c["shape"]) - 2
    with torch.no_grad():
        if c["op"] == "max":
            f = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][r]
            y, i = f(x, c["kernel"], c["stride"], c["padding"], c["dilation"], ceil_mode=c["ceil"], return_indices=True)
            # The no-indices path is a separate kernel in PyTorch: it must agree.
            y2 = f(x, c["kernel"], c["stride"], c["padding"], c["dilation"], ceil_mode=c["ceil"])
            assert np.array_equal(y.numpy().view(np.uint32), y2.numpy().view(np.uint32)), c
            return y.numpy(), i.numpy()
        if c["op"] == "avg":
            f = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][r]
            kw = dict(ceil_mode=c["ceil"], count_include_pad=c["include_pad"])
            if r > 1:
                kw["divisor_override"] = c["divisor"] or None
            return f(x, c["kernel"], c["stride"], c["padding"], **kw).numpy(), None
        if c["op"] == "adaptive_max":
            f = [None, F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d][r]
            y, i = f(x, c["out"], return_indices=True)
            return y.numpy(), i.numpy()
        f = [None, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][r]
        return f(x, c["out"]).numpy(), None


def emit(f, name, c):
    f.write(f"case {name}\nop {c['op']}\n")
    line = lambda k, v: f.write(k + " " + " ".join(str(int(t)) for t in v) + "\n")
    if c["op"] in ("max", "avg"):
        for k in ("kernel", "stride", "padding", "dilation"):
            line(k, c[k])
        f.write(f"ceil {int(c['ceil'])}\ninclude_pad {int(c['include_pad'])}\ndivisor {c['divisor']}\n")
    else:
        line("out", c["out"])
    line("shape", c["shape"])
    try:
        y, i = run(c)
    except Exception as e:  # PyTorch rejected the call: we must too.
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        f.write(f"reject {msg}\nend\n")
        return "reject"
    f.write(f"input {hexs(c['x'])}\noutput {hexs(y)}\n")
    if i is not None:
        f.write("indices " + " ".join(str(v) for v in i.ravel()) + "\n")
    f.write("end\n")
    return "ok"


def regular(op, shape, kernel, stride=None, padding=None, dilation=None, ceil=False, include_pad=True, divisor=0):
    r = len(shape) - 2
    return dict(op=op, shape=tuple(shape), kernel=tuple(kernel), stride=tuple(stride or kernel),
                padding=tuple(padding or (0,) * r), dilation=tuple(dilation or (1,) * r), ceil=ceil,
                include_pad=include_pad, divisor=divisor)


def adaptive(op, shape, out):
    return dict(op=op, shape=tuple(shape), out=tuple(out))


def main():
    rng = np.random.default_rng(20261129)
    prng = random.Random(11)
    styles = ["normal", "ties", "special", "zeros", "neginf"]
    cases = []
    # Random grids: 1-D (long rows, to reach the vector paths) and 3-D.
    for rank, count in ((1, 90), (3, 110)):
        for t in range(count):
            op = "max" if t % 3 else "avg"
            k = [prng.randint(1, 4) for _ in range(rank)]
            s = [prng.randint(1, 3) for _ in range(rank)]
            p = [prng.randint(0, kk // 2) for kk in k]
            d = [prng.randint(1, 3) for _ in range(rank)] if op == "max" else [1] * rank
            ceil = prng.random() < 0.4
            lo = [max(1, (kk - 1) * dd + 1 - 2 * pp) for kk, dd, pp in zip(k, d, p)]
            if rank == 1:
                sp = [prng.randint(lo[0], max(lo[0], 48 if t % 4 == 0 else 12))]
            else:
                sp = [prng.randint(l, max(l, 5)) for l in lo]
                if t % 5 == 0:
                    sp[2] = prng.randint(lo[2], max(lo[2], 24))
            shape = (prng.randint(1, 2), prng.randint(1, 3), *sp)
            include_pad = prng.random() < 0.5
            divisor = prng.choice([0, 0, 0, 1, 3, 7]) if op == "avg" and rank == 3 else 0
            style = styles[t % len(styles)] if op == "max" else ("normal" if t % 2 else "ties")
            c = regular(op, shape, k, s, p, d, ceil, include_pad, divisor)
            c["x"] = make_input(rng, shape, style)
            cases.append((f"r{rank}_{t:03d}_{op}_{style}", c))
    # Adaptive, every rank: windows equal (divisible), unequal, and more outputs than inputs.
    for rank in (1, 2, 3):
        for t in range(40 if rank < 3 else 30):
            op = "adaptive_max" if t % 2 else "adaptive_avg"
            sp = [prng.randint(1, 9 if rank < 3 else 6) for _ in range(rank)]
            if rank < 3 and t % 5 == 0:
                sp[-1] = prng.randint(16, 28)
            out = [prng.choice([1, 2, 3, max(1, n // 2), n, n + 1]) for n in sp]
            if t % 7 == 0:
                out = [1] * rank
            shape = (prng.randint(1, 2), prng.randint(1, 3), *sp)
            style = styles[t % len(styles)] if op == "adaptive_max" else ("normal" if t % 2 else "ties")
            c = adaptive(op, shape, out)
            c["x"] = make_input(rng, shape, style)
            cases.append((f"a{rank}_{t:03d}_{op}_{style}", c))
    # Networks' shapes and the special paths.
    for name, c in [
        ("global_avg_2d_7x7", adaptive("adaptive_avg", (1, 8, 7, 7), (1, 1))),
        ("global_max_2d_7x7", adaptive("adaptive_max", (1, 8, 7, 7), (1, 1))),
        ("global_avg_3d", adaptive("adaptive_avg", (2, 3, 2, 3, 5), (1, 1, 1))),
        ("global_max_3d", adaptive("adaptive_max", (2, 3, 2, 3, 5), (1, 1, 1))),
        ("global_avg_1d", adaptive("adaptive_avg", (1, 4, 37), (1,))),
        ("adaptive_7_of_28_max", adaptive("adaptive_max", (1, 2, 28, 28), (7, 7))),
        ("adaptive_7_of_10_avg", adaptive("adaptive_avg", (1, 2, 10, 10), (7, 7))),
        ("stem3d_max", regular("max", (1, 2, 5, 9, 9), (3, 3, 3), (2, 2, 2), (1, 1, 1))),
        ("stem3d_avg", regular("avg", (1, 2, 4, 8, 8), (2, 2, 2), (2, 2, 2))),
        ("k1_depth_3d_max", regular("max", (1, 2, 3, 7, 9), (1, 3, 3), (1, 2, 2), (0, 1, 1))),
        ("k1_depth_3d_avg", regular("avg", (1, 2, 3, 7, 9), (1, 3, 3), (1, 1, 1), (0, 1, 1), include_pad=False)),
        ("audio_1d_max", regular("max", (1, 3, 50), (3,), (2,), (1,))),
        ("ceil_3d_hang", regular("avg", (1, 1, 5, 5, 5), (2, 2, 2), (2, 2, 2), (1, 1, 1), ceil=True)),
        ("ceil_3d_hang_max", regular("max", (1, 1, 5, 5, 5), (2, 2, 2), (2, 2, 2), (1, 1, 1), ceil=True)),
        ("dilated_3d_empty_depth", regular("max", (1, 1, 3, 4, 4), (3, 2, 2), (1, 1, 1), (1, 0, 0), (4, 1, 1), ceil=True)),
    ]:
        is_max = c["op"] in ("max", "adaptive_max")
        c["x"] = make_input(rng, c["shape"], "special" if is_max else "normal")
        cases.append((name, c))
    # Calls PyTorch rejects.
    for name, c in [
        ("reject_1d_kernel0", regular("max", (1, 1, 8), (0,), (1,))),
        ("reject_1d_pad", regular("max", (1, 1, 8), (2,), padding=(2,))),
        ("reject_1d_avg_pad", regular("avg", (1, 1, 8), (3,), padding=(2,))),
        ("reject_1d_too_small", regular("max", (1, 1, 2), (3,))),
        ("reject_3d_pad", regular("max", (1, 1, 4, 4, 4), (2, 2, 2), padding=(1, 2, 1))),
        ("reject_3d_too_small", regular("max", (1, 1, 2, 4, 4), (3, 3, 3))),
        ("reject_3d_avg_smaller_than_kernel", regular("avg", (1, 1, 2, 4, 4), (3, 3, 3), padding=(1, 1, 1))),
        ("reject_3d_dilation0", regular("max", (1, 1, 4, 4, 4), (2, 2, 2), dilation=(1, 0, 1))),
        ("reject_3d_stride0", regular("avg", (1, 1, 4, 4, 4), (2, 2, 2), stride=(1, 1, 0))),
        ("reject_3d_c0", regular("max", (1, 0, 4, 4, 4), (2, 2, 2))),
        ("reject_adaptive_d0", adaptive("adaptive_avg", (1, 1, 0, 4, 4), (2, 2, 2))),
    ]:
        c["x"] = np.zeros(c["shape"], np.float32)
        cases.append((name, c))
    counts = {}
    with OUT.open("w") as f:
        f.write(f"# torch {torch.__version__}, numpy {np.__version__}; generated by tools/gen_fixtures_nd.py\n")
        for name, c in cases:
            r = emit(f, name, c)
            counts[r] = counts.get(r, 0) + 1
    print(f"{OUT}: {len(cases)} cases {counts}, {OUT.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
