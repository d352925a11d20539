#!/usr/bin/env python3
"""Generates fixtures/torch_types.txt: golden PyTorch (CPU) cases for the element types other
than float32: f16, bf16, i8 and u8, every pooling op, ranks 1-3, channels-first and -last.

    .venv-peers/bin/python tools/gen_fixtures_types.py

The format is gen_fixtures_nd.py's, with two lines right after `op`:

    dtype f16|bf16|i8|u8
    layout first|last

`input` and `output` hold the values widened exactly to float32 (as `hexs`: IEEE bits, so NaN
payloads survive), `indices` the flat per-plane argmax as usual, all three in the layout's
*memory* order: channels-first N C spatial.., channels-last N spatial.. C (as in
gen_fixtures_last.py, whose `cf_indices N` line marks the same channels_last_3d index quirk
here; for i8/u8 it shows on windows holding nothing above the type's lowest value). `shape`
stays logical (N C spatial..).

What each type runs in PyTorch 2.15:
  f16, bf16  F.max_poolNd (with and without indices), avg_poolNd, adaptive_max/avg_poolNd on
             tensors of that type. The inputs are float32 draws rounded to the type, with
             quiet NaNs of several payloads (placed as the type's bits) in the `special` style.
             f16 is widened through numpy: torch's half->float turns every NaN into 7fffffff.
             avg_pool1d/2d and adaptive_avg 1-D/2-D equal the float32 op rounded to the type;
             adaptive_avg_pool3d (output not 1x1x1) sums in the type itself, rounding after
             every add (f16 overflows to inf), then divides by kT, kH, kW in turn, rounding
             each time; an all-ones output size goes through mean() (float32).
  i8, u8     max: F.max_pool2d/3d on plain int8/uint8 tensors; 1-D only with return_indices
             (PyTorch has no int max_pool1d without indices). avg and adaptive_avg: PyTorch's
             *quantized* ops on a per-tensor qint8/quint8 tensor with scale 1 and zero point 0,
             read back with int_repr(): the window sum (integer) times float32(1/divisor),
             rounded to float32, then to the nearest integer with ties to even, saturated to
             the type's range (so with a small divisor_override the average clamps).
             (PyTorch's quantized ops return a 1-pixel input's output scrambled when C > 1, and
             accept 3-D inputs smaller than the kernel that float avg_pool3d rejects: neither
             is drawn.)
  Op/type pairs PyTorch lacks (f16/bf16 avg_pool3d, int adaptive_max, int channels-last max
  over more than 127 spatial positions) are tried, skipped and listed on stderr, not emitted.

NaN *bits* in f16/bf16 max outputs are not PyTorch's to pin: they change with the CPU
capability PyTorch dispatches to (ATEN_CPU_CAPABILITY default/avx2/avx512), the layout, vector
lanes against tail lanes, and the indices/no-indices path (bf16 with indices: 7fc0; bf16
channels-last vector lanes on AVX-512: ffff; f16 on `default`: 7e00/fe00; otherwise the input
NaN's bits). `output` holds this machine's return_indices result; compare NaN outputs as NaN
(the index says which input NaN was chosen). Everything else is checked to agree bit for bit
across the two max paths and the two layouts (f16/bf16 averages: counted on stderr), and, but
for those NaN bits, across ATEN_CPU_CAPABILITY=default, avx2 and avx512.
"""
import io
import random
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_fixtures import hexs, make_input  # noqa: E402
from gen_fixtures_last import last_tensor, to_last  # noqa: E402
from gen_fixtures_nd import (  # noqa: E402
    adaptive, draw_window, emit_params, emit_reject, regular, write_cases)

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "torch_types.txt"
TYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "i8": torch.int8, "u8": torch.uint8}
INT_RANGE = {"i8": (-128, 127), "u8": (0, 255)}
# Quiet NaNs whose payload fits the type (as its bits), so widening to float32 is exact.
NANS = {"f16": [0x7E00, 0x7E01, 0xFE23, 0x7FFF, 0xFF55], "bf16": [0x7FC0, 0x7FC1, 0xFFC5, 0x7FFF, 0xFFE3]}
# PyTorch lacks the op for this type or layout: the case is left out (and listed).
SKIPS = ("not implemented for", "numeric_limits<integer_t>")
CHANNELS_LAST = [1, 3, 5, 8, 16, 17, 33]
STATS = {"skipped": [], "nan_bits": 0, "cf_indices": 0, "avg_first_ne_last": [], "avg_ne_f32_round": {},
         "max_noidx_missing": 0}


