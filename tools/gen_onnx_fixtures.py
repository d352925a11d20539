#!/usr/bin/env python3
"""Generates fixtures/onnx_pool.txt: every pooling node test that ships with the installed
`onnx` package (rebuilt by `onnx.backend.test.loader.load_node_model_tests()`), plus cases of
our own for asymmetric pads, auto_pad and storage_order, evaluated by ONNX's reference
evaluator (`onnx.reference.ReferenceEvaluator`).

    python3 -m venv .venv-peers && .venv-peers/bin/pip install onnx numpy
    .venv-peers/bin/python tools/gen_onnx_fixtures.py

Format, one field per line, a case per block. Float arrays live in the side file
fixtures/onnx_pool.f32 (little-endian f32, the ONNX 3-D inputs alone are 200 k values; as
hex text they took 5.5 MB): `input @OFFSET COUNT` names COUNT values from value OFFSET.

    case NAME
    op MaxPool|AveragePool|GlobalMaxPool|GlobalAveragePool
    kernel K.. / strides S.. / pads B.. E.. / dilations D..
    auto_pad NOTSET|VALID|SAME_UPPER|SAME_LOWER / ceil 0|1 / count_include_pad 0|1
    storage_order 0|1
    shape N C SPATIAL..
    input @OFF N / output @OFF N / indices INT.. (when the node returns them)
    end
MaxUnpool: kernel / strides / pads / shape (X's) / [output_shape N C SPATIAL..] / input
(X) / output / indices (I, flat over the output tensor).
LpPool: as AveragePool, plus `p P`. Or, for a node not covered (another dtype):
    case NAME / unsupported WHY / end
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, TensorProto
from onnx.reference import ReferenceEvaluator

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "onnx_pool.txt"
POOLS = ("MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool", "LpPool", "MaxUnpool")


BIN = OUT.with_suffix(".f32")
BLOB = bytearray()


def floats(a):
    """Appends `a` to the binary side file; returns its `@offset count` reference."""
    a = np.ascontiguousarray(a, dtype="<f4").ravel()
    at = len(BLOB) // 4
    BLOB.extend(a.tobytes())
    return f"@{at} {a.size}"


def attrs_of(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def emit(f, name, op, attrs, x, outputs):
    r = x.ndim - 2
    f.write(f"case {name}\nop {op}\n")
    if x.dtype != np.float32:
        f.write(f"dtype {x.dtype}\n")  # values below are exact in f32
    if op in ("MaxPool", "AveragePool", "LpPool"):
        k = attrs["kernel_shape"]
        pads = attrs.get("pads", [0] * (2 * r))
        auto = attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        f.write("kernel " + " ".join(map(str, k)) + "\n")
        f.write("strides " + " ".join(map(str, attrs.get("strides", [1] * r))) + "\n")
        f.write("pads " + " ".join(map(str, pads)) + "\n")
        f.write("dilations " + " ".join(map(str, attrs.get("dilations", [1] * r))) + "\n")
        f.write(f"auto_pad {auto}\nceil {attrs.get('ceil_mode', 0)}\n")
        f.write(f"count_include_pad {attrs.get('count_include_pad', 0)}\n")
        f.write(f"storage_order {attrs.get('storage_order', 0)}\n")
        if op == "LpPool":
            f.write(f"p {attrs.get('p', 2)}\n")
    f.write("shape " + " ".join(map(str, x.shape)) + "\n")
    f.write(f"input {floats(x)}\noutput {floats(outputs[0])}\n")
    if len(outputs) > 1:
        f.write("indices " + " ".join(str(int(v)) for v in outputs[1].ravel()) + "\n")
    f.write("end\n")


def emit_unpool(f, name, attrs, inputs, y):
    """MaxUnpool: values X, flat indices I, optionally the output's full shape."""
    x, i = inputs[0], inputs[1]
    r = x.ndim - 2
    f.write(f"case {name}\nop MaxUnpool\n")
    f.write("kernel " + " ".join(map(str, attrs["kernel_shape"])) + "\n")
    f.write("strides " + " ".join(map(str, attrs.get("strides", [1] * r))) + "\n")
    f.write("pads " + " ".join(map(str, attrs.get("pads", [0] * (2 * r)))) + "\n")
    f.write("shape " + " ".join(map(str, x.shape)) + "\n")
    if len(inputs) > 2:
        f.write("output_shape " + " ".join(map(str, inputs[2])) + "\n")
    f.write(f"input {floats(x)}\noutput {floats(y)}\n")
    f.write("indices " + " ".join(str(int(v)) for v in i.ravel()) + "\nend\n")


