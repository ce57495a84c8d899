# tflite_ref.py: a minimal, independent TensorFlow Lite reader and float
# interpreter in numpy, the test suite's reference for the engine's Magenta
# networks.  It shares nothing with the engine: the flatbuffer is read here
# from TFLite's public schema (schema.fbs), and every op is written out in
# numpy as TFLite's reference kernels define it.
#
# Float mode: constants are dequantized ((q - zero_point) * scale, per channel
# along quantized_dimension; float16 widened); activations stay float64, so
# QUANTIZE and DEQUANTIZE of an activation are identities.

import struct

import numpy as np


class TFLiteError(Exception):
    pass


# TensorType
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64,
           7: np.int16, 9: np.int8}

# BuiltinOperator codes of the ops interpreted here, with the BuiltinOptions
# union index their options table must carry (0: none).
ADD, CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE, LOGISTIC, MUL, MEAN, SUB = 0, 3, 4, 6, 14, 18, 40, 41
RSQRT, RESIZE_NEAREST_NEIGHBOR, SQUARED_DIFFERENCE, MIRROR_PAD, QUANTIZE = 76, 97, 99, 100, 114
OP_NAMES = {ADD: 'ADD', CONV_2D: 'CONV_2D', DEPTHWISE_CONV_2D: 'DEPTHWISE_CONV_2D',
            DEQUANTIZE: 'DEQUANTIZE', LOGISTIC: 'LOGISTIC', MUL: 'MUL', MEAN: 'MEAN',
            SUB: 'SUB', RSQRT: 'RSQRT', RESIZE_NEAREST_NEIGHBOR: 'RESIZE_NEAREST_NEIGHBOR',
            SQUARED_DIFFERENCE: 'SQUARED_DIFFERENCE', MIRROR_PAD: 'MIRROR_PAD',
            QUANTIZE: 'QUANTIZE'}
_OPTIONS_TYPE = {CONV_2D: 1, DEPTHWISE_CONV_2D: 2, ADD: 11, MUL: 21, MEAN: 27, SUB: 28,
                 RESIZE_NEAREST_NEIGHBOR: 74, SQUARED_DIFFERENCE: 76, MIRROR_PAD: 77}


