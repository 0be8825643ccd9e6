// Runs a .tflite file in LiteRT.js (TFLite compiled to WebAssembly, XNNPACK CPU kernels) under
// plain Node: the independent runtime our tests compare nilm's files and results against.
//
//   node tests/peers/litert_run.mjs model.tflite inputs.bin outputs.bin
//   node tests/peers/litert_run.mjs --batch jobs.txt    (one "model inputs outputs" per line)
//
// inputs.bin: every model input's float32 values, concatenated in input order (little endian).
// outputs.bin: every output's float32 values, concatenated in output order.
// Prints one line per input/output (name, shape) to stdout. Exits 1 with LiteRT's own message
// on stderr if it refuses the model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = path.join(here, 'node_modules', '@litertjs', 'core', 'wasm') + path.sep;

// LiteRT.js expects a browser or a worker. Give it what its loader touches: `self`, a
// `navigator`, and an `importScripts` that evaluates emscripten's loader script as CommonJS
// (the script exports its factory through module.exports; the loader reads self.ModuleFactory).
globalThis.self = globalThis;
if (!globalThis.navigator) {
  Object.defineProperty(globalThis, 'navigator', {value: {hardwareConcurrency: os.cpus().length}});
}
globalThis.importScripts = (url) => {
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  const source = fs.readFileSync(file, 'utf8');
  const module = {exports: {}};
  const require = createRequire(file);
  new Function('require', 'module', 'exports', '__filename', '__dirname', source)(
      require, module, module.exports, file, path.dirname(file));
  globalThis.ModuleFactory = module.exports.default || module.exports;
};

// Runs one model; throws LiteRT's error if it refuses the model or the inputs.
// TFLite reports some failures (e.g. a kernel's Prepare check) only as an "ERROR: ..." line on
// stderr and still returns outputs; watch the streams so such a run counts as a refusal.
let reported = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    for (const line of String(chunk).split('\n')) if (/^ERROR:/.test(line)) reported.push(line);
    return write(chunk, ...rest);
  };
}

async function runOne(modelPath, inputsPath, outputsPath, Tensor, loadAndCompile) {
  reported = [];
  const model = await loadAndCompile(new Uint8Array(fs.readFileSync(modelPath)), {accelerator: 'wasm'});
  const raw = fs.readFileSync(inputsPath);
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  let offset = 0;
  const inputs = [];
  for (const detail of model.getInputDetails()) {
    const shape = Array.from(detail.shape);
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count > values.length) throw new Error(`inputs.bin has too few values for input ${detail.name}`);
    inputs.push(new Tensor(values.slice(offset, offset + count), shape));
    offset += count;
    console.log(`input ${detail.name} [${shape}] ${detail.dtype}`);
  }
  if (offset !== values.length) throw new Error(`inputs.bin has ${values.length} values, the inputs take ${offset}`);

  const results = await model.run(inputs);
  const chunks = [];
  const details = model.getOutputDetails();
  for (let i = 0; i < results.length; ++i) {
    const onCpu = await results[i].moveTo('wasm');
    const data = onCpu.toTypedArray();
    if (!(data instanceof Float32Array)) throw new Error(`output ${i} is not float32`);
    chunks.push(Buffer.from(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    console.log(`output ${details[i]?.name} [${Array.from(details[i]?.shape ?? [])}] ${data.length} values`);
    onCpu.delete();
  }
  if (reported.length) throw new Error(reported.join('\n'));
  fs.writeFileSync(outputsPath, Buffer.concat(chunks));
  for (const t of inputs) t.delete();
  model.delete?.();
}

const message = (error) => (error && error.message ? error.message : String(error));

async function main() {
  const args = process.argv.slice(2);
  const batch = args[0] === '--batch';
  if ((batch && args.length !== 2) || (!batch && args.length !== 3)) {
    console.error('usage: node litert_run.mjs model.tflite inputs.bin outputs.bin\n' +
                  '       node litert_run.mjs --batch jobs.txt   (lines: model inputs outputs; a refusal\n' +
                  '       is written to <outputs>.error and the other jobs still run)');
    process.exit(2);
  }
  const {loadLiteRt, loadAndCompile, Tensor} = await import('@litertjs/core');
  await loadLiteRt(wasmDir);
  if (!batch) {
    await runOne(args[0], args[1], args[2], Tensor, loadAndCompile);
    return;
  }
  const jobs = fs.readFileSync(args[1], 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));
  for (const [modelPath, inputsPath, outputsPath] of jobs) {
    console.log(`model ${modelPath}`);
    try {
      await runOne(modelPath, inputsPath, outputsPath, Tensor, loadAndCompile);
    } catch (error) {
      fs.writeFileSync(outputsPath + '.error', message(error));
      console.log(`refused: ${message(error)}`);
    }
  }
}

main().catch((error) => {
  console.error(`litert: ${message(error)}`);
  process.exit(1);
});
