// Batch-1 latency of .onnx files in ONNX Runtime (onnxruntime-node, its native CPU library):
// the peer bench/runtime_vs_onnxruntime.sh puts next to nilm's runtime.
//
//   node bench/peers/onnxruntime_bench.mjs [--threads N] [--warmup W] [--runs R] [--seconds S] model.onnx...
//
// Session: intraOpNumThreads = N (ONNX Runtime's intra-op pool; 1 = the calling thread only),
// interOpNumThreads = 1, sequential execution, graph optimization level 'all' (constant folding,
// QDQ fusion into QLinearConv / QGemm / QLinearMatMul, layout and NCHWc transforms). Inputs are
// random float32 values made once; each timed run is one `session.run(feeds)` call (outputs
// included). Prints one JSON object per model on stdout with the fields of
// bench/peers/litert_bench.mjs and `bench_runtime --latency`:
//   {"model": ..., "runtime": "onnxruntime", "build": "cpu 1.30.0", "threads": N, "warmup": W,
//    "runs": R, "median_us": ..., "mean_us": ..., "min_us": ..., "p90_us": ..., "cpu_per_wall": ...}
// ONNX Runtime is found in tests/onnx/node_modules (tests/onnx/install.sh installs it).
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const peerDir = process.env.NILM_ONNX_PEER_DIR || path.join(here, '..', '..', 'tests', 'onnx');

function usage(message) {
  if (message) console.error(`onnxruntime_bench: ${message}`);
  console.error('usage: node onnxruntime_bench.mjs [--threads N] [--warmup W] [--runs R] [--seconds S] model.onnx...');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {threads: 1, warmup: 10, runs: 200, seconds: 0, models: []};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const number = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) usage(`${name} needs a non-negative number, got '${argv[i]}'`);
      return v;
    };
    if (a === '--threads') o.threads = number(a);
    else if (a === '--warmup') o.warmup = number(a);
    else if (a === '--runs') o.runs = number(a);
    else if (a === '--seconds') o.seconds = number(a);  // stop early once this much time is spent
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.models.push(a);
  }
  if (!o.models.length) usage('no model given');
  if (!Number.isInteger(o.threads) || o.threads < 1) usage('--threads must be a positive integer');
  if (o.runs < 1) usage('--runs must be at least 1');
  return o;
}

function summarise(us) {
  const sorted = [...us].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
                                   : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {median_us: median, mean_us: us.reduce((a, b) => a + b, 0) / us.length, min_us: sorted[0], p90_us: at(0.9)};
}

async function benchModel(ort, version, file, o) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const feeds = {};
  for (const meta of session.inputMetadata) {
    const shape = Array.from(meta.shape);
    if (shape.some((d) => typeof d !== 'number' || d < 0)) throw new Error(`${file}: input ${meta.name} has no static shape`);
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; ++i) values[i] = random();
    feeds[meta.name] = new ort.Tensor('float32', values, shape);
  }
  for (let i = 0; i < o.warmup; ++i) await session.run(feeds);
  const us = [];
  const cpu0 = process.cpuUsage();  // every thread of the process, ORT's pool included
  const start = process.hrtime.bigint();
  while (us.length < o.runs) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    us.push(Number(process.hrtime.bigint() - t0) / 1e3);
    if (o.seconds > 0 && us.length >= 5 && Number(process.hrtime.bigint() - start) / 1e9 > o.seconds) break;
  }
  const wallUs = Number(process.hrtime.bigint() - start) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  await session.release();
  return {model: file, runtime: 'onnxruntime', build: `cpu ${version}`, threads: o.threads, warmup: o.warmup,
          runs: us.length, ...summarise(us), cpu_per_wall: (cpu.user + cpu.system) / wallUs};
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const packageJson = path.join(peerDir, 'node_modules', 'onnxruntime-node', 'package.json');
  if (!fs.existsSync(packageJson)) {
    console.error(`onnxruntime_bench: onnxruntime-node is not installed in ${peerDir} (run tests/onnx/install.sh)`);
    process.exit(1);
  }
  const require = createRequire(path.join(peerDir, 'package.json'));
  const ort = require('onnxruntime-node');
  const version = JSON.parse(fs.readFileSync(packageJson, 'utf8')).version;
  for (const file of o.models) console.log(JSON.stringify(await benchModel(ort, version, file, o)));
}

main().catch((error) => {
  console.error(`onnxruntime_bench: ${error && error.message ? error.message : error}`);
  process.exit(1);
});