def is_int(dt):
    return dt in INT_RANGE


def bits16(t):
    return t.contiguous().view(torch.int16).numpy().view(np.uint16)


def widen(t, dt):
    """A tensor of type `dt` as float32 numpy, in logical order, exactly (NaN bits included)."""
    if is_int(dt):
        return t.contiguous().numpy().astype(np.float32)
    if dt == "bf16":
        w = (bits16(t).astype(np.uint32) << 16).view(np.float32)
    else:
        w = bits16(t).view(np.float16).astype(np.float32)  # numpy keeps the payload
    ref = t.float().contiguous().numpy()
    num = ~np.isnan(w)
    assert np.array_equal(w[num].view(np.uint32), ref[num].view(np.uint32)) and np.array_equal(np.isnan(ref), ~num)
    return w


def make_typed(rng, shape, dt, style):
    """Channels-first input of type `dt` in a value style."""
    n = int(np.prod(shape))
    if is_int(dt):
        lo, hi = INT_RANGE[dt]
        if style == "full":
            x = rng.integers(lo, hi + 1, n)
        elif style == "ties":
            x = rng.choice(np.array([lo, lo + 1, (lo + hi) // 2, hi - 1, hi]), n)
        elif style == "extremes":
            x = rng.choice(np.array([lo, hi]), n)
        elif style == "lowest":  # windows of nothing above the lowest value
            x = np.full(n, lo)
            m = rng.random(n) < 0.1
            x[m] = rng.integers(lo, hi + 1, m.sum())
        elif style == "high":  # big sums
            x = rng.integers(hi - 20, hi + 1, n)
            x[rng.random(n) < 0.1] = lo
        else:
            raise ValueError(style)
        return torch.from_numpy(x.reshape(shape).astype(np.int64)).to(TYPES[dt])
    if style in ("normal", "ties", "special", "zeros", "neginf"):
        x32 = make_input(rng, shape, style).reshape(-1)
    elif style == "mixed":  # magnitudes 1e-3..1e3, so sums round
        x32 = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)).astype(np.float32)
    elif style == "ones_eps":  # 1 plus steps below the type's last mantissa bit, and a few big ones
        steps = [1.0, 1.0 + 2.0 ** -7, 1.0 + 2.0 ** -10, 2.0 ** -8, 2.0 ** -11, -1.0, 3.0, 256.0, -255.0, 1.5]
        x32 = rng.choice(np.array(steps, np.float32), n)
    elif style == "big":  # near the type's top: an accumulation in the type overflows
        top = 6.0e4 if dt == "f16" else 3.0e38
        x32 = (top * rng.uniform(0.3, 1.0, n)).astype(np.float32)
        x32[rng.random(n) < 0.2] *= -1
    else:
        raise ValueError(style)
    t = torch.from_numpy(x32.reshape(shape).copy()).to(TYPES[dt])
    # NaNs are placed as the type's bits: torch's narrowing drops payloads, and which NaN it
    # makes depends on the CPU capability it dispatches to.
    b = bits16(t).copy().reshape(-1)
    nan = np.isnan(x32)
    b[nan] = rng.choice(np.array(NANS[dt] if style == "special" else NANS[dt][:1], np.uint16), nan.sum())
    return torch.from_numpy(b.view(np.int16).reshape(shape).copy()).view(TYPES[dt])


def laid_out(x, last, quantize):
    """x (channels-first) as PyTorch gets it: quantized (scale 1, zero point 0) for the integer
    averages, and in channels-last memory when `last`."""
    if quantize:
        x = torch._make_per_tensor_quantized_tensor(x.contiguous(), 1.0, 0)
    return last_tensor(x) if last else x


def run_typed(c, x, last=False):
    """PyTorch on the channels-first tensor `x` (any type) in the given layout: output, indices
    (max ops) and the no-indices path's output (regular max, where PyTorch has it)."""
    r = len(c["shape"]) - 2
    op = c["op"]
    quantize = op in ("avg", "adaptive_avg") and x.dtype in (torch.int8, torch.uint8)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the quantized tensors' deprecation
        x = laid_out(x, last, quantize)
        if op == "max":
            f = [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][r]
            args = (x, c["kernel"], c["stride"], c["padding"], c["dilation"])
            y, i = f(*args, ceil_mode=c["ceil"], return_indices=True)
            try:
                y2 = f(*args, ceil_mode=c["ceil"])
            except RuntimeError as e:  # ints: no max_pool1d without indices
                if "not implemented for" not in str(e):
                    raise
                y2 = None
            return y, i, y2
        if op == "adaptive_max":
            f = [None, F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d][r]
            y, i = f(x, c["out"], return_indices=True)
            return y, i, None
        if op == "avg":
            f = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][r]
            kw = dict(ceil_mode=c["ceil"], count_include_pad=c["include_pad"])
            if r > 1:
                kw["divisor_override"] = c["divisor"] or None
            y = f(x, c["kernel"], c["stride"], c["padding"], **kw)
        else:
            f = [None, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][r]
            y = f(x, c["out"])
        return (y.int_repr() if quantize else y), None, None


