/** Shared by the engine tests: small deterministic data sets and models. */
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Optimizer } from '../../src/optimizers/optimizer.js';
import { setSeed } from '../../src/random.js';
import { Tensor, tensor } from '../../src/tensor.js';

/** A tiny deterministic PRNG (mulberry32) so test data does not depend on Math.random. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two Gaussian blobs per class around distinct centres: linearly separable with margin. */
export function blobs(n: number, features: number, classes: number, seed = 1): { x: Tensor; y: Tensor; labels: Int32Array } {
  const r = rng(seed);
  const x = new Float32Array(n * features), y = new Float32Array(n * classes), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    y[i * classes + c] = 1;
    for (let f = 0; f < features; f++) {
      const centre = f % classes === c ? 2 : -0.5;
      x[i * features + f] = centre + (r() - 0.5) * 1.2;
    }
  }
  return { x: tensor(x, [n, features]), y: tensor(y, [n, classes]), labels };
}

/** features → hidden (relu) → classes (softmax), seeded. */
export function mlp(features: number, hidden: number, classes: number, seed = 7): Sequential {
  setSeed(seed);
  return new Sequential([
    new Dense({ units: hidden, activation: 'relu', inputShape: [features] }),
    new Dense({ units: classes, activation: 'softmax' }),
  ]);
}

/** Flat copies of every weight, for bitwise comparisons. */
export function snapshot(model: Sequential): Float32Array[] {
  return model.getWeights().map((w) => w.data as Float32Array);
}

export function bitwiseEqual(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = new Uint32Array(a[i].buffer, a[i].byteOffset, a[i].length);
    const y = new Uint32Array(b[i].buffer, b[i].byteOffset, b[i].length);
    if (x.length !== y.length || x.some((v, j) => v !== y[j])) return false;
  }
  return true;
}

/**
 * A custom (JS) optimizer: plain SGD with learning rate 0.1, rounded in float32 as the native SGD
 * without momentum rounds `w − g·lr`. The engine treats it as any user subclass (it zeroes the
 * gradients itself, and a device refuses it).
 */
export class PlainSgd extends Optimizer {
  readonly className = 'PlainSgd';
  learningRate = 0.1;
  currentLearningRate(): number { return 0.1; }
  build(): void {}
  apply(_ctx: unknown, params: Float32Array, grads: Float32Array): void {
    for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i] - Math.fround(grads[i] * Math.fround(0.1)));
    this.iterations++;
  }
  slots(): { name: string; values: Float32Array }[] { return []; }
  getConfig(): Record<string, unknown> { return {}; }
}