class _Table:
    """A flatbuffer table at `pos` in `buf`, every read bounds-checked."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        vtable = pos - self._i32(pos)
        self.vt_size = self._u16(vtable)
        self.vtable = vtable
        if self.vt_size < 4 or vtable + self.vt_size > len(buf):
            raise TFLiteError('bad vtable at %d' % vtable)

    def _check(self, pos, size):
        if pos < 0 or pos + size > len(self.buf):
            raise TFLiteError('offset %d+%d past the end (%d bytes)' % (pos, size, len(self.buf)))

    def _u16(self, pos):
        self._check(pos, 2)
        return struct.unpack_from('<H', self.buf, pos)[0]

    def _i32(self, pos):
        self._check(pos, 4)
        return struct.unpack_from('<i', self.buf, pos)[0]

    def _field(self, fid):
        slot = 4 + 2 * fid
        if slot + 2 > self.vt_size:
            return 0
        return self._u16(self.vtable + slot)

    def scalar(self, fid, fmt, default=0):
        off = self._field(fid)
        if not off:
            return default
        self._check(self.pos + off, struct.calcsize(fmt))
        return struct.unpack_from('<' + fmt, self.buf, self.pos + off)[0]

    def _indirect(self, fid):
        off = self._field(fid)
        if not off:
            return None
        p = self.pos + off
        self._check(p, 4)
        return p + struct.unpack_from('<I', self.buf, p)[0]

    def table(self, fid):
        p = self._indirect(fid)
        return None if p is None else _Table(self.buf, p)

    def _vector(self, fid, elem_size):
        p = self._indirect(fid)
        if p is None:
            return None, 0
        self._check(p, 4)
        n = struct.unpack_from('<I', self.buf, p)[0]
        self._check(p + 4, n * elem_size)
        return p + 4, n

    def array(self, fid, dtype):
        dtype = np.dtype(dtype).newbyteorder('<')
        start, n = self._vector(fid, dtype.itemsize)
        if start is None:
            return None
        return np.frombuffer(self.buf, dtype, n, start)

    def tables(self, fid):
        start, n = self._vector(fid, 4)
        if start is None:
            return []
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(_Table(self.buf, p + struct.unpack_from('<I', self.buf, p)[0]))
        return out

    def string(self, fid):
        raw = self.array(fid, np.uint8)
        return '' if raw is None else raw.tobytes().decode('utf-8', 'replace')


class Tensor:
    def __init__(self, t, buffers, buf):
        shape = t.array(0, np.int32)
        self.shape = [] if shape is None else [int(s) for s in shape]
        code = t.scalar(1, 'b')
        if code not in _DTYPES:
            raise TFLiteError('tensor type %d not supported' % code)
        self.dtype = np.dtype(_DTYPES[code])
        self.name = t.string(3)
        index = t.scalar(2, 'I')
        if index >= len(buffers):
            raise TFLiteError('tensor %s: buffer %d of %d' % (self.name, index, len(buffers)))
        self.data = None
        b = buffers[index]
        raw = b.array(0, np.uint8)
        if raw is None and b.scalar(1, 'Q') > 1:   # data outside the flatbuffer
            start, size = b.scalar(1, 'Q'), b.scalar(2, 'Q')
            if start + size > len(buf):
                raise TFLiteError('tensor %s: data past the end' % self.name)
            raw = np.frombuffer(buf, np.uint8, size, start)
        if raw is not None and raw.size:
            count = int(np.prod(self.shape)) if self.shape else 1
            if raw.size != count * self.dtype.itemsize:
                raise TFLiteError('tensor %s: %d bytes for shape %s'
                                  % (self.name, raw.size, self.shape))
            self.data = raw.view(self.dtype.newbyteorder('<')).reshape(self.shape)
        self.scale = self.zero_point = None
        self.quantized_dimension = 0
        q = t.table(4)
        if q is not None:
            scale = q.array(2, np.float32)
            if scale is not None and scale.size:
                self.scale = scale.astype(np.float64)
                zp = q.array(3, np.int64)
                self.zero_point = (np.zeros(scale.size) if zp is None else zp).astype(np.float64)
                if self.zero_point.size != self.scale.size:
                    raise TFLiteError('tensor %s: %d scales, %d zero points'
                                      % (self.name, self.scale.size, self.zero_point.size))
                self.quantized_dimension = q.scalar(6, 'i')

    def value(self):
        """The constant's values: dequantized floats, or integers as stored."""
        if self.data is None:
            raise TFLiteError('tensor %s has no data' % self.name)
        if self.scale is not None:
            q = self.data.astype(np.float64)
            if self.scale.size == 1:
                return (q - self.zero_point[0]) * self.scale[0]
            axis = self.quantized_dimension
            if not 0 <= axis < q.ndim or q.shape[axis] != self.scale.size:
                raise TFLiteError('tensor %s: %d scales along axis %d of %s'
                                  % (self.name, self.scale.size, axis, self.shape))
            bshape = [1] * q.ndim
            bshape[axis] = -1
            return (q - self.zero_point.reshape(bshape)) * self.scale.reshape(bshape)
        if self.dtype.kind == 'f':
            return self.data.astype(np.float64)
        return self.data.astype(np.int64)


class Operator:
    def __init__(self, o, codes):
        index = o.scalar(0, 'I')
        if index >= len(codes):
            raise TFLiteError('opcode index %d of %d' % (index, len(codes)))
        self.code = codes[index]
        if self.code not in OP_NAMES:
            raise TFLiteError('op %d not supported' % self.code)
        self.name = OP_NAMES[self.code]
        ins, outs = o.array(1, np.int32), o.array(2, np.int32)
        self.inputs = [] if ins is None else [int(i) for i in ins]
        self.outputs = [] if outs is None else [int(i) for i in outs]
        otype = o.scalar(3, 'B')
        opts = o.table(4)
        want = _OPTIONS_TYPE.get(self.code, 0)
        if opts is not None and otype != want:
            raise TFLiteError('%s with options type %d (expected %d)' % (self.name, otype, want))
        def g(fid, fmt, default=0):
            return default if opts is None else opts.scalar(fid, fmt, default)

        self.activation = 0
        if self.code == CONV_2D:
            self.padding, self.stride_w, self.stride_h = g(0, 'b'), g(1, 'i'), g(2, 'i')
            self.activation = g(3, 'b')
            self.dilation_w, self.dilation_h = g(4, 'i', 1), g(5, 'i', 1)
        elif self.code == DEPTHWISE_CONV_2D:
            self.padding, self.stride_w, self.stride_h = g(0, 'b'), g(1, 'i'), g(2, 'i')
            self.depth_multiplier, self.activation = g(3, 'i'), g(4, 'b')
            self.dilation_w, self.dilation_h = g(5, 'i', 1), g(6, 'i', 1)
        elif self.code in (ADD, MUL, SUB):
            self.activation = g(0, 'b')
        elif self.code == MEAN:
            self.keep_dims = bool(g(0, 'B'))
        elif self.code == MIRROR_PAD:
            self.symmetric = g(0, 'b') == 1
        elif self.code == RESIZE_NEAREST_NEIGHBOR:
            self.align_corners, self.half_pixel_centers = bool(g(0, 'B')), bool(g(1, 'B'))


