#!/usr/bin/env python3
"""Generates fixtures/torch_last.txt: golden PyTorch (CPU, float32) cases run on channels-last
tensors (NLC as a transposed view, `channels_last`, `channels_last_3d`).

    .venv-peers/bin/python tools/gen_fixtures_last.py

The format is gen_fixtures_nd.py's, except that `input`, `output` and `indices` list the
tensors in *memory* order (N, spatial..., C): what an engine holding channels-last buffers
passes and gets back. `shape` stays logical (N C spatial..), as `tensor.shape` reports.

Values come from PyTorch's channels-last kernels. Indices too, with one documented exception:
PyTorch 2.15's channels_last_3d max_pool3d drops the depth term from the index of a window
that holds nothing above -inf (it reports the window's first row and column in depth 0).
There the case pins the channels-first index, which is where the chosen -inf lies, and says
so in a `cf_indices N` line (N indices differ from PyTorch's channels-last ones).
"""
import random
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_fixtures import hexs, make_input  # noqa: E402
from gen_fixtures_nd import (  # noqa: E402
    adaptive, draw_window, emit_params, emit_reject, regular, run, write_cases)

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_last.txt"


def to_last(a):
    """A channels-first numpy array in channels-last memory order, flattened."""
    return np.ascontiguousarray(np.moveaxis(a, 1, -1)).ravel()


def last_tensor(x):
    r = x.dim() - 2
    if r == 1:
        return x.transpose(1, 2).contiguous().transpose(1, 2)
    return x.contiguous(memory_format=torch.channels_last if r == 2 else torch.channels_last_3d)


def run_last(c):
    """PyTorch on the channels-last tensor; outputs as numpy in logical order."""
    return run(c, last_tensor(torch.from_numpy(c["x"])))


def emit(f, name, c):
    emit_params(f, name, c)
    try:
        y, i = run_last(c)
    except Exception as e:
        return emit_reject(f, e)
    if i is not None:
        y_cf, i_cf = run(c)
        assert np.array_equal(y.view(np.uint32), y_cf.view(np.uint32)), name
        differ = int((i != i_cf).sum())
        if differ:
            # Only the documented 3-D -inf window case may differ.
            assert len(c["shape"]) == 5 and np.all(np.isneginf(y[i != i_cf])), name
            f.write(f"cf_indices {differ}\n")
            i = i_cf
    f.write(f"input {hexs(to_last(c['x']))}\noutput {hexs(to_last(y))}\n")
    if i is not None:
        f.write("indices " + " ".join(str(v) for v in to_last(i)) + "\n")
    f.write("end\n")
    return "ok"


def main():
    rng = np.random.default_rng(20261129)
    prng = random.Random(12)
    styles = ["normal", "ties", "special", "zeros", "neginf"]
    # Channel counts: 1 and 3 (the non-vector routes), 5, 17, lanes ± 1 for 4, 8 and 16.
    channels = [1, 3, 5, 17, 3, 4, 7, 8, 9, 15, 16, 33]
    cases = []
    for rank, count in ((1, 40), (2, 70), (3, 50)):
        for t in range(count):
            op = "max" if t % 3 else "avg"
            k, s, p, d, ceil, lo = draw_window(prng, rank, op)
            sp = [prng.randint(l, max(l, 9 if rank < 3 else 5)) for l in lo]
            shape = (prng.randint(1, 2), channels[t % len(channels)], *sp)
            include_pad = prng.random() < 0.5
            divisor = prng.choice([0, 0, 0, 1, 3, 7]) if op == "avg" and rank > 1 else 0
            style = styles[t % len(styles)] if op == "max" else ("normal" if t % 2 else "ties")
            c = regular(op, shape, k, s, p, d, ceil, include_pad, divisor)
            c["x"] = make_input(rng, shape, style)
            cases.append((f"r{rank}_{t:03d}_{op}_{style}_c{shape[1]}", c))
    for rank in (1, 2, 3):
        for t in range(24):
            op = "adaptive_max" if t % 2 else "adaptive_avg"
            sp = [prng.randint(1, 9 if rank < 3 else 6) for _ in range(rank)]
            out = [prng.choice([1, 2, 3, max(1, n // 2), n, n + 1]) for n in sp]
            if t % 7 == 0:
                out = [1] * rank
            shape = (prng.randint(1, 2), channels[t % len(channels)], *sp)
            style = styles[t % len(styles)] if op == "adaptive_max" else ("normal" if t % 2 else "ties")
            c = adaptive(op, shape, out)
            c["x"] = make_input(rng, shape, style)
            cases.append((f"a{rank}_{t:03d}_{op}_{style}_c{shape[1]}", c))
    for name, c in [
        ("global_avg_2d_c64", adaptive("adaptive_avg", (1, 64, 7, 7), (1, 1))),
        ("global_max_2d_c33", adaptive("adaptive_max", (2, 33, 5, 6), (1, 1))),
        ("stem_max_c17", regular("max", (1, 17, 12, 12), (3, 3), (2, 2), (1, 1))),
        ("stem3d_max_c9", regular("max", (1, 9, 5, 9, 9), (3, 3, 3), (2, 2, 2), (1, 1, 1))),
        ("neginf_3d_c5", regular("max", (1, 5, 4, 4, 4), (2, 2, 2), (2, 2, 2), (1, 1, 1), ceil=True)),
    ]:
        is_max = c["op"] in ("max", "adaptive_max")
        style = "neginf" if name.startswith("neginf") else ("special" if is_max else "normal")
        c["x"] = make_input(rng, c["shape"], style)
        cases.append((name, c))
    write_cases(OUT, cases, emit, "gen_fixtures_last.py")

if __name__ == "__main__":
    main()