def same_but_nan_bits(a, b, name):
    """Asserts two float32 arrays are bitwise equal but for the bits of NaNs (NaN in both);
    returns how many NaNs differ in bits."""
    na, nb = np.isnan(a), np.isnan(b)
    assert np.array_equal(na, nb) and np.array_equal(a[~na].view(np.uint32), b[~nb].view(np.uint32)), name
    return int((a[na].view(np.uint32) != b[nb].view(np.uint32)).sum())


def lowest(dt):
    return INT_RANGE[dt][0] if is_int(dt) else -np.inf


def emit(f, name, c):
    dt, last, r = c["dtype"], c["layout"] == "last", len(c["shape"]) - 2
    buf = io.StringIO()
    emit_params(buf, name, c)
    case_line, op_line, rest = buf.getvalue().split("\n", 2)
    head = f"{case_line}\n{op_line}\ndtype {dt}\nlayout {c['layout']}\n{rest}"
    t = c["t"]
    try:
        y, i, y2 = run_typed(c, t, last)
    except Exception as e:
        msg = str(e).strip().splitlines()[0]
        if any(s in msg for s in SKIPS):
            STATS["skipped"].append((dt, c["op"], r, c["layout"], msg[:90]))
            return "skip"
        f.write(head)
        return emit_reject(f, e)
    quantized = is_int(dt) and c["op"] in ("avg", "adaptive_avg")
    planes = c["shape"][0] * c["shape"][1]
    if quantized and np.prod(c["shape"][2:]) == 1 and c["shape"][1] > 1 and y.numel() > planes:
        # PyTorch's quantized pools return a 1-pixel (ambiguous-stride) input's output in
        # channels-last memory under channels-first strides: the elements come back scrambled.
        STATS["skipped"].append((dt, c["op"], r, c["layout"], "quantized 1-pixel input: PyTorch scrambles the output"))
        return "skip"
    yw = widen(y, dt)
    lines = []
    if y2 is not None:
        # The no-indices path agrees (NaN bits aside: see the docstring).
        STATS["nan_bits"] += same_but_nan_bits(yw, widen(y2, dt), name)
    elif c["op"] == "max":
        STATS["max_noidx_missing"] += 1
    if last:
        yf, i_f, _ = run_typed(c, t, False)
        yfw = widen(yf, dt)
        if i is not None:
            STATS["nan_bits"] += same_but_nan_bits(yw, yfw, name)
            i_last, i_f = i.contiguous().numpy(), i_f.contiguous().numpy()
            differ = i_last != i_f
            if differ.any():
                # Only the channels_last_3d quirk on windows with nothing above the lowest value.
                assert r == 3 and np.all(yw[differ] == lowest(dt)), name
                lines.append(f"cf_indices {int(differ.sum())}\n")
                STATS["cf_indices"] += 1
                i = torch.from_numpy(i_f)
        elif not np.array_equal(yw.view(np.uint32), yfw.view(np.uint32)):
            assert not quantized, name  # the quantized averages agree across layouts
            STATS["avg_first_ne_last"].append(name)
    if c["op"] in ("avg", "adaptive_avg") and not is_int(dt):
        # Diagnostic: does the type's op equal float32's op rounded to the type?
        ref = widen(run_typed(c, t.float())[0].to(TYPES[dt]), dt)
        key = (dt, c["op"], r)
        tally = STATS["avg_ne_f32_round"].setdefault(key, [0, 0])
        tally[0] += int(not np.array_equal(ref.view(np.uint32), yw.view(np.uint32)))
        tally[1] += 1
    mem = to_last if last else (lambda a: np.ascontiguousarray(a).ravel())
    f.write(head)
    f.writelines(lines)
    f.write(f"input {hexs(mem(widen(t, dt)))}\noutput {hexs(mem(yw))}\n")
    if i is not None:
        f.write("indices " + " ".join(str(v) for v in mem(i.contiguous().numpy())) + "\n")
    f.write("end\n")
    return "ok"


