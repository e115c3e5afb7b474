// Huber: Keras defaults and options, name resolution, the kernel it names with its delta (values
// against float64 on both sides of delta), and that compile/fit hand the delta to the kernel.
// Keras's own values are pinned in test/native/keras_activation_loss.test.ts (huber cases).
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { KernoError, ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/dense.js';
import { Huber, getLoss } from '../../src/losses/index.js';
import { lossForward, loadAddon } from '../../src/native.js';
import { SGD } from '../../src/optimizers/index.js';
import { tensor } from '../../src/tensor.js';

const addon = loadAddon();
const backend = addon.backendInfo().defaultBackend;

/** Per-sample Huber in float64: mean over the row of 0.5·e² or δ·|e| − 0.5·δ². */
function huber64(pred: ArrayLike<number>, target: ArrayLike<number>, B: number, C: number, delta: number): number[] {
  return Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.abs(pred[b * C + c] - target[b * C + c]);
      s += e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    }
    return s / C;
  });
}

describe('Huber', () => {
  it("is getLoss('huber') with Keras's default delta 1 and name huber_loss", () => {
    const l = getLoss('huber');
    expect(l).toBeInstanceOf(Huber);
    expect([l.className, l.name, l.targetKind, l.fusesWith(), l.fromLogits, l.labelSmoothing])
      .toEqual(['Huber', 'huber_loss', 'elementwise', undefined, false, 0]);
    expect(l.getConfig()).toEqual({ name: 'huber_loss', delta: 1 });
    expect(new Huber({ delta: 0.25 }).getConfig()).toEqual({ name: 'huber_loss', delta: 0.25 });
    expect(l.nativeKind(false)).toBe(8);
    expect(() => l.nativeKind(true)).toThrow(KernoError);
  });

  it.each([0, -1, NaN, Infinity, '1'])('rejects delta %j naming the option', (d) => {
    expect(() => new Huber({ delta: d as number })).toThrow(ValueError);
    expect(() => new Huber({ delta: d as number })).toThrow(/Huber: option "delta" expected a finite number > 0/);
  });

  it.each([0.5, 1, 2])('the kernel with delta %d matches float64 on both branches', (delta) => {
    const B = 3, C = 4;
    const pred = Float32Array.from({ length: B * C }, (_, i) => Math.sin(i * 1.7) * 3);
    const target = Float32Array.from({ length: B * C }, (_, i) => Math.cos(i * 0.9));
    const loss = new Float32Array(B);
    addon.lossForward(backend, loss, pred, target, B, C, new Huber({ delta }).nativeKind(false), 0, delta);
    const want = huber64(pred, target, B, C, delta);
    loss.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    // The rows mix errors below and above delta, so a wrong delta would show.
    const errs = Array.from(pred, (p, i) => Math.abs(p - target[i]));
    expect(errs.some((e) => e < delta) && errs.some((e) => e > delta)).toBe(true);
  });

  it('the wrapper takes delta for huber only, finite and > 0, and the kernel refuses a bad one', () => {
    const args = { pred: new Float32Array(4), target: new Float32Array(4), batch: 2, classes: 2 };
    expect(() => lossForward('meanSquaredError', { ...args, delta: 2 })).toThrow(/lossForward: argument "delta" expected no delta for meanSquaredError/);
    expect(() => lossForward('huber', { ...args, delta: 0 })).toThrow(/argument "delta" expected a finite number > 0, received 0/);
    expect(lossForward('huber', { ...args, delta: 2 })).toEqual(new Float32Array(2));
    expect(() => addon.lossForward(backend, new Float32Array(2), args.pred, args.target, 2, 2, 8, 0, -1)).toThrow(/INVALID_ARGUMENT|invalid argument/);
  });

  it('compile/fit pass delta to the kernel: one SGD step equals the float64 Huber gradient step', async () => {
    const delta = 0.5, lr = 0.1;
    const x = [[1, 2], [-1, 0.5], [0.3, -2], [2, 1]], y = [[0.2], [3], [-0.1], [0.5]];
    const k0 = [0.4, -0.3], b0 = 0.1;
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    model.setWeights([tensor(Float32Array.from(k0), [2, 1]), tensor(Float32Array.from([b0]), [1])]);
    model.compile({ optimizer: new SGD({ learningRate: lr }), loss: new Huber({ delta }) });
    const h = await model.fit(tensor(x), tensor(y), { batchSize: 4, epochs: 1, verbose: 0, shuffle: false });
    // d mean_B huber / dp = clamp(e, −δ, δ) / B.
    const pred = x.map((r) => r[0] * k0[0] + r[1] * k0[1] + b0);
    const d = pred.map((p, i) => Math.max(-delta, Math.min(delta, p - y[i][0])) / x.length);
    const k = k0.map((w, j) => w - lr * d.reduce((s, di, i) => s + di * x[i][j], 0));
    const b = b0 - lr * d.reduce((s, di) => s + di, 0);
    const [kernel, bias] = model.getWeights();
    Array.from(kernel.data).forEach((v, j) => expect(v).toBeCloseTo(k[j], 6));
    expect(bias.data[0]).toBeCloseTo(b, 6);
    const loss0 = huber64(pred, y.flat(), 4, 1, delta).reduce((s, v) => s + v, 0) / 4;
    expect(h.history.loss[0]).toBeCloseTo(loss0, 6);
    // With delta 1 two of the four errors would sit on the quadratic branch instead.
    expect(pred.filter((p, i) => Math.abs(p - y[i][0]) > delta && Math.abs(p - y[i][0]) <= 1).length).toBeGreaterThan(0);
  });
});
