// The activation tail of Conv2D, DepthwiseConv2D, SeparableConv2D and Dense (src/layers/activations.ts)
// runs the activation one of three ways: fused into the conv kernel's output stage, in place on the
// output, or from a kept pre-activation. Whichever it picks (inference: on the output for every
// elementwise kind; training: on the output for relu, tanh and leakyRelu), the outputs and
// gradients must be bit-for-bit those of the plain recipe: the same layer without activation,
// then activationForward on its output, and activationBackward(dout, pre, out) into the linear
// layer's backward. And when the activation ran on the output, the pre-activation workspace must
// not have been written (that is the memory traffic it saves).
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../src/engine/layer.js';
import { Conv2D, Dense, DepthwiseConv2D, Flatten, MaxPooling2D, SeparableConv2D } from '../../src/layers/index.js';
import type { ActivationIdentifier } from '../../src/layers/activations.js';
import { Runner, addon, backend, fillWeights, makeContext, rand } from './harness.js';

type Act = Exclude<ActivationIdentifier, 'softmax' | 'linear' | 'swish'>;
const ACTS: Act[] = ['relu', 'tanh', 'leakyRelu', 'sigmoid', 'elu', 'gelu', 'softplus', 'silu'];
const KIND: Record<Act, [number, number]> = {
  relu: [1, 0], sigmoid: [2, 0], tanh: [3, 0], leakyRelu: [4, 0.2], elu: [5, 1], gelu: [6, 0], softplus: [8, 0], silu: [9, 0],
};
const ON_OUTPUT_IN_TRAINING: ReadonlySet<Act> = new Set<Act>(['relu', 'tanh', 'leakyRelu']);
// sigmoid always keeps its pre-activation: the engine may compute the loss from it (a fused
// final sigmoid + binary crossentropy), in evaluation too.
const ALWAYS_KEPT: ReadonlySet<Act> = new Set<Act>(['sigmoid']);

// [label, layer factory, input shape]: the Conv2D cases cover the AVX2 direct kernel (1 channel,
// 8 filters) and im2col + GEMM (5 channels).
const LAYERS: [string, (activation: Act | 'linear') => Layer, number[]][] = [
  ['Conv2D 1 channel', (activation) => new Conv2D({ filters: 8, kernelSize: 3, activation }), [7, 6, 1]],
  ['Conv2D 5 channels same', (activation) => new Conv2D({ filters: 6, kernelSize: 3, padding: 'same', activation }), [5, 6, 5]],
  ['DepthwiseConv2D', (activation) => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation }), [5, 5, 3]],
  ['SeparableConv2D', (activation) => new SeparableConv2D({ filters: 4, kernelSize: 3, activation }), [6, 5, 3]],
  ['Dense', (activation) => new Dense({ units: 7, activation }), [9]],
];

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const SENTINEL = 12345.5;

describe.each(LAYERS)('%s activation tail', (_label, make, shape) => {
  it.each(ACTS)('%s: fused / in-place / kept give the plain recipe bit for bit', (act) => {
    const B = 3, layer = make(act), plain = make('linear');
    const run = new Runner(layer, shape, B), lin = new Runner(plain, shape, B);
    fillWeights(layer, 9);
    plain.weights.forEach((w, i) => w.value.set(layer.weights[i].value));
    const x = rand(run.inp.length, 10, -3, 3), g = rand(run.out.length, 11);
    const [kind, alpha] = KIND[act];

    // The plain recipe.
    const pre = Float32Array.from(lin.forward(x));
    const want = new Float32Array(pre.length);
    addon.activationForward(backend, want, pre, kind, alpha);
    const dpre = new Float32Array(pre.length);
    addon.activationBackward(backend, dpre, g, pre, want, kind, alpha);
    const wantDinp = Float32Array.from(lin.backward(dpre)!);
    const wantGrads = plain.trainableWeights.map((w) => Float32Array.from(w.grad!));

    // Inference: on the output (the pre-activation view, the first `pre.length` floats of this
    // layer's tail views, never written) unless the activation always keeps it.
    run.ws.fill(SENTINEL);
    expect(bits(run.forward(x, false)), 'inference out').toEqual(bits(want));
    const tailStart = layer instanceof SeparableConv2D ? run.ws.length - 2 * pre.length : 0;
    expect(run.ws.subarray(tailStart, tailStart + pre.length).every((v) => v === SENTINEL), 'pre-activation untouched at inference')
      .toBe(!ALWAYS_KEPT.has(act));

    // Training.
    run.ws.fill(SENTINEL);
    expect(bits(run.forward(x, true)), 'training out').toEqual(bits(want));
    const untouched = run.ws.subarray(tailStart, tailStart + pre.length).every((v) => v === SENTINEL);
    expect(untouched, 'pre-activation untouched in training').toBe(ON_OUTPUT_IN_TRAINING.has(act));
    expect(bits(run.backward(g)!), 'dinp').toEqual(bits(wantDinp));
    layer.trainableWeights.forEach((w, i) => expect(bits(w.grad!), `d${w.name}`).toEqual(bits(wantGrads[i])));
  });
});

// Conv2D + MaxPooling2D at inference (Layer.forwardFused): the batch in chunks, the pooled output
// bit for bit the unfused one, for batches of one chunk, several, and a partial last chunk; and
// no fusion in training, with a 'linear' or 'softmax'-kept activation, or without a pool next.
describe('Conv2D + MaxPooling2D fused inference', () => {
  const build = (activation: 'relu' | 'linear' | 'sigmoid', filters: number) => {
    const conv = new Conv2D({ filters, kernelSize: 3, activation });
    const pool = new MaxPooling2D({ poolSize: 2 });
    pool.build(conv.build([12, 11, 3]));
    fillWeights(conv, 4);
    return { conv, pool };
  };
  const io = (layer: Layer, inp: Float32Array, B: number) => ({
    inp, out: new Float32Array(B * layer.outputShape.reduce((a, b) => a * b, 1)), ws: new Float32Array(layer.workspaceSize(B)),
  });
  const ctx = (B: number, training: boolean) => makeContext(B, training);

  // 9·10·64 = 5760 conv output floats per image: chunks of 45 images.
  it.each([1, 45, 46, 100])('batch %i: the fused pair gives the unfused pooled output bit for bit', (B) => {
    const { conv, pool } = build('relu', 64);
    const x = rand(B * 12 * 11 * 3, 7, -2, 2);
    const a = io(conv, x, B), b = io(pool, a.out, B);
    conv.forward(ctx(B, false), a);
    pool.forward(ctx(B, false), b);
    const fa = io(conv, x, B), fb = io(pool, fa.out, B);
    const fused = conv.forwardFused(ctx(B, false), fa, pool, fb);
    expect(fused).toBe(B > 45);
    if (!fused) return;
    expect(bits(fb.out)).toEqual(bits(b.out));
  });

  it('does not fuse in training, without a pool next, or when the activation keeps its pre-activation', () => {
    const B = 100, x = rand(B * 12 * 11 * 3, 8);
    for (const [activation, training] of [['relu', true], ['linear', false], ['sigmoid', false]] as const) {
      const { conv, pool } = build(activation, 64), a = io(conv, x, B);
      expect(conv.forwardFused(ctx(B, training), a, pool, io(pool, a.out, B)), `${activation} ${training}`).toBe(false);
    }
    const { conv } = build('relu', 64), flat = new Flatten(), a = io(conv, x, B);
    flat.build(conv.outputShape);
    expect(conv.forwardFused(ctx(B, false), a, flat, io(flat, a.out, B))).toBe(false);
  });
});
