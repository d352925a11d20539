#!/usr/bin/env python3
"""Generates fixtures/torch_pool2d.txt: golden PyTorch (CPU, NCHW, float32) pooling cases.

    python3 -m venv .venv-peers && .venv-peers/bin/pip install torch numpy
    .venv-peers/bin/python tools/gen_fixtures.py

The tests read the file; they never need PyTorch. Floats are stored as the hex of their
IEEE bits so NaN payloads and -0.0 survive. Format, one field per line, a case per block:

    case NAME
    op max|avg
    kernel KH KW / stride SH SW / padding PH PW / dilation DH DW
    ceil 0|1 / include_pad 0|1 / divisor 0|D        (0: no divisor_override)
    shape N C H W
    reject MESSAGE                                  (PyTorch raised; nothing else follows)
    input HEX... / output HEX... / indices INT...   (indices for max only)
    end
"""
import random
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_pool2d.txt"
NAN_A = struct.unpack("<f", struct.pack("<I", 0x7FC00001))[0]  # quiet NaN, payload 1
NAN_B = struct.unpack("<f", struct.pack("<I", 0xFFC00123))[0]  # negative quiet NaN


def hexs(a):
    return " ".join("%08x" % v for v in np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).ravel())


def make_input(rng, shape, style):
    n = int(np.prod(shape))
    if style == "normal":
        x = rng.standard_normal(n).astype(np.float32)
    elif style == "ties":
        x = rng.integers(-2, 3, n).astype(np.float32)
    elif style == "special":
        x = rng.integers(-3, 4, n).astype(np.float32)
        pool = np.array([np.nan, NAN_A, NAN_B, np.inf, -np.inf, 0.0, -0.0, 3e38, -3e38, 1e-40], np.float32)
        mask = rng.random(n) < 0.25
        x[mask] = rng.choice(pool, mask.sum())
    elif style == "zeros":
        x = rng.choice(np.array([0.0, -0.0, -1.0], np.float32), n)
    elif style == "neginf":
        x = np.full(n, -np.inf, np.float32)
        x[rng.random(n) < 0.1] = np.nan
    else:
        raise ValueError(style)
    return x.reshape(shape)


def run(case):
    x = torch.from_numpy(case["x"]) if case.get("x") is not None else torch.zeros(case["shape"])
    k, s, p, d = case["kernel"], case["stride"], case["padding"], case["dilation"]
    with torch.no_grad():
        if case["op"] == "max":
            y, i = F.max_pool2d(x, k, s, p, d, ceil_mode=case["ceil"], return_indices=True)
            return y.numpy(), i.numpy()
        y = F.avg_pool2d(x, k, s, p, ceil_mode=case["ceil"], count_include_pad=case["include_pad"],
                         divisor_override=case["divisor"] or None)
        return y.numpy(), None


def emit(f, name, case):
    f.write(f"case {name}\nop {case['op']}\n")
    f.write("kernel %d %d\nstride %d %d\npadding %d %d\ndilation %d %d\n" % (*case["kernel"], *case["stride"], *case["padding"], *case["dilation"]))
    f.write(f"ceil {int(case['ceil'])}\ninclude_pad {int(case['include_pad'])}\ndivisor {case['divisor']}\n")
    f.write("shape %d %d %d %d\n" % tuple(case["shape"]))
    try:
        y, i = run(case)
    except Exception as e:  # PyTorch rejected the parameters: we must too.
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        f.write(f"reject {msg}\nend\n")
        return "reject"
    f.write(f"input {hexs(case['x'])}\noutput {hexs(y)}\n")
    if i is not None:
        f.write("indices " + " ".join(str(v) for v in i.ravel()) + "\n")
    f.write("end\n")
    return "ok"


def case(op, shape, kernel, stride=None, padding=(0, 0), dilation=(1, 1), ceil=False,
         include_pad=True, divisor=0, x=None):
    return dict(op=op, shape=tuple(shape), kernel=tuple(kernel), stride=tuple(stride or kernel),
                padding=tuple(padding), dilation=tuple(dilation), ceil=ceil,
                include_pad=include_pad, divisor=divisor, x=x)


