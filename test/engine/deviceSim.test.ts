/**
 * The engine's device path, on the simulated device (KERNO_DEVICE_SIM=1: the CPU kernels over
 * memory of their own, native/runtime/device_sim.h). The kernels are the CPU's, so every result
 * must be BITWISE the CPU backend's: a missing upload or download computes on stale data and
 * shows up here. Covered: MLP and small CNN (Conv2D, BatchNormalization, MaxPooling2D, Dropout,
 * Dense), getWeights mid-training, EarlyStopping's restore, ModelCheckpoint files, setWeights then
 * training, predict/evaluate and the batch methods, regularizers, clipping, sparse labels, sample
 * weights, frozen layers, repacking, leaving the device, and what crosses the bus per step.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The registry reads the variable once, when the addon is first used: set it before any import runs.
vi.hoisted(() => {
  process.env.KERNO_DEVICE_SIM = '1';
});

import { backendInfo } from '../../src/backend.js';
import { EarlyStopping } from '../../src/callbacks/earlyStopping.js';
import { LambdaCallback } from '../../src/callbacks/lambdaCallback.js';
import { ModelCheckpoint } from '../../src/callbacks/modelCheckpoint.js';
import type { Sequential } from '../../src/engine/sequential.js';
import { Sequential as Seq } from '../../src/engine/sequential.js';
import { loadWeightsFromBuffer, modelFromBuffer } from '../../src/io/onnx/index.js';
import {
  BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, Rescaling,
} from '../../src/layers/index.js';
import { loadAddon } from '../../src/native.js';
import { convAddon } from '../../src/nativeConv.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { RMSprop } from '../../src/optimizers/rmsprop.js';
import { setSeed } from '../../src/random.js';
import { Tensor, tensor } from '../../src/tensor.js';
import { PlainSgd, bitwiseEqual, rng } from './helpers.js';

type Device = 'cpu' | 'cuda';

/** n samples of (features) with a label each: (x, one-hot y, sparse labels). */
function data(n: number, shape: readonly number[], classes: number, seed: number): { x: Tensor; y: Tensor; labels: Tensor } {
  const r = rng(seed), f = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * f), y = new Float32Array(n * classes), labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    y[i * classes + c] = 1;
    for (let j = 0; j < f; j++) x[i * f + j] = (j % classes === c ? 1 : 0) + (r() - 0.5);
  }
  return { x: tensor(x, [n, ...shape]), y: tensor(y, [n, classes]), labels: tensor(labels, [n]) };
}

function mlp(seed = 3): Sequential {
  setSeed(seed);
  // Fixed names: saved files are compared byte for byte across two models of one process.
  return new Seq([
    new Dense({ name: 'd1', units: 16, activation: 'relu', inputShape: [6] }),
    new Dense({ name: 'd2', units: 8, activation: 'tanh' }),
    new Dense({ name: 'd3', units: 3, activation: 'softmax' }),
  ], { name: 'mlp' });
}

/** The reference CNN's building blocks, scaled down to run in milliseconds. */
function cnn(seed = 5): Sequential {
  setSeed(seed);
  return new Seq([
    new Conv2D({ name: 'c1', filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1] }),
    new BatchNormalization({ name: 'bn' }),
    new MaxPooling2D({ name: 'pool', poolSize: 2 }),
    new Conv2D({ name: 'c2', filters: 6, kernelSize: 2, activation: 'relu' }),
    new Flatten({ name: 'flat' }),
    new Dropout({ name: 'drop', rate: 0.3 }),
    new Dense({ name: 'out', units: 3, activation: 'softmax' }),
  ], { name: 'cnn' });
}

const weightsOf = (m: Sequential): Float32Array[] => m.getWeights().map((w) => w.data as Float32Array);

