#!/usr/bin/env python3
"""simdpool beside PyTorch (NCHW and channels-last), ONNX Runtime and a plain memory copy.

    python3 -m venv .venv-peers && .venv-peers/bin/pip install torch onnxruntime onnx numpy matplotlib
    .venv-peers/bin/python bench/compare.py [--rounds 5] [--update-readme] [--no-sweep]
    .venv-peers/bin/python bench/compare.py --layout last [--rounds 5] [--update-readme]

Every engine times the same cases (bench/suite.txt) in one run, interleaved round by round;
each number is the median over rounds of per-round medians. simdpool is timed by its example
`timings` (a server driven over stdin), so the copy yardstick and our kernels run in one
process beside the Python peers. PyTorch channels-last is timed on an input already in that
layout (conversion excluded). Writes bench/results/{compare.md,compare.json,speedup.png,
sweep.md,sweep.png}; --update-readme also regenerates the README's table between markers.

--layout last times the channels-last table instead: simdpool and PyTorch on channels-last
inputs (NLC as a transposed view, NHWC, NDHWC), into bench/results/compare_last.{md,json} and
the README's second table. ONNX Runtime has no float NHWC pooling kernel on CPU (its
`com.microsoft.NhwcMaxPool` takes 8-bit types), so it is not in that table.
"""
import os

# Idle peer threads must sleep, not spin: with every engine interleaved on 2 cores, a spinning
# OpenMP (PyTorch) or ONNX Runtime pool steals the core from whichever engine runs next.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("KMP_BLOCKTIME", "0")

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
INSTALL = ("python3 -m venv .venv-peers && .venv-peers/bin/pip install torch onnxruntime onnx "
           "numpy matplotlib   # then run this script with .venv-peers/bin/python")

try:
    import numpy as np
except ImportError:
    sys.exit(f"compare.py needs numpy at least. Install the peers with:\n  {INSTALL}")


