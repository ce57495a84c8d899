// ort-run.js: ONNX Runtime as the benchmark's contender.  One process
// loads the network and paints the whole image in one run, on the CPU with
// 2 threads (intra-op) and all graph optimizations, as a user of ONNX
// Runtime would.
//
//   node bench/ort-run.js ORT_DIR MODEL.onnx IN.f32 WIDTH HEIGHT OUT.f32
//
// ORT_DIR is the folder `npm install --ignore-scripts onnxruntime-node` was
// run in (bench/benchmark uses ~/.cache/neural-style/onnxruntime-node).
// IN.f32 is the network's input as raw float32, NCHW, RGB, 0..255 (the I/O
// contract of ../shared/models/README.md); OUT.f32 receives its output the
// same way, unclamped.  Prints the ONNX Runtime version and the run's own
// time on stderr.
'use strict';

const fs = require('fs');
const path = require('path');

function main(argv) {
  if (argv.length !== 6) {
    process.stderr.write('usage: ort-run.js ORT_DIR MODEL.onnx IN.f32 WIDTH HEIGHT OUT.f32\n');
    return Promise.resolve(2);
  }
  const [dir, model, input, w, h, output] = argv;
  const width = Number(w), height = Number(h);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    process.stderr.write(`ort-run.js: bad size ${w} x ${h}\n`);
    return Promise.resolve(2);
  }
  const ort = require(path.join(dir, 'node_modules', 'onnxruntime-node'));
  const bytes = fs.readFileSync(input);
  const want = 3 * width * height * 4;
  if (bytes.length !== want) {
    process.stderr.write(`ort-run.js: ${input} holds ${bytes.length} bytes, not ${want} (3 x ${width} x ${height} floats)\n`);
    return Promise.resolve(1);
  }
  // A large file's buffer is its own, aligned; copy only if it is not.
  const pixels = bytes.byteOffset % 4 === 0
    ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
    : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  return ort.InferenceSession.create(model, options).then(async (session) => {
    const feeds = {};
    feeds[session.inputNames[0]] = new ort.Tensor('float32', pixels, [1, 3, height, width]);
    const start = process.hrtime.bigint();
    const result = await session.run(feeds);
    const seconds = Number(process.hrtime.bigint() - start) * 1e-9;
    const out = result[session.outputNames[0]];
    if (out.dims.length !== 4 || out.dims[1] !== 3 || out.dims[2] !== height || out.dims[3] !== width) {
      process.stderr.write(`ort-run.js: the network returned ${out.dims.join('x')}\n`);
      return 1;
    }
    const data = out.data;
    fs.writeFileSync(output, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    process.stderr.write(`onnxruntime ${ort.env.versions ? ort.env.versions.common : ''}: run ${seconds.toFixed(2)} s\n`);
    return 0;
  });
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
  process.stderr.write(`ort-run.js: ${error.message || error}\n`);
  process.exitCode = 1;
});
