// Runs .onnx files in ONNX Runtime (onnxruntime-node, native CPU library) under Node: the
// independent runtime the ONNX export is checked against (bench/peers/onnxruntime_bench.mjs times it).
//
//   node tests/onnx/onnx_run.mjs model.onnx inputs.bin outputs.bin
//   node tests/onnx/onnx_run.mjs --batch jobs.txt        (one "model inputs outputs" per line)
//   --optimized out.onnx           (with a single model: writes ORT's optimized graph there)
//
// inputs.bin: every float32 input's values concatenated in input order (little endian), each
// input at its declared static shape; outputs.bin: every output's values, concatenated. A refused
// model in --batch mode is written to <outputs>.error and the other jobs still run.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'package.json'));
const ort = require('onnxruntime-node');

function sessionOptions(threads, optimizedPath) {
  const o = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',  // QDQ fusion (QLinearConv, QLinearMatMul, QGemm) and layout passes
    logSeverityLevel: 3,
  };
  if (optimizedPath) o.optimizedModelFilePath = optimizedPath;
  return o;
}

function staticShape(meta) {
  const shape = Array.from(meta.shape);
  if (shape.some((d) => typeof d !== 'number' || d < 0)) throw new Error(`input ${meta.name} has no static shape: [${shape}]`);
  return shape;
}

function feeds(session, values) {
  const result = {};
  let offset = 0;
  for (const meta of session.inputMetadata) {
    if (meta.type !== 'float32') throw new Error(`input ${meta.name} is ${meta.type}; only float32 inputs are fed`);
    const shape = staticShape(meta);
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count > values.length) throw new Error(`inputs.bin has too few values for input ${meta.name}`);
    result[meta.name] = new ort.Tensor('float32', values.slice(offset, offset + count), shape);
    offset += count;
  }
  if (offset !== values.length) throw new Error(`inputs.bin has ${values.length} values, the inputs take ${offset}`);
  return result;
}

function readFloats(file) {
  const raw = fs.readFileSync(file);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

async function runOne(modelPath, inputsPath, outputsPath, optimizedPath) {
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(1, optimizedPath));
  const results = await session.run(feeds(session, readFloats(inputsPath)));
  const chunks = [];
  for (const name of session.outputNames) {
    const t = results[name];
    if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, not float32`);
    chunks.push(Buffer.from(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength)));
    console.log(`output ${name} [${t.dims}] ${t.data.length} values`);
  }
  fs.writeFileSync(outputsPath, Buffer.concat(chunks));
  await session.release();
}

const message = (error) => (error && error.message ? error.message : String(error));

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--batch' && args.length === 2) {
    const jobs = fs.readFileSync(args[1], 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));
    for (const [modelPath, inputsPath, outputsPath] of jobs) {
      console.log(`model ${modelPath}`);
      try {
        await runOne(modelPath, inputsPath, outputsPath);
      } catch (error) {
        fs.writeFileSync(outputsPath + '.error', message(error));
        console.log(`refused: ${message(error)}`);
      }
    }
    return;
  }
  const optimized = args.indexOf('--optimized');
  const optimizedPath = optimized >= 0 ? args.splice(optimized, 2)[1] : undefined;
  if (args.length !== 3) {
    console.error('usage: node onnx_run.mjs model.onnx inputs.bin outputs.bin [--optimized out.onnx]\n' +
                  '       node onnx_run.mjs --batch jobs.txt');
    process.exit(2);
  }
  await runOne(args[0], args[1], args[2], optimizedPath);
}

main().catch((error) => {
  console.error(`onnxruntime: ${message(error)}`);
  process.exit(1);
});