def load_suite():
    cases = []
    for line in (ROOT / "bench" / "suite.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split()
        v = list(map(int, f[2:]))
        # One to three spatial sizes; ops max, avg, and adaptive amax, aavg (k: output size).
        cases.append(dict(name=f[0], op=f[1], k=v[0], s=v[1], p=v[2], d=v[3], ceil=bool(v[4]),
                          incl=bool(v[5]), shape=tuple(v[6:])))
    return cases


def is_max(c):
    return c["op"] in ("max", "amax")


def out_shape(c):
    def one(n):
        if c["op"] in ("amax", "aavg"):
            return c["k"]
        num = n + 2 * c["p"] - c["d"] * (c["k"] - 1) - 1 + (c["s"] - 1 if c["ceil"] else 0)
        o = num // c["s"] + 1
        if c["ceil"] and (o - 1) * c["s"] >= n + c["p"]:
            o -= 1
        return o
    return tuple(c["shape"][:2]) + tuple(one(n) for n in c["shape"][2:])


def nbytes(c):
    return 4 * (int(np.prod(c["shape"])) + int(np.prod(out_shape(c))))


def make_input(c):
    i = np.arange(int(np.prod(c["shape"])), dtype=np.uint64)
    v = ((i * np.uint64(2654435761)) >> np.uint64(7)) % np.uint64(2000)
    return (v.astype(np.float32) * np.float32(0.001) - np.float32(1.0)).reshape(c["shape"])


def spec(c):
    head = "spec:%s:%s:%d:%d:%d:%d:%d:%d" % (c["name"], c["op"], c["k"], c["s"], c["p"], c["d"], c["ceil"], c["incl"])
    return head + "".join(":%d" % v for v in c["shape"])


# Called with the thread count before every peer timing (process-wide thread settings).
BEFORE_TIMING = []


def time_py(f, reps):
    f()
    t = []
    for _ in range(reps):
        s = time.perf_counter()
        f()
        t.append((time.perf_counter() - s) * 1e6)
    return statistics.median(t)


class Simdpool:
    def __init__(self):
        subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "timings"], cwd=ROOT, check=True)
        exe = ROOT / "target" / "release" / "examples" / "timings"
        self.proc = subprocess.Popen([str(exe)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.info = self.proc.stderr.readline().strip().removeprefix("timings: ")

    def time(self, c, threads, isa, indices, reps, layout="first"):
        self.proc.stdin.write(f"{spec(c)} {threads} {isa} {int(indices)} {reps} {layout}\n")
        self.proc.stdin.flush()
        r = json.loads(self.proc.stdout.readline())
        if "error" in r:
            raise RuntimeError(r["error"])
        return r["median_us"]


def peers():
    """name -> factory(case, threads) -> callable; missing peers are reported, not fatal."""
    found, versions = {}, {"numpy": np.__version__}
    try:
        import torch
        import torch.nn.functional as F
        versions["torch"] = torch.__version__

        # set_num_threads is process-wide: set it before every timing, not only when a
        # factory is made (or every later round of "1 thread" would run on all threads).
        BEFORE_TIMING.append(torch.set_num_threads)

        def torch_fn(cl, indices=False):
            def make(c, threads):
                torch.set_num_threads(threads)
                x = torch.from_numpy(make_input(c))
                r = x.dim() - 2
                if cl:
                    if r == 1:
                        x = x.transpose(1, 2).contiguous().transpose(1, 2)  # NLC
                    else:
                        fmt = torch.channels_last if r == 2 else torch.channels_last_3d
                        x = x.contiguous(memory_format=fmt)
                k, s, p, d = c["k"], c["s"], c["p"], c["d"]
                if c["op"] == "max":
                    f = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][r]
                    return lambda: f(x, k, s, p, d, ceil_mode=c["ceil"], return_indices=indices)
                if c["op"] == "avg":
                    f = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][r]
                    return lambda: f(x, k, s, p, ceil_mode=c["ceil"], count_include_pad=c["incl"])
                if c["op"] == "amax":
                    f = [None, F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d][r]
                    return lambda: f(x, k, return_indices=indices)
                f = [None, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][r]
                return lambda: f(x, k)
            return make

        def guarded(make):
            def run(c, threads):
                f = make(c, threads)
                return None if f is None else lambda: torch.no_grad()(f)()
            return run

        found["pytorch_nchw"] = guarded(torch_fn(False))
        found["pytorch_cl"] = guarded(torch_fn(True))
        found["pytorch_nchw_idx"] = guarded(torch_fn(False, True))
        found["pytorch_cl_idx"] = guarded(torch_fn(True, True))
    except ImportError:
        print(f"SKIPPED: PyTorch is not installed. Install the peers with:\n  {INSTALL}", file=sys.stderr)
    try:
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper
        versions["onnxruntime"] = ort.__version__

        def ort_fn(c, threads):
            r = len(c["shape"]) - 2
            attrs = dict(kernel_shape=[c["k"]] * r, strides=[c["s"]] * r, pads=[c["p"]] * 2 * r, ceil_mode=int(c["ceil"]))
            if c["op"] in ("amax", "aavg"):
                if c["k"] != 1:
                    return None  # ONNX has global pooling only, no other adaptive sizes
                node = helper.make_node("GlobalMaxPool" if c["op"] == "amax" else "GlobalAveragePool", ["x"], ["y"])
            elif c["op"] == "max":
                node = helper.make_node("MaxPool", ["x"], ["y"], dilations=[c["d"]] * r, **attrs)
            else:
                node = helper.make_node("AveragePool", ["x"], ["y"], count_include_pad=int(c["incl"]), **attrs)
            sess = ort_session(node, TensorProto.FLOAT, c, threads)
            x = make_input(c)
            return lambda: sess.run(None, {"x": x})

        found["onnxruntime"] = ort_fn
    except ImportError:
        print(f"SKIPPED: ONNX Runtime is not installed. Install the peers with:\n  {INSTALL}", file=sys.stderr)
    return found, versions


def ort_session(node, elem, c, threads):
    """An ONNX Runtime CPU session running the one pooling `node` on case `c`'s shapes in
    element type `elem`, on `threads` threads that sleep when idle."""
    import onnxruntime as ort
    from onnx import helper
    g = helper.make_graph([node], "pool", [helper.make_tensor_value_info("x", elem, list(c["shape"]))],
                          [helper.make_tensor_value_info("y", elem, list(out_shape(c)))])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 19)])
    m.ir_version = 9
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


def reps_for(us):
    return max(5, min(400, int(100_000 / max(us, 1.0))))


