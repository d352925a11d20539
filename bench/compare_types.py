#!/usr/bin/env python3
"""simdpool in f16, bf16 and u8 beside PyTorch in the same type and ONNX Runtime.

    .venv-peers/bin/python bench/compare_types.py [--rounds 3] [--types f16 bf16 u8] [--update-readme]

The suite (bench/suite.txt) in each element type, channels-first and channels-last inputs for
simdpool, interleaved round by round with the peers in one process (as bench/compare.py,
whose helpers this uses). Peers: PyTorch on tensors of the type, NCHW and channels-last (for
u8: plain uint8 max pooling, and PyTorch's quantized ops on quint8 with scale 1 and zero
point 0 for max and average); ONNX Runtime's MaxPool where it takes the type (u8). The copy
column copies the input's bytes in the type. Inputs are the suite's values rounded to the
type (`suite::typed_input`: u8 is v·127 + 128). Writes bench/results/compare_types.{md,json}.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import (  # noqa: E402
    BEFORE_TIMING, RESULTS, Simdpool, load_suite, machine, make_input, nbytes, ort_session, reps_for,
    spec, time_py, update_readme)

import numpy as np  # noqa: E402

SIZE = {"f16": 2, "bf16": 2, "u8": 1, "i8": 1}


def typed(c, dtype):
    """The suite's input as PyTorch wants it: (tensor of the type, quantized tensor or None)."""
    import torch
    x = make_input(c)
    if dtype in ("f16", "bf16"):
        return torch.from_numpy(x).to(torch.float16 if dtype == "f16" else torch.bfloat16), None
    if dtype == "u8":
        t = torch.from_numpy(np.round(x * 127 + 128).astype(np.uint8))
        q = torch._make_per_tensor_quantized_tensor(t, 1.0, 0)
    else:
        t = torch.from_numpy(np.round(x * 127).astype(np.int8))
        q = torch._make_per_tensor_quantized_tensor(t, 1.0, 0)
    return t, q


def peers(dtype):
    import warnings
    warnings.filterwarnings("ignore")
    found, versions = {}, {}
    import torch
    import torch.nn.functional as F
    versions["torch"] = torch.__version__
    BEFORE_TIMING.append(torch.set_num_threads)

    def op(c, x):
        r = x.dim() - 2
        k, s, p, d = c["k"], c["s"], c["p"], c["d"]
        if c["op"] == "max":
            f = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][r]
            return lambda: f(x, k, s, p, d, ceil_mode=c["ceil"], return_indices=(r == 1 and not x.is_floating_point() and not x.is_quantized))
        if c["op"] == "avg":
            f = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][r]
            return lambda: f(x, k, s, p, ceil_mode=c["ceil"], count_include_pad=c["incl"])
        if c["op"] == "amax":
            f = [None, F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d][r]
            return lambda: f(x, k)
        f = [None, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][r]
        return lambda: f(x, k)

    def last(x):
        r = x.dim() - 2
        if r == 1:
            return x.transpose(1, 2).contiguous().transpose(1, 2)
        return x.contiguous(memory_format=torch.channels_last if r == 2 else torch.channels_last_3d)

    def torch_fn(cl, quantized):
        def make(c, threads):
            torch.set_num_threads(threads)
            t, q = typed(c, dtype)
            x = q if quantized else t
            if x is None:
                return None
            x = last(x) if cl else x
            f = op(c, x)
            try:
                with torch.no_grad():
                    f()  # PyTorch may lack the op for this type
            except Exception:
                return None
            return lambda: torch.no_grad()(f)()
        return make

    found["pytorch_nchw"] = torch_fn(False, False)
    found["pytorch_cl"] = torch_fn(True, False)
    if dtype in ("u8", "i8"):
        found["pytorch_q_nchw"] = torch_fn(False, True)
        found["pytorch_q_cl"] = torch_fn(True, True)
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper
        versions["onnxruntime"] = ort.__version__
        elem = {"u8": TensorProto.UINT8, "i8": TensorProto.INT8, "f16": TensorProto.FLOAT16}.get(dtype)

        def ort_fn(c, threads):
            if elem is None or c["op"] != "max":
                return None
            r = len(c["shape"]) - 2
            node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[c["k"]] * r, strides=[c["s"]] * r,
                                    pads=[c["p"]] * 2 * r, ceil_mode=int(c["ceil"]), dilations=[c["d"]] * r)
            try:
                sess = ort_session(node, elem, c, threads)
                t, _ = typed(c, dtype)
                x = t.numpy()
                sess.run(None, {"x": x})
            except Exception:
                return None
            return lambda: sess.run(None, {"x": x})

        found["onnxruntime"] = ort_fn
    except ImportError:
        print("SKIPPED: ONNX Runtime is not installed", file=sys.stderr)
    return found, versions


