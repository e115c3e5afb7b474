/**
 * fit/evaluate against the real Keras 3.15 (fixture from scripts/fixtures/make_fit_golden.py):
 * same initial weights and data, shuffle off, and every History value, the epoch list, params,
 * the final weights and evaluate() must agree. The cases pin validation_split (last fraction),
 * the partial last batch, class_weight (one-hot argmax, a missing class weighing 1, a (N, 1)
 * binary target), sample_weight ("sum over batch size"), batch-size-weighted epoch means, an L2
 * penalty in loss and val_loss, validation_data with weights, validation_freq and initial_epoch.
 *
 * Tolerance: 1e-4 relative (plus 1e-6 absolute) — float32 kernels against TensorFlow's over at
 * most 12 steps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Adam, RMSprop, SGD, type Optimizer } from '../../src/optimizers/index.js';
import { l2 } from '../../src/regularizers.js';
import { tensor } from '../../src/tensor.js';

interface Case {
  name: string;
  spec: Record<string, unknown> & { optimizer: string; learningRate: number; loss: string; metrics: string[]; batchSize: number; epochs: number };
  initialWeights: { shape: number[]; values: number[] }[];
  x: { shape: number[]; values: number[] };
  y: { shape: number[]; values: number[] };
  history: Record<string, number[]>;
  epoch: number[];
  params: { verbose: number; epochs: number; steps: number };
  finalWeights: number[][];
  evaluate: Record<string, number>;
  sampleWeight?: number[];
  validationData?: number[][];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_fit_golden.json', import.meta.url), 'utf8')) as { cases: Case[] };

function close(actual: number, expected: number, what: string): void {
  const tol = 1e-4 * Math.abs(expected) + 1e-6;
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${what}: ${actual} vs Keras ${expected} (tolerance ${tol})`);
}

function optimizer(c: Case): Optimizer {
  const s = c.spec;
  if (s.optimizer === 'SGD') return new SGD({ learningRate: s.learningRate, momentum: (s.momentum as number | undefined) ?? 0 });
  if (s.optimizer === 'Adam') return new Adam({ learningRate: s.learningRate });
  return new RMSprop({ learningRate: s.learningRate });
}

function buildModel(c: Case): Sequential {
  const [k0, , k1] = c.initialWeights;
  const outAct = c.spec.loss === 'binaryCrossentropy' ? 'sigmoid' : c.spec.loss === 'meanSquaredError' ? 'linear' : 'softmax';
  const model = new Sequential([
    new Dense({ units: k0.shape[1], activation: 'relu', inputShape: [k0.shape[0]], kernelRegularizer: c.spec.l2 ? l2(c.spec.l2 as number) : undefined }),
    new Dense({ units: k1.shape[1], activation: outAct }),
  ]);
  model.setWeights(c.initialWeights.map((w) => tensor(Float32Array.from(w.values), w.shape)));
  model.compile({ optimizer: optimizer(c), loss: c.spec.loss as 'meanSquaredError', metrics: c.spec.metrics as 'accuracy'[] });
  return model;
}

describe('fit and evaluate match Keras 3', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const model = buildModel(c);
      const x = tensor(Float32Array.from(c.x.values), c.x.shape);
      const y = tensor(Float32Array.from(c.y.values), c.y.shape);
      const s = c.spec;
      const vd = c.validationData;
      const history = await model.fit(x, y, {
        batchSize: s.batchSize, epochs: s.epochs, verbose: 0, shuffle: false,
        validationSplit: s.validationSplit as number | undefined,
        classWeight: s.classWeight as Record<number, number> | undefined,
        sampleWeight: c.sampleWeight ? Float32Array.from(c.sampleWeight) : undefined,
        initialEpoch: s.initialEpoch as number | undefined,
        validationFreq: s.validationFreq as number | undefined,
        validationData: vd
          ? [tensor(Float32Array.from(vd[0]), [vd[1].length, c.x.shape[1]]), Float32Array.from(vd[1]), Float32Array.from(vd[2])]
          : undefined,
      });
      expect(Object.keys(history.history)).toEqual(Object.keys(c.history));
      expect(history.epoch).toEqual(c.epoch);
      expect(history.params).toEqual({ ...c.params, verbose: 0 });
      for (const [k, values] of Object.entries(c.history)) {
        expect(history.history[k].length, k).toBe(values.length);
        values.forEach((v, e) => close(history.history[k][e], v, `${k}[${e}]`));
      }
      model.getWeights().forEach((w, i) => {
        c.finalWeights[i].forEach((v, j) => close(w.data[j], v, `weight ${i}[${j}]`));
      });
      const ev = (await model.evaluate(x, y, { batchSize: s.batchSize, verbose: 0, returnDict: true })) as Record<string, number>;
      expect(Object.keys(ev).sort()).toEqual(Object.keys(c.evaluate).sort());
      for (const [k, v] of Object.entries(c.evaluate)) close(ev[k], v, `evaluate ${k}`);
    });
  }
});
