#!/usr/bin/env python3
"""Write a small Torch7 (.t7) style-transfer network with random weights.

Test data for the .t7 path of the engine (cv::dnn::readNetFromTorch).  The
file imitates the checkpoints of Justin Johnson's fast-neural-style
(https://github.com/jcjohnson/fast-neural-style, models.lua and train.lua)
closely enough to go through the same code of OpenCV's Torch importer, only
much narrower and with random (seeded) weights:

    { opt = {...}, train_loss_history = {...}, ..., model = nn.Sequential }

    model, --padding reflect-start (the default, like the published models):
    nn.SpatialReflectionPadding(P, P, P, P)            P = 8 * blocks
    nn.SpatialConvolution(3, w, 9, 9, 1, 1, 4, 4)      norm  nn.ReLU
    nn.SpatialConvolution(w, 2w, 3, 3, 2, 2, 1, 1)     norm  nn.ReLU
    nn.SpatialConvolution(2w, 4w, 3, 3, 2, 2, 1, 1)    norm  nn.ReLU
    residual block, --blocks times:
        nn.Sequential { nn.ConcatTable {
                            nn.Sequential { conv 3x3 pad 0, norm, nn.ReLU,
                                            conv 3x3 pad 0, norm },
                            nn.ShaveImage(2) },
                        nn.CAddTable }
    nn.SpatialFullConvolution(4w, 2w, 3, 3, 2, 2, 1, 1, 1, 1)  norm  nn.ReLU
    nn.SpatialFullConvolution(2w, w, 3, 3, 2, 2, 1, 1, 1, 1)   norm  nn.ReLU
    nn.SpatialConvolution(w, 3, 9, 9, 1, 1, 4, 4)
    nn.Tanh  nn.MulConstant(150)  nn.TotalVariation (identity at inference)

--padding reflect is Johnson's other layout: no big padding at the start,
nn.SpatialReflectionPadding(4) before each 9x9 conv (then unpadded) and
SpatialReflectionPadding(1) before each residual conv, nn.Identity as the
shortcut.  --padding zero: zero-padded convs, nn.Identity shortcut.

"norm" is Johnson's nn.InstanceNormalization (--variant instance_norm) or
nn.SpatialBatchNormalization with running statistics (--variant eccv16).

I/O convention ('johnson'): 1x3xHxW, BGR, 0..255 with the ImageNet mean
(103.939, 116.779, 123.680) subtracted; the output is in the same space.
For H and W multiples of 4 the output has the input's size.  With the
default reflect-start layout OpenCV also needs H, W >= P (its reflection
padding refuses a border wider than the input; P = 40 in the real models).

Only the Python standard library is used.  Layout written (what torch.save
writes by default; little-endian, int = 4 bytes, long = 8 bytes):

    object  := int type, payload
      0 nil: -               1 number: double         5 boolean: int 0/1
      2 string: int length, bytes
      3 table: int index, int n, n x (object key, object value)
      4 torch object: int index, then (first time only) string "V 1",
               string class name, and
               Tensor:  int ndim, long size[ndim], long stride[ndim],
                        long offset (1-based), object storage (nil if ndim 0)
               Storage: long n, n raw elements
               nn.*:    object table of fields
    A table or torch object seen again is written as its type and index
    only.  Every new table/object takes the next index; OpenCV refuses to
    read a table index twice, so nothing but storages is shared here.

usage: make-t7.py OUT.t7 [--width 8] [--seed 1]
                  [--variant instance_norm|eccv16] [--blocks 2]
                  [--padding reflect-start|reflect|zero] [--bare]
"""

import argparse
import math
import random
import struct
import sys

TYPE_NIL = 0
TYPE_NUMBER = 1
TYPE_STRING = 2
TYPE_TABLE = 3
TYPE_TORCH = 4
TYPE_BOOLEAN = 5


# --------------------------------------------------------------------------
# Lua values

class Table:
    """A Lua table, written in the order of its (key, value) pairs."""

    def __init__(self, items=()):
        self.items = list(items)


class Storage:
    """A torch.FloatStorage (may back several tensors)."""

    def __init__(self, data=None):
        self.data = [] if data is None else data


class Tensor:
    """A contiguous torch.FloatTensor viewing storage[offset:offset+n]."""

    def __init__(self, sizes, storage=None, offset=0):
        self.sizes = list(sizes)
        self.storage = storage
        self.offset = offset

    def numel(self):
        n = 1
        for s in self.sizes:
            n *= s
        return n if self.sizes else 0


