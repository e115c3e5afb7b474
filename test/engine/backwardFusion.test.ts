/**
 * Backward fusion (Layer.backwardFusable): a MaxPooling2D after a layer with a ReLU activation
 * writes that layer's pre-activation gradient itself, in one pass, and the engine zeroes neither
 * buffer. Training must leave every weight, step after step, exactly where the unfused passes
 * leave it: the same model with the ReLU as its own layer (Conv2D linear → ReLU → MaxPooling2D),
 * which nothing fuses.
 */
import { describe, expect, it } from 'vitest';
import type { Layer, LayerGradIO, RunContext } from '../../src/engine/layer.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { MaxPooling2D } from '../../src/layers/maxPooling2d.js';
import { ReLU } from '../../src/layers/relu.js';
import { Adam } from '../../src/optimizers/index.js';
import { setSeed } from '../../src/random.js';
import { tensor } from '../../src/tensor.js';
import { bitwiseEqual, rng, snapshot } from './helpers.js';

/** Conv → pool → conv → pool (the second over an odd 7×7 map, leaving an edge) → Dense. */
function cnn(reluLayers: boolean): Sequential {
  setSeed(11);
  const conv = (filters: number, extra: object) =>
    reluLayers ? [new Conv2D({ filters, kernelSize: 3, ...extra }), new ReLU()] : [new Conv2D({ filters, kernelSize: 3, activation: 'relu', ...extra })];
  return new Sequential([
    ...conv(4, { inputShape: [11, 11, 2] }),
    new MaxPooling2D(),
    ...conv(6, { padding: 'same' }),
    new MaxPooling2D({ poolSize: 3, strides: 2 }),
    new Flatten(),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
}

function data(n: number) {
  const r = rng(3);
  const x = Float32Array.from({ length: n * 11 * 11 * 2 }, () => r() * 2 - 1);
  const y = Float32Array.from({ length: n }, (_, i) => i % 3);
  return { x: tensor(x, [n, 11, 11, 2]), y: tensor(y, [n]) };
}

interface Call {
  layer: string;
  kind: 'backward' | 'fused';
  fromPre?: boolean;
}

function spy(model: Sequential): Call[] {
  const calls: Call[] = [];
  for (const layer of model.layers) {
    const backward = layer.backward.bind(layer) as Layer['backward'];
    layer.backward = (ctx: RunContext, io: LayerGradIO, fromPre: boolean) => {
      calls.push({ layer: layer.className, kind: 'backward', fromPre });
      backward(ctx, io, fromPre);
    };
    const fused = layer.backwardFused.bind(layer) as Layer['backwardFused'];
    layer.backwardFused = (ctx: RunContext, io: LayerGradIO) => {
      calls.push({ layer: layer.className, kind: 'fused' });
      fused(ctx, io);
    };
  }
  return calls;
}

describe('MaxPooling2D backward fused with the ReLU before it', () => {
  it('runs each pooling fused and its producer from the pre-activation gradient', () => {
    const m = cnn(false);
    m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    const calls = spy(m);
    const { x, y } = data(4);
    m.trainOnBatch(x, y);
    expect(calls).toEqual([
      { layer: 'Dense', kind: 'backward', fromPre: true },
      { layer: 'Flatten', kind: 'backward', fromPre: false },
      { layer: 'MaxPooling2D', kind: 'fused' },
      { layer: 'Conv2D', kind: 'backward', fromPre: true },
      { layer: 'MaxPooling2D', kind: 'fused' },
      { layer: 'Conv2D', kind: 'backward', fromPre: true },
    ]);
  });

  it('trains bit for bit as the unfused layers do, over several steps and a partial batch', async () => {
    const { x, y } = data(10);
    const fusedModel = cnn(false), unfused = cnn(true);
    unfused.setWeights(fusedModel.getWeights());
    const calls = spy(unfused);
    for (const m of [fusedModel, unfused]) {
      m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    }
    expect(calls.some((c) => c.kind === 'fused')).toBe(false);
    const a = snapshot(fusedModel), b = snapshot(unfused);
    expect(a.length).toBe(b.length);
    expect(bitwiseEqual(a, b)).toBe(true);
    // the models did train: the first kernel moved
    expect(bitwiseEqual([a[0]], [cnn(false).getWeights()[0].data as Float32Array])).toBe(false);
  });

  it('does not fuse after a layer whose activation is not a ReLU', () => {
    setSeed(2);
    const m = new Sequential([
      new Conv2D({ filters: 2, kernelSize: 3, activation: 'tanh', inputShape: [6, 6, 1] }),
      new MaxPooling2D(),
      new Conv2D({ filters: 2, kernelSize: 2, activation: 'relu' }),
      new Flatten(),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const calls = spy(m);
    m.trainOnBatch(tensor(new Float32Array(2 * 36).fill(0.5), [2, 6, 6, 1]), tensor([0, 1], [2]));
    expect(calls.filter((c) => c.kind === 'fused')).toEqual([]);
    expect(calls.find((c) => c.layer === 'MaxPooling2D')).toEqual({ layer: 'MaxPooling2D', kind: 'backward', fromPre: false });
  });
});
