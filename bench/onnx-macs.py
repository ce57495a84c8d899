#!/usr/bin/python3
"""Multiply-adds of each kind of convolution in an ONNX style network, at
one input size, read from the ONNX file itself (not from OpenCV's import
of it, whose layers the engine rewrites: the benchmark divides these
counts by the engine's NEURAL_STYLE_PROFILE=1 times).

usage: onnx-macs.py MODEL.onnx WIDTH HEIGHT

Prints one line per kind of convolution, then the total:
  conv KxK sS CIN->COUT COUNT MACS     (deconv for ConvTranspose)
  total MACS MACS_PER_PIXEL

A small protobuf reader, enough for the fields used here; every length
and offset is checked against the buffer (the file is only ever one of
the shared models, but a parser has no business trusting its input).
Shapes are propagated through Conv, ConvTranspose and Slice; every other
operator of these networks (InstanceNormalization, Relu, Add, Mul, Tanh,
Pad-free elementwise ones) keeps its first input's shape.
"""
import struct
import sys


class Malformed(Exception):
    pass


def varint(buf, pos):
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise Malformed("varint runs past the end at %d" % pos)
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(buf):
    """(field number, wire type, value) of one message; a length-delimited
    value is a memoryview of its bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            if pos + 8 > len(buf):
                raise Malformed("fixed64 past the end")
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = varint(buf, pos)
            if size > len(buf) - pos:
                raise Malformed("field %d: %d bytes past the end" % (number, size))
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            if pos + 4 > len(buf):
                raise Malformed("fixed32 past the end")
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise Malformed("wire type %d" % wire)
        yield number, wire, value


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def ints(wire, value):
    """A repeated int64 field's values, packed or not."""
    if wire == 0:
        return [signed(value)]
    out, pos = [], 0
    while pos < len(value):
        v, pos = varint(value, pos)
        out.append(signed(v))
    return out