def machine():
    cpu = platform.processor() or ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def measure(cases, thread_counts, rounds, sp, found, isas, layout="first"):
    """{(case, threads, engine): median_us}, engines interleaved within every round."""
    # Channels-first: every peer but the channels-last argmax; channels-last: PyTorch's
    # channels-last kernels only.
    wanted = ({"pytorch_cl", "pytorch_cl_idx"} if layout == "last"
              else {n for n in found if n != "pytorch_cl_idx"})
    found = {n: f for n, f in found.items() if n in wanted}
    samples = {}
    factories = {}
    for r in range(rounds):
        for t in thread_counts:
            for c in cases:
                engines = [("copy", None)] + [(f"simdpool:{i}", None) for i in isas]
                if is_max(c):
                    engines.append((f"simdpool:{isas[-1]}+idx", None))
                engines += [(name, f) for name, f in found.items() if is_max(c) or not name.endswith("_idx")]
                engines = engines[r % len(engines):] + engines[:r % len(engines)]  # rotate the order
                for name, make in engines:
                    key = (c["name"], t, name)
                    prev = statistics.median(samples[key]) if key in samples else None
                    reps = reps_for(prev) if prev else 3
                    if name == "copy":
                        us = sp.time(c, t, "copy", False, reps)
                    elif name.startswith("simdpool:"):
                        isa = name.split(":")[1]
                        us = sp.time(c, t, isa.removesuffix("+idx"), isa.endswith("+idx"), reps, layout)
                    else:
                        if (c["name"], t, name) not in factories:
                            factories[(c["name"], t, name)] = make(c, t)
                        if factories[(c["name"], t, name)] is None:
                            continue  # the peer has no such op
                        for hook in BEFORE_TIMING:
                            hook(t)
                        us = time_py(factories[(c["name"], t, name)], reps)
                    samples.setdefault(key, []).append(us)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    return {k: statistics.median(v) for k, v in samples.items()}


def table(cases, thread_counts, res, found, isas):
    best_isa = isas[-1]
    peer_names = [n for n in ("pytorch_nchw", "pytorch_cl", "onnxruntime") if n in found]
    head = ["case", "threads"] + [f"simdpool {i} µs" for i in isas] + [f"{p} µs" for p in peer_names]
    head += ["vs best peer", "vs PyTorch NCHW", "% copy BW", "+indices µs", "vs PyTorch (indices)"]
    rows, summary = [], {}
    for t in thread_counts:
        ratios, nchw = [], []
        for c in cases:
            g = lambda e: res.get((c["name"], t, e))
            ours = g("simdpool:" + best_isa)
            peers_us = [g(p) for p in peer_names]
            best = min((v for v in peers_us if v), default=None)
            copy_bw = 2 * 4 * int(np.prod(c["shape"])) / g("copy")
            bw = nbytes(c) / ours / copy_bw * 100
            row = [c["name"], str(t)] + [f"{g('simdpool:' + i):.1f}" for i in isas]
            row += [f"{v:.1f}" if v else "–" for v in peers_us]
            row += [f"{best / ours:.2f}×" if best else "–"]
            row += [f"{g('pytorch_nchw') / ours:.1f}×" if g("pytorch_nchw") else "–", f"{bw:.0f} %"]
            idx, tidx = g(f"simdpool:{best_isa}+idx"), g("pytorch_nchw_idx")
            row += [f"{idx:.1f}" if idx else "–", f"{tidx / idx:.1f}×" if idx and tidx else "–"]
            rows.append(row)
            if best:
                ratios.append(best / ours)
            if g("pytorch_nchw"):
                nchw.append(g("pytorch_nchw") / ours)
        gm = lambda v: float(np.exp(np.mean(np.log(v)))) if v else float("nan")
        summary[t] = dict(geomean_vs_best=gm(ratios), min_vs_best=min(ratios, default=float("nan")),
                          geomean_vs_nchw=gm(nchw), min_vs_nchw=min(nchw, default=float("nan")))
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(md), summary