def measure(cases, threads, rounds, sp, dtype, found):
    samples, factories = {}, {}
    for r in range(rounds):
        for t in threads:
            for c in cases:
                engines = ["copy", "simdpool", "simdpool_cl"] + list(found)
                engines = engines[r % len(engines):] + engines[:r % len(engines)]
                for name in engines:
                    key = (c["name"], t, name)
                    reps = reps_for(statistics.median(samples[key])) if key in samples else 3
                    if name in ("copy", "simdpool", "simdpool_cl"):
                        isa = "copy" if name == "copy" else "best"
                        layout = "last" if name == "simdpool_cl" else "first"
                        sp.proc.stdin.write(f"{spec(c)} {t} {isa} 0 {reps} {layout} {dtype}\n")
                        sp.proc.stdin.flush()
                        res = json.loads(sp.proc.stdout.readline())
                        if "error" in res:
                            raise RuntimeError(res["error"])
                        us = res["median_us"]
                    else:
                        if key not in factories:
                            factories[key] = found[name](c, t)
                        if factories[key] is None:
                            continue
                        for hook in BEFORE_TIMING:
                            hook(t)
                        us = time_py(factories[key], reps)
                    samples.setdefault(key, []).append(us)
        print(f"{dtype}: round {r + 1}/{rounds} done", file=sys.stderr)
    return {k: statistics.median(v) for k, v in samples.items()}


def table(cases, threads, res, dtype, found):
    peer_names = list(found)
    lines = []
    head = "| case | threads | simdpool NCHW | simdpool CL | " + " | ".join(peer_names) + " | vs best peer | % copy BW |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    summary = {}
    for t in threads:
        ratios = []
        for c in cases:
            get = lambda n: res.get((c["name"], t, n))
            ours = min(v for v in (get("simdpool"), get("simdpool_cl")) if v is not None)
            peers = [get(n) for n in peer_names if get(n) is not None]
            best = min(peers) if peers else None
            ratio = best / ours if best else None
            if ratio:
                ratios.append(ratio)
            # As compare.py: bytes moved (input + output) per µs against the copy's (2 × input).
            size = int(np.prod(c["shape"])) * SIZE[dtype]
            bw = ""
            if size >= 4 << 20:
                moved = nbytes(c) // 4 * SIZE[dtype]
                bw = f"{100 * (moved / ours) / (2 * size / get('copy')):.0f} %"
            fmt = lambda v: "—" if v is None else f"{v:.1f}"
            lines.append(f"| {c['name']} | {t} | {fmt(get('simdpool'))} | {fmt(get('simdpool_cl'))} | "
                         + " | ".join(fmt(get(n)) for n in peer_names)
                         + f" | {'—' if ratio is None else f'{ratio:.2f}×'} | {bw} |")
        if ratios:
            summary[t] = dict(geomean=float(np.exp(np.mean(np.log(ratios)))), worst=float(min(ratios)))
    return "\n".join(lines), summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--types", nargs="*", default=["f16", "bf16", "u8"])
    ap.add_argument("--threads", type=int, nargs="*", default=None)
    ap.add_argument("--cases", nargs="*", default=None)
    ap.add_argument("--update-readme", action="store_true")
    a = ap.parse_args()
    cases = [c for c in load_suite() if not a.cases or c["name"] in a.cases]
    threads = a.threads or sorted({1, os.cpu_count() or 1})
    sp = Simdpool()
    out, data = [], {}
    versions = {}
    for dtype in a.types:
        found, versions = peers(dtype)
        res = measure(cases, threads, a.rounds, sp, dtype, found)
        md, summary = table(cases, threads, res, dtype, found)
        out += [f"### {dtype}", "", md, ""]
        for t, s in summary.items():
            out.append(f"- {dtype}, {t} thread(s): simdpool (faster of its two layouts) vs best peer geomean "
                       f"{s['geomean']:.2f}× (worst {s['worst']:.2f}×).")
        out.append("")
        data[dtype] = dict(summary=summary, results=[dict(case=k[0], threads=k[1], engine=k[2], median_us=v)
                                                     for k, v in res.items()])
    header = (f"Machine: {machine()}. simdpool: {sp.info}. Peers: "
              + ", ".join(f"{k} {v}" for k, v in versions.items())
              + f". Medians of {a.rounds} interleaved rounds; µs per call; '—': the peer lacks the op "
              "for the type. % copy BW: input ≥ 4 MB in the type's bytes.")
    text = header + "\n\n" + "\n".join(out)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "compare_types.md").write_text(text)
    (RESULTS / "compare_types.json").write_text(json.dumps(dict(header=header, types=data), indent=1))
    print(text)
    if a.update_readme:
        update_readme("bench-types", "`.venv-peers/bin/python bench/compare_types.py --update-readme` "
                      "(do not edit by hand).", text)


if __name__ == "__main__":
    main()