class Model:
    """The first subgraph of a .tflite file."""

    def __init__(self, path):
        with open(path, 'rb') as f:
            buf = f.read()
        if len(buf) < 8 or buf[4:8] != b'TFL3':
            raise TFLiteError('%s: not a TFLite file' % path)
        root = _Table(buf, struct.unpack_from('<I', buf, 0)[0])
        codes = []
        for c in root.tables(1):
            # builtin_code (id 3, int32) superseded the byte at id 0.
            codes.append(max(c.scalar(0, 'b'), c.scalar(3, 'i')))
        buffers = root.tables(4)
        subgraphs = root.tables(2)
        if not subgraphs:
            raise TFLiteError('%s: no subgraph' % path)
        g = subgraphs[0]
        self.tensors = [Tensor(t, buffers, buf) for t in g.tables(0)]
        self.inputs = [int(i) for i in g.array(1, np.int32)]
        self.outputs = [int(i) for i in g.array(2, np.int32)]
        self.operators = [Operator(o, codes) for o in g.tables(3)]
        n = len(self.tensors)
        for op in self.operators:
            for i in op.inputs + op.outputs:
                if not -1 <= i < n:
                    raise TFLiteError('%s: tensor index %d of %d' % (op.name, i, n))
        self._consts = {}

    def const(self, i):
        if i not in self._consts:
            self._consts[i] = self.tensors[i].value()
        return self._consts[i]

    def run(self, *inputs, trace=None):
        """Runs the graph on float64 NHWC inputs; returns the outputs.
        `trace(tensor_index, value)`, if given, sees every op's output."""
        if len(inputs) != len(self.inputs):
            raise TFLiteError('%d inputs given, %d expected' % (len(inputs), len(self.inputs)))
        values = dict(zip(self.inputs, [np.asarray(x, np.float64) for x in inputs]))

        def get(i):
            if i in values:
                return values[i]
            return self.const(i)

        for op in self.operators:
            args = [get(i) for i in op.inputs if i >= 0]
            out = _KERNELS[op.code](self, op, *args)
            values[op.outputs[0]] = _activate(out, op.activation)
            if trace:
                trace(op.outputs[0], values[op.outputs[0]])
        return [values[i] for i in self.outputs]


def _activate(x, activation):
    if activation == 0:
        return x
    if activation == 1:
        return np.maximum(x, 0)
    if activation == 2:
        return np.clip(x, -1, 1)
    if activation == 3:
        return np.clip(x, 0, 6)
    if activation == 4:
        return np.tanh(x)
    raise TFLiteError('fused activation %d not supported' % activation)


def _same_padding(size, kernel, stride, dilation, padding):
    """TFLite's output size and leading pad along one axis."""
    k = (kernel - 1) * dilation + 1
    if padding == 1:  # VALID
        return (size - k) // stride + 1, 0
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + k - size, 0)
    return out, total // 2


def _padded(op, x, kh, kw):
    """The zero-padded input and the output size of a convolution."""
    n, h, w, c = x.shape
    oh, ph = _same_padding(h, kh, op.stride_h, op.dilation_h, op.padding)
    ow, pw = _same_padding(w, kw, op.stride_w, op.dilation_w, op.padding)
    need_h = (oh - 1) * op.stride_h + (kh - 1) * op.dilation_h + 1
    need_w = (ow - 1) * op.stride_w + (kw - 1) * op.dilation_w + 1
    xp = np.zeros((n, max(need_h, h + ph), max(need_w, w + pw), c))
    xp[:, ph:ph + h, pw:pw + w] = x
    return xp, oh, ow


def _tap(op, xp, oh, ow, i, j, rows=None):
    """The strided input slice that kernel tap (i, j) sees, for output
    rows `rows` (a range; all by default)."""
    r0, r1 = (0, oh) if rows is None else rows
    y0 = i * op.dilation_h + r0 * op.stride_h
    x0 = j * op.dilation_w
    return xp[:, y0:y0 + (r1 - r0 - 1) * op.stride_h + 1:op.stride_h,
              x0:x0 + (ow - 1) * op.stride_w + 1:op.stride_w]


