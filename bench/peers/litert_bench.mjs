// Batch-1 latency of .tflite files in LiteRT.js (TFLite compiled to WebAssembly, XNNPACK CPU
// kernels) under plain Node: the peer bench/runtime_vs_litert.sh puts next to nilm's runtime.
//
//   node --experimental-wasm-relaxed-simd bench/peers/litert_bench.mjs \
//        [--threads N] [--warmup W] [--runs R] [--seconds S] model.tflite...
//
// --threads 1 loads LiteRT.js's default (single-threaded) wasm build; --threads N > 1 loads its
// pthreads build (emscripten workers = Node worker_threads; needs relaxed SIMD) and compiles
// with cpuOptions.numThreads = N. Inputs are random float32 values made once; each timed run is
// one `model.run(inputs)` call (what a LiteRT.js user pays, output tensors included, freed at
// once). Prints one JSON object per model on stdout:
//   {"model": ..., "runtime": "litert.js", "build": ..., "threads": N, "warmup": W, "runs": R,
//    "median_us": ..., "mean_us": ..., "min_us": ..., "p90_us": ..., "cpu_per_wall": ...}
// cpu_per_wall = process CPU time / wall time over the timed runs: about 1 for one busy thread,
// up to N when N threads work (spinning workers count too).
// LiteRT.js is found in tests/peers/node_modules (tests/peers/install.sh installs it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath, pathToFileURL} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = process.env.NILM_PEERS_DIR || path.join(here, '..', '..', 'tests', 'peers');
const packageDir = path.join(peers, 'node_modules', '@litertjs', 'core');
const wasmDir = path.join(packageDir, 'wasm') + path.sep;

function usage(message) {
  if (message) console.error(`litert_bench: ${message}`);
  console.error('usage: node --experimental-wasm-relaxed-simd litert_bench.mjs [--threads N] [--warmup W] ' +
                '[--runs R] [--seconds S] model.tflite...');
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

// The pthreads build starts each worker from the loader script's own path; next to the
// package's "type": "module" Node would load that file as an ES module and fail ("require is
// not defined"). So the workers get a copy named .cjs, with the .wasm linked beside it, in a
// temporary folder.
function commonJsCopy(file) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nilm-litert-'));
  const copy = path.join(dir, path.basename(file).replace(/\.js$/, '.cjs'));
  fs.copyFileSync(file, copy);
  const wasm = file.replace(/\.js$/, '.wasm');
  fs.symlinkSync(wasm, path.join(dir, path.basename(wasm)));
  process.on('exit', () => fs.rmSync(dir, {recursive: true, force: true}));
  return copy;
}

// The browser shims LiteRT.js's loader needs (see tests/peers/litert_run.mjs and PEERS.md):
// `self`, a `navigator`, and `importScripts` evaluating emscripten's loader as CommonJS. The
// pthreads build starts its workers from `__filename`, so it gets the real path.
function installShims(threaded) {
  globalThis.self = globalThis;
  if (!globalThis.navigator) {
    Object.defineProperty(globalThis, 'navigator', {value: {hardwareConcurrency: os.cpus().length}});
  }
  globalThis.importScripts = (url) => {
    let file = url.startsWith('file:') ? fileURLToPath(url) : url;
    if (threaded) file = commonJsCopy(file);
    const source = fs.readFileSync(file, 'utf8');
    const module = {exports: {}};
    const require = createRequire(file);
    new Function('require', 'module', 'exports', '__filename', '__dirname', source)(
        require, module, module.exports, file, path.dirname(file));
    globalThis.ModuleFactory = module.exports.default || module.exports;
  };
}

function summarise(us) {
  const sorted = [...us].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
                                   : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    median_us: median,
    mean_us: us.reduce((a, b) => a + b, 0) / us.length,
    min_us: sorted[0],
    p90_us: at(0.9),
  };
}

async function benchModel(file, o, lib) {
  const {loadAndCompile, Tensor} = lib;
  const model = await loadAndCompile(new Uint8Array(fs.readFileSync(file)),
                                     {accelerator: 'wasm', cpuOptions: {numThreads: o.threads}});
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const inputs = model.getInputDetails().map((d) => {
    const shape = Array.from(d.shape);
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; ++i) values[i] = random();
    return new Tensor(values, shape);
  });
  const once = async () => {
    const outputs = await model.run(inputs);
    for (const t of outputs) t.delete();
  };
  for (let i = 0; i < o.warmup; ++i) await once();
  const us = [];
  const cpu0 = process.cpuUsage();  // every thread of the process, workers included
  const start = process.hrtime.bigint();
  while (us.length < o.runs) {
    const t0 = process.hrtime.bigint();
    await once();
    us.push(Number(process.hrtime.bigint() - t0) / 1e3);
    if (o.seconds > 0 && us.length >= 5 && Number(process.hrtime.bigint() - start) / 1e9 > o.seconds) break;
  }
  const wallUs = Number(process.hrtime.bigint() - start) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  for (const t of inputs) t.delete();
  model.delete?.();
  return {model: file, runtime: 'litert.js', build: o.threads > 1 ? 'threaded' : 'default', threads: o.threads,
          warmup: o.warmup, runs: us.length, ...summarise(us),
          cpu_per_wall: (cpu.user + cpu.system) / wallUs};
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(wasmDir)) {
    console.error(`litert_bench: LiteRT.js is not installed in ${peers} (run tests/peers/install.sh)`);
    process.exit(1);
  }
  installShims(o.threads > 1);
  const lib = await import(pathToFileURL(path.join(packageDir, 'dist', 'index.js')).href);
  await lib.loadLiteRt(wasmDir, o.threads > 1 ? {threads: true} : undefined);
  for (const file of o.models) console.log(JSON.stringify(await benchModel(file, o, lib)));
  process.exit(0);  // the pthreads build keeps its workers alive
}

main().catch((error) => {
  console.error(`litert_bench: ${error && error.message ? error.message : String(error)}`);
  process.exit(1);
});
