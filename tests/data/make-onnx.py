#!/usr/bin/env python3
"""Write a small ONNX network that is *not* a style network.

Test data for the engine's "is this an image-to-image network?" check.  Three
kinds, all with random (seeded) weights and any input height and width:

    classifier  input [1, 3, H, W] -> Conv 3x3 (10 maps) -> Relu
                -> GlobalAveragePool -> Flatten -> output [1, 10]
    gray        input [1, 1, H, W] -> Conv 3x3 (3 maps, pads 1)
                -> output [1, 3, H, W]: an image network, but for
                one-channel images
    rgba        input [1, 4, H, W] -> Conv 3x3 (3 maps, pads 1)
                -> output [1, 3, H, W]: an image network, but for
                four-channel images

usage: make-onnx.py OUT.onnx --kind classifier|gray|rgba [--seed 1]

Only the Python standard library is used: the protobuf messages are encoded
by hand.  Field numbers from onnx/onnx.proto (opset 11, IR version 6):

    ModelProto        1 ir_version  2 producer_name  7 graph  8 opset_import
    OperatorSetIdProto 1 domain  2 version
    GraphProto        1 node  2 name  5 initializer  11 input  12 output
    NodeProto         1 input  2 output  3 name  4 op_type  5 attribute
    AttributeProto    1 name  3 i  8 ints  20 type (INT 2, INTS 7)
    TensorProto       1 dims  2 data_type (FLOAT 1)  8 name  9 raw_data
    ValueInfoProto    1 name  2 type
    TypeProto         1 tensor_type
    TypeProto.Tensor  1 elem_type  2 shape
    TensorShapeProto  1 dim
    Dimension         1 dim_value  2 dim_param

The same arguments always give the same bytes.
"""

import argparse
import random
import struct
import sys

FLOAT = 1
ATTR_INT = 2
ATTR_INTS = 7


# --------------------------------------------------------------------------
# Protobuf wire format: varint (0) and length-delimited (2) fields only

def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3 | 0) + varint(value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return varint(number << 3 | 2) + varint(len(data)) + data


# --------------------------------------------------------------------------
# ONNX messages

def tensor(name, dims, values):
    raw = struct.pack("<%df" % len(values), *values)
    return (b"".join(field_varint(1, d) for d in dims)
            + field_varint(2, FLOAT)
            + field_bytes(8, name)
            + field_bytes(9, raw))


def attr_int(name, value):
    return field_bytes(1, name) + field_varint(3, value) + field_varint(20, ATTR_INT)


def attr_ints(name, values):
    return (field_bytes(1, name)
            + b"".join(field_varint(8, v) for v in values)
            + field_varint(20, ATTR_INTS))


def node(op_type, inputs, outputs, name, attributes=()):
    return (b"".join(field_bytes(1, i) for i in inputs)
            + b"".join(field_bytes(2, o) for o in outputs)
            + field_bytes(3, name)
            + field_bytes(4, op_type)
            + b"".join(field_bytes(5, a) for a in attributes))


def value_info(name, dims):
    """dims: ints, or strings for symbolic sizes."""
    shape = b""
    for d in dims:
        if isinstance(d, str):
            shape += field_bytes(1, field_bytes(2, d))
        else:
            shape += field_bytes(1, field_varint(1, d))
    tensor_type = field_varint(1, FLOAT) + field_bytes(2, shape)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type))


def model(nodes, initializers, inputs, outputs, name):
    graph = (b"".join(field_bytes(1, n) for n in nodes)
             + field_bytes(2, name)
             + b"".join(field_bytes(5, t) for t in initializers)
             + b"".join(field_bytes(11, v) for v in inputs)
             + b"".join(field_bytes(12, v) for v in outputs))
    opset = field_bytes(1, "") + field_varint(2, 11)
    return (field_varint(1, 6)
            + field_bytes(2, "neural-style tests/data/make-onnx.py")
            + field_bytes(7, graph)
            + field_bytes(8, opset))


# --------------------------------------------------------------------------
# The networks

def weights(rng, n):
    return [rng.uniform(-0.1, 0.1) for _ in range(n)]


def conv_node(name, x, y, w, b):
    return node("Conv", [x, w, b], [y], name,
                [attr_ints("kernel_shape", [3, 3]), attr_ints("pads", [1, 1, 1, 1]),
                 attr_ints("strides", [1, 1])])


def classifier(rng):
    maps = 10
    nodes = [
        conv_node("conv", "input", "features", "conv.weight", "conv.bias"),
        node("Relu", ["features"], ["relu"], "relu"),
        node("GlobalAveragePool", ["relu"], ["pooled"], "pool"),
        node("Flatten", ["pooled"], ["output"], "flatten", [attr_int("axis", 1)]),
    ]
    inits = [tensor("conv.weight", [maps, 3, 3, 3], weights(rng, maps * 27)),
             tensor("conv.bias", [maps], weights(rng, maps))]
    return model(nodes, inits,
                 [value_info("input", [1, 3, "height", "width"])],
                 [value_info("output", [1, maps])], "classifier")


def image(rng, channels, name):
    """An image network from `channels` channels to 3."""
    nodes = [conv_node("conv", "input", "output", "conv.weight", "conv.bias")]
    inits = [tensor("conv.weight", [3, channels, 3, 3], weights(rng, 27 * channels)),
             tensor("conv.bias", [3], weights(rng, 3))]
    return model(nodes, inits,
                 [value_info("input", [1, channels, "height", "width"])],
                 [value_info("output", [1, 3, "height", "width"])], name)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write a small ONNX network that is not a style network.")
    ap.add_argument("out", metavar="OUT.onnx")
    ap.add_argument("--kind", choices=("classifier", "gray", "rgba"), required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    if args.kind == "classifier":
        data = classifier(rng)
    else:
        data = image(rng, 1 if args.kind == "gray" else 4, args.kind)
    with open(args.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
