// Training benchmark on the Fashion-MNIST subset shipped in data/ (10,000 training images):
// the tutorial's MLP (Rescaling 1/255 → Flatten → Dense 256 relu → Dense 128 relu → Dense 10
// softmax, Adam) for one epoch at batch 32, a fixed number of steps at batch 1 (steps/s), and
// one full-batch epoch (GFLOP/s, counting 6·params·samples flops for forward + backward, against
// the FMA peak measured now by build/Release/kerno_fma_peak); and the reference CNN (Conv2D 32
// 3×3 relu → MaxPooling2D → Conv2D 64 3×3 relu → MaxPooling2D → Flatten → Dense 128 relu →
// Dense 10 softmax, Adam) at batch 32 over a fixed number of samples (samples/s). Peers, in the
// same run: tensorflow.js wasm (one thread in Node) and cpu, tf.sequential with the same layers
// and model.fit with the same batch sizes. A peer configuration whose time, extrapolated from a
// short probe, would pass --max-s (default 60) is skipped with a note.
//
//   npm run bench:train [-- --threads N] [-- --steps N] [-- --cnn-samples N] [-- --max-s S]
import { execSync } from 'node:child_process';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { setNumThreads } from '../src/backend.js';
import { datasets } from '../src/data/index.js';
import { Sequential } from '../src/engine/sequential.js';
import { Conv2D, Dense, Flatten, MaxPooling2D, Rescaling } from '../src/layers/index.js';
import { Adam } from '../src/optimizers/adam.js';
import { setSeed } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';
import { fmt, machineLine, measurePeak, ratio } from './lib/common.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const threads = Number(opt('--threads') ?? 2);
const STEPS = Number(opt('--steps') ?? 2000);
const CNN_SAMPLES = Number(opt('--cnn-samples') ?? 2000);
const MAX_S = Number(opt('--max-s') ?? 60);

const { train } = datasets.fashionMnist();
const N = train.x.shape[0];
const MLP_PARAMS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10;

/** One configuration: what to train on, at which batch size, and how its speed is reported. */
interface Config {
  name: string;
  model: 'mlp' | 'cnn';
  samples: number;
  batch: number;
  unit: 'samples/s' | 'steps/s' | 'GFLOP/s';
}
const configs: Config[] = [
  { name: 'MLP, 1 epoch, batch 32', model: 'mlp', samples: N, batch: 32, unit: 'samples/s' },
  { name: `MLP, ${STEPS} steps, batch 1`, model: 'mlp', samples: STEPS, batch: 1, unit: 'steps/s' },
  { name: `MLP, 1 epoch, full batch ${N}`, model: 'mlp', samples: N, batch: N, unit: 'GFLOP/s' },
  { name: `CNN, ${CNN_SAMPLES} samples, batch 32`, model: 'cnn', samples: CNN_SAMPLES, batch: 32, unit: 'samples/s' },
];

/** Speed in the config's unit from the seconds one pass over its samples took. */
function speed(c: Config, seconds: number): number {
  if (c.unit === 'steps/s') return Math.ceil(c.samples / c.batch) / seconds;
  if (c.unit === 'GFLOP/s') return (6 * MLP_PARAMS * c.samples) / seconds / 1e9;
  return c.samples / seconds;
}

// ------------------------------------------------------------------------------------ kerno

function kernoModel(kind: 'mlp' | 'cnn'): Sequential {
  setSeed(1);
  const model = kind === 'mlp'
    ? new Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
      new Flatten(),
      new Dense({ units: 256, activation: 'relu' }),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ])
    : new Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [28, 28, 1] }),
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ]);
  model.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function kerno(c: Config): Promise<number> {
  const model = kernoModel(c.model);
  let x: Tensor = train.x.slice(0, c.samples);
  if (c.model === 'cnn') x = x.reshape([c.samples, 28, 28, 1]);
  const y = train.y.slice(0, c.samples);
  // Warm-up on a few batches (plans, arenas, first-touch pages), then the timed pass.
  const warm = Math.min(c.samples, c.batch * 2);
  await model.fit(x.slice(0, warm), y.slice(0, warm), { batchSize: c.batch, epochs: 1, verbose: 0 });
  const t0 = performance.now();
  await model.fit(x, y, { batchSize: c.batch, epochs: 1, verbose: 0, shuffle: true });
  return (performance.now() - t0) / 1000;
}

