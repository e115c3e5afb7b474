// Inference benchmark: the reference CNN (Conv2D 32 3×3 relu → MaxPooling2D 2 → Conv2D 64 3×3
// relu → MaxPooling2D 2 → Flatten → Dense 128 relu → Dense 10 softmax, input 28×28×1) on the
// 10,000 Fashion-MNIST images shipped in data/, at batch 128, in images/s: kerno (predict, and the
// bare layer chain under it) against onnxruntime-node running the same model with the same
// weights (an ONNX file written by bench/lib/onnxWrite.ts), and tensorflow.js (wasm) with the
// same weights, all measured in the same run. Outputs are checked against onnxruntime first.
//
//   npm run bench:infer [-- --reps N] [-- --threads N] [-- --batch N] [-- --json] [-- --save-onnx path]
//
// kerno and onnxruntime run on --threads (default 2; onnxruntime: intraOpNumThreads, one
// inter-op thread, graphOptimizationLevel 'all'); tfjs-wasm runs on one thread in Node. Each rep
// runs every engine over all images in turn (order rotating), so they share the machine's load as
// it changes (other work on a shared 2-core machine); the tables report medians over reps.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';

import { backendInfo, setNumThreads } from '../src/backend.js';
import { datasets } from '../src/data/index.js';
import { HOST_MEMORY } from '../src/engine/device.js';
import type { Layer, LayerIO, RunContext } from '../src/engine/layer.js';
import { resolveBackend } from '../src/native.js';
import { convAddon } from '../src/nativeConv.js';
import { Tensor } from '../src/tensor.js';
import { fmt, machineLine, measurePeak, median, randomArray, ratio } from './lib/common.js';
import { referenceCnnLayers } from './lib/models.js';
import { encodeModel, hwioToOihw, type OnnxNode } from './lib/onnxWrite.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const threads = Number(opt('--threads') ?? 2);
const reps = Number(opt('--reps') ?? 7);
const asJson = argv.includes('--json');
const BATCH = Number(opt('--batch') ?? 128);

// Multiply-adds ×2 per image: the two convs and the two Dense layers (pooling and activations not counted).
const FLOPS_PER_IMAGE = 2 * (26 * 26 * 9 * 1 * 32 + 11 * 11 * 9 * 32 * 64 + 1600 * 128 + 128 * 10);

/** V8's full garbage collection, exposed at run time (npm run bench:infer starts node without --expose-gc). */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
})();

// ------------------------------------------------------------------------------------ model

/** The reference CNN's weights in Keras layouts: HWIO conv kernels, [in, out] Dense kernels. */
interface Weights {
  k1: Float32Array; b1: Float32Array; // (3,3,1,32), (32)
  k2: Float32Array; b2: Float32Array; // (3,3,32,64), (64)
  k3: Float32Array; b3: Float32Array; // (1600,128), (128)
  k4: Float32Array; b4: Float32Array; // (128,10), (10)
}

/** Glorot-uniform kernels and small biases, deterministic. */
function makeWeights(): Weights {
  const glorot = (n: number, fanIn: number, fanOut: number, seed: number) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return randomArray(n, seed, -lim, lim);
  };
  return {
    k1: glorot(9 * 32, 9, 9 * 32, 11), b1: randomArray(32, 12, -0.05, 0.05),
    k2: glorot(9 * 32 * 64, 9 * 32, 9 * 64, 13), b2: randomArray(64, 14, -0.05, 0.05),
    k3: glorot(1600 * 128, 1600, 128, 15), b3: randomArray(128, 16, -0.05, 0.05),
    k4: glorot(128 * 10, 128, 10, 17), b4: randomArray(10, 18, -0.05, 0.05),
  };
}

function kernoLayers(): Layer[] {
  return referenceCnnLayers([28, 28, 1]);
}

const weightList = (w: Weights): Float32Array[] => [w.k1, w.b1, w.k2, w.b2, w.k3, w.b3, w.k4, w.b4];