class Module:
    """An instance of a torch class: class name and field (key, value)s."""

    def __init__(self, class_name, fields):
        self.class_name = class_name
        self.fields = fields


def tensor_of(values):
    return Tensor([len(values)], Storage(list(values)), 0)


def empty_tensor():
    return Tensor([])


# --------------------------------------------------------------------------
# Serialiser

class T7Writer:
    def __init__(self):
        self.out = bytearray()
        self.count = 0
        self.seen = {}  # id(storage) -> (index, storage)

    def _int(self, v):
        self.out += struct.pack("<i", v)

    def _long(self, v):
        self.out += struct.pack("<q", v)

    def _string(self, s):
        b = s.encode("ascii")
        self._int(len(b))
        self.out += b

    def _ref(self, typ, obj):
        """Type and index; True if obj was already written.  Only storages
        are shared, so only they are looked up (the entry keeps obj alive,
        so its id() cannot be reused)."""
        self._int(typ)
        key = id(obj)
        if key in self.seen:
            self._int(self.seen[key][0])
            return True
        self.count += 1
        if isinstance(obj, Storage):
            self.seen[key] = (self.count, obj)
        self._int(self.count)
        return False

    def _torch(self, obj, class_name):
        if self._ref(TYPE_TORCH, obj):
            return False
        self._string("V 1")
        self._string(class_name)
        return True

    def write(self, obj):
        if obj is None:
            self._int(TYPE_NIL)
        elif isinstance(obj, bool):
            self._int(TYPE_BOOLEAN)
            self._int(1 if obj else 0)
        elif isinstance(obj, (int, float)):
            self._int(TYPE_NUMBER)
            self.out += struct.pack("<d", float(obj))
        elif isinstance(obj, str):
            self._int(TYPE_STRING)
            self._string(obj)
        elif isinstance(obj, list):  # Lua array, keys 1..n
            self.write(Table((i + 1, v) for i, v in enumerate(obj)))
        elif isinstance(obj, Table):
            if not self._ref(TYPE_TABLE, obj):
                self._int(len(obj.items))
                for k, v in obj.items:
                    self.write(k)
                    self.write(v)
        elif isinstance(obj, Storage):
            if self._torch(obj, "torch.FloatStorage"):
                self._long(len(obj.data))
                self.out += struct.pack("<%df" % len(obj.data), *obj.data)
        elif isinstance(obj, Tensor):
            if self._torch(obj, "torch.FloatTensor"):
                self._tensor_body(obj)
        elif isinstance(obj, Module):
            if self._torch(obj, obj.class_name):
                self.write(Table(obj.fields))
        else:
            raise TypeError("cannot serialise %r" % (obj,))

    def _tensor_body(self, t):
        self._int(len(t.sizes))
        strides, acc = [], 1
        for s in reversed(t.sizes):
            strides.append(acc)
            acc *= s
        strides.reverse()
        for s in t.sizes:
            self._long(s)
        for s in strides:
            self._long(s)
        self._long(t.offset + 1)
        if not t.sizes:
            self._int(TYPE_NIL)
            return
        assert t.offset + t.numel() <= len(t.storage.data)
        self.write(t.storage)


# --------------------------------------------------------------------------
# Network

