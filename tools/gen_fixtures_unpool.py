#!/usr/bin/env python3
"""Generates fixtures/torch_unpool.txt: golden PyTorch (CPU) max-unpooling, every rank,
channels-first and channels-last, f32 and (a subset) f16 / bf16: indices from a max pool
(overlapping windows give duplicates of equal value) and arbitrary ones (duplicates of
different values: the last write wins, on one PyTorch thread; with more, PyTorch races), default and explicit output sizes, and calls PyTorch
refuses (invalid indices, output sizes out of range).

    .venv-peers/bin/python tools/gen_fixtures_unpool.py

    case NAME
    kernel K.. / stride S.. / padding P..   (one value per axis)
    shape N C SPATIAL..                       (the values' shape: the pooled tensor's)
    out_size O..                              (optional: the output's spatial size)
    layout first|last / dtype f32|f16|bf16
    values HEX.. / indices INT..              (logical order)
    output HEX..                              (or `reject MESSAGE`)
    end
"""
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_fixtures import hexs  # noqa: E402
from gen_fixtures_nd import write_cases  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_unpool.txt"
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def emit(f, name, c):
    line = lambda k, v: f.write(k + " " + " ".join(str(int(t)) for t in v) + "\n")
    f.write(f"case {name}\n")
    for k in ("kernel", "stride", "padding", "shape"):
        line(k, c[k])
    if c.get("out_size") is not None:
        line("out_size", c["out_size"])
    f.write(f"layout {c['layout']}\ndtype {c['dtype']}\n")
    r = len(c["kernel"])
    v = torch.from_numpy(c["values"]).to(DTYPES[c["dtype"]])
    i = torch.from_numpy(c["indices"])
    f.write(f"values {hexs(v.float().numpy())}\n")
    f.write("indices " + " ".join(str(t) for t in c["indices"].ravel()) + "\n")
    if c["layout"] == "last":
        fmt = {2: torch.channels_last, 3: torch.channels_last_3d}[r]
        v, i = v.contiguous(memory_format=fmt), i.contiguous(memory_format=fmt)
    fn = [None, F.max_unpool1d, F.max_unpool2d, F.max_unpool3d][r]
    try:
        y = fn(v, i, c["kernel"], c["stride"], c["padding"], output_size=c.get("out_size"))
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()[0]
        f.write(f"reject {msg}\nend\n")
        return "reject"
    f.write(f"output {hexs(y.float().contiguous().numpy())}\nend\n")
    return "ok"


def default_size(n, k, s, p):
    return (n - 1) * s + k - 2 * p


def main():
    # PyTorch's CPU kernel splits the values of all planes over its threads, so repeated
    # indices on both sides of a split are a race; on one thread the last value wins.
    torch.set_num_threads(1)
    rng = np.random.default_rng(20261130)
    prng = random.Random(15)
    cases = []
    for rank, count in ((1, 30), (2, 60), (3, 40)):
        for t in range(count):
            k = [prng.randint(1, 4) for _ in range(rank)]
            s = [prng.randint(1, kk) if t % 3 == 0 else prng.randint(1, 3) for kk in k]
            p = [prng.randint(0, kk // 2) for kk in k]
            shape = [prng.randint(1, 2), prng.randint(1, 5)]
            spatial = []
            for kk, ss, pp in zip(k, s, p):
                n = prng.randint(1, 6 if rank < 3 else 4)
                while default_size(n, kk, ss, pp) < 1:
                    n += 1
                spatial.append(n)
            shape += spatial
            outs = [default_size(n, kk, ss, pp) for n, kk, ss, pp in zip(spatial, k, s, p)]
            out_size = None
            if t % 4 == 1:  # explicit, inside (default - stride, default + stride)
                out_size = [o + prng.randint(-ss + 1, ss - 1) if ss > 1 else o for o, ss in zip(outs, s)]
                out_size = [max(1, o) for o in out_size]
                outs = out_size
            plane = int(np.prod(outs))
            n_in = int(np.prod(shape))
            style = t % 3
            if style == 0:  # arbitrary indices: duplicates of different values
                idx = rng.integers(0, plane, n_in)
            elif style == 1:  # a permutation-like spread (few duplicates)
                idx = (np.arange(n_in) * 7919 + t) % plane
            else:  # clustered: many duplicates, last write must win
                idx = rng.integers(0, max(1, plane // 3), n_in)
            vals = rng.standard_normal(n_in).astype(np.float32)
            layout = "last" if rank > 1 and t % 2 == 0 else "first"
            cases.append((f"u{rank}_{t:03d}_{layout}", dict(
                kernel=k, stride=s, padding=p, shape=shape, out_size=out_size, layout=layout,
                dtype="f32", values=vals.reshape(shape), indices=idx.reshape(shape).astype(np.int64))))
    # Indices from real max pools (the round trip an engine makes), half types too.
    for t, (rank, dtype, layout) in enumerate([(2, "f32", "first"), (2, "f32", "last"), (3, "f32", "first"),
                                                (3, "f32", "last"), (1, "f32", "first"), (2, "f16", "first"),
                                                (2, "bf16", "last"), (3, "f16", "last"), (1, "bf16", "first")]):
        sp = [prng.randint(4, 9 if rank < 3 else 5) for _ in range(rank)]
        shape = [1, prng.randint(1, 4)] + sp
        k, s, p = ([3] * rank, [2] * rank, [1] * rank) if t % 2 else ([2] * rank, [1] * rank, [0] * rank)
        x = torch.from_numpy(rng.integers(-3, 4, shape).astype(np.float32))
        pool = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][rank]
        y, i = pool(x, k, s, p, return_indices=True)
        cases.append((f"roundtrip_{t}_{rank}d_{dtype}_{layout}", dict(
            kernel=k, stride=s, padding=p, shape=list(y.shape), out_size=sp, layout=layout, dtype=dtype,
            values=y.numpy(), indices=i.numpy())))
    # Refused calls.
    v = np.ones((1, 1, 2, 2), np.float32)
    for name, idx, out_size, k, s, p in [
        ("reject_index_past", [0, 1, 2, 16], None, 2, 2, 0),
        ("reject_index_negative", [0, -1, 2, 3], None, 2, 2, 0),
        ("reject_out_size_low", [0, 1, 2, 3], (2, 4), 2, 2, 0),
        ("reject_out_size_high", [0, 1, 2, 3], (4, 6), 2, 2, 0),
        ("reject_padding_index", [0, 1, 2, 3], None, 2, 2, 1),
    ]:
        cases.append((name, dict(kernel=[k] * 2, stride=[s] * 2, padding=[p] * 2, shape=[1, 1, 2, 2],
                                 out_size=out_size, layout="first", dtype="f32", values=v,
                                 indices=np.array(idx, np.int64).reshape(1, 1, 2, 2))))
    write_cases(OUT, cases, emit, "gen_fixtures_unpool.py")


if __name__ == "__main__":
    main()
