/**
 * What a training step runs backward: it stops at the first layer with trainable weights, whose
 * input gradient nobody reads (so it is not computed), and runs no backward at all when nothing
 * is trainable. The weights must come out as a full backward would leave them.
 */
import { describe, expect, it } from 'vitest';
import type { Layer, LayerGradIO, RunContext } from '../../src/engine/layer.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Rescaling } from '../../src/layers/rescaling.js';
import { SGD } from '../../src/optimizers/index.js';
import type { Optimizer } from '../../src/optimizers/optimizer.js';
import { setSeed } from '../../src/random.js';
import { tensor } from '../../src/tensor.js';
import { PlainSgd, bitwiseEqual, rng, snapshot } from './helpers.js';

interface Call {
  layer: string;
  dinpNull: boolean;
}

/** Records every backward call of the model's layers (layer name, whether dinp was null). */
function spy(model: Sequential): Call[] {
  const calls: Call[] = [];
  for (const layer of model.layers) {
    const original = layer.backward.bind(layer) as Layer['backward'];
    layer.backward = (ctx: RunContext, io: LayerGradIO, fromPre: boolean) => {
      calls.push({ layer: layer.name, dinpNull: io.dinp === null });
      original(ctx, io, fromPre);
    };
  }
  return calls;
}

function model(): Sequential {
  setSeed(5);
  return new Sequential([
    new Rescaling({ scale: 0.5, inputShape: [2, 3], name: 'rescale' }),
    new Flatten({ name: 'flat' }),
    new Dense({ units: 4, activation: 'relu', name: 'd1' }),
    new Dense({ units: 3, activation: 'softmax', name: 'd2' }),
  ]);
}

function data(): { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> } {
  const r = rng(9);
  const x = Float32Array.from({ length: 8 * 6 }, () => r() * 4 - 2);
  const y = Float32Array.from({ length: 8 }, (_, i) => i % 3);
  return { x: tensor(x, [8, 2, 3]), y: tensor(y, [8]) };
}

describe('training step backward', () => {
  it('stops at the first trainable layer and computes no input gradient there', () => {
    const m = model();
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    const calls = spy(m);
    const { x, y } = data();
    m.trainOnBatch(x, y);
    expect(calls).toEqual([{ layer: 'd2', dinpNull: false }, { layer: 'd1', dinpNull: true }]);
  });

  it('leaves the weights as a full backward (every input gradient computed) does', () => {
    const { x, y } = data();
    const lr = 0.1;
    // Engine step.
    const a = model();
    a.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy' });
    a.trainOnBatch(x, y);
    // The same step by hand on the plan's own IOs, where every layer (Rescaling and Flatten
    // included) back-propagates into its input gradient, then SGD (w − g·lr, in float32).
    const b = model();
    b.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy' });
    const core = (b as unknown as { core(m: string, x: unknown): any }).core('trainOnBatch', x);
    const runner = core.runner, arena = runner.arena, plan = core.plans.get(8), L = runner.loss;
    plan.x.set(x.data);
    plan.y.set(y.data);
    const layers = b.layers, ctx = plan.trainCtx;
    for (let i = 0; i < layers.length; i++) layers[i].forward(ctx, plan.ios[i]);
    arena.grads.fill(0);
    plan.accumulated.fill(0);
    runner.addon.lossBackward(runner.backend, plan.lossGrad, plan.lossInput, plan.y, null, 8, L.classes, L.kind, L.labelSmoothing, L.delta);
    for (let i = layers.length - 1; i >= 0; i--) layers[i].backward(ctx, plan.ios[i], i === layers.length - 1);
    expect(plan.ios[2].dinp!.some((v: number) => v !== 0)).toBe(true); // the input gradient the engine skips
    for (let i = 0; i < arena.params.length; i++) arena.params[i] = Math.fround(arena.params[i] - Math.fround(arena.grads[i] * Math.fround(lr)));
    expect(bitwiseEqual(snapshot(a), snapshot(b))).toBe(true);
  });

  it('starts backward after frozen layers and runs none when nothing is trainable', () => {
    const m = model();
    m.layers[2].trainable = false;
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    const calls = spy(m);
    const { x, y } = data();
    m.trainOnBatch(x, y);
    expect(calls).toEqual([{ layer: 'd2', dinpNull: true }]);

    calls.length = 0;
    m.layers[3].trainable = false;
    const before = snapshot(m);
    const loss = m.trainOnBatch(x, y) as number;
    expect(calls).toEqual([]);
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(bitwiseEqual(before, snapshot(m))).toBe(true);
  });
});

describe('gradients between steps', () => {
  // The built-in optimizers zero the gradient arena in their update pass (zero_grad) and the
  // engine then skips its own zeroing; a custom optimizer leaves the gradients, and the engine
  // zeroes them before each backward. Both must train exactly alike: a gradient left over from
  // one step would be added into the next.

  it('the built-in SGD (gradients zeroed by the update) matches a JS SGD (zeroed by the engine) bit for bit', async () => {
    const d = data();
    const run = async (optimizer: Optimizer) => {
      const m = model();
      m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
      await m.fit(d.x, d.y, { epochs: 3, batchSize: 2, verbose: 0, shuffle: false });
      m.trainOnBatch(d.x, d.y);
      return snapshot(m);
    };
    const native = await run(new SGD({ learningRate: 0.1 })), js = await run(new PlainSgd());
    expect(bitwiseEqual(native, js)).toBe(true);
  });
});