def table_last(cases, thread_counts, res, isas):
    """The channels-last table: simdpool against PyTorch's channels-last kernels."""
    best_isa = isas[-1]
    head = ["case", "threads"] + [f"simdpool {i} µs" for i in isas] + ["pytorch_cl µs", "vs PyTorch CL",
            "% copy BW", "+indices µs", "vs PyTorch CL (indices)"]
    rows, summary = [], {}
    for t in thread_counts:
        ratios = []
        for c in cases:
            g = lambda e: res.get((c["name"], t, e))
            ours, peer = g("simdpool:" + best_isa), g("pytorch_cl")
            copy_bw = 2 * 4 * int(np.prod(c["shape"])) / g("copy")
            bw = nbytes(c) / ours / copy_bw * 100
            row = [c["name"], str(t)] + [f"{g('simdpool:' + i):.1f}" for i in isas]
            row += [f"{peer:.1f}" if peer else "–", f"{peer / ours:.2f}×" if peer else "–", f"{bw:.0f} %"]
            idx, tidx = g(f"simdpool:{best_isa}+idx"), g("pytorch_cl_idx")
            row += [f"{idx:.1f}" if idx else "–", f"{tidx / idx:.1f}×" if idx and tidx else "–"]
            rows.append(row)
            if peer:
                ratios.append(peer / ours)
        gm = float(np.exp(np.mean(np.log(ratios)))) if ratios else float("nan")
        summary[t] = dict(geomean_vs_cl=gm, min_vs_cl=min(ratios, default=float("nan")))
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(md), summary