class Builder:
    """Builds the model.  Learnable weights and biases are views into one
    flat storage, as after model:getParameters() in train.lua."""

    def __init__(self, rng, variant):
        self.rng = rng
        self.variant = variant
        self.params = Storage()

    def param(self, sizes, bound, centre=0.0):
        t = Tensor(sizes, self.params, len(self.params.data))
        u = self.rng.uniform
        self.params.data.extend(centre + u(-bound, bound)
                                for _ in range(t.numel()))
        return t

    @staticmethod
    def common(train=True):
        # train.lua saves the model after model:training() and
        # model:clearState(): train = true, empty output/gradInput.
        return [("train", train),
                ("output", empty_tensor()),
                ("gradInput", empty_tensor()),
                ("_type", "torch.FloatTensor")]

    def conv(self, n_in, n_out, k, stride, pad, gain):
        # Uniform weights with variance gain^2 / fan_in.
        bound = gain * math.sqrt(3.0 / (n_in * k * k))
        return Module("nn.SpatialConvolution", self.common() + [
            ("nInputPlane", n_in), ("nOutputPlane", n_out),
            ("kW", k), ("kH", k), ("dW", stride), ("dH", stride),
            ("padW", pad), ("padH", pad),
            ("weight", self.param([n_out, n_in, k, k], bound)),
            ("bias", self.param([n_out], 0.1 * bound)),
            ("gradWeight", empty_tensor()), ("gradBias", empty_tensor()),
        ])

    def full_conv(self, n_in, n_out, gain):
        # nn.SpatialFullConvolution(n_in, n_out, 3, 3, 2, 2, 1, 1, 1, 1);
        # its weight is n_in x n_out x kH x kW.  Each output pixel sees
        # about n_in * 9 / 4 inputs.
        bound = gain * math.sqrt(3.0 / (n_in * 9 / 4.0))
        return Module("nn.SpatialFullConvolution", self.common() + [
            ("nInputPlane", n_in), ("nOutputPlane", n_out),
            ("kW", 3), ("kH", 3), ("dW", 2), ("dH", 2),
            ("padW", 1), ("padH", 1), ("adjW", 1), ("adjH", 1),
            ("weight", self.param([n_in, n_out, 3, 3], bound)),
            ("bias", self.param([n_out], 0.1 * bound)),
            ("gradWeight", empty_tensor()), ("gradBias", empty_tensor()),
        ])

    def batch_norm(self, n, in_std, weight, bias):
        u = self.rng.uniform
        return Module("nn.SpatialBatchNormalization", self.common() + [
            ("eps", 1e-5), ("momentum", 0.1), ("affine", True),
            ("running_mean",
             tensor_of([u(-0.1, 0.1) * in_std for _ in range(n)])),
            ("running_var",
             tensor_of([(u(0.8, 1.25) * in_std) ** 2 for _ in range(n)])),
            ("weight", weight), ("bias", bias),
            ("gradWeight", empty_tensor()), ("gradBias", empty_tensor()),
        ])

    def norm(self, n, in_std):
        """in_std: expected scale of the input, for the running statistics
        of the batch-norm variant (instance norm needs none)."""
        weight = self.param([n], 0.4, 1.0)
        bias = self.param([n], 0.2)
        if self.variant == "eccv16":
            return self.batch_norm(n, in_std, weight, bias)
        # Johnson's InstanceNormalization: eps, nOutput, prev_N, weight,
        # bias and the inner SpatialBatchNormalization 'bn' it creates for
        # N x C channels (N = 4, the training batch size).  No running
        # statistics: OpenCV takes nOutput and adds an MVN layer.
        inner_w = tensor_of([1.0] * (4 * n))
        inner_b = tensor_of([0.0] * (4 * n))
        return Module("nn.InstanceNormalization", self.common() + [
            ("eps", 1e-5), ("nOutput", n), ("prev_N", 4),
            ("weight", weight), ("bias", bias),
            ("gradWeight", empty_tensor()), ("gradBias", empty_tensor()),
            ("bn", self.batch_norm(4 * n, 1.0, inner_w, inner_b)),
        ])

    def relu(self):
        return Module("nn.ReLU", self.common() + [
            ("inplace", True), ("threshold", 0.0), ("val", 0.0)])

    @staticmethod
    def reflect(p):
        return Module("nn.SpatialReflectionPadding", Builder.common() + [
            ("pad_l", p), ("pad_r", p), ("pad_t", p), ("pad_b", p)])

    def sequential(self, modules):
        return Module("nn.Sequential",
                      self.common() + [("modules", list(modules))])

    def residual_block(self, n, padding):
        # Gain 0.5 on the second conv keeps the sum from growing much.
        conv_pad = 1 if padding == "zero" else 0
        branch = []
        for i, gain in enumerate((math.sqrt(2.0), 0.5)):
            if padding == "reflect":
                branch.append(self.reflect(1))
            branch.append(self.conv(n, n, 3, 1, conv_pad, gain))
            branch.append(self.norm(n, 1.0 if i == 0 else 0.5))
            if i == 0:
                branch.append(self.relu())
        if padding == "reflect-start":
            shortcut = Module("nn.ShaveImage", self.common() + [("size", 2)])
        else:
            shortcut = Module("nn.Identity", self.common())
        concat = Module("nn.ConcatTable", self.common() + [
            ("modules", [self.sequential(branch), shortcut])])
        add = Module("nn.CAddTable", self.common() + [("inplace", False)])
        return self.sequential([concat, add])

    def conv9(self, n_in, n_out, padding, gain):
        if padding == "reflect":
            return [self.reflect(4), self.conv(n_in, n_out, 9, 1, 0, gain)]
        return [self.conv(n_in, n_out, 9, 1, 4, gain)]