// ------------------------------------------------------------------------------------ tfjs

function tfjsModel(kind: 'mlp' | 'cnn'): tf.Sequential {
  const layers = kind === 'mlp'
    ? [
      tf.layers.rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, activation: 'relu' }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ]
    : [
      tf.layers.rescaling({ scale: 1 / 255, inputShape: [28, 28, 1] }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ];
  const model = tf.sequential({ layers });
  // One-hot labels with categoricalCrossentropy: the same loss value as kerno's sparse form.
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  return model;
}

/** Seconds of one pass (or undefined and a note when the probe predicts more than --max-s). */
async function tfjs(backend: 'wasm' | 'cpu', c: Config): Promise<{ seconds?: number; note?: string }> {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tfjsModel(c.model);
  const shape = c.model === 'mlp' ? [c.samples, 28, 28] : [c.samples, 28, 28, 1];
  const x = tf.tensor(Float32Array.from(train.x.data.subarray(0, c.samples * 784)), shape);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(train.y.data.subarray(0, c.samples)), 'int32'), 10);
  try {
    // Probe: two batches to warm up, then two timed, extrapolated to the whole pass.
    const probe = Math.min(c.samples, c.batch * 2);
    const px = x.slice(0, probe), py = y.slice(0, probe);
    await model.fit(px, py, { batchSize: c.batch, epochs: 1, verbose: 0 });
    const p0 = performance.now();
    await model.fit(px, py, { batchSize: c.batch, epochs: 1, verbose: 0 });
    const estimate = ((performance.now() - p0) / 1000) * (c.samples / probe);
    tf.dispose([px, py]);
    if (estimate > MAX_S) return { note: `${backend}: skipped, estimated ${estimate.toFixed(0)} s > ${MAX_S} s` };
    const t0 = performance.now();
    await model.fit(x, y, { batchSize: c.batch, epochs: 1, verbose: 0, shuffle: true });
    return { seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    // e.g. tfjs-wasm has no Conv2DBackpropFilter kernel: report it instead of dying.
    return { note: `${backend}: failed, ${(e as Error).message}` };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

// ------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  setNumThreads(threads);
  const peak = measurePeak(threads);
  console.log(`Training benchmark — ${machineLine()}`);
  let uptime = '';
  try { uptime = execSync('uptime', { encoding: 'utf8' }).trim(); } catch { /* not everywhere */ }
  if (uptime) console.log(`uptime: ${uptime}`);
  console.log(`kerno on ${threads} threads; tfjs-wasm on one thread (Node); tfjs-cpu pure JS. FMA peak: ${peak ? `${peak.all} GFLOP/s (${peak.isa}, ${threads} threads)` : 'not built'}.`);
  const notes: string[] = [];
  const rows: string[][] = [];
  for (const c of configs) {
    const k = speed(c, await kerno(c));
    const w = await tfjs('wasm', c);
    const p = await tfjs('cpu', c);
    for (const r of [w, p]) if (r.note) notes.push(`${c.name} — ${r.note}`);
    const ws = w.seconds === undefined ? undefined : speed(c, w.seconds);
    const ps = p.seconds === undefined ? undefined : speed(c, p.seconds);
    const unit = c.unit === 'GFLOP/s' && peak ? `GFLOP/s (kerno ${((100 * k) / peak.all).toFixed(0)}% of peak)` : c.unit;
    rows.push([c.name, unit, fmt(k), fmt(ws), fmt(ps), ratio(k, ws), ratio(k, ps)]);
    console.log(`done: ${rows[rows.length - 1].join(', ')}`);
  }
  const head = ['config', 'unit', 'kerno', 'tfjs-wasm', 'tfjs-cpu', 'kerno/wasm', 'kerno/cpu'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(`note: ${n}`);
  try {
    execSync("python3 -c 'import torch'", { stdio: 'ignore' });
    console.log('PyTorch is installed; a PyTorch peer is not part of this script yet.');
  } catch {
    console.log('PyTorch/Keras peers: not installed (install with `pip install torch` or `pip install tensorflow-cpu keras` to compare).');
  }
  console.log(`load average after: ${machineLine()}`);
}

await main();
