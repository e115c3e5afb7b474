// Runs one layer standalone, as the engine would: io buffers sized from outputShape and
// workspaceSize, a RunContext on the raw addon, gradient buffers for the trainable weights, and a
// fixed random stream. Plus deterministic weights and a finite-difference gradient check.
import { expect } from 'vitest';
import { HOST_MEMORY } from '../../src/engine/device.js';
import type { Layer, LayerGradIO, LayerIO, RunContext } from '../../src/engine/layer.js';
import { loadAddon, resolveBackend } from '../../src/native.js';
import type { NativeConvAddon } from '../../src/nativeConv.js';
import { expectClose, finiteDiff, rand } from '../native/helpers.js';

export { expectClose, finiteDiff, rand };

export const addon = loadAddon() as NativeConvAddon;
export const backend = resolveBackend(undefined);

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A RunContext whose random stream is fixed (seed 1234, offset 0) and counts its calls. */
export function makeContext(batch: number, training: boolean, seed = 1234n): RunContext & { streamCalls: number } {
  const ctx = {
    addon, backend, batch, training, streamCalls: 0, memory: HOST_MEMORY,
    randomStream(_layer: Layer, _count: number) {
      ctx.streamCalls++;
      return { seed, offset: 0n };
    },
  };
  return ctx;
}

/** Fills every weight deterministically: gamma and moving_variance positive, the rest in [-0.5, 0.5). */
export function fillWeights(layer: Layer, seed = 7): void {
  layer.weights.forEach((w, i) => {
    const positive = w.name === 'gamma' || w.name === 'moving_variance';
    w.value.set(rand(w.size, seed + 101 * i, positive ? 0.5 : -0.5, positive ? 1.5 : 0.5));
  });
}

/** One layer with engine-like buffers for a fixed batch size. */
export class Runner {
  readonly inSize: number;
  readonly outSize: number;
  readonly inp: Float32Array;
  readonly out: Float32Array;
  readonly ws: Float32Array;
  readonly dout: Float32Array;
  readonly dinp: Float32Array;

  constructor(readonly layer: Layer, readonly inputShape: readonly number[], readonly batch: number) {
    if (!layer.built) layer.build(inputShape);
    this.inSize = size(inputShape);
    this.outSize = size(layer.outputShape);
    this.inp = new Float32Array(batch * this.inSize);
    this.out = new Float32Array(batch * this.outSize);
    this.ws = new Float32Array(layer.workspaceSize(batch));
    this.dout = new Float32Array(batch * this.outSize);
    this.dinp = new Float32Array(batch * this.inSize);
    for (const w of layer.trainableWeights) w.grad = new Float32Array(w.size);
  }

  get io(): LayerGradIO {
    return { inp: this.inp, out: this.out, ws: this.ws, dout: this.dout, dinp: this.dinp };
  }

  /** Runs forward on `x` (copied into the input buffer) and returns the output buffer. */
  forward(x: ArrayLike<number>, training = true): Float32Array {
    this.inp.set(x);
    this.layer.forward(makeContext(this.batch, training), this.io as LayerIO);
    return this.out;
  }

  /**
   * Runs backward with `dout` (copied: layers may overwrite it) after zeroing dinp and the
   * weight gradients; returns dinp (or null when `withDinp` is false).
   */
  backward(dout: ArrayLike<number>, opts: { fromPreActivation?: boolean; withDinp?: boolean; training?: boolean } = {}): Float32Array | null {
    this.dout.set(dout);
    this.dinp.fill(0);
    for (const w of this.layer.trainableWeights) w.grad!.fill(0);
    const io: LayerGradIO = { ...this.io, dinp: opts.withDinp === false ? null : this.dinp };
    this.layer.backward(makeContext(this.batch, opts.training ?? true), io, opts.fromPreActivation ?? false);
    return io.dinp;
  }

  /** Σ out·r in float64 after a forward on the current input buffer. */
  loss(r: ArrayLike<number>, training = true): number {
    this.layer.forward(makeContext(this.batch, training), this.io as LayerIO);
    let s = 0;
    for (let i = 0; i < this.out.length; i++) s += this.out[i] * r[i];
    return s;
  }
}

export interface GradCheckOptions {
  batch?: number;
  seed?: number;
  /** Finite-difference step. Defaults to 1e-2. */
  h?: number;
  atol?: number;
  rtol?: number;
  training?: boolean;
  /** Input range. Defaults to [-1, 1). */
  range?: [number, number];
  /** Input values to use instead of random ones. */
  x?: Float32Array;
}

/**
 * Checks backward against central finite differences of Σ out·r (float64 over the float32
 * forward), for the input and every trainable weight. Returns the runner for further checks.
 */
export function checkGradients(layer: Layer, inputShape: readonly number[], opts: GradCheckOptions = {}): Runner {
  const { batch = 2, seed = 3, h = 1e-2, atol = 2e-3, rtol = 1e-2, training = true } = opts;
  const run = new Runner(layer, inputShape, batch);
  if (!layer.weights.some((w) => w.value.some((v) => v !== 0))) fillWeights(layer, seed);
  const [lo, hi] = opts.range ?? [-1, 1];
  const x = opts.x ?? rand(run.inp.length, seed + 1, lo, hi);
  const r = rand(run.out.length, seed + 2);
  run.forward(x, training);
  const dinp = Float32Array.from(run.backward(r, { training })!);
  const grads = layer.trainableWeights.map((w) => Float32Array.from(w.grad!));
  run.inp.set(x);
  const what = `${layer.className} ${JSON.stringify(layer.getConfig())}`;
  expectClose(dinp, finiteDiff(run.inp, h, () => run.loss(r, training)), atol, rtol, `${what}: dinp`);
  layer.trainableWeights.forEach((w, i) => {
    run.inp.set(x);
    expectClose(grads[i], finiteDiff(w.value, h, () => run.loss(r, training)), atol, rtol, `${what}: d${w.name}`);
  });
  return run;
}

/** Asserts that `fn` throws an error of class `type` whose message contains every fragment. */
export function expectThrows(fn: () => unknown, type: new (...a: never[]) => Error, ...fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(type);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}