function expectSame(cpu: Float32Array[], dev: Float32Array[], what: string): void {
  expect(dev.length, what).toBe(cpu.length);
  expect(bitwiseEqual(cpu, dev), `${what}: device-sim differs from the CPU`).toBe(true);
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kerno-device-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('device-sim', () => {
  it('is registered by KERNO_DEVICE_SIM=1 (or this file tests nothing)', () => {
    expect(backendInfo().backends).toContain('device-sim');
  });

  for (const [name, build, shape] of [['MLP', mlp, [6]], ['CNN', cnn, [10, 10, 1]]] as const) {
    it(`${name}: fit, weights read mid-training, predict and evaluate match the CPU bitwise`, async () => {
      const train = data(40, shape, 3, 11), val = data(12, shape, 3, 12);
      const run = async (device: Device) => {
        const m = build();
        m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'], device });
        const mid: Float32Array[][] = [];
        const peek = new LambdaCallback({
          onTrainBatchEnd: (batch) => void (batch === 1 && mid.push(weightsOf(m))),
          onEpochEnd: () => void mid.push(weightsOf(m)),
        });
        const h = await m.fit(train.x, train.y, { epochs: 3, batchSize: 8, verbose: 0, validationData: [val.x, val.y], callbacks: [peek] });
        const pred = (await m.predict(val.x, { batchSize: 5, verbose: 0 })).data as Float32Array;
        const ev = await m.evaluate(val.x, val.y, { batchSize: 7, verbose: 0 });
        return { history: h.history, mid, weights: weightsOf(m), pred, ev, bytes: m.toBuffer() };
      };
      const cpu = await run('cpu'), dev = await run('cuda');
      expect(dev.history).toEqual(cpu.history);
      expect(cpu.history.loss).toHaveLength(3);
      expect(dev.mid).toHaveLength(6);
      dev.mid.forEach((w, i) => expectSame(cpu.mid[i], w, `getWeights #${i}`));
      expectSame(cpu.weights, dev.weights, 'final weights');
      expectSame([cpu.pred], [dev.pred], 'predict');
      expect(dev.ev).toEqual(cpu.ev);
      // The saved file holds the weights, the optimizer slots and the random state.
      expect(Buffer.from(dev.bytes).equals(Buffer.from(cpu.bytes)), 'toBuffer bytes').toBe(true);
    });
  }

  it('batch 1, where the optimizer generates the Dense weight gradients from device buffers, matches the CPU', async () => {
    const d = data(9, [6], 3, 31);
    const run = async (device: Device) => {
      const m = mlp(6);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device });
      const h = await m.fit(d.x, d.y, { epochs: 2, batchSize: 1, verbose: 0 });
      return { loss: h.history.loss, w: weightsOf(m) };
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    expect(dev.loss).toEqual(cpu.loss);
    expectSame(cpu.w, dev.w, 'weights');
  });

  it('trainOnBatch, testOnBatch and predictOnBatch match the CPU', async () => {
    const d = data(10, [10, 10, 1], 3, 21);
    const run = (device: Device) => {
      const m = cnn(8);
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'], device });
      const out = [m.trainOnBatch(d.x, d.y), m.trainOnBatch(d.x, d.y), m.testOnBatch(d.x, d.y)];
      return { out, pred: m.predictOnBatch(d.x).data as Float32Array, w: weightsOf(m) };
    };
    const cpu = run('cpu'), dev = run('cuda');
    expect(dev.out).toEqual(cpu.out);
    expectSame([cpu.pred], [dev.pred], 'predictOnBatch');
    expectSame(cpu.w, dev.w, 'weights');
  });

  it('EarlyStopping restoreBestWeights, then more training, match the CPU', async () => {
    const d = data(32, [6], 3, 31);
    const run = async (device: Device) => {
      const m = mlp(4);
      m.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', device });
      const first: Float32Array[][] = [];
      // mode 'max' on a falling loss: the first epoch stays best, so training stops and restores it.
      const stop = new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 1, restoreBestWeights: true });
      const keep = new LambdaCallback({ onEpochEnd: (e) => void (e === 0 && first.push(weightsOf(m))) });
      const h = await m.fit(d.x, d.y, { epochs: 6, batchSize: 8, verbose: 0, callbacks: [keep, stop] });
      const restored = weightsOf(m);
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 });
      return { epochs: h.history.loss.length, first: first[0], restored, after: weightsOf(m) };
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    expect(cpu.epochs).toBe(2);
    expect(dev.epochs).toBe(2);
    expectSame(cpu.first, cpu.restored, 'the restore itself (CPU)');
    expectSame(cpu.restored, dev.restored, 'restored weights');
    expectSame(cpu.after, dev.after, 'training after the restore');
  });

  it('ModelCheckpoint files are byte-identical to the CPU run, and reload to the same predictions', async () => {
    const d = data(24, [10, 10, 1], 3, 41);
    const run = async (device: Device) => {
      const sub = join(dir, device);
      const m = cnn(6);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device });
      await m.fit(d.x, d.y, { epochs: 2, batchSize: 6, verbose: 0, callbacks: [new ModelCheckpoint(join(sub, 'm.{epoch:02d}.onnx'))] });
      return { sub, w: weightsOf(m) };
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    const files = readdirSync(dev.sub).sort();
    expect(files).toEqual(['m.01.onnx', 'm.02.onnx']);
    for (const f of files) {
      expect(readFileSync(join(dev.sub, f)).equals(readFileSync(join(cpu.sub, f))), f).toBe(true);
    }
    expectSame(cpu.w, dev.w, 'weights after the saves');
    const loaded = modelFromBuffer(readFileSync(join(dev.sub, 'm.02.onnx')));
    const p = (m: Sequential) => m.predict(d.x, { verbose: 0 }).then((t) => t.data as Float32Array);
    expectSame([await p(loaded)], [await p(modelFromBuffer(readFileSync(join(cpu.sub, 'm.02.onnx'))))], 'reloaded predictions');
  });

  it('setWeights and loadWeights between fits reach the device', async () => {
    const d = data(24, [6], 3, 51);
    const donor = mlp(99).getWeights();
    const run = async (device: Device) => {
      const m = mlp(5);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device });
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 });
      const saved = m.toBuffer({ includeOptimizer: false });
      m.setWeights(donor);
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 });
      const afterSet = weightsOf(m);
      loadWeightsFromBuffer(m, saved);
      const ev = await m.evaluate(d.x, d.y, { verbose: 0 });
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 });
      return { afterSet, ev, after: weightsOf(m) };
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    expectSame(cpu.afterSet, dev.afterSet, 'training from set weights');
    expect(dev.ev).toEqual(cpu.ev);
    expectSame(cpu.after, dev.after, 'training from loaded weights');
  });

  it('regularizers, clipnorm, sparse labels and sample weights match the CPU', async () => {
    const d = data(30, [6], 3, 61);
    const sw = tensor(Float32Array.from({ length: 30 }, (_, i) => 0.5 + (i % 4) * 0.25), [30]);
    const run = async (device: Device) => {
      setSeed(12);
      const m = new Seq([
        new Dense({ units: 10, activation: 'relu', kernelRegularizer: 'l2', biasRegularizer: 'l1', inputShape: [6] }),
        new Dense({ units: 3, activation: 'softmax' }),
      ]);
      m.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9, clipnorm: 0.5 }), loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'], device });
      const h = await m.fit(d.x, d.labels, { epochs: 3, batchSize: 7, verbose: 0, sampleWeight: sw, validationSplit: 0.2 });
      return { history: h.history, w: weightsOf(m) };
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    expect(dev.history).toEqual(cpu.history);
    expectSame(cpu.w, dev.w, 'weights');
  });

  it('Rescaling, a frozen BatchNormalization, global clipping and a repack after unfreezing match the CPU', async () => {
    const d = data(20, [10, 10, 1], 3, 71);
    const run = async (device: Device) => {
      setSeed(13);
      const bn = new BatchNormalization({ trainable: false });
      const m = new Seq([
        new Rescaling({ scale: 0.5, offset: 0.25, inputShape: [10, 10, 1] }),
        new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu' }),
        bn,
        new Flatten(),
        new Dense({ units: 3, activation: 'softmax' }),
      ]);
      m.compile({ optimizer: new RMSprop({ centered: true, momentum: 0.5, globalClipnorm: 1 }), loss: 'categoricalCrossentropy', device });
      await m.fit(d.x, d.y, { epochs: 2, batchSize: 5, verbose: 0 });
      const frozen = weightsOf(m);
      bn.trainable = true; // repacks the arena: the values must come from the device first
      const h = await m.fit(d.x, d.y, { epochs: 2, batchSize: 5, verbose: 0 });
      return { frozen, history: h.history, w: weightsOf(m) };
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    expectSame(cpu.frozen, dev.frozen, 'weights with the frozen layer');
    expect(dev.history).toEqual(cpu.history);
    expectSame(cpu.w, dev.w, 'weights after unfreezing');
  });

  it('a dataset with more batch sizes than the plan cache holds (plans evicted and freed) matches the CPU', async () => {
    const d = data(40, [6], 3, 121);
    const sizes = [3, 4, 5, 6, 7, 8, 7]; // 6 distinct sizes; the cache keeps 4
    async function* batches(): AsyncGenerator<{ x: Tensor; y: Tensor }> {
      let at = 0;
      for (const n of sizes) {
        yield { x: d.x.slice(at, at + n), y: d.y.slice(at, at + n) };
        at += n;
      }
    }
    const run = async (device: Device) => {
      const m = mlp(8);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'], device });
      const h1 = await m.fit(batches(), { epochs: 1, verbose: 0 });
      const h2 = await m.fit(batches(), { epochs: 1, verbose: 0 });
      const ev = await m.evaluate(batches(), { verbose: 0 });
      return { h: [h1.history, h2.history], ev, w: weightsOf(m) };
    };
    const cpu = await run('cpu');
    const free = vi.spyOn(loadAddon(), 'mirrorFree');
    const dev = await run('cuda');
    expect(free.mock.calls.length, 'evicted plans free their device copies').toBeGreaterThanOrEqual(4);
    vi.restoreAllMocks();
    expect(dev.h).toEqual(cpu.h);
    expect(dev.ev).toEqual(cpu.ev);
    expectSame(cpu.w, dev.w, 'weights');
  });

  it('recompiling for the CPU brings the trained weights back', async () => {
    const d = data(16, [6], 3, 81);
    const run = async (device: Device) => {
      const m = mlp(6);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device });
      await m.fit(d.x, d.y, { epochs: 2, batchSize: 4, verbose: 0 });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device: 'cpu' });
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 4, verbose: 0 });
      return weightsOf(m);
    };
    expectSame(await run('cpu'), await run('cuda'), 'weights');
  });

  it('predicts right after compile, before any training', async () => {
    const d = data(9, [10, 10, 1], 3, 91);
    const run = async (device: Device) => {
      const m = cnn(9);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device });
      return (await m.predict(d.x, { batchSize: 4, verbose: 0 })).data as Float32Array;
    };
    expectSame([await run('cpu')], [await run('cuda')], 'predictions');
  });

  it("a custom Optimizer subclass: 'cuda' refuses it, 'auto' trains it on the CPU", async () => {
    const d = data(8, [6], 3, 111);
    expect(() => mlp().compile({ optimizer: new PlainSgd(), loss: 'categoricalCrossentropy', device: 'cuda' }))
      .toThrow(/^compile: option "optimizer" expected a built-in optimizer \(SGD, Adam, \.\.\.\) to train on device "device-sim"/);
    const create = vi.spyOn(loadAddon(), 'mirrorCreate');
    try {
      const m = mlp(), before = weightsOf(m);
      m.compile({ optimizer: new PlainSgd(), loss: 'categoricalCrossentropy', device: 'auto' });
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 4, verbose: 0 });
      expect(create).not.toHaveBeenCalled();
      expect(bitwiseEqual(before, weightsOf(m))).toBe(false);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('inference runs each Conv2D + MaxPooling2D pair whole on a device (the CPU splits it into cache-sized chunks)', async () => {
    // 32·32·32 conv outputs per image: the CPU fuses conv and pool in chunks of 8 images.
    const build = () => {
      setSeed(11);
      return new Seq([
        new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [34, 34, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 3, activation: 'softmax' }),
      ]);
    };
    const d = data(16, [34, 34, 1], 3, 5);
    const addon = convAddon();
    const run = async (device: 'cpu' | 'cuda') => {
      const m = build();
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', device });
      await m.predict(d.x, { batchSize: 16, verbose: 0 }); // plans and mirrors exist from here on
      const conv = vi.spyOn(addon, 'conv2dForward');
      try {
        const out = (await m.predict(d.x, { batchSize: 16, verbose: 0 })).data as Float32Array;
        return { out, convCalls: conv.mock.calls.length };
      } finally {
        vi.restoreAllMocks();
      }
    };
    const cpu = await run('cpu'), dev = await run('cuda');
    expect(cpu.convCalls).toBe(2);
    expect(dev.convCalls).toBe(1);
    expect(bitwiseEqual([dev.out], [cpu.out])).toBe(true);
  });

  it('a training step moves only the batch up and the losses with the metric outputs down, in one copy', async () => {
    const d = data(32, [6], 3, 101);
    const addon = loadAddon();
    const m = mlp(7);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'], device: 'cuda' });
    await m.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 }); // mirrors exist from here on
    const up = vi.spyOn(addon, 'mirrorUpload'), down = vi.spyOn(addon, 'mirrorDownload'), create = vi.spyOn(addon, 'mirrorCreate');
    try {
      await m.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
      const floats = (calls: unknown[][]) => calls.map((c) => (c[0] as Float32Array).length).sort((a, b) => a - b);
      // 4 steps: x (8·6) and y (8·3) up; the losses (8, padded to 16) and the outputs (8·3) that
      // follow them in the plan down in one copy (one wait for the device). No weights either way.
      expect(floats(up.mock.calls)).toEqual([...Array(4).fill(24), ...Array(4).fill(48)]);
      expect(floats(down.mock.calls)).toEqual(Array(4).fill(16 + 24));
      expect(create).not.toHaveBeenCalled();
      up.mockClear();
      down.mockClear();
      m.getWeights();
      m.getWeights(); // the second read finds the host copies current
      expect(down.mock.calls.length).toBe(1); // the whole parameter arena (all weights are trainable)
      expect(up).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });
});
