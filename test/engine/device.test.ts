/**
 * Device selection (`compile({device})`, `setBackend`, `backendInfo().devices`), its errors, and
 * training on a real CUDA device when this machine has one: the same MLP and small CNN as on the
 * CPU, within tolerance (CUDA kernels sum in other orders than the CPU's). Without a device the
 * CUDA cases are skipped and the error paths are tested instead. The simulated device, which
 * checks the engine's transfers bitwise, is tested in deviceSim.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backendInfo, getBackend, setBackend } from '../../src/backend.js';
import { EarlyStopping } from '../../src/callbacks/earlyStopping.js';
import { LambdaCallback } from '../../src/callbacks/lambdaCallback.js';
import { ModelDevice } from '../../src/engine/device.js';
import type { Sequential } from '../../src/engine/sequential.js';
import { Sequential as Seq } from '../../src/engine/sequential.js';
import { NativeError, ValueError } from '../../src/errors.js';
import { BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D } from '../../src/layers/index.js';
import type { NativeAddon } from '../../src/native.js';
import { Optimizer } from '../../src/optimizers/optimizer.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { setSeed } from '../../src/random.js';
import { Tensor, tensor } from '../../src/tensor.js';
import { rng } from './helpers.js';

const info = backendInfo();
const cuda = info.cuda.devices > 0;

function data(n: number, shape: readonly number[], classes: number, seed: number): { x: Tensor; y: Tensor } {
  const r = rng(seed), f = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * f), y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i * classes + c] = 1;
    for (let j = 0; j < f; j++) x[i * f + j] = (j % classes === c ? 1 : 0) + (r() - 0.5);
  }
  return { x: tensor(x, [n, ...shape]), y: tensor(y, [n, classes]) };
}

const mlp = (): Sequential => {
  setSeed(3);
  return new Seq([new Dense({ units: 32, activation: 'relu', inputShape: [6] }), new Dense({ units: 3, activation: 'softmax' })]);
};

const cnn = (): Sequential => {
  setSeed(5);
  return new Seq([
    new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
    new BatchNormalization(),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }),
    new Flatten(),
    new Dropout({ rate: 0.25 }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
};

/** The reference CNN's shape: each pooling right after a ReLU, so its backward runs fused. */
const cnnPooled = (): Sequential => {
  setSeed(6);
  return new Seq([
    new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 8, kernelSize: 2, activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Flatten(),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
};

/** |a − b| <= atol + rtol·|b| elementwise, with the worst element in the message. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let worst = -1, excess = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (!(e <= excess)) [worst, excess] = [i, Number.isNaN(e) ? Infinity : e];
  }
  expect(worst, `${what}: element ${worst} is ${a[worst]}, expected ${b[worst]}`).toBe(-1);
}

afterEach(() => {
  setBackend('cpu');
  vi.restoreAllMocks();
});

describe('device selection', () => {
  it('backendInfo lists one entry per CUDA device', () => {
    expect(info.devices).toHaveLength(info.cuda.devices);
    info.devices.forEach((d, i) => {
      expect(d.index).toBe(i);
      expect(d.name.length).toBeGreaterThan(0);
      expect(d.memoryBytes).toBeGreaterThan(0);
      expect(d.computeCapability).toMatch(/^\d+\.\d+$/);
    });
  });

  it("defaults to 'cpu'; setBackend validates its argument", () => {
    expect(getBackend()).toBe('cpu');
    expect(() => setBackend('gpu' as never)).toThrow(ValueError);
    expect(() => setBackend('gpu' as never)).toThrow(/setBackend: argument "device" expected one of 'cpu', 'cuda', 'auto', received "gpu"/);
    expect(() => mlp().compile({ loss: 'meanSquaredError', device: 'tpu' as never })).toThrow(/compile: option "device" expected one of/);
  });

  it.skipIf(cuda)("'cuda' without a device is a ValueError naming the argument and saying why", () => {
    const why = info.cuda.built ? /no CUDA device was found.*includes CUDA support/ : /no CUDA device was found.*no CUDA support/;
    expect(() => mlp().compile({ loss: 'meanSquaredError', device: 'cuda' })).toThrow(ValueError);
    expect(() => mlp().compile({ loss: 'meanSquaredError', device: 'cuda' })).toThrow(/^compile: option "device" expected/);
    expect(() => mlp().compile({ loss: 'meanSquaredError', device: 'cuda' })).toThrow(why);
    expect(() => setBackend('cuda')).toThrow(/^setBackend: argument "device" expected 'cpu' or 'auto' \(no CUDA device was found\), received "cuda"/);
    expect(getBackend()).toBe('cpu');
  });

  it.skipIf(cuda)("'auto' without a device trains on the CPU after one notice per process", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    setBackend('auto');
    expect(getBackend()).toBe('auto');
    const d = data(16, [6], 3, 1);
    const a = mlp(), b = mlp();
    a.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' }); // the global 'auto'
    b.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', device: 'cpu' });
    await a.fit(d.x, d.y, { epochs: 1, batchSize: 4, verbose: 0 });
    await b.fit(d.x, d.y, { epochs: 1, batchSize: 4, verbose: 0 });
    mlp().compile({ loss: 'meanSquaredError', device: 'auto' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^kerno: device 'auto' found no CUDA device; using the CPU\./);
    expect(a.getWeights().map((t) => Array.from(t.data))).toEqual(b.getWeights().map((t) => Array.from(t.data)));
  });

  it('a custom Optimizer subclass is refused on a device', () => {
    class Custom extends Optimizer {
      readonly className = 'Custom';
      learningRate = 0.1;
      currentLearningRate(): number { return 0.1; }
      build(): void {}
      apply(): void {}
      slots(): { name: string; values: Float32Array }[] { return []; }
      getConfig(): Record<string, unknown> { return {}; }
    }
    const target = { backend: 0, onDevice: true, name: 'cuda' };
    expect(() => new ModelDevice(target, {} as NativeAddon).bindSlots(new Custom())).toThrow(/a built-in optimizer .* to train on device "cuda"/);
  });

  it('device out-of-memory is a NativeError saying so', () => {
    const addon = {
      mirrorCreate(): never {
        throw Object.assign(new Error('mirrorCreate: KERNO_ERR_OUT_OF_MEMORY (out of memory): out of device memory: backend "cuda" could not allocate 4096 bytes.'),
          { code: 'KERNO_ERR_OUT_OF_MEMORY', status: 'out of memory' });
      },
    } as unknown as NativeAddon;
    const dev = new ModelDevice({ backend: 9, onDevice: true, name: 'cuda' }, addon);
    let error: unknown;
    try {
      dev.mirror(new Float32Array(1024));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NativeError);
    expect((error as NativeError).code).toBe('KERNO_ERR_OUT_OF_MEMORY');
    expect((error as NativeError).message).toMatch(/out of device memory/);
  });
});

// Tolerances: float32 with different summation orders over a few steps of training.
describe.skipIf(!cuda)('training on CUDA matches the CPU within tolerance', () => {
  for (const [name, build, shape, batchSize] of [['MLP', mlp, [6], 16], ['MLP at batch 1 (weight gradients generated by the optimizer)', mlp, [6], 1],
    ['CNN', cnn, [12, 12, 1], 16], ['CNN, pooling after ReLU', cnnPooled, [12, 12, 1], 16]] as const) {
    it(name, async () => {
      const d = data(64, shape, 3, 7), v = data(16, shape, 3, 8);
      const run = async (device: 'cpu' | 'cuda') => {
        const m = build();
        // SGD: its updates are linear in the gradients, so rounding differences stay small (Adam's
        // m/√v can turn a near-zero gradient's rounding into a full step of either sign).
        m.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'], device });
        const mid: number[][] = [];
        const peek = new LambdaCallback({ onEpochEnd: () => void mid.push(m.getWeights().flatMap((t) => Array.from(t.data))) });
        const stop = new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 2, restoreBestWeights: true });
        const h = await m.fit(d.x, d.y, { epochs: 4, batchSize, verbose: 0, validationData: [v.x, v.y], callbacks: [peek, stop] });
        const pred = Array.from((await m.predict(v.x, { verbose: 0 })).data);
        const ev = (await m.evaluate(v.x, v.y, { verbose: 0 })) as number[];
        return { loss: h.history.loss, mid, w: m.getWeights().flatMap((t) => Array.from(t.data)), pred, ev };
      };
      const cpu = await run('cpu'), dev = await run('cuda');
      expectClose(dev.loss, cpu.loss, 1e-4, 1e-3, 'epoch losses');
      dev.mid.forEach((w, i) => expectClose(w, cpu.mid[i], 1e-4, 1e-3, `weights after epoch ${i}`));
      expectClose(dev.w, cpu.w, 1e-4, 1e-3, 'restored weights');
      expectClose(dev.pred, cpu.pred, 1e-4, 1e-3, 'predictions');
      expectClose([dev.ev[0]], [cpu.ev[0]], 1e-4, 1e-3, 'evaluate loss');
    });
  }
});
