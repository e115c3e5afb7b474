/**
 * Training parity with the real Keras 3 (the must-show of issue 4; fixture and script:
 * test/fixtures/keras_parity_golden.json, scripts/fixtures/make_parity_golden.py).
 *
 * An MLP (20-16-8-3) and a small CNN (8×8×1 → Conv2D 4 3×3 relu → MaxPooling2D → Flatten →
 * Dense 3 softmax) start from the initial weights Keras trained from (setWeights), and train
 * 3 epochs on the same 64 samples (batch 16, shuffle off, categorical crossentropy, lr 0.01)
 * with SGD+momentum, Adagrad, RMSprop and Adam. Every epoch loss, every per-batch running loss
 * and every final weight must agree with Keras to 1e-4 relative. Weights that end near zero get
 * an absolute floor of 1e-4 × the largest |weight| of their tensor (float32 rounding of a sum
 * does not scale with the size of a cancelled result); loss has no floor.
 *
 * Set KERNO_PARITY_REPORT=1 to print the worst relative errors per case.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { MaxPooling2D } from '../../src/layers/maxPooling2d.js';
import { Adagrad, Adam, type Optimizer, RMSprop, SGD } from '../../src/optimizers/index.js';
import { tensor } from '../../src/tensor.js';

interface TensorJson { shape: number[]; values: number[] }
interface Case {
  name: string;
  model: 'mlp' | 'cnn';
  optimizer: 'SGD' | 'Adagrad' | 'RMSprop' | 'Adam';
  config: Record<string, number | boolean>;
  history: { loss: number[] };
  batchLoss: number[];
  finalWeights: number[][];
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_parity_golden.json', import.meta.url), 'utf8')) as {
  keras_version: string;
  spec: { samples: number; batchSize: number; epochs: number; learningRate: number };
  models: Record<Case['model'], { x: TensorJson; y: TensorJson; initialWeights: TensorJson[] }>;
  cases: Case[];
};

const RTOL = 1e-4;

function layers(kind: Case['model']) {
  if (kind === 'mlp') {
    return [
      new Dense({ units: 16, activation: 'relu', inputShape: [20] }),
      new Dense({ units: 8, activation: 'relu' }),
      new Dense({ units: 3, activation: 'softmax' }),
    ];
  }
  return [
    new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
    new MaxPooling2D(),
    new Flatten(),
    new Dense({ units: 3, activation: 'softmax' }),
  ];
}

/** kerno's optimizer with the hyper-parameters Keras reports in get_config(). */
function optimizer(c: Case): Optimizer {
  const g = c.config, num = (k: string) => g[k] as number;
  switch (c.optimizer) {
    case 'SGD': return new SGD({ learningRate: num('learning_rate'), momentum: num('momentum'), nesterov: g.nesterov as boolean });
    case 'Adagrad': return new Adagrad({ learningRate: num('learning_rate'), initialAccumulatorValue: num('initial_accumulator_value'), epsilon: num('epsilon') });
    case 'RMSprop': return new RMSprop({ learningRate: num('learning_rate'), rho: num('rho'), momentum: num('momentum'), epsilon: num('epsilon'), centered: g.centered as boolean });
    case 'Adam': return new Adam({ learningRate: num('learning_rate'), beta1: num('beta_1'), beta2: num('beta_2'), epsilon: num('epsilon'), amsgrad: g.amsgrad as boolean });
  }
}

/** Largest |a − b| / |b| (with an absolute floor `floor`), and where. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): { rel: number; at: number } {
  let rel = 0, at = -1;
  for (let i = 0; i < b.length; i++) {
    const r = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor);
    if (!(r <= rel)) { rel = r; at = i; }
  }
  return { rel, at };
}

async function train(c: Case) {
  const m = golden.models[c.model], s = golden.spec;
  const model = new Sequential(layers(c.model));
  model.setWeights(m.initialWeights.map((w) => tensor(Float32Array.from(w.values), w.shape)));
  model.compile({ optimizer: optimizer(c), loss: 'categoricalCrossentropy' });
  const batchLoss: number[] = [];
  const history = await model.fit(tensor(Float32Array.from(m.x.values), m.x.shape), tensor(Float32Array.from(m.y.values), m.y.shape), {
    batchSize: s.batchSize, epochs: s.epochs, shuffle: false, verbose: 0,
    callbacks: [{ onTrainBatchEnd: (_b, logs) => void batchLoss.push(logs.loss as number) }],
  });
  return { loss: history.history.loss as number[], batchLoss, weights: model.getWeights().map((w) => w.data as Float32Array) };
}

describe(`training parity with Keras ${golden.keras_version}`, () => {
  it('covers both models with every optimizer of the must-show', () => {
    expect(golden.cases.map((c) => c.name).sort()).toEqual([
      'cnn_adagrad', 'cnn_adam', 'cnn_rmsprop', 'cnn_sgd_momentum', 'mlp_adagrad', 'mlp_adam', 'mlp_rmsprop', 'mlp_sgd_momentum',
    ]);
    expect(golden.spec).toMatchObject({ samples: 64, batchSize: 16, epochs: 3, learningRate: 0.01 });
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s: losses and final weights within 1e-4 relative', async (_n, c) => {
    const got = await train(c);
    const loss = worst(got.loss, c.history.loss), batch = worst(got.batchLoss, c.batchLoss);
    const weights = got.weights.map((w, i) => {
      const want = c.finalWeights[i];
      const scale = want.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
      return { strict: worst(w, want, 1e-12), floored: worst(w, want, scale) };
    });
    if (process.env.KERNO_PARITY_REPORT) {
      const strict = Math.max(...weights.map((w) => w.strict.rel)), floored = Math.max(...weights.map((w) => w.floored.rel));
      console.log(`${c.name}: epoch loss ${loss.rel.toExponential(2)}, batch loss ${batch.rel.toExponential(2)}, ` +
        `weights ${floored.toExponential(2)} (elementwise without floor ${strict.toExponential(2)})`);
    }
    expect(got.loss).toHaveLength(c.history.loss.length);
    expect(got.batchLoss).toHaveLength(c.batchLoss.length);
    expect(loss.rel, `epoch loss ${loss.at}: ${got.loss[loss.at]} vs Keras ${c.history.loss[loss.at]}`).toBeLessThanOrEqual(RTOL);
    expect(batch.rel, `batch loss ${batch.at}: ${got.batchLoss[batch.at]} vs Keras ${c.batchLoss[batch.at]}`).toBeLessThanOrEqual(RTOL);
    expect(got.weights).toHaveLength(c.finalWeights.length);
    weights.forEach((w, i) => {
      const at = w.floored.at;
      expect(w.floored.rel, `weight ${i} element ${at}: ${got.weights[i][at]} vs Keras ${c.finalWeights[i][at]}`).toBeLessThanOrEqual(RTOL);
    });
  });
});