def tensor_ints(buf):
    """name, dims and int64 values (int64_data or raw_data) of a TensorProto."""
    name, dims, data, raw, dtype = "", [], [], None, 0
    for number, wire, value in fields(buf):
        if number == 1:
            dims += ints(wire, value)
        elif number == 2 and wire == 0:
            dtype = value
        elif number == 7:
            data += ints(wire, value)
        elif number == 8 and wire == 2:
            name = bytes(value).decode()
        elif number == 9 and wire == 2:
            raw = bytes(value)
    if raw is not None and dtype == 7:  # INT64
        if len(raw) % 8:
            raise Malformed("tensor %s: raw data of %d bytes" % (name, len(raw)))
        data = list(struct.unpack("<%dq" % (len(raw) // 8), raw))
    elif raw is not None and dtype == 6:  # INT32
        if len(raw) % 4:
            raise Malformed("tensor %s: raw data of %d bytes" % (name, len(raw)))
        data = list(struct.unpack("<%di" % (len(raw) // 4), raw))
    return name, dims, data


def attribute(buf):
    name, value = "", None
    for number, wire, v in fields(buf):
        if number == 1 and wire == 2:
            name = bytes(v).decode()
        elif number == 3 and wire == 0:
            value = signed(v)
        elif number == 8:
            value = (value or []) + ints(wire, v)
        elif number == 5 and wire == 2:
            value = tensor_ints(v)
    return name, value


def node(buf):
    n = {"inputs": [], "outputs": [], "op": "", "attrs": {}}
    for number, wire, value in fields(buf):
        if wire != 2:
            continue
        if number == 1:
            n["inputs"].append(bytes(value).decode())
        elif number == 2:
            n["outputs"].append(bytes(value).decode())
        elif number == 4:
            n["op"] = bytes(value).decode()
        elif number == 5:
            key, v = attribute(value)
            n["attrs"][key] = v
    return n


def load(path):
    with open(path, "rb") as f:
        model = memoryview(f.read())
    graph = None
    for number, wire, value in fields(model):
        if number == 7 and wire == 2:
            graph = value
    if graph is None:
        raise Malformed("%s has no graph" % path)
    nodes, tensors, inputs = [], {}, []
    for number, wire, value in fields(graph):
        if wire != 2:
            continue
        if number == 1:
            nodes.append(node(value))
        elif number == 5:
            name, dims, data = tensor_ints(value)
            tensors[name] = (dims, data)
        elif number == 11:
            for n2, w2, v2 in fields(value):
                if n2 == 1 and w2 == 2:
                    inputs.append(bytes(v2).decode())
    graph_inputs = [i for i in inputs if i not in tensors]
    if not graph_inputs:
        raise Malformed("%s has no input" % path)
    return nodes, tensors, graph_inputs[0]


def count(path, width, height):
    """{(op, k, stride, cin, cout): [layers, macs]} and the total."""
    nodes, tensors, first = load(path)
    shapes = {first: [1, 3, height, width]}
    kinds = {}
    total = 0
    for n in nodes:
        a = n["attrs"]
        if n["op"] == "Constant":
            if "value" in a and a["value"] is not None:
                _, dims, data = a["value"]
                tensors[n["outputs"][0]] = (dims, data)
            continue
        src = shapes.get(n["inputs"][0]) if n["inputs"] else None
        if src is None:
            continue  # a weight or a constant's subgraph: no image shape
        if n["op"] in ("Conv", "ConvTranspose"):
            wdims = tensors[n["inputs"][1]][0]
            if len(wdims) != 4 or len(src) != 4:
                raise Malformed("%s: weights %s on %s" % (n["op"], wdims, src))
            group = a.get("group", 1)
            kh, kw = wdims[2], wdims[3]
            sh, sw = (a.get("strides") or [1, 1])[:2]
            dh, dw = (a.get("dilations") or [1, 1])[:2]
            pads = a.get("pads") or [0, 0, 0, 0]
            n_, cin, ih, iw = src
            if n["op"] == "Conv":
                cout = wdims[0]
                oh = (ih + pads[0] + pads[2] - dh * (kh - 1) - 1) // sh + 1
                ow = (iw + pads[1] + pads[3] - dw * (kw - 1) - 1) // sw + 1
                macs = n_ * oh * ow * cout * (cin // group) * kh * kw
            else:
                cout = wdims[1] * group
                opad = a.get("output_padding") or [0, 0]
                oh = sh * (ih - 1) + opad[0] + (kh - 1) * dh + 1 - pads[0] - pads[2]
                ow = sw * (iw - 1) + opad[1] + (kw - 1) * dw + 1 - pads[1] - pads[3]
                # every input pixel meets every weight once
                macs = n_ * ih * iw * cin * (cout // group) * kh * kw
            key = ("conv" if n["op"] == "Conv" else "deconv", kh, kw, sh, cin, cout)
            entry = kinds.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] += macs
            total += macs
            shapes[n["outputs"][0]] = [n_, cout, oh, ow]
        elif n["op"] == "Slice":
            out = list(src)
            starts = tensors[n["inputs"][1]][1]
            ends = tensors[n["inputs"][2]][1]
            axes = tensors[n["inputs"][3]][1] if len(n["inputs"]) > 3 and n["inputs"][3] else range(len(starts))
            steps = tensors[n["inputs"][4]][1] if len(n["inputs"]) > 4 and n["inputs"][4] else [1] * len(starts)
            for axis, s, e, st in zip(axes, starts, ends, steps):
                if st != 1:
                    raise Malformed("Slice with step %d" % st)
                dim = src[axis]
                s = max(0, min(dim, s + dim if s < 0 else s))
                e = max(0, min(dim, e + dim if e < 0 else e))
                out[axis] = max(0, e - s)
            shapes[n["outputs"][0]] = out
        else:
            for o in n["outputs"]:
                shapes[o] = list(src)
    return kinds, total


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    width, height = int(argv[2]), int(argv[3])
    try:
        kinds, total = count(argv[1], width, height)
    except (Malformed, KeyError, IndexError, UnicodeDecodeError) as e:
        sys.stderr.write("onnx-macs: %s: not a network this counter reads (%s)\n" % (argv[1], e))
        return 1
    for (op, kh, kw, s, cin, cout), (layers, macs) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        print("%s %dx%d s%d %d->%d %d %d" % (op, kh, kw, s, cin, cout, layers, macs))
    print("total %d %.0f" % (total, total / (width * height)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
