// Markdown table of the JSON lines written by `bench_runtime --latency` (runtime "nilm") and
// bench/peers/litert_bench.mjs (runtime "litert.js"): one row per model and thread count, with
// the ratios LiteRT.js / nilm (above 1: nilm is faster).
//
//   node bench/peers/latency_table.mjs results.jsonl
import fs from 'node:fs';
import path from 'node:path';

const file = process.argv[2];
if (!file) {
  console.error('usage: node latency_table.mjs results.jsonl');
  process.exit(2);
}
const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const key = (r) => `${path.basename(r.model, '.tflite')}\t${r.threads}`;
const pairs = new Map();
for (const r of rows) {
  if (!pairs.has(key(r))) pairs.set(key(r), {});
  pairs.get(key(r))[r.runtime === 'nilm' ? 'ours' : 'peer'] = r;
}
const ms = (us) => (us / 1000).toFixed(2);
const x = (a, b) => (a / b).toFixed(2);
console.log('| model | threads | nilm median ms | nilm mean ms | LiteRT.js median ms | LiteRT.js mean ms | ' +
            'ratio median | ratio mean | min ms (nilm / LiteRT.js) | runs (nilm / LiteRT.js) | cpu/wall (nilm / LiteRT.js) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
let missing = 0;
for (const [k, {ours, peer}] of pairs) {
  const [model, threads] = k.split('\t');
  if (!ours || !peer) {
    console.log(`| ${model} | ${threads} | ${ours ? ms(ours.median_us) : '-'} | ${ours ? ms(ours.mean_us) : '-'} | ` +
                `${peer ? ms(peer.median_us) : '-'} | ${peer ? ms(peer.mean_us) : '-'} | - | - | - | - | - |`);
    ++missing;
    continue;
  }
  console.log(`| ${model} | ${threads} | ${ms(ours.median_us)} | ${ms(ours.mean_us)} | ${ms(peer.median_us)} | ` +
              `${ms(peer.mean_us)} | ${x(peer.median_us, ours.median_us)} | ${x(peer.mean_us, ours.mean_us)} | ` +
              `${ms(ours.min_us)} / ${ms(peer.min_us)} | ${ours.runs} / ${peer.runs} | ${ours.cpu_per_wall.toFixed(2)} / ${peer.cpu_per_wall.toFixed(2)} |`);
}
process.exit(missing ? 1 : 0);
