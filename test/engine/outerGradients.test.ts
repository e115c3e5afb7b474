/**
 * Generated weight gradients (Layer.outerGradients, kerno_outer_grad): at one row per step a Dense
 * layer's weight gradients are outer products, which the optimizer computes inside its update
 * instead of reading them from the gradient arena. Training must leave every weight, loss and
 * optimizer slot exactly where the written gradients leave them. The reference run is the same
 * model with `clipvalue: 1e30`: clipping needs the gradients in the arena, so it turns the
 * generation off, while clipping at 1e30 changes no value.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Flatten } from '../../src/layers/flatten.js';
import { convAddon } from '../../src/nativeConv.js';
import { Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, SGD } from '../../src/optimizers/index.js';
import type { Optimizer } from '../../src/optimizers/optimizer.js';
import { l2 } from '../../src/regularizers.js';
import { setSeed } from '../../src/random.js';
import { tensor } from '../../src/tensor.js';
import { PlainSgd, bitwiseEqual, rng } from './helpers.js';

type Variant = 'plain' | 'regularized' | 'frozen' | 'flatten-first';

function model(variant: Variant): Sequential {
  setSeed(5);
  const layers = [
    ...(variant === 'flatten-first' ? [new Flatten({ inputShape: [3, 3] })] : []),
    new Dense({ units: 7, activation: 'relu', ...(variant === 'flatten-first' ? {} : { inputShape: [9] }) }),
    new Dropout({ rate: 0.2 }),
    new Dense({ units: 5, activation: 'tanh', ...(variant === 'regularized' ? { kernelRegularizer: l2(0.01) } : {}) }),
    new Dense({ units: 3, activation: 'softmax' }),
  ];
  const m = new Sequential(layers);
  if (variant === 'frozen') m.layers[2].trainable = false;
  return m;
}

function data(n: number, shape: number[]) {
  const r = rng(9);
  const x = Float32Array.from({ length: n * 9 }, () => r() * 2 - 1);
  for (let i = 0; i < x.length; i += 5) x[i] = i % 10 === 0 ? 0 : -0; // zero inputs of both signs
  const y = Float32Array.from({ length: n }, (_, i) => (i * 7) % 3);
  const w = Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 4) * 0.25);
  return { x: tensor(x, [n, ...shape]), y: tensor(y, [n]), w: tensor(w, [n]) };
}

const optimizers: [string, (clip?: { clipvalue: number }) => Optimizer][] = [
  ['SGD', (c) => new SGD({ learningRate: 0.05, ...c })],
  ['SGD momentum nesterov', (c) => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true, ...c })],
  ['Adagrad', (c) => new Adagrad({ learningRate: 0.05, ...c })],
  ['RMSprop centered momentum', (c) => new RMSprop({ momentum: 0.5, centered: true, ...c })],
  ['Adam amsgrad', (c) => new Adam({ amsgrad: true, ...c })],
  ['AdamW', (c) => new AdamW({ ...c })],
  ['Nadam', (c) => new Nadam({ ...c })],
  ['Adamax', (c) => new Adamax({ ...c })],
];

/** Trains `variant` with `opt` and returns weights, losses and slots after each epoch. */
async function train(variant: Variant, opt: Optimizer, batchSize: number, weighted: boolean) {
  const m = model(variant), d = data(13, variant === 'flatten-first' ? [3, 3] : [9]);
  m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
  const h = await m.fit(d.x, d.y, { batchSize, epochs: 3, verbose: 0, shuffle: true, ...(weighted ? { sampleWeight: d.w } : {}) });
  return { weights: m.getWeights().map((t) => t.data as Float32Array), loss: h.history.loss, slots: opt.slots().map((s) => s.values.slice()) };
}

afterEach(() => vi.restoreAllMocks());

describe('generated weight gradients train bit for bit like written ones', () => {
  for (const [name, make] of optimizers) {
    it(`${name}, batch 1 (and a batch of 4 that writes them), weighted`, async () => {
      for (const batchSize of [1, 4]) {
        const gen = await train('plain', make(), batchSize, true), written = await train('plain', make({ clipvalue: 1e30 }), batchSize, true);
        expect(bitwiseEqual(gen.weights, written.weights)).toBe(true);
        expect(gen.loss).toEqual(written.loss);
        expect(bitwiseEqual(gen.slots, written.slots)).toBe(true);
      }
    });
  }

  for (const variant of ['regularized', 'frozen', 'flatten-first'] as const) {
    it(`a ${variant} model at batch 1`, async () => {
      const gen = await train(variant, new Adam(), 1, false), written = await train(variant, new Adam({ clipvalue: 1e30 }), 1, false);
      expect(bitwiseEqual(gen.weights, written.weights)).toBe(true);
      expect(gen.loss).toEqual(written.loss);
    });
  }

  it('a custom Optimizer subclass still reads every gradient from the arena', async () => {
    const plain = await train('plain', new PlainSgd(), 1, false), sgd = await train('plain', new SGD({ learningRate: 0.1 }), 1, false);
    for (let i = 0; i < plain.weights.length; i++) {
      const a = plain.weights[i], b = sgd.weights[i];
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j], 5);
    }
  });
});

describe('which layers generate their gradients', () => {
  /** Dense layers' weight-gradient buffers passed to denseBackward in one batch-1 epoch, by layer inputs. */
  async function kernelGradientsWritten(opt: Optimizer, variant: Variant = 'plain'): Promise<Map<number, number>> {
    const addon = convAddon(), real = addon.denseBackward.bind(addon), seen = new Map<number, number>();
    vi.spyOn(addon, 'denseBackward').mockImplementation((...a: Parameters<typeof addon.denseBackward>) => {
      if (a[2] !== null) seen.set(a[8], (seen.get(a[8]) ?? 0) + 1);
      return real(...a);
    });
    const m = model(variant), d = data(6, [9]);
    m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
    await m.fit(d.x, d.y, { batchSize: 1, epochs: 1, verbose: 0 });
    return seen;
  }

  it('every Dense layer at batch 1 with a built-in optimizer: no kernel gradient is written', async () => {
    expect([...(await kernelGradientsWritten(new Adam())).keys()]).toEqual([]);
  });

  it('none with clipping or a custom optimizer; a regularized layer keeps writing its own', async () => {
    expect([...(await kernelGradientsWritten(new Adam({ clipnorm: 1 }))).keys()].sort()).toEqual([5, 7, 9]);
    expect([...(await kernelGradientsWritten(new PlainSgd())).keys()].sort()).toEqual([5, 7, 9]);
    expect([...(await kernelGradientsWritten(new Adam(), 'regularized')).keys()]).toEqual([7]);
  });
});