def _conv(model, op, x, w, b=None):
    # w: OHWI.  im2col (in bands of output rows, to bound memory) and one
    # matrix product per band: (rows*OW x KH*KW*I) @ (KH*KW*I x O).
    o, kh, kw, ci = w.shape
    if x.shape[3] != ci:
        raise TFLiteError('CONV_2D: %d input channels, weights for %d' % (x.shape[3], ci))
    xp, oh, ow = _padded(op, x, kh, kw)
    n = x.shape[0]
    wm = w.transpose(1, 2, 3, 0).reshape(kh * kw * ci, o)
    band = max(1, (4 << 20) // max(1, ow * kh * kw * ci))
    out = np.empty((n, oh, ow, o))
    for r0 in range(0, oh, band):
        r1 = min(oh, r0 + band)
        cols = np.stack([_tap(op, xp, oh, ow, i, j, (r0, r1))
                         for i in range(kh) for j in range(kw)], axis=3)
        out[:, r0:r1] = (cols.reshape(-1, kh * kw * ci) @ wm).reshape(n, r1 - r0, ow, o)
    return out if b is None else out + b


def _depthwise(model, op, x, w, b=None):
    # w: 1 x KH x KW x (C * depth_multiplier)
    _, kh, kw, co = w.shape
    m = op.depth_multiplier or co // x.shape[3]
    if x.shape[3] * m != co:
        raise TFLiteError('DEPTHWISE_CONV_2D: %d channels x %d != %d' % (x.shape[3], m, co))
    xp, oh, ow = _padded(op, x, kh, kw)
    out = 0
    for i in range(kh):
        for j in range(kw):
            out = out + np.repeat(_tap(op, xp, oh, ow, i, j), m, axis=3) * w[0, i, j]
    return out if b is None else out + b


def _mean(model, op, x, axes):
    axes = tuple(int(a) % x.ndim for a in np.ravel(axes))
    return np.mean(x, axis=axes, keepdims=op.keep_dims)


def _mirror_pad(model, op, x, pads):
    pads = np.asarray(pads, np.int64).reshape(-1, 2)
    return np.pad(x, [tuple(p) for p in pads], mode='symmetric' if op.symmetric else 'reflect')


def _nearest_index(out_size, in_size, align_corners, half_pixel_centers):
    # TFLite's reference GetNearestNeighbor, in float32 as it computes.
    f32 = np.float32
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    offset = f32(0.5) if half_pixel_centers else f32(0)
    pos = (np.arange(out_size, dtype=f32) + offset) * scale
    if align_corners:
        # TfLiteRound: half away from zero.
        idx = np.floor(np.abs(pos) + f32(0.5)) * np.sign(pos)
    else:
        idx = np.floor(pos)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    if half_pixel_centers:
        idx = np.maximum(idx, 0)
    return idx


def _resize_nearest(model, op, x, size):
    # The stored target was made for the stored input shape: the transfer
    # network's targets are 2x, 2x and 1x its layer input at 384x384.  Keep
    # that ratio so the network runs at any size.
    stored = model.tensors[op.inputs[0]].shape
    size = np.ravel(size).astype(np.int64)
    out_h = int(round(size[0] * x.shape[1] / stored[1]))
    out_w = int(round(size[1] * x.shape[2] / stored[2]))
    ys = _nearest_index(out_h, x.shape[1], op.align_corners, op.half_pixel_centers)
    xs = _nearest_index(out_w, x.shape[2], op.align_corners, op.half_pixel_centers)
    return x[:, ys][:, :, xs]


def _identity(model, op, x):
    return np.asarray(x, np.float64)


_KERNELS = {
    ADD: lambda m, op, a, b: a + b,
    SUB: lambda m, op, a, b: a - b,
    MUL: lambda m, op, a, b: a * b,
    SQUARED_DIFFERENCE: lambda m, op, a, b: (a - b) ** 2,
    RSQRT: lambda m, op, a: 1.0 / np.sqrt(a),
    LOGISTIC: lambda m, op, a: 1.0 / (1.0 + np.exp(-a)),
    CONV_2D: _conv,
    DEPTHWISE_CONV_2D: _depthwise,
    MEAN: _mean,
    MIRROR_PAD: _mirror_pad,
    RESIZE_NEAREST_NEIGHBOR: _resize_nearest,
    QUANTIZE: _identity,
    DEQUANTIZE: _identity,
}