/** The same network as ONNX (opset 17): NHWC input transposed to NCHW, OIHW kernels, Gemm for Dense. */
function onnxModel(w: Weights): Uint8Array {
  const nodes: OnnxNode[] = [
    { op: 'Transpose', inputs: ['input'], outputs: ['x_nchw'], attributes: { perm: [0, 3, 1, 2] } },
    { op: 'Conv', inputs: ['x_nchw', 'conv1_W', 'conv1_B'], outputs: ['c1'], attributes: { kernel_shape: [3, 3], pads: [0, 0, 0, 0], strides: [1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Conv', inputs: ['p1', 'conv2_W', 'conv2_B'], outputs: ['c2'], attributes: { kernel_shape: [3, 3], pads: [0, 0, 0, 0], strides: [1, 1] } },
    { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
    { op: 'MaxPool', inputs: ['r2'], outputs: ['p2'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Transpose', inputs: ['p2'], outputs: ['p2_nhwc'], attributes: { perm: [0, 2, 3, 1] } }, // Keras flattens NHWC
    { op: 'Flatten', inputs: ['p2_nhwc'], outputs: ['flat'], attributes: { axis: 1 } },
    { op: 'Gemm', inputs: ['flat', 'dense1_W', 'dense1_B'], outputs: ['d1'] },
    { op: 'Relu', inputs: ['d1'], outputs: ['r3'] },
    { op: 'Gemm', inputs: ['r3', 'dense2_W', 'dense2_B'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['output'], attributes: { axis: -1 } },
  ];
  return encodeModel({
    name: 'reference_cnn',
    nodes,
    initializers: [
      { name: 'conv1_W', dims: [32, 1, 3, 3], data: hwioToOihw(w.k1, 3, 3, 1, 32) },
      { name: 'conv1_B', dims: [32], data: w.b1 },
      { name: 'conv2_W', dims: [64, 32, 3, 3], data: hwioToOihw(w.k2, 3, 3, 32, 64) },
      { name: 'conv2_B', dims: [64], data: w.b2 },
      { name: 'dense1_W', dims: [1600, 128], data: w.k3 },
      { name: 'dense1_B', dims: [128], data: w.b3 },
      { name: 'dense2_W', dims: [128, 10], data: w.k4 },
      { name: 'dense2_B', dims: [10], data: w.b4 },
    ],
    inputs: [{ name: 'input', shape: ['N', 28, 28, 1] }],
    outputs: [{ name: 'output', shape: ['N', 10] }],
  });
}

// ------------------------------------------------------------------------------------ engines

/** Runs one batch: xs is (B,28,28,1); returns its (B,10) probabilities (possibly a reused buffer). */
type BatchFn = (xs: Float32Array, B: number) => Float32Array | Promise<Float32Array>;

/** All N images (N,28,28,1) in one call; returns the (N,10) outputs. */
type WholeFn = (x: Float32Array, N: number) => Promise<Float32Array>;

/** kerno's public API: one Sequential.predict(x, {batchSize}) over all images (engine plans, input checks). */
async function kernoPredict(w: Weights): Promise<WholeFn | string> {
  try {
    const { Sequential } = await import('../src/engine/sequential.js');
    const model = new Sequential(kernoLayers());
    model.setWeights(weightList(w));
    return async (x, N) => {
      const y = await model.predict(new Tensor(x, [N, 28, 28, 1]), { batchSize: BATCH, verbose: 0 });
      return y.data as Float32Array;
    };
  } catch (e) {
    return `Sequential.predict unavailable: ${(e as Error).message.split('\n')[0]}`;
  }
}

/**
 * The bare layer chain under predict: real layer objects, io buffers allocated once per batch
 * size, forward calls chained with a RunContext (as test/layers/harness.ts runs them).
 */
function kernoLayerChain(w: Weights): BatchFn & { profile(x: Float32Array): { layer: string; ms: number }[] } {
  const layers = kernoLayers();
  let shape: readonly number[] = [28, 28, 1];
  for (const l of layers) shape = l.build(shape);
  const values = weightList(w);
  layers.flatMap((l) => l.weights).forEach((wt, i) => wt.value.set(values[i]));
  const addon = convAddon(), backend = resolveBackend(undefined);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const plans = new Map<number, { ctx: RunContext; ios: LayerIO[]; inp: Float32Array }>();
  const plan = (B: number) => {
    let p = plans.get(B);
    if (p) return p;
    const inp = new Float32Array(B * 784);
    const ios: LayerIO[] = [];
    let prev = inp;
    for (const l of layers) {
      const out = new Float32Array(B * size(l.outputShape));
      ios.push({ inp: prev, out, ws: new Float32Array(l.workspaceSize(B)) });
      prev = out;
    }
    const ctx: RunContext = {
      addon, backend, batch: B, training: false, memory: HOST_MEMORY,
      randomStream: () => ({ seed: 0n, offset: 0n }),
    };
    p = { ctx, ios, inp };
    plans.set(B, p);
    return p;
  };
  // One inference step as the engine takes it (src/engine/step.ts): layer i, or layers i and i+1
  // when layer i runs the next one with it (Layer.forwardFused); returns how many it ran.
  const step = (p: { ctx: RunContext; ios: LayerIO[] }, i: number): number => {
    const n = layers.length;
    if (i + 1 < n && layers[i].forwardFused(p.ctx, p.ios[i], layers[i + 1], p.ios[i + 1])) return 2;
    layers[i].forward(p.ctx, p.ios[i]);
    return 1;
  };
  const run: BatchFn = (xs, B) => {
    const p = plan(B);
    p.inp.set(xs);
    for (let i = 0; i < layers.length; i += step(p, i));
    return p.ios[layers.length - 1].out;
  };
  // Where a full batch's time goes: each step's median over every full batch of x (a fused pair
  // is one step).
  const profile = (x: Float32Array) => {
    const p = plan(BATCH), times = new Map<string, number[]>();
    for (let s = 0; s + BATCH <= x.length / 784; s += BATCH) {
      p.inp.set(x.subarray(s * 784, (s + BATCH) * 784));
      for (let i = 0; i < layers.length;) {
        const t0 = performance.now(), k = step(p, i), ms = performance.now() - t0;
        const names = layers.slice(i, i + k).map((l) => `${l.className} ${JSON.stringify(l.outputShape)}`).join(' + ');
        const label = k > 1 ? `${names} (fused)` : names;
        if (!times.has(label)) times.set(label, []);
        times.get(label)!.push(ms);
        i += k;
      }
    }
    return [...times].map(([layer, t]) => ({ layer, ms: median(t) }));
  };
  return Object.assign(run, { profile });
}

async function onnxruntime(bytes: Uint8Array): Promise<BatchFn> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  return async (xs, B) => {
    const r = await session.run({ input: new ort.Tensor('float32', xs, [B, 28, 28, 1]) });
    return r.output.data as Float32Array;
  };
}

async function tfjsWasm(w: Weights): Promise<BatchFn> {
  await tf.setBackend('wasm');
  await tf.ready();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const shapes = [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 128], [128], [128, 10], [10]];
  model.setWeights(weightList(w).map((v, i) => tf.tensor(v, shapes[i])));
  return async (xs, B) => {
    const t = tf.tensor4d(xs, [B, 28, 28, 1]);
    const y = model.predict(t, { batchSize: BATCH }) as tf.Tensor;
    const out = (await y.data()) as Float32Array;
    tf.dispose([t, y]);
    return out;
  };
}

/** All N images through fn in batches of BATCH; the (N,10) outputs. */
async function runAll(fn: BatchFn | WholeFn, x: Float32Array, N: number, whole = false): Promise<Float32Array> {
  if (whole) return (fn as WholeFn)(x, N);
  const y = new Float32Array(N * 10);
  for (let s = 0; s < N; s += BATCH) {
    const B = Math.min(BATCH, N - s);
    y.set(await (fn as BatchFn)(x.subarray(s * 784, (s + B) * 784), B), s * 10);
  }
  return y;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

// ------------------------------------------------------------------------------------ main

interface Result {
  engine: string;
  images: number;
  imagesPerSec?: number;
  runs: number[];
  maxAbsDiffVsOrt?: number;
  note?: string;
}

async function main(): Promise<void> {
  setNumThreads(threads);
  const peak = measurePeak(threads);
  const fm = datasets.fashionMnist();
  const N = fm.train.x.shape[0];
  const raw = fm.train.x.data as Uint8Array;
  const x = new Float32Array(N * 784);
  for (let i = 0; i < x.length; i++) x[i] = raw[i] / 255;

  const w = makeWeights();
  const bytes = onnxModel(w);
  const save = opt('--save-onnx');
  if (save) writeFileSync(save, bytes);

  const engines: { name: string; run: BatchFn | WholeFn; whole?: boolean }[] = [];
  const results: Result[] = [];
  const predict = await kernoPredict(w);
  if (typeof predict === 'string') results.push({ engine: 'kerno predict', images: N, runs: [], note: predict });
  else engines.push({ name: 'kerno predict', run: predict, whole: true });
  const chain = kernoLayerChain(w);
  engines.push({ name: 'kerno layer chain', run: chain });
  const ortRun = await onnxruntime(bytes);
  engines.push({ name: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim(), run: ortRun });
  try {
    engines.push({ name: 'tfjs-wasm (1 thread)', run: await tfjsWasm(w) });
  } catch (e) {
    results.push({ engine: 'tfjs-wasm', images: N, runs: [], note: (e as Error).message });
  }

  // Agreement with onnxruntime on every image before any timing (this is also the warm-up).
  const ref = await runAll(ortRun, x, N);
  for (const e of engines) {
    const d = maxAbsDiff(await runAll(e.run, x, N, e.whole), ref);
    if (!(d <= 1e-4)) throw new Error(`${e.name} disagrees with onnxruntime: max |Δ| = ${d} > 1e-4`);
    results.push({ engine: e.name, images: N, runs: [], maxAbsDiffVsOrt: d });
  }
  // Each rep runs every engine over all images in turn, the order rotating between reps. (Finer
  // interleaving, batch by batch, would let one engine's spinning pool threads steal a core from
  // the next engine on a 2-core machine.)
  for (let r = 0; r < reps; r++) {
    const ms = engines.map(() => 0);
    for (let j = 0; j < engines.length; j++) {
      // A full collection before each timed pass (not timed): otherwise the garbage of the engine
      // before (tfjs makes a lot) is collected during the next one's pass.
      collectGarbage();
      const i = (j + r) % engines.length, t0 = performance.now();
      await runAll(engines[i].run, x, N, engines[i].whole);
      ms[i] = performance.now() - t0;
    }
    engines.forEach((e, i) => results.find((q) => q.engine === e.name)!.runs.push((N * 1000) / ms[i]));
    if (!asJson) process.stderr.write(`  rep ${r + 1}/${reps}\n`);
  }
  for (const r of results) if (r.runs.length) r.imagesPerSec = median(r.runs);
  // The peak again after the timings; the larger of the two is the conservative denominator.
  const peakEnd = measurePeak(threads);
  if (peak && peakEnd && peakEnd.all > peak.all) Object.assign(peak, { one: Math.max(peak.one, peakEnd.one), all: peakEnd.all });
  const layerTimes = chain.profile(x);

  if (asJson) {
    console.log(JSON.stringify({ bench: 'infer', machine: machineLine(), threads, batch: BATCH, peak, flopsPerImage: FLOPS_PER_IMAGE, results, layerTimes }, null, 2));
    return;
  }
  const ortIps = results.find((r) => r.engine.startsWith('onnxruntime'))?.imagesPerSec;
  console.log(`\nReference CNN inference, ${N} Fashion-MNIST images, batch ${BATCH}, ${threads} threads ` +
    `(kerno ${backendInfo().simd}) — ${machineLine()}`);
  if (peak) console.log(`FMA peak (${peak.isa}, the larger of runs before and after): ${peak.all.toFixed(1)} GFLOP/s on ${peak.threads} threads; ${(FLOPS_PER_IMAGE / 1e6).toFixed(2)} MFLOP per image`);
  console.log(`Median of ${reps} passes over all images after a checked warm-up pass; engines take turns pass by pass.`);
  console.log('| engine | images/s | GFLOP/s | % peak | vs onnxruntime | max |Δ| vs onnxruntime |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const g = r.imagesPerSec === undefined ? undefined : (r.imagesPerSec * FLOPS_PER_IMAGE) / 1e9;
    console.log(`| ${r.engine} | ${fmt(r.imagesPerSec, 0)} | ${fmt(g)} | ${g && peak ? `${((100 * g) / peak.all).toFixed(0)}%` : '—'} | ` +
      `${ratio(r.imagesPerSec, ortIps, 2)} | ${r.maxAbsDiffVsOrt === undefined ? r.note ?? '—' : r.maxAbsDiffVsOrt.toExponential(1)} |`);
  }
  for (const r of results) if (r.note && r.runs.length) console.log(`${r.engine}: ${r.note}`);
  const total = layerTimes.reduce((a, l) => a + l.ms, 0);
  console.log(`\nkerno per layer, batch ${BATCH} (median ms per batch; sum ${total.toFixed(2)} ms = ${fmt((BATCH * 1000) / total, 0)} images/s):`);
  console.log('| layer | ms | share |');
  console.log('| --- | ---: | ---: |');
  for (const l of layerTimes) console.log(`| ${l.layer} | ${l.ms.toFixed(3)} | ${((100 * l.ms) / total).toFixed(0)}% |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
