#!/usr/bin/env python3
"""Generates fixtures/torch_fractional.txt: golden PyTorch (CPU) fractional max pooling
(`F.fractional_max_pool2d/3d` with `_random_samples`), f32 and (a subset) f16 / bf16,
output sizes and ratios, NaN / ties / -inf, and refused calls.

    .venv-peers/bin/python tools/gen_fixtures_fractional.py

    case NAME / kernel K.. / out O.. | ratio R.. (decimal) / shape N C SPATIAL.. / dtype T
    samples HEX.. (per plane, PyTorch's order) / input HEX.. / output HEX.. / indices INT..
    (or reject MESSAGE) / end
"""
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_fixtures import hexs, make_input  # noqa: E402
from gen_fixtures_nd import write_cases  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_fractional.txt"
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def emit(f, name, c):
    line = lambda k, v: f.write(k + " " + " ".join(str(int(t)) for t in v) + "\n")
    r = len(c["kernel"])
    f.write(f"case {name}\n")
    line("kernel", c["kernel"])
    if c.get("out") is not None:
        line("out", c["out"])
    else:
        f.write("ratio " + " ".join(repr(float(v)) for v in c["ratio"]) + "\n")  # doubles, as Python's
    line("shape", c["shape"])
    f.write(f"dtype {c['dtype']}\n")
    dt = DTYPES[c["dtype"]]
    x = torch.from_numpy(c["x"]).to(dt)
    smp = torch.from_numpy(c["samples"]).to(dt)
    f.write(f"samples {hexs(smp.float().numpy())}\n")
    f.write(f"input {hexs(x.float().numpy())}\n")
    fn = {2: F.fractional_max_pool2d, 3: F.fractional_max_pool3d}[r]
    try:
        kw = dict(output_size=c["out"]) if c.get("out") is not None else dict(output_ratio=c["ratio"])
        y, i = fn(x, c["kernel"], return_indices=True, _random_samples=smp, **kw)
    except Exception as e:  # noqa: BLE001
        f.write(f"reject {str(e).strip().splitlines()[0]}\nend\n")
        return "reject"
    f.write(f"output {hexs(y.float().numpy())}\n")
    f.write("indices " + " ".join(str(v) for v in i.numpy().ravel()) + "\nend\n")
    return "ok"


def main():
    rng = np.random.default_rng(20261132)
    prng = random.Random(17)
    styles = ["normal", "ties", "special", "neginf"]
    cases = []
    for rank, count in ((2, 60), (3, 30)):
        for t in range(count):
            k = [prng.randint(1, 3) for _ in range(rank)]
            sp = [prng.randint(kk + 1, kk + (12 if rank == 2 else 5)) for kk in k]
            shape = [prng.randint(1, 2), prng.randint(1, 3)] + sp
            if t % 4 == 3:
                ratio = [prng.choice([0.3, 0.5, 0.7, 0.9]) for _ in range(rank)]
                out = None
            else:
                ratio = None
                out = [prng.randint(1, n - kk + 1) for n, kk in zip(sp, k)]
            dtype = "f32" if t % 6 else ("f16" if t % 12 else "bf16")
            style = styles[t % len(styles)]
            x = make_input(rng, shape, style)
            samples = rng.random((shape[0], shape[1], rank)).astype(np.float32)
            cases.append((f"f{rank}_{t:03d}_{style}_{dtype}", dict(
                kernel=k, out=out, ratio=ratio, shape=shape, dtype=dtype, x=x, samples=samples)))
    # Refused: windows that do not fit.
    x = np.zeros((1, 1, 7, 7), np.float32)
    cases.append(("reject_too_large", dict(kernel=[5, 2], out=[4, 3], ratio=None, shape=[1, 1, 7, 7],
                                            dtype="f32", x=x, samples=np.zeros((1, 1, 2), np.float32))))
    cases.append(("reject_out_past_input", dict(kernel=[2, 2], out=[7, 3], ratio=None, shape=[1, 1, 7, 7],
                                                 dtype="f32", x=x, samples=np.zeros((1, 1, 2), np.float32))))
    write_cases(OUT, cases, emit, "gen_fixtures_fractional.py")


if __name__ == "__main__":
    main()
