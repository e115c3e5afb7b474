// Training benchmark on the Fashion-MNIST subset shipped in data/ (10,000 training images):
// the tutorial's MLP (Rescaling 1/255 → Flatten → Dense 256 relu → Dense 128 relu → Dense 10
// softmax, Adam) for one epoch at batch 32, a fixed number of steps at batch 1 (steps/s), and
// one full-batch epoch (GFLOP/s, counting 6·params·samples flops for forward + backward, against
// the FMA peak measured now by build/Release/kerno_fma_peak); and the reference CNN (Conv2D 32
// 3×3 relu → MaxPooling2D → Conv2D 64 3×3 relu → MaxPooling2D → Flatten → Dense 128 relu →
// Dense 10 softmax, Adam) at batch 32 over a fixed number of samples (samples/s).
//
// Peers, in the same run: tensorflow.js wasm (one thread in Node) and cpu, tf.sequential with the
// same layers and model.fit with the same batch sizes; and PyTorch and Keras 3 through
// bench/peers/train_peers.py (same data read from the IDX files, same models, Adam with Keras's
// defaults, the same thread count), each in its own Python process, when the Python found in
// KERNO_PYTHON (else `python3`) imports them. A peer configuration whose time, extrapolated from a
// short probe, would pass --max-s (default 60) is skipped with a note.
//
//   npm run bench:train [-- --threads N] [--steps N] [--cnn-samples N] [--max-s S] [--repeat R]
//                       [--configs mlp32,mlp1,mlpfull,cnn32,cnn256] [--peers tfjs,torch,keras | none]
//
// --repeat R times kerno and the Python peers at least R times each, and until their passes add up
// to 2 s (the median is reported); tfjs runs once: it is 20-60× slower, so its noise does not
// move the ratios' magnitude.
import { execSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { setNumThreads } from '../src/backend.js';
import { datasets } from '../src/data/index.js';
import type { Sequential } from '../src/engine/sequential.js';
import { Adam } from '../src/optimizers/adam.js';
import type { Tensor } from '../src/tensor.js';
import { fmt, machineLine, measurePeak, median, ratio, root } from './lib/common.js';
import { referenceModel } from './lib/models.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const threads = Number(opt('--threads') ?? 2);
const STEPS = Number(opt('--steps') ?? 2000);
const CNN_SAMPLES = Number(opt('--cnn-samples') ?? 2000);
const MAX_S = Number(opt('--max-s') ?? 60);
const REPEAT = Math.max(1, Number(opt('--repeat') ?? 1));
/** Kerno and the Python peers time passes until they add up to this many seconds (see kerno()). */
const MIN_TIMED_S = 2;
const CONFIGS = new Set((opt('--configs') ?? 'mlp32,mlp1,mlpfull,cnn32').split(','));
const PEERS = new Set((opt('--peers') ?? 'tfjs,torch,keras').split(','));

const { train } = datasets.fashionMnist();
const N = train.x.shape[0];
const MLP_PARAMS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10;

/** One configuration: what to train on, at which batch size, and how its speed is reported. */
interface Config {
  /** Short key, shared with bench/peers/train_peers.py. */
  key: 'mlp32' | 'mlp1' | 'mlpfull' | 'cnn32' | 'cnn256';
  name: string;
  model: 'mlp' | 'cnn';
  samples: number;
  batch: number;
  unit: 'samples/s' | 'steps/s' | 'GFLOP/s';
}
const configs: Config[] = ([
  { key: 'mlp32', name: 'MLP, 1 epoch, batch 32', model: 'mlp', samples: N, batch: 32, unit: 'samples/s' },
  { key: 'mlp1', name: `MLP, ${STEPS} steps, batch 1`, model: 'mlp', samples: STEPS, batch: 1, unit: 'steps/s' },
  { key: 'mlpfull', name: `MLP, 1 epoch, full batch ${N}`, model: 'mlp', samples: N, batch: N, unit: 'GFLOP/s' },
  { key: 'cnn32', name: `CNN, ${CNN_SAMPLES} samples, batch 32`, model: 'cnn', samples: CNN_SAMPLES, batch: 32, unit: 'samples/s' },
  // Issue 9 compares the GPU with this CPU at batch 256; not in the default set.
  { key: 'cnn256', name: `CNN, ${CNN_SAMPLES} samples, batch 256`, model: 'cnn', samples: CNN_SAMPLES, batch: 256, unit: 'samples/s' },
] as Config[]).filter((c) => CONFIGS.has(c.key));

/** Speed in the config's unit from the seconds one pass over its samples took. */
function speed(c: Config, seconds: number): number {
  if (c.unit === 'steps/s') return Math.ceil(c.samples / c.batch) / seconds;
  if (c.unit === 'GFLOP/s') return (6 * MLP_PARAMS * c.samples) / seconds / 1e9;
  return c.samples / seconds;
}

// ------------------------------------------------------------------------------------ kerno

function kernoModel(kind: 'mlp' | 'cnn'): Sequential {
  const model = referenceModel(kind);
  model.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/** Seconds of each of the REPEAT timed passes. */
async function kerno(c: Config): Promise<number[]> {
  const model = kernoModel(c.model);
  let x: Tensor = train.x.slice(0, c.samples);
  if (c.model === 'cnn') x = x.reshape([c.samples, 28, 28, 1]);
  const y = train.y.slice(0, c.samples);
  // Warm-up on a few batches (plans, arenas, first-touch pages), then the timed passes.
  const warm = Math.min(c.samples, c.batch * 2);
  await model.fit(x.slice(0, warm), y.slice(0, warm), { batchSize: c.batch, epochs: 1, verbose: 0 });
  const seconds: number[] = [];
  // At least REPEAT passes, and at least MIN_TIMED_S of them (a full-batch epoch takes 0.1 s:
  // one burst of another process's work would decide a single pass), at most 25.
  while (seconds.length < REPEAT || (seconds.reduce((a, b) => a + b, 0) < MIN_TIMED_S && seconds.length < 25)) {
    const t0 = performance.now();
    await model.fit(x, y, { batchSize: c.batch, epochs: 1, verbose: 0, shuffle: true });
    seconds.push((performance.now() - t0) / 1000);
  }
  return seconds;
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

// ------------------------------------------------------------------------------------ PyTorch, Keras

/** What bench/peers/train_peers.py reports for one configuration. */
interface PeerResult {
  seconds?: number[];
  variant?: string;
  note?: string;
}

interface PythonPeer {
  /** Column title. */
  title: string;
  /** Framework versions as the script reported them; undefined when the peer did not run. */
  version?: string;
  results: Partial<Record<Config['key'], PeerResult>>;
  /** Why it did not run (not installed, failed). */
  note?: string;
}

const PYTHON = process.env.KERNO_PYTHON || 'python3';

/** Runs one Python peer over every selected configuration (one process, one framework). */
function pythonPeer(peer: 'torch' | 'keras'): PythonPeer {
  const title = peer === 'torch' ? 'PyTorch' : 'Keras';
  const probe = peer === 'torch' ? 'import torch' : 'import keras, tensorflow';
  const found = spawnSync(PYTHON, ['-c', probe], { stdio: 'ignore' });
  if (found.status !== 0) {
    const install = peer === 'torch' ? 'pip install torch' : 'pip install tensorflow-cpu keras';
    return { title, results: {}, note: `${title}: skipped, \`${PYTHON} -c '${probe}'\` failed (install with \`${install}\`, or point KERNO_PYTHON at a Python that has it)` };
  }
  const args = [join(root, 'bench', 'peers', 'train_peers.py'), '--peer', peer, '--threads', String(threads), '--steps', String(STEPS),
    '--cnn-samples', String(CNN_SAMPLES), '--max-s', String(MAX_S), '--repeat', String(REPEAT), '--min-timed-s', String(MIN_TIMED_S),
    '--configs', [...CONFIGS].join(',')];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last) as { version: string; results: PythonPeer['results'] };
    return { title, version: parsed.version, results: parsed.results };
  } catch {
    return { title, results: {}, note: `${title}: failed (exit ${r.status ?? r.signal}), no JSON result` };
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
  console.log(`kerno on ${threads} threads; tfjs-wasm on one thread (Node); tfjs-cpu pure JS; PyTorch and Keras on ${threads} threads. ` +
    `FMA peak: ${peak ? `${peak.all} GFLOP/s (${peak.isa}, ${threads} threads)` : 'not built'}. Medians of ≥ ${REPEAT} pass(es) and ≥ ${MIN_TIMED_S} s.`);
  const notes: string[] = [];
  // Python peers first, one process each, while nothing else runs.
  const python: PythonPeer[] = [];
  for (const peer of ['torch', 'keras'] as const) {
    if (!PEERS.has(peer)) continue;
    const p = pythonPeer(peer);
    // A peer that did not run gets a note instead of a column of dashes.
    if (p.note) notes.push(p.note);
    else {
      python.push(p);
      console.log(`${p.title}: ${p.version}`);
    }
  }
  const tfjsOn = PEERS.has('tfjs');
  const head = ['config', 'unit', 'kerno', ...(tfjsOn ? ['tfjs-wasm', 'tfjs-cpu'] : []), ...python.map((p) => p.title),
    ...(tfjsOn ? ['kerno/wasm', 'kerno/cpu'] : []), ...python.map((p) => `kerno/${p.title}`)];
  const rows: string[][] = [];
  for (const c of configs) {
    const k = speed(c, median(await kerno(c)));
    const peers: (number | undefined)[] = [];
    if (tfjsOn) {
      for (const backend of ['wasm', 'cpu'] as const) {
        const r = await tfjs(backend, c);
        if (r.note) notes.push(`${c.name} — ${r.note}`);
        peers.push(r.seconds === undefined ? undefined : speed(c, r.seconds));
      }
    }
    for (const p of python) {
      const r = p.results[c.key];
      if (r?.note) notes.push(`${c.name} — ${p.title}: ${r.note}`);
      else if (r?.variant && p.title === 'PyTorch') notes.push(`${c.name} — PyTorch: ${r.variant} was faster`);
      peers.push(r?.seconds?.length ? speed(c, median(r.seconds)) : undefined);
    }
    const unit = c.unit === 'GFLOP/s' && peak ? `GFLOP/s (kerno ${((100 * k) / peak.all).toFixed(0)}% of peak)` : c.unit;
    rows.push([c.name, unit, fmt(k), ...peers.map((v) => fmt(v)), ...peers.map((v) => ratio(k, v))]);
    console.log(`done: ${rows[rows.length - 1].join(', ')}`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`load average after: ${machineLine()}`);
}

await main();