def half_sums(lo, hi, taps, d, count, rng):
    """Window sums whose exact quotient by `d` ends in .5 (ties), inside the type's range
    after division: alternately ones where PyTorch's float32(sum) * float32(1/d) rounds
    away from the exactly-rounded (ties-to-even) quotient and ones where both agree."""
    a = np.arange(lo * taps, hi * taps + 1)
    a = a[(a % d == d // 2) & (a >= lo * d) & (a <= hi * d)] if d % 2 == 0 else a[:0]
    mul = np.rint(a.astype(np.float32) * (np.float32(1) / np.float32(d))).astype(np.int64)
    even = np.array([round(Fraction(int(v), d)) for v in a])
    off, on = a[mul != even], a[mul == even]
    out = []
    for k in range(count):
        pool = off if (k % 2 == 0 and len(off)) else on
        out.append(int(rng.choice(pool)))
    return out


def blocks(rng, dt, shape, kernel, sums):
    """Input whose non-overlapping kernel-sized blocks (stride = kernel) sum to `sums` in turn."""
    lo, hi = INT_RANGE[dt]
    x = rng.integers(lo, hi + 1, shape).astype(np.int64)
    grid = [s // k for s, k in zip(shape[2:], kernel)]
    it = iter(sums * (int(np.prod(shape[:2])) * int(np.prod(grid))))
    for idx in np.ndindex(*shape[:2], *grid):
        sl = (idx[0], idx[1], *(slice(o * k, (o + 1) * k) for o, k in zip(idx[2:], kernel)))
        flat = x[sl].reshape(-1)
        diff = next(it) - flat.sum()
        for j in range(len(flat)):
            nv = int(np.clip(flat[j] + diff, lo, hi))
            diff -= nv - flat[j]
            flat[j] = nv
        assert diff == 0
        x[sl] = flat.reshape(x[sl].shape)
    return torch.from_numpy(x).to(TYPES[dt])


def capped(shape, lo, most=800, volume=None):
    """The shape with its longest spatial axes shortened (not below `lo`) to about `most`
    elements (keeping the file small) and, if given, at most `volume` spatial positions."""
    shape = list(shape)
    while np.prod(shape) > most or (volume and np.prod(shape[2:]) > volume):
        ax = max(range(2, len(shape)), key=lambda a: shape[a] - lo[a - 2])
        if shape[ax] <= lo[ax - 2]:
            break
        shape[ax] -= 1
    return tuple(shape)


def dtype_cases(dt, seed):
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    ints = is_int(dt)
    max_styles = ["full", "ties", "extremes", "lowest"] if ints else ["normal", "ties", "special", "zeros", "neginf"]
    avg_styles = ["full", "high", "ties", "extremes"] if ints else ["normal", "mixed", "ones_eps", "ties"]
    cases = []

    def add(name, c, style, t=None):
        c["dtype"] = dt
        c["layout"] = c.get("layout", "first")
        c["t"] = make_typed(rng, c["shape"], dt, style) if t is None else t
        cases.append((f"{dt}_{name}_{c['layout']}", c))

    def channels(t, last):
        return CHANNELS_LAST[t % len(CHANNELS_LAST)] if last else prng.randint(1, 3)

    # Random regular windows: (rank, max cases, avg cases).
    for rank, n_max, n_avg in ((1, 8, 6), (2, 9, 8), (3, 8, 6 if ints else 2)):
        for t in range(n_max + n_avg):
            op = "max" if t < n_max else "avg"
            last = t % 2 == 1
            k, s, p, d, ceil, lo = draw_window(prng, rank, op)
            if op == "avg" and t % 3 == 0:  # wide windows: big sums
                k = [prng.randint(4, 7 if rank < 3 else 4) for _ in range(rank)]
                p = [prng.randint(0, kk // 2) for kk in k]
                lo = [max(1, kk - 2 * pp) for kk, pp in zip(k, p)]
            if op == "avg" and (rank == 3 or ints):
                # 3-D: at least the kernel (float avg_pool3d rejects less even when padded, the
                # quantized one does not); ints: two pixels (1-pixel quantized outputs: skipped).
                lo = [max(l, kk if rank == 3 else 1, 2 if ints else 1) for l, kk in zip(lo, k)]
            if rank == 1:
                sp = [prng.randint(lo[0], max(lo[0], 70 if t % 3 == 0 else 20))]
            else:
                sp = [prng.randint(l, max(l, 8 if rank == 2 else 5)) for l in lo]
            # PyTorch's channels-last int max takes at most 127 positions (more: skipped).
            volume = 127 if ints and last and op == "max" else None
            shape = capped((prng.randint(1, 2), channels(t, last), *sp), lo, volume=volume)
            include_pad = prng.random() < 0.5
            divisor = prng.choice([0, 0, 0, 1, 3, 7, 50]) if op == "avg" and rank > 1 else 0
            styles = max_styles if op == "max" else avg_styles
            style = styles[t % len(styles)]
            c = regular(op, shape, k, s, p, d, ceil, include_pad, divisor)
            c["layout"] = "last" if last else "first"
            add(f"r{rank}_{t:02d}_{op}_{style}_c{shape[1]}", c, style)
    # Random adaptive windows, every rank (adaptive_max: once per rank for ints, skipped).
    for rank in (1, 2, 3):
        for t in range(8 if ints else 10):
            if ints:  # adaptive_max once per rank: PyTorch lacks it for ints (skipped)
                op = "adaptive_max" if t == 0 else "adaptive_avg"
            else:
                op = "adaptive_avg" if t % 2 == 0 else "adaptive_max"
            last = t // 2 % 2 == 1 if not ints else t % 3 == 1
            sp = [prng.randint(2 if ints else 1, 9 if rank < 3 else 5) for _ in range(rank)]
            if rank == 1 and t % 3 == 0:
                sp[0] = prng.randint(20, 70)
            out = [prng.choice([1, 2, 3, max(1, n // 2), n, n + 1]) for n in sp]
            shape = capped((prng.randint(1, 2), channels(t, last), *sp), [2 if ints else 1] * rank)
            styles = max_styles if op == "adaptive_max" else avg_styles
            style = styles[t % len(styles)]
            c = adaptive(op, shape, out)
            c["layout"] = "last" if last else "first"
            add(f"a{rank}_{t:02d}_{op}_{style}_c{shape[1]}", c, style)
    # Networks' shapes and the paths with big sums or special values.
    big = "high" if ints else "mixed"
    ext = "extremes" if ints else "special"
    specials = [
        ("global_avg_2d_7x7", adaptive("adaptive_avg", (1, 16, 7, 7), (1, 1)), big, "last"),
        ("global_avg_2d_14x14", adaptive("adaptive_avg", (1, 3, 14, 14), (1, 1)), big, "first"),
        ("global_avg_1d_70", adaptive("adaptive_avg", (2, 5, 70), (1,)), big, "last"),
        ("global_avg_3d", adaptive("adaptive_avg", (1, 8, 3, 4, 5), (1, 1, 1)), big, "last"),
        ("adaptive_7_of_10_avg", adaptive("adaptive_avg", (1, 3, 10, 10), (7, 7)), big, "first"),
        ("adaptive_3d_2_of_7", adaptive("adaptive_avg", (1, 3, 7, 7, 7), (2, 2, 2)), big, "first"),
        ("avg_7x7_s1_p3", regular("avg", (1, 8, 9, 9), (7, 7), (1, 1), (3, 3), include_pad=False), big, "last"),
        ("avg_7x7_ceil_incl", regular("avg", (1, 2, 10, 10), (7, 7), (2, 2), (3, 3), ceil=True), big, "first"),
        ("avg_1d_k9_long", regular("avg", (1, 17, 40), (9,), (2,), (4,), ceil=True, include_pad=False), big, "last"),
        ("avg_2d_div1", regular("avg", (1, 5, 6, 6), (3, 3), (2, 2), (1, 1), divisor=1), big, "last"),
        ("stem_max_c17", regular("max", (1, 17, 7, 7), (3, 3), (2, 2), (1, 1)), ext, "last"),
        ("stem3d_max_c5", regular("max", (1, 5, 5, 5, 5), (3, 3, 3), (2, 2, 2), (1, 1, 1)), ext, "last"),
        ("max_1d_c33_long", regular("max", (1, 33, 40), (3,), (2,), (1,), (2,)), ext, "last"),
        ("max_1d_long", regular("max", (2, 1, 70), (5,), (3,), (2,), ceil=True), ext, "first"),
        ("lowest_3d_c5", regular("max", (1, 5, 4, 4, 4), (2, 2, 2), (2, 2, 2), (1, 1, 1), ceil=True),
         "lowest" if ints else "neginf", "last"),
    ]
    if ints:
        specials.append(("max_2d_144px_c8", regular("max", (1, 8, 12, 12), (2, 2)), "full", "last"))
    else:
        specials += [
            ("adaptive_3d_big_c3", adaptive("adaptive_avg", (1, 3, 4, 6, 6), (2, 3, 2)), "big", "first"),
            ("adaptive_3d_ones_eps", adaptive("adaptive_avg", (1, 8, 4, 5, 7), (2, 2, 3)), "ones_eps", "last"),
            ("avg_2d_big", regular("avg", (1, 3, 6, 6), (3, 3), (1, 1)), "big", "first"),
            ("avg_2d_ones_eps", regular("avg", (1, 16, 8, 8), (5, 5), (3, 3), (2, 2)), "ones_eps", "last"),
        ]
    for name, c, style, layout in specials:
        c["layout"] = layout
        add(name, c, style)
    if ints:
        # The quantized average's rounding: window sums exactly halfway between integers.
        lo, hi = INT_RANGE[dt]
        for name, c, kern in [
            ("qround_1d_k14", regular("avg", (1, 1, 70), (14,)), (14,)),
            ("qround_1d_k14_c8", regular("avg", (1, 8, 28), (14,)), (14,)),
            ("qround_2d_4x7", regular("avg", (1, 3, 8, 14), (4, 7)), (4, 7)),
            ("qround_2d_7x7_div14", regular("avg", (1, 2, 14, 14), (7, 7), divisor=14), (7, 7)),
            ("qround_3d_2x2x7", regular("avg", (1, 3, 2, 2, 14), (2, 2, 7)), (2, 2, 7)),
            ("qround_adaptive_1d", adaptive("adaptive_avg", (1, 2, 56), (2,)), (28,)),
            ("qround_adaptive_2d", adaptive("adaptive_avg", (1, 1, 8, 14), (2, 2)), (4, 7)),
        ]:
            taps = int(np.prod(kern))
            d = c.get("divisor") or taps
            sums = half_sums(lo, hi, taps, d, 6, rng)
            for layout in ("first", "last"):
                cc = dict(c, layout=layout)
                add(name, cc, None, blocks(rng, dt, c["shape"], kern, sums))
    # Parameters PyTorch rejects for every type.
    for name, c in [
        ("reject_2d_pad", regular("max", (1, 1, 4, 4), (3, 3), padding=(2, 0))),
        ("reject_2d_avg_stride0", regular("avg", (1, 1, 4, 4), (2, 2), stride=(1, 0))),
    ]:
        add(name, c, "ties" if not ints else "full")
    return cases


def main():
    cases = []
    for seed, dt in enumerate(TYPES, start=20261201):
        cases += dtype_cases(dt, seed)
    results = {}

    def counted(f, name, c):
        r = emit(f, name, c)
        key = (c["dtype"], c["op"], c["layout"])
        results.setdefault(key, {}).setdefault(r, 0)
        results[key][r] += 1
        return r

    write_cases(OUT, cases, counted, "gen_fixtures_types.py")
    for key in sorted(results):
        print("  %-4s %-12s %-5s %s" % (*key, results[key]), file=sys.stderr)
    skipped = {}
    for s in STATS["skipped"]:
        skipped[s] = skipped.get(s, 0) + 1
    print("skipped (PyTorch lacks it):", file=sys.stderr)
    for s, n in sorted(skipped.items()):
        print(f"  {n} x {s}", file=sys.stderr)
    print(f"f16/bf16 max NaN outputs whose bits differ between paths or layouts: {STATS['nan_bits']}; "
          f"cases with cf_indices: {STATS['cf_indices']}; int 1-D max without a no-indices "
          f"check: {STATS['max_noidx_missing']}", file=sys.stderr)
    print(f"f16/bf16 averages differing between layouts: {STATS['avg_first_ne_last'] or 'none'}", file=sys.stderr)
    print("f16/bf16 averages != float32 op rounded to the type (cases differing / cases):", file=sys.stderr)
    for key, v in sorted(STATS["avg_ne_f32_round"].items()):
        print(f"  {key}: {v[0]}/{v[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
