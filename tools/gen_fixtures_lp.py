#!/usr/bin/env python3
"""Generates fixtures/torch_lp.txt: golden PyTorch (CPU) LP pooling (`F.lp_pool1d/2d/3d`),
every rank, channels-first and channels-last, f32 and (a subset) f16 / bf16, integer and
fractional norms, negative inputs (NaN where the formula takes a fractional root of a
negative sum), ceil mode.

    .venv-peers/bin/python tools/gen_fixtures_lp.py

    case NAME / norm P (f32 hex) / kernel K.. / stride S.. / ceil 0|1 / shape N C SPATIAL..
    layout first|last / dtype f32|f16|bf16 / input HEX.. / output HEX.. / end
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

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_lp.txt"
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def emit(f, name, c):
    line = lambda k, v: f.write(k + " " + " ".join(str(int(t)) for t in v) + "\n")
    r = len(c["kernel"])
    f.write(f"case {name}\nnorm {hexs(np.float32(c['p']))}\n")
    line("kernel", c["kernel"])
    line("stride", c["stride"])
    f.write(f"ceil {int(c['ceil'])}\n")
    line("shape", c["shape"])
    f.write(f"layout {c['layout']}\ndtype {c['dtype']}\n")
    x = torch.from_numpy(c["x"]).to(DTYPES[c["dtype"]])
    if c["layout"] == "last":
        x = x.contiguous(memory_format={2: torch.channels_last, 3: torch.channels_last_3d}[r])
    fn = [None, F.lp_pool1d, F.lp_pool2d, F.lp_pool3d][r]
    f.write(f"input {hexs(x.float().numpy())}\n")
    try:
        # lp_pool1d multiplies by its kernel_size: it must be an int there.
        k, st = (c["kernel"][0], c["stride"][0]) if r == 1 else (c["kernel"], c["stride"])
        y = fn(x, float(np.float32(c["p"])), k, st, ceil_mode=c["ceil"])
    except Exception as e:  # noqa: BLE001
        f.write(f"reject {str(e).strip().splitlines()[0]}\nend\n")
        return "reject"
    f.write(f"output {hexs(y.float().contiguous().numpy())}\nend\n")
    return "ok"


def main():
    rng = np.random.default_rng(20261131)
    prng = random.Random(16)
    cases = []
    norms = [1.0, 2.0, 3.0, 4.0, 1.5, 0.5, 2.5]
    for rank, count in ((1, 30), (2, 50), (3, 30)):
        for t in range(count):
            k = [prng.randint(1, 3) for _ in range(rank)]
            s = [prng.randint(1, 3) for _ in range(rank)]
            sp = [prng.randint(kk, kk + (8 if rank < 3 else 3)) for kk in k]
            shape = [prng.randint(1, 2), prng.randint(1, 5)] + sp
            p = norms[t % len(norms)]
            positive = t % 3 != 0
            x = rng.standard_normal(shape).astype(np.float32)
            if positive:
                x = np.abs(x) + np.float32(0.01)
            layout = "last" if rank > 1 and t % 2 == 0 else "first"
            dtype = "f32" if t % 5 else ("f16" if t % 10 else "bf16")
            cases.append((f"lp{rank}_{t:03d}_p{p}_{layout}_{dtype}", dict(
                p=p, kernel=k, stride=s, ceil=prng.random() < 0.4, shape=shape, layout=layout,
                dtype=dtype, x=x)))
    write_cases(OUT, cases, emit, "gen_fixtures_lp.py")


if __name__ == "__main__":
    main()
