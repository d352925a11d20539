#!/usr/bin/env python3
"""Writes the committed seed corpus (corpus/<target>/seed-*): random inputs of several
lengths, long enough to carry tensor data, plus the two reproductions of issue 9 encoded
for the decoders in src/lib.rs and fuzz_targets/. Deterministic: rerun after a decoder
changes. Seeds named seed-timeout-* or seed-crash-* are not written here: they are a
fuzzer's findings, kept as they were found so that every run replays them."""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(bytes(data))


def floats(values):
    # Bytes::floats: a byte >= 128 is followed by the value's four little-endian bytes.
    out = []
    for v in values:
        out += [200] + list(struct.pack("<f", v))
    return out


rng = random.Random(9)
for target in ["pool2d", "shapes", "geometry", "nd"]:
    for i, n in enumerate([16, 48, 128, 384, 1024, 4096]):
        write(target, f"random-{i}", [rng.randrange(256) for _ in range(n)])

# Issue 9, bug 1: Geometry [4, 8] -> [4, 8], k [1, 3], s 1, p 0, d 1, IncludePad, one plane,
# rows 0..4. Each byte b picks lo + b % (hi - lo + 1).
write("geometry", "issue9-flat-padding",
      [3, 7, 0, 2, 0, 0, 0, 0, 0, 0, 3, 7, 1, 0, 0, 0, 3]
      + floats([float(i % 5) - 2.0 for i in range(32)]))

# Issue 9, bug 2 in small form is out of these decoders' ranges (kernel 2^20 + 1); its
# nearest seed: max 9x3, padding (4, 1), stride 1, ceil off, on a 1x1x3x48 plane of
# alternating 1, 2.
write("pool2d", "argmax-alternating",
      [8, 2, 0, 0, 0, 0, 4, 1, 0, 0, 1, 0, 0, 0, 1, 0, 2, 47]
      + floats([1.0 + (i % 2) for i in range(3 * 48)]))