def chart(cases, thread_counts, res, found, path, best):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"SKIPPED: matplotlib missing, no chart. Install the peers with:\n  {INSTALL}", file=sys.stderr)
        return
    peer_names = [n for n in ("pytorch_nchw", "pytorch_cl", "onnxruntime") if n in found]
    fig, axes = plt.subplots(1, len(thread_counts), figsize=(7 * len(thread_counts), 5), squeeze=False)
    for ax, t in zip(axes[0], thread_counts):
        x = np.arange(len(cases))
        wdt = 0.8 / max(1, len(peer_names))
        for j, p in enumerate(peer_names):
            # A peer without the op (PyTorch channels-last for 1-D, ONNX Runtime for adaptive
            # sizes other than 1) gets no bar.
            sp = [res.get((c["name"], t, p), float("nan")) / res[(c["name"], t, "simdpool:" + best)] for c in cases]
            ax.bar(x + j * wdt, sp, wdt, label=f"simdpool speedup vs {p}")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_yscale("log")
        ax.set_xticks(x + 0.4 - wdt / 2, [c["name"] for c in cases], rotation=60, ha="right", fontsize=8)
        ax.set_title(f"{t} thread(s): time of peer / time of simdpool (log)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def sweep(sp, thread_counts, path_md, path_png):
    base = dict(op="max", k=3, s=2, p=1, d=1, ceil=False, incl=True)
    series = {"H=W (n=1, c=16)": [dict(base, name=f"hw{h}", shape=(1, 16, h, h)) for h in (16, 32, 64, 128, 256, 512, 1024)],
              "batch (c=64, 56x56)": [dict(base, name=f"b{b}", shape=(b, 64, 56, 56)) for b in (1, 2, 4, 8, 16, 32, 64)]}
    lines = ["| series | point | threads | simdpool GB/s | copy GB/s |", "|---|---|---|---|---|"]
    data = {}
    for label, cs in series.items():
        for t in thread_counts:
            for c in cs:
                ours = statistics.median(sp.time(c, t, "best", False, reps_for(1000)) for _ in range(5))
                copy = statistics.median(sp.time(c, t, "copy", False, reps_for(1000)) for _ in range(5))
                gbs, cgbs = nbytes(c) / ours / 1e3, 2 * 4 * int(np.prod(c["shape"])) / copy / 1e3
                data.setdefault((label, t), []).append((c["shape"], gbs, cgbs, nbytes(c)))
                lines.append(f"| {label} | {c['shape']} | {t} | {gbs:.1f} | {cgbs:.1f} |")
    path_md.write_text("\n".join(lines) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, label in zip(axes, series):
        for t in thread_counts:
            pts = data[(label, t)]
            mb = [p[3] / 1e6 for p in pts]
            ax.plot(mb, [p[1] for p in pts], "o-", label=f"simdpool, {t} thr")
            ax.plot(mb, [p[2] for p in pts], "x--", label=f"copy, {t} thr")
        ax.set_xscale("log")
        ax.set_xlabel("bytes moved per call (input + output), MB")
        ax.set_ylabel("GB/s")
        ax.set_title(f"max 3x3 s2 p1, sweep over {label}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path_png, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, nargs="*", default=None, help="thread counts (default: 1 and all)")
    ap.add_argument("--cases", nargs="*", default=None, help="subset of suite names")
    ap.add_argument("--update-readme", action="store_true")
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--layout", choices=["first", "last"], default="first",
                    help="first: the NCHW table (default); last: the channels-last table")
    a = ap.parse_args()
    cases = [c for c in load_suite() if not a.cases or c["name"] in a.cases]
    thread_counts = a.threads or sorted({1, os.cpu_count() or 1})
    sp = Simdpool()
    found, versions = peers()
    # Our rows: every ISA but scalar, ending with the one `forward` selects (the headline).
    selected = sp.info.split("(selected: ")[1].rstrip(")")
    isas = [i for i in sp.info.split("ISAs on this CPU: ")[1].split(" (")[0].split(", ") if i not in ("scalar", selected)]
    isas.append(selected)
    res = measure(cases, thread_counts, a.rounds, sp, found, isas, a.layout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if a.layout == "last":
        return main_last(a, cases, thread_counts, res, sp, versions, isas)
    md, summary = table(cases, thread_counts, res, found, isas)
    header = (f"Machine: {machine()}. simdpool: {sp.info}. Peers: "
              + ", ".join(f"{k} {v}" for k, v in versions.items())
              + f". Medians of {a.rounds} interleaved rounds; f32 NCHW; µs per call.")
    lines = [header, "", md, ""]
    for t, s in summary.items():
        lines.append(f"- {t} thread(s): simdpool vs best peer geomean {s['geomean_vs_best']:.2f}× (worst case "
                     f"{s['min_vs_best']:.2f}×); vs PyTorch NCHW geomean {s['geomean_vs_nchw']:.1f}× (worst "
                     f"{s['min_vs_nchw']:.1f}×).")
    text = "\n".join(lines) + "\n"
    (RESULTS / "compare.md").write_text(text)
    (RESULTS / "compare.json").write_text(json.dumps({"header": header, "summary": summary,
        "results": [dict(case=k[0], threads=k[1], engine=k[2], median_us=v) for k, v in res.items()]}, indent=1))
    chart(cases, thread_counts, res, found, RESULTS / "speedup.png", isas[-1])
    if not a.no_sweep:
        sweep(sp, thread_counts, RESULTS / "sweep.md", RESULTS / "sweep.png")
    print(text)
    if a.update_readme:
        update_readme("bench", "`.venv-peers/bin/python bench/compare.py --update-readme` (do not edit by "
                      "hand). Chart: `bench/results/speedup.png`; size sweep: `bench/results/sweep.png`.", text)


def main_last(a, cases, thread_counts, res, sp, versions, isas):
    md, summary = table_last(cases, thread_counts, res, isas)
    versions = {k: v for k, v in versions.items() if k != "onnxruntime"}
    header = (f"Machine: {machine()}. simdpool: {sp.info}. Peer: "
              + ", ".join(f"{k} {v}" for k, v in versions.items())
              + f". Medians of {a.rounds} interleaved rounds; f32 channels-last (NLC, NHWC, NDHWC) "
              "inputs for both; µs per call.")
    lines = [header, "", md, ""]
    for t, s in summary.items():
        lines.append(f"- {t} thread(s): simdpool vs PyTorch channels-last geomean {s['geomean_vs_cl']:.2f}× "
                     f"(worst case {s['min_vs_cl']:.2f}×).")
    text = "\n".join(lines) + "\n"
    (RESULTS / "compare_last.md").write_text(text)
    (RESULTS / "compare_last.json").write_text(json.dumps({"header": header, "summary": summary,
        "results": [dict(case=k[0], threads=k[1], engine=k[2], median_us=v) for k, v in res.items()]}, indent=1))
    print(text)
    if a.update_readme:
        update_readme("bench-last", "`.venv-peers/bin/python bench/compare.py --layout last --update-readme` "
                      "(do not edit by hand).", text)


def update_readme(marker, how, text):
    """Replaces the README's text between `<!-- marker:start -->` and `<!-- marker:end -->`."""
    readme = ROOT / "README.md"
    s = readme.read_text()
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    body = f"{start}\nGenerated by {how}\n\n{text}{end}"
    readme.write_text(s[: s.index(start)] + body + s[s.index(end) + len(end):])


if __name__ == "__main__":
    main()
