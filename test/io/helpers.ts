/** Shared by the ONNX tests: seeded data, weight randomisation and the onnxruntime-node comparison. */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { Layer } from '../../src/engine/layer.js';
import type { Model } from '../../src/engine/model.js';
import { Sequential } from '../../src/engine/sequential.js';
import { setSeed } from '../../src/random.js';
import { Tensor, tensor } from '../../src/tensor.js';
import { rng } from '../engine/helpers.js';

export { rng };

/** Values in [-2, 2) from a seeded generator. */
export function randomData(shape: readonly number[], seed = 3): Tensor {
  const r = rng(seed), n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => (r() - 0.5) * 4), shape);
}

/**
 * Gives every weight non-trivial values (biases and BN statistics included, which start at 0/1),
 * so a wrong layout or a missing term shows in the outputs.
 */
export function randomizeWeights(model: Model, seed = 11): void {
  const r = rng(seed);
  for (const l of model.layers) {
    for (const w of l.weights) {
      if (w.name === 'moving_variance') w.value.forEach((_, i) => (w.value[i] = 0.5 + r()));
      else w.value.forEach((_, i) => (w.value[i] = (r() - 0.5) * (w.name.includes('kernel') ? 1 : 0.6)));
    }
  }
}

/** A seeded, built Sequential of `layers` on input `inputShape`, weights randomized. */
export function model(inputShape: readonly number[], layers: Layer[], seed = 5): Sequential {
  setSeed(seed);
  const m = new Sequential(layers);
  m.build(inputShape);
  randomizeWeights(m, seed + 1);
  return m;
}

/** Runs an exported model in onnxruntime-node on `x` (NHWC) and returns its output. */
export async function runOrt(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, [...x.shape]) });
  const t = out.output;
  return { data: t.data as Float32Array, dims: t.dims };
}

/**
 * The parity bound |ort − kerno| ≤ 1e-5 + 1e-4·|kerno| on every element, for the whole
 * batch and for a batch of one (the exported batch axis is dynamic). Returns the largest error.
 */
export async function expectOrtParity(m: Model, x: Tensor, options?: { opset?: number }): Promise<number> {
  const bytes = m.toBuffer({ includeOptimizer: false, ...options });
  const mine = await m.predict(x, { verbose: 0 });
  const theirs = await runOrt(bytes, x);
  expect([...theirs.dims]).toEqual([...mine.shape]);
  const a = theirs.data, b = mine.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const err = Math.abs(a[i] - b[i]), bound = 1e-5 + 1e-4 * Math.abs(b[i]);
    if (!(err <= bound)) throw new Error(`element ${i}: onnxruntime ${a[i]}, kerno ${b[i]} (|diff| ${err} > ${bound})`);
    worst = Math.max(worst, err);
  }
  const one = await runOrt(bytes, x.slice(0, 1));
  expect([...one.dims]).toEqual([1, ...mine.shape.slice(1)]);
  for (let i = 0; i < one.data.length; i++) expect(Math.abs(one.data[i] - b[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(b[i]));
  return worst;
}

/** Bitwise equality of two float arrays. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}