def node_tests(f):
    from onnx.backend.test.loader import load_node_model_tests

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tests = load_node_model_tests()
    n = {"ok": 0, "unsupported": 0}
    for t in tests:
        node = t.model.graph.node[0]
        if node.op_type not in POOLS:
            continue
        name = t.name.removeprefix("test_")
        (inputs, outputs) = t.data_sets[0]
        x = inputs[0]
        why = None
        if node.op_type == "MaxUnpool":
            emit_unpool(f, name, attrs_of(node), inputs, outputs[0])
            n["ok"] += 1
            continue
        if x.dtype != np.float32 and not (x.dtype == np.uint8 and node.op_type == "MaxPool"):
            why = f"{x.dtype} input comes with the element-type issue"
        if why:
            f.write(f"case {name}\nunsupported {why}\nend\n")
            n["unsupported"] += 1
            continue
        emit(f, name, node.op_type, attrs_of(node), x, outputs)
        n["ok"] += 1
    return n


def own_cases(f):
    """Asymmetric pads, auto_pad, storage_order and count_include_pad beyond the node tests."""
    rng = np.random.default_rng(20261128)
    cases = [
        ("own_max_asym_pads_2d", "MaxPool", (1, 2, 7, 9), dict(kernel_shape=[3, 4], pads=[0, 1, 2, 3], strides=[2, 1])),
        ("own_avg_asym_pads_2d_incl", "AveragePool", (1, 2, 7, 9), dict(kernel_shape=[3, 4], pads=[0, 1, 2, 3], strides=[2, 1], count_include_pad=1)),
        ("own_avg_asym_pads_2d_excl", "AveragePool", (1, 2, 7, 9), dict(kernel_shape=[3, 4], pads=[2, 0, 1, 3], strides=[1, 2])),
        ("own_avg_asym_pads_ceil", "AveragePool", (1, 1, 8, 8), dict(kernel_shape=[3, 3], pads=[2, 0, 0, 2], strides=[2, 2], ceil_mode=1, count_include_pad=1)),
        ("own_max_asym_pads_ceil", "MaxPool", (1, 1, 8, 8), dict(kernel_shape=[3, 3], pads=[2, 0, 0, 2], strides=[2, 2], ceil_mode=1)),
        ("own_max_pads_over_half", "MaxPool", (1, 2, 6, 6), dict(kernel_shape=[3, 3], pads=[2, 2, 2, 2])),
        ("own_avg_pads_over_half_incl", "AveragePool", (1, 2, 6, 6), dict(kernel_shape=[3, 3], pads=[2, 2, 2, 2], count_include_pad=1)),
        # Stride 1: with another stride the reference evaluator's MaxPool sizes SAME_LOWER
        # outputs floor(n / s), against the spec's (and ONNX Runtime's) ceil(n / s).
        ("own_max_same_lower", "MaxPool", (1, 2, 7, 8), dict(kernel_shape=[4, 3], auto_pad="SAME_LOWER")),
        ("own_max_same_upper_s2", "MaxPool", (1, 2, 7, 8), dict(kernel_shape=[4, 3], strides=[2, 2], auto_pad="SAME_UPPER")),
        ("own_avg_same_lower_incl", "AveragePool", (1, 2, 7, 8), dict(kernel_shape=[4, 3], strides=[2, 1], auto_pad="SAME_LOWER", count_include_pad=1)),
        ("own_avg_same_upper_excl", "AveragePool", (1, 2, 7, 8), dict(kernel_shape=[4, 3], strides=[2, 1], auto_pad="SAME_UPPER")),
        ("own_max_valid", "MaxPool", (1, 2, 7, 8), dict(kernel_shape=[3, 2], strides=[2, 3], auto_pad="VALID")),
        ("own_avg_valid", "AveragePool", (1, 2, 7, 8), dict(kernel_shape=[3, 2], strides=[2, 3], auto_pad="VALID")),
        ("own_max_1d_asym", "MaxPool", (2, 3, 17), dict(kernel_shape=[4], pads=[3, 1], strides=[2])),
        ("own_avg_1d_same_upper", "AveragePool", (2, 3, 17), dict(kernel_shape=[4], strides=[3], auto_pad="SAME_UPPER", count_include_pad=1)),
        ("own_max_3d_asym", "MaxPool", (1, 2, 5, 6, 7), dict(kernel_shape=[2, 3, 3], pads=[1, 0, 2, 0, 2, 1], strides=[2, 2, 1])),
        ("own_avg_3d_asym_incl", "AveragePool", (1, 2, 5, 6, 7), dict(kernel_shape=[2, 3, 3], pads=[1, 0, 2, 0, 2, 1], strides=[2, 2, 1], count_include_pad=1)),
        ("own_avg_3d_same_lower", "AveragePool", (1, 2, 5, 6, 7), dict(kernel_shape=[3, 2, 3], strides=[2, 1, 2], auto_pad="SAME_LOWER")),
        ("own_argmax_2d_storage_order_1", "MaxPool", (2, 2, 6, 7), dict(kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1], storage_order=1)),
        ("own_argmax_2d_storage_order_0", "MaxPool", (2, 2, 6, 7), dict(kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1])),
        ("own_argmax_3d_storage_order_1", "MaxPool", (2, 2, 4, 5, 6), dict(kernel_shape=[2, 2, 3], strides=[2, 2, 2], storage_order=1)),
        ("own_argmax_3d_storage_order_0", "MaxPool", (2, 2, 4, 5, 6), dict(kernel_shape=[2, 2, 3], strides=[1, 2, 2])),
        ("own_argmax_1d", "MaxPool", (2, 2, 11), dict(kernel_shape=[3], strides=[2], pads=[1, 2])),
        ("own_global_avg_3d", "GlobalAveragePool", (2, 3, 3, 4, 5), {}),
        ("own_global_max_1d", "GlobalMaxPool", (2, 3, 19), {}),
    ]
    for name, op, shape, attrs in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        r = len(shape) - 2
        two = op == "MaxPool" and ("storage_order" in attrs or name.startswith("own_argmax"))
        outs = ["y", "i"] if two else ["y"]
        node = helper.make_node(op, ["x"], outs, **attrs)
        ys = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
        if two:
            ys.append(helper.make_tensor_value_info("i", TensorProto.INT64, None))
        graph = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)], ys)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
        if op == "GlobalMaxPool":
            # The reference evaluator's GlobalMaxPool reduces axes (r, r + 1), right for 2-D
            # only; the spec's is the max over every spatial axis.
            got = [x.max(axis=tuple(range(2, x.ndim)), keepdims=True)]
        else:
            got = ReferenceEvaluator(model).run(None, {"x": x})
        emit(f, name, op, attrs, x, got)
        assert r == x.ndim - 2
    return len(cases)


def main():
    with OUT.open("w") as f:
        f.write(f"# onnx {onnx.__version__}, numpy {np.__version__}; generated by tools/gen_onnx_fixtures.py\n")
        n = node_tests(f)
        own = own_cases(f)
    BIN.write_bytes(bytes(BLOB))
    size = OUT.stat().st_size + BIN.stat().st_size
    print(f"{OUT}: node tests {n}, own cases {own}, {size} bytes with {BIN.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