def build_model(width, seed, variant, blocks, padding):
    b = Builder(random.Random(seed), variant)
    w1, w2, w4 = width, 2 * width, 4 * width
    relu_gain = math.sqrt(2.0)
    layers = []
    if padding == "reflect-start":
        # Each block shaves 2 pixels per side at 1/4 scale.
        layers.append(b.reflect(8 * blocks))
    # Johnson-convention input: about +-120 around 0, std ~60.
    layers += b.conv9(3, w1, padding, 1.0)
    layers += [b.norm(w1, 60.0), b.relu(),
               b.conv(w1, w2, 3, 2, 1, relu_gain), b.norm(w2, 1.0), b.relu(),
               b.conv(w2, w4, 3, 2, 1, relu_gain), b.norm(w4, 1.0), b.relu()]
    layers += [b.residual_block(w4, padding) for _ in range(blocks)]
    layers += [b.full_conv(w4, w2, 1.0), b.norm(w2, 1.0), b.relu(),
               b.full_conv(w2, w1, relu_gain), b.norm(w1, 1.0), b.relu()]
    # Pre-tanh values of about unit scale: the output spans much of +-150
    # without being saturated everywhere.
    layers += b.conv9(w1, 3, padding, 0.7)
    layers += [
        Module("nn.Tanh", b.common()),
        Module("nn.MulConstant", b.common() + [
            ("constant_scalar", 150.0), ("inplace", False)]),
        Module("nn.TotalVariation", b.common() + [("strength", 1e-6)]),
    ]
    return b.sequential(layers)


def checkpoint(model, args):
    w = args.width
    arch = ",".join(["c9s1-%d" % w, "d%d" % (2 * w), "d%d" % (4 * w)]
                    + ["R%d" % (4 * w)] * args.blocks
                    + ["u%d" % (2 * w), "u%d" % w, "c9s1-3"])
    opt = Table([
        ("arch", arch),
        ("use_instance_norm", 1 if args.variant == "instance_norm" else 0),
        ("padding_type", args.padding),
        ("tanh_constant", 150),
        ("preprocessing", "vgg"),
        ("tv_strength", 1e-6),
        ("style_layers", [4, 9, 16, 23]),
        ("style_weights", [5.0, 5.0, 5.0, 5.0]),
        ("content_layers", [16]),
        ("content_weights", [1.0]),
        ("batch_size", 4),
        ("seed", args.seed),
        ("note", "random weights, made by make-t7.py for tests"),
    ])
    return Table([
        ("opt", opt),
        ("train_loss_history", [3.5, 2.5, 2.0]),
        ("val_loss_history", [2.25]),
        ("val_loss_history_ts", [3]),
        ("style_loss_history", Table([("style-4", [1.0, 0.5]),
                                      ("content-16", [0.25, 0.125])])),
        ("model", model),
    ])


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write a small random-weight Torch7 style-transfer "
                    "network laid out like Johnson's fast-neural-style.")
    ap.add_argument("out", metavar="OUT.t7")
    ap.add_argument("--width", type=int, default=8,
                    help="channels of the first conv (default 8; Johnson 32)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variant", choices=("instance_norm", "eccv16"),
                    default="instance_norm")
    ap.add_argument("--blocks", type=int, default=2,
                    help="residual blocks (default 2; Johnson 5)")
    ap.add_argument("--padding", default="reflect-start",
                    choices=("reflect-start", "reflect", "zero"),
                    help="Johnson's padding_type (default reflect-start, "
                         "as in the published models)")
    ap.add_argument("--bare", action="store_true",
                    help="write the nn.Sequential alone, not the "
                         "checkpoint table {model=..., opt=...}")
    args = ap.parse_args(argv)
    if args.width < 1 or args.blocks < 0:
        ap.error("--width must be >= 1 and --blocks >= 0")

    model = build_model(args.width, args.seed, args.variant, args.blocks,
                        args.padding)
    w = T7Writer()
    w.write(model if args.bare else checkpoint(model, args))
    with open(args.out, "wb") as f:
        f.write(w.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