def main():
    rng = np.random.default_rng(20261128)
    prng = random.Random(7)
    cases = []
    # d2l.ai section 7.5 worked examples.
    x33 = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    x44 = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x2c = np.concatenate([x44, x44 + 1], axis=1)
    cases += [
        ("d2l_max_2x2", case("max", x33.shape, (2, 2), (1, 1), x=x33)),
        ("d2l_avg_2x2", case("avg", x33.shape, (2, 2), (1, 1), x=x33)),
        ("d2l_max_3x3", case("max", x44.shape, (3, 3), x=x44)),
        ("d2l_max_3x3_p1_s2", case("max", x44.shape, (3, 3), (2, 2), (1, 1), x=x44)),
        ("d2l_max_2x3_s23_p01", case("max", x44.shape, (2, 3), (2, 3), (0, 1), x=x44)),
        ("d2l_max_2ch", case("max", x2c.shape, (3, 3), (2, 2), (1, 1), x=x2c)),
    ]
    # Random grid over every parameter, with ties, NaNs (payloads), infinities and zeros.
    styles = ["normal", "ties", "special", "zeros", "neginf"]
    for t in range(330):
        op = "max" if t % 3 else "avg"
        kh, kw = prng.randint(1, 5), prng.randint(1, 5)
        sh, sw = prng.randint(1, 4), prng.randint(1, 4)
        ph, pw = prng.randint(0, kh // 2), prng.randint(0, kw // 2)
        dh, dw = (prng.randint(1, 3), prng.randint(1, 3)) if op == "max" else (1, 1)
        ceil = prng.random() < 0.4
        wide = t % 10 == 0
        h0, w0 = max(1, (kh - 1) * dh + 1 - 2 * ph), max(1, (kw - 1) * dw + 1 - 2 * pw)
        h = prng.randint(h0, max(h0, 11))
        w = prng.randint(w0, max(w0, 40 if wide else 11))
        shape = (prng.randint(1, 2), prng.randint(1, 2 if wide else 3), h, w)
        include_pad = prng.random() < 0.5
        divisor = prng.choice([0, 0, 0, 1, 3, 7]) if op == "avg" else 0
        style = styles[t % len(styles)] if op == "max" else ("normal" if t % 2 else "ties")
        x = make_input(rng, shape, style)
        cases.append((f"grid{t:03d}_{op}_{style}", case(op, shape, (kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil, include_pad, divisor, x)))
    # Shapes the kernels special-case, and ceil-mode edges.
    for name, c in [
        ("global7_max", case("max", (1, 3, 7, 7), (7, 7))),
        ("global7_avg", case("avg", (1, 3, 7, 7), (7, 7))),
        ("global_rows_max", case("max", (1, 2, 9, 5), (4, 5), (5, 5))),
        ("ceil_drop_last", case("max", (1, 1, 5, 5), (2, 2), (2, 2), (1, 1), ceil=True)),
        ("ceil_avg_hang_incl", case("avg", (1, 1, 6, 6), (3, 3), (2, 2), (1, 1), ceil=True)),
        ("ceil_avg_hang_excl", case("avg", (1, 1, 6, 6), (3, 3), (2, 2), (1, 1), ceil=True, include_pad=False)),
        ("resnet_stem_small", case("max", (1, 2, 16, 37), (3, 3), (2, 2), (1, 1))),
        ("s1_k3_wide", case("max", (1, 1, 5, 35), (3, 3), (1, 1), (1, 1))),
        ("batch0", case("max", (0, 2, 4, 4), (2, 2))),
    ]:
        c["x"] = make_input(rng, c["shape"], "special" if c["op"] == "max" else "normal")
        cases.append((name, c))
    # Parameters PyTorch rejects.
    z = np.zeros((1, 1, 4, 4), np.float32)
    for name, c in [
        ("reject_kernel0", case("max", (1, 1, 4, 4), (0, 2), (1, 1))),
        ("reject_stride0", case("max", (1, 1, 4, 4), (2, 2), (0, 1))),
        ("reject_dilation0", case("max", (1, 1, 4, 4), (2, 2), dilation=(0, 1))),
        ("reject_pad_gt_half", case("max", (1, 1, 4, 4), (3, 3), padding=(2, 0))),
        ("reject_pad_gt_half_dilated", case("max", (1, 1, 8, 8), (2, 2), padding=(2, 2), dilation=(3, 3))),
        ("reject_avg_pad", case("avg", (1, 1, 4, 4), (2, 2), padding=(0, 2))),
        ("reject_too_small", case("max", (1, 1, 2, 2), (3, 3))),
        ("reject_too_small_dilated", case("max", (1, 1, 4, 4), (2, 2), dilation=(4, 4))),
        ("reject_h0", case("max", (1, 1, 0, 4), (1, 1))),
        ("reject_c0", case("max", (1, 0, 4, 4), (1, 1))),
    ]:
        c["x"] = np.zeros(c["shape"], np.float32) if 0 in c["shape"] else z.reshape(c["shape"]) if c["shape"] == z.shape else np.zeros(c["shape"], np.float32)
        cases.append((name, c))
    OUT.parent.mkdir(exist_ok=True)
    counts = {}
    with OUT.open("w") as f:
        f.write(f"# torch {torch.__version__}, numpy {np.__version__}; generated by tools/gen_fixtures.py\n")
        for name, c in cases:
            r = emit(f, name, c)
            counts[r] = counts.get(r, 0) + 1
    print(f"{OUT}: {len(cases)} cases {counts}, {OUT.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
